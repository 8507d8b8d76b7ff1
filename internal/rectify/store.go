package rectify

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/errs"
)

// store holds every SQL statement of the domain.
type store struct{ d *db.DB }

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// item is a rectification as stored.
type item struct {
	ID, No                       string
	SourceKind                   SourceKind
	SourceID, SourceLabel        string
	SourceMeta                   string
	Title, Description           string
	UnitID, UnitName, RegionCode string
	OwnerID, OwnerName           string
	State                        State
	Cycle                        int
	StartedOn                    string
	LimitWD                      int
	DueOn                        string
	Outcome                      Outcome
	FixBy, Measures, Explanation string
	CallbackReq, CallbackDone    bool
	Unreachable                  bool
	Satisfaction                 Satisfaction
	SubmittedAt                  int64
	VerifiedBy                   string
	VerifiedAt                   int64
	ClosedBy                     string
	ClosedAt                     int64
	ClosedOn                     string
	OnTime                       bool
	Version                      int
	CreatedAt, UpdatedAt         int64
}

const itemCols = `id, no, source_kind, source_id, source_label, source_meta, title, description, unit_id, unit_name,
	region_code, owner_id, owner_name, state, cycle, started_on, limit_wd, due_on, outcome, fix_by, measures, explanation,
	callback_req, callback_done, unreachable, satisfaction, submitted_at, verified_by, verified_at, closed_by, closed_at,
	closed_on, on_time, version, created_at, updated_at`

func (it *item) args() []any {
	return []any{it.ID, it.No, string(it.SourceKind), it.SourceID, it.SourceLabel, it.SourceMeta, it.Title, it.Description,
		it.UnitID, it.UnitName, it.RegionCode, it.OwnerID, it.OwnerName, string(it.State), it.Cycle, it.StartedOn, it.LimitWD,
		it.DueOn, string(it.Outcome), it.FixBy, it.Measures, it.Explanation, b2i(it.CallbackReq), b2i(it.CallbackDone),
		b2i(it.Unreachable), string(it.Satisfaction), it.SubmittedAt, it.VerifiedBy, it.VerifiedAt, it.ClosedBy, it.ClosedAt,
		it.ClosedOn, b2i(it.OnTime), it.Version, it.CreatedAt, it.UpdatedAt}
}

type scanner interface{ Scan(dest ...any) error }

func scanItem(sc scanner, extra ...any) (*item, error) {
	var it item
	var kind, state, outcome, sat string
	var cbReq, cbDone, unr, onTime int
	dest := []any{&it.ID, &it.No, &kind, &it.SourceID, &it.SourceLabel, &it.SourceMeta, &it.Title, &it.Description,
		&it.UnitID, &it.UnitName, &it.RegionCode, &it.OwnerID, &it.OwnerName, &state, &it.Cycle, &it.StartedOn, &it.LimitWD,
		&it.DueOn, &outcome, &it.FixBy, &it.Measures, &it.Explanation, &cbReq, &cbDone, &unr, &sat, &it.SubmittedAt,
		&it.VerifiedBy, &it.VerifiedAt, &it.ClosedBy, &it.ClosedAt, &it.ClosedOn, &onTime, &it.Version, &it.CreatedAt,
		&it.UpdatedAt}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	it.SourceKind, it.State, it.Outcome, it.Satisfaction = SourceKind(kind), State(state), Outcome(outcome), Satisfaction(sat)
	it.CallbackReq, it.CallbackDone, it.Unreachable, it.OnTime = cbReq != 0, cbDone != 0, unr != 0, onTime != 0
	return &it, nil
}

// nextNo takes the next number of a year.
func (st store) nextNo(ctx context.Context, q db.Q, year int) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `INSERT INTO rectify_numbers (year, last) VALUES ($1, 1)
		ON CONFLICT (year) DO UPDATE SET last = rectify_numbers.last + 1 RETURNING last`, year).Scan(&n)
	if err != nil {
		return 0, errs.Wrap(err, "next rectification number")
	}
	return n, nil
}

// insert adds an item; it reports false when its source already has one.
func (st store) insert(ctx context.Context, q db.Q, it *item) (bool, error) {
	ph := make([]string, 36)
	for i := range ph {
		ph[i] = "$" + strconv.Itoa(i+1)
	}
	res, err := q.ExecContext(ctx, `INSERT INTO rectifications (`+itemCols+`) VALUES (`+strings.Join(ph, ", ")+`)
		ON CONFLICT (source_kind, source_id) DO NOTHING`, it.args()...)
	if err != nil {
		return false, errs.Wrap(err, "insert rectification")
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// update writes an item back, if nobody changed it since it was read (optimistic concurrency on
// version); the caller has incremented it.Version.
func (st store) update(ctx context.Context, q db.Q, it *item) error {
	res, err := q.ExecContext(ctx, `UPDATE rectifications SET owner_id = $1, owner_name = $2, state = $3, cycle = $4,
		started_on = $5, limit_wd = $6, due_on = $7, outcome = $8, fix_by = $9, measures = $10, explanation = $11,
		callback_done = $12, unreachable = $13, satisfaction = $14, submitted_at = $15, verified_by = $16, verified_at = $17,
		closed_by = $18, closed_at = $19, closed_on = $20, on_time = $21, version = $22, updated_at = $23
		WHERE id = $24 AND version = $25`,
		it.OwnerID, it.OwnerName, string(it.State), it.Cycle, it.StartedOn, it.LimitWD, it.DueOn, string(it.Outcome), it.FixBy,
		it.Measures, it.Explanation, b2i(it.CallbackDone), b2i(it.Unreachable), string(it.Satisfaction), it.SubmittedAt,
		it.VerifiedBy, it.VerifiedAt, it.ClosedBy, it.ClosedAt, it.ClosedOn, b2i(it.OnTime), it.Version, it.UpdatedAt,
		it.ID, it.Version-1)
	if err != nil {
		return errs.Wrap(err, "update rectification")
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.ConflictErr("rectify.stale")
	}
	return nil
}

// get returns an item in scope (region, unit, owner).
func (st store) get(ctx context.Context, q db.Q, sc auth.Scope, id string, lock bool) (*item, error) {
	where, args := sc.SQL("region_code", "unit_id", "owner_id", 2)
	suffix := ""
	if lock {
		suffix = st.d.ForUpdate()
	}
	it, err := scanItem(q.QueryRowContext(ctx, `SELECT `+itemCols+` FROM rectifications WHERE id = $1 AND `+where+suffix,
		append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFoundErr("rectify.not_found")
	}
	if err != nil {
		return nil, errs.Wrap(err, "rectification %s", id)
	}
	return it, nil
}

// bySource returns the item of a source, if any.
func (st store) bySource(ctx context.Context, q db.Q, kind SourceKind, sourceID string) (*item, error) {
	it, err := scanItem(q.QueryRowContext(ctx, `SELECT `+itemCols+` FROM rectifications WHERE source_kind = $1 AND source_id = $2`+
		st.d.ForUpdate(), string(kind), sourceID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, errs.Wrap(err, "rectification of %s:%s", kind, sourceID)
	}
	return it, nil
}

// Filter selects items of the ledger.
type Filter struct {
	State      State      // one state
	Open       bool       // every state but closed
	Overdue    bool       // working, and past the due date as of Today
	SourceKind SourceKind // one source
	UnitID     string     // one organisation
	From, To   string     // opened (created) between these dates, YYYY-MM-DD
	Q          string     // number, title or source label contains
	Escalated  Level      // at least this escalation in the current cycle
	Today      string     // set by the service
	Before     string     // keyset cursor (id)
	Limit      int        // default 50, at most 500 (the export: no limit)
}

func (f Filter) sql(sc auth.Scope) (string, []any) {
	where, args := sc.SQL("x.region_code", "x.unit_id", "x.owner_id", 1)
	conds := []string{where}
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, strings.ReplaceAll(cond, "$?", "$"+strconv.Itoa(len(args))))
	}
	if f.State.Valid() {
		add("x.state = $?", string(f.State))
	}
	if f.Open {
		conds = append(conds, "x.state <> 'closed'")
	}
	if f.Overdue {
		add("x.due_on < $? AND x.state IN ('open', 'in_progress', 'reopened')", f.Today)
	}
	if f.SourceKind.Valid() {
		add("x.source_kind = $?", string(f.SourceKind))
	}
	if f.UnitID != "" {
		add("x.unit_id = $?", f.UnitID)
	}
	if f.From != "" {
		add("x.started_on >= $?", f.From)
	}
	if f.To != "" {
		add("x.started_on <= $?", f.To)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		like := "%" + strings.NewReplacer("%", "", "_", "").Replace(q) + "%"
		args = append(args, like)
		n := "$" + strconv.Itoa(len(args))
		conds = append(conds, "(x.no LIKE "+n+" OR x.title LIKE "+n+" OR x.source_label LIKE "+n+")")
	}
	if f.Escalated > 0 {
		add("EXISTS (SELECT 1 FROM rectify_escalations e WHERE e.rect_id = x.id AND e.cycle = x.cycle AND e.level >= $?)", int(f.Escalated))
	}
	if f.Before != "" {
		add("x.id < $?", f.Before)
	}
	return strings.Join(conds, " AND "), args
}

const escLevelCol = `, (SELECT COALESCE(MAX(e.level), 0) FROM rectify_escalations e WHERE e.rect_id = x.id AND e.cycle = x.cycle)`

// list returns items matching f, newest first, each with its current escalation level.
func (st store) list(ctx context.Context, q db.Q, sc auth.Scope, f Filter, limit int) ([]*item, []Level, error) {
	where, args := f.sql(sc)
	lim := ""
	if limit > 0 {
		lim = " LIMIT " + strconv.Itoa(limit)
	}
	rows, err := q.QueryContext(ctx, `SELECT `+prefixed("x.", itemCols)+escLevelCol+` FROM rectifications x WHERE `+where+
		` ORDER BY x.id DESC`+lim, args...)
	if err != nil {
		return nil, nil, errs.Wrap(err, "list rectifications")
	}
	defer rows.Close()
	var out []*item
	var levels []Level
	for rows.Next() {
		var lv int
		it, err := scanItem(rows, &lv)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, it)
		levels = append(levels, Level(lv))
	}
	return out, levels, rows.Err()
}

func prefixed(p, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// working returns the items whose deadline runs (for escalation), oldest first.
func (st store) working(ctx context.Context, q db.Q, after string, limit int) ([]*item, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+itemCols+` FROM rectifications WHERE state IN ('open', 'in_progress', 'reopened')
		AND id > $1 ORDER BY id LIMIT `+strconv.Itoa(limit), after)
	if err != nil {
		return nil, errs.Wrap(err, "working rectifications")
	}
	defer rows.Close()
	var out []*item
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

func (st store) setDue(ctx context.Context, q db.Q, id, due string) error {
	_, err := q.ExecContext(ctx, `UPDATE rectifications SET due_on = $1 WHERE id = $2`, due, id)
	return err
}

// ---- history, callbacks, evidence, escalations ----

func (st store) addHistory(ctx context.Context, q db.Q, rectID string, e Event, actorID string) error {
	_, err := q.ExecContext(ctx, `INSERT INTO rectify_history (id, rect_id, action, from_state, to_state, actor_id, actor_name,
		role, note, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, db.NewID(), rectID, e.Action, string(e.From),
		string(e.To), actorID, e.ActorName, e.Role, e.Note, e.At.UnixMilli())
	if err != nil {
		return errs.Wrap(err, "rectification history")
	}
	return nil
}

func (st store) history(ctx context.Context, q db.Q, rectID string) ([]Event, error) {
	rows, err := q.QueryContext(ctx, `SELECT action, from_state, to_state, actor_name, role, note, at FROM rectify_history
		WHERE rect_id = $1 ORDER BY at, id`, rectID)
	if err != nil {
		return nil, errs.Wrap(err, "history")
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var from, to string
		var at int64
		if err := rows.Scan(&e.Action, &from, &to, &e.ActorName, &e.Role, &e.Note, &at); err != nil {
			return nil, err
		}
		e.From, e.To, e.At = State(from), State(to), msTime(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

func (st store) addCallback(ctx context.Context, q db.Q, rectID string, c Callback, byID string) error {
	_, err := q.ExecContext(ctx, `INSERT INTO rectify_callbacks (id, rect_id, attempt, reached, satisfaction, note, by_id,
		by_name, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, db.NewID(), rectID, c.Attempt, b2i(c.Reached),
		string(c.Satisfaction), c.Note, byID, c.ByName, c.At.UnixMilli())
	if db.IsUniqueViolation(err) {
		return errs.ConflictErr("rectify.stale")
	}
	if err != nil {
		return errs.Wrap(err, "callback")
	}
	return nil
}

func (st store) callbacks(ctx context.Context, q db.Q, rectID string) ([]Callback, error) {
	rows, err := q.QueryContext(ctx, `SELECT attempt, reached, satisfaction, note, by_name, at FROM rectify_callbacks
		WHERE rect_id = $1 ORDER BY attempt`, rectID)
	if err != nil {
		return nil, errs.Wrap(err, "callbacks")
	}
	defer rows.Close()
	var out []Callback
	for rows.Next() {
		var c Callback
		var reached int
		var sat string
		var at int64
		if err := rows.Scan(&c.Attempt, &reached, &sat, &c.Note, &c.ByName, &at); err != nil {
			return nil, err
		}
		c.Reached, c.Satisfaction, c.At = reached != 0, Satisfaction(sat), msTime(at)
		out = append(out, c)
	}
	return out, rows.Err()
}

func (st store) addEvidence(ctx context.Context, q db.Q, rectID string, e Evidence, byID string) error {
	_, err := q.ExecContext(ctx, `INSERT INTO rectify_evidence (id, rect_id, sha256, name, ctype, size, note, by_id, by_name, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, e.ID, rectID, e.SHA256, e.Name, e.Type, e.Size, e.Note, byID,
		e.ByName, e.At.UnixMilli())
	if err != nil {
		return errs.Wrap(err, "evidence")
	}
	return nil
}

func (st store) evidence(ctx context.Context, q db.Q, rectID string) ([]Evidence, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, sha256, name, ctype, size, note, by_name, at FROM rectify_evidence
		WHERE rect_id = $1 ORDER BY at, id`, rectID)
	if err != nil {
		return nil, errs.Wrap(err, "evidence")
	}
	defer rows.Close()
	var out []Evidence
	for rows.Next() {
		var e Evidence
		var at int64
		if err := rows.Scan(&e.ID, &e.SHA256, &e.Name, &e.Type, &e.Size, &e.Note, &e.ByName, &at); err != nil {
			return nil, err
		}
		e.At = msTime(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

func (st store) countEvidence(ctx context.Context, q db.Q, rectID string) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM rectify_evidence WHERE rect_id = $1`, rectID).Scan(&n)
	return n, err
}

// addEscalation issues an escalation once per item, cycle and level; it reports whether it was new.
func (st store) addEscalation(ctx context.Context, q db.Q, it *item, e Escalation) (bool, error) {
	res, err := q.ExecContext(ctx, `INSERT INTO rectify_escalations (id, rect_id, cycle, level, unit_id, region_code,
		issued_on, respond_by, issued_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (rect_id, cycle, level) DO NOTHING`, db.NewID(), it.ID, e.Cycle, int(e.Level), it.UnitID, it.RegionCode,
		e.IssuedOn, e.RespondBy, e.IssuedAt.UnixMilli())
	if err != nil {
		return false, errs.Wrap(err, "escalation")
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

func (st store) escalations(ctx context.Context, q db.Q, rectID string) ([]Escalation, error) {
	rows, err := q.QueryContext(ctx, `SELECT level, cycle, issued_on, respond_by, issued_at FROM rectify_escalations
		WHERE rect_id = $1 ORDER BY cycle, level`, rectID)
	if err != nil {
		return nil, errs.Wrap(err, "escalations")
	}
	defer rows.Close()
	var out []Escalation
	for rows.Next() {
		var e Escalation
		var lv int
		var at int64
		if err := rows.Scan(&lv, &e.Cycle, &e.IssuedOn, &e.RespondBy, &at); err != nil {
			return nil, err
		}
		e.Level, e.IssuedAt = Level(lv), msTime(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// escalationList returns the escalations issued in scope from a date on, newest first, with
// their items; minLevel filters (a level-2 and up list is what the level above watches).
func (st store) escalationList(ctx context.Context, q db.Q, sc auth.Scope, from string, minLevel Level) ([]Escalation, error) {
	where, args := sc.SQL("e.region_code", "e.unit_id", "", 1)
	args = append(args, from, int(minLevel))
	rows, err := q.QueryContext(ctx, fmt.Sprintf(`SELECT e.level, e.cycle, e.issued_on, e.respond_by, e.issued_at, x.id, x.no,
		x.title, x.unit_name, x.unit_id FROM rectify_escalations e JOIN rectifications x ON x.id = e.rect_id
		WHERE %s AND e.issued_on >= $%d AND e.level >= $%d ORDER BY e.issued_at DESC LIMIT 500`, where, len(args)-1, len(args)), args...)
	if err != nil {
		return nil, errs.Wrap(err, "escalation list")
	}
	defer rows.Close()
	var out []Escalation
	for rows.Next() {
		var e Escalation
		var lv int
		var at int64
		if err := rows.Scan(&lv, &e.Cycle, &e.IssuedOn, &e.RespondBy, &at, &e.RectID, &e.RectNo, &e.Title, &e.UnitName,
			&e.UnitID); err != nil {
			return nil, err
		}
		e.Level, e.IssuedAt = Level(lv), msTime(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// Summary counts the ledger in scope.
type Summary struct {
	Total       int64           `json:"total"`
	Open        int64           `json:"open"`
	Overdue     int64           `json:"overdue"`
	Closed      int64           `json:"closed"`
	OnTime      int64           `json:"on_time"`
	Unreachable int64           `json:"unreachable" doc:"callbacks given up after three attempts"`
	ByState     map[State]int64 `json:"by_state"`
}

func (st store) summary(ctx context.Context, q db.Q, sc auth.Scope, today string) (Summary, error) {
	where, args := sc.SQL("region_code", "unit_id", "owner_id", 1)
	args = append(args, today)
	rows, err := q.QueryContext(ctx, fmt.Sprintf(`SELECT state, COUNT(*),
		SUM(CASE WHEN due_on < $%d AND state IN ('open', 'in_progress', 'reopened') THEN 1 ELSE 0 END),
		SUM(on_time), SUM(unreachable) FROM rectifications WHERE %s GROUP BY state`, len(args), where), args...)
	if err != nil {
		return Summary{}, errs.Wrap(err, "ledger summary")
	}
	defer rows.Close()
	s := Summary{ByState: map[State]int64{}}
	for rows.Next() {
		var state string
		var n, over, onTime, unr int64
		if err := rows.Scan(&state, &n, &over, &onTime, &unr); err != nil {
			return s, err
		}
		s.ByState[State(state)] = n
		s.Total += n
		s.Overdue += over
		s.Unreachable += unr
		if State(state) == StateClosed {
			s.Closed += n
			s.OnTime += onTime
		} else {
			s.Open += n
		}
	}
	return s, rows.Err()
}

func metaJSON(m map[string]any) string {
	if len(m) == 0 {
		return "{}"
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "{}"
	}
	return string(b)
}
