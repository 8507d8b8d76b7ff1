package certs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/errs"
)

// store holds every SQL statement of the domain.
type store struct{ d *db.DB }

// ---- keys ----

type keyRow struct {
	ID, OrgID, OrgName, OrgUSCC, RegionCode, PublicKey, PrivateKey, CreatedBy string
	ValidFrom                                                                 int64
	ValidTo                                                                   sql.NullInt64
}

const keyCols = `id, org_id, org_name, org_uscc, region_code, public_key, private_key, valid_from, valid_to, created_by`

func scanKey(sc interface{ Scan(...any) error }) (keyRow, error) {
	var k keyRow
	err := sc.Scan(&k.ID, &k.OrgID, &k.OrgName, &k.OrgUSCC, &k.RegionCode, &k.PublicKey, &k.PrivateKey, &k.ValidFrom, &k.ValidTo, &k.CreatedBy)
	return k, err
}

func (store) insertKey(ctx context.Context, q db.Q, k keyRow) error {
	_, err := q.ExecContext(ctx, `INSERT INTO cert_keys (`+keyCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, $9)`,
		k.ID, k.OrgID, k.OrgName, k.OrgUSCC, k.RegionCode, k.PublicKey, k.PrivateKey, k.ValidFrom, k.CreatedBy)
	return err
}

func (store) activeKey(ctx context.Context, q db.Q, orgID string) (keyRow, error) {
	k, err := scanKey(q.QueryRowContext(ctx, `SELECT `+keyCols+` FROM cert_keys WHERE org_id = $1 AND valid_to IS NULL`, orgID))
	if errors.Is(err, sql.ErrNoRows) {
		return k, errs.NotFoundErr("certs.key.not_found")
	}
	return k, err
}

func (store) keyByID(ctx context.Context, q db.Q, id string) (keyRow, error) {
	k, err := scanKey(q.QueryRowContext(ctx, `SELECT `+keyCols+` FROM cert_keys WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return k, errs.NotFoundErr("certs.key.not_found")
	}
	return k, err
}

func (store) keys(ctx context.Context, q db.Q) ([]keyRow, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+keyCols+` FROM cert_keys ORDER BY org_id, valid_from`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []keyRow
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

func (store) closeKey(ctx context.Context, q db.Q, id string, at int64) error {
	_, err := q.ExecContext(ctx, `UPDATE cert_keys SET valid_to = $1 WHERE id = $2 AND valid_to IS NULL`, at, id)
	return err
}

// ---- secrets ----

func (store) secret(ctx context.Context, q db.Q, name string) (string, error) {
	var s string
	err := q.QueryRowContext(ctx, `SELECT secret FROM cert_secrets WHERE name = $1`, name).Scan(&s)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errs.NotFoundErr("certs.secret.not_found")
	}
	return s, err
}

func (store) insertSecret(ctx context.Context, q db.Q, name, secret string, at int64) error {
	_, err := q.ExecContext(ctx, `INSERT INTO cert_secrets (name, secret, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO NOTHING`, name, secret, at)
	return err
}

// ---- numbers ----

func (store) nextNumber(ctx context.Context, tx *sql.Tx, typeCode, scope string) (int64, error) {
	if _, err := tx.ExecContext(ctx, `INSERT INTO cert_counters (type_code, scope, last_no) VALUES ($1, $2, 0)
		ON CONFLICT (type_code, scope) DO NOTHING`, typeCode, scope); err != nil {
		return 0, err
	}
	var n int64
	err := tx.QueryRowContext(ctx, `UPDATE cert_counters SET last_no = last_no + 1 WHERE type_code = $1 AND scope = $2
		RETURNING last_no`, typeCode, scope).Scan(&n)
	return n, err
}

// ---- certificates ----

// certRow is a certificate as stored: holder and data still encrypted.
type certRow struct {
	ID, TypeCode, No                                        string
	Version                                                 int
	HolderType, HolderName, HolderID, HolderIDBI, HolderMsk string
	IssuerID, IssuerName, IssuerUSCC, RegionCode            string
	IssuedOn, ValidFrom, ValidTo, Surface, Salt, Source     string
	CaseID                                                  sql.NullString
	CaseNo, ItemID, ChainID, Action, ReplacesID, Status     string
	SupersededBy                                            string
	RevokedAt                                               sql.NullInt64
	RevokeReason, KeyID                                     string
	SignedAt                                                int64
	DataDigest, Signature                                   string
	CreatedAt                                               int64
	CreatedBy                                               string
}

const certCols = `id, type_code, no, version, holder_type, holder_name, holder_id, holder_id_bi, holder_mask,
	issuer_id, issuer_name, issuer_uscc, region_code, issued_on, valid_from, valid_to, surface, salt, source,
	case_id, case_no, item_id, chain_id, action, replaces_id, status, superseded_by, revoked_at, revoke_reason,
	key_id, signed_at, data_digest, signature, created_at, created_by`

func scanCert(sc interface{ Scan(...any) error }) (certRow, error) {
	var r certRow
	err := sc.Scan(&r.ID, &r.TypeCode, &r.No, &r.Version, &r.HolderType, &r.HolderName, &r.HolderID, &r.HolderIDBI, &r.HolderMsk,
		&r.IssuerID, &r.IssuerName, &r.IssuerUSCC, &r.RegionCode, &r.IssuedOn, &r.ValidFrom, &r.ValidTo, &r.Surface, &r.Salt, &r.Source,
		&r.CaseID, &r.CaseNo, &r.ItemID, &r.ChainID, &r.Action, &r.ReplacesID, &r.Status, &r.SupersededBy, &r.RevokedAt, &r.RevokeReason,
		&r.KeyID, &r.SignedAt, &r.DataDigest, &r.Signature, &r.CreatedAt, &r.CreatedBy)
	return r, err
}

func scanCerts(rows *sql.Rows, err error) ([]certRow, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []certRow
	for rows.Next() {
		r, err := scanCert(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func (store) insertCert(ctx context.Context, q db.Q, r certRow) error {
	_, err := q.ExecContext(ctx, `INSERT INTO certs (`+certCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,
		$11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34, $35)`,
		r.ID, r.TypeCode, r.No, r.Version, r.HolderType, r.HolderName, r.HolderID, r.HolderIDBI, r.HolderMsk,
		r.IssuerID, r.IssuerName, r.IssuerUSCC, r.RegionCode, r.IssuedOn, r.ValidFrom, r.ValidTo, r.Surface, r.Salt, r.Source,
		r.CaseID, r.CaseNo, r.ItemID, r.ChainID, r.Action, r.ReplacesID, r.Status, r.SupersededBy, r.RevokedAt, r.RevokeReason,
		r.KeyID, r.SignedAt, r.DataDigest, r.Signature, r.CreatedAt, r.CreatedBy)
	if db.IsUniqueViolation(err) {
		return (&errs.Error{Code: errs.Conflict, Key: "certs.no.taken", Err: err}).With("no", r.No).OnField("no")
	}
	return err
}

// cert returns one certificate version within a scope.
func (st store) cert(ctx context.Context, q db.Q, sc auth.Scope, id string) (certRow, error) {
	where, args := sc.SQL("region_code", "issuer_id", "", 2)
	r, err := scanCert(q.QueryRowContext(ctx, `SELECT `+certCols+` FROM certs WHERE id = $1 AND `+where+st.lock(q),
		append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return r, errs.NotFoundErr("certs.cert.not_found")
	}
	return r, err
}

// lock adds FOR UPDATE inside a transaction.
func (st store) lock(q db.Q) string {
	if _, ok := q.(*sql.Tx); ok {
		return st.d.ForUpdate()
	}
	return ""
}

// lineage returns every version of (type, no), latest first.
func (store) lineage(ctx context.Context, q db.Q, typeCode, no string) ([]certRow, error) {
	return scanCerts(q.QueryContext(ctx, `SELECT `+certCols+` FROM certs WHERE type_code = $1 AND no = $2 ORDER BY version DESC`, typeCode, no))
}

// byNumber returns the latest version of every licence with a number, by type.
func (store) byNumber(ctx context.Context, q db.Q, no string) ([]certRow, error) {
	return scanCerts(q.QueryContext(ctx, `SELECT `+certCols+` FROM certs c WHERE no = $1
		AND version = (SELECT MAX(version) FROM certs x WHERE x.type_code = c.type_code AND x.no = c.no)
		ORDER BY type_code`, no))
}

func (store) byCase(ctx context.Context, q db.Q, caseID string) ([]certRow, error) {
	return scanCerts(q.QueryContext(ctx, `SELECT `+certCols+` FROM certs WHERE case_id = $1`, caseID))
}

// chainLatest returns the latest version of every licence first issued in a chain.
func (store) chainLatest(ctx context.Context, q db.Q, chainID string) ([]certRow, error) {
	return scanCerts(q.QueryContext(ctx, `SELECT `+certCols+` FROM certs c WHERE EXISTS (
			SELECT 1 FROM certs o WHERE o.chain_id = $1 AND o.type_code = c.type_code AND o.no = c.no)
		AND version = (SELECT MAX(version) FROM certs x WHERE x.type_code = c.type_code AND x.no = c.no)
		ORDER BY type_code, no`, chainID))
}

// byHolder returns a holder's certificates, latest versions only unless all.
func (store) byHolder(ctx context.Context, q db.Q, holderBI, typeCode string, all bool) ([]certRow, error) {
	query := `SELECT ` + certCols + ` FROM certs c WHERE holder_id_bi = $1`
	args := []any{holderBI}
	if typeCode != "" {
		query += ` AND type_code = $2`
		args = append(args, typeCode)
	}
	if !all {
		query += ` AND version = (SELECT MAX(version) FROM certs x WHERE x.type_code = c.type_code AND x.no = c.no)`
	}
	return scanCerts(q.QueryContext(ctx, query+` ORDER BY created_at DESC`, args...))
}

// Filter selects certificates for staff lists.
type Filter struct {
	TypeCode string `json:"type_code,omitempty"`
	No       string `json:"no,omitempty"`
	Status   Status `json:"status,omitempty" doc:"stored status: valid, superseded, revoked or cancelled"`
	HolderID string `json:"holder_id,omitempty" doc:"exact ID number or 统一社会信用代码"`
	Limit    int    `json:"limit,omitempty"`
	holderBI string
}

func (store) list(ctx context.Context, q db.Q, sc auth.Scope, f Filter) ([]certRow, error) {
	where, args := sc.SQL("region_code", "issuer_id", "", 1)
	conds := []string{where}
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, fmt.Sprintf(cond, len(args)))
	}
	if f.TypeCode != "" {
		add("type_code = $%d", f.TypeCode)
	}
	if f.No != "" {
		add("no = $%d", f.No)
	}
	if f.Status != "" {
		add("status = $%d", string(f.Status))
	}
	if f.holderBI != "" {
		add("holder_id_bi = $%d", f.holderBI)
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	return scanCerts(q.QueryContext(ctx, `SELECT `+certCols+` FROM certs WHERE `+strings.Join(conds, " AND ")+
		fmt.Sprintf(` ORDER BY created_at DESC, id DESC LIMIT %d`, limit), args...))
}

func (store) supersede(ctx context.Context, tx *sql.Tx, id, by string) error {
	res, err := tx.ExecContext(ctx, `UPDATE certs SET status = $1, superseded_by = $2 WHERE id = $3 AND status = $4`,
		string(Superseded), by, id, string(Valid))
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.ConflictErr("certs.cert.not_current")
	}
	return nil
}

func (store) revoke(ctx context.Context, tx *sql.Tx, id string, at int64, reason string) error {
	_, err := tx.ExecContext(ctx, `UPDATE certs SET status = $1, revoked_at = $2, revoke_reason = $3 WHERE id = $4`,
		string(Revoked), at, reason, id)
	return err
}

// ---- grants ----

type grantRow struct {
	ID, HolderIDBI, HolderType, GrantedBy, CaseID, CaseNo, CertTypes, Method string
	CreatedAt, ExpiresAt                                                     int64
	RevokedAt                                                                sql.NullInt64
}

const grantCols = `id, holder_id_bi, holder_type, granted_by, case_id, case_no, cert_types, method, created_at, expires_at, revoked_at`

func scanGrants(rows *sql.Rows, err error) ([]grantRow, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []grantRow
	for rows.Next() {
		var g grantRow
		if err := rows.Scan(&g.ID, &g.HolderIDBI, &g.HolderType, &g.GrantedBy, &g.CaseID, &g.CaseNo, &g.CertTypes, &g.Method,
			&g.CreatedAt, &g.ExpiresAt, &g.RevokedAt); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

func (store) insertGrant(ctx context.Context, q db.Q, g grantRow) error {
	_, err := q.ExecContext(ctx, `INSERT INTO cert_grants (`+grantCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL)`,
		g.ID, g.HolderIDBI, g.HolderType, g.GrantedBy, g.CaseID, g.CaseNo, g.CertTypes, g.Method, g.CreatedAt, g.ExpiresAt)
	return err
}

func (store) grantsForCase(ctx context.Context, q db.Q, caseID string) ([]grantRow, error) {
	return scanGrants(q.QueryContext(ctx, `SELECT `+grantCols+` FROM cert_grants WHERE case_id = $1 ORDER BY created_at DESC`, caseID))
}

func (store) grantsByHolder(ctx context.Context, q db.Q, holderBI string) ([]grantRow, error) {
	return scanGrants(q.QueryContext(ctx, `SELECT `+grantCols+` FROM cert_grants WHERE holder_id_bi = $1 ORDER BY created_at DESC LIMIT 200`, holderBI))
}

func (store) revokeGrant(ctx context.Context, q db.Q, id, holderBI string, at int64) (bool, error) {
	res, err := q.ExecContext(ctx, `UPDATE cert_grants SET revoked_at = $1 WHERE id = $2 AND holder_id_bi = $3 AND revoked_at IS NULL`,
		at, id, holderBI)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// ---- uses ----

func (store) insertUse(ctx context.Context, q db.Q, u Use, holderBI, actorID, region string) error {
	_, err := q.ExecContext(ctx, `INSERT INTO cert_uses (id, cert_id, holder_id_bi, type_code, cert_no, case_id, case_no,
		material_code, grant_id, actor_id, actor_name, unit_id, region_code, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		u.ID, u.CertID, holderBI, u.TypeCode, u.CertNo, u.CaseID, u.CaseNo, u.MaterialCode, u.GrantID, actorID, u.ActorName,
		u.UnitID, region, u.At.UnixMilli())
	return err
}

func (store) usesByHolder(ctx context.Context, q db.Q, holderBI string) ([]Use, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, cert_id, type_code, cert_no, case_id, case_no, material_code, grant_id,
		actor_name, unit_id, at FROM cert_uses WHERE holder_id_bi = $1 ORDER BY at DESC LIMIT 500`, holderBI)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Use
	for rows.Next() {
		var u Use
		var at int64
		if err := rows.Scan(&u.ID, &u.CertID, &u.TypeCode, &u.CertNo, &u.CaseID, &u.CaseNo, &u.MaterialCode, &u.GrantID,
			&u.ActorName, &u.UnitID, &at); err != nil {
			return nil, err
		}
		u.At = millis(at)
		out = append(out, u)
	}
	return out, rows.Err()
}

// Stats are the certificate figures of a period (DOMAIN §15).
type Stats struct {
	Issued       int `json:"issued" doc:"certificate versions issued from cases or imported"`
	Revoked      int `json:"revoked"`
	Uses         int `json:"uses" doc:"certificate-free uses (fetches for a case)"`
	CasesNoPaper int `json:"cases_no_paper" doc:"distinct cases that used at least one certificate instead of a paper proof"`
}

func (store) stats(ctx context.Context, q db.Q, sc auth.Scope, from, to int64) (Stats, error) {
	var s Stats
	where, args := sc.SQL("region_code", "issuer_id", "", 3)
	a := append([]any{from, to}, args...)
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM certs WHERE created_at >= $1 AND created_at < $2 AND `+where, a...).Scan(&s.Issued); err != nil {
		return s, err
	}
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM certs WHERE revoked_at >= $1 AND revoked_at < $2 AND `+where, a...).Scan(&s.Revoked); err != nil {
		return s, err
	}
	where, args = sc.SQL("region_code", "unit_id", "", 3)
	a = append([]any{from, to}, args...)
	err := q.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(DISTINCT case_id) FROM cert_uses WHERE at >= $1 AND at < $2 AND `+where, a...).
		Scan(&s.Uses, &s.CasesNoPaper)
	return s, err
}

// ---- shares ----

func (store) insertShare(ctx context.Context, q db.Q, id, certID, hash, by string, at, exp int64) error {
	_, err := q.ExecContext(ctx, `INSERT INTO cert_shares (id, cert_id, token_hash, created_by, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, id, certID, hash, by, at, exp)
	return err
}

func (store) shareByHash(ctx context.Context, q db.Q, hash string) (Share, error) {
	var sh Share
	var at, exp int64
	var rev sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT id, cert_id, created_at, expires_at, revoked_at FROM cert_shares WHERE token_hash = $1`, hash).
		Scan(&sh.ID, &sh.CertID, &at, &exp, &rev)
	if errors.Is(err, sql.ErrNoRows) {
		return sh, errs.NotFoundErr("certs.share.not_found")
	}
	sh.CreatedAt, sh.ExpiresAt = millis(at), millis(exp)
	if rev.Valid {
		sh.RevokedAt = millis(rev.Int64)
	}
	return sh, err
}

func (store) shares(ctx context.Context, q db.Q, certIDs []string) ([]Share, error) {
	if len(certIDs) == 0 {
		return nil, nil
	}
	ph := make([]string, len(certIDs))
	args := make([]any, len(certIDs))
	for i, id := range certIDs {
		ph[i] = fmt.Sprintf("$%d", i+1)
		args[i] = id
	}
	rows, err := q.QueryContext(ctx, `SELECT id, cert_id, created_at, expires_at, revoked_at FROM cert_shares
		WHERE cert_id IN (`+strings.Join(ph, ", ")+`) ORDER BY created_at DESC`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Share
	for rows.Next() {
		var sh Share
		var at, exp int64
		var rev sql.NullInt64
		if err := rows.Scan(&sh.ID, &sh.CertID, &at, &exp, &rev); err != nil {
			return nil, err
		}
		sh.CreatedAt, sh.ExpiresAt = millis(at), millis(exp)
		if rev.Valid {
			sh.RevokedAt = millis(rev.Int64)
		}
		out = append(out, sh)
	}
	return out, rows.Err()
}

func (store) revokeShare(ctx context.Context, q db.Q, id, certID string, at int64) error {
	_, err := q.ExecContext(ctx, `UPDATE cert_shares SET revoked_at = $1 WHERE id = $2 AND cert_id = $3 AND revoked_at IS NULL`, at, id, certID)
	return err
}

func encodeTypes(ts []string) string {
	b, _ := json.Marshal(ts)
	return string(b)
}

func decodeTypes(s string) []string {
	var ts []string
	_ = json.Unmarshal([]byte(s), &ts)
	return ts
}
