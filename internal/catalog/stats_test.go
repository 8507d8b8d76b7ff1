package catalog_test

import (
	"testing"

	"onestamp/internal/catalog"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/db/dbtest"
	"onestamp/internal/platform/workday"
)

// TestReformStats checks the simplification statistics against a computation by hand.
func TestReformStats(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := as(cityAdmin)
		amr, health := f.units["dept.amr"].ID, f.units["dept.health"].ID

		// The baseline, in force from 2018-06-01.
		f.setDay("2018-06-01")
		a0 := f.spec("甲许可", 20, 20, "a1", "a2", "a3", "a4", "a5")
		a0.Materials = append(a0.Materials, catalog.Material{Name: "可选材料", Form: catalog.FormCopy, Source: catalog.SourceSelf})
		a := f.create(t, a0, city)
		f.publish(t, a.ID, "2018-06-01")
		b0 := f.spec("乙许可", 30, 30, "b1", "b2", "b3", "b4")
		b0.CompetentDept = health
		b := f.create(t, b0, city)
		f.publish(t, b.ID, "2018-06-01")
		f0 := f.spec("丙即办", 5, 5, "f1", "f2")
		fi := f.create(t, f0, city)
		f.publish(t, fi.ID, "2018-06-01")
		gone := f.create(t, f.spec("已停用事项", 10, 10, "g1"), city)
		f.publish(t, gone.ID, "2018-06-01")

		// Today's versions.
		f.setDay("2026-03-02")
		a1 := f.spec("甲许可", 20, 5, "a1", "a2", "a3")
		a1.Online, a1.OnlineDepth, a1.MaxVisits = true, 4, 0
		if _, err := f.s.SaveDraft(ctx, a.ID, a1, ""); err != nil {
			t.Fatal(err)
		}
		f.publish(t, a.ID, "2026-03-02")
		b1 := f.spec("乙许可", 30, 10, "b1", "b2", "b3", "b4")
		b1.CompetentDept, b1.MaxVisits = health, 2
		if _, err := f.s.SaveDraft(ctx, b.ID, b1, ""); err != nil {
			t.Fatal(err)
		}
		f.publish(t, b.ID, "2026-03-02")
		f1 := f.spec("丙即办", 5, 0, "f1")
		f1.Kind = catalog.KindInstant
		if _, err := f.s.SaveDraft(ctx, fi.ID, f1, ""); err != nil {
			t.Fatal(err)
		}
		f.publish(t, fi.ID, "2026-03-02")
		c := f.create(t, f.spec("丁新设", 10, 2, "c1", "c2"), city)
		f.publish(t, c.ID, "2026-03-02")
		if _, err := f.s.SetStatus(ctx, gone.ID, catalog.StatusRetired); err != nil {
			t.Fatal(err)
		}
		// Powers: two transfers at the city, one delegation to the zone.
		u := func(k string) string { return f.units[k].ID }
		for _, e := range []catalog.PowerEvent{
			{BaseCode: a.BaseCode, RegionCode: city, Kind: catalog.PowerInitial, ToUnit: amr, EffectiveFrom: workday.MustDate("2015-01-01")},
			{BaseCode: a.BaseCode, RegionCode: city, Kind: catalog.PowerTransfer, FromUnit: amr, ToUnit: u("city.bureau"), EffectiveFrom: workday.MustDate("2019-03-01"), DocNo: "d1"},
			{BaseCode: a.BaseCode, RegionCode: hightech, Kind: catalog.PowerDelegate, FromUnit: u("city.bureau"), ToUnit: u("hightech.bureau"), EffectiveFrom: workday.MustDate("2021-07-01"), DocNo: "d2"},
			{BaseCode: b.BaseCode, RegionCode: city, Kind: catalog.PowerInitial, ToUnit: health, EffectiveFrom: workday.MustDate("2015-01-01")},
			{BaseCode: b.BaseCode, RegionCode: city, Kind: catalog.PowerTransfer, FromUnit: health, ToUnit: u("city.bureau"), EffectiveFrom: workday.MustDate("2019-03-01"), DocNo: "d1"},
		} {
			if _, err := f.s.RecordPower(ctx, e); err != nil {
				t.Fatal(err, catalog.ProblemsOf(err))
			}
		}

		st, err := f.s.Stats(as(clerk), workday.MustDate("2019-01-01"), workday.MustDate("2026-03-02"))
		if err != nil {
			t.Fatal(err)
		}
		rate := func(name string, got catalog.Rate, num, den int64, pct float64) {
			t.Helper()
			if got.Num != num || got.Den != den || got.Percent != pct {
				t.Errorf("%s = %d/%d (%v%%), want %d/%d (%v%%)", name, got.Num, got.Den, got.Percent, num, den, pct)
			}
		}
		byName := map[string]catalog.ItemReform{}
		for _, r := range st.Items {
			byName[r.Name] = r
		}
		if len(st.Items) != 4 {
			t.Fatalf("items = %+v", st.Items)
		}
		rate("甲 materials", byName["甲许可"].MaterialsCut, 2, 5, 40)
		rate("甲 time", byName["甲许可"].TimeCut, 15, 20, 75)
		rate("乙 materials", byName["乙许可"].MaterialsCut, 0, 4, 0)
		rate("乙 time", byName["乙许可"].TimeCut, 20, 30, 66.7)
		rate("丙 materials", byName["丙即办"].MaterialsCut, 1, 2, 50)
		rate("丙 time", byName["丙即办"].TimeCut, 5, 5, 100)
		rate("丁 time", byName["丁新设"].TimeCut, 8, 10, 80)
		if byName["丁新设"].BaselineVersion != 0 {
			t.Errorf("丁 has a baseline")
		}
		var amrSum, healthSum catalog.ReformSum
		for _, s := range st.Depts {
			switch s.DeptID {
			case amr:
				amrSum = s
			case health:
				healthSum = s
			}
		}
		if amrSum.Items != 2 || amrSum.NewItems != 1 {
			t.Errorf("amr = %+v", amrSum)
		}
		rate("amr materials", amrSum.MaterialsCut, 3, 7, 42.9)
		rate("amr time", amrSum.TimeCut, 20, 25, 80)
		rate("amr promised", amrSum.PromisedCut, 20, 25, 80)
		rate("health time", healthSum.TimeCut, 20, 30, 66.7)
		rate("overall materials", st.Overall.MaterialsCut, 3, 11, 27.3)
		rate("overall time", st.Overall.TimeCut, 40, 55, 72.7)
		rate("overall promised", st.Overall.PromisedCut, 40, 55, 72.7)
		rate("instant", st.Instant, 1, 4, 25)
		rate("online", st.Online, 1, 4, 25)
		rate("zero visits", st.ZeroVisit, 1, 4, 25)
		rate("one visit", st.OneVisit, 3, 4, 75)
		if len(st.Powers) != 2 || st.Powers[0] != (catalog.PowerCount{Level: "city", Transferred: 2}) ||
			st.Powers[1] != (catalog.PowerCount{Level: "county", Delegated: 1}) || st.DeptsMoved != 2 {
			t.Errorf("powers = %+v, departments moved %d", st.Powers, st.DeptsMoved)
		}
		// Before the transfers, nothing had moved.
		early, err := f.s.Stats(as(clerk), workday.MustDate("2018-06-01"), workday.MustDate("2019-02-28"))
		if err != nil || len(early.Powers) != 0 || early.DeptsMoved != 0 {
			t.Errorf("early = %+v, %v", early.Powers, err)
		}
	})
}
