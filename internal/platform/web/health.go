package web

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Pinger reports whether a dependency (the database) answers. *db.DB is one.
type Pinger interface {
	Ping(ctx context.Context) error
}

// PingFunc adapts a function to Pinger.
type PingFunc func(ctx context.Context) error

// Ping calls f.
func (f PingFunc) Ping(ctx context.Context) error { return f(ctx) }

// ReadyTimeout bounds the readiness check.
const ReadyTimeout = 2 * time.Second

// Health registers GET /healthz (the process answers: 200 "ok"), GET /readyz (p answers within
// ReadyTimeout: 200 "ready", else 503 with the reason) and, when reg is not nil, GET /metrics.
// /metrics tells about traffic; expose it only where the scraper reaches it (see the README).
func Health(m *Mux, p Pinger, reg *prometheus.Registry) {
	m.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		plain(w, http.StatusOK, "ok")
	})
	m.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if p != nil {
			ctx, cancel := context.WithTimeout(r.Context(), ReadyTimeout)
			defer cancel()
			if err := p.Ping(ctx); err != nil {
				Log(r.Context()).Warn("not ready", "err", err)
				plain(w, http.StatusServiceUnavailable, "not ready: "+err.Error())
				return
			}
		}
		plain(w, http.StatusOK, "ready")
	})
	if reg != nil {
		m.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	}
}

func plain(w http.ResponseWriter, status int, s string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(s + "\n"))
}
