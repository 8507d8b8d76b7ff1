package app_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"onestamp/internal/app/apptest"
	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/auth/authtest"
	"onestamp/internal/platform/web"
)

// TestAuthorizationWalk sends a request to every /staff and /api/v1 route as every role in two
// jurisdictions, an applicant, an integration token, an anonymous visitor and a forged cookie,
// and fails when a route has no declared policy or answers someone it should not. Routes join
// the walk by being registered.
func TestAuthorizationWalk(t *testing.T) {
	engines(t, func(t *testing.T, o apptest.Options) {
		a := apptest.Start(t, o)
		m := a.Main
		ctx := context.Background()
		cookie := m.Auth.CookieName()
		var ps []authtest.Principal
		staff := []string{"admin", "clerk", "reviewer", "chief", "signer", "head", "supervisor", "discipline",
			"leader", "county.clerk", "county.admin", "county.reviewer", "qingchuan.clerk",
			"agency", "owner", "bidder", "host", "bank"}
		var admin *auth.Viewer
		for _, u := range staff {
			s, err := m.Auth.LoginStaff(ctx, auth.StaffLogin{Username: u, Password: apptest.DemoPassword})
			if err != nil {
				t.Fatalf("login %s: %v", u, err)
			}
			if u == "admin" {
				admin = s.Viewer
			}
			ps = append(ps, authtest.Principal{Name: u + "@" + s.Viewer.RegionCode, Viewer: s.Viewer, Sign: authtest.Cookie(cookie, s.Token)})
		}
		ap, err := m.Auth.LoginApplicant(ctx, auth.ApplicantLogin{Identifier: "369902198806150314", Password: apptest.DemoPassword})
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, authtest.Principal{Name: "applicant", Viewer: ap.Viewer, Sign: authtest.Cookie(cookie, ap.Token)})
		if known := m.Auth.KnownScopes(); len(known) > 0 {
			tok, err := m.Auth.CreateToken(ctx, admin, auth.TokenInput{Name: "hotline", Scopes: known[:1], UnitID: admin.UnitID})
			if err != nil {
				t.Fatal(err)
			}
			tv, err := m.Auth.ResolveToken(ctx, tok.Secret)
			if err != nil {
				t.Fatal(err)
			}
			ps = append(ps, authtest.Principal{Name: "token:" + known[0], Viewer: tv, Sign: authtest.Bearer(tok.Secret)})
		}
		ps = append(ps,
			authtest.Principal{Name: "anonymous"},
			authtest.Principal{Name: "forged-cookie", Sign: authtest.Cookie(cookie, "forged"+strings.Repeat("x", 40))},
		)
		if len(m.Web.Mux().Routes()) < 40 {
			t.Fatalf("only %d routes registered: the walk would prove little", len(m.Web.Mux().Routes()))
		}
		for _, v := range authtest.Walk(m.Handler(), m.Guard, ps) {
			t.Error(v)
		}
	})
}

// TestEveryAPIRouteIsDocumented fails when an /api/v1 route is missing from /api/openapi.json.
func TestEveryAPIRouteIsDocumented(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoDemo: true})
	if missing := web.MissingFromOpenAPI(a.Main.Web.Mux()); len(missing) > 0 {
		t.Fatalf("routes missing from the OpenAPI document: %v", missing)
	}
	if miss := web.CheckCatalogues(); len(miss) > 0 {
		t.Fatalf("message keys missing in a language: %v", miss)
	}
}

// TestOtherCountyIsNotFound: a county admin asking for a unit of another county by id gets 404,
// as if it did not exist; the city admin sees it.
func TestOtherCountyIsNotFound(t *testing.T) {
	a := apptest.Start(t, apptest.Options{})
	ctx := context.Background()
	city := a.Staff(t, "admin")
	var units []struct {
		ID         string `json:"id"`
		Name       string `json:"name"`
		RegionCode string `json:"region_code"`
	}
	if err := city.Do(ctx, "GET", "/api/v1/org/units?region=369921000000", nil, &units); err != nil {
		t.Fatal(err)
	}
	if len(units) == 0 {
		t.Fatal("the city admin sees no unit of 青川县")
	}
	other := units[0]
	county := a.Staff(t, "county.admin") // 东湖区
	err := county.Do(ctx, "GET", "/api/v1/org/units/"+other.ID, nil, nil)
	if st := statusOf(err); st != http.StatusNotFound {
		t.Fatalf("东湖 admin reading %s (%s): want 404, got %v", other.Name, other.RegionCode, err)
	}
	if err := city.Do(ctx, "GET", "/api/v1/org/units/"+other.ID, nil, nil); err != nil {
		t.Fatalf("city admin: %v", err)
	}
	// A forged bearer token is 401 on a protected route, and a cross-site form post is refused.
	forged := a.Client()
	forged.Token = "ost_forged"
	if err := forged.Do(ctx, "GET", "/api/v1/org/units", nil, nil); statusOf(err) != http.StatusUnauthorized {
		t.Fatalf("forged token: want 401, got %v", err)
	}
	req := httptest.NewRequest("POST", "/api/v1/org/units", strings.NewReader("{}"))
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	rec := httptest.NewRecorder()
	a.Main.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden {
		t.Fatalf("cross-site POST: want 403, got %d", rec.Code)
	}
}
