package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"hash"
	"net/url"
	"strings"
	"time"
)

// TOTP is a time-based one-time password generator (RFC 6238 over RFC 4226 HOTP). Authenticator
// apps use SHA-1, 6 digits and 30-second steps, which NewTOTP sets.
type TOTP struct {
	Secret []byte
	Digits int
	Step   time.Duration
	Hash   func() hash.Hash
	Algo   string // "SHA1", "SHA256" or "SHA512", for the otpauth URI
}

// NewTOTP returns the authenticator-app TOTP for secret.
func NewTOTP(secret []byte) TOTP {
	return TOTP{Secret: secret, Digits: 6, Step: 30 * time.Second, Hash: sha1.New, Algo: "SHA1"}
}

// TOTPWith returns a TOTP with another algorithm or length (the RFC test vectors use 8 digits
// and all three hashes).
func TOTPWith(secret []byte, algo string, digits int) TOTP {
	t := NewTOTP(secret)
	t.Digits = digits
	t.Algo = algo
	switch algo {
	case "SHA256":
		t.Hash = sha256.New
	case "SHA512":
		t.Hash = sha512.New
	}
	return t
}

// NewTOTPSecret returns 20 random bytes (160 bits, the RFC 4226 recommendation).
func NewTOTPSecret() []byte {
	b := make([]byte, 20)
	rand.Read(b)
	return b
}

// Counter returns the time step that contains at.
func (t TOTP) Counter(at time.Time) uint64 {
	return uint64(at.Unix()) / uint64(t.Step/time.Second)
}

// At returns the code for the time step containing at.
func (t TOTP) At(at time.Time) string { return t.hotp(t.Counter(at)) }

func (t TOTP) hotp(counter uint64) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	m := hmac.New(t.Hash, t.Secret)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range t.Digits {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", t.Digits, bin%mod)
}

// Verify checks code against the step of at and one step either side (clock drift), refusing
// any step at or before lastStep so that a code cannot be replayed. It returns the matched step.
func (t TOTP) Verify(code string, at time.Time, lastStep uint64) (uint64, bool) {
	code = strings.TrimSpace(code)
	if len(code) != t.Digits {
		return 0, false
	}
	c := t.Counter(at)
	for _, step := range []uint64{c - 1, c, c + 1} {
		if step <= lastStep {
			continue
		}
		if subtle.ConstantTimeCompare([]byte(t.hotp(step)), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}

// EncodeSecret returns the base32 form of a secret that authenticator apps accept.
func EncodeSecret(secret []byte) string {
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(secret)
}

// DecodeSecret reverses EncodeSecret; it accepts lower case, spaces and padding as people type.
func DecodeSecret(s string) ([]byte, error) {
	s = strings.ToUpper(strings.ReplaceAll(strings.TrimRight(s, "="), " ", ""))
	return base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(s)
}

// URI returns the otpauth:// URI an authenticator app scans (Key Uri Format).
func (t TOTP) URI(issuer, account string) string {
	v := url.Values{}
	v.Set("secret", EncodeSecret(t.Secret))
	v.Set("issuer", issuer)
	v.Set("algorithm", t.Algo)
	v.Set("digits", fmt.Sprint(t.Digits))
	v.Set("period", fmt.Sprint(int(t.Step/time.Second)))
	label := url.PathEscape(issuer + ":" + account)
	return "otpauth://totp/" + label + "?" + v.Encode()
}
