package db

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// SQLite in WAL mode copies committed pages back into the database file in checkpoints. Left to
// itself, the connection whose commit takes the WAL past 1,000 pages runs the checkpoint inside
// that commit, file sync included: with one writer, every transaction queued behind it waits.
// The checkpointer does the copying instead, on a connection of its own, a few times a second
// (PASSIVE: it never blocks the writer or the readers).
//
// A log written without pause is never completely checkpointed from outside, so SQLite never
// starts it over and the file grows. The writer therefore still checkpoints, but only every
// writerCheckpointPages pages: by then the checkpointer has copied nearly everything, the
// writer's checkpoint finishes the little that is left between two transactions, and the next
// transaction starts the log over. Should the log still pass walTruncateFrames (readers holding
// old snapshots), the checkpointer finishes it and cuts the file back (TRUNCATE: the writer
// waits for that moment).

const (
	checkpointEvery       = 200 * time.Millisecond
	writerCheckpointPages = 8192  // 32 MiB of 4 KiB pages (SQLite's own default is 1,000)
	walTruncateFrames     = 65536 // 256 MiB
)

type checkpointer struct {
	db   *sql.DB
	stop chan struct{}
	wg   sync.WaitGroup
}

func newCheckpointer(pool *sql.DB) *checkpointer {
	pool.SetMaxOpenConns(1)
	pool.SetMaxIdleConns(1)
	c := &checkpointer{db: pool, stop: make(chan struct{})}
	c.wg.Add(1)
	go c.loop()
	return c
}

func (c *checkpointer) loop() {
	defer c.wg.Done()
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		}
		// Errors are left for the next round: a failed checkpoint loses nothing.
		if frames, err := c.run("PASSIVE"); err == nil && frames > walTruncateFrames {
			c.run("TRUNCATE")
		}
	}
}

// run checkpoints in the given mode and returns the frames the WAL held.
func (c *checkpointer) run(mode string) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var busy, frames, done int
	err := c.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint("+mode+")").Scan(&busy, &frames, &done)
	return frames, err
}

func (c *checkpointer) close() error {
	close(c.stop)
	c.wg.Wait()
	return c.db.Close()
}
