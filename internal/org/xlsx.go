package org

import (
	"bytes"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// The organisation workbook: one sheet each for jurisdictions, units and windows, a header row
// naming the columns (in Chinese, as exported, or by their keys), then one record per row.
// Columns are found by their header, in any order; unknown columns are ignored. Kinds and types
// are written in Chinese and read in Chinese or by their keys ("县" or "county").

type column struct {
	key, zh  string
	required bool // the header must be present
}

type sheetSpec struct {
	key, zh string
	cols    []column
}

var (
	jurSheet = sheetSpec{"jurisdictions", "行政区划", []column{
		{"code", "区划代码", true},
		{"name", "名称", true},
		{"name_en", "英文名称", false},
		{"kind", "类型", true},
		{"parent_code", "上级区划代码", true},
		{"active", "启用", false},
	}}
	unitSheet = sheetSpec{"units", "单位", []column{
		{"code", "单位代码", true},
		{"name", "名称", true},
		{"name_en", "英文名称", false},
		{"kind", "类型", true},
		{"region_code", "所属区划代码", true},
		{"parent_code", "上级单位代码", false},
		{"address", "地址", false},
		{"phone", "电话", false},
		{"active", "启用", false},
	}}
	windowSheet = sheetSpec{"windows", "窗口", []column{
		{"hall_code", "大厅代码", true},
		{"number", "窗口号", true},
		{"type", "类型", true},
		{"name", "名称", false},
		{"name_en", "英文名称", false},
		{"unit_code", "进驻单位代码", false},
		{"active", "启用", false},
	}}
)

// Labels of kinds and types in the workbook.
var (
	jurKindZH    = map[JurisdictionKind]string{JurCity: "市", JurCounty: "县", JurDistrict: "区", JurZone: "开发区", JurTownship: "乡镇街道"}
	unitKindZH   = map[UnitKind]string{UnitBureau: "行政审批局", UnitDepartment: "部门", UnitPartner: "进驻单位", UnitHall: "政务服务大厅"}
	windowTypeZH = map[WindowType]string{WindowComprehensive: "综合", WindowSpecialised: "专业", WindowHardCase: "办不成事",
		WindowTalent: "人才", WindowCityWide: "全市通办"}
)

const (
	yesZH = "是"
	noZH  = "否"
)

// Bounds on an uploaded workbook, against zip bombs and runaway sheets.
const (
	MaxImportSize  = 5 << 20 // bytes of the .xlsx file
	maxImportRows  = 5000    // data rows per sheet
	maxUnzipSize   = 64 << 20
	maxUnzipXMLMem = 16 << 20
)

// parseLabel maps a cell to a value: the key itself or its Chinese label. An unknown cell is
// returned as it is, for Validate to name.
func parseLabel[T ~string](cell string, labels map[T]string) T {
	c := strings.TrimSpace(cell)
	for k, zh := range labels {
		if strings.EqualFold(c, string(k)) || c == zh {
			return k
		}
	}
	return T(c)
}

// parseActive reads the active column: empty means active.
func parseActive(cell string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(cell)) {
	case "", yesZH, "y", "yes", "true", "1", "启用":
		return true, true
	case noZH, "n", "no", "false", "0", "停用":
		return false, true
	}
	return false, false
}

func activeCell(active bool) string {
	if active {
		return yesZH
	}
	return noZH
}

// sheet is a parsed sheet: which column holds which key, and the data rows.
type sheet struct {
	spec    *sheetSpec
	name    string         // as named in the file
	col     map[string]int // key -> 0-based column index
	missing map[string]bool
	rows    []row
}

type row struct {
	num   int // 1-based row number in the sheet
	cells []string
}

func (sh *sheet) get(r row, key string) string {
	i, ok := sh.col[key]
	if !ok || i >= len(r.cells) {
		return ""
	}
	return strings.TrimSpace(r.cells[i])
}

// letter returns the column letter of key, "" when the column is missing.
func (sh *sheet) letter(key string) string {
	i, ok := sh.col[key]
	if !ok {
		return ""
	}
	s, _ := excelize.ColumnNumberToName(i + 1)
	return s
}

// workbook is the parsed file.
type workbook struct {
	jur, unit, window *sheet
}

// parseWorkbook reads the three sheets. Problems with the file's shape (not a workbook, a sheet
// or a required column missing, too many rows) are returned; row contents are checked later.
func parseWorkbook(data []byte) (*workbook, []Problem) {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		UnzipSizeLimit: maxUnzipSize, UnzipXMLSizeLimit: maxUnzipXMLMem,
	})
	if err != nil {
		return nil, []Problem{{Key: "org.import.bad_file"}}
	}
	defer f.Close()
	var ps []Problem
	wb := &workbook{}
	names := f.GetSheetList()
	for _, t := range []struct {
		spec *sheetSpec
		dst  **sheet
	}{{&jurSheet, &wb.jur}, {&unitSheet, &wb.unit}, {&windowSheet, &wb.window}} {
		name := ""
		for _, n := range names {
			if strings.TrimSpace(n) == t.spec.zh || strings.EqualFold(strings.TrimSpace(n), t.spec.key) {
				name = n
				break
			}
		}
		if name == "" {
			ps = append(ps, Problem{Sheet: t.spec.zh, Key: "org.import.missing_sheet", Args: map[string]any{"sheet": t.spec.zh}})
			continue
		}
		sh, sps := readSheet(f, t.spec, name)
		ps = append(ps, sps...)
		*t.dst = sh
	}
	return wb, ps
}

func readSheet(f *excelize.File, spec *sheetSpec, name string) (*sheet, []Problem) {
	sh := &sheet{spec: spec, name: name, col: map[string]int{}, missing: map[string]bool{}}
	rows, err := f.Rows(name)
	if err != nil {
		return nil, []Problem{{Sheet: name, Key: "org.import.bad_file"}}
	}
	defer rows.Close()
	var ps []Problem
	n := 0
	header := true
	for rows.Next() {
		n++
		cells, err := rows.Columns()
		if err != nil {
			return nil, []Problem{{Sheet: name, Row: n, Key: "org.import.bad_file"}}
		}
		if header {
			if blank(cells) {
				continue // leading empty rows before the header
			}
			header = false
			ps = append(ps, sh.readHeader(cells, n)...)
			continue
		}
		if blank(cells) {
			continue
		}
		if len(sh.rows) == maxImportRows {
			return sh, append(ps, Problem{Sheet: name, Row: n, Key: "org.import.too_many_rows",
				Args: map[string]any{"max": maxImportRows}})
		}
		sh.rows = append(sh.rows, row{num: n, cells: cells})
	}
	if err := rows.Error(); err != nil {
		return nil, []Problem{{Sheet: name, Key: "org.import.bad_file"}}
	}
	if header {
		// No header at all: every required column is missing.
		ps = append(ps, sh.readHeader(nil, 1)...)
	}
	return sh, ps
}

func (sh *sheet) readHeader(cells []string, n int) []Problem {
	var ps []Problem
	for i, c := range cells {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		for _, col := range sh.spec.cols {
			if c != col.zh && !strings.EqualFold(c, col.key) {
				continue
			}
			if _, dup := sh.col[col.key]; dup {
				letter, _ := excelize.ColumnNumberToName(i + 1)
				ps = append(ps, Problem{Sheet: sh.name, Row: n, Column: letter, Field: col.key,
					Key: "org.import.duplicate_column", Args: map[string]any{"column": col.zh}})
				continue
			}
			sh.col[col.key] = i
		}
	}
	for _, col := range sh.spec.cols {
		if _, ok := sh.col[col.key]; !ok && col.required {
			sh.missing[col.key] = true
			ps = append(ps, Problem{Sheet: sh.name, Row: n, Field: col.key,
				Key: "org.import.missing_column", Args: map[string]any{"column": col.zh}})
		}
	}
	return ps
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// writeWorkbook writes the map as a workbook that parseWorkbook reads back. unitCode maps unit
// ids to codes, for parents, halls and stationed units.
func writeWorkbook(w io.Writer, js []Jurisdiction, us []Unit, ws []Window, unitCode map[string]string) error {
	f := excelize.NewFile()
	defer f.Close()
	jr := make([][]string, 0, len(js))
	for _, j := range js {
		jr = append(jr, []string{j.Code, j.Name, j.NameEN, jurKindZH[j.Kind], j.ParentCode, activeCell(j.Active)})
	}
	ur := make([][]string, 0, len(us))
	for _, u := range us {
		ur = append(ur, []string{u.Code, u.Name, u.NameEN, unitKindZH[u.Kind], u.RegionCode, unitCode[u.ParentID],
			u.Address, u.Phone, activeCell(u.Active)})
	}
	wr := make([][]string, 0, len(ws))
	for _, x := range ws {
		wr = append(wr, []string{unitCode[x.HallID], x.Number, windowTypeZH[x.Type], x.Name, x.NameEN,
			unitCode[x.UnitID], activeCell(x.Active)})
	}
	first := true
	for _, t := range []struct {
		spec *sheetSpec
		rows [][]string
	}{{&jurSheet, jr}, {&unitSheet, ur}, {&windowSheet, wr}} {
		if first {
			if err := f.SetSheetName("Sheet1", t.spec.zh); err != nil {
				return err
			}
			first = false
		} else if _, err := f.NewSheet(t.spec.zh); err != nil {
			return err
		}
		sw, err := f.NewStreamWriter(t.spec.zh)
		if err != nil {
			return err
		}
		for i := range t.spec.cols {
			width := 16.0
			if i == 1 || t.spec.cols[i].key == "address" {
				width = 32
			}
			if err := sw.SetColWidth(i+1, i+1, width); err != nil {
				return err
			}
		}
		head := make([]any, len(t.spec.cols))
		for i, c := range t.spec.cols {
			head[i] = c.zh
		}
		if err := sw.SetRow("A1", head, excelize.RowOpts{}); err != nil {
			return err
		}
		for i, r := range t.rows {
			// Codes are text: written as strings, they keep their leading zeros and all 18 digits.
			vals := make([]any, len(r))
			for k, v := range r {
				vals[k] = v
			}
			cell, _ := excelize.CoordinatesToCellName(1, i+2)
			if err := sw.SetRow(cell, vals); err != nil {
				return err
			}
		}
		if err := sw.Flush(); err != nil {
			return err
		}
	}
	return f.Write(w)
}
