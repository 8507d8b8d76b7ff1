package rating

import (
	"net/http"
	"strconv"
	"time"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/web"
)

// Access rules of the routes. The service checks the same again with the data scope; the
// policies keep everyone else from reaching it at all.
var (
	readPolicy   = auth.Roles(append([]auth.Role{auth.Applicant}, readRoles...)...)
	statsPolicy  = auth.Staff(statsRoles...)
	appealPolicy = auth.Staff(appealRoles...)
	decidePolicy = auth.Staff(decideRoles...)
	paperPolicy  = auth.Staff(paperRoles...)
	unmaskPolicy = auth.Staff(supervisorUp...).Need(auth.PermUnmask)
	adminPolicy  = auth.Staff(auth.Admin)
)

var (
	tags      = []string{"ratings"}
	idParam   = web.Param{Name: "id", In: "path"}
	rateErrs  = []errs.Code{errs.Invalid, errs.NotFound, errs.Conflict, errs.TooMany}
	readErrs  = []errs.Code{errs.NotFound}
	writeErrs = []errs.Code{errs.Invalid, errs.NotFound, errs.Conflict}
)

// Register adds the domain's messages and registers its JSON API, the public rating pages and
// the staff pages on g.
func Register(g *auth.Guard, s *Service) error {
	if err := AddMessages(); err != nil {
		return err
	}
	registerAPI(g, s)
	return registerPages(g, s)
}

// limited refuses a burst of requests from one client address to the public rating endpoints.
func (s *Service) limited(w http.ResponseWriter, r *http.Request) bool {
	if err := s.limiter.Allow(auth.ClientIP(r)); err != nil {
		web.Error(w, r, err)
		return true
	}
	return false
}

// SubmitRequest is an online rating by the signed-in applicant.
type SubmitRequest struct {
	CaseID  string  `json:"case_id"`
	Channel Channel `json:"channel,omitempty" doc:"web (default), app, mini_program or kiosk"`
	Input
}

// LinkRequest is a rating through the link of an invitation SMS.
type LinkRequest struct {
	Token string `json:"token" doc:"the last part of the link /rate/<token>"`
	Input
}

// WindowRequest is a rating through a window's QR code.
type WindowRequest struct {
	WindowID string `json:"window_id"`
	CaseNo   string `json:"case_no"`
	Mobile   string `json:"mobile"`
	Input
}

// WindowLinkRequest asks for the rating link by mobile at a window's QR code.
type WindowLinkRequest struct {
	WindowID string `json:"window_id"`
	Mobile   string `json:"mobile"`
}

// PadRequest is a rating from a window's evaluation pad.
type PadRequest struct {
	CaseNo string `json:"case_no"`
	Input
}

// Catalogue is the rating scale with the reasons of each level.
type Catalogue struct {
	Levels   []CatalogueLevel `json:"levels"`
	PerStage bool             `json:"per_stage" doc:"一事多评: rate each stage"`
}

// CatalogueLevel is one level and its reasons.
type CatalogueLevel struct {
	Level   Level          `json:"level"`
	Name    string         `json:"name"`
	Reasons []CatalogueTag `json:"reasons"`
}

// CatalogueTag is one reason.
type CatalogueTag struct {
	Code Reason `json:"code"`
	Name string `json:"name"`
}

type api struct{ s *Service }

func registerAPI(g *auth.Guard, s *Service) {
	a := &api{s: s}
	g.API(web.Op{Method: "GET", Path: "/api/v1/ratings/reasons", Tags: tags, Summary: "The rating scale and the reasons of each level",
		Response: Catalogue{}}, auth.Public, a.catalogue)
	g.API(web.Op{Method: "POST", Path: "/api/v1/ratings", Tags: tags, Summary: "Rate one's own case online (一事一评)",
		Description: "Once per case (or per stage with 一事多评), within the rating period. Another's case is not found.",
		Request:     SubmitRequest{}, Response: Rating{}, Status: http.StatusCreated, Errors: rateErrs}, auth.Applicants(), a.submit)
	g.API(web.Op{Method: "POST", Path: "/api/v1/ratings/link", Tags: tags, Summary: "Rate through the signed link of an invitation SMS",
		Description: "No sign-in: the signed, expiring link is the proof. Forged or expired links are refused. Rate-limited.",
		Request:     LinkRequest{}, Response: Rating{}, Status: http.StatusCreated, Errors: append(rateErrs, errs.Forbidden)},
		auth.Public, a.link)
	g.API(web.Op{Method: "POST", Path: "/api/v1/ratings/window", Tags: tags, Summary: "Rate through a window's QR code (一次一评)",
		Description: "The case number and the mobile given on the case identify the service. Rate-limited.",
		Request:     WindowRequest{}, Response: Rating{}, Status: http.StatusCreated, Errors: rateErrs}, auth.Public, a.window)
	g.API(web.Op{Method: "POST", Path: "/api/v1/ratings/window/link", Tags: tags, Summary: "Ask for the rating link by mobile at a window's QR code",
		Description: "The links of the mobile's recent concluded cases at the window go to it by SMS; the answer is the same either way.",
		Request:     WindowLinkRequest{}, Errors: []errs.Code{errs.Invalid, errs.TooMany}}, auth.Public, a.windowLink)
	g.API(web.Op{Method: "POST", Path: "/api/v1/ratings/pad", Tags: tags, Summary: "Rate from a window's evaluation pad",
		Description: "The pad holds an integration token of its hall with the scope rating:pad.",
		Request:     PadRequest{}, Response: Rating{}, Status: http.StatusCreated, Errors: writeErrs}, auth.Tokens(ScopePad), a.pad)
	g.API(web.Op{Method: "POST", Path: "/api/v1/ratings/import", Tags: tags, Summary: "Import ratings taken by the 12345 hotline",
		Description: "Integration token with the scope rating:import. Each ticket is imported once.",
		Request:     []HotlineRecord{}, Response: ImportResult{}, Errors: writeErrs}, auth.Tokens(ScopeImport), a.importHotline,
		web.BodyLimit(8<<20))
	g.API(web.Op{Method: "POST", Path: "/api/v1/ratings/paper", Tags: tags, Summary: "Enter a paper questionnaire",
		Request: PaperInput{}, Response: Rating{}, Status: http.StatusCreated, Errors: writeErrs}, paperPolicy, a.paper)
	g.API(web.Op{Method: "GET", Path: "/api/v1/ratings", Tags: tags, Summary: "Ratings the caller may see, newest first",
		Description: "Staff see their scope with the evaluator masked (hidden from the rated unit); applicants see their own.",
		Params: []web.Param{{Name: "from", Format: "date"}, {Name: "to", Format: "date"}, {Name: "bad", Type: "boolean"},
			{Name: "level", Type: "integer"}, {Name: "unit_id"}, {Name: "window_id"}, {Name: "item_id"}, {Name: "staff_id"},
			{Name: "channel"}, {Name: "case_no"}, {Name: "appealed", Type: "boolean"}, {Name: "pending", Type: "boolean"},
			{Name: "excluded", Type: "boolean"}, {Name: "before", Description: "cursor: the next of the previous page"},
			{Name: "limit", Type: "integer"}},
		Response: Page{}}, readPolicy, a.list)
	g.API(web.Op{Method: "GET", Path: "/api/v1/ratings/{id}", Tags: tags, Summary: "One rating", Params: []web.Param{idParam},
		Response: Rating{}, Errors: readErrs}, readPolicy, a.get)
	g.API(web.Op{Method: "POST", Path: "/api/v1/ratings/{id}/unmask", Tags: tags, Summary: "Show the evaluator in full (audited)",
		Description: "Needs the unmask permission; never for the rated organisation, its hall or its staff.",
		Params:      []web.Param{idParam}, Response: Identity{}, Errors: readErrs}, unmaskPolicy, a.unmask)
	g.API(web.Op{Method: "POST", Path: "/api/v1/ratings/{id}/appeal", Tags: tags, Summary: "Appeal a bad rating (申诉)",
		Description: "By the rated organisation's leadership, with evidence, within rating.appealWD working days.",
		Params:      []web.Param{idParam}, Request: AppealInput{}, Response: Appeal{}, Status: http.StatusCreated, Errors: writeErrs},
		appealPolicy, a.appeal, web.BodyLimit(MaxEvidenceFiles*MaxEvidenceSize*4/3+(1<<20)))
	g.API(web.Op{Method: "POST", Path: "/api/v1/ratings/appeals/{id}/decision", Tags: tags, Summary: "Decide an appeal",
		Description: "By a supervisor not of the rated organisation. Upheld: the rating is excluded from the statistics and kept.",
		Params:      []web.Param{idParam}, Request: DecisionInput{}, Response: Appeal{}, Errors: writeErrs}, decidePolicy, a.decide)
	periodParam := web.Param{Name: "period", Required: true, Description: "a day 2026-03-14, a month 2026-03 or a year 2026"}
	g.API(web.Op{Method: "GET", Path: "/api/v1/ratings/stats", Tags: tags, Summary: "Statistics by a dimension over a period",
		Params:   []web.Param{periodParam, {Name: "dim", Enum: Dims}},
		Response: StatsResult{}, Errors: []errs.Code{errs.Invalid}}, statsPolicy, a.stats)
	g.API(web.Op{Method: "GET", Path: "/api/v1/ratings/trend", Tags: tags, Summary: "Ratings per day of a month",
		Params: []web.Param{periodParam}, Response: []TrendPoint{}, Errors: []errs.Code{errs.Invalid}}, statsPolicy, a.trend)
	g.API(web.Op{Method: "GET", Path: "/api/v1/ratings/bulletin", Tags: tags, Summary: "The monthly bulletin (月通报)",
		Description: "format=json (default), xlsx or pdf.",
		Params:      []web.Param{{Name: "period", Required: true, Description: "a month, 2026-03"}, {Name: "format", Enum: []string{"json", "xlsx", "pdf"}}},
		Response:    Bulletin{}, Errors: []errs.Code{errs.Invalid}}, statsPolicy, a.bulletin)
	g.API(web.Op{Method: "GET", Path: "/api/v1/ratings/daily", Tags: tags, Summary: "The daily summary (日统计)",
		Params: []web.Param{{Name: "day", Required: true, Format: "date"}}, Response: Daily{}, Errors: []errs.Code{errs.Invalid}},
		statsPolicy, a.daily)
	g.API(web.Op{Method: "GET", Path: "/api/v1/ratings/annual", Tags: tags, Summary: "The annual assessment table (年考核)",
		Description: "format=json (default) or xlsx.",
		Params:      []web.Param{{Name: "year", Required: true}, {Name: "format", Enum: []string{"json", "xlsx"}}},
		Response:    Annual{}, Errors: []errs.Code{errs.Invalid}}, statsPolicy, a.annual)
	g.API(web.Op{Method: "GET", Path: "/api/v1/ratings/export", Tags: tags, Summary: "Ratings in the provincial layout, as JSON Lines",
		Params:   []web.Param{{Name: "from", Format: "date"}, {Name: "to", Format: "date"}},
		Response: web.Schema{"type": "string", "description": "application/x-ndjson: one ProvincialRecord per line"}},
		statsPolicy, a.export)
	g.API(web.Op{Method: "GET", Path: "/api/v1/ratings/rollups/verify", Tags: tags, Summary: "Check the rollups against the raw ratings",
		Response: VerifyResult{}}, adminPolicy, a.verify)
}

func (a *api) catalogue(w http.ResponseWriter, r *http.Request) {
	lang := web.Lang(r.Context())
	c := Catalogue{PerStage: a.s.opt.PerStage}
	for _, l := range Levels {
		cl := CatalogueLevel{Level: l, Name: web.Messages.Text(lang, "rating.level."+strconv.Itoa(int(l)), nil), Reasons: []CatalogueTag{}}
		for _, x := range ReasonsFor(l) {
			cl.Reasons = append(cl.Reasons, CatalogueTag{Code: x, Name: web.Messages.Text(lang, "rating.reason."+string(x), nil)})
		}
		c.Levels = append(c.Levels, cl)
	}
	web.JSON(w, http.StatusOK, c)
}

func (a *api) submit(w http.ResponseWriter, r *http.Request) {
	var in SubmitRequest
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	out, err := a.s.Submit(r.Context(), in.CaseID, in.Channel, in.Input)
	created(w, r, out, err)
}

func created(w http.ResponseWriter, r *http.Request, v any, err error) {
	web.Reply(w, r, http.StatusCreated, v, err)
}

func ok(w http.ResponseWriter, r *http.Request, v any, err error) {
	web.Reply(w, r, http.StatusOK, v, err)
}

func (a *api) link(w http.ResponseWriter, r *http.Request) {
	if a.s.limited(w, r) {
		return
	}
	var in LinkRequest
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	out, err := a.s.SubmitLink(r.Context(), in.Token, in.Input)
	created(w, r, out, err)
}

func (a *api) window(w http.ResponseWriter, r *http.Request) {
	if a.s.limited(w, r) {
		return
	}
	var in WindowRequest
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	out, err := a.s.SubmitWindow(r.Context(), in.WindowID, in.CaseNo, in.Mobile, in.Input)
	created(w, r, out, err)
}

func (a *api) windowLink(w http.ResponseWriter, r *http.Request) {
	if a.s.limited(w, r) {
		return
	}
	var in WindowLinkRequest
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	if err := a.s.RequestLink(r.Context(), in.WindowID, in.Mobile); err != nil {
		web.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *api) pad(w http.ResponseWriter, r *http.Request) {
	var in PadRequest
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	out, err := a.s.SubmitPad(r.Context(), in.CaseNo, in.Input)
	created(w, r, out, err)
}

func (a *api) importHotline(w http.ResponseWriter, r *http.Request) {
	var in []HotlineRecord
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	out, err := a.s.Import(r.Context(), in)
	ok(w, r, out, err)
}

func (a *api) paper(w http.ResponseWriter, r *http.Request) {
	var in PaperInput
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	out, err := a.s.EnterPaper(r.Context(), in)
	created(w, r, out, err)
}

// filterOf reads a Filter from the query.
func filterOf(r *http.Request) Filter {
	q := r.URL.Query()
	f := Filter{From: q.Get("from"), To: q.Get("to"), UnitID: q.Get("unit_id"), WindowID: q.Get("window_id"),
		ItemID: q.Get("item_id"), StaffID: q.Get("staff_id"), Channel: Channel(q.Get("channel")), CaseNo: q.Get("case_no"),
		Before: q.Get("before")}
	f.Bad, _ = strconv.ParseBool(q.Get("bad"))
	f.Appealed, _ = strconv.ParseBool(q.Get("appealed"))
	f.Pending, _ = strconv.ParseBool(q.Get("pending"))
	f.Excluded, _ = strconv.ParseBool(q.Get("excluded"))
	if n, err := strconv.Atoi(q.Get("level")); err == nil {
		f.Level = Level(n)
	}
	if n, err := strconv.Atoi(q.Get("limit")); err == nil {
		f.Limit = n
	}
	return f
}

func (a *api) list(w http.ResponseWriter, r *http.Request) {
	out, err := a.s.List(r.Context(), filterOf(r))
	ok(w, r, out, err)
}

func (a *api) get(w http.ResponseWriter, r *http.Request) {
	out, err := a.s.Get(r.Context(), r.PathValue("id"))
	ok(w, r, out, err)
}

func (a *api) unmask(w http.ResponseWriter, r *http.Request) {
	out, err := a.s.Unmask(r.Context(), r.PathValue("id"))
	ok(w, r, out, err)
}

func (a *api) appeal(w http.ResponseWriter, r *http.Request) {
	var in AppealInput
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	out, err := a.s.FileAppeal(r.Context(), r.PathValue("id"), in)
	created(w, r, out, err)
}

func (a *api) decide(w http.ResponseWriter, r *http.Request) {
	var in DecisionInput
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	out, err := a.s.DecideAppeal(r.Context(), r.PathValue("id"), in)
	ok(w, r, out, err)
}

// StatsResult is the answer of the statistics endpoint.
type StatsResult struct {
	Period Period `json:"period"`
	Dim    string `json:"dim"`
	Total  Stat   `json:"total"`
	Rows   []Stat `json:"rows"`
}

func (a *api) stats(w http.ResponseWriter, r *http.Request) {
	q := StatsQuery{Period: Period(r.URL.Query().Get("period")), Dim: r.URL.Query().Get("dim")}
	rows, total, err := a.s.Stats(r.Context(), q)
	if q.Dim == "" {
		q.Dim = DimAll
	}
	if rows == nil {
		rows = []Stat{}
	}
	ok(w, r, StatsResult{Period: q.Period, Dim: q.Dim, Total: total, Rows: rows}, err)
}

func (a *api) trend(w http.ResponseWriter, r *http.Request) {
	out, err := a.s.Trend(r.Context(), Period(r.URL.Query().Get("period")))
	ok(w, r, out, err)
}

func (a *api) bulletin(w http.ResponseWriter, r *http.Request) {
	b, err := a.s.Bulletin(r.Context(), Period(r.URL.Query().Get("period")))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	writeReport(w, r, r.URL.Query().Get("format"), "bulletin-"+string(b.Period), b,
		func(lang string) ([]byte, error) { return BulletinXLSX(b, lang) },
		func(lang string) ([]byte, error) { return BulletinPDF(b, lang) })
}

func (a *api) daily(w http.ResponseWriter, r *http.Request) {
	out, err := a.s.DailySummary(r.Context(), r.URL.Query().Get("day"))
	ok(w, r, out, err)
}

func (a *api) annual(w http.ResponseWriter, r *http.Request) {
	an, err := a.s.AnnualAssessment(r.Context(), r.URL.Query().Get("year"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	writeReport(w, r, r.URL.Query().Get("format"), "assessment-"+an.Year, an,
		func(lang string) ([]byte, error) { return AnnualXLSX(an, lang) }, nil)
}

// xlsxType is the media type of a workbook.
const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// writeReport answers with JSON, a workbook or a PDF.
func writeReport(w http.ResponseWriter, r *http.Request, format, name string, v any,
	xlsx, pdf func(lang string) ([]byte, error)) {
	lang := web.Lang(r.Context())
	var body []byte
	var err error
	var ctype string
	switch format {
	case "", "json":
		web.JSON(w, http.StatusOK, v)
		return
	case "xlsx":
		ctype = xlsxType
		body, err = xlsx(lang)
		name += ".xlsx"
	case "pdf":
		if pdf == nil {
			web.Error(w, r, errs.InvalidInput("rating.format.invalid").OnField("format"))
			return
		}
		ctype = "application/pdf"
		body, err = pdf(lang)
		name += ".pdf"
	default:
		web.Error(w, r, errs.InvalidInput("rating.format.invalid").OnField("format"))
		return
	}
	if err != nil {
		web.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

func (a *api) export(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	// Streamed: the export of a year can be large. The headers go out with the first line, so
	// a refusal before it is an ordinary error answer; a failure later cuts the stream short.
	lw := &lazyWriter{w: w, name: "ratings-" + time.Now().Format("20060102") + ".jsonl"}
	if err := a.s.Export(r.Context(), lw, Filter{From: q.Get("from"), To: q.Get("to")}); err != nil {
		if !lw.started {
			web.Error(w, r, err)
			return
		}
		web.Log(r.Context()).Error("export cut short", "err", err)
		return
	}
	if !lw.started {
		lw.start()
	}
}

// lazyWriter sends the headers of a JSON Lines download with the first bytes.
type lazyWriter struct {
	w       http.ResponseWriter
	name    string
	started bool
}

func (l *lazyWriter) start() {
	l.started = true
	l.w.Header().Set("Content-Type", "application/x-ndjson")
	l.w.Header().Set("Content-Disposition", `attachment; filename="`+l.name+`"`)
	l.w.WriteHeader(http.StatusOK)
}

func (l *lazyWriter) Write(b []byte) (int, error) {
	if !l.started {
		l.start()
	}
	return l.w.Write(b)
}

// VerifyResult is the outcome of a rollup check.
type VerifyResult struct {
	OK    bool     `json:"ok"`
	Diffs []string `json:"diffs"`
}

func (a *api) verify(w http.ResponseWriter, r *http.Request) {
	diffs, err := a.s.VerifyRollups(r.Context())
	out := VerifyResult{OK: len(diffs) == 0, Diffs: []string{}}
	for i, d := range diffs {
		if i == 100 {
			break
		}
		out.Diffs = append(out.Diffs, d.String())
	}
	ok(w, r, out, err)
}
