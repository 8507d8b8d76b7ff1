package catalog

import (
	"context"
	"database/sql"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"onestamp/internal/platform/audit"
	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/web"
	"onestamp/internal/platform/workday"
)

// units is what the catalogue asks the organisation map (package org). App passes an adapter
// over the org directory, e.g. UnitFuncs.
type units interface {
	// CatalogUnit returns the unit with an id, active or not.
	CatalogUnit(ctx context.Context, id string) (Unit, error)
	// CatalogUnits returns every unit, for pick lists, names and imports (by code).
	CatalogUnits(ctx context.Context) ([]Unit, error)
}

// UnitFuncs adapts two functions to what the catalogue needs of the organisation map.
type UnitFuncs struct {
	Get  func(ctx context.Context, id string) (Unit, error)
	List func(ctx context.Context) ([]Unit, error)
}

// CatalogUnit calls Get.
func (f UnitFuncs) CatalogUnit(ctx context.Context, id string) (Unit, error) { return f.Get(ctx, id) }

// CatalogUnits calls List.
func (f UnitFuncs) CatalogUnits(ctx context.Context) ([]Unit, error) { return f.List(ctx) }

// StaticUnits is a fixed list of units (tests, tools).
type StaticUnits []Unit

// CatalogUnit finds a unit of the list.
func (s StaticUnits) CatalogUnit(_ context.Context, id string) (Unit, error) {
	for _, u := range s {
		if u.ID == id {
			return u, nil
		}
	}
	return Unit{}, errs.NotFoundErr("catalog.unit.not_found")
}

// CatalogUnits returns the list.
func (s StaticUnits) CatalogUnits(context.Context) ([]Unit, error) { return slices.Clone(s), nil }

// Deps is what the service needs.
type Deps struct {
	DB    *db.DB
	Audit *audit.Log
	Units units
	// ApplyURL is the link to apply for an item online; default "/apply?item=<id>".
	ApplyURL func(itemID string) string
	Logger   *slog.Logger
}

// Service is the catalogue's operations. Published content is public; drafts, statistics and
// the power records are for staff; changes need the admin role within the admin's jurisdiction.
// Every change runs in one transaction with its audit record.
type Service struct {
	db       *db.DB
	audit    *audit.Log
	units    units
	st       store
	now      func() time.Time
	applyURL func(string) string
	log      *slog.Logger

	idx       atomic.Pointer[index]
	idxMu     sync.Mutex // serialises rebuilds
	checking  atomic.Bool
	lastCheck atomic.Int64 // unix millis of the last generation check
	// RefreshEvery is how often a search checks the database for changes published by another
	// process; a change made through this process is visible at once.
	RefreshEvery time.Duration
}

// New returns the catalogue service.
func New(d Deps) *Service {
	s := &Service{db: d.DB, audit: d.Audit, units: d.Units, now: time.Now, applyURL: d.ApplyURL, log: d.Logger,
		RefreshEvery: 5 * time.Second}
	if s.audit == nil {
		s.audit = audit.New(d.DB)
	}
	if s.units == nil {
		s.units = StaticUnits(nil)
	}
	if s.applyURL == nil {
		s.applyURL = func(id string) string { return "/apply?item=" + id }
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s
}

// SetClock replaces the clock (tests, the demo).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Today is the business date now, in Asia/Shanghai.
func (s *Service) Today() workday.Date { return workday.DateOf(s.now()) }

// ApplyURL is the link to apply for an item online.
func (s *Service) ApplyURL(itemID string) string { return s.applyURL(itemID) }

// actor is who makes a change: a signed-in admin, or the system (demo, jobs).
type actor struct {
	id, name, role string
	scope          auth.Scope
}

var systemActor = actor{id: audit.SystemActor, name: audit.SystemActor, scope: auth.SystemScope()}

// staffRoles read drafts, statistics and power records.
var staffRoles = []auth.Role{auth.Clerk, auth.Reviewer, auth.Chief, auth.Signer, auth.Head, auth.Supervisor,
	auth.Discipline, auth.Admin, auth.Leader}

// admin returns the acting administrator, or the error for someone who may not change the
// catalogue.
func (s *Service) admin(ctx context.Context) (actor, error) {
	v, ok := auth.FromContext(ctx)
	if !ok {
		return actor{}, errs.Unauth()
	}
	if !v.IsStaff() || v.Role != auth.Admin {
		return actor{}, errs.ForbiddenErr()
	}
	return actor{id: v.ID, name: v.Name, role: string(v.Role), scope: auth.RegionScope(v.RegionCode)}, nil
}

// staff returns the reading staff member.
func (s *Service) staff(ctx context.Context) (*auth.Viewer, error) {
	v, ok := auth.FromContext(ctx)
	if !ok {
		return nil, errs.Unauth()
	}
	if !v.IsStaff() || !slices.Contains(staffRoles, v.Role) {
		return nil, errs.ForbiddenErr()
	}
	return v, nil
}

// reach checks that an administrator may change a record of a region.
func (a actor) reach(region string) error {
	if a.scope.Allows(region, "", "") {
		return nil
	}
	return errs.ForbiddenErr()
}

func (s *Service) record(ctx context.Context, tx *sql.Tx, a actor, action, subject string, detail map[string]any) error {
	if err := s.audit.Append(ctx, tx, audit.Record{
		Actor: a.id, ActorName: a.name, Role: a.role, Action: action, Subject: subject,
		Detail: detail, RequestID: web.RequestID(ctx), At: s.now(),
	}); err != nil {
		return errs.Wrap(err, "audit %s", action)
	}
	return nil
}

// refs are the reference lists a spec is checked against, loaded once per operation.
type refs struct {
	units map[string]Unit
	codes map[string]Unit // unit code → unit
	certs map[string]CertType
}

func (s *Service) loadRefs(ctx context.Context, q db.Q) (refs, error) {
	r := refs{units: map[string]Unit{}, codes: map[string]Unit{}, certs: map[string]CertType{}}
	us, err := s.units.CatalogUnits(ctx)
	if err != nil {
		return r, errs.Wrap(err, "units")
	}
	for _, u := range us {
		r.units[u.ID] = u
		if u.Code != "" {
			r.codes[u.Code] = u
		}
	}
	cs, err := s.st.certTypes(ctx, q)
	if err != nil {
		return r, err
	}
	for _, c := range cs {
		r.certs[c.Code] = c
	}
	return r, nil
}

// check returns the problems of a spec that need the reference lists: unknown units and
// unknown certificate types.
func (r refs) check(sp Spec) []Problem {
	var ps []Problem
	unit := func(field, id string) {
		if id != "" {
			if _, ok := r.units[id]; !ok {
				ps = append(ps, prob(field, kvUnitUnknown, "value", id))
			}
		}
	}
	unit("competent_dept", sp.CompetentDept)
	unit("accept_unit", sp.AcceptUnit)
	unit("decide_unit", sp.DecideUnit)
	unit("supervising_dept", sp.SupervisingDept)
	for i, id := range sp.JointDepts {
		unit("joint_depts["+itoa(i)+"]", id)
	}
	if sp.ResultCertType != "" {
		if _, ok := r.certs[sp.ResultCertType]; !ok {
			ps = append(ps, prob("result_cert_type", kvCertUnknown, "value", sp.ResultCertType))
		}
	}
	for i, m := range sp.Materials {
		if m.CertType != "" {
			if _, ok := r.certs[m.CertType]; !ok {
				ps = append(ps, prob("materials["+itoa(i)+"].cert_type", kvCertUnknown, "value", m.CertType))
			}
		}
	}
	return ps
}

// UnitName returns the name of a unit in a language, or the id when it is unknown.
func (s *Service) UnitName(ctx context.Context, id, lang string) string {
	if id == "" {
		return ""
	}
	u, err := s.units.CatalogUnit(ctx, id)
	if err != nil {
		return id
	}
	if lang == web.LangEN && u.NameEN != "" {
		return u.NameEN
	}
	return u.Name
}

// Units returns the organisation units, for pick lists.
func (s *Service) Units(ctx context.Context) ([]Unit, error) {
	us, err := s.units.CatalogUnits(ctx)
	if err != nil {
		return nil, errs.Wrap(err, "units")
	}
	return us, nil
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}
