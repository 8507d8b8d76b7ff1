package rating

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/notify"
	"onestamp/internal/platform/outbox"
	"onestamp/internal/platform/web"
	"onestamp/internal/platform/workday"
)

// Topics this domain consumes.
const (
	TopicCaseConcluded = "case.concluded" // the applicant is invited to rate the case
	TopicCaseReceived  = "case.received"  // with 一事多评: invited to rate the receipt
	TopicCaseAccepted  = "case.accepted"  // with 一事多评: invited to rate the acceptance
	TopicRectifyChange = "rectify.changed"
)

// caseEvent is the part of a cases event this domain reads: the case id (in the payload as
// case_id or id, or in the key as case:<id>). Everything else it asks the cases domain.
type caseEvent struct {
	CaseID string `json:"case_id"`
	ID     string `json:"id"`
}

func caseIDOf(e outbox.Event) string {
	var ce caseEvent
	_ = e.Decode(&ce)
	switch {
	case ce.CaseID != "":
		return ce.CaseID
	case ce.ID != "":
		return ce.ID
	}
	return strings.TrimPrefix(e.Key, "case:")
}

// rectifyChanged is the payload of rectify.changed that this domain reads.
type rectifyChanged struct {
	ID           string `json:"id"`
	No           string `json:"no"`
	SourceKind   string `json:"source_kind"`
	SourceID     string `json:"source_id"`
	State        string `json:"state"`
	DueOn        string `json:"due_on"`
	Closed       bool   `json:"closed"`
	OnTime       bool   `json:"on_time"`
	Callback     bool   `json:"callback"`
	Satisfaction string `json:"satisfaction"`
	Version      int64  `json:"version"`
}

// Dispatcher is where the domain's event handlers are registered (an *outbox.Dispatcher).
type Dispatcher interface {
	Handle(topic, name string, fn outbox.HandlerFunc)
}

// RegisterHandlers registers the domain's consumers: invitations after a case concludes (and
// after each stage with 一事多评), the follow-up of bad ratings as the ledger reports it, and the
// provincial push when an endpoint is configured.
func (s *Service) RegisterHandlers(d Dispatcher) {
	d.Handle(TopicCaseConcluded, "rating.invite", s.onCaseConcluded)
	if s.opt.PerStage {
		d.Handle(TopicCaseReceived, "rating.invite_receipt", s.onStage(StageReceipt))
		d.Handle(TopicCaseAccepted, "rating.invite_acceptance", s.onStage(StageAcceptance))
	}
	d.Handle(TopicRectifyChange, "rating.followup", s.onRectifyChanged)
	if s.opt.PushURL != "" {
		d.Handle(TopicRecorded, "rating.push", s.onRecorded)
	}
}

// onCaseConcluded records the concluded case (the denominator of 主动评价率 and 未评价率, and
// the schedule of its reminder and default rating) and sends the invitation SMS with the signed
// link. It is idempotent: the case is recorded once and invited until an SMS went out.
func (s *Service) onCaseConcluded(ctx context.Context, e outbox.Event) error {
	id := caseIDOf(e)
	c, err := s.cases.Case(ctx, id)
	if errs.Is(err, errs.NotFound) {
		return nil // nothing to invite to; the cases domain knows why
	}
	if err != nil {
		return err
	}
	if c.ConcludedAt.IsZero() {
		c.ConcludedAt = e.CreatedAt
	}
	if err := s.recordConcluded(ctx, c); err != nil {
		return err
	}
	rc, _, err := s.st.ratingCase(ctx, s.d.Read, c.ID)
	if err != nil {
		return err
	}
	if rc.InvitedAt != 0 || rc.RatedAt != 0 || c.ApplicantMobile == "" {
		return nil
	}
	stage := StageCase
	if s.opt.PerStage {
		stage = StageConclusion
	}
	if err := s.sendLink(ctx, c.ID, stage, c.ApplicantMobile, "rating.sms.invite"); err != nil {
		return err
	}
	return s.st.markInvited(ctx, s.d.Write(), c.ID, s.clock().UnixMilli())
}

// recordConcluded writes the concluded case and its rollup counters once.
func (s *Service) recordConcluded(ctx context.Context, c CaseInfo) error {
	on := workday.DateOf(c.ConcludedAt)
	remind, _, err := s.cal().Add(c.RegionCode, on, s.opt.RemindWD)
	if err != nil {
		return errs.Wrap(err, "reminder date of %s", c.No)
	}
	var def string
	if s.opt.DefaultAfterDays > 0 {
		def = on.AddDays(s.opt.DefaultAfterDays).String()
	}
	rc := caseRow{caseDims: caseDims{CaseID: c.ID, ConcludedOn: on.String(), ItemID: c.ItemID, UnitID: c.UnitID,
		HallID: c.HallID, WindowID: c.WindowID, RegionCode: c.RegionCode, Staff: c.Staff}, CaseNo: c.No,
		ConcludedAt: c.ConcludedAt.UnixMilli(), RemindOn: remind.String(), DefaultOn: def}
	if c.ApplicantMobile != "" {
		rc.MobileBI = s.cipher.BlindIndex(strings.TrimPrefix(c.ApplicantMobile, "+86"))
	}
	return s.d.Tx(ctx, func(tx *sql.Tx) error {
		rated, err := s.st.hasActive(ctx, tx, c.ID)
		if err != nil {
			return err
		}
		if rated {
			rc.RatedAt = s.clock().UnixMilli()
		}
		inserted, err := s.st.insertCase(ctx, tx, rc)
		if err != nil || !inserted {
			return err
		}
		deltas := rollupDeltas{}
		deltas.addCase(rc.caseDims, colConcluded, 1)
		if rated {
			deltas.addCase(rc.caseDims, colRatedCases, 1)
		}
		return s.st.applyRollups(ctx, tx, deltas)
	})
}

// onStage invites the applicant to rate a stage of the case (一事多评).
func (s *Service) onStage(stage Stage) outbox.HandlerFunc {
	return func(ctx context.Context, e outbox.Event) error {
		c, err := s.cases.Case(ctx, caseIDOf(e))
		if errs.Is(err, errs.NotFound) {
			return nil
		}
		if err != nil || c.ApplicantMobile == "" {
			return err
		}
		return s.sendLink(ctx, c.ID, stage, c.ApplicantMobile, "rating.sms.invite_stage")
	}
}

// sendLink sends the signed rating link of a case to a mobile.
func (s *Service) sendLink(ctx context.Context, caseID string, stage Stage, mobile, key string) error {
	if s.notify == nil {
		return nil
	}
	c, err := s.cases.Case(ctx, caseID)
	if err != nil {
		return err
	}
	u, err := s.LinkURL(ctx, caseID, stage)
	if err != nil {
		return err
	}
	stageName := web.Messages.Text(web.DefaultLang, "rating.stage."+string(stage), nil)
	return s.notify.Send(ctx, notify.Message{To: mobile, Channel: notify.SMS, TemplateKey: key,
		Args: map[string]any{"case_no": c.No, "item": c.ItemName, "url": u, "stage": stageName}})
}

// onRectifyChanged keeps the follow-up of a bad rating as the ledger reports it, and moves the
// rollup counters of 差评整改率, 整改及时率, 回访率 and 整改满意率 by the difference. Reports
// older than the one kept are ignored; an excluded rating's follow-up is kept but not counted.
func (s *Service) onRectifyChanged(ctx context.Context, e outbox.Event) error {
	var ev rectifyChanged
	if err := e.Decode(&ev); err != nil {
		return fmt.Errorf("rectify.changed payload: %w", err)
	}
	if ev.SourceKind != "rating" || ev.SourceID == "" {
		return nil
	}
	return s.d.Tx(ctx, func(tx *sql.Tx) error {
		d, err := s.st.rating(ctx, tx, auth.SystemScope(), ev.SourceID)
		if errs.Is(err, errs.NotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		old, err := s.st.followup(ctx, tx, d.ID)
		if err != nil {
			return err
		}
		if old != nil && old.Version >= ev.Version {
			return nil
		}
		nf := followupRow{RatingID: d.ID, RectID: ev.ID, RectNo: ev.No, State: ev.State, DueOn: ev.DueOn,
			Closed: ev.Closed, OnTime: ev.Closed && ev.OnTime, Callback: ev.Callback, Response: ev.Satisfaction,
			Version: ev.Version}
		if err := s.st.putFollowup(ctx, tx, nf, s.clock().UnixMilli()); err != nil {
			return err
		}
		if d.excluded {
			return nil
		}
		delta := followupCounters(nf)
		if old != nil {
			delta.add(followupCounters(*old).times(-1))
		}
		deltas := rollupDeltas{}
		deltas.add(d.dims(), delta)
		return s.st.applyRollups(ctx, tx, deltas)
	})
}

// SweepResult says what a sweep did.
type SweepResult struct {
	Reminded  int `json:"reminded"`
	Defaulted int `json:"defaulted"`
}

// Sweep sends the reminders of concluded cases still unrated rating.remindWD working days after
// conclusion and, when rating.defaultAfterDays is set, records their default ratings. The
// application runs it periodically (hourly is plenty); it is safe on several nodes at once.
func (s *Service) Sweep(ctx context.Context) (SweepResult, error) {
	var res SweepResult
	today := s.today().String()
	for {
		due, err := s.st.dueCases(ctx, s.d.Read, true, today, 200)
		if err != nil || len(due) == 0 {
			break
		}
		for _, rc := range due {
			ok, err := s.st.markReminded(ctx, s.d.Write(), rc.CaseID, s.clock().UnixMilli())
			if err != nil {
				return res, err
			}
			if !ok {
				continue
			}
			c, err := s.cases.Case(ctx, rc.CaseID)
			if err != nil {
				if errs.Is(err, errs.NotFound) {
					continue
				}
				return res, err
			}
			if c.ApplicantMobile == "" {
				continue
			}
			stage := StageCase
			if s.opt.PerStage {
				stage = StageConclusion
			}
			if err := s.sendLink(ctx, c.ID, stage, c.ApplicantMobile, "rating.sms.remind"); err != nil {
				return res, err
			}
			res.Reminded++
		}
	}
	if s.opt.DefaultAfterDays <= 0 {
		return res, nil
	}
	system := &auth.Viewer{ID: "system", Name: "system"}
	for {
		due, err := s.st.dueCases(ctx, s.d.Read, false, today, 200)
		if err != nil {
			return res, err
		}
		if len(due) == 0 {
			break
		}
		for _, rc := range due {
			c, err := s.cases.Case(ctx, rc.CaseID)
			if err != nil && !errs.Is(err, errs.NotFound) {
				return res, err
			}
			if err == nil {
				stage := Stage("")
				if s.opt.PerStage {
					stage = StageConclusion
				}
				r, err := s.prepare(ctx, c, Input{Level: s.opt.DefaultLevel}, prep{channel: ChannelSystem, stage: stage,
					at: s.clock(), isDefault: true})
				if err == nil {
					if werr := s.w.write(ctx, system, r)[0]; werr == nil {
						res.Defaulted++
					} else if !errs.Is(werr, errs.Conflict) {
						return res, werr
					}
				} else if !errs.Is(err, errs.Conflict) && !errs.Is(err, errs.Invalid) {
					return res, err
				}
			}
			if _, err := s.st.markDefaulted(ctx, s.d.Write(), rc.CaseID, s.clock().UnixMilli()); err != nil {
				return res, err
			}
			// A case rated meanwhile keeps defaulted_at = 0 but drops out of dueCases all the same.
		}
	}
	return res, nil
}
