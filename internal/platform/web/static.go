package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

//go:embed static
var staticFS embed.FS

// assetHashLen is how many hex digits of the SHA-256 of a file go into its URL.
const assetHashLen = 12

type asset struct {
	name  string // "vendor/htmx.min.js"
	url   string // "/static/vendor/htmx.min.0123456789ab.js"
	hash  string
	ctype string
	body  []byte
	gz    []byte // gzip of body for text types, nil otherwise
}

type assetTable struct {
	byName   map[string]*asset // "app.css"
	byHashed map[string]*asset // "app.0123456789ab.css"
}

var assets = sync.OnceValue(func() *assetTable {
	t := &assetTable{byName: map[string]*asset{}, byHashed: map[string]*asset{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		sum := sha256.Sum256(body)
		a := &asset{name: name, hash: hex.EncodeToString(sum[:])[:assetHashLen], body: body}
		hashed := hashedName(name, a.hash)
		a.url = "/static/" + hashed
		a.ctype = contentType(name)
		if strings.HasPrefix(a.ctype, "text/") || strings.Contains(a.ctype, "javascript") ||
			strings.Contains(a.ctype, "json") || strings.Contains(a.ctype, "svg") {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
			_, _ = zw.Write(body)
			_ = zw.Close()
			if buf.Len() < len(body) {
				a.gz = buf.Bytes()
			}
		}
		t.byName[name] = a
		t.byHashed[hashed] = a
		return nil
	})
	if err != nil {
		panic(err) // the embedded tree is part of the binary
	}
	return t
})

// hashedName puts the hash before the last extension: app.css -> app.<hash>.css.
func hashedName(name, hash string) string {
	ext := path.Ext(name)
	return strings.TrimSuffix(name, ext) + "." + hash + ext
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".txt", ".md":
		return "text/plain; charset=utf-8"
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}

// Asset returns the URL of a static file with its content hash ("app.css" ->
// "/static/app.0123456789ab.css"), which may be cached for ever. An unknown name is logged and
// returned unhashed, so that a typo shows as a 404 rather than a broken page.
func Asset(name string) string {
	if a, ok := assets().byName[strings.TrimPrefix(name, "/")]; ok {
		return a.url
	}
	slog.Warn("web: unknown asset", "name", name)
	return "/static/" + name
}

// Static registers GET /static/{path...}: hashed URLs are immutable for a year; the plain name
// and a stale hash still answer, with the current file, but must be revalidated.
func Static(m *Mux) {
	m.HandleFunc("GET /static/{path...}", serveStatic)
}

func serveStatic(w http.ResponseWriter, r *http.Request) {
	p := r.PathValue("path")
	t := assets()
	a, current := t.byHashed[p]
	if !current {
		a = t.byName[p]
		if a == nil {
			a = t.byName[unhash(p)]
		}
	}
	if a == nil {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	if current {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	h.Set("Content-Type", a.ctype)
	h.Add("Vary", "Accept-Encoding")
	body, etag := a.body, `"`+a.hash+`"`
	if a.gz != nil && acceptsGzip(r) {
		body, etag = a.gz, `"`+a.hash+`-gz"`
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("ETag", etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// unhash strips a hash-like segment before the extension: app.0badc0ffee00.css -> app.css.
func unhash(p string) string {
	ext := path.Ext(p)
	stem := strings.TrimSuffix(p, ext)
	i := strings.LastIndexByte(stem, '.')
	if i < 0 {
		return p
	}
	seg := stem[i+1:]
	if len(seg) != assetHashLen {
		return p
	}
	for _, c := range seg {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return p
		}
	}
	return stem[:i] + ext
}

func acceptsGzip(r *http.Request) bool {
	for part := range strings.SplitSeq(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(enc) == "gzip" && strings.ReplaceAll(q, " ", "") != "q=0" {
			return true
		}
	}
	return false
}
