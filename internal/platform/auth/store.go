package auth

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"onestamp/internal/platform/db"
	"onestamp/internal/platform/errs"
)

// store holds every SQL statement of the package.
type store struct{ d *db.DB }

// userRow is a row of users.
type userRow struct {
	ID, Kind, Username, Name, UnitID, RegionCode string
	PasswordHash                                 string
	MustChange                                   bool
	TOTPSecret                                   string
	TOTPEnabled                                  bool
	TOTPLastStep                                 int64
	FailedLogins                                 int
	LockedUntil                                  int64
	LastLoginAt                                  int64
	LastLoginIP                                  string
	Active                                       bool
	CreatedAt, UpdatedAt                         int64
}

const userCols = `id, kind, COALESCE(username, ''), name, unit_id, region_code, password_hash, must_change,
	totp_secret, totp_enabled, totp_last_step, failed_logins, locked_until, last_login_at, last_login_ip,
	active, created_at, updated_at`

func scanUser(sc interface{ Scan(...any) error }) (userRow, error) {
	var u userRow
	err := sc.Scan(u.dest()...)
	return u, err
}

// dest lists where the columns of userCols go.
func (u *userRow) dest() []any {
	return []any{&u.ID, &u.Kind, &u.Username, &u.Name, &u.UnitID, &u.RegionCode, &u.PasswordHash, &u.MustChange,
		&u.TOTPSecret, &u.TOTPEnabled, &u.TOTPLastStep, &u.FailedLogins, &u.LockedUntil, &u.LastLoginAt, &u.LastLoginIP,
		&u.Active, &u.CreatedAt, &u.UpdatedAt}
}

func notFound(err error, key string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return errs.NotFoundErr(key)
	}
	return err
}

func (s store) insertUser(ctx context.Context, q db.Q, u userRow) error {
	var username any
	if u.Username != "" {
		username = u.Username
	}
	_, err := q.ExecContext(ctx, `INSERT INTO users (id, kind, username, name, unit_id, region_code, password_hash,
		must_change, active, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		u.ID, u.Kind, username, u.Name, u.UnitID, u.RegionCode, u.PasswordHash, u.MustChange, u.Active, u.CreatedAt, u.UpdatedAt)
	if db.IsUniqueViolation(err) {
		return errs.ConflictErr("auth.user.username_taken").OnField("username")
	}
	return err
}

func (s store) userByID(ctx context.Context, q db.Q, id string) (userRow, error) {
	u, err := scanUser(q.QueryRowContext(ctx, "SELECT "+userCols+" FROM users WHERE id = $1", id))
	return u, notFound(err, "auth.user.not_found")
}

func (s store) userByUsername(ctx context.Context, q db.Q, username string) (userRow, error) {
	u, err := scanUser(q.QueryRowContext(ctx, "SELECT "+userCols+" FROM users WHERE username = $1", username))
	return u, notFound(err, "auth.user.not_found")
}

func (s store) listStaff(ctx context.Context, q db.Q, sc Scope, f StaffFilter) ([]userRow, error) {
	where, args := sc.SQL("region_code", "unit_id", "id", 1)
	query := "SELECT " + userCols + " FROM users WHERE kind = 'staff' AND " + where
	add := func(clause string, v any) {
		args = append(args, v)
		query += fmt.Sprintf(" AND "+clause, len(args))
	}
	if f.Unit != "" {
		add("unit_id = $%d", f.Unit)
	}
	if f.Role != "" {
		add("id IN (SELECT user_id FROM user_roles WHERE role = $%d)", string(f.Role))
	}
	if qs := strings.ToLower(strings.TrimSpace(f.Query)); qs != "" {
		args = append(args, "%"+likeEscape(qs)+"%")
		n := len(args)
		query += fmt.Sprintf(" AND (username LIKE $%d ESCAPE '\\' OR LOWER(name) LIKE $%d ESCAPE '\\')", n, n)
	}
	if f.Active != nil {
		add("active = $%d", *f.Active)
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 200
	}
	query += fmt.Sprintf(" ORDER BY region_code, unit_id, username LIMIT %d", limit)
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []userRow
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

func likeEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

func (s store) updateStaff(ctx context.Context, q db.Q, u userRow) error {
	_, err := q.ExecContext(ctx, "UPDATE users SET name = $1, unit_id = $2, region_code = $3, updated_at = $4 WHERE id = $5",
		u.Name, u.UnitID, u.RegionCode, u.UpdatedAt, u.ID)
	return err
}

func (s store) setActive(ctx context.Context, q db.Q, id string, active bool, now int64) error {
	_, err := q.ExecContext(ctx, "UPDATE users SET active = $1, updated_at = $2 WHERE id = $3", active, now, id)
	return err
}

// roles and permissions

func (s store) roles(ctx context.Context, q db.Q, userID string) ([]Role, error) {
	rows, err := q.QueryContext(ctx, "SELECT role FROM user_roles WHERE user_id = $1", userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Role
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			return nil, err
		}
		out = append(out, Role(r))
	}
	return sortRoles(out), rows.Err()
}

func (s store) setRoles(ctx context.Context, q db.Q, userID string, roles []Role) error {
	if _, err := q.ExecContext(ctx, "DELETE FROM user_roles WHERE user_id = $1", userID); err != nil {
		return err
	}
	for _, r := range roles {
		if _, err := q.ExecContext(ctx, "INSERT INTO user_roles (user_id, role) VALUES ($1, $2)", userID, string(r)); err != nil {
			return err
		}
	}
	return nil
}

func (s store) perms(ctx context.Context, q db.Q, userID string) ([]Permission, error) {
	rows, err := q.QueryContext(ctx, "SELECT perm FROM user_perms WHERE user_id = $1 ORDER BY perm", userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Permission
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return nil, err
		}
		out = append(out, Permission(p))
	}
	return out, rows.Err()
}

func (s store) setPerms(ctx context.Context, q db.Q, userID string, perms []Permission) error {
	if _, err := q.ExecContext(ctx, "DELETE FROM user_perms WHERE user_id = $1", userID); err != nil {
		return err
	}
	for _, p := range perms {
		if _, err := q.ExecContext(ctx, "INSERT INTO user_perms (user_id, perm) VALUES ($1, $2)", userID, string(p)); err != nil {
			return err
		}
	}
	return nil
}

// passwords, lockout and logins

// addFailure counts a failed login and returns the new count.
func (s store) addFailure(ctx context.Context, q db.Q, id string) (int, error) {
	var n int
	err := q.QueryRowContext(ctx,
		"UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins", id).Scan(&n)
	return n, err
}

func (s store) lock(ctx context.Context, q db.Q, id string, until int64) error {
	_, err := q.ExecContext(ctx, "UPDATE users SET failed_logins = 0, locked_until = $1 WHERE id = $2", until, id)
	return err
}

func (s store) recordLogin(ctx context.Context, q db.Q, id string, at int64, ip string) error {
	_, err := q.ExecContext(ctx, `UPDATE users SET failed_logins = 0, locked_until = 0, last_login_at = $1,
		last_login_ip = $2 WHERE id = $3`, at, ip, id)
	return err
}

func (s store) setPassword(ctx context.Context, q db.Q, id, hash string, mustChange bool, now int64) error {
	if _, err := q.ExecContext(ctx, `UPDATE users SET password_hash = $1, must_change = $2, failed_logins = 0,
		locked_until = 0, updated_at = $3 WHERE id = $4`, hash, mustChange, now, id); err != nil {
		return err
	}
	_, err := q.ExecContext(ctx, "INSERT INTO password_history (id, user_id, hash, created_at) VALUES ($1, $2, $3, $4)",
		db.NewID(), id, hash, now)
	return err
}

// recentPasswords returns the newest n password hashes of a user, the current one included.
func (s store) recentPasswords(ctx context.Context, q db.Q, id string, n int) ([]string, error) {
	rows, err := q.QueryContext(ctx, fmt.Sprintf(
		"SELECT hash FROM password_history WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT %d", n), id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

func (s store) setTOTP(ctx context.Context, q db.Q, id, secret string, enabled bool, now int64) error {
	_, err := q.ExecContext(ctx, `UPDATE users SET totp_secret = $1, totp_enabled = $2, totp_last_step = 0,
		updated_at = $3 WHERE id = $4`, secret, enabled, now, id)
	return err
}

// useTOTPStep records an accepted step; it fails when another request used that step first.
func (s store) useTOTPStep(ctx context.Context, q db.Q, id string, step int64) (bool, error) {
	res, err := q.ExecContext(ctx, "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1", step, id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// applicants

type applicantRow struct {
	UserID, SubjectType, IDNumber, IDNumberBI, Name, Mobile, MobileBI string
	CreatedAt                                                         int64
}

func (s store) insertApplicant(ctx context.Context, q db.Q, a applicantRow) error {
	_, err := q.ExecContext(ctx, `INSERT INTO applicants (user_id, subject_type, id_number, id_number_bi, name,
		mobile, mobile_bi, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		a.UserID, a.SubjectType, a.IDNumber, a.IDNumberBI, a.Name, a.Mobile, a.MobileBI, a.CreatedAt)
	if db.IsUniqueViolation(err) {
		return errs.ConflictErr("auth.applicant.exists").OnField("id_number")
	}
	return err
}

const applicantCols = "user_id, subject_type, id_number, id_number_bi, name, mobile, mobile_bi, created_at"

func scanApplicant(sc interface{ Scan(...any) error }) (applicantRow, error) {
	var a applicantRow
	err := sc.Scan(&a.UserID, &a.SubjectType, &a.IDNumber, &a.IDNumberBI, &a.Name, &a.Mobile, &a.MobileBI, &a.CreatedAt)
	return a, err
}

func (s store) applicant(ctx context.Context, q db.Q, userID string) (applicantRow, error) {
	a, err := scanApplicant(q.QueryRowContext(ctx, "SELECT "+applicantCols+" FROM applicants WHERE user_id = $1", userID))
	return a, notFound(err, "auth.applicant.not_found")
}

func (s store) applicantByIDNumber(ctx context.Context, q db.Q, bi string) (applicantRow, error) {
	a, err := scanApplicant(q.QueryRowContext(ctx, "SELECT "+applicantCols+" FROM applicants WHERE id_number_bi = $1", bi))
	return a, notFound(err, "auth.applicant.not_found")
}

func (s store) applicantsByMobile(ctx context.Context, q db.Q, bi string) ([]applicantRow, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+applicantCols+" FROM applicants WHERE mobile_bi = $1 ORDER BY created_at LIMIT 20", bi)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []applicantRow
	for rows.Next() {
		a, err := scanApplicant(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// sessions

type sessionRow struct {
	IDHash, UserID, Role  string
	CreatedAt, LastSeenAt int64
	IP, UserAgent         string
	PrevLoginAt           int64
	PrevLoginIP           string
}

func (s store) insertSession(ctx context.Context, q db.Q, r sessionRow) error {
	_, err := q.ExecContext(ctx, `INSERT INTO sessions (id_hash, user_id, role, created_at, last_seen_at, ip,
		user_agent, prev_login_at, prev_login_ip) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		r.IDHash, r.UserID, r.Role, r.CreatedAt, r.LastSeenAt, r.IP, r.UserAgent, r.PrevLoginAt, r.PrevLoginIP)
	return err
}

// sessionUser reads a session and its user in one query.
func (s store) sessionUser(ctx context.Context, q db.Q, idHash string) (sessionRow, userRow, error) {
	var r sessionRow
	var u userRow
	err := q.QueryRowContext(ctx, `SELECT s.id_hash, s.user_id, s.role, s.created_at, s.last_seen_at, s.ip, s.user_agent,
		s.prev_login_at, s.prev_login_ip, x.* FROM sessions s JOIN (SELECT `+userCols+` FROM users) x ON x.id = s.user_id
		WHERE s.id_hash = $1`, idHash).
		Scan(append([]any{&r.IDHash, &r.UserID, &r.Role, &r.CreatedAt, &r.LastSeenAt, &r.IP, &r.UserAgent, &r.PrevLoginAt,
			&r.PrevLoginIP}, u.dest()...)...)
	return r, u, notFound(err, "error.unauthenticated")
}

func (s store) touchSession(ctx context.Context, q db.Q, idHash string, at int64) error {
	_, err := q.ExecContext(ctx, "UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2 AND last_seen_at < $1", at, idHash)
	return err
}

func (s store) setSessionRole(ctx context.Context, q db.Q, idHash string, role Role) error {
	_, err := q.ExecContext(ctx, "UPDATE sessions SET role = $1 WHERE id_hash = $2", string(role), idHash)
	return err
}

func (s store) deleteSession(ctx context.Context, q db.Q, idHash string) (bool, error) {
	res, err := q.ExecContext(ctx, "DELETE FROM sessions WHERE id_hash = $1", idHash)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

func (s store) deleteUserSessions(ctx context.Context, q db.Q, userID, except string) error {
	_, err := q.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2", userID, except)
	return err
}

// deleteStaleSessions removes sessions idle since before idleBefore or created before absBefore.
func (s store) deleteStaleSessions(ctx context.Context, q db.Q, idleBefore, absBefore int64) (int64, error) {
	res, err := q.ExecContext(ctx, "DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2", idleBefore, absBefore)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// tokens

type tokenRow struct {
	ID, Name, Prefix, SecretHash string
	Scopes                       []string
	UnitID, RegionCode           string
	ExpiresAt                    int64
	CreatedBy                    string
	CreatedAt, RevokedAt         int64
	LastUsedAt                   int64
}

const tokenCols = `id, name, prefix, secret_hash, scopes, unit_id, region_code, expires_at, created_by, created_at,
	revoked_at, last_used_at`

func scanToken(sc interface{ Scan(...any) error }) (tokenRow, error) {
	var t tokenRow
	var scopes string
	err := sc.Scan(&t.ID, &t.Name, &t.Prefix, &t.SecretHash, &scopes, &t.UnitID, &t.RegionCode, &t.ExpiresAt,
		&t.CreatedBy, &t.CreatedAt, &t.RevokedAt, &t.LastUsedAt)
	if err == nil {
		err = json.Unmarshal([]byte(scopes), &t.Scopes)
	}
	return t, err
}

func (s store) insertToken(ctx context.Context, q db.Q, t tokenRow) error {
	scopes, err := json.Marshal(t.Scopes)
	if err != nil {
		return err
	}
	_, err = q.ExecContext(ctx, `INSERT INTO api_tokens (id, name, prefix, secret_hash, scopes, unit_id, region_code,
		expires_at, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		t.ID, t.Name, t.Prefix, t.SecretHash, string(scopes), t.UnitID, t.RegionCode, t.ExpiresAt, t.CreatedBy, t.CreatedAt)
	return err
}

func (s store) tokenBySecret(ctx context.Context, q db.Q, hash string) (tokenRow, error) {
	t, err := scanToken(q.QueryRowContext(ctx, "SELECT "+tokenCols+" FROM api_tokens WHERE secret_hash = $1", hash))
	return t, notFound(err, "error.unauthenticated")
}

func (s store) token(ctx context.Context, q db.Q, id string) (tokenRow, error) {
	t, err := scanToken(q.QueryRowContext(ctx, "SELECT "+tokenCols+" FROM api_tokens WHERE id = $1", id))
	return t, notFound(err, "auth.token.not_found")
}

func (s store) listTokens(ctx context.Context, q db.Q, sc Scope) ([]tokenRow, error) {
	where, args := sc.SQL("region_code", "unit_id", "created_by", 1)
	rows, err := q.QueryContext(ctx, "SELECT "+tokenCols+" FROM api_tokens WHERE "+where+
		" ORDER BY created_at DESC LIMIT 500", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []tokenRow
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

func (s store) revokeToken(ctx context.Context, q db.Q, id string, at int64) error {
	_, err := q.ExecContext(ctx, "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at = 0", at, id)
	return err
}

func (s store) touchToken(ctx context.Context, q db.Q, id string, at int64) error {
	_, err := q.ExecContext(ctx, "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2", at, id)
	return err
}

// SMS codes

type smsRow struct {
	ID, MobileBI, Purpose, CodeHash string
	CreatedAt, ExpiresAt            int64
	Attempts                        int
	Used                            bool
}

func (s store) insertSMSCode(ctx context.Context, q db.Q, r smsRow) error {
	_, err := q.ExecContext(ctx, `INSERT INTO sms_codes (id, mobile_bi, purpose, code_hash, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, r.ID, r.MobileBI, r.Purpose, r.CodeHash, r.CreatedAt, r.ExpiresAt)
	return err
}

// smsCodesSince counts the codes sent to a mobile since an instant and returns the newest one's time.
func (s store) smsCodesSince(ctx context.Context, q db.Q, mobileBI string, since int64) (int, int64, error) {
	var n int
	var last sql.NullInt64
	err := q.QueryRowContext(ctx, "SELECT COUNT(*), MAX(created_at) FROM sms_codes WHERE mobile_bi = $1 AND created_at >= $2",
		mobileBI, since).Scan(&n, &last)
	return n, last.Int64, err
}

// latestSMSCode returns the newest live code for a mobile and purpose, locking it on PostgreSQL.
func (s store) latestSMSCode(ctx context.Context, q db.Q, mobileBI, purpose string, now int64) (smsRow, error) {
	var r smsRow
	err := q.QueryRowContext(ctx, `SELECT id, mobile_bi, purpose, code_hash, created_at, expires_at, attempts, used
		FROM sms_codes WHERE mobile_bi = $1 AND purpose = $2 AND used = FALSE AND expires_at > $3
		ORDER BY created_at DESC, id DESC LIMIT 1`+s.d.ForUpdate(), mobileBI, purpose, now).
		Scan(&r.ID, &r.MobileBI, &r.Purpose, &r.CodeHash, &r.CreatedAt, &r.ExpiresAt, &r.Attempts, &r.Used)
	return r, notFound(err, "auth.sms.invalid")
}

func (s store) smsAttempt(ctx context.Context, q db.Q, id string, used bool) error {
	_, err := q.ExecContext(ctx, "UPDATE sms_codes SET attempts = attempts + 1, used = $1 WHERE id = $2", used, id)
	return err
}

// deleteOldSMSCodes removes codes created before an instant.
func (s store) deleteOldSMSCodes(ctx context.Context, q db.Q, before int64) error {
	_, err := q.ExecContext(ctx, "DELETE FROM sms_codes WHERE created_at < $1", before)
	return err
}

// covers

type coverRow struct {
	ID, UserID, CoverID string
	StartsAt, EndsAt    int64
	Reason, GrantedBy   string
	CreatedAt           int64
	RevokedAt           int64
}

const coverCols = "id, user_id, cover_id, starts_at, ends_at, reason, granted_by, created_at, revoked_at"

func scanCover(sc interface{ Scan(...any) error }) (coverRow, error) {
	var c coverRow
	err := sc.Scan(&c.ID, &c.UserID, &c.CoverID, &c.StartsAt, &c.EndsAt, &c.Reason, &c.GrantedBy, &c.CreatedAt, &c.RevokedAt)
	return c, err
}

func (s store) insertCover(ctx context.Context, q db.Q, c coverRow) error {
	_, err := q.ExecContext(ctx, `INSERT INTO covers (id, user_id, cover_id, starts_at, ends_at, reason, granted_by,
		created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		c.ID, c.UserID, c.CoverID, c.StartsAt, c.EndsAt, c.Reason, c.GrantedBy, c.CreatedAt)
	return err
}

func (s store) cover(ctx context.Context, q db.Q, id string) (coverRow, error) {
	c, err := scanCover(q.QueryRowContext(ctx, "SELECT "+coverCols+" FROM covers WHERE id = $1", id))
	return c, notFound(err, "auth.cover.not_found")
}

// grants reads in one query what a staff viewer holds: roles, permissions, and the users whose
// queue they cover at the instant now (every request resolves them).
func (s store) grants(ctx context.Context, q db.Q, userID string, now int64) ([]Role, []Permission, []string, error) {
	rows, err := q.QueryContext(ctx, `SELECT 'r', role FROM user_roles WHERE user_id = $1
		UNION ALL SELECT 'p', perm FROM user_perms WHERE user_id = $1
		UNION ALL SELECT 'c', user_id FROM covers WHERE cover_id = $1 AND ends_at > $2 AND starts_at <= $2 AND revoked_at = 0`,
		userID, now)
	if err != nil {
		return nil, nil, nil, err
	}
	defer rows.Close()
	var roles []Role
	var perms []Permission
	var covering []string
	for rows.Next() {
		var kind, v string
		if err := rows.Scan(&kind, &v); err != nil {
			return nil, nil, nil, err
		}
		switch kind {
		case "r":
			roles = append(roles, Role(v))
		case "p":
			perms = append(perms, Permission(v))
		case "c":
			covering = append(covering, v)
		}
	}
	slices.Sort(perms)
	slices.Sort(covering)
	return sortRoles(roles), perms, slices.Compact(covering), rows.Err()
}

// listCovers returns the covers that end after an instant, of users in scope.
func (s store) listCovers(ctx context.Context, q db.Q, sc Scope, endsAfter int64) ([]coverRow, error) {
	where, args := sc.SQL("u.region_code", "u.unit_id", "u.id", 2)
	rows, err := q.QueryContext(ctx, `SELECT c.id, c.user_id, c.cover_id, c.starts_at, c.ends_at, c.reason,
		c.granted_by, c.created_at, c.revoked_at FROM covers c JOIN users u ON u.id = c.user_id
		WHERE c.ends_at > $1 AND `+where+` ORDER BY c.starts_at DESC LIMIT 500`, append([]any{endsAfter}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []coverRow
	for rows.Next() {
		c, err := scanCover(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func (s store) revokeCover(ctx context.Context, q db.Q, id string, at int64) error {
	_, err := q.ExecContext(ctx, "UPDATE covers SET revoked_at = $1 WHERE id = $2 AND revoked_at = 0", at, id)
	return err
}
