package db

import (
	"context"
	"database/sql/driver"
	"fmt"
	"hash/fnv"
	"sync"
	"sync/atomic"
	"time"
)

// Recording and replay, for benchmarks: while a recording is on, every committed transaction
// of the database is kept with its statements and arguments, exactly as the driver received
// them. Replaying them on a copy of the database taken before the recording measures what the
// database itself can do with the same work, without the application around it: the ceiling
// an application's throughput is compared with.

// RecordedTx is one committed transaction.
type RecordedTx struct {
	Stmts []RecordedStmt
}

// RecordedStmt is one statement of a recorded transaction.
type RecordedStmt struct {
	SQL   string
	Args  []driver.NamedValue
	Query bool // run as a query (rows read), not an exec
	Later bool // marked Later (later.go): replayed the same way
}

type recorder struct {
	on  atomic.Bool
	mu  sync.Mutex
	txs []RecordedTx
}

func (r *recorder) add(tx *RecordedTx) {
	r.mu.Lock()
	r.txs = append(r.txs, *tx)
	r.mu.Unlock()
}

// StartRecording begins keeping the transactions committed from now on (those already begun are
// not kept). StopRecording returns them in commit order.
func (d *DB) StartRecording() {
	d.rec.mu.Lock()
	d.rec.txs = nil
	d.rec.mu.Unlock()
	d.rec.on.Store(true)
}

// StopRecording ends the recording and returns the transactions it kept.
func (d *DB) StopRecording() []RecordedTx {
	d.rec.on.Store(false)
	d.rec.mu.Lock()
	defer d.rec.mu.Unlock()
	out := d.rec.txs
	d.rec.txs = nil
	return out
}

func (c *conn) record(ctx context.Context, query string, args []driver.NamedValue, isQuery bool) {
	if c.cur == nil {
		return
	}
	cp := make([]driver.NamedValue, len(args))
	copy(cp, args)
	for i, a := range cp {
		if b, ok := a.Value.([]byte); ok {
			cp[i].Value = append([]byte(nil), b...)
		}
	}
	c.cur.Stmts = append(c.cur.Stmts, RecordedStmt{SQL: query, Args: cp, Query: isQuery, Later: !isQuery && isLater(ctx)})
}

type recordedTx struct {
	driver.Tx
	c *conn
}

func (t *recordedTx) Commit() error {
	err := t.Tx.Commit()
	if err == nil && t.c.cur != nil && len(t.c.cur.Stmts) > 0 {
		t.c.rec.add(t.c.cur)
	}
	t.c.cur = nil
	return err
}

func (t *recordedTx) Rollback() error {
	t.c.cur = nil
	return t.Tx.Rollback()
}

// ReplayResult is what a replay measured.
type ReplayResult struct {
	Txs     int
	Stmts   int
	Failed  int // transactions that failed (and were rolled back)
	Elapsed time.Duration
}

// Replay runs recorded transactions directly on the database, each as a transaction of its own
// on the writer pool (not through Tx: on SQLite a recorded group commit already carries its
// savepoints). workers > 1 runs them concurrently (PostgreSQL): a transaction goes to the worker
// chosen by the first argument of its first statement, so that the transactions of one case
// (loaded by id first) keep their order.
func (d *DB) Replay(ctx context.Context, txs []RecordedTx, workers int) (ReplayResult, error) {
	if workers < 1 || d.Engine == SQLite {
		workers = 1
	}
	queues := make([][]*RecordedTx, workers)
	res := ReplayResult{Txs: len(txs)}
	for i := range txs {
		t := &txs[i]
		res.Stmts += len(t.Stmts)
		w := 0
		if workers > 1 && len(t.Stmts[0].Args) > 0 {
			h := fnv.New32a()
			fmt.Fprint(h, t.Stmts[0].Args[0].Value)
			w = int(h.Sum32() % uint32(workers))
		}
		queues[w] = append(queues[w], t)
	}
	var mu sync.Mutex
	var again []*RecordedTx
	start := time.Now()
	var wg sync.WaitGroup
	for _, q := range queues {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, t := range q {
				if err := d.replayOne(ctx, t); err != nil {
					mu.Lock()
					again = append(again, t)
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	// A transaction that depends on another worker's (the outbox fanning out events that a
	// transition wrote) may have come too early: it runs again once everything else has.
	var firstErr error
	for _, t := range again {
		if err := d.replayOne(ctx, t); err != nil {
			res.Failed++
			if firstErr == nil {
				firstErr = err
			}
		}
	}
	res.Elapsed = time.Since(start)
	return res, firstErr
}

func (d *DB) replayOne(ctx context.Context, t *RecordedTx) error {
	tx, err := d.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	for _, s := range t.Stmts {
		args := make([]any, len(s.Args))
		for i, a := range s.Args {
			args[i] = a.Value
		}
		if s.Query {
			rows, err := tx.QueryContext(ctx, s.SQL, args...)
			if err != nil {
				tx.Rollback()
				return fmt.Errorf("replay %q: %w", s.SQL, err)
			}
			for rows.Next() {
			}
			err = rows.Err()
			rows.Close()
			if err != nil {
				tx.Rollback()
				return fmt.Errorf("replay %q: %w", s.SQL, err)
			}
			continue
		}
		ectx := ctx
		if s.Later {
			ectx = Later(ctx)
		}
		if _, err := tx.ExecContext(ectx, s.SQL, args...); err != nil {
			tx.Rollback()
			return fmt.Errorf("replay %q: %w", s.SQL, err)
		}
	}
	return tx.Commit()
}
