package outbox

import (
	"context"
	"database/sql"
	"sync/atomic"
	"testing"
	"time"

	"onestamp/internal/platform/db"
	"onestamp/internal/platform/db/dbtest"
)

// BenchmarkEmitDeliver measures events emitted (one per transaction, as a service would) and
// delivered to one handler by a running dispatcher, end to end.
func BenchmarkEmitDeliver(b *testing.B) {
	engines := map[string]func(testing.TB) *db.DB{"sqlite": dbtest.SQLite, "postgres": dbtest.Postgres}
	for _, name := range []string{"sqlite", "postgres"} {
		b.Run(name, func(b *testing.B) {
			d := engines[name](b)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			x := New(d, Options{Logger: quiet, PollInterval: 50 * time.Millisecond, Batch: 128, Workers: 4})
			var delivered atomic.Int64
			x.Handle("bench", "noop", func(context.Context, Event) error { delivered.Add(1); return nil })
			go x.Run(ctx)
			payload := map[string]any{"case": "0195f3a2-7c1e-7d2a-9f00-1234567890ab", "level": 5}
			start := time.Now()
			n := 0
			for b.Loop() {
				err := d.Tx(ctx, func(tx *sql.Tx) error {
					_, err := Emit(ctx, tx, "bench", "case:1", payload)
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
				x.Kick()
				n++
			}
			for delivered.Load() < int64(n) {
				time.Sleep(time.Millisecond)
			}
			b.ReportMetric(float64(n)/time.Since(start).Seconds(), "events/s")
		})
	}
}
