package cases

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/gm"
	"onestamp/internal/platform/workday"
)

// noDue is next_due when the current phase has no due date: it sorts after every real date.
const noDue = "9999-12-31"

// rec is a case row as stored: personal identifiers encrypted, structured columns parsed.
type rec struct {
	sealedForm string // the form column as stored, when it is encrypted (see store.seal)
	loaded     []any  // the row's values (form in clear) as read for a change: updateCase writes only what differs
	locked     bool   // read under the row's lock in this transaction (lockCase, txn.load)
	open       []Task // its open tasks, when read with it (txn.load); the first change takes them

	ID, No, ParentID, ChainID, ItemID string
	ItemVersion                       int
	ItemCode, ItemName                string
	Kind                              Kind
	State                             State
	Flags                             Flags
	Version                           int64
	Channel                           Channel
	OwnerID                           string

	ApplicantType, ApplicantName, ApplicantLabel     string
	ApplicantID, ApplicantIDBI, ApplicantIDMasked    string
	ApplicantMobile, ApplicantMobileMasked           string
	Agent                                            *agentRec
	AgentIDBI                                        string
	RecvUnit, RecvRegion, RecvWindow                 string
	HandlingUnit, HandlingRegion                     string
	Step                                             int
	StepName                                         string
	TodoRole                                         auth.Role
	TodoUnit, TodoRegion, TodoUser                   string
	Limits                                           limits
	Facts                                            facts
	ReceivedOn, IntakeDue, AcceptedOn, PromisedDue   workday.Date
	StatutoryDue, DecidedOn, DeliveryDue, PendingDue workday.Date
	NextDue                                          workday.Date // zero: none (stored as noDue)
	RemainingWD                                      int
	Level                                            Level
	OverdueAt                                        int64
	Form                                             map[string]string
	Decision                                         *Decision
	Promise                                          *Promise
	CreatedAt, SubmittedAt, UpdatedAt                int64
}

// limits are the time limits of the pinned item version, kept on the row for RecomputeAll.
type limits struct {
	StatutoryWD int       `json:"s"`
	PromisedWD  int       `json:"p"`
	ExtensionWD int       `json:"x,omitempty"`
	FeeFen      int64     `json:"f,omitempty"`  // the item's fees when the case was opened
	FeeTiming   FeeTiming `json:"ft,omitempty"` // and when they are due
}

// agentRec is the agent as stored (JSON): name, ID number and mobile encrypted.
type agentRec struct {
	Kind        string `json:"kind"`
	Name        string `json:"name"`
	Label       string `json:"label"`
	IDNumber    string `json:"id,omitempty"`
	IDMasked    string `json:"id_masked,omitempty"`
	Mobile      string `json:"mobile,omitempty"`
	MobileMask  string `json:"mobile_masked,omitempty"`
	AuthDocHash string `json:"auth_doc,omitempty"`
	AssistedBy  string `json:"assisted_by,omitempty"`
}

const caseCols = `id, case_no, parent_id, chain_id, item_id, item_version, item_code, item_name, kind, state, flags,
	version, channel, owner_id, applicant_type, applicant_name, applicant_label, applicant_id, applicant_id_bi,
	applicant_id_masked, applicant_mobile, applicant_mobile_masked, agent, agent_id_bi, recv_unit, recv_region,
	recv_window, handling_unit, handling_region, step, step_name, todo_role, todo_unit, todo_region, todo_user,
	limits, facts, received_on, intake_due, accepted_on, promised_due, statutory_due, decided_on, delivery_due,
	pending_due, next_due, remaining_wd, level, overdue_at, form, decision, promise, created_at, submitted_at,
	updated_at`

type scanner interface{ Scan(dest ...any) error }

func scanCase(sc scanner) (*rec, error) {
	var (
		r                                      rec
		no                                     sql.NullString
		agent, lim, fct, form, dec, prom, next string
		state, level                           int
		flags                                  int64
		kind, channel, todoRole                string
	)
	err := sc.Scan(&r.ID, &no, &r.ParentID, &r.ChainID, &r.ItemID, &r.ItemVersion, &r.ItemCode, &r.ItemName, &kind,
		&state, &flags, &r.Version, &channel, &r.OwnerID, &r.ApplicantType, &r.ApplicantName, &r.ApplicantLabel,
		&r.ApplicantID, &r.ApplicantIDBI, &r.ApplicantIDMasked, &r.ApplicantMobile, &r.ApplicantMobileMasked,
		&agent, &r.AgentIDBI, &r.RecvUnit, &r.RecvRegion, &r.RecvWindow, &r.HandlingUnit, &r.HandlingRegion,
		&r.Step, &r.StepName, &todoRole, &r.TodoUnit, &r.TodoRegion, &r.TodoUser, &lim, &fct,
		&r.ReceivedOn, &r.IntakeDue, &r.AcceptedOn, &r.PromisedDue, &r.StatutoryDue, &r.DecidedOn, &r.DeliveryDue,
		&r.PendingDue, &next, &r.RemainingWD, &level, &r.OverdueAt, &form, &dec, &prom,
		&r.CreatedAt, &r.SubmittedAt, &r.UpdatedAt)
	if err != nil {
		return nil, err
	}
	r.No, r.Kind, r.State, r.Flags, r.Channel = no.String, Kind(kind), State(state), Flags(flags), Channel(channel)
	r.TodoRole, r.Level = auth.Role(todoRole), Level(level)
	if next != noDue && next != "" {
		if r.NextDue, err = workday.ParseDate(next); err != nil {
			return nil, fmt.Errorf("cases: next_due of %s: %w", r.ID, err)
		}
	}
	if agent != "" {
		r.Agent = &agentRec{}
		if err := json.Unmarshal([]byte(agent), r.Agent); err != nil {
			return nil, fmt.Errorf("cases: agent of %s: %w", r.ID, err)
		}
	}
	if err := json.Unmarshal([]byte(lim), &r.Limits); err != nil {
		return nil, fmt.Errorf("cases: limits of %s: %w", r.ID, err)
	}
	if err := json.Unmarshal([]byte(fct), &r.Facts); err != nil {
		return nil, fmt.Errorf("cases: facts of %s: %w", r.ID, err)
	}
	if strings.HasPrefix(form, "{") {
		if err := json.Unmarshal([]byte(form), &r.Form); err != nil {
			return nil, fmt.Errorf("cases: form of %s: %w", r.ID, err)
		}
	} else {
		r.sealedForm = form
	}
	if dec != "" {
		r.Decision = &Decision{}
		if err := json.Unmarshal([]byte(dec), r.Decision); err != nil {
			return nil, fmt.Errorf("cases: decision of %s: %w", r.ID, err)
		}
	}
	if prom != "" {
		r.Promise = &Promise{}
		if err := json.Unmarshal([]byte(prom), r.Promise); err != nil {
			return nil, fmt.Errorf("cases: promise of %s: %w", r.ID, err)
		}
	}
	return &r, nil
}
func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("cases: encode %T: %v", v, err))
	}
	return string(b)
}
func optJSON[T any](v *T) string {
	if v == nil {
		return ""
	}
	return mustJSON(v)
}
func nextDueText(d workday.Date) string {
	if d.IsZero() {
		return noDue
	}
	return d.String()
}
func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// values returns the row's column values in caseCols order.
func (r *rec) values() []any {
	form := r.Form
	if form == nil {
		form = map[string]string{}
	}
	return []any{r.ID, nullStr(r.No), r.ParentID, r.ChainID, r.ItemID, r.ItemVersion, r.ItemCode, r.ItemName,
		string(r.Kind), int(r.State), int64(r.Flags), r.Version, string(r.Channel), r.OwnerID, r.ApplicantType,
		r.ApplicantName, r.ApplicantLabel, r.ApplicantID, r.ApplicantIDBI, r.ApplicantIDMasked, r.ApplicantMobile,
		r.ApplicantMobileMasked, optJSON(r.Agent), r.AgentIDBI, r.RecvUnit, r.RecvRegion, r.RecvWindow,
		r.HandlingUnit, r.HandlingRegion, r.Step, r.StepName, string(r.TodoRole), r.TodoUnit, r.TodoRegion,
		r.TodoUser, mustJSON(r.Limits), mustJSON(r.Facts), r.ReceivedOn, r.IntakeDue, r.AcceptedOn, r.PromisedDue,
		r.StatutoryDue, r.DecidedOn, r.DeliveryDue, r.PendingDue, nextDueText(r.NextDue), r.RemainingWD,
		int(r.Level), r.OverdueAt, mustJSON(form), optJSON(r.Decision), optJSON(r.Promise), r.CreatedAt,
		r.SubmittedAt, r.UpdatedAt}
}
func placeholders(n, from int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", from+i)
	}
	return b.String()
}

var caseColCount = len(strings.Split(caseCols, ","))

// store holds every SQL statement of the domain. The application form repeats the applicant's
// personal data (ID number, name, mobile), so the form column is encrypted with the field cipher
// when one is configured; rows written before that, or without a cipher, hold plain JSON.
type store struct {
	d      *db.DB
	cipher *gm.FieldCipher
}

// formColumn is the index of the form among caseCols.
var formColumn = func() int {
	for i, c := range strings.Split(caseCols, ",") {
		if strings.TrimSpace(c) == "form" {
			return i
		}
	}
	panic("cases: no form column")
}()

// values is r.values with the form sealed.
func (st store) values(r *rec) []any {
	v := r.values()
	if st.cipher != nil {
		sealed, err := st.cipher.EncryptString(v[formColumn].(string), "cases.form|"+r.ID)
		if err != nil {
			panic(fmt.Sprintf("cases: seal the form of %s: %v", r.ID, err))
		}
		v[formColumn] = sealed
	}
	return v
}

// scanCase is scanCase with the form opened.
func (st store) scanCase(sc scanner) (*rec, error) {
	r, err := scanCase(sc)
	if err != nil || r.sealedForm == "" {
		return r, err
	}
	if st.cipher == nil {
		return nil, fmt.Errorf("cases: the form of %s is encrypted and no key is configured", r.ID)
	}
	plain, err := st.cipher.DecryptString(r.sealedForm, "cases.form|"+r.ID)
	if err != nil {
		return nil, fmt.Errorf("cases: open the form of %s: %w", r.ID, err)
	}
	r.sealedForm = ""
	if err := json.Unmarshal([]byte(plain), &r.Form); err != nil {
		return nil, fmt.Errorf("cases: form of %s: %w", r.ID, err)
	}
	return r, nil
}

func (st store) insertCase(ctx context.Context, q db.Q, r *rec) error {
	_, err := q.ExecContext(ctx, "INSERT INTO cases ("+caseCols+") VALUES ("+placeholders(caseColCount, 1)+")", st.values(r)...)
	if err != nil {
		return fmt.Errorf("cases: insert %s: %w", r.ID, err)
	}
	return nil
}

// updateCase writes every mutable column of r if the stored version is still old. It reports
// whether the row was written: false means someone else changed the case first.
func (st store) updateCase(ctx context.Context, q db.Q, r *rec, old int64) (bool, error) {
	v := r.values()
	// Only the mutable columns, and of those only what changed since the row was read: SQLite
	// rewrites every index that holds a column named in SET, whether its value changed or not,
	// and the form is encrypted afresh only when it changed. (PostgreSQL refuses a statement
	// with a parameter no expression uses, so each placeholder is used.)
	var set strings.Builder
	args := make([]any, 0, len(caseMutable)+2)
	args = append(args, r.ID)
	for _, i := range caseMutable {
		// rec.values holds scalars only (text, numbers, dates, nil): == compares them.
		if r.loaded != nil && v[i-1] == r.loaded[i-1] {
			continue
		}
		val := v[i-1]
		if i-1 == formColumn && st.cipher != nil {
			sealed, err := st.cipher.EncryptString(val.(string), "cases.form|"+r.ID)
			if err != nil {
				return false, fmt.Errorf("cases: seal the form of %s: %w", r.ID, err)
			}
			val = sealed
		}
		args = append(args, val)
		if set.Len() > 0 {
			set.WriteString(", ")
		}
		fmt.Fprintf(&set, "%s = $%d", caseColNames[i-1], len(args))
	}
	args = append(args, old)
	if r.locked {
		// The row has been ours since it was read, and its version was checked then: the
		// answer is known, and the update may travel with the next statement (db.Later).
		ctx = db.Later(ctx)
	}
	res, err := q.ExecContext(ctx, "UPDATE cases SET "+set.String()+fmt.Sprintf(" WHERE id = $1 AND version = $%d", len(args)), args...)
	if err != nil {
		return false, fmt.Errorf("cases: update %s: %w", r.ID, err)
	}
	n, err := res.RowsAffected()
	if errors.Is(err, db.ErrDeferred) {
		n, err = 1, nil
	}
	if n == 1 && err == nil && r.loaded != nil {
		r.loaded = v
	}
	return n == 1, err
}

// caseMutable are the columns an update may write (1-based positions in caseCols); the version
// is among them and always changes, so no SET is ever empty.
var caseMutable = []int{2, 10, 11, 12, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 27, 28, 29, 30, 31, 32, 33, 34, 35,
	36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 54, 55}

var caseColNames = func() []string {
	var out []string
	for _, c := range strings.Split(caseCols, ",") {
		out = append(out, strings.TrimSpace(c))
	}
	return out
}()

func (st store) getCase(ctx context.Context, q db.Q, id string) (*rec, error) {
	r, err := st.scanCase(q.QueryRowContext(ctx, "SELECT "+caseCols+" FROM cases WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFoundErr("cases.not_found")
	}
	if err != nil {
		return nil, fmt.Errorf("cases: get %s: %w", id, err)
	}
	return r, nil
}

// lockCase reads a case inside a write transaction and, on PostgreSQL, locks its row until the
// transaction ends (SQLite's single writer already keeps everyone else out). A transition reads
// its case so: no one can change it between the version check and the update.
func (st store) lockCase(ctx context.Context, q db.Q, id string) (*rec, error) {
	s := st.lockCaseStmt(id)
	r, err := st.scanCase(q.QueryRowContext(ctx, s.SQL, s.Args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFoundErr("cases.not_found")
	}
	if err != nil {
		return nil, fmt.Errorf("cases: lock %s: %w", id, err)
	}
	r.locked = true
	return r, nil
}
func (st store) lockCaseStmt(id string) db.Stmt {
	return db.Stmt{SQL: "SELECT " + caseCols + " FROM cases WHERE id = $1" + st.d.ForUpdate(), Args: []any{id}}
}

// outsideChain is a condition, for a statement whose $2 is a case id and $3 KindChain, that holds
// when the case is neither the parent nor a child of a chain.
const outsideChain = "NOT EXISTS (SELECT 1 FROM cases WHERE id = $2 AND (kind = $3 OR parent_id <> ''))"

// openTasksStmt reads the open tasks of a case, in the order tasks() gives; scanTasks reads them.
func openTasksStmt(caseID string) db.Stmt {
	return db.Stmt{SQL: "SELECT " + taskCols + " FROM case_tasks WHERE case_id = $1 AND state = 'open' ORDER BY opened_at, id",
		Args: []any{caseID}}
}

func (st store) getCaseByNo(ctx context.Context, q db.Q, no string) (*rec, error) {
	r, err := st.scanCase(q.QueryRowContext(ctx, "SELECT "+caseCols+" FROM cases WHERE case_no = $1", no))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFoundErr("cases.not_found")
	}
	if err != nil {
		return nil, fmt.Errorf("cases: get %s: %w", no, err)
	}
	return r, nil
}
func (st store) children(ctx context.Context, q db.Q, parentID string) ([]*rec, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+caseCols+" FROM cases WHERE parent_id = $1 ORDER BY id", parentID)
	if err != nil {
		return nil, fmt.Errorf("cases: children of %s: %w", parentID, err)
	}
	return st.collectCases(rows)
}
func (st store) collectCases(rows *sql.Rows) ([]*rec, error) {
	defer rows.Close()
	var out []*rec
	for rows.Next() {
		r, err := st.scanCase(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ---- events ----
func (st store) insertEvent(ctx context.Context, q db.Q, rootID string, e *Event) error {
	docs := e.Docs
	if docs == nil {
		docs = []string{}
	}
	data := e.Data
	if data == nil {
		data = map[string]any{}
	}
	_, err := q.ExecContext(db.Later(ctx), `INSERT INTO case_events (id, case_id, root_id, seq, case_no, action, from_state,
		to_state, actor, actor_name, role, covering_for, at, on_date, reason, docs, data)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
		e.ID, e.CaseID, rootID, e.Seq, e.CaseNo, string(e.Action), int(e.From), int(e.To), e.Actor, e.ActorName,
		e.Role, e.CoveringFor, e.At.UnixMilli(), e.On.String(), e.Reason, mustJSON(docs), mustJSON(data))
	if err != nil {
		return fmt.Errorf("cases: insert event %s of %s: %w", e.Action, e.CaseID, err)
	}
	return nil
}

const eventCols = `id, case_id, seq, case_no, action, from_state, to_state, actor, actor_name, role, covering_for,
	at, on_date, reason, docs, data`

func (st store) events(ctx context.Context, q db.Q, col, id string) ([]Event, error) {
	order := "id"
	if col == "root_id" {
		order = "at, id"
	}
	rows, err := q.QueryContext(ctx, "SELECT "+eventCols+" FROM case_events WHERE "+col+" = $1 ORDER BY "+order, id)
	if err != nil {
		return nil, fmt.Errorf("cases: events of %s: %w", id, err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var (
			e                Event
			action, on, docs string
			data             string
			from, to         int
			at               int64
		)
		if err := rows.Scan(&e.ID, &e.CaseID, &e.Seq, &e.CaseNo, &action, &from, &to, &e.Actor, &e.ActorName, &e.Role,
			&e.CoveringFor, &at, &on, &e.Reason, &docs, &data); err != nil {
			return nil, err
		}
		e.Action, e.From, e.To, e.At = Action(action), State(from), State(to), msTime(at)
		if e.On, err = workday.ParseDate(on); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(docs), &e.Docs); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(data), &e.Data); err != nil {
			return nil, err
		}
		if len(e.Docs) == 0 {
			e.Docs = nil
		}
		if len(e.Data) == 0 {
			e.Data = nil
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// touchActor records that user acted on a case now (the 已办 queue).
func (st store) touchActor(ctx context.Context, q db.Q, userID, caseID string, at int64) error {
	_, err := q.ExecContext(db.Later(ctx), `INSERT INTO case_actors (user_id, case_id, last_at) VALUES ($1, $2, $3)
		ON CONFLICT (user_id, case_id) DO UPDATE SET last_at = excluded.last_at`, userID, caseID, at)
	if err != nil {
		return fmt.Errorf("cases: actor: %w", err)
	}
	return nil
}

// ---- tasks ----
const taskCols = `id, case_id, step, step_name, branch, role, unit_id, assignee, state, opened_at, closed_at,
	closed_by, covering_for, outcome, opinion`

func (st store) tasks(ctx context.Context, q db.Q, caseID string, openOnly bool) ([]Task, error) {
	cond := ""
	if openOnly {
		cond = " AND state = 'open'"
	}
	rows, err := q.QueryContext(ctx, "SELECT "+taskCols+" FROM case_tasks WHERE case_id = $1"+cond+" ORDER BY opened_at, id", caseID)
	if err != nil {
		return nil, fmt.Errorf("cases: tasks of %s: %w", caseID, err)
	}
	return collectTasks(rows)
}
func collectTasks(rows *sql.Rows) ([]Task, error) {
	defer rows.Close()
	return scanTasks(rows)
}

// scanTasks reads the tasks of the current result set of rows, leaving rows open.
func scanTasks(rows *sql.Rows) ([]Task, error) {
	var out []Task
	for rows.Next() {
		var t Task
		var role string
		var opened, closed int64
		if err := rows.Scan(&t.ID, &t.CaseID, &t.Step, &t.StepName, &t.Branch, &role, &t.UnitID, &t.Assignee, &t.State,
			&opened, &closed, &t.ClosedBy, &t.CoveringFor, &t.Outcome, &t.Opinion); err != nil {
			return nil, err
		}
		t.Role, t.OpenedAt = auth.Role(role), msTime(opened)
		if closed != 0 {
			t.ClosedAt = msTime(closed)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// lastDoneBy is who completed the step's task on the branch last ("" if nobody has): reading
// back from the newest task, not every task the case ever had.
func (st store) lastDoneBy(ctx context.Context, q db.Q, caseID string, step int, branch string) (string, error) {
	var by string
	err := q.QueryRowContext(ctx, `SELECT closed_by FROM case_tasks
		WHERE case_id = $1 AND step = $2 AND branch = $3 AND state = $4
		ORDER BY opened_at DESC, id DESC LIMIT 1`, caseID, step, branch, TaskDone).Scan(&by)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("cases: last holder of step %d of %s: %w", step, caseID, err)
	}
	return by, nil
}

func (st store) insertTask(ctx context.Context, q db.Q, t Task) error {
	_, err := q.ExecContext(db.Later(ctx), `INSERT INTO case_tasks (`+taskCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		t.ID, t.CaseID, t.Step, t.StepName, t.Branch, string(t.Role), t.UnitID, t.Assignee, t.State,
		t.OpenedAt.UnixMilli(), millisOrZero(t.ClosedAt), t.ClosedBy, t.CoveringFor, t.Outcome, t.Opinion)
	if err != nil {
		return fmt.Errorf("cases: insert task: %w", err)
	}
	return nil
}

// closeTask ends an open task (done or superseded). Its answer is not read (db.Later): the task
// was read in this transaction, and the case's version check, which every change of a task
// passes, turns away a transaction that raced another over it.
func (st store) closeTask(ctx context.Context, q db.Q, t Task) error {
	_, err := q.ExecContext(db.Later(ctx), `UPDATE case_tasks SET state = $2, closed_at = $3, closed_by = $4, covering_for = $5,
		outcome = $6, opinion = $7 WHERE id = $1 AND state = 'open'`,
		t.ID, t.State, millisOrZero(t.ClosedAt), t.ClosedBy, t.CoveringFor, t.Outcome, t.Opinion)
	if err != nil {
		return fmt.Errorf("cases: close task %s: %w", t.ID, err)
	}
	return nil
}

func (st store) assignTask(ctx context.Context, q db.Q, taskID, userID string) error {
	_, err := q.ExecContext(ctx, `UPDATE case_tasks SET assignee = $2 WHERE id = $1 AND state = 'open'`, taskID, userID)
	if err != nil {
		return fmt.Errorf("cases: assign task %s: %w", taskID, err)
	}
	return nil
}

// myTasks lists the open tasks assigned to any of users, oldest first.
func (st store) myTasks(ctx context.Context, q db.Q, users []string, limit int) ([]Task, error) {
	if len(users) == 0 {
		return nil, nil
	}
	args := make([]any, 0, len(users)+1)
	for _, u := range users {
		args = append(args, u)
	}
	args = append(args, limit)
	rows, err := q.QueryContext(ctx, "SELECT "+taskCols+" FROM case_tasks WHERE state = 'open' AND assignee IN ("+
		placeholders(len(users), 1)+fmt.Sprintf(") ORDER BY opened_at, id LIMIT $%d", len(users)+1), args...)
	if err != nil {
		return nil, fmt.Errorf("cases: my tasks: %w", err)
	}
	return collectTasks(rows)
}
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
func millisOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}
func msTime(ms int64) time.Time { return time.UnixMilli(ms).UTC() }
