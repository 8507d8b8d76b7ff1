// Package web is the HTTP platform every domain uses: the server and its middleware (request id,
// access log, metrics, panic recovery, security headers, cross-origin protection, body limits), a
// ServeMux that remembers its routes and documents the JSON API as OpenAPI, error rendering as
// JSON or page, the zh-CN/en message catalogue, html/template pages in a shared layout, hashed
// static assets, health and metrics endpoints and a small rate limiter.
//
// A domain registers its routes on the Mux, renders pages with a Renderer made from its own
// embedded templates, adds its own message files, and returns errs errors that Error renders.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Config configures a Server. Zero values take the defaults noted.
type Config struct {
	Addr   string       // listen address, ":8080" by default
	Logger *slog.Logger // slog.Default() when nil
	// Registry receives the HTTP metrics and is served at /metrics; when nil a new one with the
	// Go and process collectors is made (see Server.Registry).
	Registry *prometheus.Registry
	Pinger   Pinger  // checked by /readyz; nil: always ready
	API      APIInfo // heads /api/openapi.json

	BodyLimit      int64    // default request body limit, DefaultBodyLimit when 0
	TrustedOrigins []string // origins ("https://portal.example.gov.cn") allowed to post cross-origin
	SecureCookies  bool     // mark cookies Secure although TLS ends at a proxy

	ReadHeaderTimeout time.Duration // 10 s
	ReadTimeout       time.Duration // 2 min: covers uploads on slow links
	WriteTimeout      time.Duration // 2 min: covers the slowest export
	IdleTimeout       time.Duration // 2 min
	ShutdownTimeout   time.Duration // 20 s for in-flight requests once the context is cancelled
}

// Server is the HTTP server of the application.
type Server struct {
	cfg      Config
	mux      *Mux
	cop      *http.CrossOriginProtection
	bypass   atomic.Pointer[func(*http.Request) bool]
	draining atomic.Bool
	handler  http.Handler
}

// New returns a server with the platform routes registered (static files, /healthz, /readyz,
// /metrics, /api/openapi.json). Domains add theirs to Mux() before ListenAndServe.
func New(cfg Config) (*Server, error) {
	if cfg.Addr == "" {
		cfg.Addr = ":8080"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
		cfg.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	if cfg.BodyLimit == 0 {
		cfg.BodyLimit = DefaultBodyLimit
	}
	if cfg.API.Title == "" {
		cfg.API.Title = "onestamp API"
	}
	if cfg.API.Version == "" {
		cfg.API.Version = "1"
	}
	setDefault(&cfg.ReadHeaderTimeout, 10*time.Second)
	setDefault(&cfg.ReadTimeout, 2*time.Minute)
	setDefault(&cfg.WriteTimeout, 2*time.Minute)
	setDefault(&cfg.IdleTimeout, 2*time.Minute)
	setDefault(&cfg.ShutdownTimeout, 20*time.Second)

	s := &Server{cfg: cfg, mux: NewMux(), cop: http.NewCrossOriginProtection()}
	for _, o := range cfg.TrustedOrigins {
		if err := s.cop.AddTrustedOrigin(o); err != nil {
			return nil, fmt.Errorf("web: trusted origin: %w", err)
		}
	}
	s.mux.SetBodyLimit(cfg.BodyLimit)
	Static(s.mux)
	Health(s.mux, PingFunc(s.ready), cfg.Registry)
	s.mux.HandleOpenAPI(cfg.API)
	s.handler = Stack(s.mux, StackOptions{
		Logger:        cfg.Logger,
		Registerer:    cfg.Registry,
		CrossOrigin:   s.cop,
		SecureCookies: cfg.SecureCookies,
		CrossOriginBypass: func(r *http.Request) bool {
			f := s.bypass.Load()
			return f != nil && (*f)(r)
		},
	})
	return s, nil
}

func setDefault(d *time.Duration, v time.Duration) {
	if *d == 0 {
		*d = v
	}
}

func (s *Server) ready(ctx context.Context) error {
	if s.draining.Load() {
		return errors.New("shutting down")
	}
	if s.cfg.Pinger == nil {
		return nil
	}
	return s.cfg.Pinger.Ping(ctx)
}

// Mux is where domains register their routes.
func (s *Server) Mux() *Mux { return s.mux }

// Handler is the whole middleware stack around the Mux (what tests give httptest).
func (s *Server) Handler() http.Handler { return s.handler }

// Registry is the metrics registry served at /metrics, for the application's own metrics.
func (s *Server) Registry() *prometheus.Registry { return s.cfg.Registry }

// CrossOrigin is the CSRF check, for AddTrustedOrigin and AddInsecureBypassPattern.
func (s *Server) CrossOrigin() *http.CrossOriginProtection { return s.cop }

// SetCrossOriginBypass installs the hook that lets a request skip the CSRF check: the auth layer
// passes one that accepts API requests authenticated by a bearer token rather than a cookie.
func (s *Server) SetCrossOriginBypass(f func(*http.Request) bool) {
	if f == nil {
		s.bypass.Store(nil)
		return
	}
	s.bypass.Store(&f)
}

// ListenAndServe listens on the configured address and serves until ctx is cancelled, then shuts
// down gracefully (see Serve).
func (s *Server) ListenAndServe(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return err
	}
	return s.Serve(ctx, ln)
}

// Serve serves on ln until ctx is cancelled. Then /readyz turns 503, the listener closes, and
// requests in flight get ShutdownTimeout to finish before their connections are closed. It
// returns nil after a clean shutdown.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.cfg.Logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	s.cfg.Logger.Info("http: listening", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.draining.Store(true)
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if err != nil {
		s.cfg.Logger.Warn("http: shutdown timed out, closing connections", "err", err)
		_ = srv.Close()
	}
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	s.cfg.Logger.Info("http: stopped")
	return err
}
