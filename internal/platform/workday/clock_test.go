package workday

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestClockDue(t *testing.T) {
	clk := NewClock(Default())
	tests := []struct {
		name  string
		in    Input
		today string
		want  Due
	}{
		{"20 wd", Input{Start: md("2025-09-26"), Limit: 20}, "2025-09-26",
			Due{Start: md("2025-09-26"), Date: md("2025-10-30"), Remaining: 20}},
		{"received on a holiday counts from the next workday", Input{Start: md("2025-10-04"), Limit: 1}, "2025-10-04",
			Due{Start: md("2025-10-09"), Date: md("2025-10-10"), Remaining: 2, Level: LevelYellow}},
		{"instant item", Input{Start: md("2025-03-03")}, "2025-03-03",
			Due{Start: md("2025-03-03"), Date: md("2025-03-03"), Remaining: 0, Level: LevelYellow}},
		{"instant item received on a Sunday", Input{Start: md("2025-03-02")}, "2025-03-02",
			Due{Start: md("2025-03-03"), Date: md("2025-03-03"), Remaining: 1, Level: LevelYellow}},
		{"extension", Input{Start: md("2025-09-26"), Limit: 20, Extension: 10}, "2025-10-30",
			Due{Start: md("2025-09-26"), Date: md("2025-11-13"), Remaining: 10}},
		{"one suspension", Input{Start: md("2025-03-03"), Limit: 20,
			Suspensions: []Suspension{{md("2025-03-10"), md("2025-03-17")}}}, "2025-03-20",
			Due{Start: md("2025-03-03"), Date: md("2025-04-08"), Remaining: 12}},
		{"suspensions accumulate", Input{Start: md("2025-03-03"), Limit: 20,
			Suspensions: []Suspension{{md("2025-03-10"), md("2025-03-17")}, {md("2025-04-01"), md("2025-04-03")}}}, "2025-04-03",
			Due{Start: md("2025-03-03"), Date: md("2025-04-10"), Remaining: 4}},
		{"order of suspensions does not matter", Input{Start: md("2025-03-03"), Limit: 20,
			Suspensions: []Suspension{{md("2025-04-01"), md("2025-04-03")}, {md("2025-03-10"), md("2025-03-17")}}}, "2025-04-03",
			Due{Start: md("2025-03-03"), Date: md("2025-04-10"), Remaining: 4}},
		{"open suspension freezes the clock", Input{Start: md("2025-03-03"), Limit: 20,
			Suspensions: []Suspension{{From: md("2025-03-10")}}}, "2025-06-30",
			Due{Start: md("2025-03-03"), Remaining: 15, Level: LevelSuspended, Frozen: true}},
		{"a suspension after the due date does not revive it", Input{Start: md("2025-03-03"), Limit: 20,
			Suspensions: []Suspension{{md("2025-04-15"), md("2025-04-20")}}}, "2025-04-21",
			Due{Start: md("2025-03-03"), Date: md("2025-03-31"), Remaining: -14, Level: LevelRed, Ignored: 1}},
		{"a suspension on the due day moves it to the resume day", Input{Start: md("2025-03-03"), Limit: 20,
			Suspensions: []Suspension{{md("2025-03-31"), md("2025-04-10")}}}, "2025-04-10",
			Due{Start: md("2025-03-03"), Date: md("2025-04-10"), Remaining: 0, Level: LevelYellow}},
		{"a clock without today", Input{Start: md("2025-09-26"), Limit: 20}, "",
			Due{Start: md("2025-09-26"), Date: md("2025-10-30")}},
	}
	for _, tt := range tests {
		var today Date
		if tt.today != "" {
			today = md(tt.today)
		}
		got, err := clk.Compute(tt.in, today)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		want := tt.want
		if want.Date != 0 {
			want.At = want.Date.Time(DefaultDueTime)
		}
		if got != want {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.name, got, want)
		}
	}
}

func TestClockDoesNotReorderInput(t *testing.T) {
	ss := []Suspension{{md("2025-04-01"), md("2025-04-03")}, {md("2025-03-10"), md("2025-03-17")}}
	orig := slices.Clone(ss)
	if _, err := NewClock(Default()).Compute(Input{Start: md("2025-03-03"), Limit: 20, Suspensions: ss}, 0); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ss, orig) {
		t.Error("Compute sorted the caller's slice")
	}
}

func TestClockLevels(t *testing.T) {
	in := Input{Start: md("2025-03-03"), Limit: 20} // due 2025-03-31, a Monday
	tests := []struct {
		yellow    int
		today     string
		remaining int
		level     Level
	}{
		{2, "2025-03-26", 3, LevelNormal},
		{2, "2025-03-27", 2, LevelYellow},
		{2, "2025-03-29", 1, LevelYellow}, // a Saturday: only Monday is left
		{2, "2025-03-31", 0, LevelYellow},
		{2, "2025-04-01", -1, LevelRed},
		{2, "2025-04-05", -3, LevelRed}, // 清明: 04-04 is off, so 3 workdays overdue
		{0, "2025-03-28", 1, LevelNormal},
		{0, "2025-03-31", 0, LevelYellow},
		{-1, "2025-03-31", 0, LevelNormal},
		{-1, "2025-04-01", -1, LevelRed},
	}
	for _, tt := range tests {
		clk := NewClock(Default())
		clk.YellowWD = tt.yellow
		got, err := clk.Compute(in, md(tt.today))
		if err != nil || got.Remaining != tt.remaining || got.Level != tt.level {
			t.Errorf("yellow=%d today=%s: remaining %d level %v (%v); want %d %v",
				tt.yellow, tt.today, got.Remaining, got.Level, err, tt.remaining, tt.level)
		}
	}
	if LevelRed.String() != "red" || LevelSuspended.String() != "suspended" || LevelNormal.String() != "normal" || LevelYellow.String() != "yellow" {
		t.Error("Level names")
	}
}

func TestClockDueTime(t *testing.T) {
	clk := NewClock(Default())
	clk.DueTime = 17 * time.Hour
	got, err := clk.Compute(Input{Start: md("2025-03-03"), Limit: 20}, md("2025-03-31"))
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2025, 3, 31, 17, 0, 0, 0, Shanghai)
	if !got.At.Equal(want) {
		t.Errorf("At = %v, want %v", got.At, want)
	}
	if got.Overdue(want) || !got.Overdue(want.Add(time.Second)) {
		t.Error("Overdue does not turn at the due instant")
	}
	// The zero Clock fields fall back to the end of the day.
	got, _ = Clock{Cal: Default()}.Compute(Input{Start: md("2025-03-03"), Limit: 20}, 0)
	if want := time.Date(2025, 3, 31, 23, 59, 59, 0, Shanghai); !got.At.Equal(want) {
		t.Errorf("default At = %v, want %v", got.At, want)
	}
	frozen, _ := clk.Compute(Input{Start: md("2025-03-03"), Limit: 20, Suspensions: []Suspension{{From: md("2025-03-04")}}}, md("2026-01-01"))
	if frozen.Overdue(time.Date(2030, 1, 1, 0, 0, 0, 0, Shanghai)) {
		t.Error("a frozen clock is never overdue")
	}
}

func TestClockRegionAndProvisional(t *testing.T) {
	clk := NewClock(regionalCalendar(t))
	in := Input{Start: md("2026-02-13"), Limit: 5}
	nat, err := clk.Compute(in, 0)
	if err != nil || nat.Date != md("2026-02-27") {
		t.Errorf("national due %s, %v; want 2026-02-27", nat.Date, err)
	}
	in.Region = "540102000000"
	loc, err := clk.Compute(in, 0)
	if err != nil || loc.Date != md("2026-03-02") {
		t.Errorf("西藏 due %s, %v; want 2026-03-02", loc.Date, err)
	}

	in = Input{Start: md("2027-12-20"), Limit: 20}
	if _, err := NewClock(Default()).Compute(in, 0); !IsNotLoaded(err) {
		t.Errorf("due in an unloaded year: %v", err)
	}
	if _, err := NewClock(Default()).Compute(Input{Start: md("2027-03-01"), Limit: 5}, md(
		"2028-01-03")); !isNotLoaded(err, 2028, "") {
		t.Errorf("today in an unloaded year: %v", err)
	}
	prov, err := New(append(Builtin(), YearTable{Year: 2028, Provisional: true}), nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := NewClock(prov).Compute(in, md("2027-12-20"))
	if err != nil || !got.Provisional || got.Date.Year() != 2028 {
		t.Errorf("provisional due = %+v, %v", got, err)
	}
	got, err = NewClock(prov).Compute(Input{Start: md("2027-03-01"), Limit: 5}, md("2027-03-01"))
	if err != nil || got.Provisional {
		t.Errorf("a 2027 deadline is flagged provisional: %+v, %v", got, err)
	}
}

func TestClockRejectsBadInput(t *testing.T) {
	clk := NewClock(Default())
	s := md("2025-03-03")
	for name, in := range map[string]Input{
		"no start":          {Limit: 5},
		"negative limit":    {Start: s, Limit: -1},
		"negative ext":      {Start: s, Limit: 5, Extension: -1},
		"suspension before": {Start: s, Limit: 5, Suspensions: []Suspension{{md("2025-03-01"), md("2025-03-05")}}},
		"ends before start": {Start: s, Limit: 5, Suspensions: []Suspension{{md("2025-03-05"), md("2025-03-04")}}},
		"no from":           {Start: s, Limit: 5, Suspensions: []Suspension{{To: md("2025-03-04")}}},
		"overlap":           {Start: s, Limit: 5, Suspensions: []Suspension{{md("2025-03-04"), md("2025-03-10")}, {md("2025-03-07"), md("2025-03-12")}}},
		"open not last":     {Start: s, Limit: 5, Suspensions: []Suspension{{From: md("2025-03-04")}, {md("2025-03-07"), md("2025-03-12")}}},
	} {
		if _, err := clk.Compute(in, 0); !errors.Is(err, ErrClockInput) {
			t.Errorf("%s: error %v, want ErrClockInput", name, err)
		}
	}
}

// TestClockExcludesSuspendedWorkdays checks the carry-forward rule against its plain meaning:
// with suspensions that start and end on workdays, the due date is where the limit runs out when
// the workdays in each [From, To) are skipped.
func TestClockExcludesSuspendedWorkdays(t *testing.T) {
	cal := Default()
	clk := NewClock(cal)
	rng := rand.New(rand.NewPCG(3, 4))
	workdayNear := func(d Date) Date {
		for {
			if w, _ := cal.IsWorkday("", d); w {
				return d
			}
			d++
		}
	}
	for i := 0; i < 2000; i++ {
		start := workdayNear(md("2003-01-01") + Date(rng.IntN(8000)))
		limit := rng.IntN(45)
		var ss []Suspension
		from := start
		for k := rng.IntN(3); k > 0; k-- {
			from = workdayNear(from + Date(1+rng.IntN(20)))
			to := workdayNear(from + Date(1+rng.IntN(30)))
			ss = append(ss, Suspension{from, to})
			from = to
		}
		got, err := clk.Compute(Input{Start: start, Limit: limit, Suspensions: ss}, 0)
		if err != nil {
			t.Fatal(err)
		}
		// Walk: count workdays after start that are outside every suspension.
		suspended := func(d Date) bool {
			for _, s := range ss {
				if d >= s.From && d < s.To {
					return true
				}
			}
			return false
		}
		d, left := start, limit
		for left > 0 {
			d++
			if w, _ := cal.IsWorkday("", d); w && !suspended(d) {
				left--
			}
		}
		if got.Ignored == 0 && got.Date != d {
			t.Fatalf("start %s limit %d suspensions %v: due %s, walking gives %s", start, limit, ss, got.Date, d)
		}
	}
}
