package cases

import (
	"io"
	"net/http"
	"slices"
	"strings"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/web"
	"onestamp/internal/platform/workday"
)

// myCasesView is the applicant's list of cases (我的办件).
type myCasesView struct {
	pageBase
	Rows  []queueRow
	Next  string
	Prev  string
	First bool
}

func (p *pages) myCases(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	view := myCasesView{pageBase: newBase(), First: q.Get("after") == ""}
	view.fromQuery(r)
	page, err := p.s.Queue(ctx, QueueQuery{Queue: QueueMine, After: q.Get("after"), Limit: 20})
	if err != nil {
		if errs.Is(err, errs.Invalid) {
			http.Redirect(w, r, PortalBase, http.StatusSeeOther)
			return
		}
		web.Error(w, r, err)
		return
	}
	n := p.names(r)
	for _, s := range page.Items {
		if s.ParentID != "" {
			continue // a chain's items show on the chain's page
		}
		view.Rows = append(view.Rows, queueRow{Summary: s, Handling: n.Unit(s.Handling.UnitID)})
	}
	if page.Next != "" {
		view.Next = PortalBase + "?after=" + page.Next
	}
	if !view.First {
		view.Prev = PortalBase
	}
	p.portal.Render(w, r, "my_cases.html", view)
}

// myCaseView is the applicant's case page.
type myCaseView struct {
	caseView
	Needs       []need
	Defects     []string
	ReplyBy     workday.Date
	Story       []eventRow
	CanWithdraw bool
	CanEdit     bool
	CanSubmit   bool
	CanResubmit bool
	UploadCodes []Material // materials the applicant may give a file for now
	DueKey      string     // how the clock's date reads to the applicant; "" to show none
}

// defectLines lists the defects of a correction notice or pre-check return.
func defectLines(e eventRow, mats []materialRow, fields []Field) []string {
	var out []string
	ds, _ := e.Data["defects"].([]any)
	for _, x := range ds {
		m, _ := x.(map[string]any)
		target := dataString(m, "material")
		for _, mr := range mats {
			if mr.Code == target {
				target = mr.Name
			}
		}
		if key := dataString(m, "field"); key != "" {
			target = key
			for _, f := range fields {
				if f.Key == key {
					target = f.Label
				}
			}
		}
		out = append(out, target+"："+dataString(m, "problem"))
	}
	return out
}

// need is one thing the applicant must do now, in plain words.
type need struct {
	Key  string
	Args map[string]any
}

func (p *pages) myCase(w http.ResponseWriter, r *http.Request) {
	p.renderMyCase(w, r, r.PathValue("id"), http.StatusOK, nil)
}

func (p *pages) renderMyCase(w http.ResponseWriter, r *http.Request, id string, status int, err error) {
	ctx := r.Context()
	v, _ := auth.FromContext(ctx)
	c, cv, ok := p.loadCase(w, r, id, false, err)
	if !ok {
		return
	}
	view := myCaseView{caseView: cv}
	for _, e := range cv.Events {
		if e.Public && e.CaseID == c.ID || e.Public && c.Kind == KindChain {
			view.Story = append(view.Story, e)
		}
	}
	// The correction notice in force: the last one, while the case waits for it.
	if c.State == StCorrection || c.State == StPrecheckReturned {
		for _, e := range cv.Events { // newest first
			if e.Action == ActCorrection || e.Action == ActPrecheckReturn {
				view.Defects = defectLines(e, cv.Materials, cv.Item.Fields)
				if d, err := workday.ParseDate(dataString(e.Data, "reply_by")); err == nil {
					view.ReplyBy = d
				}
				break
			}
		}
	}
	switch {
	case c.State == StAccepted || c.State == StInReview:
		view.DueKey = "cases.my.due"
	case c.State == StReceived || c.State == StPendingReceipt:
		view.DueKey = "cases.my.due_intake"
	case c.State == StCorrection:
		view.DueKey = "cases.my.due_correction"
	}
	view.CanEdit = may(v, c, ActEdit) && c.Kind != KindChain &&
		(c.State == StDraft || c.State == StPrecheckReturned || c.State == StCorrection)
	view.CanWithdraw = may(v, c, ActWithdraw)
	view.CanSubmit = may(v, c, ActSubmit)
	view.CanResubmit = may(v, c, ActResubmit)
	open := slices.Contains(uploadStates, c.State) && c.Kind != KindChain
	for _, m := range cv.Materials {
		switch {
		case m.Status == MatPending && c.facts.PendingOpen:
			view.UploadCodes = append(view.UploadCodes, m.Material)
		case open && c.State != StCorrection && c.State != StPrecheckReturned:
			view.UploadCodes = append(view.UploadCodes, m.Material)
		case open && m.Status == MatDefective:
			view.UploadCodes = append(view.UploadCodes, m.Material)
		}
	}
	if c.Kind == KindChain && c.State == StDraft {
		for _, m := range cv.Materials {
			view.UploadCodes = append(view.UploadCodes, m.Material)
		}
	}
	switch {
	case c.State == StDraft:
		view.Needs = append(view.Needs, need{Key: "cases.need.draft"})
	case c.State == StPrecheckReturned:
		view.Needs = append(view.Needs, need{Key: "cases.need.precheck_returned"})
	case c.State == StCorrection:
		view.Needs = append(view.Needs, need{Key: "cases.need.correction", Args: map[string]any{"date": view.ReplyBy.String()}})
	}
	if c.Fee != nil && c.Fee.Owed {
		view.Needs = append(view.Needs, need{Key: "cases.need.fee", Args: map[string]any{"amount": yuan(c.Fee.DueFen - c.Fee.PaidFen)}})
	}
	if c.facts.PendingOpen {
		view.Needs = append(view.Needs, need{Key: "cases.need.pending", Args: map[string]any{"date": c.Clock.PendingDue.String()}})
	}
	if len(view.Needs) == 0 {
		view.Needs = append(view.Needs, need{Key: "cases.need.state." + c.State.String(),
			Args: map[string]any{"date": c.Clock.PromisedDue.String()}})
	}
	p.portal.RenderStatus(w, r, status, "my_case.html", view)
}

// portalAction is a form of the applicant's case page.
type portalAction struct {
	path string
	done string
	run  func(p *pages, r *http.Request, id string, version int64) (Case, error)
}

var portalActions = []portalAction{
	{"submit", "submitted", func(p *pages, r *http.Request, id string, v int64) (Case, error) {
		return p.s.Submit(r.Context(), id, v, SubmitInput{})
	}},
	{"resubmit", "resubmitted", func(p *pages, r *http.Request, id string, v int64) (Case, error) {
		return p.s.Resubmit(r.Context(), id, v, ResubmitInput{Note: r.PostFormValue("note")})
	}},
	{"withdraw", "withdrawn", func(p *pages, r *http.Request, id string, v int64) (Case, error) {
		return p.s.Withdraw(r.Context(), id, v, WithdrawInput{Reason: r.PostFormValue("reason")})
	}},
	{"form", "form_saved", func(p *pages, r *http.Request, id string, v int64) (Case, error) {
		form := map[string]string{}
		for k, vs := range r.PostForm {
			if key, ok := strings.CutPrefix(k, "form."); ok && len(vs) > 0 {
				form[key] = vs[0]
			}
		}
		return p.s.EditForm(r.Context(), id, v, form)
	}},
}

func (p *pages) myAct(a portalAction) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		if err := r.ParseForm(); err != nil {
			web.Error(w, r, errs.InvalidInput("error.bad_request"))
			return
		}
		c, err := a.run(p, r, id, versionOf(r))
		if err != nil {
			p.renderMyCase(w, r, id, failStatus(err), err)
			return
		}
		web.SeeOther(w, r, PortalBase+"/"+c.ID+"?done="+a.done)
	}
}

func (p *pages) myUpload(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := p.uploadParts(r, id); err != nil {
		p.renderMyCase(w, r, id, failStatus(err), err)
		return
	}
	web.SeeOther(w, r, PortalBase+"/"+id+"?done=uploaded#materials")
}

// ---- online application ----

// applyView is the online application form of an item or a chain (一件事).
type applyView struct {
	pageBase
	Item      Item
	Chain     Chain
	IsChain   bool
	Fields    []fieldRow
	Materials []applyMaterial
	Promise   bool
	PromiseTx string
}

type applyMaterial struct {
	Code, Name string
	Required   bool
	Pending    bool
}

func (p *pages) applyForm(w http.ResponseWriter, r *http.Request) {
	view, err := p.applyData(r, r.URL.Query().Get("item"), r.URL.Query().Get("chain"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	p.portal.Render(w, r, "apply.html", view)
}

func (p *pages) applyData(r *http.Request, itemID, chainID string) (applyView, error) {
	ctx := r.Context()
	view := applyView{pageBase: newBase()}
	switch {
	case chainID != "":
		ch, err := p.s.cat.Chain(ctx, chainID)
		if err != nil {
			return view, err
		}
		view.Chain, view.IsChain = ch, true
		for _, f := range ch.Fields {
			view.Fields = append(view.Fields, fieldRow{Key: f.Key, Label: f.Label, Required: f.Required})
		}
		for _, m := range ch.Materials {
			if len(m.Maps) > 0 {
				view.Materials = append(view.Materials, applyMaterial{Code: m.Key, Name: m.Name})
			}
		}
	case itemID != "":
		it, err := p.s.cat.ItemAt(ctx, itemID, p.s.today())
		if err != nil {
			return view, err
		}
		if it.Cancelled {
			return view, errs.InvalidInput("cases.item.cancelled")
		}
		view.Item = it
		for _, f := range it.Fields {
			view.Fields = append(view.Fields, fieldRow{Key: f.Key, Label: f.Label, Required: f.Required, Type: f.Type})
		}
		for _, m := range it.Materials {
			view.Materials = append(view.Materials, applyMaterial{Code: m.Code, Name: m.Name, Required: m.Required,
				Pending: m.PendingAllowed})
		}
		view.Promise, view.PromiseTx = it.PromiseAllowed, it.PromiseText
	default:
		return view, errs.NotFoundErr("cases.apply.no_item")
	}
	return view, nil
}

// apply takes the whole application in one post — the form, the files and the commitment —
// and submits it: the applicant sees the case number at once. The form's fields come before
// its files, so the case is opened when the first file arrives and each file streams into it.
func (p *pages) apply(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	mr, err := r.MultipartReader()
	if err != nil {
		web.Error(w, r, errs.InvalidInput("error.bad_request"))
		return
	}
	vals := map[string]string{}
	var c Case
	opened := false
	var view applyView
	fail := func(err error) {
		if opened {
			// The draft exists: the applicant carries on from its page.
			p.renderMyCase(w, r, c.ID, failStatus(err), err)
			return
		}
		if !view.fail(r, err) {
			web.Error(w, r, err)
			return
		}
		for i := range view.Fields {
			view.Fields[i].Value = vals["form."+view.Fields[i].Key]
		}
		p.portal.RenderStatus(w, r, failStatus(err), "apply.html", view)
	}
	open := func() error {
		var err error
		view, err = p.applyData(r, vals["item_id"], vals["chain_id"])
		if err != nil {
			return err
		}
		form := map[string]string{}
		for _, f := range view.Fields {
			if x := strings.TrimSpace(vals["form."+f.Key]); x != "" {
				form[f.Key] = x
			}
		}
		if view.IsChain {
			c, err = p.s.OpenChain(ctx, ChainInput{ChainID: view.Chain.ID, Form: form})
		} else {
			in := OpenInput{ItemID: view.Item.ID, Form: form}
			if vals["promise"] == "1" {
				in.Promise = &PromiseInput{Method: "e_signature"}
			}
			c, err = p.s.Open(ctx, in)
		}
		if err == nil {
			opened = true
		}
		return err
	}
	files := 0
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			fail(errs.InvalidInput("error.bad_request"))
			return
		}
		name := part.FormName()
		if part.FileName() == "" {
			b, _ := io.ReadAll(io.LimitReader(part, 8<<10))
			vals[name] = string(b)
			part.Close()
			continue
		}
		code, ok := strings.CutPrefix(name, "file.")
		if !ok {
			part.Close()
			continue
		}
		if !opened {
			if err := open(); err != nil {
				fail(err)
				return
			}
		}
		if files >= maxFilesPerPost {
			fail(errs.InvalidInput("cases.upload.too_many").OnField("file"))
			return
		}
		if _, err := p.s.Upload(ctx, c.ID, code, part, UploadInput{Name: part.FileName()}); err != nil {
			fail(err)
			return
		}
		files++
		part.Close()
	}
	if !opened {
		if err := open(); err != nil {
			fail(err)
			return
		}
	}
	if vals["action"] == "draft" {
		web.SeeOther(w, r, PortalBase+"/"+c.ID+"?done=opened")
		return
	}
	if _, err := p.s.Submit(ctx, c.ID, c.Version, SubmitInput{}); err != nil {
		fail(err)
		return
	}
	web.SeeOther(w, r, PortalBase+"/"+c.ID+"?done=submitted")
}
