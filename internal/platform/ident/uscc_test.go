package ident

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestCheckUSCC(t *testing.T) {
	valid := makeUSCC("9136010061234567")
	badOrg := valid[:16] + "Y" // wrong org-code check, then the USCC check recomputed
	badOrg = badOrg[:17]
	badOrg += refUSCCCheck(badOrg)

	tests := []struct {
		name      string
		in        string
		status    Status
		reason    string
		warnings  []string
		norm      string
		authority Label
		category  Label
		region    string
		org       string
	}{
		{name: "example Fuzhou", in: "91350100M000100Y43", status: StatusOK, norm: "91350100M000100Y43",
			authority: Label{"9", "市场监管（工商）", "market regulation"}, category: Label{"1", "企业", "enterprise"},
			region: "350100", org: "M000100Y4"},
		{name: "example Shenzhen", in: "91440300708461136T", status: StatusOK, norm: "91440300708461136T",
			region: "440300", org: "708461136"},
		{name: "generated", in: valid, status: StatusOK, norm: valid, region: "360100"},
		{name: "lower case, spaces, hyphen", in: " 9135 0100-m000 100y43\t", status: StatusOK, norm: "91350100M000100Y43"},
		{name: "full width", in: "９１３５０１００Ｍ０００１００Ｙ４３", status: StatusOK, norm: "91350100M000100Y43"},
		{name: "pilot code fails checksum legally", in: "91350100M0001TGQXM", status: StatusChecksumWarning,
			warnings: []string{keyUSCCChecksum}, norm: "91350100M0001TGQXM"},
		{name: "wrong check char", in: "91350100M000100Y44", status: StatusChecksumWarning,
			warnings: []string{keyUSCCChecksum}, norm: "91350100M000100Y44"},
		{name: "wrong org check only", in: badOrg, status: StatusChecksumWarning,
			warnings: []string{keyUSCCOrgChecksum}, norm: badOrg},
		{name: "civil affairs foundation", in: makeUSCC("5332010012345678"), status: StatusOK,
			authority: Label{"5", "民政", "civil affairs"}, category: Label{"3", "基金会", "foundation"}},
		{name: "central registration 100000", in: makeUSCC("1110000000001312"), status: StatusOK,
			authority: Label{"1", "机构编制", "institutional establishment"}, region: "100000"},
		{name: "other authority", in: makeUSCC("Y136010012345678"), status: StatusOK,
			authority: Label{"Y", "其他", "other"}, category: Label{"1", "其他", "other"}},
		{name: "unknown authority", in: makeUSCC("B136010012345678"), status: StatusWarning,
			warnings: []string{keyUSCCAuthority}, authority: Label{Code: "B"}, category: Label{Code: "1"}},
		{name: "unknown category", in: makeUSCC("9436010012345678"), status: StatusWarning,
			warnings: []string{keyUSCCCategory}, authority: Label{"9", "市场监管（工商）", "market regulation"}, category: Label{Code: "4"}},
		{name: "unknown province", in: makeUSCC("9199010012345678"), status: StatusWarning,
			warnings: []string{keyUSCCProvince}, region: "990100"},
		{name: "warnings accumulate, checksum dominates", in: "B199010012345678" + "00", status: StatusChecksumWarning},

		{name: "17 characters", in: "91350100M000100Y4", status: StatusMalformed, reason: keyUSCCLength},
		{name: "19 characters", in: "91350100M000100Y430", status: StatusMalformed, reason: keyUSCCLength},
		{name: "letter I", in: "91350100I000100Y43", status: StatusMalformed, reason: keyUSCCCharset},
		{name: "letter O", in: "91350100M000100O43", status: StatusMalformed, reason: keyUSCCCharset},
		{name: "letters S V Z", in: "91350100SVZ0100Y43", status: StatusMalformed, reason: keyUSCCCharset},
		{name: "Han character", in: "91350100M000100Y4三", status: StatusMalformed, reason: keyUSCCCharset},
		{name: "punctuation", in: "91350100M000100Y4.", status: StatusMalformed, reason: keyUSCCCharset},
		{name: "letter in region", in: "9135A100M000100Y43", status: StatusMalformed, reason: keyUSCCRegion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := CheckUSCC(tt.in)
			if r.Kind != KindUSCC || r.Status != tt.status || r.Valid != (tt.status != StatusMalformed) || r.Reason != tt.reason {
				t.Fatalf("CheckUSCC(%q) = kind %q status %q valid %v reason %q; want status %q reason %q",
					tt.in, r.Kind, r.Status, r.Valid, r.Reason, tt.status, tt.reason)
			}
			if r.Err() != nil {
				t.Errorf("Err() = %v for a well-formed input", r.Err())
			}
			if tt.warnings != nil && !slices.Equal(r.Warnings, tt.warnings) {
				t.Errorf("warnings = %q, want %q", r.Warnings, tt.warnings)
			}
			if !r.Valid {
				if r.Normalized != "" || r.Region != "" || r.RegistrationAuthority != (Label{}) {
					t.Errorf("malformed result carries decoded fields: %+v", r)
				}
				return
			}
			if tt.norm != "" && r.Normalized != tt.norm {
				t.Errorf("normalized = %q, want %q", r.Normalized, tt.norm)
			}
			if tt.authority != (Label{}) && r.RegistrationAuthority != tt.authority {
				t.Errorf("authority = %+v, want %+v", r.RegistrationAuthority, tt.authority)
			}
			if tt.category != (Label{}) && r.Category != tt.category {
				t.Errorf("category = %+v, want %+v", r.Category, tt.category)
			}
			if tt.region != "" && r.Region != tt.region {
				t.Errorf("region = %q, want %q", r.Region, tt.region)
			}
			if tt.org != "" && r.OrgCode != tt.org {
				t.Errorf("org code = %q, want %q", r.OrgCode, tt.org)
			}
		})
	}
}

func TestUSCCCheckCharMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		var b [17]byte
		for i := range b {
			b[i] = refUSCCAlphabet[rng.IntN(len(refUSCCAlphabet))]
		}
		got, ok := USCCCheckChar(string(b[:]))
		if want := refUSCCCheck(string(b[:])); !ok || string(got) != want {
			t.Fatalf("USCCCheckChar(%s) = %c, %v; want %s", b, got, ok, want)
		}
		if got, ok := orgCheckChar(b[8:16]); !ok || string(got) != refOrgCheck(string(b[8:16])) {
			t.Fatalf("orgCheckChar(%s) = %c, want %s", b[8:16], got, refOrgCheck(string(b[8:16])))
		}
	}
	for _, bad := range []string{"", "9135010", "91350100M000100Y", "91350100I000100Y4", "91350100m000100Y4"} {
		if _, ok := USCCCheckChar(bad); ok {
			t.Errorf("USCCCheckChar(%q) accepted", bad)
		}
	}
}
