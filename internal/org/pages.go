package org

import (
	"bytes"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"time"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/web"
)

//go:embed templates/*.html
var templates embed.FS

// Base is the path of the organisation admin pages.
const Base = "/staff/admin/org"

// registerPages adds the admin pages, framed by frame (the workbench; the plain layout when nil).
func registerPages(g *auth.Guard, s *Service, frame auth.Frame) error {
	if frame == nil {
		frame = func(fsys fs.FS, patterns ...string) (auth.Renderer, error) { return web.NewRenderer(fsys, patterns...) }
	}
	rd, err := frame(templates, "templates/*.html")
	if err != nil {
		return err
	}
	p := &pages{s: s, rd: rd}
	page := func(pattern string, h http.HandlerFunc, opts ...web.RouteOption) {
		g.Page(pattern, adminPolicy, h, opts...)
	}
	page("GET "+Base, p.index)
	page("GET "+Base+"/jurisdictions/new", p.newJurisdiction)
	page("POST "+Base+"/jurisdictions", p.createJurisdiction)
	page("GET "+Base+"/jurisdictions/{code}/edit", p.editJurisdiction)
	page("POST "+Base+"/jurisdictions/{code}", p.updateJurisdiction)
	page("POST "+Base+"/jurisdictions/{code}/deactivate", p.jurisdictionActive(false))
	page("POST "+Base+"/jurisdictions/{code}/reactivate", p.jurisdictionActive(true))
	page("GET "+Base+"/units/new", p.newUnit)
	page("POST "+Base+"/units", p.createUnit)
	page("GET "+Base+"/units/{id}", p.unit)
	page("GET "+Base+"/units/{id}/edit", p.editUnit)
	page("POST "+Base+"/units/{id}", p.updateUnit)
	page("POST "+Base+"/units/{id}/deactivate", p.unitActive(false))
	page("POST "+Base+"/units/{id}/reactivate", p.unitActive(true))
	page("GET "+Base+"/units/{id}/windows/new", p.newWindow)
	page("POST "+Base+"/units/{id}/windows", p.createWindow)
	page("GET "+Base+"/windows/{id}/edit", p.editWindow)
	page("POST "+Base+"/windows/{id}", p.updateWindow)
	page("POST "+Base+"/windows/{id}/deactivate", p.windowActive(false))
	page("POST "+Base+"/windows/{id}/reactivate", p.windowActive(true))
	page("GET "+Base+"/import", p.importForm)
	// The upload carries the workbook; the confirmation carries it again, base64 in a field, so
	// that no server keeps a draft between the two steps.
	page("POST "+Base+"/import", p.importPreview, web.BodyLimit(MaxImportSize+64<<10))
	page("POST "+Base+"/import/confirm", p.importConfirm, web.BodyLimit(MaxImportSize*4/3+64<<10))
	page("GET "+Base+"/export", p.export)
	page("GET "+Base+"/template", p.template)
	return nil
}

type pages struct {
	s  *Service
	rd auth.Renderer
}

// lookups are the names a page shows for codes and ids, and the choices of its selects.
type lookups struct {
	Jurisdictions []Jurisdiction
	Units         []Unit
	JurName       map[string]string
	UnitName      map[string]string
}

func (p *pages) lookups(r *http.Request) (lookups, error) {
	ctx := r.Context()
	js, err := p.s.Tree(ctx, true)
	if err != nil {
		return lookups{}, err
	}
	us, err := p.s.Units(ctx, UnitFilter{Inactive: true})
	if err != nil {
		return lookups{}, err
	}
	l := lookups{Units: us, JurName: map[string]string{}, UnitName: map[string]string{}}
	var walk func([]*Node)
	walk = func(ns []*Node) {
		for _, n := range ns {
			l.Jurisdictions = append(l.Jurisdictions, n.Jurisdiction)
			l.JurName[n.Code] = n.Name
			walk(n.Children)
		}
	}
	walk(js)
	for _, u := range us {
		l.UnitName[u.ID] = u.Name
	}
	return l, nil
}

type indexView struct {
	lookups
	Tree      []*Node
	List      []Unit
	Filter    UnitFilter
	UnitKinds []UnitKind
}

func (p *pages) index(w http.ResponseWriter, r *http.Request) {
	l, err := p.lookups(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	f := unitFilter(r)
	list, err := p.s.Units(r.Context(), f)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	tree, err := p.s.Tree(r.Context(), f.Inactive)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	p.rd.Render(w, r, "org_index.html", indexView{lookups: l, Tree: tree, List: list, Filter: f, UnitKinds: UnitKinds})
}

// formView is what every form page gets: the values entered, the errors by field, and a message
// for an error that belongs to no field.
type formView struct {
	lookups
	Edit     bool
	Form     any
	Errors   map[string]string
	Message  string
	Action   string
	Kinds    any
	HallID   string
	HallName string
}

// renderFailed shows the form again with the error, or the error page when the error is not about
// the input (not found, forbidden, internal).
func (p *pages) renderFailed(w http.ResponseWriter, r *http.Request, page string, v formView, err error) {
	e := errs.As(err)
	if e.Code != errs.Invalid && e.Code != errs.Conflict {
		web.Error(w, r, err)
		return
	}
	msg := web.T(r.Context(), e.Key, e.Args)
	v.Errors = map[string]string{}
	if e.Field != "" {
		v.Errors[e.Field] = msg
	} else {
		v.Message = msg
	}
	p.rd.RenderStatus(w, r, http.StatusUnprocessableEntity, page, v)
}

func (p *pages) form(w http.ResponseWriter, r *http.Request, page string, v formView) {
	l, err := p.lookups(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	v.lookups = l
	p.rd.Render(w, r, page, v)
}

// ---- jurisdictions ----

func jurisdictionForm(r *http.Request) Jurisdiction {
	return Jurisdiction{Code: r.PostFormValue("code"), Name: r.PostFormValue("name"), NameEN: r.PostFormValue("name_en"),
		Kind: JurisdictionKind(r.PostFormValue("kind")), ParentCode: r.PostFormValue("parent_code")}
}

func (p *pages) newJurisdiction(w http.ResponseWriter, r *http.Request) {
	p.form(w, r, "org_jurisdiction_form.html", formView{Form: Jurisdiction{ParentCode: r.URL.Query().Get("parent")},
		Action: Base + "/jurisdictions", Kinds: JurisdictionKinds})
}

func (p *pages) createJurisdiction(w http.ResponseWriter, r *http.Request) {
	in := jurisdictionForm(r)
	if _, err := p.s.CreateJurisdiction(r.Context(), in); err != nil {
		p.failedForm(w, r, "org_jurisdiction_form.html", formView{Form: in, Action: Base + "/jurisdictions", Kinds: JurisdictionKinds}, err)
		return
	}
	web.SeeOther(w, r, Base)
}

func (p *pages) editJurisdiction(w http.ResponseWriter, r *http.Request) {
	j, err := p.s.Jurisdiction(r.Context(), r.PathValue("code"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	p.form(w, r, "org_jurisdiction_form.html", formView{Edit: true, Form: j, Action: Base + "/jurisdictions/" + j.Code,
		Kinds: JurisdictionKinds})
}

func (p *pages) updateJurisdiction(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	in := jurisdictionForm(r)
	in.Code = code
	if _, err := p.s.UpdateJurisdiction(r.Context(), code, in); err != nil {
		if old, gerr := p.s.Jurisdiction(r.Context(), code); gerr == nil {
			in.ParentCode, in.Active = old.ParentCode, old.Active
		}
		p.failedForm(w, r, "org_jurisdiction_form.html", formView{Edit: true, Form: in, Action: Base + "/jurisdictions/" + code,
			Kinds: JurisdictionKinds}, err)
		return
	}
	web.SeeOther(w, r, Base)
}

func (p *pages) jurisdictionActive(active bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var err error
		if active {
			_, err = p.s.ReactivateJurisdiction(r.Context(), r.PathValue("code"))
		} else {
			_, err = p.s.DeactivateJurisdiction(r.Context(), r.PathValue("code"))
		}
		if err != nil {
			web.Error(w, r, err)
			return
		}
		web.SeeOther(w, r, Base+"?inactive=true")
	}
}

// failedForm is renderFailed with the lookups the form's selects need.
func (p *pages) failedForm(w http.ResponseWriter, r *http.Request, page string, v formView, err error) {
	l, lerr := p.lookups(r)
	if lerr != nil {
		web.Error(w, r, lerr)
		return
	}
	v.lookups = l
	p.renderFailed(w, r, page, v, err)
}

// ---- units ----

func unitForm(r *http.Request) Unit {
	return Unit{Code: r.PostFormValue("code"), Name: r.PostFormValue("name"), NameEN: r.PostFormValue("name_en"),
		Kind: UnitKind(r.PostFormValue("kind")), RegionCode: r.PostFormValue("region_code"),
		ParentID: r.PostFormValue("parent_id"), Address: r.PostFormValue("address"), Phone: r.PostFormValue("phone")}
}

type unitView struct {
	lookups
	Unit    Unit
	Chain   []Unit
	Windows []Window
}

func (p *pages) unit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u, err := p.s.Unit(ctx, r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	chain, err := p.s.Chain(ctx, u.ID)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	var ws []Window
	if u.Kind == UnitHall {
		if ws, err = p.s.Windows(ctx, u.ID, true); err != nil {
			web.Error(w, r, err)
			return
		}
	}
	l, err := p.lookups(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	p.rd.Render(w, r, "org_unit.html", unitView{lookups: l, Unit: u, Chain: chain[1:], Windows: ws})
}

func (p *pages) newUnit(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p.form(w, r, "org_unit_form.html", formView{Form: Unit{RegionCode: q.Get("region"), Kind: UnitKind(q.Get("kind")),
		ParentID: q.Get("parent")}, Action: Base + "/units", Kinds: UnitKinds})
}

func (p *pages) createUnit(w http.ResponseWriter, r *http.Request) {
	in := unitForm(r)
	u, err := p.s.CreateUnit(r.Context(), in)
	if err != nil {
		p.failedForm(w, r, "org_unit_form.html", formView{Form: in, Action: Base + "/units", Kinds: UnitKinds}, err)
		return
	}
	web.SeeOther(w, r, Base+"/units/"+u.ID)
}

func (p *pages) editUnit(w http.ResponseWriter, r *http.Request) {
	u, err := p.s.Unit(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	p.form(w, r, "org_unit_form.html", formView{Edit: true, Form: u, Action: Base + "/units/" + u.ID, Kinds: UnitKinds})
}

func (p *pages) updateUnit(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	in := unitForm(r)
	in.ID = id
	if _, err := p.s.UpdateUnit(r.Context(), id, in); err != nil {
		if old, gerr := p.s.Unit(r.Context(), id); gerr == nil {
			in.Kind, in.Active = old.Kind, old.Active
		}
		p.failedForm(w, r, "org_unit_form.html", formView{Edit: true, Form: in, Action: Base + "/units/" + id, Kinds: UnitKinds}, err)
		return
	}
	web.SeeOther(w, r, Base+"/units/"+id)
}

func (p *pages) unitActive(active bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var err error
		id := r.PathValue("id")
		if active {
			_, err = p.s.ReactivateUnit(r.Context(), id)
		} else {
			_, err = p.s.DeactivateUnit(r.Context(), id)
		}
		if err != nil {
			web.Error(w, r, err)
			return
		}
		web.SeeOther(w, r, Base+"/units/"+id)
	}
}

// ---- windows ----

func windowForm(r *http.Request) Window {
	return Window{Number: r.PostFormValue("number"), Type: WindowType(r.PostFormValue("type")),
		Name: r.PostFormValue("name"), NameEN: r.PostFormValue("name_en"), UnitID: r.PostFormValue("unit_id")}
}

func (p *pages) hallView(r *http.Request, hallID string, v formView) (formView, error) {
	hall, err := p.s.Unit(r.Context(), hallID)
	if err != nil {
		return v, err
	}
	if hall.Kind != UnitHall {
		return v, errs.NotFoundErr("org.unit.not_found")
	}
	v.HallID, v.HallName, v.Kinds = hall.ID, hall.Name, WindowTypes
	return v, nil
}

func (p *pages) newWindow(w http.ResponseWriter, r *http.Request) {
	v, err := p.hallView(r, r.PathValue("id"), formView{Form: Window{Type: WindowComprehensive},
		Action: Base + "/units/" + r.PathValue("id") + "/windows"})
	if err != nil {
		web.Error(w, r, err)
		return
	}
	p.form(w, r, "org_window_form.html", v)
}

func (p *pages) createWindow(w http.ResponseWriter, r *http.Request) {
	hallID := r.PathValue("id")
	in := windowForm(r)
	if _, err := p.s.CreateWindow(r.Context(), hallID, in); err != nil {
		v, herr := p.hallView(r, hallID, formView{Form: in, Action: Base + "/units/" + hallID + "/windows"})
		if herr != nil {
			web.Error(w, r, err)
			return
		}
		p.failedForm(w, r, "org_window_form.html", v, err)
		return
	}
	web.SeeOther(w, r, Base+"/units/"+hallID)
}

func (p *pages) editWindow(w http.ResponseWriter, r *http.Request) {
	x, err := p.s.Window(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	v, err := p.hallView(r, x.HallID, formView{Edit: true, Form: x, Action: Base + "/windows/" + x.ID})
	if err != nil {
		web.Error(w, r, err)
		return
	}
	p.form(w, r, "org_window_form.html", v)
}

func (p *pages) updateWindow(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	old, err := p.s.Window(r.Context(), id)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	in := windowForm(r)
	in.ID, in.Active = id, old.Active
	if _, err := p.s.UpdateWindow(r.Context(), id, in); err != nil {
		v, herr := p.hallView(r, old.HallID, formView{Edit: true, Form: in, Action: Base + "/windows/" + id})
		if herr != nil {
			web.Error(w, r, err)
			return
		}
		p.failedForm(w, r, "org_window_form.html", v, err)
		return
	}
	web.SeeOther(w, r, Base+"/units/"+old.HallID)
}

func (p *pages) windowActive(active bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var x Window
		var err error
		if active {
			x, err = p.s.ReactivateWindow(r.Context(), r.PathValue("id"))
		} else {
			x, err = p.s.DeactivateWindow(r.Context(), r.PathValue("id"))
		}
		if err != nil {
			web.Error(w, r, err)
			return
		}
		web.SeeOther(w, r, Base+"/units/"+x.HallID)
	}
}

// ---- import and export ----

type importView struct {
	Plan     *ImportPlan
	FileName string
	Data     string // the workbook, base64, for the confirmation
	Message  string
	Done     bool
}

func (p *pages) importForm(w http.ResponseWriter, r *http.Request) {
	p.rd.Render(w, r, "org_import.html", importView{})
}

// importPreview checks the uploaded workbook and shows what it would create, or every problem.
func (p *pages) importPreview(w http.ResponseWriter, r *http.Request) {
	file, hdr, err := r.FormFile("file")
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			web.Error(w, r, err)
			return
		}
		p.rd.RenderStatus(w, r, http.StatusUnprocessableEntity, "org_import.html",
			importView{Message: web.T(r.Context(), "org.import.no_file")})
		return
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, MaxImportSize+1))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	plan, err := p.s.PlanImport(r.Context(), data)
	if err != nil {
		if errs.CodeOf(err) == errs.Invalid {
			p.rd.RenderStatus(w, r, http.StatusUnprocessableEntity, "org_import.html",
				importView{Message: web.T(r.Context(), errs.As(err).Key, errs.As(err).Args)})
			return
		}
		web.Error(w, r, err)
		return
	}
	localize(r.Context(), plan)
	v := importView{Plan: plan, FileName: hdr.Filename}
	status := http.StatusOK
	if plan.OK() {
		v.Data = base64.StdEncoding.EncodeToString(data)
	} else {
		status = http.StatusUnprocessableEntity
	}
	p.rd.RenderStatus(w, r, status, "org_import.html", v)
}

// importConfirm imports the workbook the preview showed. It is checked again: the map may have
// changed in between.
func (p *pages) importConfirm(w http.ResponseWriter, r *http.Request) {
	data, err := base64.StdEncoding.DecodeString(r.PostFormValue("data"))
	if err != nil || len(data) == 0 {
		web.Error(w, r, errs.InvalidInput("org.import.no_file"))
		return
	}
	plan, err := p.s.Import(r.Context(), data)
	if plan != nil {
		localize(r.Context(), plan)
	}
	switch {
	case plan != nil && !plan.OK():
		p.rd.RenderStatus(w, r, http.StatusUnprocessableEntity, "org_import.html", importView{Plan: plan, FileName: r.PostFormValue("name")})
	case err != nil:
		web.Error(w, r, err)
	default:
		p.rd.Render(w, r, "org_import.html", importView{Plan: plan, Done: true, FileName: r.PostFormValue("name")})
	}
}

func (p *pages) export(w http.ResponseWriter, r *http.Request) {
	(&api{s: p.s}).export(w, r)
}

func (p *pages) template(w http.ResponseWriter, r *http.Request) {
	if _, _, err := p.s.admin(r.Context()); err != nil {
		web.Error(w, r, err)
		return
	}
	var b bytes.Buffer
	if err := ImportTemplate(&b); err != nil {
		web.Error(w, r, err)
		return
	}
	sendWorkbook(w, fmt.Sprintf("org-template-%s.xlsx", time.Now().In(web.Shanghai).Format("20060102")), b.Bytes())
}
