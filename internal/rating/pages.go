package rating

import (
	"embed"
	"encoding/json"
	"html/template"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/web"
	"onestamp/internal/platform/workday"
)

//go:embed templates/*.html
var templates embed.FS

//go:embed static/charts.js
var chartsJS []byte

// Base is the path of the staff pages; RateBase of the public rating pages.
const (
	Base     = "/staff/ratings"
	RateBase = "/rate"
)

var staffReadPolicy = auth.Staff(readRoles...)

func registerPages(g *auth.Guard, s *Service) error {
	rd, err := web.NewRenderer(templates)
	if err != nil {
		return err
	}
	p := &pages{s: s, rd: rd}
	// Public: the page behind the SMS link and the window's QR code; phone-sized, no sign-in.
	g.Page("GET "+RateBase+"/{token}", auth.Public, p.linkForm)
	g.Page("POST "+RateBase+"/{token}", auth.Public, p.linkSubmit)
	g.Page("GET "+RateBase+"/window/{window}", auth.Public, p.windowForm)
	g.Page("POST "+RateBase+"/window/{window}", auth.Public, p.windowSubmit)
	g.Page("POST "+RateBase+"/window/{window}/link", auth.Public, p.windowLink)
	// Staff.
	g.Page("GET "+Base, staffReadPolicy, p.list)
	g.Page("GET "+Base+"/{id}", staffReadPolicy, p.detail)
	g.Page("POST "+Base+"/{id}/appeal", appealPolicy, p.appeal,
		web.BodyLimit(MaxEvidenceFiles*MaxEvidenceSize+(1<<20)))
	g.Page("POST "+Base+"/appeals/{id}/decision", decidePolicy, p.decide)
	g.Page("POST "+Base+"/{id}/unmask", unmaskPolicy, p.unmask)
	g.Page("GET "+Base+"/{id}/evidence/{sha}", staffReadPolicy, p.evidence)
	g.Page("GET "+Base+"/paper", paperPolicy, p.paperForm)
	g.Page("POST "+Base+"/paper", paperPolicy, p.paperSubmit)
	g.Page("GET "+Base+"/dashboard", statsPolicy, p.dashboard)
	g.Page("GET "+Base+"/stats", statsPolicy, p.stats)
	g.Page("GET "+Base+"/bulletin", statsPolicy, p.bulletin)
	g.Page("GET "+Base+"/daily", statsPolicy, p.daily)
	g.Page("GET "+Base+"/annual", statsPolicy, p.annual)
	g.Page("GET "+Base+"/export", statsPolicy, p.export)
	g.Page("GET "+Base+"/charts.js", staffReadPolicy, p.charts)
	return nil
}

type pages struct {
	s  *Service
	rd *web.Renderer
}

// ---- public rating pages ----

// rateView is the rating form.
type rateView struct {
	Case      CaseInfo
	Stage     Stage
	Levels    []levelView
	Form      Input
	Message   string
	Action    string
	WindowID  string
	CaseNo    string
	Mobile    string
	Done      bool
	Sent      bool
	ShowStage bool
}

type levelView struct {
	Level   Level
	Reasons []Reason
}

func levelViews() []levelView {
	out := make([]levelView, 0, len(Levels))
	for _, l := range Levels {
		out = append(out, levelView{Level: l, Reasons: ReasonsFor(l)})
	}
	return out
}

// inputOf reads the rating fields of a form.
func inputOf(r *http.Request) Input {
	in := Input{Comment: r.PostFormValue("comment"), Stage: Stage(r.PostFormValue("stage"))}
	in.Level = Level(atoi(r.PostFormValue("level")))
	for _, x := range r.PostForm["reasons"] {
		in.Reasons = append(in.Reasons, Reason(x))
	}
	if in.Level.Valid() {
		// The form shows every level's reasons; keep those of the level chosen.
		allowed := ReasonsFor(in.Level)
		kept := in.Reasons[:0]
		for _, x := range in.Reasons {
			for _, a := range allowed {
				if a == x {
					kept = append(kept, x)
				}
			}
		}
		in.Reasons = kept
	}
	return in
}

func atoi(s string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(s))
	return n
}

func message(r *http.Request, err error) string {
	e := errs.As(err)
	return web.Messages.Text(web.Lang(r.Context()), e.Key, e.Args)
}

// formFailed shows the form again with the error, or the error page for an error that is not
// about the input.
func (p *pages) formFailed(w http.ResponseWriter, r *http.Request, page string, v rateView, err error) {
	switch errs.CodeOf(err) {
	case errs.Invalid, errs.Conflict, errs.NotFound:
		v.Message = message(r, err)
		p.rd.RenderStatus(w, r, http.StatusUnprocessableEntity, page, v)
	default:
		web.Error(w, r, err)
	}
}

func (p *pages) linkForm(w http.ResponseWriter, r *http.Request) {
	c, stage, err := p.s.LinkCase(r.Context(), r.PathValue("token"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	p.rd.Render(w, r, "rate.html", rateView{Case: c, Stage: stage, Levels: levelViews(), ShowStage: stage != StageCase,
		Action: RateBase + "/" + r.PathValue("token")})
}

func (p *pages) linkSubmit(w http.ResponseWriter, r *http.Request) {
	if p.s.limited(w, r) {
		return
	}
	tok := r.PathValue("token")
	c, stage, err := p.s.LinkCase(r.Context(), tok)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	in := inputOf(r)
	v := rateView{Case: c, Stage: stage, Levels: levelViews(), Form: in, ShowStage: stage != StageCase, Action: RateBase + "/" + tok}
	if _, err := p.s.SubmitLink(r.Context(), tok, in); err != nil {
		p.formFailed(w, r, "rate.html", v, err)
		return
	}
	p.rd.Render(w, r, "rate_done.html", rateView{Done: true})
}

func (p *pages) windowForm(w http.ResponseWriter, r *http.Request) {
	p.rd.Render(w, r, "rate_window.html", rateView{Levels: levelViews(), WindowID: r.PathValue("window"),
		Action: RateBase + "/window/" + r.PathValue("window")})
}

func (p *pages) windowSubmit(w http.ResponseWriter, r *http.Request) {
	if p.s.limited(w, r) {
		return
	}
	win := r.PathValue("window")
	in := inputOf(r)
	v := rateView{Levels: levelViews(), WindowID: win, Form: in, Action: RateBase + "/window/" + win,
		CaseNo: r.PostFormValue("case_no"), Mobile: r.PostFormValue("mobile")}
	if _, err := p.s.SubmitWindow(r.Context(), win, v.CaseNo, v.Mobile, in); err != nil {
		p.formFailed(w, r, "rate_window.html", v, err)
		return
	}
	p.rd.Render(w, r, "rate_done.html", rateView{Done: true})
}

func (p *pages) windowLink(w http.ResponseWriter, r *http.Request) {
	if p.s.limited(w, r) {
		return
	}
	win := r.PathValue("window")
	if err := p.s.RequestLink(r.Context(), win, r.PostFormValue("mobile")); err != nil {
		p.formFailed(w, r, "rate_window.html", rateView{Levels: levelViews(), WindowID: win,
			Action: RateBase + "/window/" + win, Mobile: r.PostFormValue("mobile")}, err)
		return
	}
	p.rd.Render(w, r, "rate_done.html", rateView{Sent: true})
}

// ---- staff pages ----

type listView struct {
	Page     Page
	Filter   Filter
	Channels []Channel
	Query    string
}

func (p *pages) list(w http.ResponseWriter, r *http.Request) {
	f := filterOf(r)
	pg, err := p.s.List(r.Context(), f)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	q := r.URL.Query()
	q.Del("before")
	p.rd.Render(w, r, "ratings.html", listView{Page: pg, Filter: f, Channels: Channels, Query: q.Encode()})
}

type detailView struct {
	Rating    Rating
	CanAppeal bool
	CanDecide bool
	CanUnmask bool
	Message   string
	Identity  *Identity
}

func (p *pages) detailOf(r *http.Request, id string) (detailView, error) {
	rt, err := p.s.Get(r.Context(), id)
	if err != nil {
		return detailView{}, err
	}
	v, _ := auth.FromContext(r.Context())
	dv := detailView{Rating: rt}
	dv.CanAppeal = rt.Appeal == nil && rt.Level.IsBad() && v.UnitID == rt.UnitID && hasRole(v, appealRoles)
	dv.CanDecide = rt.Appeal != nil && rt.Appeal.Decision == nil && hasRole(v, decideRoles) &&
		!ratedUnitMember(v, rt.UnitID, rt.HallID, rt.Staff) && v.UnitID != rt.Appeal.UnitID
	dv.CanUnmask = rt.RealName && v.Can(auth.PermUnmask) && hasRole(v, supervisorUp) &&
		!ratedUnitMember(v, rt.UnitID, rt.HallID, rt.Staff)
	return dv, nil
}

func hasRole(v *auth.Viewer, roles []auth.Role) bool {
	for _, r := range roles {
		if v.Role == r {
			return true
		}
	}
	return false
}

func (p *pages) detail(w http.ResponseWriter, r *http.Request) {
	dv, err := p.detailOf(r, r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	p.rd.Render(w, r, "rating.html", dv)
}

func (p *pages) detailFailed(w http.ResponseWriter, r *http.Request, id string, err error) {
	if c := errs.CodeOf(err); c != errs.Invalid && c != errs.Conflict {
		web.Error(w, r, err)
		return
	}
	dv, derr := p.detailOf(r, id)
	if derr != nil {
		web.Error(w, r, derr)
		return
	}
	dv.Message = message(r, err)
	p.rd.RenderStatus(w, r, http.StatusUnprocessableEntity, "rating.html", dv)
}

func (p *pages) appeal(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		web.Error(w, r, errs.InvalidInput("rating.form.invalid"))
		return
	}
	in := AppealInput{Grounds: Grounds(r.PostFormValue("grounds")), Reason: r.PostFormValue("reason")}
	if r.MultipartForm != nil {
		for _, fh := range r.MultipartForm.File["evidence"] {
			u, err := readUpload(fh)
			if err != nil {
				web.Error(w, r, err)
				return
			}
			in.Evidence = append(in.Evidence, u)
		}
	}
	if _, err := p.s.FileAppeal(r.Context(), id, in); err != nil {
		p.detailFailed(w, r, id, err)
		return
	}
	web.SeeOther(w, r, Base+"/"+id)
}

func readUpload(fh *multipart.FileHeader) (Upload, error) {
	if fh.Size > MaxEvidenceSize {
		return Upload{}, errs.InvalidInput("rating.evidence.too_big").With("max_mb", MaxEvidenceSize>>20).OnField("evidence")
	}
	f, err := fh.Open()
	if err != nil {
		return Upload{}, errs.Wrap(err, "read upload")
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxEvidenceSize+1))
	if err != nil {
		return Upload{}, errs.Wrap(err, "read upload")
	}
	return Upload{Name: fh.Filename, Content: b}, nil
}

func (p *pages) decide(w http.ResponseWriter, r *http.Request) {
	ratingID := r.PostFormValue("rating_id")
	a, err := p.s.DecideAppeal(r.Context(), r.PathValue("id"), DecisionInput{Outcome: Outcome(r.PostFormValue("outcome")),
		Reason: r.PostFormValue("reason")})
	if err != nil {
		if ratingID == "" {
			web.Error(w, r, err)
			return
		}
		p.detailFailed(w, r, ratingID, err)
		return
	}
	web.SeeOther(w, r, Base+"/"+a.RatingID)
}

func (p *pages) unmask(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	ident, err := p.s.Unmask(r.Context(), id)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	dv, err := p.detailOf(r, id)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	dv.Identity = &ident
	w.Header().Set("Cache-Control", "no-store")
	p.rd.Render(w, r, "rating.html", dv)
}

func (p *pages) evidence(w http.ResponseWriter, r *http.Request) {
	f, rc, err := p.s.Evidence(r.Context(), r.PathValue("id"), r.PathValue("sha"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", f.Type)
	w.Header().Set("Content-Disposition", `attachment; filename="`+strings.ReplaceAll(f.Name, `"`, "")+`"`)
	w.Header().Set("Cache-Control", "private, no-store")
	_, _ = io.Copy(w, rc)
}

type paperView struct {
	Levels  []levelView
	Form    PaperInput
	Message string
	Saved   *Rating
}

func (p *pages) paperForm(w http.ResponseWriter, r *http.Request) {
	p.rd.Render(w, r, "paper.html", paperView{Levels: levelViews(), Form: PaperInput{FilledOn: p.s.today().String()}})
}

func (p *pages) paperSubmit(w http.ResponseWriter, r *http.Request) {
	in := PaperInput{Input: inputOf(r), CaseNo: r.PostFormValue("case_no"), Serial: r.PostFormValue("serial"),
		FilledOn: r.PostFormValue("filled_on"), Anonymous: r.PostFormValue("anonymous") != ""}
	saved, err := p.s.EnterPaper(r.Context(), in)
	v := paperView{Levels: levelViews(), Form: in}
	if err != nil {
		if c := errs.CodeOf(err); c != errs.Invalid && c != errs.Conflict && c != errs.NotFound {
			web.Error(w, r, err)
			return
		}
		v.Message = message(r, err)
		p.rd.RenderStatus(w, r, http.StatusUnprocessableEntity, "paper.html", v)
		return
	}
	// A fresh form for the next questionnaire, with a note of the one just saved.
	v.Saved, v.Form = &saved, PaperInput{FilledOn: in.FilledOn}
	p.rd.Render(w, r, "paper.html", v)
}

// periodOf returns the period asked for, or the current month.
func (p *pages) periodOf(r *http.Request, name string, def string) string {
	if v := strings.TrimSpace(r.URL.Query().Get(name)); v != "" {
		return v
	}
	return def
}

type dashView struct {
	Period   string
	Total    Stat
	Prev     Stat
	Units    []Stat
	Windows  []Stat
	Trend    template.HTMLAttr
	Mix      template.HTMLAttr
	Rank     template.HTMLAttr
	UnitRank template.HTMLAttr
	Ages     template.HTMLAttr
	Open     []AgeBucket
}

// chartData renders a value as a data-chart attribute: JSON, escaped by html/template.
func chartData(v any) template.HTMLAttr {
	b, _ := json.Marshal(v)
	return template.HTMLAttr(`data-chart="` + template.HTMLEscapeString(string(b)) + `"`)
}

func (p *pages) dashboard(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	lang := web.Lang(ctx)
	t := translator(lang)
	period := p.periodOf(r, "period", p.s.today().String()[:7])
	trend, err := p.s.Trend(ctx, Period(period))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	units, total, err := p.s.Stats(ctx, StatsQuery{Period: Period(period), Dim: DimUnit})
	if err != nil {
		web.Error(w, r, err)
		return
	}
	windows, _, err := p.s.Stats(ctx, StatsQuery{Period: Period(period), Dim: DimWindow})
	if err != nil {
		web.Error(w, r, err)
		return
	}
	_, prev, err := p.s.Stats(ctx, StatsQuery{Period: previousMonth(Period(period)), Dim: DimAll})
	if err != nil {
		web.Error(w, r, err)
		return
	}
	ages, err := p.s.OpenByAge(ctx)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	type series struct {
		Name string  `json:"name"`
		Data []int64 `json:"data"`
	}
	var days []string
	good, badS := series{Name: t("rating.chart.good")}, series{Name: t("rating.chart.bad")}
	for _, tp := range trend {
		days = append(days, tp.Day[8:])
		good.Data = append(good.Data, tp.Good)
		badS.Data = append(badS.Data, tp.Bad)
	}
	mix := []map[string]any{}
	for _, l := range Levels {
		mix = append(mix, map[string]any{"name": t("rating.level." + strconv.Itoa(int(l))), "value": total.Levels[l-1]})
	}
	rank := func(rows []Stat, n int) map[string]any {
		var names []string
		var vals []float64
		for i := len(rows) - 1; i >= 0 && len(names) < n; i-- { // the worst at the top of the bars
			names = append(names, nameOr(rows[i]))
			vals = append(vals, rows[i].GoodRate)
		}
		return map[string]any{"type": "bar", "names": names, "values": vals, "unit": "%"}
	}
	var ageNames []string
	var ageVals, overVals []int64
	for _, a := range ages {
		ageNames = append(ageNames, t(a.Label))
		ageVals = append(ageVals, a.Count)
		overVals = append(overVals, a.Over)
	}
	v := dashView{Period: period, Total: total, Prev: prev, Units: units, Windows: windows, Open: ages,
		Trend: chartData(map[string]any{"type": "line", "x": days, "series": []series{good, badS}}),
		Mix:   chartData(map[string]any{"type": "pie", "data": mix}),
		Rank:  chartData(rank(windows, 15)), UnitRank: chartData(rank(units, 15)),
		Ages: chartData(map[string]any{"type": "stack", "x": ageNames, "series": []map[string]any{
			{"name": t("rating.chart.open"), "data": ageVals}, {"name": t("rating.chart.overdue"), "data": overVals}}}),
	}
	p.rd.Render(w, r, "dashboard.html", v)
}

type statsView struct {
	Period string
	Dim    string
	Dims   []string
	Rows   []Stat
	Total  Stat
}

func (p *pages) stats(w http.ResponseWriter, r *http.Request) {
	period := p.periodOf(r, "period", p.s.today().String()[:7])
	dim := p.periodOf(r, "dim", DimUnit)
	rows, total, err := p.s.Stats(r.Context(), StatsQuery{Period: Period(period), Dim: dim})
	if err != nil {
		web.Error(w, r, err)
		return
	}
	p.rd.Render(w, r, "stats.html", statsView{Period: period, Dim: dim, Dims: Dims, Rows: rows, Total: total})
}

func (p *pages) bulletin(w http.ResponseWriter, r *http.Request) {
	period := p.periodOf(r, "period", previousMonth(Period(p.s.today().String()[:7])).str())
	b, err := p.s.Bulletin(r.Context(), Period(period))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if f := r.URL.Query().Get("format"); f != "" {
		writeReport(w, r, f, "bulletin-"+period, b,
			func(lang string) ([]byte, error) { return BulletinXLSX(b, lang) },
			func(lang string) ([]byte, error) { return BulletinPDF(b, lang) })
		return
	}
	p.rd.Render(w, r, "bulletin.html", b)
}

func (pd Period) str() string { return string(pd) }

func (p *pages) daily(w http.ResponseWriter, r *http.Request) {
	day := p.periodOf(r, "day", workday.DateOf(p.s.now()).AddDays(-1).String())
	d, err := p.s.DailySummary(r.Context(), day)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if f := r.URL.Query().Get("format"); f != "" {
		writeReport(w, r, f, "daily-"+day, d, func(lang string) ([]byte, error) { return DailyXLSX(d, lang) }, nil)
		return
	}
	p.rd.Render(w, r, "daily.html", d)
}

func (p *pages) annual(w http.ResponseWriter, r *http.Request) {
	year := p.periodOf(r, "year", p.s.today().String()[:4])
	a, err := p.s.AnnualAssessment(r.Context(), year)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if f := r.URL.Query().Get("format"); f != "" {
		writeReport(w, r, f, "assessment-"+year, a, func(lang string) ([]byte, error) { return AnnualXLSX(a, lang) }, nil)
		return
	}
	p.rd.Render(w, r, "annual.html", a)
}

func (p *pages) export(w http.ResponseWriter, r *http.Request) {
	(&api{s: p.s}).export(w, r)
}

// charts serves the script that draws the dashboards from their data-chart attributes.
func (p *pages) charts(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "private, max-age=3600")
	_, _ = w.Write(chartsJS)
}
