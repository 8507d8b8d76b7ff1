package app

import (
	"context"
	"encoding/json"
	"fmt"

	"onestamp/internal/cases"
	"onestamp/internal/catalog"
	"onestamp/internal/certs"
	"onestamp/internal/demo"
	"onestamp/internal/org"
	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/workday"
	"onestamp/internal/rating"
	"onestamp/internal/rectify"
)

// caseItemChoices offers the items a case may be started for: the guide search for a query,
// every leaf item otherwise.
func (m *Main) caseItemChoices(ctx context.Context, q string) ([]cases.ItemChoice, error) {
	var out []cases.ItemChoice
	if q != "" {
		today := workday.DateOf(m.Now())
		for _, h := range m.Catalog.Search(ctx, catalog.SearchQuery{Q: q, Limit: 30}).Items {
			if _, err := m.Catalog.Pin(ctx, h.ID, today); err != nil {
				continue // a main item with children, a retired or a cancelled one takes no cases
			}
			out = append(out, cases.ItemChoice{ID: h.ID, Code: h.Code, Name: h.Name, Dept: h.DeptName,
				Kind: cases.Kind(h.Kind), PromisedWD: h.PromisedWD})
		}
		return out, nil
	}
	items, err := m.Catalog.Items(ctx, catalog.ItemFilter{Status: catalog.StatusActive})
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		if it.IsLeaf() {
			out = append(out, cases.ItemChoice{ID: it.ID, Code: it.Code, Name: it.Name})
		}
	}
	return out, nil
}

// caseWindows lists a hall's active windows.
func (m *Main) caseWindows(ctx context.Context, hallID string) ([]cases.WindowChoice, error) {
	ws, err := m.Org.Directory().Windows(ctx, auth.SystemScope(), hallID, false)
	if err != nil {
		return nil, err
	}
	out := make([]cases.WindowChoice, 0, len(ws))
	for _, w := range ws {
		out = append(out, cases.WindowChoice{ID: w.ID, Number: w.Number, Name: w.Name})
	}
	return out, nil
}

// casesDemo adds the demo year of cases over the demo catalogue.
func (m *Main) casesDemo(ctx context.Context, env *demo.Env) error {
	de := cases.DemoEnv{Units: map[string]cases.Unit{}, Users: env.Users, Windows: map[string][]cases.WindowChoice{},
		Cases: m.demoCases}
	for key, u := range env.Units {
		de.Units[key] = cases.Unit{ID: u.ID, Name: u.Name, RegionCode: u.RegionCode}
		if u.Kind == org.UnitHall {
			ws, err := m.caseWindows(ctx, u.ID)
			if err != nil {
				return err
			}
			de.Windows[key] = ws
		}
	}
	items, err := m.Catalog.Items(ctx, catalog.ItemFilter{Status: catalog.StatusActive})
	if err != nil {
		return err
	}
	today := workday.DateOf(m.Now())
	for _, it := range items {
		if _, err := m.Catalog.Pin(ctx, it.ID, today); err == nil {
			de.Items = append(de.Items, it.ID)
		}
	}
	return m.Cases.DemoStep(ctx, de)
}

// demoCerts is how many certificates the demo issues, for the newest approved cases whose items
// issue one: enough for the certificate pages, the verification page and the holders' lists to
// look lived in, few enough that the demo loads in seconds (each certificate is signed).
// Candidates are looked for among ten times as many cases: many demo cases cannot have one (a
// certificate type the platform does not issue, a person applying for an organisation's licence,
// a change with no licence to change).
const demoCerts = 300

// certsDemo issues the certificates of the newest approved demo cases, as the certificates
// handler would have when they were concluded. A change, renewal or cancellation with no licence
// to act on is left without one, as the handler would leave it.
func (m *Main) certsDemo(ctx context.Context, env *demo.Env) error {
	evs, err := m.Cases.DemoConcluded(ctx, 10*demoCerts)
	if err != nil {
		return err
	}
	issued, skipped := 0, map[string]int{}
	for _, ev := range evs {
		if issued == demoCerts {
			break
		}
		b, err := json.Marshal(ev)
		if err != nil {
			return err
		}
		var in certs.ConcludedEvent
		if err := json.Unmarshal(b, &in); err != nil {
			return err
		}
		if _, err := m.Certs.IssueForCase(ctx, in); err != nil {
			if e := errs.As(err); e.Code == errs.Invalid || e.Code == errs.Conflict || e.Code == errs.NotFound {
				skipped[e.Key]++
				continue
			}
			return fmt.Errorf("certificate of %s: %w", ev.CaseNo, err)
		}
		issued++
	}
	m.Log.Info("demo: certificates issued", "cases", len(evs), "certificates", issued, "skipped", skipped)
	return m.drainOutbox(ctx)
}

// ratingsDemo rates the demo year's concluded cases (about 99% good), lets the bad ratings open
// rectification items, and moves those through every state of the ledger.
func (m *Main) ratingsDemo(ctx context.Context, env *demo.Env) error {
	today := workday.DateOf(m.Now())
	ids, err := m.Cases.ConcludedIDs(ctx, today.AddDays(-366), today, 0)
	if err != nil {
		return err
	}
	if _, err := rating.DemoStep(ctx, m.Rating, rating.DemoDeps{CaseIDs: ids, Seed: 1}); err != nil {
		return fmt.Errorf("ratings: %w", err)
	}
	if err := m.drainOutbox(ctx); err != nil {
		return err
	}
	if _, err := rectify.DemoStep(ctx, m.Rectify, rectify.DemoDeps{Seed: 1, SupervisorRegion: demo.City}); err != nil {
		return fmt.Errorf("rectifications: %w", err)
	}
	return m.drainOutbox(ctx)
}

// drainOutbox delivers every due event now (the demo's events, before the server starts).
func (m *Main) drainOutbox(ctx context.Context) error {
	for i := 0; i < 10000; i++ {
		n, err := m.Outbox.RunOnce(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
	}
	return fmt.Errorf("outbox: still busy after 10,000 rounds")
}
