-- E-certificates (电子证照), the one seal's signing keys, holder grants (授权提取), the use log,
-- and share links. Written by package certs.

-- The seal: one active SM2 key per issuing organisation (a bureau). A rotation closes the old key
-- (valid_to) and opens a new one; closed keys stay here and published, so that every signature
-- made under them still verifies. The private key is PKCS #8 DER, SM4-encrypted with the field key.
CREATE TABLE cert_keys (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL,
    org_name    TEXT NOT NULL,
    org_uscc    TEXT NOT NULL,
    region_code TEXT NOT NULL,
    public_key  TEXT NOT NULL,
    private_key TEXT NOT NULL,
    valid_from  BIGINT NOT NULL,
    valid_to    BIGINT,
    created_by  TEXT NOT NULL
);

CREATE UNIQUE INDEX cert_keys_active ON cert_keys (org_id) WHERE valid_to IS NULL;

-- Server-side secrets of the domain (the QR tamper-token key), encrypted with the field key.
CREATE TABLE cert_secrets (
    name       TEXT PRIMARY KEY,
    secret     TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- One row per certificate version. (type_code, no) names a licence across its versions; a change,
-- renewal or cancellation adds version n+1 and marks version n superseded. Holder identity and
-- the certificate data are encrypted; the signature covers them through data_digest. status is
-- valid, superseded, revoked or cancelled: "expired" is derived from valid_to when read.
CREATE TABLE certs (
    id            TEXT PRIMARY KEY,
    type_code     TEXT NOT NULL,
    no            TEXT NOT NULL,
    version       INTEGER NOT NULL,
    holder_type   TEXT NOT NULL,
    holder_name   TEXT NOT NULL,
    holder_id     TEXT NOT NULL,
    holder_id_bi  TEXT NOT NULL,
    holder_mask   TEXT NOT NULL,
    issuer_id     TEXT NOT NULL,
    issuer_name   TEXT NOT NULL,
    issuer_uscc   TEXT NOT NULL,
    region_code   TEXT NOT NULL,
    issued_on     TEXT NOT NULL,
    valid_from    TEXT NOT NULL,
    valid_to      TEXT NOT NULL,
    surface       TEXT NOT NULL,
    salt          TEXT NOT NULL,
    source        TEXT NOT NULL,
    case_id       TEXT,
    case_no       TEXT NOT NULL,
    item_id       TEXT NOT NULL,
    chain_id      TEXT NOT NULL,
    action        TEXT NOT NULL,
    replaces_id   TEXT NOT NULL,
    status        TEXT NOT NULL,
    superseded_by TEXT NOT NULL,
    revoked_at    BIGINT,
    revoke_reason TEXT NOT NULL,
    key_id        TEXT NOT NULL REFERENCES cert_keys (id),
    signed_at     BIGINT NOT NULL,
    data_digest   TEXT NOT NULL,
    signature     TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    created_by    TEXT NOT NULL
);

CREATE UNIQUE INDEX certs_type_no_version ON certs (type_code, no, version);
CREATE UNIQUE INDEX certs_case ON certs (case_id);
CREATE INDEX certs_no ON certs (no);
CREATE INDEX certs_holder ON certs (holder_id_bi, type_code);
CREATE INDEX certs_chain ON certs (chain_id);
CREATE INDEX certs_region ON certs (region_code, created_at);

-- Number sequences of issued certificates, per type and issuing region.
CREATE TABLE cert_counters (
    type_code TEXT NOT NULL,
    scope     TEXT NOT NULL,
    last_no   BIGINT NOT NULL,
    PRIMARY KEY (type_code, scope)
);

-- 授权提取: a holder lets one case use their certificates of some types, until expires_at, the
-- case's conclusion, or revocation.
CREATE TABLE cert_grants (
    id           TEXT PRIMARY KEY,
    holder_id_bi TEXT NOT NULL,
    holder_type  TEXT NOT NULL,
    granted_by   TEXT NOT NULL,
    case_id      TEXT NOT NULL,
    case_no      TEXT NOT NULL,
    cert_types   TEXT NOT NULL,
    method       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    revoked_at   BIGINT
);

CREATE INDEX cert_grants_case ON cert_grants (case_id);
CREATE INDEX cert_grants_holder ON cert_grants (holder_id_bi, created_at);

-- The use log (用证记录): every fetch of a certificate for a case, which the holder sees.
CREATE TABLE cert_uses (
    id            TEXT PRIMARY KEY,
    cert_id       TEXT NOT NULL REFERENCES certs (id),
    holder_id_bi  TEXT NOT NULL,
    type_code     TEXT NOT NULL,
    cert_no       TEXT NOT NULL,
    case_id       TEXT NOT NULL,
    case_no       TEXT NOT NULL,
    material_code TEXT NOT NULL,
    grant_id      TEXT NOT NULL REFERENCES cert_grants (id),
    actor_id      TEXT NOT NULL,
    actor_name    TEXT NOT NULL,
    unit_id       TEXT NOT NULL,
    region_code   TEXT NOT NULL,
    at            BIGINT NOT NULL
);

CREATE INDEX cert_uses_holder ON cert_uses (holder_id_bi, at);
CREATE INDEX cert_uses_case ON cert_uses (case_id);
CREATE INDEX cert_uses_region ON cert_uses (region_code, at);

-- Time-limited verification links a holder shares; only the SM3 hash of the token is kept.
CREATE TABLE cert_shares (
    id         TEXT PRIMARY KEY,
    cert_id    TEXT NOT NULL REFERENCES certs (id),
    token_hash TEXT NOT NULL UNIQUE,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE INDEX cert_shares_cert ON cert_shares (cert_id);
