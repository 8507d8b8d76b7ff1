package cases

import (
	"context"
	"database/sql"
	"slices"
	"strings"

	"onestamp/internal/platform/audit"
	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/web"
)

// openVerification creates the post-verification (事后核查) of a 告知承诺 approval, due
// VerifyWithinWD working days after the decision, by the item's methods. A low-risk item whose
// only method is "exempt" gets none.
func (s *Service) openVerification(c *change, it Item) error {
	methods := it.VerifyMethods
	if len(methods) == 1 && methods[0] == "exempt" {
		c.set("verification", "exempt")
		return nil
	}
	if len(methods) == 0 {
		methods = []string{"written"}
	}
	wd := it.VerifyWithinWD
	if wd <= 0 {
		wd = s.cfg.VerifyWithinWD
	}
	v := verifRec{Verification: Verification{ID: db.NewID(), CaseID: c.r.ID, CaseNo: c.r.No, Methods: methods,
		State: VerifyOpen, UnitID: c.r.HandlingUnit, RegionCode: c.r.HandlingRegion, CreatedAt: c.t.now},
		DecidedOn: c.t.today, WithinWD: wd}
	s.deriveVerification(&v)
	if err := s.st.insertVerification(c.t.ctx, c.t.tx, v); err != nil {
		return err
	}
	c.set("verification", v.ID)
	return nil
}

// deriveVerification computes the due dates of a verification from its dates and limits; a
// missing calendar year leaves them empty (RecomputeAll fills them in).
func (s *Service) deriveVerification(v *verifRec) {
	cal := s.calendar()
	v.Due, v.RectifyDue = 0, 0
	if d, _, err := cal.Add(v.RegionCode, v.DecidedOn, v.WithinWD); err == nil {
		v.Due = d
	}
	if !v.RectifyOn.IsZero() {
		if d, _, err := cal.Add(v.RegionCode, v.RectifyOn, v.RectifyWD); err == nil {
			v.RectifyDue = d
		}
	}
}

// VerifyInput is the outcome of a post-verification.
type VerifyInput struct {
	Outcome   string `json:"outcome" doc:"confirm, rectify, revoke or refer (移送处罚)"`
	Note      string `json:"note"`
	RectifyWD int    `json:"rectify_wd,omitempty" doc:"with rectify: working days given; default 20"`
}

// Verify records the outcome of the post-verification of a 告知承诺 approval: confirmed;
// rectification ordered by a date (then confirmed or revoked); revoked — the approval is
// annulled (art. 69), a credit record is written for export, and case.revoked tells the
// certificates to annul the certificate; or referred for a penalty.
func (s *Service) Verify(ctx context.Context, id string, version int64, in VerifyInput) (Case, error) {
	return s.transition(ctx, id, version, ActVerify, func(c *change) error {
		r := c.r
		vs, err := s.st.verifications(c.t.ctx, c.t.tx, "case_id = $1 AND closed_at = 0", r.ID)
		if err != nil {
			return err
		}
		if len(vs) == 0 {
			return errs.New(errs.Conflict, "cases.verify.none")
		}
		v := vs[0]
		c.e.Reason = strings.TrimSpace(in.Note)
		if c.e.Reason == "" {
			return errs.InvalidInput("cases.verify.note").OnField("note")
		}
		c.set("verification", v.ID)
		c.set("outcome", in.Outcome)
		closeV := func(state string) {
			v.State, v.ClosedAt, v.ClosedBy = state, c.t.now, c.t.a.id
		}
		switch in.Outcome {
		case "confirm":
			closeV(VerifyConfirmed)
		case "refer":
			closeV(VerifyReferred)
		case "rectify":
			if v.State == VerifyRectify {
				return errs.New(errs.Conflict, "cases.verify.rectify_once")
			}
			wd := in.RectifyWD
			if wd <= 0 {
				wd = s.cfg.RectifyWD
			}
			v.State, v.RectifyOn, v.RectifyWD = VerifyRectify, c.t.today, wd
			s.deriveVerification(&v)
			c.set("rectify_due", v.RectifyDue.String())
		case "revoke":
			closeV(VerifyRevoked)
			cr := CreditRecord{ID: db.NewID(), CaseID: r.ID, CaseNo: r.No, Kind: CreditFalsePromise,
				Subject: r.ApplicantLabel + " " + r.ApplicantIDMasked, RegionCode: r.HandlingRegion, At: c.t.now, Note: c.e.Reason}
			if err := s.st.insertCredit(c.t.ctx, c.t.tx, cr, r.ApplicantIDBI); err != nil {
				return err
			}
			r.Flags = r.Flags.With(FlagRevoked, true)
			c.set("credit_record", cr.ID)
			c.emit(TopicRevoked, RevokedEvent{CaseID: r.ID, CaseNo: r.No, ItemID: r.ItemID, VerificationID: v.ID,
				CreditRecordID: cr.ID, Reason: c.e.Reason, At: c.t.now, HandlingUnit: r.HandlingUnit,
				HandlingRegion: r.HandlingRegion})
		default:
			return errs.InvalidInput("cases.verify.outcome").OnField("outcome")
		}
		v.Note = c.e.Reason
		return s.st.updateVerification(c.t.ctx, c.t.tx, v)
	})
}

// VerificationFilter narrows the list of post-verifications.
type VerificationFilter struct {
	Open  bool `json:"open"`
	Limit int  `json:"limit"`
}

// Verifications lists post-verifications of the deciding units in the viewer's scope, the
// soonest due first.
func (s *Service) Verifications(ctx context.Context, f VerificationFilter) ([]Verification, error) {
	a, err := s.actorOf(ctx)
	if err != nil {
		return nil, err
	}
	if a.kind != auth.KindStaff {
		return nil, errs.ForbiddenErr()
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	cond, args := a.scope.SQL("region_code", "unit_id", "", 1)
	if f.Open {
		cond += " AND closed_at = 0"
	}
	args = append(args, f.Limit)
	vs, err := s.st.verifications(ctx, s.d.Read, cond+" ORDER BY due, id LIMIT $"+itoa(len(args)), args...)
	if err != nil {
		return nil, err
	}
	out := make([]Verification, 0, len(vs))
	for _, v := range vs {
		out = append(out, v.Verification)
	}
	return out, nil
}

// CaseVerifications returns the post-verifications of one case.
func (s *Service) CaseVerifications(ctx context.Context, id string) ([]Verification, error) {
	if _, err := s.Get(ctx, id); err != nil {
		return nil, err
	}
	vs, err := s.st.verifications(ctx, s.d.Read, "case_id = $1 ORDER BY created_at, id", id)
	if err != nil {
		return nil, err
	}
	out := make([]Verification, 0, len(vs))
	for _, v := range vs {
		out = append(out, v.Verification)
	}
	return out, nil
}

// creditRoles may read and clear credit records.
var creditRoles = []auth.Role{auth.Chief, auth.Head, auth.Supervisor, auth.Leader}

// Credit lists the credit records of the viewer's jurisdiction, newest first (the export).
func (s *Service) Credit(ctx context.Context, openOnly bool, limit int) ([]CreditRecord, error) {
	a, err := s.actorOf(ctx)
	if err != nil {
		return nil, err
	}
	if a.kind != auth.KindStaff || !slices.Contains(creditRoles, a.role) {
		return nil, errs.ForbiddenErr()
	}
	if limit <= 0 || limit > 1000 {
		limit = 200
	}
	out, err := s.st.credit(ctx, s.d.Read, a.scope, openOnly, limit)
	if out == nil {
		out = []CreditRecord{}
	}
	return out, err
}

// ClearCredit closes a credit record after credit repair (信用修复), so the applicant may use the
// 告知承诺 path again. Section chiefs and the head of the jurisdiction clear.
func (s *Service) ClearCredit(ctx context.Context, id, reason string) (CreditRecord, error) {
	a, err := s.actorOf(ctx)
	if err != nil {
		return CreditRecord{}, err
	}
	if a.kind != auth.KindStaff || (a.role != auth.Chief && a.role != auth.Head) {
		return CreditRecord{}, errs.ForbiddenErr()
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return CreditRecord{}, errs.InvalidInput("cases.reason.required").OnField("reason")
	}
	cr, err := s.st.creditByID(ctx, s.d.Read, id)
	if err != nil {
		return CreditRecord{}, err
	}
	if !a.scope.Allows(cr.RegionCode, "", "") {
		return CreditRecord{}, errs.NotFoundErr("cases.credit.not_found")
	}
	now := s.clock()
	err = s.d.Tx(ctx, func(tx *sql.Tx) error {
		ok, err := s.st.clearCredit(ctx, tx, id, a.id, reason, now.UnixMilli())
		if err != nil {
			return err
		}
		if !ok {
			return errs.New(errs.Conflict, "cases.credit.cleared")
		}
		return s.audit.Append(ctx, tx, audit.Record{Chain: s.auditChain(cr.CaseID), Actor: a.id, ActorName: a.name,
			Role: string(a.role), Action: "case.credit_clear", Subject: "case:" + cr.CaseID,
			Detail: map[string]any{"record": id, "reason": reason}, RequestID: web.RequestID(ctx), At: now})
	})
	if err != nil {
		return CreditRecord{}, err
	}
	cr.ClearedAt, cr.ClearedBy = now, a.id
	return cr, nil
}
