package cases

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"onestamp/internal/platform/db"
	"onestamp/internal/platform/db/dbtest"
	"onestamp/internal/platform/errs"
)

// docOf generates the document of a kind a case's history issued last.
func (f *fixture) docOf(viewerCase Case, kind string, who ...string) Document {
	f.t.Helper()
	evs := val[[]Event](f.t)(f.svc.Events(as(cityView), viewerCase.ID))
	key := ""
	for _, e := range evs {
		if docKindOf(e) == kind {
			key = fmt.Sprintf("%s-%d", kind, e.Seq)
		}
	}
	if key == "" {
		f.t.Fatalf("case %s issued no %s", viewerCase.No, kind)
	}
	v := alice
	if len(who) > 0 {
		v = testViewers[who[0]]
	}
	doc, err := f.svc.Document(as(v), viewerCase.ID, key+".pdf")
	if err != nil {
		f.t.Fatalf("document %s: %v", key, err)
	}
	return doc
}

func wantPDF(t *testing.T, doc Document, wants ...string) {
	t.Helper()
	if !bytes.HasPrefix(doc.PDF, []byte("%PDF")) {
		t.Fatalf("%s is not a PDF", doc.Name)
	}
	txt := pdfText(t, doc.PDF)
	if txt == "" {
		return
	}
	flat := strings.Join(strings.Fields(txt), "")
	for _, w := range wants {
		if !strings.Contains(flat, strings.Join(strings.Fields(w), "")) {
			t.Errorf("%s lacks %q:\n%s", doc.Name, w, txt)
		}
	}
}

// TestDocuments: each decision document is a PDF whose text really holds the title, the case
// number, the bureau and what the law asks it to say; the same history gives the same bytes.
func TestDocuments(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		c := f.walkIn(f.licence)
		receipt := f.docOf(c, DocReceipt)
		wantPDF(t, receipt, "接件回执", c.No, "A县行政审批局", "食品经营许可", aliceName, "申请书", "身份证明", "已核验原件",
			"2025年9月30日")
		again := f.docOf(c, DocReceipt)
		if !bytes.Equal(receipt.PDF, again.PDF) {
			t.Errorf("the same history gave two different receipts")
		}

		// A correction notice lists every defect at once.
		c = f.ok(f.svc.RequestCorrection(as(clerkA), c.ID, c.Version, CorrectionInput{Defects: []Defect{
			{Material: "lease", Problem: "租赁合同已过期"}, {Field: "address", Problem: "地址与营业场所不一致"}}}))
		wantPDF(t, f.docOf(c, DocCorrection), "补正告知书", c.No, "A县行政审批局", "第三十二条", "场所证明", "租赁合同已过期",
			"地址", "地址与营业场所不一致", "2025年10月24日", "一次性告知")

		// Accepted with a pending material: the notice names it and the supply date.
		c2 := f.walkIn(f.licence)
		c2 = f.ok(f.svc.Accept(as(clerkA), c2.ID, c2.Version, AcceptInput{}))
		acc := f.docOf(c2, DocAcceptance)
		wantPDF(t, acc, "受理通知书", c2.No, "A县行政审批局", "第三十二条", "决定予以受理", "15个工作日", "行政审批专用章")

		// Refused (不予受理) and denied (不予许可): reasons and both remedies.
		c3 := f.walkIn(f.licence)
		c3 = f.ok(f.svc.Reject(as(chiefA), c3.ID, c3.Version, RejectInput{Reasons: []string{"申请事项依法不需要取得行政许可"},
			Remedy: "如不服，可依法申请行政复议或提起行政诉讼。"}))
		wantPDF(t, f.docOf(c3, DocRejection), "不予受理决定书", c3.No, "申请事项依法不需要取得行政许可", "六十日内", "行政复议",
			"六个月内", "行政诉讼", "A县行政审批局")
		c2 = f.ok(f.svc.Advance(as(reviewerA), c2.ID, c2.Version, AdvanceInput{Outcome: "disagree", Opinion: "场所不符合"}))
		c2 = f.ok(f.svc.Decide(as(signerA), c2.ID, c2.Version, DecideInput{Outcome: OutcomeDeny,
			Reasons: []string{"经营场所与污染源距离不符合规定"}, Remedy: "可申请行政复议或提起行政诉讼"}))
		wantPDF(t, f.docOf(c2, DocDenial), "不予行政许可决定书", c2.No, "第三十八条第二款", "经营场所与污染源距离不符合规定",
			"六十日内", "六个月内")

		// Approved: the decision, for the applicant in full; for a reviewer, masked.
		c4 := f.walkIn(f.licence)
		c4 = f.ok(f.svc.Accept(as(clerkA), c4.ID, c4.Version, AcceptInput{}))
		c4 = f.ok(f.svc.Advance(as(reviewerA), c4.ID, c4.Version, AdvanceInput{Outcome: "agree", Opinion: "同意"}))
		c4 = f.ok(f.svc.Decide(as(signerA), c4.ID, c4.Version, DecideInput{Outcome: OutcomeApprove}))
		wantPDF(t, f.docOf(c4, DocApproval), "准予行政许可决定书", c4.No, "A县行政审批局", "第三十八条第一款", aliceName)
		staff := f.docOf(c4, DocApproval, "reviewerA")
		if txt := pdfText(t, staff.PDF); txt != "" && strings.Contains(txt, aliceName) {
			t.Errorf("a reviewer without the unmask permission gets the applicant's full name")
		}
		// Another applicant, or another county, finds no such document.
		if _, err := f.svc.Document(as(bob), c4.ID, "approval-1.pdf"); !errs.Is(err, errs.NotFound) {
			t.Errorf("another applicant: %v", err)
		}
		if _, err := f.svc.Document(as(clerkB), c4.ID, "receipt-2.pdf"); !errs.Is(err, errs.NotFound) {
			t.Errorf("another county's clerk: %v", err)
		}
		if _, err := f.svc.Document(as(alice), c4.ID, "approval-2.pdf"); !errs.Is(err, errs.NotFound) {
			t.Errorf("a document key of the wrong event: %v", err)
		}
	})
}
