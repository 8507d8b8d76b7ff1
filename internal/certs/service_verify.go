package certs

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/url"
	"strings"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/gm"
)

// PublicCert is what verification shows of a certificate, and nothing more: live status, type,
// number, issuer, validity and the masked holder.
type PublicCert struct {
	ID         string `json:"id"`
	TypeCode   string `json:"type_code"`
	TypeName   string `json:"type_name"`
	No         string `json:"no"`
	Version    int    `json:"version"`
	Holder     string `json:"holder" doc:"masked identifier"`
	HolderName string `json:"holder_name" doc:"masked for a natural person"`
	Issuer     string `json:"issuer"`
	IssuerUSCC string `json:"issuer_uscc"`
	IssuedOn   string `json:"issued_on"`
	ValidFrom  string `json:"valid_from"`
	ValidTo    string `json:"valid_to,omitempty"`
	Status     Status `json:"status"`
}

// BundleEntry is a permit listed behind a business licence (一照含证).
type BundleEntry struct {
	TypeCode string `json:"type_code"`
	TypeName string `json:"type_name"`
	No       string `json:"no"`
	Version  int    `json:"version"`
	Status   Status `json:"status"`
	ValidTo  string `json:"valid_to,omitempty"`
}

// Verification is the answer to a verification request.
type Verification struct {
	Result      Status        `json:"result" doc:"valid, expired, superseded, revoked, cancelled, unknown or invalid"`
	Valid       bool          `json:"valid" doc:"true only for a valid certificate whose signature holds"`
	SignatureOK bool          `json:"signature_ok"`
	Via         string        `json:"via" doc:"number, qr or share"`
	Cert        *PublicCert   `json:"cert,omitempty"`
	Current     *PublicCert   `json:"current,omitempty" doc:"the version in force, when this one was superseded"`
	Bundle      []BundleEntry `json:"bundle,omitempty" doc:"permits of the same chain, behind a business licence's QR code"`
}

// VerifyQuery asks about a certificate by number (and type), by QR payload, or by share token.
type VerifyQuery struct {
	No      string
	Type    string
	Payload string
	Share   string
}

func public(c Cert) *PublicCert {
	return &PublicCert{ID: c.ID, TypeCode: c.TypeCode, TypeName: c.TypeName, No: c.No, Version: c.Version,
		Holder: c.HolderMask, HolderName: maskName(c.Holder), Issuer: c.Issuer, IssuerUSCC: c.IssuerUSCC,
		IssuedOn: c.IssuedOn, ValidFrom: c.ValidFrom, ValidTo: c.ValidTo, Status: c.Status}
}

var (
	unknown    = Verification{Result: Unknown}
	notValidQR = Verification{Result: Invalid, Via: "qr"}
)

// Verify answers a verification request. Malformed input is an answer ("unknown" or
// "invalid"), never an error; errors are internal failures only.
func (s *Service) Verify(ctx context.Context, q VerifyQuery) (Verification, error) {
	switch {
	case q.Payload != "":
		return s.verifyPayload(ctx, q.Payload, q.No)
	case q.Share != "":
		return s.verifyShare(ctx, q.Share)
	}
	no := NormalizeNo(q.No)
	if !validNo(no) {
		return unknown, nil
	}
	rows, err := s.st.byNumber(ctx, s.DB.Read, no)
	if err != nil {
		return Verification{}, err
	}
	for _, r := range rows {
		if q.Type != "" && r.TypeCode != q.Type {
			continue
		}
		c, ok := s.check(ctx, r)
		if !ok {
			s.tampered(ctx, c, "verify")
			return Verification{Result: Invalid, Via: "number"}, nil
		}
		return s.result(ctx, c, "number", false)
	}
	return Verification{Result: Unknown, Via: "number"}, nil
}

func (s *Service) verifyPayload(ctx context.Context, payload, pathNo string) (Verification, error) {
	p, err := ParsePayload(payload)
	if err != nil {
		return notValidQR, nil
	}
	if pathNo != "" && NormalizeNo(pathNo) != p.Claims.No {
		return notValidQR, nil
	}
	tok, err := s.qrToken(ctx, p.Claims.ID, p.Claims.Version)
	if err != nil {
		return Verification{}, err
	}
	if !gm.Equal(tok, p.Token) {
		return notValidQR, nil
	}
	r, err := s.st.cert(ctx, s.DB.Read, auth.SystemScope(), p.Claims.ID)
	if errs.Is(err, errs.NotFound) {
		return notValidQR, nil
	}
	if err != nil {
		return Verification{}, err
	}
	c, ok := s.check(ctx, r)
	if !ok {
		s.tampered(ctx, c, "verify-qr")
		return notValidQR, nil
	}
	// The token is right, so the payload came from a QR code we made: a statement or a
	// signature that differs from the stored ones is a forgery built on a genuine code.
	sig, _ := base64.StdEncoding.DecodeString(c.Signature)
	if c.Version != p.Claims.Version || !bytes.Equal(c.claims().Statement(), p.Statement) || !bytes.Equal(sig, p.Signature) {
		if err := s.recordAlone(ctx, actor{id: "system", name: "system"}, "certs.verify.forged", "cert:"+c.ID,
			map[string]any{"no": c.No, "claimed_no": p.Claims.No, "claimed_version": p.Claims.Version}); err != nil {
			return Verification{}, err
		}
		return notValidQR, nil
	}
	return s.result(ctx, c, "qr", true)
}

func (s *Service) verifyShare(ctx context.Context, token string) (Verification, error) {
	if len(token) < 16 || len(token) > 64 {
		return Verification{Result: Invalid, Via: "share"}, nil
	}
	sh, err := s.st.shareByHash(ctx, s.DB.Read, gm.SumHex([]byte(token)))
	if errs.Is(err, errs.NotFound) {
		return Verification{Result: Invalid, Via: "share"}, nil
	}
	if err != nil {
		return Verification{}, err
	}
	if !sh.RevokedAt.IsZero() || !s.now().Before(sh.ExpiresAt) {
		return Verification{Result: Invalid, Via: "share"}, nil
	}
	r, err := s.st.cert(ctx, s.DB.Read, auth.SystemScope(), sh.CertID)
	if err != nil {
		return Verification{}, err
	}
	c, ok := s.check(ctx, r)
	if !ok {
		s.tampered(ctx, c, "verify-share")
		return Verification{Result: Invalid, Via: "share"}, nil
	}
	return s.result(ctx, c, "share", true)
}

// result describes a checked certificate: its status, the version in force when superseded,
// and, behind a QR code or share link of a business licence, the chain's permits.
func (s *Service) result(ctx context.Context, c Cert, via string, bundle bool) (Verification, error) {
	v := Verification{Result: c.Status, Valid: c.Status == Valid, SignatureOK: true, Via: via, Cert: public(c)}
	if c.storedSt == Superseded {
		rows, err := s.st.lineage(ctx, s.DB.Read, c.TypeCode, c.No)
		if err != nil {
			return v, err
		}
		if len(rows) > 0 && rows[0].ID != c.ID {
			if cur, ok := s.check(ctx, rows[0]); ok {
				v.Current = public(cur)
			}
		}
	}
	if bundle {
		b, err := s.bundle(ctx, c)
		if err != nil {
			return v, err
		}
		v.Bundle = b
	}
	return v, nil
}

// bundle lists the permits of a business licence's chain, each in its version in force.
func (s *Service) bundle(ctx context.Context, c Cert) ([]BundleEntry, error) {
	t, _ := TypeOf(c.TypeCode)
	if !t.Licence || c.ChainID == "" {
		return nil, nil
	}
	rows, err := s.st.chainLatest(ctx, s.DB.Read, c.ChainID)
	if err != nil {
		return nil, err
	}
	out := []BundleEntry{}
	for _, r := range rows {
		if r.TypeCode == c.TypeCode && r.No == c.No {
			continue
		}
		e := BundleEntry{TypeCode: r.TypeCode, No: r.No, Version: r.Version, ValidTo: r.ValidTo,
			Status: effective(Status(r.Status), r.ValidTo, s.today())}
		if pt, ok := TypeOf(r.TypeCode); ok {
			e.TypeName = pt.Name
		}
		out = append(out, e)
	}
	return out, nil
}

// VerifyURL returns the address a certificate's QR code encodes: the verification page of its
// number with the signed payload.
func (s *Service) VerifyURL(ctx context.Context, c Cert) (string, error) {
	p, err := s.Payload(ctx, c)
	if err != nil {
		return "", err
	}
	return strings.TrimRight(s.BaseURL, "/") + "/v/" + url.PathEscape(c.No) + "?c=" + p, nil
}

// Payload returns the QR payload of a certificate version.
func (s *Service) Payload(ctx context.Context, c Cert) (string, error) {
	tok, err := s.qrToken(ctx, c.ID, c.Version)
	if err != nil {
		return "", err
	}
	sig, err := base64.StdEncoding.DecodeString(c.Signature)
	if err != nil {
		return "", errs.Wrap(err, "signature of %s", c.ID)
	}
	return encodePayload(c.claims().Statement(), tok, sig), nil
}
