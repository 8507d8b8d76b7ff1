package rating

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/pdfdoc"
	"onestamp/internal/platform/web"
)

// translator returns the catalogue's text of a key in a language.
func translator(lang string) func(key string, args ...any) string {
	return func(key string, args ...any) string {
		var m map[string]any
		if len(args) > 1 {
			m = map[string]any{}
			for i := 0; i+1 < len(args); i += 2 {
				m[fmt.Sprint(args[i])] = args[i+1]
			}
		}
		return web.Messages.Text(lang, key, m)
	}
}

func pctText(v float64, den int64) string {
	if den == 0 {
		return "—"
	}
	return strconv.FormatFloat(v, 'f', 2, 64) + "%"
}

// statColumns are the headers of a statistics row, after the name.
var statColumns = []string{"rating.col.n", "rating.level.5", "rating.level.4", "rating.level.3", "rating.level.2",
	"rating.level.1", "rating.col.good_rate", "rating.col.bad_rate", "rating.col.active_rate", "rating.col.unrated_rate",
	"rating.col.rectify_rate", "rating.col.timely_rate", "rating.col.callback_rate", "rating.col.satisfaction_rate",
	"rating.col.score"}

func statCells(s Stat) []any {
	return []any{s.N, s.Levels[4], s.Levels[3], s.Levels[2], s.Levels[1], s.Levels[0],
		pctText(s.GoodRate, s.N), pctText(s.BadRate, s.N), pctText(s.ActiveRate, s.Concluded),
		pctText(s.UnratedRate, s.Concluded), pctText(s.Rectified, s.Bad), pctText(s.Timely, s.Closed),
		pctText(s.CalledBack, s.BadReal), pctText(s.Satisfy, s.Responses), s.Score}
}

// sheet writes a titled table on a new sheet of f.
type sheet struct {
	f    *excelize.File
	name string
	row  int
	head int // style of header cells
}

func newSheet(f *excelize.File, name string, first bool, head int) *sheet {
	if first {
		f.SetSheetName("Sheet1", name)
	} else {
		f.NewSheet(name)
	}
	return &sheet{f: f, name: name, row: 1, head: head}
}

func (s *sheet) line(style int, cells ...any) {
	cell, _ := excelize.CoordinatesToCellName(1, s.row)
	_ = s.f.SetSheetRow(s.name, cell, &cells)
	if style != 0 {
		end, _ := excelize.CoordinatesToCellName(len(cells), s.row)
		_ = s.f.SetCellStyle(s.name, cell, end, style)
	}
	s.row++
}

func (s *sheet) widths(ws ...float64) {
	for i, w := range ws {
		col, _ := excelize.ColumnNumberToName(i + 1)
		_ = s.f.SetColWidth(s.name, col, col, w)
	}
}

func headers(t func(string, ...any) string, first []string, keys []string) []any {
	out := make([]any, 0, len(first)+len(keys))
	for _, k := range first {
		out = append(out, t(k))
	}
	for _, k := range keys {
		out = append(out, t(k))
	}
	return out
}

func workbook() (*excelize.File, int, int) {
	f := excelize.NewFile()
	head, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill:   excelize.Fill{Type: "pattern", Color: []string{"DDEBF7"}, Pattern: 1},
		Border: []excelize.Border{{Type: "bottom", Color: "888888", Style: 1}}})
	title, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	return f, head, title
}

func statSheet(f *excelize.File, t func(string, ...any) string, name string, first bool, head int, rows []Stat) {
	sh := newSheet(f, name, first, head)
	sh.line(head, headers(t, []string{"rating.col.rank", "rating.col.name"}, statColumns)...)
	for i, s := range rows {
		sh.line(0, append([]any{i + 1, nameOr(s)}, statCells(s)...)...)
	}
	sh.widths(6, 28)
}

func nameOr(s Stat) string {
	if s.Name != "" {
		return s.Name
	}
	return s.Key
}

func reasonText(t func(string, ...any) string, rs []Reason) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = t("rating.reason." + string(r))
	}
	return strings.Join(parts, "、")
}

func finish(f *excelize.File) ([]byte, error) {
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, errs.Wrap(err, "write workbook")
	}
	return buf.Bytes(), nil
}

// BulletinXLSX is the monthly bulletin as a workbook: the overview, the rankings of
// organisations, regions and windows, the 约谈 candidates and every bad rating.
func BulletinXLSX(b Bulletin, lang string) ([]byte, error) {
	t := translator(lang)
	f, head, title := workbook()
	defer f.Close()
	ov := newSheet(f, t("rating.sheet.overview"), true, head)
	ov.line(title, t("rating.bulletin.title", "period", string(b.Period)))
	ov.line(head, headers(t, []string{"rating.col.period"}, statColumns)...)
	ov.line(0, append([]any{string(b.Period)}, statCells(b.Total)...)...)
	ov.line(0, append([]any{string(b.Prev)}, statCells(b.PrevTotal)...)...)
	ov.widths(12)
	statSheet(f, t, t("rating.sheet.units"), false, head, b.Units)
	statSheet(f, t, t("rating.sheet.regions"), false, head, b.Regions)
	statSheet(f, t, t("rating.sheet.windows"), false, head, b.Windows)
	iv := newSheet(f, t("rating.sheet.interviews"), false, head)
	iv.line(head, t("rating.col.window"), t("rating.col.rank_this"), t("rating.col.rank_prev"),
		t("rating.col.bad_this"), t("rating.col.bad_prev"), t("rating.col.bad_rate"))
	for _, x := range b.Interviews {
		iv.line(0, x.Name, x.Rank, x.PrevRank, x.This.Bad, x.Prev.Bad, pctText(x.This.BadRate, x.This.N))
	}
	iv.widths(30)
	writeBad(f, t, head, b.Bad)
	return finish(f)
}

func writeBad(f *excelize.File, t func(string, ...any) string, head int, bad []BadLine) {
	bs := newSheet(f, t("rating.sheet.bad"), false, head)
	bs.line(head, t("rating.col.rated_on"), t("rating.col.case_no"), t("rating.col.item"), t("rating.col.unit"),
		t("rating.col.window"), t("rating.col.staff"), t("rating.col.level"), t("rating.col.reasons"),
		t("rating.col.comment"), t("rating.col.channel"), t("rating.col.rect_no"), t("rating.col.rect_state"),
		t("rating.col.due_on"), t("rating.col.callback"), t("rating.col.response"), t("rating.col.excluded"))
	for _, l := range bad {
		state := ""
		if l.RectState != "" {
			state = t("rating.rect_state." + l.RectState)
		}
		resp := ""
		if l.Response != "" {
			resp = t("rating.response." + l.Response)
		}
		bs.line(0, l.RatedOn, l.CaseNo, l.ItemName, l.UnitName, l.Window, l.Staff, t("rating.level."+strconv.Itoa(int(l.Level))),
			reasonText(t, l.Reasons), l.Comment, t("rating.channel."+string(l.Channel)), l.RectNo, state, l.DueOn,
			yesNo(t, l.Callback), resp, yesNo(t, l.Excluded))
	}
	bs.widths(11, 16, 22, 20, 18, 10, 10, 24, 30)
}

func yesNo(t func(string, ...any) string, b bool) string {
	if b {
		return t("rating.yes")
	}
	return t("rating.no")
}

// AnnualXLSX is the annual assessment table as a workbook.
func AnnualXLSX(a Annual, lang string) ([]byte, error) {
	t := translator(lang)
	f, head, title := workbook()
	defer f.Close()
	sh := newSheet(f, t("rating.sheet.annual"), true, head)
	sh.line(title, t("rating.annual.title", "year", a.Year))
	sh.line(head, headers(t, []string{"rating.col.rank", "rating.col.name"}, statColumns)...)
	for i, s := range a.Units {
		sh.line(0, append([]any{i + 1, nameOr(s)}, statCells(s)...)...)
	}
	sh.line(head, append([]any{"", t("rating.col.total")}, statCells(a.Total)...)...)
	sh.widths(6, 28)
	return finish(f)
}

// DailyXLSX is the daily summary as a workbook.
func DailyXLSX(d Daily, lang string) ([]byte, error) {
	t := translator(lang)
	f, head, title := workbook()
	defer f.Close()
	sh := newSheet(f, t("rating.sheet.daily"), true, head)
	sh.line(title, t("rating.daily.title", "day", d.Day))
	sh.line(head, headers(t, []string{"rating.col.rank", "rating.col.name"}, statColumns)...)
	for i, s := range d.Units {
		sh.line(0, append([]any{i + 1, nameOr(s)}, statCells(s)...)...)
	}
	sh.line(head, append([]any{"", t("rating.col.total")}, statCells(d.Total)...)...)
	sh.widths(6, 28)
	writeBad(f, t, head, d.Bad)
	return finish(f)
}

// BulletinPDF is the monthly bulletin as an A4 document.
func BulletinPDF(b Bulletin, lang string) ([]byte, error) {
	t := translator(lang)
	d := pdfdoc.New(pdfdoc.Options{Title: t("rating.bulletin.title", "period", string(b.Period)), PageNumbers: true,
		Footer: t("rating.bulletin.footer"), Created: b.Generated})
	d.Title(t("rating.bulletin.title", "period", string(b.Period)))
	tot := b.Total
	d.Paragraph(t("rating.bulletin.summary", "n", tot.N, "good_rate", pctText(tot.GoodRate, tot.N),
		"bad", tot.Bad, "bad_rate", pctText(tot.BadRate, tot.N), "active_rate", pctText(tot.ActiveRate, tot.Concluded),
		"rectify_rate", pctText(tot.Rectified, tot.Bad), "callback_rate", pctText(tot.CalledBack, tot.BadReal),
		"satisfaction_rate", pctText(tot.Satisfy, tot.Responses), "prev_n", b.PrevTotal.N,
		"prev_good_rate", pctText(b.PrevTotal.GoodRate, b.PrevTotal.N)))
	short := []string{"rating.col.rank", "rating.col.name", "rating.col.n", "rating.col.good_rate", "rating.col.bad_rate",
		"rating.col.rectify_rate", "rating.col.callback_rate", "rating.col.score"}
	rank := func(title string, rows []Stat, limit int) {
		d.Heading(2, title)
		tb := pdfdoc.Table{Widths: []float64{12, 58, 16, 20, 20, 20, 20, 16}, Size: pdfdoc.SizeSmall}
		for _, k := range short {
			tb.Header = append(tb.Header, t(k))
		}
		for i, s := range rows {
			if limit > 0 && i >= limit {
				break
			}
			tb.Rows = append(tb.Rows, []string{strconv.Itoa(i + 1), nameOr(s), strconv.FormatInt(s.N, 10),
				pctText(s.GoodRate, s.N), pctText(s.BadRate, s.N), pctText(s.Rectified, s.Bad),
				pctText(s.CalledBack, s.BadReal), strconv.FormatFloat(s.Score, 'f', 2, 64)})
		}
		if len(tb.Rows) == 0 {
			d.Line(t("rating.none"))
			return
		}
		d.Table(tb)
	}
	rank(t("rating.sheet.units"), b.Units, 0)
	rank(t("rating.sheet.regions"), b.Regions, 0)
	rank(t("rating.sheet.windows"), b.Windows, 30)
	d.Heading(2, t("rating.sheet.interviews"))
	if len(b.Interviews) == 0 {
		d.Line(t("rating.none"))
	} else {
		tb := pdfdoc.Table{Header: []string{t("rating.col.window"), t("rating.col.rank_this"), t("rating.col.rank_prev"),
			t("rating.col.bad_this"), t("rating.col.bad_prev")}, Widths: []float64{70, 25, 25, 25, 25}, Size: pdfdoc.SizeSmall}
		for _, x := range b.Interviews {
			tb.Rows = append(tb.Rows, []string{x.Name, strconv.Itoa(x.Rank), strconv.Itoa(x.PrevRank),
				strconv.FormatInt(x.This.Bad, 10), strconv.FormatInt(x.Prev.Bad, 10)})
		}
		d.Table(tb)
	}
	d.Heading(2, t("rating.sheet.bad"))
	if len(b.Bad) == 0 {
		d.Line(t("rating.none"))
	} else {
		tb := pdfdoc.Table{Header: []string{t("rating.col.rated_on"), t("rating.col.case_no"), t("rating.col.unit"),
			t("rating.col.level"), t("rating.col.reasons"), t("rating.col.rect_state"), t("rating.col.callback")},
			Widths: []float64{20, 28, 32, 18, 32, 20, 20}, Size: pdfdoc.SizeSmall}
		for _, l := range b.Bad {
			state := t("rating.rect_state.none")
			if l.RectState != "" {
				state = t("rating.rect_state." + l.RectState)
			}
			if l.Excluded {
				state = t("rating.excluded")
			}
			tb.Rows = append(tb.Rows, []string{l.RatedOn, l.CaseNo, l.UnitName, t("rating.level." + strconv.Itoa(int(l.Level))),
				reasonText(t, l.Reasons), state, yesNo(t, l.Callback)})
		}
		d.Table(tb)
	}
	out, err := d.Bytes()
	if err != nil {
		return nil, errs.Wrap(err, "bulletin pdf")
	}
	return out, nil
}
