package db_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	"onestamp/internal/platform/db"
	"onestamp/internal/platform/db/dbtest"
)

// A batch answers each of its queries in order, inside a transaction after what was kept for
// later, and outside one; a failing query fails the batch.
func TestQueryBatch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.Write().ExecContext(ctx, "CREATE TABLE qb (k INTEGER PRIMARY KEY, v TEXT NOT NULL)"); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Write().ExecContext(ctx, "INSERT INTO qb VALUES (1, 'a'), (2, 'b'), (3, 'c')"); err != nil {
			t.Fatal(err)
		}
		read := func(q db.Q) [][]string {
			rows, err := db.QueryBatch(ctx, q,
				db.Stmt{SQL: "SELECT v FROM qb WHERE k >= $1 ORDER BY k", Args: []any{2}},
				db.Stmt{SQL: "SELECT v FROM qb WHERE k = $1", Args: []any{int64(9)}},
				db.Stmt{SQL: "SELECT v || $2 FROM qb WHERE k = $1", Args: []any{1, "!"}})
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var sets [][]string
			for {
				set := []string{}
				for rows.Next() {
					var v string
					if err := rows.Scan(&v); err != nil {
						t.Fatal(err)
					}
					set = append(set, v)
				}
				sets = append(sets, set)
				if !rows.NextResultSet() {
					break
				}
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			return sets
		}
		want := "[[b c] [] [a!]]"
		if got := fmt.Sprint(read(d.Read)); got != want {
			t.Fatalf("outside a transaction: %s, want %s", got, want)
		}
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(db.Later(ctx), "UPDATE qb SET v = 'B' WHERE k = 2"); err != nil {
				return err
			}
			if got := fmt.Sprint(read(tx)); got != "[[B c] [] [a!]]" {
				t.Errorf("after a later update: %s", got)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		err = d.Tx(ctx, func(tx *sql.Tx) error {
			rows, err := db.QueryBatch(ctx, tx, db.Stmt{SQL: "SELECT v FROM qb"}, db.Stmt{SQL: "SELECT v FROM no_such_table"})
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
			}
			for rows.NextResultSet() {
				for rows.Next() {
				}
			}
			return rows.Err()
		})
		if err == nil {
			t.Fatal("a batch with a missing table succeeded")
		}
	})
}
