-- The outbox: events written in the transaction that caused them, delivered after commit to every
-- handler of their topic, at least once. A dispatcher fans each new event out into one delivery
-- per handler, so a failing handler retries alone; deliveries are claimed with a lease
-- (claimed_until) under FOR UPDATE SKIP LOCKED on PostgreSQL, so a crashed node's claims expire.
CREATE TABLE outbox_events (
    id         TEXT PRIMARY KEY,
    topic      TEXT NOT NULL,
    key        TEXT NOT NULL,
    payload    TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    not_before BIGINT NOT NULL,
    fanned_at  BIGINT
);

CREATE INDEX outbox_events_unfanned ON outbox_events (topic, id) WHERE fanned_at IS NULL;
CREATE INDEX outbox_events_created ON outbox_events (created_at);

-- state: pending (waiting, claimed or backing off), done, dead (gave up after the last attempt;
-- kept for an administrator to inspect and revive).
CREATE TABLE outbox_deliveries (
    event_id      TEXT NOT NULL REFERENCES outbox_events (id),
    handler       TEXT NOT NULL,
    topic         TEXT NOT NULL,
    state         TEXT NOT NULL,
    attempts      INTEGER NOT NULL,
    due_at        BIGINT NOT NULL,
    claimed_until BIGINT NOT NULL,
    claim         TEXT NOT NULL,
    last_error    TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    PRIMARY KEY (event_id, handler)
);

CREATE INDEX outbox_deliveries_due ON outbox_deliveries (due_at) WHERE state = 'pending';
CREATE INDEX outbox_deliveries_dead ON outbox_deliveries (updated_at) WHERE state = 'dead';
