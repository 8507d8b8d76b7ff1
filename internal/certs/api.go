package certs

import (
	"embed"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/web"
)

//go:embed messages/*.json
var messages embed.FS

// Register adds the domain's messages and registers its JSON API and pages on g.
func Register(g *auth.Guard, s *Service) error {
	if err := web.AddMessagesFS(messages, "messages"); err != nil {
		return err
	}
	// Public verification is rate-limited per client address against number scraping.
	lim := web.NewLimiter(time.Second, 30, 10000)
	registerAPI(g, s, lim)
	return registerPages(g, s, lim)
}

var (
	tags      = []string{"certs"}
	idParam   = web.Param{Name: "id", In: "path"}
	readErrs  = []errs.Code{errs.NotFound}
	writeErrs = []errs.Code{errs.Invalid, errs.NotFound, errs.Conflict}
	xlsxType  = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

func clientKey(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// RevokeInput gives the reason of a revocation.
type RevokeInput struct {
	Reason string `json:"reason"`
}

// ShareInput sets a share link's lifetime.
type ShareInput struct {
	Hours int `json:"hours" doc:"1 to 720; default 168"`
}

// ScanInput carries a window code the holder scanned.
type ScanInput struct {
	Token string `json:"token"`
}

func registerAPI(g *auth.Guard, s *Service, lim *web.Limiter) {
	a := &api{s: s, lim: lim}
	g.API(web.Op{Method: "GET", Path: "/api/v1/certs/keys", Tags: tags, Summary: "Public keys of the seal",
		Description: "Every SM2 key that has signed certificates, with its organisation and validity. Verify a QR payload offline with the key its statement names.",
		Response:    []PublicKey{}}, auth.Public, a.keys)
	g.API(web.Op{Method: "GET", Path: "/api/v1/certs/types", Tags: tags, Summary: "Certificate types and their data fields",
		Response: []Type{}}, auth.Public, a.types)
	g.API(web.Op{Method: "GET", Path: "/api/v1/certs/verify", Tags: tags, Summary: "Verify a certificate",
		Description: "By number (and type), by the QR payload (c) or by a share token. Malformed or tampered input answers result=invalid or unknown, never an error.",
		Params:      []web.Param{{Name: "no"}, {Name: "type"}, {Name: "c", Description: "QR payload (OS1.…)"}, {Name: "share", Description: "share-link token"}},
		Response:    Verification{}, Errors: []errs.Code{errs.TooMany}}, auth.Public, a.verify)
	g.API(web.Op{Method: "GET", Path: "/api/v1/certs", Tags: tags, Summary: "Certificates in the caller's scope",
		Params: []web.Param{{Name: "type"}, {Name: "no"}, {Name: "status", Enum: []string{"valid", "superseded", "revoked", "cancelled"}},
			{Name: "holder_id", Description: "exact ID number or 统一社会信用代码"}, {Name: "limit", Type: "integer"}},
		Response: []Cert{}}, auth.Staff(), a.list)
	g.API(web.Op{Method: "GET", Path: "/api/v1/certs/mine", Tags: tags, Summary: "The signed-in holder's certificates",
		Response: []Cert{}}, auth.Applicants(), a.mine)
	g.API(web.Op{Method: "GET", Path: "/api/v1/certs/uses", Tags: tags, Summary: "The holder's use log",
		Description: "Who fetched which of the holder's certificates for which case, and when.", Response: []Use{}}, auth.Applicants(), a.uses)
	g.API(web.Op{Method: "GET", Path: "/api/v1/certs/stats", Tags: tags, Summary: "Certificate figures of a period",
		Params:   []web.Param{{Name: "from", Format: "date", Required: true}, {Name: "to", Format: "date", Required: true, Description: "exclusive"}},
		Response: Stats{}, Errors: []errs.Code{errs.Invalid}}, auth.Staff(statsRoles...), a.stats)
	g.API(web.Op{Method: "GET", Path: "/api/v1/certs/{id}", Tags: tags, Summary: "One certificate version",
		Description: "In full to its holder; holder masked to staff in scope.", Params: []web.Param{idParam},
		Response: Cert{}, Errors: readErrs}, auth.SignedIn(), a.get)
	g.API(web.Op{Method: "GET", Path: "/api/v1/certs/{id}/pdf", Tags: tags, Summary: "The certificate as PDF",
		Params: []web.Param{idParam}, Response: web.Schema{"type": "string", "format": "binary", "contentMediaType": "application/pdf"},
		Errors: []errs.Code{errs.NotFound, errs.Conflict}}, auth.SignedIn(), a.pdf)
	g.API(web.Op{Method: "POST", Path: "/api/v1/certs/{id}/revoke", Tags: tags, Summary: "Revoke a certificate",
		Params: []web.Param{idParam}, Request: RevokeInput{}, Response: Cert{}, Errors: writeErrs}, auth.Staff(revokers...), a.revoke)
	g.API(web.Op{Method: "POST", Path: "/api/v1/certs/{id}/shares", Tags: tags, Summary: "Create a time-limited verification link",
		Params: []web.Param{idParam}, Request: ShareInput{}, Response: Share{}, Status: http.StatusCreated, Errors: writeErrs},
		auth.Applicants(), a.createShare)
	g.API(web.Op{Method: "GET", Path: "/api/v1/certs/{id}/shares", Tags: tags, Summary: "Share links of a certificate",
		Params: []web.Param{idParam}, Response: []Share{}, Errors: readErrs}, auth.Applicants(), a.shares)
	g.API(web.Op{Method: "POST", Path: "/api/v1/certs/{id}/shares/{share}/revoke", Tags: tags, Summary: "End a share link",
		Params: []web.Param{idParam, {Name: "share", In: "path"}}, Errors: writeErrs}, auth.Applicants(), a.revokeShare)
	g.API(web.Op{Method: "POST", Path: "/api/v1/certs/keys/rotate", Tags: tags, Summary: "Rotate the caller's bureau's signing key",
		Description: "The old key is closed, stays published and keeps verifying what it signed.", Response: PublicKey{}, Errors: writeErrs},
		auth.Staff(auth.Admin), a.rotate)
	g.API(web.Op{Method: "GET", Path: "/api/v1/certs/grants", Tags: tags, Summary: "The holder's grants (授权提取)",
		Response: []Grant{}}, auth.Applicants(), a.grants)
	g.API(web.Op{Method: "POST", Path: "/api/v1/certs/grants", Tags: tags, Summary: "Authorise a case to use the holder's certificates",
		Request: GrantInput{}, Response: Grant{}, Status: http.StatusCreated, Errors: writeErrs}, auth.Applicants(), a.grant)
	g.API(web.Op{Method: "POST", Path: "/api/v1/certs/grants/scan", Tags: tags, Summary: "Authorise a case by a scanned window code",
		Request: ScanInput{}, Response: Grant{}, Status: http.StatusCreated, Errors: writeErrs}, auth.Applicants(), a.scan)
	g.API(web.Op{Method: "POST", Path: "/api/v1/certs/grants/{id}/revoke", Tags: tags, Summary: "Withdraw a grant",
		Params: []web.Param{idParam}, Errors: writeErrs}, auth.Applicants(), a.revokeGrant)
	g.API(web.Op{Method: "POST", Path: "/api/v1/certs/grant-requests", Tags: tags, Summary: "Make a window code for the holder to scan",
		Request: GrantInput{}, Response: GrantRequest{}, Errors: writeErrs}, auth.Staff(fetchers...), a.requestGrant)
	g.API(web.Op{Method: "POST", Path: "/api/v1/certs/use", Tags: tags, Summary: "Fetch a certificate for a case material (授权提取)",
		Description: "Checks the grant, the certificate's status and signature and that the item lists the type; logs the use and marks the material satisfied.",
		Request:     UseInput{}, Response: UseResult{}, Errors: writeErrs}, auth.Staff(fetchers...), a.use)
	g.API(web.Op{Method: "GET", Path: "/api/v1/certs/import/template", Tags: tags, Summary: "The back-fill workbook of a type",
		Params:   []web.Param{{Name: "type", Required: true}},
		Response: web.Schema{"type": "string", "format": "binary", "contentMediaType": xlsxType}, Errors: []errs.Code{errs.Invalid}},
		auth.Staff(importers...), a.template)
	g.API(web.Op{Method: "POST", Path: "/api/v1/certs/import", Tags: tags, Summary: "Back-fill paper licences from a workbook",
		Description: "The body is the .xlsx file. All or nothing: with any problem nothing is imported and every problem is listed. commit=false only checks.",
		Params:      []web.Param{{Name: "type", Required: true}, {Name: "commit", Type: "boolean"}},
		Request:     web.Schema{"type": "string", "format": "binary", "contentMediaType": xlsxType}, Response: ImportReport{}, Errors: writeErrs},
		auth.Staff(importers...), a.importXLSX, web.BodyLimit(MaxImportSize))
}

type api struct {
	s   *Service
	lim *web.Limiter
}

func (a *api) keys(w http.ResponseWriter, r *http.Request) {
	ks, err := a.s.Keys(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, ks)
}

func (a *api) types(w http.ResponseWriter, r *http.Request) { web.JSON(w, http.StatusOK, Types()) }

func (a *api) verify(w http.ResponseWriter, r *http.Request) {
	if err := a.lim.Allow(clientKey(r)); err != nil {
		web.Error(w, r, err)
		return
	}
	q := r.URL.Query()
	v, err := a.s.Verify(r.Context(), VerifyQuery{No: q.Get("no"), Type: q.Get("type"), Payload: q.Get("c"), Share: q.Get("share")})
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, v)
}

func (a *api) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	cs, err := a.s.List(r.Context(), Filter{TypeCode: q.Get("type"), No: q.Get("no"), Status: Status(q.Get("status")),
		HolderID: q.Get("holder_id"), Limit: limit})
	reply(w, r, cs, err)
}

func reply(w http.ResponseWriter, r *http.Request, v any, err error) {
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, v)
}

func (a *api) mine(w http.ResponseWriter, r *http.Request) {
	cs, err := a.s.Mine(r.Context())
	reply(w, r, cs, err)
}

func (a *api) uses(w http.ResponseWriter, r *http.Request) {
	us, err := a.s.MyUses(r.Context())
	reply(w, r, us, err)
}

func (a *api) stats(w http.ResponseWriter, r *http.Request) {
	from, err1 := time.ParseInLocation("2006-01-02", r.URL.Query().Get("from"), web.Shanghai)
	to, err2 := time.ParseInLocation("2006-01-02", r.URL.Query().Get("to"), web.Shanghai)
	if err1 != nil || err2 != nil {
		web.Error(w, r, errs.InvalidInput("certs.date.invalid").OnField("from"))
		return
	}
	st, err := a.s.Stats(r.Context(), from, to)
	reply(w, r, st, err)
}

func (a *api) get(w http.ResponseWriter, r *http.Request) {
	c, err := a.s.Get(r.Context(), r.PathValue("id"))
	reply(w, r, c, err)
}

func (a *api) pdf(w http.ResponseWriter, r *http.Request) {
	b, c, err := a.s.PDF(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	writePDF(w, b, c)
}

func writePDF(w http.ResponseWriter, b []byte, c Cert) {
	name := c.TypeCode + "-" + c.No + "-v" + strconv.Itoa(c.Version) + ".pdf"
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", "attachment; filename=\""+name+"\"; filename*=UTF-8''"+url.PathEscape(name))
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, _ = w.Write(b)
}

func (a *api) revoke(w http.ResponseWriter, r *http.Request) {
	var in RevokeInput
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	c, err := a.s.Revoke(r.Context(), r.PathValue("id"), in.Reason)
	reply(w, r, c, err)
}

func (a *api) createShare(w http.ResponseWriter, r *http.Request) {
	var in ShareInput
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	sh, err := a.s.CreateShare(r.Context(), r.PathValue("id"), time.Duration(in.Hours)*time.Hour)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, sh)
}

func (a *api) shares(w http.ResponseWriter, r *http.Request) {
	sh, err := a.s.Shares(r.Context(), r.PathValue("id"))
	reply(w, r, sh, err)
}

func (a *api) revokeShare(w http.ResponseWriter, r *http.Request) {
	if err := a.s.RevokeShare(r.Context(), r.PathValue("id"), r.PathValue("share")); err != nil {
		web.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *api) rotate(w http.ResponseWriter, r *http.Request) {
	k, err := a.s.RotateKey(r.Context())
	reply(w, r, k, err)
}

func (a *api) grants(w http.ResponseWriter, r *http.Request) {
	gs, err := a.s.MyGrants(r.Context())
	reply(w, r, gs, err)
}

func (a *api) grant(w http.ResponseWriter, r *http.Request) {
	var in GrantInput
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	g, err := a.s.GrantOnline(r.Context(), in)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, g)
}

func (a *api) scan(w http.ResponseWriter, r *http.Request) {
	var in ScanInput
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	g, err := a.s.GrantByScan(r.Context(), in.Token)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, g)
}

func (a *api) revokeGrant(w http.ResponseWriter, r *http.Request) {
	if err := a.s.RevokeGrant(r.Context(), r.PathValue("id")); err != nil {
		web.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *api) requestGrant(w http.ResponseWriter, r *http.Request) {
	var in GrantInput
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	gr, err := a.s.RequestGrant(r.Context(), in)
	reply(w, r, gr, err)
}

func (a *api) use(w http.ResponseWriter, r *http.Request) {
	var in UseInput
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	res, err := a.s.UseForCase(r.Context(), in)
	reply(w, r, res, err)
}

func (a *api) template(w http.ResponseWriter, r *http.Request) {
	b, err := ImportTemplate(r.URL.Query().Get("type"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", xlsxType)
	w.Header().Set("Content-Disposition", "attachment; filename=\"certs-"+url.PathEscape(r.URL.Query().Get("type"))+".xlsx\"")
	_, _ = w.Write(b)
}

func (a *api) importXLSX(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		web.Error(w, r, &errs.Error{Code: errs.Invalid, Key: web.KeyTooLarge, Err: err})
		return
	}
	commit := r.URL.Query().Get("commit") != "false"
	rep, err := a.s.Import(r.Context(), r.URL.Query().Get("type"), data, commit)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	// A checked workbook is an answer, with or without problems: the report says which.
	translate(r, rep.Problems)
	web.JSON(w, http.StatusOK, rep)
}

func translate(r *http.Request, ps []Problem) {
	for i := range ps {
		ps[i].Message = web.T(r.Context(), ps[i].Key, ps[i].Args)
	}
}
