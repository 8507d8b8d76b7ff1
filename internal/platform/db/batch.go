package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
)

// Several queries in one round trip. A transaction often begins by reading a few things it
// already knows how to find: the row it will change, its children, the head of an audit chain.
// QueryBatch sends such queries together: on PostgreSQL as one pgx batch (with the transaction's
// BEGIN and anything kept for later, later.go), on SQLite one after another on the same
// connection. The answers come back as the result sets of one *sql.Rows, in order: read the
// first, then rows.NextResultSet() moves to the next.

// Stmt is one query of a batch.
type Stmt struct {
	SQL  string
	Args []any
}

// batchQuery is the query text QueryBatch passes down; the statements travel as its argument.
const batchQuery = "-- onestamp batch"

type batchArg []Stmt

// QueryBatch runs stmts as described above. Each statement must return rows (a SELECT, or a
// statement with RETURNING).
func QueryBatch(ctx context.Context, q Q, stmts ...Stmt) (*sql.Rows, error) {
	if len(stmts) == 0 {
		return nil, errors.New("db: an empty batch")
	}
	return q.QueryContext(ctx, batchQuery, batchArg(stmts))
}

// queryBatch serves QueryBatch on a connection.
func (c *conn) queryBatch(ctx context.Context, stmts batchArg) (driver.Rows, error) {
	for _, s := range stmts {
		c.record(ctx, s.SQL, namedValues(s.Args), true)
	}
	if c.pgxConn() == nil {
		r := &seqRows{c: c, ctx: ctx, stmts: stmts}
		if err := r.open(); err != nil {
			return nil, err
		}
		return r, nil
	}
	b, n := c.pendingBatch()
	for _, s := range stmts {
		b.Queue(s.SQL, s.Args...)
	}
	return c.batchQueries(ctx, b, n, len(stmts))
}

func namedValues(args []any) []driver.NamedValue {
	out := make([]driver.NamedValue, len(args))
	for i, a := range args {
		out[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
	}
	return out
}

// HasNextResultSet and NextResultSet move a batch's rows to the next query's answer.
func (r *batchRows) HasNextResultSet() bool { return r.left > 0 }

func (r *batchRows) NextResultSet() error {
	if r.left == 0 {
		return io.EOF
	}
	r.rows.Close()
	if err := r.rows.Err(); err != nil {
		return err
	}
	return r.nextQuery()
}

// seqRows runs a batch's statements one after another on SQLite, each when its turn comes.
type seqRows struct {
	c     *conn
	ctx   context.Context
	stmts batchArg
	cur   driver.Rows
}

func (r *seqRows) open() error {
	s := r.stmts[0]
	r.stmts = r.stmts[1:]
	args := namedValues(s.Args)
	for i := range args {
		// What database/sql would have done to an argument of its own.
		v, err := driver.DefaultParameterConverter.ConvertValue(args[i].Value)
		if err != nil {
			return err
		}
		args[i].Value = v
	}
	cur, err := r.c.runQuery(r.ctx, s.SQL, args)
	if err != nil {
		return err
	}
	r.cur = cur
	return nil
}

func (r *seqRows) Columns() []string              { return r.cur.Columns() }
func (r *seqRows) Next(dest []driver.Value) error { return r.cur.Next(dest) }
func (r *seqRows) HasNextResultSet() bool         { return len(r.stmts) > 0 }

func (r *seqRows) NextResultSet() error {
	if len(r.stmts) == 0 {
		return io.EOF
	}
	err := r.cur.Close()
	r.cur = nil
	if err != nil {
		return err
	}
	return r.open()
}

func (r *seqRows) Close() error {
	if r.cur == nil {
		return nil
	}
	err := r.cur.Close()
	r.cur = nil
	return err
}
