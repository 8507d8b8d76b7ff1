package web

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"onestamp/internal/platform/errs"
)

// ContentSecurityPolicy allows scripts, styles and images from this origin only: no inline
// script or style, so templates carry neither (see CSPViolations).
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"

// RequestIDHeader carries the request id in and out.
const RequestIDHeader = "X-Request-ID"

// StackOptions configures the middleware chain.
type StackOptions struct {
	Logger *slog.Logger // access log and error log; slog.Default() when nil
	// Registerer receives the HTTP metrics; none are recorded when nil.
	Registerer prometheus.Registerer
	// CrossOrigin is the CSRF check; a fresh http.NewCrossOriginProtection() when nil.
	CrossOrigin *http.CrossOriginProtection
	// CrossOriginBypass, when it returns true, skips the CSRF check for a request: the auth layer
	// sets it for API requests that carry a bearer token (and are authenticated only by it).
	CrossOriginBypass func(*http.Request) bool
	// SecureCookies marks the cookies this package sets (lang) Secure even without TLS in the
	// process (TLS ends at a proxy).
	SecureCookies bool
}

// Stack wraps h (normally a *Mux) in the platform middleware, outermost first: request id,
// language and security headers; access log, metrics and panic recovery; the cross-origin check.
func Stack(h http.Handler, o StackOptions) http.Handler {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.CrossOrigin == nil {
		o.CrossOrigin = http.NewCrossOriginProtection()
	}
	var m *httpMetrics
	if o.Registerer != nil {
		m = newHTTPMetrics(o.Registerer)
	}
	h = crossOrigin(o.CrossOrigin, o.CrossOriginBypass, h)
	h = observe(o.Logger, m, h)
	return begin(o.Logger, o.SecureCookies, h)
}

// begin gives the request its id, language and logger, and sets the security headers before
// anything else can write.
func begin(logger *slog.Logger, secureCookies bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(RequestIDHeader)
		if !validRequestID(id) {
			id = newRequestID()
		}
		i := &reqInfo{id: id, lang: langFromRequest(r), logger: logger}
		h := w.Header()
		h.Set(RequestIDHeader, id)
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if q := r.URL.Query().Get("lang"); q != "" && MatchLang(q) != "" {
			setLangCookie(w, r, i.lang, secureCookies)
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), infoKey, i)))
	})
}

// newRequestID returns 26 random base32 characters.
func newRequestID() string { return rand.Text() }

// validRequestID accepts an id from a proxy when it is short and plain, so that it can go into
// logs and headers as it is.
func validRequestID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// crossOrigin refuses unsafe cross-origin browser requests (CSRF) with a 403 in the usual
// error format.
func crossOrigin(c *http.CrossOriginProtection, bypass func(*http.Request) bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if bypass == nil || !bypass(r) {
			if err := c.Check(r); err != nil {
				e := errs.New(errs.Forbidden, KeyCrossOrigin)
				e.Err = err
				Log(r.Context()).Warn("cross-origin request refused", "method", r.Method, "path", r.URL.Path,
					"origin", r.Header.Get("Origin"), "sec_fetch_site", r.Header.Get("Sec-Fetch-Site"))
				writeError(w, r, http.StatusForbidden, e)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// observe records what happened: it recovers a panic into a 500, then writes the access log
// line and the metrics.
func observe(logger *slog.Logger, m *httpMetrics, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w}
		if m != nil {
			m.inFlight.Inc()
			defer m.inFlight.Dec()
		}
		i := infoFrom(r.Context())
		defer func() {
			p := recover()
			if p != nil {
				if p == http.ErrAbortHandler {
					finish(logger, m, r, i, rec, start)
					panic(p)
				}
				Log(r.Context()).Error("panic", "method", r.Method, "path", r.URL.Path,
					"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if !rec.wroteHeader {
					writeError(rec, r, http.StatusInternalServerError, errs.Wrap(fmt.Errorf("panic: %v", p), "panic"))
				}
			}
			finish(logger, m, r, i, rec, start)
		}()
		next.ServeHTTP(rec, r)
	})
}

func finish(logger *slog.Logger, m *httpMetrics, r *http.Request, i *reqInfo, rec *recorder, start time.Time) {
	status := rec.status
	if status == 0 {
		status = http.StatusOK // a handler that wrote nothing sent an empty 200
	}
	d := time.Since(start)
	route := routeLabel(i)
	if m != nil {
		method := methodLabel(r.Method)
		class := strconv.Itoa(status/100) + "xx"
		m.requests.WithLabelValues(method, route, class).Inc()
		m.duration.WithLabelValues(method, route, class).Observe(d.Seconds())
	}
	level := slog.LevelInfo
	switch {
	case quietPath(r.URL.Path):
		level = slog.LevelDebug
	case status >= 500:
		level = slog.LevelError
	}
	attrs := []slog.Attr{
		slog.String("method", r.Method),
		slog.String("route", route),
		slog.String("path", r.URL.Path),
		slog.Int("status", status),
		slog.Int64("bytes", rec.bytes),
		slog.Float64("duration_ms", float64(d.Microseconds())/1000),
	}
	if i != nil {
		attrs = append(attrs, slog.String("request_id", i.id))
	}
	logger.LogAttrs(r.Context(), level, "http", attrs...)
}

// quietPath: probes and scrapes would drown the access log.
func quietPath(p string) bool {
	return p == "/healthz" || p == "/readyz" || p == "/metrics"
}

// routeLabel is the matched route's path pattern, so that metric labels stay bounded whatever
// paths clients invent.
func routeLabel(i *reqInfo) string {
	if i == nil || i.pattern == "" {
		return "unmatched"
	}
	_, p, _ := splitPattern(i.pattern)
	return p
}

func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}

// recorder notes the status and size of a response for the log and the metrics.
type recorder struct {
	http.ResponseWriter
	status      int
	bytes       int64
	wroteHeader bool
}

func (rw *recorder) WriteHeader(code int) {
	if !rw.wroteHeader {
		rw.status = code
		rw.wroteHeader = code >= 200 // 1xx informational headers may precede the real one
	}
	rw.ResponseWriter.WriteHeader(code)
}

func (rw *recorder) Write(b []byte) (int, error) {
	if !rw.wroteHeader {
		rw.WriteHeader(http.StatusOK)
	}
	n, err := rw.ResponseWriter.Write(b)
	rw.bytes += int64(n)
	return n, err
}

// Flush lets streaming handlers that type-assert http.Flusher keep working.
func (rw *recorder) Flush() {
	if !rw.wroteHeader {
		rw.WriteHeader(http.StatusOK)
	}
	if f, ok := rw.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap serves http.ResponseController.
func (rw *recorder) Unwrap() http.ResponseWriter { return rw.ResponseWriter }

type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
}

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	labels := []string{"method", "route", "status"}
	return &httpMetrics{
		requests: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "onestamp_http_requests_total",
			Help: "HTTP requests by method, route pattern and status class.",
		}, labels)),
		duration: register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "onestamp_http_request_duration_seconds",
			Help:    "HTTP request duration by method, route pattern and status class.",
			Buckets: prometheus.DefBuckets,
		}, labels)),
		inFlight: register(reg, prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "onestamp_http_requests_in_flight",
			Help: "HTTP requests being served.",
		})),
	}
}

// register registers c, or returns the collector already registered under the same name (a
// second server on one registry, as in tests).
func register[T prometheus.Collector](reg prometheus.Registerer, c T) T {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(T); ok {
				return existing
			}
		}
		panic(err)
	}
	return c
}

// routeHandler is what the Mux registers for a route: it tells the outer middleware which
// pattern matched and limits the request body.
func routeHandler(pattern string, limit int64, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r, i := ensureInfo(r)
		i.pattern = pattern
		i.bodyLimit = limit
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		h.ServeHTTP(w, r)
	})
}

// splitPattern splits a ServeMux pattern "[METHOD ][HOST]/PATH" into its parts.
func splitPattern(p string) (method, path, host string) {
	p = strings.TrimSpace(p)
	if i := strings.IndexAny(p, " \t"); i >= 0 && !strings.Contains(p[:i], "/") {
		method, p = p[:i], strings.TrimLeft(p[i:], " \t")
	}
	if i := strings.IndexByte(p, '/'); i > 0 {
		host, p = p[:i], p[i:]
	}
	return method, p, host
}
