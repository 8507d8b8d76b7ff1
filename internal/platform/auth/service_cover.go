package auth

import (
	"context"
	"database/sql"
	"strings"
	"time"
	"unicode/utf8"

	"onestamp/internal/platform/db"
	"onestamp/internal/platform/errs"
)

// Cover is an AB-post cover (B岗): CoverID works UserID's queue from From until To.
type Cover struct {
	ID        string    `json:"id"`
	UserID    string    `json:"user_id" doc:"A: whose queue is covered"`
	CoverID   string    `json:"cover_id" doc:"B: who works it"`
	From      time.Time `json:"from"`
	To        time.Time `json:"to"`
	Reason    string    `json:"reason"`
	GrantedBy string    `json:"granted_by"`
	CreatedAt time.Time `json:"created_at"`
	RevokedAt time.Time `json:"revoked_at,omitzero"`
}

// CoverInput grants a cover.
type CoverInput struct {
	UserID  string    `json:"user_id"`
	CoverID string    `json:"cover_id"`
	From    time.Time `json:"from"`
	To      time.Time `json:"to"`
	Reason  string    `json:"reason"`
}

// CoverGrantors are the roles that arrange AB-post cover.
var CoverGrantors = []Role{Admin, Chief, Head}

// MaxCover is the longest single cover; a longer absence is a change of post.
const MaxCover = 92 * 24 * time.Hour

func toCover(c coverRow) Cover {
	out := Cover{ID: c.ID, UserID: c.UserID, CoverID: c.CoverID, From: time.UnixMilli(c.StartsAt), To: time.UnixMilli(c.EndsAt),
		Reason: c.Reason, GrantedBy: c.GrantedBy, CreatedAt: time.UnixMilli(c.CreatedAt)}
	if c.RevokedAt != 0 {
		out.RevokedAt = time.UnixMilli(c.RevokedAt)
	}
	return out
}

// GrantCover lets one colleague work another's queue for a period. Both must be active staff
// within the grantor's scope.
func (s *Service) GrantCover(ctx context.Context, v *Viewer, in CoverInput) (Cover, error) {
	if err := requireRole(v, CoverGrantors...); err != nil {
		return Cover{}, err
	}
	reason := strings.TrimSpace(in.Reason)
	switch {
	case in.UserID == "" || in.CoverID == "" || in.UserID == in.CoverID:
		return Cover{}, errs.InvalidInput("auth.cover.people").OnField("cover_id")
	case !in.To.After(in.From) || in.To.Sub(in.From) > MaxCover || !in.To.After(s.now()):
		return Cover{}, errs.InvalidInput("auth.cover.period").OnField("to")
	case utf8.RuneCountInString(reason) < 2 || utf8.RuneCountInString(reason) > 200:
		return Cover{}, errs.InvalidInput("auth.cover.reason").OnField("reason")
	}
	for _, id := range []string{in.UserID, in.CoverID} {
		u, err := s.staffInScope(ctx, s.d.Read, v, id)
		if err != nil {
			return Cover{}, err
		}
		if !u.Active {
			return Cover{}, errs.InvalidInput("auth.cover.inactive").OnField("cover_id")
		}
	}
	row := coverRow{ID: db.NewID(), UserID: in.UserID, CoverID: in.CoverID, StartsAt: in.From.UnixMilli(),
		EndsAt: in.To.UnixMilli(), Reason: reason, GrantedBy: v.ID, CreatedAt: s.now().UnixMilli()}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.st.insertCover(ctx, tx, row); err != nil {
			return err
		}
		return s.write(ctx, tx, record{actor: v, action: "auth.cover_grant", subject: userSubject(in.UserID),
			detail: map[string]any{"cover": row.ID, "cover_id": in.CoverID, "from": row.StartsAt, "to": row.EndsAt, "reason": reason}})
	})
	if err != nil {
		return Cover{}, err
	}
	return toCover(row), nil
}

// RevokeCover ends a cover at once.
func (s *Service) RevokeCover(ctx context.Context, v *Viewer, id string) error {
	if err := requireRole(v, CoverGrantors...); err != nil {
		return err
	}
	c, err := s.st.cover(ctx, s.d.Read, id)
	if err != nil {
		return err
	}
	if _, err := s.staffInScope(ctx, s.d.Read, v, c.UserID); err != nil {
		return errs.NotFoundErr("auth.cover.not_found")
	}
	if c.RevokedAt != 0 {
		return nil
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.st.revokeCover(ctx, tx, id, s.now().UnixMilli()); err != nil {
			return err
		}
		return s.write(ctx, tx, record{actor: v, action: "auth.cover_revoke", subject: userSubject(c.UserID),
			detail: map[string]any{"cover": id, "cover_id": c.CoverID}})
	})
}

// ListCovers lists the current and future covers of staff within the viewer's scope.
func (s *Service) ListCovers(ctx context.Context, v *Viewer) ([]Cover, error) {
	if err := requireRole(v, CoverGrantors...); err != nil {
		return nil, err
	}
	rows, err := s.st.listCovers(ctx, s.d.Read, v.Scope(), s.now().UnixMilli())
	if err != nil {
		return nil, err
	}
	out := make([]Cover, 0, len(rows))
	for _, c := range rows {
		out = append(out, toCover(c))
	}
	return out, nil
}
