-- People and access (package auth) and the messages sent to them (package notify).
-- No foreign keys to the organisation tables: unit ids are checked by the auth service.

-- Every account that logs in: staff (by username) and applicants (by ID number, USCC or mobile;
-- their identifiers live encrypted in applicants). Accounts are deactivated, never deleted.
CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    kind           TEXT NOT NULL,                 -- staff | applicant
    username       TEXT,                          -- staff login name, lower case; NULL for applicants
    name           TEXT NOT NULL DEFAULT '',      -- staff display name ('' for applicants: see applicants)
    unit_id        TEXT NOT NULL DEFAULT '',
    region_code    TEXT NOT NULL DEFAULT '',      -- 12-digit code of the unit's jurisdiction
    password_hash  TEXT NOT NULL DEFAULT '',      -- argon2id PHC string
    must_change    BOOLEAN NOT NULL DEFAULT FALSE,
    totp_secret    TEXT NOT NULL DEFAULT '',      -- SM4-encrypted; enabled once confirmed
    totp_enabled   BOOLEAN NOT NULL DEFAULT FALSE,
    totp_last_step BIGINT NOT NULL DEFAULT 0,     -- last accepted step: a code is never accepted twice
    failed_logins  INTEGER NOT NULL DEFAULT 0,
    locked_until   BIGINT NOT NULL DEFAULT 0,
    last_login_at  BIGINT NOT NULL DEFAULT 0,
    last_login_ip  TEXT NOT NULL DEFAULT '',
    active         BOOLEAN NOT NULL DEFAULT TRUE,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_username ON users (username);
CREATE INDEX users_region ON users (kind, region_code, id);
CREATE INDEX users_unit ON users (unit_id);

-- The roles a staff member holds in their unit; the session says which one is active.
CREATE TABLE user_roles (
    user_id TEXT NOT NULL REFERENCES users (id),
    role    TEXT NOT NULL,
    PRIMARY KEY (user_id, role)
);

-- Permissions granted on top of roles (unmask).
CREATE TABLE user_perms (
    user_id TEXT NOT NULL REFERENCES users (id),
    perm    TEXT NOT NULL,
    PRIMARY KEY (user_id, perm)
);

-- Earlier password hashes: a new password may not repeat one of the last five.
CREATE TABLE password_history (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    hash       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX password_history_user ON password_history (user_id, created_at);

-- Applicant identities. Personal data is SM4-encrypted and found through keyed SM3 blind indexes.
CREATE TABLE applicants (
    user_id      TEXT PRIMARY KEY REFERENCES users (id),
    subject_type TEXT NOT NULL,                   -- person | org
    id_number    TEXT NOT NULL,                   -- encrypted resident ID number or USCC
    id_number_bi TEXT NOT NULL,
    name         TEXT NOT NULL,                   -- encrypted name of the person or organisation
    mobile       TEXT NOT NULL,                   -- encrypted
    mobile_bi    TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE UNIQUE INDEX applicants_id_number ON applicants (id_number_bi);
CREATE INDEX applicants_mobile ON applicants (mobile_bi);

-- Sessions, shared by every process. The id is stored as an SM3 hash, so a copy of this table
-- does not let anyone log in.
CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    role         TEXT NOT NULL,                   -- the active role
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    ip           TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT '',
    prev_login_at BIGINT NOT NULL DEFAULT 0,      -- the login before this one, shown to the user
    prev_login_ip TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_seen ON sessions (last_seen_at);

-- Integration tokens (hotline, bank, provincial exchange). The secret is shown once and kept as
-- an SM3 hash; prefix identifies a token in lists and logs without revealing it.
CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    secret_hash  TEXT NOT NULL,
    scopes       TEXT NOT NULL,                   -- JSON array of strings
    unit_id      TEXT NOT NULL,
    region_code  TEXT NOT NULL,
    expires_at   BIGINT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    revoked_at   BIGINT NOT NULL DEFAULT 0,
    last_used_at BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX api_tokens_secret ON api_tokens (secret_hash);
CREATE INDEX api_tokens_region ON api_tokens (region_code, id);

-- One-time SMS codes, keyed-hashed; a code dies after its lifetime, its last attempt or its use.
CREATE TABLE sms_codes (
    id         TEXT PRIMARY KEY,
    mobile_bi  TEXT NOT NULL,
    purpose    TEXT NOT NULL,                     -- login | register
    code_hash  TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    used       BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX sms_codes_mobile ON sms_codes (mobile_bi, created_at);

-- AB-post cover (B岗): cover_id works user_id's queue from starts_at until ends_at.
CREATE TABLE covers (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    cover_id   TEXT NOT NULL REFERENCES users (id),
    starts_at  BIGINT NOT NULL,
    ends_at    BIGINT NOT NULL,
    reason     TEXT NOT NULL,
    granted_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX covers_cover ON covers (cover_id, ends_at);
CREATE INDEX covers_user ON covers (user_id, ends_at);

-- Messages sent through the development notifier (package notify): what a real SMS gateway
-- would have sent, readable by an administrator in development mode.
CREATE TABLE notify_messages (
    id           TEXT PRIMARY KEY,
    channel      TEXT NOT NULL,                   -- sms | inapp
    recipient    TEXT NOT NULL,                   -- mobile number or user id
    template_key TEXT NOT NULL,
    args         TEXT NOT NULL,                   -- JSON object
    created_at   BIGINT NOT NULL
);
CREATE INDEX notify_messages_at ON notify_messages (created_at, id);

-- In-app messages per user, for the inbox.
CREATE TABLE inbox_messages (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL,
    template_key TEXT NOT NULL,
    args         TEXT NOT NULL,                   -- JSON object
    created_at   BIGINT NOT NULL,
    read_at      BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX inbox_messages_user ON inbox_messages (user_id, created_at);
