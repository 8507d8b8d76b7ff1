// Package outbox carries events and jobs from a committed transaction to their handlers. Emit
// writes an event in the caller's transaction, so it exists exactly when the change that caused
// it commits; a Dispatcher delivers it after commit to every handler of its topic, at least once,
// retrying failures with backoff. Any number of processes may run dispatchers on one database:
// deliveries are claimed with a lease, under FOR UPDATE SKIP LOCKED on PostgreSQL. Handlers must
// be idempotent by Event.ID.
package outbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"onestamp/internal/platform/db"
)

// Event is what a handler receives.
type Event struct {
	ID        string
	Topic     string
	Key       string          // what the event is about, e.g. "case:<id>"
	Payload   json.RawMessage // as given to Emit, encoded as JSON
	Attempt   int             // 1 on the first delivery to this handler
	CreatedAt time.Time
}

// Decode unmarshals the payload into v.
func (e Event) Decode(v any) error { return json.Unmarshal(e.Payload, v) }

// Emit writes an event for delivery after tx commits and returns its id. The payload is encoded
// as JSON (a json.RawMessage is stored as is). Call Dispatcher.Kick after the commit to deliver
// without waiting for the next poll.
func Emit(ctx context.Context, tx *sql.Tx, topic, key string, payload any) (string, error) {
	return EmitAt(ctx, tx, topic, key, payload, time.Time{})
}

// EmitAt is Emit for a scheduled job: no handler sees the event before notBefore (zero = now).
func EmitAt(ctx context.Context, tx *sql.Tx, topic, key string, payload any, notBefore time.Time) (string, error) {
	if tx == nil {
		return "", errors.New("outbox: Emit needs the caller's transaction")
	}
	if topic == "" {
		return "", errors.New("outbox: empty topic")
	}
	body, err := encode(payload)
	if err != nil {
		return "", fmt.Errorf("outbox: payload of %s: %w", topic, err)
	}
	now := time.Now().UnixMilli()
	nb := now
	if !notBefore.IsZero() {
		nb = notBefore.UnixMilli()
	}
	id := db.NewID()
	if _, err := tx.ExecContext(db.Later(ctx), `INSERT INTO outbox_events (id, topic, key, payload, created_at, not_before)
		VALUES ($1, $2, $3, $4, $5, $6)`, id, topic, key, body, now, nb); err != nil {
		return "", fmt.Errorf("outbox: emit %s: %w", topic, err)
	}
	return id, nil
}

func encode(payload any) (string, error) {
	switch p := payload.(type) {
	case json.RawMessage:
		if len(p) == 0 {
			return "null", nil
		}
		if !json.Valid(p) {
			return "", errors.New("invalid JSON")
		}
		return string(p), nil
	case nil:
		return "null", nil
	}
	b, err := json.Marshal(payload)
	if err != nil {
		return "", err
	}
	return string(b), nil
}
