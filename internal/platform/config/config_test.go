package config

import (
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestPrecedence(t *testing.T) {
	c, rest, err := Load([]string{"-addr", ":9000", "serve"}, env(map[string]string{
		"ONESTAMP_ADDR": ":7000", "ONESTAMP_SESSION_IDLE": "10m",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":9000" {
		t.Errorf("flag should win over env: addr=%s", c.Addr)
	}
	if c.SessionIdle != 10*time.Minute {
		t.Errorf("env should win over default: idle=%s", c.SessionIdle)
	}
	if c.LockoutFailures != 5 || c.SessionAbsolute != 12*time.Hour {
		t.Errorf("defaults not applied: %+v", c)
	}
	if len(rest) != 1 || rest[0] != "serve" {
		t.Errorf("rest = %v", rest)
	}
	if c.DBURL() != "sqlite:data/onestamp.db" {
		t.Errorf("default db url = %s", c.DBURL())
	}
}

func TestBadValuesAreNamed(t *testing.T) {
	_, _, err := Load(nil, env(map[string]string{"ONESTAMP_LOCKOUT_DURATION": "soon"}))
	if err == nil || !strings.Contains(err.Error(), "ONESTAMP_LOCKOUT_DURATION") {
		t.Fatalf("want error naming the variable, got %v", err)
	}
	_, _, err = Load([]string{"-log-format", "xml"}, env(nil))
	if err == nil {
		t.Fatal("want error for log format xml")
	}
}

func TestMarkdownTableListsEveryVariable(t *testing.T) {
	tab := MarkdownTable()
	for _, s := range Settings() {
		if !strings.Contains(tab, s.Env) {
			t.Errorf("table misses %s", s.Env)
		}
	}
}

func TestBareBooleanFlags(t *testing.T) {
	c, rest, err := Load([]string{"-demo", "-dev", "serve"}, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Demo || !c.Dev || len(rest) != 1 {
		t.Fatalf("demo=%v dev=%v rest=%v", c.Demo, c.Dev, rest)
	}
}
