package web

import (
	"context"
	"log/slog"
	"net/http"
)

type ctxKey int

const infoKey ctxKey = 0

// reqInfo is what the middleware learns about a request. It is a pointer in the context so that
// inner layers (the route wrapper, the auth layer) can fill in what outer layers (access log,
// metrics, error pages) report: the route pattern is only known once the mux has matched.
type reqInfo struct {
	id        string
	lang      string
	pattern   string // "GET /api/v1/x/{id}"; empty until a registered route matched
	bodyLimit int64  // 0: DefaultBodyLimit
	viewer    Viewer
	logger    *slog.Logger
}

func infoFrom(ctx context.Context) *reqInfo {
	i, _ := ctx.Value(infoKey).(*reqInfo)
	return i
}

// ensureInfo returns r with a reqInfo in its context, creating one (with a fresh request id and
// the request's language) when the request did not pass through Stack, as in unit tests of a Mux.
func ensureInfo(r *http.Request) (*http.Request, *reqInfo) {
	if i := infoFrom(r.Context()); i != nil {
		return r, i
	}
	i := &reqInfo{id: newRequestID(), lang: langFromRequest(r)}
	return r.WithContext(context.WithValue(r.Context(), infoKey, i)), i
}

// RequestID returns the id of the request ctx belongs to, or "" outside a request.
func RequestID(ctx context.Context) string {
	if i := infoFrom(ctx); i != nil {
		return i.id
	}
	return ""
}

// Lang returns the language chosen for the request ctx belongs to (DefaultLang outside one).
func Lang(ctx context.Context) string {
	if i := infoFrom(ctx); i != nil && i.lang != "" {
		return i.lang
	}
	return DefaultLang
}

// Viewer is the signed-in person as pages show them. The auth layer sets it with SetViewer.
type Viewer interface {
	DisplayName() string
}

// SetViewer records who is asking, for the layout and the access log. The auth middleware calls
// it before passing the request on; it is a no-op for a request that did not pass through Stack
// or a Mux.
func SetViewer(r *http.Request, v Viewer) {
	if i := infoFrom(r.Context()); i != nil {
		i.viewer = v
	}
}

// ViewerFrom returns the viewer set by SetViewer, or nil for an anonymous request.
func ViewerFrom(ctx context.Context) Viewer {
	if i := infoFrom(ctx); i != nil {
		return i.viewer
	}
	return nil
}

// Log returns the logger for the request ctx belongs to, carrying its request id.
func Log(ctx context.Context) *slog.Logger {
	i := infoFrom(ctx)
	if i == nil {
		return slog.Default()
	}
	l := i.logger
	if l == nil {
		l = slog.Default()
	}
	return l.With("request_id", i.id)
}

// IsHTMX reports whether r is an htmx request that expects a fragment rather than a whole page.
// Boosted requests and history restores want the whole page.
func IsHTMX(r *http.Request) bool {
	return r.Header.Get("HX-Request") == "true" &&
		r.Header.Get("HX-Boosted") != "true" &&
		r.Header.Get("HX-History-Restore-Request") != "true"
}

// SeeOther sends the browser to url after a successful form post: a 303 for a plain form, the
// HX-Redirect header for an htmx request (which would otherwise swap the next page into a target).
func SeeOther(w http.ResponseWriter, r *http.Request, url string) {
	if r.Header.Get("HX-Request") == "true" {
		w.Header().Set("HX-Redirect", url)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, url, http.StatusSeeOther)
}
