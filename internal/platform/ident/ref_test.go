package ident

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// Reference implementations of the check-character formulas, written from the standards
// independently of the production code, so that the tests do not check the code against
// itself.

// refIDCheck computes the ISO 7064 MOD 11-2 check character recursively (no weight table):
// p ← (p + digit)·2 mod 11 over the 17 digits, then the check value c satisfies p + c ≡ 1.
func refIDCheck(first17 string) string {
	p := 0
	for _, r := range first17 {
		p = (p + int(r-'0')) * 2 % 11
	}
	c := (12 - p) % 11
	if c == 10 {
		return "X"
	}
	return strconv.Itoa(c)
}

// refUSCCAlphabet is 0–9 and A–Z without I, O, S, V, Z, built rather than copied.
var refUSCCAlphabet = func() string {
	var b strings.Builder
	for r := '0'; r <= '9'; r++ {
		b.WriteRune(r)
	}
	for r := 'A'; r <= 'Z'; r++ {
		if !strings.ContainsRune("IOSVZ", r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}()

// refUSCCCheck weights position i (from 0) by 3^i mod 31, computed, not tabled.
func refUSCCCheck(first17 string) string {
	sum, w := 0, 1
	for i := 0; i < 17; i++ {
		sum += strings.IndexByte(refUSCCAlphabet, first17[i]) * w
		w = w * 3 % 31
	}
	return string(refUSCCAlphabet[(31-sum%31)%31])
}

// refOrgCheck is GB 11714: weights 3,7,9,10,5,8,4,2, letters valued by base-36 digits.
func refOrgCheck(first8 string) string {
	weights := []int{3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		v, _ := strconv.ParseInt(first8[i:i+1], 36, 0)
		sum += int(v) * w
	}
	switch c := 11 - sum%11; c {
	case 10:
		return "X"
	case 11:
		return "0"
	default:
		return strconv.Itoa(c)
	}
}

// makeID builds a valid 18-digit ID number from a 6-digit region, a YYYYMMDD date and a
// 3-digit sequence.
func makeID(region, birth, seq string) string {
	s := region + birth + seq
	return s + refIDCheck(s)
}

// makeUSCC completes a USCC from its first 16 characters: org-code check, then USCC check.
func makeUSCC(first16 string) string {
	s := first16 + refOrgCheck(first16[8:16])
	return s + refUSCCCheck(s)
}

// testNow is 2026-03-01 20:00 UTC, already 2 March in China.
var testNow = time.Date(2026, 3, 1, 20, 0, 0, 0, time.UTC)

func TestReferenceAgainstPublishedExamples(t *testing.T) {
	// The references themselves must reproduce the examples of DOMAIN.md §11.
	if got := refIDCheck("11010519491231002"); got != "X" {
		t.Fatalf("refIDCheck = %s, want X", got)
	}
	for _, code := range []string{"91350100M000100Y43", "91440300708461136T"} {
		if got := refUSCCCheck(code[:17]); got != code[17:] {
			t.Errorf("refUSCCCheck(%s) = %s", code, got)
		}
		if got := refOrgCheck(code[8:16]); got != code[16:17] {
			t.Errorf("refOrgCheck(%s) = %s", code, got)
		}
	}
	if got := refUSCCCheck("91350100M0001TGQX"); got != "1" {
		t.Errorf("pilot code computes %s, DOMAIN.md says 1", got)
	}
	if len(refUSCCAlphabet) != 31 {
		t.Fatalf("alphabet has %d symbols", len(refUSCCAlphabet))
	}
}
