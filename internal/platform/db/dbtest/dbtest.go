// Package dbtest gives a test a fresh, migrated database on each engine: always SQLite (a file in
// the test's temporary directory) and, when ONESTAMP_TEST_POSTGRES_URL is set, PostgreSQL (a new
// schema, dropped at the end).
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"onestamp/internal/platform/db"
)

// EnvPostgres names the variable that holds the PostgreSQL URL for tests.
const EnvPostgres = "ONESTAMP_TEST_POSTGRES_URL"

// Each runs fn as a subtest on every available engine, each with a fresh migrated database.
func Each(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	if os.Getenv(EnvPostgres) != "" {
		t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
	}
}

// SQLite returns a fresh migrated SQLite database in t's temporary directory.
func SQLite(t testing.TB) *db.DB {
	t.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	if err := d.Migrate(ctx); err != nil {
		t.Fatalf("migrate sqlite: %v", err)
	}
	return d
}

// Postgres returns a fresh migrated PostgreSQL schema, or skips when no server is configured.
func Postgres(t testing.TB) *db.DB {
	t.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		t.Skip(EnvPostgres + " is not set")
	}
	u, schema := NewSchema(t, base)
	ctx := context.Background()
	d, err := db.Open(ctx, u)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	if err := d.Migrate(ctx); err != nil {
		t.Fatalf("migrate postgres (%s): %v", schema, err)
	}
	return d
}

// NewSchema creates an empty schema on the server at base and returns a URL whose connections use
// it; the schema is dropped when t ends.
func NewSchema(t testing.TB, base string) (string, string) {
	t.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer a.Close()
		a.Exec("DROP SCHEMA " + schema + " CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("bad %s: %v", EnvPostgres, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), schema
}

// Snapshot returns a copy of d as it is now, as a database of its own: a backup file on SQLite,
// a new schema with every row copied on PostgreSQL. Benchmarks replay recorded work on it.
func Snapshot(t testing.TB, d *db.DB) *db.DB {
	t.Helper()
	ctx := context.Background()
	if d.Engine == db.SQLite {
		p := filepath.Join(t.TempDir(), "snapshot.db")
		if err := d.Backup(ctx, p); err != nil {
			t.Fatalf("snapshot: %v", err)
		}
		s, err := db.Open(ctx, p)
		if err != nil {
			t.Fatalf("open snapshot: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	var from string
	if err := d.Read.QueryRowContext(ctx, "SELECT current_schema()").Scan(&from); err != nil {
		t.Fatal(err)
	}
	s := Postgres(t)
	var to string
	if err := s.Read.QueryRowContext(ctx, "SELECT current_schema()").Scan(&to); err != nil {
		t.Fatal(err)
	}
	err := s.Tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT table_name FROM information_schema.tables
			WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY table_name`, from)
		if err != nil {
			return err
		}
		var tables []string
		for rows.Next() {
			var n string
			rows.Scan(&n)
			tables = append(tables, n)
		}
		rows.Close()
		// Copy in any order: foreign keys are not checked while replicating.
		if _, err := tx.ExecContext(ctx, "SET LOCAL session_replication_role = replica"); err != nil {
			return err
		}
		for _, n := range tables {
			if _, err := tx.ExecContext(ctx, "DELETE FROM "+to+"."+n); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO "+to+"."+n+" SELECT * FROM "+from+"."+n); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "ANALYZE "+to+"."+n); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("snapshot %s: %v", from, err)
	}
	return s
}
