package catalog

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/web"
	"onestamp/internal/platform/workday"
)

// ---- the editor ----

type option struct {
	Value string
	Label string // a message key, or a name
}

type editorView struct {
	New      bool
	Item     Item
	Ident    identForm
	Spec     Spec
	Version  int
	Draft    bool
	Note     string
	Errors   map[string]string
	Problems []Problem
	Message  string
	Checked  map[string]bool
	Units    []Unit
	Certs    []CertType

	Materials []formRow[Material]
	Steps     []formRow[Step]
	Special   []formRow[SpecialStep]
	Fees      []feeForm
	Mids      []formRow[Intermediary]
	FAQ       []formRow[FAQ]
	Fields    []formRow[FormField]

	Scenarios  string
	Keywords   string
	Conditions string

	Levels, Types, PowerSources, Targets, Kinds, MatForms, MatSources, Timings, ResultTypes, Deliveries,
	Crosses, Reforms, Verifies, FieldTypes, Trust, Life, Biz, Themes []string
	Depths, Visits []int
}

// identForm is the identity of a new item as entered.
type identForm struct {
	Level, ParentCode, BaseCode, ImplCode, HandlingCode, RegionCode string
}

type formRow[T any] struct {
	Prefix string
	V      T
}

type feeForm struct {
	Prefix string
	V      Fee
	Yuan   string
}

func rows[T any](name string, list []T, blanks int, blank T) []formRow[T] {
	var out []formRow[T]
	for i, v := range list {
		out = append(out, formRow[T]{Prefix: fmt.Sprintf("%s[%d]", name, i), V: v})
	}
	for i := 0; i < blanks; i++ {
		out = append(out, formRow[T]{Prefix: fmt.Sprintf("%s[%d]", name, len(list)+i), V: blank})
	}
	return out
}

func strs[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

func (p *pages) editorView(r *http.Request, it Item, sp Spec) editorView {
	us, _ := p.units(r)
	certs, _ := p.s.CertTypes(r.Context())
	v := editorView{Item: it, Spec: sp, Units: us, Certs: certs, Errors: map[string]string{}, Checked: map[string]bool{},
		Levels: strs(Levels), Types: strs(ItemTypes), PowerSources: strs(PowerSources), Targets: strs(Targets),
		Kinds: strs(Kinds), MatForms: strs(MaterialForms), MatSources: strs(MaterialSources), Timings: strs(FeeTimings),
		ResultTypes: strs(ResultTypes), Deliveries: strs(Deliveries), Crosses: strs(CrossModes), Reforms: strs(ReformModes),
		Verifies: strs(VerifyMethods), FieldTypes: strs(FieldTypes), Trust: TrustLevels, Life: LifeEvents,
		Biz: EnterpriseEvents, Themes: Themes, Depths: []int{0, 1, 2, 3, 4}, Visits: []int{0, 1, 2}}
	mark := func(prefix string, vs []string) {
		for _, x := range vs {
			v.Checked[prefix+"."+x] = true
		}
	}
	mark("targets", strs(sp.Targets))
	mark("delivery", strs(sp.Delivery))
	mark("verify_methods", strs(sp.VerifyMethods))
	mark("life_events", sp.LifeEvents)
	mark("enterprise_events", sp.EnterpriseEvents)
	mark("themes", sp.Themes)
	mark("joint_depts", sp.JointDepts)
	v.Materials = rows("materials", sp.Materials, 3, Material{Form: FormOriginal, Copies: 1, Source: SourceSelf, Required: true})
	v.Steps = rows("steps", sp.Steps, 2, Step{})
	v.Special = rows("special_steps", sp.SpecialSteps, 2, SpecialStep{})
	for i, f := range append(slices.Clone(sp.Fees), Fee{}, Fee{}) {
		y := ""
		if f.AmountFen != 0 {
			y = yuan(f.AmountFen)
		}
		v.Fees = append(v.Fees, feeForm{Prefix: fmt.Sprintf("fees[%d]", i), V: f, Yuan: y})
	}
	v.Mids = rows("intermediaries", sp.Intermediaries, 1, Intermediary{})
	v.FAQ = rows("faq", sp.FAQ, 1, FAQ{})
	v.Fields = rows("form_fields", sp.FormFields, 2, FormField{Type: FieldText})
	var sc []string
	for _, s := range sp.Scenarios {
		if s.Description != "" {
			sc = append(sc, s.Name+"："+s.Description)
		} else {
			sc = append(sc, s.Name)
		}
	}
	v.Scenarios = strings.Join(sc, "\n")
	v.Keywords = strings.Join(sp.Keywords, "、")
	v.Conditions = strings.Join(sp.AcceptConditions, "\n")
	return v
}

// specFromForm reads the editor's form. Numbers and amounts that do not parse are problems;
// everything else is left to Validate.
func specFromForm(f url.Values) (Spec, []Problem) {
	x := &xio{}
	num := func(field string) int {
		x.field = field
		return x.int(f.Get(field))
	}
	on := func(field string) bool { return f.Get(field) == "true" }
	sp := Spec{
		Name: f.Get("name"), NameEN: f.Get("name_en"), Type: ItemType(f.Get("type")), ExerciseLevel: f.Get("exercise_level"),
		PowerSource: PowerSource(f.Get("power_source")), SetBasis: f.Get("set_basis"), ImplBasis: f.Get("impl_basis"),
		QuantityLimit: f.Get("quantity_limit"), Prohibitions: f.Get("prohibitions"), CompetentDept: f.Get("competent_dept"),
		ImplAgency: Agency{Name: f.Get("impl_agency.name"), USCC: f.Get("impl_agency.uscc")}, AcceptUnit: f.Get("accept_unit"),
		DecideUnit: f.Get("decide_unit"), Entrusted: f.Get("entrusted"), JointDepts: f["joint_depts"],
		SupervisingDept: f.Get("supervising_dept"), AcceptConditions: splitLines(f.Get("accept_conditions")),
		Kind: Kind(f.Get("kind")), StatutoryWD: num("statutory_wd"), PromisedWD: num("promised_wd"),
		ExtensionWD: num("extension_wd"), JointHandling: on("joint_handling"), MaxVisits: num("max_visits"),
		Charged: on("charged"), FeeBasis: f.Get("fee_basis"), FeeTiming: FeeTiming(f.Get("fee_timing")),
		ResultType: ResultType(f.Get("result_type")), ResultName: f.Get("result_name"), ResultSample: f.Get("result_sample"),
		ResultCertType: f.Get("result_cert_type"), ResultValidity: f.Get("result_validity"), Online: on("online"),
		OnlineDepth: num("online_depth"), Appointment: on("appointment"), Logistics: on("logistics"),
		SelfService: on("self_service"), CertFree: on("cert_free"), CityWide: on("city_wide"),
		CrossProvince: CrossMode(f.Get("cross_province")), ReformMode: ReformMode(f.Get("reform_mode")),
		PromiseText: f.Get("promise_text"), VerifyWithinWD: num("verify_within_wd"), PendingSupplyWD: num("pending_supply_wd"),
		Location: f.Get("location"), Hours: f.Get("hours"), ConsultPhone: f.Get("consult_phone"),
		ComplaintPhone: f.Get("complaint_phone"), Summary: f.Get("summary"), Keywords: splitValues(f.Get("keywords")),
		LifeEvents: f["life_events"], EnterpriseEvents: f["enterprise_events"], Themes: f["themes"],
	}
	for _, t := range f["targets"] {
		sp.Targets = append(sp.Targets, Target(t))
	}
	for _, d := range f["delivery"] {
		sp.Delivery = append(sp.Delivery, Delivery(d))
	}
	for _, m := range f["verify_methods"] {
		sp.VerifyMethods = append(sp.VerifyMethods, VerifyMethod(m))
	}
	for _, l := range splitLines(f.Get("scenarios")) {
		n, d, _ := strings.Cut(l, "：")
		sp.Scenarios = append(sp.Scenarios, Scenario{Name: strings.TrimSpace(n), Description: strings.TrimSpace(d)})
	}
	count := func(name string) int {
		n := 0
		for k := range f {
			if rest, ok := strings.CutPrefix(k, name+"["); ok {
				if i, err := strconv.Atoi(rest[:max(0, strings.IndexByte(rest, ']'))]); err == nil && i+1 > n {
					n = i + 1
				}
			}
		}
		return min(n, maxList+10)
	}
	g := func(prefix, field string) string { return f.Get(prefix + "." + field) }
	for i := range count("materials") {
		pre := fmt.Sprintf("materials[%d]", i)
		sp.Materials = append(sp.Materials, Material{Key: g(pre, "key"), Name: g(pre, "name"), Form: MaterialForm(g(pre, "form")),
			Copies: num(pre + ".copies"), Source: MaterialSource(g(pre, "source")), Issuer: g(pre, "issuer"),
			CertType: g(pre, "cert_type"), Required: g(pre, "required") == "true", PendingAllowed: g(pre, "pending_allowed") == "true",
			BlankForm: g(pre, "blank_form"), Sample: g(pre, "sample"), MinTrust: g(pre, "min_trust"), Notes: g(pre, "notes")})
	}
	for i := range count("steps") {
		pre := fmt.Sprintf("steps[%d]", i)
		sp.Steps = append(sp.Steps, Step{Name: g(pre, "name"), LimitWD: num(pre + ".limit_wd"), PostRole: g(pre, "post_role")})
	}
	for i := range count("special_steps") {
		pre := fmt.Sprintf("special_steps[%d]", i)
		sp.SpecialSteps = append(sp.SpecialSteps, SpecialStep{Name: g(pre, "name"), LimitWD: num(pre + ".limit_wd"),
			Basis: g(pre, "basis"), Fee: g(pre, "fee"), CountsInLimit: g(pre, "counts_in_limit") == "true"})
	}
	for i := range count("fees") {
		pre := fmt.Sprintf("fees[%d]", i)
		x.field = pre + ".amount_fen"
		sp.Fees = append(sp.Fees, Fee{Name: g(pre, "name"), AmountFen: x.fen(g(pre, "amount")), Standard: g(pre, "standard"),
			Basis: g(pre, "basis")})
	}
	for i := range count("intermediaries") {
		pre := fmt.Sprintf("intermediaries[%d]", i)
		sp.Intermediaries = append(sp.Intermediaries, Intermediary{Name: g(pre, "name"), Required: g(pre, "required") == "true",
			Basis: g(pre, "basis")})
	}
	for i := range count("faq") {
		pre := fmt.Sprintf("faq[%d]", i)
		sp.FAQ = append(sp.FAQ, FAQ{Q: g(pre, "q"), A: g(pre, "a")})
	}
	for i := range count("form_fields") {
		pre := fmt.Sprintf("form_fields[%d]", i)
		sp.FormFields = append(sp.FormFields, FormField{Key: g(pre, "key"), Label: g(pre, "label"), Type: FieldType(g(pre, "type")),
			Required: g(pre, "required") == "true", Options: splitValues(g(pre, "options"))})
	}
	return sp, x.problems
}

func (p *pages) renderEditor(w http.ResponseWriter, r *http.Request, status int, v editorView) {
	p.staff.RenderStatus(w, r, status, "catalog_edit.html", v)
}

func (p *pages) newItem(w http.ResponseWriter, r *http.Request) {
	viewer, _ := auth.FromContext(r.Context())
	sp := Spec{Type: TypeLicence, PowerSource: SourceStatutory, Kind: KindPromised, StatutoryWD: 20, PromisedWD: 20,
		MaxVisits: 1, ResultType: ResultApproval, Targets: []Target{TargetLegalPerson}, OnlineDepth: 3}
	v := p.editorView(r, Item{}, sp)
	v.New = true
	v.Ident = identForm{Level: string(LevelMain), RegionCode: viewer.RegionCode}
	p.renderEditor(w, r, http.StatusOK, v)
}

func (p *pages) createItem(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		web.Error(w, r, errs.InvalidInput("error.invalid"))
		return
	}
	f := r.PostForm
	sp, bad := specFromForm(f)
	sp.Normalize()
	id := identForm{Level: f.Get("level"), ParentCode: strings.TrimSpace(f.Get("parent_code")), BaseCode: f.Get("base_code"),
		ImplCode: f.Get("impl_code"), HandlingCode: f.Get("handling_code"), RegionCode: f.Get("region_code")}
	it := Item{Level: Level(id.Level), BaseCode: id.BaseCode, ImplCode: id.ImplCode, HandlingCode: id.HandlingCode,
		RegionCode: id.RegionCode}
	show := func(status int, errors map[string]string, ps []Problem, msg string) {
		v := p.editorView(r, Item{}, sp)
		v.New, v.Ident, v.Errors, v.Problems, v.Message, v.Note = true, id, errors, ps, msg, f.Get("note")
		if e, ok := v.Errors["parent_id"]; ok {
			v.Errors["parent_code"] = e
		}
		p.renderEditor(w, r, status, v)
	}
	if id.ParentCode != "" {
		par, err := p.s.ItemByCode(r.Context(), strings.ToUpper(id.ParentCode))
		if err != nil {
			bad = append(bad, prob("parent_code", kvParentUnknown, "value", id.ParentCode))
		} else {
			it.ParentID = par.ID
		}
	}
	if len(bad) > 0 {
		localize(r.Context(), bad)
		show(http.StatusUnprocessableEntity, problemMap(r, bad), bad, "")
		return
	}
	created, _, err := p.s.CreateItem(r.Context(), it, sp, f.Get("note"))
	if err != nil {
		p.failed(w, r, err, func(errors map[string]string, ps []Problem, msg string) {
			show(http.StatusUnprocessableEntity, errors, ps, msg)
		})
		return
	}
	web.SeeOther(w, r, StaffPath+"/items/"+created.ID+"?saved=draft")
}

func (p *pages) edit(w http.ResponseWriter, r *http.Request) {
	it, err := p.s.Item(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	d, exists, err := p.s.Draft(r.Context(), it.ID)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	v := p.editorView(r, it, d.Spec)
	v.Version, v.Draft, v.Note = d.Version, exists, d.Note
	p.renderEditor(w, r, http.StatusOK, v)
}

func (p *pages) saveDraft(w http.ResponseWriter, r *http.Request) {
	it, err := p.s.Item(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		web.Error(w, r, errs.InvalidInput("error.invalid"))
		return
	}
	sp, bad := specFromForm(r.PostForm)
	sp.Normalize()
	note := r.PostForm.Get("note")
	show := func(errors map[string]string, ps []Problem, msg string) {
		v := p.editorView(r, it, sp)
		v.Errors, v.Problems, v.Message, v.Note, v.Draft = errors, ps, msg, note, it.Draft > 0
		v.Version = it.Draft
		if v.Version == 0 {
			v.Version = it.Current + 1
		}
		p.renderEditor(w, r, http.StatusUnprocessableEntity, v)
	}
	if len(bad) > 0 {
		localize(r.Context(), bad)
		show(problemMap(r, bad), bad, "")
		return
	}
	if _, err := p.s.SaveDraft(r.Context(), it.ID, sp, note); err != nil {
		p.failed(w, r, err, show)
		return
	}
	web.SeeOther(w, r, StaffPath+"/items/"+it.ID+"?saved=draft")
}

// ---- diff and publication ----

type diffView struct {
	Item     Item
	From, To int
	Changes  []diffRow
	Versions []ItemVersion
}

type diffRow struct {
	Change
	Label string
}

// changeRows labels changes with the names of their fields: "申请材料 · 材料名称".
func changeRows(r *http.Request, cs []Change) []diffRow {
	out := make([]diffRow, len(cs))
	for i, c := range cs {
		var parts []string
		for _, part := range strings.Split(c.Group, ".") {
			parts = append(parts, web.T(r.Context(), "catalog.f."+part))
		}
		label := strings.Join(parts, " · ")
		if j := strings.IndexByte(c.Path, '['); j > 0 {
			if k := strings.IndexByte(c.Path, ']'); k > j {
				if n, err := strconv.Atoi(c.Path[j+1 : k]); err == nil {
					label += " " + web.T(r.Context(), "catalog.diff.entry", "n", n+1)
				}
			}
		}
		out[i] = diffRow{Change: c, Label: label}
	}
	return out
}

func (p *pages) diff(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	it, err := p.s.Item(ctx, r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	q := r.URL.Query()
	from, _ := strconv.Atoi(q.Get("from"))
	to, _ := strconv.Atoi(q.Get("to"))
	if from == 0 {
		from = it.Current
	}
	if to == 0 {
		to = it.Draft
	}
	if from == 0 || to == 0 {
		web.Error(w, r, errs.NotFoundErr("catalog.version.no_draft"))
		return
	}
	cs, err := p.s.DiffVersions(ctx, it.ID, from, to)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	vs, err := p.s.Versions(ctx, it.ID)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	p.staff.Render(w, r, "catalog_diff.html", diffView{Item: it, From: from, To: to, Changes: changeRows(r, cs), Versions: vs})
}

type publishView struct {
	Item     Item
	Draft    ItemVersion
	Changes  []diffRow
	First    bool
	From     string
	Min      string
	Errors   map[string]string
	Problems []Problem
	Message  string
}

func (p *pages) publishView(r *http.Request, it Item) (publishView, error) {
	ctx := r.Context()
	if it.Draft == 0 {
		return publishView{}, errs.NotFoundErr("catalog.version.no_draft")
	}
	d, err := p.s.Version(ctx, it.ID, it.Draft)
	if err != nil {
		return publishView{}, err
	}
	v := publishView{Item: it, Draft: d, First: it.Current == 0, From: p.s.Today().String(), Min: p.s.Today().String(),
		Errors: map[string]string{}}
	if it.Current > 0 {
		cs, err := p.s.DiffVersions(ctx, it.ID, it.Current, it.Draft)
		if err != nil {
			return v, err
		}
		v.Changes = changeRows(r, cs)
	}
	return v, nil
}

func (p *pages) confirmPublish(w http.ResponseWriter, r *http.Request) {
	it, err := p.s.Item(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	v, err := p.publishView(r, it)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	p.staff.Render(w, r, "catalog_publish.html", v)
}

func (p *pages) publish(w http.ResponseWriter, r *http.Request) {
	it, err := p.s.Item(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		web.Error(w, r, errs.InvalidInput("error.invalid"))
		return
	}
	version, _ := strconv.Atoi(r.PostForm.Get("version"))
	in := PublishInput{Version: version}
	from := r.PostForm.Get("effective_from")
	if from != "" {
		d, derr := workday.ParseDate(from)
		if derr != nil {
			err = invalid([]Problem{prob("effective_from", kvDateFormat, "value", from)})
		}
		in.EffectiveFrom = d
	}
	if err == nil {
		_, err = p.s.Publish(r.Context(), it.ID, in)
	}
	if err != nil {
		v, verr := p.publishView(r, it)
		if verr != nil {
			web.Error(w, r, err)
			return
		}
		p.failed(w, r, err, func(errors map[string]string, ps []Problem, msg string) {
			v.Errors, v.Problems, v.Message, v.From = errors, ps, msg, from
			p.staff.RenderStatus(w, r, http.StatusUnprocessableEntity, "catalog_publish.html", v)
		})
		return
	}
	web.SeeOther(w, r, StaffPath+"/items/"+it.ID+"?saved=published")
}

func (p *pages) discard(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := p.s.DiscardDraft(r.Context(), id); err != nil {
		web.Error(w, r, err)
		return
	}
	web.SeeOther(w, r, StaffPath+"/items/"+id+"?saved=discarded")
}

func (p *pages) status(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := r.ParseForm(); err != nil {
		web.Error(w, r, errs.InvalidInput("error.invalid"))
		return
	}
	if _, err := p.s.SetStatus(r.Context(), id, Status(r.PostForm.Get("status"))); err != nil {
		web.Error(w, r, err)
		return
	}
	web.SeeOther(w, r, StaffPath+"/items/"+id+"?saved=status")
}
