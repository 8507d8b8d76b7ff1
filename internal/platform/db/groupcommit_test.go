package db_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"onestamp/internal/platform/db/dbtest"
)

// Transactions that share a commit on SQLite must still behave as transactions of their own:
// a failing one leaves nothing behind while the others of its group commit, a panic reaches its
// own caller, and every caller hears its own outcome.
func TestGroupCommitKeepsTransactionsApart(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	if _, err := d.Write().ExecContext(ctx, "CREATE TABLE gc (k INTEGER PRIMARY KEY, v TEXT NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	const n = 400
	var wg sync.WaitGroup
	errsOf := make([]error, n)
	panics := make([]any, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { panics[i] = recover() }()
			errsOf[i] = d.Tx(ctx, func(tx *sql.Tx) error {
				// Two writes, so that a failure after the first must undo it.
				if _, err := tx.ExecContext(ctx, "INSERT INTO gc (k, v) VALUES ($1, $2)", i, "a"); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, "UPDATE gc SET v = $1 WHERE k = $2", fmt.Sprint("v", i), i); err != nil {
					return err
				}
				switch i % 10 {
				case 3:
					return boom
				case 7:
					panic(fmt.Sprint("panic ", i))
				case 5:
					// A constraint error inside the transaction, handled by the caller's code.
					_, err := tx.ExecContext(ctx, "INSERT INTO gc (k, v) VALUES ($1, $2)", i, "dup")
					return err
				}
				return nil
			})
		}()
	}
	wg.Wait()
	rows, err := d.Read.QueryContext(ctx, "SELECT k, v FROM gc ORDER BY k")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[int]string{}
	for rows.Next() {
		var k int
		var v string
		if err := rows.Scan(&k, &v); err != nil {
			t.Fatal(err)
		}
		got[k] = v
	}
	for i := range n {
		v, stored := got[i]
		switch i % 10 {
		case 3:
			if !errors.Is(errsOf[i], boom) || stored {
				t.Errorf("%d: err %v, stored %v: want boom and nothing stored", i, errsOf[i], stored)
			}
		case 7:
			if panics[i] != fmt.Sprint("panic ", i) || stored {
				t.Errorf("%d: panic %v, stored %v: want its own panic and nothing stored", i, panics[i], stored)
			}
		case 5:
			if errsOf[i] == nil || stored {
				t.Errorf("%d: err %v, stored %v: want the constraint error and nothing stored", i, errsOf[i], stored)
			}
		default:
			if errsOf[i] != nil || panics[i] != nil || v != fmt.Sprint("v", i) {
				t.Errorf("%d: err %v, panic %v, value %q: want committed", i, errsOf[i], panics[i], v)
			}
		}
	}
}

// A caller whose context has ended before its turn is answered with that, and writes nothing.
func TestGroupCommitCancelledBeforeItsTurn(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ran := false
	err := d.Tx(ctx, func(tx *sql.Tx) error { ran = true; return nil })
	if !errors.Is(err, context.Canceled) || ran {
		t.Fatalf("err %v, ran %v", err, ran)
	}
}

// A transaction function that ends its goroutine (t.Fatal inside a transaction) must not take
// the writer with it: its caller hears an error and later transactions still run.
func TestGroupCommitSurvivesGoexit(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	err := d.Tx(ctx, func(tx *sql.Tx) error { runtime.Goexit(); return nil })
	if err == nil {
		t.Fatal("no error from a transaction whose function ended its goroutine")
	}
	if err := d.Tx(ctx, func(tx *sql.Tx) error { return nil }); err != nil {
		t.Fatalf("the writer did not survive: %v", err)
	}
}
