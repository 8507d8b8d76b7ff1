package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

func TestLimiterWrap(t *testing.T) {
	env := newEnv(t)
	l := NewLimiter(time.Minute, 2, 10)
	env.srv.Mux().Handle("POST /api/v1/login", l.Wrap(func(r *http.Request) string { return r.FormValue("user") },
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })))
	login := func(user string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", "/api/v1/login?lang=en", strings.NewReader("user="+user))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return env.do(r)
	}
	login("wang")
	login("wang")
	w := login("wang")
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "60" {
		t.Fatalf("third attempt: %d Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
	if e := decodeError(t, w); e.Message != Messages.Text("en", "error.too_many_requests", nil) {
		t.Fatalf("message %q", e.Message)
	}
	if w := login("li"); w.Code != http.StatusNoContent {
		t.Fatalf("other user: %d", w.Code)
	}
}

func TestSeeOther(t *testing.T) {
	w := httptest.NewRecorder()
	SeeOther(w, httptest.NewRequest("POST", "/x", nil), "/cases/1")
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/cases/1" {
		t.Errorf("plain form: %d %v", w.Code, w.Header())
	}
	w = httptest.NewRecorder()
	r := httptest.NewRequest("POST", "/x", nil)
	r.Header.Set("HX-Request", "true")
	SeeOther(w, r, "/cases/1")
	if w.Header().Get("HX-Redirect") != "/cases/1" || w.Header().Get("Location") != "" {
		t.Errorf("htmx: %d %v", w.Code, w.Header())
	}
}

// Handlers behind the middleware can still stream: the wrappers unwrap for ResponseController.
func TestResponseControllerThroughStack(t *testing.T) {
	env := newEnv(t)
	env.srv.Mux().HandleFunc("GET /stream", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("a"))
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("flush: %v", err)
		}
	})
	if w := env.get("/stream"); !w.Flushed {
		t.Fatal("not flushed")
	}
}

// Two servers on one registry (tests, or a second listener) share the collectors.
func TestSharedRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	for range 2 {
		if _, err := New(Config{Registry: reg}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := New(Config{TrustedOrigins: []string{"not an origin"}}); err == nil {
		t.Fatal("bad trusted origin accepted")
	}
}

func TestAddMessagesFS(t *testing.T) {
	c := NewCatalogue()
	fsys := fstest.MapFS{
		"messages/zh-CN.json": {Data: []byte(`{"d.title":"标题"}`)},
		"messages/en.json":    {Data: []byte(`{"d.title":"Title"}`)},
		"bad/en.json":         {Data: []byte(`{"d.title":1}`)},
	}
	if err := c.AddFS(fsys, "messages"); err != nil {
		t.Fatal(err)
	}
	if c.Text("en", "d.title", nil) != "Title" || c.Text("zh-CN", "d.title", nil) != "标题" {
		t.Fatal("texts not loaded")
	}
	if err := c.AddFS(fsys, "bad"); err == nil {
		t.Fatal("malformed file accepted")
	}
	if err := c.AddFS(fsys, "none"); err == nil {
		t.Fatal("empty directory accepted")
	}
}

func TestNewRendererErrors(t *testing.T) {
	for name, fsys := range map[string]fstest.MapFS{
		"parse error": {"t/a.html": {Data: []byte(`{{define "content"}}{{if}}{{end}}`)}},
		"duplicate":   {"t/a.html": {Data: []byte(``)}, "u/a.html": {Data: []byte(``)}},
	} {
		if _, err := NewRenderer(fsys, "t/*.html", "u/*.html"); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := NewRenderer(fstest.MapFS{}, "t/*.html"); err == nil {
		t.Error("no templates: accepted")
	}
	rd, err := NewRenderer(fstest.MapFS{"t/a.html": {Data: []byte(`{{define "content"}}A{{end}}`)}, "t/_p.html": {Data: []byte(`{{define "p"}}{{end}}`)}}, "t/*.html")
	if err != nil {
		t.Fatal(err)
	}
	if got := rd.Pages(); len(got) != 1 || got[0] != "a.html" {
		t.Fatalf("pages %v (partials are not pages)", got)
	}
}
