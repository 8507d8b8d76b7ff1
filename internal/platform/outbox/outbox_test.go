package outbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"onestamp/internal/platform/db"
	"onestamp/internal/platform/db/dbtest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// clock is a settable time source shared by the dispatchers of a test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

// newClock starts ahead of the wall clock, so events emitted with time.Now are already due.
func newClock() *clock { return &clock{t: time.Now().Add(time.Minute).Truncate(time.Millisecond)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func emit(t testing.TB, d *db.DB, topic, key string, payload any) string {
	t.Helper()
	var id string
	err := d.Tx(context.Background(), func(tx *sql.Tx) error {
		var err error
		id, err = Emit(context.Background(), tx, topic, key, payload)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func runOnce(t testing.TB, x *Dispatcher) int {
	t.Helper()
	n, err := x.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// metric reads a counter or gauge from reg; 0 when absent.
func metric(t testing.TB, reg *prometheus.Registry, name, topic, handler string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			l := map[string]string{}
			for _, lp := range m.GetLabel() {
				l[lp.GetName()] = lp.GetValue()
			}
			if l["topic"] == topic && l["handler"] == handler {
				if c := m.GetCounter(); c != nil {
					return c.GetValue()
				}
				if h := m.GetHistogram(); h != nil {
					return float64(h.GetSampleCount())
				}
				return m.GetGauge().GetValue()
			}
		}
	}
	return 0
}

type concluded struct {
	Case string `json:"case"`
}

func TestDeliversToEveryHandler(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clk := newClock()
		x := New(d, Options{Now: clk.Now, Logger: quiet})
		var mu sync.Mutex
		got := map[string][]Event{}
		record := func(name string) HandlerFunc {
			return func(ctx context.Context, e Event) error {
				mu.Lock()
				defer mu.Unlock()
				got[name] = append(got[name], e)
				return nil
			}
		}
		x.Handle("case.concluded", "rating.invite", record("invite"))
		x.Handle("case.concluded", "stats.count", record("count"))
		x.Handle("rating.bad", "rectify.open", record("rectify"))

		id := emit(t, d, "case.concluded", "case:1", concluded{Case: "1"})
		emit(t, d, "rating.bad", "rating:9", json.RawMessage(`{"level":1}`))
		emit(t, d, "nobody.listens", "x", nil)
		// An event emitted in a transaction that rolls back never exists.
		d.Tx(ctx, func(tx *sql.Tx) error {
			Emit(ctx, tx, "case.concluded", "case:2", concluded{Case: "2"})
			return errors.New("rollback")
		})

		if n := runOnce(t, x); n != 3 {
			t.Fatalf("first round delivered %d, want 3", n)
		}
		if n := runOnce(t, x); n != 0 {
			t.Fatalf("second round delivered %d, want 0", n)
		}
		if len(got["invite"]) != 1 || len(got["count"]) != 1 || len(got["rectify"]) != 1 {
			t.Fatalf("deliveries: %v", got)
		}
		e := got["invite"][0]
		var c concluded
		if e.ID != id || e.Topic != "case.concluded" || e.Key != "case:1" || e.Attempt != 1 ||
			e.Decode(&c) != nil || c.Case != "1" || e.CreatedAt.IsZero() {
			t.Fatalf("event %+v", e)
		}
		if string(got["rectify"][0].Payload) != `{"level":1}` {
			t.Fatalf("raw payload %s", got["rectify"][0].Payload)
		}
	})
}

func TestEmitChecks(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := Emit(ctx, tx, "", "k", nil); err == nil {
			t.Error("empty topic accepted")
		}
		if _, err := Emit(ctx, tx, "t", "k", json.RawMessage("{")); err == nil {
			t.Error("invalid raw JSON accepted")
		}
		if _, err := Emit(ctx, tx, "t", "k", func() {}); err == nil {
			t.Error("unencodable payload accepted")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Emit(ctx, nil, "t", "k", nil); err == nil {
		t.Error("emit without a transaction accepted")
	}
}

func TestScheduledJob(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clk := newClock()
		x := New(d, Options{Now: clk.Now, Logger: quiet})
		var runs atomic.Int32
		x.Handle("case.deadline", "remind", func(context.Context, Event) error { runs.Add(1); return nil })
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			_, err := EmitAt(ctx, tx, "case.deadline", "case:1", nil, clk.Now().Add(time.Hour))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if runOnce(t, x) != 0 {
			t.Fatal("a job ran before its time")
		}
		clk.Advance(59 * time.Minute)
		if runOnce(t, x) != 0 {
			t.Fatal("a job ran before its time")
		}
		clk.Advance(time.Minute)
		if runOnce(t, x) != 1 || runs.Load() != 1 {
			t.Fatal("a due job did not run")
		}
	})
}

func TestFailingHandlerRetriesThenDies(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clk := newClock()
		reg := prometheus.NewRegistry()
		x := New(d, Options{Now: clk.Now, Registerer: reg, Logger: quiet,
			MaxAttempts: 4, Backoff: 10 * time.Second, MaxBackoff: 25 * time.Second})
		var failing, fine atomic.Int32
		var attempts []int
		broken := atomic.Bool{}
		broken.Store(true)
		x.Handle("case.concluded", "flaky", func(_ context.Context, e Event) error {
			failing.Add(1)
			attempts = append(attempts, e.Attempt)
			if broken.Load() {
				return errors.New("sms gateway down")
			}
			return nil
		})
		x.Handle("case.concluded", "fine", func(context.Context, Event) error { fine.Add(1); return nil })
		id := emit(t, d, "case.concluded", "case:1", nil)

		dueAt := func() time.Time {
			var ms int64
			if err := d.Read.QueryRow("SELECT due_at FROM outbox_deliveries WHERE handler = 'flaky'").Scan(&ms); err != nil {
				t.Fatal(err)
			}
			return time.UnixMilli(ms)
		}
		// Backoff doubles from 10s and is capped at 25s; jitter keeps it between half and all of it.
		wantMax := []time.Duration{10 * time.Second, 20 * time.Second, 25 * time.Second}
		for attempt := 1; attempt <= 3; attempt++ {
			if n := runOnce(t, x); n == 0 {
				t.Fatalf("attempt %d: nothing delivered", attempt)
			}
			if got := metric(t, reg, "onestamp_outbox_failed_total", "case.concluded", "flaky"); got != float64(attempt) {
				t.Fatalf("failed counter %v after attempt %d", got, attempt)
			}
			wait := dueAt().Sub(clk.Now())
			if wait < wantMax[attempt-1]/2 || wait > wantMax[attempt-1] {
				t.Fatalf("after attempt %d the retry waits %v, want %v…%v", attempt, wait, wantMax[attempt-1]/2, wantMax[attempt-1])
			}
			if runOnce(t, x) != 0 {
				t.Fatal("retried before the backoff elapsed")
			}
			clk.Advance(wait)
		}
		if runOnce(t, x) != 1 {
			t.Fatal("last attempt not made")
		}
		if fine.Load() != 1 {
			t.Fatalf("the healthy handler ran %d times, want 1", fine.Load())
		}
		if fmt.Sprint(attempts) != "[1 2 3 4]" {
			t.Fatalf("attempts seen %v", attempts)
		}
		if got := metric(t, reg, "onestamp_outbox_dead_total", "case.concluded", "flaky"); got != 1 {
			t.Fatalf("dead counter %v", got)
		}
		if got := metric(t, reg, "onestamp_outbox_delivered_total", "case.concluded", "fine"); got != 1 {
			t.Fatalf("delivered counter %v", got)
		}
		clk.Advance(24 * time.Hour)
		if runOnce(t, x) != 0 || failing.Load() != 4 {
			t.Fatal("a dead delivery was retried")
		}

		// Dead is kept and visible, never lost.
		dead, err := x.Dead(ctx, 10)
		if err != nil || len(dead) != 1 {
			t.Fatalf("dead: %v %v", dead, err)
		}
		if dd := dead[0]; dd.EventID != id || dd.Handler != "flaky" || dd.Attempts != 4 || dd.LastError != "sms gateway down" || dd.Key != "case:1" {
			t.Fatalf("dead delivery %+v", dd)
		}
		counts, err := x.Counts(ctx)
		if err != nil || len(counts) != 1 || counts[0].Dead != 1 || counts[0].Pending != 0 {
			t.Fatalf("counts %+v %v", counts, err)
		}

		// Revived, it runs again with fresh attempts and succeeds.
		if err := x.Revive(ctx, id, "fine"); !errors.Is(err, ErrNotDead) {
			t.Fatalf("revive of a done delivery: %v", err)
		}
		broken.Store(false)
		if err := x.Revive(ctx, id, "flaky"); err != nil {
			t.Fatal(err)
		}
		if got := metric(t, reg, "onestamp_outbox_pending", "case.concluded", "flaky"); got != 0 {
			t.Fatalf("pending gauge %v before refresh", got)
		}
		x.Counts(ctx)
		if got := metric(t, reg, "onestamp_outbox_pending", "case.concluded", "flaky"); got != 1 {
			t.Fatalf("pending gauge %v, want 1", got)
		}
		if runOnce(t, x) != 1 || failing.Load() != 5 || attempts[4] != 1 {
			t.Fatalf("revived delivery: runs %d attempts %v", failing.Load(), attempts)
		}
		if got := metric(t, reg, "onestamp_outbox_delivered_total", "case.concluded", "flaky"); got != 1 {
			t.Fatalf("delivered counter %v", got)
		}
		if got := metric(t, reg, "onestamp_outbox_delivery_latency_seconds", "case.concluded", "flaky"); got != 1 {
			t.Fatalf("latency observations %v", got)
		}
		if dead, _ := x.Dead(ctx, 10); len(dead) != 0 {
			t.Fatal("still dead after success")
		}
	})
}

func TestPanickingHandlerIsAFailure(t *testing.T) {
	d := dbtest.SQLite(t)
	clk := newClock()
	x := New(d, Options{Now: clk.Now, Logger: quiet, MaxAttempts: 1})
	x.Handle("t", "boom", func(context.Context, Event) error { panic("nil map") })
	emit(t, d, "t", "k", nil)
	runOnce(t, x)
	dead, err := x.Dead(context.Background(), 1)
	if err != nil || len(dead) != 1 || dead[0].LastError[:14] != "panic: nil map" {
		t.Fatalf("dead %+v %v", dead, err)
	}
}

// A node that claims deliveries and dies leaves them leased; after the lease they are delivered
// again, and the last allowed attempt that never reported back is marked dead.
func TestCrashedClaimExpires(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clk := newClock()
		opts := Options{Now: clk.Now, Logger: quiet, Lease: time.Minute, HandlerTimeout: 10 * time.Second, MaxAttempts: 2}
		crashed := New(d, opts)
		crashed.Handle("t", "h", func(context.Context, Event) error { return nil })
		emit(t, d, "t", "k", nil)
		crash := func() {
			err := d.Tx(ctx, func(tx *sql.Tx) error {
				hs := crashed.snapshot()
				if err := crashed.fanOut(ctx, tx, hs, clk.Now()); err != nil {
					return err
				}
				b, err := crashed.claim(ctx, tx, hs, clk.Now(), clk.Now().Add(time.Minute), db.NewID())
				if len(b) != 1 {
					t.Fatalf("claimed %d", len(b))
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		crash() // attempt 1 never reports back

		var seen []int
		x := New(d, opts)
		x.Handle("t", "h", func(_ context.Context, e Event) error { seen = append(seen, e.Attempt); return errors.New("no") })
		if runOnce(t, x) != 0 {
			t.Fatal("a leased delivery was taken over")
		}
		clk.Advance(time.Minute)
		if runOnce(t, x) != 1 || fmt.Sprint(seen) != "[2]" {
			t.Fatalf("after the lease: attempts %v", seen)
		}
		// attempt 2 was the last one and failed: dead.
		if dead, _ := x.Dead(ctx, 5); len(dead) != 1 {
			t.Fatal("not dead after the last attempt")
		}

		// The same with a crash on the last attempt: no node runs it again.
		emit(t, d, "t", "k2", nil)
		crash() // attempt 1
		clk.Advance(time.Minute)
		crash() // attempt 2, the last, also dies with its node
		clk.Advance(time.Minute)
		if n := runOnce(t, x); n != 0 {
			t.Fatalf("a delivery past its last attempt was run again (%d)", n)
		}
		dead, _ := x.Dead(ctx, 5)
		if len(dead) != 2 || dead[0].Key != "k2" || dead[0].Attempts != 2 {
			t.Fatalf("dead %+v, want k2 dead after 2 attempts", dead)
		}
	})
}

func TestRunWakesOnKick(t *testing.T) {
	d := dbtest.SQLite(t)
	x := New(d, Options{PollInterval: time.Hour, Logger: quiet})
	got := make(chan string, 1)
	x.Handle("t", "h", func(_ context.Context, e Event) error { got <- e.Key; return nil })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- x.Run(ctx) }()
	time.Sleep(50 * time.Millisecond) // let the first round find nothing
	emit(t, d, "t", "kicked", nil)
	x.Kick()
	select {
	case k := <-got:
		if k != "kicked" {
			t.Fatal(k)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Kick did not wake Run")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestPurge(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clk := newClock()
		x := New(d, Options{Now: clk.Now, Logger: quiet, MaxAttempts: 1})
		x.Handle("ok", "h", func(context.Context, Event) error { return nil })
		x.Handle("bad", "h", func(context.Context, Event) error { return errors.New("no") })
		emit(t, d, "ok", "1", nil)
		emit(t, d, "bad", "2", nil)
		emit(t, d, "unhandled", "3", nil)
		runOnce(t, x)
		n, err := x.Purge(ctx, time.Now().Add(time.Hour))
		if err != nil || n != 1 {
			t.Fatalf("purged %d, %v", n, err)
		}
		var left int
		d.Read.QueryRow("SELECT COUNT(*) FROM outbox_events").Scan(&left)
		if left != 2 {
			t.Fatalf("%d events left, want the dead and the unhandled one", left)
		}
	})
}

// Several dispatchers (as several serve processes would, each with its own connections) work on
// one database at once: every event reaches every handler exactly once, never twice at a time.
func TestConcurrentDispatchers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		const events, nodes = 500, 4
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		handles := []*db.DB{d}
		for range nodes - 1 {
			handles = append(handles, reopen(t, d))
		}

		var inFlight, runs sync.Map // handler/event -> *atomic.Int32
		var overlaps, total atomic.Int32
		counter := func(m *sync.Map, k string) *atomic.Int32 {
			v, _ := m.LoadOrStore(k, new(atomic.Int32))
			return v.(*atomic.Int32)
		}
		handler := func(name string) HandlerFunc {
			return func(_ context.Context, e Event) error {
				k := name + "/" + e.ID
				if counter(&inFlight, k).Add(1) > 1 {
					overlaps.Add(1)
				}
				time.Sleep(time.Duration(rand.IntN(1500)) * time.Microsecond)
				counter(&inFlight, k).Add(-1)
				counter(&runs, k).Add(1)
				total.Add(1)
				return nil
			}
		}
		var xs []*Dispatcher
		for _, h := range handles {
			x := New(h, Options{Logger: quiet, PollInterval: 20 * time.Millisecond, Batch: 16, Workers: 4})
			x.Handle("case.concluded", "a", handler("a"))
			x.Handle("case.concluded", "b", handler("b"))
			xs = append(xs, x)
		}
		var wg sync.WaitGroup
		rctx, stop := context.WithCancel(ctx)
		for _, x := range xs {
			wg.Add(1)
			go func() { defer wg.Done(); x.Run(rctx) }()
		}
		var ids []string
		for i := 0; i < events; i += 10 {
			err := d.Tx(ctx, func(tx *sql.Tx) error {
				for j := range 10 {
					id, err := Emit(ctx, tx, "case.concluded", fmt.Sprintf("case:%d", i+j), nil)
					if err != nil {
						return err
					}
					ids = append(ids, id)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			xs[i/10%nodes].Kick()
		}
		for total.Load() < 2*events && ctx.Err() == nil {
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(100 * time.Millisecond) // a duplicate would show up now
		stop()
		wg.Wait()
		if overlaps.Load() != 0 {
			t.Fatalf("%d concurrent deliveries of one event to one handler", overlaps.Load())
		}
		for _, id := range ids {
			for _, h := range []string{"a", "b"} {
				if n := counter(&runs, h+"/"+id).Load(); n != 1 {
					t.Fatalf("event %s delivered %d times to %s", id, n, h)
				}
			}
		}
		if total.Load() != 2*events {
			t.Fatalf("%d deliveries, want %d", total.Load(), 2*events)
		}
		var pending int
		d.Read.QueryRow("SELECT COUNT(*) FROM outbox_deliveries WHERE state <> 'done'").Scan(&pending)
		if pending != 0 {
			t.Fatalf("%d deliveries not done", pending)
		}
	})
}

// reopen opens a second handle on d's database, as another process would.
func reopen(t testing.TB, d *db.DB) *db.DB {
	t.Helper()
	u := d.Path()
	if d.Engine == db.Postgres {
		u = pgURL(t, d)
	}
	h, err := db.Open(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// pgURL recovers the URL of the test schema d uses.
func pgURL(t testing.TB, d *db.DB) string {
	t.Helper()
	var schema string
	if err := d.Read.QueryRow("SELECT current_schema()").Scan(&schema); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(os.Getenv(dbtest.EnvPostgres))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// TestImmediateEventsFollowTheDispatcherClock: an application whose clock is behind the wall
// clock (a test's fixed date) still gets its immediate events delivered at once.
func TestImmediateEventsFollowTheDispatcherClock(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		past := time.Date(2025, 9, 26, 10, 0, 0, 0, time.UTC)
		x := New(d, Options{Now: func() time.Time { return past }})
		got := 0
		x.Handle("t.now", "h", func(ctx context.Context, e Event) error { got++; return nil })
		if err := d.Tx(ctx, func(tx *sql.Tx) error { _, err := Emit(ctx, tx, "t.now", "k", map[string]int{"a": 1}); return err }); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			if _, err := x.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if got != 1 {
			t.Fatalf("delivered %d times, want 1", got)
		}
	})
}
