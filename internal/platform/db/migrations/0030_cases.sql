-- Cases (package cases): the case row with its state, version, pinned item version, applicant
-- (personal identifiers SM4-encrypted, found through SM3 blind indexes, masked copies for lists)
-- and the deadline fields derived from its history, denormalised for the work queues; the
-- append-only history; review tasks; the material checklist and its files; the 已办 index;
-- human case numbers; post-verifications of 告知承诺 approvals and credit records.
-- Units, windows, items and users are referenced by id without foreign keys: other packages own
-- them. Business dates are TEXT YYYY-MM-DD (NULL: none); instants BIGINT Unix milliseconds.

-- A case. Open cases are state < 92. facts holds the clock facts folded from case_events (the
-- acceptance date, suspensions, extension ...); the columns after it are derived from facts and
-- the calendar on every transition and by RecomputeAll. next_due is the date the current phase
-- is due ('9999-12-31' when none), the sort key of every queue; todo_* says who must act next.
CREATE TABLE cases (
    id                  TEXT PRIMARY KEY,
    case_no             TEXT UNIQUE,
    parent_id           TEXT NOT NULL DEFAULT '',
    chain_id            TEXT NOT NULL DEFAULT '',
    item_id             TEXT NOT NULL DEFAULT '',
    item_version        INTEGER NOT NULL DEFAULT 0,
    item_code           TEXT NOT NULL DEFAULT '',
    item_name           TEXT NOT NULL,
    kind                TEXT NOT NULL,
    state               INTEGER NOT NULL,
    flags               INTEGER NOT NULL DEFAULT 0,
    version             BIGINT NOT NULL,
    channel             TEXT NOT NULL,
    owner_id            TEXT NOT NULL DEFAULT '',
    applicant_type      TEXT NOT NULL,
    applicant_name      TEXT NOT NULL,
    applicant_label     TEXT NOT NULL,
    applicant_id        TEXT NOT NULL,
    applicant_id_bi     TEXT NOT NULL,
    applicant_id_masked TEXT NOT NULL,
    applicant_mobile    TEXT NOT NULL,
    applicant_mobile_masked TEXT NOT NULL,
    agent               TEXT NOT NULL DEFAULT '',
    agent_id_bi         TEXT NOT NULL DEFAULT '',
    recv_unit           TEXT NOT NULL,
    recv_region         TEXT NOT NULL,
    recv_window         TEXT NOT NULL DEFAULT '',
    handling_unit       TEXT NOT NULL,
    handling_region     TEXT NOT NULL,
    step                INTEGER NOT NULL DEFAULT -1,
    step_name           TEXT NOT NULL DEFAULT '',
    todo_role           TEXT NOT NULL DEFAULT '',
    todo_unit           TEXT NOT NULL DEFAULT '',
    todo_region         TEXT NOT NULL DEFAULT '',
    todo_user           TEXT NOT NULL DEFAULT '',
    limits              TEXT NOT NULL DEFAULT '{}',
    facts               TEXT NOT NULL DEFAULT '{}',
    received_on         TEXT,
    intake_due          TEXT,
    accepted_on         TEXT,
    promised_due        TEXT,
    statutory_due       TEXT,
    decided_on          TEXT,
    delivery_due        TEXT,
    pending_due         TEXT,
    next_due            TEXT NOT NULL DEFAULT '9999-12-31',
    remaining_wd        INTEGER NOT NULL DEFAULT 0,
    level               INTEGER NOT NULL DEFAULT 0,
    overdue_at          BIGINT NOT NULL DEFAULT 0,
    form                TEXT NOT NULL DEFAULT '{}',
    decision            TEXT NOT NULL DEFAULT '',
    promise             TEXT NOT NULL DEFAULT '',
    created_at          BIGINT NOT NULL,
    submitted_at        BIGINT NOT NULL DEFAULT 0,
    updated_at          BIGINT NOT NULL
);

-- 待办: a role's pool (and the assignee's cases) at a unit, or across a jurisdiction, by due date.
-- The trailing columns let the scope and assignee filters run on the index alone.
CREATE INDEX cases_todo_unit ON cases (todo_role, todo_unit, next_due, id, todo_user) WHERE todo_role <> '';
CREATE INDEX cases_todo_due ON cases (todo_role, next_due, id, todo_region, todo_user) WHERE todo_role <> '';
-- 预警 / 超期: the yellow and red cases by due date, filtered by scope on the index.
CREATE INDEX cases_level ON cases (level, next_due, id, todo_region, todo_unit) WHERE level > 0;
-- Suspended, awaiting correction, and the sweeps (intake deadline, 容缺 promises).
CREATE INDEX cases_state ON cases (state, next_due, id, todo_region, todo_unit);
-- By item and by window, open cases only.
CREATE INDEX cases_item ON cases (item_id, next_due, id) WHERE state < 92;
CREATE INDEX cases_window ON cases (recv_window, next_due, id) WHERE state < 92;
-- RecomputeAll walks the open cases by id.
CREATE INDEX cases_open ON cases (id) WHERE state < 92;
-- My cases (applicants), a chain's children, lookups by the applicant's identifier.
CREATE INDEX cases_owner ON cases (owner_id, created_at, id);
CREATE INDEX cases_parent ON cases (parent_id) WHERE parent_id <> '';
CREATE INDEX cases_applicant ON cases (applicant_id_bi);
CREATE INDEX cases_pending ON cases (pending_due) WHERE pending_due IS NOT NULL;

-- The history: one row per event, never updated or deleted. root_id is the chain parent (or
-- the case itself), so a chain shows one timeline. seq is the case version the event produced.
CREATE TABLE case_events (
    id           TEXT PRIMARY KEY,
    case_id      TEXT NOT NULL REFERENCES cases (id),
    root_id      TEXT NOT NULL,
    seq          BIGINT NOT NULL,
    case_no      TEXT NOT NULL DEFAULT '',
    action       TEXT NOT NULL,
    from_state   INTEGER NOT NULL,
    to_state     INTEGER NOT NULL,
    actor        TEXT NOT NULL,
    actor_name   TEXT NOT NULL DEFAULT '',
    role         TEXT NOT NULL,
    covering_for TEXT NOT NULL DEFAULT '',
    at           BIGINT NOT NULL,
    on_date      TEXT NOT NULL,
    reason       TEXT NOT NULL DEFAULT '',
    docs         TEXT NOT NULL DEFAULT '[]',
    data         TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX case_events_case ON case_events (case_id, id);
CREATE INDEX case_events_root ON case_events (root_id, at, id);

-- Review tasks: one per step (branch main) and per parallel branch (a site inspection). A
-- return sets open tasks to superseded; no row is deleted.
CREATE TABLE case_tasks (
    id           TEXT PRIMARY KEY,
    case_id      TEXT NOT NULL REFERENCES cases (id),
    step         INTEGER NOT NULL,
    step_name    TEXT NOT NULL,
    branch       TEXT NOT NULL,
    role         TEXT NOT NULL,
    unit_id      TEXT NOT NULL,
    assignee     TEXT NOT NULL DEFAULT '',
    state        TEXT NOT NULL,
    opened_at    BIGINT NOT NULL,
    closed_at    BIGINT NOT NULL DEFAULT 0,
    closed_by    TEXT NOT NULL DEFAULT '',
    covering_for TEXT NOT NULL DEFAULT '',
    outcome      TEXT NOT NULL DEFAULT '',
    opinion      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX case_tasks_case ON case_tasks (case_id, opened_at);
CREATE INDEX case_tasks_assignee ON case_tasks (assignee, opened_at) WHERE state = 'open';

-- The material checklist of a case, from its pinned item version (status changes; files don't).
CREATE TABLE case_materials (
    case_id         TEXT NOT NULL REFERENCES cases (id),
    code            TEXT NOT NULL,
    seq             INTEGER NOT NULL,
    name            TEXT NOT NULL,
    required        INTEGER NOT NULL,
    pending_allowed INTEGER NOT NULL,
    min_trust       TEXT NOT NULL DEFAULT '',
    cert_type       TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL,
    trust           TEXT NOT NULL DEFAULT '',
    defect          TEXT NOT NULL DEFAULT '',
    pending_due     TEXT,
    cert_ref        TEXT NOT NULL DEFAULT '',
    file_id         TEXT NOT NULL DEFAULT '',
    shared_from     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (case_id, code)
);

-- Every file ever provided for a material: append-only; checked_* record the check against the
-- original (trust B), the only later change.
CREATE TABLE case_files (
    id          TEXT PRIMARY KEY,
    case_id     TEXT NOT NULL REFERENCES cases (id),
    material    TEXT NOT NULL,
    hash        TEXT NOT NULL,
    size        BIGINT NOT NULL,
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL DEFAULT '',
    trust       TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at BIGINT NOT NULL,
    checked_by  TEXT NOT NULL DEFAULT '',
    checked_at  BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX case_files_case ON case_files (case_id, material, uploaded_at);
CREATE INDEX case_files_hash ON case_files (hash);

-- 已办: the cases a person acted on, most recent first.
CREATE TABLE case_actors (
    user_id TEXT NOT NULL,
    case_id TEXT NOT NULL,
    last_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, case_id)
);
CREATE INDEX case_actors_recent ON case_actors (user_id, last_at, case_id);

-- Case-number blocks: a process reserves numbers of one prefix (region + day) in blocks, so the
-- counter row is touched once per block rather than once per case.
CREATE TABLE case_no_blocks (
    prefix TEXT PRIMARY KEY,
    next   BIGINT NOT NULL
);

-- Post-verification (事后核查) of 告知承诺 approvals.
CREATE TABLE case_verifications (
    id          TEXT PRIMARY KEY,
    case_id     TEXT NOT NULL REFERENCES cases (id),
    case_no     TEXT NOT NULL,
    methods     TEXT NOT NULL,
    decided_on  TEXT NOT NULL,
    within_wd   INTEGER NOT NULL,
    due         TEXT,
    state       TEXT NOT NULL,
    rectify_on  TEXT,
    rectify_wd  INTEGER NOT NULL DEFAULT 0,
    rectify_due TEXT,
    note        TEXT NOT NULL DEFAULT '',
    unit_id     TEXT NOT NULL,
    region_code TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    closed_at   BIGINT NOT NULL DEFAULT 0,
    closed_by   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX case_verifications_case ON case_verifications (case_id);
CREATE INDEX case_verifications_open ON case_verifications (region_code, due, id) WHERE closed_at = 0;

-- Credit events for export; an open false_promise record bars the 告知承诺 path.
CREATE TABLE case_credit (
    id           TEXT PRIMARY KEY,
    case_id      TEXT NOT NULL REFERENCES cases (id),
    case_no      TEXT NOT NULL,
    kind         TEXT NOT NULL,
    subject_bi   TEXT NOT NULL,
    subject      TEXT NOT NULL,
    region_code  TEXT NOT NULL,
    at           BIGINT NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    cleared_at   BIGINT NOT NULL DEFAULT 0,
    cleared_by   TEXT NOT NULL DEFAULT '',
    clear_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX case_credit_subject ON case_credit (subject_bi, kind) WHERE cleared_at = 0;
CREATE INDEX case_credit_region ON case_credit (region_code, at);
