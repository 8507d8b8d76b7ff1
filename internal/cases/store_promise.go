package cases

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/workday"
)

// ---- case numbers ----
// reserveNos reserves n more numbers of prefix and returns the last one reserved.
func (st store) reserveNos(ctx context.Context, q db.Q, prefix string, n int) (int64, error) {
	var last int64
	err := q.QueryRowContext(ctx, `INSERT INTO case_no_blocks (prefix, next) VALUES ($1, $2)
		ON CONFLICT (prefix) DO UPDATE SET next = case_no_blocks.next + excluded.next RETURNING next`,
		prefix, n).Scan(&last)
	if err != nil {
		return 0, fmt.Errorf("cases: reserve numbers of %s: %w", prefix, err)
	}
	return last, nil
}

// ---- verifications and credit ----
const verifCols = `id, case_id, case_no, methods, decided_on, within_wd, due, state, rectify_on, rectify_wd,
	rectify_due, note, unit_id, region_code, created_at, closed_at, closed_by`

type verifRec struct {
	Verification
	DecidedOn workday.Date
	WithinWD  int
	RectifyOn workday.Date
	RectifyWD int
}

func (st store) insertVerification(ctx context.Context, q db.Q, v verifRec) error {
	_, err := q.ExecContext(ctx, `INSERT INTO case_verifications (`+verifCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
		v.ID, v.CaseID, v.CaseNo, mustJSON(v.Methods), v.DecidedOn.String(), v.WithinWD, v.Due, v.State, v.RectifyOn,
		v.RectifyWD, v.RectifyDue, v.Note, v.UnitID, v.RegionCode, v.CreatedAt.UnixMilli(), millisOrZero(v.ClosedAt), v.ClosedBy)
	if err != nil {
		return fmt.Errorf("cases: insert verification: %w", err)
	}
	return nil
}

func (st store) updateVerification(ctx context.Context, q db.Q, v verifRec) error {
	_, err := q.ExecContext(ctx, `UPDATE case_verifications SET due = $2, state = $3, rectify_on = $4, rectify_wd = $5,
		rectify_due = $6, note = $7, closed_at = $8, closed_by = $9 WHERE id = $1`,
		v.ID, v.Due, v.State, v.RectifyOn, v.RectifyWD, v.RectifyDue, v.Note, millisOrZero(v.ClosedAt), v.ClosedBy)
	if err != nil {
		return fmt.Errorf("cases: update verification: %w", err)
	}
	return nil
}

func scanVerif(sc scanner) (verifRec, error) {
	var v verifRec
	var methods, decided string
	var created, closed int64
	err := sc.Scan(&v.ID, &v.CaseID, &v.CaseNo, &methods, &decided, &v.WithinWD, &v.Due, &v.State, &v.RectifyOn,
		&v.RectifyWD, &v.RectifyDue, &v.Note, &v.UnitID, &v.RegionCode, &created, &closed, &v.ClosedBy)
	if err != nil {
		return v, err
	}
	if err := json.Unmarshal([]byte(methods), &v.Methods); err != nil {
		return v, err
	}
	if v.DecidedOn, err = workday.ParseDate(decided); err != nil {
		return v, err
	}
	v.CreatedAt = msTime(created)
	if closed != 0 {
		v.ClosedAt = msTime(closed)
	}
	return v, nil
}

func (st store) verifications(ctx context.Context, q db.Q, where string, args ...any) ([]verifRec, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+verifCols+" FROM case_verifications WHERE "+where, args...)
	if err != nil {
		return nil, fmt.Errorf("cases: verifications: %w", err)
	}
	defer rows.Close()
	var out []verifRec
	for rows.Next() {
		v, err := scanVerif(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func (st store) insertCredit(ctx context.Context, q db.Q, c CreditRecord, subjectBI string) error {
	_, err := q.ExecContext(ctx, `INSERT INTO case_credit (id, case_id, case_no, kind, subject_bi, subject, region_code,
		at, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		c.ID, c.CaseID, c.CaseNo, c.Kind, subjectBI, c.Subject, c.RegionCode, c.At.UnixMilli(), c.Note)
	if err != nil {
		return fmt.Errorf("cases: insert credit record: %w", err)
	}
	return nil
}

// openCredit reports whether the subject has an open credit record of one of kinds.
func (st store) openCredit(ctx context.Context, q db.Q, subjectBI string, kinds ...string) (bool, error) {
	args := []any{subjectBI}
	for _, k := range kinds {
		args = append(args, k)
	}
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM case_credit WHERE subject_bi = $1 AND cleared_at = 0
		AND kind IN (`+placeholders(len(kinds), 2)+`)`, args...).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("cases: credit check: %w", err)
	}
	return n > 0, nil
}

const creditCols = `id, case_id, case_no, kind, subject, region_code, at, note, cleared_at, cleared_by`

func (st store) credit(ctx context.Context, q db.Q, sc auth.Scope, openOnly bool, limit int) ([]CreditRecord, error) {
	cond, args := sc.SQL("region_code", "", "", 1)
	if openOnly {
		cond += " AND cleared_at = 0"
	}
	args = append(args, limit)
	rows, err := q.QueryContext(ctx, "SELECT "+creditCols+" FROM case_credit WHERE "+cond+
		fmt.Sprintf(" ORDER BY at DESC, id DESC LIMIT $%d", len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("cases: credit: %w", err)
	}
	defer rows.Close()
	var out []CreditRecord
	for rows.Next() {
		var c CreditRecord
		var at, cleared int64
		if err := rows.Scan(&c.ID, &c.CaseID, &c.CaseNo, &c.Kind, &c.Subject, &c.RegionCode, &at, &c.Note, &cleared,
			&c.ClearedBy); err != nil {
			return nil, err
		}
		c.At = msTime(at)
		if cleared != 0 {
			c.ClearedAt = msTime(cleared)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func (st store) creditByID(ctx context.Context, q db.Q, id string) (CreditRecord, error) {
	var c CreditRecord
	var at, cleared int64
	err := q.QueryRowContext(ctx, "SELECT "+creditCols+" FROM case_credit WHERE id = $1", id).
		Scan(&c.ID, &c.CaseID, &c.CaseNo, &c.Kind, &c.Subject, &c.RegionCode, &at, &c.Note, &cleared, &c.ClearedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return c, errs.NotFoundErr("cases.credit.not_found")
	}
	if err != nil {
		return c, fmt.Errorf("cases: credit record: %w", err)
	}
	c.At = msTime(at)
	if cleared != 0 {
		c.ClearedAt = msTime(cleared)
	}
	return c, nil
}

func (st store) clearCredit(ctx context.Context, q db.Q, id, by, reason string, at int64) (bool, error) {
	res, err := q.ExecContext(ctx, `UPDATE case_credit SET cleared_at = $2, cleared_by = $3, clear_reason = $4
		WHERE id = $1 AND cleared_at = 0`, id, at, by, reason)
	if err != nil {
		return false, fmt.Errorf("cases: clear credit: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
