-- The rectification ledger (整改台账, package rectify): one item per problem, whatever its source
-- (a bad rating, a supervision finding, a clue, a 办不成事 ticket). The source is a typed reference
-- (source_kind, source_id), not a foreign key, so that the ledger knows no other domain's tables.
-- The deadline (due_on) is derived by workday.Clock from started_on and limit_wd on every change,
-- never armed as a timer; cycle counts the rounds of work (a reopening starts a new one).
CREATE TABLE rectifications (
    id            TEXT PRIMARY KEY,
    no            TEXT NOT NULL UNIQUE,
    source_kind   TEXT NOT NULL,
    source_id     TEXT NOT NULL,
    source_label  TEXT NOT NULL,
    source_meta   TEXT NOT NULL,
    title         TEXT NOT NULL,
    description   TEXT NOT NULL,
    unit_id       TEXT NOT NULL,
    unit_name     TEXT NOT NULL,
    region_code   TEXT NOT NULL,
    owner_id      TEXT NOT NULL,
    owner_name    TEXT NOT NULL,
    state         TEXT NOT NULL,
    cycle         INTEGER NOT NULL,
    started_on    TEXT NOT NULL,
    limit_wd      INTEGER NOT NULL,
    due_on        TEXT NOT NULL,
    outcome       TEXT NOT NULL,
    fix_by        TEXT NOT NULL,
    measures      TEXT NOT NULL,
    explanation   TEXT NOT NULL,
    callback_req  INTEGER NOT NULL,
    callback_done INTEGER NOT NULL,
    unreachable   INTEGER NOT NULL,
    satisfaction  TEXT NOT NULL,
    submitted_at  BIGINT NOT NULL,
    verified_by   TEXT NOT NULL,
    verified_at   BIGINT NOT NULL,
    closed_by     TEXT NOT NULL,
    closed_at     BIGINT NOT NULL,
    closed_on     TEXT NOT NULL,
    on_time       INTEGER NOT NULL,
    version       INTEGER NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);

CREATE UNIQUE INDEX rectifications_source ON rectifications (source_kind, source_id);
CREATE INDEX rectifications_region ON rectifications (region_code, state, due_on);
CREATE INDEX rectifications_unit ON rectifications (unit_id, state);
CREATE INDEX rectifications_open ON rectifications (due_on) WHERE state <> 'closed';

-- The history of an item: every transition and recorded fact, append-only.
CREATE TABLE rectify_history (
    id         TEXT PRIMARY KEY,
    rect_id    TEXT NOT NULL REFERENCES rectifications (id),
    action     TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state   TEXT NOT NULL,
    actor_id   TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    role       TEXT NOT NULL,
    note       TEXT NOT NULL,
    at         BIGINT NOT NULL
);

CREATE INDEX rectify_history_rect ON rectify_history (rect_id, at);

-- Callback attempts (回访). reached = 0 is an unanswered call; three of them count as attempted.
CREATE TABLE rectify_callbacks (
    id           TEXT PRIMARY KEY,
    rect_id      TEXT NOT NULL REFERENCES rectifications (id),
    attempt      INTEGER NOT NULL,
    reached      INTEGER NOT NULL,
    satisfaction TEXT NOT NULL,
    note         TEXT NOT NULL,
    by_id        TEXT NOT NULL,
    by_name      TEXT NOT NULL,
    at           BIGINT NOT NULL
);

CREATE UNIQUE INDEX rectify_callbacks_attempt ON rectify_callbacks (rect_id, attempt);

-- Evidence files, stored content-addressed (SHA-256) outside the database.
CREATE TABLE rectify_evidence (
    id      TEXT PRIMARY KEY,
    rect_id TEXT NOT NULL REFERENCES rectifications (id),
    sha256  TEXT NOT NULL,
    name    TEXT NOT NULL,
    ctype   TEXT NOT NULL,
    size    BIGINT NOT NULL,
    note    TEXT NOT NULL,
    by_id   TEXT NOT NULL,
    by_name TEXT NOT NULL,
    at      BIGINT NOT NULL
);

CREATE INDEX rectify_evidence_rect ON rectify_evidence (rect_id);

-- Escalations (提醒 1 → 催办 2 → 督办 3, and 4 for the accountability alert once a 督办 lapses), at
-- most one per level and cycle of an item.
CREATE TABLE rectify_escalations (
    id          TEXT PRIMARY KEY,
    rect_id     TEXT NOT NULL REFERENCES rectifications (id),
    cycle       INTEGER NOT NULL,
    level       INTEGER NOT NULL,
    unit_id     TEXT NOT NULL,
    region_code TEXT NOT NULL,
    issued_on   TEXT NOT NULL,
    respond_by  TEXT NOT NULL,
    issued_at   BIGINT NOT NULL
);

CREATE UNIQUE INDEX rectify_escalations_once ON rectify_escalations (rect_id, cycle, level);
CREATE INDEX rectify_escalations_region ON rectify_escalations (region_code, issued_on);

-- The yearly sequence of human numbers (ZG2026-000001).
CREATE TABLE rectify_numbers (
    year INTEGER PRIMARY KEY,
    last INTEGER NOT NULL
);
