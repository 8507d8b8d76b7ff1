package rating

import (
	"context"
	"encoding/json"
	"strings"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/errs"
)

type statRow struct {
	key, name string
	c         Counters
}

var sumCols = func() string {
	parts := make([]string, numCols)
	for i, c := range counterCols {
		parts[i] = "SUM(" + c + ")"
	}
	return strings.Join(parts, ", ")
}()

func scanCounters(dest []any, c *Counters) []any {
	for i := range c {
		dest = append(dest, &c[i])
	}
	return dest
}

// stats sums the rollup rows of periods by the keys of a dimension, within scope. Organisations
// and regions are the "all" rows grouped by unit or region.
func (st store) stats(ctx context.Context, q queryer, sc auth.Scope, dim string, periods []string) ([]statRow, error) {
	group, stored := "key", dim
	switch dim {
	case DimUnit:
		group, stored = "unit_id", DimAll
	case DimRegion:
		group, stored = "region_code", DimAll
	}
	args := []any{stored}
	where, sargs := sc.SQL("region_code", "unit_id", "", 2)
	args = append(args, sargs...)
	in := inList(&args, periods)
	name := "MAX(name)"
	if dim == DimRegion {
		name = "''"
	}
	rows, err := q.QueryContext(ctx, `SELECT `+group+`, `+name+`, `+sumCols+` FROM rating_rollups
		WHERE dim = $1 AND `+where+` AND period IN (`+in+`) GROUP BY `+group, args...)
	if err != nil {
		return nil, errs.Wrap(err, "stats")
	}
	defer rows.Close()
	var out []statRow
	for rows.Next() {
		var r statRow
		if err := rows.Scan(scanCounters([]any{&r.key, &r.name}, &r.c)...); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// statsByPeriod sums the "all" rows of each period, within scope.
func (st store) statsByPeriod(ctx context.Context, q queryer, sc auth.Scope, periods []string) (map[string]Counters, error) {
	args := []any{DimAll}
	where, sargs := sc.SQL("region_code", "unit_id", "", 2)
	args = append(args, sargs...)
	in := inList(&args, periods)
	rows, err := q.QueryContext(ctx, `SELECT period, `+sumCols+` FROM rating_rollups
		WHERE dim = $1 AND `+where+` AND period IN (`+in+`) GROUP BY period`, args...)
	if err != nil {
		return nil, errs.Wrap(err, "trend")
	}
	defer rows.Close()
	out := map[string]Counters{}
	for rows.Next() {
		var p string
		var c Counters
		if err := rows.Scan(scanCounters([]any{&p}, &c)...); err != nil {
			return nil, err
		}
		out[p] = c
	}
	return out, rows.Err()
}

type openRow struct{ ratedOn, region, dueOn string }

// openFollowups returns the open rectifications of counted bad ratings in scope.
func (st store) openFollowups(ctx context.Context, q queryer, sc auth.Scope) ([]openRow, error) {
	where, args := sc.SQL("r.region_code", "r.unit_id", "", 1)
	rows, err := q.QueryContext(ctx, `SELECT r.rated_on, r.region_code, f.due_on FROM rating_followups f
		JOIN ratings r ON r.id = f.rating_id
		WHERE f.closed = 0 AND `+where+`
		AND NOT EXISTS (SELECT 1 FROM rating_appeal_decisions d WHERE d.rating_id = r.id AND d.outcome = 'upheld')`, args...)
	if err != nil {
		return nil, errs.Wrap(err, "open follow-ups")
	}
	defer rows.Close()
	var out []openRow
	for rows.Next() {
		var o openRow
		if err := rows.Scan(&o.ratedOn, &o.region, &o.dueOn); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// badLines returns the bad ratings rated between from and to in scope, with their follow-up,
// for the bulletins: only the columns they show, oldest first.
func (st store) badLines(ctx context.Context, q queryer, sc auth.Scope, from, to string) ([]BadLine, error) {
	where, args := sc.SQL("r.region_code", "r.unit_id", "r.applicant_id", 4)
	rows, err := q.QueryContext(ctx, `SELECT r.id, r.rated_on, r.case_no, r.item_name, r.unit_name, r.hall_name, r.window_no,
		r.staff, r.level, r.reasons, r.comment, r.channel,
		EXISTS (SELECT 1 FROM rating_appeal_decisions d WHERE d.rating_id = r.id AND d.outcome = 'upheld'),
		COALESCE(f.rect_no, ''), COALESCE(f.state, ''), COALESCE(f.due_on, ''), COALESCE(f.callback, 0),
		COALESCE(f.response, ''), COALESCE(f.closed, 0), COALESCE(f.on_time, 0)
		FROM ratings r LEFT JOIN rating_followups f ON f.rating_id = r.id
		WHERE r.level <= $1 AND r.rated_on >= $2 AND r.rated_on <= $3 AND `+where+` ORDER BY r.rated_on, r.id`,
		append([]any{int(Dissatisfied), from, to}, args...)...)
	if err != nil {
		return nil, errs.Wrap(err, "bad ratings")
	}
	defer rows.Close()
	out := []BadLine{}
	for rows.Next() {
		var l BadLine
		var hall, win, staff, reasons, channel string
		var level int
		var excluded bool
		var cb, closed, onTime int
		if err := rows.Scan(&l.RatingID, &l.RatedOn, &l.CaseNo, &l.ItemName, &l.UnitName, &hall, &win, &staff, &level,
			&reasons, &l.Comment, &channel, &excluded, &l.RectNo, &l.RectState, &l.DueOn, &cb, &l.Response, &closed,
			&onTime); err != nil {
			return nil, err
		}
		l.Level, l.Channel, l.Excluded, l.Callback, l.ClosedInTime = Level(level), Channel(channel), excluded, cb != 0,
			closed != 0 && onTime != 0
		l.Window = strings.TrimSpace(hall + " " + win)
		var ss []Staff
		if err := json.Unmarshal([]byte(staff), &ss); err == nil {
			names := make([]string, len(ss))
			for i, x := range ss {
				names[i] = x.Name
			}
			l.Staff = strings.Join(names, "、")
		}
		if err := json.Unmarshal([]byte(reasons), &l.Reasons); err != nil || l.Reasons == nil {
			l.Reasons = []Reason{}
		}
		out = append(out, l)
	}
	return out, rows.Err()
}
