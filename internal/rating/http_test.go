package rating

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"onestamp/internal/platform/audit"
	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/db/dbtest"
	"onestamp/internal/platform/web"
)

// site is the domain's routes on a mux behind a guard, with the viewer of each request chosen by
// the test.
type site struct {
	e   *env
	mux *web.Mux
	g   *auth.Guard
}

func newSite(t testing.TB, e *env) *site {
	t.Helper()
	as := auth.New(auth.Deps{DB: e.d, Audit: audit.New(e.d), Cipher: testCipher(t), Notifier: e.sms}, auth.Options{})
	mux := web.NewMux()
	g := auth.NewGuard(mux, as)
	if err := Register(g, e.s); err != nil {
		t.Fatal(err)
	}
	return &site{e: e, mux: mux, g: g}
}

// do sends a request as v (nil: anonymous) and returns the response.
func (s *site) do(v context.Context, method, target string, body io.Reader, ctype string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, body)
	r.RemoteAddr = "192.0.2.10:1234"
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	if v != nil {
		if viewer, ok := auth.FromContext(v); ok {
			r = r.WithContext(auth.WithViewer(r.Context(), viewer))
		}
	}
	w := httptest.NewRecorder()
	s.mux.ServeHTTP(w, r)
	return w
}

func (s *site) json(v context.Context, method, target string, in any) *httptest.ResponseRecorder {
	b, _ := json.Marshal(in)
	return s.do(v, method, target, bytes.NewReader(b), "application/json")
}

func TestPagesRender(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, Options{})
		st := newSite(t, e)
		c := e.concluded(e.clock.Now().Add(-24 * time.Hour))
		r, err := e.s.Submit(applicantCtx(), c.ID, ChannelWeb, bad())
		if err != nil {
			t.Fatal(err)
		}
		link, _ := e.s.LinkURL(context.Background(), e.concluded(e.clock.Now()).ID, "")
		sup := citySupervisor(auth.PermUnmask)
		pages := []struct {
			v    context.Context
			path string
		}{
			{nil, "/rate/" + tokenOf(link)},
			{nil, "/rate/window/" + windowA1},
			{sup, "/staff/ratings"},
			{sup, "/staff/ratings?bad=true&from=2026-03-01"},
			{sup, "/staff/ratings/" + r.ID},
			{sup, "/staff/ratings/paper"},
			{sup, "/staff/ratings/dashboard?period=2026-03"},
			{sup, "/staff/ratings/stats?period=2026&dim=window"},
			{sup, "/staff/ratings/stats?period=2026-03-10&dim=staff"},
			{sup, "/staff/ratings/bulletin?period=2026-03"},
			{sup, "/staff/ratings/daily?day=2026-03-10"},
			{sup, "/staff/ratings/annual?year=2026"},
			{staffCtx("chief-a", auth.Chief, unitA, countyA), "/staff/ratings/" + r.ID},
		}
		for _, lang := range web.Languages {
			for _, p := range pages {
				w := st.do(p.v, "GET", p.path+sep(p.path)+"lang="+lang, nil, "")
				body := w.Body.String()
				if w.Code != http.StatusOK {
					t.Fatalf("%s %s: %d\n%s", lang, p.path, w.Code, body)
				}
				if k := keyRE.FindString(body); k != "" {
					t.Fatalf("%s %s: untranslated %q", lang, p.path, k)
				}
				if v := web.CSPViolations(w.Body.Bytes()); len(v) > 0 {
					t.Fatalf("%s %s: CSP violations %v", lang, p.path, v)
				}
			}
		}
		// The rated organisation sees the rating without the evaluator.
		w := st.do(staffCtx("chief-a", auth.Chief, unitA, countyA), "GET", "/staff/ratings/"+r.ID, nil, "")
		if strings.Contains(w.Body.String(), "138****8000") || strings.Contains(w.Body.String(), "1101**********4477") {
			t.Fatal("the rated organisation sees the evaluator")
		}
		w = st.do(sup, "GET", "/staff/ratings/"+r.ID, nil, "")
		if !strings.Contains(w.Body.String(), "138****8000") {
			t.Fatal("a supervisor does not see the masked evaluator")
		}
		// Downloads.
		for _, f := range []string{"xlsx", "pdf"} {
			w := st.do(sup, "GET", "/staff/ratings/bulletin?period=2026-03&format="+f, nil, "")
			if w.Code != http.StatusOK || w.Body.Len() < 1000 {
				t.Fatalf("bulletin %s: %d, %d bytes", f, w.Code, w.Body.Len())
			}
		}
		w = st.do(sup, "GET", "/api/v1/ratings/export?from=2026-03-01", nil, "")
		if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/x-ndjson" {
			t.Fatalf("export: %d %s", w.Code, w.Body.String())
		}
		var rec ProvincialRecord
		if err := json.Unmarshal(bytes.SplitN(w.Body.Bytes(), []byte("\n"), 2)[0], &rec); err != nil {
			t.Fatal(err)
		}
		if rec.CaseNo != c.No || rec.OrgCreditCode != c.UnitCode || rec.ApplicantID != "1101**********4477" ||
			rec.Channel != "3" || rec.Level != VeryDissatisfied || rec.CaseStatus != "concluded" || rec.ItemVersion != "3" {
			t.Fatalf("provincial record: %+v", rec)
		}
		// The API refuses the export to window staff.
		if w := st.do(staffCtx(clerkA, auth.Clerk, unitA, countyA), "GET", "/api/v1/ratings/export", nil, ""); w.Code != http.StatusForbidden {
			t.Fatalf("export as a clerk: %d", w.Code)
		}
	})
}

// keyRE finds a message key shown instead of its text.
var keyRE = regexp.MustCompile(`\b(rating|rectify)\.[a-z0-9_]+(\.[a-z0-9_]+)*`)

func sep(p string) string {
	if strings.Contains(p, "?") {
		return "&"
	}
	return "?"
}

func TestPublicFormAndRateLimit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, Options{PublicBurst: 3, PublicEvery: time.Hour})
		st := newSite(t, e)
		c := e.concluded(e.clock.Now().Add(-time.Hour))
		form := url.Values{"case_no": {c.No}, "mobile": {"13700000000"}, "level": {"1"}, "reasons": {"B01"}}
		// A mobile that does not match: the form again with the reason, nothing written.
		w := st.do(nil, "POST", "/rate/window/"+windowA1, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
		if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "没有找到与您的信息相符的办件") {
			t.Fatalf("mismatch: %d", w.Code)
		}
		form.Set("mobile", mobile1)
		w = st.do(nil, "POST", "/rate/window/"+windowA1, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "感谢您的评价") {
			t.Fatalf("rate: %d %s", w.Code, w.Body.String())
		}
		// A burst from the same address (the third request within the hour used the last token):
		// refused with 429 and Retry-After, and nothing written.
		form.Set("mobile", "13700000000")
		if w := st.do(nil, "POST", "/rate/window/"+windowA1, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded"); w.Code != http.StatusUnprocessableEntity {
			t.Fatalf("third request: %d", w.Code)
		}
		link, _ := e.s.LinkURL(context.Background(), e.concluded(e.clock.Now()).ID, "")
		w = st.json(nil, "POST", "/api/v1/ratings/link", LinkRequest{Token: tokenOf(link), Input: good()})
		if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" {
			t.Fatalf("burst: %d %s", w.Code, w.Body.String())
		}
		if n := countRatings(t, d); n != 1 {
			t.Fatalf("%d ratings after the burst, want 1", n)
		}
	})
}
