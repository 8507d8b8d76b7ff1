package gm

import (
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/emmansun/gmsm/sm4"
)

// MasterKeySize is the length of a master key file: 32 random bytes, from which the SM4 key and
// the blind-index key are derived, so neither is ever used for two purposes.
const MasterKeySize = 32

// KeyDir and KeyFile name the master key inside the data directory. A rotation adds
// keys/field.v2.key, keys/field.v3.key …; the highest version encrypts, every version decrypts,
// and the blind index always stays on version 1 so that lookups survive a rotation.
const (
	KeyDir  = "keys"
	KeyFile = "field.key"
)

var keyFileVersion = regexp.MustCompile(`^field\.v([0-9]{1,3})\.key$`)

// ErrDecrypt is returned for a ciphertext that was altered, cut, bound to other associated
// data, or encrypted under a key this ring does not hold. The causes are not told apart on
// purpose.
var ErrDecrypt = errors.New("gm: ciphertext is damaged or was encrypted under another key")

const nonceSize = 12

// FieldCipher encrypts columns of personal data with SM4-GCM and computes their blind index.
// A ciphertext is: key version (1 byte) || random nonce (12 bytes) || SM4-GCM sealed data and tag.
// It is safe for concurrent use.
type FieldCipher struct {
	current  byte
	aeads    map[byte]cipher.AEAD
	blindKey []byte
}

// NewFieldCipher builds a cipher from master keys by version (1…255). The highest version
// encrypts; version 1 must be present, because the blind index is derived from it.
func NewFieldCipher(keys map[byte][]byte) (*FieldCipher, error) {
	if _, ok := keys[1]; !ok {
		return nil, errors.New("gm: field key version 1 is missing")
	}
	c := &FieldCipher{aeads: make(map[byte]cipher.AEAD, len(keys))}
	for v, master := range keys {
		if v == 0 {
			return nil, errors.New("gm: field key version 0 is not allowed")
		}
		if len(master) != MasterKeySize {
			return nil, fmt.Errorf("gm: field key version %d is %d bytes, want %d", v, len(master), MasterKeySize)
		}
		encKey := HMAC(master, []byte("onestamp/field/sm4-gcm"))
		block, err := sm4.NewCipher(encKey[:sm4.BlockSize])
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		c.aeads[v] = aead
		if v > c.current {
			c.current = v
		}
		if v == 1 {
			bk := HMAC(master, []byte("onestamp/field/blind-index"))
			c.blindKey = bk[:]
		}
	}
	return c, nil
}

// LoadOrCreateKey loads the field keys from dataDir/keys, creating version 1 with crypto/rand on
// first start (directory 0700, file 0600). It refuses a key file of the wrong length or one that
// group or others may read or write: such a key must be treated as leaked, not silently used.
func LoadOrCreateKey(dataDir string) (*FieldCipher, error) {
	dir := filepath.Join(dataDir, KeyDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("gm: key directory: %w", err)
	}
	path := filepath.Join(dir, KeyFile)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		if err := createKeyFile(path); err != nil {
			return nil, err
		}
	}
	keys := map[byte][]byte{}
	k, err := readKeyFile(path)
	if err != nil {
		return nil, err
	}
	keys[1] = k
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("gm: key directory: %w", err)
	}
	for _, e := range ents {
		m := keyFileVersion.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		v, _ := strconv.Atoi(m[1])
		if v < 2 || v > 255 {
			return nil, fmt.Errorf("gm: key file %s: version must be 2…255", filepath.Join(dir, e.Name()))
		}
		k, err := readKeyFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		keys[byte(v)] = k
	}
	return NewFieldCipher(keys)
}

// createKeyFile writes a fresh key to a temporary file and links it into place, so a crash never
// leaves a half-written key and two processes starting at once agree on one key.
func createKeyFile(path string) error {
	key := make([]byte, MasterKeySize)
	if _, err := rand.Read(key); err != nil {
		return fmt.Errorf("gm: generate field key: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".field-*.tmp")
	if err != nil {
		return fmt.Errorf("gm: create field key: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	err = f.Chmod(0o600)
	if err == nil {
		_, err = f.Write(key)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("gm: write field key: %w", err)
	}
	if err := os.Link(tmp, path); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("gm: install field key %s: %w", path, err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

func readKeyFile(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("gm: field key: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("gm: field key %s is not a regular file", path)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("gm: field key %s has permissions %04o; it must be readable by its owner only (chmod 600) — refusing to start", path, perm)
	}
	if st.Size() != MasterKeySize {
		return nil, fmt.Errorf("gm: field key %s is %d bytes, want %d — refusing to start with a damaged key", path, st.Size(), MasterKeySize)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("gm: field key: %w", err)
	}
	if len(b) != MasterKeySize {
		return nil, fmt.Errorf("gm: field key %s is %d bytes, want %d", path, len(b), MasterKeySize)
	}
	return b, nil
}

// Versions returns the key versions this cipher holds, ascending.
func (c *FieldCipher) Versions() []byte {
	vs := make([]byte, 0, len(c.aeads))
	for v := range c.aeads {
		vs = append(vs, v)
	}
	sort.Slice(vs, func(i, j int) bool { return vs[i] < vs[j] })
	return vs
}

// Current returns the version that Encrypt uses.
func (c *FieldCipher) Current() byte { return c.current }

// Encrypt seals plaintext under the current key. aad binds the ciphertext to its place (for
// example "applicants.id_number:<row id>") so it cannot be copied to another row or column.
func (c *FieldCipher) Encrypt(plaintext, aad []byte) ([]byte, error) {
	aead := c.aeads[c.current]
	out := make([]byte, 1+nonceSize, 1+nonceSize+len(plaintext)+aead.Overhead())
	out[0] = c.current
	if _, err := rand.Read(out[1 : 1+nonceSize]); err != nil {
		return nil, fmt.Errorf("gm: nonce: %w", err)
	}
	return aead.Seal(out, out[1:1+nonceSize], plaintext, aad), nil
}

// Decrypt opens a ciphertext made by Encrypt with the same aad.
func (c *FieldCipher) Decrypt(ciphertext, aad []byte) ([]byte, error) {
	if len(ciphertext) < 1+nonceSize+16 {
		return nil, ErrDecrypt
	}
	aead, ok := c.aeads[ciphertext[0]]
	if !ok {
		return nil, ErrDecrypt
	}
	pt, err := aead.Open(nil, ciphertext[1:1+nonceSize], ciphertext[1+nonceSize:], aad)
	if err != nil {
		return nil, ErrDecrypt
	}
	return pt, nil
}

// EncryptString is Encrypt for TEXT columns: the result is standard base64. The empty string
// stays empty, so optional columns need no special case.
func (c *FieldCipher) EncryptString(plaintext, aad string) (string, error) {
	if plaintext == "" {
		return "", nil
	}
	ct, err := c.Encrypt([]byte(plaintext), []byte(aad))
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(ct), nil
}

// DecryptString reverses EncryptString.
func (c *FieldCipher) DecryptString(ciphertext, aad string) (string, error) {
	if ciphertext == "" {
		return "", nil
	}
	ct, err := base64.StdEncoding.DecodeString(ciphertext)
	if err != nil {
		return "", ErrDecrypt
	}
	pt, err := c.Decrypt(ct, []byte(aad))
	if err != nil {
		return "", err
	}
	return string(pt), nil
}

// KeyVersion returns the key version a stored ciphertext was made with, so a rotation job can
// find the rows still under an old key.
func KeyVersion(ciphertext []byte) (byte, bool) {
	if len(ciphertext) < 1+nonceSize+16 {
		return 0, false
	}
	return ciphertext[0], true
}

// BlindIndex returns a keyed HMAC-SM3 (hex) of the normalised value, for equality lookups of
// encrypted personal data: WHERE id_number_bi = $1. The empty value has the empty index.
func (c *FieldCipher) BlindIndex(value string) string {
	n := Normalize(value)
	if n == "" {
		return ""
	}
	return HMACHex(c.blindKey, []byte(n))
}

// Normalize is the form a value takes before blind indexing: full-width ASCII folded to
// half-width (input from Chinese IMEs), whitespace and hyphens removed, ASCII letters upper-cased
// (the "x" check digit of an ID number). "138-0013 8000" and "１３８００１３８０００" match.
func Normalize(value string) string {
	var b strings.Builder
	b.Grow(len(value))
	for _, r := range value {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			r -= 0xFEE0
		case r == 0x3000:
			r = ' '
		}
		if unicode.IsSpace(r) || r == '-' {
			continue
		}
		if r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}
