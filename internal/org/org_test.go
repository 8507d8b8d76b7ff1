package org_test

import (
	"context"
	"testing"

	"onestamp/internal/org"
	"onestamp/internal/platform/audit"
	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/ident"
)

const (
	city    = "369900000000"
	countyA = "369901000000"
	countyB = "369902000000"
	zone    = "369971000000"
)

func staff(id string, role auth.Role, region string) *auth.Viewer {
	return &auth.Viewer{Kind: auth.KindStaff, ID: id, Name: id, Role: role, Roles: []auth.Role{role}, RegionCode: region}
}

func as(v *auth.Viewer) context.Context { return auth.WithViewer(context.Background(), v) }

var (
	cityAdmin = staff("admin-city", auth.Admin, city)
	adminA    = staff("admin-a", auth.Admin, countyA)
	clerkA    = staff("clerk-a", auth.Clerk, countyA)
)

// fixture is a small city: two counties and a zone, a bureau in the city and in each county, a
// department, a hall in county A with two windows.
type fixture struct {
	s                            *org.Service
	d                            *db.DB
	cityBureau, bureauA, bureauB org.Unit
	dept, hallA, hallB           org.Unit
	win1, win2                   org.Window
}

func setup(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	s := org.NewService(d, audit.New(d))
	ctx := as(cityAdmin)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := s.CreateJurisdiction(ctx, org.Jurisdiction{Code: city, Name: "示范市", NameEN: "Shifan", Kind: org.JurCity})
	must(err)
	for _, j := range []org.Jurisdiction{
		{Code: countyA, Name: "东湖区", Kind: org.JurDistrict, ParentCode: city},
		{Code: countyB, Name: "西山县", Kind: org.JurCounty, ParentCode: city},
		{Code: zone, Name: "示范高新技术产业开发区", Kind: org.JurZone, ParentCode: city},
	} {
		_, err := s.CreateJurisdiction(ctx, j)
		must(err)
	}
	f := &fixture{s: s, d: d}
	unit := func(ctx context.Context, u org.Unit) org.Unit {
		t.Helper()
		out, err := s.CreateUnit(ctx, u)
		must(err)
		return out
	}
	f.cityBureau = unit(ctx, org.Unit{Code: uscc(t, "11", "369900", "MB000010"), Name: "示范市行政审批局", Kind: org.UnitBureau, RegionCode: city})
	f.bureauA = unit(ctx, org.Unit{Code: uscc(t, "11", "369901", "MB000020"), Name: "东湖区行政审批局", Kind: org.UnitBureau, RegionCode: countyA, ParentID: f.cityBureau.ID})
	f.bureauB = unit(ctx, org.Unit{Code: uscc(t, "11", "369902", "MB000030"), Name: "西山县行政审批局", Kind: org.UnitBureau, RegionCode: countyB, ParentID: f.cityBureau.ID})
	f.dept = unit(ctx, org.Unit{Code: uscc(t, "11", "369900", "MB000040"), Name: "示范市市场监督管理局", Kind: org.UnitDepartment, RegionCode: city})
	// The county admin sets up their own hall.
	f.hallA = unit(as(adminA), org.Unit{Code: "HALL-369901", Name: "东湖区政务服务中心", Kind: org.UnitHall, RegionCode: countyA, ParentID: f.bureauA.ID})
	f.hallB = unit(ctx, org.Unit{Code: "HALL-369902", Name: "西山县政务服务中心", Kind: org.UnitHall, RegionCode: countyB, ParentID: f.bureauB.ID})
	f.win1, err = s.CreateWindow(as(adminA), f.hallA.ID, org.Window{Number: "A01", Type: org.WindowComprehensive, Name: "综合受理"})
	must(err)
	f.win2, err = s.CreateWindow(as(adminA), f.hallA.ID, org.Window{Number: "A02", Type: org.WindowSpecialised, UnitID: f.dept.ID})
	must(err)
	return f
}

// uscc returns a well-formed 统一社会信用代码 with both check characters right: authority and
// category ("11"), 6-digit region, and an 8-character organisation code body.
func uscc(t testing.TB, head, region, body string) string {
	t.Helper()
	weights := []int{3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, c := range body {
		v := int(c - '0')
		if c >= 'A' {
			v = int(c-'A') + 10
		}
		sum += v * weights[i]
	}
	var oc byte
	switch d := 11 - sum%11; d {
	case 10:
		oc = 'X'
	case 11:
		oc = '0'
	default:
		oc = byte('0' + d)
	}
	first17 := head + region + body + string(oc)
	c, ok := ident.USCCCheckChar(first17)
	if !ok {
		t.Fatalf("bad uscc body %s", first17)
	}
	return first17 + string(c)
}

func wantCode(t *testing.T, err error, code errs.Code, key string) {
	t.Helper()
	if errs.CodeOf(err) != code {
		t.Fatalf("want %s, got %v", code, err)
	}
	if key != "" && errs.As(err).Key != key {
		t.Fatalf("want key %s, got %v", key, err)
	}
}

func countAudit(t *testing.T, d *db.DB, action string) int {
	t.Helper()
	var n int
	if err := d.Read.QueryRow("SELECT COUNT(*) FROM audit_records WHERE action = $1", action).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
