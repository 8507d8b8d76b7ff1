package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
)

// Group commit on SQLite. SQLite has one writer, so transactions queue anyway; what each one
// pays on its own is the commit: the WAL frames of every page it touched, written one system
// call at a time. The committer runs the transactions that are waiting when the writer comes
// free one after another inside a single database transaction, each under its own savepoint,
// and commits them together. To each caller it is its own transaction: the same order as if
// they had queued one by one, its writes undone alone when it fails (ROLLBACK TO its
// savepoint), and its answer only after the common COMMIT, so nobody hears "done" for a write
// that is not durable. Nobody waits for company: a transaction that finds the writer free runs
// at once, alone, without a savepoint.

// maxGroup bounds how many transactions share one commit, so that one commit's latency stays
// small under a flood.
const maxGroup = 64

type txRequest struct {
	ctx  context.Context
	fn   func(tx *sql.Tx) error
	done chan txResult
}

type txResult struct {
	err      error
	panicked any
}

type committer struct {
	d    *DB
	reqs chan *txRequest
	stop chan struct{}
	wg   sync.WaitGroup
}

func newCommitter(d *DB) *committer {
	c := &committer{d: d, reqs: make(chan *txRequest, 1024), stop: make(chan struct{})}
	c.wg.Add(1)
	go c.loop()
	return c
}

func (c *committer) close() {
	close(c.stop)
	c.wg.Wait()
}

// errClosed answers transactions submitted after Close.
var errClosed = errors.New("db: closed")

// run submits fn and waits for its outcome. Once fn is queued the caller waits for the commit
// even if its context ends: its statements fail on the dead context and it is rolled back, but
// the caller must not walk away from a write that may still commit.
func (c *committer) run(ctx context.Context, fn func(tx *sql.Tx) error) error {
	r := &txRequest{ctx: ctx, fn: fn, done: make(chan txResult, 1)}
	select {
	case c.reqs <- r:
	case <-ctx.Done():
		return ctx.Err()
	case <-c.stop:
		return errClosed
	}
	res := <-r.done
	if res.panicked != nil {
		panic(res.panicked)
	}
	return res.err
}

func (c *committer) loop() {
	defer c.wg.Done()
	for {
		select {
		case first := <-c.reqs:
			c.group(first)
		case <-c.stop:
			c.drain()
			return
		}
	}
}

// drain answers whatever was queued when the database closed.
func (c *committer) drain() {
	for {
		select {
		case r := <-c.reqs:
			r.done <- txResult{err: errClosed}
		default:
			return
		}
	}
}

// call runs fn, turning a panic into a result for the caller to re-raise.
func call(r *txRequest, tx *sql.Tx) (res txResult) {
	defer func() {
		if p := recover(); p != nil {
			res = txResult{panicked: p}
		}
	}()
	if err := r.ctx.Err(); err != nil {
		return txResult{err: err}
	}
	return txResult{err: r.fn(tx)}
}

func (res txResult) failed() bool { return res.err != nil || res.panicked != nil }

// group runs first in a transaction of its own and, if it succeeds, whatever queued meanwhile
// after it, each under a savepoint, then commits them together. It takes more as long as more
// are waiting, up to maxGroup: the group is as large as the queue, with no waiting for company.
func (c *committer) group(first *txRequest) {
	ctx := context.Background()
	tx, err := c.d.write.BeginTx(ctx, nil)
	if err != nil {
		first.done <- txResult{err: fmt.Errorf("begin: %w", err)}
		return
	}
	res := callOrExit(c, first, tx)
	if res.failed() {
		_ = tx.Rollback()
		first.done <- res
		return
	}
	batch := []*txRequest{first}
	results := []txResult{res}
	answered := false
	defer func() {
		if answered {
			return
		}
		// fn ended its goroutine (runtime.Goexit: a test's t.Fatal inside a transaction): this
		// goroutine is going away. Nothing commits; everyone waiting hears so, and a new loop
		// takes over the queue.
		_ = tx.Rollback()
		for _, r := range batch {
			r.done <- txResult{err: errors.New("db: transaction abandoned: its function ended the goroutine")}
		}
		c.wg.Add(1)
		go c.loop()
	}()
	var fatal error // the shared transaction is lost: nothing of the group commits
more:
	for len(batch) < maxGroup {
		var r *txRequest
		select {
		case r = <-c.reqs:
		default:
			break more
		}
		batch = append(batch, r)
		results = append(results, txResult{})
		if _, err := tx.ExecContext(ctx, "SAVEPOINT grp"); err != nil {
			fatal = err
			break
		}
		res := call(r, tx)
		results[len(results)-1] = res
		if res.failed() {
			// Undo this one alone. SQLite abandons the whole transaction after some errors (a
			// full disk, an I/O error); then the savepoint is gone and the group fails.
			if _, err := tx.ExecContext(ctx, "ROLLBACK TO grp"); err != nil {
				fatal = err
				break
			}
		}
		if _, err := tx.ExecContext(ctx, "RELEASE grp"); err != nil {
			fatal = err
			break
		}
	}
	if fatal == nil {
		if err := tx.Commit(); err != nil {
			fatal = fmt.Errorf("commit: %w", err)
		}
	} else {
		_ = tx.Rollback()
		fatal = fmt.Errorf("group commit: %w", fatal)
	}
	answered = true
	for i, r := range batch {
		if fatal != nil && !results[i].failed() {
			results[i] = txResult{err: fatal}
		}
		r.done <- results[i]
	}
}

// callOrExit runs the first transaction of a group, which has no group yet to clean up after it
// if fn ends the goroutine.
func callOrExit(c *committer, r *txRequest, tx *sql.Tx) txResult {
	done := false
	defer func() {
		if !done {
			_ = tx.Rollback()
			r.done <- txResult{err: errors.New("db: transaction abandoned: its function ended the goroutine")}
			c.wg.Add(1)
			go c.loop()
		}
	}()
	res := call(r, tx)
	done = true
	return res
}
