package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
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

// ErrDeferred is what a deferred statement's sql.Result answers: it was sent later, and its
// result is unknown.
var ErrDeferred = errors.New("db: the statement was sent later; its result is unknown")

type deferredResult struct{}

func (deferredResult) LastInsertId() (int64, error) { return 0, ErrDeferred }
func (deferredResult) RowsAffected() (int64, error) { return 0, ErrDeferred }

// pgxConn is the pgx connection under a wrapped stdlib connection, nil on SQLite.
func (c *conn) pgxConn() *pgx.Conn {
	if sc, ok := c.Conn.(*stdlib.Conn); ok {
		return sc.Conn()
	}
	return nil
}

// deferExec keeps an exec for later when it may be; it reports whether it did.
func (c *conn) deferExec(ctx context.Context, query string, args []driver.NamedValue) bool {
	if !c.inTx || !isLater(ctx) || c.pgxConn() == nil {
		return false
	}
	c.pending = append(c.pending, pendingStmt{sql: query, args: values(args)})
	return true
}

// values are the arguments as pgx takes them.
func values(args []driver.NamedValue) []any {
	vals := make([]any, len(args))
	for i, a := range args {
		vals[i] = a.Value
	}
	return vals
}

// pendingBatch starts a batch with the statements kept for later (the BEGIN among them), which
// it takes over, and says how many they are.
func (c *conn) pendingBatch() (*pgx.Batch, int) {
	b := &pgx.Batch{}
	for _, p := range c.pending {
		b.Queue(p.sql, p.args...)
	}
	n := len(c.pending)
	c.pending, c.beginPending = c.pending[:0], false
	return b, n
}

// sendBatch sends b and reads the answers of its first n statements (those that were pending);
// the caller reads the rest and closes the results. An error dooms the transaction.
func (c *conn) sendBatch(ctx context.Context, b *pgx.Batch, n int) (pgx.BatchResults, error) {
	br := c.pgxConn().SendBatch(ctx, b)
	for range n {
		if _, err := br.Exec(); err != nil {
			br.Close()
			return nil, c.doom(err)
		}
	}
	return br, nil
}

// flush sends the statements kept for later, and then exec (when not empty) in the same round
// trip, returning exec's result.
func (c *conn) flush(ctx context.Context, exec string, args []driver.NamedValue) (driver.Result, error) {
	if len(c.pending) == 0 {
		return nil, nil
	}
	b, n := c.pendingBatch()
	if exec != "" {
		b.Queue(exec, values(args)...)
	}
	br, err := c.sendBatch(ctx, b, n)
	if err != nil {
		return nil, err
	}
	if exec == "" {
		return nil, c.doom(br.Close())
	}
	tag, err := br.Exec()
	if err != nil {
		br.Close()
		return nil, c.doom(err)
	}
	var res driver.Result = driver.RowsAffected(tag.RowsAffected())
	if exec == "COMMIT" {
		res = commitResult{tag: tag.String()}
	}
	return res, c.doom(br.Close())
}

// doom marks the transaction failed after an error in a batch. The server may not have run the
// batch at all: pgx prepares new statements before it sends one, and a failure there runs
// nothing, not even the BEGIN or the statements kept for later. So, as PostgreSQL does after any
// error in a transaction, every further statement fails with the error, and the transaction can
// only roll back.
func (c *conn) doom(err error) error {
	if err != nil && c.inTx && c.txErr == nil {
		c.txErr = err
	}
	return err
}

// laterTx is a PostgreSQL transaction. Its BEGIN is not sent when the transaction starts: it
// waits in the pending statements and travels with the first statement, so that a transaction
// costs no round trip of its own. Commit sends what is pending with the COMMIT; a transaction
// that never reached the server ends without one.
type laterTx struct {
	c *conn
}

// beginSQL is the BEGIN statement for opts.
func beginSQL(opts driver.TxOptions) (string, error) {
	q := "BEGIN"
	switch sql.IsolationLevel(opts.Isolation) {
	case sql.LevelDefault:
	case sql.LevelReadUncommitted:
		q += " ISOLATION LEVEL READ UNCOMMITTED"
	case sql.LevelReadCommitted:
		q += " ISOLATION LEVEL READ COMMITTED"
	case sql.LevelRepeatableRead, sql.LevelSnapshot:
		q += " ISOLATION LEVEL REPEATABLE READ"
	case sql.LevelSerializable:
		q += " ISOLATION LEVEL SERIALIZABLE"
	default:
		return "", fmt.Errorf("db: isolation level %v is not supported", sql.IsolationLevel(opts.Isolation))
	}
	if opts.ReadOnly {
		q += " READ ONLY"
	}
	return q, nil
}

// Commit sends what is pending and the COMMIT in one round trip.
func (t *laterTx) Commit() error {
	c := t.c
	c.inTx = false
	if err := c.txErr; err != nil {
		// A batch failed: whatever the server holds of the transaction is rolled back.
		c.txErr, c.pending, c.beginPending = nil, c.pending[:0], false
		if pc := c.pgxConn(); pc.PgConn().TxStatus() != 'I' {
			pc.Exec(context.Background(), "ROLLBACK")
		}
		return err
	}
	if c.beginPending {
		// Nothing reached the server but, perhaps, statements kept for later.
		c.beginPending = false
		if len(c.pending) == 1 {
			c.pending = c.pending[:0]
			return nil
		}
	}
	res, err := c.flush(context.Background(), "COMMIT", nil)
	if err == nil && res == nil { // nothing was pending
		var tag pgconn.CommandTag
		tag, err = c.pgxConn().Exec(context.Background(), "COMMIT")
		res = commitResult{tag: tag.String()}
	}
	if err != nil {
		// The transaction failed on the server; the COMMIT behind the failure ended it.
		if pc := c.pgxConn(); pc != nil && pc.PgConn().TxStatus() != 'I' {
			pc.Exec(context.Background(), "ROLLBACK")
		}
		return err
	}
	if r, ok := res.(commitResult); ok && r.tag != "COMMIT" {
		return errors.New("db: the transaction was rolled back on commit")
	}
	return nil
}

// Rollback forgets what is pending and ends the transaction on the server, if it began there.
func (t *laterTx) Rollback() error {
	c := t.c
	c.inTx, c.txErr = false, nil
	c.pending = c.pending[:0]
	if c.beginPending {
		c.beginPending = false
		return nil
	}
	if c.pgxConn().PgConn().TxStatus() == 'I' {
		return nil // the BEGIN never ran (a batch that carried it failed before it ran)
	}
	_, err := c.pgxConn().Exec(context.Background(), "ROLLBACK")
	return err
}

// commitResult is the outcome of a COMMIT sent in a batch: "ROLLBACK" when the server had
// already abandoned the transaction.
type commitResult struct{ tag string }

func (commitResult) LastInsertId() (int64, error) { return 0, ErrDeferred }
func (commitResult) RowsAffected() (int64, error) { return 0, ErrDeferred }

// flushingStmt is a prepared statement on PostgreSQL: what is pending goes before it runs, so
// that statements keep their order.
type flushingStmt struct {
	driver.Stmt
	c *conn
}

func (s *flushingStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	if s.c.txErr != nil {
		return nil, s.c.txErr
	}
	if _, err := s.c.flush(ctx, "", nil); err != nil {
		return nil, err
	}
	return s.Stmt.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (s *flushingStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	if s.c.txErr != nil {
		return nil, s.c.txErr
	}
	if _, err := s.c.flush(ctx, "", nil); err != nil {
		return nil, err
	}
	return s.Stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
}

// queryWithPending sends what is pending and query in one round trip and returns query's rows.
func (c *conn) queryWithPending(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	b, n := c.pendingBatch()
	b.Queue(query, values(args)...)
	return c.batchQueries(ctx, b, n, 1)
}

// batchQueries sends b, whose first n statements were pending and whose last m are queries, and
// returns the queries' rows, the first of them current.
func (c *conn) batchQueries(ctx context.Context, b *pgx.Batch, n, m int) (driver.Rows, error) {
	br, err := c.sendBatch(ctx, b, n)
	if err != nil {
		return nil, err
	}
	r := &batchRows{br: br, left: m}
	if err := r.nextQuery(); err != nil {
		br.Close()
		return nil, c.doom(err)
	}
	return r, nil
}

// nextQuery reads the answer of the batch's next query, and its first row now, as the stdlib
// driver does: an error of the query shows here.
func (r *batchRows) nextQuery() error {
	rows, err := r.br.Query()
	r.left--
	if err != nil {
		return err
	}
	r.rows, r.cols, r.decode, r.first = rows, nil, nil, true
	r.more = rows.Next()
	if err := rows.Err(); err != nil {
		rows.Close()
		return err
	}
	return nil
}

// batchRows are the rows of a query sent in a batch, as database/sql wants them: the values in
// the types the stdlib driver gives (int64, float64, bool, string, []byte, time.Time).
type batchRows struct {
	rows        pgx.Rows
	br          pgx.BatchResults
	left        int // queries of the batch not yet read
	first, more bool
	cols        []string
	decode      []func([]byte) (driver.Value, error)
}

func (r *batchRows) Columns() []string {
	if r.cols == nil {
		fds := r.rows.FieldDescriptions()
		r.cols = make([]string, len(fds))
		for i, fd := range fds {
			r.cols[i] = fd.Name
		}
	}
	return r.cols
}

func (r *batchRows) Close() error {
	r.rows.Close()
	err := r.rows.Err()
	if cerr := r.br.Close(); err == nil {
		err = cerr
	}
	return err
}

func (r *batchRows) Next(dest []driver.Value) error {
	more := r.more
	if r.first {
		r.first = false
	} else {
		more = r.rows.Next()
	}
	if !more {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return io.EOF
	}
	if r.decode == nil {
		r.decode = valueDecoders(r.rows.Conn().TypeMap(), r.rows.FieldDescriptions())
	}
	for i, raw := range r.rows.RawValues() {
		if raw == nil {
			dest[i] = nil
			continue
		}
		v, err := r.decode[i](raw)
		if err != nil {
			return fmt.Errorf("db: column %s: %w", r.Columns()[i], err)
		}
		dest[i] = v
	}
	return nil
}

// valueDecoders turn a row's raw values into what the stdlib driver gives database/sql for the
// same column types: bool, []byte, int64, float64, time.Time (dates and timestamps) and, for
// every other type, the value as a string. (The stdlib driver asks the server for text in those
// other types, a batch cannot: a type whose binary form pgx renders differently from the server's
// text, an interval say, would read differently here. The schema uses none.)
func valueDecoders(m *pgtype.Map, fds []pgconn.FieldDescription) []func([]byte) (driver.Value, error) {
	out := make([]func([]byte) (driver.Value, error), len(fds))
	for i, fd := range fds {
		oid, format := fd.DataTypeOID, fd.Format
		switch oid {
		case pgtype.BoolOID:
			out[i] = decodeAs[bool](m, oid, format, func(v bool) driver.Value { return v })
		case pgtype.ByteaOID, pgtype.JSONOID, pgtype.JSONBOID, pgtype.XMLOID:
			out[i] = decodeAs[[]byte](m, oid, format, func(v []byte) driver.Value { return v })
		case pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID:
			out[i] = decodeAs[int64](m, oid, format, func(v int64) driver.Value { return v })
		case pgtype.Float4OID, pgtype.Float8OID:
			out[i] = decodeAs[float64](m, oid, format, func(v float64) driver.Value { return v })
		case pgtype.DateOID, pgtype.TimestampOID, pgtype.TimestamptzOID:
			out[i] = decodeAs[time.Time](m, oid, format, func(v time.Time) driver.Value { return v })
		default:
			out[i] = decodeAs[string](m, oid, format, func(v string) driver.Value { return v })
		}
	}
	return out
}

func decodeAs[T any](m *pgtype.Map, oid uint32, format int16, wrap func(T) driver.Value) func([]byte) (driver.Value, error) {
	var v T
	plan := m.PlanScan(oid, format, &v)
	return func(src []byte) (driver.Value, error) {
		if err := plan.Scan(src, &v); err != nil {
			return nil, err
		}
		return wrap(v), nil
	}
}
