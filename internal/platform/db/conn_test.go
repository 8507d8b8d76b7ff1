package db_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	"onestamp/internal/platform/db/dbtest"
)

// The SQLite statement cache must be invisible: a nested query with the same text while the
// outer one is being read, more distinct statements than the cache holds, and a schema change
// under a cached statement all give the same answers as without a cache.
func TestStatementCacheIsInvisible(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "CREATE TABLE sc (k INTEGER PRIMARY KEY, v TEXT)"); err != nil {
			return err
		}
		for i := 1; i <= 5; i++ {
			if _, err := tx.ExecContext(ctx, "INSERT INTO sc (k, v) VALUES ($1, $2)", i, fmt.Sprint("v", i)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	const q = "SELECT k, v FROM sc WHERE k >= $1 ORDER BY k"
	// Nested: the inner query runs while the outer one's rows are open on the same connection.
	err = d.Tx(ctx, func(tx *sql.Tx) error {
		outer, err := tx.QueryContext(ctx, q, 1)
		if err != nil {
			return err
		}
		defer outer.Close()
		var pairs int
		for outer.Next() {
			var k int
			var v string
			if err := outer.Scan(&k, &v); err != nil {
				return err
			}
			inner, err := tx.QueryContext(ctx, q, k)
			if err != nil {
				return err
			}
			n := 0
			for inner.Next() {
				n++
			}
			inner.Close()
			if n != 6-k {
				t.Errorf("inner query from %d: %d rows, want %d", k, n, 6-k)
			}
			pairs++
		}
		if pairs != 5 {
			t.Errorf("outer query: %d rows, want 5", pairs)
		}
		return outer.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	// More distinct statements than the cache keeps: each still answers its own question.
	for i := range 1200 {
		var got int
		if err := d.Read.QueryRowContext(ctx, fmt.Sprintf("SELECT %d + k FROM sc WHERE k = $1", i), 1).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != i+1 {
			t.Fatalf("statement %d answered %d", i, got)
		}
	}
	// A schema change under a cached statement: the statement sees the new column.
	var v string
	if err := d.Write().QueryRowContext(ctx, "SELECT * FROM sc WHERE k = $1", 2).Scan(new(int), &v); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Write().ExecContext(ctx, "ALTER TABLE sc ADD COLUMN w TEXT NOT NULL DEFAULT 'w'"); err != nil {
		t.Fatal(err)
	}
	var w string
	if err := d.Write().QueryRowContext(ctx, "SELECT * FROM sc WHERE k = $1", 2).Scan(new(int), &v, &w); err != nil {
		t.Fatalf("cached statement after ALTER TABLE: %v", err)
	}
	if v != "v2" || w != "w" {
		t.Errorf("after ALTER TABLE: %q %q", v, w)
	}
}
