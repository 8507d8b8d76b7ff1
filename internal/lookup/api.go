// Package lookup serves the public reference endpoints: the working-day calculator a clerk or an
// applicant uses to check a deadline, and the identifier check (统一社会信用代码, 身份证, mobile,
// region code). The rules live in platform/workday and platform/ident; this package only speaks
// HTTP.
package lookup

import (
	"embed"
	"net/http"
	"strconv"
	"time"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/ident"
	"onestamp/internal/platform/web"
	"onestamp/internal/platform/workday"
)

//go:embed messages/*.json
var messages embed.FS

// Deps is what the endpoints need.
type Deps struct {
	Calendar func() *workday.Calendar // the live calendar (reloaded when an administrator loads a year)
	Now      func() time.Time
	Admin    *CalendarAdmin // loading years at runtime; nil: not offered
}

// AddResult is the answer of /api/v1/workdays/add.
type AddResult struct {
	From        string `json:"from" doc:"start date (not counted)"`
	Days        int    `json:"days" doc:"working days added"`
	Region      string `json:"region,omitempty" doc:"region code whose local calendar applied"`
	Due         string `json:"due" doc:"the due date: the Days-th working day after From"`
	Provisional bool   `json:"provisional,omitempty" doc:"computed from a provisional (weekends-only) year"`
}

// MaxDays bounds the calculator: no statutory limit comes near it, and it keeps requests cheap.
const MaxDays = 3650

// Register adds the routes.
func Register(g *auth.Guard, d Deps) error {
	if err := web.AddMessagesFS(messages, "messages"); err != nil {
		return err
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Admin != nil {
		if d.Admin.Now == nil {
			d.Admin.Now = d.Now
		}
		d.Admin.register(g)
		if err := d.Admin.registerPages(g, d.Calendar); err != nil {
			return err
		}
	}
	g.API(web.Op{
		Method: "GET", Path: "/api/v1/workdays/add", Tags: []string{"reference"},
		Summary:     "Add working days to a date",
		Description: "Counts working days on the China calendar (statutory holidays and make-up days, plus the region's local layer). Day 1 is the first working day after `from`; 0 days returns `from`. A year with no loaded table is an error, never a weekends-only guess.",
		Params: []web.Param{
			{Name: "from", Required: true, Format: "date", Description: "start date YYYY-MM-DD"},
			{Name: "days", Required: true, Type: "integer", Description: "working days to add, 0–3650"},
			{Name: "region", Description: "12-digit region code for local holidays (default national)"},
		},
		Response: AddResult{},
		Errors:   []errs.Code{errs.Invalid},
	}, auth.Public, func(w http.ResponseWriter, r *http.Request) {
		res, err := add(d, r.URL.Query().Get("from"), r.URL.Query().Get("days"), r.URL.Query().Get("region"))
		if err != nil {
			web.Error(w, r, err)
			return
		}
		web.JSON(w, http.StatusOK, res)
	})
	g.API(web.Op{
		Method: "GET", Path: "/api/v1/identifiers/check", Tags: []string{"reference"},
		Summary:     "Check and decode an identifier",
		Description: "Recognises a 统一社会信用代码 (uscc), 居民身份证号码 (id_card), mobile number or 12-digit region code, validates its check character and says what it encodes. An early USCC that fails its checksum is valid with a warning.",
		Params:      []web.Param{{Name: "value", Required: true, Description: "the identifier, at most 64 bytes"}},
		Response:    ident.Result{},
		Errors:      []errs.Code{errs.Invalid},
	}, auth.Public, func(w http.ResponseWriter, r *http.Request) {
		res, err := check(d, r.URL.Query().Get("value"))
		if err != nil {
			web.Error(w, r, err)
			return
		}
		web.JSON(w, http.StatusOK, res)
	})
	return nil
}

func add(d Deps, from, days, region string) (AddResult, error) {
	start, err := workday.ParseDate(from)
	if err != nil {
		return AddResult{}, errs.InvalidInput("lookup.bad_date").OnField("from").With("value", from)
	}
	n, err := strconv.Atoi(days)
	if err != nil || n < 0 || n > MaxDays {
		return AddResult{}, errs.InvalidInput("lookup.bad_days").OnField("days").With("max", MaxDays)
	}
	if region != "" {
		if res := ident.CheckRegion(region); !res.Valid {
			return AddResult{}, errs.InvalidInput("lookup.bad_region").OnField("region")
		}
	}
	due, prov, err := d.Calendar().Add(region, start, n)
	if err != nil {
		if nl, ok := err.(workday.ErrCalendarNotLoaded); ok {
			return AddResult{}, errs.InvalidInput("workday.not_loaded").With("year", nl.Year).OnField("from")
		}
		return AddResult{}, errs.Wrap(err, "workday add")
	}
	return AddResult{From: start.String(), Days: n, Region: region, Due: due.String(), Provisional: prov}, nil
}

func check(d Deps, value string) (ident.Result, error) {
	if value == "" {
		return ident.Result{}, errs.InvalidInput("lookup.empty_value").OnField("value")
	}
	res := ident.Check(value, d.Now())
	if err := res.Err(); err != nil {
		if e, ok := err.(*errs.Error); ok {
			e.Field = "value"
		}
		return res, err
	}
	return res, nil
}
