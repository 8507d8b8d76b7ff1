package home_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"onestamp/internal/home"
	"onestamp/internal/platform/audit"
	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/auth/authtest"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/db/dbtest"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/gm"
	"onestamp/internal/platform/notify"
	"onestamp/internal/platform/web"
)

const pw = "Passw0rd!x"

type units struct{}

func (units) UnitInfo(_ context.Context, id string) (auth.UnitInfo, error) {
	switch id {
	case "hall-a":
		return auth.UnitInfo{ID: id, Name: "东湖区政务服务大厅", RegionCode: "369902000000", RegionName: "东湖区", Active: true}, nil
	case "bureau":
		return auth.UnitInfo{ID: id, Name: "示范市行政审批局", RegionCode: "369900000000", RegionName: "示范市", Active: true}, nil
	}
	return auth.UnitInfo{}, errs.NotFoundErr("org.unit.not_found")
}

type app struct {
	svc *auth.Service
	g   *auth.Guard
	h   http.Handler
}

func newApp(t *testing.T, d *db.DB) *app {
	t.Helper()
	key := make([]byte, gm.MasterKeySize)
	rand.Read(key)
	c, _ := gm.NewFieldCipher(map[byte][]byte{1: key})
	svc := auth.New(auth.Deps{DB: d, Audit: audit.New(d), Cipher: c, Units: units{},
		Notifier: notify.NewDev(d, slog.New(slog.DiscardHandler), true)},
		auth.Options{Argon2: auth.Argon2Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}, DevSMSReadable: true})
	mux := web.NewMux()
	g := auth.NewGuard(mux, svc)
	if err := auth.Register(g, auth.PageOptions{Staff: home.StaffFrame, Public: home.PortalFrame}); err != nil {
		t.Fatal(err)
	}
	if err := home.Register(g, home.Deps{Dev: true, Bureau: func(context.Context) string { return "示范市行政审批局" }}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, s := range []struct {
		name, unit string
		roles      []auth.Role
	}{{"clerk", "hall-a", []auth.Role{auth.Clerk}}, {"admin", "bureau", []auth.Role{auth.Admin}},
		{"chief", "bureau", []auth.Role{auth.Reviewer, auth.Chief}}} {
		if _, _, err := svc.SeedStaff(ctx, auth.StaffInput{Username: s.name, Name: "名" + s.name, UnitID: s.unit, Roles: s.roles, Password: pw}); err != nil {
			t.Fatal(err)
		}
	}
	h := web.Stack(auth.Middleware(svc)(mux), web.StackOptions{Logger: slog.New(slog.DiscardHandler)})
	return &app{svc: svc, g: g, h: h}
}

func (a *app) get(path string, sign func(*http.Request)) *httptest.ResponseRecorder {
	return a.send("GET", path, "", sign)
}

func (a *app) send(method, path, form string, sign func(*http.Request)) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, strings.NewReader(form))
	if form != "" {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if sign != nil {
		sign(r)
	}
	w := httptest.NewRecorder()
	a.h.ServeHTTP(w, r)
	return w
}

func (a *app) login(t *testing.T, username string) func(*http.Request) {
	t.Helper()
	w := a.send("POST", "/staff/login", url.Values{"username": {username}, "password": {pw}}.Encode(), nil)
	for _, c := range w.Result().Cookies() {
		if c.Name == a.svc.CookieName() && c.Value != "" {
			return authtest.Cookie(c.Name, c.Value)
		}
	}
	t.Fatalf("login %s: %d", username, w.Code)
	return nil
}

func contains(t *testing.T, body string, want ...string) {
	t.Helper()
	for _, s := range want {
		if !strings.Contains(body, s) {
			t.Fatalf("page lacks %q:\n%s", s, body)
		}
	}
}

func lacks(t *testing.T, body string, unwanted ...string) {
	t.Helper()
	for _, s := range unwanted {
		if strings.Contains(body, s) {
			t.Fatalf("page has %q", s)
		}
	}
}

func TestWorkbench(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		a := newApp(t, d)
		if w := a.get("/staff/", nil); w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/staff/login?") {
			t.Fatalf("anonymous workbench: %d %s", w.Code, w.Header().Get("Location"))
		}
		clerk := a.login(t, "clerk")
		w := a.get("/staff/", clerk)
		if w.Code != 200 {
			t.Fatalf("workbench: %d", w.Code)
		}
		body := w.Body.String()
		contains(t, body, "名clerk", "东湖区", "窗口受理", "暂无待办事项", `<a href="/staff/" aria-current="page">首页</a>`, "这是您的首次登录")
		lacks(t, body, "/staff/admin/users", `id="role-switch"`)
		if v := web.CSPViolations(w.Body.Bytes()); len(v) > 0 {
			t.Fatalf("CSP violations: %v", v)
		}
		// In English, on request.
		w = a.get("/staff/?lang=en", clerk)
		contains(t, w.Body.String(), "Workbench", "Window clerk", "Nothing to do yet.")

		// An administrator sees the administration entries, marked where they are.
		admin := a.login(t, "admin")
		body = a.get("/staff/", admin).Body.String()
		contains(t, body, `href="/staff/admin/users"`, `href="/staff/admin/tokens"`, `href="/staff/admin/dev/sms"`, "示范市")
		body = a.get("/staff/admin/users", admin).Body.String()
		contains(t, body, `<a href="/staff/admin/users" aria-current="page">人员账号</a>`, "名admin")

		// A person with two roles switches between them; the menu follows.
		chief := a.login(t, "chief")
		body = a.get("/staff/", chief).Body.String()
		contains(t, body, `id="role-switch"`, `<option value="reviewer" selected>审查</option>`)
		lacks(t, body, `href="/staff/admin/covers"`)
		if w := a.send("POST", "/staff/role", "role=chief", chief); w.Code != http.StatusSeeOther {
			t.Fatalf("role switch: %d", w.Code)
		}
		body = a.get("/staff/", chief).Body.String()
		contains(t, body, `<option value="chief" selected>科长</option>`, `href="/staff/admin/covers"`)

		// Logging out ends the session.
		if w := a.send("POST", "/staff/logout", "", clerk); w.Code != http.StatusSeeOther {
			t.Fatalf("logout: %d", w.Code)
		}
		if w := a.get("/staff/", clerk); w.Code != http.StatusSeeOther {
			t.Fatalf("after logout: %d", w.Code)
		}
	})
}

func TestPortal(t *testing.T) {
	a := newApp(t, dbtest.SQLite(t))
	w := a.get("/", nil)
	if w.Code != 200 {
		t.Fatalf("portal: %d", w.Code)
	}
	body := w.Body.String()
	contains(t, body, "示范市行政审批局", "办事指南", "我的办件", "好差评", "证照核验", "办不成事", `href="/login"`, `href="/register"`, "即将开放",
		`name="viewport"`)
	lacks(t, body, `href="/guide"`)
	if v := web.CSPViolations(w.Body.Bytes()); len(v) > 0 {
		t.Fatalf("CSP violations: %v", v)
	}
	contains(t, a.get("/?lang=en", nil).Body.String(), "Service guide", "Rate a service", `lang="en"`)
	// A place opens when its pages exist.
	a.g.Page("GET /guide", auth.Public, func(w http.ResponseWriter, r *http.Request) {})
	contains(t, a.get("/", nil).Body.String(), `<a href="/guide">办事指南</a>`)
	// The login and registration pages wear the portal frame.
	contains(t, a.get("/login", nil).Body.String(), `<a href="/login" aria-current="page">`, "短信验证码登录")
	contains(t, a.get("/register", nil).Body.String(), "统一社会信用代码")
	// Every page here is free of inline script and style.
	for _, p := range []string{"/login", "/register", "/staff/login"} {
		if v := web.CSPViolations(a.get(p, nil).Body.Bytes()); len(v) > 0 {
			t.Fatalf("%s: CSP violations: %v", p, v)
		}
	}
}

func TestMenuFollowsRoles(t *testing.T) {
	home.AddMenu(home.MenuEntry{Key: "test.menu.queue", Path: "/staff/test-queue", Roles: []auth.Role{auth.Clerk}, Order: 10})
	home.AddMenu(home.MenuEntry{Key: "test.menu.queue", Path: "/staff/test-queue", Roles: []auth.Role{auth.Clerk, auth.Reviewer}, Order: 10})
	clerk := &auth.Viewer{Kind: auth.KindStaff, Role: auth.Clerk, Roles: []auth.Role{auth.Clerk}}
	leader := &auth.Viewer{Kind: auth.KindStaff, Role: auth.Leader, Roles: []auth.Role{auth.Leader}}
	applicant := &auth.Viewer{Kind: auth.KindApplicant, Role: auth.Applicant, Roles: []auth.Role{auth.Applicant}}
	paths := func(v *auth.Viewer) string {
		var out []string
		for _, e := range home.Menu(v, false) {
			out = append(out, e.Path)
		}
		return fmt.Sprint(out)
	}
	if got := paths(clerk); got != "[/staff/ /staff/test-queue]" {
		t.Fatalf("clerk menu %s", got)
	}
	if got := paths(leader); got != "[/staff/]" {
		t.Fatalf("leader menu %s", got)
	}
	if got := paths(applicant); got != "[]" {
		t.Fatalf("applicant menu %s", got)
	}
}

func TestHomeRoutesPassTheWalk(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		a := newApp(t, d)
		ctx := context.Background()
		var ps []authtest.Principal
		for _, u := range []string{"clerk", "admin", "chief"} {
			s, err := a.svc.LoginStaff(ctx, auth.StaffLogin{Username: u, Password: pw})
			if err != nil {
				t.Fatal(err)
			}
			ps = append(ps, authtest.Principal{Name: u, Viewer: s.Viewer, Sign: authtest.Cookie(a.svc.CookieName(), s.Token)})
		}
		ps = append(ps, authtest.Principal{Name: "anonymous"})
		if v := authtest.Walk(a.h, a.g, ps); len(v) > 0 {
			t.Fatalf("violations:\n%s", strings.Join(v, "\n"))
		}
	})
}

func TestCatalogue(t *testing.T) {
	if err := home.AddMessages(); err != nil {
		t.Fatal(err)
	}
	if err := auth.AddMessages(); err != nil {
		t.Fatal(err)
	}
	if gaps := web.CheckCatalogues(); len(gaps) > 0 {
		t.Fatalf("catalogue gaps: %v", gaps)
	}
}
