package rating

import (
	"context"
	"database/sql"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/outbox"
	"onestamp/internal/platform/workday"
)

// TopicAppealDecided is emitted when an appeal is decided. The rectify domain closes the bad
// rating's rectification as "appealed" when the appeal is upheld. Payload: AppealDecidedEvent.
const TopicAppealDecided = "rating.appeal_decided"

// AppealDecidedEvent is the payload of rating.appeal_decided.
type AppealDecidedEvent struct {
	RatingID    string  `json:"rating_id"`
	AppealID    string  `json:"appeal_id"`
	Outcome     Outcome `json:"outcome"`
	Reason      string  `json:"reason"`
	DecidedBy   string  `json:"decided_by"`
	DecidedName string  `json:"decided_name"`
	DecidedAt   int64   `json:"decided_at"`
}

// Grounds are why the rated organisation appeals (DOMAIN §6 3d).
type Grounds string

const (
	GroundsMistaken  Grounds = "mistaken"  // rated the wrong service or unit by mistake
	GroundsMalicious Grounds = "malicious" // a malicious or abusive rating
)

// Outcome is a supervisor's decision on an appeal.
type Outcome string

const (
	OutcomeUpheld   Outcome = "upheld"   // 不予采信: the rating is excluded from the statistics
	OutcomeRejected Outcome = "rejected" // the rating stands
)

// Appeal is an appeal (申诉) of the rated organisation against a bad rating.
type Appeal struct {
	ID        string         `json:"id"`
	RatingID  string         `json:"rating_id"`
	UnitID    string         `json:"unit_id"`
	Grounds   Grounds        `json:"grounds" doc:"mistaken or malicious"`
	Reason    string         `json:"reason"`
	Evidence  []EvidenceFile `json:"evidence"`
	FiledBy   string         `json:"filed_by"`
	FiledName string         `json:"filed_name"`
	FiledAt   time.Time      `json:"filed_at"`
	FiledOn   string         `json:"filed_on"`
	DecideBy  string         `json:"decide_by" doc:"the date by which a supervisor decides"`
	Decision  *Decision      `json:"decision,omitempty"`
}

// Decision is the decision on an appeal, kept for ever with the rating.
type Decision struct {
	Outcome     Outcome   `json:"outcome" doc:"upheld (the rating is excluded) or rejected"`
	Reason      string    `json:"reason"`
	DecidedBy   string    `json:"decided_by"`
	DecidedName string    `json:"decided_name"`
	DecidedUnit string    `json:"decided_unit"`
	DecidedAt   time.Time `json:"decided_at"`
}

// AppealInput files an appeal.
type AppealInput struct {
	Grounds  Grounds  `json:"grounds" doc:"mistaken or malicious"`
	Reason   string   `json:"reason"`
	Evidence []Upload `json:"evidence" doc:"at least one file: PDF, JPEG, PNG, MP3, WAV or text"`
}

// DecisionInput decides an appeal.
type DecisionInput struct {
	Outcome Outcome `json:"outcome" doc:"upheld or rejected"`
	Reason  string  `json:"reason"`
}

func msTime(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// FileAppeal files the rated organisation's appeal against a bad rating, with evidence, within
// rating.appealWD working days of the rating. Only the leadership of the rated organisation
// files; a rating has at most one appeal.
func (s *Service) FileAppeal(ctx context.Context, ratingID string, in AppealInput) (Appeal, error) {
	v, err := staffIn(ctx, appealRoles)
	if err != nil {
		return Appeal{}, err
	}
	d, err := s.st.rating(ctx, s.d.Read, v.Scope(), ratingID)
	if err != nil {
		return Appeal{}, err
	}
	if d.UnitID != v.UnitID {
		return Appeal{}, errs.New(errs.Forbidden, "rating.appeal.not_rated_unit")
	}
	if !d.Level.IsBad() {
		return Appeal{}, errs.InvalidInput("rating.appeal.not_bad")
	}
	if d.appeal != nil {
		return Appeal{}, errs.ConflictErr("rating.appeal.exists")
	}
	in.Reason = strings.TrimSpace(in.Reason)
	if in.Grounds != GroundsMistaken && in.Grounds != GroundsMalicious {
		return Appeal{}, errs.InvalidInput("rating.appeal.grounds").OnField("grounds")
	}
	if n := utf8.RuneCountInString(in.Reason); n < 5 || n > 2000 {
		return Appeal{}, errs.InvalidInput("rating.appeal.reason").OnField("reason")
	}
	if len(in.Evidence) == 0 {
		return Appeal{}, errs.InvalidInput("rating.appeal.evidence_required").OnField("evidence")
	}
	if len(in.Evidence) > MaxEvidenceFiles {
		return Appeal{}, errs.InvalidInput("rating.appeal.evidence_too_many").With("max", MaxEvidenceFiles).OnField("evidence")
	}
	cal := s.cal()
	today := s.today()
	ratedOn, err := workday.ParseDate(d.RatedOn)
	if err != nil {
		return Appeal{}, errs.Wrap(err, "rated_on of %s", d.ID)
	}
	last, _, err := cal.Add(d.RegionCode, ratedOn, s.opt.AppealWD)
	if err != nil {
		return Appeal{}, errs.Wrap(err, "appeal deadline")
	}
	if today.After(last) {
		return Appeal{}, errs.ConflictErr("rating.appeal.too_late").With("last", last.String())
	}
	decideBy, _, err := cal.Add(d.RegionCode, today, s.opt.AppealDecideWD)
	if err != nil {
		return Appeal{}, errs.Wrap(err, "appeal decision deadline")
	}
	ev := make([]EvidenceFile, 0, len(in.Evidence))
	for _, u := range in.Evidence {
		f, err := s.putEvidence(ctx, u)
		if err != nil {
			return Appeal{}, err
		}
		ev = append(ev, f)
	}
	now := s.clock()
	a := Appeal{ID: newID(), RatingID: d.ID, UnitID: d.UnitID, Grounds: in.Grounds, Reason: in.Reason, Evidence: ev,
		FiledBy: v.ID, FiledName: v.Name, FiledAt: now, FiledOn: today.String(), DecideBy: decideBy.String()}
	err = s.d.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.st.insertAppeal(ctx, tx, a, d.RegionCode); err != nil {
			return err
		}
		return s.record(ctx, tx, v, "rating.appeal", "rating:"+d.ID, map[string]any{"appeal_id": a.ID,
			"grounds": string(a.Grounds), "evidence": len(ev)})
	})
	if err != nil {
		return Appeal{}, err
	}
	return a, nil
}

// DecideAppeal records a supervisor's decision on an appeal. The supervisor must not belong to
// the rated organisation. An upheld appeal excludes the rating from every statistic from now on
// (the rollups are corrected in the same transaction); the rating and the decision stay.
func (s *Service) DecideAppeal(ctx context.Context, appealID string, in DecisionInput) (Appeal, error) {
	v, err := staffIn(ctx, decideRoles)
	if err != nil {
		return Appeal{}, err
	}
	ratingID, err := s.st.appealRating(ctx, s.d.Read, v.Scope(), appealID)
	if err != nil {
		return Appeal{}, err
	}
	in.Reason = strings.TrimSpace(in.Reason)
	if in.Outcome != OutcomeUpheld && in.Outcome != OutcomeRejected {
		return Appeal{}, errs.InvalidInput("rating.appeal.outcome").OnField("outcome")
	}
	if n := utf8.RuneCountInString(in.Reason); n < 2 || n > 2000 {
		return Appeal{}, errs.InvalidInput("rating.appeal.decision_reason").OnField("reason")
	}
	var out Appeal
	err = s.d.Tx(ctx, func(tx *sql.Tx) error {
		d, err := s.st.rating(ctx, tx, auth.SystemScope(), ratingID)
		if err != nil {
			return err
		}
		if ratedUnitMember(v, d.UnitID, d.HallID, d.Staff) || v.UnitID == d.appeal.UnitID {
			return errs.New(errs.Forbidden, "rating.appeal.own_unit")
		}
		if d.appeal.Decision != nil {
			return errs.ConflictErr("rating.appeal.decided")
		}
		now := s.clock()
		dec := Decision{Outcome: in.Outcome, Reason: in.Reason, DecidedBy: v.ID, DecidedName: v.Name,
			DecidedUnit: v.UnitID, DecidedAt: now}
		if err := s.st.insertDecision(ctx, tx, appealID, d.ID, dec, s.today().String()); err != nil {
			return err
		}
		if in.Outcome == OutcomeUpheld {
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
		if err := s.record(ctx, tx, v, "rating.appeal_decide", "rating:"+d.ID, map[string]any{"appeal_id": appealID,
			"outcome": string(in.Outcome), "reason": in.Reason}); err != nil {
			return err
		}
		if _, err := outbox.Emit(ctx, tx, TopicAppealDecided, "rating:"+d.ID, AppealDecidedEvent{RatingID: d.ID,
			AppealID: appealID, Outcome: in.Outcome, Reason: in.Reason, DecidedBy: v.ID, DecidedName: v.Name,
			DecidedAt: now.UnixMilli()}); err != nil {
			return errs.Wrap(err, "emit %s", TopicAppealDecided)
		}
		out = *d.appeal
		out.Decision = &dec
		return nil
	})
	return out, err
}

// Evidence opens an evidence file of an appeal the viewer may see.
func (s *Service) Evidence(ctx context.Context, ratingID, sum string) (EvidenceFile, io.ReadCloser, error) {
	v, sc, err := readScope(ctx)
	if err != nil {
		return EvidenceFile{}, nil, err
	}
	if !v.IsStaff() {
		return EvidenceFile{}, nil, errs.ForbiddenErr()
	}
	d, err := s.st.rating(ctx, s.d.Read, sc, ratingID)
	if err != nil {
		return EvidenceFile{}, nil, err
	}
	if d.appeal != nil {
		for _, f := range d.appeal.Evidence {
			if f.SHA256 == sum {
				r, err := s.openEvidence(sum)
				return f, r, err
			}
		}
	}
	return EvidenceFile{}, nil, errs.NotFoundErr("rating.evidence.not_found")
}
