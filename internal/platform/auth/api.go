package auth

import (
	"net/http"
	"time"

	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/web"
)

// api holds the JSON handlers.
type api struct {
	svc   *Service
	login *web.Limiter // login attempts per client address
	sms   *web.Limiter // SMS codes per client address
}

func newLimiters() (login, sms *web.Limiter) {
	return web.NewLimiter(3*time.Second, 20, 10000), web.NewLimiter(20*time.Second, 5, 10000)
}

// LoginRequest logs a staff member (username) or an applicant (identifier) in.
type LoginRequest struct {
	Username   string `json:"username,omitempty" doc:"staff login name"`
	Identifier string `json:"identifier,omitempty" doc:"applicant: resident ID number, 统一社会信用代码 or mobile"`
	Password   string `json:"password"`
	TOTP       string `json:"totp,omitempty" doc:"staff with a second factor: the authenticator code"`
}

// Me is the signed-in person.
type Me struct {
	Viewer  *Viewer  `json:"viewer"`
	Profile *Profile `json:"profile,omitempty" doc:"applicants: the masked account details"`
}

// RoleRequest switches the active role.
type RoleRequest struct {
	Role Role `json:"role"`
}

// SMSRequest asks for a one-time code.
type SMSRequest struct {
	Mobile  string `json:"mobile"`
	Purpose string `json:"purpose" doc:"login or register"`
}

// CodeRequest carries a second-factor code.
type CodeRequest struct {
	Code string `json:"code"`
}

// PasswordRequest carries the current password.
type PasswordRequest struct {
	Password string `json:"password"`
}

// UnmaskRequest asks for one personal field in full.
type UnmaskRequest struct {
	Field  string `json:"field" doc:"id_number, name or mobile"`
	Reason string `json:"reason,omitempty" doc:"why, for the audit log"`
}

// UnmaskResponse is the field in full.
type UnmaskResponse struct {
	Field string `json:"field"`
	Value string `json:"value"`
}

// CreatedStaff is a new account with its temporary password, shown once.
type CreatedStaff struct {
	Staff    StaffUser `json:"staff"`
	Password string    `json:"password,omitempty" doc:"the temporary password, when one was generated"`
}

// TempPassword is a password set by a reset, shown once.
type TempPassword struct {
	Password string `json:"password"`
}

// TokenSelf is what a token knows about itself.
type TokenSelf struct {
	ID     string   `json:"id"`
	Name   string   `json:"name"`
	Scopes []string `json:"scopes"`
	UnitID string   `json:"unit_id"`
}

func (a *api) routes(g *Guard) {
	tags := []string{"auth"}
	g.API(web.Op{Method: "POST", Path: "/api/v1/auth/login", Summary: "Log in (staff by username, applicants by identifier)",
		Description: "Sets the session cookie. Wrong passwords count towards a lockout.", Tags: tags,
		Request: LoginRequest{}, Response: Me{}, Errors: []errs.Code{errs.Invalid, errs.Unauthenticated, errs.TooMany}},
		Public, a.doLogin)
	g.API(web.Op{Method: "POST", Path: "/api/v1/auth/logout", Summary: "Log out", Tags: tags}, SignedIn().Interim(), a.logout)
	g.API(web.Op{Method: "GET", Path: "/api/v1/auth/me", Summary: "The signed-in person, active role and last login", Tags: tags,
		Response: Me{}}, SignedIn().Interim(), a.me)
	g.API(web.Op{Method: "POST", Path: "/api/v1/auth/role", Summary: "Switch the active role", Tags: tags,
		Request: RoleRequest{}, Response: Me{}}, Staff(), a.switchRole)
	g.API(web.Op{Method: "POST", Path: "/api/v1/auth/password", Summary: "Change one's own password", Tags: tags,
		Request: PasswordChange{}, Errors: []errs.Code{errs.Invalid, errs.TooMany}}, SignedIn().Interim(), a.changePassword)
	g.API(web.Op{Method: "POST", Path: "/api/v1/auth/totp", Summary: "Start enrolling a second factor (TOTP)", Tags: tags,
		Response: TOTPEnrolment{}, Errors: []errs.Code{errs.Conflict}}, SignedIn(), a.beginTOTP)
	g.API(web.Op{Method: "POST", Path: "/api/v1/auth/totp/confirm", Summary: "Confirm the second factor with a code", Tags: tags,
		Request: CodeRequest{}, Errors: []errs.Code{errs.Invalid, errs.Conflict}}, SignedIn(), a.confirmTOTP)
	g.API(web.Op{Method: "POST", Path: "/api/v1/auth/totp/disable", Summary: "Remove one's second factor", Tags: tags,
		Request: PasswordRequest{}, Errors: []errs.Code{errs.Invalid, errs.TooMany}}, SignedIn(), a.disableTOTP)
	g.API(web.Op{Method: "POST", Path: "/api/v1/auth/sms", Summary: "Send a one-time SMS code (login or registration)", Tags: tags,
		Request: SMSRequest{}, Errors: []errs.Code{errs.Invalid, errs.TooMany}}, Public, a.sendSMS)
	g.API(web.Op{Method: "POST", Path: "/api/v1/auth/sms-login", Summary: "Log an applicant in with an SMS code", Tags: tags,
		Request: SMSLogin{}, Response: Me{}, Errors: []errs.Code{errs.Invalid, errs.Unauthenticated, errs.TooMany}}, Public, a.smsLogin)
	g.API(web.Op{Method: "POST", Path: "/api/v1/auth/register", Summary: "Register an applicant account", Tags: tags,
		Request: Registration{}, Response: Me{}, Status: http.StatusCreated,
		Errors: []errs.Code{errs.Invalid, errs.Conflict, errs.TooMany}}, Public, a.doRegister)
	g.API(web.Op{Method: "GET", Path: "/api/v1/auth/token", Summary: "The integration token in use", Tags: tags,
		Response: TokenSelf{}}, Tokens(), a.tokenSelf)

	g.API(web.Op{Method: "GET", Path: "/api/v1/applicants/{id}", Summary: "An applicant account, masked", Tags: tags,
		Params: []web.Param{{Name: "id", In: "path"}}, Response: Profile{}, Errors: []errs.Code{errs.NotFound}},
		SignedIn(), a.applicant)
	g.API(web.Op{Method: "POST", Path: "/api/v1/applicants/{id}/unmask", Summary: "One personal field in full (audited)",
		Tags: tags, Params: []web.Param{{Name: "id", In: "path"}}, Request: UnmaskRequest{}, Response: UnmaskResponse{},
		Errors: []errs.Code{errs.Invalid, errs.NotFound}}, Staff(), a.unmask)

	users := []string{"users"}
	idParam := []web.Param{{Name: "id", In: "path"}}
	g.API(web.Op{Method: "GET", Path: "/api/v1/users", Summary: "Staff accounts in the viewer's jurisdiction", Tags: users,
		Params: []web.Param{{Name: "unit"}, {Name: "role"}, {Name: "q", Description: "part of the username or name"},
			{Name: "active", Type: "boolean"}}, Response: []StaffUser{}}, Staff(StaffAdmins...), a.listUsers)
	g.API(web.Op{Method: "POST", Path: "/api/v1/users", Summary: "Create a staff account", Tags: users,
		Request: StaffInput{}, Response: CreatedStaff{}, Status: http.StatusCreated,
		Errors: []errs.Code{errs.Invalid, errs.Conflict}}, Staff(Admin), a.createUser)
	g.API(web.Op{Method: "GET", Path: "/api/v1/users/{id}", Summary: "A staff account", Tags: users, Params: idParam,
		Response: StaffUser{}, Errors: []errs.Code{errs.NotFound}}, Staff(StaffAdmins...), a.getUser)
	g.API(web.Op{Method: "PATCH", Path: "/api/v1/users/{id}", Summary: "Change a staff account's name, unit, roles or permissions",
		Tags: users, Params: idParam, Request: StaffUpdate{}, Response: StaffUser{}, Errors: []errs.Code{errs.Invalid, errs.NotFound}},
		Staff(Admin), a.updateUser)
	g.API(web.Op{Method: "POST", Path: "/api/v1/users/{id}/deactivate", Summary: "Deactivate a staff account", Tags: users,
		Params: idParam, Errors: []errs.Code{errs.Invalid, errs.NotFound}}, Staff(Admin), a.setActive(false))
	g.API(web.Op{Method: "POST", Path: "/api/v1/users/{id}/activate", Summary: "Reactivate a staff account", Tags: users,
		Params: idParam, Errors: []errs.Code{errs.NotFound}}, Staff(Admin), a.setActive(true))
	g.API(web.Op{Method: "POST", Path: "/api/v1/users/{id}/password-reset", Summary: "Reset a staff password (temporary, shown once)",
		Tags: users, Params: idParam, Response: TempPassword{}, Errors: []errs.Code{errs.NotFound}}, Staff(Admin), a.resetPassword)
	g.API(web.Op{Method: "POST", Path: "/api/v1/users/{id}/totp-reset", Summary: "Remove a staff member's second factor",
		Tags: users, Params: idParam, Errors: []errs.Code{errs.NotFound}}, Staff(Admin), a.resetTOTP)

	toks := []string{"tokens"}
	g.API(web.Op{Method: "GET", Path: "/api/v1/tokens", Summary: "Integration tokens in the viewer's jurisdiction", Tags: toks,
		Response: []Token{}}, Staff(Admin), a.listTokens)
	g.API(web.Op{Method: "POST", Path: "/api/v1/tokens", Summary: "Create an integration token (the secret is shown once)",
		Tags: toks, Request: TokenInput{}, Response: NewToken{}, Status: http.StatusCreated, Errors: []errs.Code{errs.Invalid}},
		Staff(Admin), a.createToken)
	g.API(web.Op{Method: "POST", Path: "/api/v1/tokens/{id}/revoke", Summary: "Revoke an integration token", Tags: toks,
		Params: idParam, Errors: []errs.Code{errs.NotFound}}, Staff(Admin), a.revokeToken)

	covers := []string{"covers"}
	g.API(web.Op{Method: "GET", Path: "/api/v1/covers", Summary: "Current and coming AB-post covers", Tags: covers,
		Response: []Cover{}}, Staff(CoverGrantors...), a.listCovers)
	g.API(web.Op{Method: "POST", Path: "/api/v1/covers", Summary: "Let a colleague work another's queue for a period",
		Tags: covers, Request: CoverInput{}, Response: Cover{}, Status: http.StatusCreated,
		Errors: []errs.Code{errs.Invalid, errs.NotFound}}, Staff(CoverGrantors...), a.grantCover)
	g.API(web.Op{Method: "POST", Path: "/api/v1/covers/{id}/revoke", Summary: "End a cover now", Tags: covers,
		Params: idParam, Errors: []errs.Code{errs.NotFound}}, Staff(CoverGrantors...), a.revokeCover)
}

func (a *api) me(w http.ResponseWriter, r *http.Request) {
	v := viewerOrNil(r.Context())
	me := Me{Viewer: v}
	if v.Kind == KindApplicant {
		p, err := a.svc.ApplicantProfile(r.Context(), v, v.ID)
		if err != nil {
			web.Error(w, r, err)
			return
		}
		me.Profile = &p
	}
	web.JSON(w, http.StatusOK, me)
}

// started answers a successful login: the cookie and the person.
func (a *api) started(w http.ResponseWriter, r *http.Request, status int, s *Session, err error) {
	if err != nil {
		web.Error(w, r, err)
		return
	}
	a.svc.SetCookie(w, s.Token)
	web.JSON(w, status, Me{Viewer: s.Viewer})
}

func (a *api) doLogin(w http.ResponseWriter, r *http.Request) {
	var in LoginRequest
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	if err := a.login.Allow(ClientIP(r)); err != nil {
		web.Error(w, r, err)
		return
	}
	var s *Session
	var err error
	if in.Username != "" {
		s, err = a.svc.LoginStaff(r.Context(), StaffLogin{Username: in.Username, Password: in.Password, TOTP: in.TOTP})
	} else {
		s, err = a.svc.LoginApplicant(r.Context(), ApplicantLogin{Identifier: in.Identifier, Password: in.Password})
	}
	a.started(w, r, http.StatusOK, s, err)
}

func (a *api) logout(w http.ResponseWriter, r *http.Request) {
	if err := a.svc.Logout(r.Context(), viewerOrNil(r.Context())); err != nil {
		web.Error(w, r, err)
		return
	}
	a.svc.ClearCookie(w)
	w.WriteHeader(http.StatusNoContent)
}

func (a *api) switchRole(w http.ResponseWriter, r *http.Request) {
	var in RoleRequest
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	v := viewerOrNil(r.Context())
	if err := a.svc.SwitchRole(r.Context(), v, in.Role); err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, Me{Viewer: v})
}

// noContent runs a body-less operation that answers 204.
func noContent(w http.ResponseWriter, r *http.Request, err error) {
	if err != nil {
		web.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// decode reads a JSON body into a new T, writing the error when it fails.
func decode[T any](w http.ResponseWriter, r *http.Request) (T, bool) {
	var in T
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return in, false
	}
	return in, true
}

// reply writes v with status, or the error.
func reply(w http.ResponseWriter, r *http.Request, status int, v any, err error) {
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, status, v)
}

func (a *api) changePassword(w http.ResponseWriter, r *http.Request) {
	if in, ok := decode[PasswordChange](w, r); ok {
		noContent(w, r, a.svc.ChangePassword(r.Context(), viewerOrNil(r.Context()), in))
	}
}

func (a *api) beginTOTP(w http.ResponseWriter, r *http.Request) {
	en, err := a.svc.BeginTOTP(r.Context(), viewerOrNil(r.Context()))
	reply(w, r, http.StatusOK, en, err)
}

func (a *api) confirmTOTP(w http.ResponseWriter, r *http.Request) {
	if in, ok := decode[CodeRequest](w, r); ok {
		noContent(w, r, a.svc.ConfirmTOTP(r.Context(), viewerOrNil(r.Context()), in.Code))
	}
}

func (a *api) disableTOTP(w http.ResponseWriter, r *http.Request) {
	if in, ok := decode[PasswordRequest](w, r); ok {
		noContent(w, r, a.svc.DisableTOTP(r.Context(), viewerOrNil(r.Context()), in.Password))
	}
}

func (a *api) sendSMS(w http.ResponseWriter, r *http.Request) {
	in, ok := decode[SMSRequest](w, r)
	if !ok {
		return
	}
	if err := a.sms.Allow(ClientIP(r)); err != nil {
		web.Error(w, r, err)
		return
	}
	noContent(w, r, a.svc.SendSMSCode(r.Context(), in.Mobile, in.Purpose))
}

func (a *api) smsLogin(w http.ResponseWriter, r *http.Request) {
	in, ok := decode[SMSLogin](w, r)
	if !ok {
		return
	}
	if err := a.login.Allow(ClientIP(r)); err != nil {
		web.Error(w, r, err)
		return
	}
	s, err := a.svc.LoginSMS(r.Context(), in)
	a.started(w, r, http.StatusOK, s, err)
}

func (a *api) doRegister(w http.ResponseWriter, r *http.Request) {
	in, ok := decode[Registration](w, r)
	if !ok {
		return
	}
	if err := a.login.Allow(ClientIP(r)); err != nil {
		web.Error(w, r, err)
		return
	}
	s, err := a.svc.Register(r.Context(), in)
	a.started(w, r, http.StatusCreated, s, err)
}

func (a *api) tokenSelf(w http.ResponseWriter, r *http.Request) {
	v := viewerOrNil(r.Context())
	web.JSON(w, http.StatusOK, TokenSelf{ID: v.ID, Name: v.Name, Scopes: v.Scopes, UnitID: v.UnitID})
}

func (a *api) applicant(w http.ResponseWriter, r *http.Request) {
	p, err := a.svc.ApplicantProfile(r.Context(), viewerOrNil(r.Context()), r.PathValue("id"))
	reply(w, r, http.StatusOK, p, err)
}

func (a *api) unmask(w http.ResponseWriter, r *http.Request) {
	in, ok := decode[UnmaskRequest](w, r)
	if !ok {
		return
	}
	val, err := a.svc.UnmaskApplicant(r.Context(), viewerOrNil(r.Context()), r.PathValue("id"), in.Field, in.Reason)
	reply(w, r, http.StatusOK, UnmaskResponse{Field: in.Field, Value: val}, err)
}

func (a *api) listUsers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := StaffFilter{Unit: q.Get("unit"), Role: Role(q.Get("role")), Query: q.Get("q")}
	switch q.Get("active") {
	case "true":
		t := true
		f.Active = &t
	case "false":
		t := false
		f.Active = &t
	}
	list, err := a.svc.ListStaff(r.Context(), viewerOrNil(r.Context()), f)
	reply(w, r, http.StatusOK, list, err)
}

func (a *api) createUser(w http.ResponseWriter, r *http.Request) {
	in, ok := decode[StaffInput](w, r)
	if !ok {
		return
	}
	st, pw, err := a.svc.CreateStaff(r.Context(), viewerOrNil(r.Context()), in)
	reply(w, r, http.StatusCreated, CreatedStaff{Staff: st, Password: pw}, err)
}

func (a *api) getUser(w http.ResponseWriter, r *http.Request) {
	st, err := a.svc.GetStaff(r.Context(), viewerOrNil(r.Context()), r.PathValue("id"))
	reply(w, r, http.StatusOK, st, err)
}

func (a *api) updateUser(w http.ResponseWriter, r *http.Request) {
	in, ok := decode[StaffUpdate](w, r)
	if !ok {
		return
	}
	st, err := a.svc.UpdateStaff(r.Context(), viewerOrNil(r.Context()), r.PathValue("id"), in)
	reply(w, r, http.StatusOK, st, err)
}

func (a *api) setActive(active bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		noContent(w, r, a.svc.SetActive(r.Context(), viewerOrNil(r.Context()), r.PathValue("id"), active))
	}
}

func (a *api) resetPassword(w http.ResponseWriter, r *http.Request) {
	pw, err := a.svc.ResetPassword(r.Context(), viewerOrNil(r.Context()), r.PathValue("id"))
	reply(w, r, http.StatusOK, TempPassword{Password: pw}, err)
}

func (a *api) resetTOTP(w http.ResponseWriter, r *http.Request) {
	noContent(w, r, a.svc.ResetTOTP(r.Context(), viewerOrNil(r.Context()), r.PathValue("id")))
}

func (a *api) listTokens(w http.ResponseWriter, r *http.Request) {
	list, err := a.svc.ListTokens(r.Context(), viewerOrNil(r.Context()))
	reply(w, r, http.StatusOK, list, err)
}

func (a *api) createToken(w http.ResponseWriter, r *http.Request) {
	in, ok := decode[TokenInput](w, r)
	if !ok {
		return
	}
	t, err := a.svc.CreateToken(r.Context(), viewerOrNil(r.Context()), in)
	reply(w, r, http.StatusCreated, t, err)
}

func (a *api) revokeToken(w http.ResponseWriter, r *http.Request) {
	noContent(w, r, a.svc.RevokeToken(r.Context(), viewerOrNil(r.Context()), r.PathValue("id")))
}

func (a *api) listCovers(w http.ResponseWriter, r *http.Request) {
	list, err := a.svc.ListCovers(r.Context(), viewerOrNil(r.Context()))
	reply(w, r, http.StatusOK, list, err)
}

func (a *api) grantCover(w http.ResponseWriter, r *http.Request) {
	in, ok := decode[CoverInput](w, r)
	if !ok {
		return
	}
	c, err := a.svc.GrantCover(r.Context(), viewerOrNil(r.Context()), in)
	reply(w, r, http.StatusCreated, c, err)
}

func (a *api) revokeCover(w http.ResponseWriter, r *http.Request) {
	noContent(w, r, a.svc.RevokeCover(r.Context(), viewerOrNil(r.Context()), r.PathValue("id")))
}
