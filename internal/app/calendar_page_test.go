package app_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"onestamp/internal/app/apptest"
)

// An administrator enters a local holiday for the city on the calendar page, previews it with
// its weekday and the warnings, loads it, and the open case whose promised due date crossed the
// holiday moves by one working day.
func TestCalendarPageLoadsAYear(t *testing.T) {
	engines(t, func(t *testing.T, o apptest.Options) {
		clk := &fixedClock{}
		clk.on(t, "2025-11-03")
		o.Now = clk.Now
		a := apptest.Start(t, o)
		ctx := context.Background()
		clerk := a.Client()
		if _, err := clerk.Login(ctx, "clerk", apptest.DemoPassword); err != nil {
			t.Fatal(err)
		}
		itemID, itemFields, _ := itemForm(t, clerk, "医师执业注册")
		c := acceptWalkIn(t, clerk, itemID, itemFields)
		before := c.Clock.PromisedDue
		if before == "" || before <= "2025-11-05" {
			t.Fatalf("promised due %q: the test needs it after 2025-11-05", before)
		}

		admin := a.Client()
		if _, err := admin.Login(ctx, "admin", apptest.DemoPassword); err != nil {
			t.Fatal(err)
		}
		get := func(path string) (int, string) {
			t.Helper()
			res, err := admin.HTTP.Get(a.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			return res.StatusCode, string(b)
		}
		post := func(path string, form url.Values) (int, string, string) {
			t.Helper()
			cl := *admin.HTTP
			cl.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			res, err := cl.PostForm(a.URL+path, form)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			return res.StatusCode, res.Header.Get("Location"), string(b)
		}
		text := func(body string) string {
			s := regexp.MustCompile(`<[^>]+>`).ReplaceAllString(body, " ")
			return strings.Join(strings.Fields(strings.ReplaceAll(s, "&#34;", `"`)), " ")
		}
		want := func(what, body string, wants ...string) {
			t.Helper()
			txt := text(body)
			for _, w := range wants {
				if !strings.Contains(txt, w) {
					t.Errorf("%s lacks %q:\n%s", what, w, txt)
				}
			}
		}

		status, body := get("/staff/admin/calendar")
		if status != http.StatusOK {
			t.Fatalf("calendar page: %d", status)
		}
		want("the list", body, "现行日历", "系统内置", "2026")
		if status, _ := func() (int, string) {
			rev := a.Client()
			rev.Login(ctx, "reviewer", apptest.DemoPassword)
			res, err := rev.HTTP.Get(a.URL + "/staff/admin/calendar")
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			return res.StatusCode, ""
		}(); status != http.StatusForbidden {
			t.Errorf("a reviewer opens the calendar page: %d", status)
		}

		form := url.Values{"year": {"2025"}, "region": {c.Handling.RegionCode}, "source_doc": {"市政府关于举办运动会放假的通知"},
			"holidays": {"2025-11-05 运动会\n"}, "makeup_days": {""}}
		bad := url.Values{}
		for k, v := range form {
			bad[k] = v
		}
		bad.Set("holidays", "2025-11-05 运动会\n11月6日")
		status, _, body = post("/staff/admin/calendar/preview", bad)
		if status != http.StatusUnprocessableEntity {
			t.Fatalf("a malformed line: %d", status)
		}
		want("the refusal", body, "第 2 行无法识别：「11月6日」")

		// A doubtful national table previews with its warnings, in the page's language.
		odd := url.Values{"year": {"2028"}, "holidays": {"2028-01-03 元旦"}, "makeup_days": {"2028-01-05"}}
		status, _, body = post("/staff/admin/calendar/preview", odd)
		if status != http.StatusUnprocessableEntity {
			t.Fatalf("a table without its notice: %d", status)
		}
		want("the refusal", body, "请填写日历所依据的文件文号")
		odd.Set("source_doc", "国办发明电〔2027〕1号")
		status, _, body = post("/staff/admin/calendar/preview", odd)
		if status != http.StatusOK {
			t.Fatalf("preview of a doubtful table: %d %s", status, text(body))
		}
		want("the warnings", body, "调休上班日 2028-01-05 是星期三，不是周末。", "2028 年的法定天数为 13 天")

		status, _, body = post("/staff/admin/calendar/preview", form)
		if status != http.StatusOK {
			t.Fatalf("preview: %d %s", status, text(body))
		}
		want("the preview", body, "2025 年日历预览", "2025-11-05 星期三 运动会", "加载 2025 年日历")
		if strings.Contains(body, "已加载") {
			t.Error("the preview loaded the table")
		}
		if c2, err := clerk.Case(ctx, c.ID); err != nil || c2.Clock.PromisedDue != before {
			t.Fatalf("after the preview the due date is %q (was %q): %v", c2.Clock.PromisedDue, before, err)
		}

		status, loc, _ := post("/staff/admin/calendar", form)
		if status != http.StatusSeeOther {
			t.Fatalf("load: %d", status)
		}
		_, body = get(loc)
		m := regexp.MustCompile(`重新计算了 (\d+) 件在办件，其中 (\d+) 件的期限发生变化`).FindStringSubmatch(text(body))
		if m == nil || m[2] == "0" {
			t.Fatalf("after loading:\n%s", text(body))
		}
		want("the list after loading", body, "已加载 2025 年日历", "市政府关于举办运动会放假的通知", "管理员加载于")
		after, err := clerk.Case(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if after.Clock.PromisedDue <= before {
			t.Errorf("the promised due date stayed %q after a holiday before it was loaded", after.Clock.PromisedDue)
		}

	})
}
