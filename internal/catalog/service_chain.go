package catalog

import (
	"context"
	"database/sql"
	"fmt"

	"onestamp/internal/platform/db"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/workday"
)

// Chain returns a chain by id or code.
func (s *Service) Chain(ctx context.Context, idOrCode string) (Chain, error) {
	return s.st.chain(ctx, s.db.Read, idOrCode)
}

// Chains returns every chain.
func (s *Service) Chains(ctx context.Context) ([]Chain, error) {
	return s.st.chains(ctx, s.db.Read, "")
}

// ChainsOfItem returns the chains an item belongs to.
func (s *Service) ChainsOfItem(ctx context.Context, itemID string) ([]Chain, error) {
	return s.st.chains(ctx, s.db.Read, itemID)
}

// ChainSpecs returns the specs in force on a day of a chain's items, by item id: what a chain
// case shows and maps its combined form onto.
func (s *Service) ChainSpecs(ctx context.Context, c Chain, on workday.Date) (map[string]ItemVersion, error) {
	if on.IsZero() {
		on = s.Today()
	}
	out := map[string]ItemVersion{}
	for _, it := range c.Items {
		v, err := s.st.versionAt(ctx, s.db.Read, it.ItemID, on)
		if err != nil {
			return nil, err
		}
		out[it.ItemID] = v
	}
	return out, nil
}

func (s *Service) specsInForce(ctx context.Context, q db.Q, items []ChainItem, on workday.Date) (map[string]Spec, error) {
	out := map[string]Spec{}
	for _, it := range items {
		v, err := s.st.versionAt(ctx, q, it.ItemID, on)
		if errs.Is(err, errs.NotFound) {
			continue // Validate names it
		}
		if err != nil {
			return nil, err
		}
		out[it.ItemID] = v.Spec
	}
	return out, nil
}

// ProposeChainForm derives the combined form and material list of a chain from its items'
// specs in force today, for the editor to start from.
func (s *Service) ProposeChainForm(ctx context.Context, items []ChainItem) ([]ChainField, []ChainMaterial, error) {
	if _, err := s.staff(ctx); err != nil {
		return nil, nil, err
	}
	specs, err := s.specsInForce(ctx, s.db.Read, items, s.Today())
	if err != nil {
		return nil, nil, err
	}
	f, m := DeriveForm(items, specs)
	return f, m, nil
}

// SaveChain creates a chain (no id) or replaces one, after checking it against the specs of its
// items in force today.
func (s *Service) SaveChain(ctx context.Context, c Chain) (Chain, error) {
	a, err := s.admin(ctx)
	if err != nil {
		return Chain{}, err
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		r, err := s.loadRefs(ctx, tx)
		if err != nil {
			return err
		}
		c, err = s.saveChain(ctx, tx, a, r, c)
		return err
	})
	if err == nil {
		s.refresh(ctx)
	}
	return c, err
}

func (s *Service) saveChain(ctx context.Context, tx *sql.Tx, a actor, r refs, c Chain) (Chain, error) {
	c.Normalize()
	create := c.ID == ""
	if !create {
		old, err := s.st.chain(ctx, tx, c.ID)
		if err != nil {
			return c, err
		}
		if err := a.reach(old.RegionCode); err != nil {
			return c, err
		}
		c.ID, c.CreatedAt = old.ID, old.CreatedAt
	}
	specs, err := s.specsInForce(ctx, tx, c.Items, s.Today())
	if err != nil {
		return c, err
	}
	ps := c.Validate(specs)
	for i, ci := range c.Items {
		if it, err := s.st.item(ctx, tx, ci.ItemID); err == nil && !it.IsLeaf() {
			ps = append(ps, prob(fmt.Sprintf("items[%d].item_id", i), "catalog.chain.not_leaf", "value", it.Name))
		}
	}
	if c.LeadUnit != "" {
		if _, ok := r.units[c.LeadUnit]; !ok {
			ps = append(ps, prob("lead_unit", kvUnitUnknown, "value", c.LeadUnit))
		}
	}
	if err := invalid(ps); err != nil {
		return c, err
	}
	if err := a.reach(c.RegionCode); err != nil {
		return c, err
	}
	now := s.now()
	if create {
		c.ID, c.CreatedAt = db.NewID(), now
	}
	c.UpdatedAt, c.UpdatedBy = now, a.id
	if err := s.st.saveChain(ctx, tx, c, create); err != nil {
		return c, err
	}
	if err := s.st.bump(ctx, tx); err != nil {
		return c, err
	}
	action := "catalog.chain.update"
	if create {
		action = "catalog.chain.create"
	}
	return c, s.record(ctx, tx, a, action, "chain:"+c.ID, map[string]any{
		"code": c.Code, "name": c.Name, "items": c.ItemIDs(), "limit_wd": c.LimitWD, "status": c.Status})
}
