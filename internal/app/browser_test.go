package app_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"

	"onestamp/internal/app/apptest"
	"onestamp/internal/platform/web"
)

// The demo accounts the browser tests sign in with (internal/demo).
const (
	demoClerkName     = "林晓燕"
	demoApplicantID   = "369902198806150314"
	demoApplicantName = "刘思远"
)

// staffLogin signs in through the workbench's login form.
func staffLogin(t *testing.T, b *apptest.Browser, username string) {
	t.Helper()
	b.Open("/staff/login")
	b.Fill("#username", username)
	b.Fill("#password", apptest.DemoPassword)
	if st := b.ClickNav(`form[action="/staff/login"] button[type="submit"]`); st != http.StatusOK {
		t.Fatalf("staff login %s: status %d, page: %s", username, st, b.Text())
	}
	if p := b.Path(); p != "/staff/" && !strings.HasPrefix(p, "/staff/account") {
		t.Fatalf("staff login %s: ended at %s: %s", username, p, b.Text())
	}
}

// applicantLogin signs in through the portal's password form.
func applicantLogin(t *testing.T, b *apptest.Browser, identifier string) {
	t.Helper()
	b.Open("/login")
	b.Fill("#identifier", identifier)
	b.Fill("#password", apptest.DemoPassword)
	if st := b.ClickNav(`form[action="/login"] button[type="submit"]`); st != http.StatusOK {
		t.Fatalf("applicant login: status %d, page: %s", st, b.Text())
	}
}

func noCSPViolations(t *testing.T, b *apptest.Browser) {
	t.Helper()
	for _, l := range b.CSPViolations() {
		t.Errorf("Content-Security-Policy violation: %s", l)
	}
}

func noOverflow(t *testing.T, b *apptest.Browser, what string) {
	t.Helper()
	if o := b.HorizontalOverflow(); o.Overflows() {
		t.Errorf("%s scrolls sideways: page %dpx wide in a %dpx window; sticking out: %v", what, o.ScrollWidth, o.ViewportWidth, o.Elements)
	}
}

// TestBrowserClerkWorkbench: a clerk signs in, finds the workbench in Chinese, switches to
// English, and signs out.
func TestBrowserClerkWorkbench(t *testing.T) {
	apptest.SkipWithoutChromium(t)
	failOnMissingMessages(t)
	a := apptest.Start(t, apptest.Options{})
	b := a.Browser(t)

	// Signed out, the workbench sends a person to its login page.
	b.Open("/staff/")
	if p := b.Path(); !strings.HasPrefix(p, "/staff/login") {
		t.Fatalf("/staff/ signed out: ended at %s", p)
	}
	if b.Lang() != "zh-CN" || !strings.Contains(b.Text(), "工作人员登录") {
		t.Fatalf("login page not in Chinese (lang %q): %s", b.Lang(), b.Text())
	}

	staffLogin(t, b, "clerk")
	if p := b.Path(); p != "/staff/" {
		t.Fatalf("after login: at %s, want /staff/", p)
	}
	header := b.TextOf(".site-header")
	for _, want := range []string{demoClerkName, "首页", "窗口受理", "示范市", "退出登录"} {
		if !strings.Contains(header, want) {
			t.Errorf("workbench header lacks %q: %q", want, header)
		}
	}
	if nav := b.TextOf(`.site-header nav[aria-label]`); !strings.Contains(nav, "首页") {
		t.Errorf("menu lacks 首页: %q", nav)
	}
	if main := b.TextOf("main"); !strings.Contains(main, demoClerkName+"，您好") || !strings.Contains(main, "我的待办") {
		t.Errorf("workbench home in Chinese: %q", main)
	}
	// A clerk has no administration.
	if b.Has(`a[href="/staff/admin/users"]`) {
		t.Errorf("a clerk sees the staff administration link")
	}

	// The language switch in the header.
	if st := b.ClickNav(`.site-header .lang-switch a[hreflang="en"]`); st != http.StatusOK {
		t.Fatalf("switch to English: status %d", st)
	}
	if b.Lang() != "en" || b.Path() == "" {
		t.Fatalf("after the switch: lang %q", b.Lang())
	}
	page := b.Text()
	for _, want := range []string{"Hello, " + demoClerkName, "My to-do list", "Home", "Log out", "Workbench"} {
		if !strings.Contains(page, want) {
			t.Errorf("English workbench lacks %q: %q", want, page)
		}
	}
	for _, gone := range []string{"我的待办", "退出登录", "首页"} {
		if strings.Contains(page, gone) {
			t.Errorf("English workbench still shows %q", gone)
		}
	}
	// The choice sticks for the next page without ?lang=.
	b.Open("/staff/account")
	if b.Lang() != "en" || !strings.Contains(b.TextOf("main"), "My account") {
		t.Errorf("the language did not stick: lang %q, %q", b.Lang(), b.TextOf("main"))
	}

	// Log out from the header.
	b.ClickNav(`.site-header form[action="/staff/logout"] button`)
	if p := b.Path(); !strings.HasPrefix(p, "/staff/login") || !b.Has("#username") {
		t.Fatalf("after logout: at %s: %s", p, b.Text())
	}
	if strings.Contains(b.TextOf(".site-header"), demoClerkName) {
		t.Errorf("the header still names the clerk after logout")
	}
	b.Open("/staff")
	if p := b.Path(); !strings.HasPrefix(p, "/staff/login") || !b.Has("#username") {
		t.Errorf("/staff after logout: at %s, want the login page", p)
	}
	noCSPViolations(t, b)
}

// TestBrowserApplicantOnPhone: an applicant signs in on a phone and finds the portal fits the
// screen and shows them signed in, masked.
func TestBrowserApplicantOnPhone(t *testing.T) {
	apptest.SkipWithoutChromium(t)
	failOnMissingMessages(t)
	a := apptest.Start(t, apptest.Options{})
	b := a.Browser(t)
	b.Phone()

	b.Open("/login")
	noOverflow(t, b, "/login on a phone")
	if !b.Has(".lang-switch a[hreflang=\"en\"]") {
		t.Errorf("no language switch on the phone's login page")
	}
	applicantLogin(t, b, demoApplicantID)
	if p := b.Path(); p != "/" {
		t.Fatalf("after login: at %s, want /", p)
	}
	masked := "刘**"
	header := b.TextOf(".site-header")
	if !strings.Contains(header, masked) || !b.Has(`.site-header a[href="/account"]`) || !strings.Contains(header, "退出登录") {
		t.Errorf("portal header does not show the applicant signed in as %q: %q", masked, header)
	}
	page := b.Text()
	for _, secret := range []string{demoApplicantName, demoApplicantID} {
		if strings.Contains(page, secret) {
			t.Errorf("the portal shows %q unmasked", secret)
		}
	}
	if strings.Contains(page, "注册") {
		t.Errorf("a signed-in applicant is still offered registration: %q", page)
	}
	noOverflow(t, b, "/ on a phone")

	b.ClickNav(`.site-header a[href="/account"]`)
	main := b.TextOf("main")
	for _, want := range []string{masked, "3699**********0314", "139****0001"} {
		if !strings.Contains(main, want) {
			t.Errorf("account page lacks %q: %q", want, main)
		}
	}
	if strings.Contains(b.Text(), demoApplicantID) || strings.Contains(b.Text(), "13900000001") {
		t.Errorf("account page shows the ID number or mobile unmasked")
	}
	noOverflow(t, b, "/account on a phone")
	noCSPViolations(t, b)
}

// rawKey matches text that looks like a message key shown instead of its text
// ("auth.field.name"): a dotted lower-case word in one of the catalogue's namespaces. (Other
// dotted words are data: a username such as county.clerk.)
var rawKey = regexp.MustCompile(`\b(?:app|auth|blob|cases|catalog|certs|error|footer|home|ident|js|lang|lookup|nav|notify|org|perm|rating|rectify|role|workday)(?:\.[a-z0-9_-]+)+\b`)

// failOnMissingMessages fails the test when the catalogue warns, while it runs, that a page asked
// for a text it lacks (shown in Chinese, or as the key itself). The catalogue warns once per key
// and process, so every browser test watches.
func failOnMissingMessages(t *testing.T) {
	var mu sync.Mutex
	var got []string
	old := slog.Default()
	slog.SetDefault(slog.New(handlerFunc(func(r slog.Record) {
		if r.Message != "i18n: missing message" {
			return
		}
		s := ""
		r.Attrs(func(a slog.Attr) bool { s += a.Key + "=" + a.Value.String() + " "; return true })
		mu.Lock()
		got = append(got, strings.TrimSpace(s))
		mu.Unlock()
	})))
	t.Cleanup(func() {
		slog.SetDefault(old)
		mu.Lock()
		defer mu.Unlock()
		for _, m := range got {
			t.Errorf("a page asked for a message the catalogue lacks: %s", m)
		}
	})
}

type handlerFunc func(slog.Record)

func (h handlerFunc) Enabled(context.Context, slog.Level) bool      { return true }
func (h handlerFunc) Handle(_ context.Context, r slog.Record) error { h(r); return nil }
func (h handlerFunc) WithAttrs([]slog.Attr) slog.Handler            { return h }
func (h handlerFunc) WithGroup(string) slog.Handler                 { return h }

// TestBrowserPagesFitAndSpeak walks the shells' pages as the people who use them, on a desktop
// and on a phone, in both languages: no message key shown raw, nothing that makes the page
// scroll sideways, every form field labelled, nothing blocked by the Content-Security-Policy.
// With ONESTAMP_TEST_SCREENSHOTS=dir it leaves a PNG of every page there, to look at.
func TestBrowserPagesFitAndSpeak(t *testing.T) {
	apptest.SkipWithoutChromium(t)
	failOnMissingMessages(t)
	a := apptest.Start(t, apptest.Options{})
	pages := []struct {
		who   string // "" public, a staff username, or "applicant"
		paths []string
	}{
		{"", []string{"/", "/login", "/staff/login", "/register"}},
		{"applicant", []string{"/", "/account"}},
		{"clerk", []string{"/staff/", "/staff/account"}},
		{"admin", []string{"/staff/", "/staff/admin/users", "/staff/admin/org", "/staff/admin/covers", "/staff/admin/tokens", "/staff/admin/calendar"}},
	}
	shots := map[string]bool{}
	for _, vp := range []struct {
		name string
		v    apptest.Viewport
	}{{"desktop", apptest.Desktop}, {"phone", apptest.Phone}} {
		t.Run(vp.name, func(t *testing.T) {
			b := a.Browser(t)
			b.SetViewport(vp.v)
			for _, group := range pages {
				b.Open("/?lang=zh-CN")
				switch group.who {
				case "":
				case "applicant":
					applicantLogin(t, b, demoApplicantID)
				default:
					staffLogin(t, b, group.who)
				}
				paths := group.paths
				if group.who == "admin" {
					// One account's own page: the first of the list filtered to county.clerk.
					b.Open("/staff/admin/users?q=county.clerk")
					paths = append(paths, apptest.Eval[string](b, `document.querySelector('tbody a[href^="/staff/admin/users/"]').getAttribute("href")`))
				}
				for _, lang := range web.Languages {
					for _, p := range paths {
						sep := "?"
						if strings.Contains(p, "?") {
							sep = "&"
						}
						if st := b.Open(p + sep + "lang=" + lang); st != http.StatusOK {
							t.Errorf("%s %s (%s): status %d", group.who, p, lang, st)
							continue
						}
						what := fmt.Sprintf("%s %s as %q in %s", vp.name, p, group.who, lang)
						if b.Lang() != lang {
							t.Errorf("%s: page language %q", what, b.Lang())
						}
						if keys := rawKey.FindAllString(b.Text(), 5); len(keys) > 0 {
							t.Errorf("%s: message keys shown raw: %v", what, keys)
						}
						noOverflow(t, b, what)
						if bad := apptest.Eval[[]string](b, unlabelledJS); len(bad) > 0 {
							t.Errorf("%s: form fields without a label: %v", what, bad)
						}
						if !b.Has(`.lang-switch a[hreflang]`) {
							t.Errorf("%s: no language switch", what)
						}
						if lang == web.DefaultLang || vp.name == "phone" {
							name := strings.NewReplacer("/", "_").Replace(strings.Trim(p, "/"))
							key := fmt.Sprintf("%s-%s-%s-%s", vp.name, group.who, name, lang)
							if !shots[key] {
								shots[key] = true
								if testingScreenshots() {
									b.Screenshot(key)
								}
							}
						}
					}
				}
				if group.who != "" {
					// Every shell has its logout in the header.
					b.ClickNav(`.site-header form[action$="/logout"] button`)
				}
			}
			noCSPViolations(t, b)
		})
	}
}

// unlabelledJS lists the visible form fields a screen reader could not name.
const unlabelledJS = `(function () {
  var out = [];
  Array.prototype.forEach.call(document.querySelectorAll("input, select, textarea"), function (e) {
    if (e.type === "hidden" || e.type === "submit" || e.type === "button") { return; }
    if (e.labels && e.labels.length) { return; }
    if (e.getAttribute("aria-label") || e.getAttribute("aria-labelledby") || e.title) { return; }
    out.push(e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.name ? "[name=" + e.name + "]" : ""));
  });
  return out;
})()`

// TestBrowserHelpersSeeFaults checks the checks: a page with an inline style under the
// application's Content-Security-Policy, and a box wider than a phone, must be caught.
func TestBrowserHelpersSeeFaults(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", web.ContentSecurityPolicy)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><html lang="en"><head><meta name="viewport" content="width=device-width, initial-scale=1">`+
			`<style>#wide{width:600px;height:20px;background:#ccc}</style></head>`+
			`<body><p>fine</p><div class="wrap"><div id="wide"></div></div><script>document.title="x"</script></body></html>`)
	}))
	defer srv.Close()
	b := apptest.NewBrowser(t)
	b.Phone()
	b.Open(srv.URL + "/")
	if v := b.CSPViolations(); len(v) < 2 {
		t.Errorf("the inline style and script were not reported as CSP violations: %v (console: %v)", v, b.Console())
	}
	// The inline style was refused, so the box is as wide as the page; widen it from outside.
	apptest.Eval[int](b, `(function(){var e=document.getElementById("wide");e.style.setProperty("width","600px");e.style.setProperty("height","20px");return 0})()`)
	o := b.HorizontalOverflow()
	if !o.Overflows() || o.ViewportWidth != int(apptest.Phone.Width) || len(o.Elements) == 0 || !strings.Contains(o.Elements[0], "div#wide") {
		t.Errorf("a 600px box on a 390px phone was not reported: %+v", o)
	}
	if got := b.Text(); got != "fine" {
		t.Errorf("page text = %q, want the visible text only", got)
	}
}

// testingScreenshots reports whether the person running the tests asked for the pages' pictures.
func testingScreenshots() bool { return os.Getenv("ONESTAMP_TEST_SCREENSHOTS") != "" }

// TestBrowserAdminDeactivatesAfterConfirming: deactivating an account asks first; saying no
// changes nothing, saying yes deactivates it, says so, and the person can no longer sign in.
func TestBrowserAdminDeactivatesAfterConfirming(t *testing.T) {
	apptest.SkipWithoutChromium(t)
	failOnMissingMessages(t)
	a := apptest.Start(t, apptest.Options{})
	b := a.Browser(t)
	staffLogin(t, b, "admin")
	b.Open("/staff/admin/users")
	// The list names each person's unit, not its id.
	if list := b.TextOf("tbody"); !strings.Contains(list, "东湖区政务服务中心") {
		t.Errorf("the users list does not name the units: %q", list)
	}
	b.Open("/staff/admin/users?q=county.clerk")
	b.ClickNav(`tbody a[href^="/staff/admin/users/"]`)
	if !strings.Contains(b.TextOf("main"), "黄丽娟") {
		t.Fatalf("not on county.clerk's page: %q", b.TextOf("main"))
	}
	userPage := b.Path()
	deactivate := `form[action$="/deactivate"] button`

	b.AnswerDialogs(false)
	b.Click(deactivate)
	if d := b.Dialogs(); len(d) != 1 || !strings.Contains(d[0], "确定停用该账号") {
		t.Fatalf("no confirmation before deactivating: dialogs %q", d)
	}
	if b.Path() != userPage || !b.Has(deactivate) {
		t.Fatalf("dismissing the confirmation still acted: at %s", b.Path())
	}
	if _, err := a.Client().Login(context.Background(), "county.clerk", apptest.DemoPassword); err != nil {
		t.Fatalf("county.clerk cannot sign in before deactivation: %v", err)
	}

	b.AnswerDialogs(true)
	b.ClickNav(deactivate)
	main := b.TextOf("main")
	if !strings.Contains(main, "账号已停用") || !strings.Contains(main, "已停用") || b.Has(deactivate) {
		t.Errorf("after deactivating: %q", main)
	}
	if len(b.Dialogs()) != 2 {
		t.Errorf("dialogs: %q", b.Dialogs())
	}
	if _, err := a.Client().Login(context.Background(), "county.clerk", apptest.DemoPassword); err == nil {
		t.Errorf("a deactivated account can still sign in")
	}
	noCSPViolations(t, b)
}
