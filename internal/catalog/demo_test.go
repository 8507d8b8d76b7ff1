package catalog_test

import (
	"testing"

	"onestamp/internal/catalog"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/db/dbtest"
	"onestamp/internal/platform/workday"
)

func loadDemo(t testing.TB, d *db.DB) *fixture {
	t.Helper()
	f := newFixture(t, d)
	if err := f.s.DemoStep(t.Context(), catalog.DemoUnitFunc(func(k string) (catalog.Unit, bool) {
		u, ok := f.units[k]
		return u, ok
	})); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestDemoCatalogue(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := loadDemo(t, d)
		ctx := as(clerk)
		items, err := f.s.Items(ctx, catalog.ItemFilter{})
		if err != nil {
			t.Fatal(err)
		}
		depts := map[string]bool{}
		leaves, withChildren := 0, 0
		for _, it := range items {
			depts[it.DeptID] = true
			if it.IsLeaf() {
				leaves++
			} else {
				withChildren++
			}
			if it.Current == 0 {
				t.Errorf("%s is not published", it.Name)
			}
		}
		if len(items) < 120 || len(depts) < 15 || withChildren < 3 {
			t.Fatalf("%d items, %d departments, %d with children", len(items), len(depts), withChildren)
		}
		chains, err := f.s.Chains(ctx)
		if err != nil || len(chains) < 5 {
			t.Fatalf("chains = %d, %v", len(chains), err)
		}
		for _, c := range chains {
			if len(c.Items) < 2 || c.LeadUnit == "" || len(c.Fields) == 0 {
				t.Errorf("chain %s = %+v", c.Name, c)
			}
			shared := 0
			for _, m := range c.Materials {
				if m.Shared() {
					shared++
				}
			}
			if c.Code != "second-hand-home" && shared == 0 {
				t.Errorf("chain %s asks no material once for several items", c.Name)
			}
		}
		// A transferred item's history: the department before the reform, the bureau after, the
		// zone's bureau while delegated.
		var spjy catalog.Item
		for _, it := range items {
			if it.Name == "食品经营许可" {
				spjy = it
			}
		}
		for _, c := range []struct {
			region, day, want string
		}{
			{city, "2018-06-01", "dept.amr"}, {city, "2019-03-01", "city.bureau"},
			{hightech, "2022-01-01", "hightech.bureau"}, {donghu, "2020-01-01", "donghu.bureau"},
		} {
			unit, _, err := f.s.Decider(ctx, spjy.Code, c.region, workday.MustDate(c.day))
			if err != nil || unit != f.units[c.want].ID {
				t.Errorf("decider %s %s = %s, %v; want %s", c.region, c.day, unit, err, c.want)
			}
		}
		// The versions: the baseline of 2018 and the reformed one of 2019.
		vs, err := f.s.Versions(ctx, spjy.ID)
		if err != nil || len(vs) != 2 || vs[0].EffectiveFrom != catalog.DemoBaseline || vs[1].EffectiveFrom != catalog.DemoReform {
			t.Fatalf("versions = %+v, %v", vs, err)
		}
		st, err := f.s.Stats(ctx, catalog.DemoBaseline, workday.MustDate("2026-03-02"))
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%d items: materials %d→%d (%v%%), time %v%%, promised cut %v%%, powers %+v, depts moved %d",
			st.Overall.Items, st.Overall.MaterialsBefore, st.Overall.MaterialsAfter, st.Overall.MaterialsCut.Percent,
			st.Overall.TimeCut.Percent, st.Overall.PromisedCut.Percent, st.Powers, st.DeptsMoved)
		if st.Overall.Items < 100 || st.Overall.MaterialsCut.Percent <= 0 || st.Overall.TimeCut.Percent <= 0 || len(st.Powers) == 0 || st.DeptsMoved < 10 {
			t.Fatalf("stats = %+v", st.Overall)
		}
	})
}
