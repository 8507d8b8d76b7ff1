package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"onestamp/internal/platform/db"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/workday"
)

// ---- powers ----

const powerCols = `id, base_code, region_code, kind, from_unit, to_unit, effective_from, doc_no, doc_title, note,
	created_at, created_by`

func scanPower(r scanner) (PowerEvent, error) {
	var e PowerEvent
	var created int64
	err := r.Scan(&e.ID, &e.BaseCode, &e.RegionCode, &e.Kind, &e.FromUnit, &e.ToUnit, &e.EffectiveFrom, &e.DocNo,
		&e.DocTitle, &e.Note, &created, &e.CreatedBy)
	e.CreatedAt = fromMillis(created)
	return e, err
}

func (store) insertPower(ctx context.Context, q db.Q, e PowerEvent) error {
	_, err := q.ExecContext(ctx, `INSERT INTO catalog_powers (id, base_code, region_code, region_depth, kind, from_unit,
		to_unit, effective_from, doc_no, doc_title, note, created_at, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		e.ID, e.BaseCode, e.RegionCode, regionDepth(e.RegionCode), e.Kind, e.FromUnit, e.ToUnit, e.EffectiveFrom,
		e.DocNo, e.DocTitle, e.Note, millis(e.CreatedAt), e.CreatedBy)
	if db.IsUniqueViolation(err) {
		return errs.ConflictErr("catalog.power.same_day").OnField("effective_from")
	}
	return err
}

// decider answers who holds the power over an item in a region on a day, in one query: the
// item is named by its id, its own code or its 基本编码; the region falls back to the regions
// enclosing it, the most specific region with an event on or before the day winning.
func (store) decider(ctx context.Context, q db.Q, itemCode, region string, d workday.Date) (PowerEvent, error) {
	chain := regionChain(region)
	if len(chain) == 0 {
		return PowerEvent{}, errs.InvalidInput(kvRegion).With("value", region).OnField("region_code")
	}
	args := []any{itemCode, d}
	for _, c := range chain {
		args = append(args, c)
	}
	e, err := scanPower(q.QueryRowContext(ctx, `SELECT `+powerCols+` FROM catalog_powers
		WHERE base_code = COALESCE((SELECT base_code FROM catalog_items WHERE code = $1 OR id = $1 LIMIT 1), $1)
			AND effective_from <= $2 AND region_code IN (`+placeholders(3, len(chain))+`)
		ORDER BY region_depth DESC, effective_from DESC LIMIT 1`, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return PowerEvent{}, errs.NotFoundErr("catalog.power.no_holder").With("item", itemCode).
			With("region", region).With("date", d.String())
	}
	return e, err
}

// PowerFilter selects power events.
type PowerFilter struct {
	BaseCode string
	Region   string
	Kind     PowerKind
	Limit    int
}

func (store) powers(ctx context.Context, q db.Q, f PowerFilter) ([]PowerEvent, error) {
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if f.BaseCode != "" {
		where = append(where, "base_code = "+arg(f.BaseCode))
	}
	if f.Region != "" {
		where = append(where, "region_code = "+arg(f.Region))
	}
	if f.Kind != "" {
		where = append(where, "kind = "+arg(string(f.Kind)))
	}
	s := `SELECT ` + powerCols + ` FROM catalog_powers`
	if len(where) > 0 {
		s += " WHERE " + strings.Join(where, " AND ")
	}
	s += " ORDER BY base_code, region_code, effective_from"
	if f.Limit > 0 {
		s += " LIMIT " + arg(f.Limit)
	}
	rows, err := q.QueryContext(ctx, s, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PowerEvent
	for rows.Next() {
		e, err := scanPower(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// lastPowerDate returns the date of the latest event of (base code, region), zero if none.
func (store) lastPowerDate(ctx context.Context, q db.Q, base, region string) (workday.Date, error) {
	var d workday.Date
	err := q.QueryRowContext(ctx, `SELECT MAX(effective_from) FROM catalog_powers WHERE base_code = $1 AND region_code = $2`,
		base, region).Scan(&d)
	return d, err
}

// ---- divisions ----

func (store) upsertDivision(ctx context.Context, q db.Q, d Division) error {
	_, err := q.ExecContext(ctx, `INSERT INTO catalog_divisions (base_code, name, level, note, updated_at, updated_by)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (base_code) DO UPDATE SET name = excluded.name, level = excluded.level, note = excluded.note,
			updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		d.BaseCode, d.Name, d.Level, d.Note, millis(d.UpdatedAt), d.UpdatedBy)
	return err
}

func (store) division(ctx context.Context, q db.Q, base string) (Division, error) {
	var d Division
	var at int64
	err := q.QueryRowContext(ctx, `SELECT base_code, name, level, note, updated_at, updated_by FROM catalog_divisions
		WHERE base_code = $1`, base).Scan(&d.BaseCode, &d.Name, &d.Level, &d.Note, &at, &d.UpdatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return d, errs.NotFoundErr("catalog.division.not_found")
	}
	d.UpdatedAt = fromMillis(at)
	return d, err
}

func (store) deleteDivision(ctx context.Context, q db.Q, base string) (bool, error) {
	res, err := q.ExecContext(ctx, `DELETE FROM catalog_divisions WHERE base_code = $1`, base)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

func (store) divisions(ctx context.Context, q db.Q) ([]Division, error) {
	rows, err := q.QueryContext(ctx, `SELECT base_code, name, level, note, updated_at, updated_by FROM catalog_divisions
		ORDER BY level, base_code`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Division
	for rows.Next() {
		var d Division
		var at int64
		if err := rows.Scan(&d.BaseCode, &d.Name, &d.Level, &d.Note, &at, &d.UpdatedBy); err != nil {
			return nil, err
		}
		d.UpdatedAt = fromMillis(at)
		out = append(out, d)
	}
	return out, rows.Err()
}
