package app_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"onestamp/client"
	"onestamp/internal/app/apptest"
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
