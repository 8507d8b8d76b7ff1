// Package certs is the e-certificate domain (电子证照): certificates issued when a case concludes or
// imported from paper, signed with the issuing bureau's one seal (an SM2 key per organisation),
// rendered as PDF with the seal and a QR code, verified online and offline, withdrawn by
// supersession or revocation, and used instead of paper proofs (免证办) through the holder's
// grant (授权提取) with a use log the holder sees.
package certs

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/workday"
)

// AuditChain is the audit chain of every record this package writes.
const AuditChain = "certs"

// Status is the state of a certificate version.
type Status string

const (
	Valid      Status = "valid"
	Superseded Status = "superseded" // a later version (change, renewal, cancellation) replaced it
	Revoked    Status = "revoked"    // withdrawn with a reason (吊销/撤销, a false commitment)
	Cancelled  Status = "cancelled"  // 注销: the holder gave the licence up
	Expired    Status = "expired"    // derived: valid, but valid_to has passed
)

// Verification outcomes besides the statuses.
const (
	Unknown Status = "unknown" // no such certificate
	Invalid Status = "invalid" // the signature, the QR payload or the stored record does not check out
)

// HolderType says whether a holder is a natural person or an organisation.
type HolderType string

const (
	Person HolderType = "person" // by resident ID number
	Org    HolderType = "org"    // by 统一社会信用代码
)

// Valid reports whether t is a known holder type.
func (t HolderType) Valid() bool { return t == Person || t == Org }

// Holder is who a certificate is issued to.
type Holder struct {
	Type     HolderType `json:"type" doc:"person or org"`
	IDNumber string     `json:"id_number" doc:"resident ID number or 统一社会信用代码 (masked when shown to others)"`
	Name     string     `json:"name"`
}

// Action is how a certificate version came to be.
type Action string

const (
	ActionNew    Action = "new"
	ActionChange Action = "change" // 变更
	ActionRenew  Action = "renew"  // 延续
	ActionCancel Action = "cancel" // 注销
	ActionImport Action = "import" // back-filled from a paper licence
)

// Sources of a certificate.
const (
	SourceCase   = "case"
	SourceImport = "import"
)

// Grant methods.
const (
	MethodOnline = "online" // the holder authorised in the portal
	MethodScan   = "scan"   // the holder scanned the window's code with their phone
)

// Cert is one version of a certificate.
type Cert struct {
	ID           string            `json:"id" doc:"certificate identifier (opaque)"`
	TypeCode     string            `json:"type_code"`
	TypeName     string            `json:"type_name"`
	No           string            `json:"no" doc:"certificate number, unique per type across versions of one licence"`
	Version      int               `json:"version"`
	Holder       Holder            `json:"holder" doc:"masked unless the caller is the holder"`
	HolderMask   string            `json:"holder_mask" doc:"the masked holder identifier, as signed"`
	IssuerID     string            `json:"issuer_id" doc:"organisation unit id of the issuing bureau"`
	Issuer       string            `json:"issuer"`
	IssuerUSCC   string            `json:"issuer_uscc"`
	RegionCode   string            `json:"region_code"`
	IssuedOn     string            `json:"issued_on" doc:"YYYY-MM-DD"`
	ValidFrom    string            `json:"valid_from" doc:"YYYY-MM-DD"`
	ValidTo      string            `json:"valid_to,omitempty" doc:"YYYY-MM-DD; empty for a long-term certificate"`
	Surface      map[string]string `json:"surface" doc:"the data fields of the certificate type"`
	Source       string            `json:"source" doc:"case or import"`
	CaseID       string            `json:"case_id,omitempty"`
	CaseNo       string            `json:"case_no,omitempty"`
	ItemID       string            `json:"item_id,omitempty"`
	ChainID      string            `json:"chain_id,omitempty" doc:"the chain (parent) case it was issued in"`
	Action       Action            `json:"action"`
	ReplacesID   string            `json:"replaces_id,omitempty"`
	Status       Status            `json:"status" doc:"valid, expired, superseded, revoked or cancelled"`
	SupersededBy string            `json:"superseded_by,omitempty"`
	RevokedAt    time.Time         `json:"revoked_at,omitzero"`
	RevokeReason string            `json:"revoke_reason,omitempty"`
	KeyID        string            `json:"key_id"`
	SignedAt     time.Time         `json:"signed_at"`
	DataDigest   string            `json:"data_digest" doc:"base64url SM3 of the canonical data"`
	Signature    string            `json:"signature" doc:"base64 ASN.1 DER SM2 signature of the statement"`
	CreatedAt    time.Time         `json:"created_at"`

	salt     string
	storedSt Status // the stored status, before expiry is derived
}

// Current reports whether the certificate may be relied on today: valid and not expired.
func (c Cert) Current() bool { return c.Status == Valid }

// effective derives "expired" from the validity on day today.
func effective(st Status, validTo string, today workday.Date) Status {
	if st != Valid || validTo == "" {
		return st
	}
	if to, err := workday.ParseDate(validTo); err == nil && to.Before(today) {
		return Expired
	}
	return st
}

// FieldDef is one data field of a certificate type.
type FieldDef struct {
	Key      string `json:"key"`
	Label    string `json:"label"`
	LabelEN  string `json:"label_en"`
	Required bool   `json:"required"`
	Max      int    `json:"max" doc:"longest value in characters"`
}

// Type is a certificate type with its data fields. The codes are the ones the catalogue's
// result_cert_type and material cert_type use.
type Type struct {
	Code   string     `json:"code"`
	Name   string     `json:"name"`
	NameEN string     `json:"name_en"`
	Holder HolderType `json:"holder" doc:"who may hold it: org, person, or empty for either"`
	// Licence marks the business licence: issued in a chain, it lists the chain's permits (一照含证).
	Licence bool `json:"licence"`
	// NumberIsHolderID: the number is the holder's 统一社会信用代码 (a business licence).
	NumberIsHolderID bool       `json:"number_is_holder_id"`
	Prefix           string     `json:"prefix" doc:"prefix of generated numbers"`
	ValidityYears    int        `json:"validity_years" doc:"0: long-term"`
	Fields           []FieldDef `json:"fields"`
}

// Field returns the definition of a field.
func (t Type) Field(key string) (FieldDef, bool) {
	i := slices.IndexFunc(t.Fields, func(f FieldDef) bool { return f.Key == key })
	if i < 0 {
		return FieldDef{}, false
	}
	return t.Fields[i], true
}

func f(key, label, en string, req bool, max int) FieldDef {
	return FieldDef{Key: key, Label: label, LabelEN: en, Required: req, Max: max}
}

// types are the certificate types the bureau issues.
var types = []Type{
	{Code: "YYZZ", Name: "营业执照", NameEN: "Business licence", Holder: Org, Licence: true, NumberIsHolderID: true,
		Fields: []FieldDef{
			f("entity_type", "类型", "Entity type", true, 50),
			f("legal_rep", "法定代表人", "Legal representative", true, 50),
			f("capital", "注册资本", "Registered capital", false, 50),
			f("established_on", "成立日期", "Established on", true, 20),
			f("address", "住所", "Address", true, 200),
			f("scope", "经营范围", "Business scope", true, 2000),
		}},
	{Code: "SPJY", Name: "食品经营许可证", NameEN: "Food business permit", Prefix: "JY", ValidityYears: 5,
		Fields: []FieldDef{
			f("legal_rep", "法定代表人（负责人）", "Legal representative", true, 50),
			f("address", "住所", "Address", true, 200),
			f("premises", "经营场所", "Business premises", true, 200),
			f("format", "主体业态", "Business format", true, 100),
			f("items", "经营项目", "Business items", true, 1000),
			f("authority", "日常监督管理机构", "Supervising authority", false, 100),
		}},
	{Code: "GGWS", Name: "公共场所卫生许可证", NameEN: "Public place hygiene permit", Prefix: "WS", ValidityYears: 4,
		Fields: []FieldDef{
			f("legal_rep", "法定代表人（负责人）", "Legal representative", true, 50),
			f("address", "地址", "Address", true, 200),
			f("items", "许可项目", "Permitted activities", true, 500),
		}},
	{Code: "YPJY", Name: "药品经营许可证", NameEN: "Drug business permit", Holder: Org, Prefix: "YP", ValidityYears: 5,
		Fields: []FieldDef{
			f("legal_rep", "法定代表人", "Legal representative", true, 50),
			f("manager", "企业负责人", "Manager", true, 50),
			f("quality", "质量负责人", "Quality manager", true, 50),
			f("address", "注册地址", "Registered address", true, 200),
			f("warehouse", "仓库地址", "Warehouse address", false, 200),
			f("mode", "经营方式", "Business mode", true, 50),
			f("scope", "经营范围", "Business scope", true, 1000),
		}},
	{Code: "DLYS", Name: "道路运输经营许可证", NameEN: "Road transport business permit", Prefix: "YS", ValidityYears: 4,
		Fields: []FieldDef{
			f("address", "地址", "Address", true, 200),
			f("economic_type", "经济类型", "Economic type", true, 50),
			f("scope", "经营范围", "Business scope", true, 500),
		}},
}

// Types returns the certificate types the bureau issues. The catalogue's certificate types
// (catalog_cert_types) should carry the same codes.
func Types() []Type { return slices.Clone(types) }

// TypeOf returns the type with a code.
func TypeOf(code string) (Type, bool) {
	i := slices.IndexFunc(types, func(t Type) bool { return t.Code == code })
	if i < 0 {
		return Type{}, false
	}
	return types[i], true
}

// Numbers: letters, digits and "-", 4 to 40 characters. Anything else is not a certificate
// number (and a verification request for it is answered "unknown" without a query).
func validNo(no string) bool {
	if len(no) < 4 || len(no) > 40 {
		return false
	}
	for _, r := range no {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r == '-') {
			return false
		}
	}
	return true
}

// NormalizeNo upper-cases a certificate number and drops spaces (people type them).
func NormalizeNo(no string) string {
	no = strings.ToUpper(strings.TrimSpace(no))
	return strings.Join(strings.Fields(no), "")
}

// cleanText trims a data value and removes control characters (which the canonical form may
// not carry), keeping line breaks as spaces.
func cleanText(s string) string {
	s = strings.TrimSpace(s)
	if !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f || r == 0x2028 || r == 0x2029 }) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' || r == '\t' || r == '\r' || r == 0x2028 || r == 0x2029:
			b.WriteByte(' ')
		case r < 0x20 || r == 0x7f:
		default:
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(b.String())
}

// checkSurface validates data against the type: known fields, required ones present, lengths.
// It returns the cleaned data and the problems, field by field.
func checkSurface(t Type, in map[string]string) (map[string]string, []*errs.Error) {
	out := map[string]string{}
	var ps []*errs.Error
	for k, v := range in {
		if _, ok := t.Field(k); !ok {
			ps = append(ps, errs.InvalidInput("certs.field.unknown").With("field", k).OnField(k))
			continue
		}
		if v = cleanText(v); v != "" {
			out[k] = v
		}
	}
	for _, fd := range t.Fields {
		v := out[fd.Key]
		if fd.Required && v == "" {
			ps = append(ps, errs.InvalidInput("certs.field.required").With("field", fd.Label).OnField(fd.Key))
		}
		if fd.Max > 0 && utf8.RuneCountInString(v) > fd.Max {
			ps = append(ps, errs.InvalidInput("certs.field.too_long").With("field", fd.Label).With("max", fd.Max).OnField(fd.Key))
		}
	}
	slices.SortFunc(ps, func(a, b *errs.Error) int { return strings.Compare(a.Field, b.Field) })
	return out, ps
}

// Grant is a holder's authorisation for one case to use their certificates (授权提取).
type Grant struct {
	ID         string    `json:"id"`
	HolderType string    `json:"holder_type"`
	GrantedBy  string    `json:"granted_by" doc:"the account that granted"`
	CaseID     string    `json:"case_id"`
	CaseNo     string    `json:"case_no"`
	CertTypes  []string  `json:"cert_types"`
	Method     string    `json:"method" doc:"online or scan"`
	CreatedAt  time.Time `json:"created_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	RevokedAt  time.Time `json:"revoked_at,omitzero"`
	Active     bool      `json:"active" doc:"neither expired nor revoked"`

	holderBI string
}

// Use is one fetch of a certificate for a case (用证记录).
type Use struct {
	ID           string    `json:"id"`
	CertID       string    `json:"cert_id"`
	TypeCode     string    `json:"type_code"`
	TypeName     string    `json:"type_name"`
	CertNo       string    `json:"cert_no"`
	CaseID       string    `json:"case_id"`
	CaseNo       string    `json:"case_no"`
	MaterialCode string    `json:"material_code"`
	GrantID      string    `json:"grant_id"`
	ActorName    string    `json:"actor_name" doc:"the staff member who fetched it"`
	UnitID       string    `json:"unit_id"`
	At           time.Time `json:"at"`
}

// Share is a time-limited verification link.
type Share struct {
	ID        string    `json:"id"`
	CertID    string    `json:"cert_id"`
	URL       string    `json:"url,omitempty" doc:"returned once, at creation"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	RevokedAt time.Time `json:"revoked_at,omitzero"`
}
