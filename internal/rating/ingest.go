package rating

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/gm"
	"onestamp/internal/platform/outbox"
)

// Topics this domain emits.
const (
	// TopicBad is emitted for every bad rating (level 1–2) in the transaction that records it;
	// the rectify domain opens a rectification for the rated unit. Payload: BadEvent.
	TopicBad = "rating.bad"
	// TopicRecorded is emitted once per committed batch of ratings with their ids; the provincial
	// push handler sends them. Payload: RecordedEvent.
	TopicRecorded = "rating.recorded"
)

// BadEvent is the payload of rating.bad. It carries no personal data: whoever needs to call the
// citizen back opens the rating, where the identity is shown as the viewer may see it.
type BadEvent struct {
	RatingID   string   `json:"rating_id"`
	CaseID     string   `json:"case_id"`
	CaseNo     string   `json:"case_no"`
	ItemName   string   `json:"item_name"`
	UnitID     string   `json:"unit_id"`
	UnitName   string   `json:"unit_name"`
	RegionCode string   `json:"region_code"`
	WindowNo   string   `json:"window_no,omitempty"`
	Staff      []Staff  `json:"staff"`
	Level      Level    `json:"level"`
	Reasons    []Reason `json:"reasons"`
	Comment    string   `json:"comment,omitempty"`
	Channel    Channel  `json:"channel"`
	RealName   bool     `json:"real_name"`
	RatedAt    int64    `json:"rated_at" doc:"unix milliseconds"`
	RatedOn    string   `json:"rated_on"`
}

// RecordedEvent is the payload of rating.recorded.
type RecordedEvent struct {
	IDs []string `json:"ids"`
}

// row is a rating as stored.
type row struct {
	ID, CaseID, CaseNo                   string
	Stage                                Stage
	ItemID, ItemCode, ItemVersion        string
	ItemName                             string
	UnitID, UnitCode, UnitName           string
	HallID, HallName, WindowID, WindowNo string
	RegionCode                           string
	Staff                                []Staff
	Channel                              Channel
	Level                                Level
	Reasons                              []Reason
	Comment                              string
	RatedAt                              int64
	RatedOn                              string
	Default, RealName                    bool
	EvaluatorKey, ApplicantID            string
	ApplicantType, IDType                string
	IDNumber, IDMasked, Name, Mobile     string // IDNumber, Name and Mobile encrypted
	EnteredBy, SourceRef, CaseStatus     string
	CreatedAt                            int64
}

// badEvent is the rating.bad payload of r.
func (r *row) badEvent() BadEvent {
	return BadEvent{RatingID: r.ID, CaseID: r.CaseID, CaseNo: r.CaseNo, ItemName: r.ItemName, UnitID: r.UnitID,
		UnitName: r.UnitName, RegionCode: r.RegionCode, WindowNo: r.WindowNo, Staff: nonNilStaff(r.Staff),
		Level: r.Level, Reasons: nonNilReasons(r.Reasons), Comment: r.Comment, Channel: r.Channel, RealName: r.RealName,
		RatedAt: r.RatedAt, RatedOn: r.RatedOn}
}

func nonNilStaff(s []Staff) []Staff {
	if s == nil {
		return []Staff{}
	}
	return s
}

func nonNilReasons(r []Reason) []Reason {
	if r == nil {
		return []Reason{}
	}
	return r
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("rating: encode %T: %v", v, err))
	}
	return string(b)
}

// job is one rating waiting to be committed.
type job struct {
	r     row
	actor *auth.Viewer
	err   error
	done  chan struct{}
	lead  chan struct{}
}

// writer commits ratings in groups. A rating is small and SQLite has one writer, so committing
// each in its own transaction spends most of the time on the transaction, and the rollup
// counters of one day, item and window would be rewritten once per rating. Concurrent submissions
// therefore queue here; the first in line becomes the leader, commits everything queued (up to
// MaxBatch) in one transaction with the rollup deltas summed, hands each submitter its outcome,
// and passes the lead to the next in line. A lone submission commits at once: there is no timer.
type writer struct {
	s       *Service
	mu      sync.Mutex
	queue   []*job
	running bool
}

// write records rows and returns one error per row (nil for recorded). actor is who wrote them,
// for the audit log (nil: the evaluator acting for themself, or the system).
func (w *writer) write(ctx context.Context, actor *auth.Viewer, rows ...row) []error {
	jobs := make([]*job, len(rows))
	w.mu.Lock()
	for i := range rows {
		jobs[i] = &job{r: rows[i], actor: actor, done: make(chan struct{}), lead: make(chan struct{})}
	}
	w.queue = append(w.queue, jobs...)
	leader := !w.running
	w.running = true
	w.mu.Unlock()
	if leader {
		w.lead(ctx)
	}
	out := make([]error, len(jobs))
	for i, j := range jobs {
		select {
		case <-j.done:
		case <-j.lead:
			w.lead(ctx)
			<-j.done
		}
		out[i] = j.err
	}
	return out
}

// lead commits one batch from the head of the queue and passes the lead on.
func (w *writer) lead(ctx context.Context) {
	w.mu.Lock()
	n := min(len(w.queue), w.s.opt.MaxBatch)
	batch := w.queue[:n:n]
	w.queue = w.queue[n:]
	w.mu.Unlock()

	w.commit(context.WithoutCancel(ctx), batch)

	w.mu.Lock()
	if len(w.queue) == 0 {
		w.running = false
		w.mu.Unlock()
		return
	}
	next := w.queue[0]
	w.mu.Unlock()
	close(next.lead)
}

// commit writes a batch in one transaction. If the transaction fails as a whole, each rating is
// tried alone, so that one bad rating cannot take its neighbours down with it.
func (w *writer) commit(ctx context.Context, batch []*job) {
	defer func() {
		for _, j := range batch {
			close(j.done)
		}
	}()
	if err := w.s.d.Tx(ctx, func(tx *sql.Tx) error { return w.s.insertBatch(ctx, tx, batch) }); err == nil || len(batch) == 1 {
		if err != nil {
			batch[0].err = err
		}
		return
	}
	for _, j := range batch {
		j.err = nil
		one := []*job{j}
		if err := w.s.d.Tx(ctx, func(tx *sql.Tx) error { return w.s.insertBatch(ctx, tx, one) }); err != nil {
			j.err = err
		}
	}
}

// insertBatch writes the ratings of batch, their audit records, events and rollup deltas in tx.
// A rating that would be a second one (same case, evaluator and stage, or same hotline ticket)
// gets a conflict error and changes nothing.
func (s *Service) insertBatch(ctx context.Context, tx *sql.Tx, batch []*job) error {
	rows := make([]*row, 0, len(batch))
	for _, j := range batch {
		j.err = nil
		rows = append(rows, &j.r)
	}
	inserted, err := s.st.insertRatings(ctx, tx, rows)
	if err != nil {
		return err
	}
	var ids []string
	var firstActive []string
	deltas := rollupDeltas{}
	audits := auditGroups{}
	for _, j := range batch {
		r := &j.r
		if !inserted[r.ID] {
			j.err = errs.ConflictErr("rating.duplicate").With("case_no", r.CaseNo)
			continue
		}
		ids = append(ids, r.ID)
		deltas.addRating(r, 1)
		if !r.Default {
			firstActive = append(firstActive, r.CaseID)
		}
		audits.add(j.actor, r)
		if r.Level.IsBad() {
			if _, err := outbox.Emit(ctx, tx, TopicBad, "rating:"+r.ID, r.badEvent()); err != nil {
				return errs.Wrap(err, "emit %s", TopicBad)
			}
		}
	}
	if len(ids) == 0 {
		return nil
	}
	if err := audits.write(ctx, s, tx); err != nil {
		return err
	}
	if len(firstActive) > 0 {
		cases, err := s.st.markRated(ctx, tx, firstActive, s.clock().UnixMilli())
		if err != nil {
			return err
		}
		for _, c := range cases {
			deltas.addCase(c, colRatedCases, 1)
		}
	}
	if err := s.st.applyRollups(ctx, tx, deltas); err != nil {
		return err
	}
	if _, err := outbox.Emit(ctx, tx, TopicRecorded, "ratings", RecordedEvent{IDs: ids}); err != nil {
		return errs.Wrap(err, "emit %s", TopicRecorded)
	}
	return nil
}

// newID is db.NewID, here so that the generator of the benchmarks can share it.
var newID = db.NewID

// auditGroups are the audit records of a batch: one per actor, listing each rating with a digest
// of what it says, so that a rating changed or removed behind the application's back no longer
// matches the hash-chained log (audit verify), at a fraction of the cost of a record per rating.
type auditGroups struct {
	order  []string
	actors map[string]*auth.Viewer
	lines  map[string][]map[string]any
}

func (g *auditGroups) add(actor *auth.Viewer, r *row) {
	key := ""
	if actor != nil {
		key = actor.ID
	}
	if g.lines == nil {
		g.actors, g.lines = map[string]*auth.Viewer{}, map[string][]map[string]any{}
	}
	if _, ok := g.lines[key]; !ok {
		g.order = append(g.order, key)
		g.actors[key] = actor
	}
	line := map[string]any{"id": r.ID, "case_no": r.CaseNo, "level": int(r.Level), "channel": string(r.Channel),
		"stage": string(r.Stage), "rated_at": r.RatedAt, "digest": r.digest()}
	if r.Default {
		line["default"] = true
	}
	if r.SourceRef != "" {
		line["source_ref"] = r.SourceRef
	}
	g.lines[key] = append(g.lines[key], line)
}

func (g *auditGroups) write(ctx context.Context, s *Service, tx *sql.Tx) error {
	for _, k := range g.order {
		lines := g.lines[k]
		subject := "rating:" + lines[0]["id"].(string)
		if len(lines) > 1 {
			subject = "ratings:" + strconv.Itoa(len(lines))
		}
		if err := s.record(ctx, tx, g.actors[k], "rating.submit", subject, map[string]any{"ratings": lines}); err != nil {
			return err
		}
	}
	return nil
}

// digest is the SM3 of what a rating says and about whom, as the audit log keeps it.
func (r *row) digest() string {
	parts := []string{r.ID, r.CaseID, string(r.Stage), strconv.Itoa(int(r.Level)), mustJSON(nonNilReasons(r.Reasons)),
		r.Comment, strconv.FormatInt(r.RatedAt, 10), r.EvaluatorKey, string(r.Channel), r.UnitID, r.WindowID,
		mustJSON(nonNilStaff(r.Staff)), strconv.FormatBool(r.Default)}
	var b []byte
	for _, p := range parts {
		b = strconv.AppendInt(b, int64(len(p)), 10)
		b = append(b, ':')
		b = append(b, p...)
	}
	return gm.SumHex(b)
}
