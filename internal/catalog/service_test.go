package catalog_test

import (
	"testing"

	"onestamp/internal/catalog"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/db/dbtest"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/workday"
)

func TestVersionsPinnedAtADate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := as(cityAdmin)
		it := f.create(t, f.spec("食品经营许可", 20, 10, "申请书", "营业执照", "场所证明", "布局图", "健康证明"), city)
		if it.Current != 0 || it.Draft != 1 {
			t.Fatalf("new item = %+v", it)
		}
		// Nothing is in force before the first publication.
		_, err := f.s.VersionAt(ctx, it.ID, workday.MustDate("2026-03-02"))
		wantCode(t, err, errs.NotFound, "catalog.version.none_in_force")
		v1 := f.publish(t, it.ID, "2026-03-02")
		if v1.Version != 1 || v1.Status != catalog.VersionPublished {
			t.Fatalf("v1 = %+v", v1)
		}

		// Editing makes a draft; promised above statutory is refused on save.
		bad := f.spec("食品经营许可", 20, 25, "申请书")
		_, err = f.s.SaveDraft(ctx, it.ID, bad, "")
		wantCode(t, err, errs.Invalid, catalog.KeyInvalid)
		wantProblem(t, err, "promised_wd", "catalog.v.promised_over_statutory")
		sp2 := f.spec("食品经营许可", 20, 5, "申请书", "营业执照", "场所证明")
		v2, err := f.s.SaveDraft(ctx, it.ID, sp2, "告知承诺后压减材料")
		if err != nil || v2.Version != 2 || v2.Status != catalog.VersionDraft {
			t.Fatalf("draft = %+v, %v", v2, err)
		}
		// A clerk reads but does not edit; a county admin does not edit the city's items.
		_, err = f.s.SaveDraft(as(clerk), it.ID, sp2, "")
		wantCode(t, err, errs.Forbidden, "")
		_, err = f.s.SaveDraft(as(countyAdmin), it.ID, sp2, "")
		wantCode(t, err, errs.Forbidden, "")

		// The draft is invisible to the public and the version in force stays v1.
		at, err := f.s.VersionAt(ctx, it.ID, workday.MustDate("2026-03-02"))
		if err != nil || at.Version != 1 || at.Spec.MaterialCount() != 5 {
			t.Fatalf("in force = v%d %d materials, %v", at.Version, at.Spec.MaterialCount(), err)
		}
		_, err = f.s.Version(t.Context(), it.ID, 2)
		wantCode(t, err, errs.NotFound, "")

		// A case accepted on 2026-03-20 pins v1 …
		pinned, err := f.s.Pin(ctx, it.ID, workday.MustDate("2026-03-20"))
		if err != nil || pinned.Version.Version != 1 {
			t.Fatalf("pinned = %+v, %v", pinned.Version.Version, err)
		}
		// … publication cannot start before today or before v1 …
		_, err = f.s.Publish(ctx, it.ID, catalog.PublishInput{EffectiveFrom: workday.MustDate("2026-03-01")})
		wantProblem(t, err, "effective_from", "catalog.v.effective_early")
		// … nor publish a draft other than the one reviewed.
		_, err = f.s.Publish(ctx, it.ID, catalog.PublishInput{Version: 3, EffectiveFrom: workday.MustDate("2026-04-01")})
		wantCode(t, err, errs.Conflict, "catalog.version.changed")
		v2p, err := f.s.Publish(ctx, it.ID, catalog.PublishInput{Version: 2, EffectiveFrom: workday.MustDate("2026-04-01")})
		if err != nil || v2p.EffectiveFrom != workday.MustDate("2026-04-01") {
			t.Fatalf("publish v2 = %+v, %v", v2p, err)
		}

		// The case-shaped reader: by its pinned version it still sees v1, by date it sees what
		// was in force then.
		again, err := f.s.Version(t.Context(), it.ID, pinned.Version.Version)
		if err != nil || again.Spec.MaterialCount() != 5 || again.Spec.PromisedWD != 10 {
			t.Fatalf("pinned version reread = %+v, %v", again.Spec, err)
		}
		if again.EffectiveTo != workday.MustDate("2026-03-31") {
			t.Fatalf("v1 effective to %s", again.EffectiveTo)
		}
		for day, want := range map[string]int{"2026-03-02": 1, "2026-03-31": 1, "2026-04-01": 2, "2027-01-01": 2} {
			v, err := f.s.VersionAt(t.Context(), it.ID, workday.MustDate(day))
			if err != nil || v.Version != want {
				t.Errorf("VersionAt(%s) = v%d, %v; want v%d", day, v.Version, err, want)
			}
			if !v.InForce(workday.MustDate(day)) {
				t.Errorf("v%d not in force on %s", v.Version, day)
			}
		}
		// A new draft cannot take effect before the version it replaces.
		if _, err := f.s.SaveDraft(ctx, it.ID, sp2, "again"); err != nil {
			t.Fatal(err)
		}
		_, err = f.s.Publish(ctx, it.ID, catalog.PublishInput{EffectiveFrom: workday.MustDate("2026-03-20")})
		wantProblem(t, err, "effective_from", "catalog.v.effective_early")
		if err := f.s.DiscardDraft(ctx, it.ID); err != nil {
			t.Fatal(err)
		}

		// The diff says what changed.
		changes, err := f.s.DiffVersions(as(clerk), it.ID, 1, 2)
		if err != nil {
			t.Fatal(err)
		}
		paths := map[string]catalog.Change{}
		for _, c := range changes {
			paths[c.Path] = c
		}
		if c := paths["promised_wd"]; c.Before != "10" || c.After != "5" {
			t.Fatalf("promised change = %+v in %+v", c, changes)
		}
		if c := paths["materials[3].name"]; c.Before != "布局图" || c.After != "" {
			t.Fatalf("material change = %+v", c)
		}
		vs, err := f.s.Versions(as(clerk), it.ID)
		if err != nil || len(vs) != 2 || vs[0].EffectiveTo.String() != "2026-03-31" || !vs[1].EffectiveTo.IsZero() {
			t.Fatalf("versions = %+v, %v", vs, err)
		}
		// Every change is audited.
		for action, want := range map[string]int{"catalog.item.create": 1, "catalog.item.draft": 2,
			"catalog.item.publish": 2, "catalog.item.discard": 1} {
			if n := countAudit(t, d, action); n != want {
				t.Errorf("%s audited %d times, want %d", action, n, want)
			}
		}
	})
}

func TestDeciderAcrossTransferDates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := as(cityAdmin)
		it := f.create(t, f.spec("公共场所卫生许可", 20, 5, "申请书"), city)
		u := func(k string) string { return f.units[k].ID }
		rec := func(e catalog.PowerEvent) error {
			_, err := f.s.RecordPower(ctx, e)
			return err
		}
		must := func(e catalog.PowerEvent) {
			t.Helper()
			if err := rec(e); err != nil {
				t.Fatalf("%+v: %v %v", e, err, catalog.ProblemsOf(err))
			}
		}
		date := workday.MustDate
		must(catalog.PowerEvent{BaseCode: it.BaseCode, RegionCode: city, Kind: catalog.PowerInitial,
			ToUnit: u("dept.health"), EffectiveFrom: date("2015-01-01")})
		must(catalog.PowerEvent{BaseCode: it.BaseCode, RegionCode: city, Kind: catalog.PowerTransfer,
			FromUnit: u("dept.health"), ToUnit: u("city.bureau"), EffectiveFrom: date("2019-03-01"), DocNo: "示政发〔2019〕5号"})
		// Bad events: out of order, the wrong previous holder, a transfer to a department.
		err := rec(catalog.PowerEvent{BaseCode: it.BaseCode, RegionCode: city, Kind: catalog.PowerTransfer,
			FromUnit: u("dept.health"), ToUnit: u("city.bureau"), EffectiveFrom: date("2018-01-01"), DocNo: "x"})
		wantProblem(t, err, "effective_from", "catalog.power.out_of_order")
		err = rec(catalog.PowerEvent{BaseCode: it.BaseCode, RegionCode: hightech, Kind: catalog.PowerDelegate,
			FromUnit: u("dept.health"), ToUnit: u("hightech.bureau"), EffectiveFrom: date("2021-07-01"), DocNo: "x"})
		wantProblem(t, err, "from_unit", "catalog.power.from_mismatch")
		err = rec(catalog.PowerEvent{BaseCode: it.BaseCode, RegionCode: city, Kind: catalog.PowerTransfer,
			FromUnit: u("city.bureau"), ToUnit: u("dept.amr"), EffectiveFrom: date("2020-01-01"), DocNo: "x"})
		wantProblem(t, err, "to_unit", "catalog.power.transfer_to_bureau")
		// A county admin records nothing for the city.
		_, err = f.s.RecordPower(as(countyAdmin), catalog.PowerEvent{BaseCode: it.BaseCode, RegionCode: city,
			Kind: catalog.PowerReturn, FromUnit: u("city.bureau"), ToUnit: u("dept.health"), EffectiveFrom: date("2026-01-01"), DocNo: "x"})
		wantCode(t, err, errs.Forbidden, "")

		must(catalog.PowerEvent{BaseCode: it.BaseCode, RegionCode: hightech, Kind: catalog.PowerDelegate,
			FromUnit: u("city.bureau"), ToUnit: u("hightech.bureau"), EffectiveFrom: date("2021-07-01"), DocNo: "示政发〔2021〕12号"})
		must(catalog.PowerEvent{BaseCode: it.BaseCode, RegionCode: hightech, Kind: catalog.PowerReturn,
			FromUnit: u("hightech.bureau"), ToUnit: u("city.bureau"), EffectiveFrom: date("2024-01-01"), DocNo: "示政发〔2023〕30号"})

		cases := []struct {
			code, region, day, want string
		}{
			{it.BaseCode, city, "2019-02-28", "dept.health"},
			{it.BaseCode, city, "2019-03-01", "city.bureau"},
			{it.Code, city, "2019-03-01", "city.bureau"},               // by the item's own code
			{it.BaseCode, donghu, "2020-06-01", "city.bureau"},         // a county falls back to the city
			{it.BaseCode, "369902001000", "2018-06-01", "dept.health"}, // a township too
			{it.BaseCode, hightech, "2021-06-30", "city.bureau"},
			{it.BaseCode, hightech, "2021-07-01", "hightech.bureau"},
			{it.BaseCode, hightech, "2023-12-31", "hightech.bureau"},
			{it.BaseCode, hightech, "2024-01-01", "city.bureau"},
		}
		for _, c := range cases {
			unit, ev, err := f.s.Decider(t.Context(), c.code, c.region, date(c.day))
			if err != nil || unit != u(c.want) || ev.ToUnit != unit {
				t.Errorf("Decider(%s, %s, %s) = %s (%s), %v; want %s", c.code, c.region, c.day, unit, ev.Kind, err, c.want)
			}
		}
		_, _, err = f.s.Decider(t.Context(), it.BaseCode, city, date("2014-12-31"))
		wantCode(t, err, errs.NotFound, "catalog.power.no_holder")
		_, _, err = f.s.Decider(t.Context(), it.BaseCode, "bad", date("2020-01-01"))
		wantCode(t, err, errs.Invalid, "")
		if n := countAudit(t, d, "catalog.power.delegate"); n != 1 {
			t.Fatalf("delegations audited %d", n)
		}
	})
}
