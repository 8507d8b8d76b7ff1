package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"

	"onestamp/internal/platform/config"
	"onestamp/internal/platform/db"
)

// Version and Commit are set at build time with -ldflags.
var (
	Version = "dev"
	Commit  = "none"
)

const usage = `onestamp — the platform of an Administrative Approval Bureau (一章通)

usage: onestamp [flags] COMMAND [args]

commands:
  serve                      run the HTTP server (migrates first)
  migrate                    apply database migrations and exit
  demo                       load the demo city into the database
  init -region CODE -city NAME -uscc CODE
                             a real install: the city, its bureau and the first administrator
  backup FILE                consistent online backup of the SQLite database
  restore FILE               restore a backup into an empty data directory
  audit verify               walk the audit chains; exit 1 at the first broken link
  workday add DATE N         the date N working days after DATE
  workday between DATE DATE  working days in (DATE, DATE]
  workday is DATE            whether DATE is a working day
  version                    version, commit, Go version, database engine
  config                     the settings table (flags and ONESTAMP_* variables)

Flags go before the command; every flag also has an ONESTAMP_* variable (see 'onestamp config').
`

// Command runs one command line and returns the process exit code.
func Command(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cfg, rest, err := config.Load(args, getenv)
	if err != nil {
		fmt.Fprintln(stderr, "onestamp: configuration:", err)
		return 2
	}
	if len(rest) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, rest := rest[0], rest[1:]
	switch cmd {
	case "serve", "migrate", "demo", "version":
		// Flags may follow the command too: "onestamp serve -demo -dev".
		if len(rest) > 0 {
			before := args[:len(args)-len(rest)-1]
			c, extra, err := config.Load(append(append([]string{}, before...), rest...), getenv)
			if err != nil {
				fmt.Fprintln(stderr, "onestamp: configuration:", err)
				return 2
			}
			if len(extra) > 0 {
				fmt.Fprintf(stderr, "onestamp %s: unexpected arguments %q\n\n%s", cmd, extra, usage)
				return 2
			}
			cfg, rest = c, nil
		}
	}
	fail := func(err error) int {
		fmt.Fprintln(stderr, "onestamp "+cmd+":", err)
		return 1
	}
	switch cmd {
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	case "config":
		fmt.Fprint(stdout, config.MarkdownTable())
		return 0
	case "version":
		engine := "sqlite"
		if cfg.IsPostgres() {
			engine = "postgres"
		}
		fmt.Fprintf(stdout, "onestamp %s (commit %s, %s, database %s)\n", Version, Commit, runtime.Version(), engine)
		return 0
	case "workday":
		return workdayCommand(ctx, cfg, rest, stdout, stderr)
	case "serve":
		return serveCommand(ctx, cfg, stdout, stderr)
	case "migrate":
		d, err := openDB(ctx, cfg, true)
		if err != nil {
			return fail(err)
		}
		d.Close()
		fmt.Fprintln(stdout, "migrations applied")
		return 0
	case "demo":
		return demoCommand(ctx, cfg, stdout, stderr)
	case "init":
		return initCommand(ctx, cfg, rest, stdout, stderr)
	case "backup":
		if len(rest) != 1 {
			fmt.Fprintln(stderr, "usage: onestamp backup FILE")
			return 2
		}
		if cfg.IsPostgres() {
			fmt.Fprintln(stderr, "onestamp backup: the database is PostgreSQL; use its own tool:")
			fmt.Fprintln(stderr, "  pg_dump --format=custom --file="+rest[0]+" \"$ONESTAMP_DATABASE_URL\"")
			return 2
		}
		d, err := openDB(ctx, cfg, false)
		if err != nil {
			return fail(err)
		}
		defer d.Close()
		if err := d.Backup(ctx, rest[0]); err != nil {
			return fail(err)
		}
		fmt.Fprintln(stdout, "backup written to", rest[0])
		return 0
	case "restore":
		if len(rest) != 1 {
			fmt.Fprintln(stderr, "usage: onestamp restore FILE")
			return 2
		}
		if cfg.IsPostgres() {
			fmt.Fprintln(stderr, "onestamp restore: the database is PostgreSQL; use pg_restore")
			return 2
		}
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return fail(err)
		}
		if ents, _ := os.ReadDir(cfg.DataDir); len(ents) > 0 {
			return fail(fmt.Errorf("data directory %s is not empty; restore only into an empty one", cfg.DataDir))
		}
		if err := db.Restore(ctx, rest[0], cfg.SQLitePath()); err != nil {
			return fail(err)
		}
		fmt.Fprintln(stdout, "restored into", cfg.SQLitePath())
		return 0
	case "audit":
		if len(rest) != 1 || rest[0] != "verify" {
			fmt.Fprintln(stderr, "usage: onestamp audit verify")
			return 2
		}
		return auditVerifyCommand(ctx, cfg, stdout, stderr)
	default:
		fmt.Fprintf(stderr, "onestamp: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
}

// openDB opens the configured database. create says whether a missing data directory may be
// created (serve, migrate) or must already exist (backup, audit).
func openDB(ctx context.Context, cfg config.Config, migrate bool) (*db.DB, error) {
	if !cfg.IsPostgres() {
		if migrate {
			if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
				return nil, fmt.Errorf("data directory: %w", err)
			}
		} else if _, err := os.Stat(cfg.SQLitePath()); err != nil {
			return nil, fmt.Errorf("no database at %s: %w", filepath.Clean(cfg.SQLitePath()), errors.Unwrap(err))
		}
	}
	d, err := db.Open(ctx, cfg.DBURL())
	if err != nil {
		return nil, err
	}
	if migrate {
		if err := d.Migrate(ctx); err != nil {
			d.Close()
			return nil, err
		}
	}
	return d, nil
}
