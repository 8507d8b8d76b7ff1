package app

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"

	"onestamp/internal/platform/config"
	"onestamp/internal/platform/workday"
	"onestamp/internal/platform/workday/wdstore"
)

const workdayUsage = `usage:
  onestamp workday add DATE N [REGION]        the date N working days after DATE (DATE not counted)
  onestamp workday between DATE DATE [REGION] working days in (first, second]
  onestamp workday is DATE [REGION]           whether DATE is a working day
`

// workdayCommand is the deadline checker for clerks and administrators. It uses the built-in
// national tables plus whatever an administrator loaded into the database, when there is one.
func workdayCommand(ctx context.Context, cfg config.Config, args []string, stdout, stderr io.Writer) int {
	if len(args) < 2 {
		fmt.Fprint(stderr, workdayUsage)
		return 2
	}
	cal, err := loadCalendar(ctx, cfg)
	if err != nil {
		fmt.Fprintln(stderr, "onestamp workday:", err)
		return 1
	}
	date := func(s string) (workday.Date, bool) {
		d, err := workday.ParseDate(s)
		if err != nil {
			fmt.Fprintf(stderr, "onestamp workday: %q is not a date (want YYYY-MM-DD)\n", s)
			return 0, false
		}
		return d, true
	}
	region := func(i int) string {
		if len(args) > i {
			return args[i]
		}
		return ""
	}
	report := func(err error) int {
		fmt.Fprintln(stderr, "onestamp workday:", err)
		if workday.IsNotLoaded(err) {
			fmt.Fprintln(stderr, "load that year's table (admin calendar page or JSON import) before computing deadlines in it")
		}
		return 1
	}
	provisional := func(p bool) {
		if p {
			fmt.Fprintln(stderr, "note: computed from a provisional (weekends-only) year")
		}
	}
	switch args[0] {
	case "add":
		if len(args) < 3 {
			fmt.Fprint(stderr, workdayUsage)
			return 2
		}
		start, ok := date(args[1])
		if !ok {
			return 2
		}
		n, err := strconv.Atoi(args[2])
		if err != nil || n < 0 {
			fmt.Fprintf(stderr, "onestamp workday: %q is not a number of working days\n", args[2])
			return 2
		}
		due, prov, err := cal.Add(region(3), start, n)
		if err != nil {
			return report(err)
		}
		provisional(prov)
		fmt.Fprintln(stdout, due)
	case "between":
		if len(args) < 3 {
			fmt.Fprint(stderr, workdayUsage)
			return 2
		}
		a, ok1 := date(args[1])
		b, ok2 := date(args[2])
		if !ok1 || !ok2 {
			return 2
		}
		n, prov, err := cal.Between(region(3), a, b)
		if err != nil {
			return report(err)
		}
		provisional(prov)
		fmt.Fprintln(stdout, n)
	case "is":
		d, ok := date(args[1])
		if !ok {
			return 2
		}
		w, err := cal.IsWorkday(region(2), d)
		if err != nil {
			return report(err)
		}
		if w {
			fmt.Fprintf(stdout, "%s is a working day (%s)\n", d, d.Weekday())
		} else {
			fmt.Fprintf(stdout, "%s is not a working day (%s)\n", d, d.Weekday())
			return 1
		}
	default:
		fmt.Fprint(stderr, workdayUsage)
		return 2
	}
	return 0
}

// loadCalendar returns the built-in tables plus the stored layers when a database exists.
func loadCalendar(ctx context.Context, cfg config.Config) (*workday.Calendar, error) {
	if !cfg.IsPostgres() {
		if _, err := os.Stat(cfg.SQLitePath()); err != nil {
			return workday.Default(), nil
		}
	}
	d, err := openDB(ctx, cfg, false)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	if p, err := d.Pending(ctx); err == nil && len(p) > 0 {
		return nil, fmt.Errorf("the database has %d pending migrations; run 'onestamp migrate' first", len(p))
	}
	return (&wdstore.Store{DB: d}).Build(ctx)
}
