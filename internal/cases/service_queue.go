package cases

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/workday"
)

// Queue names a work queue.
type Queue string

const (
	QueueTodo       Queue = "todo"       // 待办: the cases waiting for the viewer's role (their own and their pool)
	QueueDone       Queue = "done"       // 已办: the cases the viewer acted on, most recent first
	QueueWarning    Queue = "warning"    // 预警: yellow, at most YellowWD working days left
	QueueOverdue    Queue = "overdue"    // 超期: red, past the due date
	QueueSuspended  Queue = "suspended"  // 特别程序
	QueueCorrection Queue = "correction" // awaiting the applicant's correction
	QueueJoint      Queue = "joint"      // 联办意见: the opinions the viewer's department owes as a joint department
	QueueMine       Queue = "mine"       // an applicant's own cases, newest first
	QueueSearch     Queue = "search"     // every case in scope (either side), newest first
)

// Queues lists the queues.
var Queues = []Queue{QueueTodo, QueueDone, QueueWarning, QueueOverdue, QueueSuspended, QueueCorrection, QueueJoint, QueueMine,
	QueueSearch}

// QueueQuery asks for one page of a queue.
type QueueQuery struct {
	Queue    Queue  `json:"queue"`
	ItemID   string `json:"item_id,omitempty" doc:"only cases of this item"`
	WindowID string `json:"window_id,omitempty" doc:"only cases received at this window"`
	// Search only:
	State     State  `json:"state,omitempty"`
	No        string `json:"no,omitempty" doc:"the case number"`
	Applicant string `json:"applicant,omitempty" doc:"the applicant's ID number or credit code (matched by blind index)"`
	After     string `json:"after,omitempty" doc:"the cursor of the previous page"`
	Limit     int    `json:"limit,omitempty" doc:"1–200, default 50"`
}

// Page is one page of a queue.
type Page struct {
	Items []Summary `json:"items"`
	Next  string    `json:"next,omitempty" doc:"cursor of the next page; empty on the last"`
}

func encodeCursor(parts ...string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strings.Join(parts, "|")))
}

func decodeCursor(c string, n int) ([]string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return nil, errs.InvalidInput("cases.queue.cursor").OnField("after")
	}
	parts := strings.Split(string(b), "|")
	if len(parts) != n {
		return nil, errs.InvalidInput("cases.queue.cursor").OnField("after")
	}
	return parts, nil
}

// Queue returns one page of a work queue within the viewer's data scope. Each queue is one
// indexed query over the columns denormalised onto the case row (see the migration's indexes),
// with keyset pagination: the cursor is the sort key of the last row.
func (s *Service) Queue(ctx context.Context, q QueueQuery) (Page, error) {
	a, err := s.actorOf(ctx)
	if err != nil {
		return Page{}, err
	}
	sq, byDue, err := s.queueSQL(a, &q)
	if err != nil {
		return Page{}, err
	}
	items, err := s.st.runQueue(ctx, s.d.Read, sq, q.Limit+1)
	if err != nil {
		return Page{}, err
	}
	page := Page{Items: items}
	if len(items) > q.Limit {
		page.Items = items[:q.Limit]
		last := page.Items[q.Limit-1]
		switch {
		case byDue:
			page.Next = encodeCursor(nextDueText(last.NextDue), last.ID)
		case sq.sortAt != "":
			page.Next = encodeCursor(strconv.FormatInt(last.sortMilli, 10), last.ID)
		case q.Queue == QueueMine:
			page.Next = encodeCursor(strconv.FormatInt(last.CreatedAtMilli, 10), last.ID)
		default:
			page.Next = encodeCursor(last.ID)
		}
	}
	if page.Items == nil {
		page.Items = []Summary{}
	}
	today := s.today()
	cal := s.calendar()
	for i := range page.Items {
		it := &page.Items[i]
		// The stored remaining days are as of the last derivation; show today's.
		if !it.NextDue.IsZero() && it.Level != workday.LevelSuspended.String() {
			if n, _, err := cal.Between(it.Handling.RegionCode, today, it.NextDue); err == nil {
				it.RemainingWD = n
			}
		}
	}
	return page, nil
}

// queueSQL builds the one query of a queue for the actor. byDue reports the (next_due, id)
// order of the work queues.
func (s *Service) queueSQL(a *actor, q *QueueQuery) (sq *queueSQL, byDue bool, err error) {
	if q.Limit <= 0 {
		q.Limit = 50
	}
	if q.Limit > 200 {
		q.Limit = 200
	}
	staff := a.kind == auth.KindStaff
	sq = &queueSQL{from: "cases c", order: "c.next_due, c.id"}
	byDue = true
	// With an item or window filter, that filter's index must drive the query: the queue's own
	// conditions are written so that no index can serve them (text || '', number + 0, a trick
	// both engines honour), or a planner — PostgreSQL's generic plan above all — combines two
	// indexes in a bitmap and sorts everything they match.
	filtered := q.ItemID != "" || q.WindowID != ""
	text := func(col string) string {
		if filtered {
			return "(" + col + " || '')"
		}
		return col
	}
	num := func(col string) string {
		if filtered {
			return "(" + col + " + 0)"
		}
		return col
	}
	switch q.Queue {
	case QueueTodo:
		if !staff && a.kind != auth.KindApplicant {
			return nil, false, errs.ForbiddenErr()
		}
		sq.add("c.todo_role <> ''")
		sq.add(text("c.todo_role")+" = $1", string(a.role))
		users := []any{"", a.id}
		if a.v != nil {
			for _, u := range a.v.CoveringFor {
				users = append(users, u)
			}
		}
		sq.add("c.todo_user IN ("+placeholders(len(users), 1)+")", users...)
		sq.scope(a.scope, text("c.todo_region"), text("c.todo_unit"), "c.owner_id")
	case QueueWarning, QueueOverdue:
		if !staff {
			return nil, false, errs.ForbiddenErr()
		}
		lvl := workday.LevelYellow
		if q.Queue == QueueOverdue {
			lvl = workday.LevelRed
		}
		sq.add("c.level > 0")
		sq.add(num("c.level")+" = $1", int(lvl))
		sq.scope(a.scope, text("c.todo_region"), text("c.todo_unit"), "")
	case QueueSuspended, QueueCorrection:
		if !staff {
			return nil, false, errs.ForbiddenErr()
		}
		st := StSuspended
		if q.Queue == QueueCorrection {
			st = StCorrection
		}
		sq.add("c.state < 92")
		sq.add(num("c.state")+" = $1", int(st))
		sq.scope(a.scope, text("c.todo_region"), text("c.todo_unit"), "")
	case QueueJoint:
		if !staff || a.v == nil || a.v.UnitID == "" || (a.role != auth.Reviewer && a.role != auth.Chief) {
			return nil, false, errs.ForbiddenErr()
		}
		// Oldest question first, straight from case_tasks_joint: a department may owe thousands
		// of opinions, and sorting them by the cases' due dates would read them all.
		byDue = false
		sq.from = "case_tasks t JOIN cases c ON c.id = t.case_id"
		sq.order, sq.sortAt = "t.opened_at, t.case_id", "t.opened_at"
		sq.add("t.state = 'open' AND t.branch = 'joint'")
		sq.add("t.unit_id = $1", a.v.UnitID)
	case QueueDone:
		if !staff {
			return nil, false, errs.ForbiddenErr()
		}
		byDue = false
		sq.from = "case_actors x JOIN cases c ON c.id = x.case_id"
		sq.order, sq.sortAt = "x.last_at DESC, x.case_id DESC", "x.last_at"
		sq.add("x.user_id = $1", a.id)
		joint := ""
		if a.v != nil && (a.role == auth.Reviewer || a.role == auth.Chief) {
			joint = a.v.UnitID // the opinions they gave as a joint department
		}
		sq.scopeEither(a.scope, joint)
	case QueueMine:
		if a.kind != auth.KindApplicant {
			return nil, false, errs.ForbiddenErr()
		}
		byDue = false
		sq.order = "c.created_at DESC, c.id DESC"
		sq.add("c.owner_id = $1", a.id)
	case QueueSearch:
		if !staff && a.kind != auth.KindToken {
			return nil, false, errs.ForbiddenErr()
		}
		byDue = false
		sq.order = "c.id DESC"
		sq.scopeEither(a.scope, "")
		if q.State != 0 {
			sq.add("c.state = $1", int(q.State))
		}
		if no := strings.TrimSpace(q.No); no != "" {
			sq.add("c.case_no = $1", no)
		}
		if ap := strings.TrimSpace(q.Applicant); ap != "" {
			sq.add("c.applicant_id_bi = $1", s.cipher.BlindIndex(ap))
		}
	default:
		return nil, false, errs.InvalidInput("cases.queue.unknown").OnField("queue")
	}
	if q.ItemID != "" || q.WindowID != "" {
		if byDue {
			sq.add("c.state < 92") // the item and window indexes hold open cases only
		}
		if q.ItemID != "" {
			sq.add("c.item_id = $1", q.ItemID)
		}
		if q.WindowID != "" {
			sq.add("c.recv_window = $1", q.WindowID)
		}
	}
	if q.After == "" {
		return sq, byDue, nil
	}
	switch {
	case byDue:
		p, err := decodeCursor(q.After, 2)
		if err != nil {
			return nil, false, err
		}
		sq.add("(c.next_due, c.id) > ($1, $2)", p[0], p[1])
	case q.Queue == QueueDone || q.Queue == QueueMine || q.Queue == QueueJoint:
		p, err := decodeCursor(q.After, 2)
		if err != nil {
			return nil, false, err
		}
		at, err := strconv.ParseInt(p[0], 10, 64)
		if err != nil {
			return nil, false, errs.InvalidInput("cases.queue.cursor").OnField("after")
		}
		switch q.Queue {
		case QueueDone:
			sq.add("(x.last_at, x.case_id) < ($1, $2)", at, p[1])
		case QueueJoint:
			sq.add("(t.opened_at, t.case_id) > ($1, $2)", at, p[1])
		default:
			sq.add("(c.created_at, c.id) < ($1, $2)", at, p[1])
		}
	default:
		p, err := decodeCursor(q.After, 1)
		if err != nil {
			return nil, false, err
		}
		sq.add("c.id < $1", p[0])
	}
	return sq, byDue, nil
}
