package catalog

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"onestamp/internal/platform/db"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/workday"
)

// store holds every SQL statement of the catalogue.
type store struct{}

type scanner interface{ Scan(dest ...any) error }

func millis(t time.Time) int64 { return t.UnixMilli() }

func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

func nullMillis(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// placeholders returns "$n, $n+1, …" for k values.
func placeholders(next, k int) string {
	p := make([]string, k)
	for i := range p {
		p[i] = fmt.Sprintf("$%d", next+i)
	}
	return strings.Join(p, ", ")
}

func likeArg(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

// ---- items ----

const itemCols = `i.id, i.parent_id, i.level, i.code, i.base_code, i.impl_code, i.handling_code, i.region_code,
	i.name, i.name_en, i.type, i.dept_id, i.status, i.current_version, i.draft_version, i.created_at, i.updated_at,
	(SELECT COUNT(*) FROM catalog_items c WHERE c.parent_id = i.id)`

func scanItem(r scanner) (Item, error) {
	var it Item
	var parent sql.NullString
	var created, updated int64
	err := r.Scan(&it.ID, &parent, &it.Level, &it.Code, &it.BaseCode, &it.ImplCode, &it.HandlingCode, &it.RegionCode,
		&it.Name, &it.NameEN, &it.Type, &it.DeptID, &it.Status, &it.Current, &it.Draft, &created, &updated, &it.Children)
	it.ParentID = parent.String
	it.CreatedAt, it.UpdatedAt = fromMillis(created), fromMillis(updated)
	return it, err
}

func (store) item(ctx context.Context, q db.Q, id string) (Item, error) {
	it, err := scanItem(q.QueryRowContext(ctx, `SELECT `+itemCols+` FROM catalog_items i WHERE i.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Item{}, errs.NotFoundErr("catalog.item.not_found")
	}
	return it, err
}

func (store) itemByCode(ctx context.Context, q db.Q, code string) (Item, error) {
	it, err := scanItem(q.QueryRowContext(ctx, `SELECT `+itemCols+` FROM catalog_items i WHERE i.code = $1`, code))
	if errors.Is(err, sql.ErrNoRows) {
		return Item{}, errs.NotFoundErr("catalog.item.not_found")
	}
	return it, err
}

// ItemFilter selects items for a listing.
type ItemFilter struct {
	Query    string // part of the name or the code
	DeptID   string
	Region   string // exact region code
	ParentID string
	Level    Level
	Status   Status
	Drafts   bool // only items with an open draft
	Limit    int  // 0: no limit
}

func (store) items(ctx context.Context, q db.Q, f ItemFilter) ([]Item, error) {
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if f.Query != "" {
		p := arg(likeArg(f.Query))
		where = append(where, fmt.Sprintf(`(i.name LIKE %s ESCAPE '\' OR i.code LIKE %s ESCAPE '\' OR i.base_code LIKE %s ESCAPE '\')`, p, p, p))
	}
	if f.DeptID != "" {
		where = append(where, "i.dept_id = "+arg(f.DeptID))
	}
	if f.Region != "" {
		where = append(where, "i.region_code = "+arg(f.Region))
	}
	if f.ParentID != "" {
		where = append(where, "i.parent_id = "+arg(f.ParentID))
	}
	if f.Level != "" {
		where = append(where, "i.level = "+arg(string(f.Level)))
	}
	if f.Status != "" {
		where = append(where, "i.status = "+arg(string(f.Status)))
	}
	if f.Drafts {
		where = append(where, "i.draft_version > 0")
	}
	s := `SELECT ` + itemCols + ` FROM catalog_items i`
	if len(where) > 0 {
		s += " WHERE " + strings.Join(where, " AND ")
	}
	s += " ORDER BY i.code"
	if f.Limit > 0 {
		s += " LIMIT " + arg(f.Limit)
	}
	rows, err := q.QueryContext(ctx, s, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Item
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

func (store) insertItem(ctx context.Context, q db.Q, it Item) error {
	_, err := q.ExecContext(ctx, `INSERT INTO catalog_items (id, parent_id, level, code, base_code, impl_code,
		handling_code, region_code, name, name_en, type, dept_id, status, current_version, draft_version, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
		it.ID, nullString(it.ParentID), it.Level, it.Code, it.BaseCode, it.ImplCode, it.HandlingCode, it.RegionCode,
		it.Name, it.NameEN, it.Type, it.DeptID, it.Status, it.Current, it.Draft, millis(it.CreatedAt), millis(it.UpdatedAt))
	if db.IsUniqueViolation(err) {
		return errs.ConflictErr(kvCodeTaken).With("value", it.Code).OnField("code")
	}
	return err
}

// updateItemHead writes what an item row copies from its versions, and its status.
func (store) updateItemHead(ctx context.Context, q db.Q, it Item) error {
	_, err := q.ExecContext(ctx, `UPDATE catalog_items SET name = $1, name_en = $2, type = $3, dept_id = $4,
		status = $5, current_version = $6, draft_version = $7, updated_at = $8 WHERE id = $9`,
		it.Name, it.NameEN, it.Type, it.DeptID, it.Status, it.Current, it.Draft, millis(it.UpdatedAt), it.ID)
	return err
}

// ---- versions ----

const versionCols = `v.item_id, v.version, v.status, v.effective_from, v.note, v.spec, v.created_at, v.created_by,
	v.published_at, v.published_by`

func scanVersion(r scanner, extra ...any) (ItemVersion, error) {
	var v ItemVersion
	var spec string
	var created int64
	var published sql.NullInt64
	dest := append([]any{&v.ItemID, &v.Version, &v.Status, &v.EffectiveFrom, &v.Note, &spec, &created, &v.CreatedBy,
		&published, &v.PublishedBy}, extra...)
	if err := r.Scan(dest...); err != nil {
		return v, err
	}
	v.CreatedAt = fromMillis(created)
	if published.Valid {
		v.PublishedAt = fromMillis(published.Int64)
	}
	if err := json.Unmarshal([]byte(spec), &v.Spec); err != nil {
		return v, fmt.Errorf("catalog: spec of %s v%d: %w", v.ItemID, v.Version, err)
	}
	return v, nil
}

func specJSON(s Spec) (string, error) {
	b, err := json.Marshal(s)
	return string(b), err
}

func (store) insertVersion(ctx context.Context, q db.Q, v ItemVersion) error {
	spec, err := specJSON(v.Spec)
	if err != nil {
		return err
	}
	_, err = q.ExecContext(ctx, `INSERT INTO catalog_versions (item_id, version, status, effective_from, name, kind,
		statutory_wd, promised_wd, materials, spec, note, created_at, created_by, published_at, published_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		v.ItemID, v.Version, v.Status, v.EffectiveFrom, v.Spec.Name, v.Spec.Kind, v.Spec.StatutoryWD, v.Spec.PromisedWD,
		v.Spec.MaterialCount(), spec, v.Note, millis(v.CreatedAt), v.CreatedBy, nullMillis(v.PublishedAt), v.PublishedBy)
	if db.IsUniqueViolation(err) {
		return errs.ConflictErr("catalog.version.draft_exists")
	}
	return err
}

// updateDraft replaces the content of an item's draft. Published rows are out of its reach.
func (store) updateDraft(ctx context.Context, q db.Q, v ItemVersion) error {
	spec, err := specJSON(v.Spec)
	if err != nil {
		return err
	}
	res, err := q.ExecContext(ctx, `UPDATE catalog_versions SET name = $1, kind = $2, statutory_wd = $3, promised_wd = $4,
		materials = $5, spec = $6, note = $7 WHERE item_id = $8 AND version = $9 AND status = 'draft'`,
		v.Spec.Name, v.Spec.Kind, v.Spec.StatutoryWD, v.Spec.PromisedWD, v.Spec.MaterialCount(), spec, v.Note, v.ItemID, v.Version)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.ConflictErr("catalog.version.not_draft")
	}
	return nil
}

func (store) deleteDraft(ctx context.Context, q db.Q, itemID string) error {
	_, err := q.ExecContext(ctx, `DELETE FROM catalog_versions WHERE item_id = $1 AND status = 'draft'`, itemID)
	return err
}

func (store) publishDraft(ctx context.Context, q db.Q, itemID string, version int, from workday.Date, at time.Time, by string) error {
	res, err := q.ExecContext(ctx, `UPDATE catalog_versions SET status = 'published', effective_from = $1, published_at = $2,
		published_by = $3 WHERE item_id = $4 AND version = $5 AND status = 'draft'`, from, millis(at), by, itemID, version)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.ConflictErr("catalog.version.not_draft")
	}
	return nil
}

func (store) version(ctx context.Context, q db.Q, itemID string, version int) (ItemVersion, error) {
	var next workday.Date
	v, err := scanVersion(q.QueryRowContext(ctx, `SELECT `+versionCols+`,
		(SELECT MIN(w.effective_from) FROM catalog_versions w WHERE w.item_id = v.item_id AND w.status = 'published'
			AND v.status = 'published' AND w.version > v.version)
		FROM catalog_versions v WHERE v.item_id = $1 AND v.version = $2`, itemID, version), &next)
	if errors.Is(err, sql.ErrNoRows) {
		return ItemVersion{}, errs.NotFoundErr("catalog.version.not_found")
	}
	if !next.IsZero() {
		v.EffectiveTo = next.AddDays(-1)
	}
	return v, err
}

// versionAt returns the published version in force on day d: the latest effective_from on or
// before d, the higher version on a tie. One indexed query.
func (store) versionAt(ctx context.Context, q db.Q, itemID string, d workday.Date) (ItemVersion, error) {
	var next workday.Date
	v, err := scanVersion(q.QueryRowContext(ctx, `SELECT `+versionCols+`,
		(SELECT MIN(w.effective_from) FROM catalog_versions w WHERE w.item_id = v.item_id AND w.status = 'published'
			AND w.version > v.version)
		FROM catalog_versions v WHERE v.item_id = $1 AND v.status = 'published' AND v.effective_from <= $2
		ORDER BY v.effective_from DESC, v.version DESC LIMIT 1`, itemID, d), &next)
	if errors.Is(err, sql.ErrNoRows) {
		return ItemVersion{}, errs.NotFoundErr("catalog.version.none_in_force").With("date", d.String())
	}
	if !next.IsZero() {
		v.EffectiveTo = next.AddDays(-1)
	}
	return v, err
}

// versions returns every version of an item, oldest first, with EffectiveTo filled in.
func (store) versions(ctx context.Context, q db.Q, itemID string) ([]ItemVersion, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+versionCols+` FROM catalog_versions v WHERE v.item_id = $1 ORDER BY v.version`, itemID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ItemVersion
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	fillEffectiveTo(out)
	return out, nil
}

// fillEffectiveTo sets, for the published versions of one item ordered by version, the day
// before the next published version takes effect.
func fillEffectiveTo(vs []ItemVersion) {
	for i := range vs {
		if vs[i].Status != VersionPublished {
			continue
		}
		var next workday.Date
		for j := i + 1; j < len(vs); j++ {
			if vs[j].Status == VersionPublished && (next.IsZero() || vs[j].EffectiveFrom < next) {
				next = vs[j].EffectiveFrom
			}
		}
		if !next.IsZero() {
			vs[i].EffectiveTo = next.AddDays(-1)
		}
	}
}

// inForce returns, for every item, the published version in force on day d (items without
// one are absent), in one query.
func (store) inForce(ctx context.Context, q db.Q, d workday.Date) (map[string]ItemVersion, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+versionCols+` FROM catalog_versions v
		WHERE v.status = 'published' AND v.effective_from <= $1 AND NOT EXISTS (
			SELECT 1 FROM catalog_versions w WHERE w.item_id = v.item_id AND w.status = 'published'
				AND w.effective_from <= $1
				AND (w.effective_from > v.effective_from OR (w.effective_from = v.effective_from AND w.version > v.version)))`, d)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]ItemVersion{}
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return nil, err
		}
		out[v.ItemID] = v
	}
	return out, rows.Err()
}

// ---- generation ----

// bump marks a change the public guide shows; every process's index notices it.
func (store) bump(ctx context.Context, q db.Q) error {
	_, err := q.ExecContext(ctx, `UPDATE catalog_state SET generation = generation + 1 WHERE id = 1`)
	return err
}

func (store) generation(ctx context.Context, q db.Q) (int64, error) {
	var g int64
	err := q.QueryRowContext(ctx, `SELECT generation FROM catalog_state WHERE id = 1`).Scan(&g)
	return g, err
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
