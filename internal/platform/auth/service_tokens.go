package auth

import (
	"context"
	"database/sql"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"onestamp/internal/platform/db"
	"onestamp/internal/platform/errs"
)

// TokenPrefix starts every integration token, so that a leaked one is easy to recognise.
const TokenPrefix = "ost_"

// Token is an integration token as lists show it; the secret is never stored.
type Token struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	Prefix     string    `json:"prefix" doc:"the first characters of the secret, to recognise it"`
	Scopes     []string  `json:"scopes"`
	UnitID     string    `json:"unit_id"`
	RegionCode string    `json:"region_code"`
	ExpiresAt  time.Time `json:"expires_at"`
	CreatedBy  string    `json:"created_by"`
	CreatedAt  time.Time `json:"created_at"`
	RevokedAt  time.Time `json:"revoked_at,omitzero"`
	LastUsedAt time.Time `json:"last_used_at,omitzero"`
}

// Usable reports whether the token is accepted at the instant now.
func (t Token) Usable(now time.Time) bool { return t.RevokedAt.IsZero() && t.ExpiresAt.After(now) }

// NewToken is a token just created, with its secret: shown once.
type NewToken struct {
	Token
	Secret string `json:"secret" doc:"send as Authorization: Bearer <secret>; shown only now"`
}

// TokenInput creates an integration token.
type TokenInput struct {
	Name      string    `json:"name"`
	Scopes    []string  `json:"scopes" doc:"e.g. rating:import"`
	UnitID    string    `json:"unit_id" doc:"the unit the token acts for; its data scope"`
	ExpiresAt time.Time `json:"expires_at,omitzero" doc:"default: one year from now"`
}

var scopeRE = regexp.MustCompile(`^[a-z][a-z0-9_]*(:[a-z][a-z0-9_]*)+$`)

func toToken(t tokenRow) Token {
	out := Token{ID: t.ID, Name: t.Name, Prefix: t.Prefix, Scopes: t.Scopes, UnitID: t.UnitID, RegionCode: t.RegionCode,
		ExpiresAt: time.UnixMilli(t.ExpiresAt), CreatedBy: t.CreatedBy, CreatedAt: time.UnixMilli(t.CreatedAt)}
	if t.RevokedAt != 0 {
		out.RevokedAt = time.UnixMilli(t.RevokedAt)
	}
	if t.LastUsedAt != 0 {
		out.LastUsedAt = time.UnixMilli(t.LastUsedAt)
	}
	if out.Scopes == nil {
		out.Scopes = []string{}
	}
	return out
}

// CreateToken creates an integration token for a unit in the administrator's jurisdiction.
func (s *Service) CreateToken(ctx context.Context, v *Viewer, in TokenInput) (NewToken, error) {
	if err := requireRole(v, Admin); err != nil {
		return NewToken{}, err
	}
	name := strings.TrimSpace(in.Name)
	if n := utf8.RuneCountInString(name); n < 1 || n > 100 {
		return NewToken{}, errs.InvalidInput("auth.token.name_invalid").OnField("name")
	}
	if len(in.Scopes) == 0 {
		return NewToken{}, errs.InvalidInput("auth.token.scopes_required").OnField("scopes")
	}
	known := s.KnownScopes()
	scopes := slices.Clone(in.Scopes)
	for _, sc := range scopes {
		if !scopeRE.MatchString(sc) || (len(known) > 0 && !slices.Contains(known, sc)) {
			return NewToken{}, errs.InvalidInput("auth.token.scope_unknown").With("scope", sc).OnField("scopes")
		}
	}
	slices.Sort(scopes)
	scopes = slices.Compact(scopes)
	region, err := s.unitRegion(ctx, in.UnitID, v.RegionCode)
	if err != nil {
		return NewToken{}, err
	}
	if !v.Scope().Allows(region, in.UnitID, "") {
		return NewToken{}, errs.New(errs.Forbidden, "auth.user.outside_jurisdiction").OnField("unit_id")
	}
	now := s.now()
	exp := in.ExpiresAt
	if exp.IsZero() {
		exp = now.AddDate(1, 0, 0)
	}
	if !exp.After(now) || exp.Sub(now) > s.opt.TokenMaxLife {
		return NewToken{}, errs.InvalidInput("auth.token.expiry_invalid").OnField("expires_at")
	}
	secret := TokenPrefix + newSecret()
	row := tokenRow{ID: db.NewID(), Name: name, Prefix: secret[:len(TokenPrefix)+6], SecretHash: hashSecret(secret),
		Scopes: scopes, UnitID: in.UnitID, RegionCode: region, ExpiresAt: exp.UnixMilli(), CreatedBy: v.ID,
		CreatedAt: now.UnixMilli()}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.st.insertToken(ctx, tx, row); err != nil {
			return err
		}
		return s.write(ctx, tx, record{actor: v, action: "auth.token_create", subject: tokenSubject(row.ID),
			detail: map[string]any{"name": name, "scopes": scopes, "unit_id": in.UnitID, "expires_at": row.ExpiresAt}})
	})
	if err != nil {
		return NewToken{}, err
	}
	return NewToken{Token: toToken(row), Secret: secret}, nil
}

// ListTokens lists the tokens of units in the administrator's jurisdiction.
func (s *Service) ListTokens(ctx context.Context, v *Viewer) ([]Token, error) {
	if err := requireRole(v, Admin); err != nil {
		return nil, err
	}
	rows, err := s.st.listTokens(ctx, s.d.Read, v.Scope())
	if err != nil {
		return nil, err
	}
	out := make([]Token, 0, len(rows))
	for _, t := range rows {
		out = append(out, toToken(t))
	}
	return out, nil
}

// RevokeToken revokes a token at once.
func (s *Service) RevokeToken(ctx context.Context, v *Viewer, id string) error {
	if err := requireRole(v, Admin); err != nil {
		return err
	}
	t, err := s.st.token(ctx, s.d.Read, id)
	if err != nil {
		return err
	}
	if !v.Scope().Allows(t.RegionCode, t.UnitID, t.CreatedBy) {
		return errs.NotFoundErr("auth.token.not_found")
	}
	if t.RevokedAt != 0 {
		return nil
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.st.revokeToken(ctx, tx, id, s.now().UnixMilli()); err != nil {
			return err
		}
		return s.write(ctx, tx, record{actor: v, action: "auth.token_revoke", subject: tokenSubject(id),
			detail: map[string]any{"name": t.Name}})
	})
}

// ResolveToken returns the viewer of a bearer token: revoked, expired and unknown tokens are
// refused.
func (s *Service) ResolveToken(ctx context.Context, secret string) (*Viewer, error) {
	if !strings.HasPrefix(secret, TokenPrefix) || len(secret) > 128 {
		return nil, errs.New(errs.Unauthenticated, "auth.token.invalid")
	}
	t, err := s.st.tokenBySecret(ctx, s.d.Read, hashSecret(secret))
	if errs.Is(err, errs.NotFound) {
		return nil, errs.New(errs.Unauthenticated, "auth.token.invalid")
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	if t.RevokedAt != 0 || t.ExpiresAt <= now.UnixMilli() {
		return nil, errs.New(errs.Unauthenticated, "auth.token.invalid")
	}
	if now.UnixMilli()-t.LastUsedAt >= s.opt.TouchEvery.Milliseconds() {
		if err := s.st.touchToken(ctx, s.d.Write(), t.ID, now.UnixMilli()); err != nil {
			return nil, err
		}
	}
	return &Viewer{Kind: KindToken, ID: t.ID, Name: t.Name, UnitID: t.UnitID, RegionCode: t.RegionCode,
		Scopes: t.Scopes}, nil
}

// TokenMisuse audits a token used on a route its scopes do not cover.
func (s *Service) TokenMisuse(ctx context.Context, v *Viewer, route string, accepted []string) error {
	return s.auditAlone(ctx, record{actorID: v.ID, actorName: v.Name, action: "auth.token_misuse",
		subject: tokenSubject(v.ID), detail: map[string]any{"route": route, "scopes": v.Scopes, "accepted": accepted}})
}
