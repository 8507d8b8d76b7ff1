package rating

import (
	"context"
	"database/sql"
	"math/rand/v2"
	"time"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/outbox"
	"onestamp/internal/platform/workday"
)

// DemoDeps are what the demo step needs.
type DemoDeps struct {
	// CaseIDs are the demo's concluded cases, resolved through the service's case lookup. Empty:
	// every concluded case the domain already knows (from case.concluded events).
	CaseIDs []string
	Seed    uint64 // the same seed gives the same ratings
	// RatedShare is the share of concluded cases that get a rating (0.8 when 0).
	RatedShare float64
}

// DemoResult says what the demo step added.
type DemoResult struct {
	Cases   int `json:"cases"`
	Ratings int `json:"ratings"`
	Bad     int `json:"bad"`
	Appeals int `json:"appeals"`
}

var demoBadComments = []string{"窗口人员态度生硬，问了两遍才回答", "材料要求前后不一致，跑了三趟", "承诺时限到了还没办结",
	"网上系统老是提交失败", "一次性告知不到位，回去补了两次材料", "排队等了一个多小时"}

// DemoStep rates the demo year's concluded cases with a realistic mix: about 80% of cases rated,
// about 99% of ratings good, the rest bad (each opening a rectification through rating.bad), over
// every channel, each within three days of the case's conclusion; and two appeals, one upheld
// and one rejected. It needs the cases demo first, and is idempotent: a case rated before keeps
// its rating.
func DemoStep(ctx context.Context, s *Service, deps DemoDeps) (DemoResult, error) {
	var res DemoResult
	rnd := rand.New(rand.NewPCG(deps.Seed, deps.Seed^0x9e3779b97f4a7c15))
	share := deps.RatedShare
	if share <= 0 {
		share = 0.8
	}
	ids := deps.CaseIDs
	if len(ids) == 0 {
		known, err := s.st.caseIDs(ctx, s.d.Read)
		if err != nil {
			return res, err
		}
		ids = known
	}
	now := s.clock()
	var rows []row
	var bad []string
	flush := func() error {
		for i, err := range s.w.write(ctx, nil, rows...) {
			switch {
			case err == nil:
				res.Ratings++
				if rows[i].Level.IsBad() {
					res.Bad++
					bad = append(bad, rows[i].ID)
				}
			case errs.Is(err, errs.Conflict):
			default:
				return err
			}
		}
		rows = rows[:0]
		return nil
	}
	for _, id := range ids {
		c, err := s.cases.Case(ctx, id)
		if errs.Is(err, errs.NotFound) {
			continue
		}
		if err != nil {
			return res, err
		}
		if c.ConcludedAt.IsZero() || c.ConcludedAt.After(now) {
			continue
		}
		if err := s.recordConcluded(ctx, c); err != nil {
			return res, err
		}
		res.Cases++
		if rnd.Float64() >= share {
			continue
		}
		at := c.ConcludedAt.Add(time.Duration(rnd.Int64N(int64(72 * time.Hour))))
		if at.After(now) {
			at = now.Add(-time.Minute)
		}
		in := demoInput(rnd)
		ch := demoChannel(rnd, c.WindowID != "")
		r, err := s.prepare(ctx, c, in, prep{channel: ch, at: at.Truncate(time.Millisecond)})
		if errs.Is(err, errs.Conflict) || errs.Is(err, errs.Invalid) {
			continue
		}
		if err != nil {
			return res, err
		}
		rows = append(rows, r)
		if len(rows) >= s.opt.MaxBatch {
			if err := flush(); err != nil {
				return res, err
			}
		}
	}
	if err := flush(); err != nil {
		return res, err
	}
	for i, id := range bad {
		if i >= 2 {
			break
		}
		if err := s.demoAppeal(ctx, id, i == 0); err != nil {
			return res, err
		}
		res.Appeals++
	}
	return res, nil
}

func demoInput(rnd *rand.Rand) Input {
	x := rnd.IntN(1000)
	switch {
	case x < 4:
		return Input{Level: VeryDissatisfied, Reasons: []Reason{BadReasons[rnd.IntN(len(BadReasons))]},
			Comment: demoBadComments[rnd.IntN(len(demoBadComments))]}
	case x < 10:
		return Input{Level: Dissatisfied, Reasons: []Reason{BadReasons[rnd.IntN(len(BadReasons))]},
			Comment: demoBadComments[rnd.IntN(len(demoBadComments))]}
	case x < 50:
		return Input{Level: Basic, Reasons: []Reason{BasicReasons[rnd.IntN(len(BasicReasons))]}}
	case x < 250:
		return Input{Level: Satisfied, Reasons: []Reason{GoodReasons[rnd.IntN(len(GoodReasons))]}}
	}
	return Input{Level: VerySatisfied, Reasons: []Reason{GoodReasons[rnd.IntN(len(GoodReasons))], GoodReasons[rnd.IntN(3)]}}
}

func demoChannel(rnd *rand.Rand, window bool) Channel {
	if window {
		return []Channel{ChannelPad, ChannelPad, ChannelPad, ChannelWindowQR, ChannelSMS, ChannelPaper}[rnd.IntN(6)]
	}
	return []Channel{ChannelWeb, ChannelWeb, ChannelApp, ChannelMiniProgram, ChannelSMS, ChannelHotline}[rnd.IntN(6)]
}

// demoAppeal files the rated organisation's appeal against a demo rating on the day after it and
// decides it two days later, as the rules would have had it; upheld excludes the rating.
func (s *Service) demoAppeal(ctx context.Context, ratingID string, upheld bool) error {
	d, err := s.st.rating(ctx, s.d.Read, auth.SystemScope(), ratingID)
	if err != nil || d.appeal != nil {
		return err
	}
	on, err := workday.ParseDate(d.RatedOn)
	if err != nil {
		return err
	}
	filed, decided := on.AddDays(1).Time(10*time.Hour), on.AddDays(3).Time(15*time.Hour)
	if decided.After(s.now()) {
		return nil
	}
	a := Appeal{ID: newID(), RatingID: d.ID, UnitID: d.UnitID, Grounds: GroundsMistaken,
		Reason: "评价人所述情况与监控记录不符，系误评其他窗口", Evidence: []EvidenceFile{}, FiledBy: "demo", FiledName: "单位负责人",
		FiledAt: filed, FiledOn: workday.DateOf(filed).String(), DecideBy: on.AddDays(8).String()}
	dec := Decision{Outcome: OutcomeRejected, Reason: "经核实评价属实，维持评价", DecidedBy: "demo-supervisor",
		DecidedName: "督查员", DecidedUnit: "demo", DecidedAt: decided}
	if upheld {
		dec.Outcome, dec.Reason = OutcomeUpheld, "经调取监控核实，系误评，不予采信"
	}
	sys := &auth.Viewer{ID: "system", Name: "demo"}
	return s.d.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.st.insertAppeal(ctx, tx, a, d.RegionCode); err != nil {
			return err
		}
		if err := s.st.insertDecision(ctx, tx, a.ID, d.ID, dec, workday.DateOf(decided).String()); err != nil {
			return err
		}
		if upheld {
			deltas := rollupDeltas{}
			deltas.addRating(d.row, -1)
			if d.followup != nil {
				deltas.add(d.dims(), followupCounters(*d.followup).times(-1))
			}
			var x Counters
			x[colExcluded] = 1
			deltas.add(d.dims(), x)
			if err := s.st.applyRollups(ctx, tx, deltas); err != nil {
				return err
			}
		}
		if err := s.record(ctx, tx, sys, "rating.appeal_decide", "rating:"+d.ID, map[string]any{"appeal_id": a.ID,
			"outcome": string(dec.Outcome), "demo": true}); err != nil {
			return err
		}
		_, err := outbox.Emit(ctx, tx, TopicAppealDecided, "rating:"+d.ID, AppealDecidedEvent{RatingID: d.ID, AppealID: a.ID,
			Outcome: dec.Outcome, Reason: dec.Reason, DecidedBy: dec.DecidedBy, DecidedName: dec.DecidedName,
			DecidedAt: decided.UnixMilli()})
		return err
	})
}
