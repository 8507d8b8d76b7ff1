package org_test

import (
	"bytes"
	"fmt"
	"reflect"
	"testing"

	"github.com/xuri/excelize/v2"

	"onestamp/internal/org"
	"onestamp/internal/platform/audit"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/db/dbtest"
	"onestamp/internal/platform/errs"
)

// fresh returns another empty database on the same engine as d.
func fresh(t *testing.T, d *db.DB) *db.DB {
	if d.Engine == db.Postgres {
		return dbtest.Postgres(t)
	}
	return dbtest.SQLite(t)
}

// sheets reads every sheet of a workbook as rows of cells.
func sheets(t *testing.T, data []byte) map[string][][]string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][][]string{}
	for _, name := range f.GetSheetList() {
		rows, err := f.GetRows(name)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = rows
	}
	return out
}

func count(t *testing.T, d *db.DB, table string) int {
	t.Helper()
	var n int
	if err := d.Read.QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestExportImportRoundTrip(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := as(cityAdmin)
		if _, err := f.s.DeactivateWindow(ctx, f.win2.ID); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := f.s.Export(ctx, &out); err != nil {
			t.Fatal(err)
		}
		first := out.Bytes()

		d2 := fresh(t, d)
		s2 := org.NewService(d2, audit.New(d2))
		plan, err := s2.PlanImport(ctx, first)
		if err != nil || !plan.OK() {
			t.Fatalf("plan: %v %+v", err, plan.Problems)
		}
		if len(plan.Jurisdictions) != 4 || len(plan.Units) != 6 || len(plan.Windows) != 2 {
			t.Fatalf("plan counts %d/%d/%d", len(plan.Jurisdictions), len(plan.Units), len(plan.Windows))
		}
		if count(t, d2, "org_units") != 0 {
			t.Fatal("the preview wrote units")
		}
		if _, err := s2.Import(ctx, first); err != nil {
			t.Fatal(err)
		}
		if countAudit(t, d2, "org.import") != 1 {
			t.Fatal("import not audited")
		}

		// The second database exports what the first did.
		var again bytes.Buffer
		if err := s2.Export(ctx, &again); err != nil {
			t.Fatal(err)
		}
		a, b := sheets(t, first), sheets(t, again.Bytes())
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("round trip differs:\n%v\n%v", a, b)
		}
		if len(a["单位"]) != 7 || len(a["窗口"]) != 3 || a["窗口"][2][6] != "否" {
			t.Fatalf("exported sheets = %v", a)
		}
		// Links survive: the hall's chain and its stationed unit.
		hall, err := s2.Directory().UnitByCode(ctx, org.ReadScope(cityAdmin), "HALL-369901")
		if err != nil {
			t.Fatal(err)
		}
		chain, err := s2.Chain(ctx, hall.ID)
		if err != nil || len(chain) != 3 || chain[2].Code != f.cityBureau.Code {
			t.Fatalf("chain after import = %+v, %v", chain, err)
		}
		ws, err := s2.Windows(ctx, hall.ID, true)
		if err != nil || len(ws) != 2 || ws[1].UnitID == "" || ws[1].Active {
			t.Fatalf("windows after import = %+v, %v", ws, err)
		}

		// Importing the same file again creates nothing: every record exists.
		plan, err = s2.Import(ctx, first)
		wantCode(t, err, errs.Invalid, org.KeyImportRejected)
		if len(plan.Problems) != 4+6 {
			t.Fatalf("re-import problems = %+v", plan.Problems)
		}
		if count(t, d2, "org_units") != 6 || count(t, d2, "org_windows") != 2 {
			t.Fatal("a rejected import wrote rows")
		}
	})
}

// badWorkbook has one of each kind of problem.
func badWorkbook(t *testing.T) []byte {
	f := excelize.NewFile()
	defer f.Close()
	put := func(sheet string, rows [][]any) {
		if sheet != "Sheet1" {
			if _, err := f.NewSheet(sheet); err != nil {
				t.Fatal(err)
			}
		}
		for i, r := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := f.SetSheetRow(sheet, cell, &r); err != nil {
				t.Fatal(err)
			}
		}
	}
	put("Sheet1", nil)
	// English sheet names and headers are accepted as well as Chinese ones.
	put("jurisdictions", [][]any{
		{"code", "name", "kind", "parent_code"},
		{"369900000000", "示范市", "市", ""},
		{"369901000000", "东湖区", "district", "369900000000"},
		{"369901000000", "东湖区", "区", "369900000000"},    // row 4: duplicate code
		{"36990X000000", "坏码县", "县", "369900000000"},    // row 5: bad region code
		{"369906001000", "某街道", "乡镇街道", "369906000000"}, // row 6: unknown parent
	})
	put("单位", [][]any{
		{"单位代码", "名称", "类型", "所属区划代码", "上级单位代码"},
		{"HALL-01", "示范市民服务中心", "政务服务大厅", "369900000000", ""},
		{"HALL-02", "东湖区政务服务中心", "hall", "369901000000", "HALL-99"}, // row 3: unknown parent
		{"HALL-03", "某中心", "hall", "369909000000", ""},              // row 4: unknown region
		{"HALL-01", "重复", "hall", "369900000000", ""},               // row 5: duplicate code
		{"HALL-05", "", "办公室", "369900000000", ""},                  // row 6: bad kind, no name
	})
	put("窗口", [][]any{
		{"大厅代码", "窗口号", "名称"}, // the type column is missing
		{"HALL-01", "A01", "综合受理"},
		{"HALL-01", "A01", "综合受理"}, // row 3: duplicate number
		{"HALL-77", "A02", ""},     // row 4: unknown hall
	})
	if err := f.DeleteSheet("Sheet1"); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestImportRejectsABadFileWhole(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := org.NewService(d, audit.New(d))
		plan, err := s.Import(as(cityAdmin), badWorkbook(t))
		wantCode(t, err, errs.Invalid, org.KeyImportRejected)
		got := map[string]bool{}
		for _, p := range plan.Problems {
			got[fmt.Sprintf("%s!%d!%s!%s", p.Sheet, p.Row, p.Column, p.Key)] = true
		}
		want := []string{
			"jurisdictions!4!A!org.import.duplicate",
			"jurisdictions!5!A!org.region.format",
			"jurisdictions!6!D!org.parent.unknown",
			"单位!3!E!org.parent.unknown",
			"单位!4!D!org.region.unknown",
			"单位!5!A!org.import.duplicate",
			"单位!6!C!org.kind.invalid",
			"单位!6!B!org.name.required",
			"窗口!1!!org.import.missing_column",
			"窗口!3!B!org.import.duplicate",
			"窗口!4!A!org.import.unknown_hall",
		}
		for _, w := range want {
			if !got[w] {
				t.Errorf("missing problem %s", w)
			}
		}
		if len(plan.Problems) != len(want) {
			t.Errorf("%d problems, want %d: %+v", len(plan.Problems), len(want), plan.Problems)
		}
		// Nothing was imported, not even the good rows.
		for _, table := range []string{"org_jurisdictions", "org_units", "org_windows"} {
			if n := count(t, d, table); n != 0 {
				t.Fatalf("%s has %d rows after a rejected import", table, n)
			}
		}
		if countAudit(t, d, "org.import") != 0 {
			t.Fatal("a rejected import was audited as done")
		}

		// Not a workbook at all.
		plan, err = s.Import(as(cityAdmin), []byte("code,name\n"))
		wantCode(t, err, errs.Invalid, org.KeyImportRejected)
		if len(plan.Problems) != 1 || plan.Problems[0].Key != "org.import.bad_file" {
			t.Fatalf("csv: %+v", plan.Problems)
		}
		// Only admins import, and only inside their jurisdiction.
		_, err = s.Import(as(clerkA), badWorkbook(t))
		wantCode(t, err, errs.Forbidden, "")
	})
}

func TestImportStaysInScope(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		var out bytes.Buffer
		if err := org.ImportTemplate(&out); err != nil {
			t.Fatal(err)
		}
		tpl := sheets(t, out.Bytes())
		if len(tpl) != 3 || len(tpl["行政区划"]) != 1 || len(tpl["窗口"][0]) != 7 {
			t.Fatalf("template = %v", tpl)
		}
		// County A's admin exports their view: county A, the city above, none of county B.
		out.Reset()
		if err := f.s.Export(as(adminA), &out); err != nil {
			t.Fatal(err)
		}
		for _, r := range sheets(t, out.Bytes())["单位"] {
			if r[4] == countyB {
				t.Fatalf("county A's export holds county B: %v", r)
			}
		}
		// Rows outside the admin's jurisdiction are refused.
		x := excelize.NewFile()
		x.SetSheetName("Sheet1", "行政区划")
		x.SetSheetRow("行政区划", "A1", &[]any{"区划代码", "名称", "类型", "上级区划代码"})
		x.SetSheetRow("行政区划", "A2", &[]any{"369903000000", "北岭县", "县", city})
		x.NewSheet("单位")
		x.SetSheetRow("单位", "A1", &[]any{"单位代码", "名称", "类型", "所属区划代码"})
		x.SetSheetRow("单位", "A2", &[]any{"HALL-B2", "西山县第二大厅", "政务服务大厅", countyB})
		x.NewSheet("窗口")
		x.SetSheetRow("窗口", "A1", &[]any{"大厅代码", "窗口号", "类型"})
		x.SetSheetRow("窗口", "A2", &[]any{"HALL-369902", "9", "综合"})
		var b bytes.Buffer
		x.Write(&b)
		plan, err := f.s.Import(as(adminA), b.Bytes())
		wantCode(t, err, errs.Invalid, org.KeyImportRejected)
		keys := map[string]int{}
		for _, p := range plan.Problems {
			keys[p.Key]++
		}
		// The city-level row is out of scope; county B's region and hall are unknown to county A.
		if keys["org.import.out_of_scope"] != 1 || keys["org.region.unknown"] != 1 || keys["org.import.unknown_hall"] != 1 {
			t.Fatalf("problems = %+v", plan.Problems)
		}
	})
}
