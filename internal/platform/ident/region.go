package ident

// Statistical region codes (统计用区划代码): 2 digits province, 2 prefecture, 2 county,
// 3 township, 3 village. The first 6 digits are the GB/T 2260 code, which is accepted alone
// and padded with zeros. The level is read from the trailing zeros; a zero segment between
// non-zero ones is legal (东莞 441900003000 is a township directly under a prefecture).
//
// Only the province is checked against a list: county and lower codes change every year and
// belong to a dated table kept elsewhere.

func checkRegion(r *Result, c []byte, src string) {
	if !allDigits(c) {
		r.malformed(keyRegionFormat)
		return
	}
	var code string
	switch len(c) {
	case 12:
		code = keep(c, src)
	case 6:
		var b [12]byte
		copy(b[:], c)
		copy(b[6:], "000000")
		code = string(b[:])
	default:
		r.malformed(keyRegionLength)
		return
	}
	if !knownProvince(code[0], code[1]) {
		r.warn(keyRegionProvince)
	}
	r.Region = code[:6]
	r.Level = regionLevel(code)
	r.accept(code)
}

// regionLevel expects 12 digits.
func regionLevel(code string) Level {
	switch {
	case code[2:] == "0000000000":
		return LevelProvince
	case code[4:] == "00000000":
		return LevelPrefecture
	case code[6:] == "000000":
		return LevelCounty
	case code[9:] == "000":
		return LevelTownship
	}
	return LevelVillage
}
