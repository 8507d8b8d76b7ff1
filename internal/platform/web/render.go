package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"onestamp/internal/platform/errs"
)

//go:embed templates
var ownTemplates embed.FS

// Renderer renders a domain's pages inside the shared layout. A page is a template file that
// defines "title" and "content" (and may define "head", "header", "nav", "footer"); files whose
// name starts with "_" are partials available to every page of the renderer. Templates of the
// web package (templates/partials/*.html) are available to every renderer.
type Renderer struct {
	pages map[string]map[string]*template.Template // lang -> page name -> set
}

// NewRenderer parses the pages matched by patterns in fsys ("templates/*.html" by default),
// each with the shared layout and partials, once per language.
func NewRenderer(fsys fs.FS, patterns ...string) (*Renderer, error) {
	if len(patterns) == 0 {
		patterns = []string{"templates/*.html"}
	}
	var pages, partials []string
	seen := map[string]string{}
	for _, pat := range patterns {
		files, err := fs.Glob(fsys, pat)
		if err != nil {
			return nil, err
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("web: no templates match %q", pat)
		}
		for _, f := range files {
			base := path.Base(f)
			if other, dup := seen[base]; dup && other != f {
				return nil, fmt.Errorf("web: templates %s and %s share the name %s", other, f, base)
			}
			seen[base] = f
			if strings.HasPrefix(base, "_") {
				partials = append(partials, f)
			} else {
				pages = append(pages, f)
			}
		}
	}
	rd := &Renderer{pages: map[string]map[string]*template.Template{}}
	for _, lang := range Languages {
		base, err := baseSet(lang)
		if err != nil {
			return nil, err
		}
		if len(partials) > 0 {
			if base, err = base.Clone(); err == nil {
				base, err = base.ParseFS(fsys, partials...)
			}
			if err != nil {
				return nil, err
			}
		}
		rd.pages[lang] = map[string]*template.Template{}
		for _, p := range pages {
			t, err := base.Clone()
			if err != nil {
				return nil, err
			}
			if t, err = t.ParseFS(fsys, p); err != nil {
				return nil, err
			}
			rd.pages[lang][path.Base(p)] = t
		}
	}
	return rd, nil
}

// MustRenderer is NewRenderer for package-level or start-up use: a template that does not parse
// is a programming error.
func MustRenderer(fsys fs.FS, patterns ...string) *Renderer {
	rd, err := NewRenderer(fsys, patterns...)
	if err != nil {
		panic(err)
	}
	return rd
}

// baseSet parses the shared layout and partials with the funcs of one language.
func baseSet(lang string) (*template.Template, error) {
	return template.New("layout.html").Funcs(Funcs(lang)).
		ParseFS(ownTemplates, "templates/layout.html", "templates/partials/*.html")
}

// Pages returns the names of the renderer's pages.
func (rd *Renderer) Pages() []string {
	var out []string
	for name := range rd.pages[DefaultLang] {
		out = append(out, name)
	}
	return out
}

// Page is what every template receives as dot.
type Page struct {
	Lang      string
	Path      string // the request path, for navigation state
	RequestID string
	Viewer    Viewer // nil when nobody is signed in
	Status    int
	Data      any // the handler's data
	query     url.Values
	rawPath   string
}

// LangURL returns the current URL switched to another language.
func (p Page) LangURL(lang string) string {
	q := url.Values{}
	for k, v := range p.query {
		q[k] = v
	}
	q.Set("lang", lang)
	base := p.rawPath
	if base == "" {
		base = p.Path
	}
	return base + "?" + q.Encode()
}

// Render writes the page name ("case.html") with data and status 200. An htmx request gets only
// the "content" block.
func (rd *Renderer) Render(w http.ResponseWriter, r *http.Request, name string, data any) {
	rd.RenderStatus(w, r, http.StatusOK, name, data)
}

// RenderStatus is Render with another status (a form shown again with its errors: 422).
func (rd *Renderer) RenderStatus(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	if err := rd.render(w, r, status, name, data); err != nil {
		Error(w, r, errs.Wrap(err, "render %s", name))
	}
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func (rd *Renderer) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) error {
	lang := Lang(r.Context())
	t := rd.pages[lang][name]
	if t == nil {
		return fmt.Errorf("no page %q", name)
	}
	p := Page{
		Lang:      lang,
		Path:      r.URL.Path,
		RequestID: RequestID(r.Context()),
		Viewer:    ViewerFrom(r.Context()),
		Status:    status,
		Data:      data,
		query:     r.URL.Query(),
		rawPath:   r.URL.EscapedPath(),
	}
	entry := "layout"
	if IsHTMX(r) {
		entry = "content"
	}
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	// Rendering into a buffer first means a template error becomes a clean error page instead of
	// half a page.
	if err := t.ExecuteTemplate(buf, entry, p); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	h.Add("Vary", "HX-Request")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
	return nil
}

// Funcs returns the template functions bound to a language: t, asset, dict, date, datetime, lang.
func Funcs(lang string) template.FuncMap {
	tr := Translator(lang)
	return template.FuncMap{
		"t":        tr.T,
		"asset":    Asset,
		"dict":     dict,
		"date":     formatDate,
		"datetime": formatDateTime,
		"langs":    func() []string { return Languages },
	}
}

func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, errors.New("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// Shanghai is the time zone of every date shown. China has kept UTC+8 without summer time since
// 1991, so a fixed zone is exact where the tz database is missing.
var Shanghai = func() *time.Location {
	if l, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return l
	}
	return time.FixedZone("CST", 8*3600)
}()

// asTime accepts a time.Time, a *time.Time or Unix milliseconds (the database's instants).
func asTime(v any) (time.Time, bool) {
	switch x := v.(type) {
	case time.Time:
		return x, !x.IsZero()
	case *time.Time:
		if x == nil {
			return time.Time{}, false
		}
		return *x, !x.IsZero()
	case int64:
		return time.UnixMilli(x), x != 0
	case int:
		return time.UnixMilli(int64(x)), x != 0
	}
	return time.Time{}, false
}

// formatDate shows a date as 2006-01-02 in Asia/Shanghai; a business date string passes through.
func formatDate(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	if t, ok := asTime(v); ok {
		return t.In(Shanghai).Format("2006-01-02")
	}
	return ""
}

// formatDateTime shows an instant as 2006-01-02 15:04 in Asia/Shanghai.
func formatDateTime(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	if t, ok := asTime(v); ok {
		return t.In(Shanghai).Format("2006-01-02 15:04")
	}
	return ""
}

// The web package's own pages: the error page.
var ownPages = sync.OnceValue(func() *Renderer {
	return MustRenderer(ownTemplates, "templates/pages/*.html")
})

type errorView struct {
	Status    int
	Title     string
	Message   string
	RequestID string
}

// errorPage renders the error page; if even that fails, plain text that still carries the id.
func errorPage(w http.ResponseWriter, r *http.Request, status int, msg string) {
	lang := Lang(r.Context())
	title := Messages.Text(lang, "error.status."+strconv.Itoa(status), nil)
	if !Messages.Has(DefaultLang, "error.status."+strconv.Itoa(status)) {
		title = Messages.Text(lang, "error.status.other", nil)
	}
	v := errorView{Status: status, Title: title, Message: msg, RequestID: RequestID(r.Context())}
	if err := ownPages().render(w, r, status, "error.html", v); err != nil {
		Log(r.Context()).Error("render error page", "err", err)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		_, _ = fmt.Fprintf(w, "%s\n%s\n%s %s\n", title, msg, Messages.Text(lang, "error.request_id", nil), v.RequestID)
	}
}
