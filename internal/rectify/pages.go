package rectify

import (
	"embed"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/web"
)

//go:embed templates/*.html
var templates embed.FS

// Base is the path of the ledger pages.
const Base = "/staff/rectify"

func registerPages(g *auth.Guard, s *Service) error {
	rd, err := web.NewRenderer(templates)
	if err != nil {
		return err
	}
	p := &pages{s: s, rd: rd}
	g.Page("GET "+Base, readPolicy, p.list)
	g.Page("GET "+Base+"/export", readPolicy, p.export)
	g.Page("GET "+Base+"/escalations", readPolicy, p.escalations)
	g.Page("GET "+Base+"/new", superPolicy, p.newForm)
	g.Page("POST "+Base, superPolicy, p.open)
	g.Page("GET "+Base+"/{id}", readPolicy, p.detail)
	g.Page("GET "+Base+"/{id}/evidence/{eid}", readPolicy, p.evidence)
	g.Page("POST "+Base+"/{id}/{action}", workPolicy, p.act, web.BodyLimit(MaxEvidenceSize+(1<<20)))
	return nil
}

type pages struct {
	s  *Service
	rd *web.Renderer
}

type listView struct {
	Page    Page
	Summary Summary
	Filter  Filter
	States  []State
	Sources []SourceKind
	Query   string
}

func (p *pages) list(w http.ResponseWriter, r *http.Request) {
	f := filterOf(r)
	pg, err := p.s.List(r.Context(), f)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	sum, err := p.s.Summary(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	q := r.URL.Query()
	q.Del("before")
	p.rd.Render(w, r, "ledger.html", listView{Page: pg, Summary: sum, Filter: f, States: States, Sources: SourceKinds,
		Query: q.Encode()})
}

func (p *pages) export(w http.ResponseWriter, r *http.Request) {
	(&api{s: p.s}).export(w, r)
}

func (p *pages) escalations(w http.ResponseWriter, r *http.Request) {
	days, _ := strconv.Atoi(r.URL.Query().Get("days"))
	es, err := p.s.Escalations(r.Context(), days)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	p.rd.Render(w, r, "escalations.html", es)
}

type detailView struct {
	Item       Rectification
	Member     bool
	Supervisor bool
	Message    string
	Outcomes   []Outcome
}

func (p *pages) detailOf(r *http.Request, id string) (detailView, error) {
	it, err := p.s.Get(r.Context(), id)
	if err != nil {
		return detailView{}, err
	}
	v, _ := auth.FromContext(r.Context())
	stored := &item{UnitID: it.UnitID, RegionCode: it.RegionCode, OwnerID: it.OwnerID}
	return detailView{Item: it, Member: member(v, stored), Supervisor: supervisor(v, stored), Outcomes: Outcomes}, nil
}

func (p *pages) detail(w http.ResponseWriter, r *http.Request) {
	dv, err := p.detailOf(r, r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	p.rd.Render(w, r, "item.html", dv)
}

func (p *pages) evidence(w http.ResponseWriter, r *http.Request) {
	e, rc, err := p.s.OpenEvidence(r.Context(), r.PathValue("id"), r.PathValue("eid"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	serveEvidence(w, e, rc)
}

// act runs one action of the item page's forms.
func (p *pages) act(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("id")
	if err := r.ParseMultipartForm(MaxEvidenceSize); err != nil && err != http.ErrNotMultipart {
		web.Error(w, r, errs.InvalidInput("rectify.form.invalid"))
		return
	}
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	note := r.PostFormValue("note")
	var err error
	switch r.PathValue("action") {
	case "start":
		_, err = p.s.Start(ctx, id, version)
	case "plan":
		_, err = p.s.Plan(ctx, id, PlanInput{Version: version, Outcome: Outcome(r.PostFormValue("outcome")),
			Measures: r.PostFormValue("measures"), FixBy: r.PostFormValue("fix_by"), Explanation: r.PostFormValue("explanation")})
	case "evidence":
		file, fh, ferr := r.FormFile("file")
		if ferr != nil {
			err = errs.InvalidInput("rectify.evidence.required_file").OnField("file")
			break
		}
		b, rerr := io.ReadAll(io.LimitReader(file, MaxEvidenceSize+1))
		file.Close()
		if rerr != nil {
			err = errs.Wrap(rerr, "read upload")
			break
		}
		_, err = p.s.AddEvidence(ctx, id, EvidenceInput{Name: fh.Filename, Content: b, Note: note})
	case "callback":
		_, err = p.s.RecordCallback(ctx, id, CallbackInput{Reached: r.PostFormValue("reached") == "true",
			Satisfaction: Satisfaction(r.PostFormValue("satisfaction")), Note: note})
	case "submit":
		_, err = p.s.Submit(ctx, id, version)
	case "verify":
		_, err = p.s.Verify(ctx, id, VerifyInput{Version: version, Accept: r.PostFormValue("accept") == "true", Note: note})
	case "close":
		_, err = p.s.Close(ctx, id, version, note)
	case "reopen":
		_, err = p.s.Reopen(ctx, id, version, note)
	default:
		err = errs.NotFoundErr("rectify.action.unknown")
	}
	if err != nil {
		if c := errs.CodeOf(err); c != errs.Invalid && c != errs.Conflict && c != errs.Forbidden {
			web.Error(w, r, err)
			return
		}
		dv, derr := p.detailOf(r, id)
		if derr != nil {
			web.Error(w, r, derr)
			return
		}
		e := errs.As(err)
		dv.Message = web.Messages.Text(web.Lang(ctx), e.Key, e.Args)
		p.rd.RenderStatus(w, r, http.StatusUnprocessableEntity, "item.html", dv)
		return
	}
	web.SeeOther(w, r, Base+"/"+url.PathEscape(id))
}

type newView struct {
	Form    OpenInput
	Sources []SourceKind
	Message string
}

func (p *pages) newForm(w http.ResponseWriter, r *http.Request) {
	p.rd.Render(w, r, "new.html", newView{Sources: manualSources()})
}

func manualSources() []SourceKind {
	return []SourceKind{SourceSupervision, SourceInspection, SourceClue, SourceHardCase}
}

func (p *pages) open(w http.ResponseWriter, r *http.Request) {
	in := OpenInput{SourceKind: SourceKind(r.PostFormValue("source_kind")), SourceID: r.PostFormValue("source_id"),
		SourceLabel: r.PostFormValue("source_id"), Title: r.PostFormValue("title"), Description: r.PostFormValue("description"),
		UnitID: r.PostFormValue("unit_id"), UnitName: r.PostFormValue("unit_name"), RegionCode: r.PostFormValue("region_code"),
		StartedOn: r.PostFormValue("started_on"), CallbackRequired: r.PostFormValue("callback_required") != ""}
	it, err := p.s.Open(r.Context(), in)
	if err != nil {
		if c := errs.CodeOf(err); c != errs.Invalid && c != errs.Conflict && c != errs.Forbidden {
			web.Error(w, r, err)
			return
		}
		e := errs.As(err)
		p.rd.RenderStatus(w, r, http.StatusUnprocessableEntity, "new.html", newView{Form: in, Sources: manualSources(),
			Message: web.Messages.Text(web.Lang(r.Context()), e.Key, e.Args)})
		return
	}
	web.SeeOther(w, r, Base+"/"+it.ID)
}
