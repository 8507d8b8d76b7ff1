package cases

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"onestamp/internal/platform/db"
	"onestamp/internal/platform/db/dbtest"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/workday"
)

// An item's fees are pinned on the case; acceptance (fees due before_accept) or the conclusion
// of an approval (before_conclude) waits for the window to record the whole amount; a denial
// owes nothing; fees paid on a withdrawn case are due back.
func TestFees(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.clock.on("2025-11-03")
		from := workday.MustDate("2025-01-01")
		before := f.licence
		before.ID, before.Code, before.FeeFen, before.FeeTiming = "item-fee-accept", "F-001", 8000, FeeBeforeAccept
		before = f.cat.publish(before, from, "bureau-a")
		after := f.licence
		after.ID, after.Code, after.FeeFen, after.FeeTiming = "item-fee-conclude", "F-002", 55000, ""
		after = f.cat.publish(after, from, "bureau-a")

		// Free of charge: nothing to pay.
		free := f.walkIn(f.licence)
		if free.Fee != nil {
			t.Fatalf("a free item's case shows fees %+v", free.Fee)
		}
		_, err := f.svc.PayFee(as(clerkA), free.ID, free.Version, PayFeeInput{AmountFen: 100, Receipt: "FS-0001"})
		wantErr(t, err, errs.Conflict, "cases.fee.none")

		// Due before acceptance.
		c := f.walkIn(before)
		if c.Fee == nil || c.Fee.DueFen != 8000 || !c.Fee.Owed || c.Fee.Timing != FeeBeforeAccept {
			t.Fatalf("received case fee %+v", c.Fee)
		}
		n := f.counts()
		_, err = f.svc.Accept(as(clerkA), c.ID, c.Version, AcceptInput{})
		wantErr(t, err, errs.Conflict, "cases.fee.unpaid")
		if errs.As(err).Args["due"] != "80.00" {
			t.Errorf("unpaid error args %v", errs.As(err).Args)
		}
		_, err = f.svc.PayFee(as(clerkA), c.ID, c.Version, PayFeeInput{AmountFen: 5000, Receipt: "FS-0001"})
		wantErr(t, err, errs.Invalid, "cases.fee.amount")
		if errs.As(err).Field != "amount_fen" {
			t.Errorf("wrong amount refused on field %q", errs.As(err).Field)
		}
		_, err = f.svc.PayFee(as(clerkA), c.ID, c.Version, PayFeeInput{AmountFen: 8000, Receipt: " x "})
		wantErr(t, err, errs.Invalid, "cases.fee.receipt")
		_, err = f.svc.PayFee(as(reviewerA), c.ID, c.Version, PayFeeInput{AmountFen: 8000, Receipt: "FS-0001"})
		wantErr(t, err, errs.Forbidden, "")
		if f.counts() != n {
			t.Fatal("a refused acceptance or payment wrote something")
		}
		c = f.ok(f.svc.PayFee(as(clerkA), c.ID, c.Version, PayFeeInput{AmountFen: 8000, Receipt: "FS-0001"}))
		if c.Fee.PaidFen != 8000 || c.Fee.Owed || c.Fee.Receipt != "FS-0001" || c.Fee.PaidOn.String() != "2025-11-03" {
			t.Fatalf("after payment %+v", c.Fee)
		}
		_, err = f.svc.PayFee(as(clerkA), c.ID, c.Version, PayFeeInput{AmountFen: 8000, Receipt: "FS-0002"})
		wantErr(t, err, errs.Conflict, "cases.fee.paid")
		c = f.ok(f.svc.Accept(as(clerkA), c.ID, c.Version, AcceptInput{}))
		c = f.ok(f.svc.Withdraw(as(alice), c.ID, c.Version, WithdrawInput{Reason: "不再经营"}))
		evs := val[[]Event](t)(f.svc.Events(as(auditor), c.ID))
		if last := evs[len(evs)-1]; last.Action != ActWithdraw || dataInt(last.Data, "refund_fen") != 8000 {
			t.Errorf("withdrawal after payment: %+v", last)
		}
		if got, want := mustJSON(foldFacts(evs)), mustJSON(c.facts); got != want {
			t.Errorf("facts folded from the history\n%s\nstored\n%s", got, want)
		}

		// Due before the conclusion of an approval; a denial owes nothing.
		decided := func(o Outcome) Case {
			c := f.walkIn(after)
			if c.Fee == nil || c.Fee.Owed || c.Fee.Timing != FeeBeforeConclude {
				t.Fatalf("received case, fees due at conclusion: %+v", c.Fee)
			}
			c = f.ok(f.svc.Accept(as(clerkA), c.ID, c.Version, AcceptInput{}))
			c = f.ok(f.svc.Advance(as(reviewerA), c.ID, c.Version, AdvanceInput{Outcome: "agree", Opinion: "同意"}))
			in := DecideInput{Outcome: o, Opinion: "决定"}
			if o == OutcomeDeny {
				in.Reasons, in.Remedy = []string{"不符合条件"}, "可于六十日内申请行政复议"
			}
			return f.ok(f.svc.Decide(as(signerA), c.ID, c.Version, in))
		}
		c = decided(OutcomeApprove)
		if !c.Fee.Owed || c.Fee.DueFen != 55000 {
			t.Fatalf("approved case fee %+v", c.Fee)
		}
		_, err = f.svc.Conclude(as(signerA), c.ID, c.Version, ConcludeInput{})
		wantErr(t, err, errs.Conflict, "cases.fee.unpaid")
		c = f.ok(f.svc.PayFee(as(clerkA), c.ID, c.Version, PayFeeInput{AmountFen: 55000, Receipt: "FS-0003"}))
		c = f.ok(f.svc.Conclude(as(signerA), c.ID, c.Version, ConcludeInput{}))
		if c.State != StConcluded || c.Fee.Owed {
			t.Fatalf("concluded: state %s fee %+v", c.State, c.Fee)
		}
		c = decided(OutcomeDeny)
		if c.Fee.Owed {
			t.Fatalf("a denied case owes its fees: %+v", c.Fee)
		}
		f.ok(f.svc.Conclude(as(signerA), c.ID, c.Version, ConcludeInput{}))
	})
}

// The window sees what a charged case owes, records the payment on the case page, and only then
// is offered the acceptance; the applicant's page says what to pay.
func TestPagesFee(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newSite(t, d)
		s.clock.on("2025-11-03")
		it := s.licence
		it.ID, it.Code, it.FeeFen, it.FeeTiming = "item-fee-accept", "F-001", 8050, FeeBeforeAccept
		it = s.cat.publish(it, workday.MustDate("2025-01-01"), "bureau-a")
		c := s.walkIn(it)
		path := StaffBase + "/" + c.ID

		p := s.get("clerkA", path)
		wantText(t, p, "应缴 80.50 元 受理前缴纳", "未缴", "费用缴清后方可受理。", "确认缴费")
		if strings.Contains(p.body, `id="act-accept"`) {
			t.Error("the acceptance is offered while the fees are unpaid")
		}
		wantText(t, s.get("alice", PortalBase+"/"+c.ID), "请缴纳费用 80.50 元")
		// The receipt tells the applicant what is due and when, on the page and in its PDF.
		p = s.get("clerkA", path+"/receipt")
		wantText(t, p, "应缴 80.50 元（受理前缴纳）")
		m := regexp.MustCompile(`id="receipt-pdf" href="([^"]+)"|href="([^"]+)" id="receipt-pdf"`).FindStringSubmatch(p.body)
		if m == nil {
			t.Fatal("no receipt PDF link")
		}
		link := m[1] + m[2]
		if txt := pdfText(t, []byte(s.get("clerkA", strings.ReplaceAll(link, "&amp;", "&")).body)); txt != "" &&
			(!strings.Contains(txt, "应缴费用") || !strings.Contains(txt, "80.50 元（受理前缴纳）")) {
			t.Errorf("the receipt PDF lacks the fee:\n%s", txt)
		}

		p = s.post("clerkA", path+"/pay-fee", url.Values{"version": {fmt.Sprint(c.Version)}, "amount": {"80,5"}, "receipt": {"FS20251103001"}})
		if p.status != http.StatusUnprocessableEntity && p.status != http.StatusBadRequest {
			t.Fatalf("a malformed amount: status %d", p.status)
		}
		wantText(t, p, "金额格式不正确")
		p = s.post("clerkA", path+"/pay-fee", url.Values{"version": {fmt.Sprint(c.Version)}, "amount": {"80"}, "receipt": {"FS20251103001"}})
		wantText(t, p, "缴费金额应为应缴的 80.50 元")

		p = s.follow("clerkA", s.post("clerkA", path+"/pay-fee", url.Values{"version": {fmt.Sprint(c.Version)},
			"amount": {"80.50"}, "receipt": {"FS20251103001"}}))
		wantText(t, p, "已记录缴费。", "已缴 80.50 元 2025-11-03 · FS20251103001", "缴费 80.50 元，票据号 FS20251103001")
		if !strings.Contains(p.body, `id="act-accept"`) || strings.Contains(p.body, `id="act-pay-fee"`) {
			t.Error("after payment: the acceptance is not offered, or the payment still is")
		}
		if txt := s.get("alice", PortalBase+"/"+c.ID).text(); strings.Contains(txt, "请缴纳费用") || !strings.Contains(txt, "费用已缴纳") {
			t.Errorf("the applicant's page after payment:\n%s", txt)
		}
	})
}

func TestParseYuan(t *testing.T) {
	for in, want := range map[string]int64{"80": 8000, "80.5": 8050, "80.50": 8050, " 0.07 ": 7, "1234567.89": 123456789} {
		if got, ok := parseYuan(in); !ok || got != want {
			t.Errorf("parseYuan(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"", ".5", "80.", "80.505", "80,5", "-1", "1e3", "８０"} {
		if _, ok := parseYuan(in); ok {
			t.Errorf("parseYuan(%q) accepted", in)
		}
	}
}
