package app

import (
	"context"

	"onestamp/internal/cases"
	"onestamp/internal/catalog"
	"onestamp/internal/demo"
	"onestamp/internal/org"
	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/workday"
)

// caseItemChoices offers the items a case may be started for: the guide search for a query,
// every leaf item otherwise.
func (m *Main) caseItemChoices(ctx context.Context, q string) ([]cases.ItemChoice, error) {
	var out []cases.ItemChoice
	if q != "" {
		for _, h := range m.Catalog.Search(ctx, catalog.SearchQuery{Q: q, Limit: 30}).Items {
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
