package org

import (
	"context"
	"database/sql"
	"slices"
	"time"

	"onestamp/internal/platform/audit"
	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/web"
)

// AuditChain is the audit chain of every record this package writes.
const AuditChain = "org"

// Service is the org domain's operations. Reads are open to the bureau's own staff within their
// jurisdiction (and the jurisdictions above it); changes need the admin role and stay inside the
// admin's jurisdiction. Every change runs in one transaction with its audit record.
type Service struct {
	db    *db.DB
	audit *audit.Log
	st    store
	now   func() time.Time
	dir   *Directory
}

// NewService returns the org service on d, auditing to a.
func NewService(d *db.DB, a *audit.Log) *Service {
	return &Service{db: d, audit: a, now: time.Now, dir: &Directory{d: d}}
}

// SetClock replaces the clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// clock returns the current instant as stored: UTC, to the millisecond.
func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

// readRoles are the roles that read the organisation map: the bureau's own staff. Outside
// parties (intermediaries, bidders, banks) and applicants do not.
var readRoles = []auth.Role{auth.Clerk, auth.Reviewer, auth.Chief, auth.Signer, auth.Head,
	auth.Supervisor, auth.Discipline, auth.Admin, auth.Leader}

// ReadScope is what a staff member sees of the map: their jurisdiction and everything below it,
// whatever their role's scope for case data (a clerk must see the windows of their own hall and
// the units around it). The jurisdictions above are visible too (see Directory).
func ReadScope(v *auth.Viewer) auth.Scope { return auth.RegionScope(v.RegionCode) }

// reader returns the viewer and read scope, or the error for someone who may not read.
func (s *Service) reader(ctx context.Context) (*auth.Viewer, auth.Scope, error) {
	v, ok := auth.FromContext(ctx)
	if !ok {
		return nil, auth.Scope{}, errs.Unauth()
	}
	if !v.IsStaff() || !slices.Contains(readRoles, v.Role) {
		return nil, auth.Scope{}, errs.ForbiddenErr()
	}
	return v, ReadScope(v), nil
}

// admin returns the viewer and their write scope, or the error for someone who may not change.
func (s *Service) admin(ctx context.Context) (*auth.Viewer, auth.Scope, error) {
	v, ok := auth.FromContext(ctx)
	if !ok {
		return nil, auth.Scope{}, errs.Unauth()
	}
	if !v.IsStaff() || v.Role != auth.Admin {
		return nil, auth.Scope{}, errs.ForbiddenErr()
	}
	return v, auth.RegionScope(v.RegionCode), nil
}

// reach decides what an admin with scope sc gets for a record of region: nil when they may
// change it, Forbidden when they may only see it (the city's bureau, seen from a county), and
// notFound when they may not even know it exists.
func reach(sc auth.Scope, region string, notFound error) error {
	switch {
	case sc.Allows(region, "", ""):
		return nil
	case visibleTo(sc, region, ""):
		return errs.ForbiddenErr()
	default:
		return notFound
	}
}

func (s *Service) record(ctx context.Context, tx *sql.Tx, v *auth.Viewer, action, subject string, detail map[string]any) error {
	if err := s.audit.Append(ctx, tx, audit.Record{
		Chain: AuditChain, Actor: v.ID, ActorName: v.Name, Role: string(v.Role), Action: action, Subject: subject,
		Detail: detail, RequestID: web.RequestID(ctx), At: s.now(),
	}); err != nil {
		return errs.Wrap(err, "audit %s", action)
	}
	return nil
}

// ---- jurisdictions ----

// CreateJurisdiction adds a jurisdiction inside the admin's own.
func (s *Service) CreateJurisdiction(ctx context.Context, j Jurisdiction) (Jurisdiction, error) {
	v, sc, err := s.admin(ctx)
	if err != nil {
		return Jurisdiction{}, err
	}
	j.Normalize()
	if err := j.Validate(); err != nil {
		return Jurisdiction{}, err
	}
	if !sc.Allows(j.Code, "", "") {
		return Jurisdiction{}, errs.ForbiddenErr()
	}
	now := s.clock()
	j.Active, j.DeactivatedAt, j.CreatedAt, j.UpdatedAt = true, time.Time{}, now, now
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if j.ParentCode != "" {
			p, err := s.st.jurisdiction(ctx, tx, auth.SystemScope(), j.ParentCode)
			if errs.Is(err, errs.NotFound) {
				return errs.InvalidInput("org.parent.unknown").OnField("parent_code")
			}
			if err != nil {
				return err
			}
			if !p.Active {
				return errs.InvalidInput("org.parent.inactive").OnField("parent_code")
			}
		}
		if _, err := s.st.jurisdiction(ctx, tx, auth.SystemScope(), j.Code); err == nil {
			return errs.ConflictErr("org.jurisdiction.exists").With("code", j.Code).OnField("code")
		} else if !errs.Is(err, errs.NotFound) {
			return err
		}
		if err := s.st.insertJurisdiction(ctx, tx, j); err != nil {
			return err
		}
		return s.record(ctx, tx, v, "org.jurisdiction.create", "jurisdiction:"+j.Code, jurFields(j))
	})
	return j, err
}

// UpdateJurisdiction changes a jurisdiction's names and kind. Its code and parent are fixed:
// a code that changes is another jurisdiction.
func (s *Service) UpdateJurisdiction(ctx context.Context, code string, j Jurisdiction) (Jurisdiction, error) {
	v, sc, err := s.admin(ctx)
	if err != nil {
		return Jurisdiction{}, err
	}
	var out Jurisdiction
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		old, err := s.st.jurisdiction(ctx, tx, auth.SystemScope(), code)
		if err != nil {
			return err
		}
		if err := reach(sc, old.Code, errs.NotFoundErr("org.jurisdiction.not_found")); err != nil {
			return err
		}
		j.Normalize()
		if j.Code != "" && j.Code != old.Code {
			return errs.InvalidInput("org.jurisdiction.code_fixed").OnField("code")
		}
		if j.ParentCode != "" && j.ParentCode != old.ParentCode {
			return errs.InvalidInput("org.jurisdiction.parent_fixed").OnField("parent_code")
		}
		j.Code, j.ParentCode = old.Code, old.ParentCode
		if err := j.Validate(); err != nil {
			return err
		}
		j.Active, j.DeactivatedAt, j.CreatedAt, j.UpdatedAt = old.Active, old.DeactivatedAt, old.CreatedAt, s.clock()
		changes := diff(jurFields(old), jurFields(j))
		if len(changes) == 0 {
			out = old
			return nil
		}
		if err := s.st.updateJurisdiction(ctx, tx, j); err != nil {
			return err
		}
		out = j
		return s.record(ctx, tx, v, "org.jurisdiction.update", "jurisdiction:"+j.Code, changes)
	})
	return out, err
}

// DeactivateJurisdiction retires a jurisdiction that no longer has active jurisdictions or units
// in it. It stays readable for the history that points at it.
func (s *Service) DeactivateJurisdiction(ctx context.Context, code string) (Jurisdiction, error) {
	return s.setJurisdictionActive(ctx, code, false)
}

// ReactivateJurisdiction brings a deactivated jurisdiction back; its parent must be active.
func (s *Service) ReactivateJurisdiction(ctx context.Context, code string) (Jurisdiction, error) {
	return s.setJurisdictionActive(ctx, code, true)
}

func (s *Service) setJurisdictionActive(ctx context.Context, code string, active bool) (Jurisdiction, error) {
	v, sc, err := s.admin(ctx)
	if err != nil {
		return Jurisdiction{}, err
	}
	var out Jurisdiction
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		j, err := s.st.jurisdiction(ctx, tx, auth.SystemScope(), code)
		if err != nil {
			return err
		}
		if err := reach(sc, j.Code, errs.NotFoundErr("org.jurisdiction.not_found")); err != nil {
			return err
		}
		out = j
		if j.Active == active {
			return nil
		}
		now := s.clock()
		if active {
			if j.ParentCode != "" {
				p, err := s.st.jurisdiction(ctx, tx, auth.SystemScope(), j.ParentCode)
				if err != nil {
					return err
				}
				if !p.Active {
					return errs.ConflictErr("org.parent.inactive")
				}
			}
			j.DeactivatedAt = time.Time{}
		} else {
			jn, un, err := s.st.activeBelow(ctx, tx, j.Code)
			if err != nil {
				return err
			}
			if jn+un > 0 {
				return errs.ConflictErr("org.jurisdiction.in_use").With("jurisdictions", jn).With("units", un)
			}
			j.DeactivatedAt = now
		}
		j.Active, j.UpdatedAt = active, now
		if err := s.st.updateJurisdiction(ctx, tx, j); err != nil {
			return err
		}
		out = j
		action := "org.jurisdiction.deactivate"
		if active {
			action = "org.jurisdiction.reactivate"
		}
		return s.record(ctx, tx, v, action, "jurisdiction:"+j.Code, nil)
	})
	return out, err
}

// Jurisdiction returns one jurisdiction the viewer may see.
func (s *Service) Jurisdiction(ctx context.Context, code string) (Jurisdiction, error) {
	_, sc, err := s.reader(ctx)
	if err != nil {
		return Jurisdiction{}, err
	}
	return s.dir.Jurisdiction(ctx, sc, code)
}

// Tree returns the jurisdictions the viewer may see as a tree.
func (s *Service) Tree(ctx context.Context, inactive bool) ([]*Node, error) {
	_, sc, err := s.reader(ctx)
	if err != nil {
		return nil, err
	}
	return s.dir.Tree(ctx, sc, inactive)
}

// ---- units ----

// CreateUnit adds a unit in a jurisdiction of the admin's.
func (s *Service) CreateUnit(ctx context.Context, u Unit) (Unit, error) {
	v, sc, err := s.admin(ctx)
	if err != nil {
		return Unit{}, err
	}
	u.ID = ""
	u.Normalize()
	if err := u.Validate(); err != nil {
		return Unit{}, err
	}
	if err := reach(sc, u.RegionCode, errs.InvalidInput("org.region.unknown").OnField("region_code")); err != nil {
		return Unit{}, err
	}
	now := s.clock()
	u.ID, u.Active, u.DeactivatedAt, u.CreatedAt, u.UpdatedAt = db.NewID(), true, time.Time{}, now, now
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.checkUnit(ctx, tx, sc, u, Unit{}); err != nil {
			return err
		}
		if err := s.st.insertUnit(ctx, tx, u); err != nil {
			return err
		}
		return s.record(ctx, tx, v, "org.unit.create", "unit:"+u.ID, unitFields(u))
	})
	if err != nil {
		return Unit{}, err
	}
	return u, nil
}

// checkUnit checks a new or changed unit against the database: its jurisdiction, its code, the
// one bureau per jurisdiction, and its parent. old is the zero Unit for a new one.
func (s *Service) checkUnit(ctx context.Context, tx *sql.Tx, sc auth.Scope, u, old Unit) error {
	if u.RegionCode != old.RegionCode {
		j, err := s.st.jurisdiction(ctx, tx, sc, u.RegionCode)
		if errs.Is(err, errs.NotFound) {
			return errs.InvalidInput("org.region.unknown").OnField("region_code")
		}
		if err != nil {
			return err
		}
		if !j.Active {
			return errs.InvalidInput("org.region.inactive").OnField("region_code")
		}
	}
	if u.Code != old.Code {
		owner, err := s.st.codeOwner(ctx, tx, u.Code)
		if err != nil {
			return err
		}
		if owner != "" && owner != u.ID {
			return errs.ConflictErr("org.unit.code_taken").With("code", u.Code).OnField("code")
		}
	}
	if u.Kind == UnitBureau && u.Active && u.RegionCode != old.RegionCode {
		b, err := s.st.activeBureau(ctx, tx, u.RegionCode)
		if err != nil {
			return err
		}
		if b != "" && b != u.ID {
			return errs.ConflictErr("org.unit.bureau_exists").OnField("region_code")
		}
	}
	if u.ParentID != "" && (u.ParentID != old.ParentID || u.RegionCode != old.RegionCode) {
		p, err := s.st.unit(ctx, tx, sc, u.ParentID)
		if errs.Is(err, errs.NotFound) {
			return errs.InvalidInput("org.parent.unknown").OnField("parent_id")
		}
		if err != nil {
			return err
		}
		if !p.Active && u.Active {
			return errs.InvalidInput("org.parent.inactive").OnField("parent_id")
		}
		if !Contains(p.RegionCode, u.RegionCode) {
			return errs.InvalidInput("org.parent.below").OnField("parent_id")
		}
		// Walk up from the new parent: meeting the unit itself would close a loop.
		for id, n := p.ParentID, 0; id != "" && old.ID != ""; n++ {
			if id == u.ID || n > maxDepth {
				return errs.InvalidInput("org.parent.cycle").OnField("parent_id")
			}
			a, err := s.st.unit(ctx, tx, auth.SystemScope(), id)
			if err != nil {
				return err
			}
			id = a.ParentID
		}
		if p.ID == u.ID {
			return errs.InvalidInput("org.parent.self").OnField("parent_id")
		}
	}
	return nil
}

// maxDepth bounds a walk up the unit tree; real trees are a few levels deep.
const maxDepth = 64

// UpdateUnit changes a unit. Its kind is fixed (a hall that becomes a department would strand its
// windows); it may move to another jurisdiction of the admin's if its children stay inside.
func (s *Service) UpdateUnit(ctx context.Context, id string, u Unit) (Unit, error) {
	v, sc, err := s.admin(ctx)
	if err != nil {
		return Unit{}, err
	}
	var out Unit
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		old, err := s.st.unit(ctx, tx, auth.SystemScope(), id)
		if err != nil {
			return err
		}
		if err := reach(sc, old.RegionCode, errs.NotFoundErr("org.unit.not_found")); err != nil {
			return err
		}
		if u.Kind == "" {
			u.Kind = old.Kind
		}
		u.ID = old.ID
		u.Normalize()
		if u.Kind != old.Kind {
			return errs.InvalidInput("org.unit.kind_fixed").OnField("kind")
		}
		if err := u.Validate(); err != nil {
			return err
		}
		if err := reach(sc, u.RegionCode, errs.InvalidInput("org.region.unknown").OnField("region_code")); err != nil {
			return err
		}
		u.Active, u.DeactivatedAt, u.CreatedAt, u.UpdatedAt = old.Active, old.DeactivatedAt, old.CreatedAt, s.clock()
		changes := diff(unitFields(old), unitFields(u))
		if len(changes) == 0 {
			out = old
			return nil
		}
		if err := s.checkUnit(ctx, tx, sc, u, old); err != nil {
			return err
		}
		if u.RegionCode != old.RegionCode {
			kids, err := s.st.children(ctx, tx, u.ID)
			if err != nil {
				return err
			}
			for _, k := range kids {
				if !Contains(u.RegionCode, k.RegionCode) {
					return errs.ConflictErr("org.unit.children_outside").OnField("region_code")
				}
			}
		}
		if err := s.st.updateUnit(ctx, tx, u); err != nil {
			return err
		}
		out = u
		return s.record(ctx, tx, v, "org.unit.update", "unit:"+u.ID, changes)
	})
	return out, err
}

// DeactivateUnit retires a unit that has no active child units. A hall's windows are retired
// with it.
func (s *Service) DeactivateUnit(ctx context.Context, id string) (Unit, error) {
	return s.setUnitActive(ctx, id, false)
}

// ReactivateUnit brings a unit back; its jurisdiction and parent must be active. A hall's
// windows stay retired until they are reactivated one by one.
func (s *Service) ReactivateUnit(ctx context.Context, id string) (Unit, error) {
	return s.setUnitActive(ctx, id, true)
}

func (s *Service) setUnitActive(ctx context.Context, id string, active bool) (Unit, error) {
	v, sc, err := s.admin(ctx)
	if err != nil {
		return Unit{}, err
	}
	var out Unit
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		u, err := s.st.unit(ctx, tx, auth.SystemScope(), id)
		if err != nil {
			return err
		}
		if err := reach(sc, u.RegionCode, errs.NotFoundErr("org.unit.not_found")); err != nil {
			return err
		}
		out = u
		if u.Active == active {
			return nil
		}
		now := s.clock()
		detail := map[string]any{}
		if active {
			j, err := s.st.jurisdiction(ctx, tx, auth.SystemScope(), u.RegionCode)
			if err != nil {
				return err
			}
			if !j.Active {
				return errs.ConflictErr("org.region.inactive")
			}
			if u.ParentID != "" {
				p, err := s.st.unit(ctx, tx, auth.SystemScope(), u.ParentID)
				if err != nil {
					return err
				}
				if !p.Active {
					return errs.ConflictErr("org.parent.inactive")
				}
			}
			if u.Kind == UnitBureau {
				if b, err := s.st.activeBureau(ctx, tx, u.RegionCode); err != nil {
					return err
				} else if b != "" {
					return errs.ConflictErr("org.unit.bureau_exists")
				}
			}
			u.DeactivatedAt = time.Time{}
		} else {
			n, err := s.st.activeChildUnits(ctx, tx, u.ID)
			if err != nil {
				return err
			}
			if n > 0 {
				return errs.ConflictErr("org.unit.has_children").With("count", n)
			}
			if u.Kind == UnitHall {
				ids, err := s.st.deactivateHallWindows(ctx, tx, u.ID, now)
				if err != nil {
					return err
				}
				if len(ids) > 0 {
					detail["windows"] = ids
				}
			}
			u.DeactivatedAt = now
		}
		u.Active, u.UpdatedAt = active, now
		if err := s.st.updateUnit(ctx, tx, u); err != nil {
			return err
		}
		out = u
		action := "org.unit.deactivate"
		if active {
			action = "org.unit.reactivate"
		}
		return s.record(ctx, tx, v, action, "unit:"+u.ID, detail)
	})
	return out, err
}

// Unit returns one unit the viewer may see.
func (s *Service) Unit(ctx context.Context, id string) (Unit, error) {
	_, sc, err := s.reader(ctx)
	if err != nil {
		return Unit{}, err
	}
	return s.dir.Unit(ctx, sc, id)
}

// Units lists the units the viewer may see that match f.
func (s *Service) Units(ctx context.Context, f UnitFilter) ([]Unit, error) {
	_, sc, err := s.reader(ctx)
	if err != nil {
		return nil, err
	}
	return s.dir.Units(ctx, sc, f)
}

// Chain returns a unit and its parents, the unit first.
func (s *Service) Chain(ctx context.Context, id string) ([]Unit, error) {
	_, sc, err := s.reader(ctx)
	if err != nil {
		return nil, err
	}
	return s.dir.Chain(ctx, sc, id)
}

// Directory answers the questions of other domains with the scope they pass.
func (s *Service) Directory() *Directory { return s.dir }

// ---- audit details ----

func jurFields(j Jurisdiction) map[string]any {
	return map[string]any{"code": j.Code, "name": j.Name, "name_en": j.NameEN, "kind": string(j.Kind), "parent_code": j.ParentCode}
}

func unitFields(u Unit) map[string]any {
	return map[string]any{"code": u.Code, "name": u.Name, "name_en": u.NameEN, "kind": string(u.Kind),
		"region_code": u.RegionCode, "parent_id": u.ParentID, "address": u.Address, "phone": u.Phone}
}

func windowFields(w Window) map[string]any {
	return map[string]any{"hall_id": w.HallID, "number": w.Number, "type": string(w.Type),
		"name": w.Name, "name_en": w.NameEN, "unit_id": w.UnitID}
}

// diff returns the fields that changed, each as [old, new].
func diff(before, after map[string]any) map[string]any {
	out := map[string]any{}
	for k, a := range after {
		if b := before[k]; b != a {
			out[k] = []any{b, a}
		}
	}
	return out
}
