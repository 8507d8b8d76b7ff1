package org

import (
	"bytes"
	"testing"

	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/ident"
)

func TestRegionCodes(t *testing.T) {
	cases := []struct {
		code  string
		ok    bool
		level ident.Level
	}{
		{"360000000000", true, ident.LevelProvince},
		{"369900000000", true, ident.LevelPrefecture},
		{"369901000000", true, ident.LevelCounty},
		{"369971000000", true, ident.LevelCounty},
		{"369901001000", true, ident.LevelTownship},
		{"369901001002", true, ident.LevelVillage},
		{"110101000000", true, ident.LevelCounty},
		{"369900", false, ""},        // 6 digits: not accepted for a jurisdiction
		{"3699010000000", false, ""}, // 13 digits
		{"36990100000A", false, ""},  // not a digit
		{"000000000000", false, ""},  // no province
		{"990000000000", false, ""},  // unknown province
		{"360001000000", false, ""},  // county without a prefecture
		{"369900001000", false, ""},  // township without a county
		{"36990100100１", false, ""},  // a full-width digit
		{"369901000001", false, ""},  // village without a township
		{" 369901000000", false, ""}, // the service trims; the check does not
	}
	for _, c := range cases {
		err := CheckRegionCode(c.code)
		if (err == nil) != c.ok {
			t.Errorf("CheckRegionCode(%q) = %v, want ok=%v", c.code, err, c.ok)
		}
		if got := RegionLevel(c.code); got != c.level {
			t.Errorf("RegionLevel(%q) = %q, want %q", c.code, got, c.level)
		}
	}
}

func TestContains(t *testing.T) {
	cases := []struct {
		a, b string
		want bool
	}{
		{"369900000000", "369901000000", true},
		{"369900000000", "369900000000", true},
		{"369900000000", "369971000000", true},
		{"369901000000", "369901001000", true},
		{"369901000000", "369900000000", false},
		{"369901000000", "369902000000", false},
		{"369901000000", "369910000000", false}, // 3699 01 is not a prefix match of 3699 10
		{"369900000000", "369800000000", false},
		{"", "369901000000", false},
		{"369900000000", "", false},
		{"bad", "bad", false},
	}
	for _, c := range cases {
		if got := Contains(c.a, c.b); got != c.want {
			t.Errorf("Contains(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
	if got := RegionAncestors("369901001000"); len(got) != 3 || got[0] != "360000000000" || got[2] != "369901000000" {
		t.Errorf("ancestors = %v", got)
	}
}

func TestJurisdictionKindMatchesLevel(t *testing.T) {
	cases := []struct {
		j   Jurisdiction
		key string
	}{
		{Jurisdiction{Code: "369900000000", Name: "示范市", Kind: JurCity}, ""},
		{Jurisdiction{Code: "369901000000", Name: "区", Kind: JurDistrict, ParentCode: "369900000000"}, ""},
		{Jurisdiction{Code: "369971000000", Name: "高新区", Kind: JurZone, ParentCode: "369900000000"}, ""},
		{Jurisdiction{Code: "369901100000", Name: "园区", Kind: JurZone, ParentCode: "369901000000"}, ""},
		{Jurisdiction{Code: "369901000000", Name: "县", Kind: JurCity}, "org.jurisdiction.level"},
		{Jurisdiction{Code: "369900000000", Name: "市", Kind: JurCounty, ParentCode: "360000000000"}, "org.jurisdiction.level"},
		{Jurisdiction{Code: "369901000000", Name: "县", Kind: JurCounty}, "org.parent.required"},
		{Jurisdiction{Code: "369901000000", Name: "县", Kind: JurCounty, ParentCode: "369901000000"}, "org.jurisdiction.outside_parent"},
		{Jurisdiction{Code: "369901000000", Name: "", Kind: JurCounty, ParentCode: "369900000000"}, "org.name.required"},
		{Jurisdiction{Code: "369901000000", Name: "县\n", Kind: JurCounty, ParentCode: "369900000000"}, "org.text.control"},
		{Jurisdiction{Code: "369901000000", Name: "县", Kind: "state", ParentCode: "369900000000"}, "org.kind.invalid"},
	}
	for _, c := range cases {
		err := c.j.Validate()
		key := ""
		if err != nil {
			key = errs.As(err).Key
		}
		if key != c.key {
			t.Errorf("%+v: got %q (%v), want %q", c.j, key, err, c.key)
		}
	}
}

func FuzzCheckRegionCode(f *testing.F) {
	for _, s := range []string{"369900000000", "369901001002", "000000000000", "36990X", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if CheckRegionCode(s) != nil {
			if RegionLevel(s) != "" || Contains(s, s) {
				t.Fatalf("malformed %q has a level or contains itself", s)
			}
			return
		}
		if !Contains(s, s) {
			t.Fatalf("%q does not contain itself", s)
		}
		for _, a := range RegionAncestors(s) {
			if CheckRegionCode(a) != nil || !Contains(a, s) || Contains(s, a) {
				t.Fatalf("ancestor %q of %q", a, s)
			}
		}
	})
}

// FuzzImport feeds arbitrary bytes to the workbook parser: it must answer with problems, never
// panic or hang.
func FuzzImport(f *testing.F) {
	var b bytes.Buffer
	if err := ImportTemplate(&b); err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		wb, ps := parseWorkbook(data)
		if wb == nil && len(ps) == 0 {
			t.Fatal("no workbook and no problem")
		}
	})
}
