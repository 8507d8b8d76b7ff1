package rating

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"

	"onestamp/internal/platform/errs"
)

// Rollup dimensions. Organisation and region figures are the "all" rows grouped by unit_id and
// region_code, which every rollup row carries (and which data scope filters on).
const (
	DimAll    = "all"
	DimItem   = "item"
	DimHall   = "hall"
	DimWindow = "window"
	DimStaff  = "staff"
	// DimUnit and DimRegion are not stored; they are the "all" rows grouped by unit or region.
	DimUnit   = "unit"
	DimRegion = "region"
)

// Columns of the rollup counters, in table order.
const (
	colN1 = iota
	colN2
	colN3
	colN4
	colN5
	colDefault
	colDefaultGood
	colExcluded
	colConcluded
	colRatedCases
	colBadReal
	colClosed
	colOnTime
	colCallback
	colRespN
	colRespOK
	numCols
)

// counterCols are the names of the counter columns, indexed by the constants above.
var counterCols = [numCols]string{"n1", "n2", "n3", "n4", "n5", "dflt", "dflt_good", "excluded", "concluded",
	"rated_cases", "bad_real", "closed", "on_time", "callback", "resp_n", "resp_ok"}

// Counters are the rollup counters of one row (or a sum of rows).
type Counters [numCols]int64

func (c *Counters) add(o Counters) {
	for i := range c {
		c[i] += o[i]
	}
}

func (c Counters) zero() bool { return c == Counters{} }

// rollupKey identifies a rollup row.
type rollupKey struct {
	Period, Dim, Key, Region, Unit string
}

// delta is the change to one rollup row, and the name of its key as last seen.
type delta struct {
	Counters
	name string
}

// rollupDeltas are the changes one transaction makes to the rollups, summed per row.
type rollupDeltas map[rollupKey]*delta

// dims are the rollup keys of a rating or a case.
type dims struct {
	on                               string // YYYY-MM-DD: the day the counters belong to
	item, hall, window, region, unit string
	staff                            []Staff
	// names of the keys, for display; empty when not known (a concluded case)
	itemName, hallName, windowName, unitName string
}

func (r *row) dims() dims {
	return dims{on: r.RatedOn, item: r.ItemID, hall: r.HallID, window: r.WindowID, region: r.RegionCode,
		unit: r.UnitID, staff: r.Staff, itemName: r.ItemName, hallName: r.HallName,
		windowName: strings.TrimSpace(r.HallName + " " + r.WindowNo), unitName: r.UnitName}
}

// each calls fn with every rollup key of d and its name: the day and the month, for every
// dimension.
func (d dims) each(fn func(rollupKey, string)) {
	periods := [2]string{d.on, d.on[:7]}
	for _, p := range periods {
		fn(rollupKey{p, DimAll, "*", d.region, d.unit}, d.unitName)
		if d.item != "" {
			fn(rollupKey{p, DimItem, d.item, d.region, d.unit}, d.itemName)
		}
		if d.hall != "" {
			fn(rollupKey{p, DimHall, d.hall, d.region, d.unit}, d.hallName)
		}
		if d.window != "" {
			fn(rollupKey{p, DimWindow, d.window, d.region, d.unit}, d.windowName)
		}
		for _, s := range d.staff {
			if s.ID != "" {
				fn(rollupKey{p, DimStaff, s.ID, d.region, d.unit}, s.Name)
			}
		}
	}
}

func (rd rollupDeltas) add(d dims, c Counters) {
	if c.zero() || len(d.on) < 10 {
		return
	}
	d.each(func(k rollupKey, name string) {
		x := rd[k]
		if x == nil {
			x = new(delta)
			rd[k] = x
		}
		x.add(c)
		if name != "" {
			x.name = name
		}
	})
}

// ratingCounters are what a counted (non-excluded) rating adds.
func ratingCounters(level Level, isDefault, realName bool) Counters {
	var c Counters
	if level.Valid() {
		c[colN1+int(level)-1] = 1
	}
	if isDefault {
		c[colDefault] = 1
		if level.IsGood() {
			c[colDefaultGood] = 1
		}
	}
	if level.IsBad() && realName && !isDefault {
		c[colBadReal] = 1
	}
	return c
}

func (c Counters) times(sign int64) Counters {
	for i := range c {
		c[i] *= sign
	}
	return c
}

func (rd rollupDeltas) addRating(r *row, sign int64) {
	rd.add(r.dims(), ratingCounters(r.Level, r.Default, r.RealName).times(sign))
}

// caseDims is a concluded case as rating_cases keeps it.
type caseDims struct {
	CaseID, ConcludedOn, ItemID, UnitID, HallID, WindowID, RegionCode string
	Staff                                                             []Staff
}

func (c caseDims) dims() dims {
	return dims{on: c.ConcludedOn, item: c.ItemID, hall: c.HallID, window: c.WindowID, region: c.RegionCode,
		unit: c.UnitID, staff: c.Staff}
}

func (rd rollupDeltas) addCase(c caseDims, col int, sign int64) {
	var x Counters
	x[col] = sign
	rd.add(c.dims(), x)
}

// followupCounters are what a bad rating's rectification adds.
func followupCounters(f followupRow) Counters {
	var c Counters
	if f.Closed {
		c[colClosed] = 1
		if f.OnTime {
			c[colOnTime] = 1
		}
	}
	if f.Callback {
		c[colCallback] = 1
	}
	if f.Response != "" {
		c[colRespN] = 1
		if f.Response == ResponseSatisfied || f.Response == ResponseBasic {
			c[colRespOK] = 1
		}
	}
	return c
}

// The citizen's satisfaction with a rectification (DOMAIN §6 5).
const (
	ResponseSatisfied    = "satisfied"    // 满意
	ResponseBasic        = "basic"        // 基本满意
	ResponseDissatisfied = "dissatisfied" // 不满意
)

// RollupDiff is a rollup row that does not agree with the raw rows.
type RollupDiff struct {
	Period, Dim, Key, Region, Unit string
	Stored, Computed               Counters
}

func (d RollupDiff) String() string {
	var parts []string
	for i := range d.Stored {
		if d.Stored[i] != d.Computed[i] {
			parts = append(parts, fmt.Sprintf("%s %d≠%d", counterCols[i], d.Stored[i], d.Computed[i]))
		}
	}
	return fmt.Sprintf("%s %s %s %s/%s: %s", d.Period, d.Dim, d.Key, d.Region, d.Unit, strings.Join(parts, ", "))
}

// computeRollups recomputes every rollup row from the raw rows: ratings (less excluded ones),
// concluded cases, and the follow-ups of counted bad ratings.
func (s *Service) computeRollups(ctx context.Context, q queryer) (rollupDeltas, error) {
	out := rollupDeltas{}
	if err := s.st.eachCountedRating(ctx, q, func(r *row, f *followupRow) {
		out.addRating(r, 1)
		if f != nil {
			out.add(r.dims(), followupCounters(*f))
		}
	}); err != nil {
		return nil, err
	}
	if err := s.st.eachExcludedRating(ctx, q, func(r *row) {
		var c Counters
		c[colExcluded] = 1
		out.add(r.dims(), c)
	}); err != nil {
		return nil, err
	}
	if err := s.st.eachCase(ctx, q, func(c caseDims, rated bool) {
		out.addCase(c, colConcluded, 1)
		if rated {
			out.addCase(c, colRatedCases, 1)
		}
	}); err != nil {
		return nil, err
	}
	for k, c := range out {
		if c.zero() {
			delete(out, k)
		}
	}
	return out, nil
}

// VerifyRollups recomputes the rollups from the raw rows and returns every row where the stored
// counters differ (none when they agree). It reads one consistent snapshot on PostgreSQL; on
// SQLite the read transaction gives the same.
func (s *Service) VerifyRollups(ctx context.Context) ([]RollupDiff, error) {
	var diffs []RollupDiff
	err := s.d.Tx(ctx, func(tx *sql.Tx) error {
		want, err := s.computeRollups(ctx, tx)
		if err != nil {
			return err
		}
		have, err := s.st.allRollups(ctx, tx)
		if err != nil {
			return err
		}
		diffs = diffRollups(have, want)
		return nil
	})
	return diffs, err
}

func diffRollups(have, want rollupDeltas) []RollupDiff {
	var out []RollupDiff
	seen := map[rollupKey]bool{}
	cmp := func(k rollupKey) {
		if seen[k] {
			return
		}
		seen[k] = true
		var a, b Counters
		if x := have[k]; x != nil {
			a = x.Counters
		}
		if x := want[k]; x != nil {
			b = x.Counters
		}
		if a != b {
			out = append(out, RollupDiff{Period: k.Period, Dim: k.Dim, Key: k.Key, Region: k.Region, Unit: k.Unit, Stored: a, Computed: b})
		}
	}
	for k := range have {
		cmp(k)
	}
	for k := range want {
		cmp(k)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Period != b.Period {
			return a.Period < b.Period
		}
		if a.Dim != b.Dim {
			return a.Dim < b.Dim
		}
		if a.Key != b.Key {
			return a.Key < b.Key
		}
		if a.Region != b.Region {
			return a.Region < b.Region
		}
		return a.Unit < b.Unit
	})
	return out
}

// RebuildRollups replaces the rollups by a recomputation from the raw rows, in one transaction
// (writers wait meanwhile, so no rating is counted twice or missed), and then verifies that the
// stored rollups agree with the raw rows. It returns how many rows the rollups have and the
// differences the first pass corrected (the command prints them).
func (s *Service) RebuildRollups(ctx context.Context) (rowsWritten int, corrected []RollupDiff, err error) {
	err = s.d.Tx(ctx, func(tx *sql.Tx) error {
		want, err := s.computeRollups(ctx, tx)
		if err != nil {
			return err
		}
		have, err := s.st.allRollups(ctx, tx)
		if err != nil {
			return err
		}
		corrected = diffRollups(have, want)
		if err := s.st.clearRollups(ctx, tx); err != nil {
			return err
		}
		rowsWritten = len(want)
		return s.st.applyRollups(ctx, tx, want)
	})
	if err != nil {
		return 0, nil, err
	}
	left, err := s.VerifyRollups(ctx)
	if err != nil {
		return rowsWritten, corrected, err
	}
	if len(left) > 0 {
		return rowsWritten, corrected, errs.Wrap(fmt.Errorf("%d rows still differ, first: %s", len(left), left[0]), "rebuild rollups")
	}
	return rowsWritten, corrected, nil
}
