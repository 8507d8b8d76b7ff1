package cases

import (
	"context"
	"encoding/json"
	"testing"

	"onestamp/internal/platform/db"
	"onestamp/internal/platform/db/dbtest"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/workday"
)

// licenceBook is the certificate library as a renewal sees it: expiry dates by licence number.
type licenceBook map[string]string

func (b licenceBook) LicenceValidTo(_ context.Context, typeCode, ref, holderBI string) (workday.Date, error) {
	to, ok := b[typeCode+"/"+ref+"/"+holderBI]
	if !ok {
		return 0, errs.NotFoundErr("certs.replaces.not_found")
	}
	return workday.ParseDate(to)
}

// Art. 50: a renewal applied for at least 30 days before its licence expires must be decided
// before the expiry, which bounds the due dates, raises the alert 5 wd before, and when it
// passes undecided grants the renewal by law. A late application, or a licence the library
// does not know, runs on the ordinary clock.
func TestRenewalDeemedGranted(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		bi := f.svc.cipher.BlindIndex(aliceID)
		f.svc.SetLicences(licenceBook{"SPJY/JY-001/" + bi: "2025-12-08", "SPJY/JY-002/" + bi: "2025-11-25",
			"SPJY/JY-003/" + f.svc.cipher.BlindIndex(orgUSCC): "2025-12-08"})
		it := f.licence
		it.ID, it.Code, it.Name = "item-renew", "L-003", "食品经营许可（延续）"
		it.CertAction, it.ResultCertType, it.StatutoryWD, it.PromisedWD = "renew", "SPJY", 30, 30
		it.Fields = append(append([]Field{}, it.Fields...), Field{Key: "replaces", Label: "原许可证编号"})
		it = f.cat.publish(it, workday.MustDate("2025-01-01"), "bureau-a")
		renewal := func(licence string) Case {
			t.Helper()
			c := f.ok(f.svc.Open(as(clerkA), OpenInput{ItemID: it.ID, Applicant: f.applicant(), OwnerID: alice.ID,
				WindowID: "A-03", Form: map[string]string{"name": "小梅餐馆", "address": "A县人民路1号", "replaces": licence}}))
			for i, m := range it.Materials {
				if m.Required {
					f.upload(clerkA, c.ID, m.Code, i, true)
				}
			}
			c = f.ok(f.svc.Receive(as(clerkA), c.ID, c.Version, ReceiveInput{}))
			return f.ok(f.svc.Accept(as(clerkA), c.ID, c.Version, AcceptInput{}))
		}

		f.clock.on("2025-11-03")
		c := renewal("JY-001")      // 35 days before the expiry: in time
		late := renewal("JY-002")   // 22 days before: late
		paper := renewal("JY-0999") // not in the library
		other := renewal("JY-003")  // another holder's licence
		if !c.Flags.Has(FlagRenewal) || c.Clock.PromisedDue.String() != "2025-12-08" ||
			c.Clock.StatutoryDue.String() != "2025-12-08" || c.Clock.NextDue.String() != "2025-12-08" {
			t.Fatalf("the timely renewal: flags %v, promised %s, statutory %s, next %s", c.Flags.Names(),
				c.Clock.PromisedDue, c.Clock.StatutoryDue, c.Clock.NextDue)
		}
		for _, x := range []Case{late, paper, other} {
			if x.Flags.Has(FlagRenewal) || x.Clock.PromisedDue == c.Clock.PromisedDue {
				t.Errorf("%s runs on the renewal's clock: %v %s", x.No, x.Flags.Names(), x.Clock.PromisedDue)
			}
		}
		evs := val[[]Event](t)(f.svc.Events(as(reviewerA), late.ID))
		if acc := evs[len(evs)-1]; dataString(acc.Data, "licence_expires") != "2025-11-25" || !dataBool(acc.Data, "renew_late") {
			t.Errorf("the late renewal's acceptance: %+v", acc.Data)
		}

		// Fri 11-28: six working days left (12-01 … 05, 08); Mon 12-01: five, the alert.
		f.day("2025-11-28")
		if got := f.get(c.ID).Clock; got.Level != "normal" || got.RemainingWD != 6 {
			t.Errorf("on 11-28: %s, %d wd", got.Level, got.RemainingWD)
		}
		f.day("2025-12-01")
		if got := f.get(c.ID).Clock; got.Level != "yellow" || got.RemainingWD != 5 {
			t.Errorf("on 12-01: %s, %d wd", got.Level, got.RemainingWD)
		}
		if st := f.day("2025-12-08"); st.DeemedGranted != 0 {
			t.Fatalf("granted on the last day of validity: %+v", st)
		}
		if st := f.day("2025-12-09"); st.DeemedGranted != 1 {
			t.Fatalf("not granted the day after the expiry: %+v", st)
		}
		if st := f.day("2025-12-10"); st.DeemedGranted != 0 {
			t.Fatalf("granted twice: %+v", st)
		}
		c = f.get(c.ID)
		if c.State != StApproved || !c.Flags.Has(FlagDeemedGranted) || c.Flags.Has(FlagRenewal) ||
			c.Decision == nil || c.Decision.Outcome != OutcomeApprove || c.Decision.On.String() != "2025-12-09" {
			t.Fatalf("after the expiry: %s %v %+v", c.State, c.Flags.Names(), c.Decision)
		}
		for _, x := range val[[]Task](t)(f.svc.Tasks(as(reviewerA), c.ID)) {
			if x.State == TaskOpen {
				t.Errorf("a task is still open: %+v", x)
			}
		}
		evs = val[[]Event](t)(f.svc.Events(as(alice), c.ID))
		if got := foldFacts(evs); got.RenewBy.String() != "2025-12-08" || got.DecidedOn.String() != "2025-12-09" {
			t.Errorf("facts folded: renew by %s, decided %s", got.RenewBy, got.DecidedOn)
		}
		if last := evs[len(evs)-1]; last.Action != ActDeemGrant {
			t.Errorf("the applicant's history ends with %s", last.Action)
		}
		// The renewal concludes as any approval, naming the licence it renews.
		c = f.ok(f.svc.Conclude(as(signerA), c.ID, c.Version, ConcludeInput{}))
		var ev ConcludedEvent
		if err := json.Unmarshal([]byte(f.payload(c.ID, TopicConcluded)), &ev); err != nil || ev.Replaces != "JY-001" || ev.Result != "approved" {
			t.Errorf("case.concluded: %+v %v", ev, err)
		}
		// The late one was not granted by the sweeps after its expiry; it waits for a decision.
		if got := f.get(late.ID); got.State != StAccepted || got.Flags.Has(FlagDeemedGranted) {
			t.Errorf("the late renewal: %s %v", got.State, got.Flags.Names())
		}
	})
}

// A renewal accepted while its licence was still to come (容缺) learns the expiry when the
// licence is fetched from the library.
func TestRenewalLicenceSuppliedLater(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		bi := f.svc.cipher.BlindIndex(aliceID)
		f.svc.SetLicences(licenceBook{"SPJY/cert:lic-1@1/" + bi: "2025-12-08"})
		it := f.licence
		it.ID, it.Code, it.Name = "item-renew-2", "L-004", "食品经营许可（延续）"
		it.CertAction, it.ResultCertType, it.StatutoryWD, it.PromisedWD = "renew", "SPJY", 30, 30
		it.Materials = append(append([]MaterialSpec{}, it.Materials...), MaterialSpec{Code: "old", Name: "原许可证",
			Required: true, PendingAllowed: true, CertType: "SPJY", MinTrust: TrustA})
		it = f.cat.publish(it, workday.MustDate("2025-01-01"), "bureau-a")
		f.clock.on("2025-11-03")
		c := f.ok(f.svc.Open(as(clerkA), OpenInput{ItemID: it.ID, Applicant: f.applicant(), OwnerID: alice.ID,
			WindowID: "A-03", Form: map[string]string{"name": "小梅餐馆", "address": "A县人民路1号"}}))
		for i, m := range it.Materials {
			if m.Required && m.Code != "old" {
				f.upload(clerkA, c.ID, m.Code, i, true)
			}
		}
		c = f.ok(f.svc.Receive(as(clerkA), c.ID, c.Version, ReceiveInput{}))
		c = f.ok(f.svc.AcceptPending(as(clerkA), c.ID, c.Version, AcceptPendingInput{Materials: []string{"old"},
			PromiseText: "承诺五个工作日内提供原许可证"}))
		if c.Flags.Has(FlagRenewal) {
			t.Fatalf("a renewal knows its expiry before the licence came: %v", c.Flags.Names())
		}
		f.clock.on("2025-11-05")
		if _, err := f.svc.SatisfyWithCert(as(clerkA), c.ID, "old", "cert:lic-1@1"); err != nil {
			t.Fatal(err)
		}
		c = f.get(c.ID)
		if !c.Flags.Has(FlagRenewal) || c.Clock.NextDue.String() != "2025-12-08" {
			t.Fatalf("after the licence came: %v, next due %s", c.Flags.Names(), c.Clock.NextDue)
		}
		evs := val[[]Event](t)(f.svc.Events(as(reviewerA), c.ID))
		if got := foldFacts(evs); got.RenewBy.String() != "2025-12-08" {
			t.Errorf("the fold: renew by %s", got.RenewBy)
		}
	})
}
