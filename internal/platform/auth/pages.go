package auth

import (
	"context"
	"embed"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/notify"
	"onestamp/internal/platform/web"
)

//go:embed templates/staff/*.html templates/public/*.html
var templateFS embed.FS

//go:embed messages/*.json
var messageFS embed.FS

// Renderer renders pages: a *web.Renderer, or the home package's, which frames the pages in
// the workbench or the portal.
type Renderer interface {
	Render(w http.ResponseWriter, r *http.Request, name string, data any)
	RenderStatus(w http.ResponseWriter, r *http.Request, status int, name string, data any)
}

// Frame makes the renderer of a set of page templates.
type Frame func(fsys fs.FS, patterns ...string) (Renderer, error)

func plainFrame(fsys fs.FS, patterns ...string) (Renderer, error) {
	return web.NewRenderer(fsys, patterns...)
}

// PageOptions configures Register.
type PageOptions struct {
	Staff  Frame // frames workbench pages (home.StaffFrame); the plain layout when nil
	Public Frame // frames portal pages (home.PortalFrame); the plain layout when nil
	// Units lists the units a viewer may assign staff and tokens to, for the forms' choices;
	// without it the forms ask for a unit id.
	Units func(ctx context.Context, v *Viewer) ([]UnitInfo, error)
}

// AddMessages adds the texts of the package, and of notify, to the catalogue (Register does it
// too).
func AddMessages() error {
	if err := notify.AddMessages(); err != nil {
		return err
	}
	return web.AddMessagesFS(messageFS, "messages")
}

// Register registers the API and pages of the package: login, logout, role switch, account,
// registration, staff, token and cover administration, and the development SMS page.
func Register(g *Guard, o PageOptions) error {
	if err := AddMessages(); err != nil {
		return err
	}
	if o.Staff == nil {
		o.Staff = plainFrame
	}
	if o.Public == nil {
		o.Public = plainFrame
	}
	staff, err := o.Staff(templateFS, "templates/staff/*.html")
	if err != nil {
		return err
	}
	public, err := o.Public(templateFS, "templates/public/*.html")
	if err != nil {
		return err
	}
	login, sms := newLimiters()
	a := &api{svc: g.svc, login: login, sms: sms}
	a.routes(g)
	p := &pages{svc: g.svc, api: a, staff: staff, public: public, units: o.Units}
	p.routes(g)
	return nil
}

type pages struct {
	svc           *Service
	api           *api
	staff, public Renderer
	units         func(ctx context.Context, v *Viewer) ([]UnitInfo, error)
}

func (p *pages) routes(g *Guard) {
	g.Page("GET /staff/login", Public, p.staffLoginForm)
	g.Page("POST /staff/login", Public, p.staffLogin)
	g.Page("POST /staff/logout", SignedIn().Interim(), p.logout("/staff/login"))
	g.Page("POST /staff/role", Staff(), p.switchRole)
	g.Page("GET /staff/account", Staff().Interim(), p.staffAccount)
	g.Page("POST /staff/account/password", Staff().Interim(), p.changePassword)
	g.Page("POST /staff/account/totp", Staff().Interim(), p.beginTOTP)
	g.Page("POST /staff/account/totp/confirm", Staff().Interim(), p.confirmTOTP)
	g.Page("POST /staff/account/totp/disable", Staff().Interim(), p.disableTOTP)

	g.Page("GET /staff/admin/users", Staff(StaffAdmins...), p.users)
	g.Page("POST /staff/admin/users", Staff(Admin), p.createUser)
	g.Page("GET /staff/admin/users/{id}", Staff(StaffAdmins...), p.user)
	g.Page("POST /staff/admin/users/{id}", Staff(Admin), p.updateUser)
	g.Page("POST /staff/admin/users/{id}/deactivate", Staff(Admin), p.userAction)
	g.Page("POST /staff/admin/users/{id}/activate", Staff(Admin), p.userAction)
	g.Page("POST /staff/admin/users/{id}/password-reset", Staff(Admin), p.userAction)
	g.Page("POST /staff/admin/users/{id}/totp-reset", Staff(Admin), p.userAction)
	g.Page("GET /staff/admin/tokens", Staff(Admin), p.tokens)
	g.Page("POST /staff/admin/tokens", Staff(Admin), p.createToken)
	g.Page("POST /staff/admin/tokens/{id}/revoke", Staff(Admin), p.revokeToken)
	g.Page("GET /staff/admin/covers", Staff(CoverGrantors...), p.covers)
	g.Page("POST /staff/admin/covers", Staff(CoverGrantors...), p.grantCover)
	g.Page("POST /staff/admin/covers/{id}/revoke", Staff(CoverGrantors...), p.revokeCover)
	g.Page("GET /staff/admin/dev/sms", Staff(Admin), p.devSMS)

	g.Page("GET /login", Public, p.publicLoginForm)
	g.Page("POST /login", Public, p.publicLogin)
	g.Page("POST /login/sms-code", Public, p.loginCode)
	g.Page("POST /login/sms", Public, p.smsLogin)
	g.Page("GET /register", Public, p.registerForm)
	g.Page("POST /register/code", Public, p.registerCode)
	g.Page("POST /register", Public, p.register)
	g.Page("POST /logout", SignedIn().Interim(), p.logout("/"))
	g.Page("GET /account", Applicants().Interim(), p.applicantAccount)
	g.Page("POST /account/password", Applicants().Interim(), p.changePassword)
}

// form is a submitted form shown again: its values and the messages about it.
type form struct {
	Values url.Values
	Errors map[string]string // field -> message
	Error  string            // a message about the whole form
	Notice string            // a success message
}

// V returns the submitted value of a field.
func (f form) V(name string) string { return f.Values.Get(name) }

// Has reports whether a multi-value field (checkboxes) holds v.
func (f form) Has(name, v string) bool { return slices.Contains(f.Values[name], v) }

// Invalid returns "true" for a field with an error, for aria-invalid.
func (f form) Invalid(name string) string {
	if _, ok := f.Errors[name]; ok {
		return "true"
	}
	return "false"
}

func newForm(r *http.Request) form {
	vals := url.Values{}
	for k, v := range r.PostForm {
		if !strings.Contains(k, "password") && k != "code" && k != "totp" {
			vals[k] = v
		}
	}
	return form{Values: vals, Errors: map[string]string{}}
}

// withError puts an error's message on its field or on the form.
func (f form) withError(ctx context.Context, err error) form {
	e := errs.As(err)
	msg := web.T(ctx, e.Key, e.Args)
	if e.Code == errs.Internal {
		msg = web.T(ctx, "error.internal")
	}
	if e.Field != "" {
		f.Errors[e.Field] = msg
	} else {
		f.Error = msg
	}
	return f
}

// formStatus is the status of a form shown again because of err.
func formStatus(err error) int {
	if errs.Is(err, errs.Invalid) {
		return http.StatusUnprocessableEntity
	}
	return web.Status(err)
}

// failed answers a failed form post: internal errors go to the error page, everything else
// shows the form again with the message.
func failed(w http.ResponseWriter, r *http.Request, err error, show func(status int, f form)) {
	if errs.Is(err, errs.Internal) {
		web.Error(w, r, err)
		return
	}
	show(formStatus(err), newForm(r).withError(r.Context(), err))
}

func parse(w http.ResponseWriter, r *http.Request) bool {
	if err := r.ParseForm(); err != nil {
		web.Error(w, r, errs.InvalidInput("error.invalid"))
		return false
	}
	return true
}

// login pages

type loginData struct {
	Form     form
	Next     string
	NeedTOTP bool
	Tab      string // public login: "password" or "sms"
}

func (p *pages) staffLoginForm(w http.ResponseWriter, r *http.Request) {
	next := SafeNext(r.URL.Query().Get("next"), "/staff/")
	if v := viewerOrNil(r.Context()); v != nil && v.IsStaff() {
		web.SeeOther(w, r, next)
		return
	}
	p.staff.Render(w, r, "login.html", loginData{Form: form{Values: url.Values{}}, Next: next})
}

func (p *pages) staffLogin(w http.ResponseWriter, r *http.Request) {
	if !parse(w, r) {
		return
	}
	next := SafeNext(r.PostForm.Get("next"), "/staff/")
	err := p.api.login.Allow(ClientIP(r))
	var s *Session
	if err == nil {
		s, err = p.svc.LoginStaff(r.Context(), StaffLogin{Username: r.PostForm.Get("username"),
			Password: r.PostForm.Get("password"), TOTP: r.PostForm.Get("totp")})
	}
	if err != nil {
		needTOTP := errs.As(err).Key == "auth.login.totp_required" || r.PostForm.Get("totp") != ""
		failed(w, r, err, func(status int, f form) {
			p.staff.RenderStatus(w, r, status, "login.html", loginData{Form: f, Next: next, NeedTOTP: needTOTP})
		})
		return
	}
	p.svc.SetCookie(w, s.Token)
	if s.Viewer.MustChange {
		next = "/staff/account"
	}
	web.SeeOther(w, r, next)
}

func (p *pages) logout(to string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := p.svc.Logout(r.Context(), viewerOrNil(r.Context())); err != nil {
			web.Error(w, r, err)
			return
		}
		p.svc.ClearCookie(w)
		web.SeeOther(w, r, to)
	}
}

func (p *pages) switchRole(w http.ResponseWriter, r *http.Request) {
	if !parse(w, r) {
		return
	}
	if err := p.svc.SwitchRole(r.Context(), viewerOrNil(r.Context()), Role(r.PostForm.Get("role"))); err != nil {
		web.Error(w, r, err)
		return
	}
	// The menu changes with the role, so the page the person was on may no longer be theirs.
	web.SeeOther(w, r, "/staff/")
}

func (p *pages) publicLoginForm(w http.ResponseWriter, r *http.Request) {
	next := SafeNext(r.URL.Query().Get("next"), "/")
	if viewerOrNil(r.Context()) != nil {
		web.SeeOther(w, r, next)
		return
	}
	p.public.Render(w, r, "login.html", loginData{Form: form{Values: url.Values{}}, Next: next, Tab: "password"})
}

func (p *pages) publicLogin(w http.ResponseWriter, r *http.Request) {
	if !parse(w, r) {
		return
	}
	next := SafeNext(r.PostForm.Get("next"), "/")
	err := p.api.login.Allow(ClientIP(r))
	var s *Session
	if err == nil {
		s, err = p.svc.LoginApplicant(r.Context(), ApplicantLogin{Identifier: r.PostForm.Get("identifier"),
			Password: r.PostForm.Get("password")})
	}
	p.publicStarted(w, r, s, err, next, "password")
}

func (p *pages) publicStarted(w http.ResponseWriter, r *http.Request, s *Session, err error, next, tab string) {
	if err != nil {
		failed(w, r, err, func(status int, f form) {
			p.public.RenderStatus(w, r, status, "login.html", loginData{Form: f, Next: next, Tab: tab})
		})
		return
	}
	p.svc.SetCookie(w, s.Token)
	if s.Viewer.MustChange {
		next = "/account"
	}
	web.SeeOther(w, r, next)
}

func (p *pages) loginCode(w http.ResponseWriter, r *http.Request) {
	if !parse(w, r) {
		return
	}
	next := SafeNext(r.PostForm.Get("next"), "/")
	err := p.api.sms.Allow(ClientIP(r))
	if err == nil {
		err = p.svc.SendSMSCode(r.Context(), r.PostForm.Get("mobile"), PurposeLogin)
	}
	if err != nil {
		failed(w, r, err, func(status int, f form) {
			p.public.RenderStatus(w, r, status, "login.html", loginData{Form: f, Next: next, Tab: "sms"})
		})
		return
	}
	f := newForm(r)
	f.Notice = web.T(r.Context(), "auth.sms.sent")
	p.public.Render(w, r, "login.html", loginData{Form: f, Next: next, Tab: "sms"})
}

func (p *pages) smsLogin(w http.ResponseWriter, r *http.Request) {
	if !parse(w, r) {
		return
	}
	next := SafeNext(r.PostForm.Get("next"), "/")
	err := p.api.login.Allow(ClientIP(r))
	var s *Session
	if err == nil {
		s, err = p.svc.LoginSMS(r.Context(), SMSLogin{Mobile: r.PostForm.Get("mobile"), Code: r.PostForm.Get("code"),
			Identifier: r.PostForm.Get("identifier")})
	}
	p.publicStarted(w, r, s, err, next, "sms")
}

// registration

type registerData struct {
	Form form
}

func (p *pages) registerForm(w http.ResponseWriter, r *http.Request) {
	p.public.Render(w, r, "register.html", registerData{Form: form{Values: url.Values{"subject_type": {SubjectPerson}}}})
}

func (p *pages) registerCode(w http.ResponseWriter, r *http.Request) {
	if !parse(w, r) {
		return
	}
	err := p.api.sms.Allow(ClientIP(r))
	if err == nil {
		err = p.svc.SendSMSCode(r.Context(), r.PostForm.Get("mobile"), PurposeRegister)
	}
	if err != nil {
		failed(w, r, err, func(status int, f form) {
			p.public.RenderStatus(w, r, status, "register.html", registerData{Form: f})
		})
		return
	}
	f := newForm(r)
	f.Notice = web.T(r.Context(), "auth.sms.sent")
	p.public.Render(w, r, "register.html", registerData{Form: f})
}

func (p *pages) register(w http.ResponseWriter, r *http.Request) {
	if !parse(w, r) {
		return
	}
	err := p.api.login.Allow(ClientIP(r))
	var s *Session
	if err == nil {
		s, err = p.svc.Register(r.Context(), Registration{SubjectType: r.PostForm.Get("subject_type"),
			IDNumber: r.PostForm.Get("id_number"), Name: r.PostForm.Get("name"), Mobile: r.PostForm.Get("mobile"),
			Password: r.PostForm.Get("password"), Code: r.PostForm.Get("code")})
	}
	if err != nil {
		failed(w, r, err, func(status int, f form) {
			p.public.RenderStatus(w, r, status, "register.html", registerData{Form: f})
		})
		return
	}
	p.svc.SetCookie(w, s.Token)
	web.SeeOther(w, r, "/account?welcome=1")
}

// accounts

type accountData struct {
	V       *Viewer
	Profile *Profile
	Form    form
	Enrol   *TOTPEnrolment
	Welcome bool
}

func (p *pages) account(w http.ResponseWriter, r *http.Request, status int, d accountData) {
	d.V = viewerOrNil(r.Context())
	if d.Form.Values == nil {
		d.Form = form{Values: url.Values{}, Errors: map[string]string{}}
	}
	if d.V.Kind == KindApplicant {
		prof, err := p.svc.ApplicantProfile(r.Context(), d.V, d.V.ID)
		if err != nil {
			web.Error(w, r, err)
			return
		}
		d.Profile = &prof
		p.public.RenderStatus(w, r, status, "account.html", d)
		return
	}
	p.staff.RenderStatus(w, r, status, "account.html", d)
}

func (p *pages) staffAccount(w http.ResponseWriter, r *http.Request) {
	p.account(w, r, http.StatusOK, accountData{})
}

func (p *pages) applicantAccount(w http.ResponseWriter, r *http.Request) {
	p.account(w, r, http.StatusOK, accountData{Welcome: r.URL.Query().Get("welcome") != ""})
}

// accountResult shows the account page after a form: the error, or the notice.
func (p *pages) accountResult(w http.ResponseWriter, r *http.Request, err error, notice string, d accountData) {
	if err != nil {
		failed(w, r, err, func(status int, f form) {
			d.Form = f
			p.account(w, r, status, d)
		})
		return
	}
	d.Form = form{Values: url.Values{}, Errors: map[string]string{}, Notice: web.T(r.Context(), notice)}
	p.account(w, r, http.StatusOK, d)
}

func (p *pages) changePassword(w http.ResponseWriter, r *http.Request) {
	if !parse(w, r) {
		return
	}
	var err error
	if r.PostForm.Get("new_password") != r.PostForm.Get("new_password2") {
		err = errs.InvalidInput("auth.password.mismatch").OnField("new_password2")
	} else {
		err = p.svc.ChangePassword(r.Context(), viewerOrNil(r.Context()), PasswordChange{
			Current: r.PostForm.Get("current_password"), New: r.PostForm.Get("new_password")})
	}
	p.accountResult(w, r, err, "auth.password.changed", accountData{})
}

func (p *pages) beginTOTP(w http.ResponseWriter, r *http.Request) {
	en, err := p.svc.BeginTOTP(r.Context(), viewerOrNil(r.Context()))
	if err != nil {
		p.accountResult(w, r, err, "", accountData{})
		return
	}
	p.account(w, r, http.StatusOK, accountData{Enrol: &en})
}

func (p *pages) confirmTOTP(w http.ResponseWriter, r *http.Request) {
	if !parse(w, r) {
		return
	}
	err := p.svc.ConfirmTOTP(r.Context(), viewerOrNil(r.Context()), r.PostForm.Get("code"))
	p.accountResult(w, r, err, "auth.totp.enabled", accountData{})
}

func (p *pages) disableTOTP(w http.ResponseWriter, r *http.Request) {
	if !parse(w, r) {
		return
	}
	err := p.svc.DisableTOTP(r.Context(), viewerOrNil(r.Context()), r.PostForm.Get("password"))
	p.accountResult(w, r, err, "auth.totp.disabled", accountData{})
}
