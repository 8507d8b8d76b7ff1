package auth

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"

	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/web"
)

// Policy says who may call a route. Every /staff and /api/v1 route declares one when it is
// registered through a Guard; a route without one fails the authorization walk. The zero Policy
// admits nobody.
type Policy struct {
	public  bool
	kinds   []Kind     // the kinds of person admitted (staff, applicant)
	roles   []Role     // the active roles admitted; nil admits every role of those kinds
	scopes  []string   // integration tokens holding one of these are admitted
	tokens  bool       // tokens are admitted at all
	perm    Permission // a permission every admitted person must hold
	interim bool       // admitted while a password change is due
}

// Public admits everyone, signed in or not.
var Public = Policy{public: true}

// Staff admits staff members whose active role is one of roles; with none, every staff member.
func Staff(roles ...Role) Policy {
	return Policy{kinds: []Kind{KindStaff}, roles: slices.Clone(roles)}
}

// Roles admits anyone signed in (staff or applicant) whose active role is one of roles.
func Roles(roles ...Role) Policy {
	if len(roles) == 0 {
		panic("auth.Roles needs at least one role; use SignedIn for anyone")
	}
	return Policy{kinds: []Kind{KindStaff, KindApplicant}, roles: slices.Clone(roles)}
}

// Applicants admits applicants.
func Applicants() Policy { return Roles(Applicant) }

// SignedIn admits every person signed in, staff or applicant, in any role.
func SignedIn() Policy { return Policy{kinds: []Kind{KindStaff, KindApplicant}} }

// Tokens admits integration tokens holding one of scopes (with none, any token) and nobody else.
func Tokens(scopes ...string) Policy {
	mustScopes(scopes)
	return Policy{tokens: true, scopes: slices.Clone(scopes)}
}

// mustScopes stops a route from declaring a scope that no token could ever be given.
func mustScopes(scopes []string) {
	for _, sc := range scopes {
		if !scopeRE.MatchString(sc) {
			panic(fmt.Sprintf("auth: token scope %q must look like area:action", sc))
		}
	}
}

// OrTokens also admits integration tokens holding one of scopes.
func (p Policy) OrTokens(scopes ...string) Policy {
	mustScopes(scopes)
	p.tokens = true
	p.scopes = append(slices.Clone(p.scopes), scopes...)
	return p
}

// Need also requires a permission of every person admitted.
func (p Policy) Need(perm Permission) Policy { p.perm = perm; return p }

// Interim admits people whose password must be changed first (the account and logout pages).
func (p Policy) Interim() Policy { p.interim = true; return p }

// IsPublic reports whether the policy admits everyone.
func (p Policy) IsPublic() bool { return p.public }

// Admits reports whether the policy lets v in; nil is the anonymous visitor.
func (p Policy) Admits(v *Viewer) bool {
	switch {
	case p.public:
		return true
	case v == nil:
		return false
	case v.Kind == KindToken:
		return p.tokens && (len(p.scopes) == 0 || slices.ContainsFunc(p.scopes, v.HasScope))
	case !slices.Contains(p.kinds, v.Kind):
		return false
	case len(p.roles) > 0 && !slices.Contains(p.roles, v.Role):
		return false
	case p.perm != "" && !v.Can(p.perm):
		return false
	}
	return true
}

func (p Policy) String() string {
	if p.public {
		return "public"
	}
	var parts []string
	if len(p.kinds) > 0 {
		k := make([]string, len(p.kinds))
		for i, x := range p.kinds {
			k[i] = string(x)
		}
		s := strings.Join(k, "|")
		if len(p.roles) > 0 {
			r := make([]string, len(p.roles))
			for i, x := range p.roles {
				r[i] = string(x)
			}
			s += "(" + strings.Join(r, ",") + ")"
		}
		parts = append(parts, s)
	}
	if p.tokens {
		parts = append(parts, "token("+strings.Join(p.scopes, ",")+")")
	}
	s := strings.Join(parts, " or ")
	if p.perm != "" {
		s += " +" + string(p.perm)
	}
	return s
}

// Guard registers routes on a web.Mux together with their access policy, enforces the policy
// before the handler runs, and remembers it per route pattern for the authorization walk.
type Guard struct {
	mux *web.Mux
	svc *Service

	mu       sync.Mutex
	policies map[string]Policy
}

// NewGuard returns a guard that registers on mux. With a nil service (handler tests that put
// the viewer into the request context themselves) nothing is resolved and nothing audited.
func NewGuard(mux *web.Mux, svc *Service) *Guard {
	return &Guard{mux: mux, svc: svc, policies: map[string]Policy{}}
}

// Mux returns the mux the guard registers on.
func (g *Guard) Mux() *web.Mux { return g.mux }

// Service returns the auth service.
func (g *Guard) Service() *Service { return g.svc }

// Page registers an HTML route ("GET /staff/cases/{id}") with its policy. An anonymous visitor
// is sent to the login page (/staff/login under /staff, /login elsewhere); a person the policy
// does not admit gets 403.
func (g *Guard) Page(pattern string, p Policy, h http.HandlerFunc, opts ...web.RouteOption) {
	g.record(pattern, p)
	g.mux.Handle(pattern, g.wrap(pattern, false, p, h), opts...)
}

// API registers a JSON API operation with its policy: an anonymous caller gets 401, a caller
// the policy does not admit 403, a token outside its scopes 403 and an audit record.
func (g *Guard) API(op web.Op, p Policy, h http.HandlerFunc, opts ...web.RouteOption) {
	pattern := op.Method + " " + op.Path
	g.record(pattern, p)
	if !p.public {
		for _, c := range []errs.Code{errs.Unauthenticated, errs.Forbidden} {
			if !slices.Contains(op.Errors, c) {
				op.Errors = append(op.Errors, c)
			}
		}
	}
	g.mux.API(op, g.wrap(pattern, true, p, h).ServeHTTP, opts...)
}

func (g *Guard) record(pattern string, p Policy) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, dup := g.policies[pattern]; dup {
		panic(fmt.Sprintf("auth: route %q registered twice", pattern))
	}
	g.policies[pattern] = p
	if p.tokens && g.svc != nil {
		g.svc.registerScopes(p.scopes)
	}
}

// Policy returns the policy declared for a route pattern.
func (g *Guard) Policy(pattern string) (Policy, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	p, ok := g.policies[pattern]
	return p, ok
}

// Guarded reports whether a path needs a declared policy: the workbench and the API.
func Guarded(path string) bool {
	return path == "/staff" || strings.HasPrefix(path, "/staff/") ||
		path == "/api/v1" || strings.HasPrefix(path, "/api/v1/")
}

// Unguarded returns, sorted, the /staff and /api/v1 routes of the mux registered without a
// policy (directly on the mux rather than through the guard). The authorization test asserts
// that it is empty.
func (g *Guard) Unguarded() []string {
	var out []string
	for _, rt := range g.mux.Routes() {
		if !Guarded(rt.Path) {
			continue
		}
		if _, ok := g.Policy(rt.Pattern); !ok {
			out = append(out, rt.Pattern)
		}
	}
	sort.Strings(out)
	return out
}

func (g *Guard) wrap(pattern string, api bool, p Policy, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r, ok := g.svc.resolve(w, r)
		if !ok {
			return
		}
		if p.public {
			h.ServeHTTP(w, r)
			return
		}
		v, ok := FromContext(r.Context())
		switch {
		case !ok:
			if api {
				web.Error(w, r, errs.Unauth())
				return
			}
			web.SeeOther(w, r, LoginURL(r.URL))
			return
		case v.Kind == KindToken:
			if !api || !p.Admits(v) {
				if g.svc != nil {
					if err := g.svc.TokenMisuse(r.Context(), v, pattern, p.scopes); err != nil {
						web.Error(w, r, err)
						return
					}
				}
				web.Error(w, r, errs.New(errs.Forbidden, "auth.token.scope"))
				return
			}
		case !p.Admits(v):
			web.Error(w, r, errs.ForbiddenErr())
			return
		case v.MustChange && !p.interim:
			if api {
				web.Error(w, r, errs.New(errs.Forbidden, "auth.password.must_change"))
				return
			}
			web.SeeOther(w, r, AccountURL(v))
			return
		}
		h.ServeHTTP(w, r)
	})
}

// Login pages.
const (
	StaffLoginPath  = "/staff/login"
	PublicLoginPath = "/login"
)

// LoginURL is where an anonymous visitor of u is sent: the staff login for the workbench, the
// applicants' login elsewhere, with the page to return to.
func LoginURL(u *url.URL) string {
	login := PublicLoginPath
	if u.Path == "/staff" || strings.HasPrefix(u.Path, "/staff/") {
		login = StaffLoginPath
	}
	next := u.Path
	if u.RawQuery != "" {
		next += "?" + u.RawQuery
	}
	return login + "?" + url.Values{"next": {next}}.Encode()
}

// AccountURL is the account page of a viewer, where a due password change is made.
func AccountURL(v *Viewer) string {
	if v != nil && v.Kind == KindApplicant {
		return "/account"
	}
	return "/staff/account"
}

// SafeNext returns next when it is a path on this site, and fallback otherwise, so that a login
// link cannot send anyone elsewhere.
func SafeNext(next, fallback string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n") {
		return fallback
	}
	u, err := url.Parse(next)
	if err != nil || u.Host != "" || u.Scheme != "" {
		return fallback
	}
	return next
}
