package org_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"onestamp/internal/org"
	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/web"
)

// Every message key the package uses has a text in every language, with the same placeholders.
func TestMessages(t *testing.T) {
	if err := org.Register(auth.NewGuard(web.NewMux(), nil), org.NewService(nil, nil), nil); err != nil {
		t.Fatal(err)
	}
	for _, p := range web.CheckCatalogues() {
		if strings.Contains(p, " org.") {
			t.Error(p)
		}
	}
	keys := map[string]bool{}
	files, _ := filepath.Glob("*.go")
	tpls, _ := filepath.Glob("templates/*.html")
	re := regexp.MustCompile(`"(org\.[a-z_]+(?:\.[a-z_]+)*)"`)
	for _, f := range append(files, tpls...) {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			keys[m[1]] = true
		}
	}
	// Keys built in templates from a kind or a field name.
	for _, k := range org.JurisdictionKinds {
		keys["org.jurisdiction_kind."+string(k)] = true
	}
	for _, k := range org.UnitKinds {
		keys["org.unit_kind."+string(k)] = true
	}
	for _, k := range org.WindowTypes {
		keys["org.window_type."+string(k)] = true
	}
	for _, f := range []string{"code", "name", "name_en", "address", "phone", "number"} {
		keys["org.field."+f] = true
	}
	if len(keys) < 100 {
		t.Fatalf("found only %d keys: the scan is broken", len(keys))
	}
	for k := range keys {
		for _, lang := range web.Languages {
			if !web.Messages.Has(lang, k) {
				t.Errorf("%s: no text for %s", lang, k)
			}
		}
	}
}
