package certs

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/workday"
)

// The back-fill workbook (批量导入 of paper licences): one type per workbook, the first sheet,
// a header row, then one licence per row. Columns are found by their header, in any order.

// MaxImportSize and MaxImportRows bound one import.
const (
	MaxImportSize = 8 << 20
	MaxImportRows = 5000
)

type importCol struct {
	key, zh  string
	required bool
}

var baseCols = []importCol{
	{"no", "证照编号", true},
	{"holder_type", "持证主体类型", true},
	{"holder_name", "持证主体名称", true},
	{"holder_id", "证件号码", true},
	{"issued_on", "发证日期", true},
	{"valid_from", "有效期起", true},
	{"valid_to", "有效期至", false},
}

func importCols(t Type) []importCol {
	cols := slices.Clone(baseCols)
	for _, fd := range t.Fields {
		cols = append(cols, importCol{fd.Key, fd.Label, fd.Required})
	}
	return cols
}

// Problem is one thing wrong with an import: the row (1-based, as the spreadsheet shows it),
// the column header and the message.
type Problem struct {
	Row     int            `json:"row"`
	Column  string         `json:"column,omitempty"`
	Key     string         `json:"key" doc:"message key"`
	Args    map[string]any `json:"args,omitempty"`
	Message string         `json:"message,omitempty" doc:"in the language of the request"`
}

// ImportReport is the outcome of an import: nothing is imported unless every row is right.
type ImportReport struct {
	TypeCode string    `json:"type_code"`
	Rows     int       `json:"rows"`
	Imported int       `json:"imported"`
	Problems []Problem `json:"problems"`
	Certs    []Cert    `json:"certs,omitempty" doc:"the certificates created (holders masked)"`
}

var importers = []auth.Role{auth.Admin, auth.Chief, auth.Head}

var holderTypeZH = map[string]HolderType{"单位": Org, "企业": Org, "org": Org, "个人": Person, "person": Person, "个体": Person}

// ImportTemplate writes the back-fill workbook of a certificate type: the header row only.
func ImportTemplate(typeCode string) ([]byte, error) {
	t, ok := TypeOf(typeCode)
	if !ok {
		return nil, errs.InvalidInput("certs.type.unknown").With("type", typeCode)
	}
	f := excelize.NewFile()
	defer f.Close()
	sheet := t.Name
	f.SetSheetName("Sheet1", sheet)
	for i, c := range importCols(t) {
		cell, _ := excelize.CoordinatesToCellName(i+1, 1)
		f.SetCellStr(sheet, cell, c.zh)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, errs.Wrap(err, "write template")
	}
	return buf.Bytes(), nil
}

type importRow struct {
	n      int
	holder Holder
	no     string
	issued string
	from   string
	to     string
	data   map[string]string
}

// Import back-fills paper licences of one type from a workbook, signed by the importer's
// bureau. With commit false it only checks. Every row is checked; if any is wrong nothing is
// imported and the report lists every problem.
func (s *Service) Import(ctx context.Context, typeCode string, data []byte, commit bool) (ImportReport, error) {
	v, ok := auth.FromContext(ctx)
	if !ok {
		return ImportReport{}, errs.Unauth()
	}
	if !v.IsStaff() || !slices.Contains(importers, v.Role) {
		return ImportReport{}, errs.ForbiddenErr()
	}
	t, ok := TypeOf(typeCode)
	if !ok {
		return ImportReport{}, errs.InvalidInput("certs.type.unknown").With("type", typeCode).OnField("type")
	}
	rep := ImportReport{TypeCode: t.Code, Problems: []Problem{}}
	rows, probs := s.parseImport(ctx, t, data)
	rep.Rows, rep.Problems = len(rows), append(rep.Problems, probs...)
	if len(rep.Problems) > 0 || !commit {
		return rep, nil
	}
	is, err := s.Issuers.Issuer(ctx, v.UnitID)
	if err != nil {
		return rep, err
	}
	a := actorOf(v)
	key, priv, err := s.signingKey(ctx, is, v.ID)
	if err != nil {
		return rep, err
	}
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		for _, r := range rows {
			c, err := s.issueTx(ctx, tx, issueInput{typ: t, holder: r.holder, issuer: is, no: r.no, issuedOn: r.issued,
				from: r.from, to: r.to, surface: r.data, source: SourceImport, action: ActionImport, by: a}, key, priv)
			if err != nil {
				e := errs.As(err)
				rep.Problems = append(rep.Problems, Problem{Row: r.n, Column: "证照编号", Key: e.Key, Args: e.Args})
				continue
			}
			rep.Certs = append(rep.Certs, c.masked())
		}
		if len(rep.Problems) > 0 {
			return errs.InvalidInput("certs.import.problems")
		}
		return s.record(ctx, tx, a, "certs.import", "cert_type:"+t.Code, map[string]any{"rows": len(rows)})
	})
	if errs.Is(err, errs.Invalid) && len(rep.Problems) > 0 {
		rep.Certs = nil
		return rep, nil
	}
	if err != nil {
		return rep, err
	}
	rep.Imported = len(rep.Certs)
	return rep, nil
}

func (s *Service) parseImport(ctx context.Context, t Type, data []byte) ([]importRow, []Problem) {
	bad := func(key string) []Problem { return []Problem{{Row: 0, Key: key}} }
	if len(data) == 0 || len(data) > MaxImportSize {
		return nil, bad("certs.import.size")
	}
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return nil, bad("certs.import.unreadable")
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, bad("certs.import.empty")
	}
	rows, err := f.GetRows(sheets[0])
	if err != nil || len(rows) < 2 {
		return nil, bad("certs.import.empty")
	}
	if len(rows)-1 > MaxImportRows {
		return nil, []Problem{{Key: "certs.import.too_many", Args: map[string]any{"max": MaxImportRows}}}
	}
	cols := importCols(t)
	idx := map[string]int{}
	for i, h := range rows[0] {
		h = strings.TrimSpace(h)
		for _, c := range cols {
			if h == c.zh || h == c.key {
				idx[c.key] = i
			}
		}
	}
	var probs []Problem
	for _, c := range cols {
		if _, ok := idx[c.key]; !ok && c.required {
			probs = append(probs, Problem{Row: 1, Column: c.zh, Key: "certs.import.column_missing", Args: map[string]any{"column": c.zh}})
		}
	}
	if len(probs) > 0 {
		return nil, probs
	}
	zh := map[string]string{}
	for _, c := range cols {
		zh[c.key] = c.zh
	}
	seen := map[string]int{}
	var out []importRow
	for i, cells := range rows[1:] {
		n := i + 2
		get := func(k string) string {
			j, ok := idx[k]
			if !ok || j >= len(cells) {
				return ""
			}
			return strings.TrimSpace(cells[j])
		}
		if slices.IndexFunc(cells, func(c string) bool { return strings.TrimSpace(c) != "" }) < 0 {
			continue
		}
		add := func(col, key string, args map[string]any) {
			probs = append(probs, Problem{Row: n, Column: zh[col], Key: key, Args: args})
		}
		r := importRow{n: n, no: NormalizeNo(get("no")), data: map[string]string{}}
		if !validNo(r.no) {
			add("no", "certs.no.invalid", nil)
		} else if prev, dup := seen[r.no]; dup {
			add("no", "certs.import.duplicate", map[string]any{"row": prev})
		} else {
			seen[r.no] = n
			if existing, err := s.st.lineage(ctx, s.DB.Read, t.Code, r.no); err == nil && len(existing) > 0 {
				add("no", "certs.no.taken", map[string]any{"no": r.no})
			}
		}
		ht, ok := holderTypeZH[get("holder_type")]
		if !ok {
			add("holder_type", "certs.holder.type", nil)
		}
		h, perr := s.normHolder(t, Holder{Type: ht, IDNumber: get("holder_id"), Name: get("holder_name")})
		if ok && perr != nil {
			add(map[string]string{"holder_name": "holder_name", "holder_id": "holder_id", "holder_type": "holder_type"}[perr.Field], perr.Key, perr.Args)
		}
		r.holder = h
		for _, k := range []string{"issued_on", "valid_from", "valid_to"} {
			v := normDate(get(k))
			if v == "" && k == "valid_to" {
				continue
			}
			if _, err := workday.ParseDate(v); err != nil {
				add(k, "certs.date.invalid", nil)
				continue
			}
			switch k {
			case "issued_on":
				r.issued = v
			case "valid_from":
				r.from = v
			default:
				r.to = v
			}
		}
		if r.from != "" && r.to != "" && r.to < r.from {
			add("valid_to", "certs.date.order", nil)
		}
		if r.issued != "" && r.issued > s.today().String() {
			add("issued_on", "certs.date.future", nil)
		}
		for _, fd := range t.Fields {
			if v := get(fd.Key); v != "" {
				r.data[fd.Key] = v
			}
		}
		clean, ps := checkSurface(t, r.data)
		for _, p := range ps {
			add(p.Field, p.Key, p.Args)
		}
		r.data = clean
		out = append(out, r)
	}
	if len(out) == 0 && len(probs) == 0 {
		return nil, bad("certs.import.empty")
	}
	return out, probs
}

// normDate accepts 2026-03-05, 2026/3/5 and 2026.3.5, and Excel's serial dates as text.
func normDate(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	s = strings.NewReplacer("/", "-", ".", "-", "年", "-", "月", "-", "日", "").Replace(s)
	var y, m, d int
	if _, err := fmt.Sscanf(s, "%d-%d-%d", &y, &m, &d); err == nil {
		return fmt.Sprintf("%04d-%02d-%02d", y, m, d)
	}
	return s
}
