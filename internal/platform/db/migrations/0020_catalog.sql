-- The service catalogue (package catalog): items of the 实施清单 and their versions, who holds the
-- power over an item in a jurisdiction (相对集中许可), the 市县两级事权 list, e-certificate types,
-- search synonyms and the chains of items handled as one thing (一件事). Organisation units are
-- referenced by id without foreign keys: they belong to package org.

-- An item of the catalogue. code is the identifying code (业务办理项编码 of a handling item,
-- 实施编码 otherwise). name, type and dept_id follow the latest published version (or the first
-- draft before any publication); current_version is 0 until the first publication.
CREATE TABLE catalog_items (
    id              TEXT PRIMARY KEY,
    parent_id       TEXT REFERENCES catalog_items (id),
    level           TEXT NOT NULL,
    code            TEXT NOT NULL UNIQUE,
    base_code       TEXT NOT NULL,
    impl_code       TEXT NOT NULL,
    handling_code   TEXT NOT NULL DEFAULT '',
    region_code     TEXT NOT NULL,
    name            TEXT NOT NULL,
    name_en         TEXT NOT NULL DEFAULT '',
    type            TEXT NOT NULL,
    dept_id         TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'active',
    current_version INTEGER NOT NULL DEFAULT 0,
    draft_version   INTEGER NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);

CREATE INDEX catalog_items_parent ON catalog_items (parent_id);
CREATE INDEX catalog_items_base ON catalog_items (base_code);
CREATE INDEX catalog_items_dept ON catalog_items (dept_id);

-- One version of an item's spec. A published version is never updated (the store only updates
-- rows WHERE status = 'draft'); an item has at most one draft. effective_from is the first day
-- in force of a published version (YYYY-MM-DD, Asia/Shanghai); the version in force on a day is
-- the published one with the latest effective_from on or before it (ties: the higher version).
-- name, kind, the limits and the required-material count are copies of the spec for listings
-- and statistics.
CREATE TABLE catalog_versions (
    item_id        TEXT NOT NULL REFERENCES catalog_items (id),
    version        INTEGER NOT NULL,
    status         TEXT NOT NULL,
    effective_from TEXT,
    name           TEXT NOT NULL,
    kind           TEXT NOT NULL,
    statutory_wd   INTEGER NOT NULL,
    promised_wd    INTEGER NOT NULL,
    materials      INTEGER NOT NULL,
    spec           TEXT NOT NULL,
    note           TEXT NOT NULL DEFAULT '',
    created_at     BIGINT NOT NULL,
    created_by     TEXT NOT NULL,
    published_at   BIGINT,
    published_by   TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (item_id, version)
);

CREATE UNIQUE INDEX catalog_versions_one_draft ON catalog_versions (item_id) WHERE status = 'draft';
CREATE INDEX catalog_versions_effective ON catalog_versions (item_id, status, effective_from);

-- Who exercises the power over an item (by 基本编码) in a jurisdiction from a date: the initial
-- holder, transfers (划转) to the bureau, delegations (赋权) to a zone, returns. Events of one
-- (base_code, region_code) are recorded in date order. region_depth (4 city, 6 county, 9
-- township) orders the fallback from a region to the regions enclosing it.
CREATE TABLE catalog_powers (
    id             TEXT PRIMARY KEY,
    base_code      TEXT NOT NULL,
    region_code    TEXT NOT NULL,
    region_depth   INTEGER NOT NULL,
    kind           TEXT NOT NULL,
    from_unit      TEXT NOT NULL DEFAULT '',
    to_unit        TEXT NOT NULL,
    effective_from TEXT NOT NULL,
    doc_no         TEXT NOT NULL DEFAULT '',
    doc_title      TEXT NOT NULL DEFAULT '',
    note           TEXT NOT NULL DEFAULT '',
    created_at     BIGINT NOT NULL,
    created_by     TEXT NOT NULL
);

CREATE UNIQUE INDEX catalog_powers_key ON catalog_powers (base_code, region_code, effective_from);

-- The 市县两级事权 list an administrator maintains.
CREATE TABLE catalog_divisions (
    base_code  TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    level      TEXT NOT NULL,
    note       TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);

-- E-certificate types (电子证照类型) that items issue and that can replace materials.
CREATE TABLE catalog_cert_types (
    code       TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    name_en    TEXT NOT NULL DEFAULT '',
    issuer     TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL
);

-- Search synonyms: what people type, and the catalogue words it stands for.
CREATE TABLE catalog_synonyms (
    id         TEXT PRIMARY KEY,
    term       TEXT NOT NULL UNIQUE,
    expansion  TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL
);

-- Chains (一件事). spec holds the combined form, the material list and the browse tags as JSON;
-- catalog_chain_items indexes the items so that "the chains an item belongs to" is a lookup.
CREATE TABLE catalog_chains (
    id          TEXT PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    lead_unit   TEXT NOT NULL,
    region_code TEXT NOT NULL,
    limit_wd    INTEGER NOT NULL,
    status      TEXT NOT NULL,
    spec        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    updated_by  TEXT NOT NULL
);

CREATE TABLE catalog_chain_items (
    chain_id TEXT NOT NULL REFERENCES catalog_chains (id),
    item_id  TEXT NOT NULL REFERENCES catalog_items (id),
    seq      INTEGER NOT NULL,
    PRIMARY KEY (chain_id, item_id)
);

CREATE INDEX catalog_chain_items_item ON catalog_chain_items (item_id);

-- A counter every change that the public guide shows increments, in the same transaction: each
-- process compares it with the generation of its in-memory search index and rebuilds when behind.
CREATE TABLE catalog_state (
    id         INTEGER PRIMARY KEY,
    generation BIGINT NOT NULL
);

INSERT INTO catalog_state (id, generation) VALUES (1, 0);
