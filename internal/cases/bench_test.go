package cases

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/db/dbtest"
	"onestamp/internal/platform/workday"
)

// The benchmark city: 10 counties, each with a hall (8 windows) and an approval bureau with 20
// reviewers; 200 items. ONESTAMP_BENCH_CASES sets the number of cases (default 1,000,000), 30%
// of them open.
const (
	benchCounties   = 10
	benchItems      = 200
	benchJointDepts = 4 // city departments asked for opinions (联办)
)

func benchCounty(i int) string { return fmt.Sprintf("3699%02d000000", i+1) }

func benchCases() int {
	if n, err := strconv.Atoi(os.Getenv("ONESTAMP_BENCH_CASES")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

// bulkLoad writes n synthetic cases straight into the table with multi-row INSERTs in large
// transactions (COPY is not reachable through database/sql): realistic states, sides, to-dos,
// clock facts and derived deadlines around today, so that the queues and RecomputeAll see the
// distribution of a living bureau. It also fills case_actors for the 已办 queue.
func bulkLoad(tb testing.TB, d *db.DB, svc *Service, n int, today workday.Date) {
	tb.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(42, 7))
	st := svc.st
	cal := svc.calendar()
	const perStmt = 500
	const perTx = 20_000
	start := time.Now()
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	var rows []*rec
	var actors [][3]any
	var tasks []Task
	// Joint departments' opinions (联办): a case in ten asked a city department, the open ones in
	// review. Drawn from a generator of their own, so that the cases stay as they were.
	jrng := rand.New(rand.NewPCG(43, 7))
	flush := func() {
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			for i := 0; i < len(rows); i += perStmt {
				chunk := rows[i:min(i+perStmt, len(rows))]
				var b strings.Builder
				args := make([]any, 0, len(chunk)*caseColCount)
				b.WriteString("INSERT INTO cases (" + caseCols + ") VALUES ")
				for j, r := range chunk {
					if j > 0 {
						b.WriteString(", ")
					}
					b.WriteString("(" + st.marks(caseColCount, len(args)+1) + ")")
					args = append(args, st.values(r)...)
				}
				if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
					return err
				}
			}
			for i := 0; i < len(actors); i += perStmt {
				chunk := actors[i:min(i+perStmt, len(actors))]
				var b strings.Builder
				args := make([]any, 0, len(chunk)*3)
				b.WriteString("INSERT INTO case_actors (user_id, case_id, last_at) VALUES ")
				for j, a := range chunk {
					if j > 0 {
						b.WriteString(", ")
					}
					b.WriteString("(" + st.marks(3, len(args)+1) + ")")
					args = append(args, a[0], a[1], a[2])
				}
				if _, err := tx.ExecContext(ctx, b.String()+" ON CONFLICT (user_id, case_id) DO NOTHING", args...); err != nil {
					return err
				}
			}
			for _, t := range tasks {
				if err := st.insertTask(ctx, tx, t); err != nil {
					return err
				}
				if t.State != TaskOpen {
					if err := st.closeTask(ctx, tx, t); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
		rows, actors, tasks = rows[:0], actors[:0], tasks[:0]
	}
	openStates := []State{StReceived, StReceived, StCorrection, StAccepted, StAccepted, StInReview, StInReview, StInReview,
		StInReview, StSuspended, StApproved, StConcluded}
	closedStates := []State{StDelivered, StDelivered, StDelivered, StDelivered, StDelivered, StDelivered, StRejected,
		StWithdrawn, StTerminated}
	for i := 0; i < n; i++ {
		county := rng.IntN(benchCounties)
		region := benchCounty(county)
		hall, bureau := fmt.Sprintf("hall-%02d", county), fmt.Sprintf("bureau-%02d", county)
		item := rng.IntN(benchItems)
		created := base + int64(i)*25_000 // about a year and a half of cases, in order
		id := fmt.Sprintf("0bench%010d%s", i, strings.Repeat("0", 10))
		r := &rec{ID: id, No: fmt.Sprintf("%s%08d0", region[:6], i), ItemID: fmt.Sprintf("item-%03d", item), ItemVersion: 1,
			ItemCode: fmt.Sprintf("C-%03d", item), ItemName: fmt.Sprintf("事项%03d", item), Kind: KindPromised,
			Version: 10, Channel: ChannelWindow, OwnerID: fmt.Sprintf("u-app-%06d", rng.IntN(200_000)),
			ApplicantType: SubjectPerson, ApplicantName: "enc", ApplicantLabel: "张*", ApplicantID: "enc",
			ApplicantIDBI: fmt.Sprintf("bi%08d", rng.IntN(300_000)), ApplicantIDMasked: "3699**********1234",
			ApplicantMobile: "enc", ApplicantMobileMasked: "138****0000", RecvUnit: hall, RecvRegion: region,
			RecvWindow: fmt.Sprintf("W%02d-%d", county, rng.IntN(8)), HandlingUnit: bureau, HandlingRegion: region,
			Step: -1, Limits: limits{StatutoryWD: 20, PromisedWD: 10 + rng.IntN(10), ExtensionWD: 10},
			CreatedAt: created, SubmittedAt: created, UpdatedAt: created, Form: map[string]string{"name": "x"}}
		open := rng.IntN(10) < 3
		if open {
			r.State = openStates[rng.IntN(len(openStates))]
			// Accepted between 0 and 25 working days ago: some overdue, some yellow, most not.
			acc, _, err := cal.Add(region, today, -rng.IntN(26))
			if err != nil {
				tb.Fatal(err)
			}
			r.Facts = facts{ReceivedOn: acc.AddDays(-2), IntakeFrom: acc.AddDays(-2), AcceptedOn: acc}
			switch r.State {
			case StReceived:
				r.Facts.AcceptedOn = 0
				r.Facts.ReceivedOn, r.Facts.IntakeFrom = acc, acc
			case StCorrection:
				r.Facts.AcceptedOn, r.Facts.CorrectionOn, r.Facts.Corrections = 0, acc, 1
			case StSuspended:
				r.Facts.Suspensions = []susp{{From: acc, ExpectedWD: 10, Kind: "testing"}}
			case StApproved, StConcluded:
				r.Facts.DecidedOn = today.AddDays(-rng.IntN(8))
			}
			if r.State == StInReview && rng.IntN(20) == 0 {
				r.Facts.ExtensionWD = 10
				r.Flags = r.Flags.With(FlagExtended, true)
			}
			if r.State == StAccepted || r.State == StInReview {
				r.Step = 0
				if r.State == StInReview {
					r.Step = 1
				}
			}
			if err := svc.derive(r, today); err != nil {
				tb.Fatal(err)
			}
			switch r.State {
			case StAccepted:
				r.setTodo(Todo{Role: auth.Reviewer, UnitID: bureau, RegionCode: region})
			case StInReview:
				role := auth.Signer
				if rng.IntN(2) == 0 {
					role = auth.Chief
				}
				r.setTodo(Todo{Role: role, UnitID: bureau, RegionCode: region})
			default:
				r.setTodo(defaultTodo(r))
			}
			if r.TodoRole == auth.Reviewer || r.TodoRole == auth.Signer {
				if rng.IntN(2) == 0 {
					r.TodoUser = fmt.Sprintf("u-rev-%02d-%02d", county, rng.IntN(20))
				}
			}
		} else {
			r.State = closedStates[rng.IntN(len(closedStates))]
		}
		rows = append(rows, r)
		if jrng.IntN(10) == 0 {
			t := Task{ID: id + "j", CaseID: id, Step: 0, StepName: "联办意见", Branch: BranchJoint, Role: auth.Reviewer,
				UnitID: fmt.Sprintf("joint-%d", jrng.IntN(benchJointDepts)), State: TaskDone, OpenedAt: time.UnixMilli(created),
				ClosedAt: time.UnixMilli(created + 86_400_000), ClosedBy: "u-joint", Outcome: "agree", Opinion: "同意"}
			if r.State == StInReview {
				t.State, t.ClosedAt, t.ClosedBy, t.Outcome, t.Opinion = TaskOpen, time.Time{}, "", "", ""
			}
			r.Facts.Consulted = []string{t.UnitID}
			tasks = append(tasks, t)
		}
		// The reviewers and clerks who acted on it.
		actors = append(actors, [3]any{fmt.Sprintf("u-rev-%02d-%02d", county, rng.IntN(20)), id, created + 3_600_000},
			[3]any{fmt.Sprintf("u-clerk-%02d-%d", county, rng.IntN(8)), id, created + 60_000})
		if len(rows) >= perTx {
			flush()
		}
	}
	flush()
	if d.Engine == db.Postgres {
		// As autovacuum would soon: statistics, and the visibility map for index-only scans.
		for _, tbl := range []string{"cases", "case_actors", "case_tasks"} {
			if _, err := d.Write().ExecContext(ctx, "VACUUM ANALYZE "+tbl); err != nil {
				tb.Fatal(err)
			}
		}
	} else {
		if _, err := d.Write().ExecContext(ctx, "ANALYZE"); err != nil {
			tb.Fatal(err)
		}
	}
	tb.Logf("%s: loaded %d cases in %s (%.0f rows/s)", d.Engine, n, time.Since(start).Round(time.Millisecond),
		float64(n)/time.Since(start).Seconds())
}

// benchDB is one loaded database per engine, shared by the queue and recompute benchmarks.
var benchDBs sync.Map

type benchEnv struct {
	d     *db.DB
	f     *fixture
	today workday.Date
}

func loadedEnv(b *testing.B, engine string) *benchEnv {
	if v, ok := benchDBs.Load(engine); ok {
		return v.(*benchEnv)
	}
	var d *db.DB
	if engine == "postgres" {
		d = dbtest.Postgres(b)
	} else {
		d = dbtest.SQLite(b)
	}
	f := newFixture(b, d)
	today := workday.MustDate("2025-11-14")
	f.clock.on(today.String())
	bulkLoad(b, d, f.svc, benchCases(), today)
	if mb, _ := strconv.Atoi(os.Getenv("ONESTAMP_BENCH_SQLITE_CACHE_MB")); mb > 0 && d.Engine == db.SQLite {
		// An experiment: the page cache of the writer connection (the db package sets 32 MB).
		if _, err := d.Write().Exec(fmt.Sprintf("PRAGMA cache_size = -%d", mb*1024)); err != nil {
			b.Fatal(err)
		}
	}
	env := &benchEnv{d: d, f: f, today: today}
	benchDBs.Store(engine, env)
	return env
}

func engines() []string {
	if os.Getenv(dbtest.EnvPostgres) != "" {
		return []string{"sqlite", "postgres"}
	}
	return []string{"sqlite"}
}

// queueCases are the queue requests the benchmark measures: each queue, by role and scope.
func queueCases() []struct {
	name string
	v    *auth.Viewer
	q    QueueQuery
} {
	county := benchCounty(3)
	clerk := &auth.Viewer{Kind: auth.KindStaff, ID: "u-clerk-03-1", UnitID: "hall-03", RegionCode: county, Role: auth.Clerk}
	reviewer := &auth.Viewer{Kind: auth.KindStaff, ID: "u-rev-03-05", UnitID: "bureau-03", RegionCode: county, Role: auth.Reviewer,
		CoveringFor: []string{"u-rev-03-06"}}
	signer := &auth.Viewer{Kind: auth.KindStaff, ID: "u-rev-03-07", UnitID: "bureau-03", RegionCode: county, Role: auth.Signer}
	cityChief := &auth.Viewer{Kind: auth.KindStaff, ID: "u-chief-city", UnitID: "bureau-city", RegionCode: cityCode, Role: auth.Chief}
	citySigner := &auth.Viewer{Kind: auth.KindStaff, ID: "u-sign-city", UnitID: "bureau-city", RegionCode: cityCode, Role: auth.Signer}
	applicant := &auth.Viewer{Kind: auth.KindApplicant, ID: "u-app-004242", Role: auth.Applicant}
	joint := &auth.Viewer{Kind: auth.KindStaff, ID: "u-joint-1", UnitID: "joint-1", RegionCode: cityCode, Role: auth.Reviewer}
	return []struct {
		name string
		v    *auth.Viewer
		q    QueueQuery
	}{
		{"todo/clerk_unit", clerk, QueueQuery{Queue: QueueTodo}},
		{"todo/reviewer_county", reviewer, QueueQuery{Queue: QueueTodo}},
		{"todo/signer_county", signer, QueueQuery{Queue: QueueTodo}},
		{"todo/signer_city", citySigner, QueueQuery{Queue: QueueTodo}},
		{"todo/reviewer_by_item", reviewer, QueueQuery{Queue: QueueTodo, ItemID: "item-017"}},
		{"todo/clerk_by_window", clerk, QueueQuery{Queue: QueueTodo, WindowID: "W03-2"}},
		{"warning/clerk_unit", clerk, QueueQuery{Queue: QueueWarning}},
		{"warning/chief_city", cityChief, QueueQuery{Queue: QueueWarning}},
		{"overdue/reviewer_county", reviewer, QueueQuery{Queue: QueueOverdue}},
		{"overdue/chief_city", cityChief, QueueQuery{Queue: QueueOverdue}},
		{"overdue/chief_city_by_item", cityChief, QueueQuery{Queue: QueueOverdue, ItemID: "item-101"}},
		{"suspended/chief_city", cityChief, QueueQuery{Queue: QueueSuspended}},
		{"correction/clerk_unit", clerk, QueueQuery{Queue: QueueCorrection}},
		{"done/reviewer", reviewer, QueueQuery{Queue: QueueDone}},
		{"joint/department", joint, QueueQuery{Queue: QueueJoint}},
		{"mine/applicant", applicant, QueueQuery{Queue: QueueMine}},
		{"search/chief_city", cityChief, QueueQuery{Queue: QueueSearch}},
		{"search/chief_city_by_no", cityChief, QueueQuery{Queue: QueueSearch, No: "369904000424240"}},
		{"search/chief_city_by_applicant", cityChief, QueueQuery{Queue: QueueSearch, Applicant: aliceID}},
	}
}

// BenchmarkQueues measures each work queue's first page and a deep page (the 20th, by cursor)
// at ONESTAMP_BENCH_CASES cases, and reports p50/p95/p99 latency.
func BenchmarkQueues(b *testing.B) {
	for _, engine := range engines() {
		b.Run(engine, func(b *testing.B) {
			env := loadedEnv(b, engine)
			for _, qc := range queueCases() {
				for _, deep := range []bool{false, true} {
					name := qc.name
					if deep {
						name += "/page20"
					}
					b.Run(name, func(b *testing.B) {
						ctx := as(qc.v)
						q := qc.q
						q.Limit = 50
						if deep {
							for i := 0; i < 19; i++ {
								p, err := env.f.svc.Queue(ctx, q)
								if err != nil {
									b.Fatal(err)
								}
								if p.Next == "" {
									b.Skip("fewer than 20 pages")
								}
								q.After = p.Next
							}
						}
						var lat []time.Duration
						rows := 0
						for b.Loop() {
							t0 := time.Now()
							p, err := env.f.svc.Queue(ctx, q)
							if err != nil {
								b.Fatal(err)
							}
							lat = append(lat, time.Since(t0))
							rows = len(p.Items)
						}
						reportLatency(b, lat)
						b.ReportMetric(float64(rows), "rows")
					})
				}
			}
		})
	}
}

func reportLatency(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	pct := func(p float64) float64 {
		i := int(float64(len(lat)-1) * p)
		return float64(lat[i].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50_ms")
	b.ReportMetric(pct(0.95), "p95_ms")
	b.ReportMetric(pct(0.99), "p99_ms")
}

// BenchmarkRecomputeAll re-derives every open case (30% of ONESTAMP_BENCH_CASES): "daily" after
// the date moved by a working day (every row's remaining days change, few levels), "calendar"
// after a closure day is added to or removed from the calendar of every county on the next
// working day (every open deadline after it moves: the worst case, every row rewritten in full).
func BenchmarkRecomputeAll(b *testing.B) {
	for _, engine := range engines() {
		b.Run(engine, func(b *testing.B) {
			env := loadedEnv(b, engine)
			report := func(b *testing.B, st RecomputeStats) {
				b.ReportMetric(float64(st.Cases), "open_cases")
				b.ReportMetric(float64(st.Changed), "rewritten")
				b.ReportMetric(st.Elapsed.Seconds(), "s/run")
			}
			b.Run("daily", func(b *testing.B) {
				day := env.today
				for b.Loop() {
					next, _, err := env.f.svc.calendar().Add("", day, 1)
					if err != nil {
						b.Fatal(err)
					}
					day = next
					env.f.clock.on(day.String())
					st, err := env.f.svc.RecomputeAll(context.Background())
					if err != nil {
						b.Fatal(err)
					}
					report(b, st)
				}
				env.f.clock.on(env.today.String())
				env.f.svc.RecomputeAll(context.Background())
			})
			b.Run("calendar", func(b *testing.B) {
				closed, _, err := workday.Default().Add("", env.today, 1)
				if err != nil {
					b.Fatal(err)
				}
				withClosure, err := workday.New(workday.Builtin(), []workday.Override{{Region: "3699", Date: closed,
					Kind: workday.Closed, Reason: "全市停电"}})
				if err != nil {
					b.Fatal(err)
				}
				on := false
				for b.Loop() {
					on = !on
					cal := workday.Default()
					if on {
						cal = withClosure
					}
					env.f.svc.calendar = func() *workday.Calendar { return cal }
					st, err := env.f.svc.RecomputeAll(context.Background())
					if err != nil {
						b.Fatal(err)
					}
					report(b, st)
				}
				env.f.svc.calendar = workday.Default
			})
		})
	}
}

// cloneCase copies a case row and its open tasks n times under new ids: many cases in the same
// state for the transition benchmark, without running each one's whole history.
func cloneCase(tb testing.TB, f *fixture, id string, n int) []Case {
	tb.Helper()
	ctx := context.Background()
	var out []Case
	err := f.d.Tx(ctx, func(tx *sql.Tx) error {
		for i := 0; i < n; i++ {
			r, err := f.svc.st.getCase(ctx, tx, id)
			if err != nil {
				return err
			}
			ts, err := f.svc.st.tasks(ctx, tx, id, true)
			if err != nil {
				return err
			}
			r.ID, r.No = db.NewID(), ""
			if err := f.svc.st.insertCase(ctx, tx, r); err != nil {
				return err
			}
			for _, t := range ts {
				t.ID, t.CaseID = db.NewID(), r.ID
				if err := f.svc.st.insertTask(ctx, tx, t); err != nil {
					return err
				}
			}
			out = append(out, f.svc.toCase(r))
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// BenchmarkTransitions measures full transitions through the service, each one transaction
// (the case row, an event, an audit record, outbox events, tasks): workers take cases in review
// at the decision step round-robin and alternate ReturnTo (signer) and Advance (reviewer), so
// every case sees only a few transitions. Reported as transitions per second with latency
// percentiles, for 1 and 8 concurrent workers.
func BenchmarkTransitions(b *testing.B) {
	for _, engine := range engines() {
		for _, workers := range []int{1, 8} {
			b.Run(fmt.Sprintf("%s/workers=%d", engine, workers), func(b *testing.B) {
				var d *db.DB
				if engine == "postgres" {
					d = dbtest.Postgres(b)
				} else {
					d = dbtest.SQLite(b)
				}
				f := newFixture(b, d)
				f.clock.on("2025-11-03")
				pool := cloneCase(b, f, f.reach(StInReview, true).ID, 400)
				var mu sync.Mutex
				var lat []time.Duration
				var next atomic.Int64
				total := int64(b.N)
				b.ResetTimer()
				start := time.Now()
				var wg sync.WaitGroup
				for w := 0; w < workers; w++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						var mine []time.Duration
						for {
							k := next.Add(1)
							if k > total {
								break
							}
							// Worker w owns the cases i ≡ w (mod workers).
							i := (int(k-1)/workers*workers + w) % len(pool)
							i -= i % workers
							i += w
							if i >= len(pool) {
								i = w
							}
							c := pool[i]
							t0 := time.Now()
							var err error
							if c.Step == 1 {
								c, err = f.svc.ReturnTo(as(signerA), c.ID, c.Version, ReturnInput{Step: 0, Reason: "退回重审"})
							} else {
								c, err = f.svc.Advance(as(reviewerA), c.ID, c.Version, AdvanceInput{Outcome: "agree", Opinion: "同意"})
							}
							if err != nil {
								b.Error(err)
								return
							}
							pool[i] = c
							mine = append(mine, time.Since(t0))
						}
						mu.Lock()
						lat = append(lat, mine...)
						mu.Unlock()
					}()
				}
				wg.Wait()
				b.StopTimer()
				b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "transitions/s")
				reportLatency(b, lat)
			})
		}
	}
}

// TestQueuePlansUseIndexes checks on a small loaded database that every queue query is served
// by an index rather than a scan of the cases table (SQLite's EXPLAIN QUERY PLAN; PostgreSQL's
// EXPLAIN with sequential scans disabled must still find a plan without a Seq Scan on cases).
func TestQueuePlansUseIndexes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		today := workday.MustDate("2025-11-14")
		f.clock.on(today.String())
		bulkLoad(t, d, f.svc, 3000, today)
		for _, qc := range queueCases() {
			a, _ := f.svc.actorOf(as(qc.v))
			q := qc.q
			sq, _, err := f.svc.queueSQL(a, &q)
			if err != nil {
				t.Fatal(err)
			}
			text, args := queueText(sq, 51)
			plan := explain(t, d, text, args)
			t.Logf("%s:\n%s", qc.name, plan)
			if d.Engine == db.SQLite {
				for _, l := range strings.Split(plan, "\n") {
					if l == "SCAN c" || l == "SCAN x" {
						t.Errorf("%s: full scan\n%s", qc.name, plan)
					}
				}
			} else if strings.Contains(plan, "Seq Scan on cases") {
				t.Errorf("%s: sequential scan\n%s", qc.name, plan)
			}
		}
	})
}

func explain(t *testing.T, d *db.DB, query string, args []any) string {
	t.Helper()
	ctx := context.Background()
	var lines []string
	if d.Engine == db.SQLite {
		rows, err := d.Read.QueryContext(ctx, "EXPLAIN QUERY PLAN "+query, args...)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var id, parent, notused int
			var detail string
			rows.Scan(&id, &parent, &notused, &detail)
			lines = append(lines, detail)
		}
		return strings.Join(lines, "\n")
	}
	conn, err := d.Read.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.ExecContext(ctx, "SET enable_seqscan = off")
	defer conn.ExecContext(ctx, "SET enable_seqscan = on")
	rows, err := conn.QueryContext(ctx, "EXPLAIN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var l string
		rows.Scan(&l)
		lines = append(lines, l)
	}
	return strings.Join(lines, "\n")
}
