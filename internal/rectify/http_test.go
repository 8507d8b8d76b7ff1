package rectify

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"onestamp/internal/platform/audit"
	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/db/dbtest"
	"onestamp/internal/platform/gm"
	"onestamp/internal/platform/web"
)

func init() {
	if err := AddMessages(); err != nil {
		panic(err)
	}
}

var keyRE = regexp.MustCompile(`\brectify\.[a-z0-9_]+(\.[a-z0-9_]+)*`)

func newMux(t *testing.T, e *env) *web.Mux {
	t.Helper()
	k := make([]byte, gm.MasterKeySize)
	c, _ := gm.NewFieldCipher(map[byte][]byte{1: k})
	as := auth.New(auth.Deps{DB: e.d, Audit: audit.New(e.d), Cipher: c, Notifier: e.box}, auth.Options{})
	mux := web.NewMux()
	if err := Register(auth.NewGuard(mux, as), e.s); err != nil {
		t.Fatal(err)
	}
	return mux
}

func call(mux *web.Mux, v context.Context, method, target string, body io.Reader, ctype string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, body)
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	if viewer, ok := auth.FromContext(v); ok {
		r = r.WithContext(auth.WithViewer(r.Context(), viewer))
	}
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, r)
	return w
}

func TestLedgerPagesAndExport(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		mux := newMux(t, e)
		e.emit(TopicRatingBad, badRatingEvent("r1", true))
		e.emit(TopicRatingBad, badRatingEvent("r2", false))
		e.drain()
		p, _ := e.s.List(supCity, Filter{})
		id := p.Items[0].ID
		// The organisation works through the forms.
		form := func(v context.Context, action string, vals url.Values) *httptest.ResponseRecorder {
			return call(mux, v, "POST", "/staff/rectify/"+id+"/"+action, strings.NewReader(vals.Encode()), "application/x-www-form-urlencoded")
		}
		if w := form(chiefA, "start", nil); w.Code != http.StatusSeeOther {
			t.Fatalf("start: %d %s", w.Code, w.Body.String())
		}
		// Submitting without a plan: the page again with the reason.
		if w := form(chiefA, "submit", nil); w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "请先填写整改方案") {
			t.Fatalf("submit without a plan: %d", w.Code)
		}
		if w := form(chiefA, "plan", url.Values{"outcome": {"explained"}, "explanation": {"该要求无法律依据，已向群众解释"}}); w.Code != http.StatusSeeOther {
			t.Fatalf("plan: %d %s", w.Code, w.Body.String())
		}
		if w := form(supCity, "callback", url.Values{"reached": {"true"}, "satisfaction": {"basic"}}); w.Code != http.StatusSeeOther {
			t.Fatalf("callback: %d", w.Code)
		}
		for _, lang := range web.Languages {
			for _, path := range []string{"/staff/rectify", "/staff/rectify?open=true&overdue=true", "/staff/rectify/" + id,
				"/staff/rectify/escalations", "/staff/rectify/new"} {
				for _, v := range []context.Context{supCity, chiefA} {
					if path == "/staff/rectify/new" && v == chiefA {
						continue
					}
					w := call(mux, v, "GET", path+sepOf(path)+"lang="+lang, nil, "")
					if w.Code != http.StatusOK {
						t.Fatalf("%s: %d %s", path, w.Code, w.Body.String())
					}
					if k := keyRE.FindString(w.Body.String()); k != "" {
						t.Fatalf("%s %s: untranslated %s", lang, path, k)
					}
					if vs := web.CSPViolations(w.Body.Bytes()); len(vs) > 0 {
						t.Fatalf("%s: CSP %v", path, vs)
					}
				}
			}
		}
		// Another county's clerk: not found.
		if w := call(mux, clerkB, "GET", "/staff/rectify/"+id, nil, ""); w.Code != http.StatusNotFound {
			t.Fatalf("outside the scope: %d", w.Code)
		}
		// The ledger workbook in the 台账 layout.
		w := call(mux, supCity, "GET", "/staff/rectify/export", nil, "")
		if w.Code != http.StatusOK {
			t.Fatalf("export: %d", w.Code)
		}
		x, err := excelize.OpenReader(w.Body)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := x.GetRows("整改台账")
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) < 5 || rows[0][0] != "问题整改台账" || rows[2][0] != "序号" || rows[2][1] != "编号" {
			t.Fatalf("ledger rows: %q", rows)
		}
		var found bool
		for _, r := range rows[3:5] {
			if len(r) > 14 && r[1] == p.Items[0].No && r[2] == "差评" && r[6] == "甲县市场监管局" && r[10] == "解释说明" &&
				r[12] == "已回访" && r[13] == "基本满意" && r[14] == "整改中" {
				found = true
			}
		}
		if !found {
			t.Fatalf("the item's row is not right: %q", rows[3:5])
		}
	})
}

func sepOf(p string) string {
	if strings.Contains(p, "?") {
		return "&"
	}
	return "?"
}
