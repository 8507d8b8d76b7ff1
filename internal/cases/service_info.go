package cases

import (
	"context"
	"time"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/errs"
)

// Info is a case as other domains need it for their own work (issuing a certificate, inviting
// a rating, a supervision order): the case, the holder in clear, the pinned item version, the
// staff who acted on it and when each stage was reached. It is for trusted in-process callers
// (outbox handlers, adapters in app); the scope they pass decides what is found.
type Info struct {
	Case
	Holder      Applicant `json:"holder"`
	Item        Item      `json:"item"`
	Staff       []Actor   `json:"staff"`
	ReceivedAt  time.Time `json:"received_at,omitzero"`
	AcceptedAt  time.Time `json:"accepted_at,omitzero"`
	DecidedAt   time.Time `json:"decided_at,omitzero"`
	ConcludedAt time.Time `json:"concluded_at,omitzero"`
	DeliveredAt time.Time `json:"delivered_at,omitzero"`
}

// Actor is a member of staff who acted on a case.
type Actor struct {
	UserID string    `json:"user_id"`
	Name   string    `json:"name"`
	Role   string    `json:"role"`
	First  time.Time `json:"first"`
	Last   time.Time `json:"last"`
}

// Info returns a case within sc (either side of it, or its owner); outside it not found.
// Jobs pass auth.SystemScope().
func (s *Service) Info(ctx context.Context, sc auth.Scope, caseID string) (Info, error) {
	r, err := s.st.getCase(ctx, s.d.Read, caseID)
	if err != nil {
		return Info{}, err
	}
	return s.info(ctx, sc, r)
}

// InfoByNo is Info by case number.
func (s *Service) InfoByNo(ctx context.Context, sc auth.Scope, no string) (Info, error) {
	if !ValidCaseNo(no) {
		return Info{}, errs.NotFoundErr("cases.not_found")
	}
	r, err := s.st.getCaseByNo(ctx, s.d.Read, no)
	if err != nil {
		return Info{}, err
	}
	return s.info(ctx, sc, r)
}

func (s *Service) info(ctx context.Context, sc auth.Scope, r *rec) (Info, error) {
	if !sc.Allows(r.RecvRegion, r.RecvUnit, r.OwnerID) && !sc.Allows(r.HandlingRegion, r.HandlingUnit, r.OwnerID) {
		return Info{}, errs.NotFoundErr("cases.not_found")
	}
	out := Info{Case: s.toCase(r)}
	var err error
	if out.Holder, err = s.openApplicant(r); err != nil {
		return Info{}, err
	}
	if r.ItemID != "" {
		if out.Item, err = s.item(ctx, r.ItemID, r.ItemVersion); err != nil {
			return Info{}, err
		}
	}
	evs, err := s.st.events(ctx, s.d.Read, "case_id", r.ID)
	if err != nil {
		return Info{}, err
	}
	seen := map[string]int{}
	for _, e := range evs {
		switch {
		case e.Action == ActReceive && out.ReceivedAt.IsZero():
			out.ReceivedAt = e.At
		case (e.Action == ActAccept || e.Action == ActAcceptPending || e.Action == ActDeemAccept) && out.AcceptedAt.IsZero():
			out.AcceptedAt = e.At
		case e.Action == ActDecide:
			out.DecidedAt = e.At
		case e.Action == ActConclude || (e.Action == ActChildChanged && e.To == StConcluded):
			out.ConcludedAt = e.At
		case e.Action == ActDeliver:
			out.DeliveredAt = e.At
		}
		if e.Role == string(auth.Applicant) || e.Role == string(roleSystem) || e.Actor == "" {
			continue
		}
		if i, ok := seen[e.Actor]; ok {
			out.Staff[i].Last = e.At
			continue
		}
		seen[e.Actor] = len(out.Staff)
		out.Staff = append(out.Staff, Actor{UserID: e.Actor, Name: e.ActorName, Role: e.Role, First: e.At, Last: e.At})
	}
	return out, nil
}
