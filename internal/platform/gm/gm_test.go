package gm

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSM3KnownAnswer(t *testing.T) {
	cases := []struct{ in, want string }{
		{"abc", "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"},
		// GB/T 32905-2016 example 2: "abcd" repeated 16 times.
		{strings.Repeat("abcd", 16), "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"},
	}
	for _, c := range cases {
		if got := SumHex([]byte(c.in)); got != c.want {
			t.Errorf("SM3(%q) = %s, want %s", c.in, got, c.want)
		}
	}
	// Parts are hashed as their concatenation.
	if SumHex([]byte("a"), []byte("bc")) != cases[0].want {
		t.Error("Sum of parts differs from Sum of the whole")
	}
}

func TestHMAC(t *testing.T) {
	a := HMAC([]byte("k1"), []byte("msg"))
	b := HMAC([]byte("k2"), []byte("msg"))
	if a == b {
		t.Fatal("HMAC ignores the key")
	}
	if HMACHex([]byte("k1"), []byte("msg")) != hex.EncodeToString(a[:]) {
		t.Fatal("HMACHex differs from HMAC")
	}
	if !Equal(a[:], a[:]) || Equal(a[:], b[:]) {
		t.Fatal("Equal is wrong")
	}
}

func testCipher(t *testing.T) *FieldCipher {
	t.Helper()
	c, err := LoadOrCreateKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestFieldRoundTrip(t *testing.T) {
	c := testCipher(t)
	for _, pt := range []string{"", "x", "360102199001011234", strings.Repeat("张三", 1000)} {
		ct, err := c.Encrypt([]byte(pt), []byte("people.id_number:1"))
		if err != nil {
			t.Fatal(err)
		}
		if ct[0] != 1 {
			t.Errorf("version byte = %d, want 1", ct[0])
		}
		if len(pt) > 4 && bytes.Contains(ct, []byte(pt)) {
			t.Error("plaintext visible in ciphertext")
		}
		got, err := c.Decrypt(ct, []byte("people.id_number:1"))
		if err != nil || string(got) != pt {
			t.Fatalf("round trip of %q: %q, %v", pt, got, err)
		}
	}
	// Random nonces: the same plaintext encrypts differently each time.
	a, _ := c.Encrypt([]byte("same"), nil)
	b, _ := c.Encrypt([]byte("same"), nil)
	if bytes.Equal(a, b) {
		t.Error("two encryptions of one plaintext are equal")
	}
	s, err := c.EncryptString("13800138000", "people.phone:7")
	if err != nil {
		t.Fatal(err)
	}
	if back, err := c.DecryptString(s, "people.phone:7"); err != nil || back != "13800138000" {
		t.Fatalf("string round trip: %q, %v", back, err)
	}
	if e, err := c.EncryptString("", "x"); err != nil || e != "" {
		t.Fatalf("empty string encrypts to %q, %v", e, err)
	}
}

func TestFieldTamper(t *testing.T) {
	c := testCipher(t)
	ct, err := c.Encrypt([]byte("360102199001011234"), []byte("aad"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range ct {
		bad := bytes.Clone(ct)
		bad[i] ^= 0x01
		if _, err := c.Decrypt(bad, []byte("aad")); !errors.Is(err, ErrDecrypt) {
			t.Fatalf("flipped byte %d: err = %v, want ErrDecrypt", i, err)
		}
	}
	if _, err := c.Decrypt(ct[:len(ct)-1], []byte("aad")); !errors.Is(err, ErrDecrypt) {
		t.Fatal("truncated ciphertext decrypts")
	}
	if _, err := c.Decrypt(ct, []byte("other")); !errors.Is(err, ErrDecrypt) {
		t.Fatal("ciphertext decrypts under other associated data")
	}
	if _, err := c.DecryptString("not base64!", ""); !errors.Is(err, ErrDecrypt) {
		t.Fatal("garbage decrypts")
	}
}

func TestFieldWrongKey(t *testing.T) {
	a, b := testCipher(t), testCipher(t)
	ct, _ := a.Encrypt([]byte("secret"), nil)
	if _, err := b.Decrypt(ct, nil); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("decrypt under another key: %v", err)
	}
	if a.BlindIndex("13800138000") == b.BlindIndex("13800138000") {
		t.Fatal("blind index does not depend on the key")
	}
}

func TestLoadOrCreateKeyPersists(t *testing.T) {
	dir := t.TempDir()
	a, err := LoadOrCreateKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, KeyDir))
	if err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("key directory mode %v, %v; want 0700", st.Mode().Perm(), err)
	}
	st, err = os.Stat(filepath.Join(dir, KeyDir, KeyFile))
	if err != nil || st.Mode().Perm() != 0o600 || st.Size() != MasterKeySize {
		t.Fatalf("key file mode %v size %d, %v", st.Mode().Perm(), st.Size(), err)
	}
	ct, _ := a.Encrypt([]byte("kept"), nil)
	b, err := LoadOrCreateKey(dir) // a restart reads the same key
	if err != nil {
		t.Fatal(err)
	}
	if pt, err := b.Decrypt(ct, nil); err != nil || string(pt) != "kept" {
		t.Fatalf("after reload: %q, %v", pt, err)
	}
	if a.BlindIndex("x") != b.BlindIndex("x") {
		t.Fatal("blind index changed across reload")
	}
}

func TestLoadOrCreateKeyRefuses(t *testing.T) {
	t.Run("looser permissions", func(t *testing.T) {
		dir := t.TempDir()
		if _, err := LoadOrCreateKey(dir); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, KeyDir, KeyFile)
		for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o660} {
			os.Chmod(p, mode)
			_, err := LoadOrCreateKey(dir)
			if err == nil || !strings.Contains(err.Error(), "chmod 600") {
				t.Errorf("mode %04o: err = %v, want a refusal naming chmod 600", mode, err)
			}
		}
		os.Chmod(p, 0o400) // stricter is fine
		if _, err := LoadOrCreateKey(dir); err != nil {
			t.Errorf("mode 0400: %v", err)
		}
	})
	t.Run("wrong length", func(t *testing.T) {
		dir := t.TempDir()
		os.MkdirAll(filepath.Join(dir, KeyDir), 0o700)
		p := filepath.Join(dir, KeyDir, KeyFile)
		if err := os.WriteFile(p, make([]byte, 16), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := LoadOrCreateKey(dir)
		if err == nil || !strings.Contains(err.Error(), "16 bytes") {
			t.Fatalf("err = %v, want a refusal naming the length", err)
		}
		if b, _ := os.ReadFile(p); len(b) != 16 {
			t.Fatal("a damaged key file was overwritten")
		}
	})
}

func TestKeyRotation(t *testing.T) {
	dir := t.TempDir()
	v1, err := LoadOrCreateKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	old, _ := v1.Encrypt([]byte("old"), nil)
	k2 := bytes.Repeat([]byte{7}, MasterKeySize)
	if err := os.WriteFile(filepath.Join(dir, KeyDir, "field.v2.key"), k2, 0o600); err != nil {
		t.Fatal(err)
	}
	ring, err := LoadOrCreateKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	if ring.Current() != 2 || len(ring.Versions()) != 2 {
		t.Fatalf("current %d versions %v", ring.Current(), ring.Versions())
	}
	if pt, err := ring.Decrypt(old, nil); err != nil || string(pt) != "old" {
		t.Fatalf("old ciphertext after rotation: %q, %v", pt, err)
	}
	nw, _ := ring.Encrypt([]byte("new"), nil)
	if v, ok := KeyVersion(nw); !ok || v != 2 {
		t.Fatalf("new ciphertext version %d", v)
	}
	if _, err := v1.Decrypt(nw, nil); !errors.Is(err, ErrDecrypt) {
		t.Fatal("a ring without v2 opened a v2 ciphertext")
	}
	if ring.BlindIndex("abc") != v1.BlindIndex("abc") {
		t.Fatal("rotation changed the blind index")
	}
}

func TestBlindIndex(t *testing.T) {
	c := testCipher(t)
	same := [][]string{
		{"36010219900101123x", "36010219900101123X", " 36010219900101123X ", "３６０１０２１９９００１０１１２３Ｘ"},
		{"13800138000", "138-0013-8000", "138 0013 8000", "１３８００１３８０００"},
	}
	for _, group := range same {
		want := c.BlindIndex(group[0])
		if len(want) != 64 {
			t.Fatalf("index length %d", len(want))
		}
		for _, v := range group[1:] {
			if got := c.BlindIndex(v); got != want {
				t.Errorf("BlindIndex(%q) differs from BlindIndex(%q)", v, group[0])
			}
		}
	}
	if c.BlindIndex("13800138000") == c.BlindIndex("13800138001") {
		t.Error("different values share an index")
	}
	if c.BlindIndex("13800138000") == SumHex([]byte("13800138000")) {
		t.Error("blind index is an unkeyed hash")
	}
	if c.BlindIndex("  ") != "" {
		t.Error("blank value has an index")
	}
}

func TestSM2(t *testing.T) {
	priv, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("证照编号 3601-2026-000001")
	sig, err := Sign(priv, msg)
	if err != nil {
		t.Fatal(err)
	}
	if !Verify(&priv.PublicKey, msg, sig) {
		t.Fatal("valid signature rejected")
	}
	if Verify(&priv.PublicKey, []byte("证照编号 3601-2026-000002"), sig) {
		t.Fatal("signature accepted for another message")
	}
	bad := bytes.Clone(sig)
	bad[len(bad)-1] ^= 1
	if Verify(&priv.PublicKey, msg, bad) {
		t.Fatal("altered signature accepted")
	}
	other, _ := GenerateKey()
	if Verify(&other.PublicKey, msg, sig) {
		t.Fatal("signature accepted under another key")
	}
	if Verify(nil, msg, sig) {
		t.Fatal("nil key accepted")
	}

	pubPEM, err := MarshalPublicKeyPEM(&priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pubPEM, []byte("-----BEGIN PUBLIC KEY-----")) {
		t.Fatalf("public PEM: %s", pubPEM)
	}
	pub, err := ParsePublicKeyPEM(pubPEM)
	if err != nil {
		t.Fatal(err)
	}
	if !Verify(pub, msg, sig) || !pub.Equal(&priv.PublicKey) {
		t.Fatal("parsed public key differs")
	}

	privPEM, err := MarshalPrivateKeyPEM(priv)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParsePrivateKeyPEM(privPEM)
	if err != nil {
		t.Fatal(err)
	}
	if !back.Equal(priv) {
		t.Fatal("parsed private key differs")
	}
	sig2, err := Sign(back, msg)
	if err != nil || !Verify(pub, msg, sig2) {
		t.Fatalf("signature by parsed key: %v", err)
	}

	// A private key stored encrypted with the field cipher.
	c := testCipher(t)
	der, _ := MarshalPrivateKeyDER(priv)
	sealed, _ := c.Encrypt(der, []byte("sm2:seal-key"))
	opened, err := c.Decrypt(sealed, []byte("sm2:seal-key"))
	if err != nil {
		t.Fatal(err)
	}
	if k, err := ParsePrivateKeyDER(opened); err != nil || !k.Equal(priv) {
		t.Fatalf("sealed key: %v", err)
	}

	if _, err := ParsePublicKeyPEM(privPEM); err == nil {
		t.Fatal("private PEM parsed as a public key")
	}
	if _, err := ParsePrivateKeyDER([]byte("junk")); err == nil {
		t.Fatal("junk parsed as a private key")
	}
}

func BenchmarkEncrypt(b *testing.B) {
	c, err := LoadOrCreateKey(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	pt := []byte("360102199001011234")
	for b.Loop() {
		c.Encrypt(pt, []byte("aad"))
	}
}

func BenchmarkSign(b *testing.B) {
	priv, _ := GenerateKey()
	msg := make([]byte, 1024)
	for b.Loop() {
		Sign(priv, msg)
	}
}
