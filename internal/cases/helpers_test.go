package cases

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"onestamp/internal/platform/audit"
	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/blob"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/gm"
	"onestamp/internal/platform/notify"
	"onestamp/internal/platform/outbox"
	"onestamp/internal/platform/workday"
)

// The test city (3699) with two counties; each county has a hall (窗口) and an approval bureau.
const (
	cityCode = "369900000000"
	countyA  = "369901000000"
	countyB  = "369902000000"
)

var testUnits = map[string]Unit{
	"hall-a":      {ID: "hall-a", Name: "A县政务服务中心", RegionCode: countyA},
	"bureau-a":    {ID: "bureau-a", Name: "A县行政审批局", RegionCode: countyA},
	"hall-b":      {ID: "hall-b", Name: "B县政务服务中心", RegionCode: countyB},
	"bureau-b":    {ID: "bureau-b", Name: "B县行政审批局", RegionCode: countyB},
	"bureau-city": {ID: "bureau-city", Name: "市行政审批局", RegionCode: cityCode},
	"police-b":    {ID: "police-b", Name: "B县公安局", RegionCode: countyB},
	"fire-a":      {ID: "fire-a", Name: "A县消防救援大队", RegionCode: countyA},
}

// fakeCatalog is a small catalogue with the real behaviour cases rely on: versions in force by
// date, deciders by jurisdiction, units and chains.
type fakeCatalog struct {
	mu       sync.Mutex
	versions map[string][]Item // by item id, ascending version
	from     map[string]workday.Date
	deciders map[string]string // itemID|region -> unit id
	chains   map[string]Chain
}

func newCatalog() *fakeCatalog {
	return &fakeCatalog{versions: map[string][]Item{}, from: map[string]workday.Date{}, deciders: map[string]string{},
		chains: map[string]Chain{}}
}

// publish adds a version in force from a date, and routes the item to a deciding unit.
func (c *fakeCatalog) publish(it Item, from workday.Date, decider string) Item {
	c.mu.Lock()
	defer c.mu.Unlock()
	it.Version = len(c.versions[it.ID]) + 1
	c.versions[it.ID] = append(c.versions[it.ID], it)
	c.from[it.ID+"@"+itoa(it.Version)] = from
	c.deciders[it.ID+"|"+it.RegionCode] = decider
	return it
}

func (c *fakeCatalog) ItemAt(_ context.Context, id string, on workday.Date) (Item, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	vs := c.versions[id]
	for i := len(vs) - 1; i >= 0; i-- {
		if !c.from[id+"@"+itoa(vs[i].Version)].After(on) {
			return vs[i], nil
		}
	}
	return Item{}, errs.NotFoundErr("catalog.item.not_found")
}

func (c *fakeCatalog) ItemVersion(_ context.Context, id string, v int) (Item, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	vs := c.versions[id]
	if v < 1 || v > len(vs) {
		return Item{}, errs.NotFoundErr("catalog.item.not_found")
	}
	return vs[v-1], nil
}

func (c *fakeCatalog) Decider(_ context.Context, id, region string, _ workday.Date) (Unit, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	u, ok := c.deciders[id+"|"+region]
	if !ok {
		return Unit{}, errs.InvalidInput("catalog.decider.none")
	}
	return testUnits[u], nil
}

func (c *fakeCatalog) Chain(_ context.Context, id string) (Chain, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch, ok := c.chains[id]
	if !ok {
		return Chain{}, errs.NotFoundErr("catalog.chain.not_found")
	}
	return ch, nil
}

func (c *fakeCatalog) Unit(_ context.Context, id string) (Unit, error) {
	u, ok := testUnits[id]
	if !ok {
		return Unit{}, errs.NotFoundErr("org.unit.not_found")
	}
	return u, nil
}

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// on sets the clock to 10:00 Shanghai time on a date.
func (c *testClock) on(d string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = workday.MustDate(d).Time(10 * time.Hour)
}

type fixture struct {
	t     testing.TB
	d     *db.DB
	svc   *Service
	cat   *fakeCatalog
	clock *testClock
	blobs *blob.Store

	licence, direct, instant, promise, citywide Item
}

// Test people. Region staff of county A and B, the city, and applicants.
var (
	clerkA    = &auth.Viewer{Kind: auth.KindStaff, ID: "u-clerk-a", Name: "窗口甲", UnitID: "hall-a", RegionCode: countyA, Role: auth.Clerk, Roles: []auth.Role{auth.Clerk}}
	clerkB    = &auth.Viewer{Kind: auth.KindStaff, ID: "u-clerk-b", Name: "窗口乙", UnitID: "hall-b", RegionCode: countyB, Role: auth.Clerk, Roles: []auth.Role{auth.Clerk}}
	reviewerA = &auth.Viewer{Kind: auth.KindStaff, ID: "u-rev-a", Name: "审查甲", UnitID: "bureau-a", RegionCode: countyA, Role: auth.Reviewer, Roles: []auth.Role{auth.Reviewer}}
	reviewer2 = &auth.Viewer{Kind: auth.KindStaff, ID: "u-rev-a2", Name: "审查丙", UnitID: "bureau-a", RegionCode: countyA, Role: auth.Reviewer, Roles: []auth.Role{auth.Reviewer}}
	reviewerB = &auth.Viewer{Kind: auth.KindStaff, ID: "u-rev-b", Name: "审查乙", UnitID: "bureau-b", RegionCode: countyB, Role: auth.Reviewer, Roles: []auth.Role{auth.Reviewer}}
	chiefA    = &auth.Viewer{Kind: auth.KindStaff, ID: "u-chief-a", Name: "科长甲", UnitID: "bureau-a", RegionCode: countyA, Role: auth.Chief, Roles: []auth.Role{auth.Chief}}
	chiefB    = &auth.Viewer{Kind: auth.KindStaff, ID: "u-chief-b", Name: "科长乙", UnitID: "bureau-b", RegionCode: countyB, Role: auth.Chief, Roles: []auth.Role{auth.Chief}}
	signerA   = &auth.Viewer{Kind: auth.KindStaff, ID: "u-sign-a", Name: "副局长甲", UnitID: "bureau-a", RegionCode: countyA, Role: auth.Signer, Roles: []auth.Role{auth.Signer}}
	signerB   = &auth.Viewer{Kind: auth.KindStaff, ID: "u-sign-b", Name: "副局长乙", UnitID: "bureau-b", RegionCode: countyB, Role: auth.Signer, Roles: []auth.Role{auth.Signer}}
	headA     = &auth.Viewer{Kind: auth.KindStaff, ID: "u-head-a", Name: "局长甲", UnitID: "bureau-a", RegionCode: countyA, Role: auth.Head, Roles: []auth.Role{auth.Head}}
	headB     = &auth.Viewer{Kind: auth.KindStaff, ID: "u-head-b", Name: "局长乙", UnitID: "bureau-b", RegionCode: countyB, Role: auth.Head, Roles: []auth.Role{auth.Head}}
	cityChief = &auth.Viewer{Kind: auth.KindStaff, ID: "u-chief-city", Name: "市科长", UnitID: "bureau-city", RegionCode: cityCode, Role: auth.Chief, Roles: []auth.Role{auth.Chief}}
	auditor   = &auth.Viewer{Kind: auth.KindStaff, ID: "u-sup-a", Name: "督查甲", UnitID: "bureau-a", RegionCode: countyA, Role: auth.Supervisor, Roles: []auth.Role{auth.Supervisor}, Perms: []auth.Permission{auth.PermUnmask}}
	cityView  = &auth.Viewer{Kind: auth.KindStaff, ID: "u-sup-city", Name: "市督查", UnitID: "bureau-city", RegionCode: cityCode, Role: auth.Supervisor, Roles: []auth.Role{auth.Supervisor}}
	alice     = &auth.Viewer{Kind: auth.KindApplicant, ID: "u-alice", Name: "张*", Role: auth.Applicant, Roles: []auth.Role{auth.Applicant}}
	bob       = &auth.Viewer{Kind: auth.KindApplicant, ID: "u-bob", Name: "李*", Role: auth.Applicant, Roles: []auth.Role{auth.Applicant}}
)

// Valid identifiers (DOMAIN §11).
const (
	aliceID   = "11010519491231002X"
	aliceName = "张小梅"
	orgUSCC   = "91350100M000100Y43"
)

func as(v *auth.Viewer) context.Context { return auth.WithViewer(context.Background(), v) }

func newFixture(t testing.TB, d *db.DB) *fixture {
	t.Helper()
	key := make([]byte, gm.MasterKeySize)
	rand.Read(key)
	cipher, err := gm.NewFieldCipher(map[byte][]byte{1: key})
	if err != nil {
		t.Fatal(err)
	}
	bs, err := blob.Open(t.TempDir(), blob.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, d: d, cat: newCatalog(), clock: &testClock{}, blobs: bs}
	f.clock.on("2025-09-24")
	f.svc = New(d, Options{Catalog: f.cat, Audit: audit.New(d), Cipher: cipher, Blobs: bs, Now: f.clock.Now})
	from := workday.MustDate("2025-01-01")
	fields := []Field{{Key: "name", Label: "名称", Required: true}, {Key: "address", Label: "地址", Required: true},
		{Key: "phone", Label: "电话", Type: "phone"}}
	mats := []MaterialSpec{
		{Code: "application", Name: "申请书", Required: true},
		{Code: "id_copy", Name: "身份证明", Required: true, MinTrust: TrustB},
		{Code: "lease", Name: "场所证明", Required: true, PendingAllowed: true},
		{Code: "photo", Name: "照片", Required: false},
	}
	f.licence = f.cat.publish(Item{ID: "item-licence", Code: "L-001", Name: "食品经营许可", RegionCode: countyA,
		Kind: KindPromised, StatutoryWD: 20, PromisedWD: 15, Fields: fields, Materials: mats,
		Steps:        []Step{{Name: "审查", Role: auth.Reviewer}, {Name: "决定", Role: auth.Signer}},
		SpecialSteps: []SpecialStep{{Name: "专家评审", CountsInLimit: false}, {Name: "现场核查", CountsInLimit: true}},
		AcceptUnit:   "hall-a", PendingSupplyWD: 10}, from, "bureau-a")
	direct := f.licence
	direct.ID, direct.Code, direct.Direct = "item-direct", "L-002", true
	f.direct = f.cat.publish(direct, from, "bureau-a")
	f.instant = f.cat.publish(Item{ID: "item-instant", Code: "I-001", Name: "个体工商户名称变更", RegionCode: countyA,
		Kind: KindInstant, StatutoryWD: 20, Fields: fields[:1], Materials: mats[:1], Direct: true, AcceptUnit: "hall-a"}, from, "bureau-a")
	f.promise = f.cat.publish(Item{ID: "item-promise", Code: "P-001", Name: "公共场所卫生许可", RegionCode: countyA,
		Kind: KindPromised, StatutoryWD: 20, PromisedWD: 10, Fields: fields[:1], Materials: mats[:2],
		PromiseAllowed: true, PromiseText: "本人承诺所填信息真实，如有虚假愿承担法律责任。", VerifyMethods: []string{"onsite"},
		VerifyWithinWD: 30, AcceptUnit: "hall-a"}, from, "bureau-a")
	f.citywide = f.cat.publish(Item{ID: "item-city", Code: "C-001", Name: "道路运输经营许可", RegionCode: countyB,
		Kind: KindPromised, StatutoryWD: 20, PromisedWD: 10, Fields: fields[:1], Materials: mats[:1],
		CityWide: true, AcceptUnit: "hall-b"}, from, "bureau-b")
	return f
}

func (f *fixture) applicant() ApplicantInput {
	return ApplicantInput{Type: SubjectPerson, Name: aliceName, IDNumber: aliceID, Mobile: "13800138000"}
}

// ok fails the test on an error and returns the case.
func (f *fixture) ok(c Case, err error) Case {
	f.t.Helper()
	if err != nil {
		f.t.Fatalf("unexpected error: %v", err)
	}
	return c
}

// val returns a function that fails t on an error and returns the value: val[[]Event](t)(f.svc.Events(...)).
func val[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return v
	}
}

// wantErr asserts an error code (and, when key is given, its message key).
func wantErr(t testing.TB, err error, code errs.Code, key string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s %s", code, key)
	}
	e := errs.As(err)
	if e.Code != code || (key != "" && e.Key != key) {
		t.Fatalf("got %v, want %s %s", err, code, key)
	}
}

// pdf is a small valid PDF; n makes distinct contents.
func pdf(n int) []byte {
	return []byte("%PDF-1.4\n% " + strings.Repeat("x", n) + "\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n")
}

func (f *fixture) upload(v *auth.Viewer, id, code string, n int, checked bool) Material {
	f.t.Helper()
	return val[Material](f.t)(f.svc.Upload(as(v), id, code, bytes.NewReader(pdf(n)), UploadInput{Name: code + ".pdf", Checked: checked}))
}

// walkIn opens a window case of the licence item at hall A and receives it, with every required
// material scanned from checked originals.
func (f *fixture) walkIn(it Item) Case {
	f.t.Helper()
	c := f.ok(f.svc.Open(as(clerkA), OpenInput{ItemID: it.ID, Applicant: f.applicant(), OwnerID: alice.ID,
		WindowID: "A-03", Form: map[string]string{"name": "小梅餐馆", "address": "A县人民路1号"}}))
	for i, m := range it.Materials {
		if m.Required {
			f.upload(clerkA, c.ID, m.Code, i, true)
		}
	}
	return f.ok(f.svc.Receive(as(clerkA), c.ID, c.Version, ReceiveInput{}))
}

// day moves the clock to d and runs the daily jobs as the scheduler would: RecomputeAll, then
// Sweep, whose figures it returns.
func (f *fixture) day(d string) SweepStats {
	f.t.Helper()
	f.clock.on(d)
	if _, err := f.svc.RecomputeAll(context.Background()); err != nil {
		f.t.Fatal(err)
	}
	st, err := f.svc.Sweep(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	return st
}

// drain runs the outbox's handlers until nothing is left to deliver.
func drain(t testing.TB, x *outbox.Dispatcher) {
	t.Helper()
	for {
		k, err := x.RunOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if k == 0 {
			return
		}
	}
}

// sent returns the messages of a template, in-app and by SMS.
func (n *notes) sent(key string) (inapp, sms []notify.Message) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, m := range n.msgs {
		switch {
		case m.TemplateKey != key:
		case m.Channel == notify.InApp:
			inapp = append(inapp, m)
		default:
			sms = append(sms, m)
		}
	}
	return inapp, sms
}

func (f *fixture) get(id string) Case {
	f.t.Helper()
	return f.ok(f.svc.Get(as(cityView), id))
}

// counts are the rows a transition writes.
type counts struct{ events, audit, outbox, tasks, cases int }

func (f *fixture) counts() counts {
	f.t.Helper()
	var c counts
	for _, q := range []struct {
		n   *int
		sql string
	}{
		{&c.events, "SELECT COUNT(*) FROM case_events"},
		{&c.audit, "SELECT COUNT(*) FROM audit_records"},
		{&c.outbox, "SELECT COUNT(*) FROM outbox_events"},
		{&c.tasks, "SELECT COUNT(*) FROM case_tasks"},
		{&c.cases, "SELECT COALESCE(SUM(version), 0) FROM cases"},
	} {
		if err := f.d.Read.QueryRow(q.sql).Scan(q.n); err != nil {
			f.t.Fatal(err)
		}
	}
	return c
}

// topics returns the outbox topics emitted for a case, in order.
func (f *fixture) topics(caseID string) []string {
	f.t.Helper()
	rows, err := f.d.Read.Query("SELECT topic FROM outbox_events WHERE key = $1 ORDER BY created_at, id", caseID)
	if err != nil {
		f.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		rows.Scan(&s)
		out = append(out, s)
	}
	return out
}

func (f *fixture) payload(caseID, topic string) string {
	f.t.Helper()
	var p string
	err := f.d.Read.QueryRow("SELECT payload FROM outbox_events WHERE key = $1 AND topic = $2 ORDER BY created_at DESC, id DESC",
		caseID, topic).Scan(&p)
	if err != nil && err != sql.ErrNoRows {
		f.t.Fatal(err)
	}
	return p
}

func actions(evs []Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = string(e.Action)
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
