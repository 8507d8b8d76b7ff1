package ident

// Mainland mobile numbers: 11 digits, 1 then 3–9 (the 2nd digit 0–2 is not assigned to
// mobile networks). The country code may precede as +86, 0086 or 86; the normal form is the
// bare 11 digits.

// nationalMobile strips a country prefix and returns the national part, or false with the
// message key of why the prefix is not China's.
func nationalMobile(c []byte) ([]byte, string) {
	switch {
	case len(c) > 0 && c[0] == '+':
		if len(c) < 3 || c[1] != '8' || c[2] != '6' {
			return nil, keyMobileCountry
		}
		return c[3:], ""
	case len(c) == 15 && c[0] == '0' && c[1] == '0' && c[2] == '8' && c[3] == '6':
		return c[4:], ""
	case len(c) == 13 && c[0] == '8' && c[1] == '6':
		return c[2:], ""
	}
	return c, ""
}

func checkMobile(r *Result, c []byte, src string) {
	if n, key := mobileNumber(c); key != "" {
		r.malformed(key)
	} else {
		r.accept(keep(n, src))
	}
}

// mobileNumber returns the 11-digit national number of c, or the message key of its fault.
func mobileNumber(c []byte) ([]byte, string) {
	n, key := nationalMobile(c)
	switch {
	case key != "":
		return nil, key
	case !allDigits(n):
		return nil, keyMobileFormat
	case len(n) != 11:
		return nil, keyMobileLength
	case n[0] != '1' || n[1] < '3':
		return nil, keyMobilePrefix
	}
	return n, ""
}

// isMobile reports whether s is a valid mobile number, without building a Result.
func isMobile(s string) bool {
	var sc scratch
	if sc.load(s) != "" || sc.foreign {
		return false
	}
	_, key := mobileNumber(sc.bytes())
	return key == ""
}
