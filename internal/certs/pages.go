package certs

import (
	"embed"
	"encoding/base64"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/web"
)

//go:embed templates/*.html
var templates embed.FS

func registerPages(g *auth.Guard, s *Service, lim *web.Limiter) error {
	rd, err := web.NewRenderer(templates)
	if err != nil {
		return err
	}
	p := &pages{s: s, rd: rd, lim: lim}
	// Public verification, mobile-first.
	g.Page("GET /v", auth.Public, p.verifyForm)
	g.Page("GET /v/{no}", auth.Public, p.verify)
	g.Page("GET /v/s/{token}", auth.Public, p.verifyShare)
	// The holder's side.
	holder := auth.Applicants()
	g.Page("GET /certs", holder, p.mine)
	g.Page("GET /certs/{id}/pdf", holder, p.pdf)
	g.Page("POST /certs/{id}/share", holder, p.share)
	g.Page("POST /certs/{id}/shares/{share}/revoke", holder, p.revokeShare)
	g.Page("GET /certs/uses", holder, p.uses)
	g.Page("GET /certs/grants", holder, p.grants)
	g.Page("POST /certs/grants", holder, p.grant)
	g.Page("POST /certs/grants/{id}/revoke", holder, p.revokeGrant)
	g.Page("GET /certs/authorize", holder, p.authorizeForm)
	g.Page("POST /certs/authorize", holder, p.authorize)
	// The workbench.
	g.Page("GET /staff/certs", auth.Staff(), p.staffList)
	g.Page("GET /staff/certs/{id}", auth.Staff(), p.staffCert)
	g.Page("GET /staff/certs/{id}/pdf", auth.Staff(), p.pdf)
	g.Page("POST /staff/certs/{id}/revoke", auth.Staff(revokers...), p.revoke)
	g.Page("GET /staff/certs/import", auth.Staff(importers...), p.importForm)
	g.Page("POST /staff/certs/import", auth.Staff(importers...), p.importPost, web.BodyLimit(MaxImportSize+64<<10))
	g.Page("GET /staff/certs/import/template", auth.Staff(importers...), p.template)
	g.Page("GET /staff/certs/keys", auth.Staff(auth.Admin), p.keys)
	g.Page("POST /staff/certs/keys/rotate", auth.Staff(auth.Admin), p.rotate)
	g.Page("GET /staff/certs/window-code", auth.Staff(fetchers...), p.windowCode)
	return nil
}

type pages struct {
	s   *Service
	rd  *web.Renderer
	lim *web.Limiter
}

// qrImage is a QR code as a data URL for an <img>.
func qrImage(content string) template.URL {
	png, err := qrcode.Encode(content, qrcode.Medium, 320)
	if err != nil {
		return ""
	}
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))
}

type verifyView struct {
	No      string
	V       Verification
	Message string
}

func (p *pages) verifyForm(w http.ResponseWriter, r *http.Request) {
	if no := NormalizeNo(r.URL.Query().Get("no")); no != "" {
		web.SeeOther(w, r, "/v/"+url.PathEscape(no))
		return
	}
	p.rd.Render(w, r, "certs_verify.html", verifyView{})
}

func (p *pages) verify(w http.ResponseWriter, r *http.Request) {
	p.verifyQ(w, r, VerifyQuery{No: r.PathValue("no"), Type: r.URL.Query().Get("type"), Payload: r.URL.Query().Get("c")})
}

func (p *pages) verifyShare(w http.ResponseWriter, r *http.Request) {
	p.verifyQ(w, r, VerifyQuery{Share: r.PathValue("token")})
}

func (p *pages) verifyQ(w http.ResponseWriter, r *http.Request, q VerifyQuery) {
	if err := p.lim.Allow(clientKey(r)); err != nil {
		web.Error(w, r, err)
		return
	}
	v, err := p.s.Verify(r.Context(), q)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	p.rd.Render(w, r, "certs_verify.html", verifyView{No: NormalizeNo(q.No), V: v})
}

type mineView struct {
	Certs  []Cert
	Shares map[string][]Share
	New    *Share
}

func (p *pages) mine(w http.ResponseWriter, r *http.Request) {
	p.renderMine(w, r, nil)
}

func (p *pages) renderMine(w http.ResponseWriter, r *http.Request, created *Share) {
	cs, err := p.s.Mine(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	v := mineView{Certs: cs, Shares: map[string][]Share{}, New: created}
	ids := make([]string, 0, len(cs))
	for _, c := range cs {
		ids = append(ids, c.ID)
	}
	sh, err := p.s.st.shares(r.Context(), p.s.DB.Read, ids)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	now := p.s.now()
	for _, x := range sh {
		if x.RevokedAt.IsZero() && now.Before(x.ExpiresAt) {
			v.Shares[x.CertID] = append(v.Shares[x.CertID], x)
		}
	}
	p.rd.Render(w, r, "certs_mine.html", v)
}

func (p *pages) pdf(w http.ResponseWriter, r *http.Request) {
	b, c, err := p.s.PDF(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	writePDF(w, b, c)
}

func (p *pages) share(w http.ResponseWriter, r *http.Request) {
	hours, _ := strconv.Atoi(r.PostFormValue("hours"))
	sh, err := p.s.CreateShare(r.Context(), r.PathValue("id"), time.Duration(hours)*time.Hour)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	p.renderMine(w, r, &sh)
}

func (p *pages) revokeShare(w http.ResponseWriter, r *http.Request) {
	if err := p.s.RevokeShare(r.Context(), r.PathValue("id"), r.PathValue("share")); err != nil {
		web.Error(w, r, err)
		return
	}
	web.SeeOther(w, r, "/certs")
}

func (p *pages) uses(w http.ResponseWriter, r *http.Request) {
	us, err := p.s.MyUses(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	p.rd.Render(w, r, "certs_uses.html", us)
}

type grantsView struct {
	Grants  []Grant
	CaseID  string
	Message string
}

func (p *pages) grants(w http.ResponseWriter, r *http.Request) {
	gs, err := p.s.MyGrants(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	p.rd.Render(w, r, "certs_grants.html", grantsView{Grants: gs, CaseID: r.URL.Query().Get("case")})
}

func (p *pages) grant(w http.ResponseWriter, r *http.Request) {
	in := GrantInput{CaseID: r.PostFormValue("case_id"), CertTypes: r.PostForm["cert_type"]}
	if _, err := p.s.GrantOnline(r.Context(), in); err != nil {
		e := errs.As(err)
		if e.Code == errs.Internal || e.Code == errs.Unauthenticated {
			web.Error(w, r, err)
			return
		}
		gs, _ := p.s.MyGrants(r.Context())
		p.rd.RenderStatus(w, r, http.StatusUnprocessableEntity, "certs_grants.html",
			grantsView{Grants: gs, CaseID: in.CaseID, Message: web.T(r.Context(), e.Key, e.Args)})
		return
	}
	web.SeeOther(w, r, "/certs/grants")
}

func (p *pages) revokeGrant(w http.ResponseWriter, r *http.Request) {
	if err := p.s.RevokeGrant(r.Context(), r.PathValue("id")); err != nil {
		web.Error(w, r, err)
		return
	}
	web.SeeOther(w, r, "/certs/grants")
}

type authorizeView struct {
	Token   string
	Req     GrantRequestView
	Message string
}

func (p *pages) authorizeForm(w http.ResponseWriter, r *http.Request) {
	tok := r.URL.Query().Get("t")
	v, err := p.s.ViewGrantRequest(r.Context(), tok)
	if err != nil {
		p.authorizeFailed(w, r, tok, err)
		return
	}
	p.rd.Render(w, r, "certs_authorize.html", authorizeView{Token: tok, Req: v})
}

func (p *pages) authorizeFailed(w http.ResponseWriter, r *http.Request, tok string, err error) {
	e := errs.As(err)
	if e.Code == errs.Internal || e.Code == errs.Unauthenticated {
		web.Error(w, r, err)
		return
	}
	p.rd.RenderStatus(w, r, web.Status(err), "certs_authorize.html", authorizeView{Token: tok, Message: web.T(r.Context(), e.Key, e.Args)})
}

func (p *pages) authorize(w http.ResponseWriter, r *http.Request) {
	tok := r.PostFormValue("t")
	if _, err := p.s.GrantByScan(r.Context(), tok); err != nil {
		p.authorizeFailed(w, r, tok, err)
		return
	}
	web.SeeOther(w, r, "/certs/grants")
}

// ---- workbench ----

type staffListView struct {
	Statuses []string
	Certs    []Cert
	Filter   Filter
	Types    []Type
}

func (p *pages) staffList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := Filter{TypeCode: q.Get("type"), No: q.Get("no"), Status: Status(q.Get("status")), HolderID: q.Get("holder_id")}
	cs, err := p.s.List(r.Context(), f)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	f.HolderID = ""
	p.rd.Render(w, r, "certs_staff_list.html", staffListView{Statuses: []string{"valid", "superseded", "revoked", "cancelled"}, Certs: cs, Filter: f, Types: Types()})
}

type staffCertView struct {
	Cert    Cert
	Type    Type
	CanRev  bool
	Message string
}

func (p *pages) staffCert(w http.ResponseWriter, r *http.Request) {
	c, err := p.s.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	v, _ := auth.FromContext(r.Context())
	t, _ := TypeOf(c.TypeCode)
	p.rd.Render(w, r, "certs_staff_cert.html", staffCertView{Cert: c, Type: t, CanRev: containsRole(revokers, v.Role) && c.Status == Valid})
}

func (p *pages) revoke(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := p.s.Revoke(r.Context(), id, r.PostFormValue("reason")); err != nil {
		e := errs.As(err)
		if e.Code != errs.Invalid && e.Code != errs.Conflict {
			web.Error(w, r, err)
			return
		}
		c, gerr := p.s.Get(r.Context(), id)
		if gerr != nil {
			web.Error(w, r, gerr)
			return
		}
		t, _ := TypeOf(c.TypeCode)
		p.rd.RenderStatus(w, r, http.StatusUnprocessableEntity, "certs_staff_cert.html",
			staffCertView{Cert: c, Type: t, CanRev: c.Status == Valid, Message: web.T(r.Context(), e.Key, e.Args)})
		return
	}
	web.SeeOther(w, r, "/staff/certs/"+url.PathEscape(id))
}

type importView struct {
	Types   []Type
	Type    string
	Report  *ImportReport
	Message string
}

func (p *pages) importForm(w http.ResponseWriter, r *http.Request) {
	p.rd.Render(w, r, "certs_import.html", importView{Types: Types(), Type: r.URL.Query().Get("type")})
}

func (p *pages) importPost(w http.ResponseWriter, r *http.Request) {
	v := importView{Types: Types(), Type: r.FormValue("type")}
	file, _, err := r.FormFile("file")
	if err != nil {
		v.Message = web.T(r.Context(), "certs.import.no_file")
		p.rd.RenderStatus(w, r, http.StatusUnprocessableEntity, "certs_import.html", v)
		return
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, MaxImportSize+1))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	rep, err := p.s.Import(r.Context(), v.Type, data, r.FormValue("commit") == "1")
	if err != nil {
		e := errs.As(err)
		if e.Code != errs.Invalid {
			web.Error(w, r, err)
			return
		}
		v.Message = web.T(r.Context(), e.Key, e.Args)
		p.rd.RenderStatus(w, r, http.StatusUnprocessableEntity, "certs_import.html", v)
		return
	}
	translate(r, rep.Problems)
	v.Report = &rep
	status := http.StatusOK
	if len(rep.Problems) > 0 {
		status = http.StatusUnprocessableEntity
	}
	p.rd.RenderStatus(w, r, status, "certs_import.html", v)
}

func (p *pages) template(w http.ResponseWriter, r *http.Request) {
	(&api{s: p.s}).template(w, r)
}

func (p *pages) keys(w http.ResponseWriter, r *http.Request) {
	ks, err := p.s.Keys(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	p.rd.Render(w, r, "certs_keys.html", ks)
}

func (p *pages) rotate(w http.ResponseWriter, r *http.Request) {
	if _, err := p.s.RotateKey(r.Context()); err != nil {
		web.Error(w, r, err)
		return
	}
	web.SeeOther(w, r, "/staff/certs/keys")
}

type windowCodeView struct {
	Req GrantRequest
	QR  template.URL
}

func (p *pages) windowCode(w http.ResponseWriter, r *http.Request) {
	gr, err := p.s.RequestGrant(r.Context(), GrantInput{CaseID: r.URL.Query().Get("case"), CertTypes: r.URL.Query()["type"]})
	if err != nil {
		web.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	p.rd.Render(w, r, "certs_window_code.html", windowCodeView{Req: gr, QR: qrImage(gr.URL)})
}
