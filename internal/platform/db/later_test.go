package db_test

import (
	"context"
	"database/sql"
	"testing"

	"onestamp/internal/platform/db"
	"onestamp/internal/platform/db/dbtest"
)

// Statements sent later must behave as if sent at once: seen by the next query of the same
// transaction, in order, undone by a rollback, and a failure among them fails the transaction.
func TestLaterStatementsKeepTransactionSemantics(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.Write().ExecContext(ctx, "CREATE TABLE lt (k INTEGER PRIMARY KEY, v TEXT NOT NULL)"); err != nil {
			t.Fatal(err)
		}
		count := func(q db.Q) int {
			var n int
			if err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM lt").Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		// Seen by the next query, in order (the update after the insert finds the row).
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			for k := 1; k <= 3; k++ {
				if _, err := tx.ExecContext(db.Later(ctx), "INSERT INTO lt (k, v) VALUES ($1, 'a')", k); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(db.Later(ctx), "UPDATE lt SET v = 'b' WHERE k = 2"); err != nil {
				return err
			}
			if n := count(tx); n != 3 {
				t.Errorf("the query after three later inserts saw %d rows", n)
			}
			// An exec that wants its answer gets it, with the later ones before it.
			if _, err := tx.ExecContext(db.Later(ctx), "INSERT INTO lt (k, v) VALUES (4, 'a')"); err != nil {
				return err
			}
			res, err := tx.ExecContext(ctx, "UPDATE lt SET v = 'c' WHERE k >= 3")
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n != 2 {
				t.Errorf("rows affected %d, %v: want 2", n, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var v string
		d.Read.QueryRowContext(ctx, "SELECT v FROM lt WHERE k = 2").Scan(&v)
		if count(d.Read) != 4 || v != "b" {
			t.Fatalf("after commit: %d rows, k=2 is %q", count(d.Read), v)
		}
		// A later statement that fails fails the transaction: nothing of it is stored.
		err = d.Tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(db.Later(ctx), "INSERT INTO lt (k, v) VALUES (10, 'x')"); err != nil {
				return err
			}
			_, err := tx.ExecContext(db.Later(ctx), "INSERT INTO lt (k, v) VALUES (1, 'duplicate')")
			return err
		})
		if err == nil || !db.IsUniqueViolation(err) {
			t.Fatalf("a failing later insert: got %v, want the unique violation", err)
		}
		if n := count(d.Read); n != 4 {
			t.Fatalf("after the failed transaction: %d rows, want 4", n)
		}
		// A rollback forgets what was kept for later.
		err = d.Tx(ctx, func(tx *sql.Tx) error {
			tx.ExecContext(db.Later(ctx), "INSERT INTO lt (k, v) VALUES (11, 'x')")
			return context.Canceled
		})
		if err == nil || count(d.Read) != 4 {
			t.Fatalf("rollback: err %v, %d rows", err, count(d.Read))
		}
		// A prepared statement runs after what was kept for later.
		err = d.Tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(db.Later(ctx), "INSERT INTO lt (k, v) VALUES (20, 'p')"); err != nil {
				return err
			}
			st, err := tx.PrepareContext(ctx, "UPDATE lt SET v = 'q' WHERE k = $1")
			if err != nil {
				return err
			}
			defer st.Close()
			res, err := st.ExecContext(ctx, 20)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				t.Errorf("the prepared update found %d rows, want the row inserted just before", n)
			}
			_, err = tx.ExecContext(ctx, "DELETE FROM lt WHERE k = 20")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		// The connection goes on working after all that.
		if err := d.Tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(db.Later(ctx), "INSERT INTO lt (k, v) VALUES (12, 'y')")
			return err
		}); err != nil || count(d.Read) != 5 {
			t.Fatalf("after a rollback: err %v, %d rows", err, count(d.Read))
		}
	})
}
