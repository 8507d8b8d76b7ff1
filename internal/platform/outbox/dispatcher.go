package outbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"onestamp/internal/platform/db"
)

// HandlerFunc handles one event. Returning an error schedules a retry; it must be safe to run
// again for the same Event.ID (delivery is at least once).
type HandlerFunc func(ctx context.Context, e Event) error

// Options tune a Dispatcher. Zero values take the defaults shown.
type Options struct {
	PollInterval   time.Duration // 1s: how often Run looks for due work when not kicked
	Settle         time.Duration // 20ms: after a kick, how long Run lets more events arrive before a round
	Batch          int           // 64: deliveries claimed per round
	Workers        int           // 4: handlers running at once in one dispatcher
	HandlerTimeout time.Duration // 1m: context deadline of one handler call
	Lease          time.Duration // 5m: how long a claim holds before another node may take it; > HandlerTimeout
	MaxAttempts    int           // 10: attempts before a delivery is marked dead
	Backoff        time.Duration // 2s: delay before the first retry, doubled on each further one
	MaxBackoff     time.Duration // 1h: ceiling of the retry delay
	PendingEvery   time.Duration // 15s: how often Run refreshes the pending gauge
	Now            func() time.Time
	Registerer     prometheus.Registerer // nil: no metrics registered
	Logger         *slog.Logger          // nil: slog.Default()
}

func (o *Options) defaults() {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.PollInterval, time.Second)
	def(&o.Settle, 20*time.Millisecond)
	def(&o.HandlerTimeout, time.Minute)
	def(&o.Lease, 5*time.Minute)
	def(&o.Backoff, 2*time.Second)
	def(&o.MaxBackoff, time.Hour)
	def(&o.PendingEvery, 15*time.Second)
	if o.Lease <= o.HandlerTimeout {
		o.Lease = 2 * o.HandlerTimeout
	}
	if o.Batch <= 0 {
		o.Batch = 64
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 10
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

type handler struct {
	topic, name string
	fn          HandlerFunc
}

// Dispatcher delivers outbox events to the handlers registered on it.
type Dispatcher struct {
	d    *db.DB
	opts Options
	m    *metrics
	kick chan struct{}

	mu       sync.RWMutex
	handlers map[string]map[string]*handler // topic -> name -> handler

	pendingAt time.Time // last pending-gauge refresh; touched only by Run's goroutine
}

// New returns a dispatcher for d. Register handlers with Handle, then call Run (or RunOnce).
func New(d *db.DB, opts Options) *Dispatcher {
	opts.defaults()
	return &Dispatcher{
		d: d, opts: opts, m: newMetrics(opts.Registerer),
		kick:     make(chan struct{}, 1),
		handlers: map[string]map[string]*handler{},
	}
}

// Handle registers fn as the handler called name for topic. Each (topic, name) pair gets its own
// delivery of every event, tracked separately; renaming a handler makes it a new one. Events
// are fanned out to the handlers registered when the dispatcher first sees them.
func (x *Dispatcher) Handle(topic, name string, fn HandlerFunc) {
	if topic == "" || name == "" || fn == nil {
		panic("outbox: Handle needs a topic, a name and a function")
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.handlers[topic] == nil {
		x.handlers[topic] = map[string]*handler{}
	}
	if _, dup := x.handlers[topic][name]; dup {
		panic(fmt.Sprintf("outbox: handler %s registered twice for %s", name, topic))
	}
	x.handlers[topic][name] = &handler{topic: topic, name: name, fn: fn}
}

// Kick wakes Run now, typically right after committing a transaction that emitted events.
func (x *Dispatcher) Kick() {
	select {
	case x.kick <- struct{}{}:
	default:
	}
}

// Run delivers until ctx ends: a round whenever kicked, after every full round, and at least once
// per PollInterval. Errors of a round are logged and retried on the next one. In-flight handlers
// finish (within HandlerTimeout) before Run returns.
func (x *Dispatcher) Run(ctx context.Context) error {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-x.kick:
			// A kick comes with every committed event; under load they come in bursts. A
			// moment's wait lets one round carry the burst instead of a round per event, each
			// round being a few write transactions.
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(x.opts.Settle):
			}
		}
		n, err := x.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			x.opts.Logger.Error("outbox round failed", "err", err)
		}
		if now := x.opts.Now(); now.Sub(x.pendingAt) >= x.opts.PendingEvery && ctx.Err() == nil {
			x.pendingAt = now
			if _, err := x.Counts(ctx); err != nil && ctx.Err() == nil {
				x.opts.Logger.Warn("outbox pending gauge", "err", err)
			}
		}
		next := x.opts.PollInterval
		if err == nil && n >= x.opts.Batch {
			next = 0 // more work is likely waiting
		}
		if !t.Stop() {
			select {
			case <-t.C:
			default:
			}
		}
		t.Reset(next)
	}
}

type claimed struct {
	h           *handler
	topic, name string
	eventID     string
	attempts    int
	ev          Event
	notBefore   int64
	outcome     outcome
	err         error
}

type outcome int

const (
	abandoned outcome = iota // not run: lease too short or shutting down
	succeeded
	failed
)

// RunOnce fans new events out to this dispatcher's handlers, claims up to Batch due deliveries,
// runs them and records the outcomes. It returns how many deliveries it claimed.
func (x *Dispatcher) RunOnce(ctx context.Context) (int, error) {
	hs := x.snapshot()
	if len(hs) == 0 {
		return 0, nil
	}
	now := x.opts.Now()
	leaseEnd := now.Add(x.opts.Lease)
	token := db.NewID()
	var batch []*claimed
	err := x.d.Tx(ctx, func(tx *sql.Tx) error {
		if err := x.fanOut(ctx, tx, hs, now); err != nil {
			return err
		}
		if err := x.buryExpired(ctx, tx, hs, now); err != nil {
			return err
		}
		var err error
		batch, err = x.claim(ctx, tx, hs, now, leaseEnd, token)
		return err
	})
	if err != nil || len(batch) == 0 {
		return 0, err
	}

	work := make(chan *claimed)
	var wg sync.WaitGroup
	for range min(x.opts.Workers, len(batch)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range work {
				x.deliver(ctx, c, leaseEnd)
			}
		}()
	}
	for _, c := range batch {
		work <- c
	}
	close(work)
	wg.Wait()

	// Record outcomes even when ctx has ended: the handlers ran, and forgetting that would only
	// cause another delivery after the lease.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := x.finish(fctx, batch, token); err != nil {
		return len(batch), err
	}
	return len(batch), nil
}

func (x *Dispatcher) snapshot() map[string]map[string]*handler {
	x.mu.RLock()
	defer x.mu.RUnlock()
	out := make(map[string]map[string]*handler, len(x.handlers))
	for t, m := range x.handlers {
		out[t] = make(map[string]*handler, len(m))
		for n, h := range m {
			out[t][n] = h
		}
	}
	return out
}

// fanOut creates one delivery per registered handler for events not yet fanned out.
func (x *Dispatcher) fanOut(ctx context.Context, tx *sql.Tx, hs map[string]map[string]*handler, now time.Time) error {
	args := []any{}
	q := `SELECT id, topic, not_before, created_at FROM outbox_events WHERE fanned_at IS NULL AND topic IN (` +
		placeholders(&args, topics(hs)) + `) ORDER BY id LIMIT ` + strconv.Itoa(x.opts.Batch) + x.d.ForUpdateSkipLocked()
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("outbox: find new events: %w", err)
	}
	type ev struct {
		id, topic         string
		notBefore, create int64
	}
	var evs []ev
	for rows.Next() {
		var e ev
		if err := rows.Scan(&e.id, &e.topic, &e.notBefore, &e.create); err != nil {
			rows.Close()
			return err
		}
		evs = append(evs, e)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return err
	}
	if len(evs) == 0 {
		return nil
	}
	ms := now.UnixMilli()
	const cols = 11
	var vals []string
	args = args[:0]
	flush := func() error {
		if len(vals) == 0 {
			return nil
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO outbox_deliveries (event_id, handler, topic, state, attempts,
			due_at, claimed_until, claim, last_error, created_at, updated_at) VALUES `+strings.Join(vals, ", ")+`
			ON CONFLICT (event_id, handler) DO NOTHING`, args...)
		vals, args = vals[:0], args[:0]
		if err != nil {
			return fmt.Errorf("outbox: fan out: %w", err)
		}
		return nil
	}
	ids := make([]any, 0, len(evs))
	for _, e := range evs {
		ids = append(ids, e.id)
		for _, h := range hs[e.topic] {
			n := len(args)
			// An event for "now" is due now by the dispatcher's clock too: Emit stamps the wall
			// clock, and an application running on another clock (a test's, a replay's) must
			// still see its immediate events at once. Scheduled events keep their time.
			due := e.notBefore
			if due <= e.create && ms < due {
				due = ms
			}
			args = append(args, e.id, h.name, e.topic, "pending", 0, due, 0, "", "", ms, ms)
			ph := make([]string, cols)
			for i := range ph {
				ph[i] = "$" + strconv.Itoa(n+i+1)
			}
			vals = append(vals, "("+strings.Join(ph, ", ")+")")
			if len(args) > 60000-cols {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	args = []any{ms}
	if _, err := tx.ExecContext(ctx, "UPDATE outbox_events SET fanned_at = $1 WHERE id IN ("+placeholders(&args, ids)+")", args...); err != nil {
		return fmt.Errorf("outbox: mark fanned out: %w", err)
	}
	return nil
}

// buryExpired marks dead the deliveries whose last allowed attempt never reported back (the node
// died, perhaps because of the handler): retrying those forever could take every node down.
func (x *Dispatcher) buryExpired(ctx context.Context, tx *sql.Tx, hs map[string]map[string]*handler, now time.Time) error {
	ms := now.UnixMilli()
	args := []any{ms, x.opts.MaxAttempts}
	q := `UPDATE outbox_deliveries SET state = 'dead', claim = '', updated_at = $1,
		last_error = 'no outcome reported for the last attempt before its lease expired'
		WHERE state = 'pending' AND due_at <= $1 AND claimed_until > 0 AND claimed_until <= $1
		AND attempts >= $2 AND (` + pairs(&args, hs) + `)`
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("outbox: bury expired: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		x.opts.Logger.Warn("outbox deliveries dead after an unreported last attempt", "count", n)
	}
	return nil
}

// claim leases up to Batch due deliveries of this dispatcher's handlers to token.
func (x *Dispatcher) claim(ctx context.Context, tx *sql.Tx, hs map[string]map[string]*handler,
	now, leaseEnd time.Time, token string) ([]*claimed, error) {
	args := []any{now.UnixMilli(), leaseEnd.UnixMilli(), token}
	q := `UPDATE outbox_deliveries SET attempts = attempts + 1, claimed_until = $2, claim = $3, updated_at = $1
		WHERE (event_id, handler) IN (SELECT event_id, handler FROM outbox_deliveries
			WHERE state = 'pending' AND due_at <= $1 AND claimed_until <= $1 AND (` + pairs(&args, hs) + `)
			ORDER BY due_at LIMIT ` + strconv.Itoa(x.opts.Batch) + x.d.ForUpdateSkipLocked() + `)
		RETURNING event_id, handler, topic, attempts`
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("outbox: claim: %w", err)
	}
	var out []*claimed
	byEvent := map[string][]*claimed{}
	for rows.Next() {
		var id, name, topic string
		var attempts int
		if err := rows.Scan(&id, &name, &topic, &attempts); err != nil {
			rows.Close()
			return nil, err
		}
		c := &claimed{h: hs[topic][name], topic: topic, name: name, eventID: id, attempts: attempts}
		out = append(out, c)
		byEvent[id] = append(byEvent[id], c)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, nil
	}
	ids := make([]any, 0, len(byEvent))
	for id := range byEvent {
		ids = append(ids, id)
	}
	args = args[:0]
	rows, err = tx.QueryContext(ctx, `SELECT id, topic, key, payload, created_at, not_before FROM outbox_events
		WHERE id IN (`+placeholders(&args, ids)+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("outbox: load events: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e Event
		var payload string
		var created, notBefore int64
		if err := rows.Scan(&e.ID, &e.Topic, &e.Key, &payload, &created, &notBefore); err != nil {
			return nil, err
		}
		e.Payload = []byte(payload)
		e.CreatedAt = time.UnixMilli(created).UTC()
		for _, c := range byEvent[e.ID] {
			c.ev = e
			c.ev.Attempt = c.attempts
			c.notBefore = notBefore
		}
	}
	return out, rows.Err()
}

// deliver runs one handler, unless the lease would run out before its timeout could fire (a
// long batch) or the dispatcher is stopping: then the delivery is handed back untouched.
func (x *Dispatcher) deliver(ctx context.Context, c *claimed, leaseEnd time.Time) {
	if ctx.Err() != nil || !x.opts.Now().Add(x.opts.HandlerTimeout).Before(leaseEnd) || c.h == nil {
		c.outcome = abandoned
		return
	}
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), x.opts.HandlerTimeout)
	defer cancel()
	start := time.Now()
	err := safeCall(hctx, c.h.fn, c.ev)
	x.m.duration.WithLabelValues(c.topic, c.name).Observe(time.Since(start).Seconds())
	if err != nil {
		c.outcome, c.err = failed, err
		return
	}
	c.outcome = succeeded
}

func safeCall(ctx context.Context, fn HandlerFunc, e Event) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
		}
	}()
	return fn(ctx, e)
}

// finish records the outcomes of a batch in one transaction. Every statement is guarded by the
// claim token: if the lease ran out and another node took a delivery over, its outcome wins.
func (x *Dispatcher) finish(ctx context.Context, batch []*claimed, token string) error {
	now := x.opts.Now()
	ms := now.UnixMilli()
	var dead []*claimed
	err := x.d.Tx(ctx, func(tx *sql.Tx) error {
		dead = dead[:0]
		done := map[string][]any{} // handler name -> event ids
		for _, c := range batch {
			switch c.outcome {
			case succeeded:
				done[c.name] = append(done[c.name], c.eventID)
			case abandoned:
				if _, err := tx.ExecContext(ctx, `UPDATE outbox_deliveries SET attempts = attempts - 1, claimed_until = 0,
					claim = '' WHERE claim = $1 AND event_id = $2 AND handler = $3`, token, c.eventID, c.name); err != nil {
					return err
				}
			case failed:
				state, due := "pending", now.Add(x.backoff(c.attempts)).UnixMilli()
				if c.attempts >= x.opts.MaxAttempts {
					state = "dead"
					dead = append(dead, c)
				}
				msg := c.err.Error()
				if len(msg) > 4000 {
					msg = msg[:4000]
				}
				if _, err := tx.ExecContext(ctx, `UPDATE outbox_deliveries SET state = $1, due_at = $2, claimed_until = 0,
					claim = '', last_error = $3, updated_at = $4 WHERE claim = $5 AND event_id = $6 AND handler = $7`,
					state, due, msg, ms, token, c.eventID, c.name); err != nil {
					return err
				}
			}
		}
		for name, ids := range done {
			args := []any{ms, token, name}
			if _, err := tx.ExecContext(ctx, `UPDATE outbox_deliveries SET state = 'done', claimed_until = 0,
				last_error = '', updated_at = $1 WHERE claim = $2 AND handler = $3 AND event_id IN (`+
				placeholders(&args, ids)+`)`, args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("outbox: record outcomes: %w", err)
	}
	for _, c := range batch {
		l := []string{c.topic, c.name}
		switch c.outcome {
		case succeeded:
			x.m.delivered.WithLabelValues(l...).Inc()
			x.m.latency.WithLabelValues(l...).Observe(max(0, now.Sub(time.UnixMilli(c.notBefore)).Seconds()))
		case failed:
			x.m.failed.WithLabelValues(l...).Inc()
			x.opts.Logger.Warn("outbox handler failed", "topic", c.topic, "handler", c.name,
				"event", c.eventID, "attempt", c.attempts, "err", c.err)
		}
	}
	for _, c := range dead {
		x.m.dead.WithLabelValues(c.topic, c.name).Inc()
		x.opts.Logger.Error("outbox delivery dead", "topic", c.topic, "handler", c.name,
			"event", c.eventID, "attempts", c.attempts, "err", c.err)
	}
	return nil
}

// backoff is the delay after the given failed attempt: Backoff·2^(attempt-1), capped at
// MaxBackoff, with "equal jitter" (between half and all of it) so retries of a failure that hit
// many deliveries at once spread out.
func (x *Dispatcher) backoff(attempt int) time.Duration {
	d := x.opts.Backoff
	for i := 1; i < attempt && d < x.opts.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, x.opts.MaxBackoff)
	half := d / 2
	return half + rand.N(half+1)
}

func topics(hs map[string]map[string]*handler) []any {
	out := make([]any, 0, len(hs))
	for t := range hs {
		out = append(out, t)
	}
	return out
}

// pairs returns "(topic = $i AND handler = $j) OR …" for every registered handler.
func pairs(args *[]any, hs map[string]map[string]*handler) string {
	var parts []string
	for t, m := range hs {
		for n := range m {
			*args = append(*args, t, n)
			k := len(*args)
			parts = append(parts, fmt.Sprintf("(topic = $%d AND handler = $%d)", k-1, k))
		}
	}
	return strings.Join(parts, " OR ")
}

// placeholders appends vals to args and returns their "$i, $j, …" list.
func placeholders(args *[]any, vals []any) string {
	ph := make([]string, len(vals))
	for i, v := range vals {
		*args = append(*args, v)
		ph[i] = "$" + strconv.Itoa(len(*args))
	}
	return strings.Join(ph, ", ")
}
