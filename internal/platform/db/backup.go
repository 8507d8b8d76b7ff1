package db

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// ErrNotSQLite is returned by Backup on PostgreSQL, where pg_dump is the tool.
var ErrNotSQLite = errors.New("online backup is built in for SQLite only")

// Backup writes a consistent copy of the live SQLite database to dst with VACUUM INTO, which
// reads one snapshot while writers carry on. dst must not exist.
func (d *DB) Backup(ctx context.Context, dst string) error {
	if d.Engine != SQLite {
		return ErrNotSQLite
	}
	if _, err := os.Stat(dst); err == nil {
		return fmt.Errorf("%s exists already; choose a new file", dst)
	}
	abs, err := filepath.Abs(dst)
	if err != nil {
		return err
	}
	if strings.ContainsRune(abs, '\'') {
		return fmt.Errorf("backup path may not contain a quote: %s", abs)
	}
	if _, err := d.Read.ExecContext(ctx, "VACUUM INTO '"+abs+"'"); err != nil {
		return fmt.Errorf("backup to %s: %w", abs, err)
	}
	return nil
}

// Restore copies the SQLite backup src to dst after checking that src is an intact onestamp
// database; it refuses to overwrite an existing database file.
func Restore(ctx context.Context, src, dst string) error {
	if _, err := os.Stat(dst); err == nil {
		return fmt.Errorf("%s exists: restore only into an empty data directory", dst)
	}
	chk, err := Open(ctx, src)
	if err != nil {
		return fmt.Errorf("backup %s: %w", src, err)
	}
	var n int
	err = chk.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_migrations").Scan(&n)
	chk.Close()
	if err != nil || n == 0 {
		return fmt.Errorf("backup %s is not an onestamp database", src)
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp := dst + ".restoring"
	out, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		os.Remove(tmp)
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		os.Remove(tmp)
		return err
	}
	out.Close()
	return os.Rename(tmp, dst)
}
