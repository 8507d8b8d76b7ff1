package ident

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestCheckIDCard(t *testing.T) {
	// The check character of a number whose last digit is changed no longer matches.
	good := makeID("360102", "19900101", "123")
	bad := good[:17] + string("0123456789X"[(strings.IndexByte("0123456789X", good[17])+1)%11])

	tests := []struct {
		name     string
		in       string
		reason   string
		norm     string
		birth    string
		sex      string
		region   string
		permit   string
		upgraded bool
		warnings []string
	}{
		{name: "published example", in: "11010519491231002X", norm: "11010519491231002X",
			birth: "1949-12-31", sex: SexFemale, region: "110105"},
		{name: "lower-case x", in: "11010519491231002x", norm: "11010519491231002X"},
		{name: "spaced groups", in: "110105 19491231 002X", norm: "11010519491231002X"},
		{name: "full width", in: "１１０１０５１９４９１２３１００２ｘ", norm: "11010519491231002X"},
		{name: "odd sequence is male", in: makeID("360102", "19900101", "123"), sex: SexMale, birth: "1990-01-01"},
		{name: "even sequence is female", in: makeID("360102", "19900101", "124"), sex: SexFemale},
		{name: "leap day", in: makeID("360102", "20000229", "001"), birth: "2000-02-29"},
		{name: "born today in China (UTC still 1 March)", in: makeID("360102", "20260302", "001"), birth: "2026-03-02"},
		{name: "retired region code 崇文区", in: makeID("110103", "19800101", "001"), region: "110103"},
		{name: "unknown province warns", in: makeID("990102", "19800101", "001"), warnings: []string{keyIDProvince}},
		{name: "Hong Kong permit", in: makeID("810000", "19800101", "001"), permit: PermitHongKong, region: "810000"},
		{name: "Macao permit", in: makeID("820000", "19800101", "002"), permit: PermitMacao},
		{name: "Taiwan permit", in: makeID("830000", "19800101", "003"), permit: PermitTaiwan},
		{name: "15-digit upgrade", in: "110105491231002", norm: "11010519491231002X", birth: "1949-12-31",
			sex: SexFemale, upgraded: true},

		{name: "wrong check digit", in: bad, reason: keyIDChecksum},
		{name: "X in the middle", in: "1101051949123X002X", reason: keyIDFormat},
		{name: "letter at the end", in: "11010519491231002A", reason: keyIDFormat},
		{name: "17 digits", in: "11010519491231002", reason: keyIDLength},
		{name: "16 digits", in: "1101051949123100", reason: keyIDLength},
		{name: "Han character", in: "11010519491231002号", reason: keyIDFormat},
		{name: "1900 was not a leap year", in: makeID("360102", "19000229", "001"), reason: keyIDBirthDate},
		{name: "29 Feb 2023", in: makeID("360102", "20230229", "001"), reason: keyIDBirthDate},
		{name: "month 13", in: makeID("360102", "19901301", "001"), reason: keyIDBirthDate},
		{name: "day 0", in: makeID("360102", "19900100", "001"), reason: keyIDBirthDate},
		{name: "31 April", in: makeID("360102", "19900431", "001"), reason: keyIDBirthDate},
		{name: "before 1800", in: makeID("360102", "17991231", "001"), reason: keyIDBirthDate},
		{name: "born tomorrow", in: makeID("360102", "20260303", "001"), reason: keyIDBirthFuture},
		{name: "15-digit with bad date", in: "110105491331002", reason: keyIDBirthDate},
		{name: "15-digit with a letter", in: "11010549123100A", reason: keyIDFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := CheckIDCard(tt.in, testNow)
			wantValid := tt.reason == ""
			if r.Kind != KindIDCard || r.Valid != wantValid || r.Reason != tt.reason {
				t.Fatalf("CheckIDCard(%q) = valid %v status %q reason %q; want reason %q", tt.in, r.Valid, r.Status, r.Reason, tt.reason)
			}
			if !wantValid {
				if r.Status != StatusMalformed || r.Normalized != "" || r.BirthDate != "" || r.Sex != "" {
					t.Errorf("malformed result = %+v", r)
				}
				return
			}
			wantStatus := StatusOK
			if len(tt.warnings) > 0 {
				wantStatus = StatusWarning
			}
			if r.Status != wantStatus || !slices.Equal(r.Warnings, tt.warnings) {
				t.Errorf("status %q warnings %q, want %q %q", r.Status, r.Warnings, wantStatus, tt.warnings)
			}
			if len(r.Normalized) != 18 || refIDCheck(r.Normalized[:17]) != r.Normalized[17:] {
				t.Errorf("normalized %q is not a valid 18-digit number", r.Normalized)
			}
			for _, c := range []struct{ got, want, field string }{
				{r.Normalized, tt.norm, "normalized"}, {r.BirthDate, tt.birth, "birth date"},
				{r.Sex, tt.sex, "sex"}, {r.Region, tt.region, "region"},
			} {
				if c.want != "" && c.got != c.want {
					t.Errorf("%s = %q, want %q", c.field, c.got, c.want)
				}
			}
			if r.Permit != tt.permit || r.Upgraded != tt.upgraded {
				t.Errorf("permit %q upgraded %v, want %q %v", r.Permit, r.Upgraded, tt.permit, tt.upgraded)
			}
		})
	}
}

func TestBirthDateUsesChinaDate(t *testing.T) {
	id := makeID("360102", "20260302", "001")
	// 15:59 UTC on 1 March is 23:59 in China: the person is not born yet.
	before := time.Date(2026, 3, 1, 15, 59, 0, 0, time.UTC)
	if r := CheckIDCard(id, before); r.Reason != keyIDBirthFuture {
		t.Errorf("at %v: reason %q, want %q", before, r.Reason, keyIDBirthFuture)
	}
	// The same instant expressed in another zone changes nothing.
	ny := before.In(time.FixedZone("EST", -5*3600))
	if r := CheckIDCard(id, ny); r.Reason != keyIDBirthFuture {
		t.Errorf("at %v: reason %q, want %q", ny, r.Reason, keyIDBirthFuture)
	}
	after := time.Date(2026, 3, 1, 16, 0, 0, 0, time.UTC)
	if r := CheckIDCard(id, after); !r.Valid {
		t.Errorf("at %v: %+v, want valid", after, r)
	}
}

func TestIDCardCheckCharMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		var b [17]byte
		for i := range b {
			b[i] = byte('0' + rng.IntN(10))
		}
		got, ok := IDCardCheckChar(string(b[:]))
		if want := refIDCheck(string(b[:])); !ok || string(got) != want {
			t.Fatalf("IDCardCheckChar(%s) = %c, %v; want %s", b, got, ok, want)
		}
	}
	for _, bad := range []string{"", "1101051949123100", "1101051949123100X", "11010519491231002X"} {
		if _, ok := IDCardCheckChar(bad); ok {
			t.Errorf("IDCardCheckChar(%q) accepted", bad)
		}
	}
}

func TestUpgradeIDCard(t *testing.T) {
	tests := []struct{ in, want string }{
		{"110105491231002", "11010519491231002X"},
		{"360102900101123", makeID("360102", "19900101", "123")},
	}
	for _, tt := range tests {
		if got, ok := UpgradeIDCard(tt.in); !ok || got != tt.want {
			t.Errorf("UpgradeIDCard(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
	for _, bad := range []string{"", "11010549123100", "1101054912310020", "11010549123100X", "１１０１０５４９１２３１００２"} {
		if got, ok := UpgradeIDCard(bad); ok {
			t.Errorf("UpgradeIDCard(%q) = %q, accepted", bad, got)
		}
	}
}
