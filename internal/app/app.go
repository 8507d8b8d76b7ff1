// Package app wires the process together: configuration → database → platform services →
// domains → HTTP server → background jobs. Main is the assembled application; tests build one
// in-process with New and drive it over HTTP.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"onestamp/internal/platform/audit"
	"onestamp/internal/platform/config"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/gm"
	"onestamp/internal/platform/outbox"
	"onestamp/internal/platform/web"
	"onestamp/internal/platform/workday"
	"onestamp/internal/platform/workday/wdstore"
)

// Main is the assembled application.
type Main struct {
	Cfg      config.Config
	Log      *slog.Logger
	DB       *db.DB
	Audit    *audit.Log
	Cipher   *gm.FieldCipher
	Outbox   *outbox.Dispatcher
	Calendar *LiveCalendar
	Registry *prometheus.Registry
	Web      *web.Server
	Now      func() time.Time

	domains   // the domain services, see domains.go
	closeOne  sync.Once
	demoCases int
}

// Options adjust New for tests.
type Options struct {
	Logger *slog.Logger
	Now    func() time.Time
	DB     *db.DB // use this database instead of opening Cfg's (tests); Main does not close it
	// DemoCases is the size of the demo year of cases (0: the full demo); tests load a small one.
	DemoCases int
}

// New opens the database (migrating it), loads the keys and the calendar, and wires every
// domain. It fails with a message naming what is wrong and leaves nothing running.
func New(ctx context.Context, cfg config.Config, opt Options) (_ *Main, err error) {
	m := &Main{Cfg: cfg, Log: opt.Logger, Now: opt.Now}
	m.demoCases = cfg.DemoCases
	if opt.DemoCases > 0 {
		m.demoCases = opt.DemoCases
	}
	if m.Log == nil {
		m.Log = NewLogger(cfg, os.Stderr)
	}
	if m.Now == nil {
		m.Now = time.Now
	}
	defer func() {
		if err != nil {
			m.Close()
		}
	}()
	if opt.DB != nil {
		m.DB = opt.DB
		if err := m.DB.Migrate(ctx); err != nil {
			return nil, err
		}
	} else {
		ownDB, err := openDB(ctx, cfg, true)
		if err != nil {
			return nil, err
		}
		m.DB = ownDB
		m.ownDB = true
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	if m.Cipher, err = gm.LoadOrCreateKey(cfg.DataDir); err != nil {
		return nil, fmt.Errorf("field encryption key: %w", err)
	}
	m.Audit = audit.New(m.DB)
	m.Calendar = &LiveCalendar{store: &wdstore.Store{DB: m.DB, Now: m.Now}}
	if err := m.Calendar.Reload(ctx); err != nil {
		return nil, fmt.Errorf("calendar: %w", err)
	}
	m.Registry = prometheus.NewRegistry()
	m.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.Outbox = outbox.New(m.DB, outbox.Options{Registerer: m.Registry, Logger: m.Log, Now: m.Now})
	m.Web, err = web.New(web.Config{
		Addr:            cfg.Addr,
		Logger:          m.Log,
		Registry:        m.Registry,
		Pinger:          m.DB,
		API:             web.APIInfo{Title: "onestamp API", Version: Version, Description: "The JSON API of onestamp (一章通), the platform of an Administrative Approval Bureau."},
		SecureCookies:   strings.HasPrefix(cfg.BaseURL, "https://"),
		ShutdownTimeout: cfg.ShutdownMax,
	})
	if err != nil {
		return nil, err
	}
	if err := m.wire(ctx); err != nil {
		return nil, err
	}
	return m, nil
}

// Handler is the whole HTTP application, for in-process tests.
func (m *Main) Handler() http.Handler { return m.Web.Handler() }

// Run serves HTTP and runs the background jobs until ctx is cancelled, then shuts down
// gracefully: stop accepting, finish in-flight requests, stop the jobs.
func (m *Main) Run(ctx context.Context) error {
	return m.RunListener(ctx, nil)
}

// RunListener is Run on a given listener (nil: listen on Cfg.Addr).
func (m *Main) RunListener(ctx context.Context, ln net.Listener) error {
	jobs, stopJobs := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := m.Outbox.Run(jobs); err != nil && !errors.Is(err, context.Canceled) {
			m.Log.Error("outbox stopped", "err", err)
		}
	}()
	m.startJobs(jobs, &wg)
	var err error
	if ln != nil {
		err = m.Web.Serve(ctx, ln)
	} else {
		err = m.Web.ListenAndServe(ctx)
	}
	stopJobs()
	wg.Wait()
	return err
}

// Close releases the database.
func (m *Main) Close() error {
	var err error
	m.closeOne.Do(func() {
		if m.DB != nil && m.ownDB {
			err = m.DB.Close()
		}
	})
	return err
}

// LiveCalendar is the working-day calendar in force: the built-in tables plus what an
// administrator loaded. It is swapped whole when a year is loaded, so readers never see half a
// change.
type LiveCalendar struct {
	store *wdstore.Store
	cur   atomic.Pointer[workday.Calendar]
}

// Get returns the calendar in force.
func (l *LiveCalendar) Get() *workday.Calendar { return l.cur.Load() }

// Reload rebuilds the calendar from the built-in and stored tables.
func (l *LiveCalendar) Reload(ctx context.Context) error {
	c, err := l.store.Build(ctx)
	if err != nil {
		return err
	}
	l.cur.Store(c)
	return nil
}

// NewLogger makes the process logger from the configuration.
func NewLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		lvl = slog.LevelInfo
	}
	o := &slog.HandlerOptions{Level: lvl}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, o))
	}
	return slog.New(slog.NewTextHandler(w, o))
}
