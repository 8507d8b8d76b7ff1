// Package db opens the embedded SQLite database or PostgreSQL behind one small type, applies the
// embedded migrations, and runs transactions. Stores write portable SQL with $1 placeholders; where
// the dialects differ, a function here says so once.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"
	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite"
)

// Engine names a database engine.
type Engine string

const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// Q is what both *sql.DB and *sql.Tx offer; stores take a Q so that one statement can run inside
// the caller's transaction or on its own.
type Q interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// DB is an open database. Read is the pool for reads outside a transaction; transactions go
// through Tx, which on SQLite uses a single writer connection so that writers queue in Go rather
// than spin on SQLITE_BUSY.
type DB struct {
	Engine Engine
	Read   *sql.DB
	write  *sql.DB
	url    string
	gc     *committer    // SQLite: transactions share commits (groupcommit.go)
	ckpt   *checkpointer // SQLite: the WAL is checkpointed beside the writer (checkpoint.go)
	rec    *recorder     // benchmarks: committed transactions kept while recording (record.go)
}

// Open opens the database named by url: "postgres://..." or "postgresql://..." for PostgreSQL,
// "sqlite:PATH" or a plain file path for SQLite. A SQLite file's directory must exist.
func Open(ctx context.Context, rawURL string) (*DB, error) {
	switch {
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		return openPostgres(ctx, rawURL)
	default:
		return openSQLite(ctx, strings.TrimPrefix(rawURL, "sqlite:"))
	}
}

func openPostgres(ctx context.Context, u string) (*DB, error) {
	rec := &recorder{}
	pool, err := openPostgresPool(u, rec)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	pool.SetMaxOpenConns(32)
	pool.SetMaxIdleConns(32)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.PingContext(pctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres at %s is unreachable: %w", redact(u), err)
	}
	return &DB{Engine: Postgres, Read: pool, write: pool, url: u, rec: rec}, nil
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("sqlite: empty path")
	}
	if path != ":memory:" {
		dir := filepath.Dir(path)
		st, err := os.Stat(dir)
		if err != nil {
			return nil, fmt.Errorf("data directory %s: %w", dir, err)
		}
		if !st.IsDir() {
			return nil, fmt.Errorf("data directory %s is not a directory", dir)
		}
	}
	dsn := func(txlock string) string {
		v := url.Values{}
		for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(NORMAL)", "cache_size(-32000)", "temp_store(MEMORY)"} {
			v.Add("_pragma", p)
		}
		v.Set("_txlock", txlock)
		v.Set("_time_format", "sqlite")
		// SQLite reads the name as a URI: escape what would end the path or start an escape.
		esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
		return "file:" + esc + "?" + v.Encode()
	}
	rec := &recorder{}
	// The checkpointer copies the WAL back on its own connection; the writer checkpoints only
	// rarely, to let the log start over (checkpoint.go).
	w := openSQLitePool(dsn("immediate")+fmt.Sprintf("&_pragma=wal_autocheckpoint(%d)", writerCheckpointPages), true, rec)
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	// A corrupt file opens fine and fails on first read: check it now.
	var res string
	if err := w.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&res); err != nil || res != "ok" {
		w.Close()
		if err == nil {
			err = errors.New(res)
		}
		return nil, fmt.Errorf("sqlite %s is damaged: %w", path, err)
	}
	r := openSQLitePool(dsn("deferred")+"&mode=ro", false, nil)
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	d := &DB{Engine: SQLite, Read: r, write: w, url: path, rec: rec}
	d.gc = newCommitter(d)
	d.ckpt = newCheckpointer(openSQLitePool(dsn("deferred"), false, nil))
	return d, nil
}

// Close closes both pools.
func (d *DB) Close() error {
	var err error
	if d.gc != nil {
		d.gc.close()
	}
	if d.ckpt != nil {
		err = d.ckpt.close()
	}
	if d.Read != d.write {
		err = errors.Join(err, d.Read.Close())
	}
	return errors.Join(err, d.write.Close())
}

// Write is the connection pool for statements that write outside an explicit transaction.
func (d *DB) Write() *sql.DB { return d.write }

// Path returns the SQLite file path ("" for PostgreSQL).
func (d *DB) Path() string {
	if d.Engine == SQLite {
		return d.url
	}
	return ""
}

// Tx runs fn in a transaction, committing if fn returns nil and rolling back otherwise. On
// SQLite, transactions that queue for the writer share one commit (groupcommit.go): fn may then
// run on another goroutine, after the transactions queued before it, and must not start another
// transaction itself (it never could: SQLite has one writer connection).
func (d *DB) Tx(ctx context.Context, fn func(tx *sql.Tx) error) (err error) {
	if d.gc != nil {
		return d.gc.run(ctx, fn)
	}
	tx, err := d.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Ping checks that the database answers.
func (d *DB) Ping(ctx context.Context) error {
	var one int
	return d.Read.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// NewID returns a new UUIDv7 as text: sortable by creation time.
func NewID() string { return uuid.Must(uuid.NewV7()).String() }

// NowMillis is the storage form of an instant: Unix milliseconds, UTC.
func NowMillis(t time.Time) int64 { return t.UnixMilli() }

// ForUpdateSkipLocked is the row-claiming suffix of a SELECT: PostgreSQL lets several processes
// claim different rows; SQLite has one writer, so the clause is empty there.
func (d *DB) ForUpdateSkipLocked() string {
	if d.Engine == Postgres {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// ForUpdate locks the selected rows on PostgreSQL; SQLite's immediate transactions already
// serialise writers.
func (d *DB) ForUpdate() string {
	if d.Engine == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// IsUniqueViolation reports whether err is a unique-constraint failure on either engine.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "SQLSTATE 23505")
}

func redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(unparseable url)"
	}
	if p.User != nil {
		p.User = url.User(p.User.Username())
	}
	return p.String()
}
