package org_test

import (
	"context"
	"testing"

	"onestamp/internal/org"
	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/db/dbtest"
	"onestamp/internal/platform/errs"
)

func TestCreateEditAndRead(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		s := f.s
		ctx := as(cityAdmin)

		got, err := s.Unit(as(clerkA), f.hallA.ID)
		if err != nil || got.Name != "东湖区政务服务中心" || !got.Active || got.RegionCode != countyA {
			t.Fatalf("hall as county clerk = %+v, %v", got, err)
		}

		// Edit: names and parent change, the change is audited with before and after.
		before := countAudit(t, d, "org.unit.update")
		u := f.dept
		u.Name, u.NameEN, u.Phone = "示范市市场监管局", "Shifan Market Regulation Administration", "0799-1234567"
		upd, err := s.UpdateUnit(ctx, f.dept.ID, u)
		if err != nil {
			t.Fatal(err)
		}
		if upd.Name != "示范市市场监管局" || upd.Phone != "0799-1234567" || !upd.CreatedAt.Equal(f.dept.CreatedAt) {
			t.Fatalf("updated = %+v", upd)
		}
		if n := countAudit(t, d, "org.unit.update"); n != before+1 {
			t.Fatalf("update audits = %d, want %d", n, before+1)
		}
		// An update that changes nothing writes no audit record.
		if _, err := s.UpdateUnit(ctx, f.dept.ID, upd); err != nil {
			t.Fatal(err)
		}
		if n := countAudit(t, d, "org.unit.update"); n != before+1 {
			t.Fatalf("no-op update audited: %d", n)
		}
		if n := countAudit(t, d, "org.unit.create"); n != 6 {
			t.Fatalf("create audits = %d, want 6", n)
		}

		// The kind of a unit is fixed.
		u.Kind = org.UnitPartner
		_, err = s.UpdateUnit(ctx, f.dept.ID, u)
		wantCode(t, err, errs.Invalid, "org.unit.kind_fixed")

		// Queries: by region and kind, the chain of parents, the windows of a hall.
		bureaus, err := s.Units(ctx, org.UnitFilter{Kind: org.UnitBureau})
		if err != nil || len(bureaus) != 3 {
			t.Fatalf("bureaus = %d, %v", len(bureaus), err)
		}
		inA, err := s.Units(ctx, org.UnitFilter{Region: countyA})
		if err != nil || len(inA) != 2 || inA[0].Kind != org.UnitBureau {
			t.Fatalf("units of county A = %+v, %v", inA, err)
		}
		found, err := s.Units(ctx, org.UnitFilter{Query: "市场"})
		if err != nil || len(found) != 1 || found[0].ID != f.dept.ID {
			t.Fatalf("search = %+v, %v", found, err)
		}
		chain, err := s.Chain(as(clerkA), f.hallA.ID)
		if err != nil || len(chain) != 3 || chain[1].ID != f.bureauA.ID || chain[2].ID != f.cityBureau.ID {
			t.Fatalf("chain = %+v, %v", chain, err)
		}
		ws, err := s.Windows(as(clerkA), f.hallA.ID, false)
		if err != nil || len(ws) != 2 || ws[0].Number != "A01" || ws[1].UnitID != f.dept.ID {
			t.Fatalf("windows = %+v, %v", ws, err)
		}
		tree, err := s.Tree(ctx, false)
		if err != nil || len(tree) != 1 || tree[0].Code != city || len(tree[0].Children) != 3 {
			t.Fatalf("tree = %+v, %v", tree, err)
		}

		// Window numbers are unique among a hall's active windows.
		_, err = s.CreateWindow(as(adminA), f.hallA.ID, org.Window{Number: "a01", Type: org.WindowTalent})
		wantCode(t, err, errs.Conflict, "org.window.number_taken")
		// A window needs a hall.
		_, err = s.CreateWindow(ctx, f.dept.ID, org.Window{Number: "1", Type: org.WindowTalent})
		wantCode(t, err, errs.Invalid, "org.window.not_hall")
		w := f.win1
		w.Type, w.Name = org.WindowCityWide, "全市通办"
		if w, err = s.UpdateWindow(as(adminA), f.win1.ID, w); err != nil || w.Type != org.WindowCityWide {
			t.Fatalf("update window = %+v, %v", w, err)
		}

		// Jurisdictions: names change, codes and parents do not.
		j, err := s.UpdateJurisdiction(ctx, countyB, org.Jurisdiction{Name: "西山市", Kind: org.JurCounty})
		if err != nil || j.Name != "西山市" || j.ParentCode != city {
			t.Fatalf("rename county = %+v, %v", j, err)
		}
		_, err = s.UpdateJurisdiction(ctx, countyB, org.Jurisdiction{Name: "西山", Kind: org.JurCounty, ParentCode: countyA})
		wantCode(t, err, errs.Invalid, "org.jurisdiction.parent_fixed")
		_, err = s.UpdateJurisdiction(ctx, countyB, org.Jurisdiction{Name: "西山", Kind: org.JurCity})
		wantCode(t, err, errs.Invalid, "org.jurisdiction.level")
	})
}

func TestCreateRejectsBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := as(cityAdmin)
		cases := []struct {
			name     string
			u        org.Unit
			code     errs.Code
			key, fld string
		}{
			{"no name", org.Unit{Code: uscc(t, "11", "369900", "MB000050"), Kind: org.UnitDepartment, RegionCode: city}, errs.Invalid, "org.name.required", "name"},
			{"malformed uscc", org.Unit{Code: "12345", Name: "x", Kind: org.UnitDepartment, RegionCode: city}, errs.Invalid, "org.code.uscc", "code"},
			{"bad region", org.Unit{Code: uscc(t, "11", "369900", "MB000050"), Name: "x", Kind: org.UnitDepartment, RegionCode: "369900"}, errs.Invalid, "org.region.format", "region_code"},
			{"unknown region", org.Unit{Code: uscc(t, "11", "369900", "MB000050"), Name: "x", Kind: org.UnitDepartment, RegionCode: "369903000000"}, errs.Invalid, "org.region.unknown", "region_code"},
			{"code taken", org.Unit{Code: f.dept.Code, Name: "x", Kind: org.UnitDepartment, RegionCode: city}, errs.Conflict, "org.unit.code_taken", "code"},
			{"second bureau", org.Unit{Code: uscc(t, "11", "369901", "MB000060"), Name: "x", Kind: org.UnitBureau, RegionCode: countyA}, errs.Conflict, "org.unit.bureau_exists", "region_code"},
			{"unknown parent", org.Unit{Code: uscc(t, "11", "369900", "MB000050"), Name: "x", Kind: org.UnitDepartment, RegionCode: city, ParentID: db.NewID()}, errs.Invalid, "org.parent.unknown", "parent_id"},
			{"parent below", org.Unit{Code: uscc(t, "11", "369900", "MB000050"), Name: "x", Kind: org.UnitDepartment, RegionCode: city, ParentID: f.bureauA.ID}, errs.Invalid, "org.parent.below", "parent_id"},
			{"bad kind", org.Unit{Code: uscc(t, "11", "369900", "MB000050"), Name: "x", Kind: "office", RegionCode: city}, errs.Invalid, "org.kind.invalid", "kind"},
			{"hall code", org.Unit{Code: "大厅", Name: "x", Kind: org.UnitHall, RegionCode: city}, errs.Invalid, "org.code.hall_format", "code"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				_, err := f.s.CreateUnit(ctx, c.u)
				wantCode(t, err, c.code, c.key)
				if e := errs.As(err); e.Field != c.fld {
					t.Fatalf("field = %q, want %q", e.Field, c.fld)
				}
			})
		}
		// A pilot-era code whose checksum fails is accepted (DOMAIN §11: warn, don't reject).
		if _, err := f.s.CreateUnit(ctx, org.Unit{Code: "91350100M0001TGQXM", Name: "试点企业", Kind: org.UnitPartner, RegionCode: city}); err != nil {
			t.Fatalf("pilot code refused: %v", err)
		}
		// A loop in the parents is refused.
		dept := f.dept
		dept.ParentID = f.cityBureau.ID
		if _, err := f.s.UpdateUnit(ctx, f.dept.ID, dept); err != nil {
			t.Fatal(err)
		}
		b := f.cityBureau
		b.ParentID = f.dept.ID
		_, err := f.s.UpdateUnit(ctx, f.cityBureau.ID, b)
		wantCode(t, err, errs.Invalid, "org.parent.cycle")
		// Jurisdictions: a county code under another county, a code that is not a region code.
		_, err = f.s.CreateJurisdiction(ctx, org.Jurisdiction{Code: "369903000000", Name: "x", Kind: org.JurCounty, ParentCode: countyA})
		wantCode(t, err, errs.Invalid, "org.jurisdiction.outside_parent")
		_, err = f.s.CreateJurisdiction(ctx, org.Jurisdiction{Code: "369900001000", Name: "x", Kind: org.JurCounty, ParentCode: city})
		wantCode(t, err, errs.Invalid, "org.region.format")
		_, err = f.s.CreateJurisdiction(ctx, org.Jurisdiction{Code: countyA, Name: "x", Kind: org.JurCounty, ParentCode: city})
		wantCode(t, err, errs.Conflict, "org.jurisdiction.exists")
	})
}

func TestDeactivateInsteadOfDelete(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		s := f.s
		ctx := as(cityAdmin)

		// A unit with active children stays.
		_, err := s.DeactivateUnit(ctx, f.bureauA.ID)
		wantCode(t, err, errs.Conflict, "org.unit.has_children")

		// A hall goes with its windows; both stay readable.
		hall, err := s.DeactivateUnit(ctx, f.hallA.ID)
		if err != nil || hall.Active || hall.DeactivatedAt.IsZero() {
			t.Fatalf("deactivate hall = %+v, %v", hall, err)
		}
		got, err := s.Unit(ctx, f.hallA.ID)
		if err != nil || got.Active {
			t.Fatalf("deactivated hall read = %+v, %v", got, err)
		}
		ws, err := s.Windows(ctx, f.hallA.ID, false)
		if err != nil || len(ws) != 0 {
			t.Fatalf("active windows of a closed hall = %+v, %v", ws, err)
		}
		ws, err = s.Windows(ctx, f.hallA.ID, true)
		if err != nil || len(ws) != 2 || ws[0].Active {
			t.Fatalf("all windows of a closed hall = %+v, %v", ws, err)
		}
		inA, _ := s.Units(ctx, org.UnitFilter{Region: countyA})
		allA, _ := s.Units(ctx, org.UnitFilter{Region: countyA, Inactive: true})
		if len(inA) != 1 || len(allA) != 2 {
			t.Fatalf("lists after deactivation: active %d, all %d", len(inA), len(allA))
		}
		var n int
		if err := d.Read.QueryRow("SELECT COUNT(*) FROM org_units").Scan(&n); err != nil || n != 6 {
			t.Fatalf("units in table = %d, %v", n, err)
		}
		if countAudit(t, d, "org.unit.deactivate") != 1 {
			t.Fatal("deactivation not audited")
		}
		// Deactivating twice changes nothing.
		if _, err := s.DeactivateUnit(ctx, f.hallA.ID); err != nil || countAudit(t, d, "org.unit.deactivate") != 1 {
			t.Fatalf("second deactivation: %v", err)
		}
		// No window opens in a closed hall.
		_, err = s.ReactivateWindow(ctx, f.win1.ID)
		wantCode(t, err, errs.Conflict, "org.unit.inactive")

		// The jurisdiction cannot close while a unit in it is active.
		_, err = s.DeactivateJurisdiction(ctx, countyA)
		wantCode(t, err, errs.Conflict, "org.jurisdiction.in_use")
		if _, err := s.DeactivateUnit(ctx, f.bureauA.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DeactivateJurisdiction(ctx, countyA); err != nil {
			t.Fatal(err)
		}
		// Nothing new in a closed jurisdiction, and a unit comes back only with it.
		_, err = s.CreateUnit(ctx, org.Unit{Code: "HALL-NEW", Name: "新大厅", Kind: org.UnitHall, RegionCode: countyA})
		wantCode(t, err, errs.Invalid, "org.region.inactive")
		_, err = s.ReactivateUnit(ctx, f.bureauA.ID)
		wantCode(t, err, errs.Conflict, "org.region.inactive")
		if _, err := s.ReactivateJurisdiction(ctx, countyA); err != nil {
			t.Fatal(err)
		}
		if u, err := s.ReactivateUnit(ctx, f.bureauA.ID); err != nil || !u.Active {
			t.Fatalf("reactivate = %+v, %v", u, err)
		}
		if _, err := s.ReactivateUnit(ctx, f.hallA.ID); err != nil {
			t.Fatal(err)
		}
		// The number of a retired window can be given to a new one; the old one then cannot
		// come back under it.
		if _, err := s.CreateWindow(ctx, f.hallA.ID, org.Window{Number: "A01", Type: org.WindowHardCase}); err != nil {
			t.Fatal(err)
		}
		_, err = s.ReactivateWindow(ctx, f.win1.ID)
		wantCode(t, err, errs.Conflict, "org.window.number_taken")
		if w, err := s.ReactivateWindow(ctx, f.win2.ID); err != nil || !w.Active {
			t.Fatalf("reactivate window = %+v, %v", w, err)
		}
	})
}

func TestScope(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		s := f.s
		a := as(adminA)

		// County A's admin does not learn that county B's units exist.
		_, err := s.Unit(a, f.hallB.ID)
		wantCode(t, err, errs.NotFound, "org.unit.not_found")
		_, err = s.UpdateUnit(a, f.hallB.ID, f.hallB)
		wantCode(t, err, errs.NotFound, "org.unit.not_found")
		_, err = s.DeactivateUnit(a, f.hallB.ID)
		wantCode(t, err, errs.NotFound, "org.unit.not_found")
		_, err = s.Windows(a, f.hallB.ID, false)
		wantCode(t, err, errs.NotFound, "")
		_, err = s.CreateWindow(a, f.hallB.ID, org.Window{Number: "9", Type: org.WindowTalent})
		wantCode(t, err, errs.NotFound, "")
		_, err = s.Jurisdiction(a, countyB)
		wantCode(t, err, errs.NotFound, "")
		_, err = s.UpdateJurisdiction(a, countyB, org.Jurisdiction{Name: "x", Kind: org.JurCounty})
		wantCode(t, err, errs.NotFound, "")
		_, err = s.CreateUnit(a, org.Unit{Code: "HALL-X", Name: "x", Kind: org.UnitHall, RegionCode: countyB})
		wantCode(t, err, errs.Invalid, "org.region.unknown")
		// A unit that does not exist at all answers the same.
		_, err = s.Unit(a, db.NewID())
		wantCode(t, err, errs.NotFound, "org.unit.not_found")

		// The city and its bureau are visible from the county, but not the county admin's to change.
		if _, err := s.Unit(a, f.cityBureau.ID); err != nil {
			t.Fatalf("city bureau from county: %v", err)
		}
		_, err = s.UpdateUnit(a, f.cityBureau.ID, f.cityBureau)
		wantCode(t, err, errs.Forbidden, "")
		_, err = s.CreateUnit(a, org.Unit{Code: "HALL-X", Name: "x", Kind: org.UnitHall, RegionCode: city})
		wantCode(t, err, errs.Forbidden, "")
		_, err = s.CreateJurisdiction(a, org.Jurisdiction{Code: "369903000000", Name: "x", Kind: org.JurCounty, ParentCode: city})
		wantCode(t, err, errs.Forbidden, "")
		// Inside the county, the county admin may.
		if _, err := s.CreateJurisdiction(a, org.Jurisdiction{Code: "369901001000", Name: "东湖街道", Kind: org.JurTownship, ParentCode: countyA}); err != nil {
			t.Fatal(err)
		}

		// Lists and the tree hold only what the viewer may see.
		us, err := s.Units(a, org.UnitFilter{Inactive: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range us {
			if u.RegionCode == countyB {
				t.Fatalf("county B unit %s listed for county A", u.Name)
			}
		}
		if len(us) != 4 { // city bureau, department, bureau A, hall A
			t.Fatalf("county A sees %d units", len(us))
		}
		tree, err := s.Tree(a, true)
		if err != nil || len(tree) != 1 || len(tree[0].Children) != 1 || tree[0].Children[0].Code != countyA ||
			len(tree[0].Children[0].Children) != 1 {
			t.Fatalf("tree for county A = %+v, %v", tree, err)
		}

		// Roles: staff read, only admins change, outsiders and anonymous callers get nothing.
		if _, err := s.Units(as(clerkA), org.UnitFilter{}); err != nil {
			t.Fatalf("clerk read: %v", err)
		}
		_, err = s.UpdateUnit(as(clerkA), f.hallA.ID, f.hallA)
		wantCode(t, err, errs.Forbidden, "")
		_, err = s.Units(as(staff("bank-1", auth.Bank, countyA)), org.UnitFilter{})
		wantCode(t, err, errs.Forbidden, "")
		app := &auth.Viewer{Kind: auth.KindApplicant, ID: "app-1", Role: auth.Applicant, Roles: []auth.Role{auth.Applicant}}
		_, err = s.Unit(as(app), f.hallA.ID)
		wantCode(t, err, errs.Forbidden, "")
		_, err = s.Unit(context.Background(), f.hallA.ID)
		wantCode(t, err, errs.Unauthenticated, "")

		// The directory applies the scope it is given; a job reads everything.
		if _, err := s.Directory().Unit(context.Background(), auth.SystemScope(), f.hallB.ID); err != nil {
			t.Fatal(err)
		}
		_, err = s.Directory().Unit(context.Background(), auth.Scope{}, f.hallB.ID)
		wantCode(t, err, errs.NotFound, "")
	})
}
