package cases

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"onestamp/internal/home"
	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/web"
	"onestamp/internal/platform/workday"
)

// The pages of the package: the workbench (window intake, work queues, the case page of every
// member of staff who works on cases) and the portal (an applicant's cases, online
// application). Handlers parse, call one service method and render; the rules stay in the
// service. Every form works without JavaScript and carries the case's version, so a stale
// submit is refused with a clear message instead of overwriting a colleague's work.

//go:embed templates/staff/*.html templates/portal/*.html templates/cases.css
var pageFS embed.FS

// Paths of the pages.
const (
	StaffBase  = "/staff/cases"
	PortalBase = "/my/cases"
	ApplyPath  = "/apply"
	cssPath    = "/cases/static/cases.css"
)

// caseRoles are the staff roles that work on cases and see the queues.
var caseRoles = []auth.Role{auth.Clerk, auth.Reviewer, auth.Chief, auth.Signer, auth.Head, auth.Supervisor, auth.Leader}

// queueRoles have work queues of their own (待办); supervisors and leaders only search.
var queueRoles = []auth.Role{auth.Clerk, auth.Reviewer, auth.Chief, auth.Signer, auth.Head}

// Page policies. The service checks again, with the data scope, the side and the task.
var (
	pageRead      = auth.Staff(caseRoles...)
	pageClerk     = auth.Staff(auth.Clerk)
	pageDeciders  = auth.Staff(auth.Reviewer, auth.Chief, auth.Signer)
	pageApplicant = auth.Applicants()
)

// PageDeps are what the pages need from outside the package; app fills them from the catalogue,
// the organisation directory and the accounts. Every field is optional: without one the page
// does without (no item search, window numbers shown as ids, people shown by their id).
type PageDeps struct {
	// Items lists the items a case may be started for: those matching q (the catalogue's guide
	// search), or every one when q is empty (the queues' item filter).
	Items func(ctx context.Context, q string) ([]ItemChoice, error)
	// Windows lists the windows of a hall (unit id), for the intake form and the queue filter.
	Windows func(ctx context.Context, hallID string) ([]WindowChoice, error)
	// UserName names a member of staff by id (task assignees, AB-post substitutes).
	UserName func(ctx context.Context, userID string) string
	// Account finds the applicant account registered with an ID number or credit code, so that
	// a walk-in application shows under the applicant's "my cases" online ("" when none).
	Account func(ctx context.Context, idNumber string) string
}

// ItemChoice is an item as the intake search and the filters offer it.
type ItemChoice struct {
	ID         string `json:"id"`
	Code       string `json:"code"`
	Name       string `json:"name"`
	Dept       string `json:"dept,omitempty"`
	Kind       Kind   `json:"kind,omitempty"`
	PromisedWD int    `json:"promised_wd,omitempty"`
	CityWide   bool   `json:"city_wide,omitempty"`
}

// WindowChoice is a window of a hall.
type WindowChoice struct {
	ID     string `json:"id"`
	Number string `json:"number"`
	Name   string `json:"name,omitempty"`
}

// SetPageDeps gives the pages what they need from other packages. app calls it once while
// wiring, before the server starts.
func (s *Service) SetPageDeps(d PageDeps) { s.pages = d }

func (s *Service) pageDeps() PageDeps { return s.pages }

func init() { pageHooks = append(pageHooks, registerPages) }

type pages struct {
	s      *Service
	staff  *home.Renderer
	portal *home.Renderer
}

var casesCSS = func() []byte {
	b, err := pageFS.ReadFile("templates/cases.css")
	if err != nil {
		panic(err)
	}
	return b
}()

// cssURL is the stylesheet's address with its content hash, so that it may be cached for ever.
var cssURL = func() string {
	sum := sha256.Sum256(casesCSS)
	return cssPath + "?v=" + hex.EncodeToString(sum[:6])
}()

func registerPages(g *auth.Guard, s *Service) error {
	staff, err := home.NewStaffRenderer(pageFS, "templates/staff/*.html")
	if err != nil {
		return err
	}
	portal, err := home.NewPortalRenderer(pageFS, "templates/portal/*.html")
	if err != nil {
		return err
	}
	p := &pages{s: s, staff: staff, portal: portal}
	g.Page("GET "+cssPath, auth.Public, p.css)

	// The workbench.
	g.Page("GET "+StaffBase, pageRead, p.queue)
	g.Page("GET "+StaffBase+"/search", pageRead, p.search)
	g.Page("GET "+StaffBase+"/open", pageRead, p.openByNo)
	g.Page("GET "+StaffBase+"/intake", pageClerk, p.intake)
	g.Page("POST "+StaffBase+"/intake", pageClerk, p.intakeOpen, web.BodyLimit(maxAgentUpload))
	g.Page("GET "+StaffBase+"/{id}", pageRead, p.casePage)
	g.Page("GET "+StaffBase+"/{id}/receipt", pageRead, p.receipt)
	g.Page("GET "+StaffBase+"/{id}/docs/{doc}", pageRead, p.staffDoc)
	g.Page("GET "+StaffBase+"/{id}/files/{file}", pageRead, p.file)
	g.Page("POST "+StaffBase+"/{id}/materials", pageClerk, p.staffUpload, web.BodyLimit(s.maxUploadBody()))
	g.Page("POST "+StaffBase+"/{id}/files/{file}/check", pageClerk, p.checkOriginal)
	for _, a := range staffActions {
		g.Page("POST "+StaffBase+"/{id}/"+a.path, a.policy, p.act(a))
	}

	// The portal.
	g.Page("GET "+PortalBase, pageApplicant, p.myCases)
	g.Page("GET "+PortalBase+"/{id}", pageApplicant, p.myCase)
	g.Page("GET "+PortalBase+"/{id}/docs/{doc}", pageApplicant, p.myDoc)
	g.Page("GET "+PortalBase+"/{id}/files/{file}", pageApplicant, p.file)
	g.Page("POST "+PortalBase+"/{id}/materials", pageApplicant, p.myUpload, web.BodyLimit(s.maxUploadBody()))
	for _, a := range portalActions {
		g.Page("POST "+PortalBase+"/{id}/"+a.path, pageApplicant, p.myAct(a))
	}
	g.Page("GET "+ApplyPath, pageApplicant, p.applyForm)
	g.Page("POST "+ApplyPath, pageApplicant, p.apply, web.BodyLimit(s.maxUploadBody()))

	home.AddMenu(home.MenuEntry{Key: "cases.menu.intake", Path: StaffBase + "/intake", Roles: []auth.Role{auth.Clerk}, Order: 100})
	home.AddMenu(home.MenuEntry{Key: "cases.menu.queues", Path: StaffBase, Roles: queueRoles, Order: 110})
	home.AddMenu(home.MenuEntry{Key: "cases.menu.search", Path: StaffBase + "/search", Roles: caseRoles, Order: 120})
	for i, q := range []Queue{QueueTodo, QueueWarning, QueueOverdue} {
		q := q
		home.AddCounter(home.Counter{Key: "cases.counter." + string(q), Path: StaffBase + "?queue=" + string(q),
			Roles: queueRoles, Order: 100 + i, Count: func(ctx context.Context, v *auth.Viewer) (int, error) {
				return s.CountQueue(auth.WithViewer(ctx, v), q)
			}})
	}
	home.AddPlace(home.PortalPlace{Key: "home.place.my_cases", DescKey: "home.place.my_cases_desc", Path: PortalBase, Order: 20, Ready: true})
	return nil
}

func (p *pages) css(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/css; charset=utf-8")
	if r.URL.Query().Get("v") != "" {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	_, _ = w.Write(casesCSS)
}

// ---- shared view parts ----

// pageBase is embedded in every view: the stylesheet and a message for the person.
type pageBase struct {
	CSS     string
	Message string // a translated message (an error, or what just happened)
	OK      bool   // the message reports success
	Errors  map[string]string
}

func newBase() pageBase { return pageBase{CSS: cssURL, Errors: map[string]string{}} }

// done messages: what a redirect after a successful post tells the person (?done=key).
var doneKeys = []string{"received", "fee_paid", "accepted", "accepted_pending", "correction", "rejected", "claimed", "advanced", "consulted", "joint_opinion",
	"inspection", "returned", "suspended", "resumed", "extended", "decided", "concluded", "delivered", "terminated",
	"uploaded", "checked", "cert", "opened", "submitted", "withdrawn", "resubmitted", "form_saved", "supplied"}

func (b *pageBase) fromQuery(r *http.Request) {
	if d := r.URL.Query().Get("done"); slices.Contains(doneKeys, d) {
		b.Message, b.OK = web.T(r.Context(), "cases.done."+d), true
	}
}

// fail turns a service error into the view's message, or reports that the error is not one a
// form shows (then the caller renders the error page).
func (b *pageBase) fail(r *http.Request, err error) bool {
	if b.Errors == nil {
		b.Errors = map[string]string{}
	}
	b.CSS = cssURL
	e := errs.As(err)
	if e.Code != errs.Invalid && e.Code != errs.Conflict && e.Code != errs.Forbidden {
		return false
	}
	msg := web.T(r.Context(), e.Key, e.Args)
	if e.Field != "" && e.Code == errs.Invalid {
		b.Errors[e.Field] = msg
	}
	b.Message, b.OK = msg, false
	return true
}

// failStatus is the status a page with a refused form answers.
func failStatus(err error) int {
	switch errs.CodeOf(err) {
	case errs.Conflict:
		return http.StatusConflict
	case errs.Forbidden:
		return http.StatusForbidden
	}
	return http.StatusUnprocessableEntity
}

// names resolves unit, window and staff ids to what a person reads.
type names struct {
	ctx     context.Context
	s       *Service
	deps    PageDeps
	units   map[string]string
	windows map[string]WindowChoice
	users   map[string]string
}

func (p *pages) names(r *http.Request) *names {
	return &names{ctx: r.Context(), s: p.s, deps: p.s.pageDeps(), units: map[string]string{},
		windows: map[string]WindowChoice{}, users: map[string]string{}}
}

// Unit names a unit (its id when unknown).
func (n *names) Unit(id string) string {
	if id == "" {
		return ""
	}
	if v, ok := n.units[id]; ok {
		return v
	}
	name := id
	if u, err := n.s.cat.Unit(n.ctx, id); err == nil && u.Name != "" {
		name = u.Name
	}
	n.units[id] = name
	return name
}

// loadWindows learns the windows of a hall.
func (n *names) loadWindows(hallID string) []WindowChoice {
	if n.deps.Windows == nil || hallID == "" {
		return nil
	}
	ws, err := n.deps.Windows(n.ctx, hallID)
	if err != nil {
		return nil
	}
	for _, w := range ws {
		n.windows[w.ID] = w
	}
	return ws
}

// Window names a window of a hall: its number (the id when unknown).
func (n *names) Window(hallID, id string) string {
	if id == "" {
		return ""
	}
	if _, ok := n.windows[id]; !ok {
		n.loadWindows(hallID)
	}
	if w, ok := n.windows[id]; ok {
		return w.Number
	}
	return id
}

// User names a member of staff.
func (n *names) User(id string) string {
	if id == "" {
		return ""
	}
	if v, ok := n.users[id]; ok {
		return v
	}
	name := id
	if n.deps.UserName != nil {
		if s := n.deps.UserName(n.ctx, id); s != "" {
			name = s
		}
	}
	n.users[id] = name
	return name
}

// versionOf reads the case version a form carries.
func versionOf(r *http.Request) int64 {
	v, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	return v
}

// lines splits a textarea into its non-empty lines.
func lines(s string) []string {
	var out []string
	for l := range strings.SplitSeq(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// ---- the clock as a person reads it ----

// clockView is the clock panel of a case.
type clockView struct {
	Clock
	Level       string // normal, yellow, red, suspended
	Remaining   int
	HasDue      bool
	Suspensions []suspView
	Extended    bool
	Deemed      bool
	Breach      bool
}

type suspView struct {
	Kind       string
	From, To   workday.Date
	ExpectedWD int
	Days       int
}

func (s *Service) clockView(c Case) clockView {
	v := clockView{Clock: c.Clock, Level: c.Clock.Level, Remaining: c.Clock.RemainingWD, HasDue: !c.Clock.NextDue.IsZero(),
		Extended: c.Flags.Has(FlagExtended), Deemed: c.Flags.Has(FlagDeemedAccepted), Breach: c.Flags.Has(FlagBreach)}
	today := s.today()
	if v.HasDue && v.Level != workday.LevelSuspended.String() && !c.State.Final() {
		if n, _, err := s.calendar().Between(c.Handling.RegionCode, today, c.Clock.NextDue); err == nil {
			v.Remaining = n
		}
	}
	for _, sp := range c.facts.Suspensions {
		sv := suspView{Kind: sp.Kind, From: sp.From, To: sp.To, ExpectedWD: sp.ExpectedWD}
		end := sp.To
		if end.IsZero() {
			end = today
		}
		if n, _, err := s.calendar().Between(c.Handling.RegionCode, sp.From, end); err == nil {
			sv.Days = n
		}
		v.Suspensions = append(v.Suspensions, sv)
	}
	return v
}

// levelClass is the badge class of a warning level.
func levelClass(level string) string {
	switch level {
	case "yellow":
		return "warn"
	case "red":
		return "danger"
	case "suspended":
		return ""
	}
	return "ok"
}

// pageURL builds a path with a query.
func pageURL(path string, q url.Values) string {
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// Overdue is the working days past due.
func (c clockView) Overdue() int { return -c.Remaining }

// LevelClass is the badge class of the clock's level.
func (c clockView) LevelClass() string { return levelClass(c.Level) }
