package catalog

import (
	"embed"
	"net/http"
	"strconv"

	"onestamp/internal/home"
	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/web"
)

//go:embed templates/guide/*.html templates/staff/*.html
var templateFS embed.FS

// GuidePath is the public service guide.
const GuidePath = "/guide"

func registerPages(g *auth.Guard, s *Service) error {
	portal, err := home.NewPortalRenderer(templateFS, "templates/guide/*.html")
	if err != nil {
		return err
	}
	staff, err := home.NewStaffRenderer(templateFS, "templates/staff/*.html")
	if err != nil {
		return err
	}
	p := &pages{s: s, portal: portal, staff: staff}
	g.Page("GET "+GuidePath, auth.Public, p.guide)
	g.Page("GET "+GuidePath+"/items/{id}", auth.Public, p.item)
	g.Page("GET "+GuidePath+"/chains/{code}", auth.Public, p.chain)
	home.AddPlace(home.PortalPlace{Key: "home.place.guide", DescKey: "home.place.guide_desc", Path: GuidePath, Order: 10, Ready: true})
	registerAdminPages(g, p)
	return nil
}

type pages struct {
	s             *Service
	portal, staff *home.Renderer
}

// localized returns hits with their names in the request's language.
func localized(r *http.Request, hs []Hit) []Hit {
	if web.Lang(r.Context()) != web.LangEN {
		return hs
	}
	out := make([]Hit, len(hs))
	for i, h := range hs {
		if h.NameEN != "" {
			h.Name = h.NameEN
		}
		if h.DeptNameEN != "" {
			h.DeptName = h.DeptNameEN
		}
		if h.ParentNameEN != "" {
			h.ParentName = h.ParentNameEN
		}
		out[i] = h
	}
	return out
}

func localizedChains(r *http.Request, cs []ChainHit) []ChainHit {
	if web.Lang(r.Context()) != web.LangEN {
		return cs
	}
	out := make([]ChainHit, len(cs))
	for i, c := range cs {
		if c.NameEN != "" {
			c.Name = c.NameEN
		}
		out[i] = c
	}
	return out
}

type guideView struct {
	Q           string
	Searched    bool
	Result      SearchResult
	Browse      BrowseQuery
	BrowseTitle string
	Browsed     []Hit
	Overview    GuideOverview
}

func (p *pages) guide(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	v := guideView{Q: q.Get("q"), Browse: BrowseQuery{DeptID: q.Get("dept"), Life: q.Get("life"), Biz: q.Get("biz"), Theme: q.Get("theme")}}
	switch {
	case v.Q != "":
		v.Searched = true
		v.Result = p.s.Search(ctx, SearchQuery{Q: v.Q, Limit: 30})
		v.Result.Items = localized(r, v.Result.Items)
		v.Result.Chains = localizedChains(r, v.Result.Chains)
	case !v.Browse.Empty():
		v.Browsed = localized(r, p.s.Browse(ctx, v.Browse))
		switch b := v.Browse; {
		case b.DeptID != "":
			v.BrowseTitle = p.s.UnitName(ctx, b.DeptID, web.Lang(ctx))
		case b.Life != "" && validTag(LifeEvents, b.Life):
			v.BrowseTitle = web.T(ctx, "catalog.life."+b.Life)
		case b.Biz != "" && validTag(EnterpriseEvents, b.Biz):
			v.BrowseTitle = web.T(ctx, "catalog.biz."+b.Biz)
		case b.Theme != "" && validTag(Themes, b.Theme):
			v.BrowseTitle = web.T(ctx, "catalog.theme."+b.Theme)
		}
	}
	v.Overview = p.s.Overview(ctx)
	if web.Lang(ctx) == web.LangEN {
		for i, d := range v.Overview.Depts {
			if d.NameEN != "" {
				v.Overview.Depts[i].Name = d.NameEN
			}
		}
		v.Overview.Chains = localizedChains(r, v.Overview.Chains)
	}
	p.portal.Render(w, r, "guide.html", v)
}

// itemView is an item's guide page.
type itemView struct {
	Item       Item
	Version    ItemVersion
	Name       string
	Parent     *Hit
	Children   []Hit
	Chains     []Chain
	ApplyURL   string
	Decider    string
	Units      map[string]string // unit id → name
	Certs      map[string]string // cert type code → name
	Staff      bool
	Accepts    bool
	Suspending []SpecialStep
	Materials  []numbered
	Fees       []feeRow
}

// numbered is a material with its number in the list.
type numbered struct {
	Seq int
	Material
}

// feeRow is a fee with its amount in yuan.
type feeRow struct {
	Fee
	Yuan string
}

func (p *pages) item(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	lang := web.Lang(ctx)
	it, err := p.s.Item(ctx, r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	var v ItemVersion
	if n, perr := strconv.Atoi(r.URL.Query().Get("version")); perr == nil {
		v, err = p.s.Version(ctx, it.ID, n)
	} else {
		v, err = p.s.VersionAt(ctx, it.ID, 0)
	}
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			err = errs.NotFoundErr("catalog.item.not_found")
		}
		web.Error(w, r, err)
		return
	}
	view := itemView{Item: it, Version: v, Name: v.Spec.Name, Units: map[string]string{}, Certs: map[string]string{},
		Accepts: v.Spec.ReformMode.AcceptsCases(), Suspending: v.Spec.Suspending()}
	if lang == web.LangEN && v.Spec.NameEN != "" {
		view.Name = v.Spec.NameEN
	}
	if _, err := p.s.staff(ctx); err == nil {
		view.Staff = true
	}
	if p.s.CanApply(it, v) && v.InForce(p.s.Today()) {
		view.ApplyURL = p.s.ApplyURL(it.ID)
	}
	if it.ParentID != "" {
		if hs := localized(r, p.s.Hits(ctx, []string{it.ParentID})); len(hs) == 1 {
			view.Parent = &hs[0]
		}
	}
	if it.Children > 0 {
		kids, err := p.s.Children(ctx, it.ID)
		if err != nil {
			web.Error(w, r, err)
			return
		}
		ids := make([]string, len(kids))
		for i, k := range kids {
			ids[i] = k.ID
		}
		view.Children = localized(r, p.s.Hits(ctx, ids))
	}
	if view.Chains, err = p.s.ChainsOfItem(ctx, it.ID); err != nil {
		web.Error(w, r, err)
		return
	}
	sp := v.Spec
	for i, m := range sp.Materials {
		view.Materials = append(view.Materials, numbered{Seq: i + 1, Material: m})
	}
	for _, f := range sp.Fees {
		view.Fees = append(view.Fees, feeRow{Fee: f, Yuan: yuan(f.AmountFen)})
	}
	for _, id := range append([]string{sp.CompetentDept, sp.AcceptUnit, sp.DecideUnit, sp.SupervisingDept}, sp.JointDepts...) {
		if id != "" {
			view.Units[id] = p.s.UnitName(ctx, id, lang)
		}
	}
	if unit, _, err := p.s.Decider(ctx, it.ID, it.RegionCode, 0); err == nil {
		view.Decider = p.s.UnitName(ctx, unit, lang)
	}
	if cts, err := p.s.CertTypes(ctx); err == nil {
		for _, c := range cts {
			view.Certs[c.Code] = c.Name
			if lang == web.LangEN && c.NameEN != "" {
				view.Certs[c.Code] = c.NameEN
			}
		}
	}
	p.portal.Render(w, r, "guide_item.html", view)
}

type chainView struct {
	Chain    Chain
	Name     string
	Lead     string
	Items    []chainItemView
	Fields   []ChainField
	Shared   []ChainMaterial
	Others   []ChainMaterial
	ItemName map[string]string
}

type chainItemView struct {
	Hit
	Stage int
}

func (p *pages) chain(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, err := p.s.Chain(ctx, r.PathValue("code"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if c.Status != StatusActive {
		web.Error(w, r, errs.NotFoundErr("catalog.chain.not_found"))
		return
	}
	lang := web.Lang(ctx)
	v := chainView{Chain: c, Name: c.Name, Lead: p.s.UnitName(ctx, c.LeadUnit, lang), Fields: c.Fields, ItemName: map[string]string{}}
	if lang == web.LangEN && c.NameEN != "" {
		v.Name = c.NameEN
	}
	hits := localized(r, p.s.Hits(ctx, c.ItemIDs()))
	byID := map[string]Hit{}
	for _, h := range hits {
		byID[h.ID] = h
		v.ItemName[h.ID] = h.Name
	}
	for _, ci := range c.Items {
		if h, ok := byID[ci.ItemID]; ok {
			v.Items = append(v.Items, chainItemView{Hit: h, Stage: ci.Stage})
		}
	}
	for _, m := range c.Materials {
		if m.Shared() {
			v.Shared = append(v.Shared, m)
		} else {
			v.Others = append(v.Others, m)
		}
	}
	p.portal.Render(w, r, "guide_chain.html", v)
}
