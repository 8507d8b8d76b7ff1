package cases

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"onestamp/internal/platform/workday"
)

// facts are the clock facts of a case, folded from its events (apply, one event at a time). They
// are stored on the case row so that RecomputeAll needs no history; foldFacts over the stored
// events gives the same value, which the tests check.
type facts struct {
	ReceivedOn   workday.Date `json:"received_on,omitempty"`   // first receipt (24/26): the intake clock
	IntakeFrom   workday.Date `json:"intake_from,omitempty"`   // receipt, or the last corrected material
	CorrectionOn workday.Date `json:"correction_on,omitempty"` // the open correction notice
	Reminded     bool         `json:"reminded,omitempty"`      // the applicant was reminded of its reply date
	Corrections  int          `json:"corrections,omitempty"`
	AcceptedOn   workday.Date `json:"accepted_on,omitempty"` // the effective acceptance date
	Deemed       bool         `json:"deemed,omitempty"`
	Suspensions  []susp       `json:"suspensions,omitempty"`
	ExtensionWD  int          `json:"extension_wd,omitempty"`
	DecidedOn    workday.Date `json:"decided_on,omitempty"`
	PendingFrom  workday.Date `json:"pending_from,omitempty"` // 容缺 acceptance
	PendingWD    int          `json:"pending_wd,omitempty"`
	PendingOpen  bool         `json:"pending_open,omitempty"`
	ClosedOn     workday.Date `json:"closed_on,omitempty"`
	// RenewBy is when the licence a timely renewal acts on expires: undecided then, the renewal
	// is deemed granted (art. 50).
	RenewBy    workday.Date `json:"renew_by,omitempty"`
	FeePaidFen int64        `json:"fee_paid,omitempty"` // not a clock fact: kept here so that the fold gives it too
	FeePaidOn  workday.Date `json:"fee_paid_on,omitempty"`
	FeeReceipt string       `json:"fee_receipt,omitempty"`
	// Holders is who completed each review step last (main branch): a return gives the step
	// back to them. Folded like the rest, so that a return needs no look through the tasks.
	Holders map[int]string `json:"holders,omitempty"`
	// Consulted are the joint departments (unit ids) ever asked for an opinion: their staff see
	// the case from then on.
	Consulted []string `json:"consulted,omitempty"`
}

// susp is one suspension of the clock (特别程序).
type susp struct {
	From       workday.Date `json:"from"`
	To         workday.Date `json:"to,omitempty"`
	ExpectedWD int          `json:"expected_wd,omitempty"`
	Kind       string       `json:"kind,omitempty"`
}

// dataInt reads an integer from event data, as built in Go (int) or read back from JSON.
func dataInt(d map[string]any, k string) int {
	switch v := d[k].(type) {
	case int:
		return v
	case int64:
		return int(v)
	case float64:
		return int(v)
	case json.Number:
		n, _ := v.Int64()
		return int(n)
	}
	return 0
}

func dataBool(d map[string]any, k string) bool { b, _ := d[k].(bool); return b }

func dataString(d map[string]any, k string) string { s, _ := d[k].(string); return s }

// apply folds one event into the facts. Only what the clock needs is kept; everything else
// lives in the event itself.
func (f facts) apply(e Event) facts {
	f.Suspensions = append([]susp(nil), f.Suspensions...)
	switch e.Action {
	case ActReceive, ActSubmit:
		if (e.To == StReceived || e.To == StPendingReceipt) && f.ReceivedOn.IsZero() {
			f.ReceivedOn, f.IntakeFrom = e.On, e.On
		}
	case ActCorrection:
		f.CorrectionOn, f.Reminded = e.On, false
		f.Corrections++
	case ActCorrectionDue:
		f.Reminded = true
	case ActResubmit:
		if e.From == StCorrection {
			// The intake answer is due 5 wd after the corrected materials arrive, and the case is
			// accepted as of that day (DOMAIN §4.5).
			f.IntakeFrom, f.CorrectionOn, f.Reminded = e.On, 0, false
		}
	case ActDeemAccept:
		f.Deemed = true
		f.AcceptedOn = f.IntakeFrom
	case ActAccept, ActAcceptPending:
		switch {
		case !f.AcceptedOn.IsZero(): // deemed accepted earlier: the receipt date stands
		case dataBool(e.Data, "deemed"):
			f.Deemed, f.AcceptedOn = true, f.IntakeFrom
		case f.Corrections > 0:
			f.AcceptedOn = f.IntakeFrom
		default:
			f.AcceptedOn = e.On
		}
		if e.Action == ActAcceptPending {
			f.PendingFrom, f.PendingWD, f.PendingOpen = e.On, dataInt(e.Data, "pending_wd"), true
		}
	case ActSuspend:
		f.Suspensions = append(f.Suspensions, susp{From: e.On, ExpectedWD: dataInt(e.Data, "expected_wd"),
			Kind: dataString(e.Data, "kind")})
	case ActResume:
		if n := len(f.Suspensions); n > 0 && f.Suspensions[n-1].To.IsZero() {
			f.Suspensions[n-1].To = e.On
		}
	case ActExtend:
		f.ExtensionWD += dataInt(e.Data, "wd")
	case ActDecide, ActDeemGrant:
		f.DecidedOn = e.On
	case ActSupply:
		f.PendingOpen = dataBool(e.Data, "pending_open")
	case ActAdvance:
		if dataString(e.Data, "branch") == BranchMain {
			h := maps.Clone(f.Holders)
			if h == nil {
				h = map[int]string{}
			}
			h[dataInt(e.Data, "step")] = e.Actor
			f.Holders = h
		}
	case ActConsult:
		var us []string
		switch v := e.Data["units"].(type) {
		case []string:
			us = v
		case []any:
			for _, x := range v {
				if u, ok := x.(string); ok {
					us = append(us, u)
				}
			}
		}
		c := slices.Clone(f.Consulted)
		for _, u := range us {
			if !slices.Contains(c, u) {
				c = append(c, u)
			}
		}
		f.Consulted = c
	case ActPayFee:
		f.FeePaidFen += int64(dataInt(e.Data, "fen"))
		f.FeePaidOn, f.FeeReceipt = e.On, dataString(e.Data, "receipt")
	}
	if e.To.Final() && !e.From.Final() {
		f.ClosedOn = e.On
	}
	// A renewal's expiry is noted at acceptance, or when the licence comes in later (容缺).
	if d, err := workday.ParseDate(dataString(e.Data, "renew_by")); err == nil {
		f.RenewBy = d
	}
	if len(f.Suspensions) == 0 {
		f.Suspensions = nil
	}
	return f
}

// minDate is the earlier of two dates, a zero one counting as none.
func minDate(a, b workday.Date) workday.Date {
	if a.IsZero() || !b.IsZero() && b < a {
		return b
	}
	return a
}

// foldFacts derives the facts from a whole history.
func foldFacts(events []Event) facts {
	var f facts
	for _, e := range events {
		f = f.apply(e)
	}
	return f
}

func (f facts) clockSuspensions() []workday.Suspension {
	if len(f.Suspensions) == 0 {
		return nil
	}
	out := make([]workday.Suspension, len(f.Suspensions))
	for i, s := range f.Suspensions {
		out[i] = workday.Suspension{From: s.From, To: s.To}
	}
	return out
}

// derive recomputes every deadline field of r from its facts, its state and the calendar, as
// seen on today. A year missing from the calendar leaves the dates empty and sets
// FlagDeadlinePending (RecomputeAll fills them in once the year is loaded); any other clock
// error is a bug in the facts and is returned.
func (s *Service) derive(r *rec, today workday.Date) error {
	f := r.Facts
	r.ReceivedOn, r.AcceptedOn, r.DecidedOn = f.ReceivedOn, f.AcceptedOn, f.DecidedOn
	r.IntakeDue, r.PromisedDue, r.StatutoryDue, r.DeliveryDue, r.PendingDue, r.NextDue = 0, 0, 0, 0, 0, 0
	r.RemainingWD, r.Level = 0, workday.LevelNormal
	r.Flags = r.Flags.With(FlagProvisional, false).With(FlagDeadlinePending, false).With(FlagBreach, false).
		With(FlagDeemedAccepted, f.Deemed)
	if r.Kind == KindChain {
		return nil
	}
	err := s.deriveDates(r, today)
	if workday.IsNotLoaded(err) {
		r.IntakeDue, r.PromisedDue, r.StatutoryDue, r.DeliveryDue, r.PendingDue, r.NextDue = 0, 0, 0, 0, 0, 0
		r.RemainingWD, r.Level = 0, workday.LevelNormal
		r.Flags = r.Flags.With(FlagDeadlinePending, true)
		return nil
	}
	return err
}

func (s *Service) deriveDates(r *rec, today workday.Date) error {
	f := r.Facts
	clk := workday.Clock{Cal: s.calendar(), YellowWD: s.cfg.YellowWD}
	region := r.HandlingRegion
	prov := false
	compute := func(in workday.Input, day workday.Date) (workday.Due, error) {
		in.Region = region
		d, err := clk.Compute(in, day)
		prov = prov || d.Provisional
		return d, err
	}
	defer func() { r.Flags = r.Flags.With(FlagProvisional, prov) }()
	open := !r.State.Final()
	asOf := func(active bool) workday.Date {
		if active && open {
			return today
		}
		return 0
	}

	var intake workday.Due
	if !f.IntakeFrom.IsZero() {
		inIntake := (r.State == StPendingReceipt || r.State == StReceived) && f.AcceptedOn.IsZero()
		d, err := compute(workday.Input{Start: f.IntakeFrom, Limit: s.cfg.IntakeWD}, asOf(inIntake))
		if err != nil {
			return err
		}
		r.IntakeDue, intake = d.Date, d
	}

	var decision workday.Due
	if !f.AcceptedOn.IsZero() {
		running := f.DecidedOn.IsZero()
		in := workday.Input{Start: f.AcceptedOn, Limit: r.Limits.PromisedWD, Extension: f.ExtensionWD,
			Suspensions: f.clockSuspensions()}
		pd, err := compute(in, asOf(running))
		if err != nil {
			return err
		}
		in.Limit = r.Limits.StatutoryWD
		sd, err := compute(in, 0)
		if err != nil {
			return err
		}
		r.PromisedDue, r.StatutoryDue, decision = pd.Date, sd.Date, pd
		end := today
		if !running {
			end = f.DecidedOn
		}
		if !sd.Frozen && !sd.Date.IsZero() && end > sd.Date && (open || !running) {
			r.Flags = r.Flags.With(FlagBreach, true)
		}
	}

	// Art. 50: a renewal applied for in time must be decided before its licence expires, or it is
	// deemed granted (Sweep). The expiry bounds both due dates, and the alert comes RenewAlertWD
	// working days before it.
	r.Flags = r.Flags.With(FlagRenewal, false)
	if !f.RenewBy.IsZero() && !f.AcceptedOn.IsZero() && f.DecidedOn.IsZero() && open {
		r.Flags = r.Flags.With(FlagRenewal, true)
		r.PromisedDue, r.StatutoryDue = minDate(r.PromisedDue, f.RenewBy), minDate(r.StatutoryDue, f.RenewBy)
		// An expiry in a year the calendar does not hold yet is far off: no alert, and the
		// ordinary due dates come first.
		left, _, err := s.calendar().Between(region, today, f.RenewBy)
		switch {
		case workday.IsNotLoaded(err):
		case err != nil:
			return err
		default:
			lvl := workday.LevelNormal
			switch {
			case today > f.RenewBy:
				lvl = workday.LevelRed
			case left <= s.cfg.RenewAlertWD:
				lvl = workday.LevelYellow
			}
			if decision.Date.IsZero() || f.RenewBy < decision.Date {
				decision = workday.Due{Date: f.RenewBy, Remaining: left, Level: lvl}
			} else if lvl > decision.Level && decision.Level != workday.LevelSuspended {
				decision.Level = lvl
			}
		}
	}

	var delivery workday.Due
	if !f.DecidedOn.IsZero() {
		d, err := compute(workday.Input{Start: f.DecidedOn, Limit: s.cfg.DeliveryWD}, asOf(true))
		if err != nil {
			return err
		}
		r.DeliveryDue, delivery = d.Date, d
	}

	if f.PendingOpen && !f.PendingFrom.IsZero() {
		d, _, err := s.calendar().Add(region, f.PendingFrom, f.PendingWD)
		if err != nil {
			return err
		}
		r.PendingDue = d
	}

	set := func(d workday.Due) { r.NextDue, r.RemainingWD, r.Level = d.Date, d.Remaining, d.Level }
	switch st := r.State; {
	case st.Final() || st < StPendingReceipt:
		// no running clock
	case st == StCorrection:
		due := f.CorrectionOn.AddDays(s.cfg.CorrectionDays)
		left, _, err := s.calendar().Between(region, today, due)
		if err != nil {
			return err
		}
		r.NextDue, r.RemainingWD = due, left
		switch {
		case today > due:
			r.Level = workday.LevelRed
		case today >= f.CorrectionOn.AddDays(s.cfg.CorrectionReminderDays):
			r.Level = workday.LevelYellow
		}
	case (st == StPendingReceipt || st == StReceived) && f.AcceptedOn.IsZero():
		set(intake)
	case st == StPendingReceipt || st == StReceived:
		// Deemed accepted: the decision clock runs from receipt, and the case stays red until a
		// clerk issues the acceptance notice.
		set(decision)
		r.Level = workday.LevelRed
	case st == StSuspended:
		r.RemainingWD, r.Level = decision.Remaining, workday.LevelSuspended
		if n := len(f.Suspensions); n > 0 && f.Suspensions[n-1].ExpectedWD > 0 {
			d, _, err := s.calendar().Add(region, f.Suspensions[n-1].From, f.Suspensions[n-1].ExpectedWD)
			if err != nil {
				return err
			}
			r.NextDue = d
		}
	case st == StAccepted || st == StInReview:
		set(decision)
	case st == StDenied || st == StApproved || st == StConcluded:
		set(delivery)
	default:
		return fmt.Errorf("cases: no clock rule for state %d", st)
	}
	return nil
}
