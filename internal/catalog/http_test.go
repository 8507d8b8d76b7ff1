package catalog_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"onestamp/internal/catalog"
	"onestamp/internal/home"
	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/auth/authtest"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/db/dbtest"
	"onestamp/internal/platform/web"
)

func server(t *testing.T, s *catalog.Service) (*web.Mux, *auth.Guard) {
	t.Helper()
	mux := web.NewMux()
	g := auth.NewGuard(mux, nil)
	if err := catalog.Register(g, s); err != nil {
		t.Fatal(err)
	}
	if err := home.AddMessages(); err != nil {
		t.Fatal(err)
	}
	if err := auth.AddMessages(); err != nil {
		t.Fatal(err)
	}
	return mux, g
}

func do(t *testing.T, h http.Handler, v *auth.Viewer, method, target string, body io.Reader, ctype string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, target, body)
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	if v != nil {
		r = r.WithContext(auth.WithViewer(r.Context(), v))
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func form(t *testing.T, h http.Handler, v *auth.Viewer, target string, vals url.Values) *httptest.ResponseRecorder {
	t.Helper()
	return do(t, h, v, "POST", target, strings.NewReader(vals.Encode()), "application/x-www-form-urlencoded")
}

func noCSP(t *testing.T, what string, body []byte) {
	t.Helper()
	if vs := web.CSPViolations(body); len(vs) > 0 {
		t.Errorf("%s: %v", what, vs)
	}
}

var resultRE = regexp.MustCompile(`<a class="result-link" href="(/guide/items/[^"]+)">([^<]+)</a>`)

func TestGuidePages(t *testing.T) {
	catalog.WaitSegmenter()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := loadDemo(t, d)
		h, _ := server(t, f.s)

		// The portal: type 开饭店, reach the 食品经营许可 page.
		w := do(t, h, nil, "GET", "/guide?q="+url.QueryEscape("开饭店"), nil, "")
		if w.Code != 200 {
			t.Fatalf("search page: %d %s", w.Code, w.Body)
		}
		body := w.Body.String()
		noCSP(t, "search page", w.Body.Bytes())
		if !strings.Contains(body, `name="q"`) || !strings.Contains(body, "开餐馆") {
			t.Fatalf("search page lacks the form or the chain: %s", body)
		}
		m := resultRE.FindStringSubmatch(body)
		if m == nil || m[2] != "食品经营许可" {
			t.Fatalf("first result = %v", m)
		}
		w = do(t, h, nil, "GET", m[1], nil, "")
		if w.Code != 200 || !strings.Contains(w.Body.String(), `<h1 id="item-name">食品经营许可</h1>`) {
			t.Fatalf("item page: %d %s", w.Code, w.Body)
		}
		noCSP(t, "item page", w.Body.Bytes())
		for _, want := range []string{"食品经营许可（新办）", "data-print", "《中华人民共和国食品安全法》第三十五条", "从业人员健康证明",
			"可容缺后补", "承诺 5 个工作日办结"} {
			if !strings.Contains(w.Body.String(), want) {
				t.Errorf("item page lacks %q", want)
			}
		}
		// Its 新办 variant belongs to the chain 开餐馆.
		newFood := first(t, f.s, "食品经营许可（新办）")
		if w := do(t, h, nil, "GET", "/guide/items/"+newFood.ID, nil, ""); !strings.Contains(w.Body.String(), `href="/guide/chains/open-restaurant"`) {
			t.Errorf("the 新办 page does not name its chain")
		}
		// A fully online leaf has an apply link; the guide in English shows English names.
		online := first(t, f.s, "企业设立登记")
		w = do(t, h, nil, "GET", "/guide/items/"+online.ID+"?lang=en", nil, "")
		if w.Code != 200 || !strings.Contains(w.Body.String(), `id="apply" href="/apply?item=`+online.ID) ||
			!strings.Contains(w.Body.String(), "Enterprise establishment registration") {
			t.Fatalf("online item in English: %d %s", w.Code, w.Body)
		}
		// Browsing.
		for _, path := range []string{"/guide", "/guide?life=housing", "/guide?biz=start", "/guide?theme=food",
			"/guide?dept=" + f.units["dept.amr"].ID, "/guide/chains/open-restaurant", "/guide?lang=en"} {
			w := do(t, h, nil, "GET", path, nil, "")
			if w.Code != 200 {
				t.Fatalf("%s: %d", path, w.Code)
			}
			noCSP(t, path, w.Body.Bytes())
		}
		w = do(t, h, nil, "GET", "/guide?theme=food", nil, "")
		if !strings.Contains(w.Body.String(), "食品经营许可") {
			t.Error("food theme lacks 食品经营许可")
		}
		if w := do(t, h, nil, "GET", "/guide/items/"+db.NewID(), nil, ""); w.Code != 404 {
			t.Fatalf("unknown item: %d", w.Code)
		}

		// The API, best match first.
		w = do(t, h, nil, "GET", "/api/v1/items?q=spjy", nil, "")
		var res catalog.SearchResult
		if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil || w.Code != 200 || len(res.Items) == 0 || res.Items[0].Name != "食品经营许可" {
			t.Fatalf("api search: %d %s", w.Code, w.Body)
		}
		w = do(t, h, nil, "GET", "/api/v1/items?q=", nil, "")
		if w.Code != 200 || !strings.Contains(w.Body.String(), `"items":[]`) {
			t.Fatalf("empty search: %d %s", w.Code, w.Body)
		}
		// Case intake asks who decides; anonymous callers may not.
		target := "/api/v1/deciders?item=" + m[1][len("/guide/items/"):] + "&region=" + hightech + "&date=2022-01-01"
		if w := do(t, h, nil, "GET", target, nil, ""); w.Code != 401 {
			t.Fatalf("anonymous decider: %d", w.Code)
		}
		w = do(t, h, clerk, "GET", target, nil, "")
		if w.Code != 200 || !strings.Contains(w.Body.String(), f.units["hightech.bureau"].ID) {
			t.Fatalf("decider: %d %s", w.Code, w.Body)
		}
	})
}

func TestAdminPages(t *testing.T) {
	d := dbtest.SQLite(t)
	f := loadDemo(t, d)
	h, g := server(t, f.s)
	item := first(t, f.s, "公共场所卫生许可")
	base := "/staff/catalog/items/" + item.ID

	for _, path := range []string{"/staff/catalog", "/staff/catalog?drafts=true", base, base + "/edit", "/staff/catalog/items/new",
		"/staff/catalog/powers", "/staff/catalog/stats", "/staff/catalog/chains", "/staff/catalog/synonyms",
		"/staff/catalog/cert-types", "/staff/catalog/import", "/staff/catalog/chains/open-restaurant"} {
		w := do(t, h, cityAdmin, "GET", path, nil, "")
		if w.Code != 200 {
			t.Fatalf("%s: %d %s", path, w.Code, w.Body)
		}
		noCSP(t, path, w.Body.Bytes())
	}
	// Every item's pages render, in both languages.
	items, err := f.s.Items(as(clerk), catalog.ItemFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		for _, path := range []string{"/guide/items/" + it.ID, "/guide/items/" + it.ID + "?lang=en&version=1",
			"/staff/catalog/items/" + it.ID, "/staff/catalog/items/" + it.ID + "/edit"} {
			w := do(t, h, cityAdmin, "GET", path, nil, "")
			if w.Code != 200 {
				t.Fatalf("%s (%s): %d %s", path, it.Name, w.Code, w.Body)
			}
			noCSP(t, path, w.Body.Bytes())
		}
	}
	// The editor shows the current content; an invalid save shows every problem at its field.
	w := do(t, h, cityAdmin, "GET", base+"/edit", nil, "")
	vals := formValues(t, w.Body.String())
	vals.Set("promised_wd", "99")
	vals.Set("materials[0].cert_type", "C-NOPE")
	w = form(t, h, cityAdmin, base+"/edit", vals)
	if w.Code != 422 || !strings.Contains(w.Body.String(), "不能超过法定时限") || !strings.Contains(w.Body.String(), "C-NOPE") {
		t.Fatalf("invalid draft: %d %s", w.Code, w.Body)
	}
	noCSP(t, "editor with errors", w.Body.Bytes())
	vals.Set("promised_wd", "3")
	vals.Set("materials[0].cert_type", "")
	vals.Set("note", "压缩承诺时限")
	w = form(t, h, cityAdmin, base+"/edit", vals)
	if w.Code != 303 {
		t.Fatalf("save draft: %d %s", w.Code, w.Body)
	}
	// The publication asks for confirmation and shows the diff.
	w = do(t, h, cityAdmin, "GET", base+"/publish", nil, "")
	if w.Code != 200 || !strings.Contains(w.Body.String(), "data-confirm=") || !strings.Contains(w.Body.String(), "<ins>3</ins>") {
		t.Fatalf("publish page: %d %s", w.Code, w.Body)
	}
	w = form(t, h, cityAdmin, base+"/publish", url.Values{"version": {"3"}, "effective_from": {"2020-01-01"}})
	if w.Code != 422 || !strings.Contains(w.Body.String(), "生效日期不能早于") {
		t.Fatalf("publish in the past: %d %s", w.Code, w.Body)
	}
	w = form(t, h, cityAdmin, base+"/publish", url.Values{"version": {"3"}, "effective_from": {f.s.Today().String()}})
	if w.Code != 303 {
		t.Fatalf("publish: %d %s", w.Code, w.Body)
	}
	if v, err := f.s.VersionAt(t.Context(), item.ID, 0); err != nil || v.Version != 3 || v.Spec.PromisedWD != 3 {
		t.Fatalf("in force = v%d %d, %v", v.Version, v.Spec.PromisedWD, err)
	}
	if w := do(t, h, cityAdmin, "GET", base+"/diff?from=2&to=3", nil, ""); w.Code != 200 || !strings.Contains(w.Body.String(), "承诺时限") {
		t.Fatalf("diff page: %d %s", w.Code, w.Body)
	}
	// A clerk reads but does not edit.
	if w := do(t, h, clerk, "GET", base, nil, ""); w.Code != 200 || strings.Contains(w.Body.String(), base+"/edit") {
		t.Fatalf("clerk overview: %d", w.Code)
	}
	if w := form(t, h, clerk, base+"/edit", vals); w.Code != 403 {
		t.Fatalf("clerk saves: %d", w.Code)
	}
	// A bad workbook is refused with its problems listed.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "bad.xlsx")
	fw.Write([]byte("not a workbook"))
	mw.Close()
	w = do(t, h, cityAdmin, "POST", "/staff/catalog/import", &buf, mw.FormDataContentType())
	if w.Code != 422 || !strings.Contains(w.Body.String(), "无法读取该文件") {
		t.Fatalf("bad import: %d %s", w.Code, w.Body)
	}
	// A synonym added on the page finds its item at once.
	w = form(t, h, cityAdmin, "/staff/catalog/synonyms", url.Values{"term": {"开澡堂"}, "expansion": {"公共场所卫生许可"}})
	if w.Code != 303 {
		t.Fatalf("synonym: %d %s", w.Code, w.Body)
	}
	if got := first(t, f.s, "开澡堂"); got.ID != item.ID {
		t.Fatalf("new synonym finds %s", got.Name)
	}
	// Every route declares its policy, and nobody gets past it.
	principals := []authtest.Principal{{Name: "anonymous"},
		{Name: "clerk", Viewer: clerk, Sign: func(r *http.Request) {}},
		{Name: "applicant", Viewer: &auth.Viewer{Kind: auth.KindApplicant, ID: "a1", Role: auth.Applicant, Roles: []auth.Role{auth.Applicant}}},
		{Name: "admin", Viewer: cityAdmin}}
	for i := range principals {
		v := principals[i].Viewer
		principals[i].Sign = func(r *http.Request) {
			if v != nil {
				*r = *r.WithContext(auth.WithViewer(r.Context(), v))
			}
		}
	}
	if vs := authtest.Walk(h, g, principals); len(vs) > 0 {
		t.Fatalf("authorization walk:\n%s", strings.Join(vs, "\n"))
	}
	if missing := web.MissingFromOpenAPI(h); len(missing) > 0 {
		t.Fatalf("undocumented: %v", missing)
	}
}

// formValues reads the inputs of the editor form as a browser would submit them.
func formValues(t *testing.T, page string) url.Values {
	t.Helper()
	vals := url.Values{}
	start := strings.Index(page, `<form method="post" action="/staff/catalog/items`)
	end := strings.Index(page[start:], "</form>")
	page = page[start : start+end]
	attr := func(tag, name string) (string, bool) {
		m := regexp.MustCompile(`\s` + name + `="([^"]*)"`).FindStringSubmatch(tag)
		if m == nil {
			return "", strings.Contains(tag, " "+name+">") || strings.Contains(tag, " "+name+" ")
		}
		return htmlUnescape(m[1]), true
	}
	for _, tag := range regexp.MustCompile(`<input[^>]*>`).FindAllString(page, -1) {
		name, _ := attr(tag, "name")
		typ, _ := attr(tag, "type")
		value, _ := attr(tag, "value")
		if name == "" {
			continue
		}
		if typ == "checkbox" {
			if _, checked := attr(tag, "checked"); checked {
				vals.Add(name, value)
			}
			continue
		}
		vals.Add(name, value)
	}
	for _, m := range regexp.MustCompile(`(?s)<textarea[^>]*name="([^"]*)"[^>]*>(.*?)</textarea>`).FindAllStringSubmatch(page, -1) {
		vals.Add(htmlUnescape(m[1]), htmlUnescape(m[2]))
	}
	for _, m := range regexp.MustCompile(`(?s)<select[^>]*name="([^"]*)"[^>]*>(.*?)</select>`).FindAllStringSubmatch(page, -1) {
		for _, o := range regexp.MustCompile(`<option value="([^"]*)"[^>]* selected`).FindAllStringSubmatch(m[2], -1) {
			vals.Add(htmlUnescape(m[1]), htmlUnescape(o[1]))
		}
	}
	return vals
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'", "&quot;", `"`).Replace(s)
}

// TestMessages checks the catalogue's texts: both languages have the same keys and placeholders,
// and every label the pages build from a value exists.
func TestMessages(t *testing.T) {
	if err := catalog.AddMessages(); err != nil {
		t.Fatal(err)
	}
	for _, p := range web.CheckCatalogues() {
		if strings.Contains(p, "catalog.") {
			t.Error(p)
		}
	}
	var keys []string
	add := func(prefix string, vs ...string) {
		for _, v := range vs {
			keys = append(keys, prefix+v)
		}
	}
	str := func(vs any) []string {
		rv := reflect.ValueOf(vs)
		out := make([]string, rv.Len())
		for i := range out {
			out[i] = rv.Index(i).String()
		}
		return out
	}
	add("catalog.type.", str(catalog.ItemTypes)...)
	add("catalog.level.", str(catalog.Levels)...)
	add("catalog.kind.", str(catalog.Kinds)...)
	add("catalog.form.", str(catalog.MaterialForms)...)
	add("catalog.source.", str(catalog.MaterialSources)...)
	add("catalog.target.", str(catalog.Targets)...)
	add("catalog.power_source.", str(catalog.PowerSources)...)
	add("catalog.timing.", str(catalog.FeeTimings)...)
	add("catalog.result.", str(catalog.ResultTypes)...)
	add("catalog.delivery.", str(catalog.Deliveries)...)
	add("catalog.cross.", str(catalog.CrossModes)...)
	add("catalog.reform.", str(catalog.ReformModes)...)
	add("catalog.reform_desc.", str(catalog.ReformModes)...)
	add("catalog.verify.", str(catalog.VerifyMethods)...)
	add("catalog.field_type.", str(catalog.FieldTypes)...)
	add("catalog.power_kind.", str(catalog.PowerKinds)...)
	add("catalog.division.", str(catalog.DivisionLevels)...)
	add("catalog.life.", catalog.LifeEvents...)
	add("catalog.biz.", catalog.EnterpriseEvents...)
	add("catalog.theme.", catalog.Themes...)
	add("catalog.depth.", "0", "1", "2", "3", "4")
	add("catalog.visits.", "0", "1", "2")
	add("catalog.region_level.", "province", "city", "county", "township", "village")
	// Every JSON field of a spec has a label, for the version diff.
	var walk func(reflect.Type)
	seen := map[reflect.Type]bool{}
	walk = func(rt reflect.Type) {
		for rt.Kind() == reflect.Slice || rt.Kind() == reflect.Pointer {
			rt = rt.Elem()
		}
		if rt.Kind() != reflect.Struct || seen[rt] {
			return
		}
		seen[rt] = true
		for i := range rt.NumField() {
			name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
			if name != "" && name != "-" {
				keys = append(keys, "catalog.f."+name)
			}
			walk(rt.Field(i).Type)
		}
	}
	walk(reflect.TypeFor[catalog.Spec]())
	for _, k := range slices.Compact(slices.Sorted(slices.Values(keys))) {
		for _, lang := range web.Languages {
			if !web.Messages.Has(lang, k) {
				t.Errorf("%s: no message %s", lang, k)
			}
		}
	}
}
