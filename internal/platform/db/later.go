package db

import (
	"context"
	"database/sql/driver"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Write-behind inside PostgreSQL transactions. Each statement is a round trip to the server,
// and on a busy machine the round trips, not the statements, are what PostgreSQL spends its
// time on. A statement whose answer nobody reads (an insert into a history, an audit record,
// an outbox event) may be marked with Later: inside a transaction the connection then keeps it
// and sends it together with the next statement, or with the commit, in one round trip (a pgx
// batch). Nothing changes for the transaction as a whole: the statements run in the order they
// were issued, and if one of them fails, the statement or the commit that sent it reports the
// error and the transaction does not commit. On SQLite, and outside a transaction, Later
// changes nothing.

type laterKey struct{}

// Later marks ctx for statements whose result is not read. The sql.Result such a statement
// returns inside a PostgreSQL transaction knows nothing (RowsAffected fails).
func Later(ctx context.Context) context.Context { return context.WithValue(ctx, laterKey{}, true) }

func isLater(ctx context.Context) bool { v, _ := ctx.Value(laterKey{}).(bool); return v }

type pendingStmt struct {
	sql  string
	args []any
}

var errDeferred = errors.New("db: the statement was sent later; its result is unknown")

type deferredResult struct{}

func (deferredResult) LastInsertId() (int64, error) { return 0, errDeferred }
func (deferredResult) RowsAffected() (int64, error) { return 0, errDeferred }

// pgxConn is the pgx connection under a wrapped stdlib connection, nil on SQLite.
func (c *conn) pgxConn() *pgx.Conn {
	if sc, ok := c.Conn.(*stdlib.Conn); ok {
		return sc.Conn()
	}
	return nil
}

// defer keeps an exec for later when it may be; it reports whether it did.
func (c *conn) deferExec(ctx context.Context, query string, args []driver.NamedValue) bool {
	if !c.inTx || !isLater(ctx) || c.pgxConn() == nil {
		return false
	}
	vals := make([]any, len(args))
	for i, a := range args {
		vals[i] = a.Value
	}
	c.pending = append(c.pending, pendingStmt{sql: query, args: vals})
	return true
}

// flush sends the statements kept for later, and then exec (when not empty) in the same round
// trip, returning exec's result.
func (c *conn) flush(ctx context.Context, exec string, args []driver.NamedValue) (driver.Result, error) {
	if len(c.pending) == 0 {
		return nil, nil
	}
	b := &pgx.Batch{}
	for _, p := range c.pending {
		b.Queue(p.sql, p.args...)
	}
	n := len(c.pending)
	c.pending = c.pending[:0]
	if exec != "" {
		vals := make([]any, len(args))
		for i, a := range args {
			vals[i] = a.Value
		}
		b.Queue(exec, vals...)
	}
	br := c.pgxConn().SendBatch(ctx, b)
	var res driver.Result
	for i := 0; i < b.Len(); i++ {
		tag, err := br.Exec()
		if err != nil {
			br.Close()
			return nil, err
		}
		if i == n {
			if exec == "COMMIT" {
				res = commitResult{tag: tag.String()}
			} else {
				res = driver.RowsAffected(tag.RowsAffected())
			}
		}
	}
	return res, br.Close()
}

// laterTx flushes what is pending before the commit and forgets it on a rollback.
type laterTx struct {
	driver.Tx
	c *conn
}

// Commit sends what is pending and the COMMIT in one round trip. (The pgx transaction object
// is then left alone: the connection is idle again, which is all the driver checks.)
func (t *laterTx) Commit() error {
	t.c.inTx = false
	if len(t.c.pending) == 0 {
		return t.Tx.Commit()
	}
	res, err := t.c.flush(context.Background(), "COMMIT", nil)
	if err != nil {
		// The transaction failed on the server; the COMMIT behind the failure ended it.
		if pc := t.c.pgxConn(); pc != nil && pc.PgConn().TxStatus() != 'I' {
			pc.Exec(context.Background(), "ROLLBACK")
		}
		return err
	}
	if r, ok := res.(commitResult); ok && r.tag != "COMMIT" {
		return errors.New("db: the transaction was rolled back on commit")
	}
	return nil
}

func (t *laterTx) Rollback() error {
	t.c.inTx = false
	t.c.pending = t.c.pending[:0]
	return t.Tx.Rollback()
}

// commitResult is the outcome of a COMMIT sent in a batch: "ROLLBACK" when the server had
// already abandoned the transaction.
type commitResult struct{ tag string }

func (commitResult) LastInsertId() (int64, error) { return 0, errDeferred }
func (commitResult) RowsAffected() (int64, error) { return 0, errDeferred }

// flushingStmt is a prepared statement on PostgreSQL: what is pending goes before it runs, so
// that statements keep their order.
type flushingStmt struct {
	driver.Stmt
	c *conn
}

func (s *flushingStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	if _, err := s.c.flush(ctx, "", nil); err != nil {
		return nil, err
	}
	return s.Stmt.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (s *flushingStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	if _, err := s.c.flush(ctx, "", nil); err != nil {
		return nil, err
	}
	return s.Stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
}
