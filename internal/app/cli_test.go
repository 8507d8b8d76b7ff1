package app_test

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"onestamp/internal/app"
	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/config"
	"onestamp/internal/platform/db"
)

// run executes one command line of the binary in-process.
func run(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := app.Command(context.Background(), args, func(k string) string { return env[k] }, &out, &errb)
	return code, out.String(), errb.String()
}

func TestWorkdayCommand(t *testing.T) {
	env := map[string]string{"ONESTAMP_DATA_DIR": t.TempDir()}
	cases := []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"workday", "add", "2025-09-26", "20"}, 0, "2025-10-30\n"},
		{[]string{"workday", "add", "2025-01-24", "5"}, 0, "2025-02-07\n"},
		{[]string{"workday", "add", "2025-12-31", "1"}, 0, "2026-01-04\n"},
		{[]string{"workday", "between", "2025-09-26", "2025-10-30"}, 0, "20\n"},
		{[]string{"workday", "is", "2025-09-28"}, 0, "2025-09-28 is a working day (Sunday)\n"},
		{[]string{"workday", "is", "2025-10-03"}, 1, "2025-10-03 is not a working day (Friday)\n"},
	}
	for _, c := range cases {
		code, out, errs := run(t, env, c.args...)
		if code != c.code || out != c.out {
			t.Errorf("%v: code %d out %q err %q; want %d %q", c.args, code, out, errs, c.code, c.out)
		}
	}
	code, _, errs := run(t, env, "workday", "add", "2040-03-02", "3")
	if code != 1 || !strings.Contains(errs, "2040 is not loaded") {
		t.Fatalf("unloaded year: code %d, stderr %q", code, errs)
	}
	if code, _, _ := run(t, env, "workday", "add", "2025-13-01", "3"); code != 2 {
		t.Fatalf("bad date: code %d, want 2", code)
	}
}

func TestServeFailsLoudly(t *testing.T) {
	// A data directory that is a file, a damaged database, an unreachable PostgreSQL: each
	// exits non-zero and says which.
	f := filepath.Join(t.TempDir(), "file")
	os.WriteFile(f, []byte("x"), 0o600)
	code, _, errs := run(t, map[string]string{"ONESTAMP_DATA_DIR": f}, "migrate")
	if code == 0 || !strings.Contains(errs, "data directory") {
		t.Errorf("data dir is a file: code %d, %q", code, errs)
	}
	dir := t.TempDir()
	junk := bytes.Repeat([]byte{0x5a}, 8192)
	copy(junk, "SQLite format 3\x00")
	os.WriteFile(filepath.Join(dir, "onestamp.db"), junk, 0o600)
	code, _, errs = run(t, map[string]string{"ONESTAMP_DATA_DIR": dir}, "migrate")
	if code == 0 || !strings.Contains(errs, "onestamp.db") {
		t.Errorf("damaged database: code %d, %q", code, errs)
	}
	code, _, errs = run(t, map[string]string{"ONESTAMP_DATA_DIR": t.TempDir(),
		"ONESTAMP_DATABASE_URL": "postgres://nobody@127.0.0.1:1/x?connect_timeout=2"}, "migrate")
	if code == 0 || !strings.Contains(errs, "unreachable") {
		t.Errorf("unreachable postgres: code %d, %q", code, errs)
	}
	if code, _, _ := run(t, nil, "frobnicate"); code != 2 {
		t.Errorf("unknown command: code %d", code)
	}
}

func TestBackupRestoreAndAuditVerify(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"ONESTAMP_DATA_DIR": filepath.Join(dir, "data"), "ONESTAMP_DEMO_CASES": "200"}
	if code, out, errs := run(t, env, "demo"); code != 0 || !strings.Contains(out, "admin") {
		t.Fatalf("demo: %d %q %q", code, out, errs)
	}
	code, out, errs := run(t, env, "audit", "verify")
	if code != 0 || !strings.Contains(out, "intact") {
		t.Fatalf("audit verify on a fresh demo: %d %q %q", code, out, errs)
	}
	bak := filepath.Join(dir, "backup.db")
	if code, _, errs := run(t, env, "backup", bak); code != 0 {
		t.Fatalf("backup: %s", errs)
	}
	// Restore refuses a non-empty data directory and fills an empty one.
	if code, _, _ := run(t, env, "restore", bak); code == 0 {
		t.Fatal("restore over a live data directory must be refused")
	}
	env2 := map[string]string{"ONESTAMP_DATA_DIR": filepath.Join(dir, "restored")}
	if code, _, errs := run(t, env2, "restore", bak); code != 0 {
		t.Fatalf("restore: %s", errs)
	}
	if code, out, _ := run(t, env2, "audit", "verify"); code != 0 || !strings.Contains(out, "intact") {
		t.Fatalf("restored copy does not verify: %q", out)
	}

	// Someone edits an audit record directly in the database: verify names it and exits 1.
	d, err := db.Open(context.Background(), filepath.Join(dir, "data", "onestamp.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Write().Exec("UPDATE audit_records SET actor = 'someone-else' WHERE seq = 2"); err != nil {
		t.Fatal(err)
	}
	d.Close()
	code, out, _ = run(t, env, "audit", "verify")
	if code != 1 || !strings.Contains(out, "BROKEN at seq 2") {
		t.Fatalf("tampered record: code %d, %q", code, out)
	}
	// PostgreSQL backups are pg_dump's job: say so and exit 2.
	code, _, errs = run(t, map[string]string{"ONESTAMP_DATABASE_URL": "postgres://x@127.0.0.1:1/y"}, "backup", bak+"2")
	if code != 2 || !strings.Contains(errs, "pg_dump") {
		t.Fatalf("postgres backup: %d %q", code, errs)
	}
}

func TestServeStopsCleanlyOnSignal(t *testing.T) {
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	env := map[string]string{"ONESTAMP_DATA_DIR": dir, "ONESTAMP_ADDR": addr}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		var out, errb bytes.Buffer
		done <- app.Command(ctx, []string{"serve"}, func(k string) string { return env[k] }, &out, &errb)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("server did not become ready")
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d after a clean shutdown", code)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Fatal("still accepting after shutdown")
	}
}

func TestInitCreatesTheFirstAdministrator(t *testing.T) {
	env := map[string]string{"ONESTAMP_DATA_DIR": t.TempDir()}
	code, out, errs := run(t, env, "init", "-region", "360100000000", "-city", "南昌市", "-uscc", "91350100M000100Y43")
	if code != 0 {
		t.Fatalf("init: %d %s", code, errs)
	}
	i := strings.Index(out, "first login): ")
	if i < 0 {
		t.Fatalf("no temporary password printed: %q", out)
	}
	pw := strings.TrimSpace(strings.SplitN(out[i+len("first login): "):], "\n", 2)[0])
	// The printed password works once, and the account must choose a new one.
	m, err := app.New(context.Background(), mustConfig(t, env), app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	s, err := m.Auth.LoginStaff(context.Background(), auth.StaffLogin{Username: "admin", Password: pw})
	if err != nil {
		t.Fatalf("login with the printed password: %v", err)
	}
	if !s.Viewer.MustChange {
		t.Fatal("the first administrator must change the temporary password")
	}
	if code, _, _ := run(t, env, "init", "-region", "360100000000", "-city", "南昌市", "-uscc", "91350100M000100Y43"); code == 0 {
		t.Fatal("a second init must fail: the city exists")
	}
}

func mustConfig(t *testing.T, env map[string]string) config.Config {
	c, _, err := config.Load(nil, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestReadmeDocumentsEveryVariable keeps the README's configuration table true.
func TestReadmeDocumentsEveryVariable(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range config.Settings() {
		if !strings.Contains(string(b), "`"+s.Env+"`") {
			t.Errorf("README.md does not document %s", s.Env)
		}
	}
}

// TestFlagsMayFollowTheCommand: "onestamp migrate -data-dir X" (as make run writes "serve -demo
// -dev") applies the flags, and a stray argument is refused.
func TestFlagsMayFollowTheCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "after")
	if code, _, errs := run(t, nil, "migrate", "-data-dir", dir); code != 0 {
		t.Fatalf("migrate: %s", errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "onestamp.db")); err != nil {
		t.Fatalf("the flag after the command was ignored: %v", err)
	}
	if code, _, _ := run(t, nil, "migrate", "-data-dir", dir, "extra"); code != 2 {
		t.Fatalf("stray argument: code %d, want 2", code)
	}
}
