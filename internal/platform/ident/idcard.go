package ident

import "time"

// Resident ID number, GB 11643-1999: 6-digit address code, 8-digit birth date YYYYMMDD,
// 3-digit sequence (odd for men, even for women) and a check character (ISO 7064 MOD 11-2).
// The 15-digit form of the first-generation card has a 6-digit date YYMMDD (19YY) and no
// check character. Residence permits of HK, Macao and Taiwan residents use the same layout
// with address codes 810000, 820000 and 830000.
//
// The address code is checked for form only: codes of merged or renamed counties stay on
// the cards issued under them.

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const idCheckChars = "10X98765432"

// minBirthYear bounds birth dates from below; anything earlier is a typo.
const minBirthYear = 1800

// chinaTime is the zone of business dates. China has kept UTC+8 without summer time since
// 1991, so a fixed zone is exact and needs no tzdata.
var chinaTime = time.FixedZone("CST", 8*3600)

// IDCardCheckChar returns the check character of a resident ID number whose first 17 digits
// are given, and false when they are not 17 ASCII digits.
func IDCardCheckChar(first17 string) (byte, bool) {
	if len(first17) != 17 {
		return 0, false
	}
	for i := 0; i < 17; i++ {
		if first17[i] < '0' || first17[i] > '9' {
			return 0, false
		}
	}
	var b [17]byte
	copy(b[:], first17)
	return idCheckChar(b[:]), true
}

// idCheckChar expects 17 ASCII digits.
func idCheckChar(c []byte) byte {
	sum := 0
	for i, w := range idWeights {
		sum += int(c[i]-'0') * w
	}
	return idCheckChars[sum%11]
}

// UpgradeIDCard converts a 15-digit ID number to the 18-digit form: "19" is inserted before
// the 2-digit birth year and the check character appended. It returns false when id15 is
// not 15 ASCII digits; the date is not checked here (CheckIDCard does).
func UpgradeIDCard(id15 string) (string, bool) {
	if len(id15) != 15 {
		return "", false
	}
	var b [18]byte
	copy(b[:], id15)
	if !allDigits(b[:15]) {
		return "", false
	}
	upgrade15(&b)
	return string(b[:]), true
}

// upgrade15 rewrites a 15-digit number held in b[:15] into its 18-digit form in place.
func upgrade15(b *[18]byte) {
	copy(b[8:17], b[6:15])
	b[6], b[7] = '1', '9'
	b[17] = idCheckChar(b[:17])
}

type ymd struct{ y, m, d int }

func today(now time.Time) ymd {
	y, m, d := now.In(chinaTime).Date()
	return ymd{y, int(m), d}
}

func (a ymd) after(b ymd) bool {
	if a.y != b.y {
		return a.y > b.y
	}
	if a.m != b.m {
		return a.m > b.m
	}
	return a.d > b.d
}

// birthDate reads 8 ASCII digits YYYYMMDD. It returns the date and "" when the date is real
// and neither before minBirthYear nor after today, otherwise the message key of the fault.
func birthDate(c []byte, today ymd) (ymd, string, bool) {
	var v [8]int
	for i := range v {
		if c[i] < '0' || c[i] > '9' {
			return ymd{}, keyIDBirthDate, false
		}
		v[i] = int(c[i] - '0')
	}
	d := ymd{v[0]*1000 + v[1]*100 + v[2]*10 + v[3], v[4]*10 + v[5], v[6]*10 + v[7]}
	if d.y < minBirthYear || d.m < 1 || d.m > 12 || d.d < 1 || d.d > daysIn(d.y, d.m) {
		return d, keyIDBirthDate, false
	}
	if d.after(today) {
		return d, keyIDBirthFuture, false
	}
	return d, "", true
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func checkIDCard(r *Result, c []byte, src string, now time.Time) {
	var up [18]byte
	switch len(c) {
	case 18:
		if !allDigits(c[:17]) || (c[17] != 'X' && (c[17] < '0' || c[17] > '9')) {
			r.malformed(keyIDFormat)
			return
		}
		if idCheckChar(c[:17]) != c[17] {
			r.malformed(keyIDChecksum)
			return
		}
	case 15:
		if !allDigits(c) {
			r.malformed(keyIDFormat)
			return
		}
		copy(up[:], c)
		upgrade15(&up)
		c = up[:]
		r.Upgraded = true
	default:
		r.malformed(keyIDLength)
		return
	}

	d, key, ok := birthDate(c[6:14], today(now))
	if !ok {
		r.malformed(key)
		return
	}

	var id string
	if r.Upgraded {
		id = string(c)
	} else {
		id = keep(c, src)
	}
	switch id[0:2] {
	case "81":
		r.Permit = PermitHongKong
	case "82":
		r.Permit = PermitMacao
	case "83":
		r.Permit = PermitTaiwan
	default:
		if !knownProvince(c[0], c[1]) {
			r.warn(keyIDProvince)
		}
	}
	r.Region = id[0:6]
	r.BirthDate = formatDate(d)
	if (c[16]-'0')%2 == 1 {
		r.Sex = SexMale
	} else {
		r.Sex = SexFemale
	}
	r.accept(id)
}

func formatDate(d ymd) string {
	b := [10]byte{
		byte('0' + d.y/1000), byte('0' + d.y/100%10), byte('0' + d.y/10%10), byte('0' + d.y%10), '-',
		byte('0' + d.m/10), byte('0' + d.m%10), '-',
		byte('0' + d.d/10), byte('0' + d.d%10),
	}
	return string(b[:])
}
