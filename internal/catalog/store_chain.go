package catalog

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"onestamp/internal/platform/db"
	"onestamp/internal/platform/errs"
)

// ---- certificate types ----

func (store) upsertCertType(ctx context.Context, q db.Q, c CertType) error {
	_, err := q.ExecContext(ctx, `INSERT INTO catalog_cert_types (code, name, name_en, issuer, updated_at)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (code) DO UPDATE SET name = excluded.name, name_en = excluded.name_en, issuer = excluded.issuer,
			updated_at = excluded.updated_at`, c.Code, c.Name, c.NameEN, c.Issuer, millis(c.UpdatedAt))
	return err
}

func (store) certTypes(ctx context.Context, q db.Q) ([]CertType, error) {
	rows, err := q.QueryContext(ctx, `SELECT code, name, name_en, issuer, updated_at FROM catalog_cert_types ORDER BY code`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []CertType
	for rows.Next() {
		var c CertType
		var at int64
		if err := rows.Scan(&c.Code, &c.Name, &c.NameEN, &c.Issuer, &at); err != nil {
			return nil, err
		}
		c.UpdatedAt = fromMillis(at)
		out = append(out, c)
	}
	return out, rows.Err()
}

// ---- synonyms ----

func (store) insertSynonym(ctx context.Context, q db.Q, s Synonym) error {
	_, err := q.ExecContext(ctx, `INSERT INTO catalog_synonyms (id, term, expansion, created_at, created_by)
		VALUES ($1, $2, $3, $4, $5)`, s.ID, s.Term, s.Expansion, millis(s.CreatedAt), s.CreatedBy)
	if db.IsUniqueViolation(err) {
		return errs.ConflictErr("catalog.synonym.taken").With("value", s.Term).OnField("term")
	}
	return err
}

func (store) deleteSynonym(ctx context.Context, q db.Q, id string) (Synonym, error) {
	var s Synonym
	var at int64
	err := q.QueryRowContext(ctx, `SELECT id, term, expansion, created_at, created_by FROM catalog_synonyms WHERE id = $1`, id).
		Scan(&s.ID, &s.Term, &s.Expansion, &at, &s.CreatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return s, errs.NotFoundErr("catalog.synonym.not_found")
	}
	if err != nil {
		return s, err
	}
	s.CreatedAt = fromMillis(at)
	_, err = q.ExecContext(ctx, `DELETE FROM catalog_synonyms WHERE id = $1`, id)
	return s, err
}

func (store) synonyms(ctx context.Context, q db.Q) ([]Synonym, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, term, expansion, created_at, created_by FROM catalog_synonyms ORDER BY term`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Synonym
	for rows.Next() {
		var s Synonym
		var at int64
		if err := rows.Scan(&s.ID, &s.Term, &s.Expansion, &at, &s.CreatedBy); err != nil {
			return nil, err
		}
		s.CreatedAt = fromMillis(at)
		out = append(out, s)
	}
	return out, rows.Err()
}

// ---- chains ----

// chainBody is the part of a chain stored as JSON.
type chainBody struct {
	NameEN           string          `json:"name_en,omitempty"`
	Summary          string          `json:"summary,omitempty"`
	Items            []ChainItem     `json:"items"`
	Fields           []ChainField    `json:"fields"`
	Materials        []ChainMaterial `json:"materials"`
	Keywords         []string        `json:"keywords,omitempty"`
	LifeEvents       []string        `json:"life_events,omitempty"`
	EnterpriseEvents []string        `json:"enterprise_events,omitempty"`
	Themes           []string        `json:"themes,omitempty"`
}

const chainCols = `id, code, name, lead_unit, region_code, limit_wd, status, spec, created_at, updated_at, updated_by`

func scanChain(r scanner) (Chain, error) {
	var c Chain
	var body string
	var created, updated int64
	if err := r.Scan(&c.ID, &c.Code, &c.Name, &c.LeadUnit, &c.RegionCode, &c.LimitWD, &c.Status, &body, &created,
		&updated, &c.UpdatedBy); err != nil {
		return c, err
	}
	var b chainBody
	if err := json.Unmarshal([]byte(body), &b); err != nil {
		return c, fmt.Errorf("catalog: chain %s: %w", c.ID, err)
	}
	c.NameEN, c.Summary, c.Items, c.Fields, c.Materials = b.NameEN, b.Summary, b.Items, b.Fields, b.Materials
	c.Keywords, c.LifeEvents, c.EnterpriseEvents, c.Themes = b.Keywords, b.LifeEvents, b.EnterpriseEvents, b.Themes
	c.CreatedAt, c.UpdatedAt = fromMillis(created), fromMillis(updated)
	return c, nil
}

func (store) saveChain(ctx context.Context, q db.Q, c Chain, create bool) error {
	body, err := json.Marshal(chainBody{NameEN: c.NameEN, Summary: c.Summary, Items: c.Items, Fields: c.Fields,
		Materials: c.Materials, Keywords: c.Keywords, LifeEvents: c.LifeEvents, EnterpriseEvents: c.EnterpriseEvents,
		Themes: c.Themes})
	if err != nil {
		return err
	}
	if create {
		_, err = q.ExecContext(ctx, `INSERT INTO catalog_chains (id, code, name, lead_unit, region_code, limit_wd, status,
			spec, created_at, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			c.ID, c.Code, c.Name, c.LeadUnit, c.RegionCode, c.LimitWD, c.Status, string(body), millis(c.CreatedAt),
			millis(c.UpdatedAt), c.UpdatedBy)
	} else {
		_, err = q.ExecContext(ctx, `UPDATE catalog_chains SET code = $1, name = $2, lead_unit = $3, region_code = $4,
			limit_wd = $5, status = $6, spec = $7, updated_at = $8, updated_by = $9 WHERE id = $10`,
			c.Code, c.Name, c.LeadUnit, c.RegionCode, c.LimitWD, c.Status, string(body), millis(c.UpdatedAt), c.UpdatedBy, c.ID)
	}
	if db.IsUniqueViolation(err) {
		return errs.ConflictErr("catalog.chain.code_taken").With("value", c.Code).OnField("code")
	}
	if err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM catalog_chain_items WHERE chain_id = $1`, c.ID); err != nil {
		return err
	}
	for i, it := range c.Items {
		if _, err := q.ExecContext(ctx, `INSERT INTO catalog_chain_items (chain_id, item_id, seq) VALUES ($1, $2, $3)`,
			c.ID, it.ItemID, i); err != nil {
			return err
		}
	}
	return nil
}

func (store) chain(ctx context.Context, q db.Q, id string) (Chain, error) {
	c, err := scanChain(q.QueryRowContext(ctx, `SELECT `+chainCols+` FROM catalog_chains WHERE id = $1 OR code = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, errs.NotFoundErr("catalog.chain.not_found")
	}
	return c, err
}

func (store) chains(ctx context.Context, q db.Q, itemID string) ([]Chain, error) {
	s := `SELECT ` + chainCols + ` FROM catalog_chains`
	var args []any
	if itemID != "" {
		s += ` WHERE id IN (SELECT chain_id FROM catalog_chain_items WHERE item_id = $1)`
		args = append(args, itemID)
	}
	rows, err := q.QueryContext(ctx, s+` ORDER BY code`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Chain
	for rows.Next() {
		c, err := scanChain(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
