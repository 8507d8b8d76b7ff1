package catalog

import (
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
	"onestamp/internal/platform/workday"
)

//go:embed messages/*.json
var messageFS embed.FS

// AddMessages adds the catalogue's texts to the message catalogue (Register does it too).
func AddMessages() error { return web.AddMessagesFS(messageFS, "messages") }

// Register registers the catalogue's JSON API, the public service guide and the administration
// pages on the guard, each route with its access policy.
func Register(g *auth.Guard, s *Service) error {
	if err := AddMessages(); err != nil {
		return err
	}
	registerAPI(g, s)
	return registerPages(g, s)
}

// Access policies.
var (
	readPolicy  = auth.Staff()                      // drafts, history, statistics
	adminPolicy = auth.Staff(auth.Admin)            // every change
	casePolicy  = auth.Staff().OrTokens(TokenScope) // what case intake asks
	publicRead  = auth.Public                       // the published catalogue
	xlsxType    = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	tags        = []string{"catalog"}
	idParam     = web.Param{Name: "id", In: "path", Description: "item id"}
	dateParam   = web.Param{Name: "date", Format: "date", Description: "YYYY-MM-DD (Asia/Shanghai); default today"}
	readErrs    = []errs.Code{errs.NotFound}
	writeErrs   = []errs.Code{errs.Invalid, errs.NotFound, errs.Conflict}
)

// TokenScope is the integration-token scope that reads what case intake needs (versions,
// deciders).
const TokenScope = "catalog:read"

// CreateInput creates an item with its first draft.
type CreateInput struct {
	ParentID     string `json:"parent_id,omitempty"`
	Level        Level  `json:"level" doc:"main, sub or handling"`
	Code         string `json:"code,omitempty" doc:"default: the handling code of a handling item, the impl code otherwise"`
	BaseCode     string `json:"base_code"`
	ImplCode     string `json:"impl_code"`
	HandlingCode string `json:"handling_code,omitempty"`
	RegionCode   string `json:"region_code"`
	Spec         Spec   `json:"spec"`
	Note         string `json:"note,omitempty"`
}

// DraftInput replaces an item's draft.
type DraftInput struct {
	Spec Spec   `json:"spec"`
	Note string `json:"note,omitempty"`
}

// StatusInput retires or reactivates an item.
type StatusInput struct {
	Status Status `json:"status" doc:"active or retired"`
}

// SynonymInput adds a synonym.
type SynonymInput struct {
	Term      string `json:"term"`
	Expansion string `json:"expansion"`
}

// ItemDetail is an item with its version in force today.
type ItemDetail struct {
	Item     Item         `json:"item"`
	CodeView ImplCodeView `json:"impl_code_view"`
	Version  *ItemVersion `json:"version,omitempty" doc:"in force today; absent before the first publication"`
	ApplyURL string       `json:"apply_url,omitempty" doc:"where to apply online, when the item allows it"`
}

// DeciderAnswer says which unit decides an item in a jurisdiction on a day.
type DeciderAnswer struct {
	UnitID   string     `json:"unit_id"`
	UnitName string     `json:"unit_name"`
	Event    PowerEvent `json:"event" doc:"the record that made it so"`
}

// ErrorWithProblems is the body of a refused change: the error, and every problem found.
type ErrorWithProblems struct {
	Error    web.ErrorDetail `json:"error"`
	Problems []Problem       `json:"problems,omitempty"`
}

func registerAPI(g *auth.Guard, s *Service) {
	a := &api{s: s}
	g.API(web.Op{Method: "GET", Path: "/api/v1/items", Tags: tags, Summary: "Search the service guide, best match first",
		Description: "Understands Chinese words, pinyin initials (spjy), full pinyin, English names and the " +
			"synonyms administrators maintain (开饭店 → 食品经营许可). An empty query finds nothing; a query is " +
			"cut to 64 characters.",
		Params: []web.Param{{Name: "q", Description: "what the applicant typed"},
			{Name: "dept", Description: "only items of this competent department (unit id)"},
			{Name: "limit", Type: "integer", Description: "default 20, at most 100"}},
		Response: SearchResult{}}, publicRead, a.search)
	g.API(web.Op{Method: "GET", Path: "/api/v1/items/{id}", Tags: tags, Summary: "An item with its version in force today",
		Params: []web.Param{idParam}, Response: ItemDetail{}, Errors: readErrs}, publicRead, a.item)
	g.API(web.Op{Method: "GET", Path: "/api/v1/items/{id}/versions", Tags: tags, Summary: "An item's versions, oldest first",
		Description: "Staff also see the open draft.", Params: []web.Param{idParam}, Response: []ItemVersion{},
		Errors: readErrs}, publicRead, a.versions)
	g.API(web.Op{Method: "GET", Path: "/api/v1/items/{id}/versions/{version}", Tags: tags, Summary: "One version of an item",
		Description: "What a case that pinned the version reads back. A draft only to staff.",
		Params:      []web.Param{idParam, {Name: "version", In: "path", Type: "integer"}}, Response: ItemVersion{},
		Errors: readErrs}, publicRead, a.version)
	g.API(web.Op{Method: "GET", Path: "/api/v1/items/{id}/version-at", Tags: tags,
		Summary: "The version in force on a day: the one a case accepted that day pins",
		Params:  []web.Param{idParam, dateParam}, Response: ItemVersion{}, Errors: []errs.Code{errs.Invalid, errs.NotFound}},
		publicRead, a.versionAt)
	g.API(web.Op{Method: "GET", Path: "/api/v1/items/{id}/diff", Tags: tags, Summary: "What changed between two versions",
		Params: []web.Param{idParam, {Name: "from", Type: "integer", Required: true},
			{Name: "to", Type: "integer", Description: "default: the open draft"}},
		Response: []Change{}, Errors: []errs.Code{errs.Invalid, errs.NotFound}}, readPolicy, a.diff)
	g.API(web.Op{Method: "GET", Path: "/api/v1/deciders", Tags: tags,
		Summary:     "Which organisation decides an item in a jurisdiction on a day",
		Description: "One query over the transfers, delegations and returns; a region without records falls back to the region enclosing it.",
		Params: []web.Param{{Name: "item", Required: true, Description: "item id, item code or 基本编码"},
			{Name: "region", Required: true, Description: "12-digit region code"}, dateParam},
		Response: DeciderAnswer{}, Errors: []errs.Code{errs.Invalid, errs.NotFound}}, casePolicy, a.decider)
	g.API(web.Op{Method: "GET", Path: "/api/v1/chains", Tags: tags, Summary: "The chains (一件事)",
		Response: []Chain{}}, publicRead, a.chains)
	g.API(web.Op{Method: "GET", Path: "/api/v1/chains/{id}", Tags: tags, Summary: "One chain, by id or code",
		Params: []web.Param{{Name: "id", In: "path"}}, Response: Chain{}, Errors: readErrs}, publicRead, a.chain)
	g.API(web.Op{Method: "GET", Path: "/api/v1/cert-types", Tags: tags, Summary: "The e-certificate types",
		Response: []CertType{}}, publicRead, a.certTypes)

	g.API(web.Op{Method: "POST", Path: "/api/v1/items", Tags: tags, Summary: "Create an item with its first draft",
		Request: CreateInput{}, Response: ItemVersion{}, Status: http.StatusCreated, Errors: writeErrs}, adminPolicy, a.create)
	g.API(web.Op{Method: "PUT", Path: "/api/v1/items/{id}/draft", Tags: tags,
		Summary:     "Save an item's draft",
		Description: "Replaces the open draft or opens the next version. Published versions never change. Refused with every problem listed (promised_wd above statutory_wd, unknown units or certificate types …).",
		Params:      []web.Param{idParam}, Request: DraftInput{}, Response: ItemVersion{}, Errors: writeErrs},
		adminPolicy, a.saveDraft)
	g.API(web.Op{Method: "DELETE", Path: "/api/v1/items/{id}/draft", Tags: tags, Summary: "Discard an item's draft",
		Params: []web.Param{idParam}, Errors: writeErrs}, adminPolicy, a.discard)
	g.API(web.Op{Method: "POST", Path: "/api/v1/items/{id}/publish", Tags: tags,
		Summary: "Publish an item's draft as the next version from a day", Params: []web.Param{idParam},
		Request: PublishInput{}, Response: ItemVersion{}, Errors: writeErrs}, adminPolicy, a.publish)
	g.API(web.Op{Method: "POST", Path: "/api/v1/items/{id}/status", Tags: tags, Summary: "Retire or reactivate an item",
		Params: []web.Param{idParam}, Request: StatusInput{}, Response: Item{}, Errors: writeErrs}, adminPolicy, a.status)
	g.API(web.Op{Method: "POST", Path: "/api/v1/chains", Tags: tags, Summary: "Create or replace a chain",
		Description: "With an id the chain is replaced. Fields and materials must serve every required field and material of every item.",
		Request:     Chain{}, Response: Chain{}, Errors: writeErrs}, adminPolicy, a.saveChain)

	g.API(web.Op{Method: "GET", Path: "/api/v1/catalog/powers", Tags: tags, Summary: "The power records (相对集中许可)",
		Params:   []web.Param{{Name: "base_code"}, {Name: "region"}, {Name: "kind", Enum: []string{"initial", "transfer", "delegate", "return"}}},
		Response: []PowerEvent{}}, readPolicy, a.powers)
	g.API(web.Op{Method: "POST", Path: "/api/v1/catalog/powers", Tags: tags,
		Summary: "Record a transfer, delegation, return or initial holder", Request: PowerEvent{}, Response: PowerEvent{},
		Status: http.StatusCreated, Errors: writeErrs}, adminPolicy, a.recordPower)
	g.API(web.Op{Method: "GET", Path: "/api/v1/catalog/divisions", Tags: tags, Summary: "The 市县两级事权 list",
		Response: []Division{}}, readPolicy, a.divisions)
	g.API(web.Op{Method: "PUT", Path: "/api/v1/catalog/divisions/{base_code}", Tags: tags, Summary: "Set a row of the 市县两级事权 list",
		Params: []web.Param{{Name: "base_code", In: "path"}}, Request: Division{}, Response: Division{}, Errors: writeErrs},
		adminPolicy, a.setDivision)
	g.API(web.Op{Method: "DELETE", Path: "/api/v1/catalog/divisions/{base_code}", Tags: tags, Summary: "Remove a row of the 市县两级事权 list",
		Params: []web.Param{{Name: "base_code", In: "path"}}, Errors: writeErrs}, adminPolicy, a.deleteDivision)
	g.API(web.Op{Method: "GET", Path: "/api/v1/catalog/stats", Tags: tags,
		Summary:     "Reform statistics: transfers and delegations per level, materials and time cut against a baseline",
		Description: "materials cut = (Σ before − Σ after)/Σ before; time cut = (Σ statutory − Σ promised)/Σ statutory; each rate with its numerator and denominator.",
		Params: []web.Param{{Name: "baseline", Format: "date", Required: true, Description: "the day whose versions are the baseline"},
			{Name: "on", Format: "date", Description: "default today"}},
		Response: ReformStats{}, Errors: []errs.Code{errs.Invalid}}, readPolicy, a.stats)
	g.API(web.Op{Method: "GET", Path: "/api/v1/catalog/synonyms", Tags: tags, Summary: "The search synonyms",
		Response: []Synonym{}}, readPolicy, a.synonyms)
	g.API(web.Op{Method: "POST", Path: "/api/v1/catalog/synonyms", Tags: tags, Summary: "Add a search synonym",
		Request: SynonymInput{}, Response: Synonym{}, Status: http.StatusCreated, Errors: writeErrs}, adminPolicy, a.addSynonym)
	g.API(web.Op{Method: "DELETE", Path: "/api/v1/catalog/synonyms/{id}", Tags: tags, Summary: "Remove a search synonym",
		Params: []web.Param{{Name: "id", In: "path"}}, Errors: writeErrs}, adminPolicy, a.deleteSynonym)
	g.API(web.Op{Method: "PUT", Path: "/api/v1/cert-types/{code}", Tags: tags, Summary: "Add or rename an e-certificate type",
		Params: []web.Param{{Name: "code", In: "path"}}, Request: CertType{}, Response: CertType{}, Errors: writeErrs},
		adminPolicy, a.saveCertType)
	g.API(web.Op{Method: "GET", Path: "/api/v1/catalog/export", Tags: tags,
		Summary:  "The 实施清单 in force on a day as a workbook (one sheet per group of fields)",
		Params:   []web.Param{dateParam, {Name: "drafts", Type: "boolean", Description: "write open drafts instead"}},
		Response: web.Schema{"type": "string", "contentMediaType": xlsxType}, Errors: []errs.Code{errs.Invalid}},
		readPolicy, a.export)
	g.API(web.Op{Method: "POST", Path: "/api/v1/catalog/import", Tags: tags,
		Summary: "Import a 实施清单 workbook, all or nothing",
		Description: "The body is the workbook. With any problem nothing is imported and the answer is 422 with " +
			"every problem by sheet, row and column.",
		Params:  []web.Param{{Name: "publish", Type: "boolean"}, {Name: "effective_from", Format: "date"}},
		Request: web.Schema{"type": "string", "contentMediaType": xlsxType}, Response: ImportPlan{},
		Errors: []errs.Code{errs.Invalid}}, adminPolicy, a.importWorkbook, web.BodyLimit(MaxImportSize))
}

type api struct{ s *Service }

// reply writes v, or the error; a refusal with problems lists them, translated.
func reply(w http.ResponseWriter, r *http.Request, status int, v any, err error) {
	if err != nil {
		replyErr(w, r, err)
		return
	}
	if v == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	web.JSON(w, status, v)
}

func replyErr(w http.ResponseWriter, r *http.Request, err error) {
	ps := ProblemsOf(err)
	if len(ps) == 0 {
		web.Error(w, r, err)
		return
	}
	e := errs.As(err)
	localize(r.Context(), ps)
	web.JSON(w, web.Status(err), ErrorWithProblems{Error: web.ErrorDetail{Code: e.Code,
		Message: web.T(r.Context(), e.Key, e.Args), Field: e.Field, RequestID: web.RequestID(r.Context())}, Problems: ps})
}

// localize fills in the message of every problem in the request's language.
func localize(ctx context.Context, ps []Problem) {
	for i := range ps {
		ps[i].Message = web.T(ctx, ps[i].Key, ps[i].Args)
	}
}

func dateArg(r *http.Request, name string) (workday.Date, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	d, err := workday.ParseDate(v)
	if err != nil {
		return 0, errs.InvalidInput(kvDateFormat).OnField(name).With("value", v)
	}
	return d, nil
}

func (a *api) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	res := a.s.Search(r.Context(), SearchQuery{Q: q.Get("q"), DeptID: q.Get("dept"), Limit: limit})
	web.JSON(w, http.StatusOK, res)
}

func (a *api) item(w http.ResponseWriter, r *http.Request) {
	d, err := a.s.Detail(r.Context(), r.PathValue("id"))
	reply(w, r, http.StatusOK, d, err)
}

// Detail returns an item with its version in force today and where to apply for it.
func (s *Service) Detail(ctx context.Context, id string) (ItemDetail, error) {
	it, err := s.Item(ctx, id)
	if err != nil {
		return ItemDetail{}, err
	}
	d := ItemDetail{Item: it, CodeView: it.CodeView()}
	v, err := s.VersionAt(ctx, id, 0)
	switch {
	case err == nil:
		d.Version = &v
		if s.CanApply(it, v) {
			d.ApplyURL = s.ApplyURL(it.ID)
		}
	case !errs.Is(err, errs.NotFound):
		return d, err
	}
	return d, nil
}

// CanApply reports whether an applicant may apply for an item online at a version: a leaf,
// active, handled online, and not cancelled by the reform.
func (s *Service) CanApply(it Item, v ItemVersion) bool {
	return it.IsLeaf() && it.Status == StatusActive && v.Spec.Online && v.Spec.ReformMode.AcceptsCases()
}

func (a *api) versions(w http.ResponseWriter, r *http.Request) {
	vs, err := a.s.Versions(r.Context(), r.PathValue("id"))
	if vs == nil {
		vs = []ItemVersion{}
	}
	reply(w, r, http.StatusOK, vs, err)
}

func (a *api) version(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.PathValue("version"))
	if err != nil {
		web.Error(w, r, errs.NotFoundErr("catalog.version.not_found"))
		return
	}
	v, err := a.s.Version(r.Context(), r.PathValue("id"), n)
	reply(w, r, http.StatusOK, v, err)
}

func (a *api) versionAt(w http.ResponseWriter, r *http.Request) {
	d, err := dateArg(r, "date")
	if err != nil {
		web.Error(w, r, err)
		return
	}
	v, err := a.s.VersionAt(r.Context(), r.PathValue("id"), d)
	reply(w, r, http.StatusOK, v, err)
}

func (a *api) diff(w http.ResponseWriter, r *http.Request) {
	from, err := strconv.Atoi(r.URL.Query().Get("from"))
	if err != nil {
		web.Error(w, r, errs.InvalidInput(kvRequired).OnField("from"))
		return
	}
	to, _ := strconv.Atoi(r.URL.Query().Get("to"))
	cs, err := a.s.DiffVersions(r.Context(), r.PathValue("id"), from, to)
	if cs == nil {
		cs = []Change{}
	}
	reply(w, r, http.StatusOK, cs, err)
}

func (a *api) decider(w http.ResponseWriter, r *http.Request) {
	d, err := dateArg(r, "date")
	if err != nil {
		web.Error(w, r, err)
		return
	}
	q := r.URL.Query()
	unit, ev, err := a.s.Decider(r.Context(), q.Get("item"), q.Get("region"), d)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, DeciderAnswer{UnitID: unit, UnitName: a.s.UnitName(r.Context(), unit, web.Lang(r.Context())), Event: ev})
}

func (a *api) chains(w http.ResponseWriter, r *http.Request) {
	cs, err := a.s.Chains(r.Context())
	if cs == nil {
		cs = []Chain{}
	}
	reply(w, r, http.StatusOK, cs, err)
}

func (a *api) chain(w http.ResponseWriter, r *http.Request) {
	c, err := a.s.Chain(r.Context(), r.PathValue("id"))
	reply(w, r, http.StatusOK, c, err)
}

func (a *api) certTypes(w http.ResponseWriter, r *http.Request) {
	cs, err := a.s.CertTypes(r.Context())
	if cs == nil {
		cs = []CertType{}
	}
	reply(w, r, http.StatusOK, cs, err)
}

func (a *api) create(w http.ResponseWriter, r *http.Request) {
	var in CreateInput
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	_, v, err := a.s.CreateItem(r.Context(), Item{ParentID: in.ParentID, Level: in.Level, Code: in.Code, BaseCode: in.BaseCode,
		ImplCode: in.ImplCode, HandlingCode: in.HandlingCode, RegionCode: in.RegionCode}, in.Spec, in.Note)
	reply(w, r, http.StatusCreated, v, err)
}

func (a *api) saveDraft(w http.ResponseWriter, r *http.Request) {
	var in DraftInput
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	v, err := a.s.SaveDraft(r.Context(), r.PathValue("id"), in.Spec, in.Note)
	reply(w, r, http.StatusOK, v, err)
}

func (a *api) discard(w http.ResponseWriter, r *http.Request) {
	reply(w, r, http.StatusNoContent, nil, a.s.DiscardDraft(r.Context(), r.PathValue("id")))
}

func (a *api) publish(w http.ResponseWriter, r *http.Request) {
	var in PublishInput
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	v, err := a.s.Publish(r.Context(), r.PathValue("id"), in)
	reply(w, r, http.StatusOK, v, err)
}

func (a *api) status(w http.ResponseWriter, r *http.Request) {
	var in StatusInput
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	it, err := a.s.SetStatus(r.Context(), r.PathValue("id"), in.Status)
	reply(w, r, http.StatusOK, it, err)
}

func (a *api) saveChain(w http.ResponseWriter, r *http.Request) {
	var in Chain
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	c, err := a.s.SaveChain(r.Context(), in)
	reply(w, r, http.StatusOK, c, err)
}

func (a *api) powers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ps, err := a.s.Powers(r.Context(), PowerFilter{BaseCode: q.Get("base_code"), Region: q.Get("region"), Kind: PowerKind(q.Get("kind"))})
	if ps == nil {
		ps = []PowerEvent{}
	}
	reply(w, r, http.StatusOK, ps, err)
}

func (a *api) recordPower(w http.ResponseWriter, r *http.Request) {
	var in PowerEvent
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	e, err := a.s.RecordPower(r.Context(), in)
	reply(w, r, http.StatusCreated, e, err)
}

func (a *api) divisions(w http.ResponseWriter, r *http.Request) {
	ds, err := a.s.Divisions(r.Context())
	if ds == nil {
		ds = []Division{}
	}
	reply(w, r, http.StatusOK, ds, err)
}

func (a *api) setDivision(w http.ResponseWriter, r *http.Request) {
	var in Division
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	in.BaseCode = r.PathValue("base_code")
	d, err := a.s.SetDivision(r.Context(), in)
	reply(w, r, http.StatusOK, d, err)
}

func (a *api) deleteDivision(w http.ResponseWriter, r *http.Request) {
	reply(w, r, http.StatusNoContent, nil, a.s.DeleteDivision(r.Context(), r.PathValue("base_code")))
}

func (a *api) stats(w http.ResponseWriter, r *http.Request) {
	base, err := dateArg(r, "baseline")
	if err == nil && base.IsZero() {
		err = errs.InvalidInput(kvRequired).OnField("baseline")
	}
	if err != nil {
		web.Error(w, r, err)
		return
	}
	on, err := dateArg(r, "on")
	if err != nil {
		web.Error(w, r, err)
		return
	}
	st, err := a.s.Stats(r.Context(), base, on)
	reply(w, r, http.StatusOK, st, err)
}

func (a *api) synonyms(w http.ResponseWriter, r *http.Request) {
	if _, err := a.s.staff(r.Context()); err != nil {
		web.Error(w, r, err)
		return
	}
	ss, err := a.s.Synonyms(r.Context())
	if ss == nil {
		ss = []Synonym{}
	}
	reply(w, r, http.StatusOK, ss, err)
}

func (a *api) addSynonym(w http.ResponseWriter, r *http.Request) {
	var in SynonymInput
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	s, err := a.s.AddSynonym(r.Context(), in.Term, in.Expansion)
	reply(w, r, http.StatusCreated, s, err)
}

func (a *api) deleteSynonym(w http.ResponseWriter, r *http.Request) {
	reply(w, r, http.StatusNoContent, nil, a.s.DeleteSynonym(r.Context(), r.PathValue("id")))
}

func (a *api) saveCertType(w http.ResponseWriter, r *http.Request) {
	var in CertType
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	in.Code = r.PathValue("code")
	c, err := a.s.SaveCertType(r.Context(), in)
	reply(w, r, http.StatusOK, c, err)
}

func (a *api) export(w http.ResponseWriter, r *http.Request) {
	d, err := dateArg(r, "date")
	if err != nil {
		web.Error(w, r, err)
		return
	}
	drafts, _ := strconv.ParseBool(r.URL.Query().Get("drafts"))
	data, err := a.s.Export(r.Context(), d, drafts)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	sendWorkbook(w, fmt.Sprintf("shishiqingdan-%s.xlsx", time.Now().In(web.Shanghai).Format("20060102")), data)
}

func sendWorkbook(w http.ResponseWriter, name string, data []byte) {
	h := w.Header()
	h.Set("Content-Type", xlsxType)
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
}

func (a *api) importWorkbook(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	q := r.URL.Query()
	publish, _ := strconv.ParseBool(q.Get("publish"))
	from, err := dateArg(r, "effective_from")
	if err != nil {
		web.Error(w, r, err)
		return
	}
	plan, err := a.s.Import(r.Context(), data, ImportOptions{Publish: publish, EffectiveFrom: from})
	if plan != nil && !plan.OK() {
		localize(r.Context(), plan.Problems)
		web.JSON(w, http.StatusUnprocessableEntity, plan)
		return
	}
	reply(w, r, http.StatusOK, plan, err)
}
