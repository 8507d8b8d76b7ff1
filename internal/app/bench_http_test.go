package app_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"onestamp/client"
	"onestamp/internal/app/apptest"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/db/dbtest"
)

// BenchmarkHTTPTransitions is the load generator of the cases issue: case transitions through
// the HTTP API of the whole application (sessions, the authorization guard, JSON both ways,
// the service, the database), driven by closed-loop clients on the same machine.
//
// The pool: a window clerk receives and accepts cases of 医师执业注册 through the API. Each
// worker owns its own cases and takes them round and round the first two review steps: the
// first step's holder advances (agree), the second step's holder returns the case to the first
// (退回). Every request is a full transition: version check, history, clock, audit, tasks.
//
// The same run records every transaction the application commits and replays them, statement
// for statement with the same arguments, directly on a copy of the database taken before the
// run: the ceiling. Reported: transitions/s and latency through the API, the replay's
// transitions/s, and the API's share of it.
//
//	go test -run '^$' -bench HTTPTransitions -benchtime 20000x ./internal/app/
//
// ONESTAMP_BENCH_WORKERS sets the number of clients (16), ONESTAMP_BENCH_POOL the cases (256);
// ONESTAMP_BENCH_CPUPROFILE names a file for a CPU profile of the run alone; ONESTAMP_BENCH_DUMP
// prints the statements of a few recorded transactions, ONESTAMP_BENCH_EXPLAIN (PostgreSQL) the
// plan of each query of one, run and rolled back.
func BenchmarkHTTPTransitions(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			if engine == "postgres" && os.Getenv(dbtest.EnvPostgres) == "" {
				b.Skip(dbtest.EnvPostgres + " is not set")
			}
			benchHTTPTransitions(b, engine == "postgres")
		})
	}
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

func benchHTTPTransitions(b *testing.B, pg bool) {
	workers := envInt("ONESTAMP_BENCH_WORKERS", 16)
	poolSize := envInt("ONESTAMP_BENCH_POOL", 256)
	clk := &fixedClock{}
	clk.now = time.Date(2025, 11, 3, 10, 0, 0, 0, shanghai)
	a := apptest.Start(b, apptest.Options{Postgres: pg, Now: clk.Now})
	ctx := context.Background()
	transport := &http.Transport{MaxIdleConns: 4 * workers, MaxIdleConnsPerHost: 4 * workers, IdleConnTimeout: time.Minute}
	as := staffClients(b, a, transport)
	pool := httpPool(b, as, poolSize)
	first := pool[0].Step
	for _, role := range []string{"reviewer", "chief", "signer", "head"} {
		as(role)
	}

	// The snapshot for the replay, then the run with the recorder on.
	snap := dbtest.Snapshot(b, a.Main.DB)
	var lat [][]time.Duration = make([][]time.Duration, workers)
	var next atomic.Int64
	var failures atomic.Int64
	var firstErr error
	var once sync.Once
	total := int64(b.N)
	b.ResetTimer()
	if p := os.Getenv("ONESTAMP_BENCH_CPUPROFILE"); p != "" {
		// A profile of the run alone, without the setup and the replay.
		f, err := os.Create(p)
		if err != nil {
			b.Fatal(err)
		}
		pprof.StartCPUProfile(f)
		defer f.Close()
	}
	a.Main.DB.StartRecording()
	start := time.Now()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []*client.Case
			for i := w; i < len(pool); i += workers {
				mine = append(mine, pool[i])
			}
			if len(mine) == 0 {
				return
			}
			for k := 0; ; k++ {
				if next.Add(1) > total {
					return
				}
				c := mine[k%len(mine)]
				who := as(c.Todo.Role)
				t0 := time.Now()
				var out *client.Case
				var err error
				if c.Step == first {
					out, err = who.AdvanceCase(ctx, c.ID, c.Version, "", "agree", "同意")
				} else {
					out, err = who.ReturnCase(ctx, c.ID, c.Version, first, "退回重审")
				}
				lat[w] = append(lat[w], time.Since(t0))
				if err != nil {
					failures.Add(1)
					once.Do(func() { firstErr = fmt.Errorf("%s at step %d by %s: %w", c.No, c.Step, c.Todo.Role, err) })
					continue
				}
				mine[k%len(mine)] = out
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	recorded := a.Main.DB.StopRecording()
	pprof.StopCPUProfile()
	b.StopTimer()
	if n := failures.Load(); n > 0 {
		b.Fatalf("%d of %d transitions failed; the first: %v", n, b.N, firstErr)
	}
	if pg && os.Getenv("ONESTAMP_BENCH_PGSTATS") != "" {
		// Which tables the run read by sequential scan, and how much: a missing index shows here.
		rows, err := a.Main.DB.Read.QueryContext(ctx, `SELECT relname, seq_scan, seq_tup_read, idx_scan, n_tup_upd, n_tup_hot_upd
			FROM pg_stat_user_tables WHERE schemaname = current_schema() ORDER BY seq_tup_read DESC LIMIT 12`)
		if err == nil {
			for rows.Next() {
				var name string
				var seq, tup, idx, upd, hot int64
				rows.Scan(&name, &seq, &tup, &idx, &upd, &hot)
				b.Logf("%-28s seq_scan %8d rows %10d idx_scan %8d upd %7d hot %7d", name, seq, tup, idx, upd, hot)
			}
			rows.Close()
		}
	}
	if os.Getenv("ONESTAMP_BENCH_DUMP") != "" {
		// The statements of a few recorded transactions, to see what a transition sends.
		for i, tx := range recorded[len(recorded)/2 : min(len(recorded), len(recorded)/2+4)] {
			for _, s := range tx.Stmts {
				fmt.Fprintf(os.Stderr, "tx %d later=%v query=%v %s\n", i, s.Later, s.Query, strings.Join(strings.Fields(s.SQL), " "))
			}
		}
	}
	if pg && os.Getenv("ONESTAMP_BENCH_EXPLAIN") != "" {
		// The plans of one recorded transition's statements, run and rolled back.
		explainTx(b, a.Main.DB.Write(), recorded[len(recorded)/2])
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	rate := float64(b.N) / elapsed.Seconds()
	b.ReportMetric(rate, "transitions/s")
	pct := func(p float64) float64 { return float64(all[int(p*float64(len(all)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.50), "p50_ms")
	b.ReportMetric(pct(0.95), "p95_ms")
	b.ReportMetric(pct(0.99), "p99_ms")

	// The ceiling: the same transactions, straight to the database.
	res, err := snap.Replay(ctx, recorded, workers)
	if err != nil || res.Failed > 0 {
		b.Fatalf("replay: %d of %d transactions failed: %v", res.Failed, res.Txs, err)
	}
	ceiling := float64(b.N) / res.Elapsed.Seconds()
	b.ReportMetric(ceiling, "replay_transitions/s")
	b.ReportMetric(100*rate/ceiling, "pct_of_replay")
	b.ReportMetric(float64(res.Stmts)/float64(b.N), "stmts/transition")
	b.ReportMetric(float64(b.N)/float64(res.Txs), "transitions/commit")
}

// httpPool has the demo window clerk receive and accept n walk-in applications for 医师执业注册
// and returns them at the first review step.
func httpPool(b *testing.B, as func(role string) *client.Client, n int) []*client.Case {
	b.Helper()
	clerk := as("clerk")
	itemID, form, _ := itemForm(b, clerk, "医师执业注册")
	out := make([]*client.Case, 0, n)
	for range n {
		c := acceptWalkIn(b, clerk, itemID, form)
		if c.StateName != "in_review" && c.StateName != "accepted" {
			b.Fatalf("accepted case is %s", c.StateName)
		}
		out = append(out, c)
	}
	if out[0].Todo.Role == "" {
		b.Fatalf("nobody to review %s: %+v", out[0].No, out[0].Todo)
	}
	return out
}

func explainTx(b *testing.B, w *sql.DB, tx db.RecordedTx) {
	ctx := context.Background()
	t, err := w.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer t.Rollback()
	for _, s := range tx.Stmts {
		if !s.Query {
			continue // a write was applied by the run already: its plan would explain a failure
		}
		args := make([]any, len(s.Args))
		for i, a := range s.Args {
			args[i] = a.Value
		}
		rows, err := t.QueryContext(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+s.SQL, args...)
		if err != nil {
			fmt.Fprintf(os.Stderr, "explain %.80s: %v\n", s.SQL, err)
			continue
		}
		fmt.Fprintf(os.Stderr, "---- %s\n", strings.Join(strings.Fields(s.SQL), " "))
		for rows.Next() {
			var line string
			rows.Scan(&line)
			fmt.Fprintln(os.Stderr, line)
		}
		rows.Close()
	}
}
