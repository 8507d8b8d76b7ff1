package certs

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"onestamp/internal/platform/db"
	"onestamp/internal/platform/db/dbtest"
)

func workbook(t *testing.T, rows [][]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	for i, r := range rows {
		for j, v := range r {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
			f.SetCellStr("Sheet1", cell, v)
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var importHeader = []string{"证照编号", "持证主体类型", "持证主体名称", "证件号码", "发证日期", "有效期起", "有效期至", "地址", "许可项目", "法定代表人（负责人）"}

// Paper licences are back-filled all or nothing: one bad row and nothing is imported, with
// every problem listed by row and column.
func TestImport(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		good1 := []string{"WS2019-0001", "单位", "某某宾馆", restUSCC, "2019-05-01", "2019-05-01", "2023-04-30", "福华路2号", "住宿", "王五"}
		good2 := []string{"ws2021-0002", "个人", "张三", personID, "2021/6/1", "2021/6/1", "2025/5/31", "福华路3号", "美容美发", "张三"}
		bad := []string{"WS2019-0001", "个人", "李四", "110105194912310021", "2021-02-30", "2021-06-01", "2020-01-01", "", "游泳", "李四"}
		data := workbook(t, [][]string{importHeader, good1, good2, bad})
		rep, err := w.s.Import(w.as(chief), "GGWS", data, true)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Imported != 0 || rep.Rows != 3 || len(mustList(t, w, Filter{})) != 0 {
			t.Fatalf("imported %d of %d rows despite problems", rep.Imported, rep.Rows)
		}
		got := map[string]bool{}
		for _, p := range rep.Problems {
			if p.Row != 4 {
				t.Errorf("problem on row %d: %+v", p.Row, p)
			}
			got[p.Column+":"+p.Key] = true
		}
		for _, want := range []string{"证照编号:certs.import.duplicate", "证件号码:certs.holder.id_card", "发证日期:certs.date.invalid",
			"有效期至:certs.date.order", "地址:certs.field.required"} {
			if !got[want] {
				t.Errorf("missing problem %s in %v", want, got)
			}
		}
		if _, err := w.s.Import(w.as(reviewer), "GGWS", data, true); err == nil {
			t.Fatal("a reviewer imported")
		}

		data = workbook(t, [][]string{importHeader, good1, good2})
		rep, err = w.s.Import(w.as(chief), "GGWS", data, true)
		if err != nil || rep.Imported != 2 || len(rep.Problems) != 0 {
			t.Fatalf("import: %+v %v", rep, err)
		}
		v, _ := w.s.Verify(w.ctx, VerifyQuery{No: "WS2021-0002"})
		if v.Cert == nil || !v.SignatureOK || v.Cert.Holder != "1101**********002X" || v.Cert.HolderName != "张*" {
			t.Fatalf("imported person's licence: %+v", v)
		}
		if v.Result != Expired && v.Result != Valid {
			t.Fatalf("result %s", v.Result)
		}
		rep, _ = w.s.Import(w.as(chief), "GGWS", data, true)
		if len(rep.Problems) != 2 || !strings.Contains(rep.Problems[0].Key, "no.taken") {
			t.Fatalf("importing again: %+v", rep.Problems)
		}
		if _, err := ImportTemplate("GGWS"); err != nil {
			t.Fatal(err)
		}
	})
}
