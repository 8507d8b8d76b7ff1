package catalog

import (
	"bytes"
	"sort"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Bounds on an uploaded workbook, against zip bombs and runaway sheets.
const (
	MaxImportSize  = 10 << 20
	maxImportRows  = 20000
	maxUnzipSize   = 128 << 20
	maxUnzipXMLMem = 32 << 20
)

func letter(i int) string {
	s, _ := excelize.ColumnNumberToName(i + 1)
	return s
}

// writeWorkbook writes records (sorted by code) as the 实施清单 workbook.
func writeWorkbook(x *xio, recs []*xrec) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	head, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDE4EE"}}})
	if err != nil {
		return nil, err
	}
	wrap, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return nil, err
	}
	first := true
	newSheet := func(name string, header []any) error {
		if first {
			first = false
			if err := f.SetSheetName("Sheet1", name); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(name); err != nil {
			return err
		}
		if err := f.SetSheetRow(name, "A1", &header); err != nil {
			return err
		}
		last := letter(len(header) - 1)
		if err := f.SetCellStyle(name, "A1", last+"1", head); err != nil {
			return err
		}
		if err := f.SetColWidth(name, "A", last, 18); err != nil {
			return err
		}
		return f.SetPanes(name, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	}
	for _, sh := range scalarSheets {
		header := []any{codeCol.zh}
		for _, c := range sh.cols {
			header = append(header, c.zh)
		}
		if err := newSheet(sh.zh, header); err != nil {
			return nil, err
		}
		for i, r := range recs {
			row := []any{r.it.Code}
			for _, c := range sh.cols {
				row = append(row, c.get(x, r))
			}
			if err := f.SetSheetRow(sh.zh, "A"+strconv.Itoa(i+2), &row); err != nil {
				return nil, err
			}
		}
		if len(recs) > 0 {
			if err := f.SetCellStyle(sh.zh, "A2", letter(len(header)-1)+strconv.Itoa(len(recs)+1), wrap); err != nil {
				return nil, err
			}
		}
	}
	for _, ls := range listSheets {
		header := []any{codeCol.zh}
		for _, c := range ls.headers() {
			header = append(header, c.zh)
		}
		if err := newSheet(ls.sheetZH(), header); err != nil {
			return nil, err
		}
		n := 2
		for _, r := range recs {
			for _, cells := range ls.rows(x, &r.sp) {
				row := append([]any{r.it.Code}, cells...)
				if err := f.SetSheetRow(ls.sheetZH(), "A"+strconv.Itoa(n), &row); err != nil {
					return nil, err
				}
				n++
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// rsheet is a sheet as read: where each column is, and the data rows with their numbers.
type rsheet struct {
	name  string         // as named in the file
	col   map[string]int // column key → index
	rows  [][]string
	nums  []int
	found bool
}

func (r *rsheet) cell(row []string, key string) string {
	i, ok := r.col[key]
	if !ok || i >= len(row) {
		return ""
	}
	return strings.TrimSpace(row[i])
}

func (r *rsheet) letter(key string) string {
	i, ok := r.col[key]
	if !ok {
		return ""
	}
	return letter(i)
}

func blankRow(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// openSheet finds a sheet by its Chinese name or key and checks its header.
func openSheet(f *excelize.File, key, zh string, cols []scol, x *xio) *rsheet {
	sh := &rsheet{col: map[string]int{}}
	for _, n := range f.GetSheetList() {
		if t := strings.TrimSpace(n); t == zh || strings.EqualFold(t, key) {
			sh.name = n
		}
	}
	if sh.name == "" {
		x.problems = append(x.problems, Problem{Sheet: zh, Key: "catalog.import.sheet_missing", Args: map[string]any{"sheet": zh}})
		return sh
	}
	rows, err := f.GetRows(sh.name)
	if err != nil {
		x.problems = append(x.problems, Problem{Sheet: sh.name, Key: "catalog.import.unreadable"})
		return sh
	}
	if len(rows) > maxImportRows+1 {
		x.problems = append(x.problems, Problem{Sheet: sh.name, Key: "catalog.import.too_many_rows",
			Args: map[string]any{"max": maxImportRows}})
		return sh
	}
	h := 0
	for h < len(rows) && blankRow(rows[h]) {
		h++
	}
	if h == len(rows) {
		rows = append(rows, nil)
	}
	for i, c := range rows[h] {
		c = strings.TrimSpace(c)
		for _, sc := range append([]scol{codeCol}, cols...) {
			if c == sc.zh || strings.EqualFold(c, sc.key) {
				sh.col[sc.key] = i
			}
		}
	}
	for _, sc := range append([]scol{codeCol}, cols...) {
		if _, ok := sh.col[sc.key]; !ok {
			x.problems = append(x.problems, Problem{Sheet: sh.name, Row: h + 1, Column: sc.zh, Field: sc.key,
				Key: "catalog.import.column_missing", Args: map[string]any{"column": sc.zh}})
		}
	}
	sh.found = true
	for i := h + 1; i < len(rows); i++ {
		if blankRow(rows[i]) {
			continue
		}
		sh.rows = append(sh.rows, rows[i])
		sh.nums = append(sh.nums, i+1)
	}
	return sh
}

// wb is a parsed workbook: the records, and for each sheet the letters of its columns, to
// locate later problems.
type wb struct {
	recs    []*xrec
	byCode  map[string]*xrec
	letters map[string]map[string]string // sheet key → column key → letter
	names   map[string]string            // sheet key → name in the file
}

// readWorkbook parses a workbook into records. Problems of form (a missing sheet or column, a
// duplicate code, a value that does not parse, an unknown unit) are in x.problems; a file that
// is no workbook at all is one problem.
func readWorkbook(x *xio, data []byte) *wb {
	w := &wb{byCode: map[string]*xrec{}, letters: map[string]map[string]string{}, names: map[string]string{}}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: maxUnzipSize,
		UnzipXMLSizeLimit: maxUnzipXMLMem})
	if err != nil {
		x.problems = append(x.problems, Problem{Key: "catalog.import.unreadable"})
		return w
	}
	defer f.Close()

	for si, spec := range scalarSheets {
		sh := openSheet(f, spec.key, spec.zh, spec.cols, x)
		w.names[spec.key] = sh.name
		if sh.name == "" {
			w.names[spec.key] = spec.zh
		}
		w.letters[spec.key] = map[string]string{}
		for k := range sh.col {
			w.letters[spec.key][k] = sh.letter(k)
		}
		if !sh.found {
			continue
		}
		if _, ok := sh.col[codeCol.key]; !ok {
			continue
		}
		seen := map[string]int{}
		for i, row := range sh.rows {
			num := sh.nums[i]
			x.sheet, x.row, x.col, x.field = sh.name, num, sh.letter("code"), "code"
			code := strings.ToUpper(sh.cell(row, "code"))
			if code == "" {
				x.bad(kvRequired)
				continue
			}
			if prev, dup := seen[code]; dup {
				x.bad("catalog.import.duplicate_code", "value", code, "first", prev)
				continue
			}
			seen[code] = num
			var r *xrec
			if si == 0 {
				r = &xrec{rows: map[string]int{}, listRows: map[string][]int{}}
				r.it.Code = code
				w.recs = append(w.recs, r)
				w.byCode[code] = r
			} else if r = w.byCode[code]; r == nil {
				x.bad("catalog.import.code_unknown", "value", code)
				continue
			}
			r.rows[spec.key] = num
			for _, c := range spec.cols {
				x.col, x.field = sh.letter(c.key), c.path
				c.set(x, r, sh.cell(row, c.key))
			}
		}
		if si > 0 {
			for _, r := range w.recs {
				if _, ok := r.rows[spec.key]; !ok {
					x.problems = append(x.problems, Problem{Sheet: sh.name, Row: r.rows["basic"], Field: "code",
						Key: "catalog.import.row_missing", Args: map[string]any{"value": r.it.Code, "sheet": sh.name}})
				}
			}
		}
	}

	for _, ls := range listSheets {
		sh := openSheet(f, ls.sheetKey(), ls.sheetZH(), ls.headers(), x)
		key := ls.sheetKey()
		w.names[key] = sh.name
		if sh.name == "" {
			w.names[key] = ls.sheetZH()
		}
		w.letters[key] = map[string]string{}
		for k := range sh.col {
			w.letters[key][k] = sh.letter(k)
		}
		if !sh.found {
			continue
		}
		if _, ok := sh.col[codeCol.key]; !ok {
			continue
		}
		type entry struct {
			seq, num int
			cells    map[string]string
		}
		per := map[string][]entry{}
		for i, row := range sh.rows {
			num := sh.nums[i]
			x.sheet, x.row, x.col, x.field = sh.name, num, sh.letter("code"), "code"
			code := strings.ToUpper(sh.cell(row, "code"))
			if code == "" {
				x.bad(kvRequired)
				continue
			}
			if w.byCode[code] == nil {
				x.bad("catalog.import.code_unknown", "value", code)
				continue
			}
			x.col, x.field = sh.letter("seq"), "seq"
			seq := x.int(sh.cell(row, "seq"))
			for _, e := range per[code] {
				if e.seq == seq {
					x.bad(kvDuplicate, "value", seq)
				}
			}
			cells := map[string]string{}
			for _, c := range ls.headers()[1:] {
				cells[c.key] = sh.cell(row, c.key)
				cells["@"+c.key] = sh.letter(c.key)
			}
			per[code] = append(per[code], entry{seq, num, cells})
		}
		for code, es := range per {
			sort.SliceStable(es, func(i, j int) bool { return es[i].seq < es[j].seq })
			r := w.byCode[code]
			ls.reset(&r.sp)
			for _, e := range es {
				x.sheet, x.row = sh.name, e.num
				ls.read(x, &r.sp, e.cells)
				r.listRows[key] = append(r.listRows[key], e.num)
			}
		}
	}
	return w
}

// pathAlias maps JSON paths that no column holds to the column that decides them.
var pathAlias = map[string]string{"fees": "charged", "amount_fen": "amount"}

// locate places a problem that validation found at a JSON path of a record's spec or item on
// the sheet, row and column that hold the field.
func (w *wb) locate(r *xrec, p Problem) Problem {
	path := p.Field
	if i := strings.IndexByte(path, '['); i > 0 {
		name := path[:i]
		for _, ls := range listSheets {
			if ls.jsonPath() != name {
				continue
			}
			j := strings.IndexByte(path, ']')
			idx, err := strconv.Atoi(path[i+1 : j])
			field := strings.TrimPrefix(path[j+1:], ".")
			if a, ok := pathAlias[field]; ok {
				field = a
			}
			key := ls.sheetKey()
			if err == nil && idx < len(r.listRows[key]) {
				p.Sheet, p.Row, p.Column = w.names[key], r.listRows[key][idx], w.letters[key][field]
				return p
			}
		}
	}
	cands := []string{path}
	if i := strings.IndexAny(path, "[."); i > 0 {
		cands = append(cands, path[:i])
	}
	if a, ok := pathAlias[path]; ok {
		cands = append(cands, a)
	}
	for _, c := range cands {
		for _, sh := range scalarSheets {
			for _, col := range append([]scol{codeCol}, sh.cols...) {
				if col.path == c || col.key == c {
					if sh.key != "basic" && col.key == "code" {
						continue
					}
					p.Sheet, p.Row, p.Column = w.names[sh.key], r.rows[sh.key], w.letters[sh.key][col.key]
					return p
				}
			}
		}
	}
	p.Sheet, p.Row = w.names["basic"], r.rows["basic"]
	return p
}
