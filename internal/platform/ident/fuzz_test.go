package ident

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var fuzzSeeds = []string{
	"91350100M000100Y43", "91440300708461136T", "91350100M0001TGQXM", " 9135 0100-m000 100y43 ",
	"11010519491231002X", "11010519491231002x", "110105491231002", "810000198001010014",
	"13800138000", "+86 138-0013-8000", "008613800138000", "１３８００１３８０００",
	"360102001001", "360102", "441900003000", "", " ", "\x00", "\xff", "张三", "欧阳娜娜",
	strings.Repeat("9", 64), strings.Repeat("9", 65), "+", "-", "X",
}

// checkInvariants holds for every result of every check function.
func checkInvariants(t *testing.T, in string, r Result) {
	t.Helper()
	keys := MessageKeys()
	switch r.Status {
	case StatusOK, StatusWarning, StatusChecksumWarning, StatusMalformed:
	default:
		t.Fatalf("%q: status %q", in, r.Status)
	}
	if r.Valid != (r.Status != StatusMalformed) {
		t.Fatalf("%q: valid %v with status %q", in, r.Valid, r.Status)
	}
	if r.Valid != (r.Reason == "") || (r.Reason != "" && !slices.Contains(keys, r.Reason)) {
		t.Fatalf("%q: valid %v with reason %q", in, r.Valid, r.Reason)
	}
	for _, w := range r.Warnings {
		if !slices.Contains(keys, w) {
			t.Fatalf("%q: unknown warning key %q", in, w)
		}
	}
	if (r.Status == StatusOK) != (r.Valid && len(r.Warnings) == 0) {
		t.Fatalf("%q: status %q with warnings %q", in, r.Status, r.Warnings)
	}
	if r.Err() != nil && (r.Valid || !strings.HasPrefix(r.Reason, "ident.input.")) {
		t.Fatalf("%q: error %v on result %+v", in, r.Err(), r)
	}
	if !r.Valid {
		if r.Normalized != "" {
			t.Fatalf("%q: malformed but normalized %q", in, r.Normalized)
		}
		return
	}
	if r.Normalized == "" || strings.TrimLeft(r.Normalized, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		t.Fatalf("%q: normalized %q", in, r.Normalized)
	}
}

func FuzzCheck(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		r := Check(in, testNow)
		checkInvariants(t, in, r)
		if (r.Err() != nil) != (len(in) > MaxInputLen || !utf8.ValidString(in) || r.Reason == keyEmpty || r.Reason == keyControl) {
			t.Fatalf("%q: err %v", in, r.Err())
		}
		if !r.Valid {
			return
		}
		// The normal form is a fixed point, of Check and of the kind's own check.
		again := Check(r.Normalized, testNow)
		if again.Kind != r.Kind || !again.Valid || again.Normalized != r.Normalized || again.Status != r.Status {
			t.Fatalf("%q → %+v, rechecked %+v", in, r, again)
		}
		var own Result
		switch r.Kind {
		case KindUSCC:
			own = CheckUSCC(in)
		case KindIDCard:
			own = CheckIDCard(in, testNow)
		case KindMobile:
			own = CheckMobile(in)
		case KindRegion:
			own = CheckRegion(in)
		default:
			t.Fatalf("%q: valid with kind %q", in, r.Kind)
		}
		if !reflect.DeepEqual(own, r) {
			t.Fatalf("%q: Check %+v, kind check %+v", in, r, own)
		}
	})
}

func FuzzUSCC(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		r := CheckUSCC(in)
		checkInvariants(t, in, r)
		if r.Kind != KindUSCC {
			t.Fatalf("%q: kind %q", in, r.Kind)
		}
		if !r.Valid {
			return
		}
		n := r.Normalized
		if len(n) != 18 || r.Region != n[2:8] || r.OrgCode != n[8:17] || r.RegistrationAuthority.Code != n[:1] || r.Category.Code != n[1:2] {
			t.Fatalf("%q: decoded %+v", in, r)
		}
		// Differential: the warnings agree with the reference formulas.
		if (refUSCCCheck(n[:17]) != n[17:]) != slices.Contains(r.Warnings, keyUSCCChecksum) {
			t.Fatalf("%q: reference check %s, warnings %q", in, refUSCCCheck(n[:17]), r.Warnings)
		}
		if (refOrgCheck(n[8:16]) != n[16:17]) != slices.Contains(r.Warnings, keyUSCCOrgChecksum) {
			t.Fatalf("%q: reference org check %s, warnings %q", in, refOrgCheck(n[8:16]), r.Warnings)
		}
		if again := CheckUSCC(n); again.Normalized != n || again.Status != r.Status || !slices.Equal(again.Warnings, r.Warnings) {
			t.Fatalf("%q → %+v, rechecked %+v", in, r, again)
		}
	})
}

func FuzzCitizenID(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		r := CheckIDCard(in, testNow)
		checkInvariants(t, in, r)
		if r.Kind != KindIDCard {
			t.Fatalf("%q: kind %q", in, r.Kind)
		}
		if !r.Valid {
			return
		}
		n := r.Normalized
		if len(n) != 18 || refIDCheck(n[:17]) != n[17:] || r.Region != n[:6] {
			t.Fatalf("%q: normalized %q fails the reference check", in, n)
		}
		birth, err := time.Parse("2006-01-02", r.BirthDate)
		if err != nil || birth.Format("20060102") != n[6:14] || birth.Year() < minBirthYear ||
			birth.After(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("%q: birth date %q (%v)", in, r.BirthDate, err)
		}
		if male := (n[16]-'0')%2 == 1; (r.Sex == SexMale) != male || (r.Sex == SexFemale) == male {
			t.Fatalf("%q: sex %q", in, r.Sex)
		}
		if again := CheckIDCard(n, testNow); again.Normalized != n || !again.Valid || again.Upgraded {
			t.Fatalf("%q → %+v, rechecked %+v", in, r, again)
		}
	})
}

func FuzzMask(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		inRunes := runesOf(in)
		n := len(inRunes)
		for _, m := range []struct {
			name string
			fn   func(string) string
			max  int // most runes revealed
		}{
			{"MaskIDCard", MaskIDCard, n / 2},
			{"MaskUSCC", MaskUSCC, func() int {
				if n == 18 {
					return 10
				}
				return n / 2
			}()},
			{"MaskName", MaskName, n / 2},
			{"MaskMobile", MaskMobile, n / 2},
		} {
			out := runesOf(m.fn(in))
			if len(out) != n {
				t.Fatalf("%s(%q) = %q: %d runes, want %d", m.name, in, string(out), len(out), n)
			}
			revealed := 0
			for i := range out {
				if out[i] != maskRune {
					if out[i] != inRunes[i] {
						t.Fatalf("%s(%q) = %q changed rune %d", m.name, in, string(out), i)
					}
					revealed++
				}
			}
			mobile := m.name == "MaskMobile" && CheckMobile(in).Valid
			if mobile {
				// A mobile number keeps its prefix and separators; exactly 4 of its digits hide.
				hidden := 0
				for i := range out {
					if out[i] == maskRune && inRunes[i] != maskRune {
						if !isDigitRune(inRunes[i]) {
							t.Fatalf("%s(%q) = %q masked a non-digit", m.name, in, string(out))
						}
						hidden++
					}
				}
				if hidden != 4 {
					t.Fatalf("%s(%q) = %q hides %d digits", m.name, in, string(out), hidden)
				}
				continue
			}
			if revealed > m.max {
				t.Fatalf("%s(%q) = %q reveals %d of %d runes", m.name, in, string(out), revealed, n)
			}
			if n > 0 && out[n/2] != maskRune {
				t.Fatalf("%s(%q) = %q does not hide the middle", m.name, in, string(out))
			}
		}
	})
}

// runesOf splits s the way range does: an invalid byte is one utf8.RuneError.
func runesOf(s string) []rune {
	rs := make([]rune, 0, len(s))
	for _, r := range s {
		rs = append(rs, r)
	}
	return rs
}
