package db

import (
	"container/list"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"reflect"

	"github.com/jackc/pgx/v5/stdlib"
	"modernc.org/sqlite"
)

// SQLite compiles every statement it runs; database/sql prepares a statement only when asked,
// so a plain ExecContext or QueryContext parses and plans its SQL on every call. On the
// transition path that parsing was a third of the CPU. The SQLite pools therefore keep, per
// connection, the compiled form of the statements it has seen (a bounded LRU keyed by the SQL
// text) and runs later calls on it. Every store benefits without knowing.
//
// A statement whose rows are still open is busy: a second query with the same text while the
// first is being read (a nested loop) is compiled afresh and not cached. SQLite re-prepares a
// cached statement by itself after a schema change.

// stmtCacheSize bounds the statements kept per connection; the platform's fixed statements are
// a few hundred, and dynamic ones (filters, multi-row inserts) fall out of the LRU.
const stmtCacheSize = 512

// connector opens the connections of one pool: modernc's or pgx's, wrapped in a conn that keeps
// the statement cache (SQLite only: pgx caches prepared statements itself) and feeds the
// recorder (benchmarks).
type connector struct {
	base          driver.Connector
	cache         bool
	uncancellable bool
	rec           *recorder
}

func (c *connector) Connect(ctx context.Context) (driver.Conn, error) {
	bc, err := c.base.Connect(ctx)
	if err != nil {
		return nil, err
	}
	w := &conn{Conn: bc, rec: c.rec, uncancellable: c.uncancellable}
	if c.cache {
		w.lru, w.byText = list.New(), map[string]*list.Element{}
	}
	return w, nil
}

func (c *connector) Driver() driver.Driver { return c.base.Driver() }

// dsnConnector is a connector for a driver that only opens by name (modernc).
type dsnConnector struct {
	d   driver.Driver
	dsn string
}

func (c dsnConnector) Connect(context.Context) (driver.Conn, error) { return c.d.Open(c.dsn) }
func (c dsnConnector) Driver() driver.Driver                        { return c.d }

func openSQLitePool(dsn string, writer bool, rec *recorder) *sql.DB {
	d := &sqlite.Driver{}
	return sql.OpenDB(&connector{base: dsnConnector{d: d, dsn: dsn}, cache: true, uncancellable: writer, rec: rec})
}

func openPostgresPool(u string, rec *recorder) (*sql.DB, error) {
	d := stdlib.GetDefaultDriver()
	base, err := d.(driver.DriverContext).OpenConnector(u)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(&connector{base: base, rec: rec}), nil
}

// conn wraps one driver connection. database/sql uses a connection from one goroutine at a
// time, so neither the cache nor the transaction being recorded needs a lock.
type conn struct {
	driver.Conn
	lru    *list.List // of *cachedStmt, most recently used first; nil: no cache
	byText map[string]*list.Element
	rec    *recorder
	cur    *RecordedTx // the transaction being recorded
	// uncancellable: statements run without their context's cancellation. For SQLite's writer:
	// its statements are short, and a cancellable context costs modernc a watcher goroutine and
	// a progress handler on every statement.
	uncancellable bool
	inTx          bool          // PostgreSQL: a transaction is open (later.go)
	pending       []pendingStmt // PostgreSQL: statements kept for later (later.go)
	beginPending  bool          // PostgreSQL: the transaction's BEGIN is still in pending
	txErr         error         // PostgreSQL: a batch of this transaction failed (later.go, doom)
}

type cachedStmt struct {
	text string
	st   driver.Stmt
	busy bool // rows open
}

type stmtExecQuery interface {
	driver.StmtExecContext
	driver.StmtQueryContext
}

// get returns the cached statement for text, compiling and caching it when absent; nil (and no
// error) when the cached one is busy, so the caller runs the text uncached.
func (c *conn) get(ctx context.Context, text string) (*cachedStmt, error) {
	if el, ok := c.byText[text]; ok {
		cs := el.Value.(*cachedStmt)
		if cs.busy {
			return nil, nil
		}
		c.lru.MoveToFront(el)
		return cs, nil
	}
	st, err := c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, text)
	if err != nil {
		return nil, err
	}
	if _, ok := st.(stmtExecQuery); !ok {
		st.Close()
		return nil, nil
	}
	cs := &cachedStmt{text: text, st: st}
	c.byText[text] = c.lru.PushFront(cs)
	for c.lru.Len() > stmtCacheSize {
		c.evict(c.lru.Back())
	}
	return cs, nil
}

func (c *conn) evict(el *list.Element) {
	for ; el != nil; el = el.Prev() {
		cs := el.Value.(*cachedStmt)
		if cs.busy {
			continue
		}
		c.lru.Remove(el)
		delete(c.byText, cs.text)
		cs.st.Close()
		return
	}
}

func (c *conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if c.txErr != nil {
		return nil, c.txErr
	}
	c.record(ctx, query, args, false)
	if c.uncancellable {
		ctx = context.WithoutCancel(ctx)
	}
	if c.deferExec(ctx, query, args) {
		return deferredResult{}, nil
	}
	if len(c.pending) > 0 {
		return c.flush(ctx, query, args)
	}
	if c.lru == nil {
		return c.Conn.(driver.ExecerContext).ExecContext(ctx, query, args)
	}
	cs, err := c.get(ctx, query)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return c.Conn.(driver.ExecerContext).ExecContext(ctx, query, args)
	}
	return cs.st.(stmtExecQuery).ExecContext(ctx, args)
}

func (c *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if c.txErr != nil {
		return nil, c.txErr
	}
	if c.uncancellable {
		ctx = context.WithoutCancel(ctx)
	}
	if query == batchQuery && len(args) == 1 {
		if stmts, ok := args[0].Value.(batchArg); ok {
			return c.queryBatch(ctx, stmts)
		}
	}
	c.record(ctx, query, args, true)
	if len(c.pending) > 0 {
		return c.queryWithPending(ctx, query, args)
	}
	return c.runQuery(ctx, query, args)
}

// runQuery runs a query on the driver, through the statement cache when there is one.
func (c *conn) runQuery(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if c.lru == nil {
		return c.Conn.(driver.QueryerContext).QueryContext(ctx, query, args)
	}
	cs, err := c.get(ctx, query)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return c.Conn.(driver.QueryerContext).QueryContext(ctx, query, args)
	}
	rows, err := cs.st.(stmtExecQuery).QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	cs.busy = true
	return &cachedRows{Rows: rows, cs: cs}, nil
}

func (c *conn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	st, err := c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
	if err != nil || c.pgxConn() == nil {
		return st, err
	}
	return &flushingStmt{Stmt: st, c: c}, nil
}

func (c *conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	var tx driver.Tx
	if c.pgxConn() != nil {
		// The BEGIN goes with the first statement (later.go).
		begin, err := beginSQL(opts)
		if err != nil {
			return nil, err
		}
		c.inTx, c.beginPending, c.txErr = true, true, nil
		c.pending = append(c.pending[:0], pendingStmt{sql: begin})
		tx = &laterTx{c: c}
	} else {
		var err error
		if tx, err = c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts); err != nil {
			return tx, err
		}
	}
	if c.rec == nil || !c.rec.on.Load() {
		return tx, nil
	}
	c.cur = &RecordedTx{}
	return &recordedTx{Tx: tx, c: c}, nil
}

// CheckNamedValue lets pgx take its arguments as they are; modernc has no checker, and
// database/sql's default conversion applies.
func (c *conn) CheckNamedValue(nv *driver.NamedValue) error {
	if _, ok := nv.Value.(batchArg); ok {
		return nil
	}
	if ch, ok := c.Conn.(driver.NamedValueChecker); ok {
		return ch.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

func (c *conn) Ping(ctx context.Context) error {
	if p, ok := c.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (c *conn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *conn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

// Close finalizes the cached statements before the connection: SQLite refuses to close a
// connection with statements left.
func (c *conn) Close() error {
	var errsList []error
	if c.lru != nil {
		for el := c.lru.Front(); el != nil; el = el.Next() {
			errsList = append(errsList, el.Value.(*cachedStmt).st.Close())
		}
		c.lru.Init()
		clear(c.byText)
	}
	errsList = append(errsList, c.Conn.Close())
	return errors.Join(errsList...)
}

// cachedRows frees its statement for reuse when closed, and passes on the column types.
type cachedRows struct {
	driver.Rows
	cs *cachedStmt
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	r.cs.busy = false
	return err
}

func (r *cachedRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *cachedRows) ColumnTypeScanType(i int) reflect.Type {
	if t, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}

func (r *cachedRows) ColumnTypeNullable(i int) (nullable, ok bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return t.ColumnTypeNullable(i)
	}
	return false, false
}

func (r *cachedRows) ColumnTypeLength(i int) (int64, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeLength); ok {
		return t.ColumnTypeLength(i)
	}
	return 0, false
}

func (r *cachedRows) ColumnTypePrecisionScale(i int) (int64, int64, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypePrecisionScale); ok {
		return t.ColumnTypePrecisionScale(i)
	}
	return 0, 0, false
}
