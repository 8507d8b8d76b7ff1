package cases

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/blob"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/workday"
)

// AcceptInput accepts a case (受理): the sealed, dated acceptance notice is issued.
type AcceptInput struct {
	Note string `json:"note,omitempty"`
}

// incomplete lists the codes of the required materials not satisfied at their minimum trust level.
func incomplete(mats []Material) []string {
	var out []string
	for _, m := range mats {
		if !m.Required {
			continue
		}
		ok := (m.Status == MatProvided || m.Status == MatCert) && m.Trust.AtLeast(m.MinTrust)
		if !ok {
			out = append(out, m.Code)
		}
	}
	return out
}

// Accept accepts a complete case. A late acceptance (after the intake limit) counts from the
// receipt date and marks the case deemed accepted. Under 告知承诺 the commitment covers the
// proofs. The first review step opens.
func (s *Service) Accept(ctx context.Context, id string, version int64, in AcceptInput) (Case, error) {
	return s.transition(ctx, id, version, ActAccept, func(c *change) error {
		r := c.r
		c.e.Reason = strings.TrimSpace(in.Note)
		mats, err := s.st.materials(c.t.ctx, c.t.tx, r.ID)
		if err != nil {
			return err
		}
		if missing := incomplete(mats); len(missing) > 0 {
			if !r.Flags.Has(FlagPromise) {
				return errs.InvalidInput("cases.accept.incomplete").OnField("materials").With("materials", materialNames(mats, missing))
			}
			for _, m := range mats {
				if slices.Contains(missing, m.Code) {
					m.Status = MatPromised
					if err := s.st.updateMaterial(c.t.ctx, c.t.tx, r.ID, m); err != nil {
						return err
					}
				}
			}
		}
		return s.accept(c)
	})
}

// accept finishes both kinds of acceptance: the deemed check, the first review step, the event.
func (s *Service) accept(c *change) error {
	r := c.r
	if err := checkFee(c, r.Limits.FeeTiming == FeeBeforeAccept); err != nil {
		return err
	}
	if !r.Facts.Deemed && !r.IntakeDue.IsZero() && c.t.today > r.IntakeDue {
		c.set("deemed", true)
	}
	it, err := s.item(c.t.ctx, r.ItemID, r.ItemVersion)
	if err != nil {
		return err
	}
	if it.CertAction == "renew" && s.lic != nil {
		if err := s.noteRenewal(c, it); err != nil {
			return err
		}
	}
	if err := s.openStep(c, reviewSteps(it), 0, ""); err != nil {
		return err
	}
	c.emitAfter(func(r *rec) { c.emit(TopicAccepted, acceptedEvent(r)) })
	return nil
}

// noteRenewal records at acceptance when the licence a renewal acts on expires and, when the
// application came in at least RenewLeadDays before that, the date by which it must be decided
// or be deemed granted (art. 50). A licence the library does not know (paper, another
// province's) or no longer holds in force leaves the ordinary clock: the reviewer decides.
func (s *Service) noteRenewal(c *change, it Item) error {
	mats, err := s.st.materials(c.t.ctx, c.t.tx, c.r.ID)
	if err != nil {
		return err
	}
	ref := licenceActedOn(c.r, it, mats)
	if ref == "" {
		return nil
	}
	to, err := s.lic.LicenceValidTo(c.t.ctx, it.ResultCertType, ref, c.r.ApplicantIDBI)
	switch {
	case errs.Is(err, errs.NotFound) || errs.Is(err, errs.Conflict):
		return nil
	case err != nil:
		return err
	case to.IsZero():
		return nil // long-term: nothing to renew against
	}
	c.set("licence_expires", to.String())
	// The application's date: its online submission, or its receipt at a window.
	applied := c.r.Facts.ReceivedOn
	if c.r.SubmittedAt > 0 {
		applied = workday.DateOf(time.UnixMilli(c.r.SubmittedAt))
	}
	if applied <= to.AddDays(-s.cfg.RenewLeadDays) {
		c.set("renew_by", to.String())
	} else {
		c.set("renew_late", true)
	}
	return nil
}

// AcceptPendingInput accepts with pending materials (容缺受理).
type AcceptPendingInput struct {
	Materials   []string `json:"materials" doc:"codes of the missing materials, each allowed to be supplied later"`
	PromiseText string   `json:"promise_text" doc:"the applicant's written supply promise"`
	DocHash     string   `json:"doc_hash,omitempty" doc:"the signed promise"`
	SupplyWD    int      `json:"supply_wd,omitempty" doc:"working days to supply; default the item's, else 10"`
}

// AcceptPending accepts a case whose key materials are complete while some materials marked
// PendingAllowed are still missing, against the applicant's written promise and a deadline.
// The clock runs; Conclude is blocked until every promised material is supplied. An applicant
// with an open credit record is refused.
func (s *Service) AcceptPending(ctx context.Context, id string, version int64, in AcceptPendingInput) (Case, error) {
	return s.transition(ctx, id, version, ActAcceptPending, func(c *change) error {
		r := c.r
		c.e.Reason = strings.TrimSpace(in.PromiseText)
		if utf8.RuneCountInString(c.e.Reason) < 4 {
			return errs.InvalidInput("cases.pending.promise").OnField("promise_text")
		}
		if in.DocHash != "" {
			if !blob.ValidHash(in.DocHash) {
				return errs.InvalidInput("cases.pending.doc").OnField("doc_hash")
			}
			c.e.Docs = []string{in.DocHash}
		}
		barred, err := s.st.openCredit(c.t.ctx, c.t.tx, r.ApplicantIDBI, CreditFalsePromise, CreditPendingMissed)
		if err != nil {
			return err
		}
		if barred {
			return errs.New(errs.Forbidden, "cases.pending.barred")
		}
		mats, err := s.st.materials(c.t.ctx, c.t.tx, r.ID)
		if err != nil {
			return err
		}
		missing := incomplete(mats)
		if len(in.Materials) == 0 {
			return errs.InvalidInput("cases.pending.none").OnField("materials")
		}
		for _, code := range missing {
			if !slices.Contains(in.Materials, code) {
				return errs.InvalidInput("cases.accept.incomplete").OnField("materials").With("materials", materialNames(mats, []string{code}))
			}
		}
		it, err := s.item(c.t.ctx, r.ItemID, r.ItemVersion)
		if err != nil {
			return err
		}
		wd := in.SupplyWD
		if wd <= 0 {
			wd = it.PendingSupplyWD
		}
		if wd <= 0 {
			wd = s.cfg.PendingSupplyWD
		}
		due, _, err := s.calendar().Add(r.HandlingRegion, c.t.today, wd)
		if err != nil {
			return errs.New(errs.Conflict, "cases.calendar_missing").With("year", c.t.today.Year())
		}
		for _, code := range in.Materials {
			i := slices.IndexFunc(mats, func(m Material) bool { return m.Code == code })
			if i < 0 || !mats[i].PendingAllowed || !slices.Contains(missing, code) {
				return errs.InvalidInput("cases.pending.not_allowed").OnField("materials").With("materials", materialNames(mats, []string{code}))
			}
			m := mats[i]
			m.Status, m.PendingDue = MatPending, due
			if err := s.st.updateMaterial(c.t.ctx, c.t.tx, r.ID, m); err != nil {
				return err
			}
		}
		r.Flags = r.Flags.With(FlagAcceptPending, true)
		c.set("pending_wd", wd)
		c.set("materials", in.Materials)
		return s.accept(c)
	})
}

// RejectInput refuses to accept (不予受理): the reasons, and the remedy the notice names.
type RejectInput struct {
	Reasons       []string `json:"reasons"`
	Remedy        string   `json:"remedy" doc:"行政复议 / 行政诉讼, as the notice states it"`
	OutsidePowers bool     `json:"outside_powers,omitempty" doc:"the matter is not within the bureau's powers: a clerk may refuse at once"`
	CompetentBody string   `json:"competent_body,omitempty" doc:"with outside_powers: the competent body to apply to"`
}

// Reject refuses to accept a case. A section chief decides; a clerk may refuse at once only a
// matter outside the bureau's powers, naming the competent body (art. 32).
func (s *Service) Reject(ctx context.Context, id string, version int64, in RejectInput) (Case, error) {
	return s.transition(ctx, id, version, ActReject, func(c *change) error {
		r := c.r
		if c.t.a.role == auth.Clerk && !in.OutsidePowers {
			return errs.New(errs.Forbidden, "cases.reject.chief")
		}
		if r.Facts.Deemed {
			return errs.New(errs.Conflict, "cases.deemed")
		}
		reasons := cleanList(in.Reasons)
		if len(reasons) == 0 {
			return errs.InvalidInput("cases.reasons.required").OnField("reasons")
		}
		remedy := strings.TrimSpace(in.Remedy)
		if remedy == "" {
			return errs.InvalidInput("cases.remedy.required").OnField("remedy")
		}
		body := strings.TrimSpace(in.CompetentBody)
		if in.OutsidePowers && body == "" {
			return errs.InvalidInput("cases.reject.competent_body").OnField("competent_body")
		}
		r.Decision = &Decision{Outcome: OutcomeReject, Reasons: reasons, Remedy: remedy, Body: body, On: c.t.today, By: c.t.a.id}
		c.e.Reason = strings.Join(reasons, "; ")
		return nil
	})
}

// WithdrawInput withdraws an application (撤回申请).
type WithdrawInput struct {
	Reason  string `json:"reason,omitempty"`
	DocHash string `json:"doc_hash,omitempty" doc:"a clerk withdrawing for the applicant: their written request"`
}

// Withdraw ends a case at the applicant's request before a decision: the clock stops and open
// tasks are superseded. A clerk may record it for the applicant with their written request.
func (s *Service) Withdraw(ctx context.Context, id string, version int64, in WithdrawInput) (Case, error) {
	var withdraw func(c *change) error
	withdraw = func(c *change) error {
		c.e.Reason = strings.TrimSpace(in.Reason)
		if c.t.a.kind == auth.KindStaff {
			if !blob.ValidHash(in.DocHash) {
				return errs.InvalidInput("cases.withdraw.doc").OnField("doc_hash")
			}
		}
		if in.DocHash != "" {
			c.e.Docs = []string{in.DocHash}
		}
		c.r.Decision = &Decision{Outcome: OutcomeWithdraw, Reasons: cleanList([]string{c.e.Reason}), On: c.t.today, By: c.t.a.id}
		refundDue(c)
		if c.r.Kind == KindChain {
			return s.cascade(c, ActWithdraw, nil, withdraw)
		}
		return s.supersedeAll(c, "withdraw")
	}
	return s.transition(ctx, id, version, ActWithdraw, withdraw)
}

func cleanList(in []string) []string {
	var out []string
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// materialNames names materials for a message: "申请书、身份证明".
func materialNames(mats []Material, codes []string) string {
	var names []string
	for _, code := range codes {
		name := code
		if i := slices.IndexFunc(mats, func(m Material) bool { return m.Code == code }); i >= 0 {
			name = mats[i].Name
		}
		names = append(names, name)
	}
	return strings.Join(names, "、")
}
