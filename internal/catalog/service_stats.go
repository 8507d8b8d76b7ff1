package catalog

import (
	"context"
	"math"
	"sort"

	"onestamp/internal/platform/workday"
)

// Rate is a ratio with its numerator and denominator, as every reported rate shows them.
type Rate struct {
	Num     int64   `json:"num"`
	Den     int64   `json:"den"`
	Percent float64 `json:"percent" doc:"100 × num / den, to one decimal; 0 when den is 0"`
}

// NewRate returns num/den with its percentage.
func NewRate(num, den int64) Rate {
	r := Rate{Num: num, Den: den}
	if den != 0 {
		r.Percent = math.Round(1000*float64(num)/float64(den)) / 10
	}
	return r
}

// ItemReform is the simplification of one item against its baseline version.
type ItemReform struct {
	ItemID             string `json:"item_id"`
	Name               string `json:"name"`
	DeptID             string `json:"dept_id"`
	BaselineVersion    int    `json:"baseline_version" doc:"0 when the item did not exist at the baseline"`
	Version            int    `json:"version"`
	MaterialsBefore    int    `json:"materials_before" doc:"required materials in the baseline version"`
	MaterialsAfter     int    `json:"materials_after"`
	StatutoryWD        int    `json:"statutory_wd"`
	PromisedWD         int    `json:"promised_wd"`
	BaselinePromisedWD int    `json:"baseline_promised_wd"`
	// MaterialsCut = (before − after) / before.
	MaterialsCut Rate `json:"materials_cut"`
	// TimeCut = (statutory − promised) / statutory, the bureau's reported figure (DOMAIN §15).
	TimeCut Rate `json:"time_cut"`
	// PromisedCut = (baseline promised − promised) / baseline promised.
	PromisedCut Rate `json:"promised_cut"`
}

// ReformSum adds the figures of several items (a department, or all).
type ReformSum struct {
	DeptID          string `json:"dept_id,omitempty"`
	Items           int    `json:"items" doc:"items in force with a baseline version"`
	NewItems        int    `json:"new_items" doc:"items in force without a baseline version (not in the cut rates)"`
	MaterialsBefore int    `json:"materials_before"`
	MaterialsAfter  int    `json:"materials_after"`
	StatutoryWD     int    `json:"statutory_wd"`
	PromisedWD      int    `json:"promised_wd"`
	BaselinePromWD  int    `json:"baseline_promised_wd"`
	MaterialsCut    Rate   `json:"materials_cut"`
	TimeCut         Rate   `json:"time_cut"`
	PromisedCut     Rate   `json:"promised_cut"`
}

func (s *ReformSum) add(r ItemReform) {
	if r.BaselineVersion == 0 {
		s.NewItems++
		return
	}
	s.Items++
	s.MaterialsBefore += r.MaterialsBefore
	s.MaterialsAfter += r.MaterialsAfter
	s.StatutoryWD += r.StatutoryWD
	s.PromisedWD += r.PromisedWD
	s.BaselinePromWD += r.BaselinePromisedWD
}

func (s *ReformSum) finish() {
	s.MaterialsCut = NewRate(int64(s.MaterialsBefore-s.MaterialsAfter), int64(s.MaterialsBefore))
	s.TimeCut = NewRate(int64(s.StatutoryWD-s.PromisedWD), int64(s.StatutoryWD))
	s.PromisedCut = NewRate(int64(s.BaselinePromWD-s.PromisedWD), int64(s.BaselinePromWD))
}

// PowerCount counts, per level of jurisdiction, the items (by 基本编码) with a transfer,
// delegation or return on or before the day.
type PowerCount struct {
	Level       string `json:"level" doc:"city, county, township"`
	Transferred int    `json:"transferred"`
	Delegated   int    `json:"delegated"`
	Returned    int    `json:"returned"`
}

// ReformStats is the simplification and consolidation report of the catalogue on a day against
// a baseline day.
type ReformStats struct {
	Baseline workday.Date `json:"baseline"`
	On       workday.Date `json:"on"`
	Items    []ItemReform `json:"items"`
	Depts    []ReformSum  `json:"depts"`
	Overall  ReformSum    `json:"overall"`
	// Shares of the leaf items in force.
	Instant   Rate `json:"instant"`
	Online    Rate `json:"online"`
	ZeroVisit Rate `json:"zero_visit"`
	OneVisit  Rate `json:"one_visit" doc:"at most one visit"`
	// Consolidation.
	Powers      []PowerCount   `json:"powers"`
	DeptsMoved  int            `json:"depts_moved" doc:"departments whose powers were transferred to a bureau"`
	ItemsByType map[string]int `json:"items_by_type"`
}

// Stats computes the reform statistics on day on against the versions in force on day
// baseline. Only leaf items count (a 主项 with 业务办理项 would count twice otherwise).
func (s *Service) Stats(ctx context.Context, baseline, on workday.Date) (ReformStats, error) {
	if _, err := s.staff(ctx); err != nil {
		return ReformStats{}, err
	}
	return s.stats(ctx, baseline, on)
}

func (s *Service) stats(ctx context.Context, baseline, on workday.Date) (ReformStats, error) {
	if on.IsZero() {
		on = s.Today()
	}
	out := ReformStats{Baseline: baseline, On: on, ItemsByType: map[string]int{}}
	items, err := s.st.items(ctx, s.db.Read, ItemFilter{Status: StatusActive})
	if err != nil {
		return out, err
	}
	now, err := s.st.inForce(ctx, s.db.Read, on)
	if err != nil {
		return out, err
	}
	before, err := s.st.inForce(ctx, s.db.Read, baseline)
	if err != nil {
		return out, err
	}
	depts := map[string]*ReformSum{}
	var instant, online, zero, one, total int64
	for _, it := range items {
		v, ok := now[it.ID]
		if !ok || !it.IsLeaf() {
			continue
		}
		total++
		sp := v.Spec
		out.ItemsByType[string(sp.Type)]++
		if sp.Kind == KindInstant {
			instant++
		}
		if sp.Online {
			online++
		}
		if sp.MaxVisits == 0 {
			zero++
		}
		if sp.MaxVisits <= 1 {
			one++
		}
		r := ItemReform{ItemID: it.ID, Name: sp.Name, DeptID: sp.CompetentDept, Version: v.Version,
			MaterialsAfter: sp.MaterialCount(), StatutoryWD: sp.StatutoryWD, PromisedWD: sp.PromisedWD}
		if b, ok := before[it.ID]; ok {
			r.BaselineVersion = b.Version
			r.MaterialsBefore = b.Spec.MaterialCount()
			r.BaselinePromisedWD = b.Spec.PromisedWD
			r.MaterialsCut = NewRate(int64(r.MaterialsBefore-r.MaterialsAfter), int64(r.MaterialsBefore))
			r.PromisedCut = NewRate(int64(r.BaselinePromisedWD-r.PromisedWD), int64(r.BaselinePromisedWD))
		}
		r.TimeCut = NewRate(int64(r.StatutoryWD-r.PromisedWD), int64(r.StatutoryWD))
		out.Items = append(out.Items, r)
		d := depts[r.DeptID]
		if d == nil {
			d = &ReformSum{DeptID: r.DeptID}
			depts[r.DeptID] = d
		}
		d.add(r)
		out.Overall.add(r)
	}
	for _, d := range depts {
		d.finish()
		out.Depts = append(out.Depts, *d)
	}
	sort.Slice(out.Depts, func(i, j int) bool { return out.Depts[i].DeptID < out.Depts[j].DeptID })
	out.Overall.finish()
	out.Instant, out.Online = NewRate(instant, total), NewRate(online, total)
	out.ZeroVisit, out.OneVisit = NewRate(zero, total), NewRate(one, total)

	events, err := s.st.powers(ctx, s.db.Read, PowerFilter{})
	if err != nil {
		return out, err
	}
	type key struct{ level, base string }
	seen := map[PowerKind]map[key]bool{PowerTransfer: {}, PowerDelegate: {}, PowerReturn: {}}
	moved := map[string]bool{}
	for _, e := range events {
		if e.EffectiveFrom.After(on) || e.Kind == PowerInitial {
			continue
		}
		seen[e.Kind][key{RegionLevelName(e.RegionCode), e.BaseCode}] = true
		if e.Kind == PowerTransfer && e.FromUnit != "" {
			moved[e.FromUnit] = true
		}
	}
	levels := map[string]*PowerCount{}
	for kind, keys := range seen {
		for k := range keys {
			c := levels[k.level]
			if c == nil {
				c = &PowerCount{Level: k.level}
				levels[k.level] = c
			}
			switch kind {
			case PowerTransfer:
				c.Transferred++
			case PowerDelegate:
				c.Delegated++
			case PowerReturn:
				c.Returned++
			}
		}
	}
	order := map[string]int{"province": 0, "city": 1, "county": 2, "township": 3, "village": 4}
	for _, c := range levels {
		out.Powers = append(out.Powers, *c)
	}
	sort.Slice(out.Powers, func(i, j int) bool { return order[out.Powers[i].Level] < order[out.Powers[j].Level] })
	out.DeptsMoved = len(moved)
	sort.Slice(out.Items, func(i, j int) bool { return out.Items[i].Name < out.Items[j].Name })
	return out, nil
}
