package db_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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

// On PostgreSQL a transaction's BEGIN travels with its first statement. A first statement that
// is a query comes back through another path than the driver's own: its values must scan the
// same, its errors must surface, and the transaction's options must hold.
func TestTransactionsBeginWithTheirFirstStatement(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.Write().ExecContext(ctx, `CREATE TABLE bt (k INTEGER PRIMARY KEY, big BIGINT, s TEXT, b BOOLEAN, r REAL)`); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Write().ExecContext(ctx, `INSERT INTO bt VALUES (1, 9007199254740993, '一章通', TRUE, 1.5), (2, NULL, '', FALSE, NULL)`); err != nil {
			t.Fatal(err)
		}
		const q = `SELECT k, big, s, b, r, COUNT(*) OVER (), SUM(big) OVER () FROM bt ORDER BY k`
		read := func(qr interface {
			QueryContext(context.Context, string, ...any) (*sql.Rows, error)
		}) [][]any {
			rows, err := qr.QueryContext(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var out [][]any
			for rows.Next() {
				var k, n int64
				var big sql.NullInt64
				var s string
				var b bool
				var r sql.NullFloat64
				var sum sql.NullString
				if err := rows.Scan(&k, &big, &s, &b, &r, &n, &sum); err != nil {
					t.Fatal(err)
				}
				out = append(out, []any{k, big, s, b, r, n, sum})
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			return out
		}
		want := read(d.Read)
		if want[0][1] != (sql.NullInt64{Int64: 9007199254740993, Valid: true}) || want[0][2] != "一章通" || want[0][3] != true ||
			want[1][4] != (sql.NullFloat64{}) || want[0][6] != (sql.NullString{String: "9007199254740993", Valid: true}) {
			t.Fatalf("outside a transaction: %v", want)
		}
		var got [][]any
		if err := d.Tx(ctx, func(tx *sql.Tx) error { got = read(tx); return nil }); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("first query of a transaction read\n%v\nwant\n%v", got, want)
		}

		// A failing first query fails the transaction and leaves the connection usable.
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			var n int
			return tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM no_such_table").Scan(&n)
		})
		if err == nil {
			t.Fatal("a query of a missing table succeeded")
		}
		// A transaction that runs nothing commits, and one that only writes later does too.
		if err := d.Tx(ctx, func(*sql.Tx) error { return nil }); err != nil {
			t.Fatal(err)
		}
		if err := d.Tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(db.Later(ctx), "INSERT INTO bt (k, s, b) VALUES (3, 'x', TRUE)")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := d.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM bt").Scan(&n); err != nil || n != 3 {
			t.Fatalf("%d rows after the later-only transaction: %v", n, err)
		}

		// A read-only transaction refuses a write.
		tx, err := d.Write().BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		_, err = tx.ExecContext(ctx, "DELETE FROM bt")
		tx.Rollback()
		if err == nil && d.Engine == db.Postgres {
			t.Fatal("a read-only transaction wrote")
		}
		if err := d.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM bt").Scan(&n); err != nil || (d.Engine == db.Postgres && n != 3) {
			t.Fatalf("%d rows after the read-only transaction: %v", n, err)
		}
	})
}

// After an error in a batch, the transaction is over on PostgreSQL: pgx may have sent nothing of
// the batch, not even its BEGIN, and the statements that follow must not run outside the
// transaction. Nothing of it remains after a rollback, on either engine.
func TestAFailedBatchDoomsTheTransaction(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.Write().ExecContext(ctx, "CREATE TABLE ft (k INTEGER PRIMARY KEY)"); err != nil {
			t.Fatal(err)
		}
		count := func() int {
			var n int
			if err := d.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM ft").Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		var after error
		run := func(fail bool) error {
			return d.Tx(ctx, func(tx *sql.Tx) error {
				if _, err := tx.ExecContext(db.Later(ctx), "INSERT INTO ft (k) VALUES (1)"); err != nil {
					return err
				}
				var n int
				_ = tx.QueryRowContext(ctx, "SELECT nope FROM ft").Scan(&n) // an unknown column: the error is ignored
				_, after = tx.ExecContext(ctx, "INSERT INTO ft (k) VALUES (2)")
				if fail {
					return errors.New("the caller gives up")
				}
				return nil
			})
		}
		if err := run(true); err == nil {
			t.Fatal("the transaction did not fail")
		}
		if n := count(); n != 0 {
			t.Fatalf("%d rows after a rolled-back transaction", n)
		}
		if d.Engine != db.Postgres {
			return
		}
		if after == nil {
			t.Error("a statement after the failed batch ran")
		}
		if err := run(false); err == nil {
			t.Fatal("a transaction whose batch failed committed")
		}
		if n := count(); n != 0 {
			t.Fatalf("%d rows after a doomed transaction's commit", n)
		}
		// The connection is fine afterwards.
		if err := d.Tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, "INSERT INTO ft (k) VALUES (3)")
			return err
		}); err != nil || count() != 1 {
			t.Fatalf("the next transaction: %v, %d rows", err, count())
		}
	})
}

// The first query of a PostgreSQL transaction reads through a batch: the column types the
// platform could meet read the same as through the stdlib driver.
func TestBatchRowsReadLikeTheDriver(t *testing.T) {
	d := dbtest.Postgres(t)
	ctx := context.Background()
	const q = `SELECT 1::int2, 2::int4, 3::int8, 1.5::float4, 2.5::float8, 12.30::numeric, true, 'x'::text,
		'\x0102'::bytea, DATE '2025-01-02', TIMESTAMPTZ '2025-01-02 03:04:05+08', '{"a": 1}'::jsonb,
		'6ba7b810-9dad-11d1-80b4-00c04fd430c8'::uuid, NULL::text`
	read := func(qr interface {
		QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	}) []any {
		rows, err := qr.QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		vals := make([]any, 14)
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if !rows.Next() {
			t.Fatal("no row")
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		return vals
	}
	want := read(d.Read)
	var got []any
	if err := d.Tx(ctx, func(tx *sql.Tx) error { got = read(tx); return nil }); err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if fmt.Sprintf("%T %v", got[i], got[i]) != fmt.Sprintf("%T %v", want[i], want[i]) {
			t.Errorf("column %d: %T %v through the batch, %T %v through the driver", i+1, got[i], got[i], want[i], want[i])
		}
	}
}
