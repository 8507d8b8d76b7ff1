package cases

import (
	"testing"

	"onestamp/internal/platform/db"
	"onestamp/internal/platform/db/dbtest"
	"onestamp/internal/platform/outbox"
)

// At day 20 of a correction's 30 days the applicant is reminded, once per notice, by SMS and
// in-app, of the reply date (DOMAIN §4.5); a second notice after a resubmission is reminded
// again.
func TestCorrectionReminder(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.clock.on("2025-11-03")
		x := outbox.New(d, outbox.Options{})
		n := &notes{}
		f.svc.RegisterHandlers(x, n)
		f.clock.on("2025-10-09")
		late := f.reach(StCorrection, true) // reply by 11-08: no sweep runs in its last ten days
		f.clock.on("2025-11-03")
		c := f.reach(StCorrection, true) // notice on 11-03, reply by 12-03
		if st := f.day("2025-11-22"); st.Reminded != 0 {
			t.Fatalf("reminded on day 19: %+v", st)
		}
		if st := f.day("2025-11-23"); st.Reminded != 1 {
			t.Fatalf("not reminded on day 20: %+v", st)
		}
		if st := f.day("2025-11-24"); st.Reminded != 0 {
			t.Fatalf("reminded twice: %+v", st)
		}
		drain(t, x)
		inapp, sms := n.sent("cases.notify.correction_due")
		if len(sms) != 1 || sms[0].Args["due"] != "2025-12-03" || len(inapp) != 1 || inapp[0].To != alice.ID {
			t.Fatalf("reminders sent: SMS %+v, in-app %+v", sms, inapp)
		}
		evs := val[[]Event](t)(f.svc.Events(as(alice), c.ID))
		if last := evs[len(evs)-1]; last.Action != ActCorrectionDue || dataString(last.Data, "reply_by") != "2025-12-03" {
			t.Fatalf("the applicant's history ends with %+v", last)
		}
		// After the reply date nobody is reminded (the sweeps above saw the late case past its
		// reply date); it waits, red, for the chief to end it.
		if got := f.get(late.ID); got.Clock.Level != "red" || got.facts.Reminded {
			t.Errorf("the late case: level %s, reminded %v", got.Clock.Level, got.facts.Reminded)
		}
		// The corrections come in on 12-05; a second notice (for the new material) starts a new
		// round, reply by 01-04.
		f.clock.on("2025-12-05")
		f.upload(clerkA, c.ID, "application", 77, true)
		c = f.get(c.ID)
		c = f.ok(f.svc.Resubmit(as(clerkA), c.ID, c.Version, ResubmitInput{}))
		c = f.ok(f.svc.RequestCorrection(as(clerkA), c.ID, c.Version, CorrectionInput{Defects: []Defect{{Material: "application", Problem: "新提交的申请书缺少盖章"}}}))
		if st := f.day("2025-12-24"); st.Reminded != 0 {
			t.Fatalf("second round reminded on day 19: %+v", st)
		}
		if st := f.day("2025-12-25"); st.Reminded != 1 {
			t.Fatalf("second round not reminded on day 20: %+v", st)
		}
		evs = val[[]Event](t)(f.svc.Events(as(alice), c.ID))
		if got := foldFacts(evs); !got.Reminded || got.Corrections != 2 {
			t.Errorf("facts folded: %+v", got)
		}
	})
}
