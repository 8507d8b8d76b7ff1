package lookup

import (
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"onestamp/internal/home"
	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/web"
	"onestamp/internal/platform/workday"
)

//go:embed templates/*.html
var templates embed.FS

// CalendarPath is the administrator's calendar page: the years in force, and a form to load a
// year's holiday table as the State Council publishes it (each autumn for the next year). A
// table is previewed (each day with its weekday, the warnings) before it is loaded; loading it
// recomputes every open deadline, which the page says before and after.
const CalendarPath = "/staff/admin/calendar"

type calendarPages struct {
	c     *CalendarAdmin
	cal   func() *workday.Calendar
	staff *home.Renderer
}

func (c *CalendarAdmin) registerPages(g *auth.Guard, cal func() *workday.Calendar) error {
	staff, err := home.NewStaffRenderer(templates, "templates/*.html")
	if err != nil {
		return err
	}
	p := &calendarPages{c: c, cal: cal, staff: staff}
	admin := auth.Staff(auth.Admin)
	g.Page("GET "+CalendarPath, admin, p.list)
	g.Page("POST "+CalendarPath+"/preview", admin, p.preview, web.BodyLimit(MaxYearJSON))
	g.Page("POST "+CalendarPath, admin, p.load, web.BodyLimit(MaxYearJSON))
	home.AddMenu(home.MenuEntry{Key: "lookup.calendar.menu", Path: CalendarPath, Roles: []auth.Role{auth.Admin}, Order: 930, Admin: true})
	return nil
}

// yearRow is a year table in force, as the list shows it.
type yearRow struct {
	Year                 int
	Region               string
	SourceDoc            string
	PublishedOn          string
	Holidays, MakeupDays int
	Provisional          bool
	LoadedBy             string // empty: built into the release
	LoadedAt             time.Time
}

// yearForm is the form as typed, kept through the preview.
type yearForm struct {
	Year, Region, SourceDoc, PublishedOn, Holidays, MakeupDays string
	Provisional                                                bool
}

// dayRow is a day of a previewed table.
type dayRow struct {
	Date    string
	Weekday int // 0 Sunday … 6 Saturday
	Name    string
	Weekend bool
}

type calendarView struct {
	Years    []yearRow
	Form     yearForm
	Message  string // a refusal
	Field    string
	Loaded   string // the year just loaded (after the redirect)
	Changed  string
	Examined string
	// The preview.
	Preview   bool
	Table     workday.YearTable
	Holidays  []dayRow
	Makeup    []dayRow
	Warnings  []string
	Replacing bool // a table of the same year and region is in force
}

func (p *calendarPages) years(r *http.Request) ([]yearRow, error) {
	loaded, err := p.c.Store.Years(r.Context())
	if err != nil {
		return nil, err
	}
	var out []yearRow
	for _, t := range p.cal().Tables() {
		row := yearRow{Year: t.Year, Region: t.Region, SourceDoc: t.SourceDoc, PublishedOn: t.PublishedOn,
			Holidays: len(t.Holidays), MakeupDays: len(t.MakeupDays), Provisional: t.Provisional}
		for _, y := range loaded {
			if y.Year == t.Year && workday.RegionPrefix(y.Region) == workday.RegionPrefix(t.Region) {
				row.LoadedBy, row.LoadedAt = y.LoadedBy, y.LoadedAt
			}
		}
		out = append(out, row)
	}
	slices.SortFunc(out, func(a, b yearRow) int {
		if a.Year != b.Year {
			return b.Year - a.Year
		}
		return strings.Compare(a.Region, b.Region)
	})
	return out, nil
}

func (p *calendarPages) render(w http.ResponseWriter, r *http.Request, status int, v calendarView) {
	ys, err := p.years(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	v.Years = ys
	p.staff.RenderStatus(w, r, status, "calendar.html", v)
}

func (p *calendarPages) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := calendarView{Loaded: q.Get("loaded"), Changed: q.Get("changed"), Examined: q.Get("examined")}
	v.Form.Year = strconv.Itoa(p.c.Now().Year() + 1)
	p.render(w, r, http.StatusOK, v)
}

// read parses the form into a year table, through the same JSON reader as the API.
func (p *calendarPages) read(r *http.Request) (yearForm, workday.YearTable, []workday.Warning, error) {
	if err := r.ParseForm(); err != nil {
		return yearForm{}, workday.YearTable{}, nil, errs.InvalidInput("error.bad_request")
	}
	f := yearForm{Year: strings.TrimSpace(r.PostFormValue("year")), Region: strings.TrimSpace(r.PostFormValue("region")),
		SourceDoc: strings.TrimSpace(r.PostFormValue("source_doc")), PublishedOn: strings.TrimSpace(r.PostFormValue("published_on")),
		Holidays: r.PostFormValue("holidays"), MakeupDays: r.PostFormValue("makeup_days"), Provisional: r.PostFormValue("provisional") == "1"}
	year, err := strconv.Atoi(f.Year)
	if err != nil {
		return f, workday.YearTable{}, nil, errs.InvalidInput("lookup.calendar.year_invalid").OnField("year")
	}
	if f.SourceDoc == "" && !f.Provisional {
		return f, workday.YearTable{}, nil, errs.InvalidInput("lookup.calendar.source_doc_missing").OnField("source_doc")
	}
	doc := map[string]any{"year": year, "provisional": f.Provisional}
	for k, v := range map[string]string{"region": f.Region, "source_doc": f.SourceDoc, "published_on": f.PublishedOn} {
		if v != "" {
			doc[k] = v
		}
	}
	for _, list := range []struct{ field, text string }{{"holidays", f.Holidays}, {"makeup_days", f.MakeupDays}} {
		days, err := dayLines(list.text)
		if err != nil {
			return f, workday.YearTable{}, nil, err.(*errs.Error).OnField(list.field)
		}
		if len(days) > 0 {
			doc[list.field] = days
		}
	}
	b, _ := json.Marshal(doc)
	// The same reader as the API's: one set of rules for a year table.
	t, warns, err := parseYearJSON(b)
	return f, t, warns, err
}

// dayLines reads the days of a textarea, one entry a line: a date, or two dates (from and to,
// inclusive) separated by spaces, "至" or "~", each optionally followed by a name:
//
//	2026-01-01 元旦
//	2026-02-15 至 2026-02-23 春节
func dayLines(text string) ([]map[string]string, error) {
	var out []map[string]string
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(strings.NewReplacer("至", " ", "~", " ", "～", " ", "，", " ", ",", " ").Replace(line))
		if line == "" {
			continue
		}
		fs := strings.Fields(line)
		from, err := workday.ParseDate(fs[0])
		if err != nil {
			return nil, errs.InvalidInput("lookup.calendar.line").With("line", i+1).With("text", line)
		}
		entry := map[string]string{"date": from.String()}
		rest := fs[1:]
		if len(rest) > 0 {
			if to, err := workday.ParseDate(rest[0]); err == nil {
				entry = map[string]string{"from": from.String(), "to": to.String()}
				rest = rest[1:]
			}
		}
		if len(rest) > 0 {
			entry["name"] = strings.Join(rest, " ")
		}
		out = append(out, entry)
	}
	return out, nil
}

func (p *calendarPages) refuse(w http.ResponseWriter, r *http.Request, f yearForm, err error) {
	e := errs.As(err)
	if e.Code != errs.Invalid && e.Code != errs.Forbidden {
		web.Error(w, r, err)
		return
	}
	msg := web.T(r.Context(), e.Key, e.Args)
	if e.Detail != "" && e.Code == errs.Invalid {
		msg += "（" + e.Detail + "）"
	}
	status := http.StatusUnprocessableEntity
	if e.Code == errs.Forbidden {
		status = http.StatusForbidden
	}
	p.render(w, r, status, calendarView{Form: f, Message: msg, Field: e.Field})
}

func (p *calendarPages) preview(w http.ResponseWriter, r *http.Request) {
	f, t, warns, err := p.read(r)
	if err == nil {
		err = p.c.allowed(r, t)
	}
	if err != nil {
		p.refuse(w, r, f, err)
		return
	}
	v := calendarView{Form: f, Preview: true, Table: t}
	rows := func(ds []workday.Date) []dayRow {
		var out []dayRow
		for _, d := range ds {
			out = append(out, dayRow{Date: d.String(), Weekday: int(d.Weekday()), Name: t.Names[d], Weekend: d.IsWeekend()})
		}
		return out
	}
	v.Holidays, v.Makeup = rows(t.Holidays), rows(t.MakeupDays)
	for _, w := range warns {
		args := map[string]any{}
		for k, a := range w.Args {
			args[k] = a
		}
		if wd, ok := w.Args["weekday"].(int); ok {
			args["weekday"] = web.T(r.Context(), fmt.Sprintf("lookup.calendar.wd.%d", wd))
		}
		v.Warnings = append(v.Warnings, web.T(r.Context(), "lookup.calendar.warn."+string(w.Code), args))
	}
	for _, y := range p.cal().Tables() {
		if y.Year == t.Year && workday.RegionPrefix(y.Region) == workday.RegionPrefix(t.Region) {
			v.Replacing = true
		}
	}
	p.render(w, r, http.StatusOK, v)
}

func (p *calendarPages) load(w http.ResponseWriter, r *http.Request) {
	f, t, warns, err := p.read(r)
	var out YearLoaded
	if err == nil {
		out, err = p.c.apply(r, t, warns)
	}
	if err != nil {
		p.refuse(w, r, f, err)
		return
	}
	to := fmt.Sprintf("%s?loaded=%d", CalendarPath, out.Year)
	if rc, ok := out.Recomputed.(interface{ Counts() (int, int) }); ok {
		examined, changed := rc.Counts()
		to += fmt.Sprintf("&examined=%d&changed=%d", examined, changed)
	}
	web.SeeOther(w, r, to)
}
