package cases

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Bulk writes of the demo year: multi-row INSERTs of the rows the service writes one by one.

// demoWriter buffers played cases and writes them in multi-row statements.
type demoWriter struct {
	st    store
	ctx   context.Context
	tx    *sql.Tx
	buf   []*demoCase
	stats DemoStats
}

func (w *demoWriter) add(c *demoCase) { w.buf = append(w.buf, c) }

func (w *demoWriter) pending() int { return len(w.buf) }

const (
	eventInsertCols    = "id, case_id, root_id, seq, case_no, action, from_state, to_state, actor, actor_name, role, covering_for, at, on_date, reason, docs, data"
	materialInsertCols = "case_id, seq, " + materialCols + ", shared_from"
	fileInsertCols     = "case_id, " + fileCols
)

// flush writes the buffered cases: the rows first, then what refers to them.
func (w *demoWriter) flush() error {
	if len(w.buf) == 0 {
		return nil
	}
	var cases, events, tasks, mats, files, actors [][]any
	for _, c := range w.buf {
		r := c.r
		cases = append(cases, w.st.values(r))
		w.stats.Cases++
		if r.State < StDelivered {
			w.stats.Open++
		}
		for _, e := range c.events {
			docs, data := e.Docs, e.Data
			if docs == nil {
				docs = []string{}
			}
			if data == nil {
				data = map[string]any{}
			}
			events = append(events, []any{e.ID, e.CaseID, r.ID, e.Seq, e.CaseNo, string(e.Action), int(e.From), int(e.To),
				e.Actor, e.ActorName, e.Role, e.CoveringFor, e.At.UnixMilli(), e.On.String(), e.Reason, mustJSON(docs), mustJSON(data)})
		}
		w.stats.Events += len(c.events)
		for _, t := range c.tasks {
			tasks = append(tasks, []any{t.ID, t.CaseID, t.Step, t.StepName, t.Branch, string(t.Role), t.UnitID, t.Assignee,
				t.State, t.OpenedAt.UnixMilli(), millisOrZero(t.ClosedAt), t.ClosedBy, t.CoveringFor, t.Outcome, t.Opinion})
		}
		w.stats.Tasks += len(c.tasks)
		for i, m := range c.mats {
			mats = append(mats, []any{r.ID, i, m.Code, m.Name, b2i(m.Required), b2i(m.PendingAllowed), string(m.MinTrust),
				m.CertType, m.Status, string(m.Trust), m.Defect, m.PendingDue, m.CertRef, m.FileID, ""})
		}
		for _, f := range c.files {
			files = append(files, []any{r.ID, f.ID, f.Material, f.Hash, f.Size, f.Kind, f.Name, string(f.Trust), f.UploadedBy,
				f.UploadedAt.UnixMilli(), f.CheckedBy, millisOrZero(f.CheckedAt)})
		}
		for u, at := range c.actors {
			actors = append(actors, []any{u, r.ID, at})
		}
	}
	w.buf = w.buf[:0]
	for _, t := range []struct {
		table, cols string
		rows        [][]any
	}{
		{"cases", caseCols, cases}, {"case_events", eventInsertCols, events}, {"case_tasks", taskCols, tasks},
		{"case_materials", materialInsertCols, mats}, {"case_files", fileInsertCols, files},
		{"case_actors", "user_id, case_id, last_at", actors},
	} {
		if err := w.st.insertMany(w.ctx, w.tx, t.table, t.cols, t.rows); err != nil {
			return err
		}
	}
	return nil
}

// insertMany writes rows with multi-row INSERT statements, as many rows per statement as the
// engines' parameter limits allow (SQLite 32,766; PostgreSQL 65,535).
func (st store) insertMany(ctx context.Context, tx *sql.Tx, table, cols string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	n := len(rows[0])
	per := max(1, min(1000, 30000/n))
	var b strings.Builder
	for i := 0; i < len(rows); i += per {
		chunk := rows[i:min(i+per, len(rows))]
		b.Reset()
		b.WriteString("INSERT INTO " + table + " (" + cols + ") VALUES ")
		args := make([]any, 0, len(chunk)*n)
		for j, row := range chunk {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('(')
			b.WriteString(st.marks(n, len(args)+1))
			b.WriteByte(')')
			args = append(args, row...)
		}
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("cases demo: insert %s: %w", table, err)
		}
	}
	return nil
}
