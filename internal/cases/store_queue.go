package cases

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/workday"
)

// Summary is a case as a queue shows it: the denormalised display fields, no history.
type Summary struct {
	ID             string       `json:"id"`
	No             string       `json:"no"`
	ParentID       string       `json:"parent_id,omitempty"`
	ItemID         string       `json:"item_id,omitempty"`
	ItemName       string       `json:"item_name"`
	Kind           Kind         `json:"kind"`
	State          State        `json:"state"`
	StateName      string       `json:"state_name"`
	Flags          Flags        `json:"flags"`
	Version        int64        `json:"version"`
	Channel        Channel      `json:"channel"`
	ApplicantType  string       `json:"applicant_type"`
	Applicant      string       `json:"applicant" doc:"masked name of a person, name of an organisation"`
	ApplicantID    string       `json:"applicant_id" doc:"masked"`
	Receiving      Office       `json:"receiving"`
	Handling       Office       `json:"handling"`
	StepName       string       `json:"step_name,omitempty"`
	TodoRole       auth.Role    `json:"todo_role,omitempty"`
	TodoUser       string       `json:"todo_user,omitempty"`
	NextDue        workday.Date `json:"next_due,omitzero"`
	RemainingWD    int          `json:"remaining_wd"`
	Level          string       `json:"level"`
	PromisedDue    workday.Date `json:"promised_due,omitzero"`
	StatutoryDue   workday.Date `json:"statutory_due,omitzero"`
	CreatedAtMilli int64        `json:"-"`
	UpdatedAtMilli int64        `json:"-"`
	sortMilli      int64
}

const summaryCols = `c.id, c.case_no, c.parent_id, c.item_id, c.item_name, c.kind, c.state, c.flags, c.version,
	c.channel, c.applicant_type, c.applicant_label, c.applicant_id_masked, c.recv_unit, c.recv_region, c.recv_window,
	c.handling_unit, c.handling_region, c.step_name, c.todo_role, c.todo_user, c.next_due, c.remaining_wd, c.level,
	c.promised_due, c.statutory_due, c.created_at, c.updated_at`

func scanSummary(rows *sql.Rows, withLastAt bool) (Summary, error) {
	var (
		x                   Summary
		no                  sql.NullString
		kind, channel, role string
		next                string
		state, level        int
		flags               int64
	)
	dest := []any{&x.ID, &no, &x.ParentID, &x.ItemID, &x.ItemName, &kind, &state, &flags, &x.Version, &channel,
		&x.ApplicantType, &x.Applicant, &x.ApplicantID, &x.Receiving.UnitID, &x.Receiving.RegionCode,
		&x.Receiving.WindowID, &x.Handling.UnitID, &x.Handling.RegionCode, &x.StepName, &role, &x.TodoUser, &next,
		&x.RemainingWD, &level, &x.PromisedDue, &x.StatutoryDue, &x.CreatedAtMilli, &x.UpdatedAtMilli}
	if withLastAt {
		dest = append(dest, &x.sortMilli)
	}
	if err := rows.Scan(dest...); err != nil {
		return x, err
	}
	x.No, x.Kind, x.State, x.StateName, x.Flags = no.String, Kind(kind), State(state), State(state).String(), Flags(flags)
	x.Channel, x.TodoRole, x.Level = Channel(channel), auth.Role(role), Level(level).String()
	if next != noDue && next != "" {
		d, err := workday.ParseDate(next)
		if err != nil {
			return x, err
		}
		x.NextDue = d
	}
	return x, nil
}

// queueSQL is one queue query: the WHERE clause (after "WHERE") and its arguments, the ORDER BY
// and the keyset condition builder. sortAt names the column of a queue ordered by a time of
// another table (已办: when the viewer acted; 联办意见: when the department was asked), read with
// each row for the cursor.
type queueSQL struct {
	from   string
	where  []string
	args   []any
	order  string
	sortAt string
}

// add appends a condition whose placeholders are numbered from $1, renumbering them after the
// arguments already there.
func (q *queueSQL) add(cond string, args ...any) {
	n := len(q.args)
	cond = placeholderRE.ReplaceAllStringFunc(cond, func(p string) string {
		k, _ := strconv.Atoi(p[1:])
		return "$" + strconv.Itoa(k+n)
	})
	q.where = append(q.where, cond)
	q.args = append(q.args, args...)
}

var placeholderRE = regexp.MustCompile(`\$[0-9]+`)

// scope adds a data-scope condition from auth.Scope.SQL over the given columns.
func (q *queueSQL) scope(sc auth.Scope, regionCol, unitCol, ownerCol string) {
	cond, args := sc.SQL(regionCol, unitCol, ownerCol, len(q.args)+1)
	q.where = append(q.where, cond)
	q.args = append(q.args, args...)
}

// scopeEither admits a case seen from either side (全市通办: both sides see it) and, with
// jointUnit set, a case that unit was asked to give its opinion on (联办).
func (q *queueSQL) scopeEither(sc auth.Scope, jointUnit string) {
	a, aa := sc.SQL("c.recv_region", "c.recv_unit", "c.owner_id", len(q.args)+1)
	b, ba := sc.SQL("c.handling_region", "c.handling_unit", "c.owner_id", len(q.args)+len(aa)+1)
	q.args = append(append(q.args, aa...), ba...)
	if jointUnit == "" {
		q.where = append(q.where, "("+a+" OR "+b+")")
		return
	}
	q.args = append(q.args, jointUnit)
	q.where = append(q.where, "("+a+" OR "+b+" OR EXISTS (SELECT 1 FROM case_tasks j WHERE j.case_id = c.id AND j.branch = 'joint' AND j.unit_id = $"+
		strconv.Itoa(len(q.args))+"))")
}

func (st store) runQueue(ctx context.Context, q db.Q, s *queueSQL, limit int) ([]Summary, error) {
	cols := summaryCols
	withLastAt := s.sortAt != ""
	if withLastAt {
		cols += ", " + s.sortAt
	}
	query := "SELECT " + cols + " FROM " + s.from + " WHERE " + strings.Join(s.where, " AND ") + " ORDER BY " + s.order +
		fmt.Sprintf(" LIMIT %d", limit)
	rows, err := q.QueryContext(ctx, query, s.args...)
	if err != nil {
		return nil, fmt.Errorf("cases: queue: %w", err)
	}
	defer rows.Close()
	var out []Summary
	for rows.Next() {
		x, err := scanSummary(rows, withLastAt)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// queueText returns the SQL and arguments of a queue query (for EXPLAIN in tests).
func queueText(s *queueSQL, limit int) (string, []any) {
	return "SELECT " + summaryCols + " FROM " + s.from + " WHERE " + strings.Join(s.where, " AND ") + " ORDER BY " +
		s.order + fmt.Sprintf(" LIMIT %d", limit), s.args
}

// ---- RecomputeAll and the sweeps ----

const recomputeCols = `id, version, state, kind, flags, handling_region, limits, facts, received_on, accepted_on,
	decided_on, intake_due, promised_due, statutory_due, delivery_due, pending_due, next_due, remaining_wd, level`

// openForRecompute reads a batch of open cases after id, with what derive needs.
func (st store) openForRecompute(ctx context.Context, q db.Q, after string, limit int) ([]*rec, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+recomputeCols+" FROM cases WHERE state < 92 AND id > $1 ORDER BY id LIMIT $2",
		after, limit)
	if err != nil {
		return nil, fmt.Errorf("cases: recompute read: %w", err)
	}
	defer rows.Close()
	out := make([]*rec, 0, limit)
	for rows.Next() {
		r := &rec{}
		var (
			state, level   int
			flags          int64
			kind, lim, fct string
			next           string
		)
		if err := rows.Scan(&r.ID, &r.Version, &state, &kind, &flags, &r.HandlingRegion, &lim, &fct, &r.ReceivedOn,
			&r.AcceptedOn, &r.DecidedOn, &r.IntakeDue, &r.PromisedDue, &r.StatutoryDue, &r.DeliveryDue, &r.PendingDue,
			&next, &r.RemainingWD, &level); err != nil {
			return nil, err
		}
		r.State, r.Kind, r.Flags, r.Level = State(state), Kind(kind), Flags(flags), Level(level)
		if next != noDue {
			if r.NextDue, err = workday.ParseDate(next); err != nil {
				return nil, err
			}
		}
		if err := json.Unmarshal([]byte(lim), &r.Limits); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(fct), &r.Facts); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// derivedSet is a group of derived columns RecomputeAll writes together.
type derivedSet struct {
	cols  []string
	types []string // SQL types of id, version, then cols
	vals  func(r *rec) []any
}

var (
	// fullDerived is every derived column.
	fullDerived = derivedSet{
		cols: []string{"flags", "intake_due", "promised_due", "statutory_due", "delivery_due", "pending_due", "next_due",
			"remaining_wd", "level"},
		types: []string{"TEXT", "BIGINT", "BIGINT", "TEXT", "TEXT", "TEXT", "TEXT", "TEXT", "TEXT", "INTEGER", "INTEGER"},
		vals: func(r *rec) []any {
			return []any{r.ID, r.Version, int64(r.Flags), r.IntakeDue, r.PromisedDue, r.StatutoryDue, r.DeliveryDue,
				r.PendingDue, nextDueText(r.NextDue), r.RemainingWD, int(r.Level)}
		},
	}
	// remainingDerived is remaining_wd alone: a column in no index, so neither engine touches
	// an index to write it.
	remainingDerived = derivedSet{
		cols:  []string{"remaining_wd"},
		types: []string{"TEXT", "BIGINT", "INTEGER"},
		vals:  func(r *rec) []any { return []any{r.ID, r.Version, r.RemainingWD} },
	}
)

// writeDerived writes the derived columns of rows in one transaction, each row guarded by the
// version read: full rows, and rows of which only remaining_wd changed. It returns how many
// rows were written. On PostgreSQL many rows go in one statement (UPDATE … FROM VALUES), to save
// round trips; SQLite runs in process, and one prepared statement per row beats its plan for a
// large VALUES join (a few µs a row against some 200).
func (st store) writeDerived(ctx context.Context, d *db.DB, full, remaining []*rec) (int, error) {
	n := 0
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		for _, part := range []struct {
			rows []*rec
			set  derivedSet
		}{{full, fullDerived}, {remaining, remainingDerived}} {
			if len(part.rows) == 0 {
				continue
			}
			var k int
			var err error
			if d.Engine == db.SQLite {
				k, err = st.writeEach(ctx, tx, part.rows, part.set)
			} else {
				k, err = st.writeBatched(ctx, tx, part.rows, part.set)
			}
			if err != nil {
				return fmt.Errorf("cases: recompute write: %w", err)
			}
			n += k
		}
		return nil
	})
	return n, err
}

func (st store) writeEach(ctx context.Context, tx *sql.Tx, rows []*rec, set derivedSet) (int, error) {
	var b strings.Builder
	b.WriteString("UPDATE cases SET ")
	for i, c := range set.cols {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s = $%d", c, i+3)
	}
	b.WriteString(" WHERE id = $1 AND version = $2")
	stmt, err := tx.PrepareContext(ctx, b.String())
	if err != nil {
		return 0, err
	}
	defer stmt.Close()
	n := 0
	for _, r := range rows {
		res, err := stmt.ExecContext(ctx, set.vals(r)...)
		if err != nil {
			return n, err
		}
		k, err := res.RowsAffected()
		if err != nil {
			return n, err
		}
		n += int(k)
	}
	return n, nil
}

func (st store) writeBatched(ctx context.Context, tx *sql.Tx, rows []*rec, set derivedSet) (int, error) {
	const perStmt = 250
	n := 0
	for i := 0; i < len(rows); i += perStmt {
		chunk := rows[i:min(i+perStmt, len(rows))]
		var b strings.Builder
		args := make([]any, 0, len(chunk)*len(set.types))
		b.WriteString("UPDATE cases SET ")
		for k, c := range set.cols {
			if k > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s = v.column%d", c, k+3)
		}
		b.WriteString(" FROM (VALUES ")
		for j, r := range chunk {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('(')
			for k, typ := range set.types {
				if k > 0 {
					b.WriteString(", ")
				}
				fmt.Fprintf(&b, "CAST(%s AS %s)", st.mark(len(args)+k+1), typ)
			}
			b.WriteByte(')')
			args = append(args, set.vals(r)...)
		}
		b.WriteString(") AS v WHERE cases.id = v.column1 AND cases.version = v.column2")
		res, err := tx.ExecContext(ctx, b.String(), args...)
		if err != nil {
			return n, err
		}
		k, err := res.RowsAffected()
		if err != nil {
			return n, err
		}
		n += int(k)
	}
	return n, nil
}

// mark is the n-th placeholder of a generated statement with many parameters: $n on
// PostgreSQL; a plain ? on SQLite, whose lookup of numbered ($n) parameters is quadratic in their
// number (a multi-row statement has thousands). Arguments are bound in order either way, so a
// statement must use one style throughout.
func (st store) mark(n int) string {
	if st.d.Engine == db.SQLite {
		return "?"
	}
	return "$" + strconv.Itoa(n)
}

// marks returns n placeholders from the from-th, comma-separated.
func (st store) marks(n, from int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(st.mark(from + i))
	}
	return b.String()
}

// dueBefore lists the not yet accepted cases in states whose next_due is before day.
func (st store) dueBefore(ctx context.Context, q db.Q, states []State, day workday.Date) ([]string, error) {
	var ids []string
	for _, s := range states {
		part, err := st.ids(ctx, q, `SELECT id FROM cases WHERE state < 92 AND state = $1 AND next_due < $2
			AND accepted_on IS NULL ORDER BY next_due, id`, int(s), day.String())
		if err != nil {
			return nil, err
		}
		ids = append(ids, part...)
	}
	return ids, nil
}

// renewalsPast lists the timely renewals in review whose licence expired before day.
func (st store) renewalsPast(ctx context.Context, q db.Q, day workday.Date) ([]string, error) {
	return st.ids(ctx, q, `SELECT id FROM cases WHERE state < 92 AND state IN ($1, $2) AND next_due < $3
		AND (flags & $4) <> 0 ORDER BY next_due, id`, int(StAccepted), int(StInReview), day.String(), int64(FlagRenewal))
}

// correctionsDue lists the cases awaiting a correction whose reply date falls in [from, to].
func (st store) correctionsDue(ctx context.Context, q db.Q, from, to workday.Date) ([]string, error) {
	return st.ids(ctx, q, `SELECT id FROM cases WHERE state < 92 AND state = $1 AND next_due >= $2 AND next_due <= $3
		ORDER BY next_due, id`, int(StCorrection), from.String(), to.String())
}

// overdueCandidates lists the accepted cases past their promised due date not yet reported.
func (st store) overdueCandidates(ctx context.Context, q db.Q, day workday.Date) ([]string, error) {
	var ids []string
	for _, s := range []State{StAccepted, StInReview} {
		part, err := st.ids(ctx, q, `SELECT id FROM cases WHERE state < 92 AND state = $1 AND next_due < $2
			AND overdue_at = 0 ORDER BY next_due, id`, int(s), day.String())
		if err != nil {
			return nil, err
		}
		ids = append(ids, part...)
	}
	return ids, nil
}

// pendingBefore lists the open cases whose 容缺 promise fell due before day and is not flagged.
func (st store) pendingBefore(ctx context.Context, q db.Q, day workday.Date) ([]string, error) {
	return st.ids(ctx, q, `SELECT id FROM cases WHERE pending_due < $1 AND state < 92 AND (flags & $2) = 0
		ORDER BY pending_due, id`, day.String(), int64(FlagPendingMissed))
}

func (st store) ids(ctx context.Context, q db.Q, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("cases: ids: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
