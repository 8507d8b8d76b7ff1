package catalog

import "strings"

// ImplCodeView is the parsed view of an 实施编码. Codes are stored as opaque strings: the
// provincial platform is their system of record and their layout is observed, not specified
// (GB/T 39554.1, DOMAIN §16.7). The observed layout is
//
//	{基本编码}-{12-digit region}-{000}-{implementer USCC}-{1}-{00}
//
// A code that does not follow it still works everywhere; its view has OK false.
type ImplCodeView struct {
	OK          bool   `json:"ok" doc:"the code follows the observed layout"`
	BaseCode    string `json:"base_code,omitempty"`
	RegionCode  string `json:"region_code,omitempty"`
	Seq         string `json:"seq,omitempty" doc:"the 3-digit segment after the region"`
	Implementer string `json:"implementer,omitempty" doc:"统一社会信用代码 of the implementing body"`
	Flag        string `json:"flag,omitempty"`
	Suffix      string `json:"suffix,omitempty"`
}

// ParseImplCode returns the parsed view of an 实施编码.
func ParseImplCode(code string) ImplCodeView {
	parts := strings.Split(strings.TrimSpace(code), "-")
	if len(parts) != 6 {
		return ImplCodeView{}
	}
	v := ImplCodeView{BaseCode: parts[0], RegionCode: parts[1], Seq: parts[2], Implementer: parts[3],
		Flag: parts[4], Suffix: parts[5]}
	v.OK = v.BaseCode != "" && len(v.RegionCode) == 12 && allDigits(v.RegionCode) &&
		len(v.Seq) == 3 && allDigits(v.Seq) && len(v.Implementer) == 18 &&
		len(v.Flag) == 1 && len(v.Suffix) == 2 && allDigits(v.Suffix)
	if !v.OK {
		return ImplCodeView{}
	}
	return v
}

// FormatImplCode builds an 实施编码 in the observed layout.
func FormatImplCode(base, region, implementerUSCC string) string {
	return base + "-" + region + "-000-" + implementerUSCC + "-1-00"
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
