package web

import (
	"fmt"
	"testing"
	"time"

	"onestamp/internal/platform/errs"
)

func TestLimiter(t *testing.T) {
	now := time.Date(2026, 1, 5, 9, 0, 0, 0, Shanghai)
	l := NewLimiter(10*time.Second, 3, 100)
	l.now = func() time.Time { return now }
	for i := range 3 {
		if err := l.Allow("alice"); err != nil {
			t.Fatalf("attempt %d: %v", i+1, err)
		}
	}
	err := l.Allow("alice")
	if !errs.Is(err, errs.TooMany) {
		t.Fatalf("4th attempt: %v", err)
	}
	if got := errs.As(err).Args["retry_after"]; got != int64(10) {
		t.Errorf("retry_after %v", got)
	}
	if err := l.Allow("bob"); err != nil {
		t.Errorf("another key is limited too: %v", err)
	}
	now = now.Add(10 * time.Second)
	if err := l.Allow("alice"); err != nil {
		t.Errorf("after refill: %v", err)
	}
	if err := l.Allow("alice"); err == nil {
		t.Errorf("one token refilled, two taken")
	}
	l.Reset("alice")
	if err := l.Allow("alice"); err != nil {
		t.Errorf("after reset: %v", err)
	}
}

func TestLimiterMemoryIsBounded(t *testing.T) {
	l := NewLimiter(time.Minute, 1, 50)
	for i := range 1000 {
		_ = l.Allow(fmt.Sprint("client-", i))
	}
	if n := l.Len(); n != 50 {
		t.Fatalf("%d keys remembered, want 50", n)
	}
	// The most recent keys are the ones kept.
	if err := l.Allow("client-999"); err == nil {
		t.Fatal("recent key forgotten")
	}
}
