// Package errs defines the error codes every service returns. A code says what kind of failure it
// is (and so which HTTP status it maps to); a message key names the user-facing text in the i18n
// catalogue; Args fill the placeholders of that text. Detail is for logs only.
package errs

import (
	"errors"
	"fmt"
)

// Code classifies an error.
type Code string

const (
	Invalid         Code = "invalid"
	NotFound        Code = "not_found"
	Conflict        Code = "conflict"
	Forbidden       Code = "forbidden"
	Unauthenticated Code = "unauthenticated"
	TooMany         Code = "too_many_requests"
	Internal        Code = "internal"
)

// Error is the error type services return.
type Error struct {
	Code   Code
	Key    string         // message key in the i18n catalogue, e.g. "workday.not_loaded"
	Args   map[string]any // values for the message placeholders
	Field  string         // the input field at fault, when there is one
	Detail string         // for logs, never shown to users
	Err    error          // wrapped cause
}

func (e *Error) Error() string {
	s := string(e.Code) + ": " + e.Key
	if e.Field != "" {
		s += " (" + e.Field + ")"
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error with a code and a message key.
func New(code Code, key string) *Error { return &Error{Code: code, Key: key} }

// MessageKey is an argument value that is itself a message key: the reader sees its text in
// their language ("已撤销", "revoked"), not the key or the raw word.
type MessageKey string

// With sets a message argument and returns the error for chaining.
func (e *Error) With(name string, v any) *Error {
	if e.Args == nil {
		e.Args = map[string]any{}
	}
	e.Args[name] = v
	return e
}

// OnField names the input field at fault.
func (e *Error) OnField(f string) *Error { e.Field = f; return e }

// Wrap returns an internal error that wraps err with a detail for the log.
func Wrap(err error, format string, a ...any) *Error {
	return &Error{Code: Internal, Key: "error.internal", Detail: fmt.Sprintf(format, a...), Err: err}
}

// Convenience constructors.
func InvalidInput(key string) *Error { return New(Invalid, key) }
func NotFoundErr(key string) *Error  { return New(NotFound, key) }
func ConflictErr(key string) *Error  { return New(Conflict, key) }
func ForbiddenErr() *Error           { return New(Forbidden, "error.forbidden") }
func Unauth() *Error                 { return New(Unauthenticated, "error.unauthenticated") }

// CodeOf returns the code of err: the code of the first *Error in its chain, Internal otherwise.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// As returns the *Error in err's chain, or wraps err as an internal error.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: Internal, Key: "error.internal", Err: err}
}

// Is reports whether err carries the given code.
func Is(err error, code Code) bool { return CodeOf(err) == code }
