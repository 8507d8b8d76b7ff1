package auth_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

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

const (
	countyA = "369901000000"
	countyB = "369902000000"
	pw      = "Passw0rd!x"
)

type unitDir map[string]string

func (u unitDir) UnitInfo(_ context.Context, id string) (auth.UnitInfo, error) {
	r, ok := u[id]
	if !ok {
		return auth.UnitInfo{}, errs.NotFoundErr("org.unit.not_found")
	}
	return auth.UnitInfo{ID: id, Name: id, RegionCode: r, Active: true}, nil
}

var dir = unitDir{"unit-" + countyA: countyA, "unit-" + countyB: countyB, "city": "369900000000"}

type tclock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *tclock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *tclock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// records are scoped records of a test domain: id -> region, unit.
var records = map[string][2]string{"rec-a": {countyA, "unit-" + countyA}, "rec-b": {countyB, "unit-" + countyB}}

type server struct {
	svc   *auth.Service
	g     *auth.Guard
	h     http.Handler
	d     *db.DB
	clock *tclock
	sms   *notify.Dev
}

func newServer(t *testing.T, d *db.DB) *server {
	t.Helper()
	key := make([]byte, gm.MasterKeySize)
	rand.Read(key)
	c, _ := gm.NewFieldCipher(map[byte][]byte{1: key})
	clk := &tclock{t: time.Now()}
	sms := notify.NewDev(d, slog.New(slog.DiscardHandler), true)
	sms.SetClock(clk.now)
	svc := auth.New(auth.Deps{DB: d, Audit: audit.New(d), Cipher: c, Notifier: sms, Units: dir, Now: clk.now},
		auth.Options{Argon2: auth.Argon2Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}, DevSMSReadable: true})
	mux := web.NewMux()
	g := auth.NewGuard(mux, svc)
	if err := auth.Register(g, auth.PageOptions{}); err != nil {
		t.Fatal(err)
	}
	ok := func(w http.ResponseWriter, r *http.Request) { web.JSON(w, http.StatusOK, map[string]bool{"ok": true}) }
	g.API(web.Op{Method: "GET", Path: "/api/v1/test/ratings", Summary: "test"}, auth.Staff(auth.Supervisor).OrTokens("rating:import"), ok)
	g.API(web.Op{Method: "POST", Path: "/api/v1/test/hardcases", Summary: "test"}, auth.Tokens("hardcase:create"), ok)
	g.API(web.Op{Method: "GET", Path: "/api/v1/test/records/{id}", Summary: "test"}, auth.Staff(), func(w http.ResponseWriter, r *http.Request) {
		v, _ := auth.FromContext(r.Context())
		rec, found := records[r.PathValue("id")]
		if !found || !v.Scope().Allows(rec[0], rec[1], "") {
			web.Error(w, r, errs.NotFoundErr("error.not_found"))
			return
		}
		ok(w, r)
	})
	logger := slog.New(slog.DiscardHandler)
	if testing.Verbose() {
		logger = slog.Default()
	}
	h := web.Stack(auth.Middleware(svc)(mux), web.StackOptions{Logger: logger, CrossOriginBypass: auth.BearerRequest})
	return &server{svc: svc, g: g, h: h, d: d, clock: clk, sms: sms}
}

func (s *server) seed(t *testing.T, username, region string, roles ...auth.Role) {
	t.Helper()
	if _, _, err := s.svc.SeedStaff(context.Background(), auth.StaffInput{Username: username, Name: "测试" + username,
		UnitID: "unit-" + region, Roles: roles, Password: pw}); err != nil {
		t.Fatal(err)
	}
}

// do sends a request and returns the recorder.
func (s *server) do(method, path, body string, sign func(*http.Request), header ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if strings.HasPrefix(path, "/api/") && body != "" {
		r.Header.Set("Content-Type", "application/json")
	} else if body != "" {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	if sign != nil {
		sign(r)
	}
	w := httptest.NewRecorder()
	s.h.ServeHTTP(w, r)
	return w
}

// cookieOf returns the session cookie a response set.
func (s *server) cookieOf(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	for _, c := range w.Result().Cookies() {
		if c.Name == s.svc.CookieName() && c.Value != "" {
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
				t.Fatalf("cookie attributes %+v", c)
			}
			return c.Value
		}
	}
	t.Fatalf("no session cookie in %d %s", w.Code, w.Body.String())
	return ""
}

func (s *server) loginAPI(t *testing.T, username string) string {
	t.Helper()
	w := s.do("POST", "/api/v1/auth/login", fmt.Sprintf(`{"username":%q,"password":%q}`, username, pw), nil)
	if w.Code != http.StatusOK {
		t.Fatalf("login %s: %d %s", username, w.Code, w.Body.String())
	}
	return s.cookieOf(t, w)
}

func (s *server) cookie(v string) func(*http.Request) { return authtest.Cookie(s.svc.CookieName(), v) }

func auditCount(t *testing.T, d *db.DB, action string) int {
	t.Helper()
	var n int
	if err := d.Read.QueryRow("SELECT COUNT(*) FROM audit_records WHERE action = $1", action).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestHTTPSessionLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newServer(t, d)
		s.seed(t, "clerk1", countyA, auth.Clerk)
		ck := s.loginAPI(t, "clerk1")
		w := s.do("GET", "/api/v1/auth/me", "", s.cookie(ck))
		var me struct {
			Viewer struct {
				Role       string `json:"role"`
				RegionCode string `json:"region_code"`
			} `json:"viewer"`
		}
		json.Unmarshal(w.Body.Bytes(), &me)
		if w.Code != 200 || me.Viewer.Role != "clerk" || me.Viewer.RegionCode != countyA {
			t.Fatalf("me: %d %s", w.Code, w.Body.String())
		}
		if w := s.do("POST", "/api/v1/auth/logout", "", s.cookie(ck)); w.Code != http.StatusNoContent {
			t.Fatalf("logout: %d", w.Code)
		}
		// The old cookie replayed after logout, and a forged one: 401, not anonymous 200.
		for _, c := range []string{ck, "forged-" + ck[:20]} {
			w := s.do("GET", "/api/v1/auth/me", "", s.cookie(c))
			if w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), `"unauthenticated"`) {
				t.Fatalf("replayed cookie: %d %s", w.Code, w.Body.String())
			}
		}
		// Idle expiry over HTTP.
		ck = s.loginAPI(t, "clerk1")
		s.clock.add(31 * time.Minute)
		if w := s.do("GET", "/api/v1/auth/me", "", s.cookie(ck)); w.Code != http.StatusUnauthorized {
			t.Fatalf("idle session: %d", w.Code)
		}
		// Wrong passwords: 401 four times, then 429 with Retry-After and audit records.
		for i := 0; i < 5; i++ {
			w := s.do("POST", "/api/v1/auth/login", `{"username":"clerk1","password":"nope"}`, nil)
			want := http.StatusUnauthorized
			if i == 4 {
				want = http.StatusTooManyRequests
			}
			if w.Code != want {
				t.Fatalf("failure %d: %d %s", i+1, w.Code, w.Body.String())
			}
			if i == 4 && w.Header().Get("Retry-After") == "" {
				t.Fatal("lockout without Retry-After")
			}
		}
		if auditCount(t, d, "auth.lockout") != 1 || auditCount(t, d, "auth.login_failed") != 5 {
			t.Fatal("lockout not audited")
		}
	})
}

func TestHTTPAccessRules(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newServer(t, d)
		s.seed(t, "clerka", countyA, auth.Clerk)
		s.seed(t, "reva", countyA, auth.Reviewer)
		s.seed(t, "admina", countyA, auth.Admin)
		s.seed(t, "clerkb", countyB, auth.Clerk)
		clerk, rev, admin := s.loginAPI(t, "clerka"), s.loginAPI(t, "reva"), s.loginAPI(t, "admina")

		// Anonymous: pages go to the right login page, the API answers 401.
		w := s.do("GET", "/staff/admin/users?q=x", "", nil)
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/staff/login?next=%2Fstaff%2Fadmin%2Fusers%3Fq%3Dx" {
			t.Fatalf("anonymous staff page: %d %s", w.Code, w.Header().Get("Location"))
		}
		if w := s.do("GET", "/account", "", nil); w.Header().Get("Location") != "/login?next=%2Faccount" {
			t.Fatalf("anonymous public page: %d %s", w.Code, w.Header().Get("Location"))
		}
		if w := s.do("GET", "/api/v1/users", "", nil); w.Code != http.StatusUnauthorized {
			t.Fatalf("anonymous API: %d", w.Code)
		}
		// Wrong role: 403.
		if w := s.do("GET", "/api/v1/users", "", s.cookie(clerk)); w.Code != http.StatusForbidden {
			t.Fatalf("clerk lists users: %d", w.Code)
		}
		if w := s.do("GET", "/staff/admin/users", "", s.cookie(clerk)); w.Code != http.StatusForbidden {
			t.Fatalf("clerk opens user admin: %d", w.Code)
		}
		// A record of another county by id: 404, as for one that does not exist.
		if w := s.do("GET", "/api/v1/test/records/rec-b", "", s.cookie(rev)); w.Code != http.StatusNotFound {
			t.Fatalf("cross-county record: %d", w.Code)
		}
		if w := s.do("GET", "/api/v1/test/records/rec-a", "", s.cookie(rev)); w.Code != http.StatusOK {
			t.Fatalf("own-county record: %d", w.Code)
		}
		w = s.do("GET", "/api/v1/users?q=clerkb", "", s.cookie(admin))
		var list []auth.StaffUser
		json.Unmarshal(w.Body.Bytes(), &list)
		if w.Code != 200 || len(list) != 0 {
			t.Fatalf("county admin finds another county's clerk: %s", w.Body.String())
		}
		// An admin page renders in both languages.
		for lang, want := range map[string]string{"zh-CN": "人员账号", "en": "Staff accounts"} {
			w := s.do("GET", "/staff/admin/users?lang="+lang, "", s.cookie(admin))
			if w.Code != 200 || !strings.Contains(w.Body.String(), want) {
				t.Fatalf("%s users page: %d", lang, w.Code)
			}
		}
	})
}

func TestHTTPTokenOutsideScope(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newServer(t, d)
		s.seed(t, "admina", countyA, auth.Admin)
		admin := s.loginAPI(t, "admina")
		w := s.do("POST", "/api/v1/tokens", `{"name":"12345热线","scopes":["rating:import"],"unit_id":"unit-`+countyA+`"}`, s.cookie(admin))
		var nt auth.NewToken
		json.Unmarshal(w.Body.Bytes(), &nt)
		if w.Code != http.StatusCreated || nt.Secret == "" {
			t.Fatalf("create token: %d %s", w.Code, w.Body.String())
		}
		// A scope no route accepts is refused at creation.
		if w := s.do("POST", "/api/v1/tokens", `{"name":"x","scopes":["nothing:here"],"unit_id":"unit-`+countyA+`"}`, s.cookie(admin)); w.Code != http.StatusBadRequest {
			t.Fatalf("unknown scope: %d", w.Code)
		}
		bearer := authtest.Bearer(nt.Secret)
		if w := s.do("GET", "/api/v1/test/ratings", "", bearer); w.Code != http.StatusOK {
			t.Fatalf("token in scope: %d %s", w.Code, w.Body.String())
		}
		// Cross-origin protection does not stand in the way of a bearer request.
		if w := s.do("POST", "/api/v1/test/hardcases", "{}", bearer, "Sec-Fetch-Site", "cross-site"); w.Code != http.StatusForbidden ||
			!strings.Contains(w.Body.String(), "forbidden") {
			t.Fatalf("token outside scope: %d %s", w.Code, w.Body.String())
		}
		if w := s.do("GET", "/api/v1/users", "", bearer); w.Code != http.StatusForbidden {
			t.Fatalf("token on a staff route: %d", w.Code)
		}
		if n := auditCount(t, d, "auth.token_misuse"); n != 2 {
			t.Fatalf("token misuse audited %d times", n)
		}
		// A forged token is 401 at once.
		if w := s.do("GET", "/api/v1/test/ratings", "", authtest.Bearer("ost_forged")); w.Code != http.StatusUnauthorized {
			t.Fatalf("forged token: %d", w.Code)
		}
		// But a cross-site form post with a cookie is refused.
		if w := s.do("POST", "/api/v1/auth/role", `{"role":"admin"}`, s.cookie(admin), "Sec-Fetch-Site", "cross-site"); w.Code != http.StatusForbidden {
			t.Fatalf("cross-site post: %d", w.Code)
		}
	})
}

func TestHTTPUnmaskIsAudited(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newServer(t, d)
		ctx := context.Background()
		id, err := s.svc.SeedApplicant(ctx, auth.Registration{SubjectType: auth.SubjectPerson, IDNumber: "11010519491231002X",
			Name: "张小明", Mobile: "13800138000", Password: "Citizen1!pw"})
		if err != nil {
			t.Fatal(err)
		}
		s.seed(t, "clerka", countyA, auth.Clerk)
		s.svc.SeedStaff(ctx, auth.StaffInput{Username: "verifier", Name: "核验员", UnitID: "unit-" + countyA,
			Roles: []auth.Role{auth.Clerk}, Perms: []auth.Permission{auth.PermUnmask}, Password: pw})
		clerk, verifier := s.loginAPI(t, "clerka"), s.loginAPI(t, "verifier")
		w := s.do("GET", "/api/v1/applicants/"+id, "", s.cookie(clerk))
		if w.Code != 200 || !strings.Contains(w.Body.String(), `"1101**********002X"`) || strings.Contains(w.Body.String(), "张小明") {
			t.Fatalf("masked profile: %s", w.Body.String())
		}
		if w := s.do("POST", "/api/v1/applicants/"+id+"/unmask", `{"field":"id_number"}`, s.cookie(clerk)); w.Code != http.StatusForbidden {
			t.Fatalf("unmask without permission: %d", w.Code)
		}
		w = s.do("POST", "/api/v1/applicants/"+id+"/unmask", `{"field":"name","reason":"窗口核验"}`, s.cookie(verifier))
		if w.Code != 200 || !strings.Contains(w.Body.String(), "张小明") {
			t.Fatalf("unmask: %d %s", w.Code, w.Body.String())
		}
		if auditCount(t, d, "auth.unmask") != 1 || auditCount(t, d, "auth.unmask_refused") != 1 {
			t.Fatal("unmask not audited")
		}
		// The applicant logs in on the portal with the form and sees their masked account.
		w = s.do("POST", "/login", url.Values{"identifier": {"13800138000"}, "password": {"Citizen1!pw"}, "next": {"/account"}}.Encode(), nil)
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/account" {
			t.Fatalf("portal login: %d %s", w.Code, w.Header().Get("Location"))
		}
		w = s.do("GET", "/account", "", s.cookie(s.cookieOf(t, w)))
		if w.Code != 200 || !strings.Contains(w.Body.String(), "138****8000") || strings.Contains(w.Body.String(), "13800138000") {
			t.Fatalf("account page: %d", w.Code)
		}
	})
}

func TestHTTPStaffPagesFlow(t *testing.T) {
	s := newServer(t, dbtest.SQLite(t))
	// Without the middleware: the guard resolves the session itself.
	s.h = web.Stack(s.g.Mux(), web.StackOptions{Logger: slog.New(slog.DiscardHandler)})
	s.seed(t, "admina", countyA, auth.Admin)
	form := url.Values{"username": {"admina"}, "password": {pw}, "next": {"https://evil.example/"}}
	w := s.do("POST", "/staff/login", form.Encode(), nil)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/staff/" {
		t.Fatalf("login: %d %s", w.Code, w.Header().Get("Location"))
	}
	admin := s.cookie(s.cookieOf(t, w))
	w = s.do("POST", "/staff/admin/users", url.Values{"username": {"newclerk"}, "name": {"新窗口"}, "unit_id": {"unit-" + countyA},
		"roles": {"clerk"}}.Encode(), admin)
	if w.Code != http.StatusCreated || !strings.Contains(w.Body.String(), "newclerk") {
		t.Fatalf("create user page: %d %s", w.Code, w.Body.String())
	}
	body := w.Body.String()
	i := strings.Index(body, `<code class="mono">`)
	temp := body[i+len(`<code class="mono">`) : i+len(`<code class="mono">`)+strings.Index(body[i+len(`<code class="mono">`):], "<")]
	// The new clerk must change the temporary password before anything else.
	w = s.do("POST", "/staff/login", url.Values{"username": {"newclerk"}, "password": {temp}}.Encode(), nil)
	if w.Header().Get("Location") != "/staff/account" {
		t.Fatalf("first login goes to %q (temp %q)", w.Header().Get("Location"), temp)
	}
	clerk := s.cookie(s.cookieOf(t, w))
	if w := s.do("GET", "/api/v1/test/records/rec-a", "", clerk); w.Code != http.StatusForbidden {
		t.Fatalf("API before the password change: %d", w.Code)
	}
	w = s.do("POST", "/staff/account/password", url.Values{"current_password": {temp}, "new_password": {"Brand1!new"},
		"new_password2": {"Brand1!new"}}.Encode(), clerk)
	if w.Code != 200 || !strings.Contains(w.Body.String(), "密码已修改") {
		t.Fatalf("password change: %d", w.Code)
	}
	if w := s.do("GET", "/api/v1/test/records/rec-a", "", clerk); w.Code != http.StatusOK {
		t.Fatalf("API after the password change: %d", w.Code)
	}
	// The development SMS page is for administrators.
	if w := s.do("GET", "/staff/admin/dev/sms", "", admin); w.Code != 200 {
		t.Fatalf("dev sms: %d", w.Code)
	}
	if w := s.do("GET", "/staff/admin/dev/sms", "", clerk); w.Code != http.StatusForbidden {
		t.Fatalf("dev sms as clerk: %d", w.Code)
	}
	// Registration by form, with the code from the development SMS page.
	w = s.do("POST", "/register/code", url.Values{"mobile": {"13900139000"}, "subject_type": {"org"}}.Encode(), nil)
	if w.Code != 200 {
		t.Fatalf("register code: %d %s", w.Code, w.Body.String())
	}
	sent, _ := notify.Recent(context.Background(), s.d, "13900139000", 1)
	if len(sent) != 1 {
		t.Fatal("no SMS kept in development mode")
	}
	w = s.do("GET", "/staff/admin/dev/sms", "", admin)
	if code := fmt.Sprint(sent[0].Args["code"]); !strings.Contains(w.Body.String(), code) {
		t.Fatal("dev page does not show the code")
	}
	w = s.do("POST", "/register", url.Values{"subject_type": {"org"}, "id_number": {"91350100M000100Y43"}, "name": {"示范科技有限公司"},
		"mobile": {"13900139000"}, "code": {fmt.Sprint(sent[0].Args["code"])}, "password": {"Company1!pw"}}.Encode(), nil)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("register: %d %s", w.Code, w.Body.String())
	}
	w = s.do("GET", "/account?welcome=1", "", s.cookie(s.cookieOf(t, w)))
	if w.Code != 200 || !strings.Contains(w.Body.String(), "示范科技有限公司") || !strings.Contains(w.Body.String(), "913501********0Y43") {
		t.Fatalf("org account page: %d", w.Code)
	}
}

// TestAuthorizationWalk sends a request as every role in two counties, an applicant, a token,
// a replayed cookie and an anonymous visitor to every guarded route.
func TestAuthorizationWalk(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newServer(t, d)
		ctx := context.Background()
		var ps []authtest.Principal
		for _, region := range []string{countyA, countyB} {
			for _, r := range auth.StaffRoles {
				name := fmt.Sprintf("%s%s", r, region[4:6])
				s.seed(t, name, region, r)
				sess, err := s.svc.LoginStaff(ctx, auth.StaffLogin{Username: name, Password: pw})
				if err != nil {
					t.Fatal(err)
				}
				ps = append(ps, authtest.Principal{Name: name, Viewer: sess.Viewer, Sign: s.cookie(sess.Token)})
			}
		}
		if _, err := s.svc.SeedApplicant(ctx, auth.Registration{SubjectType: auth.SubjectPerson, IDNumber: "11010519491231002X",
			Name: "张小明", Mobile: "13800138000", Password: "Citizen1!pw"}); err != nil {
			t.Fatal(err)
		}
		as, err := s.svc.LoginApplicant(ctx, auth.ApplicantLogin{Identifier: "13800138000", Password: "Citizen1!pw"})
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, authtest.Principal{Name: "applicant", Viewer: as.Viewer, Sign: s.cookie(as.Token)})
		var admin *auth.Viewer
		for _, p := range ps {
			if p.Viewer.Role == auth.Admin {
				admin = p.Viewer
				break
			}
		}
		nt, err := s.svc.CreateToken(ctx, admin, auth.TokenInput{Name: "hotline", Scopes: []string{"rating:import"}, UnitID: "unit-" + countyA})
		if err != nil {
			t.Fatal(err)
		}
		tv, _ := s.svc.ResolveToken(ctx, nt.Secret)
		ps = append(ps, authtest.Principal{Name: "token", Viewer: tv, Sign: authtest.Bearer(nt.Secret)})
		gone, _ := s.svc.LoginStaff(ctx, auth.StaffLogin{Username: "admin01", Password: pw})
		s.svc.Logout(ctx, gone.Viewer)
		ps = append(ps, authtest.Principal{Name: "replayed cookie", Sign: s.cookie(gone.Token)},
			authtest.Principal{Name: "anonymous"})

		if v := authtest.Walk(s.h, s.g, ps); len(v) > 0 {
			t.Fatalf("%d violations:\n%s", len(v), strings.Join(v, "\n"))
		}
		// The rules this package's routes follow: the workbench is never public but for its
		// login, and its administration is for administrators (and cover grantors).
		for _, rt := range s.g.Mux().Routes() {
			p, _ := s.g.Policy(rt.Pattern)
			if strings.HasPrefix(rt.Path, "/staff/") && p.IsPublic() && rt.Path != auth.StaffLoginPath {
				t.Errorf("%s is public", rt.Pattern)
			}
			if strings.HasPrefix(rt.Path, "/staff/admin/") {
				for _, r := range []auth.Role{auth.Clerk, auth.Reviewer, auth.Supervisor, auth.Leader, auth.Bank} {
					if p.Admits(&auth.Viewer{Kind: auth.KindStaff, Role: r, Roles: []auth.Role{r}}) {
						t.Errorf("%s admits %s", rt.Pattern, r)
					}
				}
			}
		}
	})
}

// TestUnguardedRouteFailsTheWalk shows that a route registered around the guard is caught.
func TestUnguardedRouteFailsTheWalk(t *testing.T) {
	s := newServer(t, dbtest.SQLite(t))
	s.g.Mux().HandleFunc("GET /staff/sneaky", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hi") })
	v := authtest.Walk(s.h, s.g, []authtest.Principal{{Name: "anonymous"}})
	if len(v) != 1 || v[0] != "no policy: GET /staff/sneaky" {
		t.Fatalf("violations %v", v)
	}
}

func TestCatalogueIsComplete(t *testing.T) {
	if err := auth.AddMessages(); err != nil {
		t.Fatal(err)
	}
	if err := notify.AddMessages(); err != nil {
		t.Fatal(err)
	}
	if gaps := web.CheckCatalogues(); len(gaps) > 0 {
		t.Fatalf("catalogue gaps: %v", gaps)
	}
	for _, r := range auth.AllRoles {
		if !web.Messages.Has("en", "role."+string(r)) {
			t.Errorf("role %s has no name", r)
		}
	}
}

func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	s := newServer(t, dbtest.SQLite(t))
	if missing := web.MissingFromOpenAPI(s.g.Mux()); len(missing) > 0 {
		t.Fatalf("undocumented: %v", missing)
	}
	doc, err := json.Marshal(s.g.Mux().OpenAPI(web.APIInfo{Title: "t", Version: "1"}))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"/api/v1/auth/login"`, `"/api/v1/users/{id}"`, `"must_change_password"`, `"401"`, `"403"`} {
		if !strings.Contains(string(doc), want) {
			t.Errorf("OpenAPI lacks %s", want)
		}
	}
}

// TestPagesRender opens every page of the package as someone it admits.
func TestPagesRender(t *testing.T) {
	s := newServer(t, dbtest.SQLite(t))
	ctx := context.Background()
	s.seed(t, "admina", countyA, auth.Admin)
	s.seed(t, "clerka", countyA, auth.Clerk)
	admin := s.cookie(s.loginAPI(t, "admina"))
	w := s.do("GET", "/api/v1/users?q=clerka", "", admin)
	var list []auth.StaffUser
	json.Unmarshal(w.Body.Bytes(), &list)
	if len(list) != 1 {
		t.Fatalf("users: %s", w.Body.String())
	}
	v, _ := s.svc.LoginStaff(ctx, auth.StaffLogin{Username: "admina", Password: pw})
	now := time.Now()
	if _, err := s.svc.GrantCover(ctx, v.Viewer, auth.CoverInput{UserID: list[0].ID, CoverID: v.Viewer.ID, From: now,
		To: now.Add(time.Hour), Reason: "培训"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.CreateToken(ctx, v.Viewer, auth.TokenInput{Name: "银行", Scopes: []string{"rating:import"}, UnitID: "unit-" + countyA}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/staff/login", "/staff/account", "/staff/admin/users", "/staff/admin/users?role=clerk&q=c",
		"/staff/admin/users/" + list[0].ID, "/staff/admin/tokens", "/staff/admin/covers", "/staff/admin/dev/sms",
		"/login", "/register", "/staff/account?lang=en", "/staff/admin/covers?lang=en"} {
		sign := admin
		if p == "/staff/login" || p == "/login" || p == "/register" {
			sign = nil // signed in, these send the person on
		}
		w := s.do("GET", p, "", sign)
		if w.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", p, w.Code, w.Body.String())
		}
		if v := web.CSPViolations(w.Body.Bytes()); len(v) > 0 {
			t.Fatalf("%s: %v", p, v)
		}
	}
	// The second factor: the page shows the secret and the otpauth URI.
	w = s.do("POST", "/staff/account/totp", "", admin)
	if w.Code != 200 || !strings.Contains(w.Body.String(), "otpauth://totp/") {
		t.Fatalf("totp enrolment: %d", w.Code)
	}
	// Forms shown again with their errors.
	for _, c := range []struct{ path, form, want string }{
		{"/staff/login", "username=admina&password=wrong", "账号或密码不正确"},
		{"/staff/admin/users", "username=X&name=&unit_id=", "用户名须为"},
		{"/staff/admin/tokens", "name=t&unit_id=unit-" + countyA, "请至少选择一个授权范围"},
		{"/staff/admin/covers", "user_id=&cover_id=&from=&to=&reason=", "请填写有效的起止时间"},
		{"/staff/account/password", "current_password=x&new_password=a&new_password2=b", "两次输入的新密码不一致"},
		{"/register", "subject_type=person&id_number=123", "请输入有效的18位居民身份证号码"},
		{"/login/sms", "mobile=123&code=1", "请输入有效的11位手机号码"},
	} {
		w := s.do("POST", c.path, c.form, admin)
		if w.Code < 400 || !strings.Contains(w.Body.String(), c.want) {
			t.Fatalf("%s: %d, want %q in %s", c.path, w.Code, c.want, w.Body.String())
		}
	}
}

func TestApplicantIdentityIsClearForTrustedCallers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newServer(t, d)
		ctx := context.Background()
		id, err := s.svc.SeedApplicant(ctx, auth.Registration{SubjectType: auth.SubjectPerson, IDNumber: "11010519491231002X",
			Name: "张小明", Mobile: "13800138000", Password: "Citizen1!pw"})
		if err != nil {
			t.Fatal(err)
		}
		who, err := s.svc.ApplicantIdentity(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if who.IDNumber != "11010519491231002X" || who.Name != "张小明" || who.SubjectType != auth.SubjectPerson || who.Mobile != "13800138000" {
			t.Fatalf("identity = %+v", who)
		}
		// What is stored is not the clear number.
		var stored string
		d.Read.QueryRowContext(ctx, "SELECT id_number FROM applicants WHERE user_id = $1", id).Scan(&stored)
		if stored == "" || strings.Contains(stored, "11010519491231002X") {
			t.Fatalf("ID number stored in clear: %q", stored)
		}
		if _, err := s.svc.ApplicantIdentity(ctx, "00000000-0000-7000-8000-000000000000"); !errs.Is(err, errs.NotFound) {
			t.Fatalf("unknown account: want not_found, got %v", err)
		}
	})
}

func TestApplicantAccountAndStaffName(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newServer(t, d)
		ctx := context.Background()
		id, err := s.svc.SeedApplicant(ctx, auth.Registration{SubjectType: auth.SubjectPerson, IDNumber: "11010519491231002X",
			Name: "张小明", Mobile: "13800138000", Password: "Citizen1!pw"})
		if err != nil {
			t.Fatal(err)
		}
		if got := s.svc.ApplicantAccount(ctx, "11010519491231002x"); got != id {
			t.Fatalf("account by ID number = %q, want %q", got, id)
		}
		if got := s.svc.ApplicantAccount(ctx, "110105194912310038"); got != "" {
			t.Fatalf("unknown ID number found account %q", got)
		}
		if got := s.svc.StaffName(ctx, id); got != "" {
			t.Fatalf("an applicant's name must not come out as a staff name: %q", got)
		}
	})
}
