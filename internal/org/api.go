package org

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/web"
)

//go:embed messages/*.json
var messages embed.FS

// Access rules of the routes: the bureau's staff read, admins change. The service checks the
// same again, with the jurisdiction.
var (
	readPolicy  = auth.Staff(readRoles...)
	adminPolicy = auth.Staff(auth.Admin)
)

// Register adds the domain's messages and registers its JSON API and admin pages on g.
func Register(g *auth.Guard, s *Service, frame auth.Frame) error {
	if err := web.AddMessagesFS(messages, "messages"); err != nil {
		return err
	}
	registerAPI(g, s)
	return registerPages(g, s, frame)
}

// JurisdictionInput creates or changes a jurisdiction. On change, code and parent_code may be
// left out; if given they must be the current ones.
type JurisdictionInput struct {
	Code       string           `json:"code"`
	Name       string           `json:"name"`
	NameEN     string           `json:"name_en,omitempty"`
	Kind       JurisdictionKind `json:"kind" doc:"city, county, district, zone or township"`
	ParentCode string           `json:"parent_code,omitempty"`
}

func (in JurisdictionInput) jurisdiction() Jurisdiction {
	return Jurisdiction{Code: in.Code, Name: in.Name, NameEN: in.NameEN, Kind: in.Kind, ParentCode: in.ParentCode}
}

// UnitInput creates or changes a unit. The kind of an existing unit cannot change.
type UnitInput struct {
	Code       string   `json:"code" doc:"统一社会信用代码; for a hall an internal code (A-Z, 0-9, -)"`
	Name       string   `json:"name"`
	NameEN     string   `json:"name_en,omitempty"`
	Kind       UnitKind `json:"kind" doc:"bureau, department, partner or hall"`
	RegionCode string   `json:"region_code"`
	ParentID   string   `json:"parent_id,omitempty"`
	Address    string   `json:"address,omitempty"`
	Phone      string   `json:"phone,omitempty"`
}

func (in UnitInput) unit() Unit {
	return Unit{Code: in.Code, Name: in.Name, NameEN: in.NameEN, Kind: in.Kind, RegionCode: in.RegionCode,
		ParentID: in.ParentID, Address: in.Address, Phone: in.Phone}
}

// WindowInput creates or changes a window.
type WindowInput struct {
	Number string     `json:"number" doc:"1–8 letters, digits or -, unique among the hall's active windows"`
	Type   WindowType `json:"type" doc:"comprehensive, specialised, hardcase, talent or citywide"`
	Name   string     `json:"name,omitempty"`
	NameEN string     `json:"name_en,omitempty"`
	UnitID string     `json:"unit_id,omitempty" doc:"the unit stationed at the window"`
}

func (in WindowInput) window() Window {
	return Window{Number: in.Number, Type: in.Type, Name: in.Name, NameEN: in.NameEN, UnitID: in.UnitID}
}

// xlsxType is the media type of a workbook.
const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

var (
	readErrs  = []errs.Code{errs.NotFound}
	writeErrs = []errs.Code{errs.Invalid, errs.NotFound, errs.Conflict}
	tags      = []string{"org"}
	codeParam = web.Param{Name: "code", In: "path", Description: "12-digit region code"}
	idParam   = web.Param{Name: "id", In: "path"}
)

func registerAPI(g *auth.Guard, s *Service) {
	a := &api{s: s}
	g.API(web.Op{Method: "GET", Path: "/api/v1/org/jurisdictions", Tags: tags,
		Summary:     "The jurisdiction tree the caller may see",
		Description: "The caller's jurisdiction with everything below it, and the jurisdictions above it.",
		Params:      []web.Param{{Name: "inactive", Type: "boolean", Description: "include deactivated jurisdictions"}},
		Response:    []*Node{}}, readPolicy, a.tree)
	g.API(web.Op{Method: "POST", Path: "/api/v1/org/jurisdictions", Tags: tags, Summary: "Create a jurisdiction",
		Request: JurisdictionInput{}, Response: Jurisdiction{}, Status: http.StatusCreated, Errors: writeErrs},
		adminPolicy, a.createJurisdiction)
	g.API(web.Op{Method: "GET", Path: "/api/v1/org/jurisdictions/{code}", Tags: tags, Summary: "One jurisdiction",
		Params: []web.Param{codeParam}, Response: Jurisdiction{}, Errors: readErrs}, readPolicy, a.jurisdiction)
	g.API(web.Op{Method: "PUT", Path: "/api/v1/org/jurisdictions/{code}", Tags: tags,
		Summary: "Change a jurisdiction's names and kind", Params: []web.Param{codeParam},
		Request: JurisdictionInput{}, Response: Jurisdiction{}, Errors: writeErrs}, adminPolicy, a.updateJurisdiction)
	g.API(web.Op{Method: "POST", Path: "/api/v1/org/jurisdictions/{code}/deactivate", Tags: tags,
		Summary:     "Deactivate a jurisdiction",
		Description: "Refused while active jurisdictions or units remain in it. Nothing is ever deleted.",
		Params:      []web.Param{codeParam}, Response: Jurisdiction{}, Errors: writeErrs}, adminPolicy, a.jurisdictionActive(false))
	g.API(web.Op{Method: "POST", Path: "/api/v1/org/jurisdictions/{code}/reactivate", Tags: tags,
		Summary: "Reactivate a jurisdiction", Params: []web.Param{codeParam}, Response: Jurisdiction{}, Errors: writeErrs},
		adminPolicy, a.jurisdictionActive(true))

	g.API(web.Op{Method: "GET", Path: "/api/v1/org/units", Tags: tags, Summary: "Units the caller may see",
		Params: []web.Param{
			{Name: "region", Description: "units of this jurisdiction (12-digit code)"},
			{Name: "subtree", Type: "boolean", Description: "with region: and of the jurisdictions below it"},
			{Name: "kind", Enum: []string{"bureau", "department", "partner", "hall"}},
			{Name: "q", Description: "part of the name or code"},
			{Name: "inactive", Type: "boolean", Description: "include deactivated units"},
		}, Response: []Unit{}}, readPolicy, a.units)
	g.API(web.Op{Method: "POST", Path: "/api/v1/org/units", Tags: tags, Summary: "Create a unit",
		Request: UnitInput{}, Response: Unit{}, Status: http.StatusCreated, Errors: writeErrs}, adminPolicy, a.createUnit)
	g.API(web.Op{Method: "GET", Path: "/api/v1/org/units/{id}", Tags: tags, Summary: "One unit",
		Params: []web.Param{idParam}, Response: Unit{}, Errors: readErrs}, readPolicy, a.unit)
	g.API(web.Op{Method: "PUT", Path: "/api/v1/org/units/{id}", Tags: tags, Summary: "Change a unit",
		Params: []web.Param{idParam}, Request: UnitInput{}, Response: Unit{}, Errors: writeErrs}, adminPolicy, a.updateUnit)
	g.API(web.Op{Method: "POST", Path: "/api/v1/org/units/{id}/deactivate", Tags: tags, Summary: "Deactivate a unit",
		Description: "Refused while it has active child units; a hall's windows are deactivated with it.",
		Params:      []web.Param{idParam}, Response: Unit{}, Errors: writeErrs}, adminPolicy, a.unitActive(false))
	g.API(web.Op{Method: "POST", Path: "/api/v1/org/units/{id}/reactivate", Tags: tags, Summary: "Reactivate a unit",
		Params: []web.Param{idParam}, Response: Unit{}, Errors: writeErrs}, adminPolicy, a.unitActive(true))
	g.API(web.Op{Method: "GET", Path: "/api/v1/org/units/{id}/chain", Tags: tags,
		Summary: "A unit and its parents, the unit first", Params: []web.Param{idParam}, Response: []Unit{},
		Errors: readErrs}, readPolicy, a.chain)
	g.API(web.Op{Method: "GET", Path: "/api/v1/org/units/{id}/windows", Tags: tags, Summary: "The windows of a hall",
		Params:   []web.Param{idParam, {Name: "inactive", Type: "boolean", Description: "include deactivated windows"}},
		Response: []Window{}, Errors: readErrs}, readPolicy, a.windows)
	g.API(web.Op{Method: "POST", Path: "/api/v1/org/units/{id}/windows", Tags: tags, Summary: "Add a window to a hall",
		Params: []web.Param{idParam}, Request: WindowInput{}, Response: Window{}, Status: http.StatusCreated,
		Errors: writeErrs}, adminPolicy, a.createWindow)

	g.API(web.Op{Method: "GET", Path: "/api/v1/org/windows/{id}", Tags: tags, Summary: "One window",
		Params: []web.Param{idParam}, Response: Window{}, Errors: readErrs}, readPolicy, a.window)
	g.API(web.Op{Method: "PUT", Path: "/api/v1/org/windows/{id}", Tags: tags, Summary: "Change a window",
		Params: []web.Param{idParam}, Request: WindowInput{}, Response: Window{}, Errors: writeErrs},
		adminPolicy, a.updateWindow)
	g.API(web.Op{Method: "POST", Path: "/api/v1/org/windows/{id}/deactivate", Tags: tags, Summary: "Deactivate a window",
		Params: []web.Param{idParam}, Response: Window{}, Errors: writeErrs}, adminPolicy, a.windowActive(false))
	g.API(web.Op{Method: "POST", Path: "/api/v1/org/windows/{id}/reactivate", Tags: tags, Summary: "Reactivate a window",
		Params: []web.Param{idParam}, Response: Window{}, Errors: writeErrs}, adminPolicy, a.windowActive(true))

	g.API(web.Op{Method: "POST", Path: "/api/v1/org/import", Tags: tags,
		Summary: "Import the organisation workbook (.xlsx), all or nothing",
		Description: "The body is the workbook. Every row is checked first; with any problem nothing is imported " +
			"and the answer is 422 with the plan listing every problem by sheet, row and column. " +
			"With dry_run=true nothing is imported either way: the plan is the preview.",
		Params:   []web.Param{{Name: "dry_run", Type: "boolean"}},
		Request:  web.Schema{"type": "string", "contentMediaType": xlsxType},
		Response: ImportPlan{}, Errors: []errs.Code{errs.Invalid}}, adminPolicy, a.importWorkbook,
		web.BodyLimit(MaxImportSize))
	g.API(web.Op{Method: "GET", Path: "/api/v1/org/export", Tags: tags,
		Summary:  "Export the map the caller sees as a workbook that the import reads back",
		Response: web.Schema{"type": "string", "contentMediaType": xlsxType}}, adminPolicy, a.export)
}

type api struct{ s *Service }

func boolParam(r *http.Request, name string) bool {
	b, _ := strconv.ParseBool(r.URL.Query().Get(name))
	return b
}

func (a *api) tree(w http.ResponseWriter, r *http.Request) {
	t, err := a.s.Tree(r.Context(), boolParam(r, "inactive"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if t == nil {
		t = []*Node{}
	}
	web.JSON(w, http.StatusOK, t)
}

func (a *api) createJurisdiction(w http.ResponseWriter, r *http.Request) {
	var in JurisdictionInput
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	j, err := a.s.CreateJurisdiction(r.Context(), in.jurisdiction())
	reply(w, r, http.StatusCreated, j, err)
}

func (a *api) jurisdiction(w http.ResponseWriter, r *http.Request) {
	j, err := a.s.Jurisdiction(r.Context(), r.PathValue("code"))
	reply(w, r, http.StatusOK, j, err)
}

func (a *api) updateJurisdiction(w http.ResponseWriter, r *http.Request) {
	var in JurisdictionInput
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	j, err := a.s.UpdateJurisdiction(r.Context(), r.PathValue("code"), in.jurisdiction())
	reply(w, r, http.StatusOK, j, err)
}

func (a *api) jurisdictionActive(active bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var j Jurisdiction
		var err error
		if active {
			j, err = a.s.ReactivateJurisdiction(r.Context(), r.PathValue("code"))
		} else {
			j, err = a.s.DeactivateJurisdiction(r.Context(), r.PathValue("code"))
		}
		reply(w, r, http.StatusOK, j, err)
	}
}

func unitFilter(r *http.Request) UnitFilter {
	q := r.URL.Query()
	return UnitFilter{Region: q.Get("region"), Subtree: boolParam(r, "subtree"), Kind: UnitKind(q.Get("kind")),
		Query: q.Get("q"), Inactive: boolParam(r, "inactive")}
}

func (a *api) units(w http.ResponseWriter, r *http.Request) {
	us, err := a.s.Units(r.Context(), unitFilter(r))
	if us == nil {
		us = []Unit{}
	}
	reply(w, r, http.StatusOK, us, err)
}

func (a *api) createUnit(w http.ResponseWriter, r *http.Request) {
	var in UnitInput
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	u, err := a.s.CreateUnit(r.Context(), in.unit())
	reply(w, r, http.StatusCreated, u, err)
}

func (a *api) unit(w http.ResponseWriter, r *http.Request) {
	u, err := a.s.Unit(r.Context(), r.PathValue("id"))
	reply(w, r, http.StatusOK, u, err)
}

func (a *api) updateUnit(w http.ResponseWriter, r *http.Request) {
	var in UnitInput
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	u, err := a.s.UpdateUnit(r.Context(), r.PathValue("id"), in.unit())
	reply(w, r, http.StatusOK, u, err)
}

func (a *api) unitActive(active bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var u Unit
		var err error
		if active {
			u, err = a.s.ReactivateUnit(r.Context(), r.PathValue("id"))
		} else {
			u, err = a.s.DeactivateUnit(r.Context(), r.PathValue("id"))
		}
		reply(w, r, http.StatusOK, u, err)
	}
}

func (a *api) chain(w http.ResponseWriter, r *http.Request) {
	us, err := a.s.Chain(r.Context(), r.PathValue("id"))
	reply(w, r, http.StatusOK, us, err)
}

func (a *api) windows(w http.ResponseWriter, r *http.Request) {
	ws, err := a.s.Windows(r.Context(), r.PathValue("id"), boolParam(r, "inactive"))
	if ws == nil {
		ws = []Window{}
	}
	reply(w, r, http.StatusOK, ws, err)
}

func (a *api) createWindow(w http.ResponseWriter, r *http.Request) {
	var in WindowInput
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	x, err := a.s.CreateWindow(r.Context(), r.PathValue("id"), in.window())
	reply(w, r, http.StatusCreated, x, err)
}

func (a *api) window(w http.ResponseWriter, r *http.Request) {
	x, err := a.s.Window(r.Context(), r.PathValue("id"))
	reply(w, r, http.StatusOK, x, err)
}

func (a *api) updateWindow(w http.ResponseWriter, r *http.Request) {
	var in WindowInput
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	x, err := a.s.UpdateWindow(r.Context(), r.PathValue("id"), in.window())
	reply(w, r, http.StatusOK, x, err)
}

func (a *api) windowActive(active bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var x Window
		var err error
		if active {
			x, err = a.s.ReactivateWindow(r.Context(), r.PathValue("id"))
		} else {
			x, err = a.s.DeactivateWindow(r.Context(), r.PathValue("id"))
		}
		reply(w, r, http.StatusOK, x, err)
	}
}

func (a *api) importWorkbook(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	var plan *ImportPlan
	if boolParam(r, "dry_run") {
		plan, err = a.s.PlanImport(r.Context(), data)
	} else {
		plan, err = a.s.Import(r.Context(), data)
	}
	if plan != nil && !plan.OK() {
		localize(r.Context(), plan)
		web.JSON(w, http.StatusUnprocessableEntity, plan)
		return
	}
	if err != nil {
		web.Error(w, r, err)
		return
	}
	localize(r.Context(), plan)
	web.JSON(w, http.StatusOK, plan)
}

func (a *api) export(w http.ResponseWriter, r *http.Request) {
	var b bytes.Buffer
	if err := a.s.Export(r.Context(), &b); err != nil {
		web.Error(w, r, err)
		return
	}
	sendWorkbook(w, fmt.Sprintf("org-%s.xlsx", time.Now().In(web.Shanghai).Format("20060102")), b.Bytes())
}

func sendWorkbook(w http.ResponseWriter, name string, data []byte) {
	h := w.Header()
	h.Set("Content-Type", xlsxType)
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
}

// localize fills in the message of every problem and warning in the request's language.
func localize(ctx context.Context, p *ImportPlan) {
	for i := range p.Problems {
		p.Problems[i].Message = web.T(ctx, p.Problems[i].Key, p.Problems[i].Args)
	}
	for i := range p.Warnings {
		p.Warnings[i].Message = web.T(ctx, p.Warnings[i].Key, p.Warnings[i].Args)
	}
	if p.Problems == nil {
		p.Problems = []Problem{}
	}
}

func reply(w http.ResponseWriter, r *http.Request, status int, v any, err error) {
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, status, v)
}
