package cases

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"onestamp/internal/platform/db"
	"onestamp/internal/platform/db/dbtest"
	"onestamp/internal/platform/workday"
)

func (f *fixture) demoEnv(n int) DemoEnv {
	return DemoEnv{
		Units: map[string]Unit{"city.hall": testUnits["hall-a"], "donghu.hall": testUnits["hall-b"],
			"city.bureau": testUnits["bureau-a"], "donghu.bureau": testUnits["bureau-b"]},
		Users: map[string]string{"clerk": clerkA.ID, "reviewer": reviewerA.ID, "chief": chiefA.ID, "signer": signerA.ID,
			"head": headA.ID, "county.clerk": clerkB.ID, "county.reviewer": reviewerB.ID, demoApplicantID: alice.ID},
		Windows: map[string][]WindowChoice{"city.hall": {{ID: "A-01", Number: "1"}, {ID: "A-02", Number: "2"}},
			"donghu.hall": {{ID: "B-01", Number: "1"}}},
		Items: []string{f.licence.ID, f.direct.ID, f.instant.ID, f.promise.ID, f.citywide.ID, "no-such-item"},
		Cases: n,
	}
}

// TestDemoYear: the demo year holds cases in every state, ending today, and its rows are the
// service's own: the daily recompute finds nothing to change, the sweep nothing it missed, the
// clock facts fold again from the stored history, and the service carries the open cases on.
func TestDemoYear(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.clock.on("2026-03-18")
		ctx := context.Background()
		env := f.demoEnv(1500)
		env.Items = append(env.Items, f.jointItem().ID)
		st, err := f.svc.LoadDemo(ctx, env)
		if err != nil {
			t.Fatal(err)
		}
		if st.Cases < 1500 || st.Open == 0 || st.Events < 10*st.Cases/2 {
			t.Fatalf("demo stats %+v", st)
		}
		t.Logf("demo: %+v", st)
		states := map[State]int{}
		var flags Flags
		rows, err := d.Read.Query("SELECT state, flags FROM cases")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s int
			var fl int64
			rows.Scan(&s, &fl)
			states[State(s)]++
			flags |= Flags(fl)
		}
		rows.Close()
		for _, s := range []State{StReceived, StCorrection, StInReview, StSuspended, StApproved, StConcluded, StDelivered,
			StDenied, StRejected, StWithdrawn, StTerminated} {
			if states[s] == 0 && s != StApproved && s != StDenied {
				t.Errorf("no demo case is %s: %v", s, states)
			}
		}
		for _, fl := range []Flag{FlagAcceptPending, FlagExtended, FlagOverdue, FlagCityWide} {
			if !flags.Has(fl) {
				t.Errorf("no demo case has flag %v", Flags(fl).Names())
			}
		}
		// The joint item's cases asked the departments, who answered.
		var asked, answered int
		d.Read.QueryRow("SELECT COUNT(*) FROM case_events WHERE action = 'consult'").Scan(&asked)
		d.Read.QueryRow("SELECT COUNT(*) FROM case_events WHERE action = 'joint_opinion'").Scan(&answered)
		if asked == 0 || answered == 0 {
			t.Errorf("joint opinions in the demo: %d asked, %d answered", asked, answered)
		}
		// Nothing happened after now, and nothing before a year ago.
		var first, last int64
		d.Read.QueryRow("SELECT MIN(at), MAX(at) FROM case_events").Scan(&first, &last)
		now := f.clock.Now()
		if time.UnixMilli(last).After(now) || time.UnixMilli(first).Before(now.AddDate(-1, 0, -2)) {
			t.Errorf("events from %v to %v, now %v", time.UnixMilli(first), time.UnixMilli(last), now)
		}
		// The service's own daily jobs find the rows as they would have left them.
		rs, err := f.svc.RecomputeAll(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if rs.Changed != 0 {
			t.Errorf("recompute after the demo changed %d of %d open cases", rs.Changed, rs.Cases)
		}
		ss, err := f.svc.Sweep(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if ss.Overdue != 0 || ss.Deemed != 0 || ss.Reminded != 0 {
			t.Errorf("the sweep after the demo still found work: %+v", ss)
		}
		// The stored clock facts are the fold of the stored history.
		ids, _ := f.svc.st.ids(ctx, d.Read, "SELECT id FROM cases ORDER BY id LIMIT 300")
		for _, id := range ids {
			r, err := f.svc.st.getCase(ctx, d.Read, id)
			if err != nil {
				t.Fatal(err)
			}
			evs, err := f.svc.st.events(ctx, d.Read, "case_id", id)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := mustJSON(foldFacts(evs)), mustJSON(r.Facts); got != want {
				t.Fatalf("case %s: facts %s, history folds to %s", r.No, want, got)
			}
			if last := evs[len(evs)-1].Seq; last != r.Version {
				t.Fatalf("case %s: version %d, last event seq %d", r.No, r.Version, last)
			}
		}
		// The demo accounts find work in their queues, and the service carries it on.
		for _, v := range []string{"clerkA", "reviewerA", "signerA"} {
			p, err := f.svc.Queue(as(testViewers[v]), QueueQuery{Queue: QueueTodo})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Items) == 0 {
				t.Errorf("%s has nothing to do in the demo", v)
			}
		}
		p, _ := f.svc.Queue(as(alice), QueueQuery{Queue: QueueMine})
		if len(p.Items) < 3 {
			t.Errorf("the demo applicant has %d cases", len(p.Items))
		}
		page, err := f.svc.Queue(as(reviewerA), QueueQuery{Queue: QueueTodo, Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		moved := 0
		for _, s := range page.Items {
			if s.State != StInReview && s.State != StAccepted {
				continue
			}
			c := f.get(s.ID)
			if _, err := f.svc.Advance(as(reviewerA), c.ID, c.Version, AdvanceInput{Outcome: "agree", Opinion: "同意"}); err != nil {
				t.Errorf("advance demo case %s (%s, step %s): %v", c.No, c.StateName, c.StepName, err)
			}
			if moved++; moved == 5 {
				break
			}
		}
		if moved == 0 {
			t.Errorf("no demo case waits for the reviewer")
		}
		// Numbers issued after the demo do not collide with its numbers.
		c := f.walkIn(f.licence)
		if c.No == "" {
			t.Fatal("no number")
		}
		_ = workday.Date(0)
	})
}

// BenchmarkDemoYear measures the demo load on SQLite (and PostgreSQL when configured):
// ONESTAMP_DEMO_CASES cases, default DemoCases.
func BenchmarkDemoYear(b *testing.B) {
	n := DemoCases
	if v, err := strconv.Atoi(os.Getenv("ONESTAMP_DEMO_CASES")); err == nil && v > 0 {
		n = v
	}
	engines := map[string]func(testing.TB) *db.DB{"sqlite": dbtest.SQLite}
	if os.Getenv(dbtest.EnvPostgres) != "" {
		engines["postgres"] = dbtest.Postgres
	}
	for name, open := range engines {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				f := newFixture(b, open(b))
				b.StartTimer()
				st, err := f.svc.LoadDemo(context.Background(), f.demoEnv(n))
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(st.Events), "events")
				b.ReportMetric(float64(st.Cases), "cases")
			}
		})
	}
}
