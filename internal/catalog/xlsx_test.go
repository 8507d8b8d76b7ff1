package catalog_test

import (
	"bytes"
	"reflect"
	"strconv"
	"testing"

	"github.com/xuri/excelize/v2"

	"onestamp/internal/catalog"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/db/dbtest"
	"onestamp/internal/platform/errs"
)

// emptyCatalogue is a fixture with the demo's certificate types and no items.
func emptyCatalogue(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	f := newFixture(t, d)
	for _, c := range catalog.DemoCertTypes() {
		if _, err := f.s.SaveCertType(as(cityAdmin), c); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func sheets(t *testing.T, data []byte) map[string][][]string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][][]string{}
	for _, n := range f.GetSheetList() {
		rows, err := f.GetRows(n)
		if err != nil {
			t.Fatal(err)
		}
		out[n] = rows
	}
	return out
}

func TestExcelRoundTrip(t *testing.T) {
	src := loadDemo(t, dbtest.SQLite(t))
	exported, err := src.s.Export(as(clerk), 0, false)
	if err != nil {
		t.Fatal(err)
	}
	srcItems, _ := src.s.Items(as(clerk), catalog.ItemFilter{})
	want := sheets(t, exported)
	if len(want) < 15 || len(want["基本信息"]) != len(srcItems)+1 {
		t.Fatalf("%d sheets, %d rows of basics for %d items", len(want), len(want["基本信息"]), len(srcItems))
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := emptyCatalogue(t, d)
		plan, err := f.s.Import(as(cityAdmin), exported, catalog.ImportOptions{Publish: true})
		if err != nil {
			t.Fatalf("import: %v %v", err, plan.Problems)
		}
		if len(plan.Created) != len(srcItems) || len(plan.Changed) != 0 {
			t.Fatalf("created %d, changed %d of %d", len(plan.Created), len(plan.Changed), len(srcItems))
		}
		again, err := f.s.Export(as(clerk), 0, false)
		if err != nil {
			t.Fatal(err)
		}
		got := sheets(t, again)
		if !reflect.DeepEqual(got, want) {
			for name, rows := range want {
				for i := range max(len(rows), len(got[name])) {
					var a, b []string
					if i < len(rows) {
						a = rows[i]
					}
					if i < len(got[name]) {
						b = got[name][i]
					}
					if !reflect.DeepEqual(a, b) {
						t.Fatalf("sheet %s row %d:\n want %q\n got  %q", name, i+1, a, b)
					}
				}
			}
			t.Fatal("workbooks differ")
		}
		// The specs are equal too, item by item.
		for _, it := range srcItems {
			v1, err1 := src.s.VersionAt(t.Context(), it.ID, 0)
			dst, err := f.s.ItemByCode(t.Context(), it.Code)
			if err != nil || err1 != nil {
				t.Fatal(err, err1)
			}
			v2, err := f.s.VersionAt(t.Context(), dst.ID, 0)
			if err != nil {
				t.Fatal(err)
			}
			a, b := v1.Spec, v2.Spec
			// Units are the same list in both; nothing else may differ.
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("%s: spec differs\n%+v\n%+v", it.Name, a, b)
			}
		}
		// Importing the same file again changes nothing.
		plan, err = f.s.Import(as(cityAdmin), exported, catalog.ImportOptions{})
		if err != nil || len(plan.Created)+len(plan.Changed) != 0 || plan.Unchanged != len(srcItems) {
			t.Fatalf("re-import = %+v, %v", plan, err)
		}
		if n := countAudit(t, d, "catalog.import"); n != 2 {
			t.Fatalf("imports audited %d", n)
		}
	})
}

func TestExcelImportRejectsABadFile(t *testing.T) {
	src := loadDemo(t, dbtest.SQLite(t))
	exported, err := src.s.Export(as(clerk), 0, false)
	if err != nil {
		t.Fatal(err)
	}
	wb, err := excelize.OpenReader(bytes.NewReader(exported))
	if err != nil {
		t.Fatal(err)
	}
	find := func(sheet, header string) string {
		rows, _ := wb.GetRows(sheet)
		for i, h := range rows[0] {
			if h == header {
				c, _ := excelize.ColumnNumberToName(i + 1)
				return c
			}
		}
		t.Fatalf("no column %s in %s", header, sheet)
		return ""
	}
	rowOf := func(sheet, code string) int {
		rows, _ := wb.GetRows(sheet)
		for i, r := range rows {
			if len(r) > 0 && r[0] == code {
				return i + 1
			}
		}
		t.Fatalf("no row for %s in %s", code, sheet)
		return 0
	}
	// 1. a missing column
	if err := wb.RemoveCol("咨询监督", find("咨询监督", "投诉电话")); err != nil {
		t.Fatal(err)
	}
	// 2. a duplicate code
	basics, _ := wb.GetRows("基本信息")
	dupRow := len(basics) + 1
	dup := make([]any, len(basics[1]))
	for i, c := range basics[1] {
		dup[i] = c
	}
	if err := wb.SetSheetRow("基本信息", "A"+strconv.Itoa(dupRow), &dup); err != nil {
		t.Fatal(err)
	}
	// 3. a promised limit above the statutory one
	food := first(t, src.s, "食品经营许可")
	foodItem, _ := src.s.Item(t.Context(), food.ID)
	promisedCol, promisedRow := find("办理时限", "承诺时限（工作日）"), rowOf("办理时限", foodItem.Code)
	if err := wb.SetCellValue("办理时限", promisedCol+strconv.Itoa(promisedRow), 99); err != nil {
		t.Fatal(err)
	}
	// 4. a material that points to an unknown certificate type
	certCol, matRow := find("申请材料", "电子证照类型"), rowOf("申请材料", foodItem.Code)+1
	if err := wb.SetCellValue("申请材料", certCol+strconv.Itoa(matRow), "C-NOPE"); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := wb.Write(&buf); err != nil {
		t.Fatal(err)
	}

	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := emptyCatalogue(t, d)
		plan, err := f.s.Import(as(cityAdmin), buf.Bytes(), catalog.ImportOptions{Publish: true})
		wantCode(t, err, errs.Invalid, catalog.KeyImportRejected)
		if plan == nil || len(plan.Problems) < 4 || len(catalog.ProblemsOf(err)) != len(plan.Problems) {
			t.Fatalf("plan = %+v", plan)
		}
		t.Logf("%d problems: %v", len(plan.Problems), plan.Problems)
		for _, w := range []catalog.Problem{
			{Sheet: "咨询监督", Row: 1, Column: "投诉电话", Key: "catalog.import.column_missing"},
			{Sheet: "基本信息", Row: dupRow, Column: "A", Key: "catalog.import.duplicate_code"},
			{Sheet: "办理时限", Row: promisedRow, Column: promisedCol, Key: "catalog.v.promised_over_statutory"},
			{Sheet: "申请材料", Row: matRow, Column: certCol, Key: "catalog.v.cert_type_unknown"},
		} {
			found := false
			for _, p := range plan.Problems {
				if p.Sheet == w.Sheet && p.Row == w.Row && p.Column == w.Column && p.Key == w.Key {
					found = true
				}
			}
			if !found {
				t.Errorf("no problem %+v in %v", w, plan.Problems)
			}
		}
		// Nothing was imported.
		items, err := f.s.Items(as(clerk), catalog.ItemFilter{})
		if err != nil || len(items) != 0 {
			t.Fatalf("%d items after a rejected import", len(items))
		}
		if n := countAudit(t, d, "catalog.import"); n != 0 {
			t.Fatalf("a rejected import was audited")
		}
		// Not a workbook at all.
		plan, err = f.s.Import(as(cityAdmin), []byte("PK\x03\x04 not really"), catalog.ImportOptions{})
		wantCode(t, err, errs.Invalid, catalog.KeyImportRejected)
		if len(plan.Problems) != 1 || plan.Problems[0].Key != "catalog.import.unreadable" {
			t.Fatalf("garbage: %+v", plan.Problems)
		}
		// Only an administrator imports.
		_, err = f.s.Import(as(clerk), exported, catalog.ImportOptions{})
		wantCode(t, err, errs.Forbidden, "")
	})
}
