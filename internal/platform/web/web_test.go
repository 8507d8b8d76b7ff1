package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"onestamp/internal/platform/errs"
)

// syncBuffer is a log sink that a test can read while the server writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var addTestMessages = sync.OnceFunc(func() {
	must(AddMessages("zh-CN", map[string]string{"test.home.title": "测试首页", "test.home.greeting": "你好，{name}"}))
	must(AddMessages("en", map[string]string{"test.home.title": "Test home", "test.home.greeting": "Hello, {name}"}))
})

func must(err error) {
	if err != nil {
		panic(err)
	}
}

type testEnv struct {
	srv     *Server
	log     *syncBuffer
	pingErr error
	reg     *prometheus.Registry
}

type thing struct {
	ID    string `json:"id" doc:"the thing's id"`
	Name  string `json:"name"`
	Count int    `json:"count,omitempty"`
}

type viewer string

func (v viewer) DisplayName() string { return string(v) }

// newEnv builds a server as the application would: platform routes plus a small test domain
// with real templates (testdata/templates), pages, API operations and failure paths.
func newEnv(t *testing.T) *testEnv {
	t.Helper()
	addTestMessages()
	env := &testEnv{log: &syncBuffer{}, reg: prometheus.NewRegistry()}
	logger := slog.New(slog.NewJSONHandler(env.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, err := New(Config{
		Logger:         logger,
		Registry:       env.reg,
		Pinger:         PingFunc(func(context.Context) error { return env.pingErr }),
		TrustedOrigins: []string{"https://trusted.example"},
	})
	if err != nil {
		t.Fatal(err)
	}
	env.srv = srv
	rd, err := NewRenderer(os.DirFS("testdata"), "templates/*.html")
	if err != nil {
		t.Fatal(err)
	}
	m := srv.Mux()
	m.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		if name := r.URL.Query().Get("as"); name != "" {
			SetViewer(r, viewer(name))
		}
		rd.Render(w, r, "home.html", struct {
			Name string
			When int64
		}{"<b>张三</b>", 0})
	})
	m.HandleFunc("GET /bad", func(w http.ResponseWriter, r *http.Request) {
		rd.Render(w, r, "bad.html", struct{}{})
	})
	m.HandleFunc("POST /form", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "posted")
	})
	m.HandleFunc("GET /panic", func(w http.ResponseWriter, r *http.Request) {
		panic("secret detail: password=hunter2")
	})
	m.API(Op{Method: "GET", Path: "/api/v1/panic", Summary: "Panic on purpose"}, func(w http.ResponseWriter, r *http.Request) {
		panic("secret detail")
	})
	m.HandleFunc("GET /fail/{code}", func(w http.ResponseWriter, r *http.Request) {
		Error(w, r, failure(r.PathValue("code")))
	})
	m.HandleFunc("POST /upload", func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			Error(w, r, err)
			return
		}
		_, _ = w.Write(b)
	}, BodyLimit(10))
	m.API(Op{Method: "GET", Path: "/api/v1/things/{id}", Summary: "Get a thing", Tags: []string{"things"},
		Response: thing{}, Errors: []errs.Code{errs.NotFound}},
		func(w http.ResponseWriter, r *http.Request) {
			if id := r.PathValue("id"); id == "42" {
				JSON(w, http.StatusOK, thing{ID: id, Name: "答案"})
				return
			}
			Error(w, r, errs.NotFoundErr("error.not_found"))
		})
	m.API(Op{Method: "POST", Path: "/api/v1/things", Summary: "Create a thing", Request: thing{}, Response: thing{},
		Status: http.StatusCreated, Errors: []errs.Code{errs.Invalid}},
		func(w http.ResponseWriter, r *http.Request) {
			var in thing
			if err := DecodeJSON(r, &in); err != nil {
				Error(w, r, err)
				return
			}
			JSON(w, http.StatusCreated, in)
		})
	m.API(Op{Method: "GET", Path: "/api/v1/fail/{code}", Summary: "Fail on purpose",
		Params: []Param{{Name: "code", In: "path", Description: "an errs code"}}},
		func(w http.ResponseWriter, r *http.Request) { Error(w, r, failure(r.PathValue("code"))) })
	return env
}

func failure(code string) error {
	switch errs.Code(code) {
	case errs.Internal:
		return errs.Wrap(errors.New("pq: relation \"secret_table\" does not exist"), "load case 7")
	case errs.TooMany:
		return errs.New(errs.TooMany, "error.too_many_requests").With("retry_after", 30)
	case errs.Invalid:
		return errs.InvalidInput("error.json.type").OnField("count").With("field", "count").With("type", "integer")
	}
	return errs.New(errs.Code(code), "")
}

func (env *testEnv) do(r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	env.srv.Handler().ServeHTTP(w, r)
	return w
}

func (env *testEnv) get(target string, hdr ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("GET", target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	return env.do(r)
}

func decodeError(t *testing.T, w *httptest.ResponseRecorder) ErrorDetail {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q, want JSON; body %s", ct, w.Body)
	}
	var b ErrorBody
	if err := json.Unmarshal(w.Body.Bytes(), &b); err != nil {
		t.Fatalf("decode %s: %v", w.Body, err)
	}
	return b.Error
}

func TestSecurityHeadersAndNoInlineScript(t *testing.T) {
	env := newEnv(t)
	pages := map[string]*httptest.ResponseRecorder{
		"home":          env.get("/"),
		"home en":       env.get("/?lang=en&as=Li"),
		"404 page":      env.get("/nowhere"),
		"500 page":      env.get("/panic"),
		"error page en": env.get("/fail/conflict", "Accept-Language", "en"),
		"htmx fragment": env.get("/", "HX-Request", "true"),
	}
	for name, w := range pages {
		h := w.Header()
		if got := h.Get("Content-Security-Policy"); got != ContentSecurityPolicy {
			t.Errorf("%s: CSP %q", name, got)
		}
		for k, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY"} {
			if got := h.Get(k); got != want {
				t.Errorf("%s: %s = %q, want %q", name, k, got, want)
			}
		}
		if !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
			t.Errorf("%s: Content-Type %q", name, h.Get("Content-Type"))
		}
		if v := CSPViolations(w.Body.Bytes()); len(v) > 0 {
			t.Errorf("%s: CSP violations %v in\n%s", name, v, w.Body)
		}
	}
	// The full page loads its scripts and styles by hashed URL from this origin.
	body := pages["home"].Body.String()
	for _, a := range []string{"app.css", "app.js", "vendor/htmx.min.js"} {
		if !strings.Contains(body, `"`+Asset(a)+`"`) {
			t.Errorf("home page does not reference %s", Asset(a))
		}
	}
	if !strings.Contains(body, "&lt;b&gt;张三&lt;/b&gt;") {
		t.Errorf("data not escaped:\n%s", body)
	}
	if w := pages["home en"]; !strings.Contains(w.Body.String(), "Hello, ") || !strings.Contains(w.Body.String(), `class="viewer">Li<`) {
		t.Errorf("English page with viewer:\n%s", w.Body)
	}
}

func TestCSPViolationsFindsInlineCode(t *testing.T) {
	page := `<!doctype html><html><head><script>alert(1)</script><style>p{}</style>
<script src="/static/a.js"></script></head><body><p style="color:red" onclick="x()">x</p>
<a href="javascript:void(0)">y</a><button hx-on:click="z()">z</button><!-- <script>ok</script> --></body></html>`
	got := CSPViolations([]byte(page))
	if len(got) != 7 {
		t.Fatalf("got %d violations %v, want 7", len(got), got)
	}
	if v := CSPViolations([]byte(`<script src="/a.js" defer></script><p class="x">ok</p>`)); len(v) != 0 {
		t.Fatalf("clean page reported: %v", v)
	}
}

func TestHTMXGetsOnlyTheContent(t *testing.T) {
	env := newEnv(t)
	w := env.get("/", "HX-Request", "true")
	body := w.Body.String()
	if strings.Contains(body, "<html") || strings.Contains(body, "<script") || !strings.Contains(body, `id="home"`) {
		t.Fatalf("fragment:\n%s", body)
	}
	if w := env.get("/", "HX-Request", "true", "HX-Boosted", "true"); !strings.Contains(w.Body.String(), "<html") {
		t.Fatalf("boosted request should get the whole page")
	}
}

func TestTemplateErrorGivesCleanErrorPage(t *testing.T) {
	env := newEnv(t)
	w := env.get("/bad")
	if w.Code != http.StatusInternalServerError {
		t.Fatalf("status %d", w.Code)
	}
	if strings.Contains(w.Body.String(), "Missing") || !strings.Contains(w.Body.String(), w.Header().Get(RequestIDHeader)) {
		t.Fatalf("body:\n%s", w.Body)
	}
}

func TestCrossOriginProtection(t *testing.T) {
	env := newEnv(t)
	post := func(hdr ...string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", "http://onestamp.test/form", strings.NewReader("q=1"))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for i := 0; i+1 < len(hdr); i += 2 {
			r.Header.Set(hdr[i], hdr[i+1])
		}
		return env.do(r)
	}
	for _, tc := range []struct {
		name string
		hdr  []string
		want int
	}{
		{"cross-site fetch metadata", []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"foreign origin", []string{"Origin", "https://evil.example"}, http.StatusForbidden},
		{"same-origin fetch metadata", []string{"Sec-Fetch-Site", "same-origin"}, http.StatusOK},
		{"same origin header", []string{"Origin", "http://onestamp.test"}, http.StatusOK},
		{"trusted origin", []string{"Origin", "https://trusted.example", "Sec-Fetch-Site", "cross-site"}, http.StatusOK},
		{"non-browser client", nil, http.StatusOK},
	} {
		w := post(tc.hdr...)
		if w.Code != tc.want {
			t.Errorf("%s: status %d, want %d (%s)", tc.name, w.Code, tc.want, w.Body)
		}
		if tc.want == http.StatusForbidden && !strings.Contains(w.Body.String(), Messages.Text("zh-CN", KeyCrossOrigin, nil)) {
			t.Errorf("%s: refusal page does not explain:\n%s", tc.name, w.Body)
		}
	}
	// Safe methods are never refused.
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	if w := env.do(r); w.Code != http.StatusOK {
		t.Errorf("cross-site GET: %d", w.Code)
	}
	// The auth layer's hook lets bearer-token API calls through.
	env.srv.SetCrossOriginBypass(func(r *http.Request) bool {
		return strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ")
	})
	if w := post("Sec-Fetch-Site", "cross-site", "Authorization", "Bearer abc"); w.Code != http.StatusOK {
		t.Errorf("bearer request with bypass: %d", w.Code)
	}
	if w := post("Sec-Fetch-Site", "cross-site"); w.Code != http.StatusForbidden {
		t.Errorf("cookie request with bypass hook installed: %d", w.Code)
	}
}

func TestPanicRecovery(t *testing.T) {
	env := newEnv(t)
	w := env.get("/panic")
	id := w.Header().Get(RequestIDHeader)
	if w.Code != http.StatusInternalServerError || id == "" {
		t.Fatalf("status %d id %q", w.Code, id)
	}
	body := w.Body.String()
	if !strings.Contains(body, id) {
		t.Errorf("page lacks the request id %s", id)
	}
	for _, leak := range []string{"hunter2", "secret", "goroutine", "runtime/", ".go:"} {
		if strings.Contains(body, leak) {
			t.Errorf("page leaks %q:\n%s", leak, body)
		}
	}
	log := env.log.String()
	if !strings.Contains(log, "hunter2") || !strings.Contains(log, "goroutine") || !strings.Contains(log, id) {
		t.Errorf("log lacks the panic, its stack or the request id:\n%s", log)
	}

	w = env.get("/api/v1/panic")
	e := decodeError(t, w)
	if w.Code != 500 || e.Code != errs.Internal || e.RequestID != w.Header().Get(RequestIDHeader) || strings.Contains(w.Body.String(), "secret") {
		t.Errorf("API panic: %d %s", w.Code, w.Body)
	}
}

func TestErrorRendering(t *testing.T) {
	env := newEnv(t)
	zhNotFound := Messages.Text("zh-CN", "error.not_found", nil)
	enNotFound := Messages.Text("en", "error.not_found", nil)

	for _, tc := range []struct {
		name, target string
		hdr          []string
		status       int
		json         bool
		want         string
	}{
		{"api default zh-CN", "/api/v1/things/7", nil, 404, true, zhNotFound},
		{"api ?lang=en", "/api/v1/things/7?lang=en", nil, 404, true, enNotFound},
		{"api Accept-Language", "/api/v1/things/7", []string{"Accept-Language", "en-US,en;q=0.9"}, 404, true, enNotFound},
		{"api unsupported language", "/api/v1/things/7", []string{"Accept-Language", "fr-FR"}, 404, true, zhNotFound},
		{"page default zh-CN", "/fail/not_found", nil, 404, false, zhNotFound},
		{"page ?lang=en", "/fail/not_found?lang=en", nil, 404, false, enNotFound},
		{"page Accept-Language", "/fail/not_found", []string{"Accept-Language", "en"}, 404, false, enNotFound},
		{"page asked for JSON", "/fail/not_found", []string{"Accept", "application/json"}, 404, true, zhNotFound},
		{"conflict", "/api/v1/fail/conflict", nil, 409, true, Messages.Text("zh-CN", "error.conflict", nil)},
		{"forbidden", "/fail/forbidden", nil, 403, false, Messages.Text("zh-CN", "error.forbidden", nil)},
		{"unauthenticated", "/api/v1/fail/unauthenticated", nil, 401, true, Messages.Text("zh-CN", "error.unauthenticated", nil)},
		{"too many", "/api/v1/fail/too_many_requests", nil, 429, true, Messages.Text("zh-CN", "error.too_many_requests", nil)},
		{"invalid with field", "/api/v1/fail/invalid?lang=en", nil, 400, true, "Field count has the wrong type: integer expected."},
		{"internal", "/fail/internal", nil, 500, false, Messages.Text("zh-CN", "error.internal", nil)},
		{"unknown page", "/no/such/page", nil, 404, false, Messages.Text("zh-CN", KeyPageNotFound, nil)},
		{"unknown page en", "/no/such/page?lang=en", nil, 404, false, "The page you asked for does not exist."},
		{"unknown API path", "/api/v1/nothing", nil, 404, true, Messages.Text("zh-CN", KeyPageNotFound, nil)},
		{"wrong method", "/form", nil, 405, false, Messages.Text("zh-CN", KeyMethodNotAllowed, nil)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := env.get(tc.target, tc.hdr...)
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.status, w.Body)
			}
			id := w.Header().Get(RequestIDHeader)
			if tc.json {
				e := decodeError(t, w)
				if e.Message != tc.want || e.RequestID != id || string(e.Code) == "" {
					t.Fatalf("error %+v, want message %q and id %s", e, tc.want, id)
				}
			} else {
				body := w.Body.String()
				if !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") || !strings.Contains(body, tc.want) ||
					!strings.Contains(body, id) || !strings.Contains(body, "<html") {
					t.Fatalf("page lacks %q or id %s:\n%s", tc.want, id, body)
				}
			}
			if strings.Contains(w.Body.String(), "secret_table") {
				t.Fatalf("internal detail leaked: %s", w.Body)
			}
		})
	}

	w := env.get("/api/v1/fail/invalid")
	if e := decodeError(t, w); e.Field != "count" || e.Code != errs.Invalid {
		t.Errorf("field not reported: %+v", e)
	}
	if w := env.get("/api/v1/fail/too_many_requests"); w.Header().Get("Retry-After") != "30" {
		t.Errorf("Retry-After %q", w.Header().Get("Retry-After"))
	}
	if w := env.get("/form"); w.Header().Get("Allow") == "" {
		t.Errorf("405 without Allow header")
	}
	if w := env.get("/fail/not_found?lang=en"); !strings.Contains(w.Body.String(), `<html lang="en">`) {
		t.Errorf("English error page not marked lang=en")
	}
	if !strings.Contains(env.log.String(), "secret_table") {
		t.Errorf("internal error not logged in full:\n%s", env.log)
	}
}

func TestLanguageCookie(t *testing.T) {
	env := newEnv(t)
	w := env.get("/?lang=en")
	var cookie *http.Cookie
	for _, c := range w.Result().Cookies() {
		if c.Name == LangCookie {
			cookie = c
		}
	}
	if cookie == nil || cookie.Value != "en" || !cookie.HttpOnly {
		t.Fatalf("lang cookie %+v", cookie)
	}
	r := httptest.NewRequest("GET", "/fail/not_found", nil)
	r.AddCookie(cookie)
	r.Header.Set("Accept-Language", "zh-CN") // the explicit choice wins over the browser's
	if w := env.do(r); !strings.Contains(w.Body.String(), Messages.Text("en", "error.not_found", nil)) {
		t.Fatalf("cookie language not used:\n%s", w.Body)
	}
	// The switch links keep the current page.
	if body := env.get("/").Body.String(); !strings.Contains(body, `href="/?lang=en"`) {
		t.Fatalf("no switch to English:\n%s", body)
	}
}

func TestRequestID(t *testing.T) {
	env := newEnv(t)
	if got := env.get("/healthz", RequestIDHeader, "lb-1234.abc").Header().Get(RequestIDHeader); got != "lb-1234.abc" {
		t.Errorf("proxy id not kept: %q", got)
	}
	a := env.get("/healthz", RequestIDHeader, "bad id\nwith newline").Header().Get(RequestIDHeader)
	b := env.get("/healthz").Header().Get(RequestIDHeader)
	if a == "" || b == "" || a == b || strings.ContainsAny(a, " \n") {
		t.Errorf("ids %q %q", a, b)
	}
}

func TestAccessLog(t *testing.T) {
	env := newEnv(t)
	w := env.get("/api/v1/things/42")
	id := w.Header().Get(RequestIDHeader)
	var found bool
	for line := range strings.Lines(env.log.String()) {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) != nil || rec["msg"] != "http" {
			continue
		}
		found = rec["request_id"] == id && rec["route"] == "/api/v1/things/{id}" && rec["status"] == float64(200) &&
			rec["method"] == "GET" && rec["bytes"] == float64(w.Body.Len()) && rec["duration_ms"] != nil
	}
	if !found {
		t.Fatalf("no access log line for %s:\n%s", id, env.log)
	}
}

func TestBodyLimit(t *testing.T) {
	env := newEnv(t)
	up := func(n int) *httptest.ResponseRecorder {
		return env.do(httptest.NewRequest("POST", "/upload", strings.NewReader(strings.Repeat("x", n))))
	}
	if w := up(10); w.Code != 200 || w.Body.Len() != 10 {
		t.Errorf("at the limit: %d %q", w.Code, w.Body)
	}
	if w := up(11); w.Code != http.StatusRequestEntityTooLarge || !strings.Contains(w.Body.String(), Messages.Text("zh-CN", KeyTooLarge, nil)) {
		t.Errorf("over the route limit: %d %s", w.Code, w.Body)
	}
	// The default limit applies to routes that set none.
	big := `{"id":"1","name":"` + strings.Repeat("x", int(DefaultBodyLimit)) + `"}`
	r := httptest.NewRequest("POST", "/api/v1/things", strings.NewReader(big))
	r.Header.Set("Content-Type", "application/json")
	w := env.do(r)
	if e := decodeError(t, w); w.Code != http.StatusRequestEntityTooLarge || e.Message != Messages.Text("zh-CN", KeyTooLarge, nil) {
		t.Errorf("over the default limit: %d %+v", w.Code, e)
	}
}

func TestDecodeJSON(t *testing.T) {
	env := newEnv(t)
	for _, tc := range []struct {
		name, body, ctype string
		status            int
		key, field        string
	}{
		{"ok", `{"id":"1","name":"甲","count":2}`, "application/json", 201, "", ""},
		{"unknown field", `{"id":"1","nmae":"甲"}`, "application/json", 400, "error.json.unknown_field", "nmae"},
		{"wrong type", `{"id":"1","count":"two"}`, "application/json", 400, "error.json.type", "count"},
		{"two values", `{"id":"1"} {"id":"2"}`, "application/json", 400, "error.json.trailing", ""},
		{"syntax", `{"id":`, "application/json", 400, "error.json.syntax", ""},
		{"empty", ``, "application/json", 400, "error.json.empty", ""},
		{"not JSON", `id=1`, "application/x-www-form-urlencoded", 400, "error.json.content_type", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/api/v1/things?lang=en", strings.NewReader(tc.body))
			r.Header.Set("Content-Type", tc.ctype)
			w := env.do(r)
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.status, w.Body)
			}
			if tc.key == "" {
				return
			}
			e := decodeError(t, w)
			if e.Code != errs.Invalid || e.Field != tc.field {
				t.Fatalf("error %+v, want field %q", e, tc.field)
			}
			if want := Messages.Text("en", tc.key, map[string]any{"field": tc.field, "type": "integer"}); e.Message != want {
				t.Fatalf("message %q, want %q", e.Message, want)
			}
		})
	}
}

func TestStaticAssets(t *testing.T) {
	env := newEnv(t)
	css, _ := staticFS.ReadFile("static/app.css")
	url := Asset("app.css")
	if !strings.HasPrefix(url, "/static/app.") || !strings.HasSuffix(url, ".css") || url == "/static/app.css" {
		t.Fatalf("Asset(app.css) = %q", url)
	}
	w := env.get(url)
	if w.Code != 200 || !bytes.Equal(w.Body.Bytes(), css) {
		t.Fatalf("hashed URL: %d, %d bytes", w.Code, w.Body.Len())
	}
	if got := w.Header().Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
		t.Errorf("Cache-Control %q", got)
	}
	if got := w.Header().Get("Content-Type"); got != "text/css; charset=utf-8" {
		t.Errorf("Content-Type %q", got)
	}
	etag := w.Header().Get("ETag")
	if w := env.get(url, "If-None-Match", etag); w.Code != http.StatusNotModified {
		t.Errorf("revalidation: %d", w.Code)
	}
	for _, stale := range []string{"/static/app.css", "/static/app.0123456789ab.css"} {
		w := env.get(stale)
		if w.Code != 200 || !bytes.Equal(w.Body.Bytes(), css) || w.Header().Get("Cache-Control") != "no-cache" {
			t.Errorf("%s: %d, Cache-Control %q", stale, w.Code, w.Header().Get("Cache-Control"))
		}
	}
	js := Asset("vendor/htmx.min.js")
	w = env.get(js, "Accept-Encoding", "gzip, br")
	if w.Code != 200 || w.Header().Get("Content-Encoding") != "gzip" || w.Header().Get("Content-Type") != "text/javascript; charset=utf-8" {
		t.Errorf("gzip: %d %v", w.Code, w.Header())
	}
	if w := env.get(Asset("vendor/htmx.LICENSE.txt")); w.Code != 200 {
		t.Errorf("licence not served: %d", w.Code)
	}
	if w := env.get("/static/nothing.css"); w.Code != 404 {
		t.Errorf("unknown asset: %d", w.Code)
	}
}

func TestHealth(t *testing.T) {
	env := newEnv(t)
	if w := env.get("/healthz"); w.Code != 200 || strings.TrimSpace(w.Body.String()) != "ok" {
		t.Errorf("healthz: %d %q", w.Code, w.Body)
	}
	if w := env.get("/readyz"); w.Code != 200 {
		t.Errorf("readyz: %d %q", w.Code, w.Body)
	}
	env.pingErr = errors.New("database is locked")
	if w := env.get("/readyz"); w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "database is locked") {
		t.Errorf("readyz with a failing pinger: %d %q", w.Code, w.Body)
	}
	// The readiness check gives up after ReadyTimeout instead of hanging with the database.
	slow := NewMux()
	Health(slow, PingFunc(func(ctx context.Context) error {
		<-ctx.Done()
		return ctx.Err()
	}), nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // stands in for the 2 s deadline
	w := httptest.NewRecorder()
	slow.ServeHTTP(w, httptest.NewRequest("GET", "/readyz", nil).WithContext(ctx))
	if w.Code != http.StatusServiceUnavailable {
		t.Errorf("readyz with a hanging pinger: %d", w.Code)
	}
}

func TestMetricsByRoutePattern(t *testing.T) {
	env := newEnv(t)
	env.get("/api/v1/things/1")
	env.get("/api/v1/things/2")
	env.get("/api/v1/things/42")
	env.get("/random/path/a")
	env.get("/random/path/b")
	body := env.get("/metrics").Body.String()
	for _, want := range []string{
		`onestamp_http_requests_total{method="GET",route="/api/v1/things/{id}",status="4xx"} 2`,
		`onestamp_http_requests_total{method="GET",route="/api/v1/things/{id}",status="2xx"} 1`,
		`onestamp_http_requests_total{method="GET",route="unmatched",status="4xx"} 2`,
		`onestamp_http_request_duration_seconds_count{method="GET",route="/api/v1/things/{id}",status="4xx"} 2`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(body, "/api/v1/things/1") || strings.Contains(body, "/random/path") {
		t.Errorf("raw paths in metric labels")
	}
}

func TestServerShutsDownGracefully(t *testing.T) {
	srv, err := New(Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	started, release := make(chan struct{}), make(chan struct{})
	srv.Mux().HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		_, _ = io.WriteString(w, "done")
	})
	ln, err := listenLocal()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()
	base := "http://" + ln.Addr().String()

	type result struct {
		body string
		err  error
	}
	inflight := make(chan result, 1)
	go func() {
		resp, err := http.Get(base + "/slow")
		if err != nil {
			inflight <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		inflight <- result{string(b), err}
	}()
	<-started
	cancel()
	// Once shutdown has begun, new connections are refused...
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for i := 0; ; i++ {
		resp, err := client.Get(base + "/healthz")
		if err != nil {
			break
		}
		resp.Body.Close()
		if i > 1000 {
			t.Fatal("server still accepts connections after shutdown began")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// ...while the request in flight finishes.
	close(release)
	if r := <-inflight; r.err != nil || r.body != "done" {
		t.Fatalf("in-flight request: %q %v", r.body, r.err)
	}
	if err := <-served; err != nil {
		t.Fatalf("Serve: %v", err)
	}
}

func listenLocal() (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }
