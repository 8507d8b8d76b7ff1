package cases

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"onestamp/internal/platform/audit"
	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/pdfdoc"
	"onestamp/internal/platform/web"
	"onestamp/internal/platform/workday"
)

// Decision documents (DOMAIN §4): the receipt slip (接件回执), the acceptance notice (受理通知书,
// art. 32), the correction notice (补正告知书, every defect at once), the not-accepted notice
// (不予受理决定书), and the approval and denial decisions (准予 / 不予行政许可决定书), each with
// the deciding bureau's name and its 行政审批专用章.
//
// A document is generated on demand from the case's history: the event that issued it, the
// clock facts folded up to that event (so an acceptance notice keeps the due date it was issued
// with, whatever happened later) and the pinned item version. Its creation date is the event's
// instant, so the same history always gives the same bytes: the document is a pure function of
// the append-only history, which is what "kept with the case" needs, with nothing to fall out
// of step. The texts are official documents and always in Chinese (cases.doc.* in the
// catalogue).

// Document kinds.
const (
	DocReceipt    = "receipt"
	DocAcceptance = "acceptance"
	DocCorrection = "correction"
	DocRejection  = "rejection"
	DocApproval   = "approval"
	DocDenial     = "denial"
)

// docKindOf names the document an event issued, or "".
func docKindOf(e Event) string {
	switch e.Action {
	case ActReceive:
		return DocReceipt
	case ActAccept, ActAcceptPending, ActDeemAccept:
		return DocAcceptance
	case ActCorrection:
		return DocCorrection
	case ActReject:
		return DocRejection
	case ActDecide:
		if e.To == StApproved {
			return DocApproval
		}
		return DocDenial
	}
	return ""
}

// Document is a generated decision document.
type Document struct {
	Kind   string
	Name   string // the file name: <case no>-<kind>.pdf
	Title  string
	At     time.Time
	PDF    []byte
	CaseNo string
}

// docMessages makes sure the package's texts are in the catalogue: documents may be made by a
// process that never registered the pages (a job, a test).
var docMessages = sync.OnceValue(func() error { return web.AddMessagesFS(messages, "messages") })

// docText is a document text in Chinese.
func docText(key string, args ...any) string {
	return web.Messages.Text(web.DefaultLang, "cases.doc."+key, web.Args(args...))
}

// cnDate writes a date the way Chinese documents do: 2026年3月5日.
func cnDate(d workday.Date) string {
	if d.IsZero() {
		return ""
	}
	y, m, day := d.Civil()
	return fmt.Sprintf("%d年%d月%d日", y, int(m), day)
}

// Document generates the document that key names ("acceptance-5.pdf": the kind and the version
// its event produced) of a case the viewer may see. The applicant who owns the case, staff with
// the unmask permission and the receiving window's clerks (who hand it over) get the
// applicant's name in full; other staff a masked one. A member of staff's download is audited.
func (s *Service) Document(ctx context.Context, caseID, key string) (Document, error) {
	a, err := s.actorOf(ctx)
	if err != nil {
		return Document{}, err
	}
	if a.kind == auth.KindToken {
		return Document{}, errs.ForbiddenErr()
	}
	if err := docMessages(); err != nil {
		return Document{}, err
	}
	r, err := s.visibleCase(ctx, a, caseID)
	if err != nil {
		return Document{}, err
	}
	kind, seqText, _ := strings.Cut(strings.TrimSuffix(key, ".pdf"), "-")
	seq, err := strconv.ParseInt(seqText, 10, 64)
	if err != nil {
		return Document{}, errs.NotFoundErr("cases.doc.not_found")
	}
	evs, err := s.st.events(ctx, s.d.Read, "case_id", r.ID)
	if err != nil {
		return Document{}, err
	}
	i := slices.IndexFunc(evs, func(e Event) bool { return e.Seq == seq && docKindOf(e) != "" })
	if i < 0 || docKindOf(evs[i]) != kind {
		return Document{}, errs.NotFoundErr("cases.doc.not_found")
	}
	owner := a.kind == auth.KindApplicant && r.OwnerID == a.id
	full := owner || (a.kind == auth.KindStaff && (a.v.Can(auth.PermUnmask) || (a.role == auth.Clerk && a.onSide(r, SideIntake))))
	doc, err := s.render(ctx, r, evs, i, full)
	if err != nil {
		return Document{}, err
	}
	if a.kind == auth.KindStaff {
		err = s.d.Tx(ctx, func(tx *sql.Tx) error {
			return s.audit.Append(ctx, tx, audit.Record{Chain: s.auditChain(r.ID), Actor: a.id, ActorName: a.name,
				Role: string(a.role), Action: "case.document", Subject: "case:" + r.ID,
				Detail:    map[string]any{"no": r.No, "doc": kind, "seq": seq, "full_name": full},
				RequestID: web.RequestID(ctx), At: s.clock()})
		})
		if err != nil {
			return Document{}, errs.Wrap(err, "audit document")
		}
	}
	return doc, nil
}

// render lays out the document issued by evs[i].
func (s *Service) render(ctx context.Context, r *rec, evs []Event, i int, fullName bool) (Document, error) {
	e := evs[i]
	kind := docKindOf(e)
	// The clock as it stood when the document was issued.
	then := *r
	then.Facts = foldFacts(evs[:i+1])
	then.State = e.To
	if err := s.derive(&then, e.On); err != nil {
		return Document{}, err
	}
	it, err := s.item(ctx, r.ItemID, r.ItemVersion)
	if err != nil {
		return Document{}, err
	}
	bureau := r.HandlingUnit
	if u, err := s.cat.Unit(ctx, r.HandlingUnit); err == nil && u.Name != "" {
		bureau = u.Name
	}
	hall := r.RecvUnit
	if u, err := s.cat.Unit(ctx, r.RecvUnit); err == nil && u.Name != "" {
		hall = u.Name
	}
	name := r.ApplicantLabel
	if fullName {
		ap, err := s.openApplicant(r)
		if err != nil {
			return Document{}, err
		}
		name = ap.Name
	}
	title := docText("title." + kind)
	doc := Document{Kind: kind, Title: title, At: e.At, CaseNo: r.No,
		Name: fmt.Sprintf("%s-%s.pdf", r.No, kind)}
	d := pdfdoc.New(pdfdoc.Options{Title: title + " " + r.No, Subject: it.Name, Author: bureau,
		Footer: docText("footer", "no", r.No), PageNumbers: true, Created: e.At})
	d.Block(bureau, pdfdoc.Style{Size: pdfdoc.SizeH2, Align: pdfdoc.Center})
	d.Title(title)
	d.Block(docText("number", "year", e.On.Year(), "no", r.No, "seq", e.Seq), pdfdoc.Style{Align: pdfdoc.Center, After: 4})
	d.Line(docText("to", "name", name))
	received := then.ReceivedOn
	if received.IsZero() {
		received = e.On
	}
	args := []any{"name", name, "item", it.Name, "received", cnDate(received), "on", cnDate(e.On), "no", r.No,
		"bureau", bureau, "hall", hall}
	reasons := func() []string {
		if r.Decision != nil && len(r.Decision.Reasons) > 0 && (kind == DocRejection || kind == DocDenial) {
			return r.Decision.Reasons
		}
		return strings.Split(e.Reason, "; ")
	}
	switch kind {
	case DocReceipt:
		d.Paragraph(docText("receipt.body", args...))
		rows := []pdfdoc.Field{{Label: docText("f.no"), Value: r.No}, {Label: docText("f.item"), Value: it.Name},
			{Label: docText("f.applicant"), Value: name}, {Label: docText("f.id_number"), Value: r.ApplicantIDMasked},
			{Label: docText("f.received_at"), Value: e.At.In(web.Shanghai).Format("2006-01-02 15:04")},
			{Label: docText("f.hall"), Value: hall}}
		if !then.IntakeDue.IsZero() {
			rows = append(rows, pdfdoc.Field{Label: docText("f.intake_due"), Value: cnDate(then.IntakeDue)})
		}
		if fee := feeView(&then); fee != nil {
			rows = append(rows, pdfdoc.Field{Label: docText("f.fee"),
				Value: docText("fee", "amount", fee.DueYuan(), "timing", docText("fee_timing."+string(fee.Timing)))})
		}
		d.Fields(rows, 32)
		files, err := s.st.files(ctx, s.d.Read, r.ID)
		if err != nil {
			return Document{}, err
		}
		mats, err := s.st.materials(ctx, s.d.Read, r.ID)
		if err != nil {
			return Document{}, err
		}
		t := pdfdoc.Table{Header: []string{docText("f.seq"), docText("f.material"), docText("f.copies"), docText("f.trust")},
			Widths: []float64{14, 100, 26, 30}}
		n := 0
		for _, m := range mats {
			var got []File
			for _, f := range files {
				if f.Material == m.Code && !f.UploadedAt.After(e.At) {
					got = append(got, f)
				}
			}
			if len(got) == 0 {
				continue
			}
			n++
			last := got[len(got)-1]
			trust := docText("trust." + string(last.Trust))
			if !last.CheckedAt.IsZero() && !last.CheckedAt.After(e.At) {
				trust = docText("trust.B")
			}
			t.Rows = append(t.Rows, []string{strconv.Itoa(n), m.Name, strconv.Itoa(len(got)), trust})
		}
		d.Space(3)
		d.Line(docText("receipt.materials"))
		if n == 0 {
			d.Line(docText("receipt.none"))
		} else {
			d.Table(t)
		}
		d.Space(2)
		d.Paragraph(docText("receipt.track", args...))
	case DocAcceptance:
		d.Paragraph(docText("acceptance.body", args...))
		due := then.PromisedDue
		if !due.IsZero() {
			d.Paragraph(docText("acceptance.due", "n", then.Limits.PromisedWD, "due", cnDate(due),
				"statutory", then.Limits.StatutoryWD, "sdue", cnDate(then.StatutoryDue)))
		}
		if e.Action == ActAcceptPending {
			var names []string
			for _, code := range dataStrings(e.Data, "materials") {
				names = append(names, materialName(ctx, s, r.ID, code))
			}
			d.Paragraph(docText("acceptance.pending", "materials", strings.Join(names, "、"), "due", cnDate(then.PendingDue)))
		}
		if then.Facts.Deemed {
			d.Paragraph(docText("acceptance.deemed", "received", cnDate(then.ReceivedOn)))
		}
		d.Paragraph(docText("acceptance.track", args...))
	case DocCorrection:
		d.Paragraph(docText("correction.body", args...))
		t := pdfdoc.Table{Header: []string{docText("f.seq"), docText("f.target"), docText("f.problem")},
			Widths: []float64{14, 60, 96}}
		defects, _ := e.Data["defects"].([]any)
		for k, x := range defects {
			m, _ := x.(map[string]any)
			target := ""
			if code := dataString(m, "material"); code != "" {
				target = materialName(ctx, s, r.ID, code)
			} else if key := dataString(m, "field"); key != "" {
				target = key
				for _, f := range it.Fields {
					if f.Key == key {
						target = docText("f.form_field", "label", f.Label)
					}
				}
			}
			t.Rows = append(t.Rows, []string{strconv.Itoa(k + 1), target, dataString(m, "problem")})
		}
		d.Table(t)
		by, _ := workday.ParseDate(dataString(e.Data, "reply_by"))
		d.Space(2)
		d.Paragraph(docText("correction.reply", "by", cnDate(by)))
		d.Paragraph(docText("correction.once"))
	case DocRejection:
		d.Paragraph(docText("rejection.body", args...))
		numbered(d, reasons())
		if r.Decision != nil && r.Decision.Body != "" {
			d.Paragraph(docText("rejection.competent", "body", r.Decision.Body))
		}
		remedies(d, r.Decision)
	case DocApproval:
		d.Paragraph(docText("approval.body", args...))
		if res := it.ResultCertType; res != "" {
			d.Paragraph(docText("approval.cert"))
		}
		d.Paragraph(docText("approval.delivery", "due", cnDate(then.DeliveryDue)))
	case DocDenial:
		d.Paragraph(docText("denial.body", args...))
		numbered(d, reasons())
		remedies(d, r.Decision)
	}
	d.Signature(pdfdoc.Signature{Org: bureau, Date: cnDate(e.On), Seal: true, Title: pdfdoc.DefaultSealTitle})
	b, err := d.Bytes()
	if err != nil {
		return Document{}, err
	}
	doc.PDF = b
	return doc, nil
}

func numbered(d *pdfdoc.Doc, items []string) {
	n := 0
	for _, s := range items {
		if s = strings.TrimSpace(s); s != "" {
			n++
			d.Paragraph(fmt.Sprintf("%d. %s", n, s))
		}
	}
}

// remedies writes the legal remedies every refusal and denial names (行政复议法 art. 20,
// 行政诉讼法 art. 46), and the remedy text the decider added when it says more.
func remedies(d *pdfdoc.Doc, dec *Decision) {
	std := docText("remedy")
	d.Paragraph(std)
	if dec != nil {
		if extra := strings.TrimSpace(dec.Remedy); extra != "" && extra != std && !strings.Contains(std, extra) {
			d.Paragraph(extra)
		}
	}
}

func dataStrings(d map[string]any, k string) []string {
	var out []string
	switch v := d[k].(type) {
	case []any:
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
	case []string:
		out = v
	}
	return out
}

func materialName(ctx context.Context, s *Service, caseID, code string) string {
	mats, err := s.st.materials(ctx, s.d.Read, caseID)
	if err == nil {
		for _, m := range mats {
			if m.Code == code {
				return m.Name
			}
		}
	}
	return code
}

// ---- download handlers ----

func (p *pages) staffDoc(w http.ResponseWriter, r *http.Request) { p.serveDoc(w, r) }
func (p *pages) myDoc(w http.ResponseWriter, r *http.Request)    { p.serveDoc(w, r) }

func (p *pages) serveDoc(w http.ResponseWriter, r *http.Request) {
	doc, err := p.s.Document(r.Context(), r.PathValue("id"), r.PathValue("doc"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Cache-Control", "private, no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	disp := "inline"
	if r.URL.Query().Get("download") != "" {
		disp = "attachment"
	}
	h.Set("Content-Disposition", disp+"; filename*=UTF-8''"+url.PathEscape(doc.Name))
	h.Set("Content-Length", strconv.Itoa(len(doc.PDF)))
	_, _ = w.Write(doc.PDF)
}
