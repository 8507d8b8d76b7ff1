package cases

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/web"
)

// staffQueues are the work queues the workbench shows as tabs, in order.
var staffQueues = []Queue{QueueTodo, QueueDone, QueueWarning, QueueOverdue, QueueSuspended, QueueCorrection}

// queueView is a page of a work queue.
type queueView struct {
	pageBase
	Queue    Queue
	Tabs     []queueTab
	Rows     []queueRow
	ItemID   string
	WindowID string
	No       string // the case-number box
	State    string // search: state name
	States   []State
	Items    []ItemChoice
	Windows  []WindowChoice
	Next     string // URL of the next page
	Prev     string // URL of the previous page
	First    bool
	Search   bool
}

type queueTab struct {
	Queue   Queue
	URL     string
	Current bool
}

// queueRow is a case as a queue row shows it.
type queueRow struct {
	Summary
	Window    string
	Receiving string
	Handling  string
	FlagNames []string
}

// LevelClass is the badge class of the row's warning level.
func (r queueRow) LevelClass() string { return levelClass(r.Level) }

// HasDue reports whether the case's current phase has a due date.
func (r queueRow) HasDue() bool { return !r.NextDue.IsZero() }

// queuesFor are the tabs of a member of staff: reviewers and chiefs also see the opinions their
// department owes as a joint department.
func queuesFor(v *auth.Viewer) []Queue {
	if v != nil && (v.Role == auth.Reviewer || v.Role == auth.Chief) {
		return append(slices.Clone(staffQueues), QueueJoint)
	}
	return staffQueues
}

func (p *pages) queue(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	queue := Queue(q.Get("queue"))
	v, _ := auth.FromContext(r.Context())
	if !slices.Contains(queuesFor(v), queue) {
		queue = QueueTodo
	}
	p.renderQueue(w, r, queue, false)
}

func (p *pages) search(w http.ResponseWriter, r *http.Request) {
	p.renderQueue(w, r, QueueSearch, true)
}

func (p *pages) renderQueue(w http.ResponseWriter, r *http.Request, queue Queue, search bool) {
	ctx := r.Context()
	v, _ := auth.FromContext(ctx)
	q := r.URL.Query()
	view := queueView{pageBase: newBase(), Queue: queue, ItemID: q.Get("item"), WindowID: q.Get("window"),
		No: q.Get("no"), Search: search, States: States, State: q.Get("state")}
	view.fromQuery(r)
	if m := q.Get("notfound"); m != "" {
		view.Message = web.T(ctx, "cases.page.no_not_found", "no", m)
	}
	base := StaffBase
	if search {
		base = StaffBase + "/search"
	}
	for _, tq := range queuesFor(v) {
		view.Tabs = append(view.Tabs, queueTab{Queue: tq, URL: StaffBase + "?queue=" + string(tq), Current: tq == queue})
	}
	n := p.names(r)
	deps := p.s.pageDeps()
	if deps.Items != nil {
		view.Items, _ = deps.Items(ctx, "")
	}
	if v.Role == auth.Clerk {
		view.Windows = n.loadWindows(v.UnitID)
	}
	in := QueueQuery{Queue: queue, ItemID: view.ItemID, WindowID: view.WindowID, After: q.Get("after"), Limit: 50}
	if search {
		if st, ok := ParseState(view.State); ok {
			in.State = st
		}
		in.No = strings.TrimSpace(view.No)
		in.Applicant = strings.TrimSpace(q.Get("applicant"))
	}
	page, err := p.s.Queue(ctx, in)
	if err != nil {
		if errs.Is(err, errs.Invalid) && in.After != "" {
			// A stale or mangled cursor: start again from the first page.
			http.Redirect(w, r, StaffBase+"?queue="+string(queue), http.StatusSeeOther)
			return
		}
		web.Error(w, r, err)
		return
	}
	for _, s := range page.Items {
		row := queueRow{Summary: s, Receiving: n.Unit(s.Receiving.UnitID), Handling: n.Unit(s.Handling.UnitID),
			Window: n.Window(s.Receiving.UnitID, s.Receiving.WindowID)}
		for _, f := range s.Flags.Names() {
			if slices.Contains(shownFlags, f) {
				row.FlagNames = append(row.FlagNames, f)
			}
		}
		view.Rows = append(view.Rows, row)
	}
	// Keyset pagination both ways: the trail holds the cursors of the pages before this one.
	keep := url.Values{}
	for _, k := range []string{"queue", "item", "window", "state", "no", "applicant"} {
		if x := q.Get(k); x != "" {
			keep.Set(k, x)
		}
	}
	if search {
		keep.Del("queue")
	}
	var trail []string
	if t := q.Get("trail"); t != "" {
		trail = strings.Split(t, ".")
	}
	view.First = in.After == ""
	if page.Next != "" {
		nq := cloneValues(keep)
		nq.Set("after", page.Next)
		nt := append(slices.Clone(trail), in.After)
		nq.Set("trail", strings.Join(nt, "."))
		view.Next = pageURL(base, nq)
	}
	if !view.First {
		pq := cloneValues(keep)
		if len(trail) > 0 {
			if last := trail[len(trail)-1]; last != "" {
				pq.Set("after", last)
			}
			if len(trail) > 1 {
				pq.Set("trail", strings.Join(trail[:len(trail)-1], "."))
			}
		}
		view.Prev = pageURL(base, pq)
	}
	p.staff.Render(w, r, "queue.html", view)
}

// shownFlags are the flags a queue row names.
var shownFlags = []string{"accept_pending", "promise", "city_wide", "joint", "extended", "deemed_accepted", "breach",
	"assisted", "agent", "pending_missed", "overdue", "renewal", "deemed_granted"}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, x := range v {
		out[k] = slices.Clone(x)
	}
	return out
}

// openByNo opens a case by its number: the box a barcode scanner types into (Enter submits).
func (p *pages) openByNo(w http.ResponseWriter, r *http.Request) {
	no := strings.TrimSpace(r.URL.Query().Get("no"))
	c, err := p.s.ByNo(r.Context(), no)
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			q := url.Values{"notfound": {no}}
			if from := r.URL.Query().Get("queue"); from != "" {
				q.Set("queue", from)
			}
			http.Redirect(w, r, pageURL(StaffBase, q), http.StatusSeeOther)
			return
		}
		web.Error(w, r, err)
		return
	}
	http.Redirect(w, r, StaffBase+"/"+c.ID, http.StatusSeeOther)
}

// CountQueue counts the viewer's cases in a queue (the workbench's counters), up to 999.
func (s *Service) CountQueue(ctx context.Context, q Queue) (int, error) {
	a, err := s.actorOf(ctx)
	if err != nil {
		return 0, err
	}
	in := QueueQuery{Queue: q}
	sq, _, err := s.queueSQL(a, &in)
	if err != nil {
		return 0, err
	}
	return s.st.countQueue(ctx, s.d.Read, sq, 999)
}

// Remaining is the working days left (negative when overdue).
func (r queueRow) Remaining() int { return r.RemainingWD }

// Overdue is the working days past due.
func (r queueRow) Overdue() int { return -r.RemainingWD }
