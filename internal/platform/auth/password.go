package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"onestamp/internal/platform/errs"
)

// Argon2Params are the argon2id cost parameters. The defaults follow the OWASP recommendation
// for argon2id (19 MiB, 2 passes, 1 lane): a login costs tens of milliseconds and a GPU farm
// gains little. Hashes carry their parameters, so raising them later keeps old hashes valid.
type Argon2Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
	KeyLen  uint32
	SaltLen int
}

// DefaultArgon2 are the parameters for new hashes.
var DefaultArgon2 = Argon2Params{Memory: 19 * 1024, Time: 2, Threads: 1, KeyLen: 32, SaltLen: 16}

// HashPassword returns the PHC string of password under p:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>.
func HashPassword(password string, p Argon2Params) (string, error) {
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// VerifyPassword reports whether password matches the PHC string. A malformed string never
// matches.
func VerifyPassword(phc, password string) bool {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false
	}
	var m, t uint32
	var th uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &th); err != nil {
		return false
	}
	// Refuse absurd costs from a tampered row rather than exhaust memory.
	if m == 0 || m > 1<<21 || t == 0 || t > 16 || th == 0 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 || len(want) > 128 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, th, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// Password policy limits.
const (
	MinPasswordLen  = 8
	MaxPasswordLen  = 128
	PasswordHistory = 5 // a new password may not repeat one of the last 5
)

// CheckPasswordPolicy applies the rules that need no history: length, three of the four
// character classes (lower case, upper case, digits, others) and not containing the username.
func CheckPasswordPolicy(password, username string) error {
	n := utf8.RuneCountInString(password)
	if n < MinPasswordLen {
		return errs.InvalidInput("auth.password.too_short").With("min", MinPasswordLen).OnField("password")
	}
	if n > MaxPasswordLen {
		return errs.InvalidInput("auth.password.too_long").With("max", MaxPasswordLen).OnField("password")
	}
	var lower, upper, digit, other bool
	for _, r := range password {
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		default:
			other = true
		}
	}
	classes := 0
	for _, b := range []bool{lower, upper, digit, other} {
		if b {
			classes++
		}
	}
	if classes < 3 {
		return errs.InvalidInput("auth.password.classes").OnField("password")
	}
	if u := strings.ToLower(strings.TrimSpace(username)); u != "" && strings.Contains(strings.ToLower(password), u) {
		return errs.InvalidInput("auth.password.contains_username").OnField("password")
	}
	return nil
}

// randomPassword returns a temporary password that satisfies the policy, for created accounts
// and resets (the user must change it at first login).
func randomPassword() string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
	b := make([]byte, 12)
	rand.Read(b)
	out := make([]byte, len(b))
	for i, c := range b {
		out[i] = alphabet[int(c)%len(alphabet)]
	}
	// Fix one character of each class so the policy always holds.
	out[0] = "ABCDEFGHJKLMNPQRSTUVWXYZ"[int(b[0])%24]
	out[1] = "abcdefghijkmnopqrstuvwxyz"[int(b[1])%25]
	out[2] = "23456789"[int(b[2])%8]
	out[3] = '-'
	return string(out)
}
