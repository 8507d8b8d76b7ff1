package outbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Count is the number of waiting and dead deliveries of one handler.
type Count struct {
	Topic, Handler string
	Pending, Dead  int64
}

// Counts returns the pending and dead deliveries per handler (of every node, not only this
// dispatcher's) and refreshes the pending gauge with them.
func (x *Dispatcher) Counts(ctx context.Context) ([]Count, error) {
	rows, err := x.d.Read.QueryContext(ctx, `SELECT topic, handler,
		SUM(CASE WHEN state = 'pending' THEN 1 ELSE 0 END), SUM(CASE WHEN state = 'dead' THEN 1 ELSE 0 END)
		FROM outbox_deliveries WHERE state IN ('pending', 'dead') GROUP BY topic, handler ORDER BY topic, handler`)
	if err != nil {
		return nil, fmt.Errorf("outbox: counts: %w", err)
	}
	defer rows.Close()
	var out []Count
	for rows.Next() {
		var c Count
		if err := rows.Scan(&c.Topic, &c.Handler, &c.Pending, &c.Dead); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	x.m.pending.Reset()
	for _, c := range out {
		x.m.pending.WithLabelValues(c.Topic, c.Handler).Set(float64(c.Pending))
	}
	return out, nil
}

// Delivery is one handler's delivery of one event, as an administrator sees it.
type Delivery struct {
	EventID, Topic, Key, Handler string
	State                        string // pending, done or dead
	Attempts                     int
	LastError                    string
	DueAt, UpdatedAt, CreatedAt  time.Time
	Payload                      string
}

// Dead lists dead deliveries, most recently failed first.
func (x *Dispatcher) Dead(ctx context.Context, limit int) ([]Delivery, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := x.d.Read.QueryContext(ctx, `SELECT d.event_id, d.topic, e.key, d.handler, d.state, d.attempts,
		d.last_error, d.due_at, d.updated_at, e.created_at, e.payload
		FROM outbox_deliveries d JOIN outbox_events e ON e.id = d.event_id
		WHERE d.state = 'dead' ORDER BY d.updated_at DESC, d.event_id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("outbox: dead: %w", err)
	}
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		var v Delivery
		var due, upd, cre int64
		if err := rows.Scan(&v.EventID, &v.Topic, &v.Key, &v.Handler, &v.State, &v.Attempts, &v.LastError,
			&due, &upd, &cre, &v.Payload); err != nil {
			return nil, err
		}
		v.DueAt, v.UpdatedAt, v.CreatedAt = time.UnixMilli(due).UTC(), time.UnixMilli(upd).UTC(), time.UnixMilli(cre).UTC()
		out = append(out, v)
	}
	return out, rows.Err()
}

// ErrNotDead is returned by Revive for a delivery that is not dead.
var ErrNotDead = errors.New("outbox: delivery is not dead")

// Revive gives a dead delivery a fresh set of attempts, due now.
func (x *Dispatcher) Revive(ctx context.Context, eventID, handler string) error {
	ms := x.opts.Now().UnixMilli()
	return x.d.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE outbox_deliveries SET state = 'pending', attempts = 0, due_at = $1,
			claimed_until = 0, claim = '', updated_at = $1 WHERE event_id = $2 AND handler = $3 AND state = 'dead'`,
			ms, eventID, handler)
		if err != nil {
			return fmt.Errorf("outbox: revive: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotDead
		}
		return nil
	})
}

// Purge deletes events created before cutoff whose every delivery is done, with their deliveries.
// Dead and pending deliveries, and their events, are kept.
func (x *Dispatcher) Purge(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	ms := before.UnixMilli()
	const finished = `created_at < $1 AND fanned_at IS NOT NULL AND NOT EXISTS (
		SELECT 1 FROM outbox_deliveries d WHERE d.event_id = outbox_events.id AND d.state <> 'done')`
	err := x.d.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM outbox_deliveries WHERE event_id IN (
			SELECT id FROM outbox_events WHERE `+finished+`)`, ms); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM outbox_events WHERE `+finished, ms)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("outbox: purge: %w", err)
	}
	return n, nil
}
