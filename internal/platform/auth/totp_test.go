package auth

import (
	"testing"
	"time"
)

// The test vectors of RFC 6238 appendix B.
func TestTOTPRFC6238Vectors(t *testing.T) {
	seeds := map[string]string{
		"SHA1":   "12345678901234567890",
		"SHA256": "12345678901234567890123456789012",
		"SHA512": "1234567890123456789012345678901234567890123456789012345678901234",
	}
	vectors := []struct {
		unix int64
		algo string
		want string
	}{
		{59, "SHA1", "94287082"}, {59, "SHA256", "46119246"}, {59, "SHA512", "90693936"},
		{1111111109, "SHA1", "07081804"}, {1111111109, "SHA256", "68084774"}, {1111111109, "SHA512", "25091201"},
		{1111111111, "SHA1", "14050471"}, {1111111111, "SHA256", "67062674"}, {1111111111, "SHA512", "99943326"},
		{1234567890, "SHA1", "89005924"}, {1234567890, "SHA256", "91819424"}, {1234567890, "SHA512", "93441116"},
		{2000000000, "SHA1", "69279037"}, {2000000000, "SHA256", "90698825"}, {2000000000, "SHA512", "38618901"},
		{20000000000, "SHA1", "65353130"}, {20000000000, "SHA256", "77737706"}, {20000000000, "SHA512", "47863826"},
	}
	for _, v := range vectors {
		got := TOTPWith([]byte(seeds[v.algo]), v.algo, 8).At(time.Unix(v.unix, 0))
		if got != v.want {
			t.Errorf("%s at %d = %s, want %s", v.algo, v.unix, got, v.want)
		}
	}
}

func TestTOTPVerifyWindowAndReplay(t *testing.T) {
	tp := NewTOTP([]byte("12345678901234567890"))
	now := time.Unix(1111111111, 0)
	code := tp.At(now)
	if len(code) != 6 {
		t.Fatalf("code %q is not 6 digits", code)
	}
	step, ok := tp.Verify(code, now.Add(25*time.Second), 0)
	if !ok {
		t.Fatal("code of the previous step should pass (drift)")
	}
	if _, ok := tp.Verify(code, now, step); ok {
		t.Fatal("a used code must not pass again")
	}
	if _, ok := tp.Verify(code, now.Add(2*time.Minute), 0); ok {
		t.Fatal("a code two minutes old must fail")
	}
	if _, ok := tp.Verify("12345", now, 0); ok {
		t.Fatal("short code must fail")
	}
	uri := tp.URI("onestamp", "clerk1")
	if want := "otpauth://totp/onestamp:clerk1?algorithm=SHA1&digits=6&issuer=onestamp&period=30&secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"; uri != want {
		t.Fatalf("uri = %s", uri)
	}
}
