-- The administrative map of the city (package org): jurisdictions keyed by 12-digit region codes,
-- organisation units inside them, and the numbered windows of service halls. Nothing here is ever
-- deleted: cases, ratings and audit records point at these rows, so a unit that closes is
-- deactivated (deactivated_at set) and stays readable.

-- A jurisdiction's code lies inside its parent's code range (369901000000 under 369900000000);
-- the service enforces it, so region-prefix scoping and the tree always agree.
CREATE TABLE org_jurisdictions (
    code           TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    name_en        TEXT NOT NULL DEFAULT '',
    kind           TEXT NOT NULL,
    parent_code    TEXT REFERENCES org_jurisdictions (code),
    deactivated_at BIGINT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);

CREATE INDEX org_jurisdictions_parent ON org_jurisdictions (parent_code);

-- code is the unit's 统一社会信用代码 (a hall, which is no legal person, has an internal code).
CREATE TABLE org_units (
    id             TEXT PRIMARY KEY,
    code           TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    name_en        TEXT NOT NULL DEFAULT '',
    kind           TEXT NOT NULL,
    region_code    TEXT NOT NULL REFERENCES org_jurisdictions (code),
    parent_id      TEXT REFERENCES org_units (id),
    address        TEXT NOT NULL DEFAULT '',
    phone          TEXT NOT NULL DEFAULT '',
    deactivated_at BIGINT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);

CREATE INDEX org_units_region ON org_units (region_code, kind);
CREATE INDEX org_units_parent ON org_units (parent_id);

-- One active Administrative Approval Bureau per jurisdiction.
CREATE UNIQUE INDEX org_units_one_bureau ON org_units (region_code) WHERE kind = 'bureau' AND deactivated_at IS NULL;

-- A window of a hall; unit_id is the unit stationed there (a department, a partner, a bank), if any.
CREATE TABLE org_windows (
    id             TEXT PRIMARY KEY,
    hall_id        TEXT NOT NULL REFERENCES org_units (id),
    number         TEXT NOT NULL,
    type           TEXT NOT NULL,
    name           TEXT NOT NULL DEFAULT '',
    name_en        TEXT NOT NULL DEFAULT '',
    unit_id        TEXT REFERENCES org_units (id),
    deactivated_at BIGINT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);

-- A window number is unique among the active windows of a hall; a retired number may be reused.
CREATE UNIQUE INDEX org_windows_number ON org_windows (hall_id, number) WHERE deactivated_at IS NULL;
CREATE INDEX org_windows_unit ON org_windows (unit_id);
