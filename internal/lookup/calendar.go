package lookup

import (
	"context"
	"database/sql"
	"io"
	"net/http"
	"strconv"
	"time"

	"onestamp/internal/platform/audit"
	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/web"
	"onestamp/internal/platform/workday"
	"onestamp/internal/platform/workday/wdstore"
)

// CalendarAdmin loads a year's holiday table at runtime (year N+1 is published in the autumn of
// year N; DOMAIN §2), without waiting for a new release.
type CalendarAdmin struct {
	DB    *db.DB
	Store *wdstore.Store
	Now   func() time.Time
	Audit *audit.Log
	// Changed runs after a load is committed: rebuild the live calendar and recompute every open
	// deadline. Its result is part of the answer.
	Changed func(ctx context.Context) (any, error)
}

// YearLoaded answers a load.
type YearLoaded struct {
	Year       int                `json:"year"`
	Region     string             `json:"region,omitempty"`
	Holidays   int                `json:"holidays"`
	MakeupDays int                `json:"makeup_days"`
	Warnings   []workday.Warning  `json:"warnings" doc:"what looks unusual but was loaded: a make-up day on a weekday, more than 6 working days in a row, a holiday count other than the statutory one"`
	Recomputed any                `json:"recomputed,omitempty" doc:"what the recomputation of open deadlines changed"`
	Years      []wdstore.YearInfo `json:"years"`
}

// MaxYearJSON bounds an uploaded year table.
const MaxYearJSON = 256 << 10

func (c *CalendarAdmin) register(g *auth.Guard) {
	admin := auth.Staff(auth.Admin)
	g.API(web.Op{Method: "GET", Path: "/api/v1/calendar/years", Tags: []string{"reference"},
		Summary: "The calendar years loaded at runtime", Response: []wdstore.YearInfo{}}, admin,
		func(w http.ResponseWriter, r *http.Request) {
			ys, err := c.Store.Years(r.Context())
			if err != nil {
				web.Error(w, r, err)
				return
			}
			web.JSON(w, http.StatusOK, ys)
		})
	g.API(web.Op{Method: "POST", Path: "/api/v1/calendar/years", Tags: []string{"reference"},
		Summary:     "Load a year's holiday table",
		Description: "The body is the year table as JSON (see wdstore.ParseYearJSON). It replaces a stored table of the same year and region, is audited, and every open case's deadline is recomputed at once. Unusual tables load with warnings; malformed ones are refused whole.",
		Request: web.Schema{"type": "object", "required": []string{"year"}, "properties": map[string]any{
			"year": map[string]any{"type": "integer"}, "region": map[string]any{"type": "string"},
			"source_doc": map[string]any{"type": "string"}, "published_on": map[string]any{"type": "string", "format": "date"},
			"provisional": map[string]any{"type": "boolean"},
			"holidays":    map[string]any{"type": "array", "description": "dates, {date,name} or {from,to,name}"},
			"makeup_days": map[string]any{"type": "array", "description": "weekend days worked (调休上班)"}}},
		Response: YearLoaded{}, Errors: []errs.Code{errs.Invalid, errs.Forbidden}},
		admin, c.load, web.BodyLimit(MaxYearJSON))
}

func (c *CalendarAdmin) load(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		web.Error(w, r, errs.InvalidInput("workday.import_invalid"))
		return
	}
	t, warns, err := parseYearJSON(b)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	out, err := c.apply(r, t, warns)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, out)
}

func parseYearJSON(b []byte) (workday.YearTable, []workday.Warning, error) {
	return wdstore.ParseYearJSON(b)
}

// allowed refuses a regional table outside the administrator's jurisdiction.
func (c *CalendarAdmin) allowed(r *http.Request, t workday.YearTable) error {
	v, _ := auth.FromContext(r.Context())
	if t.Region != "" && (len(t.Region) > 12 || !v.Scope().Allows(t.Region+"000000000000"[len(t.Region):], "", "")) {
		return errs.ForbiddenErr()
	}
	return nil
}

// apply stores t (replacing a table of the same year and region), audits it, and recomputes
// every open deadline (Changed): the API and the page load a year through it.
func (c *CalendarAdmin) apply(r *http.Request, t workday.YearTable, warns []workday.Warning) (YearLoaded, error) {
	v, _ := auth.FromContext(r.Context())
	if err := c.allowed(r, t); err != nil {
		return YearLoaded{}, err
	}
	err := c.DB.Tx(r.Context(), func(tx *sql.Tx) error {
		if err := c.Store.SaveYear(r.Context(), tx, t, v.ID); err != nil {
			return err
		}
		return c.Audit.Append(r.Context(), tx, audit.Record{Actor: v.ID, ActorName: v.Name, Role: string(v.Role),
			Action: "calendar.load", Subject: "calendar:" + t.Region + ":" + strconv.Itoa(t.Year),
			Detail:    map[string]any{"holidays": len(t.Holidays), "makeup_days": len(t.MakeupDays), "source": t.SourceDoc, "warnings": len(warns)},
			RequestID: web.RequestID(r.Context()), At: c.Now()})
	})
	if err != nil {
		return YearLoaded{}, err
	}
	out := YearLoaded{Year: t.Year, Region: t.Region, Holidays: len(t.Holidays), MakeupDays: len(t.MakeupDays), Warnings: warns}
	if out.Warnings == nil {
		out.Warnings = []workday.Warning{}
	}
	if c.Changed != nil {
		if out.Recomputed, err = c.Changed(r.Context()); err != nil {
			return YearLoaded{}, err
		}
	}
	if out.Years, err = c.Store.Years(r.Context()); err != nil {
		return YearLoaded{}, err
	}
	return out, nil
}
