package cases

import (
	"context"
	"database/sql"
	"fmt"
	"sync"

	"onestamp/internal/platform/workday"
)

// A case number (办件编号) is 18 digits, printed on every notice and receipt and as a barcode:
//
//	RRRRRR YYMMDD NNNNN C
//	360102 250312 00042 7
//
//	RRRRRR  the first 6 digits (GB/T 2260) of the receiving jurisdiction's region code
//	YYMMDD  the day the number was issued (Shanghai)
//	NNNNN   the sequence within that region and day, from 00001; a busy day widens it to 6 digits
//	C       a Damm check digit over everything before it: any single mistyped digit and any swap
//	        of two neighbouring digits is caught before a lookup
//
// The number is issued when a case leaves the draft (submitted online or received at a
// window). Sequences come from case_no_blocks, reserved by each process in blocks of
// Config.NumberBlock in a short transaction of their own, so the counter row of a busy hall is
// touched once per block instead of once per case, and no process waits on another's case
// transaction. Numbers of a block a process did not use before it stopped are never issued:
// gaps are expected, duplicates impossible (the column is also UNIQUE).

type noBlock struct{ next, last int64 }

type numberer struct {
	mu     sync.Mutex
	blocks map[string]*noBlock
}

// damm is the Damm algorithm's quasigroup table (a totally anti-symmetric quasigroup of order 10).
var damm = [10][10]byte{
	{0, 3, 1, 7, 5, 9, 8, 6, 4, 2},
	{7, 0, 9, 2, 1, 5, 4, 8, 6, 3},
	{4, 2, 0, 6, 8, 7, 1, 3, 5, 9},
	{1, 7, 5, 0, 9, 8, 3, 4, 2, 6},
	{6, 1, 2, 3, 0, 4, 5, 9, 7, 8},
	{3, 6, 7, 4, 2, 0, 9, 5, 8, 1},
	{5, 8, 6, 9, 7, 2, 0, 1, 3, 4},
	{8, 9, 4, 5, 3, 6, 2, 0, 1, 7},
	{9, 4, 3, 8, 6, 1, 7, 2, 0, 5},
	{2, 5, 8, 1, 4, 3, 6, 7, 9, 0},
}

func dammDigit(s string) byte {
	var interim byte
	for i := 0; i < len(s); i++ {
		interim = damm[interim][s[i]-'0']
	}
	return '0' + interim
}

// ValidCaseNo reports whether s has the form of a case number and its check digit matches.
func ValidCaseNo(s string) bool {
	if len(s) < 18 || len(s) > 20 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return dammDigit(s[:len(s)-1]) == s[len(s)-1]
}

func formatCaseNo(prefix string, seq int64) string {
	body := fmt.Sprintf("%s%05d", prefix, seq)
	return body + string(dammDigit(body))
}

// noPrefix is the region and day part of a number.
func noPrefix(region string, day workday.Date) string {
	r := region
	if len(r) > 6 {
		r = r[:6]
	}
	for len(r) < 6 {
		r += "0"
	}
	y, m, d := day.Civil()
	return fmt.Sprintf("%s%02d%02d%02d", r, y%100, int(m), d)
}

// nextNo issues the next number for a case received in region on day. It must be called
// outside the case's transaction (on SQLite that transaction holds the only writer).
func (s *Service) nextNo(ctx context.Context, region string, day workday.Date) (string, error) {
	prefix := noPrefix(region, day)
	s.nos.mu.Lock()
	defer s.nos.mu.Unlock()
	b := s.nos.blocks[prefix]
	if b == nil || b.next > b.last {
		n := s.cfg.NumberBlock
		var last int64
		err := s.d.Tx(ctx, func(tx *sql.Tx) error {
			var err error
			last, err = s.st.reserveNos(ctx, tx, prefix, n)
			return err
		})
		if err != nil {
			return "", err
		}
		b = &noBlock{next: last - int64(n) + 1, last: last}
		// Blocks of past days are no longer needed.
		for p := range s.nos.blocks {
			if p[6:] != prefix[6:] {
				delete(s.nos.blocks, p)
			}
		}
		s.nos.blocks[prefix] = b
	}
	no := formatCaseNo(prefix, b.next)
	b.next++
	return no, nil
}
