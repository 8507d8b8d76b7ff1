// Package apptest starts the whole application in-process for end-to-end tests: a fresh
// database (SQLite, or PostgreSQL when asked), the demo city loaded, and a real HTTP server on a
// loopback port that tests drive through the public client package or a browser.
package apptest

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"onestamp/client"
	"onestamp/internal/app"
	"onestamp/internal/demo"
	"onestamp/internal/platform/config"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/db/dbtest"
)

// App is a running application.
type App struct {
	URL  string
	Main *app.Main
}

// Options choose the engine and the clock.
type Options struct {
	Postgres bool             // run on PostgreSQL (skips when ONESTAMP_TEST_POSTGRES_URL is unset)
	NoDemo   bool             // start without the demo city
	Now      func() time.Time // the application's clock
	// DemoCases is the size of the demo year of cases; 0 means a small year (300) that loads in a
	// moment. The browser and end-to-end tests need a few cases in every state, not 30,000.
	DemoCases int
}

// Start runs the application until the test ends.
func Start(t testing.TB, o Options) *App {
	t.Helper()
	dir := t.TempDir()
	var d *db.DB
	if o.Postgres {
		d = dbtest.Postgres(t)
	} else {
		d = dbtest.SQLite(t)
	}
	cfg, _, err := config.Load([]string{"-data-dir", filepath.Join(dir, "data"), "-dev"}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.BaseURL = "http://" + ln.Addr().String()
	cfg.Addr = ln.Addr().String()
	logw := io.Discard
	if os.Getenv("ONESTAMP_TEST_LOG") != "" {
		logw = os.Stderr
	}
	ctx, cancel := context.WithCancel(context.Background())
	if o.DemoCases == 0 {
		o.DemoCases = 300
	}
	m, err := app.New(ctx, cfg, app.Options{DB: d, Now: o.Now, DemoCases: o.DemoCases, Logger: slog.New(slog.NewTextHandler(logw, nil))})
	if err != nil {
		cancel()
		t.Fatalf("app.New: %v", err)
	}
	if !o.NoDemo {
		if err := m.LoadDemo(ctx, io.Discard); err != nil {
			cancel()
			t.Fatalf("demo: %v", err)
		}
	}
	done := make(chan error, 1)
	go func() { done <- m.RunListener(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("application did not stop within 30 s")
		}
		m.Close()
	})
	return &App{URL: cfg.BaseURL, Main: m}
}

// Client returns a new API client (its own cookie jar) for the app.
func (a *App) Client() *client.Client { return client.New(a.URL) }

// Staff returns a client logged in as a demo staff account.
func (a *App) Staff(t testing.TB, username string) *client.Client {
	t.Helper()
	c := a.Client()
	if _, err := c.Login(context.Background(), username, DemoPassword); err != nil {
		t.Fatalf("login %s: %v", username, err)
	}
	return c
}

// DemoPassword is the password of every demo account.
const DemoPassword = demo.Password
