package workday

import (
	"slices"
	"testing"
)

func codes(ws []Warning) []WarningCode {
	var out []WarningCode
	for _, w := range ws {
		out = append(out, w.Code)
	}
	return out
}

func TestValidateYear(t *testing.T) {
	// An invented 2028 that nets 13 weekday holidays and has no run longer than 6.
	clean := YearTable{Year: 2028}
	for _, s := range []string{
		"2028-01-01", "2028-01-02", "2028-01-03", // 元旦 (1 weekday)
		"2028-01-25", "2028-01-26", "2028-01-27", "2028-01-28", "2028-01-29", "2028-01-30", "2028-01-31", "2028-02-01", // 春节 (6 weekdays)
		"2028-04-04",               // 清明 Tue (1)
		"2028-05-01", "2028-05-02", // 劳动节 Mon-Tue (2)
		"2028-05-28", "2028-05-29", // 端午 Sun-Mon (1)
		"2028-10-02", "2028-10-03", "2028-10-04", "2028-10-05", "2028-10-06", // 国庆 + 中秋 (5)
	} {
		clean.Holidays = append(clean.Holidays, md(s))
	}
	clean.MakeupDays = []Date{md("2028-01-22"), md("2028-02-05"), md("2028-09-30")} // Sat, Sat, Sat
	// 1+6+1+2+1+5 = 16 weekday holidays − 3 Saturdays worked = 13.
	if ws := ValidateYear(clean); len(ws) != 0 {
		t.Fatalf("clean table: %v", ws)
	}

	tests := []struct {
		name string
		edit func(*YearTable)
		want []WarningCode
	}{
		{"makeup on a weekday", func(y *YearTable) {
			y.MakeupDays = append(y.MakeupDays, md("2028-03-01")) // Wednesday: no count change
		}, []WarningCode{WarnMakeupNotWeekend}},
		{"seven in a row", func(y *YearTable) {
			// Working the weekend of 03-11/12 joins two weeks into a run of 12; two weekday
			// holidays later keep the count at 13.
			y.MakeupDays = append(y.MakeupDays, md("2028-03-11"), md("2028-03-12"))
			y.Holidays = append(y.Holidays, md("2028-03-20"), md("2028-03-21"))
		}, []WarningCode{WarnLongRun}},
		{"count", func(y *YearTable) {
			y.Holidays = append(y.Holidays, md("2028-03-01"))
		}, []WarningCode{WarnHolidayCount}},
		{"provisional", func(y *YearTable) {
			*y = YearTable{Year: 2028, Provisional: true}
		}, []WarningCode{WarnProvisional}},
		{"regional tables are not counted", func(y *YearTable) {
			*y = YearTable{Year: 2028, Region: "54", Holidays: []Date{md("2028-02-28")}}
		}, nil},
	}
	for _, tt := range tests {
		y := clean
		y.Holidays = slices.Clone(clean.Holidays)
		y.MakeupDays = slices.Clone(clean.MakeupDays)
		tt.edit(&y)
		if got := codes(ValidateYear(y)); !slices.Equal(got, tt.want) {
			t.Errorf("%s: warnings %v, want %v", tt.name, got, tt.want)
		}
	}
	ws := ValidateYear(YearTable{Year: 2028, MakeupDays: []Date{md("2028-03-11"), md("2028-03-12")}})
	var run *Warning
	for i := range ws {
		if ws[i].Code == WarnLongRun {
			run = &ws[i]
		}
	}
	if run == nil || run.Date != md("2028-03-06") || run.Message != "12 working days in a row from 2028-03-06 to 2028-03-17 (the rule is at most 6)" {
		t.Errorf("long run warning = %+v", run)
	}
}

// TestValidateBuiltin runs the import checks over the compiled-in tables: the years of the
// current law are clean, and the only count departures are the real ones (2015 added 抗战胜利日,
// 2020 extended 春节 for the epidemic).
func TestValidateBuiltin(t *testing.T) {
	var counted []int
	for _, tb := range Builtin() {
		if err := tb.Check(); err != nil {
			t.Errorf("%d: %v", tb.Year, err)
		}
		ws := ValidateYear(tb)
		if tb.Year >= 2025 && len(ws) > 0 {
			t.Errorf("%d: %v", tb.Year, ws)
		}
		for _, w := range ws {
			switch w.Code {
			case WarnHolidayCount:
				counted = append(counted, tb.Year)
			case WarnMakeupNotWeekend:
				t.Errorf("%d: %v", tb.Year, w)
			}
		}
	}
	if !slices.Equal(counted, []int{2015, 2020}) {
		t.Errorf("years with a holiday-count warning: %v, want [2015 2020]", counted)
	}
}

func TestStatutoryHolidayDays(t *testing.T) {
	for y, want := range map[int]int{2007: 10, 2008: 11, 2024: 11, 2025: 13, 2030: 13} {
		if got := StatutoryHolidayDays(y); got != want {
			t.Errorf("StatutoryHolidayDays(%d) = %d, want %d", y, got, want)
		}
	}
}
