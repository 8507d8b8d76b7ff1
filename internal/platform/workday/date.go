package workday

import (
	"database/sql/driver"
	"fmt"
	"time"
	_ "time/tzdata" // Asia/Shanghai must resolve on hosts without a zoneinfo database
)

// Shanghai is the zone every business date and due instant is reckoned in.
var Shanghai = mustLoad("Asia/Shanghai")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic("workday: " + err.Error())
	}
	return loc
}

// Date is a civil date in Asia/Shanghai, stored as a day number so that comparisons are integer
// comparisons (a < b), AddDays is an addition and the calendar indexes bitmaps with it directly.
// The zero Date means "no date" (it is not a valid day); 0001-01-01 is 1.
type Date int32

// unixDay1 is the Date of 1970-01-01: the days from 0001-01-01 to it, plus one for the zero value.
const unixDay1 = 719163

// NewDate returns the date y-m-d. Like time.Date it normalises out-of-range months and days
// (2025-13-01 is 2026-01-01, 2025-03-00 is 2025-02-28).
func NewDate(y int, m time.Month, d int) Date {
	mm := int(m) - 1
	y += floorDiv(mm, 12)
	mm -= floorDiv(mm, 12) * 12
	return Date(daysFromCivil(y, mm+1, 1) + d - 1 + unixDay1)
}

// DateOf returns the Shanghai date of the instant t.
func DateOf(t time.Time) Date {
	y, m, d := t.In(Shanghai).Date()
	return NewDate(y, m, d)
}

// ParseDate parses "YYYY-MM-DD" (four-digit year from 0001) and rejects anything else, including
// dates that do not exist such as 2025-02-29.
func ParseDate(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, fmt.Errorf("workday: date %q is not in the form YYYY-MM-DD", s)
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 {
		return 0, fmt.Errorf("workday: date %q is not in the form YYYY-MM-DD", s)
	}
	if y < 1 || m < 1 || m > 12 || d < 1 || d > daysIn(y, time.Month(m)) {
		return 0, fmt.Errorf("workday: date %q does not exist", s)
	}
	return Date(daysFromCivil(y, m, d) + unixDay1), nil
}

// MustDate is ParseDate for constants and tests; it panics on a bad date.
func MustDate(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func daysIn(y int, m time.Month) int {
	switch m {
	case time.February:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// IsZero reports whether d is the zero Date ("no date").
func (d Date) IsZero() bool { return d == 0 }

// Civil returns the year, month and day of d.
func (d Date) Civil() (year int, month time.Month, day int) {
	y, m, dd := civilFromDays(int(d) - unixDay1)
	return y, time.Month(m), dd
}

// Year returns the calendar year of d.
func (d Date) Year() int {
	y, _, _ := civilFromDays(int(d) - unixDay1)
	return y
}

// String returns "YYYY-MM-DD", or "" for the zero Date.
func (d Date) String() string {
	if d == 0 {
		return ""
	}
	y, m, dd := civilFromDays(int(d) - unixDay1)
	if y < 0 || y > 9999 {
		return fmt.Sprintf("%d-%02d-%02d", y, m, dd)
	}
	var b [10]byte
	b[0], b[1], b[2], b[3] = byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10)
	b[4], b[7] = '-', '-'
	b[5], b[6] = byte('0'+m/10), byte('0'+m%10)
	b[8], b[9] = byte('0'+dd/10), byte('0'+dd%10)
	return string(b[:])
}

// AddDays returns d plus n calendar days.
func (d Date) AddDays(n int) Date { return d + Date(n) }

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday {
	// 1970-01-01 was a Thursday.
	return time.Weekday(floorMod(int(d)-unixDay1+4, 7))
}

// IsWeekend reports whether d is a Saturday or a Sunday.
func (d Date) IsWeekend() bool {
	w := d.Weekday()
	return w == time.Saturday || w == time.Sunday
}

// Before reports whether d is earlier than e.
func (d Date) Before(e Date) bool { return d < e }

// After reports whether d is later than e.
func (d Date) After(e Date) bool { return d > e }

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int {
	switch {
	case d < e:
		return -1
	case d > e:
		return 1
	}
	return 0
}

// Sub returns the number of calendar days from e to d.
func (d Date) Sub(e Date) int { return int(d) - int(e) }

// Time returns the instant of d's midnight in Shanghai plus the offset within the day.
func (d Date) Time(offset time.Duration) time.Time {
	y, m, dd := d.Civil()
	return time.Date(y, m, dd, 0, 0, 0, 0, Shanghai).Add(offset)
}

// MarshalText implements encoding.TextMarshaler ("YYYY-MM-DD"; the zero Date is empty).
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler; the empty text is the zero Date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = 0
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Value stores d as TEXT 'YYYY-MM-DD' and the zero Date as NULL.
func (d Date) Value() (driver.Value, error) {
	if d == 0 {
		return nil, nil
	}
	return d.String(), nil
}

// Scan reads TEXT 'YYYY-MM-DD' (or NULL, as the zero Date).
func (d *Date) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = 0
		return nil
	case string:
		return d.UnmarshalText([]byte(v))
	case []byte:
		return d.UnmarshalText(v)
	case time.Time:
		// A driver that typed the column as a date hands back midnight UTC of that day.
		*d = NewDate(v.Date())
		return nil
	}
	return fmt.Errorf("workday: cannot scan %T into a Date", src)
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int) int { return a - floorDiv(a, b)*b }

// daysFromCivil and civilFromDays are Howard Hinnant's proleptic Gregorian algorithms
// (days relative to 1970-01-01); they are branch-light and need no tables.
func daysFromCivil(y, m, d int) int {
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func civilFromDays(z int) (y, m, d int) {
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	if mp < 10 {
		m = mp + 3
	} else {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}
