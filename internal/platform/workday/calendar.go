// Package workday is the China working-day calendar and the deadline clock built on it.
//
// Time limits under 行政许可法 art. 82 run in working days: Monday to Friday, minus the statutory
// holidays, plus the weekend days worked in exchange (调休). The arrangement changes every year and
// is published by notice, so the calendar is data: built-in national tables (from lunar-go) for the
// years known when the binary was built, tables an administrator loads at runtime for newer years,
// regional tables for local holidays, and single-day closures or openings. A date in a year with no
// table is an error (ErrCalendarNotLoaded), never a weekends-only guess.
//
// Everything here is pure: no I/O, no clock reads. A Calendar is immutable and safe for concurrent
// use; a change of data builds a new one. Dates are civil dates in Asia/Shanghai.
package workday

import (
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"strings"
	"sync"
	"time"
)

// ErrCalendarNotLoaded is returned when a computation touches a year whose table is not loaded:
// the national table for Year, or (Region non-empty) the yearly table of a region that publishes
// local holidays. Callers keep the due date pending and alert an administrator.
type ErrCalendarNotLoaded struct {
	Year   int
	Region string // "" when the national table is missing
}

func (e ErrCalendarNotLoaded) Error() string {
	if e.Region == "" {
		return fmt.Sprintf("workday: the working-day calendar for %d is not loaded", e.Year)
	}
	return fmt.Sprintf("workday: the working-day calendar for %d of region %s is not loaded", e.Year, e.Region)
}

// IsNotLoaded reports whether err is (or wraps) an ErrCalendarNotLoaded.
func IsNotLoaded(err error) bool {
	var e ErrCalendarNotLoaded
	return errors.As(err, &e)
}

// YearStatus says how far a year of the calendar can be trusted.
type YearStatus uint8

const (
	StatusNotLoaded   YearStatus = iota // no table: computations touching the year fail
	StatusLoaded                        // a published table
	StatusProvisional                   // a weekends-only stand-in: results are flagged
)

func (s YearStatus) String() string {
	switch s {
	case StatusLoaded:
		return "loaded"
	case StatusProvisional:
		return "provisional"
	}
	return "not_loaded"
}

// RegionPrefix reduces a region code (GB/T 2260 style, 2+2+2+3+3 digits) to its significant
// prefix by dropping trailing all-zero levels: "540000000000" → "54", "360100" → "3601",
// "360110000000" → "360110". A layer for a prefix applies to every region code that starts with it.
func RegionPrefix(code string) string {
	for _, l := range [...]int{2, 4, 6, 9} {
		if l >= len(code) {
			return code
		}
		if strings.Trim(code[l:], "0") == "" {
			return code[:l]
		}
	}
	return code
}

// Calendar answers working-day questions for the nation and for regions. Build it with New.
type Calendar struct {
	national  *view
	regions   []regionView // most specific prefix first
	tables    []YearTable
	overrides []Override
}

type regionView struct {
	prefix string
	v      *view
}

var defaultCal = sync.OnceValue(func() *Calendar {
	c, err := New(Builtin(), nil)
	if err != nil {
		panic("workday: built-in tables: " + err.Error())
	}
	return c
})

// Default returns the calendar of the built-in national tables alone.
func Default() *Calendar { return defaultCal() }

type tableKey struct {
	year   int
	prefix string
}

// New builds a calendar from year tables and overrides. Tables for the same year and region
// replace earlier ones in the slice, so New(append(Builtin(), stored...), ...) lets a stored table
// correct or extend the built-in ones. Layers apply in order: national tables; then regional
// tables, the broader region first; then overrides, the broader region first.
//
// A region that has loaded a yearly table must have one for every later year the nation has:
// its local holidays change every year, so a missing year is ErrCalendarNotLoaded for that region
// (a provisional regional table stands in, as for the nation).
func New(tables []YearTable, overrides []Override) (*Calendar, error) {
	eff := map[tableKey]YearTable{}
	var order []tableKey
	for _, t := range tables {
		if err := t.Check(); err != nil {
			return nil, err
		}
		k := tableKey{t.Year, RegionPrefix(t.Region)}
		if _, ok := eff[k]; !ok {
			order = append(order, k)
		}
		eff[k] = t.Normalize()
	}
	for _, o := range overrides {
		if err := o.Check(); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(order, func(a, b tableKey) int {
		if c := strings.Compare(a.prefix, b.prefix); c != 0 {
			return c
		}
		return a.year - b.year
	})
	c := &Calendar{overrides: slices.Clone(overrides)}
	byPrefix := map[string][]YearTable{}
	for _, k := range order {
		t := eff[k]
		c.tables = append(c.tables, t)
		byPrefix[k.prefix] = append(byPrefix[k.prefix], t)
	}
	ovByPrefix := map[string][]Override{}
	for _, o := range overrides {
		p := RegionPrefix(o.Region)
		ovByPrefix[p] = append(ovByPrefix[p], o)
	}

	nat := byPrefix[""]
	if len(nat) == 0 {
		c.national = &view{} // every year is unloaded, whatever the regions say
		return c, nil
	}
	first, last := nat[0].Year, nat[len(nat)-1].Year
	base := newView(first, last)
	for _, t := range nat {
		base.apply(t)
	}

	// Each distinct prefix gets its own view holding every layer that applies to it.
	prefixes := map[string]bool{"": true}
	for p := range byPrefix {
		prefixes[p] = true
	}
	for p := range ovByPrefix {
		prefixes[p] = true
	}
	for p := range prefixes {
		var layers []string
		for q := range prefixes {
			if strings.HasPrefix(p, q) {
				layers = append(layers, q)
			}
		}
		slices.SortFunc(layers, func(a, b string) int { return len(a) - len(b) })
		v := base.clone()
		for _, q := range layers {
			if q == "" {
				continue
			}
			for _, t := range byPrefix[q] {
				v.apply(t)
			}
			v.requireRegion(byPrefix[q])
		}
		for _, q := range layers {
			for _, o := range ovByPrefix[q] {
				v.set(o.Date, o.Kind == Open)
			}
		}
		v.finish()
		if p == "" {
			c.national = v
		} else {
			c.regions = append(c.regions, regionView{p, v})
		}
	}
	slices.SortFunc(c.regions, func(a, b regionView) int {
		if d := len(b.prefix) - len(a.prefix); d != 0 {
			return d
		}
		return strings.Compare(a.prefix, b.prefix)
	})
	return c, nil
}

// Tables returns the effective tables (after replacement), national first, each year ascending.
func (c *Calendar) Tables() []YearTable {
	out := make([]YearTable, len(c.tables))
	for i, t := range c.tables {
		out[i] = t.Normalize()
	}
	return out
}

// Overrides returns the overrides the calendar was built with.
func (c *Calendar) Overrides() []Override { return slices.Clone(c.overrides) }

// Status reports whether year is loaded for region ("" national).
func (c *Calendar) Status(region string, year int) YearStatus {
	v := c.view(region)
	i := year - v.firstYear
	if v.n == 0 || i < 0 || i >= v.n {
		return StatusNotLoaded
	}
	return v.status[i]
}

func (c *Calendar) view(region string) *view {
	if region == "" || len(c.regions) == 0 {
		return c.national
	}
	p := RegionPrefix(region)
	for _, r := range c.regions {
		if strings.HasPrefix(p, r.prefix) {
			return r.v
		}
	}
	return c.national
}

// IsWorkday reports whether d is a working day in region ("" national). A day of a provisional
// year is answered from weekends alone; Status tells such years apart.
func (c *Calendar) IsWorkday(region string, d Date) (bool, error) {
	return c.view(region).isWorkday(d)
}

// Add returns the n-th working day after start in region ("" national). The start day itself is
// not counted: day 1 is the first working day after start, and n = 0 returns start unchanged.
// A negative n counts back: Add(d, -1) is the last working day before d. provisional reports that a
// year the count ran through is provisional. Any year touched (start's included) must be loaded.
func (c *Calendar) Add(region string, start Date, n int) (due Date, provisional bool, err error) {
	return c.view(region).add(start, n)
}

// Between returns the number of working days in (a, b] in region ("" national): the days a clock
// started on a runs until b. If b is before a the result is negative, -Between(b, a).
func (c *Calendar) Between(region string, a, b Date) (n int, provisional bool, err error) {
	return c.view(region).between(a, b)
}

// view is one region's resolved calendar: a bit per day (1 = workday) from January 1 of the first
// national year, with the workdays before each 64-day word summed, so that counting is two
// popcounts and finding the n-th workday is a short scan of words and one bit select.
type view struct {
	firstYear int
	n         int     // years covered
	base      Date    // January 1 of firstYear
	end       int     // days covered
	jan1      []int32 // offset of January 1 of each year; jan1[n] == end
	status    []YearStatus
	missing   []string // per year: the region whose table is missing, "" for the nation
	words     []uint64
	cum       []int32 // cum[w] = workdays in words[:w]
	nextBad   []int32 // first year index ≥ i that is not loaded, or n
	prevBad   []int32 // last year index ≤ i that is not loaded, or -1
	nextProv  []int32 // first year index ≥ i that is provisional, or n
}

func newView(first, last int) *view {
	n := last - first + 1
	v := &view{firstYear: first, n: n, base: NewDate(first, time.January, 1)}
	v.jan1 = make([]int32, n+1)
	for i := 0; i <= n; i++ {
		v.jan1[i] = int32(NewDate(first+i, time.January, 1) - v.base)
	}
	v.end = int(v.jan1[n])
	v.words = make([]uint64, (v.end+63)/64)
	for o := 0; o < v.end; o++ {
		if !(v.base + Date(o)).IsWeekend() {
			v.words[o>>6] |= 1 << (o & 63)
		}
	}
	v.status = make([]YearStatus, n)
	v.missing = make([]string, n)
	return v
}

func (v *view) clone() *view {
	w := *v
	w.words = slices.Clone(v.words)
	w.status = slices.Clone(v.status)
	w.missing = slices.Clone(v.missing)
	return &w
}

func (v *view) set(d Date, work bool) {
	o := int(d - v.base)
	if o < 0 || o >= v.end {
		return
	}
	if work {
		v.words[o>>6] |= 1 << (o & 63)
	} else {
		v.words[o>>6] &^= 1 << (o & 63)
	}
}

// apply lays a table's days over the view; a national table also marks its year loaded.
func (v *view) apply(t YearTable) {
	for _, d := range t.Holidays {
		v.set(d, false)
	}
	for _, d := range t.MakeupDays {
		v.set(d, true)
	}
	if t.Region != "" {
		return
	}
	if i := t.Year - v.firstYear; i >= 0 && i < v.n {
		v.status[i] = StatusLoaded
		if t.Provisional {
			v.status[i] = StatusProvisional
		}
	}
}

// requireRegion marks not loaded every year, from the region's first table on, that lacks one.
func (v *view) requireRegion(ts []YearTable) {
	if len(ts) == 0 {
		return
	}
	have := map[int]YearTable{}
	for _, t := range ts {
		have[t.Year] = t
	}
	for i := max(0, ts[0].Year-v.firstYear); i < v.n; i++ {
		if v.status[i] == StatusNotLoaded {
			continue
		}
		t, ok := have[v.firstYear+i]
		switch {
		case !ok:
			v.status[i] = StatusNotLoaded
			v.missing[i] = ts[0].Region
		case t.Provisional:
			v.status[i] = StatusProvisional
		}
	}
}

// finish clears the days of unloaded years, so that they never count, and builds the indexes.
func (v *view) finish() {
	for i := 0; i < v.n; i++ {
		if v.status[i] != StatusNotLoaded {
			continue
		}
		for o := int(v.jan1[i]); o < int(v.jan1[i+1]); o++ {
			v.words[o>>6] &^= 1 << (o & 63)
		}
	}
	v.cum = make([]int32, len(v.words)+1)
	for w, x := range v.words {
		v.cum[w+1] = v.cum[w] + int32(bits.OnesCount64(x))
	}
	v.nextBad = make([]int32, v.n+1)
	v.nextProv = make([]int32, v.n+1)
	v.nextBad[v.n], v.nextProv[v.n] = int32(v.n), int32(v.n)
	for i := v.n - 1; i >= 0; i-- {
		v.nextBad[i], v.nextProv[i] = v.nextBad[i+1], v.nextProv[i+1]
		switch v.status[i] {
		case StatusNotLoaded:
			v.nextBad[i] = int32(i)
		case StatusProvisional:
			v.nextProv[i] = int32(i)
		}
	}
	v.prevBad = make([]int32, v.n)
	prev := int32(-1)
	for i := 0; i < v.n; i++ {
		if v.status[i] == StatusNotLoaded {
			prev = int32(i)
		}
		v.prevBad[i] = prev
	}
}

// yearIdx returns the index of the year holding offset o (0 ≤ o < end).
func (v *view) yearIdx(o int) int {
	i := o / 366
	for int(v.jan1[i+1]) <= o {
		i++
	}
	return i
}

func (v *view) notLoaded(i int) error {
	if i >= 0 && i < v.n {
		return ErrCalendarNotLoaded{Year: v.firstYear + i, Region: v.missing[i]}
	}
	return ErrCalendarNotLoaded{Year: v.firstYear + i}
}

// check verifies that every year in [a, b] is loaded and reports whether one is provisional.
func (v *view) check(a, b Date) (bool, error) {
	oa, ob := int(a-v.base), int(b-v.base)
	if v.n == 0 || oa < 0 || oa >= v.end {
		return false, ErrCalendarNotLoaded{Year: a.Year()}
	}
	ia := v.yearIdx(oa)
	if nb := int(v.nextBad[ia]); nb < v.n && int(v.jan1[nb]) <= ob {
		return false, v.notLoaded(nb)
	}
	if ob >= v.end {
		return false, v.notLoaded(v.n)
	}
	return int(v.nextProv[ia]) <= v.yearIdx(ob), nil
}

// rank returns the number of workdays at offsets [0, o].
func (v *view) rank(o int) int {
	w := o >> 6
	return int(v.cum[w]) + bits.OnesCount64(v.words[w]&(2<<(o&63)-1))
}

// pick returns the offset of the k-th workday (k ≥ 1) counted from offset 0, scanning the words
// from w, which must not lie past the answer when forward is true, nor before it otherwise.
func (v *view) pick(k, w int, forward bool) int {
	if forward {
		for int(v.cum[w+1]) < k {
			w++
		}
	} else {
		for int(v.cum[w]) >= k {
			w--
		}
	}
	return w<<6 + selectBit(v.words[w], k-int(v.cum[w]))
}

// selectBit returns the position of the k-th (1-based) set bit of x; k ≤ popcount(x).
func selectBit(x uint64, k int) int {
	pos := 0
	for {
		c := bits.OnesCount8(uint8(x))
		if k <= c {
			break
		}
		k -= c
		x >>= 8
		pos += 8
	}
	for ; k > 1; k-- {
		x &= x - 1
	}
	return pos + bits.TrailingZeros64(x)
}

func (v *view) add(start Date, n int) (Date, bool, error) {
	o := int(start - v.base)
	if v.n == 0 || o < 0 || o >= v.end {
		return 0, false, ErrCalendarNotLoaded{Year: start.Year()}
	}
	ys := v.yearIdx(o)
	if v.status[ys] == StatusNotLoaded {
		return 0, false, v.notLoaded(ys)
	}
	if n == 0 {
		return start, v.status[ys] == StatusProvisional, nil
	}
	r := v.rank(o)
	var res int
	if n > 0 {
		// The answer must come before the first unloaded year after start.
		lim := int(v.nextBad[ys])
		k := r + n
		if k > v.rank(int(v.jan1[lim])-1) {
			return 0, false, v.notLoaded(lim)
		}
		res = v.pick(k, o>>6, true)
		return v.base + Date(res), int(v.nextProv[ys]) <= v.yearIdx(res), nil
	}
	// Counting back: the answer must come after the last unloaded year before start.
	lim := int(v.prevBad[ys])
	floor := 0
	if lo := int(v.jan1[lim+1]); lo > 0 {
		floor = v.rank(lo - 1)
	}
	k := r - int(v.words[o>>6]>>(o&63)&1) + n + 1
	if k <= floor {
		return 0, false, v.notLoaded(lim)
	}
	res = v.pick(k, o>>6, false)
	return v.base + Date(res), int(v.nextProv[v.yearIdx(res)]) <= ys, nil
}

func (v *view) between(a, b Date) (int, bool, error) {
	if b < a {
		n, p, err := v.between(b, a)
		return -n, p, err
	}
	p, err := v.check(a, b)
	if err != nil {
		return 0, false, err
	}
	return v.rank(int(b-v.base)) - v.rank(int(a-v.base)), p, nil
}
