// Package ident checks, normalises, decodes and masks the Chinese identifiers that reach
// onestamp from outside: the unified social credit code of an organisation (统一社会信用代码,
// GB 32100-2015), the resident ID number of a person (居民身份证号码, GB 11643-1999, and the
// residence permits of Hong Kong, Macao and Taiwan residents that share its format), mainland
// mobile numbers, and 12-digit statistical region codes (统计用区划代码).
//
// Everything here is pure: no I/O, no clock (callers pass now), no global state that changes.
// Check recognises which kind a value is; CheckUSCC, CheckIDCard, CheckMobile and CheckRegion
// check a value the caller already knows the kind of. Every result is a JSON-friendly Result
// whose Reason and Warnings are message keys of the i18n catalogue (MessageKeys lists them).
// Input that no form should ever send (empty, longer than MaxInputLen bytes, control characters,
// invalid UTF-8) is reported through Result.Err, an errs.Invalid error the web layer maps to 400.
//
// Before any check the value is trimmed, full-width ASCII (as typed with a Chinese IME) is folded
// to ASCII, spaces and hyphens are removed and letters are upper-cased, so
// "９１３５ 0100-m000100y43" and "91350100M000100Y43" are the same code.
package ident

import (
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"onestamp/internal/platform/errs"
)

// MaxInputLen is the longest raw input, in bytes, that a check accepts. The longest identifier
// here is 18 characters; 64 bytes leave room for spaces, a +86 prefix and full-width digits.
const MaxInputLen = 64

// Kind names an identifier kind; the same word is used in JSON and URLs.
type Kind string

const (
	KindUnknown Kind = ""
	KindUSCC    Kind = "uscc"    // 统一社会信用代码
	KindIDCard  Kind = "id_card" // 居民身份证号码 and HK/Macao/Taiwan residence permits
	KindMobile  Kind = "mobile"  // mainland mobile number
	KindRegion  Kind = "region"  // 12-digit statistical region code (6-digit GB/T 2260 accepted)
)

// Status grades a checked value. Only StatusMalformed blocks; the others are accepted.
type Status string

const (
	// StatusOK: well formed, every check character matches, nothing to remark.
	StatusOK Status = "ok"
	// StatusWarning: accepted, but something is unusual (an unknown registration authority,
	// an unknown province code); see Warnings.
	StatusWarning Status = "warning"
	// StatusChecksumWarning: accepted although a USCC check character does not match. Early
	// pilot codes were issued that way and remain legal (91350100M0001TGQXM).
	StatusChecksumWarning Status = "checksum_warning"
	// StatusMalformed: rejected; Reason says why.
	StatusMalformed Status = "malformed"
)

// Level is the level of a region code, read from its trailing zeros.
type Level string

const (
	LevelProvince   Level = "province"   // 省级
	LevelPrefecture Level = "prefecture" // 地级
	LevelCounty     Level = "county"     // 县级
	LevelTownship   Level = "township"   // 乡级
	LevelVillage    Level = "village"    // 村级
)

// Values of Result.Sex and Result.Permit.
const (
	SexMale   = "male"
	SexFemale = "female"

	PermitHongKong = "hk"     // 港澳台居民居住证, prefix 81
	PermitMacao    = "macao"  // prefix 82
	PermitTaiwan   = "taiwan" // prefix 83
)

// Label is a code with its Chinese and English names. An unknown code has no names.
type Label struct {
	Code string `json:"code"`
	ZH   string `json:"zh,omitempty"`
	EN   string `json:"en,omitempty"`
}

// Result is the outcome of a check. The decoded fields are filled only for the kinds that
// encode them and only when the value is well formed.
type Result struct {
	Kind       Kind   `json:"kind"`
	Normalized string `json:"normalized,omitempty"` // canonical form; set when Valid
	Valid      bool   `json:"valid"`                // Status != StatusMalformed
	Status     Status `json:"status"`
	Reason     string `json:"reason,omitempty"` // message key of why the value is not valid
	// Warnings are message keys of accepted irregularities, in the order found.
	Warnings []string `json:"warnings,omitempty"`

	// Region is the 6-digit GB/T 2260 code the value encodes: the registering authority's
	// region (uscc), the address code (id_card), or the first 6 digits (region).
	Region string `json:"region,omitempty"`
	Level  Level  `json:"level,omitempty"` // region

	BirthDate string `json:"birth_date,omitempty"` // id_card, YYYY-MM-DD
	Sex       string `json:"sex,omitempty"`        // id_card: SexMale or SexFemale
	Permit    string `json:"permit,omitempty"`     // id_card: residence permit of PermitHongKong…
	Upgraded  bool   `json:"upgraded,omitempty"`   // id_card given in the 15-digit form

	RegistrationAuthority Label  `json:"registration_authority,omitzero"` // uscc, position 1
	Category              Label  `json:"category,omitzero"`               // uscc, position 2
	OrgCode               string `json:"org_code,omitempty"`              // uscc, positions 9–17 (GB 11714)

	rejected bool // the input itself was unusable; see Err
}

// ErrInput is wrapped by the error Result.Err returns, for errors.Is.
var ErrInput = errors.New("ident: unusable input")

// Err returns an errs.Invalid error (message key = Reason, wrapping ErrInput) when the input
// was unusable — empty, too long, control characters, invalid UTF-8 — and nil otherwise.
// A value that is merely not a valid identifier is not an error: it is a Result with
// Valid false, which an API returns as data.
func (r Result) Err() error {
	if !r.rejected {
		return nil
	}
	return &errs.Error{Code: errs.Invalid, Key: r.Reason, Err: ErrInput}
}

// Message keys of Reason and Warnings.
const (
	keyEmpty        = "ident.input.empty"
	keyTooLong      = "ident.input.too_long"
	keyEncoding     = "ident.input.encoding"
	keyControl      = "ident.input.control"
	keyUnrecognized = "ident.unrecognized"

	keyUSCCLength      = "ident.uscc.length"
	keyUSCCCharset     = "ident.uscc.charset"
	keyUSCCRegion      = "ident.uscc.region"
	keyUSCCChecksum    = "ident.uscc.checksum"
	keyUSCCOrgChecksum = "ident.uscc.org_checksum"
	keyUSCCAuthority   = "ident.uscc.authority_unknown"
	keyUSCCCategory    = "ident.uscc.category_unknown"
	keyUSCCProvince    = "ident.uscc.region_unknown"

	keyIDLength      = "ident.id_card.length"
	keyIDFormat      = "ident.id_card.format"
	keyIDChecksum    = "ident.id_card.checksum"
	keyIDBirthDate   = "ident.id_card.birth_date"
	keyIDBirthFuture = "ident.id_card.birth_future"
	keyIDProvince    = "ident.id_card.region_unknown"

	keyMobileLength  = "ident.mobile.length"
	keyMobileFormat  = "ident.mobile.format"
	keyMobilePrefix  = "ident.mobile.prefix"
	keyMobileCountry = "ident.mobile.country"

	keyRegionLength   = "ident.region.length"
	keyRegionFormat   = "ident.region.format"
	keyRegionProvince = "ident.region.province_unknown"
)

var messageKeys = [...]string{
	keyEmpty, keyTooLong, keyEncoding, keyControl, keyUnrecognized,
	keyUSCCLength, keyUSCCCharset, keyUSCCRegion, keyUSCCChecksum, keyUSCCOrgChecksum,
	keyUSCCAuthority, keyUSCCCategory, keyUSCCProvince,
	keyIDLength, keyIDFormat, keyIDChecksum, keyIDBirthDate, keyIDBirthFuture, keyIDProvince,
	keyMobileLength, keyMobileFormat, keyMobilePrefix, keyMobileCountry,
	keyRegionLength, keyRegionFormat, keyRegionProvince,
}

// MessageKeys returns every message key a Result can carry, so the catalogue can be tested
// for completeness.
func MessageKeys() []string { return append([]string(nil), messageKeys[:]...) }

// Check recognises which kind of identifier value is and checks it. now is the current
// instant; a birth date is compared with today's date in China (UTC+8).
//
// Recognition, after normalisation: a leading + or a 13-digit 86… or 15-digit 0086… number
// is a mobile; 11 digits starting with 1 a mobile; 15 digits a 15-digit ID; 12 or 6 digits a
// region code; 18 letters and digits a USCC, except that 17 digits followed by a digit or X
// are read as an ID number unless only the USCC reading fits: its check character matches,
// or neither matches and the date field is no birth date while the authority, category and
// province are known USCC codes. Anything else is KindUnknown with Reason "ident.unrecognized".
func Check(value string, now time.Time) Result {
	var sc scratch
	if key := sc.load(value); key != "" {
		return rejected(KindUnknown, key)
	}
	c := sc.bytes()
	var r Result
	switch kind := recognise(c, sc.foreign, now); kind {
	case KindUSCC:
		r.Kind = kind
		checkUSCC(&r, c, sc.src)
	case KindIDCard:
		r.Kind = kind
		checkIDCard(&r, c, sc.src, now)
	case KindMobile:
		r.Kind = kind
		checkMobile(&r, c, sc.src)
	case KindRegion:
		r.Kind = kind
		checkRegion(&r, c, sc.src)
	default:
		r.malformed(keyUnrecognized)
	}
	return r
}

// CheckUSCC checks a unified social credit code.
func CheckUSCC(value string) Result {
	var sc scratch
	if key := sc.load(value); key != "" {
		return rejected(KindUSCC, key)
	}
	r := Result{Kind: KindUSCC}
	if sc.foreign {
		r.malformed(keyUSCCCharset)
		return r
	}
	checkUSCC(&r, sc.bytes(), sc.src)
	return r
}

// CheckIDCard checks a resident ID number (18 digits, or the 15-digit form, which is
// upgraded) or a HK/Macao/Taiwan residence permit number. now bounds the birth date.
func CheckIDCard(value string, now time.Time) Result {
	var sc scratch
	if key := sc.load(value); key != "" {
		return rejected(KindIDCard, key)
	}
	r := Result{Kind: KindIDCard}
	if sc.foreign {
		r.malformed(keyIDFormat)
		return r
	}
	checkIDCard(&r, sc.bytes(), sc.src, now)
	return r
}

// CheckMobile checks a mainland mobile number, with or without +86, 0086 or 86.
func CheckMobile(value string) Result {
	var sc scratch
	if key := sc.load(value); key != "" {
		return rejected(KindMobile, key)
	}
	r := Result{Kind: KindMobile}
	if sc.foreign {
		r.malformed(keyMobileFormat)
		return r
	}
	checkMobile(&r, sc.bytes(), sc.src)
	return r
}

// CheckRegion checks a 12-digit statistical region code or a 6-digit GB/T 2260 code, which
// is padded to 12 digits.
func CheckRegion(value string) Result {
	var sc scratch
	if key := sc.load(value); key != "" {
		return rejected(KindRegion, key)
	}
	r := Result{Kind: KindRegion}
	if sc.foreign {
		r.malformed(keyRegionFormat)
		return r
	}
	checkRegion(&r, sc.bytes(), sc.src)
	return r
}

func rejected(k Kind, key string) Result {
	return Result{Kind: k, Status: StatusMalformed, Reason: key, rejected: true}
}

func (r *Result) malformed(key string) {
	r.Valid = false
	r.Status = StatusMalformed
	r.Reason = key
	r.Normalized = ""
}

// accept marks the result valid with the normalised form; the status follows the warnings.
func (r *Result) accept(normalized string) {
	r.Valid = true
	r.Normalized = normalized
	if r.Status == "" {
		r.Status = StatusOK
	}
}

func (r *Result) warn(key string) {
	r.Warnings = append(r.Warnings, key)
	if r.Status == "" || r.Status == StatusOK {
		r.Status = StatusWarning
	}
}

func (r *Result) warnChecksum(key string) {
	r.Warnings = append(r.Warnings, key)
	r.Status = StatusChecksumWarning
}

// recognise tells the kind of a normalised value.
func recognise(c []byte, foreign bool, now time.Time) Kind {
	if foreign || len(c) == 0 {
		return KindUnknown
	}
	if c[0] == '+' {
		return KindMobile
	}
	n := len(c)
	if allDigits(c) {
		switch {
		case n == 11 && c[0] == '1',
			n == 13 && c[0] == '8' && c[1] == '6' && c[2] == '1',
			n == 15 && c[0] == '0' && c[1] == '0' && c[2] == '8' && c[3] == '6':
			return KindMobile
		case n == 15:
			return KindIDCard
		case n == 12 || n == 6:
			return KindRegion
		case n == 18:
			return numeric18(c, now)
		}
		return KindUnknown
	}
	if n == 18 {
		if allDigits(c[:17]) && c[17] == 'X' {
			return numeric18(c, now)
		}
		if allAlnum(c) {
			return KindUSCC
		}
	}
	return KindUnknown
}

// numeric18 decides whether 17 digits and a digit or X are an ID number or a USCC: both are
// possible. The reading whose check character matches wins, the ID first (people far
// outnumber organisations at a window); when neither matches, the value is a USCC only if
// its authority, category and province are all known, since an ID with a typo must not pass
// as a pilot-era USCC.
func numeric18(c []byte, now time.Time) Kind {
	idSum := idCheckChar(c[:17]) == c[17]
	_, _, birthOK := birthDate(c[6:14], today(now))
	if idSum && birthOK {
		return KindIDCard
	}
	if want, ok := usccCheckChar(c[:17]); ok && want == c[17] {
		return KindUSCC
	}
	if idSum {
		return KindIDCard
	}
	if !birthOK {
		if a := findAuthority(c[0]); a != nil && a.category(c[1]) != nil && usccProvinceKnown(c[2], c[3]) {
			return KindUSCC
		}
	}
	return KindIDCard
}

// scratch holds a normalised copy of the input on the stack.
type scratch struct {
	b       [MaxInputLen]byte
	n       int
	foreign bool   // a character no identifier here contains (a Han character, an emoji…)
	src     string // the trimmed input, reused for Normalized when it is already canonical
}

func (sc *scratch) bytes() []byte { return sc.b[:sc.n] }

// load screens s and normalises it into sc. It returns the message key of why s is unusable,
// or "".
func (sc *scratch) load(s string) string {
	if len(s) > MaxInputLen {
		return keyTooLong
	}
	if !utf8.ValidString(s) {
		return keyEncoding
	}
	// Surrounding whitespace, including a line break pasted from a spreadsheet, is trimmed;
	// a control character inside the value is refused.
	t := strings.TrimSpace(s)
	sc.src = t
	for _, r := range t {
		switch {
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x2028 || r == 0x2029:
			return keyControl
		case r < 0x80:
			sc.add(byte(r))
		case r >= 0xff01 && r <= 0xff5e: // full-width ASCII
			sc.add(byte(r - 0xfee0))
		case r == 0x00a0, r == 0x3000, r >= 0x200b && r <= 0x200d, r == 0x2060, r == 0xfeff,
			r >= 0x2010 && r <= 0x2015, r == 0x2212:
			// spaces, zero-width characters and dashes that separate digit groups
		default:
			sc.foreign = true
		}
	}
	if sc.n == 0 && !sc.foreign {
		return keyEmpty
	}
	return ""
}

func (sc *scratch) add(b byte) {
	switch {
	case b == ' ' || b == '-':
		return
	case b >= 'a' && b <= 'z':
		b -= 'a' - 'A'
	}
	// Every byte added consumes at least one byte of a string no longer than the buffer.
	sc.b[sc.n] = b
	sc.n++
}

// keep returns c as a string, reusing the tail of src when it already holds those bytes
// (the usual case: the value arrived canonical), so that no allocation is needed.
func keep(c []byte, src string) string {
	if len(c) <= len(src) {
		if tail := src[len(src)-len(c):]; string(c) == tail {
			return tail
		}
	}
	return string(c)
}

func allDigits(c []byte) bool {
	for _, b := range c {
		if b < '0' || b > '9' {
			return false
		}
	}
	return true
}

func allAlnum(c []byte) bool {
	for _, b := range c {
		if (b < '0' || b > '9') && (b < 'A' || b > 'Z') {
			return false
		}
	}
	return true
}

// knownProvince reports whether a 2-digit prefix is a province-level code of GB/T 2260:
// 11–15, 21–23, 31–37, 41–46, 50–54, 61–65, 71 (Taiwan), 81 (Hong Kong), 82 (Macao).
func knownProvince(d1, d2 byte) bool {
	if d1 < '0' || d1 > '9' || d2 < '0' || d2 > '9' {
		return false
	}
	switch d2 -= '0'; d1 {
	case '1':
		return d2 >= 1 && d2 <= 5
	case '2':
		return d2 >= 1 && d2 <= 3
	case '3':
		return d2 >= 1 && d2 <= 7
	case '4':
		return d2 >= 1 && d2 <= 6
	case '5':
		return d2 <= 4
	case '6':
		return d2 >= 1 && d2 <= 5
	case '7':
		return d2 == 1
	case '8':
		return d2 == 1 || d2 == 2
	}
	return false
}
