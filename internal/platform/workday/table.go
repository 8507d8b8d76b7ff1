package workday

import (
	"fmt"
	"slices"
	"time"
)

// Years a table may describe. The bounds keep a mistyped year (20266) from building a bitmap that
// spans millennia.
const (
	MinYear = 1949
	MaxYear = 2199
)

// YearTable is one year's arrangement as a notice publishes it (国务院办公厅关于…部分节假日安排的通知
// for the nation, a regional government's notice for local holidays). Holidays are the days off
// (weekend days inside a holiday block may be listed or not); MakeupDays are the weekend days
// worked instead (调休上班). A date may lie outside Year: the notice for 2019 made 2018-12-29 a
// make-up day. The calendar applies every day to its own date, but Year alone is what the table
// loads: the 2019 table does not make 2018 known.
type YearTable struct {
	Year        int
	Region      string // "" for the national table; otherwise a region code or prefix (see RegionPrefix)
	SourceDoc   string // the notice, e.g. "国办发明电〔2025〕7号"
	PublishedOn string // YYYY-MM-DD, as printed on the notice; may be empty
	Holidays    []Date
	MakeupDays  []Date
	// Provisional marks a weekends-only stand-in an administrator loaded while the real notice is
	// not out; it lists no days, and everything computed from it is flagged provisional.
	Provisional bool
	// Names optionally names the festival a holiday or make-up day belongs to ("春节").
	Names map[Date]string
}

// Check reports the first structural fault that makes t unusable: a year out of range, a bad
// region code, a zero date or one far from the year, a day that is both a holiday and a make-up
// day, a provisional table that lists days, or a malformed PublishedOn. Doubtful but possible
// arrangements are not faults; ValidateYear warns about those.
func (t YearTable) Check() error {
	if t.Year < MinYear || t.Year > MaxYear {
		return fmt.Errorf("workday: year %d is outside %d–%d", t.Year, MinYear, MaxYear)
	}
	if err := checkRegion(t.Region); err != nil {
		return err
	}
	if t.PublishedOn != "" {
		if _, err := ParseDate(t.PublishedOn); err != nil {
			return fmt.Errorf("workday: year %d: published on: %w", t.Year, err)
		}
	}
	if t.Provisional && (len(t.Holidays) > 0 || len(t.MakeupDays) > 0) {
		return fmt.Errorf("workday: year %d is provisional (weekends only) but lists days", t.Year)
	}
	// A notice reaches back into December for 元旦 and never further; January of the next year
	// is allowed for regions whose local festival straddles the turn of the year.
	lo, hi := NewDate(t.Year-1, time.December, 1), NewDate(t.Year+1, time.January, 31)
	holiday := make(map[Date]bool, len(t.Holidays))
	for _, d := range t.Holidays {
		if d < lo || d > hi {
			return fmt.Errorf("workday: year %d: holiday %s is outside %s–%s", t.Year, dateOrZero(d), lo, hi)
		}
		holiday[d] = true
	}
	for _, d := range t.MakeupDays {
		if d < lo || d > hi {
			return fmt.Errorf("workday: year %d: make-up day %s is outside %s–%s", t.Year, dateOrZero(d), lo, hi)
		}
		if holiday[d] {
			return fmt.Errorf("workday: year %d: %s is both a holiday and a make-up day", t.Year, d)
		}
	}
	for d := range t.Names {
		if d < lo || d > hi {
			return fmt.Errorf("workday: year %d: named day %s is outside %s–%s", t.Year, dateOrZero(d), lo, hi)
		}
	}
	return nil
}

func dateOrZero(d Date) string {
	if d == 0 {
		return "(zero date)"
	}
	return d.String()
}

func checkRegion(r string) error {
	if len(r) > 12 {
		return fmt.Errorf("workday: region %q is longer than 12 digits", r)
	}
	for i := 0; i < len(r); i++ {
		if r[i] < '0' || r[i] > '9' {
			return fmt.Errorf("workday: region %q is not a numeric region code", r)
		}
	}
	return nil
}

// Normalize returns a copy of t with Holidays and MakeupDays sorted and free of duplicates.
func (t YearTable) Normalize() YearTable {
	t.Holidays = sortedUnique(t.Holidays)
	t.MakeupDays = sortedUnique(t.MakeupDays)
	if t.Names != nil {
		names := make(map[Date]string, len(t.Names))
		for d, n := range t.Names {
			names[d] = n
		}
		t.Names = names
	}
	return t
}

func sortedUnique(ds []Date) []Date {
	out := slices.Clone(ds)
	slices.Sort(out)
	return slices.Compact(out)
}

// WarningCode classifies a Warning; the admin UI maps it to catalogue text.
type WarningCode string

const (
	WarnMakeupNotWeekend WarningCode = "makeup_not_weekend" // a make-up day falls on Monday–Friday
	WarnLongRun          WarningCode = "long_run"           // more than 6 workdays in a row (art. 7)
	WarnHolidayCount     WarningCode = "holiday_count"      // net weekday holidays ≠ the statutory number
	WarnProvisional      WarningCode = "provisional"        // a weekends-only stand-in
)

// Warning is a doubt about an imported table: shown to the administrator, never a rejection,
// because notices do sometimes depart from the rules (2015 added 抗战胜利日).
type Warning struct {
	Code    WarningCode
	Date    Date // the day concerned, or zero
	Message string
	// Args are the figures of the message, for a page to say it in its own language: year;
	// date and weekday (0 Sunday); n, from and to; net and want.
	Args map[string]any `json:",omitempty"`
}

func (w Warning) String() string { return string(w.Code) + ": " + w.Message }

// StatutoryHolidayDays is the number of weekday holidays a national table should net out to
// (Mon–Fri days off minus weekend days worked): 13 under 《全国年节及纪念日放假办法》 as amended
// for 2025 on, 11 for 2008–2024, 10 before.
func StatutoryHolidayDays(year int) int {
	switch {
	case year >= 2025:
		return 13
	case year >= 2008:
		return 11
	}
	return 10
}

// ValidateYear checks a table against the rules of 《全国年节及纪念日放假办法》 and returns warnings:
// a make-up day that is not a weekend day (art. 6), a run of more than 6 working days (art. 7,
// counted over the year and any days the table lists outside it, with weekends as the only other
// rest days), and for national tables a net count of weekday holidays different from
// StatutoryHolidayDays. The count is taken over the table's own days, so 2018-12-31 counts for
// 2019, whose notice made it a holiday. A provisional table gets one WarnProvisional warning.
func ValidateYear(t YearTable) []Warning {
	t = t.Normalize()
	var ws []Warning
	if t.Provisional {
		ws = append(ws, Warning{Code: WarnProvisional, Message: fmt.Sprintf(
			"%d is provisional: weekends only; deadlines computed from it are flagged and recomputed when the notice is loaded", t.Year),
			Args: map[string]any{"year": t.Year}})
	}
	for _, d := range t.MakeupDays {
		if !d.IsWeekend() {
			ws = append(ws, Warning{Code: WarnMakeupNotWeekend, Date: d, Message: fmt.Sprintf(
				"make-up day %s is a %s, not a weekend day", d, d.Weekday()),
				Args: map[string]any{"date": d.String(), "weekday": int(d.Weekday())}})
		}
	}

	first, last := NewDate(t.Year, time.January, 1), NewDate(t.Year, time.December, 31)
	for _, ds := range [][]Date{t.Holidays, t.MakeupDays} {
		if len(ds) > 0 {
			first, last = min(first, ds[0]), max(last, ds[len(ds)-1])
		}
	}
	off := make(map[Date]bool, len(t.Holidays))
	for _, d := range t.Holidays {
		off[d] = true
	}
	on := make(map[Date]bool, len(t.MakeupDays))
	for _, d := range t.MakeupDays {
		on[d] = true
	}
	run, runStart := 0, Date(0)
	flush := func() {
		if run > 6 {
			ws = append(ws, Warning{Code: WarnLongRun, Date: runStart, Message: fmt.Sprintf(
				"%d working days in a row from %s to %s (the rule is at most 6)", run, runStart, runStart.AddDays(run-1)),
				Args: map[string]any{"n": run, "from": runStart.String(), "to": runStart.AddDays(run - 1).String()}})
		}
		run = 0
	}
	for d := first; d <= last; d++ {
		if on[d] || (!d.IsWeekend() && !off[d]) {
			if run == 0 {
				runStart = d
			}
			run++
			continue
		}
		flush()
	}
	flush()

	if t.Region == "" && !t.Provisional {
		net := 0
		for _, d := range t.Holidays {
			if !d.IsWeekend() {
				net++
			}
		}
		for _, d := range t.MakeupDays {
			if d.IsWeekend() {
				net--
			}
		}
		if want := StatutoryHolidayDays(t.Year); net != want {
			ws = append(ws, Warning{Code: WarnHolidayCount, Message: fmt.Sprintf(
				"Mon–Fri days off minus weekend days worked is %d; the statutory number for %d is %d", net, t.Year, want),
				Args: map[string]any{"net": net, "year": t.Year, "want": want}})
		}
	}
	return ws
}

// OverrideKind says whether an override closes or opens a day.
type OverrideKind string

const (
	Closed OverrideKind = "closed" // no service on a day that would be a workday (a center closure)
	Open   OverrideKind = "open"   // service on a day that would be a rest day
)

// Override changes one day for a region: a local closure or opening, with its reason and document.
// Overrides apply after every table, the more specific region last.
type Override struct {
	Region    string // region code or prefix; "" applies everywhere
	Date      Date
	Kind      OverrideKind
	Reason    string
	SourceDoc string
}

// Check reports a structural fault of o.
func (o Override) Check() error {
	if err := checkRegion(o.Region); err != nil {
		return err
	}
	if o.Date == 0 {
		return fmt.Errorf("workday: override without a date")
	}
	if y := o.Date.Year(); y < MinYear || y > MaxYear {
		return fmt.Errorf("workday: override date %s is outside %d–%d", o.Date, MinYear, MaxYear)
	}
	if o.Kind != Closed && o.Kind != Open {
		return fmt.Errorf("workday: override kind %q is neither %q nor %q", o.Kind, Closed, Open)
	}
	return nil
}
