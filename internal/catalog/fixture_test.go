package catalog_test

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"testing"
	"time"

	"onestamp/internal/catalog"
	"onestamp/internal/platform/audit"
	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/workday"
)

const (
	city     = "369900000000"
	donghu   = "369902000000"
	hightech = "369971000000"
)

func staff(id string, role auth.Role, region string) *auth.Viewer {
	return &auth.Viewer{Kind: auth.KindStaff, ID: id, Name: id, Role: role, Roles: []auth.Role{role}, RegionCode: region}
}

func as(v *auth.Viewer) context.Context { return auth.WithViewer(context.Background(), v) }

var (
	cityAdmin   = staff("admin-city", auth.Admin, city)
	countyAdmin = staff("admin-donghu", auth.Admin, donghu)
	clerk       = staff("clerk", auth.Clerk, city)
)

// testUnits mirrors the demo city's units by their demo keys.
func testUnits() (catalog.StaticUnits, map[string]catalog.Unit) {
	byKey := map[string]catalog.Unit{}
	add := func(key, name, kind, region string) {
		n := len(byKey) + 1
		byKey[key] = catalog.Unit{ID: fmt.Sprintf("u-%03d", n), Code: fmt.Sprintf("UNIT%03d", n), Name: name,
			NameEN: key, Kind: kind, RegionCode: region, Active: true}
	}
	add("city.bureau", "示范市行政审批局", "bureau", city)
	add("donghu.bureau", "东湖区行政审批局", "bureau", donghu)
	add("xishan.bureau", "西山区行政审批局", "bureau", "369903000000")
	add("qingchuan.bureau", "青川县行政审批局", "bureau", "369921000000")
	add("hightech.bureau", "示范高新技术产业开发区行政审批局", "bureau", hightech)
	for _, d := range [][2]string{{"dept.amr", "示范市市场监督管理局"}, {"dept.health", "示范市卫生健康委员会"},
		{"dept.transport", "示范市交通运输局"}, {"dept.housing", "示范市住房和城乡建设局"}, {"dept.land", "示范市自然资源和规划局"},
		{"dept.eco", "示范市生态环境局"}, {"dept.agri", "示范市农业农村局"}, {"dept.hrss", "示范市人力资源和社会保障局"},
		{"dept.commerce", "示范市商务局"}, {"dept.culture", "示范市文化广电旅游局"}, {"dept.police", "示范市公安局"},
		{"dept.emergency", "示范市应急管理局"}, {"dept.edu", "示范市教育局"}, {"dept.civil", "示范市民政局"},
		{"dept.water", "示范市水利局"}, {"dept.forestry", "示范市林业局"}, {"dept.tax", "国家税务总局示范市税务局"},
		{"dept.ndrc", "示范市发展和改革委员会"}} {
		add(d[0], d[1], "department", city)
	}
	for _, p := range [][2]string{{"partner.power", "国网示范供电公司"}, {"partner.water", "示范水务集团有限公司"},
		{"partner.gas", "示范燃气有限公司"}, {"partner.trademark", "示范市商标受理窗口"}} {
		add(p[0], p[1], "partner", city)
	}
	var all catalog.StaticUnits
	for _, u := range byKey {
		all = append(all, u)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ID < all[j].ID })
	return all, byKey
}

type fixture struct {
	s     *catalog.Service
	d     *db.DB
	units map[string]catalog.Unit
	now   time.Time
}

func newFixture(t testing.TB, d *db.DB) *fixture {
	t.Helper()
	all, byKey := testUnits()
	f := &fixture{d: d, units: byKey, now: time.Date(2026, 3, 2, 10, 0, 0, 0, workday.Shanghai)}
	f.s = catalog.New(catalog.Deps{DB: d, Audit: audit.New(d), Units: all, Logger: slog.New(slog.DiscardHandler)})
	f.s.SetClock(func() time.Time { return f.now })
	for _, c := range []catalog.CertType{{Code: "C-ID", Name: "居民身份证"}, {Code: "YYZZ", Name: "营业执照"},
		{Code: "SPJY", Name: "食品经营许可证"}} {
		if _, err := f.s.SaveCertType(as(cityAdmin), c); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// setDay moves the fixture's clock to a day.
func (f *fixture) setDay(s string) { f.now = workday.MustDate(s).Time(10 * time.Hour) }

// spec is a valid promised-limit licence of the market regulator.
func (f *fixture) spec(name string, statutory, promised int, materials ...string) catalog.Spec {
	sp := catalog.Spec{Name: name, Type: catalog.TypeLicence, PowerSource: catalog.SourceStatutory,
		CompetentDept: f.units["dept.amr"].ID, ImplAgency: catalog.Agency{Name: "示范市行政审批局"},
		Targets: []catalog.Target{catalog.TargetLegalPerson}, Kind: catalog.KindPromised,
		StatutoryWD: statutory, PromisedWD: promised, MaxVisits: 1, ResultType: catalog.ResultLicence}
	for _, m := range materials {
		sp.Materials = append(sp.Materials, catalog.Material{Name: m, Form: catalog.FormOriginal, Copies: 1,
			Source: catalog.SourceSelf, Required: true})
	}
	return sp
}

var codeSeq int

func (f *fixture) create(t testing.TB, sp catalog.Spec, region string) catalog.Item {
	t.Helper()
	codeSeq++
	base := fmt.Sprintf("0001%04d0000", codeSeq)
	it, _, err := f.s.CreateItem(as(cityAdmin), catalog.Item{Level: catalog.LevelMain, BaseCode: base,
		ImplCode: catalog.FormatImplCode(base, region, "11369900MB0000013X"), RegionCode: region}, sp, "")
	if err != nil {
		t.Fatalf("create %s: %v %v", sp.Name, err, catalog.ProblemsOf(err))
	}
	return it
}

func (f *fixture) publish(t testing.TB, id string, from string) catalog.ItemVersion {
	t.Helper()
	v, err := f.s.Publish(as(cityAdmin), id, catalog.PublishInput{EffectiveFrom: workday.MustDate(from)})
	if err != nil {
		t.Fatalf("publish: %v %v", err, catalog.ProblemsOf(err))
	}
	return v
}

func wantCode(t testing.TB, err error, code errs.Code, key string) {
	t.Helper()
	e := errs.As(err)
	if err == nil || e.Code != code || (key != "" && e.Key != key) {
		t.Fatalf("error = %v, want %s %s", err, code, key)
	}
}

func wantProblem(t testing.TB, err error, field, key string) {
	t.Helper()
	for _, p := range catalog.ProblemsOf(err) {
		if (field == "" || p.Field == field) && p.Key == key {
			return
		}
	}
	t.Fatalf("error %v: no problem %s %s", err, field, key)
}

func countAudit(t testing.TB, d *db.DB, action string) int {
	t.Helper()
	var n int
	if err := d.Read.QueryRow(`SELECT COUNT(*) FROM audit_records WHERE action = $1`, action).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

var _ = strings.Contains
