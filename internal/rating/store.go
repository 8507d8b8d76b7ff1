package rating

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/errs"
)

// queryer is a *sql.DB or *sql.Tx.
type queryer = db.Q

// store holds every SQL statement of the domain. There is deliberately no statement that updates
// or deletes a row of ratings, rating_appeals or rating_appeal_decisions (see immutability_test.go).
type store struct{ d *db.DB }

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// valuesList returns "($n, $n+1, …)" groups for rows of width columns, numbered after start.
// SQLite gets anonymous "?" instead: it looks "$n" up by name when preparing and binding, in time
// that grows with the square of the number of parameters, which a statement of thousands of them
// would spend most of its time on. (The statement must then have no other parameters.)
func (st store) valuesList(rows, width, start int) string {
	anon := st.d.Engine == db.SQLite
	var b strings.Builder
	n := start
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for j := range width {
			if j > 0 {
				b.WriteString(", ")
			}
			n++
			if anon {
				b.WriteByte('?')
				continue
			}
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		}
		b.WriteByte(')')
	}
	return b.String()
}

func inList(args *[]any, vals []string) string {
	ph := make([]string, len(vals))
	for i, v := range vals {
		*args = append(*args, v)
		ph[i] = "$" + strconv.Itoa(len(*args))
	}
	return strings.Join(ph, ", ")
}

const insertCols = `id, case_id, case_no, stage, item_id, item_code, item_version, item_name, unit_id, unit_code,
	unit_name, hall_id, hall_name, window_id, window_no, region_code, staff, channel, level, reasons, comment, rated_at, rated_on,
	is_default, real_name, evaluator_key, applicant_id, applicant_type, id_type, id_number, id_masked, name, mobile,
	entered_by, source_ref, case_status, created_at`

const insertWidth = 37

func (r *row) args() []any {
	return []any{r.ID, r.CaseID, r.CaseNo, string(r.Stage), r.ItemID, r.ItemCode, r.ItemVersion, r.ItemName, r.UnitID,
		r.UnitCode, r.UnitName, r.HallID, r.HallName, r.WindowID, r.WindowNo, r.RegionCode, mustJSON(nonNilStaff(r.Staff)),
		string(r.Channel), int(r.Level), mustJSON(nonNilReasons(r.Reasons)), r.Comment, r.RatedAt, r.RatedOn,
		b2i(r.Default), b2i(r.RealName), r.EvaluatorKey, r.ApplicantID, r.ApplicantType, r.IDType, r.IDNumber,
		r.IDMasked, r.Name, r.Mobile, r.EnteredBy, r.SourceRef, r.CaseStatus, r.CreatedAt}
}

// insertRatings inserts rows, skipping any that would be a second rating of the same case,
// evaluator and stage (or a second import of the same hotline ticket), and returns the ids of
// those inserted. It is the only statement that writes to ratings.
func (st store) insertRatings(ctx context.Context, q queryer, rows []*row) (map[string]bool, error) {
	out := make(map[string]bool, len(rows))
	const chunk = 200
	for len(rows) > 0 {
		n := min(chunk, len(rows))
		part := rows[:n]
		rows = rows[n:]
		args := make([]any, 0, n*insertWidth)
		for _, r := range part {
			args = append(args, r.args()...)
		}
		res, err := q.QueryContext(ctx, `INSERT INTO ratings (`+insertCols+`) VALUES `+st.valuesList(n, insertWidth, 0)+
			` ON CONFLICT DO NOTHING RETURNING id`, args...)
		if err != nil {
			return nil, errs.Wrap(err, "insert ratings")
		}
		for res.Next() {
			var id string
			if err := res.Scan(&id); err != nil {
				res.Close()
				return nil, err
			}
			out[id] = true
		}
		if err := errors.Join(res.Err(), res.Close()); err != nil {
			return nil, errs.Wrap(err, "insert ratings")
		}
	}
	return out, nil
}

const selectCols = `r.id, r.case_id, r.case_no, r.stage, r.item_id, r.item_code, r.item_version, r.item_name, r.unit_id,
	r.unit_code, r.unit_name, r.hall_id, r.hall_name, r.window_id, r.window_no, r.region_code, r.staff, r.channel, r.level, r.reasons,
	r.comment, r.rated_at, r.rated_on, r.is_default, r.real_name, r.evaluator_key, r.applicant_id, r.applicant_type,
	r.id_type, r.id_number, r.id_masked, r.name, r.mobile, r.entered_by, r.source_ref, r.case_status, r.created_at`

type scanner interface{ Scan(dest ...any) error }

func scanRow(sc scanner, extra ...any) (*row, error) {
	var r row
	var stage, channel, staff, reasons string
	var level, def, real int
	dest := []any{&r.ID, &r.CaseID, &r.CaseNo, &stage, &r.ItemID, &r.ItemCode, &r.ItemVersion, &r.ItemName, &r.UnitID,
		&r.UnitCode, &r.UnitName, &r.HallID, &r.HallName, &r.WindowID, &r.WindowNo, &r.RegionCode, &staff, &channel, &level, &reasons,
		&r.Comment, &r.RatedAt, &r.RatedOn, &def, &real, &r.EvaluatorKey, &r.ApplicantID, &r.ApplicantType, &r.IDType,
		&r.IDNumber, &r.IDMasked, &r.Name, &r.Mobile, &r.EnteredBy, &r.SourceRef, &r.CaseStatus, &r.CreatedAt}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	r.Stage, r.Channel, r.Level, r.Default, r.RealName = Stage(stage), Channel(channel), Level(level), def != 0, real != 0
	if err := json.Unmarshal([]byte(staff), &r.Staff); err != nil {
		return nil, fmt.Errorf("rating %s: staff: %w", r.ID, err)
	}
	if err := json.Unmarshal([]byte(reasons), &r.Reasons); err != nil {
		return nil, fmt.Errorf("rating %s: reasons: %w", r.ID, err)
	}
	return &r, nil
}

// detail is a rating with what is known about it: its appeal and decision, and its follow-up.
type detail struct {
	*row
	appeal   *Appeal
	followup *followupRow
	excluded bool
}

const detailJoins = ` FROM ratings r
	LEFT JOIN rating_appeals a ON a.rating_id = r.id
	LEFT JOIN rating_appeal_decisions d ON d.appeal_id = a.id
	LEFT JOIN rating_followups f ON f.rating_id = r.id`

const detailExtra = `, a.id, a.unit_id, a.grounds, a.reason, a.evidence, a.filed_by, a.filed_name, a.filed_at, a.filed_on,
	a.decide_by, d.outcome, d.reason, d.decided_by, d.decided_name, d.decided_unit, d.decided_at,
	f.rect_id, f.rect_no, f.state, f.due_on, f.closed, f.on_time, f.callback, f.response, f.version`

func scanDetail(sc scanner) (*detail, error) {
	var aID, aUnit, aGrounds, aReason, aEvidence, aBy, aName, aOn, aDecideBy sql.NullString
	var aAt sql.NullInt64
	var dOutcome, dReason, dBy, dName, dUnit sql.NullString
	var dAt sql.NullInt64
	var fRect, fNo, fState, fDue, fResp sql.NullString
	var fClosed, fOnTime, fCallback, fVersion sql.NullInt64
	r, err := scanRow(sc, &aID, &aUnit, &aGrounds, &aReason, &aEvidence, &aBy, &aName, &aAt, &aOn, &aDecideBy,
		&dOutcome, &dReason, &dBy, &dName, &dUnit, &dAt,
		&fRect, &fNo, &fState, &fDue, &fClosed, &fOnTime, &fCallback, &fResp, &fVersion)
	if err != nil {
		return nil, err
	}
	out := &detail{row: r}
	if aID.Valid {
		a := &Appeal{ID: aID.String, RatingID: r.ID, UnitID: aUnit.String, Grounds: Grounds(aGrounds.String),
			Reason: aReason.String, FiledBy: aBy.String, FiledName: aName.String, FiledAt: msTime(aAt.Int64),
			FiledOn: aOn.String, DecideBy: aDecideBy.String, Evidence: []EvidenceFile{}}
		if aEvidence.String != "" {
			if err := json.Unmarshal([]byte(aEvidence.String), &a.Evidence); err != nil {
				return nil, fmt.Errorf("appeal %s: evidence: %w", a.ID, err)
			}
		}
		if dOutcome.Valid {
			a.Decision = &Decision{Outcome: Outcome(dOutcome.String), Reason: dReason.String, DecidedBy: dBy.String,
				DecidedName: dName.String, DecidedUnit: dUnit.String, DecidedAt: msTime(dAt.Int64)}
			out.excluded = a.Decision.Outcome == OutcomeUpheld
		}
		out.appeal = a
	}
	if fRect.Valid {
		out.followup = &followupRow{RatingID: r.ID, RectID: fRect.String, RectNo: fNo.String, State: fState.String,
			DueOn: fDue.String, Closed: fClosed.Int64 != 0, OnTime: fOnTime.Int64 != 0, Callback: fCallback.Int64 != 0,
			Response: fResp.String, Version: fVersion.Int64}
	}
	return out, nil
}

// rating returns one rating with its appeal and follow-up, if it is in scope.
func (st store) rating(ctx context.Context, q queryer, sc auth.Scope, id string) (*detail, error) {
	where, args := sc.SQL("r.region_code", "r.unit_id", "r.applicant_id", 2)
	d, err := scanDetail(q.QueryRowContext(ctx, `SELECT `+selectCols+detailExtra+detailJoins+
		` WHERE r.id = $1 AND `+where, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFoundErr("rating.not_found")
	}
	if err != nil {
		return nil, errs.Wrap(err, "rating %s", id)
	}
	return d, nil
}

// Filter selects ratings for a list.
type Filter struct {
	From, To string  // rated_on range, YYYY-MM-DD, inclusive; empty = open
	Bad      bool    // only bad ratings
	Level    Level   // only this level
	UnitID   string  // the handling organisation
	WindowID string  // the window
	ItemID   string  // the item
	StaffID  string  // a rated staff member
	Channel  Channel // the channel
	CaseNo   string  // the case
	Appealed bool    // only ratings with an appeal
	Pending  bool    // only ratings with an undecided appeal
	Excluded bool    // only excluded ratings
	Before   string  // keyset cursor: ids before this one
	Limit    int     // default 50, at most 500
}

func (f Filter) sql(sc auth.Scope) (string, []any) {
	where, args := sc.SQL("r.region_code", "r.unit_id", "r.applicant_id", 1)
	conds := []string{where}
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, strings.ReplaceAll(cond, "$?", "$"+strconv.Itoa(len(args))))
	}
	if f.From != "" {
		add("r.rated_on >= $?", f.From)
	}
	if f.To != "" {
		add("r.rated_on <= $?", f.To)
	}
	if f.Bad {
		add("r.level <= $?", int(Dissatisfied))
	}
	if f.Level.Valid() {
		add("r.level = $?", int(f.Level))
	}
	if f.UnitID != "" {
		add("r.unit_id = $?", f.UnitID)
	}
	if f.WindowID != "" {
		add("r.window_id = $?", f.WindowID)
	}
	if f.ItemID != "" {
		add("r.item_id = $?", f.ItemID)
	}
	if f.StaffID != "" {
		// The staff column is a JSON array of {"id": …, "name": …}; the quoted id cannot match
		// anything but an id.
		add("r.staff LIKE $?", `%"id":"`+strings.NewReplacer("%", "", "_", "", `"`, "").Replace(f.StaffID)+`"%`)
	}
	if f.Channel != "" {
		add("r.channel = $?", string(f.Channel))
	}
	if f.CaseNo != "" {
		add("r.case_no = $?", f.CaseNo)
	}
	if f.Appealed {
		conds = append(conds, "a.id IS NOT NULL")
	}
	if f.Pending {
		conds = append(conds, "a.id IS NOT NULL AND d.appeal_id IS NULL")
	}
	if f.Excluded {
		conds = append(conds, "d.outcome = 'upheld'")
	}
	if f.Before != "" {
		add("r.id < $?", f.Before)
	}
	return strings.Join(conds, " AND "), args
}

// list returns ratings matching f, newest first.
func (st store) list(ctx context.Context, q queryer, sc auth.Scope, f Filter) ([]*detail, error) {
	where, args := f.sql(sc)
	limit := f.Limit
	if limit <= 0 || limit > 5000 {
		limit = 50
	}
	rows, err := q.QueryContext(ctx, `SELECT `+selectCols+detailExtra+detailJoins+` WHERE `+where+
		` ORDER BY r.id DESC LIMIT `+strconv.Itoa(limit), args...)
	if err != nil {
		return nil, errs.Wrap(err, "list ratings")
	}
	defer rows.Close()
	var out []*detail
	for rows.Next() {
		d, err := scanDetail(rows)
		if err != nil {
			return nil, errs.Wrap(err, "list ratings")
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// eachRating calls fn for every rating matching f (no limit), oldest first: the export.
func (st store) eachRating(ctx context.Context, q queryer, sc auth.Scope, f Filter, fn func(*detail) error) error {
	where, args := f.sql(sc)
	rows, err := q.QueryContext(ctx, `SELECT `+selectCols+detailExtra+detailJoins+` WHERE `+where+
		` ORDER BY r.rated_at, r.id`, args...)
	if err != nil {
		return errs.Wrap(err, "export ratings")
	}
	defer rows.Close()
	for rows.Next() {
		d, err := scanDetail(rows)
		if err != nil {
			return err
		}
		if err := fn(d); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ratingsByID returns the ratings with the given ids (any scope: the push job).
func (st store) ratingsByID(ctx context.Context, q queryer, ids []string) ([]*detail, error) {
	var out []*detail
	for len(ids) > 0 {
		n := min(500, len(ids))
		var args []any
		list := inList(&args, ids[:n])
		ids = ids[n:]
		rows, err := q.QueryContext(ctx, `SELECT `+selectCols+detailExtra+detailJoins+` WHERE r.id IN (`+list+`) ORDER BY r.id`, args...)
		if err != nil {
			return nil, errs.Wrap(err, "ratings by id")
		}
		for rows.Next() {
			d, err := scanDetail(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, d)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// rated reports which stages of a case the evaluator has rated.
func (st store) rated(ctx context.Context, q queryer, caseID, evaluatorKey string) ([]Stage, error) {
	rows, err := q.QueryContext(ctx, `SELECT stage FROM ratings WHERE case_id = $1 AND evaluator_key = $2`, caseID, evaluatorKey)
	if err != nil {
		return nil, errs.Wrap(err, "rated")
	}
	defer rows.Close()
	var out []Stage
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, Stage(s))
	}
	return out, rows.Err()
}

// ---- concluded cases ----

type caseRow struct {
	caseDims
	CaseNo, MobileBI                            string
	ConcludedAt                                 int64
	RemindOn, DefaultOn                         string
	InvitedAt, RemindedAt, DefaultedAt, RatedAt int64
}

// insertCase records a concluded case once; it reports whether it was new.
func (st store) insertCase(ctx context.Context, q queryer, c caseRow) (bool, error) {
	res, err := q.ExecContext(ctx, `INSERT INTO rating_cases (case_id, case_no, item_id, unit_id, hall_id, window_id,
		region_code, staff, mobile_bi, concluded_at, concluded_on, remind_on, default_on, invited_at, reminded_at,
		defaulted_at, first_rated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 0, 0, $15)
		ON CONFLICT (case_id) DO NOTHING`,
		c.CaseID, c.CaseNo, c.ItemID, c.UnitID, c.HallID, c.WindowID, c.RegionCode, mustJSON(nonNilStaff(c.Staff)),
		c.MobileBI, c.ConcludedAt, c.ConcludedOn, c.RemindOn, c.DefaultOn, c.InvitedAt, c.RatedAt)
	if err != nil {
		return false, errs.Wrap(err, "insert rating case")
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

const caseCols = `case_id, case_no, item_id, unit_id, hall_id, window_id, region_code, staff, mobile_bi, concluded_at,
	concluded_on, remind_on, default_on, invited_at, reminded_at, defaulted_at, first_rated_at`

func scanCase(sc scanner) (caseRow, error) {
	var c caseRow
	var staff string
	if err := sc.Scan(&c.CaseID, &c.CaseNo, &c.ItemID, &c.UnitID, &c.HallID, &c.WindowID, &c.RegionCode, &staff,
		&c.MobileBI, &c.ConcludedAt, &c.ConcludedOn, &c.RemindOn, &c.DefaultOn, &c.InvitedAt, &c.RemindedAt, &c.DefaultedAt,
		&c.RatedAt); err != nil {
		return c, err
	}
	if err := json.Unmarshal([]byte(staff), &c.Staff); err != nil {
		return c, err
	}
	return c, nil
}

// ratingCase returns the concluded-case record of a case, if there is one.
func (st store) ratingCase(ctx context.Context, q queryer, caseID string) (caseRow, bool, error) {
	c, err := scanCase(q.QueryRowContext(ctx, `SELECT `+caseCols+` FROM rating_cases WHERE case_id = $1`, caseID))
	if errors.Is(err, sql.ErrNoRows) {
		return c, false, nil
	}
	if err != nil {
		return c, false, errs.Wrap(err, "rating case %s", caseID)
	}
	return c, true, nil
}

// caseIDs lists the concluded cases known, oldest first.
func (st store) caseIDs(ctx context.Context, q queryer) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT case_id FROM rating_cases ORDER BY concluded_at`)
	if err != nil {
		return nil, errs.Wrap(err, "concluded cases")
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

// hasActive reports whether a case has an active (not default) rating.
func (st store) hasActive(ctx context.Context, q queryer, caseID string) (bool, error) {
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM ratings WHERE case_id = $1 AND is_default = 0 LIMIT 1`, caseID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, errs.Wrap(err, "has active rating")
	}
	return true, nil
}

// casesByMobile returns the concluded cases of a window whose applicant has the given mobile
// (blind index), concluded on or after since.
func (st store) casesByMobile(ctx context.Context, q queryer, mobileBI, windowID, since string) ([]caseRow, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+caseCols+` FROM rating_cases WHERE mobile_bi = $1 AND window_id = $2
		AND concluded_on >= $3 ORDER BY concluded_at DESC LIMIT 3`, mobileBI, windowID, since)
	if err != nil {
		return nil, errs.Wrap(err, "cases by mobile")
	}
	defer rows.Close()
	var out []caseRow
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// markRated notes the first active rating of each case and returns the cases it was the first for.
func (st store) markRated(ctx context.Context, q queryer, caseIDs []string, at int64) ([]caseDims, error) {
	var out []caseDims
	for len(caseIDs) > 0 {
		n := min(500, len(caseIDs))
		args := []any{at}
		list := inList(&args, caseIDs[:n])
		caseIDs = caseIDs[n:]
		rows, err := q.QueryContext(ctx, `UPDATE rating_cases SET first_rated_at = $1 WHERE first_rated_at = 0
			AND case_id IN (`+list+`) RETURNING `+caseCols, args...)
		if err != nil {
			return nil, errs.Wrap(err, "mark rated")
		}
		for rows.Next() {
			c, err := scanCase(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, c.caseDims)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// dueCases returns unrated concluded cases whose reminder (remind) or default rating is due by on.
func (st store) dueCases(ctx context.Context, q queryer, remind bool, on string, limit int) ([]caseRow, error) {
	cond := "remind_on <> '' AND remind_on <= $1 AND reminded_at = 0"
	if !remind {
		cond = "default_on <> '' AND default_on <= $1 AND defaulted_at = 0"
	}
	rows, err := q.QueryContext(ctx, `SELECT `+caseCols+` FROM rating_cases WHERE first_rated_at = 0 AND `+cond+
		` ORDER BY concluded_at LIMIT `+strconv.Itoa(limit), on)
	if err != nil {
		return nil, errs.Wrap(err, "due cases")
	}
	defer rows.Close()
	var out []caseRow
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// markReminded and markDefaulted note that a case's reminder was sent or its default recorded;
// they report false when another process did it first.
func (st store) markReminded(ctx context.Context, q queryer, caseID string, at int64) (bool, error) {
	res, err := q.ExecContext(ctx, `UPDATE rating_cases SET reminded_at = $1 WHERE case_id = $2 AND reminded_at = 0`, at, caseID)
	if err != nil {
		return false, errs.Wrap(err, "mark reminded")
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

func (st store) markInvited(ctx context.Context, q queryer, caseID string, at int64) error {
	_, err := q.ExecContext(ctx, `UPDATE rating_cases SET invited_at = $1 WHERE case_id = $2`, at, caseID)
	if err != nil {
		return errs.Wrap(err, "mark invited")
	}
	return nil
}

func (st store) markDefaulted(ctx context.Context, q queryer, caseID string, at int64) (bool, error) {
	res, err := q.ExecContext(ctx, `UPDATE rating_cases SET defaulted_at = $1 WHERE case_id = $2 AND defaulted_at = 0
		AND first_rated_at = 0`, at, caseID)
	if err != nil {
		return false, errs.Wrap(err, "mark defaulted")
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// ---- follow-ups ----

type followupRow struct {
	RatingID, RectID, RectNo, State, DueOn string
	Closed, OnTime, Callback               bool
	Response                               string
	Version                                int64
}

func (st store) followup(ctx context.Context, q queryer, ratingID string) (*followupRow, error) {
	var f followupRow
	var closed, onTime, cb int
	err := q.QueryRowContext(ctx, `SELECT rating_id, rect_id, rect_no, state, due_on, closed, on_time, callback, response,
		version FROM rating_followups WHERE rating_id = $1`+st.d.ForUpdate(), ratingID).Scan(&f.RatingID, &f.RectID, &f.RectNo,
		&f.State, &f.DueOn, &closed, &onTime, &cb, &f.Response, &f.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, errs.Wrap(err, "followup %s", ratingID)
	}
	f.Closed, f.OnTime, f.Callback = closed != 0, onTime != 0, cb != 0
	return &f, nil
}

func (st store) putFollowup(ctx context.Context, q queryer, f followupRow, at int64) error {
	_, err := q.ExecContext(ctx, `INSERT INTO rating_followups (rating_id, rect_id, rect_no, state, due_on, closed, on_time,
		callback, response, version, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (rating_id) DO UPDATE SET rect_id = excluded.rect_id, rect_no = excluded.rect_no, state = excluded.state,
		due_on = excluded.due_on, closed = excluded.closed, on_time = excluded.on_time, callback = excluded.callback,
		response = excluded.response, version = excluded.version, updated_at = excluded.updated_at`,
		f.RatingID, f.RectID, f.RectNo, f.State, f.DueOn, b2i(f.Closed), b2i(f.OnTime), b2i(f.Callback), f.Response,
		f.Version, at)
	if err != nil {
		return errs.Wrap(err, "put followup")
	}
	return nil
}

// ---- appeals ----

func (st store) insertAppeal(ctx context.Context, q queryer, a Appeal, region string) error {
	_, err := q.ExecContext(ctx, `INSERT INTO rating_appeals (id, rating_id, unit_id, region_code, grounds, reason,
		evidence, filed_by, filed_name, filed_at, filed_on, decide_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		a.ID, a.RatingID, a.UnitID, region, string(a.Grounds), a.Reason, mustJSON(a.Evidence), a.FiledBy, a.FiledName,
		a.FiledAt.UnixMilli(), a.FiledOn, a.DecideBy)
	if db.IsUniqueViolation(err) {
		return errs.ConflictErr("rating.appeal.exists")
	}
	if err != nil {
		return errs.Wrap(err, "insert appeal")
	}
	return nil
}

func (st store) insertDecision(ctx context.Context, q queryer, appealID, ratingID string, d Decision, on string) error {
	_, err := q.ExecContext(ctx, `INSERT INTO rating_appeal_decisions (appeal_id, rating_id, outcome, reason, decided_by,
		decided_name, decided_unit, decided_at, decided_on) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		appealID, ratingID, string(d.Outcome), d.Reason, d.DecidedBy, d.DecidedName, d.DecidedUnit, d.DecidedAt.UnixMilli(), on)
	if db.IsUniqueViolation(err) {
		return errs.ConflictErr("rating.appeal.decided")
	}
	if err != nil {
		return errs.Wrap(err, "insert decision")
	}
	return nil
}

// appealRating returns the rating id of an appeal in scope (the appeal's region and unit).
func (st store) appealRating(ctx context.Context, q queryer, sc auth.Scope, appealID string) (string, error) {
	where, args := sc.SQL("region_code", "unit_id", "filed_by", 2)
	var id string
	err := q.QueryRowContext(ctx, `SELECT rating_id FROM rating_appeals WHERE id = $1 AND `+where,
		append([]any{appealID}, args...)...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errs.NotFoundErr("rating.appeal.not_found")
	}
	if err != nil {
		return "", errs.Wrap(err, "appeal %s", appealID)
	}
	return id, nil
}

// ---- secrets ----

func (st store) secret(ctx context.Context, q queryer, name string) (string, error) {
	var s string
	err := q.QueryRowContext(ctx, `SELECT secret FROM rating_secrets WHERE name = $1`, name).Scan(&s)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return s, err
}

func (st store) insertSecret(ctx context.Context, q queryer, name, secret string, at int64) error {
	_, err := q.ExecContext(ctx, `INSERT INTO rating_secrets (name, secret, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO NOTHING`, name, secret, at)
	return err
}

// ---- rollups ----

// applyRollups adds deltas to the rollup rows, creating missing ones, in as few statements as the
// parameter limits allow.
func (st store) applyRollups(ctx context.Context, q queryer, deltas rollupDeltas) error {
	if len(deltas) == 0 {
		return nil
	}
	const width = 6 + numCols
	var set strings.Builder
	for i, c := range counterCols {
		if i > 0 {
			set.WriteString(", ")
		}
		fmt.Fprintf(&set, "%s = rating_rollups.%s + excluded.%s", c, c, c)
	}
	head := `INSERT INTO rating_rollups (period, dim, key, region_code, unit_id, name, ` + strings.Join(counterCols[:], ", ") + `) VALUES `
	tail := ` ON CONFLICT (period, dim, key, region_code, unit_id) DO UPDATE SET ` + set.String() +
		`, name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE rating_rollups.name END`
	keys := make([]rollupKey, 0, len(deltas))
	for k := range deltas {
		keys = append(keys, k)
	}
	// A stable order keeps concurrent transactions on PostgreSQL from locking rows in opposite orders.
	sortKeys(keys)
	const chunk = 500
	for len(keys) > 0 {
		n := min(chunk, len(keys))
		args := make([]any, 0, n*width)
		for _, k := range keys[:n] {
			d := deltas[k]
			args = append(args, k.Period, k.Dim, k.Key, k.Region, k.Unit, d.name)
			for _, v := range d.Counters {
				args = append(args, v)
			}
		}
		keys = keys[n:]
		if _, err := q.ExecContext(ctx, head+st.valuesList(n, width, 0)+tail, args...); err != nil {
			return errs.Wrap(err, "apply rollups")
		}
	}
	return nil
}

func (st store) clearRollups(ctx context.Context, q queryer) error {
	_, err := q.ExecContext(ctx, `DELETE FROM rating_rollups`)
	return err
}

func (st store) allRollups(ctx context.Context, q queryer) (rollupDeltas, error) {
	rows, err := q.QueryContext(ctx, `SELECT period, dim, key, region_code, unit_id, name, `+strings.Join(counterCols[:], ", ")+
		` FROM rating_rollups`)
	if err != nil {
		return nil, errs.Wrap(err, "read rollups")
	}
	defer rows.Close()
	out := rollupDeltas{}
	for rows.Next() {
		var k rollupKey
		c := new(delta)
		dest := []any{&k.Period, &k.Dim, &k.Key, &k.Region, &k.Unit, &c.name}
		for i := range c.Counters {
			dest = append(dest, &c.Counters[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		if !c.zero() {
			out[k] = c
		}
	}
	return out, rows.Err()
}

// eachCountedRating streams the non-excluded ratings with their follow-ups.
func (st store) eachCountedRating(ctx context.Context, q queryer, fn func(*row, *followupRow)) error {
	rows, err := q.QueryContext(ctx, `SELECT `+selectCols+`, f.closed, f.on_time, f.callback, f.response
		FROM ratings r LEFT JOIN rating_followups f ON f.rating_id = r.id
		WHERE NOT EXISTS (SELECT 1 FROM rating_appeal_decisions d WHERE d.rating_id = r.id AND d.outcome = 'upheld')`)
	if err != nil {
		return errs.Wrap(err, "scan ratings")
	}
	defer rows.Close()
	for rows.Next() {
		var closed, onTime, cb sql.NullInt64
		var resp sql.NullString
		r, err := scanRow(rows, &closed, &onTime, &cb, &resp)
		if err != nil {
			return err
		}
		var f *followupRow
		if closed.Valid {
			f = &followupRow{Closed: closed.Int64 != 0, OnTime: onTime.Int64 != 0, Callback: cb.Int64 != 0, Response: resp.String}
		}
		fn(r, f)
	}
	return rows.Err()
}

func (st store) eachExcludedRating(ctx context.Context, q queryer, fn func(*row)) error {
	rows, err := q.QueryContext(ctx, `SELECT `+selectCols+` FROM ratings r
		JOIN rating_appeal_decisions d ON d.rating_id = r.id AND d.outcome = 'upheld'`)
	if err != nil {
		return errs.Wrap(err, "scan excluded ratings")
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanRow(rows)
		if err != nil {
			return err
		}
		fn(r)
	}
	return rows.Err()
}

func (st store) eachCase(ctx context.Context, q queryer, fn func(caseDims, bool)) error {
	rows, err := q.QueryContext(ctx, `SELECT `+caseCols+` FROM rating_cases`)
	if err != nil {
		return errs.Wrap(err, "scan rating cases")
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return err
		}
		fn(c.caseDims, c.RatedAt != 0)
	}
	return rows.Err()
}

func sortKeys(keys []rollupKey) {
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.Period != b.Period {
			return a.Period < b.Period
		}
		if a.Dim != b.Dim {
			return a.Dim < b.Dim
		}
		if a.Key != b.Key {
			return a.Key < b.Key
		}
		if a.Region != b.Region {
			return a.Region < b.Region
		}
		return a.Unit < b.Unit
	})
}
