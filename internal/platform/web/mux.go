package web

import (
	"fmt"
	"net/http"
	"strings"
	"sync"

	"onestamp/internal/platform/errs"
)

// DefaultBodyLimit is the largest request body a route accepts unless it says otherwise.
const DefaultBodyLimit int64 = 1 << 20

// Route is one registered pattern.
type Route struct {
	Method  string // "GET", or "" for a pattern that matches every method
	Path    string // "/api/v1/workdays/add"
	Pattern string // as registered: "GET /api/v1/workdays/add"
}

// RouteOption adjusts one route.
type RouteOption func(*routeConfig)

type routeConfig struct {
	bodyLimit int64
}

// BodyLimit sets the largest request body the route accepts (uploads, imports).
func BodyLimit(n int64) RouteOption { return func(c *routeConfig) { c.bodyLimit = n } }

// Mux is an http.ServeMux (Go 1.22 method patterns) that remembers its routes and the API
// operations described for the OpenAPI document, and renders the platform's 404 and 405 pages.
type Mux struct {
	mux       *http.ServeMux
	bodyLimit int64

	mu     sync.Mutex
	routes []Route
	ops    []registeredOp
}

type registeredOp struct {
	op      Op
	pattern string
}

// NewMux returns an empty Mux.
func NewMux() *Mux { return &Mux{mux: http.NewServeMux(), bodyLimit: DefaultBodyLimit} }

// SetBodyLimit changes the default body limit for routes registered after the call.
func (m *Mux) SetBodyLimit(n int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.bodyLimit = n
}

// Handle registers h for pattern ("GET /staff/cases/{id}"). It panics, as ServeMux does, on an
// invalid or conflicting pattern: both are programming errors found at start-up.
func (m *Mux) Handle(pattern string, h http.Handler, opts ...RouteOption) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.handleLocked(pattern, h, opts)
}

// HandleFunc registers a handler function for pattern.
func (m *Mux) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request), opts ...RouteOption) {
	m.Handle(pattern, http.HandlerFunc(h), opts...)
}

func (m *Mux) handleLocked(pattern string, h http.Handler, opts []RouteOption) {
	c := routeConfig{bodyLimit: m.bodyLimit}
	for _, o := range opts {
		o(&c)
	}
	m.mux.Handle(pattern, routeHandler(pattern, c.bodyLimit, h))
	method, path, _ := splitPattern(pattern)
	m.routes = append(m.routes, Route{Method: method, Path: path, Pattern: pattern})
}

// API registers an operation of the JSON API and describes it for the OpenAPI document in the
// same statement, so that the two cannot drift apart:
//
//	m.API(web.Op{Method: "GET", Path: "/api/v1/workdays/add", Summary: "...",
//		Params: []web.Param{{Name: "from", In: "query", Required: true}}, Response: AddResult{}}, h.add)
func (m *Mux) API(op Op, h func(http.ResponseWriter, *http.Request), opts ...RouteOption) {
	if err := op.check(); err != nil {
		panic(err)
	}
	pattern := op.Method + " " + op.Path
	m.mu.Lock()
	defer m.mu.Unlock()
	m.handleLocked(pattern, http.HandlerFunc(h), opts)
	m.ops = append(m.ops, registeredOp{op: op, pattern: pattern})
}

// Routes returns every registered route in registration order.
func (m *Mux) Routes() []Route {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Route(nil), m.routes...)
}

func (m *Mux) operations() []registeredOp {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]registeredOp(nil), m.ops...)
}

// ServeHTTP dispatches to the matching route, and renders the platform's not-found and
// method-not-allowed responses (page or JSON) where ServeMux would write plain text.
func (m *Mux) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r, i := ensureInfo(r)
	nf := &notFoundCatcher{ResponseWriter: w, info: i}
	m.mux.ServeHTTP(nf, r)
	if nf.caught != 0 {
		var e *errs.Error
		if nf.caught == http.StatusMethodNotAllowed {
			e = errs.New(errs.Invalid, KeyMethodNotAllowed)
		} else {
			e = errs.New(errs.NotFound, KeyPageNotFound)
		}
		writeError(w, r, nf.caught, e)
	}
}

// notFoundCatcher swallows the plain-text 404 or 405 that ServeMux writes when no route matched
// (no route wrapper set the pattern), so that ServeHTTP can write the real one.
type notFoundCatcher struct {
	http.ResponseWriter
	info   *reqInfo
	caught int
}

func (c *notFoundCatcher) WriteHeader(code int) {
	if c.info.pattern == "" && (code == http.StatusNotFound || code == http.StatusMethodNotAllowed) {
		c.caught = code
		return
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *notFoundCatcher) Write(b []byte) (int, error) {
	if c.caught != 0 {
		return len(b), nil
	}
	return c.ResponseWriter.Write(b)
}

func (c *notFoundCatcher) Flush() {
	if f, ok := c.ResponseWriter.(http.Flusher); ok && c.caught == 0 {
		f.Flush()
	}
}

func (c *notFoundCatcher) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// MissingFromOpenAPI lists the /api/v1 routes of m that the OpenAPI document does not describe:
// routes registered with Handle instead of API. The application's test asserts it is empty.
func MissingFromOpenAPI(m *Mux) []string {
	documented := map[string]bool{}
	for _, o := range m.operations() {
		documented[o.pattern] = true
	}
	var out []string
	for _, rt := range m.Routes() {
		if !isAPIv1(rt.Path) || documented[rt.Pattern] {
			continue
		}
		method := rt.Method
		if method == "" {
			method = "ANY"
		}
		out = append(out, fmt.Sprintf("%s %s", method, rt.Path))
	}
	return out
}

func isAPIv1(p string) bool {
	return p == "/api/v1" || strings.HasPrefix(p, "/api/v1/")
}
