package auth

import (
	"context"
	"net"
	"net/http"
	"strings"

	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/web"
)

// CookieName is the session cookie when the site is served over https: the __Host- prefix makes
// the browser refuse it unless it is Secure, host-only and for the whole path.
const CookieName = "__Host-onestamp"

// InsecureCookieName is the session cookie over plain http (development), where browsers do
// not accept a __Host- cookie.
const InsecureCookieName = "onestamp"

// CookieName returns the name of the session cookie for this installation.
func (s *Service) CookieName() string {
	if s.opt.SecureCookie {
		return CookieName
	}
	return InsecureCookieName
}

// SetCookie sends the session cookie: HttpOnly, SameSite=Lax, Secure over https, no Max-Age
// (the server enforces the timeouts; the browser forgets it when it closes).
func (s *Service) SetCookie(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: s.CookieName(), Value: token, Path: "/", HttpOnly: true,
		Secure: s.opt.SecureCookie, SameSite: http.SameSiteLaxMode})
}

// ClearCookie removes the session cookie.
func (s *Service) ClearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: s.CookieName(), Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: s.opt.SecureCookie, SameSite: http.SameSiteLaxMode})
}

// bearer returns the token of an "Authorization: Bearer …" header.
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// BearerRequest reports whether r authenticates with a bearer token to the API and carries no
// session cookie. Such a request cannot be a cross-site forgery (a browser does not add the
// header on its own), so the application passes this to web.Server.SetCrossOriginBypass.
func BearerRequest(r *http.Request) bool {
	if bearer(r) == "" || !strings.HasPrefix(r.URL.Path, "/api/") {
		return false
	}
	for _, c := range r.Cookies() {
		if c.Name == CookieName || c.Name == InsecureCookieName {
			return false
		}
	}
	return true
}

// ClientIP is the address a request comes from. Behind a reverse proxy on the same host (the
// connection comes from a loopback address) the last address the proxy appended to
// X-Forwarded-For is used; otherwise the header is ignored, because a client can write anything
// into it.
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			parts := strings.Split(xff, ",")
			if last := strings.TrimSpace(parts[len(parts)-1]); net.ParseIP(last) != nil {
				return last
			}
		}
	}
	return host
}

// Middleware resolves the session cookie or, for /api/ requests, the bearer token into the
// request's Viewer (see FromContext), and records the client for the audit log. A request with
// no or an invalid cookie goes on anonymously (the cookie is cleared); the routes' policies
// decide what an anonymous request gets. An invalid bearer token is refused at once with 401:
// an integration that sends one never means to be anonymous. The application may install it
// inside web.Stack around the Mux; routes registered through a Guard resolve the request
// themselves when it has not been, so installing it is optional.
func Middleware(svc *Service) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r, ok := svc.resolve(w, r); ok {
				next.ServeHTTP(w, r)
			}
		})
	}
}

type resolvedKey struct{}

// resolve puts the client and the viewer of r into its context. It answers the request itself
// and returns false when the credentials are a bad bearer token or the lookup fails.
func (s *Service) resolve(w http.ResponseWriter, r *http.Request) (*http.Request, bool) {
	if s == nil || r.Context().Value(resolvedKey{}) != nil {
		return r, true
	}
	if _, ok := FromContext(r.Context()); ok {
		return r, true // the caller has said who is asking (a test, an internal call)
	}
	ctx := context.WithValue(r.Context(), resolvedKey{}, true)
	ctx = WithClient(ctx, Client{IP: ClientIP(r), UserAgent: r.UserAgent()})
	r = r.WithContext(ctx)
	if tok := bearer(r); tok != "" && strings.HasPrefix(r.URL.Path, "/api/") {
		v, err := s.ResolveToken(ctx, tok)
		if err != nil {
			web.Error(w, r, err)
			return r, false
		}
		return withViewer(r, v), true
	}
	c, err := r.Cookie(s.CookieName())
	if err != nil || c.Value == "" {
		return r, true
	}
	v, err := s.Resolve(ctx, c.Value)
	switch {
	case err == nil:
		return withViewer(r, v), true
	case errs.Is(err, errs.Unauthenticated):
		s.ClearCookie(w)
		return r, true
	}
	web.Error(w, r, err)
	return r, false
}

func withViewer(r *http.Request, v *Viewer) *http.Request {
	r = r.WithContext(WithViewer(r.Context(), v))
	web.SetViewer(r, v)
	return r
}

// viewerOrNil returns the request's viewer or nil.
func viewerOrNil(ctx context.Context) *Viewer {
	v, _ := FromContext(ctx)
	return v
}
