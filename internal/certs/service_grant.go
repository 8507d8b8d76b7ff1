package certs

import (
	"context"
	"crypto/rand"
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"time"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/gm"
	"onestamp/internal/platform/outbox"
)

// fetchers are the staff roles that fetch certificates for a case.
var fetchers = []auth.Role{auth.Clerk, auth.Reviewer, auth.Chief, auth.Signer, auth.Head}

// holder returns the signed-in applicant and who they are.
func (s *Service) holder(ctx context.Context) (*auth.Viewer, Holder, string, error) {
	v, ok := auth.FromContext(ctx)
	if !ok {
		return nil, Holder{}, "", errs.Unauth()
	}
	if v.Kind != auth.KindApplicant || s.Identities == nil {
		return nil, Holder{}, "", errs.ForbiddenErr()
	}
	h, err := s.Identities.Identity(ctx, v.ID)
	if err != nil {
		return nil, Holder{}, "", err
	}
	return v, h, s.Cipher.BlindIndex(h.IDNumber), nil
}

// GrantInput authorises a case to use the holder's certificates of some types.
type GrantInput struct {
	CaseID    string   `json:"case_id"`
	CertTypes []string `json:"cert_types" doc:"certificate type codes; empty: every type the case's item lists"`
}

func grantTypes(ci CaseInfo, want []string) ([]string, error) {
	var listed []string
	for _, m := range ci.Materials {
		if m.CertType != "" && !slices.Contains(listed, m.CertType) {
			listed = append(listed, m.CertType)
		}
	}
	if len(want) == 0 {
		want = listed
	}
	if len(want) == 0 {
		return nil, errs.InvalidInput("certs.grant.nothing").OnField("cert_types")
	}
	out := []string{}
	for _, t := range want {
		if !slices.Contains(listed, t) {
			return nil, errs.InvalidInput("certs.grant.type_not_listed").With("type", t).OnField("cert_types")
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out, nil
}

// GrantOnline lets the signed-in holder authorise their case to use their certificates.
func (s *Service) GrantOnline(ctx context.Context, in GrantInput) (Grant, error) {
	v, h, bi, err := s.holder(ctx)
	if err != nil {
		return Grant{}, err
	}
	ci, err := s.Cases.CertCase(ctx, v.Scope(), in.CaseID)
	if err != nil {
		return Grant{}, err
	}
	return s.grant(ctx, v, h, bi, ci, in.CertTypes, MethodOnline)
}

func (s *Service) grant(ctx context.Context, v *auth.Viewer, h Holder, bi string, ci CaseInfo, types []string, method string) (Grant, error) {
	a := actorOf(v)
	if bi == "" || bi != s.Cipher.BlindIndex(ci.Holder.IDNumber) {
		if err := s.recordAlone(ctx, a, "certs.grant.refused", "case:"+ci.ID, map[string]any{"case_no": ci.No,
			"reason": "not the holder"}); err != nil {
			return Grant{}, err
		}
		return Grant{}, errs.New(errs.Forbidden, "certs.holder.mismatch")
	}
	if !ci.Open {
		return Grant{}, errs.ConflictErr("certs.case.closed")
	}
	ts, err := grantTypes(ci, types)
	if err != nil {
		return Grant{}, err
	}
	now := s.now()
	g := grantRow{ID: db.NewID(), HolderIDBI: bi, HolderType: string(h.Type), GrantedBy: v.ID, CaseID: ci.ID, CaseNo: ci.No,
		CertTypes: encodeTypes(ts), Method: method, CreatedAt: now.UnixMilli(), ExpiresAt: sinceDays(now, s.GrantDays).UnixMilli()}
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.st.insertGrant(ctx, tx, g); err != nil {
			return err
		}
		return s.record(ctx, tx, a, "certs.grant.create", "cert_grant:"+g.ID, map[string]any{"case_no": ci.No,
			"types": ts, "method": method})
	})
	return s.grantOf(g), err
}

func (s *Service) grantOf(g grantRow) Grant {
	out := Grant{ID: g.ID, HolderType: g.HolderType, GrantedBy: g.GrantedBy, CaseID: g.CaseID, CaseNo: g.CaseNo,
		CertTypes: decodeTypes(g.CertTypes), Method: g.Method, CreatedAt: millis(g.CreatedAt), ExpiresAt: millis(g.ExpiresAt),
		holderBI: g.HolderIDBI}
	if g.RevokedAt.Valid {
		out.RevokedAt = millis(g.RevokedAt.Int64)
	}
	out.Active = out.RevokedAt.IsZero() && s.now().Before(out.ExpiresAt)
	return out
}

// GrantRequest is a code shown at the window that the holder scans to authorise a case.
type GrantRequest struct {
	Token     string    `json:"token"`
	URL       string    `json:"url" doc:"what the QR code at the window encodes"`
	CaseID    string    `json:"case_id"`
	CaseNo    string    `json:"case_no"`
	CertTypes []string  `json:"cert_types"`
	ExpiresAt time.Time `json:"expires_at"`
}

const grantRequestTTL = 15 * time.Minute

// RequestGrant makes the code a clerk shows at the window: scanned by the holder, it leads to
// a confirmation page that grants this case the listed certificate types.
func (s *Service) RequestGrant(ctx context.Context, in GrantInput) (GrantRequest, error) {
	v, ok := auth.FromContext(ctx)
	if !ok {
		return GrantRequest{}, errs.Unauth()
	}
	if !v.IsStaff() || !slices.Contains(fetchers, v.Role) {
		return GrantRequest{}, errs.ForbiddenErr()
	}
	ci, err := s.Cases.CertCase(ctx, v.Scope(), in.CaseID)
	if err != nil {
		return GrantRequest{}, err
	}
	if !ci.Open {
		return GrantRequest{}, errs.ConflictErr("certs.case.closed")
	}
	ts, err := grantTypes(ci, in.CertTypes)
	if err != nil {
		return GrantRequest{}, err
	}
	exp := s.now().Add(grantRequestTTL)
	body := ci.ID + "|" + strings.Join(ts, ",") + "|" + strconv.FormatInt(exp.UnixMilli(), 10)
	m, err := s.mac(ctx, "grant-req|"+body)
	if err != nil {
		return GrantRequest{}, err
	}
	tok := b64.EncodeToString([]byte(body)) + "." + b64.EncodeToString(m[:16])
	return GrantRequest{Token: tok, URL: strings.TrimRight(s.BaseURL, "/") + "/certs/authorize?t=" + tok,
		CaseID: ci.ID, CaseNo: ci.No, CertTypes: ts, ExpiresAt: exp}, nil
}

// openRequest checks a window code and returns the case and types it names.
func (s *Service) openRequest(ctx context.Context, tok string) (CaseInfo, []string, error) {
	bad := errs.InvalidInput("certs.grant.code_invalid")
	body64, mac64, ok := strings.Cut(tok, ".")
	if !ok || len(tok) > 1024 {
		return CaseInfo{}, nil, bad
	}
	body, err1 := b64.DecodeString(body64)
	mac, err2 := b64.DecodeString(mac64)
	if err1 != nil || err2 != nil {
		return CaseInfo{}, nil, bad
	}
	want, err := s.mac(ctx, "grant-req|"+string(body))
	if err != nil {
		return CaseInfo{}, nil, err
	}
	if !gm.Equal(want[:16], mac) {
		return CaseInfo{}, nil, bad
	}
	parts := strings.Split(string(body), "|")
	if len(parts) != 3 {
		return CaseInfo{}, nil, bad
	}
	exp, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil || !s.now().Before(millis(exp)) {
		return CaseInfo{}, nil, errs.InvalidInput("certs.grant.code_expired")
	}
	ci, err := s.Cases.CertCase(ctx, auth.SystemScope(), parts[0])
	if err != nil {
		return CaseInfo{}, nil, bad
	}
	return ci, strings.Split(parts[1], ","), nil
}

// GrantRequestView is what the holder sees before confirming a window code.
type GrantRequestView struct {
	CaseNo    string   `json:"case_no"`
	ItemName  string   `json:"item_name"`
	CertTypes []string `json:"cert_types"`
	Holder    bool     `json:"holder" doc:"whether the signed-in person holds the case's certificates"`
}

// ViewGrantRequest shows the signed-in applicant what a window code asks for.
func (s *Service) ViewGrantRequest(ctx context.Context, tok string) (GrantRequestView, error) {
	_, _, bi, err := s.holder(ctx)
	if err != nil {
		return GrantRequestView{}, err
	}
	ci, ts, err := s.openRequest(ctx, tok)
	if err != nil {
		return GrantRequestView{}, err
	}
	return GrantRequestView{CaseNo: ci.No, ItemName: ci.ItemName, CertTypes: ts,
		Holder: bi == s.Cipher.BlindIndex(ci.Holder.IDNumber)}, nil
}

// GrantByScan grants what a window code asks for, when the signed-in applicant is the holder.
func (s *Service) GrantByScan(ctx context.Context, tok string) (Grant, error) {
	v, h, bi, err := s.holder(ctx)
	if err != nil {
		return Grant{}, err
	}
	ci, ts, err := s.openRequest(ctx, tok)
	if err != nil {
		return Grant{}, err
	}
	return s.grant(ctx, v, h, bi, ci, ts, MethodScan)
}

// MyGrants lists the holder's grants.
func (s *Service) MyGrants(ctx context.Context) ([]Grant, error) {
	_, _, bi, err := s.holder(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.st.grantsByHolder(ctx, s.DB.Read, bi)
	if err != nil {
		return nil, err
	}
	out := make([]Grant, 0, len(rows))
	for _, g := range rows {
		out = append(out, s.grantOf(g))
	}
	return out, nil
}

// RevokeGrant withdraws one of the holder's grants.
func (s *Service) RevokeGrant(ctx context.Context, id string) error {
	v, _, bi, err := s.holder(ctx)
	if err != nil {
		return err
	}
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		ok, err := s.st.revokeGrant(ctx, tx, id, bi, s.now().UnixMilli())
		if err != nil {
			return err
		}
		if !ok {
			return errs.NotFoundErr("certs.grant.not_found")
		}
		return s.record(ctx, tx, actorOf(v), "certs.grant.revoke", "cert_grant:"+id, nil)
	})
}

// UseInput asks for a certificate to satisfy a case material.
type UseInput struct {
	CaseID       string `json:"case_id"`
	MaterialCode string `json:"material_code"`
	CertID       string `json:"cert_id,omitempty" doc:"a particular certificate of the holder; default the one in force of the material's type"`
}

// UseResult is a fetched certificate and the use record written for it.
type UseResult struct {
	Cert Cert `json:"cert"`
	Use  Use  `json:"use"`
}

// UseForCase fetches the holder's certificate for a case material (授权提取) and marks the
// material satisfied with it: the case must be open and in the staff member's scope, its item
// must list a certificate type for the material, the holder must have granted the case that
// type, and the certificate must be the holder's, in force and intact. Every fetch is logged
// where the holder sees it.
func (s *Service) UseForCase(ctx context.Context, in UseInput) (UseResult, error) {
	v, ok := auth.FromContext(ctx)
	if !ok {
		return UseResult{}, errs.Unauth()
	}
	if !v.IsStaff() || !slices.Contains(fetchers, v.Role) {
		return UseResult{}, errs.ForbiddenErr()
	}
	a := actorOf(v)
	ci, err := s.Cases.CertCase(ctx, v.Scope(), in.CaseID)
	if err != nil {
		return UseResult{}, err
	}
	if !ci.Open {
		return UseResult{}, errs.ConflictErr("certs.case.closed")
	}
	i := slices.IndexFunc(ci.Materials, func(m CaseMaterial) bool { return m.Code == in.MaterialCode })
	if i < 0 || ci.Materials[i].CertType == "" {
		return UseResult{}, errs.InvalidInput("certs.material.no_cert_type").OnField("material_code")
	}
	typ := ci.Materials[i].CertType
	holderBI := s.Cipher.BlindIndex(ci.Holder.IDNumber)
	grants, err := s.st.grantsForCase(ctx, s.DB.Read, ci.ID)
	if err != nil {
		return UseResult{}, err
	}
	var grant *Grant
	for _, gr := range grants {
		g := s.grantOf(gr)
		if g.Active && gr.HolderIDBI == holderBI && slices.Contains(g.CertTypes, typ) {
			grant = &g
			break
		}
	}
	if grant == nil {
		return UseResult{}, errs.New(errs.Forbidden, "certs.grant.missing").With("type", typ)
	}
	var r certRow
	if in.CertID != "" {
		r, err = s.st.cert(ctx, s.DB.Read, auth.SystemScope(), in.CertID)
		if err != nil {
			return UseResult{}, err
		}
		if r.HolderIDBI != holderBI {
			if err := s.recordAlone(ctx, a, "certs.use.refused", "cert:"+r.ID, map[string]any{"case_no": ci.No,
				"reason": "not the holder"}); err != nil {
				return UseResult{}, err
			}
			return UseResult{}, errs.New(errs.Forbidden, "certs.holder.mismatch")
		}
		if r.TypeCode != typ {
			return UseResult{}, errs.InvalidInput("certs.use.wrong_type").OnField("cert_id")
		}
	} else {
		rows, err := s.st.byHolder(ctx, s.DB.Read, holderBI, typ, false)
		if err != nil {
			return UseResult{}, err
		}
		if len(rows) == 0 {
			return UseResult{}, errs.NotFoundErr("certs.use.none").With("type", typ)
		}
		r = rows[0]
		for _, x := range rows {
			if effective(Status(x.Status), x.ValidTo, s.today()) == Valid {
				r = x
				break
			}
		}
	}
	c, ok := s.check(ctx, r)
	if !ok {
		s.tampered(ctx, c, "use")
		return UseResult{}, errs.ConflictErr("certs.cert.invalid")
	}
	if c.Status != Valid {
		if err := s.recordAlone(ctx, a, "certs.use.refused", "cert:"+c.ID, map[string]any{"case_no": ci.No,
			"status": string(c.Status)}); err != nil {
			return UseResult{}, err
		}
		return UseResult{}, errs.ConflictErr("certs.use.not_usable").With("status", errs.MessageKey("certs.status."+string(c.Status)))
	}
	u := Use{ID: db.NewID(), CertID: c.ID, TypeCode: c.TypeCode, TypeName: c.TypeName, CertNo: c.No, CaseID: ci.ID,
		CaseNo: ci.No, MaterialCode: in.MaterialCode, GrantID: grant.ID, ActorName: a.name, UnitID: v.UnitID, At: s.now()}
	region := ci.RegionCode
	if region == "" {
		region = v.RegionCode
	}
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.st.insertUse(ctx, tx, u, holderBI, v.ID, region); err != nil {
			return err
		}
		if err := s.record(ctx, tx, a, "certs.use", "cert:"+c.ID, map[string]any{"case_no": ci.No,
			"material": in.MaterialCode, "grant": grant.ID, "no": c.No}); err != nil {
			return err
		}
		_, err := outbox.Emit(ctx, tx, TopicUsed, "case:"+ci.ID, map[string]any{"case_id": ci.ID, "cert_id": c.ID,
			"material_code": in.MaterialCode, "use_id": u.ID})
		return err
	})
	if err != nil {
		return UseResult{}, err
	}
	if s.Materials != nil {
		if err := s.Materials.SatisfyWithCert(ctx, ci.ID, in.MaterialCode, CertRef(c)); err != nil {
			return UseResult{}, err
		}
	}
	return UseResult{Cert: c, Use: u}, nil
}

// CertRef is how a case material refers to the certificate that satisfies it.
func CertRef(c Cert) string { return "cert:" + c.ID + "@" + strconv.Itoa(c.Version) }

// certRefID returns the certificate id of a CertRef, and false for anything else.
func certRefID(ref string) (string, bool) {
	rest, ok := strings.CutPrefix(ref, "cert:")
	if !ok {
		return "", false
	}
	id, _, _ := strings.Cut(rest, "@")
	return id, id != ""
}

// MyUses is the holder's use log: who fetched which certificate for which case, when.
func (s *Service) MyUses(ctx context.Context) ([]Use, error) {
	_, _, bi, err := s.holder(ctx)
	if err != nil {
		return nil, err
	}
	us, err := s.st.usesByHolder(ctx, s.DB.Read, bi)
	for i := range us {
		if t, ok := TypeOf(us[i].TypeCode); ok {
			us[i].TypeName = t.Name
		}
	}
	return us, err
}

// Mine lists the signed-in holder's certificates, each licence in its latest version.
func (s *Service) Mine(ctx context.Context) ([]Cert, error) {
	_, _, bi, err := s.holder(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.st.byHolder(ctx, s.DB.Read, bi, "", false)
	if err != nil {
		return nil, err
	}
	out := make([]Cert, 0, len(rows))
	for _, r := range rows {
		c, ok := s.check(ctx, r)
		if !ok {
			s.tampered(ctx, c, "mine")
			c.Status = Invalid
		}
		out = append(out, c)
	}
	return out, nil
}

// Get returns a certificate version: in full to its holder, masked to staff who may see it.
// An applicant asking for someone else's certificate is refused as if it did not exist, and
// the attempt is audited.
func (s *Service) Get(ctx context.Context, id string) (Cert, error) {
	v, ok := auth.FromContext(ctx)
	if !ok {
		return Cert{}, errs.Unauth()
	}
	if v.IsStaff() {
		r, err := s.st.cert(ctx, s.DB.Read, v.Scope(), id)
		if err != nil {
			return Cert{}, err
		}
		c, ok := s.check(ctx, r)
		if !ok {
			s.tampered(ctx, c, "get")
			c.Status = Invalid
		}
		return c.masked(), nil
	}
	_, _, bi, err := s.holder(ctx)
	if err != nil {
		return Cert{}, err
	}
	r, err := s.st.cert(ctx, s.DB.Read, auth.SystemScope(), id)
	if err != nil {
		return Cert{}, err
	}
	if r.HolderIDBI != bi {
		if err := s.recordAlone(ctx, actorOf(v), "certs.cert.access_refused", "cert:"+id, nil); err != nil {
			return Cert{}, err
		}
		return Cert{}, errs.NotFoundErr("certs.cert.not_found")
	}
	c, ok := s.check(ctx, r)
	if !ok {
		s.tampered(ctx, c, "get")
		c.Status = Invalid
	}
	return c, nil
}

// List returns the certificates in the staff member's scope that match f, holders masked.
func (s *Service) List(ctx context.Context, f Filter) ([]Cert, error) {
	v, ok := auth.FromContext(ctx)
	if !ok {
		return nil, errs.Unauth()
	}
	if !v.IsStaff() {
		return nil, errs.ForbiddenErr()
	}
	f.No = NormalizeNo(f.No)
	if f.HolderID != "" {
		f.holderBI = s.Cipher.BlindIndex(f.HolderID)
	}
	rows, err := s.st.list(ctx, s.DB.Read, v.Scope(), f)
	if err != nil {
		return nil, err
	}
	out := make([]Cert, 0, len(rows))
	for _, r := range rows {
		c, err := s.open(r)
		if err != nil {
			c.Status = Invalid
		}
		out = append(out, c.masked())
	}
	return out, nil
}

// ---- shares ----

// DefaultShareTTL and MaxShareTTL bound a share link's life.
const (
	DefaultShareTTL = 7 * 24 * time.Hour
	MaxShareTTL     = 30 * 24 * time.Hour
)

// CreateShare makes a time-limited verification link for one of the holder's certificates.
// The URL is returned once; only its hash is kept.
func (s *Service) CreateShare(ctx context.Context, certID string, ttl time.Duration) (Share, error) {
	if ttl == 0 {
		ttl = DefaultShareTTL
	}
	if ttl < time.Hour || ttl > MaxShareTTL {
		return Share{}, errs.InvalidInput("certs.share.ttl").OnField("hours")
	}
	c, err := s.Get(ctx, certID)
	if err != nil {
		return Share{}, err
	}
	v, _ := auth.FromContext(ctx)
	if v.IsStaff() {
		return Share{}, errs.ForbiddenErr()
	}
	raw := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		return Share{}, errs.Wrap(err, "share token")
	}
	tok := b64.EncodeToString(raw)
	now := s.now()
	sh := Share{ID: db.NewID(), CertID: c.ID, CreatedAt: now, ExpiresAt: now.Add(ttl),
		URL: strings.TrimRight(s.BaseURL, "/") + "/v/s/" + tok}
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.st.insertShare(ctx, tx, sh.ID, c.ID, gm.SumHex([]byte(tok)), v.ID, now.UnixMilli(), sh.ExpiresAt.UnixMilli()); err != nil {
			return err
		}
		return s.record(ctx, tx, actorOf(v), "certs.share.create", "cert:"+c.ID, map[string]any{"share": sh.ID,
			"expires_at": sh.ExpiresAt.UnixMilli()})
	})
	return sh, err
}

// Shares lists the share links of one of the holder's certificates.
func (s *Service) Shares(ctx context.Context, certID string) ([]Share, error) {
	c, err := s.Get(ctx, certID)
	if err != nil {
		return nil, err
	}
	return s.st.shares(ctx, s.DB.Read, []string{c.ID})
}

// RevokeShare ends a share link early.
func (s *Service) RevokeShare(ctx context.Context, certID, shareID string) error {
	c, err := s.Get(ctx, certID)
	if err != nil {
		return err
	}
	v, _ := auth.FromContext(ctx)
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.st.revokeShare(ctx, tx, shareID, c.ID, s.now().UnixMilli()); err != nil {
			return err
		}
		return s.record(ctx, tx, actorOf(v), "certs.share.revoke", "cert:"+c.ID, map[string]any{"share": shareID})
	})
}

// statsRoles read the figures.
var statsRoles = []auth.Role{auth.Leader, auth.Supervisor, auth.Head, auth.Admin, auth.Chief}

// Stats counts certificates issued and revoked, certificate-free uses, and the cases handled
// without paper proofs, in [from, to) within the viewer's scope.
func (s *Service) Stats(ctx context.Context, from, to time.Time) (Stats, error) {
	v, ok := auth.FromContext(ctx)
	if !ok {
		return Stats{}, errs.Unauth()
	}
	if !v.IsStaff() || !slices.Contains(statsRoles, v.Role) {
		return Stats{}, errs.ForbiddenErr()
	}
	return s.StatsIn(ctx, v.Scope(), from, to)
}

// StatsIn is Stats for a given scope (the report generator passes its own).
func (s *Service) StatsIn(ctx context.Context, sc auth.Scope, from, to time.Time) (Stats, error) {
	return s.st.stats(ctx, s.DB.Read, sc, from.UnixMilli(), to.UnixMilli())
}
