-- The audit log: append-only, one hash chain per chain name. audit_chains holds each chain's head;
-- appenders lock that row (SELECT ... FOR UPDATE on PostgreSQL) so two transactions never take the
-- same seq, and the head also reveals records cut from the end of a chain. UNIQUE (chain, seq) is
-- the backstop. Rows are never updated or deleted; the hashes make any such change visible.
CREATE TABLE audit_chains (
    chain     TEXT PRIMARY KEY,
    last_seq  BIGINT NOT NULL,
    last_hash TEXT NOT NULL
);

CREATE TABLE audit_records (
    id         TEXT PRIMARY KEY,
    chain      TEXT NOT NULL,
    seq        BIGINT NOT NULL,
    at         BIGINT NOT NULL,
    actor      TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    role       TEXT NOT NULL,
    action     TEXT NOT NULL,
    subject    TEXT NOT NULL,
    detail     TEXT NOT NULL,
    ip         TEXT NOT NULL,
    request_id TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL,
    UNIQUE (chain, seq)
);

-- The viewer pages newest first by (at, id), optionally narrowed to one actor, subject or action.
CREATE INDEX audit_records_at ON audit_records (at, id);
CREATE INDEX audit_records_actor ON audit_records (actor, at, id);
CREATE INDEX audit_records_subject ON audit_records (subject, at, id);
CREATE INDEX audit_records_action ON audit_records (action, at, id);
