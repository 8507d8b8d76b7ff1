package demo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"onestamp/internal/platform/db"
)

// Every SQL statement of the package. A step that has run is recorded in the platform's
// settings table under "demo.step.<name>", with the instant it ran.

func stepKey(name string) string { return "demo.step." + name }

func stepDone(ctx context.Context, d *db.DB, name string) (bool, error) {
	var v string
	err := d.Read.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = $1", stepKey(name)).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("demo: read step %s: %w", name, err)
	}
	return true, nil
}

func markDone(ctx context.Context, d *db.DB, name string, at time.Time) error {
	return d.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_by, updated_at)
			VALUES ($1, $2, 'demo', $3) ON CONFLICT (key) DO NOTHING`,
			stepKey(name), at.UTC().Format(time.RFC3339), at.UnixMilli())
		if err != nil {
			return fmt.Errorf("demo: record step %s: %w", name, err)
		}
		return nil
	})
}
