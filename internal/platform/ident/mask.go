package ident

import (
	"strings"
	"unicode/utf8"
)

// Masks for display. Every mask returns as many runes as it was given (an invalid UTF-8 byte
// counts as one rune and is kept or masked like one), never panics, and hides the middle.
// The customary shapes are used for well-formed values; any other input reveals at most half
// of its runes, so a truncated or odd value cannot leak more than a well-formed one would.

const maskRune = '*'

// MaskIDCard keeps the first 4 and last 4 characters of an 18-character ID number:
// 360102199001011234 → 3601**********1234.
func MaskIDCard(s string) string {
	return maskSpan(s, 4, 4, false)
}

// MaskUSCC keeps the first 6 (authority, category, province and prefecture) and the last 4
// characters of an 18-character code: 91440300708461136T → 914403********136T. A USCC is
// public for organisations, so 10 of 18 may show; other lengths reveal at most half.
func MaskUSCC(s string) string {
	return maskSpan(s, 6, 4, utf8.RuneCountInString(s) == 18)
}

// MaskMobile hides digits 4–7 of a mainland mobile number, in place, keeping any +86 prefix
// and separators: 13800138000 → 138****8000, +86 138-0013-8000 → +86 138-****-8000. Anything
// that is not a valid mobile number reveals at most half.
func MaskMobile(s string) string {
	if !isMobile(s) {
		return maskSpan(s, 3, 4, false)
	}
	// The national number is the last 11 digits; mask those 4 to 7 places from the end.
	digits := 0
	for _, r := range s {
		if isDigitRune(r) {
			digits++
		}
	}
	var b strings.Builder
	b.Grow(len(s))
	i := 0
	for _, r := range s {
		if isDigitRune(r) {
			if back := digits - 1 - i; back >= 4 && back <= 7 {
				r = maskRune
			}
			i++
		}
		b.WriteRune(r)
	}
	return b.String()
}

// MaskName keeps the first character of a name of up to 3 characters and the first two of a
// longer one: 张三 → 张*, 王小明 → 王**, 欧阳娜娜 → 欧阳**. Compound surnames cannot be told
// apart from given names reliably, so 欧阳娜 shows as 欧** rather than risk showing 2 of 3.
// A one-character value is masked entirely.
func MaskName(s string) string {
	head := 1
	if utf8.RuneCountInString(s) >= 4 {
		head = 2
	}
	return maskSpan(s, head, 0, false)
}

func isDigitRune(r rune) bool {
	return (r >= '0' && r <= '9') || (r >= '０' && r <= '９')
}

// maskSpan keeps head runes at the start and tail at the end and replaces the rest. Unless
// exact, head and tail shrink until they reveal at most half of the runes, tail first, so
// that the middle rune is always masked.
func maskSpan(s string, head, tail int, exact bool) string {
	n := utf8.RuneCountInString(s)
	if !exact {
		for head+tail > n/2 {
			if tail >= head && tail > 0 {
				tail--
			} else {
				head--
			}
		}
	}
	// Byte offsets of the end of the head and the start of the tail, both found walking
	// forward so that invalid UTF-8 splits into the same runes RuneCountInString counted.
	headEnd, tailStart := 0, 0
	for i := range n - tail {
		if i == head {
			headEnd = tailStart
		}
		_, size := utf8.DecodeRuneInString(s[tailStart:])
		tailStart += size
	}
	if head == n-tail {
		headEnd = tailStart
	}
	var b strings.Builder
	b.Grow(headEnd + (n - head - tail) + len(s) - tailStart)
	b.WriteString(s[:headEnd])
	for range n - head - tail {
		b.WriteByte(maskRune)
	}
	b.WriteString(s[tailStart:])
	return b.String()
}
