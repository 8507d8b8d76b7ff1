package db

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"time"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migration is one embedded schema step.
type Migration struct {
	Version string // "0001_core"
	SQL     string
}

// Migrations returns the migrations for an engine, in order. A file NNNN_name.sql applies to both
// engines; NNNN_name.sqlite.sql and NNNN_name.postgres.sql apply to one.
func Migrations(e Engine) ([]Migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, ent := range entries {
		name := ent.Name()
		base := strings.TrimSuffix(name, ".sql")
		version := base
		if i := strings.IndexByte(base, '.'); i >= 0 {
			version = base[:i]
			if base[i+1:] != string(e) {
				continue
			}
		}
		b, err := migrationFS.ReadFile("migrations/" + name)
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: version, SQL: string(b)})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i := 1; i < len(out); i++ {
		if out[i].Version == out[i-1].Version {
			return nil, fmt.Errorf("migration %s is defined twice for %s", out[i].Version, e)
		}
	}
	return out, nil
}

// Migrate applies every migration not yet applied, each in its own transaction, so a failure
// leaves the schema at the last good step and the error names the failing one. On PostgreSQL an
// advisory lock keeps several starting processes from migrating at once.
func (d *DB) Migrate(ctx context.Context) error {
	ms, err := Migrations(d.Engine)
	if err != nil {
		return err
	}
	return d.Apply(ctx, ms)
}

// Apply applies the given migrations that are not yet recorded, in order (Migrate with the
// embedded set; tests pass their own).
func (d *DB) Apply(ctx context.Context, ms []Migration) error {
	conn, err := d.write.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if d.Engine == Postgres {
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(74201)"); err != nil {
			return fmt.Errorf("migration lock: %w", err)
		}
		defer conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock(74201)")
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("schema_migrations: %w", err)
	}
	applied := map[string]bool{}
	rows, err := conn.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return err
	}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return err
		}
		applied[v] = true
	}
	rows.Close()
	for _, m := range ms {
		if applied[m.Version] {
			continue
		}
		if err := applyOne(ctx, conn, m); err != nil {
			return fmt.Errorf("migration %s failed: %w", m.Version, err)
		}
	}
	return nil
}

func applyOne(ctx context.Context, conn *sql.Conn, m Migration) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, stmt := range SplitStatements(m.SQL) {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("%w\n-- in statement:\n%s", err, stmt)
		}
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations(version, applied_at) VALUES ($1, $2)",
		m.Version, time.Now().UnixMilli()); err != nil {
		return err
	}
	return tx.Commit()
}

// Pending returns the versions not yet applied.
func (d *DB) Pending(ctx context.Context) ([]string, error) {
	ms, err := Migrations(d.Engine)
	if err != nil {
		return nil, err
	}
	applied := map[string]bool{}
	rows, err := d.Read.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err == nil {
		for rows.Next() {
			var v string
			rows.Scan(&v)
			applied[v] = true
		}
		rows.Close()
	}
	var out []string
	for _, m := range ms {
		if !applied[m.Version] {
			out = append(out, m.Version)
		}
	}
	return out, nil
}

// SplitStatements splits a migration on semicolons that end a line, skipping "--" comment lines.
// Migrations keep to statements without semicolons inside literals or bodies.
func SplitStatements(s string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(s, "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "--") || t == "" {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(t, ";") {
			stmt := strings.TrimSpace(cur.String())
			stmt = strings.TrimSuffix(stmt, ";")
			if stmt != "" {
				out = append(out, stmt)
			}
			cur.Reset()
		}
	}
	if rest := strings.TrimSpace(cur.String()); rest != "" {
		out = append(out, rest)
	}
	return out
}
