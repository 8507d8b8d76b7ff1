package rating

import (
	"context"
	"database/sql"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/gm"
	"onestamp/internal/platform/notify"
	"onestamp/internal/platform/outbox"
	"onestamp/internal/platform/web"
)

// Region codes and units of the test city.
const (
	cityCode  = "369900000000"
	countyA   = "369901000000"
	countyB   = "369902000000"
	unitA     = "unit-a" // a department in county A that handles cases
	unitB     = "unit-b" // one in county B
	hallA     = "hall-a"
	windowA1  = "win-a1"
	windowA2  = "win-a2"
	clerkA    = "clerk-a"
	applicant = "appl-1"
	mobile1   = "13800138000"
	idCard1   = "110101199003074477"
)

func init() {
	if err := AddMessages(); err != nil {
		panic(err)
	}
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

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// shanghai returns an instant in Asia/Shanghai.
func shanghai(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, web.Shanghai)
}

// fakeCases is a case source with real behaviour: cases live in a map and are found by id and
// number.
type fakeCases struct {
	mu    sync.Mutex
	cases map[string]CaseInfo
	byNo  map[string]string
}

func newFakeCases() *fakeCases {
	return &fakeCases{cases: map[string]CaseInfo{}, byNo: map[string]string{}}
}

func (f *fakeCases) put(c CaseInfo) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cases[c.ID] = c
	f.byNo[c.No] = c.ID
}

func (f *fakeCases) Case(_ context.Context, id string) (CaseInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.cases[id]
	if !ok {
		return CaseInfo{}, errs.NotFoundErr("case.not_found")
	}
	return c, nil
}

func (f *fakeCases) CaseByNo(_ context.Context, no string) (CaseInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.cases[f.byNo[no]]; ok && c.No == no {
		return c, nil
	}
	return CaseInfo{}, errs.NotFoundErr("case.not_found")
}

// smsBox keeps the messages sent.
type smsBox struct {
	mu   sync.Mutex
	msgs []notify.Message
}

func (b *smsBox) Send(_ context.Context, m notify.Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.msgs = append(b.msgs, m)
	return nil
}

func (b *smsBox) to(mobile string) []notify.Message {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []notify.Message
	for _, m := range b.msgs {
		if m.To == mobile {
			out = append(out, m)
		}
	}
	return out
}

func testCipher(t testing.TB) *gm.FieldCipher {
	t.Helper()
	k := make([]byte, gm.MasterKeySize)
	for i := range k {
		k[i] = byte(i * 7)
	}
	c, err := gm.NewFieldCipher(map[byte][]byte{1: k})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type env struct {
	t     testing.TB
	d     *db.DB
	s     *Service
	cases *fakeCases
	clock *testClock
	sms   *smsBox
	out   *outbox.Dispatcher
	seq   int
}

func newEnv(t testing.TB, d *db.DB, opt Options) *env {
	t.Helper()
	e := &env{t: t, d: d, cases: newFakeCases(), clock: &testClock{t: shanghai(2026, 3, 10, 10, 0)}, sms: &smsBox{}}
	if opt.BaseURL == "" {
		opt.BaseURL = "https://zwfw.example.gov.cn"
	}
	if opt.FilesDir == "" {
		opt.FilesDir = t.TempDir()
	}
	e.s = New(Deps{DB: d, Cipher: testCipher(t), Notifier: e.sms, Cases: e.cases, Now: e.clock.Now}, opt)
	e.out = outbox.New(d, outbox.Options{Backoff: time.Millisecond, MaxBackoff: time.Millisecond})
	e.s.RegisterHandlers(e.out)
	return e
}

// drain delivers every due outbox event.
func (e *env) drain() {
	e.t.Helper()
	for range 100 {
		n, err := e.out.RunOnce(context.Background())
		if err != nil {
			e.t.Fatalf("outbox: %v", err)
		}
		if n == 0 {
			return
		}
	}
	e.t.Fatal("outbox does not drain")
}

// concluded adds a concluded window case of the test applicant, concluded at the given instant.
func (e *env) concluded(at time.Time) CaseInfo {
	e.seq++
	c := CaseInfo{ID: "case-" + itoa(e.seq), No: "ZW2026" + pad(e.seq), ItemID: "item-1", ItemCode: "11369900MB0000001X4000111000001",
		ItemVersion: "3", ItemName: "食品经营许可", UnitID: unitA, UnitCode: "11369901MB0000001X", UnitName: "甲县市场监管局",
		HallID: hallA, HallName: "甲县政务服务中心", WindowID: windowA1, WindowNo: "A01", RegionCode: countyA,
		Staff: []Staff{{ID: clerkA, Name: "李窗口"}}, Status: "concluded", ReceivedAt: at.Add(-72 * time.Hour),
		AcceptedAt: at.Add(-48 * time.Hour), ConcludedAt: at, ApplicantUserID: applicant, ApplicantType: ApplicantPerson,
		ApplicantIDNo: idCard1, ApplicantName: "张三丰", ApplicantMobile: mobile1}
	e.cases.put(c)
	return c
}

func itoa(n int) string { return pad(n)[4:] }

func pad(n int) string {
	s := "00000000" + func() string {
		b := []byte{}
		for n > 0 || len(b) == 0 {
			b = append([]byte{byte('0' + n%10)}, b...)
			n /= 10
		}
		return string(b)
	}()
	return s[len(s)-8:]
}

// Viewers.
func applicantCtx() context.Context {
	return auth.WithViewer(context.Background(), &auth.Viewer{Kind: auth.KindApplicant, ID: applicant, Name: "张*",
		Roles: []auth.Role{auth.Applicant}, Role: auth.Applicant})
}

func staffCtx(id string, role auth.Role, unit, region string, perms ...auth.Permission) context.Context {
	return auth.WithViewer(context.Background(), &auth.Viewer{Kind: auth.KindStaff, ID: id, Name: id, Username: id,
		UnitID: unit, RegionCode: region, Roles: []auth.Role{role}, Role: role, Perms: perms})
}

func tokenCtx(unit, region string, scopes ...string) context.Context {
	return auth.WithViewer(context.Background(), &auth.Viewer{Kind: auth.KindToken, ID: "tok-" + unit, Name: "token",
		UnitID: unit, RegionCode: region, Scopes: scopes})
}

// citySupervisor sees the whole city and belongs to the supervision office.
func citySupervisor(perms ...auth.Permission) context.Context {
	return staffCtx("sup-city", auth.Supervisor, "unit-dcb", cityCode, perms...)
}

func good() Input { return Input{Level: VerySatisfied, Reasons: []Reason{"G01", "G02"}} }
func bad() Input {
	return Input{Level: VeryDissatisfied, Reasons: []Reason{"B01", "B03"}, Comment: "跑了三趟还没办好"}
}

// wantCode fails unless err carries code (and key, when given).
func wantCode(t testing.TB, err error, code errs.Code, key string) {
	t.Helper()
	if !errs.Is(err, code) {
		t.Fatalf("want %s %s, got %v", code, key, err)
	}
	if key != "" && errs.As(err).Key != key {
		t.Fatalf("want key %s, got %v", key, err)
	}
}

func countRatings(t testing.TB, d *db.DB) int {
	t.Helper()
	var n int
	if err := d.Read.QueryRow("SELECT COUNT(*) FROM ratings").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

type sqlTx = sql.Tx

var emit = outbox.Emit

func jsonEncode(v any) ([]byte, error) { return json.Marshal(v) }
