package certs

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"sync"
	"time"

	"onestamp/internal/platform/audit"
	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/gm"
	"onestamp/internal/platform/ident"
	"onestamp/internal/platform/web"
	"onestamp/internal/platform/workday"
)

// CaseInfo is what certs needs to know of a case. Package cases provides it.
type CaseInfo struct {
	ID          string
	No          string
	ItemID      string
	ItemVersion int
	ItemName    string
	RegionCode  string // the jurisdiction of the case
	UnitID      string // the deciding unit
	ApplicantID string // the applicant's account
	// Holder is the person or organisation the case is for: the holder of what it issues and
	// whose certificates it may use.
	Holder Holder
	Open   bool // not yet concluded, withdrawn or terminated: grants for it are usable
	// ChainID is the parent case when the case is one item of a chain (一件事).
	ChainID string
	// Materials are the materials of the item version the case was accepted under; CertType is
	// the certificate type that can satisfy a material ("" when none can).
	Materials []CaseMaterial
	// Surface holds the data of the certificate to issue, keyed by the type's field keys
	// (FieldDef.Key), taken from the application form and the decision.
	Surface map[string]string
}

// CaseMaterial is a material of a case's item.
type CaseMaterial struct {
	Code     string
	Name     string
	CertType string
}

// CaseSource finds a case for certs within a scope: outside it the case answers not_found.
// Jobs pass auth.SystemScope(); requests the viewer's scope (an applicant sees their own cases).
type CaseSource interface {
	CertCase(ctx context.Context, sc auth.Scope, caseID string) (CaseInfo, error)
}

// MaterialSatisfier marks a case material as satisfied at trust level A by a certificate,
// without an upload. certRef is "cert:<id>@<version>". Package cases provides it.
type MaterialSatisfier interface {
	SatisfyWithCert(ctx context.Context, caseID, materialCode, certRef string) error
}

// Issuer is the organisation that signs: the bureau answering for a deciding unit.
type Issuer struct {
	UnitID     string
	Name       string
	USCC       string
	RegionCode string
}

// Issuers resolves the bureau that issues for a unit: the unit itself when it is a bureau,
// otherwise the bureau of its jurisdiction. The application adapts package org.
type Issuers interface {
	Issuer(ctx context.Context, unitID string) (Issuer, error)
}

// Identities tells who an applicant account is: person or organisation, its ID number or
// 统一社会信用代码 in full, and its name. The application adapts package auth.
type Identities interface {
	Identity(ctx context.Context, accountID string) (Holder, error)
}

// Deps are the collaborators of the service.
type Deps struct {
	DB         *db.DB
	Audit      *audit.Log
	Cipher     *gm.FieldCipher
	Cases      CaseSource
	Materials  MaterialSatisfier
	Issuers    Issuers
	Identities Identities
	// BaseURL is the public address the QR codes and share links point to.
	BaseURL string
	// GrantDays is how long a grant lasts at most (cert.grantDays, 30 calendar days).
	GrantDays int
	Now       func() time.Time
}

// Service is the e-certificate domain.
type Service struct {
	Deps
	st store

	mu   sync.Mutex
	keys map[string]*gm.PrivateKey // decrypted private keys by key id (immutable per id)
	tok  []byte                    // the QR token secret
}

// New returns the service.
func New(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.GrantDays <= 0 {
		d.GrantDays = 30
	}
	return &Service{Deps: d, st: store{d.DB}, keys: map[string]*gm.PrivateKey{}}
}

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Millisecond) }

func (s *Service) today() workday.Date { return workday.DateOf(s.Now()) }

func millis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// actor is who acts: a viewer, or the system for events.
type actor struct {
	id, name, role string
}

func actorOf(v *auth.Viewer) actor {
	if v == nil {
		return actor{id: audit.SystemActor, name: audit.SystemActor}
	}
	return actor{id: v.ID, name: v.DisplayName(), role: string(v.Role)}
}

func (s *Service) record(ctx context.Context, tx *sql.Tx, a actor, action, subject string, detail map[string]any) error {
	if err := s.Audit.Append(ctx, tx, audit.Record{Chain: AuditChain, Actor: a.id, ActorName: a.name, Role: a.role,
		Action: action, Subject: subject, Detail: detail, RequestID: web.RequestID(ctx), At: s.Now()}); err != nil {
		return errs.Wrap(err, "audit %s", action)
	}
	return nil
}

// recordAlone writes an audit record in a transaction of its own (refusals, detections).
func (s *Service) recordAlone(ctx context.Context, a actor, action, subject string, detail map[string]any) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error { return s.record(ctx, tx, a, action, subject, detail) })
}

func aad(col, id string) string { return col + ":" + id }

// ---- the seal's keys ----

// signingKey returns the active key of an issuer, generating it on first use in a transaction
// of its own (two processes racing agree on the one that committed first).
func (s *Service) signingKey(ctx context.Context, is Issuer, by string) (keyRow, *gm.PrivateKey, error) {
	k, err := s.st.activeKey(ctx, s.DB.Read, is.UnitID)
	if errs.Is(err, errs.NotFound) {
		if err := s.DB.Tx(ctx, func(tx *sql.Tx) error { return s.newKey(ctx, tx, is, by) }); err != nil && !db.IsUniqueViolation(err) {
			return k, nil, err
		}
		k, err = s.st.activeKey(ctx, s.DB.Read, is.UnitID)
	}
	if err != nil {
		return k, nil, err
	}
	priv, err := s.private(k)
	return k, priv, err
}

func (s *Service) newKey(ctx context.Context, tx *sql.Tx, is Issuer, by string) error {
	if is.UnitID == "" || is.USCC == "" || is.Name == "" {
		return errs.InvalidInput("certs.issuer.incomplete")
	}
	priv, err := gm.GenerateKey()
	if err != nil {
		return errs.Wrap(err, "generate seal key")
	}
	der, err := gm.MarshalPrivateKeyDER(priv)
	if err != nil {
		return errs.Wrap(err, "marshal seal key")
	}
	pub, err := gm.MarshalPublicKeyPEM(&priv.PublicKey)
	if err != nil {
		return errs.Wrap(err, "marshal seal key")
	}
	id := "k-" + db.NewID()
	enc, err := s.Cipher.Encrypt(der, []byte(aad("cert_keys.private_key", id)))
	if err != nil {
		return errs.Wrap(err, "encrypt seal key")
	}
	k := keyRow{ID: id, OrgID: is.UnitID, OrgName: is.Name, OrgUSCC: is.USCC, RegionCode: is.RegionCode,
		PublicKey: string(pub), PrivateKey: base64.StdEncoding.EncodeToString(enc), ValidFrom: s.now().UnixMilli(), CreatedBy: by}
	if err := s.st.insertKey(ctx, tx, k); err != nil {
		return err
	}
	return s.record(ctx, tx, actor{id: by, name: by}, "certs.key.create", "cert_key:"+id,
		map[string]any{"org_id": is.UnitID, "org_name": is.Name})
}

func (s *Service) private(k keyRow) (*gm.PrivateKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.keys[k.ID]; ok {
		return p, nil
	}
	ct, err := base64.StdEncoding.DecodeString(k.PrivateKey)
	if err != nil {
		return nil, errs.Wrap(err, "seal key %s", k.ID)
	}
	der, err := s.Cipher.Decrypt(ct, []byte(aad("cert_keys.private_key", k.ID)))
	if err != nil {
		return nil, errs.Wrap(err, "decrypt seal key %s", k.ID)
	}
	p, err := gm.ParsePrivateKeyDER(der)
	if err != nil {
		return nil, errs.Wrap(err, "seal key %s", k.ID)
	}
	s.keys[k.ID] = p
	return p, nil
}

func publicKey(k keyRow) PublicKey {
	p := PublicKey{ID: k.ID, OrgID: k.OrgID, OrgName: k.OrgName, OrgUSCC: k.OrgUSCC, Algorithm: "SM2", PEM: k.PublicKey,
		ValidFrom: millis(k.ValidFrom), Active: !k.ValidTo.Valid, RegionCode: k.RegionCode}
	if k.ValidTo.Valid {
		p.ValidTo = millis(k.ValidTo.Int64)
	}
	return p
}

// Keys returns every signing key ever used, with its validity: what a third party needs to
// verify any certificate offline.
func (s *Service) Keys(ctx context.Context) ([]PublicKey, error) {
	rows, err := s.st.keys(ctx, s.DB.Read)
	if err != nil {
		return nil, err
	}
	out := make([]PublicKey, 0, len(rows))
	for _, k := range rows {
		out = append(out, publicKey(k))
	}
	return out, nil
}

// RotateKey closes the active key of the viewer's bureau and opens a new one. Certificates
// signed under the old key stay verifiable: the old key stays published, with its end date.
func (s *Service) RotateKey(ctx context.Context) (PublicKey, error) {
	v, ok := auth.FromContext(ctx)
	if !ok {
		return PublicKey{}, errs.Unauth()
	}
	if !v.IsStaff() || v.Role != auth.Admin {
		return PublicKey{}, errs.ForbiddenErr()
	}
	is, err := s.Issuers.Issuer(ctx, v.UnitID)
	if err != nil {
		return PublicKey{}, err
	}
	a := actorOf(v)
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		old, err := s.st.activeKey(ctx, tx, is.UnitID)
		switch {
		case err == nil:
			if err := s.st.closeKey(ctx, tx, old.ID, s.now().UnixMilli()); err != nil {
				return err
			}
			if err := s.record(ctx, tx, a, "certs.key.retire", "cert_key:"+old.ID, map[string]any{"org_id": is.UnitID}); err != nil {
				return err
			}
		case !errs.Is(err, errs.NotFound):
			return err
		}
		return s.newKey(ctx, tx, is, v.ID)
	})
	if err != nil {
		return PublicKey{}, err
	}
	k, err := s.st.activeKey(ctx, s.DB.Read, is.UnitID)
	return publicKey(k), err
}

// tokenKey returns the QR token secret, creating it on first use.
func (s *Service) tokenKey(ctx context.Context) ([]byte, error) {
	s.mu.Lock()
	k := s.tok
	s.mu.Unlock()
	if k != nil {
		return k, nil
	}
	const name = "qr-token"
	enc, err := s.st.secret(ctx, s.DB.Read, name)
	if errs.Is(err, errs.NotFound) {
		raw := make([]byte, 32)
		if _, err := rand.Read(raw); err != nil {
			return nil, errs.Wrap(err, "qr secret")
		}
		ct, err := s.Cipher.EncryptString(base64.StdEncoding.EncodeToString(raw), aad("cert_secrets.secret", name))
		if err != nil {
			return nil, errs.Wrap(err, "qr secret")
		}
		if err := s.st.insertSecret(ctx, s.DB.Write(), name, ct, s.now().UnixMilli()); err != nil {
			return nil, errs.Wrap(err, "qr secret")
		}
		// Another process may have won: read back the one that is stored.
		if enc, err = s.st.secret(ctx, s.DB.Read, name); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	pt, err := s.Cipher.DecryptString(enc, aad("cert_secrets.secret", name))
	if err != nil {
		return nil, errs.Wrap(err, "qr secret")
	}
	k, err = base64.StdEncoding.DecodeString(pt)
	if err != nil {
		return nil, errs.Wrap(err, "qr secret")
	}
	s.mu.Lock()
	s.tok = k
	s.mu.Unlock()
	return k, nil
}

func (s *Service) mac(ctx context.Context, msg string) ([]byte, error) {
	k, err := s.tokenKey(ctx)
	if err != nil {
		return nil, err
	}
	m := gm.HMAC(k, []byte(msg))
	return m[:], nil
}

func (s *Service) qrToken(ctx context.Context, id string, version int) ([]byte, error) {
	m, err := s.mac(ctx, "cert-qr|"+id+"|"+itoa(version))
	if err != nil {
		return nil, err
	}
	return m[:tokenSize], nil
}

// ---- stored certificates ----

func (s *Service) open(r certRow) (Cert, error) {
	c := Cert{ID: r.ID, TypeCode: r.TypeCode, No: r.No, Version: r.Version, HolderMask: r.HolderMsk,
		IssuerID: r.IssuerID, Issuer: r.IssuerName, IssuerUSCC: r.IssuerUSCC, RegionCode: r.RegionCode,
		IssuedOn: r.IssuedOn, ValidFrom: r.ValidFrom, ValidTo: r.ValidTo, Source: r.Source, CaseID: r.CaseID.String,
		CaseNo: r.CaseNo, ItemID: r.ItemID, ChainID: r.ChainID, Action: Action(r.Action), ReplacesID: r.ReplacesID,
		SupersededBy: r.SupersededBy, RevokeReason: r.RevokeReason, KeyID: r.KeyID, SignedAt: millis(r.SignedAt),
		DataDigest: r.DataDigest, Signature: r.Signature, CreatedAt: millis(r.CreatedAt), salt: r.Salt,
		storedSt: Status(r.Status)}
	c.Holder.Type = HolderType(r.HolderType)
	if t, ok := TypeOf(r.TypeCode); ok {
		c.TypeName = t.Name
	}
	if r.RevokedAt.Valid {
		c.RevokedAt = millis(r.RevokedAt.Int64)
	}
	c.Status = effective(c.storedSt, c.ValidTo, s.today())
	var err error
	if c.Holder.Name, err = s.Cipher.DecryptString(r.HolderName, aad("certs.holder_name", r.ID)); err != nil {
		return c, err
	}
	if c.Holder.IDNumber, err = s.Cipher.DecryptString(r.HolderID, aad("certs.holder_id", r.ID)); err != nil {
		return c, err
	}
	surface, err := s.Cipher.DecryptString(r.Surface, aad("certs.surface", r.ID))
	if err != nil {
		return c, err
	}
	if err := json.Unmarshal([]byte(surface), &c.Surface); err != nil {
		return c, err
	}
	return c, nil
}

// check verifies a stored certificate: its data matches the signed digest, and the signature
// holds under its key within the key's validity. A certificate edited in the database after
// issue fails here.
func (s *Service) check(ctx context.Context, r certRow) (Cert, bool) {
	c, err := s.open(r)
	if err != nil {
		return c, false
	}
	if r.HolderIDBI != s.Cipher.BlindIndex(c.Holder.IDNumber) || r.HolderMsk != mask(c.Holder) {
		return c, false
	}
	dg, err := dataDigest(&c)
	if err != nil || dg != c.DataDigest {
		return c, false
	}
	k, err := s.st.keyByID(ctx, s.DB.Read, c.KeyID)
	if err != nil || k.OrgUSCC != c.IssuerUSCC || c.SignedAt.UnixMilli() < k.ValidFrom ||
		(k.ValidTo.Valid && c.SignedAt.UnixMilli() > k.ValidTo.Int64) {
		return c, false
	}
	pub, err := gm.ParsePublicKeyPEM([]byte(k.PublicKey))
	if err != nil {
		return c, false
	}
	sig, err := base64.StdEncoding.DecodeString(c.Signature)
	if err != nil {
		return c, false
	}
	return c, gm.Verify(pub, c.claims().Statement(), sig)
}

// tampered records that a stored certificate failed its check.
func (s *Service) tampered(ctx context.Context, c Cert, where string) {
	if err := s.recordAlone(ctx, actor{id: audit.SystemActor, name: audit.SystemActor}, "certs.cert.tamper_detected",
		"cert:"+c.ID, map[string]any{"no": c.No, "type": c.TypeCode, "version": c.Version, "where": where}); err != nil {
		web.Log(ctx).Error("audit tamper", "err", err)
	}
}

func mask(h Holder) string {
	if h.Type == Org {
		return ident.MaskUSCC(h.IDNumber)
	}
	return ident.MaskIDCard(h.IDNumber)
}

// maskName hides a natural person's name; an organisation's name is public.
func maskName(h Holder) string {
	if h.Type == Org {
		return h.Name
	}
	return ident.MaskName(h.Name)
}

// masked returns the certificate as others may see it: holder masked.
func (c Cert) masked() Cert {
	c.Holder.IDNumber = c.HolderMask
	c.Holder.Name = maskName(c.Holder)
	return c
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
