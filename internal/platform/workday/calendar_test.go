package workday

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

var md = MustDate

// TestAddVectors are the test vectors of DOMAIN.md §2.
func TestAddVectors(t *testing.T) {
	tests := []struct {
		start string
		n     int
		want  string
	}{
		{"2025-09-26", 20, "2025-10-30"},
		{"2025-01-24", 5, "2025-02-07"},
		{"2026-02-13", 1, "2026-02-14"}, // a Saturday make-up day
		{"2025-12-31", 1, "2026-01-04"}, // a Sunday make-up day, across the year
		{"2026-09-18", 20, "2026-10-22"},
		{"2025-10-08", 0, "2025-10-08"}, // n = 0 returns start, even on a holiday
		{"2025-10-04", 1, "2025-10-09"}, // from inside a holiday
		{"2025-10-09", -1, "2025-09-30"},
		{"2025-10-11", -1, "2025-10-10"}, // the make-up Saturday itself is not counted
		{"2026-01-04", -1, "2025-12-31"},
		{"2025-10-30", -20, "2025-09-26"},
		{"2019-01-02", -1, "2018-12-29"}, // 2018-12-29 served 元旦 2019
		{"2013-04-03", 1, "2013-04-07"},  // a Sunday make-up day lunar-go lacks (see builtinFixes)
	}
	c := Default()
	for _, tt := range tests {
		got, prov, err := c.Add("", md(tt.start), tt.n)
		if err != nil || prov || got != md(tt.want) {
			t.Errorf("Add(%s, %d) = %s, %v, %v; want %s", tt.start, tt.n, got, prov, err, tt.want)
		}
	}
}

// domainTable is a table of DOMAIN.md §2 in its own notation.
func domainTable(t *testing.T, year int, holidays, makeup string) YearTable {
	t.Helper()
	tb := YearTable{Year: year}
	for _, part := range strings.Split(holidays, "; ") {
		from, to, ok := strings.Cut(part, "–")
		if !ok {
			to = from
		}
		a, b := md(strings.TrimSpace(from)), md(strings.TrimSpace(to))
		for d := a; d <= b; d++ {
			tb.Holidays = append(tb.Holidays, d)
		}
	}
	for _, part := range strings.Split(makeup, ", ") {
		day, _, _ := strings.Cut(part, " ")
		tb.MakeupDays = append(tb.MakeupDays, md(day))
	}
	return tb
}

var domain2025, domain2026 = func(t *testing.T) YearTable {
	return domainTable(t, 2025,
		"2025-01-01; 2025-01-28–2025-02-04; 2025-04-04–2025-04-06; 2025-05-01–2025-05-05; 2025-05-31–2025-06-02; 2025-10-01–2025-10-08",
		"2025-01-26 Sun, 2025-02-08 Sat, 2025-04-27 Sun, 2025-09-28 Sun, 2025-10-11 Sat")
}, func(t *testing.T) YearTable {
	return domainTable(t, 2026,
		"2026-01-01–2026-01-03; 2026-02-15–2026-02-23; 2026-04-04–2026-04-06; 2026-05-01–2026-05-05; 2026-06-19–2026-06-21; 2026-09-25–2026-09-27; 2026-10-01–2026-10-07",
		"2026-01-04 Sun, 2026-02-14 Sat, 2026-02-28 Sat, 2026-05-09 Sat, 2026-09-20 Sun, 2026-10-10 Sat")
}

// TestBuiltinMatchesDomain cross-checks the built-in 2025 and 2026 tables, day by day, against the
// tables in DOMAIN.md, and checks the 248 workdays of each year.
func TestBuiltinMatchesDomain(t *testing.T) {
	c := Default()
	for _, tb := range []YearTable{domain2025(t), domain2026(t)} {
		ref, err := New([]YearTable{tb}, nil)
		if err != nil {
			t.Fatal(err)
		}
		jan1, dec31 := NewDate(tb.Year, 1, 1), NewDate(tb.Year, 12, 31)
		count := 0
		for d := jan1; d <= dec31; d++ {
			got, err1 := c.IsWorkday("", d)
			want, err2 := ref.IsWorkday("", d)
			if err1 != nil || err2 != nil || got != want {
				t.Errorf("%s: built-in says workday=%v (%v), DOMAIN.md says %v (%v)", d, got, err1, want, err2)
			}
			if got {
				count++
			}
		}
		if count != 248 {
			t.Errorf("%d has %d workdays, want 248", tb.Year, count)
		}
		if n, _, err := c.Between("", jan1-1, dec31); err != nil || n != 248 {
			t.Errorf("Between(%s, %s) = %d, %v; want 248", jan1-1, dec31, n, err)
		}
	}
}

func TestBuiltinYears(t *testing.T) {
	ys := BuiltinYears()
	if len(ys) == 0 || ys[0] != 2002 || ys[len(ys)-1] < 2027 {
		t.Fatalf("built-in years %v, want 2002 through at least 2027", ys)
	}
	for i := 1; i < len(ys); i++ {
		if ys[i] != ys[i-1]+1 {
			t.Fatalf("built-in years have a gap before %d", ys[i])
		}
	}
	c := Default()
	last := ys[len(ys)-1]
	for _, y := range ys {
		if s := c.Status("", y); s != StatusLoaded {
			t.Errorf("Status(%d) = %v", y, s)
		}
	}
	// lunar-go lists 2001-12-29/30 (make-up days for 元旦 2002) but not 2001 itself.
	for _, y := range []int{2001, last + 1} {
		if s := c.Status("", y); s != StatusNotLoaded {
			t.Errorf("Status(%d) = %v, want not loaded", y, s)
		}
	}
	if _, err := c.IsWorkday("", md("2001-12-29")); !isNotLoaded(err, 2001, "") {
		t.Errorf("IsWorkday(2001-12-29) error = %v, want 2001 not loaded", err)
	}
	// The make-up day before 元旦 2019 lies in 2018 and is worked.
	if w, err := c.IsWorkday("", md("2018-12-29")); err != nil || !w {
		t.Errorf("IsWorkday(2018-12-29) = %v, %v; want a workday", w, err)
	}
	// Fixed from the notice: lunar-go v1.4.7 lacks these two make-up days.
	for _, s := range []string{"2013-04-07", "2013-10-12"} {
		if w, err := c.IsWorkday("", md(s)); err != nil || !w {
			t.Errorf("IsWorkday(%s) = %v, %v; want a workday", s, w, err)
		}
	}
	// Builtin returns copies: changing one does not change the next.
	b := Builtin()
	b[0].Holidays[0] = 0
	if Builtin()[0].Holidays[0] == 0 {
		t.Error("Builtin shares its slices")
	}
}

func isNotLoaded(err error, year int, region string) bool {
	var e ErrCalendarNotLoaded
	return errors.As(err, &e) && e.Year == year && e.Region == region
}

func TestNotLoaded(t *testing.T) {
	c := Default()
	last := BuiltinYears()[len(BuiltinYears())-1]
	dec := NewDate(last, 12, 20)
	next := NewDate(last+1, 3, 2)
	if _, _, err := c.Add("", dec, 20); !isNotLoaded(err, last+1, "") {
		t.Errorf("Add into %d: error %v", last+1, err)
	}
	if _, _, err := c.Add("", next, 1); !isNotLoaded(err, last+1, "") {
		t.Errorf("Add from %d: error %v", last+1, err)
	}
	if _, _, err := c.Between("", dec, next); !isNotLoaded(err, last+1, "") {
		t.Errorf("Between into %d: error %v", last+1, err)
	}
	if _, _, err := c.Between("", next, dec); !isNotLoaded(err, last+1, "") {
		t.Errorf("reversed Between into %d: error %v", last+1, err)
	}
	if _, err := c.IsWorkday("", next); !isNotLoaded(err, last+1, "") {
		t.Errorf("IsWorkday in %d: error %v", last+1, err)
	}
	if _, _, err := c.Add("", md("2002-01-08"), -10); !isNotLoaded(err, 2001, "") {
		t.Errorf("Add back into 2001: error %v", err)
	}
	err := ErrCalendarNotLoaded{Year: 2028}
	if err.Error() != "workday: the working-day calendar for 2028 is not loaded" || !IsNotLoaded(err) {
		t.Errorf("message %q", err.Error())
	}
	if IsNotLoaded(errors.New("x")) {
		t.Error("IsNotLoaded of another error")
	}

	// A gap: 2025 and 2027 known, 2026 not.
	var ts []YearTable
	for _, tb := range Builtin() {
		if tb.Year == 2025 || tb.Year == 2027 {
			ts = append(ts, tb)
		}
	}
	g, err2 := New(ts, nil)
	if err2 != nil {
		t.Fatal(err2)
	}
	if _, _, err := g.Add("", md("2025-12-30"), 5); !isNotLoaded(err, 2026, "") {
		t.Errorf("Add across the gap: %v", err)
	}
	if _, _, err := g.Add("", md("2027-01-05"), -5); !isNotLoaded(err, 2026, "") {
		t.Errorf("Add back across the gap: %v", err)
	}
	if _, _, err := g.Between("", md("2025-06-01"), md("2027-06-01")); !isNotLoaded(err, 2026, "") {
		t.Errorf("Between across the gap: %v", err)
	}
	if d, _, err := g.Add("", md("2027-01-05"), 3); err != nil || d != md("2027-01-08") {
		t.Errorf("Add inside 2027 = %s, %v", d, err)
	}
	// No tables at all: everything is unloaded, nothing is guessed.
	empty, _ := New(nil, nil)
	if _, err := empty.IsWorkday("", md("2025-03-03")); !isNotLoaded(err, 2025, "") {
		t.Errorf("empty calendar: %v", err)
	}
}

// naiveAdd and naiveBetween walk day by day over IsWorkday: slow and obviously right.
func naiveAdd(c *Calendar, region string, d Date, n int) Date {
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	for n > 0 {
		d += Date(step)
		if w, _ := c.IsWorkday(region, d); w {
			n--
		}
	}
	return d
}

func naiveBetween(c *Calendar, region string, a, b Date) int {
	n := 0
	for d := a + 1; d <= b; d++ {
		if w, _ := c.IsWorkday(region, d); w {
			n++
		}
	}
	return n
}

// TestAgainstNaive compares the bitmap arithmetic with day-by-day walking on random inputs,
// national and regional.
func TestAgainstNaive(t *testing.T) {
	c := regionalCalendar(t)
	rng := rand.New(rand.NewPCG(1, 2))
	lo := md("2002-03-01")
	for region, hi := range map[string]Date{"": md("2027-06-01"), "540102000000": md("2026-06-01"), "360100000000": md("2027-06-01")} {
		for i := 0; i < 3000; i++ {
			a := lo + Date(rng.IntN(int(hi-lo)))
			b := a + Date(rng.IntN(200))
			n := rng.IntN(60) - 20
			got, _, err := c.Add(region, a, n)
			if want := naiveAdd(c, region, a, n); err != nil || got != want {
				t.Fatalf("%q Add(%s, %d) = %s, %v; want %s", region, a, n, got, err, want)
			}
			gotB, _, err := c.Between(region, a, b)
			if want := naiveBetween(c, region, a, b); err != nil || gotB != want {
				t.Fatalf("%q Between(%s, %s) = %d, %v; want %d", region, a, b, gotB, err, want)
			}
			if back, _, _ := c.Between(region, b, a); back != -gotB {
				t.Fatalf("Between(%s, %s) = %d, want %d", b, a, back, -gotB)
			}
		}
	}
}

func TestRuntimeYearAndReplacement(t *testing.T) {
	y2028 := YearTable{Year: 2028, SourceDoc: "test notice", Holidays: []Date{md("2028-01-01"), md("2028-01-03")}}
	// A stored 2026 that closes 2026-03-02 as well: it replaces the built-in one.
	var b2026 YearTable
	for _, tb := range Builtin() {
		if tb.Year == 2026 {
			b2026 = tb
		}
	}
	b2026.Holidays = append(slices.Clone(b2026.Holidays), md("2026-03-02"))
	c, err := New(append(Builtin(), y2028, b2026), nil)
	if err != nil {
		t.Fatal(err)
	}
	// 2027-12-31 is a Friday; 2028-01-01 Sat off, 01-02 Sun, 01-03 Mon off, so day 1 is 01-04.
	if d, p, err := c.Add("", md("2027-12-31"), 1); err != nil || p || d != md("2028-01-04") {
		t.Errorf("Add into loaded 2028 = %s, %v, %v", d, p, err)
	}
	if w, err := c.IsWorkday("", md("2026-03-02")); err != nil || w {
		t.Errorf("replaced 2026: IsWorkday(2026-03-02) = %v, %v; want a holiday", w, err)
	}
	if w, _ := Default().IsWorkday("", md("2026-03-02")); !w {
		t.Error("Default changed")
	}
	got := 0
	for _, tb := range c.Tables() {
		if tb.Year == 2026 && tb.Region == "" {
			got++
			if len(tb.Holidays) != len(b2026.Holidays) {
				t.Errorf("Tables() holds the old 2026")
			}
		}
	}
	if got != 1 {
		t.Errorf("Tables() holds %d tables for 2026", got)
	}
}

func TestProvisionalYear(t *testing.T) {
	c, err := New(append(Builtin(), YearTable{Year: 2028, Provisional: true}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if s := c.Status("", 2028); s != StatusProvisional {
		t.Fatalf("Status(2028) = %v", s)
	}
	// Weekends only: 2028-01-01 (Saturday) is not a holiday here, 01-03 Monday is a workday.
	d, p, err := c.Add("", md("2027-12-31"), 1)
	if err != nil || !p || d != md("2028-01-03") {
		t.Errorf("Add into provisional 2028 = %s, %v, %v; want 2028-01-03 flagged", d, p, err)
	}
	if _, p, err := c.Add("", md("2027-06-01"), 5); err != nil || p {
		t.Errorf("Add inside 2027 flagged provisional=%v (%v)", p, err)
	}
	if _, p, err := c.Between("", md("2027-12-01"), md("2028-01-10")); err != nil || !p {
		t.Errorf("Between into 2028: provisional=%v, %v", p, err)
	}
	if _, p, err := c.Add("", md("2028-01-10"), -10); err != nil || !p {
		t.Errorf("Add back from 2028: provisional=%v, %v", p, err)
	}
	if _, p, err := c.Add("", md("2028-01-10"), 0); err != nil || !p {
		t.Errorf("Add 0 in 2028: provisional=%v, %v", p, err)
	}
	if _, _, err := c.Add("", md("2028-12-20"), 20); !isNotLoaded(err, 2029, "") {
		t.Errorf("2029 stays unloaded: %v", err)
	}
}

// regionalCalendar has local holidays for 西藏 (54) in 2025 and 2026 only, a closure for 南昌
// (3601) and a broader opening for 江西 (36) that the closure overrides.
func regionalCalendar(t *testing.T) *Calendar {
	t.Helper()
	tables := append(Builtin(),
		YearTable{Year: 2025, Region: "540000000000", Holidays: []Date{md("2025-02-28"), md("2025-03-03")}},
		YearTable{Year: 2026, Region: "540000000000", Holidays: []Date{md("2026-02-24"), md("2026-02-25")}},
	)
	overrides := []Override{
		{Region: "36", Date: md("2025-03-04"), Kind: Closed, Reason: "provincial closure"},
		{Region: "360100000000", Date: md("2025-03-04"), Kind: Open, Reason: "the city hall stays open"},
		{Region: "360100000000", Date: md("2025-03-08"), Kind: Open, Reason: "Saturday service"},
		{Region: "360100000000", Date: md("2025-03-10"), Kind: Closed, Reason: "power outage"},
		{Date: md("2025-03-11"), Kind: Closed, Reason: "nationwide closure"},
	}
	c, err := New(tables, overrides)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRegionalLayers(t *testing.T) {
	c := regionalCalendar(t)
	tests := []struct {
		region string
		day    string
		want   bool
	}{
		{"", "2026-02-24", true},
		{"540102000000", "2026-02-24", false}, // 拉萨城关区 inherits 西藏's local holiday
		{"54", "2026-02-25", false},
		{"360100000000", "2026-02-24", true},
		{"360102000000", "2025-03-10", false}, // county inside 南昌 inherits the closure
		{"360200000000", "2025-03-10", true},  // 景德镇 does not
		{"360200000000", "2025-03-04", false}, // the province's closure
		{"360100000000", "2025-03-04", true},  // the city's opening is more specific
		{"360100000000", "2025-03-08", true},  // a Saturday opening
		{"", "2025-03-08", false},
		{"", "2025-03-11", false}, // a national override applies everywhere
		{"540102000000", "2025-03-11", false},
		{"360100000000", "2025-03-11", false},
		{"110000000000", "2025-03-12", true},
	}
	for _, tt := range tests {
		got, err := c.IsWorkday(tt.region, md(tt.day))
		if err != nil || got != tt.want {
			t.Errorf("IsWorkday(%q, %s) = %v, %v; want %v", tt.region, tt.day, got, err, tt.want)
		}
	}
	// 西藏 publishes yearly: without its 2027 table, 2027 is unloaded there but not elsewhere.
	if _, err := c.IsWorkday("540102000000", md("2027-03-01")); !isNotLoaded(err, 2027, "540000000000") {
		t.Errorf("region without its 2027 table: %v", err)
	}
	if !strings.Contains(ErrCalendarNotLoaded{2027, "540000000000"}.Error(), "2027 of region 540000000000") {
		t.Error("the message does not name the region")
	}
	if _, err := c.IsWorkday("360100000000", md("2027-03-01")); err != nil {
		t.Errorf("南昌 2027: %v", err)
	}
	// Before its first table the region follows the nation.
	if w, err := c.IsWorkday("54", md("2024-03-01")); err != nil || !w {
		t.Errorf("西藏 2024: %v, %v", w, err)
	}
	if s := c.Status("54", 2027); s != StatusNotLoaded {
		t.Errorf("Status(54, 2027) = %v", s)
	}
	// Adding across the region's local holidays: 2026-02-23 is the last day of 春节; 24 and 25
	// are local holidays, so day 1 is 02-26 in 西藏 and 02-24 nationally.
	if d, _, err := c.Add("540102000000", md("2026-02-23"), 1); err != nil || d != md("2026-02-26") {
		t.Errorf("regional Add = %s, %v", d, err)
	}
	if d, _, err := c.Add("", md("2026-02-23"), 1); err != nil || d != md("2026-02-24") {
		t.Errorf("national Add = %s, %v", d, err)
	}
	// A provisional regional table stands in for a missing year.
	c2, err := New(append(c.Tables(), YearTable{Year: 2027, Region: "54", Provisional: true}), c.Overrides())
	if err != nil {
		t.Fatal(err)
	}
	if _, p, err := c2.Add("54", md("2027-03-01"), 3); err != nil || !p {
		t.Errorf("provisional regional 2027: provisional=%v, %v", p, err)
	}
	if _, p, err := c2.Add("", md("2027-03-01"), 3); err != nil || p {
		t.Errorf("national 2027 flagged provisional=%v, %v", p, err)
	}
}

func TestRegionPrefix(t *testing.T) {
	for in, want := range map[string]string{
		"":             "",
		"54":           "54",
		"540000000000": "54",
		"360100000000": "3601",
		"360100":       "3601",
		"360110000000": "360110",
		"360102001000": "360102001",
		"360102001002": "360102001002",
		"5":            "5",
	} {
		if got := RegionPrefix(in); got != want {
			t.Errorf("RegionPrefix(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNewRejectsBadInput(t *testing.T) {
	tests := []struct {
		name string
		t    YearTable
		o    Override
		want string
	}{
		{name: "year", t: YearTable{Year: 20266}, want: "outside 1949–2199"},
		{name: "both", t: YearTable{Year: 2028, Holidays: []Date{md("2028-01-01")}, MakeupDays: []Date{md("2028-01-01")}}, want: "both a holiday and a make-up day"},
		{name: "far", t: YearTable{Year: 2028, Holidays: []Date{md("2026-01-01")}}, want: "outside 2027-12-01–2029-01-31"},
		{name: "zero", t: YearTable{Year: 2028, MakeupDays: []Date{0}}, want: "(zero date)"},
		{name: "provisional", t: YearTable{Year: 2028, Provisional: true, Holidays: []Date{md("2028-01-01")}}, want: "provisional"},
		{name: "region", t: YearTable{Year: 2028, Region: "xz"}, want: "not a numeric region code"},
		{name: "published", t: YearTable{Year: 2028, PublishedOn: "2027-11-31"}, want: "does not exist"},
		{name: "override kind", t: YearTable{Year: 2028}, o: Override{Date: md("2028-03-01"), Kind: "maybe"}, want: "neither"},
		{name: "override date", t: YearTable{Year: 2028}, o: Override{Kind: Closed}, want: "without a date"},
	}
	for _, tt := range tests {
		var ovs []Override
		if tt.o != (Override{}) {
			ovs = []Override{tt.o}
		}
		_, err := New([]YearTable{tt.t}, ovs)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: New error %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}
