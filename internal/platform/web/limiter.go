package web

import (
	"container/list"
	"math"
	"net/http"
	"sync"
	"time"

	"onestamp/internal/platform/errs"
)

// Limiter is a token bucket per key (an account name, a client address) with bounded memory:
// past maxKeys the least recently used key is forgotten, which at worst gives that key a full
// bucket again. Buckets live in this process; behind a load balancer each node limits on its own,
// which is enough against guessing passwords and needs no shared state.
type Limiter struct {
	every   time.Duration // one token per every
	burst   float64
	maxKeys int
	now     func() time.Time

	mu    sync.Mutex
	order *list.List // front: most recently used; values are *bucket
	keys  map[string]*list.Element
}

type bucket struct {
	key    string
	tokens float64
	at     time.Time
}

// NewLimiter allows burst requests at once per key and one more every `every` after that,
// remembering at most maxKeys keys.
func NewLimiter(every time.Duration, burst, maxKeys int) *Limiter {
	if every <= 0 || burst < 1 || maxKeys < 1 {
		panic("web: NewLimiter needs every > 0, burst >= 1, maxKeys >= 1")
	}
	return &Limiter{every: every, burst: float64(burst), maxKeys: maxKeys, now: time.Now,
		order: list.New(), keys: map[string]*list.Element{}}
}

// Allow takes a token for key. When none is left it returns errs.TooMany with the argument
// retry_after (whole seconds), which Error sends as the Retry-After header.
func (l *Limiter) Allow(key string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.bucket(key, now)
	b.tokens = math.Min(l.burst, b.tokens+float64(now.Sub(b.at))/float64(l.every))
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return nil
	}
	wait := time.Duration((1 - b.tokens) * float64(l.every))
	secs := int64(math.Ceil(wait.Seconds()))
	return errs.New(errs.TooMany, "error.too_many_requests").With("retry_after", max(secs, 1))
}

// Reset forgets key, as after a successful sign-in.
func (l *Limiter) Reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e, ok := l.keys[key]; ok {
		l.order.Remove(e)
		delete(l.keys, key)
	}
}

// Len returns how many keys are remembered.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.keys)
}

func (l *Limiter) bucket(key string, now time.Time) *bucket {
	if e, ok := l.keys[key]; ok {
		l.order.MoveToFront(e)
		return e.Value.(*bucket)
	}
	for len(l.keys) >= l.maxKeys {
		old := l.order.Back()
		l.order.Remove(old)
		delete(l.keys, old.Value.(*bucket).key)
	}
	b := &bucket{key: key, tokens: l.burst, at: now}
	l.keys[key] = l.order.PushFront(b)
	return b
}

// Wrap limits h by the key that keyOf derives from a request; an empty key is not limited.
func (l *Limiter) Wrap(keyOf func(*http.Request) string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if k := keyOf(r); k != "" {
			if err := l.Allow(k); err != nil {
				Error(w, r, err)
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}
