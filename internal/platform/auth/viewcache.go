package auth

import (
	"context"
	"database/sql"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// The viewer cache. Every request resolves its session: the session joined with its user, then
// the user's roles, permissions and covers. A clerk working a queue sends many requests a
// minute, and the answer changes only when something in auth changes. A resolved viewer is
// therefore kept for a short time (Options.ViewerCache, 2 s) and reused.
//
// What keeps it correct:
//   - Every change auth makes (login, logout, role switch, users, roles, covers, passwords,
//     tokens, TOTP) runs through Service.tx, which bumps a generation counter after the
//     transaction ends. An entry carries the generation read before its database reads; an
//     entry from an older generation is not used. A change made in this process is therefore
//     seen by the very next request.
//   - Another process's change is seen within the cache's lifetime.
//   - The idle and absolute session limits and the last-seen touch are checked on every use
//     with the clock; when any of them is due, the request takes the full path.

type viewCache struct {
	gen atomic.Uint64
	mu  sync.Mutex
	m   map[string]viewEntry // by hashed session id
}

type viewEntry struct {
	v        Viewer
	row      sessionRow
	gen      uint64
	deadline time.Time // wall time; the service's clock may be a test's fixed one
}

// viewCacheMax bounds the entries; past it the expired ones go, and if that is not enough,
// all of them.
const viewCacheMax = 20000

// changed is called after every change auth makes.
func (c *viewCache) changed() { c.gen.Add(1) }

func (c *viewCache) get(h string) (viewEntry, bool) {
	c.mu.Lock()
	e, ok := c.m[h]
	c.mu.Unlock()
	if !ok || e.gen != c.gen.Load() || time.Now().After(e.deadline) {
		return viewEntry{}, false
	}
	return e, true
}

func (c *viewCache) put(h string, e viewEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]viewEntry{}
	}
	if len(c.m) >= viewCacheMax {
		now := time.Now()
		for k, old := range c.m {
			if now.After(old.deadline) {
				delete(c.m, k)
			}
		}
		if len(c.m) >= viewCacheMax {
			clear(c.m)
		}
	}
	c.m[h] = e
}

func (c *viewCache) drop(h string) {
	c.mu.Lock()
	delete(c.m, h)
	c.mu.Unlock()
}

// clone returns a viewer the caller may change without touching the cached one.
func (v Viewer) clone() *Viewer {
	v.Roles = slices.Clone(v.Roles)
	v.Perms = slices.Clone(v.Perms)
	v.Scopes = slices.Clone(v.Scopes)
	v.CoveringFor = slices.Clone(v.CoveringFor)
	return &v
}

// tx runs fn in a write transaction of auth and then tells the viewer cache that auth changed,
// whether or not the transaction committed.
func (s *Service) tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	defer s.views.changed()
	return s.d.Tx(ctx, fn)
}

// cachedViewer returns the cached viewer of session h when it may be used now: within the
// cache's lifetime, from the current generation, with the session neither idle nor too old, and
// no last-seen touch due.
func (s *Service) cachedViewer(h string) (*Viewer, bool) {
	if s.opt.ViewerCache <= 0 {
		return nil, false
	}
	e, ok := s.views.get(h)
	if !ok {
		return nil, false
	}
	now := s.now().UnixMilli()
	if now-e.row.LastSeenAt >= s.opt.TouchEvery.Milliseconds() || now-e.row.LastSeenAt > s.opt.SessionIdle.Milliseconds() ||
		now-e.row.CreatedAt > s.opt.SessionAbsolute.Milliseconds() {
		return nil, false
	}
	return e.v.clone(), true
}
