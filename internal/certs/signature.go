package certs

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"onestamp/internal/platform/gm"
)

// The signed statement (canonical serialisation, version 1). A certificate's signature is SM2
// (GB/T 32918.2, user id "1234567812345678", SM3 with the signer's Z value), ASN.1 DER, over
// these UTF-8 bytes: the header line and twelve "name=value" lines in this order, each ended by
// one "\n", no value containing "\n":
//
//	onestamp-cert/1
//	id=<certificate id>
//	version=<decimal>
//	type=<type code>
//	no=<certificate number>
//	holder=<masked holder identifier, as on the verification page>
//	issuer=<统一社会信用代码 of the issuing bureau>
//	issued_on=<YYYY-MM-DD>
//	valid_from=<YYYY-MM-DD>
//	valid_to=<YYYY-MM-DD, empty for long-term>
//	data=<base64url, no padding, of SM3(canonical data)>
//	key=<key id>
//	signed_at=<Unix milliseconds>
//
// The canonical data is a JSON object with exactly these members, every value a string, keys
// sorted, no insignificant whitespace, no escaping beyond what JSON requires (RFC 8785 for such
// an object): case_no, holder_id, holder_name, holder_type, issuer_name, salt (base64url of 16
// random bytes, so the digest reveals nothing), surface (an object of the type's data fields,
// empty values left out), type_name.
const statementHeader = "onestamp-cert/1"

// Claims are the fields of a signed statement.
type Claims struct {
	ID         string    `json:"id"`
	Version    int       `json:"version"`
	TypeCode   string    `json:"type_code"`
	No         string    `json:"no"`
	HolderMask string    `json:"holder"`
	IssuerUSCC string    `json:"issuer_uscc"`
	IssuedOn   string    `json:"issued_on"`
	ValidFrom  string    `json:"valid_from"`
	ValidTo    string    `json:"valid_to,omitempty"`
	DataDigest string    `json:"data_digest"`
	KeyID      string    `json:"key_id"`
	SignedAt   time.Time `json:"signed_at"`
}

var statementNames = []string{"id", "version", "type", "no", "holder", "issuer", "issued_on", "valid_from", "valid_to", "data", "key", "signed_at"}

func (c Claims) values() []string {
	return []string{c.ID, strconv.Itoa(c.Version), c.TypeCode, c.No, c.HolderMask, c.IssuerUSCC, c.IssuedOn,
		c.ValidFrom, c.ValidTo, c.DataDigest, c.KeyID, strconv.FormatInt(c.SignedAt.UnixMilli(), 10)}
}

// Statement returns the canonical bytes that are signed.
func (c Claims) Statement() []byte {
	var b bytes.Buffer
	b.WriteString(statementHeader + "\n")
	for i, v := range c.values() {
		b.WriteString(statementNames[i])
		b.WriteByte('=')
		b.WriteString(v)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// ErrNotValid is the one answer to a payload or statement that does not check out; the causes
// are not told apart to the outside.
var ErrNotValid = errors.New("certs: not a valid certificate payload")

// parseStatement reads a statement strictly: every line, in order, nothing more.
func parseStatement(b []byte) (Claims, error) {
	s := string(b)
	if !strings.HasSuffix(s, "\n") {
		return Claims{}, ErrNotValid
	}
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	if len(lines) != 1+len(statementNames) || lines[0] != statementHeader {
		return Claims{}, ErrNotValid
	}
	v := make([]string, len(statementNames))
	for i, name := range statementNames {
		val, ok := strings.CutPrefix(lines[i+1], name+"=")
		if !ok {
			return Claims{}, ErrNotValid
		}
		v[i] = val
	}
	ver, err := strconv.Atoi(v[1])
	if err != nil || ver < 1 || strconv.Itoa(ver) != v[1] {
		return Claims{}, ErrNotValid
	}
	ms, err := strconv.ParseInt(v[11], 10, 64)
	if err != nil || strconv.FormatInt(ms, 10) != v[11] {
		return Claims{}, ErrNotValid
	}
	c := Claims{ID: v[0], Version: ver, TypeCode: v[2], No: v[3], HolderMask: v[4], IssuerUSCC: v[5], IssuedOn: v[6],
		ValidFrom: v[7], ValidTo: v[8], DataDigest: v[9], KeyID: v[10], SignedAt: time.UnixMilli(ms).UTC()}
	if c.ID == "" || c.KeyID == "" || !validNo(c.No) {
		return Claims{}, ErrNotValid
	}
	// Re-encoding must give the same bytes: one statement, one form.
	if !bytes.Equal(c.Statement(), b) {
		return Claims{}, ErrNotValid
	}
	return c, nil
}

// canonicalData is the JSON whose SM3 digest the statement carries.
func canonicalData(c *Cert) ([]byte, error) {
	surface := map[string]string{}
	for k, v := range c.Surface {
		if v != "" {
			surface[k] = v
		}
	}
	m := map[string]any{
		"case_no": c.CaseNo, "holder_id": c.Holder.IDNumber, "holder_name": c.Holder.Name,
		"holder_type": string(c.Holder.Type), "issuer_name": c.Issuer, "salt": c.salt,
		"surface": surface, "type_name": c.TypeName,
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

var b64 = base64.RawURLEncoding

func dataDigest(c *Cert) (string, error) {
	data, err := canonicalData(c)
	if err != nil {
		return "", err
	}
	sum := gm.Sum(data)
	return b64.EncodeToString(sum[:]), nil
}

// claims returns the statement fields of a stored certificate.
func (c *Cert) claims() Claims {
	return Claims{ID: c.ID, Version: c.Version, TypeCode: c.TypeCode, No: c.No, HolderMask: c.HolderMask,
		IssuerUSCC: c.IssuerUSCC, IssuedOn: c.IssuedOn, ValidFrom: c.ValidFrom, ValidTo: c.ValidTo,
		DataDigest: c.DataDigest, KeyID: c.KeyID, SignedAt: c.SignedAt}
}

// The QR payload, version 1:
//
//	"OS1." + base64url-nopad( uvarint(len(statement)) || statement || token (9 bytes) || signature DER )
//
// The token is HMAC-SM3(server secret, "cert-qr|" + id + "|" + version) cut to 9 bytes: only
// the server can make or check it, so guessed payloads are refused without revealing whether a
// certificate exists. The statement and the signature let anyone verify offline with the
// issuer's public key. The QR code encodes BaseURL + "/v/" + number + "?c=" + payload.
const (
	payloadPrefix = "OS1."
	tokenSize     = 9
	maxPayload    = 2048
)

// Payload is a decoded QR payload.
type Payload struct {
	Claims    Claims
	Statement []byte
	Token     []byte
	Signature []byte
}

func encodePayload(statement, token, sig []byte) string {
	raw := binary.AppendUvarint(nil, uint64(len(statement)))
	raw = append(raw, statement...)
	raw = append(raw, token...)
	raw = append(raw, sig...)
	return payloadPrefix + b64.EncodeToString(raw)
}

// ParsePayload decodes a QR payload, or the verification URL that carries it in its "c"
// parameter. It checks the form only, not the signature.
func ParsePayload(s string) (Payload, error) {
	s = strings.TrimSpace(s)
	if len(s) > maxPayload+512 {
		return Payload{}, ErrNotValid
	}
	if !strings.HasPrefix(s, payloadPrefix) {
		u, err := url.Parse(s)
		if err != nil {
			return Payload{}, ErrNotValid
		}
		s = u.Query().Get("c")
	}
	rest, ok := strings.CutPrefix(s, payloadPrefix)
	if !ok || len(rest) > maxPayload {
		return Payload{}, ErrNotValid
	}
	raw, err := b64.DecodeString(rest)
	if err != nil {
		return Payload{}, ErrNotValid
	}
	n, k := binary.Uvarint(raw)
	if k <= 0 || n == 0 || n > uint64(len(raw)-k) {
		return Payload{}, ErrNotValid
	}
	st := raw[k : k+int(n)]
	tail := raw[k+int(n):]
	if len(tail) < tokenSize+8 {
		return Payload{}, ErrNotValid
	}
	c, err := parseStatement(st)
	if err != nil {
		return Payload{}, err
	}
	return Payload{Claims: c, Statement: st, Token: tail[:tokenSize], Signature: tail[tokenSize:]}, nil
}

// VerifyOffline checks a QR payload (or the URL that carries it) against the public key of the
// issuer named by its key id, without any server: it returns the signed claims when the
// signature holds, ErrNotValid otherwise. It cannot know of a later revocation; the claims'
// ValidTo tells expiry. Keys come from GET /api/v1/certs/keys.
func VerifyOffline(pub *gm.PublicKey, payload string) (Claims, error) {
	p, err := ParsePayload(payload)
	if err != nil {
		return Claims{}, err
	}
	if !gm.Verify(pub, p.Statement, p.Signature) {
		return Claims{}, ErrNotValid
	}
	return p.Claims, nil
}

// PublicKey is a published signing key of an issuing organisation.
type PublicKey struct {
	ID         string    `json:"id"`
	OrgID      string    `json:"org_id"`
	OrgName    string    `json:"org_name"`
	OrgUSCC    string    `json:"org_uscc"`
	Algorithm  string    `json:"algorithm" doc:"SM2 (GB/T 32918), signatures over SM3 with user id 1234567812345678"`
	PEM        string    `json:"public_key_pem" doc:"PKIX SubjectPublicKeyInfo"`
	ValidFrom  time.Time `json:"valid_from"`
	ValidTo    time.Time `json:"valid_to,omitzero" doc:"set when the key was rotated out; signatures made before it stay valid"`
	Active     bool      `json:"active"`
	RegionCode string    `json:"region_code"`
}

// VerifyOfflineWith picks the key named in the payload from a published key list, checks that
// the signature was made inside the key's validity and by the organisation the statement
// names, and verifies it.
func VerifyOfflineWith(keys []PublicKey, payload string) (Claims, error) {
	p, err := ParsePayload(payload)
	if err != nil {
		return Claims{}, err
	}
	for _, k := range keys {
		if k.ID != p.Claims.KeyID {
			continue
		}
		if k.OrgUSCC != p.Claims.IssuerUSCC || p.Claims.SignedAt.Before(k.ValidFrom) ||
			(!k.ValidTo.IsZero() && p.Claims.SignedAt.After(k.ValidTo)) {
			return Claims{}, ErrNotValid
		}
		pub, err := gm.ParsePublicKeyPEM([]byte(k.PEM))
		if err != nil {
			return Claims{}, fmt.Errorf("%w: %v", ErrNotValid, err)
		}
		return VerifyOffline(pub, payload)
	}
	return Claims{}, ErrNotValid
}
