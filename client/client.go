// Package client is the public Go client of the onestamp JSON API (/api/v1). Integrators use it,
// and so do the end-to-end tests, which drive the whole application through it. It depends on
// nothing inside onestamp: the types here mirror the API's JSON.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"time"
)

// Client talks to one onestamp server as one person (a session cookie) or one integration
// (a bearer token).
type Client struct {
	BaseURL string
	HTTP    *http.Client
	Token   string // integration token; sent as a bearer token when set
	Lang    string // "zh-CN" (default) or "en": the language of error messages
}

// New returns a client for baseURL ("http://127.0.0.1:8080") with its own cookie jar.
func New(baseURL string) *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{
		BaseURL: strings.TrimRight(baseURL, "/"),
		HTTP:    &http.Client{Jar: jar, Timeout: 60 * time.Second},
	}
}

// Error is an error answer of the API.
type Error struct {
	Status    int    `json:"-"`
	Code      string `json:"code"` // invalid, not_found, conflict, forbidden, unauthenticated, too_many_requests, internal
	Message   string `json:"message"`
	Field     string `json:"field,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

func (e *Error) Error() string {
	s := fmt.Sprintf("onestamp: %d %s: %s", e.Status, e.Code, e.Message)
	if e.Field != "" {
		s += " (field " + e.Field + ")"
	}
	return s
}

// IsCode reports whether err is an API error with the given code.
func IsCode(err error, code string) bool {
	e, ok := err.(*Error)
	return ok && e.Code == code
}

// StatusOf returns the HTTP status of an API error, 0 for other errors.
func StatusOf(err error) int {
	if e, ok := err.(*Error); ok {
		return e.Status
	}
	return 0
}

// Me is the signed-in person.
type Me struct {
	ID         string   `json:"id"`
	Kind       string   `json:"kind"`
	Name       string   `json:"name"`
	Username   string   `json:"username,omitempty"`
	Roles      []string `json:"roles"`
	ActiveRole string   `json:"role"`
	UnitID     string   `json:"unit_id,omitempty"`
	RegionCode string   `json:"region_code,omitempty"`
}

// meEnvelope is how the API answers "who am I".
type meEnvelope struct {
	Viewer *Me `json:"viewer"`
}

func (c *Client) me(ctx context.Context, method, path string, in any) (*Me, error) {
	var env meEnvelope
	if err := c.Do(ctx, method, path, in, &env); err != nil {
		return nil, err
	}
	if env.Viewer == nil {
		return nil, fmt.Errorf("onestamp: %s %s: no viewer in the answer", method, path)
	}
	return env.Viewer, nil
}

// Login signs a staff member in by username and password (and TOTP code when enrolled).
func (c *Client) Login(ctx context.Context, username, password string) (*Me, error) {
	return c.me(ctx, "POST", "/api/v1/auth/login", map[string]string{"username": username, "password": password})
}

// LoginApplicant signs an applicant in by ID number, credit code or mobile, and password.
func (c *Client) LoginApplicant(ctx context.Context, identifier, password string) (*Me, error) {
	return c.me(ctx, "POST", "/api/v1/auth/login", map[string]string{"identifier": identifier, "password": password})
}

// Logout ends the session.
func (c *Client) Logout(ctx context.Context) error {
	return c.Do(ctx, "POST", "/api/v1/auth/logout", nil, nil)
}

// SwitchRole makes role the active role of the session.
func (c *Client) SwitchRole(ctx context.Context, role string) (*Me, error) {
	return c.me(ctx, "POST", "/api/v1/auth/role", map[string]string{"role": role})
}

// Me returns the signed-in person.
func (c *Client) Me(ctx context.Context) (*Me, error) {
	return c.me(ctx, "GET", "/api/v1/auth/me", nil)
}

// Do sends one JSON request: in (nil for none) as the body, the answer decoded into out (nil to
// discard). A non-2xx answer returns *Error.
func (c *Client) Do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return c.send(req, out)
}

// do is Do for the domain files of this package.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	return c.Do(ctx, method, path, in, out)
}

// Upload sends a file as multipart form data (field "file") with extra form fields.
func (c *Client) Upload(ctx context.Context, path, filename string, content []byte, fields map[string]string, out any) error {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	fw, err := w.CreateFormFile("file", filename)
	if err != nil {
		return err
	}
	fw.Write(content)
	w.Close()
	req, err := http.NewRequestWithContext(ctx, "POST", c.BaseURL+path, &buf)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.send(req, out)
}

// Download fetches a binary resource (a PDF, an Excel file).
func (c *Client) Download(ctx context.Context, path string) ([]byte, string, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", c.BaseURL+path, nil)
	if err != nil {
		return nil, "", err
	}
	c.decorate(req)
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, "", err
	}
	if resp.StatusCode >= 300 {
		return nil, "", decodeError(resp.StatusCode, b)
	}
	return b, resp.Header.Get("Content-Type"), nil
}

// Query builds a query string from pairs, skipping empty values.
func Query(pairs ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			v.Set(pairs[i], pairs[i+1])
		}
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

func (c *Client) decorate(req *http.Request) {
	req.Header.Set("Accept", "application/json")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	if c.Lang != "" {
		req.Header.Set("Accept-Language", c.Lang)
	}
}

func (c *Client) send(req *http.Request, out any) error {
	c.decorate(req)
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		return decodeError(resp.StatusCode, b)
	}
	if out == nil || len(b) == 0 {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("onestamp: decoding %s %s: %w", req.Method, req.URL.Path, err)
	}
	return nil
}

func decodeError(status int, b []byte) error {
	var env struct {
		Error Error `json:"error"`
	}
	if err := json.Unmarshal(b, &env); err != nil || env.Error.Code == "" {
		msg := strings.TrimSpace(string(b))
		if len(msg) > 200 {
			msg = msg[:200]
		}
		return &Error{Status: status, Code: http.StatusText(status), Message: msg}
	}
	env.Error.Status = status
	return &env.Error
}
