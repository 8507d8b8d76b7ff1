package ident

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"onestamp/internal/platform/errs"
)

func TestCheckMobile(t *testing.T) {
	tests := []struct{ in, norm, reason string }{
		{"13800138000", "13800138000", ""},
		{"138 0013 8000", "13800138000", ""},
		{"138-0013-8000", "13800138000", ""},
		{"+86 138 0013 8000", "13800138000", ""},
		{"+8613800138000", "13800138000", ""},
		{"8613800138000", "13800138000", ""},
		{"0086 138 0013 8000", "13800138000", ""},
		{"１３８００１３８０００", "13800138000", ""},
		{"19912345678", "19912345678", ""},
		{"16600000000", "16600000000", ""},
		{"12345678901", "", keyMobilePrefix},
		{"10086000000", "", keyMobilePrefix},
		{"23800138000", "", keyMobilePrefix},
		{"1380013800", "", keyMobileLength},
		{"138001380001", "", keyMobileLength},
		{"+86 1380013800", "", keyMobileLength},
		{"+1 415 555 1234", "", keyMobileCountry},
		{"+", "", keyMobileCountry},
		{"138(0013)8000", "", keyMobileFormat},
		{"1380013800O", "", keyMobileFormat},
		{"手机13800138000", "", keyMobileFormat},
	}
	for _, tt := range tests {
		r := CheckMobile(tt.in)
		if r.Kind != KindMobile || r.Valid != (tt.reason == "") || r.Reason != tt.reason || r.Normalized != tt.norm {
			t.Errorf("CheckMobile(%q) = valid %v reason %q norm %q; want reason %q norm %q",
				tt.in, r.Valid, r.Reason, r.Normalized, tt.reason, tt.norm)
		}
	}
}

func TestCheckRegion(t *testing.T) {
	tests := []struct {
		in, norm string
		level    Level
		reason   string
		warn     bool
	}{
		{"360000000000", "360000000000", LevelProvince, "", false},
		{"360100000000", "360100000000", LevelPrefecture, "", false},
		{"360102000000", "360102000000", LevelCounty, "", false},
		{"360102001000", "360102001000", LevelTownship, "", false},
		{"360102001001", "360102001001", LevelVillage, "", false},
		{"360102", "360102000000", LevelCounty, "", false},
		{"360000", "360000000000", LevelProvince, "", false},
		{"441900003000", "441900003000", LevelTownship, "", false}, // 东莞: township under a prefecture
		{"429004000000", "429004000000", LevelCounty, "", false},   // 仙桃: county-level, province-administered
		{"110101001001", "110101001001", LevelVillage, "", false},
		{"500000", "500000000000", LevelProvince, "", false},
		{"820000", "820000000000", LevelProvince, "", false},
		{"3601 0200 1001", "360102001001", LevelVillage, "", false},
		{"990000000000", "990000000000", LevelProvince, "", true},
		{"100000", "100000000000", LevelProvince, "", true},
		{"160000", "160000000000", LevelProvince, "", true},
		{"000000000000", "000000000000", LevelProvince, "", true},
		{"36010200100", "", "", keyRegionLength, false},
		{"3601020010011", "", "", keyRegionLength, false},
		{"36010", "", "", keyRegionLength, false},
		{"36010A", "", "", keyRegionFormat, false},
		{"南昌", "", "", keyRegionFormat, false},
	}
	for _, tt := range tests {
		r := CheckRegion(tt.in)
		if r.Kind != KindRegion || r.Valid != (tt.reason == "") || r.Reason != tt.reason ||
			r.Normalized != tt.norm || r.Level != tt.level {
			t.Errorf("CheckRegion(%q) = valid %v reason %q norm %q level %q; want %q %q %q",
				tt.in, r.Valid, r.Reason, r.Normalized, r.Level, tt.reason, tt.norm, tt.level)
			continue
		}
		if !r.Valid {
			continue
		}
		if r.Region != tt.norm[:6] {
			t.Errorf("CheckRegion(%q).Region = %q", tt.in, r.Region)
		}
		wantWarn := []string(nil)
		wantStatus := StatusOK
		if tt.warn {
			wantWarn, wantStatus = []string{keyRegionProvince}, StatusWarning
		}
		if !slices.Equal(r.Warnings, wantWarn) || r.Status != wantStatus {
			t.Errorf("CheckRegion(%q) = status %q warnings %q", tt.in, r.Status, r.Warnings)
		}
	}
}

// numericUSCC finds an all-digit code whose USCC check matches while its ID reading does not.
func numericUSCC(t *testing.T) string {
	for i := 10000000; i < 10010000; i++ {
		s := makeUSCC("91360100" + itoa8(i))
		if allDigits([]byte(s)) && refIDCheck(s[:17]) != s[17:] {
			return s
		}
	}
	t.Fatal("no numeric USCC found")
	return ""
}

func itoa8(i int) string {
	b := []byte("00000000")
	for j := 7; j >= 0; j-- {
		b[j] = byte('0' + i%10)
		i /= 10
	}
	return string(b)
}

func TestCheckRecognises(t *testing.T) {
	id := makeID("360102", "19900101", "123")
	numUSCC := numericUSCC(t)
	// Neither check matches; the date cannot be a birth date, the USCC reading is plausible.
	numUSCCBad := numUSCC[:17] + string('0'+(numUSCC[17]-'0'+1)%10)
	if refIDCheck(numUSCCBad[:17]) == numUSCCBad[17:] {
		numUSCCBad = numUSCC[:17] + string('0'+(numUSCC[17]-'0'+2)%10)
	}
	// 13th month, and a check digit that does not match either.
	badDate := "11010519491331002"
	if refIDCheck(badDate) == "0" {
		badDate += "1"
	} else {
		badDate += "0"
	}
	tests := []struct {
		name, in string
		kind     Kind
		valid    bool
		reason   string
	}{
		{"USCC", "91350100M000100Y43", KindUSCC, true, ""},
		{"USCC pilot code", "91350100m0001tgqxm", KindUSCC, true, ""},
		{"USCC with a bad letter", "91350100I000100Y43", KindUSCC, false, keyUSCCCharset},
		{"all-digit USCC", numUSCC, KindUSCC, true, ""},
		{"all-digit USCC with a wrong check digit", numUSCCBad, KindUSCC, true, ""},
		{"ID", id, KindIDCard, true, ""},
		{"ID ending in X", "11010519491231002X", KindIDCard, true, ""},
		{"ID with a wrong check digit", id[:16] + string("1234567890"[id[16]-'0']) + id[17:], KindIDCard, false, keyIDChecksum},
		// A typo in the date that also breaks the check digit must not pass as a USCC.
		{"ID with an impossible date", badDate, KindIDCard, false, keyIDChecksum},
		{"15-digit ID", "110105491231002", KindIDCard, true, ""},
		{"mobile", "13800138000", KindMobile, true, ""},
		{"mobile +86", "+86 138 0013 8000", KindMobile, true, ""},
		{"mobile 86", "8613800138000", KindMobile, true, ""},
		{"mobile 0086", "008613800138000", KindMobile, true, ""},
		{"mobile with a bad prefix", "12000138000", KindMobile, false, keyMobilePrefix},
		{"foreign mobile", "+44 7700 900123", KindMobile, false, keyMobileCountry},
		{"region 12", "360102001001", KindRegion, true, ""},
		{"region 6", "360102", KindRegion, true, ""},
		{"pasted with a line break", "13800138000\r\n", KindMobile, true, ""},
		{"word", "hello", KindUnknown, false, keyUnrecognized},
		{"Han", "张三", KindUnknown, false, keyUnrecognized},
		{"5 digits", "12345", KindUnknown, false, keyUnrecognized},
		{"10 digits", "1380013800", KindUnknown, false, keyUnrecognized},
		{"11 digits not starting with 1", "23800138000", KindUnknown, false, keyUnrecognized},
		{"18 with punctuation", "91350100M000100Y4.", KindUnknown, false, keyUnrecognized},
		{"plus inside", "138+0013800", KindUnknown, false, keyUnrecognized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Check(tt.in, testNow)
			if r.Kind != tt.kind || r.Valid != tt.valid || r.Reason != tt.reason {
				t.Errorf("Check(%q) = kind %q valid %v reason %q; want %q %v %q",
					tt.in, r.Kind, r.Valid, r.Reason, tt.kind, tt.valid, tt.reason)
			}
			if r.Err() != nil {
				t.Errorf("Check(%q).Err() = %v", tt.in, r.Err())
			}
		})
	}
}

func TestUnusableInput(t *testing.T) {
	tests := []struct{ name, in, key string }{
		{"empty", "", keyEmpty},
		{"spaces", "   ", keyEmpty},
		{"ideographic space", "\u3000", keyEmpty},
		{"separators only", " - - ", keyEmpty},
		{"65 bytes", strings.Repeat("1", 65), keyTooLong},
		{"22 full-width digits", strings.Repeat("１", 22), keyTooLong},
		{"NUL", "1380013\x008000", keyControl},
		{"tab inside", "138\t00138000", keyControl},
		{"DEL", "13800138000\x7f1", keyControl},
		{"C1 control", "1380\u00850138000", keyControl},
		{"line separator", "1380\u20280138000", keyControl},
		{"invalid UTF-8", "13800\xff138000", keyEncoding},
	}
	checks := map[string]func(string) Result{
		"Check":       func(s string) Result { return Check(s, testNow) },
		"CheckUSCC":   CheckUSCC,
		"CheckIDCard": func(s string) Result { return CheckIDCard(s, testNow) },
		"CheckMobile": CheckMobile,
		"CheckRegion": CheckRegion,
	}
	for _, tt := range tests {
		for fn, check := range checks {
			r := check(tt.in)
			err := r.Err()
			if err == nil || r.Valid || r.Reason != tt.key || r.Status != StatusMalformed {
				t.Errorf("%s(%q) = %+v, err %v; want rejection %q", fn, tt.in, r, err, tt.key)
				continue
			}
			if !errors.Is(err, ErrInput) || errs.CodeOf(err) != errs.Invalid || errs.As(err).Key != tt.key {
				t.Errorf("%s(%q).Err() = %v: want errs.Invalid with key %q wrapping ErrInput", fn, tt.in, err, tt.key)
			}
		}
	}
	// 64 bytes is still accepted.
	if r := Check(strings.Repeat(" ", 53)+"13800138000", testNow); !r.Valid {
		t.Errorf("64-byte input: %+v", r)
	}
}

func TestResultJSON(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"91350100M0001TGQXM", `{"kind":"uscc","normalized":"91350100M0001TGQXM","valid":true,"status":"checksum_warning",` +
			`"warnings":["ident.uscc.checksum"],"region":"350100",` +
			`"registration_authority":{"code":"9","zh":"市场监管（工商）","en":"market regulation"},` +
			`"category":{"code":"1","zh":"企业","en":"enterprise"},"org_code":"M0001TGQX"}`},
		{"110105491231002", `{"kind":"id_card","normalized":"11010519491231002X","valid":true,"status":"ok",` +
			`"region":"110105","birth_date":"1949-12-31","sex":"female","upgraded":true}`},
		{"360102001", `{"kind":"","valid":false,"status":"malformed","reason":"ident.unrecognized"}`},
		{"360102001001", `{"kind":"region","normalized":"360102001001","valid":true,"status":"ok","region":"360102","level":"village"}`},
		{"", `{"kind":"","valid":false,"status":"malformed","reason":"ident.input.empty"}`},
	}
	for _, tt := range tests {
		b, err := json.Marshal(Check(tt.in, testNow))
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != tt.want {
			t.Errorf("JSON of Check(%q):\n got %s\nwant %s", tt.in, b, tt.want)
		}
	}
}

func TestMessageKeys(t *testing.T) {
	keys := MessageKeys()
	seen := map[string]bool{}
	for _, k := range keys {
		if !strings.HasPrefix(k, "ident.") || seen[k] {
			t.Errorf("bad or duplicate key %q", k)
		}
		seen[k] = true
	}
	keys[0] = "changed"
	if MessageKeys()[0] == "changed" {
		t.Error("MessageKeys returns shared storage")
	}
}

func TestNormalFormsDoNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes allocation counts")
	}
	for _, tt := range []struct {
		in   string
		max  float64
		kind Kind
	}{
		{"91350100M000100Y43", 0, KindUSCC},
		{"13800138000", 0, KindMobile},
		{"360102001001", 0, KindRegion},
		{"11010519491231002X", 1, KindIDCard}, // the birth date string
	} {
		var r Result
		n := testing.AllocsPerRun(100, func() { r = Check(tt.in, testNow) })
		if n > tt.max || r.Kind != tt.kind {
			t.Errorf("Check(%q): %v allocations, want ≤ %v", tt.in, n, tt.max)
		}
	}
}
