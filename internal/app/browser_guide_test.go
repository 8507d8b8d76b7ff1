package app_test

import (
	"strings"
	"testing"

	"onestamp/internal/app/apptest"
	"onestamp/internal/catalog"
)

// TestBrowserGuideSearch: a citizen types the everyday words "开饭店" into the portal's service
// guide and reaches the guide page of 食品经营许可, the item they meant.
func TestBrowserGuideSearch(t *testing.T) {
	apptest.SkipWithoutChromium(t)
	catalog.WaitSegmenter()
	a := apptest.Start(t, apptest.Options{})
	b := a.Browser(t)
	b.Phone()
	b.Open("/guide")
	b.Fill(`input[name="q"]`, "开饭店")
	b.ClickNav(`form[action="/guide"] button[type="submit"]`)
	first := b.TextOf("a.result-link")
	if !strings.Contains(first, "食品经营许可") {
		t.Fatalf("first result for 开饭店 is %q; page: %s", first, b.Text())
	}
	b.ClickNav("a.result-link")
	if !strings.HasPrefix(b.Path(), "/guide/items/") {
		t.Fatalf("the result led to %s", b.Path())
	}
	page := b.Text()
	for _, want := range []string{"食品经营许可", "办理时限", "申请材料"} {
		if !strings.Contains(page, want) {
			t.Errorf("guide page lacks %q", want)
		}
	}
	noOverflow(t, b, "guide item page on a phone")
	noCSPViolations(t, b)
}
