package app_test

import (
	"strings"
	"testing"

	"onestamp/internal/app/apptest"
)

// An administrator types a local holiday, previews it, confirms the load, sees the page busy
// while the deadlines are recomputed, and then the loaded table in the list.
func TestBrowserCalendarLoad(t *testing.T) {
	apptest.SkipWithoutChromium(t)
	failOnMissingMessages(t)
	a := apptest.Start(t, apptest.Options{})
	b := a.Browser(t)
	staffLogin(t, b, "admin")
	b.Open("/staff/admin/calendar")
	b.Fill("#cal-year", "2026")
	b.Fill("#cal-region", "369900000000")
	b.Fill("#cal-doc", "示范市人民政府关于运动会放假的通知")
	// An empty textarea takes its first text from script (Fill clears through a text node).
	apptest.Eval[bool](b, `(document.getElementById("cal-holidays").value = "2026-12-16 运动会") !== ""`)
	b.ClickNav(`#calendar-form button[type="submit"]`)
	if txt := b.TextOf("#preview"); !strings.Contains(txt, "2026-12-16") || !strings.Contains(txt, "星期三") {
		t.Fatalf("the preview: %q", txt)
	}

	// Dismissed, the confirmation leaves the page as it was.
	b.AnswerDialogs(false)
	b.Click(`#calendar-load button[type="submit"]`)
	if d := b.Dialogs(); len(d) != 1 || !strings.Contains(d[0], "重新计算所有在办件的期限") {
		t.Fatalf("no confirmation before loading: %q", d)
	}
	if b.Has(`#calendar-load[aria-busy="true"]`) {
		t.Fatal("the page went busy without confirmation")
	}

	// Confirmed, the form goes busy: its button is disabled and the status says what happens.
	// (The submission is held back here to look at the page; then the form is sent.)
	apptest.Eval[bool](b, `(window.addEventListener("submit", function (e) { e.preventDefault(); }), true)`)
	b.AnswerDialogs(true)
	b.Click(`#calendar-load button[type="submit"]`)
	if !b.Has(`#calendar-load[aria-busy="true"] button[disabled]`) || !strings.Contains(b.TextOf(`#calendar-load [role="status"]`), "正在加载日历") {
		t.Fatalf("the form did not show it is busy: %q", b.TextOf("#calendar-load"))
	}
	b.SubmitNav("#calendar-load")
	if txt := b.TextOf("main"); !strings.Contains(txt, "已加载 2026 年日历") || !strings.Contains(txt, "示范市人民政府关于运动会放假的通知") {
		t.Fatalf("after loading: %q", txt)
	}
	noCSPViolations(t, b)
}
