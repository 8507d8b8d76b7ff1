package web

import (
	"context"
	"io/fs"
	"net/http/httptest"
	"onestamp/internal/platform/errs"
	"regexp"
	"slices"
	"testing"
	"time"
)

func TestCatalogueParity(t *testing.T) {
	addTestMessages()
	if missing := CheckCatalogues(); len(missing) > 0 {
		t.Fatalf("catalogues differ:\n%v", missing)
	}
	// The check itself finds gaps and placeholder mismatches.
	c := NewCatalogue()
	must(c.Add("zh-CN", map[string]string{"a": "甲", "b": "{n} 天", "c": "丙"}))
	must(c.Add("en", map[string]string{"a": "A", "b": "{days} days", "d": "D"}))
	got := c.Check()
	want := []string{"en: missing c", "en: placeholders of b [days] differ from zh-CN [n]", "zh-CN: missing d"}
	if !slices.Equal(got, want) {
		t.Fatalf("Check() = %q, want %q", got, want)
	}
	if err := c.Add("en", map[string]string{"a": "Another A"}); err == nil {
		t.Fatal("redefining a key with another text was accepted")
	}
	if err := c.Add("en", map[string]string{"a": "A"}); err != nil {
		t.Fatalf("adding the same text again: %v", err)
	}
	if err := c.Add("fr", map[string]string{"a": "A"}); err == nil {
		t.Fatal("unsupported language accepted")
	}
}

// Every key a template of this package uses literally is in both catalogues.
func TestTemplateKeysExist(t *testing.T) {
	re := regexp.MustCompile(`\bt "([^"]+)"`)
	err := fs.WalkDir(ownTemplates, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(ownTemplates, p)
		if err != nil {
			return err
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			for _, lang := range Languages {
				if !Messages.Has(lang, m[1]) {
					t.Errorf("%s: key %q missing in %s", p, m[1], lang)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range Languages {
		for _, key := range []string{"lang.zh-CN", "lang.en", "error.status.other"} {
			if !Messages.Has(lang, key) {
				t.Errorf("key %q missing in %s", key, lang)
			}
		}
		for code, key := range defaultKey {
			if !Messages.Has(lang, key) {
				t.Errorf("default key of %s (%q) missing in %s", code, key, lang)
			}
		}
	}
}

func TestMatchLang(t *testing.T) {
	for in, want := range map[string]string{
		"zh-CN":                   "zh-CN",
		"zh":                      "zh-CN",
		"zh-Hans":                 "zh-CN",
		"en":                      "en",
		"en-GB":                   "en",
		"en-US,en;q=0.9,zh;q=0.8": "en",
		"zh-CN,zh;q=0.9,en;q=0.8": "zh-CN",
		"fr-FR":                   "",
		"":                        "",
		"!!":                      "",
	} {
		if got := MatchLang(in); got != want {
			t.Errorf("MatchLang(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTextAndFallback(t *testing.T) {
	c := NewCatalogue()
	must(c.Add("zh-CN", map[string]string{"x": "剩余 {days} 个工作日", "only.zh": "仅中文"}))
	must(c.Add("en", map[string]string{"x": "{days} working days left"}))
	if got := c.Text("en", "x", Args("days", 3)); got != "3 working days left" {
		t.Errorf("got %q", got)
	}
	if got := c.Text("zh-CN", "x", nil); got != "剩余 {days} 个工作日" {
		t.Errorf("unfilled placeholder: %q", got)
	}
	if got := c.Text("en", "only.zh", nil); got != "仅中文" {
		t.Errorf("fallback to default language: %q", got)
	}
	if got := c.Text("en", "no.such.key", nil); got != "no.such.key" {
		t.Errorf("missing key: %q", got)
	}
	r := httptest.NewRequest("GET", "/?lang=en", nil)
	r, _ = ensureInfo(r)
	if got := T(r.Context(), "error.json.type", "field", "n", "type", "integer"); got != "Field n has the wrong type: integer expected." {
		t.Errorf("T: %q", got)
	}
	if got := T(context.Background(), "app.name"); got != "一章通" {
		t.Errorf("T outside a request: %q", got)
	}
}

func TestDateFuncs(t *testing.T) {
	instant := time.Date(2025, 12, 31, 16, 30, 0, 0, time.UTC) // 2026-01-01 00:30 in Shanghai
	for _, v := range []any{instant, &instant, instant.UnixMilli()} {
		if got := formatDateTime(v); got != "2026-01-01 00:30" {
			t.Errorf("datetime(%T) = %q", v, got)
		}
		if got := formatDate(v); got != "2026-01-01" {
			t.Errorf("date(%T) = %q", v, got)
		}
	}
	if got := formatDate("2026-02-17"); got != "2026-02-17" {
		t.Errorf("business date: %q", got)
	}
	if got := formatDate(time.Time{}); got != "" {
		t.Errorf("zero time: %q", got)
	}
}

// An argument that is itself a message key is said in the reader's language, not as the key.
func TestMessageKeyArgumentsAreTranslated(t *testing.T) {
	c := NewCatalogue()
	must(c.Add("zh-CN", map[string]string{"use": "证照当前状态为“{status}”，不能使用。", "st.revoked": "已撤销"}))
	must(c.Add("en", map[string]string{"use": "The certificate cannot be used: its status is “{status}”.", "st.revoked": "Revoked"}))
	args := map[string]any{"status": errs.MessageKey("st.revoked")}
	if got := c.Text("zh-CN", "use", args); got != "证照当前状态为“已撤销”，不能使用。" {
		t.Errorf("zh-CN: %q", got)
	}
	if got := c.Text("en", "use", args); got != "The certificate cannot be used: its status is “Revoked”." {
		t.Errorf("en: %q", got)
	}
	if args["status"] != errs.MessageKey("st.revoked") {
		t.Errorf("the caller's arguments were changed: %v", args)
	}
}
