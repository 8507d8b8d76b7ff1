package app

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"time"

	"onestamp/internal/cases"
	"onestamp/internal/catalog"
	"onestamp/internal/certs"
	"onestamp/internal/demo"
	"onestamp/internal/home"
	"onestamp/internal/lookup"
	"onestamp/internal/org"
	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/blob"
	"onestamp/internal/platform/notify"
	"onestamp/internal/platform/workday"
	"onestamp/internal/rating"
	"onestamp/internal/rectify"
)

// domains holds the domain services once wired.
type domains struct {
	ownDB   bool
	Notify  *notify.Dev
	Auth    *auth.Service
	Guard   *auth.Guard
	Org     *org.Service
	Catalog *catalog.Service
	Blobs   *blob.Store
	Cases   *cases.Service
	Certs   *certs.Service
	Rating  *rating.Service
	Rectify *rectify.Service
}

// wire builds the domain services and registers their routes and event handlers. The order
// follows the arrows of DESIGN.md: platform services first, then the domains that use them.
func (m *Main) wire(ctx context.Context) error {
	m.Notify = notify.NewDev(m.DB, m.Log, m.Cfg.Dev)
	m.Org = org.NewService(m.DB, m.Audit)
	m.Auth = auth.New(auth.Deps{DB: m.DB, Audit: m.Audit, Cipher: m.Cipher, Notifier: m.Notify,
		Units: m.Org.Directory(), Now: m.Now}, auth.OptionsFrom(m.Cfg))
	m.Guard = auth.NewGuard(m.Web.Mux(), m.Auth)
	m.Catalog = catalog.New(catalog.Deps{DB: m.DB, Audit: m.Audit, Logger: m.Log, Units: catalog.UnitFuncs{
		Get: func(ctx context.Context, id string) (catalog.Unit, error) {
			u, err := m.Org.Directory().Unit(ctx, auth.SystemScope(), id)
			return catalogUnit(u), err
		},
		List: func(ctx context.Context) ([]catalog.Unit, error) {
			us, err := m.Org.Directory().Units(ctx, auth.SystemScope(), org.UnitFilter{Inactive: true})
			out := make([]catalog.Unit, 0, len(us))
			for _, u := range us {
				out = append(out, catalogUnit(u))
			}
			return out, err
		},
	}})
	// API calls that carry a bearer token are not exposed to cross-site forgery; cookie calls are checked.
	m.Web.SetCrossOriginBypass(auth.BearerRequest)

	var err error
	if m.Blobs, err = blob.Open(filepath.Join(m.Cfg.DataDir, "files"), blob.Limits{}); err != nil {
		return fmt.Errorf("file store: %w", err)
	}
	m.Catalog.SetClock(m.Now) // versions take effect on the application's today
	m.Cases = cases.New(m.DB, cases.Options{
		Catalog: caseCatalog{cat: m.Catalog, dir: m.Org.Directory()}, Audit: m.Audit, Cipher: m.Cipher,
		Blobs: m.Blobs, Identities: m.Auth, Calendar: m.Calendar.Get, Kick: m.Outbox.Kick, Now: m.Now,
		Config: cases.Config{YellowWD: m.Cfg.YellowWD, IntakeWD: m.Cfg.CaseIntakeWD, CorrectionDays: m.Cfg.CaseCorrectionDays,
			PendingSupplyWD: m.Cfg.CasePendingSupplyWD, VerifyWithinWD: m.Cfg.CaseVerifyWD, RenewLeadDays: m.Cfg.CaseRenewLeadDays},
	})
	m.Cases.SetPageDeps(cases.PageDeps{
		Items:    m.caseItemChoices,
		Windows:  m.caseWindows,
		UserName: m.Auth.StaffName,
		Account:  m.Auth.ApplicantAccount,
	})
	m.Cases.RegisterHandlers(m.Outbox, m.Notify)
	m.Certs = certs.New(certs.Deps{DB: m.DB, Audit: m.Audit, Cipher: m.Cipher, Cases: certCases{m.Cases},
		Materials: certMaterials{m.Cases}, Issuers: certIssuers{m.Org.Directory()}, Identities: certIdentities{m.Auth},
		BaseURL: m.Cfg.BaseURL, Now: m.Now})
	m.Certs.Subscribe(m.Outbox)
	m.Cases.SetLicences(certLicences{m.Certs})
	m.Rating = rating.New(rating.Deps{DB: m.DB, Audit: m.Audit, Cipher: m.Cipher, Notifier: m.Notify,
		Cases: ratingCases{c: m.Cases, dir: m.Org.Directory()}, Calendar: m.Calendar.Get, Now: m.Now, Blobs: m.Blobs},
		rating.Options{PerStage: m.Cfg.RatingPerStage, RemindWD: m.Cfg.RatingRemindWD, DefaultAfterDays: m.Cfg.RatingDefaultAfterDays,
			DefaultLevel: rating.Level(m.Cfg.RatingDefaultLevel), BaseURL: m.Cfg.BaseURL, PushURL: m.Cfg.RatingPushURL})
	m.Rating.RegisterHandlers(m.Outbox)
	m.Rectify = rectify.New(rectify.Deps{DB: m.DB, Audit: m.Audit, Notifier: m.Notify, Calendar: m.Calendar.Get,
		Now: m.Now, Blobs: m.Blobs}, rectify.Options{LimitWD: map[rectify.SourceKind]int{rectify.SourceRating: m.Cfg.RectifyWD}})
	m.Rectify.RegisterHandlers(m.Outbox)

	steps := []func() error{
		func() error {
			return auth.Register(m.Guard, auth.PageOptions{Staff: home.StaffFrame, Public: home.PortalFrame, Units: m.unitChoices})
		},
		func() error {
			return home.Register(m.Guard, home.Deps{Dev: m.Cfg.Dev, Bureau: m.bureauName})
		},
		func() error { return org.Register(m.Guard, m.Org, home.StaffFrame) },
		func() error { return catalog.Register(m.Guard, m.Catalog) },
		func() error { return cases.Register(m.Guard, m.Cases) },
		func() error { return certs.Register(m.Guard, m.Certs) },
		func() error { return rating.Register(m.Guard, m.Rating) },
		func() error { return rectify.Register(m.Guard, m.Rectify) },
		func() error {
			return lookup.Register(m.Guard, lookup.Deps{Calendar: m.Calendar.Get, Now: m.Now,
				Admin: &lookup.CalendarAdmin{DB: m.DB, Store: m.Calendar.store, Audit: m.Audit, Changed: m.calendarChanged}})
		},
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return err
		}
	}
	return nil
}

// bureauName is the name of the city-level bureau shown on the portal.
func (m *Main) bureauName(ctx context.Context) string {
	us, err := m.Org.Directory().Units(ctx, auth.SystemScope(), org.UnitFilter{Kind: org.UnitBureau})
	if err != nil || len(us) == 0 {
		return ""
	}
	best := us[0]
	for _, u := range us[1:] {
		if len(u.RegionCode) > 0 && org.Contains(u.RegionCode, best.RegionCode) {
			best = u
		}
	}
	return best.Name
}

func catalogUnit(u org.Unit) catalog.Unit {
	return catalog.Unit{ID: u.ID, Code: u.Code, Name: u.Name, NameEN: u.NameEN, Kind: string(u.Kind), RegionCode: u.RegionCode, Active: u.Active}
}

// calendarChanged rebuilds the live calendar after a year was loaded and recomputes every open
// deadline on it (DOMAIN §2: any load recomputes every open due date).
func (m *Main) calendarChanged(ctx context.Context) (any, error) {
	if err := m.Calendar.Reload(ctx); err != nil {
		return nil, err
	}
	return m.Cases.RecomputeAll(ctx)
}

// unitChoices lists the active units an administrator may assign staff and tokens to: those of
// the viewer's jurisdiction and below.
func (m *Main) unitChoices(ctx context.Context, v *auth.Viewer) ([]auth.UnitInfo, error) {
	us, err := m.Org.Directory().Units(ctx, auth.RegionScope(v.RegionCode), org.UnitFilter{Region: v.RegionCode, Subtree: true})
	if err != nil {
		return nil, err
	}
	out := make([]auth.UnitInfo, 0, len(us))
	for _, u := range us {
		out = append(out, auth.UnitInfo{ID: u.ID, Name: u.Name, RegionCode: u.RegionCode, Active: u.Active})
	}
	return out, nil
}

// startJobs starts the periodic background jobs.
func (m *Main) startJobs(ctx context.Context, wg *sync.WaitGroup) {
	every := func(name string, d time.Duration, f func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(d)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					if err := f(ctx); err != nil && ctx.Err() == nil {
						m.Log.Warn("job failed", "job", name, "err", err)
					}
				}
			}
		}()
	}
	every("auth.sweep", 10*time.Minute, m.Auth.Sweep)
	every("cases.sweep", 15*time.Minute, func(ctx context.Context) error {
		_, err := m.Cases.Sweep(ctx)
		return err
	})
	// Remaining working days and warning levels move with the date even when nothing happens to a
	// case: recompute them once the business day changes.
	var lastDay workday.Date
	every("cases.recompute", 10*time.Minute, func(ctx context.Context) error {
		today := workday.DateOf(m.Now())
		if today == lastDay {
			return nil
		}
		if _, err := m.Cases.RecomputeAll(ctx); err != nil {
			return err
		}
		lastDay = today
		return nil
	})
	every("rating.sweep", time.Hour, func(ctx context.Context) error {
		_, err := m.Rating.Sweep(ctx)
		return err
	})
	every("rectify.escalate", time.Hour, func(ctx context.Context) error {
		_, err := m.Rectify.RunEscalations(ctx)
		return err
	})
}

// LoadDemo loads the demo city (once) and prints the accounts to use.
func (m *Main) LoadDemo(ctx context.Context, out io.Writer) error {
	res, err := demo.Load(ctx, demo.Deps{DB: m.DB, Org: m.Org, Staff: m.Auth, Applicants: m.Auth, Log: m.Log, Now: m.Now},
		demo.Step{Name: "catalog", Run: func(ctx context.Context, env *demo.Env) error {
			return m.Catalog.DemoStep(ctx, catalog.DemoUnitFunc(func(key string) (catalog.Unit, bool) {
				u, ok := env.Units[key]
				return catalogUnit(u), ok
			}))
		}},
		demo.Step{Name: "cases", Run: m.casesDemo},
		demo.Step{Name: "certs", Run: m.certsDemo},
		demo.Step{Name: "ratings", Run: m.ratingsDemo})
	if err != nil {
		return err
	}
	fmt.Fprintln(out, res.Summary())
	return nil
}
