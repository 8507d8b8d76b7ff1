-- Service ratings (好差评, package rating). A rating is what a citizen said about a service: it is
-- append-only. No statement of the application updates or deletes a row of ratings; an upheld
-- appeal lives in rating_appeal_decisions, and "excluded" is derived from it.
--
-- evaluator_key is a keyed SM3 blind index of the evaluator (their ID number or credit code), or
-- 'anon:<rating id>' for an anonymous paper questionnaire; with stage it makes one rating per
-- case per evaluator ('case' when 一事多评 is off) or per stage (receipt, acceptance, conclusion).
-- id_number, name and mobile are SM4-encrypted; id_masked is the form the province receives.
CREATE TABLE ratings (
    id             TEXT PRIMARY KEY,
    case_id        TEXT NOT NULL,
    case_no        TEXT NOT NULL,
    stage          TEXT NOT NULL,
    item_id        TEXT NOT NULL,
    item_code      TEXT NOT NULL,
    item_version   TEXT NOT NULL,
    item_name      TEXT NOT NULL,
    unit_id        TEXT NOT NULL,
    unit_code      TEXT NOT NULL,
    unit_name      TEXT NOT NULL,
    hall_id        TEXT NOT NULL,
    hall_name      TEXT NOT NULL,
    window_id      TEXT NOT NULL,
    window_no      TEXT NOT NULL,
    region_code    TEXT NOT NULL,
    staff          TEXT NOT NULL,
    channel        TEXT NOT NULL,
    level          INTEGER NOT NULL,
    reasons        TEXT NOT NULL,
    comment        TEXT NOT NULL,
    rated_at       BIGINT NOT NULL,
    rated_on       TEXT NOT NULL,
    is_default     INTEGER NOT NULL,
    real_name      INTEGER NOT NULL,
    evaluator_key  TEXT NOT NULL,
    applicant_id   TEXT NOT NULL,
    applicant_type TEXT NOT NULL,
    id_type        TEXT NOT NULL,
    id_number      TEXT NOT NULL,
    id_masked      TEXT NOT NULL,
    name           TEXT NOT NULL,
    mobile         TEXT NOT NULL,
    entered_by     TEXT NOT NULL,
    source_ref     TEXT NOT NULL,
    case_status    TEXT NOT NULL,
    created_at     BIGINT NOT NULL
);

CREATE UNIQUE INDEX ratings_once ON ratings (case_id, evaluator_key, stage);
CREATE UNIQUE INDEX ratings_source_ref ON ratings (source_ref) WHERE source_ref <> '';
CREATE INDEX ratings_day ON ratings (rated_on, region_code);
CREATE INDEX ratings_bad ON ratings (level, rated_on);

-- An appeal (申诉) of the rated organisation against one rating, with its evidence; at most one
-- per rating. The decision is a row of its own, written once.
CREATE TABLE rating_appeals (
    id          TEXT PRIMARY KEY,
    rating_id   TEXT NOT NULL REFERENCES ratings (id),
    unit_id     TEXT NOT NULL,
    region_code TEXT NOT NULL,
    grounds     TEXT NOT NULL,
    reason      TEXT NOT NULL,
    evidence    TEXT NOT NULL,
    filed_by    TEXT NOT NULL,
    filed_name  TEXT NOT NULL,
    filed_at    BIGINT NOT NULL,
    filed_on    TEXT NOT NULL,
    decide_by   TEXT NOT NULL
);

CREATE UNIQUE INDEX rating_appeals_once ON rating_appeals (rating_id);
CREATE INDEX rating_appeals_region ON rating_appeals (region_code, filed_on);

CREATE TABLE rating_appeal_decisions (
    appeal_id    TEXT PRIMARY KEY REFERENCES rating_appeals (id),
    rating_id    TEXT NOT NULL REFERENCES ratings (id),
    outcome      TEXT NOT NULL,
    reason       TEXT NOT NULL,
    decided_by   TEXT NOT NULL,
    decided_name TEXT NOT NULL,
    decided_unit TEXT NOT NULL,
    decided_at   BIGINT NOT NULL,
    decided_on   TEXT NOT NULL
);

CREATE UNIQUE INDEX rating_appeal_decisions_rating ON rating_appeal_decisions (rating_id);

-- Concluded cases waiting for (or having received) a rating: the invitation, the reminder and the
-- optional default rating, and the denominator of 主动评价率 and 未评价率. Not a rating: its
-- timestamps change as the invitation proceeds. mobile_bi (the applicant's mobile, blind-indexed)
-- lets a citizen at the window's QR code ask for the link by mobile number.
CREATE TABLE rating_cases (
    case_id        TEXT PRIMARY KEY,
    case_no        TEXT NOT NULL,
    item_id        TEXT NOT NULL,
    unit_id        TEXT NOT NULL,
    hall_id        TEXT NOT NULL,
    window_id      TEXT NOT NULL,
    region_code    TEXT NOT NULL,
    staff          TEXT NOT NULL,
    mobile_bi      TEXT NOT NULL,
    concluded_at   BIGINT NOT NULL,
    concluded_on   TEXT NOT NULL,
    remind_on      TEXT NOT NULL,
    default_on     TEXT NOT NULL,
    invited_at     BIGINT NOT NULL,
    reminded_at    BIGINT NOT NULL,
    defaulted_at   BIGINT NOT NULL,
    first_rated_at BIGINT NOT NULL
);

CREATE INDEX rating_cases_remind ON rating_cases (remind_on) WHERE first_rated_at = 0 AND reminded_at = 0;
CREATE INDEX rating_cases_default ON rating_cases (default_on) WHERE first_rated_at = 0 AND defaulted_at = 0;
CREATE INDEX rating_cases_concluded ON rating_cases (concluded_on);
CREATE INDEX rating_cases_mobile ON rating_cases (mobile_bi, window_id);

-- What became of a bad rating's rectification, as the rectify domain reports it through its
-- events (rectify.changed). version orders the reports; an older one is ignored.
CREATE TABLE rating_followups (
    rating_id    TEXT PRIMARY KEY REFERENCES ratings (id),
    rect_id      TEXT NOT NULL,
    rect_no      TEXT NOT NULL,
    state        TEXT NOT NULL,
    due_on       TEXT NOT NULL,
    closed       INTEGER NOT NULL,
    on_time      INTEGER NOT NULL,
    callback     INTEGER NOT NULL,
    response     TEXT NOT NULL,
    version      BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);

-- Counters per period (a day YYYY-MM-DD or a month YYYY-MM), dimension (all, item, hall, window,
-- staff), key, and the rating's region and unit, with the key's name for display, kept in the transaction that records a rating,
-- decides an appeal, concludes a case or learns of a rectification. Derived data: RebuildRollups
-- recomputes the table from the rows above.
CREATE TABLE rating_rollups (
    period      TEXT NOT NULL,
    dim         TEXT NOT NULL,
    key         TEXT NOT NULL,
    region_code TEXT NOT NULL,
    unit_id     TEXT NOT NULL,
    name        TEXT NOT NULL DEFAULT '',
    n1          BIGINT NOT NULL DEFAULT 0,
    n2          BIGINT NOT NULL DEFAULT 0,
    n3          BIGINT NOT NULL DEFAULT 0,
    n4          BIGINT NOT NULL DEFAULT 0,
    n5          BIGINT NOT NULL DEFAULT 0,
    dflt        BIGINT NOT NULL DEFAULT 0,
    dflt_good   BIGINT NOT NULL DEFAULT 0,
    excluded    BIGINT NOT NULL DEFAULT 0,
    concluded   BIGINT NOT NULL DEFAULT 0,
    rated_cases BIGINT NOT NULL DEFAULT 0,
    bad_real    BIGINT NOT NULL DEFAULT 0,
    closed      BIGINT NOT NULL DEFAULT 0,
    on_time     BIGINT NOT NULL DEFAULT 0,
    callback    BIGINT NOT NULL DEFAULT 0,
    resp_n      BIGINT NOT NULL DEFAULT 0,
    resp_ok     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (period, dim, key, region_code, unit_id)
);

CREATE INDEX rating_rollups_region ON rating_rollups (period, dim, region_code);

-- Secrets of the domain (the key that signs rating links), SM4-encrypted, created on first use.
CREATE TABLE rating_secrets (
    name       TEXT PRIMARY KEY,
    secret     TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
