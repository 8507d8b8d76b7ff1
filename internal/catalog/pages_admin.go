package catalog

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"onestamp/internal/home"
	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/web"
	"onestamp/internal/platform/workday"
)

// StaffPath is the root of the catalogue's workbench pages.
const StaffPath = "/staff/catalog"

func registerAdminPages(g *auth.Guard, p *pages) {
	read := func(pattern string, h http.HandlerFunc) { g.Page(pattern, readPolicy, h) }
	admin := func(pattern string, h http.HandlerFunc, opts ...web.RouteOption) {
		g.Page(pattern, adminPolicy, h, opts...)
	}
	read("GET "+StaffPath, p.list)
	admin("GET "+StaffPath+"/items/new", p.newItem)
	admin("POST "+StaffPath+"/items", p.createItem)
	read("GET "+StaffPath+"/items/{id}", p.overview)
	admin("GET "+StaffPath+"/items/{id}/edit", p.edit)
	admin("POST "+StaffPath+"/items/{id}/edit", p.saveDraft)
	read("GET "+StaffPath+"/items/{id}/diff", p.diff)
	admin("GET "+StaffPath+"/items/{id}/publish", p.confirmPublish)
	admin("POST "+StaffPath+"/items/{id}/publish", p.publish)
	admin("POST "+StaffPath+"/items/{id}/discard", p.discard)
	admin("POST "+StaffPath+"/items/{id}/status", p.status)
	read("GET "+StaffPath+"/powers", p.powers)
	admin("POST "+StaffPath+"/powers", p.recordPower)
	admin("POST "+StaffPath+"/divisions", p.setDivision)
	admin("POST "+StaffPath+"/divisions/{code}/delete", p.deleteDivision)
	read("GET "+StaffPath+"/stats", p.stats)
	read("GET "+StaffPath+"/chains", p.chains)
	admin("POST "+StaffPath+"/chains", p.saveChain)
	read("GET "+StaffPath+"/chains/{id}", p.chainAdmin)
	admin("GET "+StaffPath+"/synonyms", p.synonyms)
	admin("POST "+StaffPath+"/synonyms", p.addSynonym)
	admin("POST "+StaffPath+"/synonyms/{id}/delete", p.deleteSynonym)
	admin("GET "+StaffPath+"/cert-types", p.certTypes)
	admin("POST "+StaffPath+"/cert-types", p.saveCertType)
	read("GET "+StaffPath+"/export", p.export)
	admin("GET "+StaffPath+"/import", p.importForm)
	admin("POST "+StaffPath+"/import", p.importWorkbook, web.BodyLimit(MaxImportSize+64<<10))
	home.AddMenu(home.MenuEntry{Key: "catalog.menu", Path: StaffPath, Order: 300, Admin: true})
}

// problemMap turns problems into messages by field, in the request's language.
func problemMap(r *http.Request, ps []Problem) map[string]string {
	m := map[string]string{}
	for _, p := range ps {
		if _, ok := m[p.Field]; !ok {
			m[p.Field] = web.T(r.Context(), p.Key, p.Args)
		}
	}
	return m
}

// failed renders a form page again with its problems (422), or the error page for an error
// that is not about the input.
func (p *pages) failed(w http.ResponseWriter, r *http.Request, err error, show func(errors map[string]string, ps []Problem, msg string)) {
	e := errs.As(err)
	if e.Code != errs.Invalid && e.Code != errs.Conflict {
		web.Error(w, r, err)
		return
	}
	ps := ProblemsOf(err)
	localize(r.Context(), ps)
	msg := ""
	if len(ps) == 0 {
		msg = web.T(r.Context(), e.Key, e.Args)
		if e.Field != "" {
			ps = []Problem{{Field: e.Field, Key: e.Key, Args: e.Args, Message: msg}}
		}
	}
	show(problemMap(r, ps), ps, msg)
}

// ---- the list ----

type listView struct {
	Filter   ItemFilter
	Items    []Item
	Depts    []Unit
	DeptName map[string]string
}

func (p *pages) units(r *http.Request) ([]Unit, map[string]string) {
	us, err := p.s.Units(r.Context())
	if err != nil {
		return nil, map[string]string{}
	}
	sort.Slice(us, func(i, j int) bool { return us[i].Name < us[j].Name })
	names := map[string]string{}
	for _, u := range us {
		names[u.ID] = u.Name
		if web.Lang(r.Context()) == web.LangEN && u.NameEN != "" {
			names[u.ID] = u.NameEN
		}
	}
	return us, names
}

func (p *pages) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := ItemFilter{Query: q.Get("q"), DeptID: q.Get("dept"), Drafts: q.Get("drafts") == "true", Status: Status(q.Get("status"))}
	items, err := p.s.Items(r.Context(), f)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	us, names := p.units(r)
	var depts []Unit
	for _, u := range us {
		if u.Kind == "department" || u.Kind == "partner" || u.Kind == "bureau" {
			depts = append(depts, u)
		}
	}
	p.staff.Render(w, r, "catalog_list.html", listView{Filter: f, Items: items, Depts: depts, DeptName: names})
}

// ---- the item overview ----

// versionRow is a version in the history table: whether it is in force today, and the
// version before it to compare with.
type versionRow struct {
	ItemVersion
	Now  bool
	Prev int
}

type overviewView struct {
	Item      Item
	CodeView  ImplCodeView
	Versions  []versionRow
	Current   *ItemVersion
	Children  []Item
	Parent    *Item
	Chains    []Chain
	Powers    []PowerEvent
	Holder    string
	Units     map[string]string
	Saved     string
	CanEdit   bool
	Today     workday.Date
	GuideURL  string
	Published bool
}

func (p *pages) overview(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	it, err := p.s.Item(ctx, r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	vs, err := p.s.Versions(ctx, it.ID)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	var rows []versionRow
	for i := len(vs) - 1; i >= 0; i-- {
		row := versionRow{ItemVersion: vs[i], Now: vs[i].InForce(p.s.Today())}
		if i > 0 {
			row.Prev = vs[i-1].Version
		}
		rows = append(rows, row)
	}
	_, names := p.units(r)
	v := overviewView{Item: it, CodeView: it.CodeView(), Versions: rows, Units: names, Saved: r.URL.Query().Get("saved"),
		Today: p.s.Today(), GuideURL: GuidePath + "/items/" + it.ID}
	if cur, err := p.s.VersionAt(ctx, it.ID, 0); err == nil {
		v.Current, v.Published = &cur, true
	}
	if viewer, ok := auth.FromContext(ctx); ok && viewer.Role == auth.Admin && auth.RegionScope(viewer.RegionCode).Allows(it.RegionCode, "", "") {
		v.CanEdit = true
	}
	if v.Children, err = p.s.Children(ctx, it.ID); err != nil {
		web.Error(w, r, err)
		return
	}
	if it.ParentID != "" {
		if par, err := p.s.Item(ctx, it.ParentID); err == nil {
			v.Parent = &par
		}
	}
	if v.Chains, err = p.s.ChainsOfItem(ctx, it.ID); err != nil {
		web.Error(w, r, err)
		return
	}
	if v.Powers, err = p.s.Powers(ctx, PowerFilter{BaseCode: it.BaseCode}); err != nil {
		web.Error(w, r, err)
		return
	}
	if unit, _, err := p.s.Decider(ctx, it.ID, it.RegionCode, 0); err == nil {
		v.Holder = names[unit]
	}
	p.staff.Render(w, r, "catalog_item.html", v)
}

// ---- powers and the 市县两级事权 list ----

type powersView struct {
	Filter    PowerFilter
	Events    []PowerEvent
	Divisions []Division
	Units     []Unit
	UnitName  map[string]string
	Form      PowerEvent
	Division  Division
	Errors    map[string]string
	Problems  []Problem
	Message   string
	// The problems of the 事权 form.
	DivProblems []Problem
	DivMessage  string
	Saved       string
	Kinds       []string
	Levels      []string
	Admin       bool
}

func (p *pages) powersView(r *http.Request) (powersView, error) {
	q := r.URL.Query()
	f := PowerFilter{BaseCode: q.Get("base_code"), Region: q.Get("region"), Kind: PowerKind(q.Get("kind"))}
	evs, err := p.s.Powers(r.Context(), f)
	if err != nil {
		return powersView{}, err
	}
	ds, err := p.s.Divisions(r.Context())
	if err != nil {
		return powersView{}, err
	}
	us, names := p.units(r)
	v := powersView{Filter: f, Events: evs, Divisions: ds, Units: us, UnitName: names, Errors: map[string]string{},
		Kinds: strs(PowerKinds), Levels: strs(DivisionLevels), Saved: q.Get("saved")}
	if viewer, ok := auth.FromContext(r.Context()); ok && viewer.Role == auth.Admin {
		v.Admin = true
	}
	v.Form.EffectiveFrom = p.s.Today()
	return v, nil
}

func (p *pages) powers(w http.ResponseWriter, r *http.Request) {
	v, err := p.powersView(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	p.staff.Render(w, r, "catalog_powers.html", v)
}

func (p *pages) recordPower(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		web.Error(w, r, errs.InvalidInput("error.invalid"))
		return
	}
	f := r.PostForm
	e := PowerEvent{BaseCode: f.Get("base_code"), RegionCode: f.Get("region_code"), Kind: PowerKind(f.Get("kind")),
		FromUnit: f.Get("from_unit"), ToUnit: f.Get("to_unit"), DocNo: f.Get("doc_no"), DocTitle: f.Get("doc_title"),
		Note: f.Get("note")}
	d, derr := workday.ParseDate(f.Get("effective_from"))
	e.EffectiveFrom = d
	var err error
	if derr != nil {
		err = invalid([]Problem{prob("effective_from", kvDateFormat, "value", f.Get("effective_from"))})
	} else {
		_, err = p.s.RecordPower(r.Context(), e)
	}
	if err != nil {
		v, verr := p.powersView(r)
		if verr != nil {
			web.Error(w, r, verr)
			return
		}
		p.failed(w, r, err, func(errors map[string]string, ps []Problem, msg string) {
			v.Form, v.Errors, v.Problems, v.Message = e, errors, ps, msg
			p.staff.RenderStatus(w, r, http.StatusUnprocessableEntity, "catalog_powers.html", v)
		})
		return
	}
	web.SeeOther(w, r, StaffPath+"/powers?saved=power&base_code="+url.QueryEscape(e.BaseCode))
}

func (p *pages) setDivision(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		web.Error(w, r, errs.InvalidInput("error.invalid"))
		return
	}
	f := r.PostForm
	d := Division{BaseCode: f.Get("base_code"), Name: f.Get("name"), Level: DivisionLevel(f.Get("level")), Note: f.Get("note")}
	if _, err := p.s.SetDivision(r.Context(), d); err != nil {
		v, verr := p.powersView(r)
		if verr != nil {
			web.Error(w, r, verr)
			return
		}
		p.failed(w, r, err, func(errors map[string]string, ps []Problem, msg string) {
			v.Division, v.DivProblems, v.DivMessage = d, ps, msg
			p.staff.RenderStatus(w, r, http.StatusUnprocessableEntity, "catalog_powers.html", v)
		})
		return
	}
	web.SeeOther(w, r, StaffPath+"/powers?saved=division")
}

func (p *pages) deleteDivision(w http.ResponseWriter, r *http.Request) {
	if err := p.s.DeleteDivision(r.Context(), r.PathValue("code")); err != nil {
		web.Error(w, r, err)
		return
	}
	web.SeeOther(w, r, StaffPath+"/powers?saved=division")
}

// ---- statistics ----

type statsView struct {
	Stats    ReformStats
	Baseline string
	On       string
	DeptName map[string]string
	Error    string
}

func (p *pages) stats(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := statsView{Baseline: q.Get("baseline"), On: q.Get("on")}
	if v.Baseline == "" {
		v.Baseline = DemoBaseline.String()
	}
	if v.On == "" {
		v.On = p.s.Today().String()
	}
	base, err1 := workday.ParseDate(v.Baseline)
	on, err2 := workday.ParseDate(v.On)
	if err1 != nil || err2 != nil {
		v.Error = web.T(r.Context(), kvDateFormat, "value", v.Baseline+" / "+v.On)
		p.staff.RenderStatus(w, r, http.StatusBadRequest, "catalog_stats.html", v)
		return
	}
	st, err := p.s.Stats(r.Context(), base, on)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	_, v.DeptName = p.units(r)
	v.Stats = st
	p.staff.Render(w, r, "catalog_stats.html", v)
}

// ---- chains ----

type chainsView struct {
	Chains   []Chain
	Units    []Unit
	UnitName map[string]string
	Form     chainForm
	Errors   map[string]string
	Problems []Problem
	Message  string
	Admin    bool
	Saved    string
	ItemName map[string]string
	Chain    *Chain
}

// chainForm is a chain as the page edits it: its items one per line as "code stage"; the
// combined form and material list are derived from the items (DeriveForm).
type chainForm struct {
	ID, Code, Name, NameEN, Summary, LeadUnit, RegionCode, Keywords, Items, Status string
	LimitWD                                                                        int
}

func (p *pages) chainsView(r *http.Request) (chainsView, error) {
	cs, err := p.s.Chains(r.Context())
	if err != nil {
		return chainsView{}, err
	}
	us, names := p.units(r)
	v := chainsView{Chains: cs, Units: us, UnitName: names, Errors: map[string]string{}, Saved: r.URL.Query().Get("saved"),
		ItemName: map[string]string{}}
	if viewer, ok := auth.FromContext(r.Context()); ok {
		v.Admin = viewer.Role == auth.Admin
		v.Form.RegionCode = viewer.RegionCode
	}
	v.Form.Status = string(StatusActive)
	return v, nil
}

func (p *pages) chains(w http.ResponseWriter, r *http.Request) {
	v, err := p.chainsView(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	p.staff.Render(w, r, "catalog_chains.html", v)
}

func (p *pages) chainFormOf(r *http.Request, c Chain) chainForm {
	var lines []string
	for _, ci := range c.Items {
		code := ci.ItemID
		if it, err := p.s.Item(r.Context(), ci.ItemID); err == nil {
			code = it.Code
		}
		lines = append(lines, fmt.Sprintf("%s %d", code, ci.Stage))
	}
	return chainForm{ID: c.ID, Code: c.Code, Name: c.Name, NameEN: c.NameEN, Summary: c.Summary, LeadUnit: c.LeadUnit,
		RegionCode: c.RegionCode, Keywords: strings.Join(c.Keywords, "、"), Items: strings.Join(lines, "\n"),
		Status: string(c.Status), LimitWD: c.LimitWD}
}

func (p *pages) chainAdmin(w http.ResponseWriter, r *http.Request) {
	c, err := p.s.Chain(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	v, err := p.chainsView(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	v.Chain, v.Form = &c, p.chainFormOf(r, c)
	for _, h := range p.s.Hits(r.Context(), c.ItemIDs()) {
		v.ItemName[h.ID] = h.Name
	}
	p.staff.Render(w, r, "catalog_chain.html", v)
}

func (p *pages) saveChain(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := r.ParseForm(); err != nil {
		web.Error(w, r, errs.InvalidInput("error.invalid"))
		return
	}
	f := r.PostForm
	form := chainForm{ID: f.Get("id"), Code: f.Get("code"), Name: f.Get("name"), NameEN: f.Get("name_en"),
		Summary: f.Get("summary"), LeadUnit: f.Get("lead_unit"), RegionCode: f.Get("region_code"), Keywords: f.Get("keywords"),
		Items: f.Get("items"), Status: f.Get("status")}
	x := &xio{}
	x.field = "limit_wd"
	form.LimitWD = x.int(f.Get("limit_wd"))
	c := Chain{ID: form.ID, Code: form.Code, Name: form.Name, NameEN: form.NameEN, Summary: form.Summary,
		LeadUnit: form.LeadUnit, RegionCode: form.RegionCode, LimitWD: form.LimitWD, Status: Status(form.Status),
		Keywords: splitValues(form.Keywords)}
	if c.ID != "" {
		if old, err := p.s.Chain(ctx, c.ID); err == nil {
			c.LifeEvents, c.EnterpriseEvents, c.Themes = old.LifeEvents, old.EnterpriseEvents, old.Themes
		}
	}
	for i, line := range splitLines(form.Items) {
		fs := strings.Fields(line)
		it, err := p.s.ItemByCode(ctx, strings.ToUpper(fs[0]))
		if err != nil {
			x.field = "items"
			x.bad("catalog.chain.item_unknown", "value", fs[0])
			continue
		}
		stage := i + 1
		if len(fs) > 1 {
			x.field = "items"
			stage = x.int(fs[1])
		}
		c.Items = append(c.Items, ChainItem{ItemID: it.ID, Stage: stage})
	}
	var err error
	if len(x.problems) > 0 {
		err = invalid(x.problems)
	} else {
		c.Fields, c.Materials, err = p.s.ProposeChainForm(ctx, c.Items)
		if err == nil {
			_, err = p.s.SaveChain(ctx, c)
		}
	}
	if err != nil {
		v, verr := p.chainsView(r)
		if verr != nil {
			web.Error(w, r, verr)
			return
		}
		page := "catalog_chains.html"
		if c.ID != "" {
			if old, oerr := p.s.Chain(ctx, c.ID); oerr == nil {
				v.Chain = &old
				page = "catalog_chain.html"
			}
		}
		p.failed(w, r, err, func(errors map[string]string, ps []Problem, msg string) {
			v.Form, v.Errors, v.Problems, v.Message = form, errors, ps, msg
			p.staff.RenderStatus(w, r, http.StatusUnprocessableEntity, page, v)
		})
		return
	}
	web.SeeOther(w, r, StaffPath+"/chains?saved=chain")
}

// ---- synonyms and certificate types ----

type listForm[T any] struct {
	List     []T
	Form     T
	Errors   map[string]string
	Problems []Problem
	Message  string
	Saved    string
}

func (p *pages) synonyms(w http.ResponseWriter, r *http.Request) {
	ss, err := p.s.Synonyms(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	p.staff.Render(w, r, "catalog_synonyms.html", listForm[Synonym]{List: ss, Errors: map[string]string{}, Saved: r.URL.Query().Get("saved")})
}

func (p *pages) addSynonym(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		web.Error(w, r, errs.InvalidInput("error.invalid"))
		return
	}
	in := Synonym{Term: r.PostForm.Get("term"), Expansion: r.PostForm.Get("expansion")}
	if _, err := p.s.AddSynonym(r.Context(), in.Term, in.Expansion); err != nil {
		ss, lerr := p.s.Synonyms(r.Context())
		if lerr != nil {
			web.Error(w, r, lerr)
			return
		}
		p.failed(w, r, err, func(errors map[string]string, ps []Problem, msg string) {
			p.staff.RenderStatus(w, r, http.StatusUnprocessableEntity, "catalog_synonyms.html",
				listForm[Synonym]{List: ss, Form: in, Errors: errors, Problems: ps, Message: msg})
		})
		return
	}
	web.SeeOther(w, r, StaffPath+"/synonyms?saved=1")
}

func (p *pages) deleteSynonym(w http.ResponseWriter, r *http.Request) {
	if err := p.s.DeleteSynonym(r.Context(), r.PathValue("id")); err != nil {
		web.Error(w, r, err)
		return
	}
	web.SeeOther(w, r, StaffPath+"/synonyms?saved=1")
}

func (p *pages) certTypes(w http.ResponseWriter, r *http.Request) {
	cs, err := p.s.CertTypes(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	p.staff.Render(w, r, "catalog_cert_types.html", listForm[CertType]{List: cs, Errors: map[string]string{}, Saved: r.URL.Query().Get("saved")})
}

func (p *pages) saveCertType(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		web.Error(w, r, errs.InvalidInput("error.invalid"))
		return
	}
	f := r.PostForm
	in := CertType{Code: f.Get("code"), Name: f.Get("name"), NameEN: f.Get("name_en"), Issuer: f.Get("issuer")}
	if _, err := p.s.SaveCertType(r.Context(), in); err != nil {
		cs, lerr := p.s.CertTypes(r.Context())
		if lerr != nil {
			web.Error(w, r, lerr)
			return
		}
		p.failed(w, r, err, func(errors map[string]string, ps []Problem, msg string) {
			p.staff.RenderStatus(w, r, http.StatusUnprocessableEntity, "catalog_cert_types.html",
				listForm[CertType]{List: cs, Form: in, Errors: errors, Problems: ps, Message: msg})
		})
		return
	}
	web.SeeOther(w, r, StaffPath+"/cert-types?saved=1")
}

// ---- Excel ----

func (p *pages) export(w http.ResponseWriter, r *http.Request) {
	(&api{s: p.s}).export(w, r)
}

type importView struct {
	Plan     *ImportPlan
	Publish  bool
	From     string
	Message  string
	Today    string
	Imported bool
}

func (p *pages) importForm(w http.ResponseWriter, r *http.Request) {
	p.staff.Render(w, r, "catalog_import.html", importView{Today: p.s.Today().String(), From: p.s.Today().String()})
}

func (p *pages) importWorkbook(w http.ResponseWriter, r *http.Request) {
	v := importView{Today: p.s.Today().String()}
	file, _, err := r.FormFile("file")
	if err != nil {
		v.Message = web.T(r.Context(), "catalog.import.no_file")
		p.staff.RenderStatus(w, r, http.StatusUnprocessableEntity, "catalog_import.html", v)
		return
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, MaxImportSize+1))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	v.Publish, v.From = r.FormValue("publish") == "true", r.FormValue("effective_from")
	opt := ImportOptions{Publish: v.Publish}
	if v.From != "" {
		if d, derr := workday.ParseDate(v.From); derr == nil {
			opt.EffectiveFrom = d
		}
	}
	plan, err := p.s.Import(r.Context(), data, opt)
	v.Plan = plan
	if plan != nil {
		localize(r.Context(), plan.Problems)
	}
	if err != nil {
		e := errs.As(err)
		if e.Code != errs.Invalid {
			web.Error(w, r, err)
			return
		}
		v.Message = web.T(r.Context(), e.Key, e.Args)
		if ps := ProblemsOf(err); len(ps) > 0 && (plan == nil || len(plan.Problems) == 0) {
			localize(r.Context(), ps)
			v.Plan = &ImportPlan{Problems: ps}
		}
		p.staff.RenderStatus(w, r, http.StatusUnprocessableEntity, "catalog_import.html", v)
		return
	}
	v.Imported = true
	p.staff.Render(w, r, "catalog_import.html", v)
}
