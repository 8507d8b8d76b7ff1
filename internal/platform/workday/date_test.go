package workday

import (
	"encoding/json"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		in      string
		want    string // "" = error expected
		wantErr string
	}{
		{in: "2025-01-01", want: "2025-01-01"},
		{in: "2024-02-29", want: "2024-02-29"},
		{in: "2000-02-29", want: "2000-02-29"},
		{in: "0001-01-01", want: "0001-01-01"},
		{in: "9999-12-31", want: "9999-12-31"},
		{in: "2025-02-29", wantErr: `workday: date "2025-02-29" does not exist`},
		{in: "1900-02-29", wantErr: `workday: date "1900-02-29" does not exist`},
		{in: "2025-04-31", wantErr: `workday: date "2025-04-31" does not exist`},
		{in: "2025-13-01", wantErr: `workday: date "2025-13-01" does not exist`},
		{in: "2025-00-10", wantErr: `workday: date "2025-00-10" does not exist`},
		{in: "0000-01-01", wantErr: `workday: date "0000-01-01" does not exist`},
		{in: "2025-1-01", wantErr: `workday: date "2025-1-01" is not in the form YYYY-MM-DD`},
		{in: "2025/01/01", wantErr: `workday: date "2025/01/01" is not in the form YYYY-MM-DD`},
		{in: "2025-01-0a", wantErr: `workday: date "2025-01-0a" is not in the form YYYY-MM-DD`},
		{in: "+025-01-01", wantErr: `workday: date "+025-01-01" is not in the form YYYY-MM-DD`},
		{in: "2025-01-01T00:00:00Z", wantErr: `workday: date "2025-01-01T00:00:00Z" is not in the form YYYY-MM-DD`},
		{in: "", wantErr: `workday: date "" is not in the form YYYY-MM-DD`},
	}
	for _, tt := range tests {
		d, err := ParseDate(tt.in)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("ParseDate(%q) = %v, %v; want error %q", tt.in, d, err, tt.wantErr)
			}
			continue
		}
		if err != nil || d.String() != tt.want {
			t.Errorf("ParseDate(%q) = %v, %v; want %s", tt.in, d, err, tt.want)
		}
	}
}

// TestDateAgreesWithTime checks every day from 1900 to 2200 against the time package: civil
// fields, weekday, formatting, parsing and NewDate.
func TestDateAgreesWithTime(t *testing.T) {
	tm := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	d := MustDate("1900-01-01")
	for tm.Year() < 2200 {
		y, m, dd := d.Civil()
		ty, tmo, tdd := tm.Date()
		if y != ty || m != tmo || dd != tdd {
			t.Fatalf("%v: Civil = %d-%d-%d", tm, y, m, dd)
		}
		if d.Weekday() != tm.Weekday() {
			t.Fatalf("%v: Weekday = %v, want %v", tm, d.Weekday(), tm.Weekday())
		}
		if s := tm.Format(time.DateOnly); d.String() != s || MustDate(s) != d || NewDate(ty, tmo, tdd) != d {
			t.Fatalf("%v: String %q / ParseDate / NewDate disagree", tm, d.String())
		}
		if d.Year() != ty {
			t.Fatalf("%v: Year = %d", tm, d.Year())
		}
		tm = tm.AddDate(0, 0, 1)
		d = d.AddDays(1)
	}
}

func TestDateHelpers(t *testing.T) {
	if got := NewDate(2025, 13, 1); got != MustDate("2026-01-01") {
		t.Errorf("NewDate(2025, 13, 1) = %s", got)
	}
	if got := NewDate(2025, 3, 0); got != MustDate("2025-02-28") {
		t.Errorf("NewDate(2025, 3, 0) = %s", got)
	}
	if got := NewDate(2025, 0, 1); got != MustDate("2024-12-01") {
		t.Errorf("NewDate(2025, 0, 1) = %s", got)
	}
	// 16:00 UTC on New Year's Eve is already New Year's Day in Shanghai.
	if got := DateOf(time.Date(2025, 12, 31, 16, 0, 0, 0, time.UTC)); got != MustDate("2026-01-01") {
		t.Errorf("DateOf = %s, want 2026-01-01", got)
	}
	if got := DateOf(time.Date(2025, 12, 31, 15, 59, 59, 0, time.UTC)); got != MustDate("2025-12-31") {
		t.Errorf("DateOf = %s, want 2025-12-31", got)
	}
	a, b := MustDate("2025-10-01"), MustDate("2025-10-08")
	if !a.Before(b) || a.After(b) || a.Compare(b) != -1 || b.Compare(a) != 1 || a.Compare(a) != 0 || b.Sub(a) != 7 {
		t.Error("comparisons are wrong")
	}
	if !MustDate("2025-10-04").IsWeekend() || MustDate("2025-10-03").IsWeekend() {
		t.Error("IsWeekend is wrong")
	}
	want := time.Date(2025, 10, 30, 23, 59, 59, 0, Shanghai)
	if got := MustDate("2025-10-30").Time(DefaultDueTime); !got.Equal(want) {
		t.Errorf("Time = %v, want %v", got, want)
	}
	if Date(0).String() != "" || !Date(0).IsZero() {
		t.Error("zero Date should be empty and IsZero")
	}
}

func TestDateEncoding(t *testing.T) {
	type doc struct {
		Due  Date `json:"due"`
		None Date `json:"none"`
	}
	b, err := json.Marshal(doc{Due: MustDate("2026-02-14")})
	if err != nil || string(b) != `{"due":"2026-02-14","none":""}` {
		t.Fatalf("Marshal = %s, %v", b, err)
	}
	var back doc
	if err := json.Unmarshal(b, &back); err != nil || back.Due != MustDate("2026-02-14") || back.None != 0 {
		t.Fatalf("Unmarshal = %+v, %v", back, err)
	}
	if err := json.Unmarshal([]byte(`{"due":"2026-02-30"}`), &back); err == nil {
		t.Fatal("Unmarshal accepted 2026-02-30")
	}

	if v, err := MustDate("2026-02-14").Value(); err != nil || v != "2026-02-14" {
		t.Errorf("Value = %v, %v", v, err)
	}
	if v, err := Date(0).Value(); err != nil || v != nil {
		t.Errorf("zero Value = %v, %v; want NULL", v, err)
	}
	var d Date
	for _, src := range []any{"2026-02-14", []byte("2026-02-14"), time.Date(2026, 2, 14, 0, 0, 0, 0, time.UTC)} {
		d = 0
		if err := d.Scan(src); err != nil || d != MustDate("2026-02-14") {
			t.Errorf("Scan(%T) = %s, %v", src, d, err)
		}
	}
	if err := d.Scan(nil); err != nil || d != 0 {
		t.Errorf("Scan(nil) = %s, %v", d, err)
	}
	if err := d.Scan(int64(5)); err == nil {
		t.Error("Scan(int64) succeeded")
	}
}
