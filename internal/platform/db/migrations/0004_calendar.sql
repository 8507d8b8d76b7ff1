-- The working-day calendar as administrators load it at runtime (package workday/wdstore): a year
-- newer than the binary's built-in tables, a corrected year, a provisional weekends-only year, or
-- a region's local holidays; plus single-day closures and openings. The built-in tables are not
-- stored; the calendar is the built-in tables with these layered on top.

-- One row per loaded table. region '' is the national table; otherwise a region code or prefix.
-- provisional is 0 or 1; loaded_at is Unix milliseconds.
CREATE TABLE calendar_years (
    year         BIGINT NOT NULL,
    region       TEXT NOT NULL,
    source_doc   TEXT NOT NULL,
    published_on TEXT NOT NULL,
    provisional  BIGINT NOT NULL,
    loaded_by    TEXT NOT NULL,
    loaded_at    BIGINT NOT NULL,
    PRIMARY KEY (year, region)
);

-- The days of a table. year is the table's year, which may differ from the date's own (the 2019
-- notice made 2018-12-29 a make-up day); date is 'YYYY-MM-DD'; reason names the festival.
CREATE TABLE calendar_days (
    year   BIGINT NOT NULL,
    region TEXT NOT NULL,
    date   TEXT NOT NULL,
    kind   TEXT NOT NULL CHECK (kind IN ('holiday', 'makeup')),
    reason TEXT NOT NULL,
    PRIMARY KEY (year, region, date),
    FOREIGN KEY (year, region) REFERENCES calendar_years (year, region) ON DELETE CASCADE
);

-- Single-day overrides of a region ('' everywhere): a service center closed on a workday or open
-- on a rest day, each with its reason and document.
CREATE TABLE calendar_overrides (
    region     TEXT NOT NULL,
    date       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('closed', 'open')),
    reason     TEXT NOT NULL,
    source_doc TEXT NOT NULL,
    loaded_by  TEXT NOT NULL,
    loaded_at  BIGINT NOT NULL,
    PRIMARY KEY (region, date)
);
