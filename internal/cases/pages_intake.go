package cases

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/blob"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/ident"
	"onestamp/internal/platform/web"
)

// maxAgentUpload bounds the intake form: its fields and one authorisation or promise scan.
const maxAgentUpload = blob.DefaultMaxSize + 1<<20

// maxFilesPerPost is how many files one material form may carry.
const maxFilesPerPost = 12

// maxUploadBody bounds a material form: a few files at the store's size limit.
func (s *Service) maxUploadBody() int64 {
	size := int64(blob.DefaultMaxSize)
	if s.blobs != nil {
		size = s.blobs.Limits().MaxSize
	}
	return 8*size + 1<<20
}

// intakeView is the window intake page: find the item, then fill in the applicant.
type intakeView struct {
	pageBase
	Q        string
	Searched bool
	Hits     []ItemChoice
	Item     Item
	HasItem  bool
	Windows  []WindowChoice
	In       intakeForm
	Fields   []fieldRow
	Promise  bool
}

// intakeForm is what the clerk typed, kept to show the form again after a refusal.
type intakeForm struct {
	ItemID, WindowID                                          string
	Type, Name, IDNumber, Mobile                              string
	AgentKind, AgentName, AgentID, AgentMobile, PromiseMethod string
	UsePromise                                                bool
}

// IDMasked is the ID number as the form shows it back once it has been checked.
func (f intakeForm) IDMasked() string {
	if f.Type == SubjectPerson {
		if r := ident.CheckIDCard(f.IDNumber, time.Now()); r.Valid {
			return ident.MaskIDCard(r.Normalized)
		}
	}
	return ""
}

func (p *pages) intake(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v, _ := auth.FromContext(ctx)
	q := r.URL.Query()
	view := intakeView{pageBase: newBase(), Q: strings.TrimSpace(q.Get("q")),
		In: intakeForm{ItemID: q.Get("item"), Type: SubjectPerson, AgentKind: ""}}
	view.fromQuery(r)
	deps := p.s.pageDeps()
	if view.Q != "" && deps.Items != nil {
		view.Searched = true
		hits, err := deps.Items(ctx, view.Q)
		if err != nil {
			web.Error(w, r, err)
			return
		}
		view.Hits = hits
	}
	if view.In.ItemID != "" {
		if err := p.intakeItem(r, &view); err != nil {
			web.Error(w, r, err)
			return
		}
	}
	view.Windows = p.names(r).loadWindows(v.UnitID)
	if len(view.Windows) == 1 {
		view.In.WindowID = view.Windows[0].ID
	}
	if c, err := r.Cookie("cases_window"); err == nil {
		view.In.WindowID = c.Value
	}
	p.staff.Render(w, r, "intake.html", view)
}

// intakeItem loads the item version in force for the intake form.
func (p *pages) intakeItem(r *http.Request, view *intakeView) error {
	it, err := p.s.cat.ItemAt(r.Context(), view.In.ItemID, p.s.today())
	if err != nil {
		return err
	}
	view.Item, view.HasItem, view.Promise = it, true, it.PromiseAllowed
	for _, f := range it.Fields {
		view.Fields = append(view.Fields, fieldRow{Key: f.Key, Label: f.Label, Required: f.Required, Type: f.Type})
	}
	return nil
}

// intakeOpen starts a window case from the intake form. The agent's authorisation (委托书) or
// the handwritten commitment comes with the form as a scan and is stored first.
func (p *pages) intakeOpen(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v, _ := auth.FromContext(ctx)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		web.Error(w, r, errs.InvalidInput("error.bad_request"))
		return
	}
	defer r.MultipartForm.RemoveAll()
	f := r.PostFormValue
	in := intakeForm{ItemID: f("item_id"), WindowID: f("window_id"), Type: f("applicant_type"), Name: f("applicant_name"),
		IDNumber: strings.ToUpper(strings.TrimSpace(f("applicant_id"))), Mobile: f("applicant_mobile"),
		AgentKind: f("agent_kind"), AgentName: f("agent_name"), AgentID: f("agent_id"), AgentMobile: f("agent_mobile"),
		UsePromise: f("promise") == "1", PromiseMethod: f("promise_method")}
	view := intakeView{pageBase: newBase(), In: in}
	view.Windows = p.names(r).loadWindows(v.UnitID)
	fail := func(err error) {
		if !view.fail(r, err) {
			web.Error(w, r, err)
			return
		}
		if view.In.ItemID != "" && !view.HasItem {
			_ = p.intakeItem(r, &view)
		}
		for i := range view.Fields {
			view.Fields[i].Value = f("form." + view.Fields[i].Key)
		}
		p.staff.RenderStatus(w, r, failStatus(err), "intake.html", view)
	}
	if err := p.intakeItem(r, &view); err != nil {
		fail(err)
		return
	}
	open := OpenInput{ItemID: in.ItemID, WindowID: in.WindowID, Form: map[string]string{},
		Applicant: ApplicantInput{Type: in.Type, Name: in.Name, IDNumber: in.IDNumber, Mobile: in.Mobile}}
	if deps := p.s.pageDeps(); deps.Account != nil && in.IDNumber != "" {
		open.OwnerID = deps.Account(ctx, in.IDNumber)
	}
	for _, fd := range view.Item.Fields {
		if x := strings.TrimSpace(f("form." + fd.Key)); x != "" {
			open.Form[fd.Key] = x
		}
	}
	if in.AgentKind == AgentKindAgent || in.AgentKind == AgentKindAssisted {
		hash, err := p.storeScan(r, "agent_auth")
		if err != nil {
			fail(err)
			return
		}
		open.Agent = &AgentInput{Kind: in.AgentKind, Name: in.AgentName, IDNumber: strings.TrimSpace(in.AgentID),
			Mobile: strings.TrimSpace(in.AgentMobile), AuthDocHash: hash}
		if open.Agent.AuthDocHash == "" {
			fail(errs.InvalidInput("cases.agent.auth_doc").OnField("agent.auth_doc_hash"))
			return
		}
	}
	if in.UsePromise {
		pr := &PromiseInput{Method: in.PromiseMethod}
		if pr.Method == "handwritten" {
			hash, err := p.storeScan(r, "promise_doc")
			if err != nil {
				fail(err)
				return
			}
			pr.DocHash = hash
		}
		open.Promise = pr
	}
	c, err := p.s.Open(ctx, open)
	if err != nil {
		fail(err)
		return
	}
	if in.WindowID != "" {
		// The clerk stays at the same window all day: remember it for the next applicant.
		http.SetCookie(w, &http.Cookie{Name: "cases_window", Value: in.WindowID, Path: StaffBase,
			HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil, MaxAge: 12 * 3600})
	}
	web.SeeOther(w, r, StaffBase+"/"+c.ID+"?done=opened")
}

// storeScan keeps an uploaded scan (an authorisation, a signed commitment) in the blob store
// and returns its hash; "" when the field is empty.
func (p *pages) storeScan(r *http.Request, field string) (string, error) {
	file, hdr, err := r.FormFile(field)
	if errors.Is(err, http.ErrMissingFile) {
		return "", nil
	}
	if err != nil {
		return "", errs.InvalidInput("error.bad_request").OnField(field)
	}
	defer file.Close()
	if p.s.blobs == nil {
		return "", errs.Wrap(errs.New(errs.Internal, "error.internal"), "cases: no blob store")
	}
	info, err := p.s.blobs.Put(r.Context(), file, hdr.Filename)
	if err != nil {
		if e := errs.As(err); e.Code == errs.Invalid {
			e.Field = field
		}
		return "", err
	}
	return info.Hash, nil
}

// uploadParts streams the files of a material form into the case, one material per part
// ("file.<code>"); a "checked.<code>" box before a file marks it scanned from a checked
// original. It returns how many files were stored.
func (p *pages) uploadParts(r *http.Request, id string) (int, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return 0, errs.InvalidInput("cases.upload.none").OnField("file")
	}
	checked := map[string]bool{}
	n := 0
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return n, errs.InvalidInput("error.bad_request")
		}
		name := part.FormName()
		switch {
		case strings.HasPrefix(name, "checked."):
			checked[strings.TrimPrefix(name, "checked.")] = true
		case strings.HasPrefix(name, "file.") && part.FileName() != "":
			if n >= maxFilesPerPost {
				return n, errs.InvalidInput("cases.upload.too_many").OnField("file")
			}
			code := strings.TrimPrefix(name, "file.")
			if _, err := p.s.Upload(r.Context(), id, code, part, UploadInput{Name: part.FileName(), Checked: checked[code]}); err != nil {
				if e := errs.As(err); e.Code == errs.Invalid && (e.Field == "" || e.Field == "file") {
					e.Field = "file." + code
				}
				return n, err
			}
			n++
		}
		part.Close()
	}
	if n == 0 {
		return 0, errs.InvalidInput("cases.upload.none").OnField("file")
	}
	return n, nil
}

func (p *pages) staffUpload(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := p.uploadParts(r, id); err != nil {
		p.renderCase(w, r, id, failStatus(err), err)
		return
	}
	web.SeeOther(w, r, StaffBase+"/"+id+"?done=uploaded#materials")
}

func (p *pages) checkOriginal(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := p.s.CheckOriginal(r.Context(), id, r.PathValue("file")); err != nil {
		p.renderCase(w, r, id, failStatus(err), err)
		return
	}
	web.SeeOther(w, r, StaffBase+"/"+id+"?done=checked#materials")
}

// file serves a file of a case to someone who may see the case.
func (p *pages) file(w http.ResponseWriter, r *http.Request) {
	fh, f, err := p.s.OpenFile(r.Context(), r.PathValue("id"), r.PathValue("file"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	defer fh.Close()
	h := w.Header()
	h.Set("Content-Type", blob.Kind(f.Kind).MediaType())
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, max-age=3600")
	name := f.Name
	if name == "" {
		name = f.Material + blob.Kind(f.Kind).Ext()
	}
	h.Set("Content-Disposition", "inline; filename*=UTF-8''"+url.PathEscape(name))
	http.ServeContent(w, r, "", f.UploadedAt, fh)
}

// receiptView is the printable receipt slip (接件回执) shown after receipt.
type receiptView struct {
	caseView
	ReceivedAt string
	Doc        *docLink
}

func (p *pages) receipt(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, err := p.s.Get(ctx, r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	cv, err := p.caseData(r, c, true)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	cv.fromQuery(r)
	view := receiptView{caseView: cv}
	for _, e := range cv.Events {
		if e.Action == ActReceive {
			view.ReceivedAt = e.At.In(web.Shanghai).Format("2006-01-02 15:04")
		}
	}
	for i := range cv.Docs {
		if cv.Docs[i].Kind == DocReceipt {
			view.Doc = &cv.Docs[i]
		}
	}
	if view.Doc == nil {
		web.Error(w, r, errs.NotFoundErr("cases.doc.not_found"))
		return
	}
	p.staff.Render(w, r, "receipt.html", view)
}
