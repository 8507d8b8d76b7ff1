// Package wdstore keeps the working-day calendar that administrators load at runtime: national
// tables for years newer than the binary's built-in ones (or corrections of them), provisional
// weekends-only years, regional tables of local holidays and single-day closures or openings.
// Build turns the stored rows plus the built-in tables into a workday.Calendar. The JSON import
// format of a year is described at ParseYearJSON.
package wdstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"onestamp/internal/platform/db"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/workday"
)

// Store reads and writes the calendar tables (migration 0004_calendar).
type Store struct {
	DB  *db.DB
	Now func() time.Time // clock for loaded_at; nil means time.Now
}

func (s Store) now() int64 {
	if s.Now != nil {
		return db.NowMillis(s.Now())
	}
	return db.NowMillis(time.Now())
}

// YearInfo is a stored table as the admin list shows it.
type YearInfo struct {
	Year        int
	Region      string
	SourceDoc   string
	PublishedOn string
	Provisional bool
	Holidays    int
	MakeupDays  int
	LoadedBy    string
	LoadedAt    time.Time
}

func invalid(key string, err error) error {
	return &errs.Error{Code: errs.Invalid, Key: key, Detail: err.Error(), Err: err}
}

// SaveYear stores t in the caller's transaction, replacing any stored table of the same year and
// region, so the year changes all at once. The region is stored in its prefix form
// (workday.RegionPrefix: "540000000000" → "54") so that one region has one key. A table that
// fails workday.YearTable.Check is rejected with an errs.Invalid error; doubtful arrangements
// (ValidateYear warnings) are the caller's to show, not to block. The caller rebuilds the Calendar
// after commit and recomputes open deadlines.
func (s Store) SaveYear(ctx context.Context, tx *sql.Tx, t workday.YearTable, loadedBy string) error {
	t.Region = workday.RegionPrefix(t.Region)
	if err := t.Check(); err != nil {
		return invalid("workday.table_invalid", err)
	}
	t = t.Normalize()
	if err := s.deleteYear(ctx, tx, t.Year, t.Region); err != nil {
		return err
	}
	prov := 0
	if t.Provisional {
		prov = 1
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO calendar_years
		(year, region, source_doc, published_on, provisional, loaded_by, loaded_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		t.Year, t.Region, t.SourceDoc, t.PublishedOn, prov, loadedBy, s.now()); err != nil {
		return fmt.Errorf("wdstore: save year %d/%q: %w", t.Year, t.Region, err)
	}
	for _, set := range []struct {
		kind string
		days []workday.Date
	}{{"holiday", t.Holidays}, {"makeup", t.MakeupDays}} {
		for _, d := range set.days {
			if _, err := tx.ExecContext(ctx, `INSERT INTO calendar_days (year, region, date, kind, reason)
				VALUES ($1, $2, $3, $4, $5)`, t.Year, t.Region, d.String(), set.kind, t.Names[d]); err != nil {
				return fmt.Errorf("wdstore: save %s %s of %d: %w", set.kind, d, t.Year, err)
			}
		}
	}
	return nil
}

// DeleteYear removes a stored table; the year falls back to the built-in table, or to not loaded.
// It reports whether there was one.
func (s Store) DeleteYear(ctx context.Context, tx *sql.Tx, year int, region string) (bool, error) {
	region = workday.RegionPrefix(region)
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM calendar_years WHERE year = $1 AND region = $2`,
		year, region).Scan(&n); err != nil {
		return false, fmt.Errorf("wdstore: delete year: %w", err)
	}
	return n > 0, s.deleteYear(ctx, tx, year, region)
}

func (s Store) deleteYear(ctx context.Context, tx *sql.Tx, year int, region string) error {
	// Days first: the foreign key's cascade is not relied on, so the order works either way.
	if _, err := tx.ExecContext(ctx, `DELETE FROM calendar_days WHERE year = $1 AND region = $2`, year, region); err != nil {
		return fmt.Errorf("wdstore: delete days of %d/%q: %w", year, region, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM calendar_years WHERE year = $1 AND region = $2`, year, region); err != nil {
		return fmt.Errorf("wdstore: delete year %d/%q: %w", year, region, err)
	}
	return nil
}

// SaveOverride stores a closure or opening, replacing any override of the same region and date.
func (s Store) SaveOverride(ctx context.Context, tx *sql.Tx, o workday.Override, loadedBy string) error {
	o.Region = workday.RegionPrefix(o.Region)
	if err := o.Check(); err != nil {
		return invalid("workday.override_invalid", err)
	}
	if o.Reason == "" {
		return invalid("workday.override_invalid", fmt.Errorf("workday: override of %s needs a reason", o.Date))
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM calendar_overrides WHERE region = $1 AND date = $2`,
		o.Region, o.Date.String()); err != nil {
		return fmt.Errorf("wdstore: save override: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO calendar_overrides
		(region, date, kind, reason, source_doc, loaded_by, loaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		o.Region, o.Date.String(), string(o.Kind), o.Reason, o.SourceDoc, loadedBy, s.now()); err != nil {
		return fmt.Errorf("wdstore: save override: %w", err)
	}
	return nil
}

// DeleteOverride removes the override of region on d and reports whether there was one.
func (s Store) DeleteOverride(ctx context.Context, tx *sql.Tx, region string, d workday.Date) (bool, error) {
	res, err := tx.ExecContext(ctx, `DELETE FROM calendar_overrides WHERE region = $1 AND date = $2`,
		workday.RegionPrefix(region), d.String())
	if err != nil {
		return false, fmt.Errorf("wdstore: delete override: %w", err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// LoadAll returns every stored table, national first, then by region and year.
func (s Store) LoadAll(ctx context.Context) ([]workday.YearTable, error) {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT y.year, y.region, y.source_doc, y.published_on, y.provisional,
		d.date, d.kind, d.reason
		FROM calendar_years y LEFT JOIN calendar_days d ON d.year = y.year AND d.region = y.region
		ORDER BY y.region, y.year, d.date`)
	if err != nil {
		return nil, fmt.Errorf("wdstore: load: %w", err)
	}
	defer rows.Close()
	var out []workday.YearTable
	for rows.Next() {
		var (
			year               int
			prov               int64
			region, doc, pub   string
			date, kind, reason sql.NullString
		)
		if err := rows.Scan(&year, &region, &doc, &pub, &prov, &date, &kind, &reason); err != nil {
			return nil, fmt.Errorf("wdstore: load: %w", err)
		}
		if n := len(out); n == 0 || out[n-1].Year != year || out[n-1].Region != region {
			out = append(out, workday.YearTable{Year: year, Region: region, SourceDoc: doc, PublishedOn: pub, Provisional: prov != 0})
		}
		t := &out[len(out)-1]
		if !date.Valid {
			continue
		}
		d, err := workday.ParseDate(date.String)
		if err != nil {
			return nil, fmt.Errorf("wdstore: stored day of %d/%q: %w", year, region, err)
		}
		switch kind.String {
		case "holiday":
			t.Holidays = append(t.Holidays, d)
		case "makeup":
			t.MakeupDays = append(t.MakeupDays, d)
		default:
			return nil, fmt.Errorf("wdstore: stored day %s of %d/%q has kind %q", d, year, region, kind.String)
		}
		if reason.String != "" {
			if t.Names == nil {
				t.Names = map[workday.Date]string{}
			}
			t.Names[d] = reason.String
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("wdstore: load: %w", err)
	}
	return out, nil
}

// LoadOverrides returns every stored override by region and date.
func (s Store) LoadOverrides(ctx context.Context) ([]workday.Override, error) {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT region, date, kind, reason, source_doc
		FROM calendar_overrides ORDER BY region, date`)
	if err != nil {
		return nil, fmt.Errorf("wdstore: load overrides: %w", err)
	}
	defer rows.Close()
	var out []workday.Override
	for rows.Next() {
		var o workday.Override
		var date, kind string
		if err := rows.Scan(&o.Region, &date, &kind, &o.Reason, &o.SourceDoc); err != nil {
			return nil, fmt.Errorf("wdstore: load overrides: %w", err)
		}
		d, err := workday.ParseDate(date)
		if err != nil {
			return nil, fmt.Errorf("wdstore: stored override: %w", err)
		}
		o.Date, o.Kind = d, workday.OverrideKind(kind)
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("wdstore: load overrides: %w", err)
	}
	return out, nil
}

// Years lists the stored tables with who loaded them and when, newest year first.
func (s Store) Years(ctx context.Context) ([]YearInfo, error) {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT y.year, y.region, y.source_doc, y.published_on, y.provisional,
		y.loaded_by, y.loaded_at,
		(SELECT COUNT(*) FROM calendar_days d WHERE d.year = y.year AND d.region = y.region AND d.kind = 'holiday'),
		(SELECT COUNT(*) FROM calendar_days d WHERE d.year = y.year AND d.region = y.region AND d.kind = 'makeup')
		FROM calendar_years y ORDER BY y.year DESC, y.region`)
	if err != nil {
		return nil, fmt.Errorf("wdstore: years: %w", err)
	}
	defer rows.Close()
	var out []YearInfo
	for rows.Next() {
		var yi YearInfo
		var prov, at int64
		if err := rows.Scan(&yi.Year, &yi.Region, &yi.SourceDoc, &yi.PublishedOn, &prov, &yi.LoadedBy, &at,
			&yi.Holidays, &yi.MakeupDays); err != nil {
			return nil, fmt.Errorf("wdstore: years: %w", err)
		}
		yi.Provisional, yi.LoadedAt = prov != 0, time.UnixMilli(at)
		out = append(out, yi)
	}
	return out, rows.Err()
}

// Build returns the calendar of the built-in national tables with the stored tables and overrides
// layered on top: a stored table replaces a built-in one of the same year and region.
func (s Store) Build(ctx context.Context) (*workday.Calendar, error) {
	stored, err := s.LoadAll(ctx)
	if err != nil {
		return nil, err
	}
	ovs, err := s.LoadOverrides(ctx)
	if err != nil {
		return nil, err
	}
	// Stored tables come after the built-in ones, so a stored year replaces a built-in one.
	cal, err := workday.New(append(workday.Builtin(), stored...), ovs)
	if err != nil {
		return nil, fmt.Errorf("wdstore: build calendar: %w", err)
	}
	return cal, nil
}
