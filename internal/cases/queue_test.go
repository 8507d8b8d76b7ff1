package cases

import (
	"context"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/db/dbtest"
	"onestamp/internal/platform/errs"
)

func ids(p Page) []string {
	out := make([]string, len(p.Items))
	for i, x := range p.Items {
		out[i] = x.ID
	}
	return out
}

// Every queue per role and data scope: a case shows where its side must act, and nowhere else.
func TestQueuesPerRoleAndScope(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		q := func(v *auth.Viewer, qq QueueQuery) []string {
			t.Helper()
			p, err := f.svc.Queue(as(v), qq)
			if err != nil {
				t.Fatal(err)
			}
			return ids(p)
		}
		// Cases of different ages in county A, so that their deadlines differ.
		f.clock.on("2025-11-03")
		old := f.reach(StInReview, true) // promised 11-24
		f.clock.on("2025-11-10")
		received := f.reach(StReceived, true) // intake due 11-17
		accepted := f.reach(StAccepted, true) // promised 12-01
		corr := f.reach(StCorrection, true)
		susp := f.reach(StSuspended, true)
		// A county B case, received at hall B.
		b := f.ok(f.svc.Open(as(clerkB), OpenInput{ItemID: f.citywide.ID, Applicant: f.applicant(), Form: map[string]string{"name": "b"}}))
		f.upload(clerkB, b.ID, "application", 1, true)
		b = f.ok(f.svc.Receive(as(clerkB), b.ID, f.get(b.ID).Version, ReceiveInput{}))

		if got := q(clerkA, QueueQuery{Queue: QueueTodo}); !slices.Equal(got, []string{received.ID}) {
			t.Errorf("clerk A's to-do %v, want the received case", got)
		}
		if got := q(clerkB, QueueQuery{Queue: QueueTodo}); !slices.Equal(got, []string{b.ID}) {
			t.Errorf("clerk B's to-do %v", got)
		}
		// The reviewers' pool of county A holds the accepted case (step 审查); the case in review
		// waits for the signer.
		if got := q(reviewerA, QueueQuery{Queue: QueueTodo}); !slices.Equal(got, []string{accepted.ID}) {
			t.Errorf("reviewer A's to-do %v", got)
		}
		if got := q(signerA, QueueQuery{Queue: QueueTodo}); !slices.Equal(got, []string{old.ID}) {
			t.Errorf("signer A's to-do %v", got)
		}
		if got := q(reviewerB, QueueQuery{Queue: QueueTodo}); len(got) != 0 {
			t.Errorf("reviewer B's to-do %v", got)
		}
		if got := q(alice, QueueQuery{Queue: QueueTodo}); !slices.Equal(got, []string{corr.ID}) {
			t.Errorf("the applicant's to-do %v, want the correction", got)
		}
		if got := q(chiefA, QueueQuery{Queue: QueueSuspended}); !slices.Equal(got, []string{susp.ID}) {
			t.Errorf("suspended %v", got)
		}
		if got := q(chiefB, QueueQuery{Queue: QueueSuspended}); len(got) != 0 {
			t.Errorf("suspended in B %v", got)
		}
		if got := q(clerkA, QueueQuery{Queue: QueueCorrection}); !slices.Equal(got, []string{corr.ID}) {
			t.Errorf("awaiting correction %v", got)
		}
		if got := q(reviewerA, QueueQuery{Queue: QueueDone}); len(got) != 2 || got[0] != susp.ID {
			t.Errorf("reviewer A's done %v (most recent first)", got)
		}
		// Warning and overdue, as the clock sees them on Fri 11-21: the old case has 1 wd left
		// (yellow); the received case is past its intake limit (red, and deemed by the sweep).
		f.clock.on("2025-11-21")
		val[RecomputeStats](t)(f.svc.RecomputeAll(context.Background()))
		if got := q(signerA, QueueQuery{Queue: QueueWarning}); !slices.Equal(got, []string{old.ID}) {
			t.Errorf("warning %v", got)
		}
		if got := q(clerkA, QueueQuery{Queue: QueueOverdue}); !slices.Equal(got, []string{received.ID}) {
			t.Errorf("overdue at hall A %v", got)
		}
		if got := q(clerkB, QueueQuery{Queue: QueueOverdue}); !slices.Equal(got, []string{b.ID}) {
			t.Errorf("overdue at hall B %v", got)
		}
		// Filters: by item and by window.
		if got := q(clerkB, QueueQuery{Queue: QueueTodo, ItemID: f.licence.ID}); len(got) != 0 {
			t.Errorf("item filter %v", got)
		}
		if got := q(clerkA, QueueQuery{Queue: QueueTodo, WindowID: "A-01"}); !slices.Equal(got, []string{received.ID}) {
			t.Errorf("window filter %v", got)
		}
		if got := q(clerkA, QueueQuery{Queue: QueueTodo, WindowID: "A-09"}); len(got) != 0 {
			t.Errorf("other window %v", got)
		}
		// Who may ask for which queue.
		for _, bad := range []struct {
			v *auth.Viewer
			q Queue
		}{{alice, QueueWarning}, {alice, QueueSearch}, {reviewerA, QueueMine}} {
			if _, err := f.svc.Queue(as(bad.v), QueueQuery{Queue: bad.q}); !errs.Is(err, errs.Forbidden) {
				t.Errorf("%s asking for %s: %v", bad.v.ID, bad.q, err)
			}
		}
		if _, err := f.svc.Queue(as(clerkA), QueueQuery{Queue: "nope"}); !errs.Is(err, errs.Invalid) {
			t.Errorf("unknown queue: %v", err)
		}
	})
}

// Keyset pagination walks a queue page by page without gaps or repeats, in due order.
func TestQueuePagination(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		var want []string
		for _, day := range []string{"2025-11-03", "2025-11-04", "2025-11-05", "2025-11-06", "2025-11-07"} {
			f.clock.on(day)
			for i := 0; i < 2; i++ {
				want = append(want, f.reach(StAccepted, true).ID)
			}
		}
		slices.Sort(want[0:2])
		slices.Sort(want[2:4])
		slices.Sort(want[4:6])
		slices.Sort(want[6:8])
		slices.Sort(want[8:10])
		for _, queue := range []Queue{QueueTodo, QueueSearch, QueueDone} {
			v := reviewerA
			if queue == QueueSearch {
				v = chiefA
			}
			if queue == QueueDone {
				v = clerkA
			}
			var got []string
			after := ""
			for pages := 0; pages < 10; pages++ {
				p := val[Page](t)(f.svc.Queue(as(v), QueueQuery{Queue: queue, Limit: 3, After: after}))
				got = append(got, ids(p)...)
				if p.Next == "" {
					break
				}
				after = p.Next
			}
			switch queue {
			case QueueTodo:
				if !slices.Equal(got, want) {
					t.Errorf("to-do pages %v\nwant %v", got, want)
				}
			default:
				s := slices.Clone(got)
				slices.Sort(s)
				w := slices.Clone(want)
				slices.Sort(w)
				if !slices.Equal(s, w) {
					t.Errorf("%s pages: %d cases, want %d", queue, len(got), len(want))
				}
			}
		}
		if _, err := f.svc.Queue(as(reviewerA), QueueQuery{Queue: QueueTodo, After: "%%%"}); !errs.Is(err, errs.Invalid) {
			t.Errorf("bad cursor: %v", err)
		}
	})
}

// Every message key the package uses has a text in both languages.
func TestMessageCatalogue(t *testing.T) {
	keys := map[string]bool{}
	re := regexp.MustCompile(`"(cases\.[a-z_]+(?:\.[a-z_]+)+)"`)
	files, _ := os.ReadDir(".")
	for _, fe := range files {
		n := fe.Name()
		if !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		b, _ := os.ReadFile(n)
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			keys[m[1]] = true
		}
	}
	for _, s := range States {
		keys["cases.state."+s.String()] = true
	}
	for _, fl := range flagNames {
		keys["cases.flag."+fl.name] = true
	}
	for _, r := range Transitions {
		keys["cases.action."+string(r.Action)] = true
	}
	for _, q := range Queues {
		keys["cases.queue."+string(q)] = true
	}
	for a := range publicActions {
		keys["cases.story."+string(a)] = true // the applicant's timeline
	}
	for _, k := range notifyKeys() {
		keys[k] = true
	}
	for _, lang := range []string{"zh-CN", "en"} {
		b, err := messages.ReadFile("messages/" + lang + ".json")
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]string
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		for _, k := range sortedKeys(keys) {
			if k == "cases.notify." || k == "cases.state." {
				continue
			}
			if m[k] == "" {
				t.Errorf("%s: no text for %s", lang, k)
			}
		}
	}
}
