package auth

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/notify"
	"onestamp/internal/platform/web"
)

// staff administration

type usersData struct {
	V      *Viewer
	List   []StaffUser
	Filter url.Values
	Roles  []Role
	Perms  []Permission
	Units  []UnitInfo
	// UnitNames maps the unit ids of the list to their names: a person reads a name, not an id.
	UnitNames map[string]string
	Form      form
	Created   *CreatedStaff
	Now       time.Time
}

func (p *pages) unitChoices(ctx context.Context, v *Viewer) []UnitInfo {
	if p.units == nil {
		return nil
	}
	us, err := p.units(ctx, v)
	if err != nil {
		web.Log(ctx).Warn("auth: unit choices", "err", err)
		return nil
	}
	return us
}

// unitNames maps unit ids to their names, as far as the directory knows them.
func (p *pages) unitNames(ctx context.Context, ids ...string) map[string]string {
	out := map[string]string{}
	for _, id := range ids {
		if _, done := out[id]; done || id == "" {
			continue
		}
		if n := p.svc.unitNames(ctx, id).Name; n != "" {
			out[id] = n
		}
	}
	return out
}

func (p *pages) usersPage(w http.ResponseWriter, r *http.Request, status int, d usersData) {
	v := viewerOrNil(r.Context())
	q := r.URL.Query()
	list, err := p.svc.ListStaff(r.Context(), v, StaffFilter{Unit: q.Get("unit"), Role: Role(q.Get("role")), Query: q.Get("q")})
	if err != nil {
		web.Error(w, r, err)
		return
	}
	d.V, d.List, d.Filter, d.Roles, d.Perms, d.Now = v, list, q, StaffRoles, Permissions, p.svc.now()
	d.Units = p.unitChoices(r.Context(), v)
	ids := make([]string, 0, len(list))
	for _, u := range list {
		ids = append(ids, u.UnitID)
	}
	d.UnitNames = p.unitNames(r.Context(), ids...)
	if d.Form.Values == nil {
		d.Form = form{Values: url.Values{}, Errors: map[string]string{}}
	}
	p.staff.RenderStatus(w, r, status, "users.html", d)
}

func (p *pages) users(w http.ResponseWriter, r *http.Request) {
	p.usersPage(w, r, http.StatusOK, usersData{})
}

func roles(vals []string) []Role {
	out := make([]Role, 0, len(vals))
	for _, v := range vals {
		out = append(out, Role(v))
	}
	return out
}

func perms(vals []string) []Permission {
	out := make([]Permission, 0, len(vals))
	for _, v := range vals {
		out = append(out, Permission(v))
	}
	return out
}

func (p *pages) createUser(w http.ResponseWriter, r *http.Request) {
	if !parse(w, r) {
		return
	}
	f := r.PostForm
	st, pw, err := p.svc.CreateStaff(r.Context(), viewerOrNil(r.Context()), StaffInput{Username: f.Get("username"),
		Name: f.Get("name"), UnitID: f.Get("unit_id"), Roles: roles(f["roles"]), Perms: perms(f["permissions"])})
	if err != nil {
		failed(w, r, err, func(status int, fm form) { p.usersPage(w, r, status, usersData{Form: fm}) })
		return
	}
	p.usersPage(w, r, http.StatusCreated, usersData{Created: &CreatedStaff{Staff: st, Password: pw}})
}

type userData struct {
	V     *Viewer
	User  StaffUser
	Roles []Role
	Perms []Permission
	Units []UnitInfo
	// UnitName is the name of the user's unit ("" when the directory does not know it).
	UnitName string
	Form     form
	Temp     string // a password just reset, shown once
	Now      time.Time
}

func (p *pages) userPage(w http.ResponseWriter, r *http.Request, status int, d userData) {
	v := viewerOrNil(r.Context())
	st, err := p.svc.GetStaff(r.Context(), v, r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	d.V, d.User, d.Roles, d.Perms, d.Now = v, st, StaffRoles, Permissions, p.svc.now()
	d.Units = p.unitChoices(r.Context(), v)
	d.UnitName = p.unitNames(r.Context(), st.UnitID)[st.UnitID]
	if d.Form.Values == nil && d.Form.Notice == "" && r.URL.Query().Get("saved") != "" {
		d.Form.Notice = web.T(r.Context(), "auth.user.saved")
	}
	if d.Form.Values == nil {
		// The notice of an action just done (deactivated, password reset) stays.
		notice := d.Form.Notice
		vals := url.Values{"name": {st.Name}, "unit_id": {st.UnitID}}
		for _, x := range st.Roles {
			vals.Add("roles", string(x))
		}
		for _, x := range st.Perms {
			vals.Add("permissions", string(x))
		}
		d.Form = form{Values: vals, Errors: map[string]string{}, Notice: notice}
	}
	p.staff.RenderStatus(w, r, status, "user.html", d)
}

func (p *pages) user(w http.ResponseWriter, r *http.Request) {
	p.userPage(w, r, http.StatusOK, userData{})
}

func (p *pages) updateUser(w http.ResponseWriter, r *http.Request) {
	if !parse(w, r) {
		return
	}
	f := r.PostForm
	name, unit, ps := f.Get("name"), f.Get("unit_id"), perms(f["permissions"])
	_, err := p.svc.UpdateStaff(r.Context(), viewerOrNil(r.Context()), r.PathValue("id"), StaffUpdate{
		Name: &name, UnitID: &unit, Roles: roles(f["roles"]), Perms: &ps})
	if err != nil {
		failed(w, r, err, func(status int, fm form) { p.userPage(w, r, status, userData{Form: fm}) })
		return
	}
	web.SeeOther(w, r, "/staff/admin/users/"+url.PathEscape(r.PathValue("id"))+"?saved=1")
}

func (p *pages) userAction(w http.ResponseWriter, r *http.Request) {
	v, id := viewerOrNil(r.Context()), r.PathValue("id")
	var err error
	var d userData
	notice := ""
	switch r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:] {
	case "deactivate":
		err, notice = p.svc.SetActive(r.Context(), v, id, false), "auth.user.deactivated"
	case "activate":
		err, notice = p.svc.SetActive(r.Context(), v, id, true), "auth.user.activated"
	case "password-reset":
		d.Temp, err = p.svc.ResetPassword(r.Context(), v, id)
		notice = "auth.user.password_reset"
	case "totp-reset":
		err, notice = p.svc.ResetTOTP(r.Context(), v, id), "auth.user.totp_reset"
	}
	if err != nil {
		if errs.Is(err, errs.NotFound) || errs.Is(err, errs.Internal) {
			web.Error(w, r, err)
			return
		}
		failed(w, r, err, func(status int, f form) { p.userPage(w, r, status, userData{Form: f}) })
		return
	}
	d.Form.Notice = web.T(r.Context(), notice)
	p.userPage(w, r, http.StatusOK, d)
}

// tokens

type tokensData struct {
	List      []Token
	Scopes    []string
	Units     []UnitInfo
	UnitNames map[string]string // unit id -> name, for the list
	Form      form
	Created   *NewToken
	Now       time.Time
}

func (p *pages) tokensPage(w http.ResponseWriter, r *http.Request, status int, d tokensData) {
	v := viewerOrNil(r.Context())
	list, err := p.svc.ListTokens(r.Context(), v)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	d.List, d.Scopes, d.Units, d.Now = list, p.svc.KnownScopes(), p.unitChoices(r.Context(), v), p.svc.now()
	ids := make([]string, 0, len(list))
	for _, t := range list {
		ids = append(ids, t.UnitID)
	}
	d.UnitNames = p.unitNames(r.Context(), ids...)
	if d.Form.Values == nil {
		d.Form = form{Values: url.Values{}, Errors: map[string]string{}}
	}
	p.staff.RenderStatus(w, r, status, "tokens.html", d)
}

func (p *pages) tokens(w http.ResponseWriter, r *http.Request) {
	p.tokensPage(w, r, http.StatusOK, tokensData{})
}

func (p *pages) createToken(w http.ResponseWriter, r *http.Request) {
	if !parse(w, r) {
		return
	}
	f := r.PostForm
	in := TokenInput{Name: f.Get("name"), Scopes: f["scopes"], UnitID: f.Get("unit_id")}
	var err error
	if e := f.Get("expires_at"); e != "" {
		d, perr := time.ParseInLocation("2006-01-02", e, web.Shanghai)
		if perr != nil {
			err = errs.InvalidInput("auth.token.expiry_invalid").OnField("expires_at")
		}
		in.ExpiresAt = d.Add(24*time.Hour - time.Second)
	}
	var nt NewToken
	if err == nil {
		nt, err = p.svc.CreateToken(r.Context(), viewerOrNil(r.Context()), in)
	}
	if err != nil {
		failed(w, r, err, func(status int, fm form) { p.tokensPage(w, r, status, tokensData{Form: fm}) })
		return
	}
	p.tokensPage(w, r, http.StatusCreated, tokensData{Created: &nt})
}

func (p *pages) revokeToken(w http.ResponseWriter, r *http.Request) {
	if err := p.svc.RevokeToken(r.Context(), viewerOrNil(r.Context()), r.PathValue("id")); err != nil {
		web.Error(w, r, err)
		return
	}
	web.SeeOther(w, r, "/staff/admin/tokens")
}

// covers

type coversData struct {
	List  []Cover
	Staff []StaffUser
	Names map[string]string
	Form  form
}

func (p *pages) coversPage(w http.ResponseWriter, r *http.Request, status int, d coversData) {
	v := viewerOrNil(r.Context())
	list, err := p.svc.ListCovers(r.Context(), v)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	active := true
	staff, err := p.svc.ListStaff(r.Context(), v, StaffFilter{Active: &active, Limit: 1000})
	if err != nil {
		web.Error(w, r, err)
		return
	}
	d.List, d.Staff, d.Names = list, staff, map[string]string{}
	for _, s := range staff {
		d.Names[s.ID] = s.Name + " (" + s.Username + ")"
	}
	if d.Form.Values == nil {
		d.Form = form{Values: url.Values{}, Errors: map[string]string{}}
	}
	p.staff.RenderStatus(w, r, status, "covers.html", d)
}

func (p *pages) covers(w http.ResponseWriter, r *http.Request) {
	p.coversPage(w, r, http.StatusOK, coversData{})
}

func (p *pages) grantCover(w http.ResponseWriter, r *http.Request) {
	if !parse(w, r) {
		return
	}
	f := r.PostForm
	in := CoverInput{UserID: f.Get("user_id"), CoverID: f.Get("cover_id"), Reason: f.Get("reason")}
	var err error
	for _, x := range []struct {
		dst  *time.Time
		name string
	}{{&in.From, "from"}, {&in.To, "to"}} {
		t, perr := time.ParseInLocation("2006-01-02T15:04", f.Get(x.name), web.Shanghai)
		if perr != nil && err == nil {
			err = errs.InvalidInput("auth.cover.period").OnField(x.name)
		}
		*x.dst = t
	}
	if err == nil {
		_, err = p.svc.GrantCover(r.Context(), viewerOrNil(r.Context()), in)
	}
	if err != nil {
		failed(w, r, err, func(status int, fm form) { p.coversPage(w, r, status, coversData{Form: fm}) })
		return
	}
	web.SeeOther(w, r, "/staff/admin/covers")
}

func (p *pages) revokeCover(w http.ResponseWriter, r *http.Request) {
	if err := p.svc.RevokeCover(r.Context(), viewerOrNil(r.Context()), r.PathValue("id")); err != nil {
		web.Error(w, r, err)
		return
	}
	web.SeeOther(w, r, "/staff/admin/covers")
}

// development SMS

type devSMSData struct {
	List []devSMS
}

type devSMS struct {
	notify.Sent
	Text string
}

func (p *pages) devSMS(w http.ResponseWriter, r *http.Request) {
	if !p.svc.opt.DevSMSReadable {
		web.Error(w, r, errs.NotFoundErr("error.page_not_found"))
		return
	}
	sent, err := notify.Recent(r.Context(), p.svc.d, "", 100)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	d := devSMSData{}
	for _, s := range sent {
		d.List = append(d.List, devSMS{Sent: s, Text: web.T(r.Context(), s.TemplateKey, s.Args)})
	}
	p.staff.Render(w, r, "dev_sms.html", d)
}
