package app_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"onestamp/client"
	"onestamp/internal/app/apptest"
	"onestamp/internal/platform/auth"
)

func engines(t *testing.T, fn func(t *testing.T, o apptest.Options)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, apptest.Options{}) })
	t.Run("postgres", func(t *testing.T) { fn(t, apptest.Options{Postgres: true}) })
}

func TestPublicEndpointsEndToEnd(t *testing.T) {
	engines(t, func(t *testing.T, o apptest.Options) {
		a := apptest.Start(t, o)
		ctx := context.Background()
		c := a.Client()
		var add struct {
			Due string `json:"due"`
		}
		if err := c.Do(ctx, "GET", "/api/v1/workdays/add"+client.Query("from", "2025-09-26", "days", "20"), nil, &add); err != nil {
			t.Fatal(err)
		}
		if add.Due != "2025-10-30" {
			t.Fatalf("due = %s, want 2025-10-30 (National Day holidays and make-up days 9/28, 10/11)", add.Due)
		}
		for _, bad := range []string{
			client.Query("from", "2025-02-30", "days", "1"),
			client.Query("from", "2025-09-26", "days", "-1"),
			client.Query("from", "2040-01-02", "days", "3"),
		} {
			err := c.Do(ctx, "GET", "/api/v1/workdays/add"+bad, nil, nil)
			if client.StatusOf(err) != 400 {
				t.Errorf("%s: want 400, got %v", bad, err)
			}
		}
		var id struct {
			Kind  string `json:"kind"`
			Valid bool   `json:"valid"`
			Sex   string `json:"sex"`
		}
		if err := c.Do(ctx, "GET", "/api/v1/identifiers/check"+client.Query("value", "110105491231002"), nil, &id); err != nil {
			t.Fatal(err)
		}
		if id.Kind != "id_card" || !id.Valid || id.Sex != "female" {
			t.Fatalf("15-digit ID: %+v", id)
		}
		if err := c.Do(ctx, "GET", "/api/v1/identifiers/check?value=", nil, nil); client.StatusOf(err) != 400 {
			t.Fatalf("empty value: want 400, got %v", err)
		}
		if err := c.Do(ctx, "GET", "/api/v1/identifiers/check"+client.Query("value", strings.Repeat("9", 500)), nil, nil); client.StatusOf(err) != 400 {
			t.Fatalf("absurd value: want 400, got %v", err)
		}
		for _, p := range []string{"/healthz", "/readyz", "/metrics", "/", "/api/openapi.json"} {
			resp, err := http.Get(a.URL + p)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || len(b) == 0 {
				t.Errorf("%s: %d", p, resp.StatusCode)
			}
		}
	})
}

func statusOf(err error) int { return client.StatusOf(err) }

// TestClientKnowsWhoIsSignedIn: the client's login, me and role switch report the person.
func TestClientKnowsWhoIsSignedIn(t *testing.T) {
	a := apptest.Start(t, apptest.Options{})
	ctx := context.Background()
	c := a.Client()
	me, err := c.Login(ctx, "chief", apptest.DemoPassword)
	if err != nil {
		t.Fatal(err)
	}
	if me.Name != "吴建国" || len(me.Roles) != 2 {
		t.Fatalf("login answered %+v", me)
	}
	me, err = c.SwitchRole(ctx, "chief")
	if err != nil || me.ActiveRole != "chief" {
		t.Fatalf("switch role: %+v %v", me, err)
	}
	if me, err = c.Me(ctx); err != nil || me.ActiveRole != "chief" || me.Username != "chief" {
		t.Fatalf("me: %+v %v", me, err)
	}
}

// TestLoadingANewCalendarYear: an administrator loads 2028 when it is published; deadlines in
// 2028 then compute, open cases are recomputed, and nobody else may load a year.
func TestLoadingANewCalendarYear(t *testing.T) {
	a := apptest.Start(t, apptest.Options{})
	ctx := context.Background()
	anon := a.Client()
	q := "/api/v1/workdays/add" + client.Query("from", "2028-09-29", "days", "3")
	if err := anon.Do(ctx, "GET", q, nil, nil); statusOf(err) != 400 {
		t.Fatalf("2028 before loading: want 400, got %v", err)
	}
	year := map[string]any{"year": 2028, "source_doc": "国办发明电〔2027〕9号", "published_on": "2027-11-10",
		"holidays": []any{map[string]string{"from": "2028-01-01", "to": "2028-01-03", "name": "元旦"},
			map[string]string{"from": "2028-01-25", "to": "2028-02-01", "name": "春节"},
			map[string]string{"from": "2028-04-04", "to": "2028-04-06", "name": "清明节"},
			map[string]string{"from": "2028-05-01", "to": "2028-05-05", "name": "劳动节"},
			map[string]string{"from": "2028-05-28", "to": "2028-05-30", "name": "端午节"},
			map[string]string{"from": "2028-10-01", "to": "2028-10-07", "name": "国庆节"}},
		"makeup_days": []any{"2028-01-22", "2028-02-12", "2028-04-29", "2028-09-30", "2028-10-08"}}
	clerk := a.Staff(t, "clerk")
	if err := clerk.Do(ctx, "POST", "/api/v1/calendar/years", year, nil); statusOf(err) != 403 {
		t.Fatalf("a clerk loading a year: want 403, got %v", err)
	}
	admin := a.Staff(t, "admin")
	var res struct {
		Year       int              `json:"year"`
		Recomputed map[string]any   `json:"recomputed"`
		Warnings   []map[string]any `json:"warnings"`
	}
	if err := admin.Do(ctx, "POST", "/api/v1/calendar/years", year, &res); err != nil {
		t.Fatal(err)
	}
	if res.Year != 2028 || res.Recomputed == nil {
		t.Fatalf("load answered %+v", res)
	}
	var add struct {
		Due string `json:"due"`
	}
	if err := anon.Do(ctx, "GET", q, nil, &add); err != nil {
		t.Fatal(err)
	}
	// From Fri 2028-09-29: Sat 09-30 is a make-up day (1), 10-01..10-07 are holidays, Sun 10-08 is
	// a make-up day (2), Mon 10-09 (3).
	if add.Due != "2028-10-09" {
		t.Fatalf("due = %s, want 2028-10-09", add.Due)
	}
	if err := admin.Do(ctx, "POST", "/api/v1/calendar/years", map[string]any{"year": 2028, "bogus": 1}, nil); statusOf(err) != 400 {
		t.Fatalf("malformed table: want 400, got %v", err)
	}
}

// TestApplicationFormsAreEncryptedAtRest: the form of a case repeats the applicant's ID number;
// no row keeps it in clear, and the case still reads back whole.
func TestApplicationFormsAreEncryptedAtRest(t *testing.T) {
	engines(t, func(t *testing.T, o apptest.Options) {
		a := apptest.Start(t, o)
		ctx := context.Background()
		var n, clear int
		if err := a.Main.DB.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM cases WHERE form <> '{}'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Fatal("the demo has no case with a form")
		}
		// A sealed form is base64, which has neither quotes nor braces; a form in clear is a JSON
		// object. (Looking for a region code such as 3699 would also match a ciphertext now and
		// then: base64 holds digits.)
		if err := a.Main.DB.Read.QueryRowContext(ctx,
			"SELECT COUNT(*) FROM cases WHERE form <> '{}' AND (form LIKE '%\"%' OR form LIKE '%{%')").Scan(&clear); err != nil {
			t.Fatal(err)
		}
		if clear != 0 {
			t.Fatalf("%d of %d case forms are stored in clear", clear, n)
		}
		var id string
		if err := a.Main.DB.Read.QueryRowContext(ctx, "SELECT id FROM cases WHERE form <> '{}' ORDER BY id LIMIT 1").Scan(&id); err != nil {
			t.Fatal(err)
		}
		in, err := a.Main.Cases.Info(ctx, auth.SystemScope(), id)
		if err != nil {
			t.Fatal(err)
		}
		if len(in.Form) == 0 {
			t.Fatal("the form did not read back")
		}
	})
}
