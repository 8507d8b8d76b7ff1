// Package config builds the one Config struct from command-line flags and ONESTAMP_* environment
// variables (a flag wins over the variable, which wins over the default). There are no globals:
// main loads a Config and passes it down.
package config

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config is every setting of the process.
type Config struct {
	Addr        string        // HTTP listen address
	DataDir     string        // where the SQLite file, keys and uploaded files live
	DatabaseURL string        // postgres://… or sqlite:PATH; empty = SQLite in DataDir
	BaseURL     string        // public URL used in links, QR codes and SMS
	LogFormat   string        // text | json
	LogLevel    string        // debug | info | warn | error
	Dev         bool          // development mode: SMS shown to admins, verbose errors in logs
	Demo        bool          // load the demo city into an empty database at start-up
	DemoCases   int           // size of the demo year of cases
	ShutdownMax time.Duration // how long in-flight requests may finish on shutdown

	SessionIdle     time.Duration // 等保: idle session timeout
	SessionAbsolute time.Duration // 等保: absolute session lifetime
	LockoutFailures int           // failed logins before a lockout
	LockoutDuration time.Duration // how long a lockout lasts

	YellowWD int // warning level: yellow at ≤ this many working days left
	DueTime  string

	// Case rules marked configurable in DOMAIN.md.
	CaseIntakeWD        int // art. 32 intake answer
	CaseCorrectionDays  int // reply deadline of a correction notice (calendar days)
	CasePendingSupplyWD int // 容缺 supply deadline
	CaseVerifyWD        int // 告知承诺 post-verification
	CaseRenewLeadDays   int // art. 50: a renewal this many calendar days before expiry is deemed granted if undecided

	// Ratings and rectification (DOMAIN §6, §16.4).
	RatingPerStage         bool   // 一事多评: one rating per stage
	RatingRemindWD         int    // SMS reminder when a concluded case is unrated
	RatingDefaultAfterDays int    // default rating after this many days; 0 = off
	RatingDefaultLevel     int    // the level of a default rating
	RatingPushURL          string // the provincial rating system's endpoint; empty = no push
	RectifyWD              int    // deadline of a rectification opened by a bad rating
}

// Setting documents one configurable value; the README table is generated from this list.
type Setting struct {
	Flag, Env, Default, Help string
	set                      func(c *Config, v string) error
}

func str(p func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error { *p(c) = v; return nil }
}

func dur(p func(*Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("want a positive duration like 30m, got %q", v)
		}
		*p(c) = d
		return nil
	}
}

func num(p func(*Config) *int) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fmt.Errorf("want a whole number ≥ 0, got %q", v)
		}
		*p(c) = n
		return nil
	}
}

func boolean(p func(*Config) *bool) func(*Config, string) error {
	return func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("want true or false, got %q", v)
		}
		*p(c) = b
		return nil
	}
}

// Settings lists every setting in README order.
func Settings() []Setting {
	return []Setting{
		{"addr", "ONESTAMP_ADDR", ":8080", "HTTP listen address", str(func(c *Config) *string { return &c.Addr })},
		{"data-dir", "ONESTAMP_DATA_DIR", "./data", "data directory: SQLite file, keys, uploaded files", str(func(c *Config) *string { return &c.DataDir })},
		{"database-url", "ONESTAMP_DATABASE_URL", "", "postgres://… for PostgreSQL; empty = SQLite file data-dir/onestamp.db", str(func(c *Config) *string { return &c.DatabaseURL })},
		{"base-url", "ONESTAMP_BASE_URL", "http://localhost:8080", "public URL used in links, QR codes and SMS", str(func(c *Config) *string { return &c.BaseURL })},
		{"log-format", "ONESTAMP_LOG_FORMAT", "text", "log format: text or json", str(func(c *Config) *string { return &c.LogFormat })},
		{"log-level", "ONESTAMP_LOG_LEVEL", "info", "log level: debug, info, warn, error", str(func(c *Config) *string { return &c.LogLevel })},
		{"dev", "ONESTAMP_DEV", "false", "development mode (SMS readable by admins on a page)", boolean(func(c *Config) *bool { return &c.Dev })},
		{"demo", "ONESTAMP_DEMO", "false", "load the demo city into an empty database at start-up", boolean(func(c *Config) *bool { return &c.Demo })},
		{"demo-cases", "ONESTAMP_DEMO_CASES", "30000", "how many cases the demo year holds", num(func(c *Config) *int { return &c.DemoCases })},
		{"shutdown-max", "ONESTAMP_SHUTDOWN_MAX", "20s", "how long in-flight requests may finish on shutdown", dur(func(c *Config) *time.Duration { return &c.ShutdownMax })},
		{"session-idle", "ONESTAMP_SESSION_IDLE", "30m", "idle session timeout (等保 level 3)", dur(func(c *Config) *time.Duration { return &c.SessionIdle })},
		{"session-absolute", "ONESTAMP_SESSION_ABSOLUTE", "12h", "absolute session lifetime", dur(func(c *Config) *time.Duration { return &c.SessionAbsolute })},
		{"lockout-failures", "ONESTAMP_LOCKOUT_FAILURES", "5", "failed logins in a row before an account is locked", num(func(c *Config) *int { return &c.LockoutFailures })},
		{"lockout-duration", "ONESTAMP_LOCKOUT_DURATION", "15m", "how long a lockout lasts", dur(func(c *Config) *time.Duration { return &c.LockoutDuration })},
		{"alert-yellow-wd", "ONESTAMP_ALERT_YELLOW_WD", "2", "deadline warning (yellow) at this many working days left or fewer", num(func(c *Config) *int { return &c.YellowWD })},
		{"case-intake-wd", "ONESTAMP_CASE_INTAKE_WD", "5", "art. 32: working days to answer an application before it counts as accepted", num(func(c *Config) *int { return &c.CaseIntakeWD })},
		{"case-correction-days", "ONESTAMP_CASE_CORRECTION_DAYS", "30", "calendar days an applicant has to answer a correction notice", num(func(c *Config) *int { return &c.CaseCorrectionDays })},
		{"case-pending-supply-wd", "ONESTAMP_CASE_PENDING_SUPPLY_WD", "10", "容缺: working days to supply a pending material (when the item sets none)", num(func(c *Config) *int { return &c.CasePendingSupplyWD })},
		{"case-verify-wd", "ONESTAMP_CASE_VERIFY_WD", "30", "告知承诺: working days for the post-verification (when the item sets none)", num(func(c *Config) *int { return &c.CaseVerifyWD })},
		{"case-renew-lead-days", "ONESTAMP_CASE_RENEW_LEAD_DAYS", "30", "art. 50: a renewal applied for at least this many days before the licence expires is deemed granted if undecided by then", num(func(c *Config) *int { return &c.CaseRenewLeadDays })},
		{"rating-per-stage", "ONESTAMP_RATING_PER_STAGE", "false", "一事多评: one rating per stage (receipt, acceptance, conclusion)", boolean(func(c *Config) *bool { return &c.RatingPerStage })},
		{"rating-remind-wd", "ONESTAMP_RATING_REMIND_WD", "3", "remind an applicant who has not rated this many working days after conclusion", num(func(c *Config) *int { return &c.RatingRemindWD })},
		{"rating-default-after-days", "ONESTAMP_RATING_DEFAULT_AFTER_DAYS", "0", "record a default rating after this many days without one; 0 = off", num(func(c *Config) *int { return &c.RatingDefaultAfterDays })},
		{"rating-default-level", "ONESTAMP_RATING_DEFAULT_LEVEL", "3", "the level of a default rating (3 = 基本满意)", num(func(c *Config) *int { return &c.RatingDefaultLevel })},
		{"rating-push-url", "ONESTAMP_RATING_PUSH_URL", "", "the provincial 好差评 endpoint ratings are pushed to; empty = no push", str(func(c *Config) *string { return &c.RatingPushURL })},
		{"rectify-wd", "ONESTAMP_RECTIFY_WD", "15", "working days to rectify after a bad rating", num(func(c *Config) *int { return &c.RectifyWD })},
		{"calendar-due-time", "ONESTAMP_CALENDAR_DUE_TIME", "23:59:59", "a deadline ends at this time of the due day (Asia/Shanghai)", str(func(c *Config) *string { return &c.DueTime })},
	}
}

// flagValue lets a setting be a flag; boolean settings may be given bare ("-demo").
type flagValue struct {
	s *Setting
	c *Config
}

func (f *flagValue) String() string { return "" }
func (f *flagValue) Set(v string) error {
	if err := f.s.set(f.c, v); err != nil {
		return fmt.Errorf("-%s: %w", f.s.Flag, err)
	}
	return nil
}
func (f *flagValue) IsBoolFlag() bool { return f.s.Default == "true" || f.s.Default == "false" }

// Load reads defaults, then the environment, then flags in args. It returns the remaining
// positional arguments.
func Load(args []string, getenv func(string) string) (Config, []string, error) {
	var c Config
	ss := Settings()
	for _, s := range ss {
		if err := s.set(&c, s.Default); err != nil && s.Default != "" {
			return c, nil, fmt.Errorf("default of %s: %w", s.Flag, err)
		}
	}
	for _, s := range ss {
		if v := getenv(s.Env); v != "" {
			if err := s.set(&c, v); err != nil {
				return c, nil, fmt.Errorf("%s: %w", s.Env, err)
			}
		}
	}
	fs := flag.NewFlagSet("onestamp", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	for i := range ss {
		fs.Var(&flagValue{s: &ss[i], c: &c}, ss[i].Flag, ss[i].Help)
	}
	if err := fs.Parse(args); err != nil {
		return c, nil, err
	}
	return c, fs.Args(), c.validate()
}

func (c *Config) validate() error {
	switch c.LogFormat {
	case "text", "json":
	default:
		return fmt.Errorf("log format must be text or json, got %q", c.LogFormat)
	}
	if _, err := time.Parse("15:04:05", c.DueTime); err != nil {
		return fmt.Errorf("calendar due time must be HH:MM:SS, got %q", c.DueTime)
	}
	if c.RatingDefaultLevel < 1 || c.RatingDefaultLevel > 5 {
		return fmt.Errorf("rating default level must be 1 to 5, got %d", c.RatingDefaultLevel)
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	return nil
}

// DBURL is the database to open: the configured URL or the SQLite file in the data directory.
func (c Config) DBURL() string {
	if c.DatabaseURL != "" {
		return c.DatabaseURL
	}
	return "sqlite:" + c.SQLitePath()
}

// SQLitePath is where the embedded database lives.
func (c Config) SQLitePath() string { return filepath.Join(c.DataDir, "onestamp.db") }

// IsPostgres reports whether the configured database is PostgreSQL.
func (c Config) IsPostgres() bool {
	return strings.HasPrefix(c.DatabaseURL, "postgres://") || strings.HasPrefix(c.DatabaseURL, "postgresql://")
}

// MarkdownTable renders the settings as the README's configuration table.
func MarkdownTable() string {
	var b strings.Builder
	b.WriteString("| flag | environment | default | meaning |\n|---|---|---|---|\n")
	for _, s := range Settings() {
		d := s.Default
		if d == "" {
			d = "(empty)"
		}
		fmt.Fprintf(&b, "| `-%s` | `%s` | `%s` | %s |\n", s.Flag, s.Env, d, s.Help)
	}
	return b.String()
}
