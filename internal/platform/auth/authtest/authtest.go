// Package authtest is the authorization walk: it sends a request as every given principal to
// every /staff and /api/v1 route of a Guard's mux and reports each route that has no declared
// policy or that answers someone its policy does not admit. New routes join the walk by being
// registered; the application's test runs it over the whole mux on both database engines.
package authtest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"

	"onestamp/internal/platform/auth"
)

// Principal is someone the walk sends requests as.
type Principal struct {
	Name   string       // for the report: "clerk@369901"
	Viewer *auth.Viewer // who the credentials resolve to; nil for an anonymous visitor
	// Sign adds the credentials (a session cookie or a bearer token) to a request; nil for an
	// anonymous visitor. Credentials that the server refuses (a forged or replayed cookie) are
	// given with a nil Viewer.
	Sign func(r *http.Request)
}

// Cookie returns a Sign that sends a session cookie.
func Cookie(name, value string) func(*http.Request) {
	return func(r *http.Request) { r.AddCookie(&http.Cookie{Name: name, Value: value}) }
}

// Bearer returns a Sign that sends a bearer token.
func Bearer(token string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }
}

// FakeID fills every path wildcard: a well-formed id of no record.
const FakeID = "00000000-0000-7000-8000-000000000000"

var wildcard = regexp.MustCompile(`\{[^}]*\}`)

// Walk requests every guarded route of g's mux through h as every principal and returns the
// violations, sorted: routes without a policy, principals the policy refuses that got an answer
// other than 401, 403 or a redirect to a login page, principals it admits that were sent to log
// in or answered 401, and any answer of 500 or above (a handler that fails on an unknown id or
// an empty form). Routes that end a session (…/logout) are walked last.
func Walk(h http.Handler, g *auth.Guard, principals []Principal) []string {
	var out []string
	for _, p := range g.Unguarded() {
		out = append(out, "no policy: "+p)
	}
	ended := map[string]bool{}
	routes := g.Mux().Routes()
	sort.SliceStable(routes, func(i, j int) bool {
		return !strings.HasSuffix(routes[i].Path, "/logout") && strings.HasSuffix(routes[j].Path, "/logout")
	})
	for _, rt := range routes {
		pol, ok := g.Policy(rt.Pattern)
		if !ok || !auth.Guarded(rt.Path) {
			continue
		}
		method := rt.Method
		if method == "" {
			method = http.MethodGet
		}
		path := wildcard.ReplaceAllString(strings.TrimSuffix(rt.Path, "{$}"), FakeID)
		page := !strings.HasPrefix(rt.Path, "/api/")
		logout := strings.HasSuffix(rt.Path, "/logout")
		for _, pr := range principals {
			status, loc := send(h, method, path, page, pr)
			v := pr.Viewer
			if page && v != nil && v.Kind == auth.KindToken {
				v = nil // bearer tokens count on the API only; on a page they are anonymous
			}
			admitted := pol.Admits(v)
			toLogin := status == http.StatusSeeOther && (strings.HasPrefix(loc, auth.StaffLoginPath+"?") || strings.HasPrefix(loc, auth.PublicLoginPath+"?"))
			switch {
			case !admitted && status != http.StatusUnauthorized && status != http.StatusForbidden && !toLogin:
				out = append(out, fmt.Sprintf("%s answered %s (%s) with %d", rt.Pattern, pr.Name, pol, status))
			case admitted && !ended[pr.Name] && (status == http.StatusUnauthorized || toLogin):
				out = append(out, fmt.Sprintf("%s refused %s (%s) with %d, though its policy admits them", rt.Pattern, pr.Name, pol, status))
			case status >= 500:
				out = append(out, fmt.Sprintf("%s failed for %s with %d", rt.Pattern, pr.Name, status))
			}
			if logout && admitted && status < 400 {
				ended[pr.Name] = true // the session is over; later logout routes cannot be judged
			}
		}
	}
	sort.Strings(out)
	return out
}

func send(h http.Handler, method, path string, page bool, pr Principal) (int, string) {
	var body *strings.Reader
	r := httptest.NewRequest(method, path, nil)
	if method != http.MethodGet && method != http.MethodHead {
		if page {
			body = strings.NewReader("")
			r = httptest.NewRequest(method, path, body)
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		} else {
			body = strings.NewReader("{}")
			r = httptest.NewRequest(method, path, body)
			r.Header.Set("Content-Type", "application/json")
		}
	}
	if pr.Sign != nil {
		pr.Sign(r)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code, w.Header().Get("Location")
}
