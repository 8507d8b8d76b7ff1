package cases

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"testing"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/db/dbtest"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/notify"
	"onestamp/internal/platform/outbox"
	"onestamp/internal/platform/workday"
)

// The intake rule (art. 32) with the 2026 table: 2026 holidays 09-25…09-27 (中秋) and
// 10-01…10-07 (国庆); make-up workdays Sun 09-20 and Sat 10-10.
func TestDeemedAcceptance(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		// Thu 2026-09-24: received. Intake due 5 wd later: Mon 09-28 (1), Tue 29 (2), Wed 30 (3),
		// Thu 10-08 (4), Fri 10-09 (5) → 2026-10-09.
		f.clock.on("2026-09-24")
		c := f.walkIn(f.licence)
		wantDate(t, "intake due", c.Clock.IntakeDue, "2026-10-09")

		// On the due day nothing happens.
		f.clock.on("2026-10-09")
		if st, err := f.svc.Sweep(context.Background()); err != nil || st.Deemed != 0 {
			t.Fatalf("sweep on the due day: %+v %v", st, err)
		}
		// Mon 10-12: no answer was given in time: deemed accepted on the receipt date.
		// Promised 15 wd after 09-24: 09-28 (1), 29, 30, 10-08, 09 (5), Sat 10-10 make-up (6),
		// 12 (7), 13, 14, 15, 16 (11), 19 (12), 20, 21, 22 (15) → 2026-10-22.
		f.clock.on("2026-10-12")
		st, err := f.svc.Sweep(context.Background())
		if err != nil || st.Deemed != 1 {
			t.Fatalf("sweep: %+v %v", st, err)
		}
		c = f.get(c.ID)
		if !c.Flags.Has(FlagDeemedAccepted) || c.Clock.Level != "red" || c.State != StReceived {
			t.Fatalf("deemed: flags %v level %s state %s", c.Flags.Names(), c.Clock.Level, c.State)
		}
		wantDate(t, "accepted on", c.Clock.AcceptedOn, "2026-09-24")
		wantDate(t, "promised due", c.Clock.PromisedDue, "2026-10-22")
		var acc AcceptedEvent
		if err := json.Unmarshal([]byte(f.payload(c.ID, TopicAccepted)), &acc); err != nil || !acc.Deemed {
			t.Fatalf("case.accepted: %+v %v", acc, err)
		}
		if st, _ := f.svc.Sweep(context.Background()); st.Deemed != 0 {
			t.Errorf("deemed twice")
		}
		// A deemed-accepted case can only be accepted: no correction, no refusal.
		_, err = f.svc.RequestCorrection(as(clerkA), c.ID, c.Version, CorrectionInput{Defects: []Defect{{Material: "photo", Problem: "x"}}})
		wantErr(t, err, errs.Conflict, "cases.deemed")
		_, err = f.svc.Reject(as(chiefA), c.ID, c.Version, RejectInput{Reasons: []string{"x"}, Remedy: "y"})
		wantErr(t, err, errs.Conflict, "cases.deemed")
		c = f.ok(f.svc.Accept(as(clerkA), c.ID, c.Version, AcceptInput{}))
		wantDate(t, "accepted on after the notice", c.Clock.AcceptedOn, "2026-09-24")
		if c.Clock.Level == "red" {
			t.Errorf("still red after acceptance (promised due %s)", c.Clock.PromisedDue)
		}

		// Accepting late without a sweep counts from receipt too.
		f.clock.on("2026-09-24")
		c2 := f.walkIn(f.licence)
		f.clock.on("2026-10-13")
		c2 = f.ok(f.svc.Accept(as(clerkA), c2.ID, c2.Version, AcceptInput{}))
		wantDate(t, "late acceptance", c2.Clock.AcceptedOn, "2026-09-24")
		if !c2.Flags.Has(FlagDeemedAccepted) {
			t.Error("late acceptance not flagged")
		}
	})
}

// An instant item (即办件) is due the day it is accepted, a make-up Saturday included: 2026-02-14.
func TestInstantItemDueSameDay(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.clock.on("2026-02-13")
		c := f.ok(f.svc.Open(as(alice), OpenInput{ItemID: f.instant.ID, Applicant: f.applicant(), Form: map[string]string{"name": "x"}}))
		f.upload(alice, c.ID, "application", 1, false)
		c = f.ok(f.svc.Submit(as(alice), f.get(c.ID).ID, f.get(c.ID).Version, SubmitInput{}))
		if c.State != StPendingReceipt {
			t.Fatalf("a direct item waits for receipt: %s", c.State)
		}
		// Sat 2026-02-14 is a make-up workday (春节 2026-02-15…02-23).
		f.clock.on("2026-02-14")
		c = f.ok(f.svc.Accept(as(clerkA), c.ID, c.Version, AcceptInput{}))
		wantDate(t, "instant due", c.Clock.PromisedDue, "2026-02-14")
		// Statutory 20 wd after 02-14: 02-24 (1) … 02-27 (4), Sat 02-28 make-up (5), 03-02 (6) …
		// 03-06 (10), 03-09 … 03-13 (15), 03-16 … 03-20 (20).
		wantDate(t, "statutory due", c.Clock.StatutoryDue, "2026-03-20")
		if c.Clock.Level != "yellow" || c.Clock.RemainingWD != 0 {
			t.Errorf("due today: level %s, %d left", c.Clock.Level, c.Clock.RemainingWD)
		}
	})
}

// 容缺受理: accepted against a promise; conclusion blocked until the material arrives; a missed
// promise is flagged, recorded for credit, and bars the path for that applicant.
func TestAcceptWithPendingMaterial(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.clock.on("2025-11-03")
		c := f.reach(StApproved, false)
		if !c.Flags.Has(FlagAcceptPending) {
			t.Fatal("not flagged 容缺")
		}
		// Accepted Mon 11-03 with 10 wd to supply: 04 … 07 (4), 10 … 14 (9), 17 (10) → 11-17.
		wantDate(t, "pending due", c.Clock.PendingDue, "2025-11-17")
		_, err := f.svc.Conclude(as(clerkA), c.ID, c.Version, ConcludeInput{})
		wantErr(t, err, errs.Conflict, "cases.conclude.pending_open")
		if c.Todo.Role != "applicant" {
			t.Errorf("to-do while a material is owed: %+v", c.Todo)
		}
		f.upload(alice, c.ID, "lease", 9, false)
		c = f.get(c.ID)
		if !c.Clock.PendingDue.IsZero() || c.Todo.Role != "clerk" {
			t.Fatalf("supplied: pending due %s, todo %+v", c.Clock.PendingDue, c.Todo)
		}
		c = f.ok(f.svc.Conclude(as(clerkA), c.ID, c.Version, ConcludeInput{}))
		evs := val[[]Event](t)(f.svc.Events(as(auditor), c.ID))
		if !slices.Contains(actions(evs), "supply") {
			t.Errorf("no supply in %v", actions(evs))
		}

		// A missed promise.
		f.clock.on("2025-11-03")
		m := f.reach(StInReview, false)
		f.clock.on("2025-11-18")
		st, err := f.svc.Sweep(context.Background())
		if err != nil || st.PendingMissed != 1 {
			t.Fatalf("sweep: %+v %v", st, err)
		}
		m = f.get(m.ID)
		if !m.Flags.Has(FlagPendingMissed) {
			t.Error("missed promise not flagged")
		}
		credit := val[[]CreditRecord](t)(f.svc.Credit(as(chiefA), true, 10))
		if len(credit) != 1 || credit[0].Kind != CreditPendingMissed || credit[0].CaseID != m.ID {
			t.Fatalf("credit records: %+v", credit)
		}
		if st, _ := f.svc.Sweep(context.Background()); st.PendingMissed != 0 {
			t.Error("flagged twice")
		}
		// The same applicant cannot be accepted with pending materials again.
		n := f.reach(StReceived, false)
		_, err = f.svc.AcceptPending(as(clerkA), n.ID, n.Version, AcceptPendingInput{Materials: []string{"lease"}, PromiseText: "十日内补交"})
		wantErr(t, err, errs.Forbidden, "cases.pending.barred")
		// Only materials allowed to be pending may be.
		_, err = f.svc.AcceptPending(as(clerkA), n.ID, n.Version, AcceptPendingInput{Materials: []string{"application"}, PromiseText: "x补交材料"})
		if err == nil {
			t.Error("a key material accepted as pending")
		}
	})
}

// 告知承诺: the commitment replaces the proofs, approval at once, post-verification with the
// item's method and deadline, rectify, revoke → case.revoked and a credit record; the applicant
// is barred from the path until the record is cleared.
func TestPromisePath(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.clock.on("2025-11-03")
		open := func() (Case, error) {
			return f.svc.Open(as(alice), OpenInput{ItemID: f.promise.ID, Applicant: f.applicant(),
				Form: map[string]string{"name": "小梅旅馆"}, Promise: &PromiseInput{Method: "e_signature"}})
		}
		_, err := f.svc.Open(as(alice), OpenInput{ItemID: f.licence.ID, Applicant: f.applicant(), Promise: &PromiseInput{Method: "sms"}})
		wantErr(t, err, errs.Invalid, "cases.promise.not_allowed")
		c := f.ok(open())
		if !c.Flags.Has(FlagPromise) || c.Promise == nil || c.Promise.Text != f.promise.PromiseText {
			t.Fatalf("promise case: %+v %+v", c.Flags.Names(), c.Promise)
		}
		c = f.ok(f.svc.Submit(as(alice), c.ID, c.Version, SubmitInput{}))
		c = f.ok(f.svc.Precheck(as(clerkA), c.ID, c.Version, PrecheckInput{Pass: true}))
		c = f.ok(f.svc.Receive(as(clerkA), c.ID, c.Version, ReceiveInput{}))
		// No proof was uploaded: the commitment covers them.
		c = f.ok(f.svc.Accept(as(clerkA), c.ID, c.Version, AcceptInput{}))
		mats := val[[]Material](t)(f.svc.Materials(as(clerkA), c.ID))
		if mats[0].Status != MatPromised {
			t.Errorf("material status %s, want promised", mats[0].Status)
		}
		// Approved at once, from the first step.
		c = f.ok(f.svc.Decide(as(signerA), c.ID, c.Version, DecideInput{Outcome: OutcomeApprove, Opinion: "当场准予"}))
		if c.State != StApproved {
			t.Fatalf("state %s", c.State)
		}
		vs := val[[]Verification](t)(f.svc.CaseVerifications(as(reviewerA), c.ID))
		// Verification within 30 wd of Mon 11-03: 11-04 … 11-07 (4), 10 … 14 (9), 17 … 21 (14),
		// 24 … 28 (19), 12-01 … 05 (24), 08 … 12 (29), 15 (30) → 2025-12-15.
		if len(vs) != 1 || vs[0].Due.String() != "2025-12-15" || !slices.Equal(vs[0].Methods, []string{"onsite"}) {
			t.Fatalf("verification: %+v", vs)
		}
		c = f.ok(f.svc.Conclude(as(signerA), c.ID, c.Version, ConcludeInput{}))
		f.clock.on("2025-11-20")
		c = f.ok(f.svc.Verify(as(reviewerA), c.ID, c.Version, VerifyInput{Outcome: "rectify", Note: "现场与承诺不符，限期整改"}))
		vs = val[[]Verification](t)(f.svc.CaseVerifications(as(reviewerA), c.ID))
		// 20 wd after Thu 11-20: 21 (1), 24 … 28 (6), 12-01 … 05 (11), 08 … 12 (16), 15 … 18 (20) → 12-18.
		if vs[0].State != VerifyRectify || vs[0].RectifyDue.String() != "2025-12-18" {
			t.Fatalf("rectify: %+v", vs[0])
		}
		f.clock.on("2025-12-19")
		c = f.ok(f.svc.Verify(as(chiefA), c.ID, c.Version, VerifyInput{Outcome: "revoke", Note: "逾期未整改，承诺不实"}))
		if !c.Flags.Has(FlagRevoked) || !slices.Contains(f.topics(c.ID), TopicRevoked) {
			t.Fatalf("revoked: flags %v topics %v", c.Flags.Names(), f.topics(c.ID))
		}
		var rev RevokedEvent
		json.Unmarshal([]byte(f.payload(c.ID, TopicRevoked)), &rev)
		if rev.CaseNo != c.No || rev.Reason == "" || rev.CreditRecordID == "" {
			t.Errorf("case.revoked payload %+v", rev)
		}
		// The applicant is barred from the path until the record is cleared.
		_, err = open()
		wantErr(t, err, errs.Forbidden, "cases.promise.barred")
		credit := val[[]CreditRecord](t)(f.svc.Credit(as(chiefA), true, 10))
		if len(credit) != 1 || credit[0].Kind != CreditFalsePromise {
			t.Fatalf("credit: %+v", credit)
		}
		if _, err := f.svc.ClearCredit(as(chiefB), credit[0].ID, "另一县"); !errs.Is(err, errs.NotFound) {
			t.Errorf("cleared from another county: %v", err)
		}
		val[CreditRecord](t)(f.svc.ClearCredit(as(chiefA), credit[0].ID, "已完成信用修复"))
		f.ok(open())
	})
}

// Chains: a parent and a child per item, a shared material given once, the parent concluded
// when every child is, one timeline.
func TestChain(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.clock.on("2025-11-03")
		f.cat.chains["open-shop"] = Chain{ID: "open-shop", Name: "开办小餐馆", RegionCode: countyA, LeadUnit: "bureau-a",
			ItemIDs: []string{f.licence.ID, f.instant.ID},
			Fields: []ChainField{{Key: "shop", Label: "店名", Required: true,
				Maps: []FieldRef{{ItemID: f.licence.ID, Field: "name"}, {ItemID: f.instant.ID, Field: "name"}}},
				{Key: "addr", Label: "地址", Maps: []FieldRef{{ItemID: f.licence.ID, Field: "address"}}}},
			Materials: []ChainMaterial{{Key: "app", Name: "申请书",
				Maps: []MaterialRef{{ItemID: f.licence.ID, Material: "application"}, {ItemID: f.instant.ID, Material: "application"}}}}}
		p := f.ok(f.svc.OpenChain(as(alice), ChainInput{ChainID: "open-shop", Applicant: f.applicant(),
			Form: map[string]string{"shop": "小梅餐馆", "addr": "A县人民路1号"}}))
		if p.Kind != KindChain || p.State != StDraft {
			t.Fatalf("parent: %+v", p)
		}
		kids := val[[]Case](t)(f.svc.Children(as(alice), p.ID))
		if len(kids) != 2 {
			t.Fatalf("%d children", len(kids))
		}
		// The shared material, given once to the parent, reaches both children.
		f.upload(alice, p.ID, "app", 1, false)
		for _, k := range kids {
			mats := val[[]Material](t)(f.svc.Materials(as(alice), k.ID))
			if mats[0].Status != MatProvided || len(mats[0].Files) != 1 {
				t.Fatalf("child %s material: %+v", k.ItemName, mats[0])
			}
			if k.Form["name"] != "小梅餐馆" {
				t.Errorf("child form %v", k.Form)
			}
		}
		var licence, instant Case
		for _, k := range kids {
			if k.ItemID == f.licence.ID {
				licence = k
			} else {
				instant = k
			}
		}
		f.upload(alice, licence.ID, "id_copy", 2, false)
		f.upload(alice, licence.ID, "lease", 3, false)
		// The combined form is edited once; each child gets its mapped fields.
		p = f.get(p.ID)
		p = f.ok(f.svc.EditForm(as(alice), p.ID, p.Version, map[string]string{"shop": "梅记小馆", "addr": "A县人民路2号"}))
		for _, k := range val[[]Case](t)(f.svc.Children(as(alice), p.ID)) {
			if k.Form["name"] != "梅记小馆" {
				t.Errorf("child %s form after the chain edit: %v", k.ItemName, k.Form)
			}
		}
		// The parent takes no item transition itself.
		_, err := f.svc.RequestCorrection(as(clerkA), p.ID, p.Version, CorrectionInput{Defects: []Defect{{Material: "app", Problem: "x"}}})
		if err == nil {
			t.Error("a chain parent was sent a correction")
		}
		p = f.ok(f.svc.Submit(as(alice), p.ID, p.Version, SubmitInput{}))
		licence, instant = f.get(licence.ID), f.get(instant.ID)
		if licence.State != StSubmitted || instant.State != StPendingReceipt || p.State != StSubmitted || p.No == "" || licence.No == "" {
			t.Fatalf("submitted: parent %s %q, licence %s %q, instant %s", p.State, p.No, licence.State, licence.No, instant.State)
		}
		// The instant item is decided and concluded; the parent waits for the licence.
		instant = f.ok(f.svc.Accept(as(clerkA), instant.ID, instant.Version, AcceptInput{}))
		instant = f.ok(f.svc.Decide(as(signerA), instant.ID, instant.Version, DecideInput{Outcome: OutcomeApprove}))
		instant = f.ok(f.svc.Conclude(as(clerkA), instant.ID, instant.Version, ConcludeInput{}))
		if p = f.get(p.ID); p.State != StSubmitted {
			t.Fatalf("parent after one child: %s", p.State)
		}
		licence = f.ok(f.svc.Precheck(as(clerkA), licence.ID, licence.Version, PrecheckInput{Pass: true}))
		licence = f.ok(f.svc.Receive(as(clerkA), licence.ID, licence.Version, ReceiveInput{}))
		for _, m := range val[[]Material](t)(f.svc.Materials(as(clerkA), licence.ID)) {
			if m.FileID != "" && m.Trust == TrustC {
				val[Material](t)(f.svc.CheckOriginal(as(clerkA), licence.ID, m.FileID))
			}
		}
		licence = f.ok(f.svc.Accept(as(clerkA), licence.ID, f.get(licence.ID).Version, AcceptInput{}))
		if p = f.get(p.ID); p.State != StAccepted {
			t.Fatalf("parent follows its slowest child: %s", p.State)
		}
		licence = f.ok(f.svc.Advance(as(reviewerA), licence.ID, licence.Version, AdvanceInput{Outcome: "agree", Opinion: "同意"}))
		licence = f.ok(f.svc.Decide(as(signerA), licence.ID, licence.Version, DecideInput{Outcome: OutcomeApprove}))
		licence = f.ok(f.svc.Conclude(as(clerkA), licence.ID, licence.Version, ConcludeInput{}))
		p = f.get(p.ID)
		if p.State != StConcluded || !slices.Contains(f.topics(p.ID), TopicConcluded) {
			t.Fatalf("parent: %s, topics %v", p.State, f.topics(p.ID))
		}
		// One timeline: the parent's events and both children's.
		evs := val[[]Event](t)(f.svc.Events(as(alice), p.ID))
		ids := map[string]bool{}
		for _, e := range evs {
			ids[e.CaseID] = true
		}
		if len(ids) != 3 {
			t.Errorf("timeline covers %d cases, want 3", len(ids))
		}
	})
}

// 全市通办: a window in county A receives a county B item; it is decided in B; both sides see it.
func TestCityWideRouting(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.clock.on("2025-11-03")
		c := f.ok(f.svc.Open(as(clerkA), OpenInput{ItemID: f.citywide.ID, Applicant: f.applicant(), Form: map[string]string{"name": "运输公司"}}))
		if c.Handling.UnitID != "bureau-b" || c.Receiving.UnitID != "hall-a" || !c.Flags.Has(FlagCityWide) {
			t.Fatalf("routing: %+v %+v %v", c.Receiving, c.Handling, c.Flags.Names())
		}
		f.upload(clerkA, c.ID, "application", 1, true)
		c = f.ok(f.svc.Receive(as(clerkA), c.ID, f.get(c.ID).Version, ReceiveInput{}))
		c = f.ok(f.svc.Accept(as(clerkA), c.ID, c.Version, AcceptInput{}))
		todo := func(v *auth.Viewer) []string {
			p, err := f.svc.Queue(as(v), QueueQuery{Queue: QueueTodo})
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, x := range p.Items {
				out = append(out, x.ID)
			}
			return out
		}
		if got := todo(reviewerB); !slices.Equal(got, []string{c.ID}) {
			t.Errorf("county B reviewer's to-do %v", got)
		}
		if got := todo(reviewerA); len(got) != 0 {
			t.Errorf("county A reviewer's to-do %v", got)
		}
		for _, v := range []*auth.Viewer{chiefA, chiefB, clerkA} {
			if _, err := f.svc.Get(as(v), c.ID); err != nil {
				t.Errorf("%s cannot see the case: %v", v.ID, err)
			}
		}
		if _, err := f.svc.Get(as(clerkB), c.ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("hall B's clerk sees a case received in hall A: %v", err)
		}
		// The receiving side does not decide.
		_, err := f.svc.Advance(as(reviewerA), c.ID, c.Version, AdvanceInput{Outcome: "agree", Opinion: "x"})
		wantErr(t, err, errs.Forbidden, "cases.forbidden.side")
		f.ok(f.svc.Advance(as(reviewerB), c.ID, c.Version, AdvanceInput{Outcome: "agree", Opinion: "同意"}))
		// An item that is not city-wide cannot be received in another county.
		other := f.citywide
		other.ID, other.CityWide = "item-b-local", false
		f.cat.publish(other, workday.MustDate("2025-01-01"), "bureau-b")
		_, err = f.svc.Open(as(clerkA), OpenInput{ItemID: other.ID, Applicant: f.applicant()})
		wantErr(t, err, errs.Invalid, "cases.route.not_citywide")
	})
}

// Two signers decide the same case at once: exactly one wins, the other gets a conflict, and
// the history has one decision.
func TestConcurrentDecisions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.clock.on("2025-11-03")
		signer2 := &auth.Viewer{Kind: auth.KindStaff, ID: "u-sign-a2", Name: "副局长丁", UnitID: "bureau-a", RegionCode: countyA,
			Role: auth.Signer, Roles: []auth.Role{auth.Signer}}
		for round := 0; round < 5; round++ {
			c := f.reach(StInReview, true)
			var wg sync.WaitGroup
			results := make([]error, 2)
			for i, v := range []*auth.Viewer{signerA, signer2} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, results[i] = f.svc.Decide(as(v), c.ID, c.Version, DecideInput{Outcome: OutcomeApprove, Opinion: v.Name})
				}()
			}
			wg.Wait()
			wins := 0
			for _, err := range results {
				switch {
				case err == nil:
					wins++
				case !errs.Is(err, errs.Conflict):
					t.Fatalf("loser got %v, want a conflict", err)
				}
			}
			n := 0
			for _, e := range val[[]Event](t)(f.svc.Events(as(auditor), c.ID)) {
				if e.Action == ActDecide {
					n++
				}
			}
			if wins != 1 || n != 1 {
				t.Fatalf("round %d: %d winners, %d decisions recorded", round, wins, n)
			}
		}
	})
}

// AB-post cover: the substitute works the assignee's task, and the history says for whom.
func TestCoverWorksTheAssigneesTask(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.clock.on("2025-11-03")
		c := f.reach(StAccepted, true)
		c = f.ok(f.svc.Assign(as(chiefA), c.ID, c.Version, AssignInput{TaskID: taskOf(t, f, c.ID), UserID: reviewerA.ID}))
		_, err := f.svc.Advance(as(reviewer2), c.ID, c.Version, AdvanceInput{Outcome: "agree", Opinion: "x"})
		wantErr(t, err, errs.Forbidden, "cases.task.not_yours")
		cover := *reviewer2
		cover.CoveringFor = []string{reviewerA.ID}
		p, _ := f.svc.Queue(as(&cover), QueueQuery{Queue: QueueTodo})
		if len(p.Items) != 1 || p.Items[0].ID != c.ID {
			t.Fatalf("the substitute's to-do: %+v", p.Items)
		}
		if p, _ := f.svc.Queue(as(reviewer2), QueueQuery{Queue: QueueTodo}); len(p.Items) != 0 {
			t.Fatalf("another reviewer's to-do shows an assigned case: %+v", p.Items)
		}
		c = f.ok(f.svc.Advance(as(&cover), c.ID, c.Version, AdvanceInput{Outcome: "agree", Opinion: "替岗审查：同意"}))
		evs := val[[]Event](t)(f.svc.Events(as(auditor), c.ID))
		last := evs[len(evs)-1]
		if last.Actor != reviewer2.ID || last.CoveringFor != reviewerA.ID || last.Role != "reviewer" {
			t.Errorf("history: %+v", last)
		}
	})
}

// A site inspection runs beside the step; the step waits for it; a return supersedes it.
func TestInspectionBranchAndReturn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.clock.on("2025-11-03")
		c := f.reach(StAccepted, true)
		c = f.ok(f.svc.RequestInspection(as(reviewerA), c.ID, c.Version, InspectionInput{Assignee: reviewer2.ID, Note: "核查场所"}))
		_, err := f.svc.Advance(as(reviewerA), c.ID, c.Version, AdvanceInput{Outcome: "agree", Opinion: "同意"})
		wantErr(t, err, errs.Conflict, "cases.step.branches_open")
		mine := val[[]Task](t)(f.svc.MyTasks(as(reviewer2), 10))
		if len(mine) != 1 || mine[0].Branch != BranchInspect {
			t.Fatalf("inspector's tasks: %+v", mine)
		}
		c = f.ok(f.svc.Advance(as(reviewer2), c.ID, c.Version, AdvanceInput{TaskID: mine[0].ID, Outcome: "pass", Opinion: "场所符合要求"}))
		c = f.ok(f.svc.Advance(as(reviewerA), c.ID, c.Version, AdvanceInput{Outcome: "agree", Opinion: "同意"}))
		// At the decision step a new inspection is requested, then the signer returns the case:
		// both open tasks are superseded, and the first step opens again for its reviewer.
		c = f.ok(f.svc.RequestInspection(as(chiefA), c.ID, c.Version, InspectionInput{Note: "复核"}))
		c = f.ok(f.svc.ReturnTo(as(signerA), c.ID, c.Version, ReturnInput{Step: 0, Reason: "需重新审查"}))
		ts := val[[]Task](t)(f.svc.Tasks(as(auditor), c.ID))
		var open, superseded, done int
		for _, x := range ts {
			switch x.State {
			case TaskOpen:
				open++
			case TaskSuperseded:
				superseded++
			case TaskDone:
				done++
			}
		}
		if open != 1 || superseded != 2 || done != 2 || len(ts) != 5 {
			t.Fatalf("tasks after return: %d open, %d superseded, %d done of %d", open, superseded, done, len(ts))
		}
		if c.Todo.UserID != reviewerA.ID || c.Step != 0 {
			t.Errorf("returned to %d for %q", c.Step, c.Todo.UserID)
		}
	})
}

// A calendar change moves open deadlines; RecomputeAll finds and rewrites them.
func TestRecomputeAfterCalendarChange(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.clock.on("2025-11-03")
		a := f.reach(StInReview, true)
		b := f.reach(StCorrection, true)
		wantDate(t, "promised before", a.Clock.PromisedDue, "2025-11-24") // 15 wd after 11-03
		st, err := f.svc.RecomputeAll(context.Background())
		if err != nil || st.Cases < 2 || st.Changed != 0 {
			t.Fatalf("recompute with nothing changed: %+v %v", st, err)
		}
		// County A closes its halls on Fri 11-07 (a local closure): every county A deadline after
		// it moves by a working day.
		cal, err := workday.New(workday.Builtin(), []workday.Override{{Region: countyA, Date: workday.MustDate("2025-11-07"),
			Kind: workday.Closed, Reason: "停电检修"}})
		if err != nil {
			t.Fatal(err)
		}
		f.svc.calendar = func() *workday.Calendar { return cal }
		st, err = f.svc.RecomputeAll(context.Background())
		if err != nil || st.Changed < 1 {
			t.Fatalf("recompute: %+v %v", st, err)
		}
		wantDate(t, "promised after", f.get(a.ID).Clock.PromisedDue, "2025-11-25")
		wantDate(t, "correction reply stays in calendar days", f.get(b.ID).Clock.NextDue, "2025-12-03")
		// The next day the remaining days shrink by one.
		f.clock.on("2025-11-04")
		if st, _ := f.svc.RecomputeAll(context.Background()); st.Changed < 1 {
			t.Errorf("daily refresh changed nothing: %+v", st)
		}
		if got := f.get(a.ID).Clock.RemainingWD; got != 14 {
			t.Errorf("remaining %d, want 14", got)
		}
	})
}

// The overdue sweep emits case.overdue once per case.
func TestOverdueOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.clock.on("2025-11-03")
		c := f.reach(StInReview, true) // promised due 11-24
		f.clock.on("2025-11-24")
		if st, _ := f.svc.Sweep(context.Background()); st.Overdue != 0 {
			t.Fatal("overdue on the due day")
		}
		f.clock.on("2025-11-25")
		st, err := f.svc.Sweep(context.Background())
		if err != nil || st.Overdue != 1 {
			t.Fatalf("sweep: %+v %v", st, err)
		}
		f.clock.on("2025-11-26")
		f.svc.Sweep(context.Background())
		n := 0
		for _, tp := range f.topics(c.ID) {
			if tp == TopicOverdue {
				n++
			}
		}
		var ev OverdueEvent
		json.Unmarshal([]byte(f.payload(c.ID, TopicOverdue)), &ev)
		if n != 1 || ev.PromisedDue.String() != "2025-11-24" || ev.OverdueWD != 1 || ev.HandlingUnit != "bureau-a" {
			t.Fatalf("%d case.overdue events, payload %+v", n, ev)
		}
		c = f.get(c.ID)
		if !c.Flags.Has(FlagOverdue) || c.Clock.Level != "red" {
			t.Errorf("flags %v level %s", c.Flags.Names(), c.Clock.Level)
		}
	})
}

// Personal identifiers are masked everywhere; unmasking needs the permission and is audited.
func TestUnmask(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		c := f.walkIn(f.licence)
		if c.Applicant.Name != "张**" || c.Applicant.IDNumber != "1101**********002X" || c.Applicant.Mobile != "138****8000" {
			t.Fatalf("masked: %+v", c.Applicant)
		}
		var stored string
		d.Read.QueryRow("SELECT applicant_id FROM cases WHERE id = $1", c.ID).Scan(&stored)
		if stored == aliceID || stored == "" {
			t.Fatal("ID number stored in clear")
		}
		_, err := f.svc.Unmask(as(clerkA), c.ID)
		wantErr(t, err, errs.Forbidden, "")
		before := f.counts().audit
		u := val[Unmasked](t)(f.svc.Unmask(as(auditor), c.ID))
		if u.Applicant.IDNumber != aliceID || u.Applicant.Name != aliceName || f.counts().audit != before+1 {
			t.Fatalf("unmasked %+v, audit %d → %d", u.Applicant, before, f.counts().audit)
		}
		// The search finds the case by the ID number, through the blind index.
		p := val[Page](t)(f.svc.Queue(as(chiefA), QueueQuery{Queue: QueueSearch, Applicant: aliceID}))
		if len(p.Items) != 1 || p.Items[0].ID != c.ID {
			t.Fatalf("search by ID number: %+v", p.Items)
		}
	})
}

// notes keeps the messages a notifier was asked to send.
type notes struct {
	mu   sync.Mutex
	msgs []notify.Message
}

func (n *notes) Send(_ context.Context, m notify.Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.msgs = append(n.msgs, m)
	return nil
}

// The applicant hears of every step that concerns them: in-app to their account, and by SMS to
// the mobile on the case when something is asked of them or decided.
func TestApplicantNotifications(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.clock.on("2025-11-03")
		x := outbox.New(d, outbox.Options{})
		n := &notes{}
		f.svc.RegisterHandlers(x, n)
		c := f.reach(StReceived, true)
		c = f.ok(f.svc.RequestCorrection(as(clerkA), c.ID, c.Version, CorrectionInput{Defects: []Defect{{Material: "photo", Problem: "照片模糊"}}}))
		drain(t, x)
		inapp, sms := n.sent("cases.notify.correction")
		if len(inapp) != 1 || inapp[0].To != alice.ID || inapp[0].Args["no"] != c.No || inapp[0].Args["due"] != "2025-12-03" {
			t.Errorf("in-app: %+v", inapp)
		}
		if len(sms) != 1 || sms[0].To != "13800138000" {
			t.Errorf("SMS: %+v", sms)
		}
		// Internal steps send nothing.
		for _, m := range n.msgs {
			if m.TemplateKey == "cases.notify.upload" || m.TemplateKey == "cases.notify.claim" {
				t.Errorf("notified of %s", m.TemplateKey)
			}
		}
	})
}

// A return gives the step back to whoever completed it last: the facts record it, and a case
// whose facts predate that record asks its tasks instead, with the same answer.
func TestReturnGoesToTheLastHolder(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.clock.on("2025-11-03")
		c := f.reach(StAccepted, true)
		c = f.ok(f.svc.Advance(as(reviewerA), c.ID, c.Version, AdvanceInput{Outcome: "agree", Opinion: "同意"}))
		if got := c.facts.Holders[0]; got != reviewerA.ID {
			t.Fatalf("holder of step 0 recorded as %q", got)
		}
		c = f.ok(f.svc.ReturnTo(as(signerA), c.ID, c.Version, ReturnInput{Step: 0, Reason: "需重新审查"}))
		if c.Todo.UserID != reviewerA.ID {
			t.Fatalf("returned to %q", c.Todo.UserID)
		}
		c = f.ok(f.svc.Advance(as(reviewerA), c.ID, c.Version, AdvanceInput{Outcome: "agree", Opinion: "同意"}))
		// The facts as an older release stored them: no holders.
		var raw string
		if err := d.Read.QueryRow("SELECT facts FROM cases WHERE id = $1", c.ID).Scan(&raw); err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(raw), &m); err != nil || m["holders"] == nil {
			t.Fatalf("stored facts %s: %v", raw, err)
		}
		delete(m, "holders")
		old, _ := json.Marshal(m)
		if _, err := d.Write().Exec("UPDATE cases SET facts = $1 WHERE id = $2", string(old), c.ID); err != nil {
			t.Fatal(err)
		}
		c = f.get(c.ID)
		if len(c.facts.Holders) != 0 {
			t.Fatalf("holders survived: %v", c.facts.Holders)
		}
		c = f.ok(f.svc.ReturnTo(as(signerA), c.ID, c.Version, ReturnInput{Step: 0, Reason: "再次审查"}))
		if c.Todo.UserID != reviewerA.ID {
			t.Fatalf("without recorded holders, returned to %q", c.Todo.UserID)
		}
	})
}
