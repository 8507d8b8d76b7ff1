package rating

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/workday"
)

// Stat is the statistics of one key (an item, an organisation, a hall, a window, a staff member,
// a region, or everything in the viewer's scope) over one period.
//
// The formulas (DOMAIN §6; the README copies this list). Counts are of the period: ratings by
// the day they were given, concluded cases by the day they concluded, and the follow-up of a
// bad rating in the period of that rating.
//
//	N            = counted ratings: every rating of the period not excluded by an upheld appeal,
//	               default ratings included (N = L1+L2+L3+L4+L5)
//	Lk           = counted ratings of level k; good = L3+L4+L5, bad = L1+L2
//	active       = N − default ratings (a default rating is never active)
//	好评率        = (L5+L4+L3) / N
//	差评率        = (L2+L1) / N
//	主动评价率    = active / concluded cases
//	主动好评率    = (good − default good) / active
//	未评价率      = concluded cases with no active rating / concluded cases
//	差评整改率    = bad ratings whose rectification is closed (销号) / bad
//	整改及时率    = closed rectifications whose fix was submitted by the due date (15 wd) / closed
//	回访率        = real-name bad ratings whose callback is done (reached, or 3 unanswered attempts,
//	               which the ledger reports as unreachable) / real-name bad ratings
//	整改满意率    = responses 满意 or 基本满意 / responses given
//	综合得分 [P]  = 20 · Σ k·Lk / N   (100 when every rating is 非常满意)
//
// A rate whose denominator is 0 is reported as 0 with its denominator, so "no data" can be told
// from "0%". Rates are percentages with two decimals.
type Stat struct {
	Rank        int      `json:"rank,omitempty" doc:"1 for the best of a list"`
	Key         string   `json:"key"`
	Name        string   `json:"name"`
	Levels      [5]int64 `json:"levels" doc:"counted ratings of levels 1 … 5"`
	N           int64    `json:"n" doc:"counted ratings"`
	Good        int64    `json:"good"`
	Bad         int64    `json:"bad"`
	Active      int64    `json:"active"`
	Default     int64    `json:"default"`
	Excluded    int64    `json:"excluded"`
	Concluded   int64    `json:"concluded"`
	Unrated     int64    `json:"unrated"`
	BadReal     int64    `json:"bad_real_name"`
	Closed      int64    `json:"closed"`
	OnTime      int64    `json:"on_time"`
	Callback    int64    `json:"callback"`
	Responses   int64    `json:"responses"`
	Satisfied   int64    `json:"satisfied"`
	GoodRate    float64  `json:"good_rate" doc:"好评率, %"`
	BadRate     float64  `json:"bad_rate" doc:"差评率, %"`
	ActiveRate  float64  `json:"active_rate" doc:"主动评价率, %"`
	ActiveGood  float64  `json:"active_good_rate" doc:"主动好评率, %"`
	UnratedRate float64  `json:"unrated_rate" doc:"未评价率, %"`
	Rectified   float64  `json:"rectify_rate" doc:"差评整改率, %"`
	Timely      float64  `json:"timely_rate" doc:"整改及时率, %"`
	CalledBack  float64  `json:"callback_rate" doc:"回访率, %"`
	Satisfy     float64  `json:"satisfaction_rate" doc:"整改满意率, %"`
	Score       float64  `json:"score" doc:"综合得分 20·Σk·Lk/N"`
}

func pct(num, den int64) float64 {
	if den <= 0 {
		return 0
	}
	return math.Round(float64(num)*10000/float64(den)) / 100
}

// statOf computes the figures of a key from its counters.
func statOf(key, name string, c Counters) Stat {
	s := Stat{Key: key, Name: name}
	var weighted int64
	for k := 1; k <= 5; k++ {
		s.Levels[k-1] = c[colN1+k-1]
		s.N += c[colN1+k-1]
		weighted += int64(k) * c[colN1+k-1]
	}
	s.Good = s.Levels[2] + s.Levels[3] + s.Levels[4]
	s.Bad = s.Levels[0] + s.Levels[1]
	s.Default = c[colDefault]
	s.Active = s.N - s.Default
	s.Excluded = c[colExcluded]
	s.Concluded = c[colConcluded]
	s.Unrated = max(0, c[colConcluded]-c[colRatedCases])
	s.BadReal = c[colBadReal]
	s.Closed, s.OnTime, s.Callback = c[colClosed], c[colOnTime], c[colCallback]
	s.Responses, s.Satisfied = c[colRespN], c[colRespOK]
	s.GoodRate = pct(s.Good, s.N)
	s.BadRate = pct(s.Bad, s.N)
	s.ActiveRate = pct(s.Active, s.Concluded)
	s.ActiveGood = pct(s.Good-c[colDefaultGood], s.Active)
	s.UnratedRate = pct(s.Unrated, s.Concluded)
	s.Rectified = pct(s.Closed, s.Bad)
	s.Timely = pct(s.OnTime, s.Closed)
	s.CalledBack = pct(s.Callback, s.BadReal)
	s.Satisfy = pct(s.Satisfied, s.Responses)
	if s.N > 0 {
		s.Score = math.Round(float64(20*weighted)*100/float64(s.N)) / 100
	}
	return s
}

// Period is a day (2026-03-14), a month (2026-03) or a year (2026).
type Period string

// periods returns the rollup periods that make up p: itself for a day or a month, its twelve
// months for a year.
func (p Period) periods() ([]string, error) {
	s := string(p)
	switch len(s) {
	case 10:
		if _, err := workday.ParseDate(s); err != nil {
			return nil, errs.InvalidInput("rating.period.invalid").OnField("period")
		}
		return []string{s}, nil
	case 7:
		if _, err := time.Parse("2006-01", s); err != nil {
			return nil, errs.InvalidInput("rating.period.invalid").OnField("period")
		}
		return []string{s}, nil
	case 4:
		y, err := strconv.Atoi(s)
		if err != nil || y < 2000 || y > 2100 {
			return nil, errs.InvalidInput("rating.period.invalid").OnField("period")
		}
		out := make([]string, 12)
		for m := range 12 {
			out[m] = fmt.Sprintf("%04d-%02d", y, m+1)
		}
		return out, nil
	}
	return nil, errs.InvalidInput("rating.period.invalid").OnField("period")
}

// Days returns the days of a month or a day as periods.
func (p Period) days() ([]string, error) {
	s := string(p)
	if len(s) == 10 {
		return []string{s}, nil
	}
	t, err := time.Parse("2006-01", s)
	if err != nil {
		return nil, errs.InvalidInput("rating.period.invalid").OnField("period")
	}
	var out []string
	for d := t; d.Month() == t.Month(); d = d.AddDate(0, 0, 1) {
		out = append(out, d.Format("2006-01-02"))
	}
	return out, nil
}

// previousMonth returns the month before a month period.
func previousMonth(p Period) Period {
	t, err := time.Parse("2006-01", string(p))
	if err != nil {
		return ""
	}
	return Period(t.AddDate(0, -1, 0).Format("2006-01"))
}

// Dims lists the dimensions statistics are kept by.
var Dims = []string{DimAll, DimUnit, DimRegion, DimHall, DimWindow, DimStaff, DimItem}

// StatsQuery asks for statistics.
type StatsQuery struct {
	Period Period `json:"period" doc:"a day 2026-03-14, a month 2026-03 or a year 2026"`
	Dim    string `json:"dim" doc:"all, unit, region, hall, window, staff or item"`
}

// Stats returns the statistics of every key of a dimension over a period, within the viewer's
// scope, and the total over all of them. Keys come sorted by good rate, best first (ties by N).
func (s *Service) Stats(ctx context.Context, q StatsQuery) ([]Stat, Stat, error) {
	v, err := staffIn(ctx, statsRoles)
	if err != nil {
		return nil, Stat{}, err
	}
	if q.Dim == "" {
		q.Dim = DimAll
	}
	if !slices.Contains(Dims, q.Dim) {
		return nil, Stat{}, errs.InvalidInput("rating.dim.invalid").OnField("dim")
	}
	ps, err := q.Period.periods()
	if err != nil {
		return nil, Stat{}, err
	}
	rows, err := s.st.stats(ctx, s.d.Read, v.Scope(), q.Dim, ps)
	if err != nil {
		return nil, Stat{}, err
	}
	var total Counters
	out := make([]Stat, 0, len(rows))
	for _, r := range rows {
		total.add(r.c)
		if q.Dim != DimAll {
			out = append(out, statOf(r.key, r.name, r.c))
		}
	}
	sortStats(out)
	for i := range out {
		out[i].Rank = i + 1
	}
	return out, statOf("*", "", total), nil
}

func sortStats(out []Stat) {
	slices.SortStableFunc(out, func(a, b Stat) int {
		switch {
		case a.GoodRate != b.GoodRate:
			if a.GoodRate > b.GoodRate {
				return -1
			}
			return 1
		case a.N != b.N:
			if a.N > b.N {
				return -1
			}
			return 1
		}
		if a.Key < b.Key {
			return -1
		}
		return 1
	})
}

// TrendPoint is one day of a trend.
type TrendPoint struct {
	Day  string `json:"day"`
	N    int64  `json:"n"`
	Good int64  `json:"good"`
	Bad  int64  `json:"bad"`
}

// Trend returns the ratings per day of a month (or one day) within the viewer's scope.
func (s *Service) Trend(ctx context.Context, p Period) ([]TrendPoint, error) {
	v, err := staffIn(ctx, statsRoles)
	if err != nil {
		return nil, err
	}
	days, err := p.days()
	if err != nil {
		return nil, err
	}
	rows, err := s.st.statsByPeriod(ctx, s.d.Read, v.Scope(), days)
	if err != nil {
		return nil, err
	}
	out := make([]TrendPoint, len(days))
	for i, d := range days {
		st := statOf(d, "", rows[d])
		out[i] = TrendPoint{Day: d, N: st.N, Good: st.Good, Bad: st.Bad}
	}
	return out, nil
}

// AgeBucket counts open rectifications of bad ratings by age (working days since the rating).
type AgeBucket struct {
	Label string `json:"label" doc:"message key"`
	Count int64  `json:"count"`
	Over  int64  `json:"overdue" doc:"of which past their due date"`
}

// OpenByAge returns the open rectifications of bad ratings in the viewer's scope by age: within
// 5, 6–10, 11–15 and over 15 working days since the rating.
func (s *Service) OpenByAge(ctx context.Context) ([]AgeBucket, error) {
	v, err := staffIn(ctx, statsRoles)
	if err != nil {
		return nil, err
	}
	open, err := s.st.openFollowups(ctx, s.d.Read, v.Scope())
	if err != nil {
		return nil, err
	}
	out := []AgeBucket{{Label: "rating.age.0_5"}, {Label: "rating.age.6_10"}, {Label: "rating.age.11_15"}, {Label: "rating.age.16_"}}
	cal := s.cal()
	today := s.today()
	for _, f := range open {
		on, err := workday.ParseDate(f.ratedOn)
		if err != nil {
			continue
		}
		age, _, err := cal.Between(f.region, on, today)
		if err != nil {
			age = today.Sub(on) * 5 / 7
		}
		i := 0
		switch {
		case age > 15:
			i = 3
		case age > 10:
			i = 2
		case age > 5:
			i = 1
		}
		out[i].Count++
		if f.dueOn != "" && f.dueOn < today.String() {
			out[i].Over++
		}
	}
	return out, nil
}
