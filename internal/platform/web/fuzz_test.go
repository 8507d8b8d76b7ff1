package web

import (
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"onestamp/internal/platform/errs"
)

// DecodeJSON takes bodies from anyone: it never panics and every failure is errs.Invalid.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{"id":"1","name":"x","count":3}`, `{"count":"x"}`, `{"zz":1}`, `{} {}`, `[`, ``, `null`, `{"id":"\u0000"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest("POST", "/api/v1/things", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		var v thing
		if err := DecodeJSON(r, &v); err != nil && !errs.Is(err, errs.Invalid) {
			t.Fatalf("%q: %v is not invalid", body, err)
		}
	})
}

// Accept-Language and ?lang= come from anyone: the answer is always a supported language or "".
func FuzzMatchLang(f *testing.F) {
	for _, s := range []string{"zh-CN", "en-US,en;q=0.9", "*", "zh-Hant-TW", ";q=", "x-klingon"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got := MatchLang(s); got != "" && !slices.Contains(Languages, got) {
			t.Fatalf("MatchLang(%q) = %q", s, got)
		}
	})
}
