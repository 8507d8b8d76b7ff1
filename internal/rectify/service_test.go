package rectify

import (
	"context"
	"database/sql"
	"slices"
	"sync"
	"testing"
	"time"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/db/dbtest"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/notify"
	"onestamp/internal/platform/outbox"
	"onestamp/internal/platform/web"
)

const (
	cityCode = "369900000000"
	countyA  = "369901000000"
	unitA    = "unit-a"
)

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 10, 0, 0, 0, web.Shanghai) }

type inbox struct {
	mu   sync.Mutex
	msgs []notify.Message
}

func (b *inbox) Send(_ context.Context, m notify.Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.msgs = append(b.msgs, m)
	return nil
}

func (b *inbox) keys(to string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, m := range b.msgs {
		if m.To == to {
			out = append(out, m.TemplateKey)
		}
	}
	return out
}

// people is a directory with real behaviour: the unit's chief at every level, the city's
// supervisor from 督办 up.
type people struct{}

func (people) Recipients(_ context.Context, unitID string, level Level) ([]string, error) {
	out := []string{"chief-of-" + unitID}
	if level >= LevelEnforce {
		out = append(out, "sup-city")
	}
	return out, nil
}

type env struct {
	t     testing.TB
	d     *db.DB
	s     *Service
	clock *testClock
	box   *inbox
	out   *outbox.Dispatcher
}

func newEnv(t testing.TB, d *db.DB) *env {
	e := &env{t: t, d: d, clock: &testClock{t: day(2026, 3, 10)}, box: &inbox{}}
	e.s = New(Deps{DB: d, Notifier: e.box, Directory: people{}, Now: e.clock.Now}, Options{FilesDir: t.TempDir()})
	e.out = outbox.New(d, outbox.Options{Backoff: time.Millisecond, MaxBackoff: time.Millisecond})
	e.s.RegisterHandlers(e.out)
	return e
}

func (e *env) drain() {
	e.t.Helper()
	for range 100 {
		n, err := e.out.RunOnce(context.Background())
		if err != nil {
			e.t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}

func (e *env) emit(topic string, payload any) {
	e.t.Helper()
	if err := e.d.Tx(context.Background(), func(tx *sql.Tx) error {
		_, err := outbox.Emit(context.Background(), tx, topic, "test", payload)
		return err
	}); err != nil {
		e.t.Fatal(err)
	}
}

func staff(id string, role auth.Role, unit, region string) context.Context {
	return auth.WithViewer(context.Background(), &auth.Viewer{Kind: auth.KindStaff, ID: id, Name: id, UnitID: unit,
		RegionCode: region, Roles: []auth.Role{role}, Role: role})
}

var (
	chiefA    = staff("chief-a", auth.Chief, unitA, countyA)
	clerkA    = staff("clerk-a", auth.Clerk, unitA, countyA)
	supCity   = staff("sup-city", auth.Supervisor, "unit-dcb", cityCode)
	supOfUnit = staff("sup-a", auth.Supervisor, unitA, countyA)
	clerkB    = staff("clerk-b", auth.Clerk, "unit-b", "369902000000")
)

func badRatingEvent(id string, realName bool) map[string]any {
	return map[string]any{"rating_id": id, "case_no": "ZW2026000001", "item_name": "食品经营许可", "unit_id": unitA,
		"unit_name": "甲县市场监管局", "region_code": countyA, "window_no": "A01", "level": 1, "reasons": []string{"B01"},
		"comment": "态度差", "channel": "sms", "real_name": realName, "rated_on": "2026-03-10", "rated_at": 0,
		"staff": []map[string]string{{"id": "clerk-a", "name": "李窗口"}}}
}

func wantCode(t testing.TB, err error, code errs.Code, key string) {
	t.Helper()
	if !errs.Is(err, code) || (key != "" && errs.As(err).Key != key) {
		t.Fatalf("want %s %s, got %v", code, key, err)
	}
}

func TestBadRatingOpensItemWithDeadline(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.emit(TopicRatingBad, badRatingEvent("r1", true))
		e.emit(TopicRatingBad, badRatingEvent("r1", true)) // delivered twice: one item
		e.drain()
		p, err := e.s.List(supCity, Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Items) != 1 {
			t.Fatalf("%d items, want 1", len(p.Items))
		}
		it := p.Items[0]
		// 15 working days from Tuesday 2026-03-10 (no holiday in between): Tuesday 2026-03-31.
		if it.DueOn != "2026-03-31" || it.State != StateOpen || it.UnitID != unitA || !it.CallbackNeeded ||
			it.No != "ZG2026-000001" || it.SourceKind != SourceRating || it.SourceID != "r1" {
			t.Fatalf("item: %+v", it)
		}
		// Another county's clerk does not see it.
		if p, _ := e.s.List(clerkB, Filter{}); len(p.Items) != 0 {
			t.Fatal("visible outside the scope")
		}
		if _, err := e.s.Get(clerkB, it.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("get outside scope: %v", err)
		}
	})
}

func TestLifecycleAndCloseOutRules(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.emit(TopicRatingBad, badRatingEvent("r1", true))
		e.drain()
		p, _ := e.s.List(supCity, Filter{})
		id := p.Items[0].ID

		_, err := e.s.Start(supCity, id, 0)
		wantCode(t, err, errs.Forbidden, "")
		it, err := e.s.Start(chiefA, id, 0)
		if err != nil || it.State != StateInProgress || it.OwnerID != "chief-a" {
			t.Fatalf("start: %v %+v", err, it)
		}
		_, err = e.s.Submit(chiefA, id, 0)
		wantCode(t, err, errs.Conflict, "rectify.outcome.required")
		if _, err = e.s.Plan(chiefA, id, PlanInput{Outcome: OutcomeFixedNow, Measures: "当面致歉并当场办结"}); err != nil {
			t.Fatal(err)
		}
		_, err = e.s.Submit(chiefA, id, 0)
		wantCode(t, err, errs.Conflict, "rectify.evidence.required")
		if _, err = e.s.AddEvidence(clerkA, id, EvidenceInput{Name: "整改说明.pdf", Content: testPDF}); err != nil {
			t.Fatal(err)
		}
		_, err = e.s.AddEvidence(clerkA, id, EvidenceInput{Name: "x.exe", Content: []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00")})
		wantCode(t, err, errs.Invalid, "blob.type")
		it, err = e.s.Submit(chiefA, id, 0)
		if err != nil || it.State != StateSubmitted || !it.OnTime {
			t.Fatalf("submit: %v %+v", err, it)
		}
		// The verifier must be a supervisor and not the owner (DOMAIN §8.3); the unit's own
		// supervision staff may verify.
		_ = supOfUnit
		_, err = e.s.Verify(chiefA, id, VerifyInput{Accept: true})
		wantCode(t, err, errs.Forbidden, "")
		it, err = e.s.Verify(supCity, id, VerifyInput{Accept: true, Note: "核实属实"})
		if err != nil || it.State != StateVerified {
			t.Fatalf("verify: %v %+v", err, it)
		}
		// A real-name bad rating closes only after a callback.
		_, err = e.s.Close(supCity, id, 0, "")
		wantCode(t, err, errs.Conflict, "rectify.callback.required")
		for i := range 2 {
			if it, err = e.s.RecordCallback(clerkA, id, CallbackInput{Reached: false, Note: "无人接听"}); err != nil || it.CallbackDone {
				t.Fatalf("unanswered call %d: %v %+v", i+1, err, it)
			}
		}
		it, err = e.s.RecordCallback(supCity, id, CallbackInput{Reached: false})
		if err != nil || !it.CallbackDone || !it.Unreachable || len(it.Callbacks) != 3 {
			t.Fatalf("third unanswered call: %v %+v", err, it)
		}
		it, err = e.s.RecordCallback(clerkA, id, CallbackInput{Reached: true, Satisfaction: Satisfied})
		if err != nil || it.Unreachable || it.Satisfaction != Satisfied {
			t.Fatalf("reached: %v %+v", err, it)
		}
		it, err = e.s.Close(supCity, id, 0, "销号")
		if err != nil || it.State != StateClosed || it.ClosedOn != "2026-03-10" || it.ClosedBy != "sup-city" {
			t.Fatalf("close: %v %+v", err, it)
		}
		_, err = e.s.RecordCallback(clerkA, id, CallbackInput{Reached: true})
		wantCode(t, err, errs.Conflict, "rectify.state.not_allowed")
		// Reopened: a new cycle with a fresh deadline, and the callback is needed again.
		e.clock.Set(day(2026, 3, 12))
		it, err = e.s.Reopen(supCity, id, 0, "群众反映问题仍存在")
		if err != nil || it.State != StateReopened || it.Cycle != 2 || it.StartedOn != "2026-03-12" || it.CallbackDone {
			t.Fatalf("reopen: %v %+v", err, it)
		}
		if len(it.History) < 10 {
			t.Fatalf("history has %d lines", len(it.History))
		}
		// A stale version is refused.
		_, err = e.s.Start(chiefA, id, it.Version-1)
		wantCode(t, err, errs.Conflict, "rectify.stale")
	})
}

func TestEscalation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.emit(TopicRatingBad, badRatingEvent("r1", false))
		e.drain()
		p, _ := e.s.List(supCity, Filter{})
		id := p.Items[0].ID
		if _, err := e.s.Start(chiefA, id, 0); err != nil {
			t.Fatal(err)
		}
		steps := []struct {
			day  time.Time
			want int
			lvl  Level
		}{
			{day(2026, 3, 24), 0, 0},           // 5 wd left
			{day(2026, 3, 26), 1, LevelRemind}, // 3 wd left: 提醒
			{day(2026, 3, 31), 0, LevelRemind}, // due today
			{day(2026, 4, 1), 1, LevelUrge},    // overdue: 催办, answer by 04-03
			{day(2026, 4, 3), 0, LevelUrge},
			{day(2026, 4, 7), 1, LevelEnforce}, // 催办 lapsed (04-06 is 清明): 督办 by 04-09
			{day(2026, 4, 10), 1, LevelAlert},  // 督办 lapsed
			{day(2026, 4, 13), 0, LevelAlert},
		}
		for _, st := range steps {
			e.clock.Set(st.day)
			n, err := e.s.RunEscalations(context.Background())
			if err != nil || n != st.want {
				t.Fatalf("%s: issued %d (%v), want %d", st.day.Format("01-02"), n, err, st.want)
			}
			it, _ := e.s.Get(supCity, id)
			if it.Escalation != st.lvl {
				t.Fatalf("%s: level %d, want %d", st.day.Format("01-02"), it.Escalation, st.lvl)
			}
		}
		e.drain()
		if got := e.box.keys("chief-of-unit-a"); len(got) != 4 {
			t.Fatalf("the unit got %v", got)
		}
		if got := e.box.keys("sup-city"); len(got) != 2 || !slices.Contains(got, "rectify.notice.level3") ||
			!slices.Contains(got, "rectify.notice.level4") {
			t.Fatalf("the level above got %v", got)
		}
		if got := e.box.keys("chief-a"); len(got) != 2 {
			t.Fatalf("the owner got %v", got)
		}
		// The list of what the level above watches.
		es, err := e.s.Escalations(staff("leader", auth.Leader, "unit-gov", cityCode), 60)
		if err != nil || len(es) != 3 {
			t.Fatalf("leader's escalations: %v %+v", err, es)
		}
	})
}

func TestUpheldAppealClosesAsAppealed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.emit(TopicRatingBad, badRatingEvent("r1", true))
		e.drain()
		e.emit(TopicAppealDecided, map[string]any{"rating_id": "r1", "outcome": "upheld", "reason": "评价对象错误",
			"decided_by": "sup-city", "decided_name": "督查员"})
		e.drain()
		p, _ := e.s.List(supCity, Filter{})
		it := p.Items[0]
		if it.State != StateClosed || it.Outcome != OutcomeAppealed || it.ClosedBy != "督查员" {
			t.Fatalf("after an upheld appeal: %+v", it)
		}
	})
}

// testPDF is the smallest file the blob store takes for a PDF.
var testPDF = []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
