package db_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"onestamp/internal/platform/db"
	"onestamp/internal/platform/db/dbtest"
)

func TestTxCommitsAndRollsBack(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, "INSERT INTO settings(key, value, updated_at) VALUES ($1, $2, $3)", "a", "1", 1)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		boom := errors.New("boom")
		err = d.Tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, "INSERT INTO settings(key, value, updated_at) VALUES ($1, $2, $3)", "b", "2", 1); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("want boom, got %v", err)
		}
		var n int
		if err := d.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM settings").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Fatalf("rows after rollback = %d, want 1", n)
		}
		// A duplicate key is recognised on both engines.
		err = d.Tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, "INSERT INTO settings(key, value, updated_at) VALUES ($1, $2, $3)", "a", "x", 1)
			return err
		})
		if !db.IsUniqueViolation(err) {
			t.Fatalf("duplicate insert: want unique violation, got %v", err)
		}
	})
}

func TestMigrateIsIdempotent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		if err := d.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		p, err := d.Pending(context.Background())
		if err != nil || len(p) != 0 {
			t.Fatalf("pending after migrate = %v, %v", p, err)
		}
	})
}

func TestOpenRefusesMissingOrCorruptData(t *testing.T) {
	ctx := context.Background()
	if _, err := db.Open(ctx, filepath.Join(t.TempDir(), "nope", "x.db")); err == nil {
		t.Fatal("missing data directory: want error")
	}
	bad := filepath.Join(t.TempDir(), "bad.db")
	junk := make([]byte, 8192)
	copy(junk, "SQLite format 3\x00")
	for i := 100; i < len(junk); i++ {
		junk[i] = byte(i * 7)
	}
	os.WriteFile(bad, junk, 0o600)
	if d, err := db.Open(ctx, bad); err == nil {
		d.Close()
		t.Fatal("corrupt file: want error")
	}
}

func TestOpenRefusesUnreachablePostgres(t *testing.T) {
	ctx := context.Background()
	_, err := db.Open(ctx, "postgres://nobody@127.0.0.1:1/none?connect_timeout=2")
	if err == nil {
		t.Fatal("want error for unreachable postgres")
	}
}

func TestSplitStatements(t *testing.T) {
	got := db.SplitStatements("-- c\nCREATE TABLE a (x INT);\n\nCREATE INDEX i ON a(x);\n")
	if len(got) != 2 || got[1] != "CREATE INDEX i ON a(x)" {
		t.Fatalf("got %q", got)
	}
}

func TestBackupWhileWritingAndRestore(t *testing.T) {
	ctx := context.Background()
	d := dbtest.SQLite(t)
	for i := 0; i < 100; i++ {
		if _, err := d.Write().ExecContext(ctx, "INSERT INTO settings(key, value, updated_at) VALUES ($1, 'v', 1)", "k"+string(rune('a'+i%26))+string(rune('a'+i/26))); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan struct{})
	go func() { // a writer keeps going during the backup
		defer close(done)
		for i := 0; i < 200; i++ {
			d.Write().ExecContext(ctx, "UPDATE settings SET updated_at = updated_at + 1")
		}
	}()
	dir := t.TempDir()
	bak := filepath.Join(dir, "b.db")
	if err := d.Backup(ctx, bak); err != nil {
		t.Fatal(err)
	}
	<-done
	if err := d.Backup(ctx, bak); err == nil {
		t.Fatal("backup over an existing file: want error")
	}
	target := filepath.Join(t.TempDir(), "onestamp.db")
	if err := db.Restore(ctx, bak, target); err != nil {
		t.Fatal(err)
	}
	if err := db.Restore(ctx, bak, target); err == nil {
		t.Fatal("restore over an existing database: want error")
	}
	r, err := db.Open(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var n int
	r.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM settings").Scan(&n)
	if n != 100 {
		t.Fatalf("restored rows = %d, want 100", n)
	}
}

func TestFailedMigrationLeavesNothingHalfDone(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		err := d.Apply(ctx, []db.Migration{{Version: "9990_good", SQL: "CREATE TABLE m_good (x INTEGER);"},
			{Version: "9991_bad", SQL: "CREATE TABLE m_half (x INTEGER);\nCREATE TABLE m_half (x INTEGER);"}})
		if err == nil || !strings.Contains(err.Error(), "9991_bad") {
			t.Fatalf("want an error naming 9991_bad, got %v", err)
		}
		var n int
		d.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM m_good").Scan(&n)
		if _, err := d.Read.ExecContext(ctx, "SELECT COUNT(*) FROM m_half"); err == nil {
			t.Fatal("the failed migration's first statement was kept")
		}
		var v int
		d.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_migrations WHERE version = '9991_bad'").Scan(&v)
		if v != 0 {
			t.Fatal("the failed migration was recorded as applied")
		}
	})
}

func TestSQLitePathWithURICharacters(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "a#b?c%d")
	os.MkdirAll(dir, 0o700)
	d, err := db.Open(ctx, filepath.Join(dir, "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "x.db")); err != nil {
		t.Fatalf("database not created where asked: %v", err)
	}
}
