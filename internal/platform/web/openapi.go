package web

import (
	"encoding"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"onestamp/internal/platform/errs"
)

// Op describes one operation of the JSON API for the OpenAPI document.
type Op struct {
	Method      string // "GET", "POST", ...
	Path        string // a ServeMux path: "/api/v1/cases/{id}"
	Summary     string
	Description string
	Tags        []string
	OperationID string // default derived from method and path
	Params      []Param
	// Request and Response are values of the body types (AddRequest{}, []Case{}); their schema is
	// derived from the Go type and its json tags (a `doc:"..."` tag becomes the description).
	// A Schema value is used as it is. Nil means no body.
	Request  any
	Response any
	Status   int         // success status: default 200 with a Response, 204 without
	Errors   []errs.Code // the error codes this operation returns, documented with the error body
}

// Param is a path, query or header parameter.
type Param struct {
	Name        string
	In          string // "query" (default), "path", "header"
	Description string
	Required    bool   // path parameters are always required
	Type        string // "string" (default), "integer", "number", "boolean"
	Format      string // "date", "date-time", ...
	Enum        []string
}

// Schema is a JSON Schema written out by hand, for a body no Go type describes well.
type Schema map[string]any

// APIInfo heads the OpenAPI document.
type APIInfo struct {
	Title       string
	Version     string
	Description string
}

var (
	wildcardRE = regexp.MustCompile(`\{([^}]*)\}`)
	opMethods  = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
)

// pathWildcards returns the names of the {name} and {name...} wildcards of a ServeMux path.
func pathWildcards(p string) []string {
	var out []string
	for _, m := range wildcardRE.FindAllStringSubmatch(p, -1) {
		if n := strings.TrimSuffix(m[1], "..."); n != "$" {
			out = append(out, n)
		}
	}
	return out
}

// openAPIPath turns a ServeMux path into an OpenAPI one: {rest...} -> {rest}, {$} dropped.
func openAPIPath(p string) string {
	return wildcardRE.ReplaceAllStringFunc(p, func(s string) string {
		n := strings.TrimSuffix(s[1:len(s)-1], "...")
		if n == "$" {
			return ""
		}
		return "{" + n + "}"
	})
}

func (op Op) check() error {
	if !slices.Contains(opMethods, op.Method) {
		return fmt.Errorf("web: API op %q %q: method must be one of %v", op.Method, op.Path, opMethods)
	}
	if !strings.HasPrefix(op.Path, "/") {
		return fmt.Errorf("web: API op %s %q: path must start with /", op.Method, op.Path)
	}
	if op.Summary == "" {
		return fmt.Errorf("web: API op %s %s: summary is required", op.Method, op.Path)
	}
	wild := pathWildcards(op.Path)
	for _, p := range op.Params {
		switch p.In {
		case "", "query", "header":
		case "path":
			if !slices.Contains(wild, p.Name) {
				return fmt.Errorf("web: API op %s %s: path parameter %q is not in the path", op.Method, op.Path, p.Name)
			}
		default:
			return fmt.Errorf("web: API op %s %s: parameter %q: unknown location %q", op.Method, op.Path, p.Name, p.In)
		}
	}
	return nil
}

// OpenAPI returns the OpenAPI 3.1 document of every operation registered with API.
func (m *Mux) OpenAPI(info APIInfo) map[string]any {
	g := &schemaGen{components: map[string]any{}, names: map[reflect.Type]string{}}
	errorRef := g.schema(reflect.TypeFor[ErrorBody]())
	paths := map[string]any{}
	for _, ro := range m.operations() {
		op := ro.op
		item, _ := paths[openAPIPath(op.Path)].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[openAPIPath(op.Path)] = item
		}
		o := map[string]any{
			"summary":     op.Summary,
			"operationId": operationID(op),
		}
		if op.Description != "" {
			o["description"] = op.Description
		}
		if len(op.Tags) > 0 {
			o["tags"] = op.Tags
		}
		if params := g.params(op); len(params) > 0 {
			o["parameters"] = params
		}
		if op.Request != nil {
			o["requestBody"] = map[string]any{
				"required": true,
				"content":  map[string]any{"application/json": map[string]any{"schema": g.valueSchema(op.Request)}},
			}
		}
		responses := map[string]any{}
		status := op.Status
		if status == 0 {
			status = http.StatusOK
			if op.Response == nil {
				status = http.StatusNoContent
			}
		}
		ok := map[string]any{"description": http.StatusText(status)}
		if op.Response != nil {
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": g.valueSchema(op.Response)}}
		}
		responses[strconv.Itoa(status)] = ok
		errBody := map[string]any{"application/json": map[string]any{"schema": errorRef}}
		for _, c := range op.Errors {
			s := statusOf[c]
			if s == 0 {
				s = http.StatusInternalServerError
			}
			responses[strconv.Itoa(s)] = map[string]any{"description": http.StatusText(s), "content": errBody}
		}
		responses["default"] = map[string]any{"description": "Error", "content": errBody}
		o["responses"] = responses
		item[strings.ToLower(op.Method)] = o
	}
	inf := map[string]any{"title": info.Title, "version": info.Version}
	if info.Description != "" {
		inf["description"] = info.Description
	}
	return map[string]any{
		"openapi":    "3.1.0",
		"info":       inf,
		"paths":      paths,
		"components": map[string]any{"schemas": g.components},
	}
}

// HandleOpenAPI registers GET /api/openapi.json, which serves the document.
func (m *Mux) HandleOpenAPI(info APIInfo) {
	m.HandleFunc("GET /api/openapi.json", func(w http.ResponseWriter, r *http.Request) {
		JSON(w, http.StatusOK, m.OpenAPI(info))
	})
}

func operationID(op Op) string {
	if op.OperationID != "" {
		return op.OperationID
	}
	var b strings.Builder
	b.WriteString(strings.ToLower(op.Method))
	for _, part := range strings.Split(op.Path, "/") {
		part = strings.Trim(part, "{}.$")
		if part == "" || part == "api" {
			continue
		}
		b.WriteByte('_')
		for _, c := range part {
			if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
				b.WriteRune(c)
			} else {
				b.WriteByte('_')
			}
		}
	}
	return b.String()
}

type schemaGen struct {
	components map[string]any
	names      map[reflect.Type]string
}

func (g *schemaGen) params(op Op) []any {
	var out []any
	seen := map[string]bool{}
	add := func(p Param) {
		in := p.In
		if in == "" {
			in = "query"
		}
		typ := p.Type
		if typ == "" {
			typ = "string"
		}
		s := map[string]any{"type": typ}
		if p.Format != "" {
			s["format"] = p.Format
		}
		if len(p.Enum) > 0 {
			s["enum"] = p.Enum
		}
		o := map[string]any{"name": p.Name, "in": in, "schema": s}
		if p.Description != "" {
			o["description"] = p.Description
		}
		if p.Required || in == "path" {
			o["required"] = true
		}
		seen[in+" "+p.Name] = true
		out = append(out, o)
	}
	for _, p := range op.Params {
		add(p)
	}
	// Path wildcards nobody described are still parameters of the operation.
	for _, n := range pathWildcards(op.Path) {
		if !seen["path "+n] {
			add(Param{Name: n, In: "path"})
		}
	}
	return out
}

func (g *schemaGen) valueSchema(v any) any {
	switch s := v.(type) {
	case Schema:
		return map[string]any(s)
	case map[string]any:
		return s
	}
	return g.schema(reflect.TypeOf(v))
}

var (
	timeType          = reflect.TypeFor[time.Time]()
	rawMessageType    = reflect.TypeFor[json.RawMessage]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	jsonMarshalerType = reflect.TypeFor[json.Marshaler]()
)

// schema derives a JSON Schema from a Go type as encoding/json would encode it. Named structs go
// to components and are referenced, which also ends recursion.
func (g *schemaGen) schema(t reflect.Type) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t == rawMessageType:
		return map[string]any{}
	case t.Implements(jsonMarshalerType) || reflect.PointerTo(t).Implements(jsonMarshalerType):
		return map[string]any{}
	case t.Implements(textMarshalerType) || reflect.PointerTo(t).Implements(textMarshalerType):
		return map[string]any{"type": "string"}
	}
	switch t.Kind() {
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return map[string]any{"type": "integer"}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer", "minimum": 0}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string", "contentEncoding": "base64"}
		}
		return map[string]any{"type": "array", "items": g.schema(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.schema(t.Elem())}
	case reflect.Struct:
		if t.Name() == "" {
			return g.object(t)
		}
		name, ok := g.names[t]
		if !ok {
			name = g.componentName(t)
			g.names[t] = name
			g.components[name] = map[string]any{} // placeholder: recursion stops here
			g.components[name] = g.object(t)
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	return map[string]any{}
}

func (g *schemaGen) componentName(t reflect.Type) string {
	pkg := t.PkgPath()
	if i := strings.LastIndexByte(pkg, '/'); i >= 0 {
		pkg = pkg[i+1:]
	}
	base := t.Name()
	if pkg != "" {
		base = pkg + "." + base
	}
	base = strings.NewReplacer("[", "_", "]", "_", "*", "", " ", "", ",", "_").Replace(base)
	name := base
	for n := 2; ; n++ {
		if _, taken := g.components[name]; !taken {
			return name
		}
		name = base + strconv.Itoa(n)
	}
}

func (g *schemaGen) object(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	g.fields(t, props, &required)
	o := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		slices.Sort(required)
		o["required"] = required
	}
	return o
}

func (g *schemaGen) fields(t reflect.Type, props map[string]any, required *[]string) {
	for f := range t.Fields() {
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				g.fields(ft, props, required)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		var s map[string]any
		if slices.Contains(strings.Split(opts, ","), "string") {
			s = map[string]any{"type": "string"}
		} else {
			s = g.schema(f.Type)
		}
		if d := f.Tag.Get("doc"); d != "" {
			if _, isRef := s["$ref"]; isRef {
				s = map[string]any{"allOf": []any{s}, "description": d}
			} else {
				c := make(map[string]any, len(s)+1)
				for k, v := range s {
					c[k] = v
				}
				c["description"] = d
				s = c
			}
		}
		props[name] = s
		o := strings.Split(opts, ",")
		if !slices.Contains(o, "omitempty") && !slices.Contains(o, "omitzero") {
			*required = append(*required, name)
		}
	}
}
