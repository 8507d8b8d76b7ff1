package client

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Cert is one version of an e-certificate (电子证照).
type Cert struct {
	ID           string            `json:"id"`
	TypeCode     string            `json:"type_code"`
	TypeName     string            `json:"type_name"`
	No           string            `json:"no"`
	Version      int               `json:"version"`
	Holder       CertHolder        `json:"holder"`
	HolderMask   string            `json:"holder_mask"`
	IssuerID     string            `json:"issuer_id"`
	Issuer       string            `json:"issuer"`
	IssuerUSCC   string            `json:"issuer_uscc"`
	RegionCode   string            `json:"region_code"`
	IssuedOn     string            `json:"issued_on"`
	ValidFrom    string            `json:"valid_from"`
	ValidTo      string            `json:"valid_to,omitempty"`
	Surface      map[string]string `json:"surface"`
	Source       string            `json:"source"`
	CaseID       string            `json:"case_id,omitempty"`
	CaseNo       string            `json:"case_no,omitempty"`
	ChainID      string            `json:"chain_id,omitempty"`
	Action       string            `json:"action"`
	ReplacesID   string            `json:"replaces_id,omitempty"`
	Status       string            `json:"status"` // valid, expired, superseded, revoked, cancelled
	SupersededBy string            `json:"superseded_by,omitempty"`
	RevokedAt    time.Time         `json:"revoked_at,omitzero"`
	RevokeReason string            `json:"revoke_reason,omitempty"`
	KeyID        string            `json:"key_id"`
	SignedAt     time.Time         `json:"signed_at"`
	DataDigest   string            `json:"data_digest"`
	Signature    string            `json:"signature"`
	CreatedAt    time.Time         `json:"created_at"`
}

// CertHolder is who a certificate is issued to (masked unless the caller is the holder).
type CertHolder struct {
	Type     string `json:"type"` // person or org
	IDNumber string `json:"id_number"`
	Name     string `json:"name"`
}

// CertPublic is what verification shows of a certificate.
type CertPublic struct {
	ID         string `json:"id"`
	TypeCode   string `json:"type_code"`
	TypeName   string `json:"type_name"`
	No         string `json:"no"`
	Version    int    `json:"version"`
	Holder     string `json:"holder"`
	HolderName string `json:"holder_name"`
	Issuer     string `json:"issuer"`
	IssuerUSCC string `json:"issuer_uscc"`
	IssuedOn   string `json:"issued_on"`
	ValidFrom  string `json:"valid_from"`
	ValidTo    string `json:"valid_to,omitempty"`
	Status     string `json:"status"`
}

// CertBundleEntry is a permit listed behind a business licence (一照含证).
type CertBundleEntry struct {
	TypeCode string `json:"type_code"`
	TypeName string `json:"type_name"`
	No       string `json:"no"`
	Version  int    `json:"version"`
	Status   string `json:"status"`
	ValidTo  string `json:"valid_to,omitempty"`
}

// CertVerification is the answer of GET /api/v1/certs/verify.
type CertVerification struct {
	Result      string            `json:"result"` // valid, expired, superseded, revoked, cancelled, unknown, invalid
	Valid       bool              `json:"valid"`
	SignatureOK bool              `json:"signature_ok"`
	Via         string            `json:"via"`
	Cert        *CertPublic       `json:"cert,omitempty"`
	Current     *CertPublic       `json:"current,omitempty"`
	Bundle      []CertBundleEntry `json:"bundle,omitempty"`
}

// CertKey is a published signing key of the seal.
type CertKey struct {
	ID         string    `json:"id"`
	OrgID      string    `json:"org_id"`
	OrgName    string    `json:"org_name"`
	OrgUSCC    string    `json:"org_uscc"`
	Algorithm  string    `json:"algorithm"`
	PEM        string    `json:"public_key_pem"`
	ValidFrom  time.Time `json:"valid_from"`
	ValidTo    time.Time `json:"valid_to,omitzero"`
	Active     bool      `json:"active"`
	RegionCode string    `json:"region_code"`
}

// CertType is a certificate type with its data fields.
type CertType struct {
	Code          string `json:"code"`
	Name          string `json:"name"`
	NameEN        string `json:"name_en"`
	Holder        string `json:"holder"`
	Licence       bool   `json:"licence"`
	ValidityYears int    `json:"validity_years"`
	Fields        []struct {
		Key      string `json:"key"`
		Label    string `json:"label"`
		LabelEN  string `json:"label_en"`
		Required bool   `json:"required"`
		Max      int    `json:"max"`
	} `json:"fields"`
}

// CertGrant is a holder's authorisation for a case to use their certificates (授权提取).
type CertGrant struct {
	ID         string    `json:"id"`
	HolderType string    `json:"holder_type"`
	GrantedBy  string    `json:"granted_by"`
	CaseID     string    `json:"case_id"`
	CaseNo     string    `json:"case_no"`
	CertTypes  []string  `json:"cert_types"`
	Method     string    `json:"method"`
	CreatedAt  time.Time `json:"created_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	RevokedAt  time.Time `json:"revoked_at,omitzero"`
	Active     bool      `json:"active"`
}

// CertGrantRequest is the code a window shows for the holder to scan.
type CertGrantRequest struct {
	Token     string    `json:"token"`
	URL       string    `json:"url"`
	CaseID    string    `json:"case_id"`
	CaseNo    string    `json:"case_no"`
	CertTypes []string  `json:"cert_types"`
	ExpiresAt time.Time `json:"expires_at"`
}

// CertUse is one entry of the holder's use log.
type CertUse struct {
	ID           string    `json:"id"`
	CertID       string    `json:"cert_id"`
	TypeCode     string    `json:"type_code"`
	TypeName     string    `json:"type_name"`
	CertNo       string    `json:"cert_no"`
	CaseID       string    `json:"case_id"`
	CaseNo       string    `json:"case_no"`
	MaterialCode string    `json:"material_code"`
	GrantID      string    `json:"grant_id"`
	ActorName    string    `json:"actor_name"`
	UnitID       string    `json:"unit_id"`
	At           time.Time `json:"at"`
}

// CertUseResult is a certificate fetched for a case material and its use record.
type CertUseResult struct {
	Cert Cert    `json:"cert"`
	Use  CertUse `json:"use"`
}

// CertShare is a time-limited verification link; URL is returned once.
type CertShare struct {
	ID        string    `json:"id"`
	CertID    string    `json:"cert_id"`
	URL       string    `json:"url,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	RevokedAt time.Time `json:"revoked_at,omitzero"`
}

// CertStats are the certificate figures of a period.
type CertStats struct {
	Issued       int `json:"issued"`
	Revoked      int `json:"revoked"`
	Uses         int `json:"uses"`
	CasesNoPaper int `json:"cases_no_paper"`
}

// CertImportProblem is one problem of a back-fill import.
type CertImportProblem struct {
	Row     int    `json:"row"`
	Column  string `json:"column,omitempty"`
	Key     string `json:"key"`
	Message string `json:"message,omitempty"`
}

// CertImportReport is the outcome of a back-fill import.
type CertImportReport struct {
	TypeCode string              `json:"type_code"`
	Rows     int                 `json:"rows"`
	Imported int                 `json:"imported"`
	Problems []CertImportProblem `json:"problems"`
	Certs    []Cert              `json:"certs,omitempty"`
}

// CertFilter selects certificates in a staff list.
type CertFilter struct {
	Type, No, Status, HolderID string
	Limit                      int
}

// CertKeys returns every published signing key (public).
func (c *Client) CertKeys(ctx context.Context) ([]CertKey, error) {
	var out []CertKey
	return out, c.do(ctx, "GET", "/api/v1/certs/keys", nil, &out)
}

// CertTypes returns the certificate types (public).
func (c *Client) CertTypes(ctx context.Context) ([]CertType, error) {
	var out []CertType
	return out, c.do(ctx, "GET", "/api/v1/certs/types", nil, &out)
}

// VerifyCertNo verifies a certificate by number (typ may be "") (public).
func (c *Client) VerifyCertNo(ctx context.Context, no, typ string) (*CertVerification, error) {
	var out CertVerification
	return &out, c.do(ctx, "GET", "/api/v1/certs/verify"+Query("no", no, "type", typ), nil, &out)
}

// VerifyCertPayload verifies a QR payload ("OS1.…") (public).
func (c *Client) VerifyCertPayload(ctx context.Context, payload string) (*CertVerification, error) {
	var out CertVerification
	return &out, c.do(ctx, "GET", "/api/v1/certs/verify"+Query("c", payload), nil, &out)
}

// VerifyCertShare verifies by a share-link token (public).
func (c *Client) VerifyCertShare(ctx context.Context, token string) (*CertVerification, error) {
	var out CertVerification
	return &out, c.do(ctx, "GET", "/api/v1/certs/verify"+Query("share", token), nil, &out)
}

// Certs lists certificates in the staff member's scope.
func (c *Client) Certs(ctx context.Context, f CertFilter) ([]Cert, error) {
	var out []Cert
	limit := ""
	if f.Limit > 0 {
		limit = strconv.Itoa(f.Limit)
	}
	return out, c.do(ctx, "GET", "/api/v1/certs"+Query("type", f.Type, "no", f.No, "status", f.Status,
		"holder_id", f.HolderID, "limit", limit), nil, &out)
}

// Cert returns one certificate version.
func (c *Client) Cert(ctx context.Context, id string) (*Cert, error) {
	var out Cert
	return &out, c.do(ctx, "GET", "/api/v1/certs/"+url.PathEscape(id), nil, &out)
}

// CertPDF downloads a certificate as PDF.
func (c *Client) CertPDF(ctx context.Context, id string) ([]byte, error) {
	b, _, err := c.Download(ctx, "/api/v1/certs/"+url.PathEscape(id)+"/pdf")
	return b, err
}

// MyCerts lists the signed-in holder's certificates.
func (c *Client) MyCerts(ctx context.Context) ([]Cert, error) {
	var out []Cert
	return out, c.do(ctx, "GET", "/api/v1/certs/mine", nil, &out)
}

// MyCertUses returns the holder's use log.
func (c *Client) MyCertUses(ctx context.Context) ([]CertUse, error) {
	var out []CertUse
	return out, c.do(ctx, "GET", "/api/v1/certs/uses", nil, &out)
}

// RevokeCert revokes a certificate with a reason (chief, signer, head).
func (c *Client) RevokeCert(ctx context.Context, id, reason string) (*Cert, error) {
	var out Cert
	return &out, c.do(ctx, "POST", "/api/v1/certs/"+url.PathEscape(id)+"/revoke", map[string]string{"reason": reason}, &out)
}

// ShareCert creates a verification link valid for hours (0: a week).
func (c *Client) ShareCert(ctx context.Context, id string, hours int) (*CertShare, error) {
	var out CertShare
	return &out, c.do(ctx, "POST", "/api/v1/certs/"+url.PathEscape(id)+"/shares", map[string]int{"hours": hours}, &out)
}

// CertShares lists the share links of one of the holder's certificates.
func (c *Client) CertShares(ctx context.Context, id string) ([]CertShare, error) {
	var out []CertShare
	return out, c.do(ctx, "GET", "/api/v1/certs/"+url.PathEscape(id)+"/shares", nil, &out)
}

// RevokeCertShare ends a share link.
func (c *Client) RevokeCertShare(ctx context.Context, id, shareID string) error {
	return c.do(ctx, "POST", "/api/v1/certs/"+url.PathEscape(id)+"/shares/"+url.PathEscape(shareID)+"/revoke", nil, nil)
}

// RotateCertKey rotates the caller's bureau's signing key (admin).
func (c *Client) RotateCertKey(ctx context.Context) (*CertKey, error) {
	var out CertKey
	return &out, c.do(ctx, "POST", "/api/v1/certs/keys/rotate", nil, &out)
}

// GrantCerts authorises a case to use the holder's certificates (types empty: all the item lists).
func (c *Client) GrantCerts(ctx context.Context, caseID string, types []string) (*CertGrant, error) {
	var out CertGrant
	return &out, c.do(ctx, "POST", "/api/v1/certs/grants", map[string]any{"case_id": caseID, "cert_types": types}, &out)
}

// GrantCertsByScan authorises the case a scanned window code names.
func (c *Client) GrantCertsByScan(ctx context.Context, token string) (*CertGrant, error) {
	var out CertGrant
	return &out, c.do(ctx, "POST", "/api/v1/certs/grants/scan", map[string]string{"token": token}, &out)
}

// MyCertGrants lists the holder's grants.
func (c *Client) MyCertGrants(ctx context.Context) ([]CertGrant, error) {
	var out []CertGrant
	return out, c.do(ctx, "GET", "/api/v1/certs/grants", nil, &out)
}

// RevokeCertGrant withdraws a grant.
func (c *Client) RevokeCertGrant(ctx context.Context, id string) error {
	return c.do(ctx, "POST", "/api/v1/certs/grants/"+url.PathEscape(id)+"/revoke", nil, nil)
}

// RequestCertGrant makes a window code for the holder to scan (staff).
func (c *Client) RequestCertGrant(ctx context.Context, caseID string, types []string) (*CertGrantRequest, error) {
	var out CertGrantRequest
	return &out, c.do(ctx, "POST", "/api/v1/certs/grant-requests", map[string]any{"case_id": caseID, "cert_types": types}, &out)
}

// UseCert fetches the holder's certificate for a case material (staff); certID may be "".
func (c *Client) UseCert(ctx context.Context, caseID, materialCode, certID string) (*CertUseResult, error) {
	var out CertUseResult
	return &out, c.do(ctx, "POST", "/api/v1/certs/use", map[string]string{"case_id": caseID,
		"material_code": materialCode, "cert_id": certID}, &out)
}

// CertStats returns the figures of [from, to) (YYYY-MM-DD).
func (c *Client) CertStats(ctx context.Context, from, to string) (*CertStats, error) {
	var out CertStats
	return &out, c.do(ctx, "GET", "/api/v1/certs/stats"+Query("from", from, "to", to), nil, &out)
}

// ImportCerts back-fills paper licences of a type from a workbook; commit false only checks.
// Nothing is imported when the report lists problems.
func (c *Client) ImportCerts(ctx context.Context, typeCode string, xlsx []byte, commit bool) (*CertImportReport, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", c.BaseURL+"/api/v1/certs/import"+
		Query("type", typeCode, "commit", strconv.FormatBool(commit)), bytes.NewReader(xlsx))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	var out CertImportReport
	return &out, c.send(req, &out)
}
