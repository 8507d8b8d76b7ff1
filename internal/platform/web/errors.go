package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"onestamp/internal/platform/errs"
)

// statusOf is the one table from error codes to HTTP statuses.
var statusOf = map[errs.Code]int{
	errs.Invalid:         http.StatusBadRequest,
	errs.NotFound:        http.StatusNotFound,
	errs.Conflict:        http.StatusConflict,
	errs.Forbidden:       http.StatusForbidden,
	errs.Unauthenticated: http.StatusUnauthorized,
	errs.TooMany:         http.StatusTooManyRequests,
	errs.Internal:        http.StatusInternalServerError,
}

// defaultKey is the message shown for a code when the error names no key of its own.
var defaultKey = map[errs.Code]string{
	errs.Invalid:         "error.invalid",
	errs.NotFound:        "error.not_found",
	errs.Conflict:        "error.conflict",
	errs.Forbidden:       "error.forbidden",
	errs.Unauthenticated: "error.unauthenticated",
	errs.TooMany:         "error.too_many_requests",
	errs.Internal:        "error.internal",
}

// Keys of the errors the web package itself returns.
const (
	KeyTooLarge         = "error.too_large"
	KeyCrossOrigin      = "error.cross_origin"
	KeyPageNotFound     = "error.page_not_found"
	KeyMethodNotAllowed = "error.method_not_allowed"
)

// Status returns the HTTP status for err: the code table, 413 for a body over its limit.
func Status(err error) int {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return http.StatusRequestEntityTooLarge
	}
	e := errs.As(err)
	if e.Key == KeyMethodNotAllowed {
		return http.StatusMethodNotAllowed
	}
	if s, ok := statusOf[e.Code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// ErrorBody is the JSON shape of every API error.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the content of an API error.
type ErrorDetail struct {
	Code      errs.Code `json:"code" doc:"invalid, not_found, conflict, forbidden, unauthenticated, too_many_requests or internal"`
	Message   string    `json:"message" doc:"in the language of the request"`
	Field     string    `json:"field,omitempty" doc:"the input field at fault"`
	RequestID string    `json:"request_id" doc:"quote it when asking for help"`
}

// Error writes err as the response: JSON under /api/ (or when the client asks for JSON), an error
// page in the user's language otherwise. Internal errors are logged with the request id and the
// whole error; the user sees the id and a generic text, never the detail.
func Error(w http.ResponseWriter, r *http.Request, err error) {
	status := Status(err)
	e := errs.As(err)
	log := Log(r.Context())
	if status >= 500 {
		log.Error("request failed", "method", r.Method, "path", r.URL.Path, "status", status, "err", err.Error())
	} else {
		log.Debug("request refused", "method", r.Method, "path", r.URL.Path, "status", status, "err", err.Error())
	}
	writeError(w, r, status, e)
}

// writeError renders without logging (the caller has logged).
func writeError(w http.ResponseWriter, r *http.Request, status int, e *errs.Error) {
	key := e.Key
	if key == "" {
		key = defaultKey[e.Code]
	}
	if status == http.StatusRequestEntityTooLarge {
		key = KeyTooLarge
	}
	lang := Lang(r.Context())
	msg := Messages.Text(lang, key, e.Args)
	code := e.Code
	if code == "" || statusOf[code] == 0 {
		code = errs.Internal
	}
	if status == http.StatusRequestEntityTooLarge {
		code = errs.Invalid
	}
	if v, ok := e.Args["retry_after"]; ok && status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", fmt.Sprint(v))
	}
	if wantsJSON(r) {
		JSON(w, status, ErrorBody{Error: ErrorDetail{Code: code, Message: msg, Field: e.Field, RequestID: RequestID(r.Context())}})
		return
	}
	errorPage(w, r, status, msg)
}

// wantsJSON: API paths always get JSON; elsewhere a client that asks for JSON and not HTML.
func wantsJSON(r *http.Request) bool {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		return true
	}
	if r.Header.Get("HX-Request") == "true" {
		return false
	}
	a := r.Header.Get("Accept")
	return strings.Contains(a, "application/json") && !strings.Contains(a, "text/html")
}

// Reply answers a service call: the error as Error renders it, or v as JSON with status. It is
// the tail of most API handlers: `out, err := svc.Do(...); web.Reply(w, r, 200, out, err)`.
func Reply(w http.ResponseWriter, r *http.Request, status int, v any, err error) {
	if err != nil {
		Error(w, r, err)
		return
	}
	JSON(w, status, v)
}

// JSON writes v as a JSON response with the given status.
func JSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// A value that cannot be encoded is a programming error; say so in the log, not the body.
		slog.Default().Error("encode JSON response", "err", err)
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"error":{"code":"internal","message":"internal error"}}` + "\n")
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// DecodeJSON reads one JSON value from the request body into v, strictly: unknown fields, a
// second value and a body over the route's limit are rejected. Failures are errs.Invalid with a
// message key, the field at fault when there is one, and the cause wrapped.
func DecodeJSON(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return errs.InvalidInput("error.json.content_type")
		}
	}
	if r.Body == nil || r.Body == http.NoBody {
		return errs.InvalidInput("error.json.empty")
	}
	limit := DefaultBodyLimit
	if i := infoFrom(r.Context()); i != nil && i.bodyLimit > 0 {
		limit = i.bodyLimit
	}
	// The route wrapper has limited the body already; this keeps the promise for bodies that
	// reach DecodeJSON another way (a handler tested alone).
	body := http.MaxBytesReader(nil, r.Body, limit)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		if err == nil {
			return errs.InvalidInput("error.json.trailing")
		}
		return jsonError(err)
	}
	return nil
}

func jsonError(err error) error {
	var (
		mbe *http.MaxBytesError
		se  *json.SyntaxError
		te  *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &mbe):
		return &errs.Error{Code: errs.Invalid, Key: KeyTooLarge, Err: err}
	case errors.Is(err, io.EOF):
		return &errs.Error{Code: errs.Invalid, Key: "error.json.empty", Err: err}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &errs.Error{Code: errs.Invalid, Key: "error.json.syntax", Err: err}
	case errors.As(err, &se):
		return (&errs.Error{Code: errs.Invalid, Key: "error.json.syntax", Err: err}).With("offset", se.Offset)
	case errors.As(err, &te):
		return (&errs.Error{Code: errs.Invalid, Key: "error.json.type", Field: te.Field, Err: err}).
			With("field", te.Field).With("type", jsonKind(te.Type))
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		return (&errs.Error{Code: errs.Invalid, Key: "error.json.unknown_field", Field: name, Err: err}).With("field", name)
	}
	return &errs.Error{Code: errs.Invalid, Key: "error.json.syntax", Err: err}
}

// jsonKind names a Go type the way a JSON client thinks of it.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.String:
		return "string"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Map, reflect.Struct:
		return "object"
	}
	return "value"
}
