package cases

import (
	"encoding/json"
	"slices"
	"testing"

	"onestamp/internal/platform/db"
	"onestamp/internal/platform/db/dbtest"
	"onestamp/internal/platform/workday"
)

func wantDate(t *testing.T, what string, got workday.Date, want string) {
	t.Helper()
	if got.String() != want {
		t.Errorf("%s = %s, want %s", what, got, want)
	}
}

// The deadline through correction → acceptance → suspension → return → extension → decision,
// every date computed by hand from the 2025 holiday table (DOMAIN §2):
// 2025 holidays 10-01…10-08 (国庆+中秋); make-up workdays Sun 09-28 and Sat 10-11.
// Licence item: promised 15 wd, statutory 20 wd, extension 10 wd.
func TestClockThroughTheLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)

		// Wed 2025-09-24: received at the window. Intake answer due 5 wd later:
		// Thu 25 (1), Fri 26 (2), Sun 28 make-up (3), Mon 29 (4), Tue 30 (5) → 2025-09-30.
		f.clock.on("2025-09-24")
		c := f.walkIn(f.licence)
		wantDate(t, "intake due", c.Clock.IntakeDue, "2025-09-30")
		wantDate(t, "next due", c.Clock.NextDue, "2025-09-30")
		if c.State != StReceived || !ValidCaseNo(c.No) || c.No[:6] != "369901" || c.No[6:12] != "250924" {
			t.Fatalf("received case: state %d, no %q", c.State, c.No)
		}

		// Fri 09-26: one correction notice listing every defect. Reply by 09-26 + 30 cd = 10-26.
		f.clock.on("2025-09-26")
		c = f.ok(f.svc.RequestCorrection(as(clerkA), c.ID, c.Version, CorrectionInput{Defects: []Defect{
			{Material: "lease", Problem: "租赁合同缺少出租方签章"}, {Field: "address", Problem: "地址与租赁合同不一致"}}}))
		wantDate(t, "correction reply due", c.Clock.NextDue, "2025-10-26")
		if c.State != StCorrection || c.Todo.Role != "applicant" {
			t.Fatalf("after correction: state %d todo %+v", c.State, c.Todo)
		}

		// Thu 10-09 (first workday after the holiday): the corrected lease arrives online.
		f.clock.on("2025-10-09")
		f.upload(alice, c.ID, "lease", 100, false)
		c = f.ok(f.svc.EditForm(as(alice), c.ID, c.Version, map[string]string{"name": "小梅餐馆", "address": "A县人民路1号之一"}))
		c = f.ok(f.svc.Resubmit(as(alice), c.ID, c.Version, ResubmitInput{}))
		// The intake limit restarts from the last material: Fri 10 (1), Sat 11 make-up (2),
		// Mon 13 (3), Tue 14 (4), Wed 15 (5) → 2025-10-15.
		wantDate(t, "intake due after correction", c.Clock.IntakeDue, "2025-10-15")

		// Fri 10-10: accepted. The acceptance date is the day the last material arrived,
		// 10-09; day 1 is the next working day.
		// Promised 15 wd after 10-09: 10-10 (1), 10-11 make-up (2), 13 (3), 14 (4), 15 (5),
		// 16 (6), 17 (7), 20 (8), 21 (9), 22 (10), 23 (11), 24 (12), 27 (13), 28 (14), 29 (15).
		// Statutory 20 wd: 30 (16), 31 (17), 11-03 (18), 04 (19), 05 (20).
		f.clock.on("2025-10-10")
		// The lease was uploaded by the applicant (trust C); the original is checked at the window.
		mats := val[[]Material](t)(f.svc.Materials(as(clerkA), c.ID))
		lease := mats[slices.IndexFunc(mats, func(m Material) bool { return m.Code == "lease" })]
		val[Material](t)(f.svc.CheckOriginal(as(clerkA), c.ID, lease.FileID))
		c = f.ok(f.svc.Accept(as(clerkA), c.ID, c.Version, AcceptInput{}))
		wantDate(t, "accepted on", c.Clock.AcceptedOn, "2025-10-09")
		wantDate(t, "promised due", c.Clock.PromisedDue, "2025-10-29")
		wantDate(t, "statutory due", c.Clock.StatutoryDue, "2025-11-05")
		if c.State != StAccepted || c.Todo.Role != "reviewer" || c.StepName != "审查" {
			t.Fatalf("accepted: state %d todo %+v step %q", c.State, c.Todo, c.StepName)
		}

		// Tue 10-14: the first review step is done; the decision step opens.
		f.clock.on("2025-10-14")
		c = f.ok(f.svc.Claim(as(reviewerA), c.ID, c.Version, taskOf(t, f, c.ID)))
		c = f.ok(f.svc.Advance(as(reviewerA), c.ID, c.Version, AdvanceInput{Outcome: "agree", Opinion: "材料齐全，符合条件"}))
		if c.Step != 1 || c.Todo.Role != "signer" {
			t.Fatalf("after review: step %d todo %+v", c.Step, c.Todo)
		}

		// Wed 10-15: expert review (专家评审) suspends the clock, expected 10 wd. Days left:
		// promised (10-15, 10-29] = 10; statutory (10-15, 11-05] = 15.
		f.clock.on("2025-10-15")
		c = f.ok(f.svc.Suspend(as(chiefA), c.ID, c.Version, SuspendInput{Kind: "expert_review",
			Reason: "需组织专家评审", ExpectedWD: 10, RequestedBy: reviewerA.ID}))
		if c.State != StSuspended || c.Clock.Level != "suspended" || c.Clock.RemainingWD != 10 || !c.Clock.PromisedDue.IsZero() {
			t.Fatalf("suspended: state %d clock %+v", c.State, c.Clock)
		}
		// Expected end: 10 wd after 10-15 → 10-29.
		wantDate(t, "expected resume", c.Clock.NextDue, "2025-10-29")

		// Mon 10-27: resumed. Promised: 10 wd after 10-27 → 28 (1), 29, 30, 31, 11-03, 04, 05,
		// 06, 07, 10 (10) = 2025-11-10. Statutory: 15 wd → 11, 12, 13, 14, 17 (15) = 2025-11-17.
		f.clock.on("2025-10-27")
		c = f.ok(f.svc.Resume(as(reviewerA), c.ID, c.Version, ResumeInput{Result: "专家评审意见：同意"}))
		wantDate(t, "promised due after resume", c.Clock.PromisedDue, "2025-11-10")
		wantDate(t, "statutory due after resume", c.Clock.StatutoryDue, "2025-11-17")
		if c.State != StInReview || c.Todo.Role != "signer" {
			t.Fatalf("resumed: state %d todo %+v", c.State, c.Todo)
		}

		// Tue 10-28: the signer returns it to the review step. The clock keeps running: the
		// same dates.
		f.clock.on("2025-10-28")
		c = f.ok(f.svc.ReturnTo(as(signerA), c.ID, c.Version, ReturnInput{Step: 0, Reason: "请补充核实经营场所面积"}))
		wantDate(t, "promised due after return", c.Clock.PromisedDue, "2025-11-10")
		wantDate(t, "statutory due after return", c.Clock.StatutoryDue, "2025-11-17")
		if c.Step != 0 || c.Todo.UserID != reviewerA.ID {
			t.Fatalf("returned: step %d todo %+v (the step goes back to who did it)", c.Step, c.Todo)
		}
		f.clock.on("2025-10-29")
		c = f.ok(f.svc.Advance(as(reviewerA), c.ID, c.Version, AdvanceInput{Outcome: "agree", Opinion: "已核实，面积 80㎡"}))

		// Mon 11-03: the head extends by 10 wd: promised 11-10 + 10 wd = 11, 12, 13, 14, 17,
		// 18, 19, 20, 21, 24 → 2025-11-24; statutory 11-17 + 10 wd = 18, 19, 20, 21, 24, 25, 26,
		// 27, 28, 12-01 → 2025-12-01.
		f.clock.on("2025-11-03")
		c = f.ok(f.svc.Extend(as(headA), c.ID, c.Version, ExtendInput{Reason: "专家评审意见需进一步论证"}))
		wantDate(t, "promised due after extension", c.Clock.PromisedDue, "2025-11-24")
		wantDate(t, "statutory due after extension", c.Clock.StatutoryDue, "2025-12-01")
		if !c.Flags.Has(FlagExtended) || c.Clock.ExtensionWD != 10 {
			t.Fatalf("extended: flags %v ext %d", c.Flags.Names(), c.Clock.ExtensionWD)
		}
		_, err := f.svc.Extend(as(headA), c.ID, c.Version, ExtendInput{Reason: "again"})
		wantErr(t, err, "conflict", "cases.extend.once")

		// Wed 11-05: approved. Delivery due 10 wd later: 06, 07, 10, 11, 12, 13, 14, 17, 18,
		// 19 → 2025-11-19.
		f.clock.on("2025-11-05")
		c = f.ok(f.svc.Decide(as(signerA), c.ID, c.Version, DecideInput{Outcome: OutcomeApprove, Opinion: "准予许可"}))
		wantDate(t, "delivery due", c.Clock.DeliveryDue, "2025-11-19")
		wantDate(t, "decided on", c.Clock.DecidedOn, "2025-11-05")
		c = f.ok(f.svc.Conclude(as(clerkA), c.ID, c.Version, ConcludeInput{}))
		f.clock.on("2025-11-06")
		c = f.ok(f.svc.Deliver(as(clerkA), c.ID, c.Version, DeliverInput{Method: "window"}))
		if c.State != StDelivered || c.Flags.Has(FlagBreach) || !c.Clock.NextDue.IsZero() {
			t.Fatalf("delivered: state %d flags %v next %s", c.State, c.Flags.Names(), c.Clock.NextDue)
		}
		// The promised dates stay on the case for the statistics.
		wantDate(t, "final promised due", c.Clock.PromisedDue, "2025-11-24")

		// The stored clock facts equal those folded from the history.
		evs := val[[]Event](t)(f.svc.Events(as(auditor), c.ID))
		if got, want := mustJSON(foldFacts(evs)), mustJSON(c.facts); got != want {
			t.Errorf("facts folded from the history\n%s\nstored\n%s", got, want)
		}
		want := []string{"open", "upload", "upload", "upload", "receive", "correction", "upload", "edit", "resubmit",
			"check_original", "accept", "claim", "advance", "suspend", "resume", "return_to", "advance", "extend",
			"decide", "conclude", "deliver"}
		if got := actions(evs); !slices.Equal(got, want) {
			t.Errorf("history\n got %v\nwant %v", got, want)
		}
		var concluded ConcludedEvent
		if err := json.Unmarshal([]byte(f.payload(c.ID, TopicConcluded)), &concluded); err != nil {
			t.Fatal(err)
		}
		if !concluded.OnTime || concluded.Outcome != OutcomeApprove || concluded.DecidedOn.String() != "2025-11-05" {
			t.Errorf("case.concluded payload %+v", concluded)
		}
	})
}

func taskOf(t *testing.T, f *fixture, caseID string) string {
	t.Helper()
	ts := val[[]Task](t)(f.svc.Tasks(as(auditor), caseID))
	for i := len(ts) - 1; i >= 0; i-- {
		if ts[i].State == TaskOpen && ts[i].Branch == BranchMain {
			return ts[i].ID
		}
	}
	t.Fatal("no open task")
	return ""
}
