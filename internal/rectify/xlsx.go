package rectify

import (
	"bytes"
	"context"
	"fmt"

	"github.com/xuri/excelize/v2"

	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/web"
)

// ledgerColumns are the columns of the 台账, in the order a bureau files it.
var ledgerColumns = []string{"rectify.col.seq", "rectify.col.no", "rectify.col.source", "rectify.col.source_label",
	"rectify.col.title", "rectify.col.description", "rectify.col.unit", "rectify.col.owner", "rectify.col.started_on",
	"rectify.col.due_on", "rectify.col.outcome", "rectify.col.measures", "rectify.col.callback",
	"rectify.col.satisfaction", "rectify.col.state", "rectify.col.closed_on", "rectify.col.on_time",
	"rectify.col.verifier", "rectify.col.escalation"}

// LedgerXLSX writes the ledger items matching f in the viewer's scope as the 台账 workbook: a
// title row, the columns a bureau files, one row per item, and a summary line.
func (s *Service) LedgerXLSX(ctx context.Context, f Filter, lang string) ([]byte, error) {
	v, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	f.Today = s.today().String()
	its, levels, err := s.st.list(ctx, s.d.Read, v.Scope(), f, 0)
	if err != nil {
		return nil, err
	}
	t := func(k string, args ...any) string { return web.Messages.Text(lang, k, web.Args(args...)) }
	x := excelize.NewFile()
	defer x.Close()
	sheet := t("rectify.ledger.sheet")
	x.SetSheetName("Sheet1", sheet)
	title, _ := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 16},
		Alignment: &excelize.Alignment{Horizontal: "center"}})
	head, _ := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{Horizontal: "center",
		Vertical: "center", WrapText: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"DDEBF7"}, Pattern: 1},
		Border: borders()})
	cell, _ := x.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}, Border: borders()})
	last, _ := excelize.ColumnNumberToName(len(ledgerColumns))
	x.MergeCell(sheet, "A1", last+"1")
	x.SetCellValue(sheet, "A1", t("rectify.ledger.title"))
	x.SetCellStyle(sheet, "A1", "A1", title)
	x.SetCellValue(sheet, "A2", t("rectify.ledger.made", "day", f.Today))
	hdr := make([]any, len(ledgerColumns))
	for i, k := range ledgerColumns {
		hdr[i] = t(k)
	}
	x.SetSheetRow(sheet, "A3", &hdr)
	x.SetCellStyle(sheet, "A3", last+"3", head)
	closed, onTime := 0, 0
	for i, it := range its {
		r, err := s.view(ctx, it, levels[i], false)
		if err != nil {
			return nil, err
		}
		cb := t("rectify.callback.none")
		switch {
		case !r.CallbackNeeded && !r.CallbackDone:
			cb = t("rectify.callback.not_required")
		case r.Unreachable:
			cb = t("rectify.callback.unreachable")
		case r.CallbackDone:
			cb = t("rectify.callback.done")
		}
		outcome, sat, esc := "", "", ""
		if r.Outcome != "" {
			outcome = t("rectify.outcome." + string(r.Outcome))
		}
		if r.Satisfaction != "" {
			sat = t("rectify.satisfaction." + string(r.Satisfaction))
		}
		if r.Escalation > 0 {
			esc = t(fmt.Sprintf("rectify.level.%d", r.Escalation))
		}
		measures := r.Measures
		if r.Explanation != "" {
			if measures != "" {
				measures += "\n"
			}
			measures += r.Explanation
		}
		onTimeText := ""
		if r.State == StateClosed {
			closed++
			onTimeText = t("rectify.no")
			if r.OnTime {
				onTime++
				onTimeText = t("rectify.yes")
			}
		}
		row := []any{i + 1, r.No, t("rectify.source." + string(r.SourceKind)), r.SourceLabel, r.Title, r.Description,
			r.UnitName, r.OwnerName, r.StartedOn, r.DueOn, outcome, measures, cb, sat, t("rectify.state." + string(r.State)),
			r.ClosedOn, onTimeText, r.VerifiedBy, esc}
		at, _ := excelize.CoordinatesToCellName(1, i+4)
		end, _ := excelize.CoordinatesToCellName(len(ledgerColumns), i+4)
		x.SetSheetRow(sheet, at, &row)
		x.SetCellStyle(sheet, at, end, cell)
	}
	sum, _ := excelize.CoordinatesToCellName(1, len(its)+5)
	x.SetCellValue(sheet, sum, t("rectify.ledger.summary", "total", len(its), "closed", closed, "on_time", onTime))
	for i, w := range []float64{6, 16, 10, 16, 24, 36, 20, 10, 11, 11, 12, 36, 14, 10, 10, 11, 8, 10, 8} {
		col, _ := excelize.ColumnNumberToName(i + 1)
		x.SetColWidth(sheet, col, col, w)
	}
	x.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 3, TopLeftCell: "A4", ActivePane: "bottomLeft"})
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		return nil, errs.Wrap(err, "ledger workbook")
	}
	return buf.Bytes(), nil
}

func borders() []excelize.Border {
	var b []excelize.Border
	for _, side := range []string{"left", "right", "top", "bottom"} {
		b = append(b, excelize.Border{Type: side, Color: "999999", Style: 1})
	}
	return b
}
