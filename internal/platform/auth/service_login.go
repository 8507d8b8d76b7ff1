package auth

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/gm"
)

// Session is a started session: Token goes into the cookie and is never stored.
type Session struct {
	Token  string
	Viewer *Viewer
}

// newSecret returns 256 random bits, URL-safe.
func newSecret() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashSecret is how sessions and tokens are stored: SM3 of the secret. The secrets carry 256
// random bits, so an unsalted hash is enough and allows the lookup by hash.
func hashSecret(secret string) string { return gm.SumHex([]byte(secret)) }

func errBadCredentials() error { return errs.New(errs.Unauthenticated, "auth.login.bad_credentials") }
func errSession() error        { return errs.New(errs.Unauthenticated, "auth.session.invalid") }

func errLocked(until, now time.Time) error {
	left := until.Sub(now)
	return errs.New(errs.TooMany, "auth.login.locked").
		With("minutes", int(math.Ceil(left.Minutes()))).
		With("retry_after", int64(math.Ceil(left.Seconds())))
}

func normUsername(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// StaffLogin is a staff member's login form.
type StaffLogin struct {
	Username string `json:"username"`
	Password string `json:"password"`
	TOTP     string `json:"totp,omitempty" doc:"the authenticator code, when the account has a second factor"`
}

// LoginStaff checks a staff member's credentials and starts a session. Wrong passwords count
// towards a lockout; every outcome is audited.
func (s *Service) LoginStaff(ctx context.Context, in StaffLogin) (*Session, error) {
	username := normUsername(in.Username)
	if username == "" || in.Password == "" {
		return nil, errs.InvalidInput("auth.login.missing")
	}
	u, err := s.st.userByUsername(ctx, s.d.Read, username)
	if err == nil && u.Kind != string(KindStaff) {
		err = errs.NotFoundErr("auth.user.not_found")
	}
	if errs.Is(err, errs.NotFound) {
		VerifyPassword(s.dummy, in.Password)
		if err := s.auditAlone(ctx, record{actorID: "anonymous", actorName: username, action: "auth.login_failed",
			subject: "username:" + username, detail: map[string]any{"reason": "unknown_user"}}); err != nil {
			return nil, err
		}
		return nil, errBadCredentials()
	}
	if err != nil {
		return nil, err
	}
	return s.passwordLogin(ctx, u, in.Password, in.TOTP)
}

// passwordLogin checks a password (and second factor) of an existing account.
func (s *Service) passwordLogin(ctx context.Context, u userRow, password, totpCode string) (*Session, error) {
	now := s.now()
	if !u.Active {
		VerifyPassword(s.dummy, password)
		return nil, s.failed(ctx, u, "inactive", false)
	}
	if until := time.UnixMilli(u.LockedUntil); until.After(now) {
		VerifyPassword(s.dummy, password)
		if err := s.auditAlone(ctx, record{actorID: u.ID, actorName: u.Username, action: "auth.login_refused",
			subject: userSubject(u.ID), detail: map[string]any{"reason": "locked", "locked_until": u.LockedUntil}}); err != nil {
			return nil, err
		}
		return nil, errLocked(until, now)
	}
	if !VerifyPassword(u.PasswordHash, password) {
		return nil, s.failed(ctx, u, "password", true)
	}
	var step uint64
	if u.TOTPEnabled {
		if strings.TrimSpace(totpCode) == "" {
			return nil, errs.New(errs.Unauthenticated, "auth.login.totp_required").OnField("totp")
		}
		secret, err := s.totpSecret(u)
		if err != nil {
			return nil, err
		}
		var ok bool
		if step, ok = NewTOTP(secret).Verify(totpCode, now, uint64(u.TOTPLastStep)); !ok {
			return nil, s.failed(ctx, u, "totp", true)
		}
	}
	var sess *Session
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if u.TOTPEnabled {
			fresh, err := s.st.useTOTPStep(ctx, tx, u.ID, int64(step))
			if err != nil {
				return err
			}
			if !fresh { // another login used this code a moment ago
				return errBadCredentials()
			}
		}
		var err error
		if sess, err = s.begin(ctx, tx, u, "password"); err != nil {
			return err
		}
		return nil
	})
	return sess, err
}

// failed records a failed login and, when counted, locks the account at the limit.
func (s *Service) failed(ctx context.Context, u userRow, reason string, count bool) error {
	now := s.now()
	var lockedUntil time.Time
	err := s.tx(ctx, func(tx *sql.Tx) error {
		detail := map[string]any{"reason": reason}
		var n int
		if count {
			var err error
			if n, err = s.st.addFailure(ctx, tx, u.ID); err != nil {
				return err
			}
			detail["failures"] = n
		}
		if err := s.write(ctx, tx, record{actorID: u.ID, actorName: u.Username, action: "auth.login_failed",
			subject: userSubject(u.ID), detail: detail}); err != nil {
			return err
		}
		if count && n >= s.opt.LockoutFailures {
			lockedUntil = now.Add(s.opt.LockoutDuration)
			if err := s.st.lock(ctx, tx, u.ID, lockedUntil.UnixMilli()); err != nil {
				return err
			}
			return s.write(ctx, tx, record{actorID: u.ID, actorName: u.Username, action: "auth.lockout",
				subject: userSubject(u.ID), detail: map[string]any{"failures": n, "locked_until": lockedUntil.UnixMilli(),
					"minutes": int(s.opt.LockoutDuration.Minutes())}})
		}
		return nil
	})
	if err != nil {
		return err
	}
	if !lockedUntil.IsZero() {
		return errLocked(lockedUntil, now)
	}
	return errBadCredentials()
}

// begin records a successful login and starts a session, inside tx.
func (s *Service) begin(ctx context.Context, tx *sql.Tx, u userRow, method string) (*Session, error) {
	now := s.now()
	c := clientFrom(ctx)
	v, err := s.loadViewer(ctx, tx, u, "")
	if err != nil {
		return nil, err
	}
	if err := s.st.recordLogin(ctx, tx, u.ID, now.UnixMilli(), c.IP); err != nil {
		return nil, err
	}
	token := newSecret()
	row := sessionRow{IDHash: hashSecret(token), UserID: u.ID, Role: string(v.Role), CreatedAt: now.UnixMilli(),
		LastSeenAt: now.UnixMilli(), IP: c.IP, UserAgent: truncate(c.UserAgent, 300),
		PrevLoginAt: u.LastLoginAt, PrevLoginIP: u.LastLoginIP}
	if err := s.st.insertSession(ctx, tx, row); err != nil {
		return nil, err
	}
	v.session = row.IDHash
	v.setPrev(row)
	if err := s.write(ctx, tx, record{actor: v, action: "auth.login", subject: userSubject(u.ID),
		detail: map[string]any{"method": method, "kind": u.Kind}}); err != nil {
		return nil, err
	}
	return &Session{Token: token, Viewer: v}, nil
}

func (v *Viewer) setPrev(r sessionRow) {
	if r.PrevLoginAt != 0 {
		v.PrevLoginAt = time.UnixMilli(r.PrevLoginAt)
		v.PrevLoginIP = r.PrevLoginIP
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Resolve returns the viewer of a session cookie. A session idle longer than the idle timeout
// or older than the absolute timeout is deleted and refused, as is one that was logged out (it
// no longer exists) or a forged value.
func (s *Service) Resolve(ctx context.Context, token string) (*Viewer, error) {
	if token == "" || len(token) > 128 {
		return nil, errSession()
	}
	h := hashSecret(token)
	if v, ok := s.cachedViewer(h); ok {
		return v, nil
	}
	gen := s.views.gen.Load()
	row, u, err := s.st.sessionUser(ctx, s.d.Read, h)
	if errs.Is(err, errs.NotFound) {
		return nil, errSession()
	}
	if err != nil {
		return nil, err
	}
	now := s.now().UnixMilli()
	if now-row.LastSeenAt > s.opt.SessionIdle.Milliseconds() || now-row.CreatedAt > s.opt.SessionAbsolute.Milliseconds() {
		s.views.drop(h)
		if _, err := s.st.deleteSession(ctx, s.d.Write(), h); err != nil {
			return nil, err
		}
		return nil, errs.New(errs.Unauthenticated, "auth.session.expired")
	}
	if !u.Active {
		s.views.drop(h)
		if _, err := s.st.deleteSession(ctx, s.d.Write(), h); err != nil {
			return nil, err
		}
		return nil, errSession()
	}
	v, err := s.loadViewer(ctx, s.d.Read, u, Role(row.Role))
	if errs.Is(err, errs.Forbidden) { // every role was taken away: the session is over
		s.views.drop(h)
		if _, err := s.st.deleteSession(ctx, s.d.Write(), h); err != nil {
			return nil, err
		}
		return nil, errSession()
	}
	if err != nil {
		return nil, err
	}
	if now-row.LastSeenAt >= s.opt.TouchEvery.Milliseconds() {
		if err := s.st.touchSession(ctx, s.d.Write(), h, now); err != nil {
			return nil, err
		}
		row.LastSeenAt = now
	}
	v.session = h
	v.setPrev(row)
	if s.opt.ViewerCache > 0 {
		s.views.put(h, viewEntry{v: *v.clone(), row: row, gen: gen, deadline: time.Now().Add(s.opt.ViewerCache)})
	}
	return v, nil
}

// Logout ends the viewer's session: its cookie is worthless from now on.
func (s *Service) Logout(ctx context.Context, v *Viewer) error {
	if v == nil || v.session == "" {
		return errSession()
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := s.st.deleteSession(ctx, tx, v.session); err != nil {
			return err
		}
		return s.write(ctx, tx, record{actor: v, action: "auth.logout", subject: userSubject(v.ID)})
	})
}

// SwitchRole makes another of the viewer's roles the active one for the rest of the session.
func (s *Service) SwitchRole(ctx context.Context, v *Viewer, role Role) error {
	if v == nil || v.session == "" {
		return errSession()
	}
	if !v.Has(role) {
		return errs.New(errs.Forbidden, "auth.role.not_held").OnField("role")
	}
	if role == v.Role {
		return nil
	}
	from := v.Role
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.st.setSessionRole(ctx, tx, v.session, role); err != nil {
			return err
		}
		v.Role = role
		return s.write(ctx, tx, record{actor: v, action: "auth.role_switch", subject: userSubject(v.ID),
			detail: map[string]any{"from": string(from), "to": string(role)}})
	})
	if err != nil {
		v.Role = from
	}
	return err
}
