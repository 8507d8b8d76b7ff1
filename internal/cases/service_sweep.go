package cases

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"onestamp/internal/platform/db"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/workday"
)

// RecomputeStats reports a RecomputeAll run.
type RecomputeStats struct {
	Cases         int           `json:"cases" doc:"open cases examined"`
	Changed       int           `json:"changed" doc:"cases whose deadline fields changed"`
	Skipped       int           `json:"skipped" doc:"cases changed by a transition meanwhile (already up to date)"`
	Verifications int           `json:"verifications" doc:"post-verifications whose due dates changed"`
	Elapsed       time.Duration `json:"elapsed_ns"`
}

// Counts are the open cases examined and those whose deadlines changed, for a page to say.
func (s RecomputeStats) Counts() (examined, changed int) { return s.Cases, s.Changed }

// RecomputeAll reads the open cases in batches of recomputeRead and writes the changed ones in
// transactions of up to recomputeWrite rows: fewer, larger commits write each hot index page to
// the WAL once rather than once per small batch, while a transaction stays short enough (well
// under a second on SQLite, where writers queue) not to stall people's transitions.
const (
	recomputeRead  = 1000
	recomputeWrite = 5000
)

// RecomputeAll re-derives the deadline fields of every open case (and the due dates of open
// post-verifications) from their stored clock facts and the calendar in force: after a holiday
// table is loaded or changed, and daily so that the remaining days and warning levels the
// queues show are current. It runs as the system, in batches walked by id; a case that a
// transition changed meanwhile is left alone, since that transition derived it afresh.
func (s *Service) RecomputeAll(ctx context.Context) (RecomputeStats, error) {
	start := time.Now()
	var st RecomputeStats
	today := s.today()
	after := ""
	var changed, remaining []*rec
	flush := func() error {
		if len(changed)+len(remaining) == 0 {
			return nil
		}
		n, err := s.st.writeDerived(ctx, s.d, changed, remaining)
		if err != nil {
			return err
		}
		st.Changed += n
		st.Skipped += len(changed) + len(remaining) - n
		changed, remaining = changed[:0], remaining[:0]
		return nil
	}
	for {
		rows, err := s.st.openForRecompute(ctx, s.d.Read, after, recomputeRead)
		if err != nil {
			return st, err
		}
		if len(rows) == 0 {
			break
		}
		after = rows[len(rows)-1].ID
		st.Cases += len(rows)
		// Most days only the remaining working days move; that column is in no index, so those
		// rows take a cheaper statement than rows whose dates, level or flags changed.
		for _, r := range rows {
			old := r.derived()
			if err := s.derive(r, today); err != nil {
				return st, errs.Wrap(err, "recompute %s", r.ID)
			}
			switch now := r.derived(); {
			case now == old:
			case now.sameButRemaining(old):
				remaining = append(remaining, r)
			default:
				changed = append(changed, r)
			}
		}
		if len(changed)+len(remaining) >= recomputeWrite {
			if err := flush(); err != nil {
				return st, err
			}
		}
		if err := ctx.Err(); err != nil {
			return st, err
		}
	}
	if err := flush(); err != nil {
		return st, err
	}
	vs, err := s.st.verifications(ctx, s.d.Read, "closed_at = 0")
	if err != nil {
		return st, err
	}
	for _, v := range vs {
		due, rdue := v.Due, v.RectifyDue
		s.deriveVerification(&v)
		if v.Due != due || v.RectifyDue != rdue {
			if err := s.d.Tx(ctx, func(tx *sql.Tx) error { return s.st.updateVerification(ctx, tx, v) }); err != nil {
				return st, err
			}
			st.Verifications++
		}
	}
	st.Elapsed = time.Since(start)
	return st, nil
}

// derivedCols is the comparable part of a row that derive writes.
type derivedCols struct {
	flags                                                Flags
	intake, promised, statutory, delivery, pending, next workday.Date
	remaining                                            int
	level                                                Level
}

func (d derivedCols) sameButRemaining(o derivedCols) bool {
	d.remaining = o.remaining
	return d == o
}

func (r *rec) derived() derivedCols {
	return derivedCols{r.Flags, r.IntakeDue, r.PromisedDue, r.StatutoryDue, r.DeliveryDue, r.PendingDue, r.NextDue,
		r.RemainingWD, r.Level}
}

// Daily is the scheduler's job: RecomputeAll (current remaining days and levels), then Sweep.
// Run it after midnight in Shanghai and after every change of the working-day calendar.
func (s *Service) Daily(ctx context.Context) (RecomputeStats, SweepStats, error) {
	rs, err := s.RecomputeAll(ctx)
	if err != nil {
		return rs, SweepStats{}, err
	}
	ss, err := s.Sweep(ctx)
	return rs, ss, err
}

// SweepStats reports a Sweep run.
type SweepStats struct {
	Deemed        int `json:"deemed" doc:"cases deemed accepted (no answer within the intake limit)"`
	Overdue       int `json:"overdue" doc:"cases past their promised due date, case.overdue emitted"`
	PendingMissed int `json:"pending_missed" doc:"容缺 promises missed"`
	DeemedGranted int `json:"deemed_granted" doc:"renewals deemed granted, the licence having expired without a decision (art. 50)"`
	Reminded      int `json:"reminded" doc:"applicants reminded that their correction is due (DOMAIN §4.5: at day 20 of 30)"`
}

// Sweep finds, as of today, the cases whose intake limit passed without an answer (deemed
// accepted on the receipt date: flag, red alert, case.accepted), the accepted cases past their
// promised due date (case.overdue, once per case) and the 容缺 promises not kept (flag and a
// credit record). Each is a system transition in its own transaction; the queries are ranges
// over next_due and pending_due, so they stay cheap however many cases there are. Run it daily
// after RecomputeAll, and at start-up.
func (s *Service) Sweep(ctx context.Context) (SweepStats, error) {
	var st SweepStats
	today := s.today()
	ids, err := s.st.dueBefore(ctx, s.d.Read, []State{StPendingReceipt, StReceived}, today)
	if err != nil {
		return st, err
	}
	for _, id := range ids {
		ok, err := s.system(ctx, id, ActDeemAccept, func(c *change) error {
			if c.r.Facts.Deemed {
				return errSkip
			}
			c.e.Reason = "intake limit passed without an answer"
			c.emitAfter(func(r *rec) { c.emit(TopicAccepted, acceptedEvent(r)) })
			return nil
		})
		if err != nil {
			return st, err
		}
		if ok {
			st.Deemed++
		}
	}
	// Renewals whose licence expired undecided are granted by law (art. 50), before the overdue
	// report would count them. A special procedure does not count in the time limits (art. 45):
	// a renewal suspended over its expiry is granted once it resumes, if still undecided.
	if ids, err = s.st.renewalsPast(ctx, s.d.Read, today); err != nil {
		return st, err
	}
	for _, id := range ids {
		ok, err := s.system(ctx, id, ActDeemGrant, func(c *change) error {
			r := c.r
			if r.Facts.RenewBy.IsZero() || !r.Facts.DecidedOn.IsZero() || c.t.today <= r.Facts.RenewBy {
				return errSkip
			}
			r.Flags = r.Flags.With(FlagDeemedGranted, true)
			r.Decision = &Decision{Outcome: OutcomeApprove, On: c.t.today, By: c.t.a.id}
			c.e.Reason = "the licence expired without a decision on its renewal: deemed granted (art. 50)"
			c.set("licence_expired", r.Facts.RenewBy.String())
			if err := s.supersedeAll(c, "deemed_granted"); err != nil {
				return err
			}
			r.setTodo(Todo{})
			return nil
		})
		if err != nil {
			return st, err
		}
		if ok {
			st.DeemedGranted++
		}
	}
	if ids, err = s.st.overdueCandidates(ctx, s.d.Read, today); err != nil {
		return st, err
	}
	for _, id := range ids {
		ok, err := s.system(ctx, id, ActOverdue, func(c *change) error {
			r := c.r
			if r.OverdueAt != 0 || r.PromisedDue.IsZero() || !r.PromisedDue.Before(c.t.today) {
				return errSkip
			}
			r.OverdueAt = c.t.now.UnixMilli()
			r.Flags = r.Flags.With(FlagOverdue, true)
			c.set("promised_due", r.PromisedDue.String())
			c.emitAfter(func(r *rec) {
				c.emit(TopicOverdue, OverdueEvent{CaseID: r.ID, CaseNo: r.No, ItemID: r.ItemID, PromisedDue: r.PromisedDue,
					StatutoryDue: r.StatutoryDue, OverdueWD: -r.RemainingWD, HandlingUnit: r.HandlingUnit,
					HandlingRegion: r.HandlingRegion, TodoUser: r.TodoUser, Step: r.StepName})
			})
			return nil
		})
		if err != nil {
			return st, err
		}
		if ok {
			st.Overdue++
		}
	}
	// Corrections whose reply date is near: the applicant is reminded once per notice (an SMS),
	// at CorrectionReminderDays; after the reply date the chief terminates (CorrectionExpired).
	lead := s.cfg.CorrectionDays - s.cfg.CorrectionReminderDays
	if ids, err = s.st.correctionsDue(ctx, s.d.Read, today, today.AddDays(lead)); err != nil {
		return st, err
	}
	for _, id := range ids {
		ok, err := s.system(ctx, id, ActCorrectionDue, func(c *change) error {
			f := c.r.Facts
			if f.Reminded || f.CorrectionOn.IsZero() || c.t.today < f.CorrectionOn.AddDays(s.cfg.CorrectionReminderDays) {
				return errSkip
			}
			c.set("reply_by", f.CorrectionOn.AddDays(s.cfg.CorrectionDays).String())
			return nil
		})
		if err != nil {
			return st, err
		}
		if ok {
			st.Reminded++
		}
	}
	if ids, err = s.st.pendingBefore(ctx, s.d.Read, today); err != nil {
		return st, err
	}
	for _, id := range ids {
		ok, err := s.system(ctx, id, ActPendingMissed, func(c *change) error {
			r := c.r
			if r.Flags.Has(FlagPendingMissed) || !r.Facts.PendingOpen {
				return errSkip
			}
			r.Flags = r.Flags.With(FlagPendingMissed, true)
			cr := CreditRecord{ID: db.NewID(), CaseID: r.ID, CaseNo: r.No, Kind: CreditPendingMissed,
				Subject: strings.TrimSpace(r.ApplicantLabel + " " + r.ApplicantIDMasked), RegionCode: r.HandlingRegion,
				At: c.t.now, Note: "pending material not supplied by " + r.PendingDue.String()}
			if err := s.st.insertCredit(c.t.ctx, c.t.tx, cr, r.ApplicantIDBI); err != nil {
				return err
			}
			c.set("credit_record", cr.ID)
			c.set("pending_due", r.PendingDue.String())
			return nil
		})
		if err != nil {
			return st, err
		}
		if ok {
			st.PendingMissed++
		}
	}
	return st, nil
}

// errSkip tells system() that a candidate no longer needs the transition.
var errSkip = errs.New(errs.Conflict, "cases.sweep.skip")

// system runs a transition as the system on a case's current version. It reports false when
// the case was skipped (no longer a candidate, or changed under it: the next sweep sees it).
func (s *Service) system(ctx context.Context, id string, act Action, fn func(c *change) error) (bool, error) {
	a := systemActor()
	err := s.inTx(ctx, a, func(t *txn) error {
		r, err := t.load(id)
		if err != nil {
			return err
		}
		return t.apply(r, r.Version, act, fn)
	})
	switch {
	case err == nil:
		return true, nil
	case err == errSkip || errs.Is(err, errs.Conflict):
		return false, nil
	}
	return false, err
}
