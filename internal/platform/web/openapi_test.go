package web

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// Every /api/v1 route of the server is in the document; a route registered without a
// description is reported.
func TestOpenAPICompleteness(t *testing.T) {
	env := newEnv(t)
	m := env.srv.Mux()
	if missing := MissingFromOpenAPI(m); len(missing) > 0 {
		t.Fatalf("undocumented API routes: %v", missing)
	}
	w := env.get("/api/openapi.json")
	if w.Code != 200 {
		t.Fatalf("openapi.json: %d", w.Code)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
	var apiRoutes int
	for _, rt := range m.Routes() {
		if !isAPIv1(rt.Path) {
			continue
		}
		apiRoutes++
		if _, ok := doc.Paths[openAPIPath(rt.Path)][strings.ToLower(rt.Method)]; !ok {
			t.Errorf("route %s not in the served document", rt.Pattern)
		}
	}
	if apiRoutes == 0 {
		t.Fatal("test server has no API routes")
	}

	m.HandleFunc("DELETE /api/v1/things/{id}", func(http.ResponseWriter, *http.Request) {})
	m.HandleFunc("/api/v1/anything", func(http.ResponseWriter, *http.Request) {})
	m.HandleFunc("GET /staff/page", func(http.ResponseWriter, *http.Request) {})
	got := MissingFromOpenAPI(m)
	want := []string{"DELETE /api/v1/things/{id}", "ANY /api/v1/anything"}
	if !slices.Equal(got, want) {
		t.Fatalf("MissingFromOpenAPI = %q, want %q", got, want)
	}
}

type page[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next,omitempty"`
}

type node struct {
	Name     string            `json:"name" doc:"display name"`
	Children []node            `json:"children"`
	Parent   *node             `json:"parent,omitempty"`
	At       time.Time         `json:"at"`
	Tags     map[string]string `json:"tags,omitzero"`
	Secret   string            `json:"-"`
	internal int
	embedded
}

type embedded struct {
	Flat bool `json:"flat"`
}

func TestOpenAPISchemas(t *testing.T) {
	m := NewMux()
	m.API(Op{Method: "GET", Path: "/api/v1/nodes/{id}/{rest...}", Summary: "Get a node",
		Params:   []Param{{Name: "depth", Type: "integer", Description: "levels"}},
		Response: page[node]{}}, func(http.ResponseWriter, *http.Request) {})
	m.API(Op{Method: "PUT", Path: "/api/v1/nodes/{$}", Summary: "Replace nodes",
		Request: Schema{"type": "array"}}, func(http.ResponseWriter, *http.Request) {})
	b, err := json.Marshal(m.OpenAPI(APIInfo{Title: "t", Version: "1"}))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	paths := doc["paths"].(map[string]any)
	get := paths["/api/v1/nodes/{id}/{rest}"].(map[string]any)["get"].(map[string]any)
	var names []string
	for _, p := range get["parameters"].([]any) {
		p := p.(map[string]any)
		names = append(names, p["in"].(string)+":"+p["name"].(string))
	}
	if !slices.Equal(names, []string{"query:depth", "path:id", "path:rest"}) {
		t.Errorf("parameters %v", names)
	}
	if _, ok := get["responses"].(map[string]any)["200"]; !ok {
		t.Errorf("no 200 response")
	}
	put := paths["/api/v1/nodes/"].(map[string]any)["put"].(map[string]any)
	if _, ok := put["responses"].(map[string]any)["204"]; !ok {
		t.Errorf("no 204 for an operation without response body")
	}
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	n, ok := schemas["web.node"].(map[string]any)
	if !ok {
		t.Fatalf("no web.node schema in %v", schemas)
	}
	props := n["properties"].(map[string]any)
	for _, p := range []string{"name", "children", "parent", "at", "tags", "flat"} {
		if _, ok := props[p]; !ok {
			t.Errorf("node lacks property %s", p)
		}
	}
	for _, p := range []string{"Secret", "internal", "embedded"} {
		if _, ok := props[p]; ok {
			t.Errorf("node has property %s", p)
		}
	}
	if props["name"].(map[string]any)["description"] != "display name" {
		t.Errorf("doc tag lost: %v", props["name"])
	}
	req := n["required"].([]any)
	if !slices.Equal(req, []any{"at", "children", "flat", "name"}) {
		t.Errorf("required %v", req)
	}
	if _, ok := schemas["web.ErrorBody"]; !ok {
		t.Errorf("error body not described")
	}
}

func TestAPIOpChecks(t *testing.T) {
	for name, op := range map[string]Op{
		"no summary":             {Method: "GET", Path: "/api/v1/x"},
		"bad method":             {Method: "get", Path: "/api/v1/x", Summary: "x"},
		"path param not in path": {Method: "GET", Path: "/api/v1/x", Summary: "x", Params: []Param{{Name: "id", In: "path"}}},
		"bad location":           {Method: "GET", Path: "/api/v1/x", Summary: "x", Params: []Param{{Name: "id", In: "body"}}},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: accepted", name)
				}
			}()
			NewMux().API(op, func(http.ResponseWriter, *http.Request) {})
		}()
	}
}
