package apptest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// BrowserTimeout bounds everything one test does in its browser; ActionTimeout one step (an
// element that never appears fails the step, not the whole test's time).
const (
	BrowserTimeout = 60 * time.Second
	ActionTimeout  = 15 * time.Second
)

// Viewport sizes the browser tests use: a desktop monitor at a window and a current phone.
var (
	Desktop = Viewport{Width: 1280, Height: 800}
	Phone   = Viewport{Width: 390, Height: 844, Mobile: true}
)

// Viewport is a window size; Mobile also emulates a phone (touch, the viewport meta tag).
type Viewport struct {
	Width, Height int64
	Mobile        bool
}

// ChromiumPath finds the browser: $ONESTAMP_CHROMIUM, then Debian's /usr/bin/chromium, then
// chromium or chrome on the PATH.
func ChromiumPath() (string, error) {
	if p := os.Getenv("ONESTAMP_CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("ONESTAMP_CHROMIUM=%s: %w", p, err)
		}
		return p, nil
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium", nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no Chromium found (install Debian's chromium or set ONESTAMP_CHROMIUM)")
}

// SkipWithoutChromium skips the test, saying why, when there is no Chromium to drive: call it
// before starting the application so that a skipped test costs nothing.
func SkipWithoutChromium(t testing.TB) {
	t.Helper()
	if _, err := ChromiumPath(); err != nil {
		t.Skipf("browser test skipped: %v", err)
	}
}

// Browser is one headless Chromium with one tab, for one test. Its methods fail the test on
// error, after saving a screenshot of the page; the screenshot of a failed test is also saved
// when the test ends. Screenshots go to $ONESTAMP_TEST_SCREENSHOTS when set (kept), otherwise
// to a temporary directory that is kept only when the test failed, so the logged path still
// exists for the person who reads the failure.
type Browser struct {
	// Ctx is the tab's context for chromedp calls not covered here. Its deadline is
	// BrowserTimeout from the start of the test.
	Ctx context.Context
	// Base is prepended to paths that start with "/" (the app's URL for App.Browser).
	Base string

	t   testing.TB
	tab context.Context // the tab without the test's deadline: for the screenshot of a failure
	dir string

	mu      sync.Mutex
	console []ConsoleLine
	dialogs []string
	accept  bool // the answer to the page's dialogs
	shots   int
	failed  bool // the failure's screenshot is taken
}

// ConsoleLine is a message of the page's console: a console call, an uncaught exception or an
// entry of the browser's log (where Chromium reports what the Content-Security-Policy blocked).
type ConsoleLine struct {
	Level  string // "log", "warning", "error", "exception", "info", "verbose"…
	Source string // for browser log entries: "security", "network", "javascript"…
	Text   string
	URL    string // the page or resource it is about, when known
}

func (l ConsoleLine) String() string {
	s := l.Level + ": " + l.Text
	if l.URL != "" {
		s += " (" + l.URL + ")"
	}
	return s
}

// Browser starts a headless Chromium for the test, with paths relative to the app.
func (a *App) Browser(t testing.TB) *Browser {
	t.Helper()
	b := NewBrowser(t)
	b.Base = a.URL
	return b
}

// NewBrowser starts a headless Chromium for the test, or skips the test when there is none.
// The browser stops when the test ends.
func NewBrowser(t testing.TB) *Browser {
	t.Helper()
	exe, err := ChromiumPath()
	if err != nil {
		t.Skipf("browser test skipped: %v", err)
	}
	dir, keep := os.Getenv("ONESTAMP_TEST_SCREENSHOTS"), true
	if dir == "" {
		if dir, err = os.MkdirTemp("", "onestamp-browser-"); err != nil {
			t.Fatal(err)
		}
		keep = false
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// The flags keep a headless browser on a machine without outside network quiet: no
	// background fetches, updates, sync or QUIC probes. chromedp gives it a fresh profile
	// directory and removes it afterwards.
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("no-pings", true),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.Flag("accept-lang", "zh-CN,zh"),
		chromedp.WindowSize(int(Desktop.Width), int(Desktop.Height)),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	tab, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithLogf(func(string, ...any) {}))
	ctx, cancelRun := context.WithTimeout(tab, BrowserTimeout)
	b := &Browser{Ctx: ctx, t: t, tab: tab, dir: dir}
	t.Cleanup(func() {
		cancelRun()
		cancelTab()
		cancelAlloc()
		if !keep && !t.Failed() {
			os.RemoveAll(dir)
		}
	})
	// Start the browser, and listen to the console from the first page on. Listen calls the
	// func on the tab's reading goroutine before later replies, so once a command returns every
	// message of the page before it is recorded. The browser lives as long as the context that
	// starts it, so that is the tab's (no deadline); a watchdog stops a start that hangs.
	watchdog := time.AfterFunc(30*time.Second, cancelTab)
	err = chromedp.Listen(tab, b.record)
	if !watchdog.Stop() {
		err = fmt.Errorf("no answer within 30 s: %w", err)
	}
	if err != nil {
		t.Fatalf("start Chromium (%s): %v", exe, err)
	}
	// A dialog (window.confirm before an irreversible action) blocks the page until answered:
	// answer each as told (dismiss unless told otherwise) and keep its message for the test.
	dialogs := chromedp.Events(tab, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.dialogs = append(b.dialogs, ev.Message)
			accept := b.accept
			b.mu.Unlock()
			_, _ = chromedp.Call(tab, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: accept})
		}
	}()
	t.Cleanup(func() {
		b.mu.Lock()
		taken := b.failed
		b.mu.Unlock()
		if t.Failed() && !taken {
			b.shot("failure")
		}
	})
	return b
}

func (b *Browser) record(ev any) {
	var l ConsoleLine
	switch e := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		var parts []string
		for _, a := range e.Args {
			switch {
			case len(a.Value) > 0:
				s := string(a.Value)
				if strings.HasPrefix(s, `"`) {
					s = strings.Trim(s, `"`)
				}
				parts = append(parts, s)
			case a.Description != "":
				parts = append(parts, a.Description)
			default:
				parts = append(parts, string(a.Type))
			}
		}
		l = ConsoleLine{Level: string(e.Type), Text: strings.Join(parts, " ")}
	case *runtime.EventExceptionThrown:
		d := e.ExceptionDetails
		text := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			text += " " + d.Exception.Description
		}
		l = ConsoleLine{Level: "exception", Text: text, URL: d.URL}
	case *log.EventEntryAdded:
		if e.Entry == nil {
			return
		}
		l = ConsoleLine{Level: string(e.Entry.Level), Source: string(e.Entry.Source), Text: e.Entry.Text, URL: e.Entry.URL}
	default:
		return
	}
	b.mu.Lock()
	b.console = append(b.console, l)
	b.mu.Unlock()
}

// url resolves a path against Base.
func (b *Browser) url(p string) string {
	if strings.HasPrefix(p, "/") {
		return b.Base + p
	}
	return p
}

// step returns the context of one step.
func (b *Browser) step() (context.Context, context.CancelFunc) {
	return context.WithTimeout(b.Ctx, ActionTimeout)
}

// fail saves a screenshot and ends the test.
func (b *Browser) fail(format string, args ...any) {
	b.t.Helper()
	b.mu.Lock()
	b.failed = true
	b.mu.Unlock()
	if p := b.shot("failure"); p != "" {
		format += "\nscreenshot: %s"
		args = append(args, p)
	}
	b.t.Fatalf(format, args...)
}

// Do runs chromedp actions, failing the test on error.
func (b *Browser) Do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.fail("browser: %v", err)
	}
}

// Eval evaluates a JavaScript expression in the page and decodes its value.
func Eval[T any](b *Browser, expr string) T {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.fail("browser: evaluate %s: %v", expr, err)
	}
	return v
}

// Open loads a page and returns the HTTP status of the document it ended on.
func (b *Browser) Open(p string) int64 {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(b.url(p)))
	if err != nil {
		b.fail("browser: open %s: %v", p, err)
	}
	if resp == nil {
		return 0
	}
	return resp.Status
}

// Fill types a value into the field that matches the CSS selector, as a person would.
func (b *Browser) Fill(sel, value string) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Clear(chromedp.CSS(sel)), chromedp.SendKeys(chromedp.CSS(sel), value)); err != nil {
		b.fail("browser: fill %s: %v", sel, err)
	}
}

// ClickNav clicks the element that matches the CSS selector (a link or a submit button), waits
// for the page it leads to and returns that page's HTTP status.
func (b *Browser) ClickNav(sel string) int64 {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		b.fail("browser: click %s: %v", sel, err)
	}
	if resp == nil {
		return 0
	}
	return resp.Status
}

// SubmitNav sends the form that matches the CSS selector as a script's form.submit() would,
// with no submit event, waits for the page it leads to and returns its HTTP status.
func (b *Browser) SubmitNav(sel string) int64 {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Submit(chromedp.CSS(sel)))
	if err != nil {
		b.fail("browser: submit %s: %v", sel, err)
	}
	if resp == nil {
		return 0
	}
	return resp.Status
}

// Click clicks the element that matches the CSS selector and does not wait for a page: for
// a click that should not leave the page (a confirmation dismissed, a script's action).
func (b *Browser) Click(sel string) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		b.fail("browser: click %s: %v", sel, err)
	}
}

// AnswerDialogs sets how the page's dialogs (confirm, alert) are answered from now on: accepted
// or dismissed. A new browser dismisses them.
func (b *Browser) AnswerDialogs(accept bool) {
	b.mu.Lock()
	b.accept = accept
	b.mu.Unlock()
}

// Dialogs returns the messages of the dialogs the page opened so far.
func (b *Browser) Dialogs() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.dialogs...)
}

// Text returns the page's visible text (what innerText renders: no hidden elements).
func (b *Browser) Text() string {
	b.t.Helper()
	return Eval[string](b, `document.body ? document.body.innerText : ""`)
}

// TextOf returns the visible text of the first element that matches the CSS selector, or ""
// when none does.
func (b *Browser) TextOf(sel string) string {
	b.t.Helper()
	return Eval[string](b, fmt.Sprintf(`(function(){var e=document.querySelector(%q);return e?e.innerText:""})()`, sel))
}

// Has reports whether an element matches the CSS selector.
func (b *Browser) Has(sel string) bool {
	b.t.Helper()
	return Eval[bool](b, fmt.Sprintf(`document.querySelector(%q) !== null`, sel))
}

// Location returns the page's URL; Path its path and query.
func (b *Browser) Location() string {
	b.t.Helper()
	return Eval[string](b, `document.location.href`)
}

// Path returns the path and query of the page's URL.
func (b *Browser) Path() string {
	b.t.Helper()
	u, err := url.Parse(b.Location())
	if err != nil {
		b.fail("browser: location: %v", err)
	}
	return u.RequestURI()
}

// Lang returns the page's language (the lang attribute of <html>).
func (b *Browser) Lang() string {
	b.t.Helper()
	return Eval[string](b, `document.documentElement.lang`)
}

// SetViewport resizes the window; a Mobile viewport also emulates a phone's screen and touch.
func (b *Browser) SetViewport(v Viewport) {
	b.t.Helper()
	opts := []chromedp.EmulateViewportOption{chromedp.EmulatePortrait}
	if v.Mobile {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2))
	}
	if v.Width > v.Height {
		opts[0] = chromedp.EmulateLandscape
	}
	b.Do(chromedp.EmulateViewport(v.Width, v.Height, opts...))
}

// Phone switches to a phone-sized window (390×844, mobile emulation).
func (b *Browser) Phone() { b.t.Helper(); b.SetViewport(Phone) }

// Desktop switches to a desktop-sized window (1280×800).
func (b *Browser) Desktop() { b.t.Helper(); b.SetViewport(Desktop) }

// Overflow reports what sticks out of the page's width: the document's scroll width against
// the layout viewport's width, and the elements (as short CSS paths) whose right edge passes
// it. Content that scrolls inside its own box (a wide table in .table-wrap) does not count.
type Overflow struct {
	ScrollWidth, ViewportWidth int
	Elements                   []string
}

// Overflows reports whether anything makes the page scroll sideways.
func (o Overflow) Overflows() bool { return o.ScrollWidth > o.ViewportWidth || len(o.Elements) > 0 }

// HorizontalOverflow measures the current page (see Overflow).
func (b *Browser) HorizontalOverflow() Overflow {
	b.t.Helper()
	// clientWidth is the layout viewport; on an emulated phone innerWidth can grow to fit an
	// overflowing page (the browser zooms out), which would hide the very fault we look for.
	return Eval[Overflow](b, `(function () {
  var de = document.documentElement, w = de.clientWidth, out = [];
  function name(e) {
    var s = e.tagName.toLowerCase();
    if (e.id) { return s + "#" + e.id; }
    if (e.classList.length) { s += "." + Array.prototype.join.call(e.classList, "."); }
    return s;
  }
  function clipped(e) {
    for (var p = e.parentElement; p && p !== de; p = p.parentElement) {
      var ox = getComputedStyle(p).overflowX;
      if (ox === "auto" || ox === "scroll" || ox === "hidden" || ox === "clip") { return true; }
    }
    return false;
  }
  Array.prototype.forEach.call(document.body.querySelectorAll("*"), function (e) {
    var r = e.getBoundingClientRect();
    if (r.width === 0 || r.right <= w + 1 || clipped(e)) { return; }
    var parent = e.parentElement;
    if (parent && parent.getBoundingClientRect().right > w + 1 && !clipped(parent) && parent !== document.body) { return; }
    var path = [], x = e;
    for (var i = 0; x && x !== document.body && i < 4; i++, x = x.parentElement) { path.unshift(name(x)); }
    out.push(path.join(" > ") + " (right " + Math.round(r.right) + "px)");
  });
  return {ScrollWidth: de.scrollWidth, ViewportWidth: w, Elements: out.slice(0, 10)};
})()`)
}

// Screenshot saves a PNG of the whole page as name.png (a number is added when the name was
// used) and returns its path.
func (b *Browser) Screenshot(name string) string {
	b.t.Helper()
	p := b.shot(name)
	if p == "" {
		b.t.Fatalf("browser: screenshot %s failed", name)
	}
	return p
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func (b *Browser) shot(name string) string {
	// A failure after the test's deadline still deserves its picture: use the tab's context.
	ctx, cancel := context.WithTimeout(b.tab, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Logf("browser: screenshot %s: %v", name, err)
		return ""
	}
	b.mu.Lock()
	b.shots++
	n := b.shots
	b.mu.Unlock()
	base := unsafeName.ReplaceAllString(b.t.Name()+"-"+name, "_")
	p := filepath.Join(b.dir, base+".png")
	if _, err := os.Stat(p); err == nil {
		p = filepath.Join(b.dir, fmt.Sprintf("%s-%d.png", base, n))
	}
	if err := os.WriteFile(p, png, 0o644); err != nil {
		b.t.Logf("browser: screenshot %s: %v", name, err)
		return ""
	}
	b.t.Logf("screenshot: %s", p)
	return p
}

// Console returns the console messages recorded so far.
func (b *Browser) Console() []ConsoleLine {
	b.t.Helper()
	// A round trip to the tab: every message the page logged before it is recorded by now.
	Eval[int](b, `0`)
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]ConsoleLine(nil), b.console...)
}

// CSPViolations returns the console messages in which the browser reports that the
// Content-Security-Policy blocked something (an inline script or style, a foreign resource).
func (b *Browser) CSPViolations() []ConsoleLine {
	b.t.Helper()
	var out []ConsoleLine
	for _, l := range b.Console() {
		if strings.Contains(l.Text, "Content Security Policy") || strings.Contains(l.Text, "Refused to") {
			out = append(out, l)
		}
	}
	return out
}

// Errors returns the console's errors and uncaught exceptions.
func (b *Browser) Errors() []ConsoleLine {
	b.t.Helper()
	var out []ConsoleLine
	for _, l := range b.Console() {
		if l.Level == "error" || l.Level == "exception" {
			out = append(out, l)
		}
	}
	return out
}
