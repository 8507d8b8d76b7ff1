package org_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"onestamp/internal/org"
	"onestamp/internal/platform/audit"
	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/db/dbtest"
	"onestamp/internal/platform/web"
)

// server registers the org routes on a fresh mux; requests carry their viewer in the context, as
// the auth middleware would set it.
func server(t *testing.T, s *org.Service) *web.Mux {
	t.Helper()
	mux := web.NewMux()
	if err := org.Register(auth.NewGuard(mux, nil), s, nil); err != nil {
		t.Fatal(err)
	}
	return mux
}

func do(t *testing.T, h http.Handler, v *auth.Viewer, method, target string, body io.Reader, ctype string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, target, body)
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	r.Header.Set("Accept-Language", "zh-CN")
	if v != nil {
		r = r.WithContext(auth.WithViewer(r.Context(), v))
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		h := server(t, f.s)
		get := func(v *auth.Viewer, path string) *httptest.ResponseRecorder {
			return do(t, h, v, "GET", path, nil, "")
		}
		if w := get(clerkA, "/api/v1/org/units/"+f.hallA.ID); w.Code != 200 || !strings.Contains(w.Body.String(), "HALL-369901") {
			t.Fatalf("clerk reads own hall: %d %s", w.Code, w.Body)
		}
		// County A cannot see county B's hall, and cannot tell it from a unit that does not exist.
		wB := get(adminA, "/api/v1/org/units/"+f.hallB.ID)
		wX := get(adminA, "/api/v1/org/units/"+db.NewID())
		if wB.Code != 404 || wX.Code != 404 || wB.Body.String()[:40] != wX.Body.String()[:40] {
			t.Fatalf("other county: %d %s / %d %s", wB.Code, wB.Body, wX.Code, wX.Body)
		}
		body := `{"code":"` + f.cityBureau.Code + `","name":"改名","kind":"bureau","region_code":"` + city + `"}`
		if w := do(t, h, adminA, "PUT", "/api/v1/org/units/"+f.cityBureau.ID, strings.NewReader(body), "application/json"); w.Code != 403 {
			t.Fatalf("county admin edits city bureau: %d", w.Code)
		}
		if w := get(nil, "/api/v1/org/units"); w.Code != 401 {
			t.Fatalf("anonymous: %d", w.Code)
		}
		if w := do(t, h, clerkA, "POST", "/api/v1/org/units/"+f.hallA.ID+"/deactivate", nil, ""); w.Code != 403 {
			t.Fatalf("clerk deactivates: %d", w.Code)
		}
		// Create, with a validation error first.
		bad := `{"code":"HALL-9","name":"","kind":"hall","region_code":"` + countyA + `"}`
		w := do(t, h, adminA, "POST", "/api/v1/org/units", strings.NewReader(bad), "application/json")
		if w.Code != 400 || !strings.Contains(w.Body.String(), `"field":"name"`) || !strings.Contains(w.Body.String(), "请填写名称") {
			t.Fatalf("invalid create: %d %s", w.Code, w.Body)
		}
		good := `{"code":"HALL-9","name":"东湖区第二大厅","kind":"hall","region_code":"` + countyA + `","parent_id":"` + f.bureauA.ID + `"}`
		w = do(t, h, adminA, "POST", "/api/v1/org/units", strings.NewReader(good), "application/json")
		if w.Code != 201 {
			t.Fatalf("create: %d %s", w.Code, w.Body)
		}
		var u org.Unit
		json.Unmarshal(w.Body.Bytes(), &u)
		w = do(t, h, adminA, "POST", "/api/v1/org/units/"+u.ID+"/windows", strings.NewReader(`{"number":"1","type":"talent"}`), "application/json")
		if w.Code != 201 {
			t.Fatalf("create window: %d %s", w.Code, w.Body)
		}
		if w := get(adminA, "/api/v1/org/units/"+u.ID+"/chain"); w.Code != 200 || strings.Count(w.Body.String(), `"id"`) != 3 {
			t.Fatalf("chain: %d %s", w.Code, w.Body)
		}
		if w := get(adminA, "/api/v1/org/jurisdictions"); w.Code != 200 || strings.Contains(w.Body.String(), countyB) {
			t.Fatalf("tree: %d %s", w.Code, w.Body)
		}
		// Deactivate over the API; the unit is still there.
		if w := do(t, h, adminA, "POST", "/api/v1/org/units/"+u.ID+"/deactivate", nil, ""); w.Code != 200 || !strings.Contains(w.Body.String(), `"active":false`) {
			t.Fatalf("deactivate: %d %s", w.Code, w.Body)
		}
		if w := get(adminA, "/api/v1/org/units/"+u.ID); w.Code != 200 {
			t.Fatalf("deactivated unit: %d", w.Code)
		}

		// Import: a bad file answers 422 with every problem (11, and 2 rows that exist already),
		// in the request's language.
		w = do(t, h, cityAdmin, "POST", "/api/v1/org/import", bytes.NewReader(badWorkbook(t)), "application/octet-stream")
		var plan org.ImportPlan
		if err := json.Unmarshal(w.Body.Bytes(), &plan); err != nil || w.Code != 422 || len(plan.Problems) != 13 ||
			plan.Problems[0].Message == "" || plan.Problems[0].Message == plan.Problems[0].Key {
			t.Fatalf("import: %d %s", w.Code, w.Body)
		}
		// Export, then a dry run of the same file: everything exists already.
		w = get(cityAdmin, "/api/v1/org/export")
		if w.Code != 200 || w.Header().Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
			t.Fatalf("export: %d %v", w.Code, w.Header())
		}
		w = do(t, h, cityAdmin, "POST", "/api/v1/org/import?dry_run=true", bytes.NewReader(w.Body.Bytes()), "")
		if w.Code != 422 || !strings.Contains(w.Body.String(), "org.jurisdiction.exists") {
			t.Fatalf("dry run: %d %s", w.Code, w.Body)
		}
		if w := get(clerkA, "/api/v1/org/export"); w.Code != 403 {
			t.Fatalf("clerk export: %d", w.Code)
		}
	})
}

func TestPages(t *testing.T) {
	d := dbtest.SQLite(t)
	f := setup(t, d)
	h := server(t, f.s)
	for _, path := range []string{
		org.Base, org.Base + "?region=" + countyA + "&subtree=true&inactive=true&kind=hall&q=%E4%B8%9C",
		org.Base + "/units/new", org.Base + "/units/" + f.hallA.ID, org.Base + "/units/" + f.hallA.ID + "/edit",
		org.Base + "/units/" + f.hallA.ID + "/windows/new", org.Base + "/windows/" + f.win1.ID + "/edit",
		org.Base + "/jurisdictions/new", org.Base + "/jurisdictions/" + countyA + "/edit", org.Base + "/import",
	} {
		w := do(t, h, cityAdmin, "GET", path, nil, "")
		if w.Code != 200 || !strings.Contains(w.Body.String(), "</html>") {
			t.Fatalf("GET %s: %d %s", path, w.Code, w.Body)
		}
		if m := regexp.MustCompile(`org\.[a-z_]+\.[a-z_.]+`).FindString(w.Body.String()); m != "" {
			t.Fatalf("GET %s shows the untranslated key %s", path, m)
		}
	}
	if w := do(t, h, cityAdmin, "GET", org.Base+"?lang=en", nil, ""); !strings.Contains(w.Body.String(), "Organisation") {
		t.Fatal("English page")
	}
	if w := do(t, h, clerkA, "GET", org.Base, nil, ""); w.Code != 403 {
		t.Fatalf("clerk on admin pages: %d", w.Code)
	}
	if w := do(t, h, adminA, "GET", org.Base+"/units/"+f.hallB.ID, nil, ""); w.Code != 404 {
		t.Fatalf("county A admin on county B hall page: %d", w.Code)
	}

	// A form with a mistake comes back with the message beside the field.
	form := url.Values{"kind": {"hall"}, "code": {"HALL-7"}, "name": {""}, "region_code": {countyA}}
	w := do(t, h, cityAdmin, "POST", org.Base+"/units", strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
	if w.Code != 422 || !strings.Contains(w.Body.String(), `id="name-error"`) || !strings.Contains(w.Body.String(), "HALL-7") {
		t.Fatalf("invalid form: %d %s", w.Code, w.Body)
	}
	form.Set("name", "第七大厅")
	w = do(t, h, cityAdmin, "POST", org.Base+"/units", strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
	if w.Code != 303 || !strings.HasPrefix(w.Header().Get("Location"), org.Base+"/units/") {
		t.Fatalf("create form: %d %s", w.Code, w.Body)
	}
	hall := w.Header().Get("Location")
	w = do(t, h, cityAdmin, "POST", hall+"/windows", strings.NewReader("number=C1&type=citywide"), "application/x-www-form-urlencoded")
	if w.Code != 303 {
		t.Fatalf("window form: %d %s", w.Code, w.Body)
	}
	w = do(t, h, cityAdmin, "POST", hall+"/deactivate", nil, "")
	if w.Code != 303 {
		t.Fatalf("deactivate: %d %s", w.Code, w.Body)
	}
	if w = do(t, h, cityAdmin, "GET", hall, nil, ""); !strings.Contains(w.Body.String(), "已停用") {
		t.Fatalf("deactivated hall page: %s", w.Body)
	}

	// Import in two steps: a preview, then the confirmation carrying the same file.
	var xb bytes.Buffer
	if err := f.s.Export(as(cityAdmin), &xb); err != nil {
		t.Fatal(err)
	}
	empty := dbtest.SQLite(t)
	h2 := server(t, org.NewService(empty, audit.New(empty)))
	w = upload(t, h2, org.Base+"/import", "file", "org.xlsx", xb.Bytes())
	if w.Code != 200 || !strings.Contains(w.Body.String(), "确认导入") {
		t.Fatalf("preview: %d %s", w.Code, w.Body)
	}
	if n := count(t, empty, "org_units"); n != 0 {
		t.Fatalf("the preview imported %d units", n)
	}
	data := regexp.MustCompile(`name="data" value="([^"]+)"`).FindStringSubmatch(w.Body.String())
	if data == nil {
		t.Fatal("no data field in the preview")
	}
	raw, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(data[1], "&#43;", "+"))
	if err != nil || !bytes.Equal(raw, xb.Bytes()) {
		t.Fatalf("the preview does not carry the file: %v", err)
	}
	w = upload(t, h2, org.Base+"/import/confirm", "data", "", []byte(base64.StdEncoding.EncodeToString(xb.Bytes())))
	if w.Code != 200 || !strings.Contains(w.Body.String(), "已导入") {
		t.Fatalf("confirm: %d %s", w.Code, w.Body)
	}
	if n := count(t, empty, "org_units"); n != 7 {
		t.Fatalf("imported %d units", n)
	}
	// A bad file shows every problem and offers no confirmation.
	w = upload(t, h2, org.Base+"/import", "file", "bad.xlsx", badWorkbook(t))
	if w.Code != 422 || strings.Contains(w.Body.String(), "确认导入") || strings.Count(w.Body.String(), "<tr><td>") != 13 { // 11, and 2 rows that now exist
		t.Fatalf("bad preview: %d %s", w.Code, w.Body)
	}
}

func upload(t *testing.T, h http.Handler, path, field, name string, data []byte) *httptest.ResponseRecorder {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	if name != "" {
		fw, _ := mw.CreateFormFile(field, name)
		fw.Write(data)
	} else {
		mw.WriteField(field, string(data))
	}
	mw.Close()
	return do(t, h, cityAdmin, "POST", path, &b, mw.FormDataContentType())
}
