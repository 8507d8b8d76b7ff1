package org

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/errs"
)

// store holds every SQL statement of the domain. Each read of org data takes an auth.Scope; the
// service passes the viewer's, or auth.SystemScope() for its own checks inside a transaction.
type store struct{}

// visible is the org read rule as SQL: what the scope sees, plus the jurisdictions above a region
// scope (a county's staff see their city and the city's bureau, which their own units report
// to), but never a sibling. It uses placeholders from next on; the rule in Go is visibleTo.
func visible(sc auth.Scope, regionCol, unitCol string, next int) (string, []any) {
	frag, args := sc.SQL(regionCol, unitCol, "", next)
	up := make([]any, 4)
	for i := range up {
		up[i] = ""
	}
	if p := sc.Region(); p != "" {
		for i, a := range ancestorsOfPrefix(p) {
			up[i] = a
		}
	}
	n := next + len(args)
	frag = fmt.Sprintf("(%s OR %s IN ($%d, $%d, $%d, $%d))", frag, regionCol, n, n+1, n+2, n+3)
	return frag, append(args, up...)
}

// visibleTo reports whether a record of region (and unit) is readable in scope sc.
func visibleTo(sc auth.Scope, region, unitID string) bool {
	if sc.Allows(region, unitID, "") {
		return true
	}
	if p := sc.Region(); p != "" {
		for _, a := range ancestorsOfPrefix(p) {
			if a == region {
				return true
			}
		}
	}
	return false
}

type scanner interface{ Scan(dest ...any) error }

func millis(t time.Time) int64 { return t.UnixMilli() }

func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

// likeArg makes a LIKE pattern matching s anywhere, with s's own wildcards escaped.
func likeArg(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

// ---- jurisdictions ----

const jurCols = "j.code, j.name, j.name_en, j.kind, j.parent_code, j.deactivated_at, j.created_at, j.updated_at"

func scanJurisdiction(r scanner) (Jurisdiction, error) {
	var j Jurisdiction
	var parent sql.NullString
	var deact sql.NullInt64
	var created, updated int64
	if err := r.Scan(&j.Code, &j.Name, &j.NameEN, &j.Kind, &parent, &deact, &created, &updated); err != nil {
		return j, err
	}
	j.ParentCode = parent.String
	j.Active = !deact.Valid
	if deact.Valid {
		j.DeactivatedAt = fromMillis(deact.Int64)
	}
	j.CreatedAt, j.UpdatedAt = fromMillis(created), fromMillis(updated)
	return j, nil
}

func (store) jurisdiction(ctx context.Context, q db.Q, sc auth.Scope, code string) (Jurisdiction, error) {
	where, args := visible(sc, "j.code", "", 2)
	j, err := scanJurisdiction(q.QueryRowContext(ctx,
		"SELECT "+jurCols+" FROM org_jurisdictions j WHERE j.code = $1 AND "+where,
		append([]any{code}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return j, errs.NotFoundErr("org.jurisdiction.not_found")
	}
	if err != nil {
		return j, errs.Wrap(err, "jurisdiction %s", code)
	}
	return j, nil
}

// jurisdictions returns the visible jurisdictions ordered by code, which puts every parent before
// its children.
func (store) jurisdictions(ctx context.Context, q db.Q, sc auth.Scope, inactive bool) ([]Jurisdiction, error) {
	where, args := visible(sc, "j.code", "", 1)
	if !inactive {
		where += " AND j.deactivated_at IS NULL"
	}
	rows, err := q.QueryContext(ctx, "SELECT "+jurCols+" FROM org_jurisdictions j WHERE "+where+" ORDER BY j.code", args...)
	if err != nil {
		return nil, errs.Wrap(err, "list jurisdictions")
	}
	defer rows.Close()
	var out []Jurisdiction
	for rows.Next() {
		j, err := scanJurisdiction(rows)
		if err != nil {
			return nil, errs.Wrap(err, "scan jurisdiction")
		}
		out = append(out, j)
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "list jurisdictions")
	}
	return out, nil
}

func (store) insertJurisdiction(ctx context.Context, q db.Q, j Jurisdiction) error {
	_, err := q.ExecContext(ctx, `INSERT INTO org_jurisdictions
		(code, name, name_en, kind, parent_code, deactivated_at, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		j.Code, j.Name, j.NameEN, string(j.Kind), nullString(j.ParentCode), nullTime(j.DeactivatedAt),
		millis(j.CreatedAt), millis(j.UpdatedAt))
	if db.IsUniqueViolation(err) {
		return errs.ConflictErr("org.jurisdiction.exists").With("code", j.Code).OnField("code")
	}
	if err != nil {
		return errs.Wrap(err, "insert jurisdiction %s", j.Code)
	}
	return nil
}

// updateJurisdiction writes the editable fields: names and kind. The code and parent are fixed.
func (store) updateJurisdiction(ctx context.Context, q db.Q, j Jurisdiction) error {
	_, err := q.ExecContext(ctx, `UPDATE org_jurisdictions SET name = $1, name_en = $2, kind = $3,
		deactivated_at = $4, updated_at = $5 WHERE code = $6`,
		j.Name, j.NameEN, string(j.Kind), nullTime(j.DeactivatedAt), millis(j.UpdatedAt), j.Code)
	if err != nil {
		return errs.Wrap(err, "update jurisdiction %s", j.Code)
	}
	return nil
}

// activeBelow counts the active child jurisdictions and active units of a jurisdiction.
func (store) activeBelow(ctx context.Context, q db.Q, code string) (int, int, error) {
	var jn, un int
	if err := q.QueryRowContext(ctx,
		"SELECT COUNT(*) FROM org_jurisdictions WHERE parent_code = $1 AND deactivated_at IS NULL", code).Scan(&jn); err != nil {
		return 0, 0, errs.Wrap(err, "count child jurisdictions")
	}
	if err := q.QueryRowContext(ctx,
		"SELECT COUNT(*) FROM org_units WHERE region_code = $1 AND deactivated_at IS NULL", code).Scan(&un); err != nil {
		return 0, 0, errs.Wrap(err, "count units")
	}
	return jn, un, nil
}

// ---- units ----

const unitCols = "u.id, u.code, u.name, u.name_en, u.kind, u.region_code, u.parent_id, u.address, u.phone, u.deactivated_at, u.created_at, u.updated_at"

func scanUnit(r scanner) (Unit, error) {
	var u Unit
	var parent sql.NullString
	var deact sql.NullInt64
	var created, updated int64
	if err := r.Scan(&u.ID, &u.Code, &u.Name, &u.NameEN, &u.Kind, &u.RegionCode, &parent,
		&u.Address, &u.Phone, &deact, &created, &updated); err != nil {
		return u, err
	}
	u.ParentID = parent.String
	u.Active = !deact.Valid
	if deact.Valid {
		u.DeactivatedAt = fromMillis(deact.Int64)
	}
	u.CreatedAt, u.UpdatedAt = fromMillis(created), fromMillis(updated)
	return u, nil
}

func (store) unit(ctx context.Context, q db.Q, sc auth.Scope, id string) (Unit, error) {
	where, args := visible(sc, "u.region_code", "u.id", 2)
	u, err := scanUnit(q.QueryRowContext(ctx,
		"SELECT "+unitCols+" FROM org_units u WHERE u.id = $1 AND "+where,
		append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return u, errs.NotFoundErr("org.unit.not_found")
	}
	if err != nil {
		return u, errs.Wrap(err, "unit %s", id)
	}
	return u, nil
}

func (store) unitByCode(ctx context.Context, q db.Q, sc auth.Scope, code string) (Unit, error) {
	where, args := visible(sc, "u.region_code", "u.id", 2)
	u, err := scanUnit(q.QueryRowContext(ctx,
		"SELECT "+unitCols+" FROM org_units u WHERE u.code = $1 AND "+where,
		append([]any{code}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return u, errs.NotFoundErr("org.unit.not_found")
	}
	if err != nil {
		return u, errs.Wrap(err, "unit %s", code)
	}
	return u, nil
}

// UnitFilter narrows a list of units. The zero filter lists every active unit in scope.
type UnitFilter struct {
	Region   string   `json:"region,omitempty"`   // a region code: units of that jurisdiction
	Subtree  bool     `json:"subtree,omitempty"`  // with Region: and of every jurisdiction below it
	Kind     UnitKind `json:"kind,omitempty"`     // one kind only
	Query    string   `json:"q,omitempty"`        // part of the name or the code
	Inactive bool     `json:"inactive,omitempty"` // include deactivated units
}

func (store) units(ctx context.Context, q db.Q, sc auth.Scope, f UnitFilter) ([]Unit, error) {
	where, args := visible(sc, "u.region_code", "u.id", 1)
	add := func(cond string, v any) {
		args = append(args, v)
		where += " AND " + strings.ReplaceAll(cond, "$?", fmt.Sprintf("$%d", len(args)))
	}
	if f.Region != "" {
		if f.Subtree {
			p := auth.RegionPrefix(f.Region)
			if p == "" {
				return nil, nil
			}
			add("substr(u.region_code, 1, "+fmt.Sprint(len(p))+") = $?", p)
		} else {
			add("u.region_code = $?", f.Region)
		}
	}
	if f.Kind != "" {
		add("u.kind = $?", string(f.Kind))
	}
	if f.Query != "" {
		add(`(u.name LIKE $? ESCAPE '\' OR u.code LIKE $? ESCAPE '\')`, likeArg(f.Query))
	}
	if !f.Inactive {
		where += " AND u.deactivated_at IS NULL"
	}
	rows, err := q.QueryContext(ctx, "SELECT "+unitCols+" FROM org_units u WHERE "+where+
		` ORDER BY u.region_code, CASE u.kind WHEN 'bureau' THEN 0 WHEN 'hall' THEN 1
		  WHEN 'department' THEN 2 ELSE 3 END, u.code`, args...)
	if err != nil {
		return nil, errs.Wrap(err, "list units")
	}
	defer rows.Close()
	var out []Unit
	for rows.Next() {
		u, err := scanUnit(rows)
		if err != nil {
			return nil, errs.Wrap(err, "scan unit")
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "list units")
	}
	return out, nil
}

func (store) insertUnit(ctx context.Context, q db.Q, u Unit) error {
	_, err := q.ExecContext(ctx, `INSERT INTO org_units
		(id, code, name, name_en, kind, region_code, parent_id, address, phone, deactivated_at, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		u.ID, u.Code, u.Name, u.NameEN, string(u.Kind), u.RegionCode, nullString(u.ParentID),
		u.Address, u.Phone, nullTime(u.DeactivatedAt), millis(u.CreatedAt), millis(u.UpdatedAt))
	if db.IsUniqueViolation(err) {
		return errs.ConflictErr("org.conflict")
	}
	if err != nil {
		return errs.Wrap(err, "insert unit %s", u.Code)
	}
	return nil
}

func (store) updateUnit(ctx context.Context, q db.Q, u Unit) error {
	_, err := q.ExecContext(ctx, `UPDATE org_units SET code = $1, name = $2, name_en = $3,
		region_code = $4, parent_id = $5, address = $6, phone = $7, deactivated_at = $8, updated_at = $9
		WHERE id = $10`,
		u.Code, u.Name, u.NameEN, u.RegionCode, nullString(u.ParentID), u.Address, u.Phone,
		nullTime(u.DeactivatedAt), millis(u.UpdatedAt), u.ID)
	if db.IsUniqueViolation(err) {
		return errs.ConflictErr("org.conflict")
	}
	if err != nil {
		return errs.Wrap(err, "update unit %s", u.ID)
	}
	return nil
}

// codeOwner returns the id of the unit holding code, "" if none.
func (store) codeOwner(ctx context.Context, q db.Q, code string) (string, error) {
	var id string
	err := q.QueryRowContext(ctx, "SELECT id FROM org_units WHERE code = $1", code).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", errs.Wrap(err, "unit code %s", code)
	}
	return id, nil
}

// activeBureau returns the id of the active bureau of a jurisdiction, "" if none.
func (store) activeBureau(ctx context.Context, q db.Q, region string) (string, error) {
	var id string
	err := q.QueryRowContext(ctx, `SELECT id FROM org_units
		WHERE region_code = $1 AND kind = 'bureau' AND deactivated_at IS NULL`, region).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", errs.Wrap(err, "bureau of %s", region)
	}
	return id, nil
}

// children returns the units whose parent is id, active or not.
func (store) children(ctx context.Context, q db.Q, id string) ([]Unit, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+unitCols+" FROM org_units u WHERE u.parent_id = $1 ORDER BY u.code", id)
	if err != nil {
		return nil, errs.Wrap(err, "children of %s", id)
	}
	defer rows.Close()
	var out []Unit
	for rows.Next() {
		u, err := scanUnit(rows)
		if err != nil {
			return nil, errs.Wrap(err, "scan unit")
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "children of %s", id)
	}
	return out, nil
}

func (store) activeChildUnits(ctx context.Context, q db.Q, id string) (int, error) {
	var n int
	if err := q.QueryRowContext(ctx,
		"SELECT COUNT(*) FROM org_units WHERE parent_id = $1 AND deactivated_at IS NULL", id).Scan(&n); err != nil {
		return 0, errs.Wrap(err, "count child units")
	}
	return n, nil
}

// ---- windows ----

const windowCols = "w.id, w.hall_id, w.number, w.type, w.name, w.name_en, w.unit_id, w.deactivated_at, w.created_at, w.updated_at"

func scanWindow(r scanner) (Window, error) {
	var w Window
	var unit sql.NullString
	var deact sql.NullInt64
	var created, updated int64
	if err := r.Scan(&w.ID, &w.HallID, &w.Number, &w.Type, &w.Name, &w.NameEN, &unit, &deact, &created, &updated); err != nil {
		return w, err
	}
	w.UnitID = unit.String
	w.Active = !deact.Valid
	if deact.Valid {
		w.DeactivatedAt = fromMillis(deact.Int64)
	}
	w.CreatedAt, w.UpdatedAt = fromMillis(created), fromMillis(updated)
	return w, nil
}

func (store) window(ctx context.Context, q db.Q, sc auth.Scope, id string) (Window, error) {
	where, args := visible(sc, "h.region_code", "h.id", 2)
	w, err := scanWindow(q.QueryRowContext(ctx, "SELECT "+windowCols+
		" FROM org_windows w JOIN org_units h ON h.id = w.hall_id WHERE w.id = $1 AND "+where,
		append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return w, errs.NotFoundErr("org.window.not_found")
	}
	if err != nil {
		return w, errs.Wrap(err, "window %s", id)
	}
	return w, nil
}

// windows lists the windows of one hall, or of every visible hall when hallID is "", ordered by
// hall and number.
func (store) windows(ctx context.Context, q db.Q, sc auth.Scope, hallID string, inactive bool) ([]Window, error) {
	where, args := visible(sc, "h.region_code", "h.id", 1)
	if hallID != "" {
		args = append(args, hallID)
		where += fmt.Sprintf(" AND w.hall_id = $%d", len(args))
	}
	if !inactive {
		where += " AND w.deactivated_at IS NULL"
	}
	rows, err := q.QueryContext(ctx, "SELECT "+windowCols+
		" FROM org_windows w JOIN org_units h ON h.id = w.hall_id WHERE "+where+
		" ORDER BY h.code, w.number, w.created_at", args...)
	if err != nil {
		return nil, errs.Wrap(err, "list windows")
	}
	defer rows.Close()
	var out []Window
	for rows.Next() {
		w, err := scanWindow(rows)
		if err != nil {
			return nil, errs.Wrap(err, "scan window")
		}
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "list windows")
	}
	return out, nil
}

func (store) insertWindow(ctx context.Context, q db.Q, w Window) error {
	_, err := q.ExecContext(ctx, `INSERT INTO org_windows
		(id, hall_id, number, type, name, name_en, unit_id, deactivated_at, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		w.ID, w.HallID, w.Number, string(w.Type), w.Name, w.NameEN, nullString(w.UnitID),
		nullTime(w.DeactivatedAt), millis(w.CreatedAt), millis(w.UpdatedAt))
	if db.IsUniqueViolation(err) {
		return errs.ConflictErr("org.window.number_taken").With("number", w.Number).OnField("number")
	}
	if err != nil {
		return errs.Wrap(err, "insert window %s", w.Number)
	}
	return nil
}

func (store) updateWindow(ctx context.Context, q db.Q, w Window) error {
	_, err := q.ExecContext(ctx, `UPDATE org_windows SET number = $1, type = $2, name = $3, name_en = $4,
		unit_id = $5, deactivated_at = $6, updated_at = $7 WHERE id = $8`,
		w.Number, string(w.Type), w.Name, w.NameEN, nullString(w.UnitID), nullTime(w.DeactivatedAt),
		millis(w.UpdatedAt), w.ID)
	if db.IsUniqueViolation(err) {
		return errs.ConflictErr("org.window.number_taken").With("number", w.Number).OnField("number")
	}
	if err != nil {
		return errs.Wrap(err, "update window %s", w.ID)
	}
	return nil
}

// numberHolder returns the id of the active window of a hall with that number, "" if none.
func (store) numberHolder(ctx context.Context, q db.Q, hallID, number string) (string, error) {
	var id string
	err := q.QueryRowContext(ctx, `SELECT id FROM org_windows
		WHERE hall_id = $1 AND number = $2 AND deactivated_at IS NULL`, hallID, number).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", errs.Wrap(err, "window number %s", number)
	}
	return id, nil
}

// deactivateHallWindows deactivates the active windows of a hall and returns their ids.
func (s store) deactivateHallWindows(ctx context.Context, q db.Q, hallID string, at time.Time) ([]string, error) {
	ws, err := s.windows(ctx, q, auth.SystemScope(), hallID, false)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(ws))
	for _, w := range ws {
		ids = append(ids, w.ID)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	if _, err := q.ExecContext(ctx, `UPDATE org_windows SET deactivated_at = $1, updated_at = $1
		WHERE hall_id = $2 AND deactivated_at IS NULL`, millis(at), hallID); err != nil {
		return nil, errs.Wrap(err, "deactivate windows of %s", hallID)
	}
	return ids, nil
}
