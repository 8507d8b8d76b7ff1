package rating

import (
	"context"
	"slices"
	"time"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/errs"
)

// BadLine is a bad rating as the bulletin lists it, with what became of it.
type BadLine struct {
	RatingID     string   `json:"rating_id"`
	RatedOn      string   `json:"rated_on"`
	CaseNo       string   `json:"case_no"`
	ItemName     string   `json:"item_name"`
	UnitName     string   `json:"unit_name"`
	Window       string   `json:"window"`
	Staff        string   `json:"staff"`
	Level        Level    `json:"level"`
	Reasons      []Reason `json:"reasons"`
	Comment      string   `json:"comment"`
	Channel      Channel  `json:"channel"`
	Excluded     bool     `json:"excluded"`
	RectNo       string   `json:"rectification_no"`
	RectState    string   `json:"rectification_state" doc:"the ledger's state; empty until the item is opened"`
	DueOn        string   `json:"due_on"`
	Callback     bool     `json:"callback"`
	Response     string   `json:"response"`
	ClosedInTime bool     `json:"on_time"`
}

// Interview is a window rated among the worst two months in a row: a 约谈 candidate.
type Interview struct {
	Key      string `json:"key"`
	Name     string `json:"name"`
	Rank     int    `json:"rank" doc:"from the worst, this month"`
	PrevRank int    `json:"prev_rank" doc:"from the worst, the month before"`
	This     Stat   `json:"this"`
	Prev     Stat   `json:"prev"`
}

// Bulletin is the monthly bulletin (月通报).
type Bulletin struct {
	Period     Period      `json:"period"`
	Prev       Period      `json:"prev"`
	Generated  time.Time   `json:"generated"`
	Total      Stat        `json:"total"`
	PrevTotal  Stat        `json:"prev_total"`
	Units      []Stat      `json:"units" doc:"ranked, best first"`
	Regions    []Stat      `json:"regions"`
	Windows    []Stat      `json:"windows"`
	Staff      []Stat      `json:"staff"`
	Interviews []Interview `json:"interviews" doc:"windows among the worst two months in a row"`
	Bad        []BadLine   `json:"bad" doc:"every bad rating of the month"`
}

// Bulletin rules [P] (DOMAIN §6 7).
const (
	// WorstN windows from the bottom of the ranking count as worst.
	WorstN = 3
	// MinRanked ratings a window needs in a month to be ranked at all.
	MinRanked = 1
)

// worstOrder ranks the worst first: the highest bad rate, then the lowest score, then the most
// ratings (more evidence), then the key.
func worstOrder(a, b Stat) int {
	switch {
	case a.BadRate != b.BadRate:
		if a.BadRate > b.BadRate {
			return -1
		}
		return 1
	case a.Score != b.Score:
		if a.Score < b.Score {
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
}

// worstRanks returns the rank from the worst (1-based) of every window with a bad rating among
// the WorstN worst.
func worstRanks(ws []Stat) map[string]int {
	var ranked []Stat
	for _, w := range ws {
		if w.N >= MinRanked {
			ranked = append(ranked, w)
		}
	}
	slices.SortFunc(ranked, worstOrder)
	out := map[string]int{}
	for i, w := range ranked {
		if i >= WorstN {
			break
		}
		if w.Bad > 0 {
			out[w.Key] = i + 1
		}
	}
	return out
}

// Bulletin assembles the monthly bulletin of a month within the viewer's scope: the totals and
// the month before, the rankings of organisations, regions, windows and staff, the 约谈
// candidates, and every bad rating of the month with its rectification. Everything but the list
// of bad ratings comes from the rollups.
func (s *Service) Bulletin(ctx context.Context, p Period) (Bulletin, error) {
	v, err := staffIn(ctx, statsRoles)
	if err != nil {
		return Bulletin{}, err
	}
	if len(p) != 7 {
		return Bulletin{}, errs.InvalidInput("rating.period.month").OnField("period")
	}
	if _, err := p.periods(); err != nil {
		return Bulletin{}, err
	}
	b := Bulletin{Period: p, Prev: previousMonth(p), Generated: s.clock()}
	if b.Units, b.Total, err = s.Stats(ctx, StatsQuery{Period: p, Dim: DimUnit}); err != nil {
		return b, err
	}
	if _, b.PrevTotal, err = s.Stats(ctx, StatsQuery{Period: b.Prev, Dim: DimAll}); err != nil {
		return b, err
	}
	if b.Regions, _, err = s.Stats(ctx, StatsQuery{Period: p, Dim: DimRegion}); err != nil {
		return b, err
	}
	if b.Windows, _, err = s.Stats(ctx, StatsQuery{Period: p, Dim: DimWindow}); err != nil {
		return b, err
	}
	if b.Staff, _, err = s.Stats(ctx, StatsQuery{Period: p, Dim: DimStaff}); err != nil {
		return b, err
	}
	prevWindows, _, err := s.Stats(ctx, StatsQuery{Period: b.Prev, Dim: DimWindow})
	if err != nil {
		return b, err
	}
	this, prev := worstRanks(b.Windows), worstRanks(prevWindows)
	prevByKey := map[string]Stat{}
	for _, w := range prevWindows {
		prevByKey[w.Key] = w
	}
	b.Interviews = []Interview{}
	for _, w := range b.Windows {
		if r, ok := this[w.Key]; ok {
			if pr, ok := prev[w.Key]; ok {
				b.Interviews = append(b.Interviews, Interview{Key: w.Key, Name: w.Name, Rank: r, PrevRank: pr, This: w, Prev: prevByKey[w.Key]})
			}
		}
	}
	slices.SortFunc(b.Interviews, func(x, y Interview) int { return x.Rank - y.Rank })
	days, _ := p.days()
	b.Bad, err = s.badLines(ctx, v, days[0], days[len(days)-1])
	return b, err
}

func (s *Service) badLines(ctx context.Context, v *auth.Viewer, from, to string) ([]BadLine, error) {
	return s.st.badLines(ctx, s.d.Read, v.Scope(), from, to)
}

// Daily is the daily summary (日统计).
type Daily struct {
	Day   string    `json:"day"`
	Total Stat      `json:"total"`
	Units []Stat    `json:"units"`
	Bad   []BadLine `json:"bad"`
}

// DailySummary returns one day's figures in the viewer's scope.
func (s *Service) DailySummary(ctx context.Context, day string) (Daily, error) {
	v, err := staffIn(ctx, statsRoles)
	if err != nil {
		return Daily{}, err
	}
	if len(day) != 10 {
		return Daily{}, errs.InvalidInput("rating.period.day").OnField("day")
	}
	out := Daily{Day: day}
	if out.Units, out.Total, err = s.Stats(ctx, StatsQuery{Period: Period(day), Dim: DimUnit}); err != nil {
		return out, err
	}
	out.Bad, err = s.badLines(ctx, v, day, day)
	return out, err
}

// Annual is the annual assessment table (年考核): every organisation's figures for a year, ranked
// by score.
type Annual struct {
	Year  string `json:"year"`
	Total Stat   `json:"total"`
	Units []Stat `json:"units" doc:"ranked by score, best first"`
}

// AnnualAssessment returns the annual table of a year in the viewer's scope.
func (s *Service) AnnualAssessment(ctx context.Context, year string) (Annual, error) {
	if len(year) != 4 {
		return Annual{}, errs.InvalidInput("rating.period.year").OnField("year")
	}
	units, total, err := s.Stats(ctx, StatsQuery{Period: Period(year), Dim: DimUnit})
	if err != nil {
		return Annual{}, err
	}
	slices.SortStableFunc(units, func(a, b Stat) int {
		if a.Score != b.Score {
			if a.Score > b.Score {
				return -1
			}
			return 1
		}
		return 0
	})
	for i := range units {
		units[i].Rank = i + 1
	}
	return Annual{Year: year, Total: total, Units: units}, nil
}

// Overview is the month and the month before, as two rows named by their periods.
func (b Bulletin) Overview() []Stat {
	this, prev := b.Total, b.PrevTotal
	this.Name, this.Rank, prev.Name, prev.Rank = string(b.Period), 1, string(b.Prev), 2
	return []Stat{this, prev}
}
