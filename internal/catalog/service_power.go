package catalog

import (
	"context"
	"database/sql"
	"slices"

	"onestamp/internal/platform/db"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/workday"
)

// Decider answers which organisation unit decides an item in a jurisdiction on a day, with the
// power event that made it so. itemCode is the item's id, its own code (实施编码 / 业务办理项编码)
// or its 基本编码; a region without records of its own falls back to the region enclosing it. Case
// intake calls it once per case, and it is one query.
func (s *Service) Decider(ctx context.Context, itemCode, regionCode string, on workday.Date) (string, PowerEvent, error) {
	if on.IsZero() {
		on = s.Today()
	}
	e, err := s.st.decider(ctx, s.db.Read, itemCode, regionCode, on)
	if err != nil {
		return "", PowerEvent{}, err
	}
	return e.ToUnit, e, nil
}

// Powers lists power events for staff.
func (s *Service) Powers(ctx context.Context, f PowerFilter) ([]PowerEvent, error) {
	if _, err := s.staff(ctx); err != nil {
		return nil, err
	}
	if f.Limit <= 0 || f.Limit > 5000 {
		f.Limit = 5000
	}
	return s.st.powers(ctx, s.db.Read, f)
}

// RecordPower records a transfer, a delegation, a return or an initial holder. Events of one
// item and region are recorded in date order, and each names as its previous holder the unit
// that held the power the day before.
func (s *Service) RecordPower(ctx context.Context, e PowerEvent) (PowerEvent, error) {
	a, err := s.admin(ctx)
	if err != nil {
		return PowerEvent{}, err
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		r, err := s.loadRefs(ctx, tx)
		if err != nil {
			return err
		}
		e, err = s.recordPower(ctx, tx, a, r, e)
		return err
	})
	return e, err
}

func (s *Service) recordPower(ctx context.Context, tx *sql.Tx, a actor, r refs, e PowerEvent) (PowerEvent, error) {
	e.Normalize()
	ps := e.Validate()
	if err := invalid(ps); err != nil {
		return e, err
	}
	if err := a.reach(e.RegionCode); err != nil {
		return e, err
	}
	ps = append(ps, s.checkPower(ctx, tx, r, e)...)
	if len(ps) > 0 {
		return e, invalid(ps)
	}
	e.ID, e.CreatedAt, e.CreatedBy = db.NewID(), s.now(), a.id
	if err := s.st.insertPower(ctx, tx, e); err != nil {
		return e, err
	}
	return e, s.record(ctx, tx, a, "catalog.power."+string(e.Kind), "power:"+e.BaseCode+"@"+e.RegionCode, map[string]any{
		"from_unit": e.FromUnit, "to_unit": e.ToUnit, "effective_from": e.EffectiveFrom.String(), "doc_no": e.DocNo})
}

func (s *Service) checkPower(ctx context.Context, q db.Q, r refs, e PowerEvent) []Problem {
	var ps []Problem
	to, ok := r.units[e.ToUnit]
	if !ok {
		ps = append(ps, prob("to_unit", kvUnitUnknown, "value", e.ToUnit))
	} else {
		if !slices.Contains(regionChain(e.RegionCode), to.RegionCode) {
			ps = append(ps, prob("to_unit", "catalog.power.unit_region"))
		}
		if e.Kind == PowerTransfer && to.Kind != "bureau" {
			ps = append(ps, prob("to_unit", "catalog.power.transfer_to_bureau"))
		}
	}
	if e.FromUnit != "" {
		if _, ok := r.units[e.FromUnit]; !ok {
			ps = append(ps, prob("from_unit", kvUnitUnknown, "value", e.FromUnit))
		}
	}
	last, err := s.st.lastPowerDate(ctx, q, e.BaseCode, e.RegionCode)
	if err != nil {
		return append(ps, prob("", "error.internal"))
	}
	if !last.IsZero() && !e.EffectiveFrom.After(last) {
		ps = append(ps, prob("effective_from", "catalog.power.out_of_order", "last", last.String()))
	}
	before, err := s.st.decider(ctx, q, e.BaseCode, e.RegionCode, e.EffectiveFrom.AddDays(-1))
	switch {
	case errs.Is(err, errs.NotFound):
		if e.Kind != PowerInitial {
			ps = append(ps, prob("from_unit", "catalog.power.no_holder_before"))
		}
	case err != nil:
		ps = append(ps, prob("", "error.internal"))
	case e.Kind == PowerInitial:
		if before.RegionCode == e.RegionCode {
			ps = append(ps, prob("kind", "catalog.power.initial_exists"))
		}
	case before.ToUnit != e.FromUnit:
		ps = append(ps, prob("from_unit", "catalog.power.from_mismatch", "holder", r.units[before.ToUnit].Name))
	}
	return ps
}

// Divisions returns the 市县两级事权 list.
func (s *Service) Divisions(ctx context.Context) ([]Division, error) {
	return s.st.divisions(ctx, s.db.Read)
}

// SetDivision adds or changes a row of the 市县两级事权 list. Only an administrator of the city
// (or above) maintains it: it divides powers between the city and its counties.
func (s *Service) SetDivision(ctx context.Context, d Division) (Division, error) {
	a, err := s.admin(ctx)
	if err != nil {
		return Division{}, err
	}
	if r := a.scope.Region(); len(r) > 4 {
		return Division{}, errs.ForbiddenErr()
	}
	d.BaseCode = upperTrim(d.BaseCode)
	d.Name, d.Note = trim(d.Name), trim(d.Note)
	if err := invalid(d.Validate()); err != nil {
		return Division{}, err
	}
	d.UpdatedAt, d.UpdatedBy = s.now(), a.id
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		old, err := s.st.division(ctx, tx, d.BaseCode)
		if err != nil && !errs.Is(err, errs.NotFound) {
			return err
		}
		if err := s.st.upsertDivision(ctx, tx, d); err != nil {
			return err
		}
		return s.record(ctx, tx, a, "catalog.division.set", "division:"+d.BaseCode, map[string]any{
			"name": d.Name, "level": d.Level, "before": string(old.Level), "note": d.Note})
	})
	return d, err
}

// DeleteDivision removes a row of the 市县两级事权 list.
func (s *Service) DeleteDivision(ctx context.Context, baseCode string) error {
	a, err := s.admin(ctx)
	if err != nil {
		return err
	}
	if r := a.scope.Region(); len(r) > 4 {
		return errs.ForbiddenErr()
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		old, err := s.st.division(ctx, tx, baseCode)
		if err != nil {
			return err
		}
		if _, err := s.st.deleteDivision(ctx, tx, baseCode); err != nil {
			return err
		}
		return s.record(ctx, tx, a, "catalog.division.delete", "division:"+baseCode, map[string]any{
			"name": old.Name, "level": old.Level})
	})
}
