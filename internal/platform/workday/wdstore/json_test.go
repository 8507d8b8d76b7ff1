package wdstore

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/workday"
)

var md = workday.MustDate

// example2028 is an invented 2028 notice that satisfies every import check.
const example2028 = `{
  "year": 2028,
  "source_doc": "国办发明电〔2027〕12号",
  "published_on": "2027-11-10",
  "holidays": [
    {"from": "2028-01-01", "to": "2028-01-03", "name": "元旦"},
    {"from": "2028-01-25", "to": "2028-02-01", "name": "春节"},
    {"date": "2028-04-04", "name": "清明节"},
    {"from": "2028-05-01", "to": "2028-05-02", "name": "劳动节"},
    "2028-05-28", "2028-05-29",
    {"from": "2028-10-02", "to": "2028-10-06", "name": "国庆节"}
  ],
  "makeup_days": [
    {"date": "2028-01-22", "name": "春节"},
    {"date": "2028-02-05", "name": "春节"},
    {"date": "2028-09-30", "name": "国庆节"}
  ]
}`

func TestParseYearJSON(t *testing.T) {
	tb, ws, err := ParseYearJSON([]byte(example2028))
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 0 {
		t.Errorf("warnings: %v", ws)
	}
	if tb.Year != 2028 || tb.SourceDoc != "国办发明电〔2027〕12号" || tb.PublishedOn != "2027-11-10" || tb.Region != "" || tb.Provisional {
		t.Errorf("header: %+v", tb)
	}
	if len(tb.Holidays) != 21 || len(tb.MakeupDays) != 3 {
		t.Errorf("%d holidays, %d make-up days; want 21 and 3", len(tb.Holidays), len(tb.MakeupDays))
	}
	if tb.Holidays[3] != md("2028-01-25") || tb.Names[md("2028-01-28")] != "春节" || tb.Names[md("2028-05-28")] != "" {
		t.Errorf("days or names wrong: %v %v", tb.Holidays, tb.Names)
	}

	// Warnings do not reject.
	_, ws, err = ParseYearJSON([]byte(`{"year": 2028, "source_doc": "x", "makeup_days": ["2028-03-01"]}`))
	if err != nil || len(ws) != 2 || ws[0].Code != workday.WarnMakeupNotWeekend || ws[1].Code != workday.WarnHolidayCount {
		t.Errorf("warnings %v, %v", ws, err)
	}
	tb, ws, err = ParseYearJSON([]byte(`{"year": 2028, "provisional": true}`))
	if err != nil || !tb.Provisional || len(ws) != 1 || ws[0].Code != workday.WarnProvisional {
		t.Errorf("provisional: %+v %v %v", tb, ws, err)
	}

	bad := []struct{ doc, want string }{
		{`{"year": 2028, "source_doc": "x", "holidayz": []}`, `unknown field "holidayz"`},
		{`{"source_doc": "x"}`, `"year" is missing`},
		{`{"year": 2028}`, `"source_doc" is missing`},
		{`{"year": 2028.5, "source_doc": "x"}`, `cannot unmarshal`},
		{`{"year": 20280, "source_doc": "x"}`, `outside 1949–2199`},
		{`{"year": 2028, "source_doc": "x", "holidays": ["2028-02-30"]}`, `does not exist`},
		{`{"year": 2028, "source_doc": "x", "holidays": ["2028-03-04"], "makeup_days": ["2028-03-04"]}`, `both a holiday and a make-up day`},
		{`{"year": 2028, "source_doc": "x", "holidays": [{"from": "2028-03-04", "to": "2028-03-01"}]}`, `ends before it begins`},
		{`{"year": 2028, "source_doc": "x", "holidays": [{"from": "2028-03-01", "to": "2028-05-01"}]}`, `longer than 31 days`},
		{`{"year": 2028, "source_doc": "x", "holidays": [{"from": "2028-03-01"}]}`, `needs "date", or "from" and "to"`},
		{`{"year": 2028, "source_doc": "x", "holidays": [{"date": "2028-03-01", "to": "2028-03-02"}]}`, `not both`},
		{`{"year": 2028, "source_doc": "x", "holidays": [{"date": "2028-03-01", "why": "x"}]}`, `unknown field "why"`},
		{`{"year": 2028, "source_doc": "x", "holidays": ["2026-03-01"]}`, `outside 2027-12-01–2029-01-31`},
		{`{"year": 2028, "provisional": true, "holidays": ["2028-01-01"]}`, `provisional`},
		{`{"year": 2028, "source_doc": "x", "region": "Tibet"}`, `not a numeric region code`},
		{`{"year": 2028, "source_doc": "x", "published_on": "10 Nov 2027"}`, `not in the form YYYY-MM-DD`},
		{`{"year": 2028, "source_doc": "x"} {}`, `unexpected data`},
		{`[2028]`, `cannot unmarshal array`},
		{``, `EOF`},
	}
	for _, tt := range bad {
		_, _, err := ParseYearJSON([]byte(tt.doc))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseYearJSON(%s) error %v, want one containing %q", tt.doc, err, tt.want)
			continue
		}
		if !errs.Is(err, errs.Invalid) {
			t.Errorf("ParseYearJSON(%s) error code %v, want invalid", tt.doc, errs.CodeOf(err))
		}
	}
	if _, _, err := ParseYearJSON([]byte(`{"year": 2028, "source_doc": "` + strings.Repeat("x", MaxImportBytes) + `"}`)); err == nil {
		t.Error("accepted an oversized document")
	}
}

// TestFormatRoundTrip writes every built-in table in the import format and reads it back.
func TestFormatRoundTrip(t *testing.T) {
	for _, tb := range workday.Builtin() {
		b, err := FormatYearJSON(tb)
		if err != nil {
			t.Fatal(err)
		}
		back, _, err := ParseYearJSON(b)
		if err != nil {
			t.Fatalf("%d: %v\n%s", tb.Year, err, b)
		}
		if !reflect.DeepEqual(back, tb) {
			t.Fatalf("%d: round trip differs:\n%+v\n%+v", tb.Year, back, tb)
		}
	}
	// Consecutive days form one range only while the name stays the same.
	tb := workday.YearTable{Year: 2028, SourceDoc: "x",
		Holidays: []workday.Date{md("2028-10-02"), md("2028-10-03"), md("2028-10-04"), md("2028-10-05"), md("2028-10-09")},
		Names:    map[workday.Date]string{md("2028-10-02"): "中秋节", md("2028-10-03"): "国庆节", md("2028-10-04"): "国庆节"}}
	b, err := FormatYearJSON(tb)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Holidays []map[string]string }
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	want := []map[string]string{
		{"date": "2028-10-02", "name": "中秋节"},
		{"from": "2028-10-03", "to": "2028-10-04", "name": "国庆节"},
		{"date": "2028-10-05"},
		{"date": "2028-10-09"},
	}
	if !reflect.DeepEqual(doc.Holidays, want) {
		t.Errorf("holidays written as %v, want %v", doc.Holidays, want)
	}
}

func FuzzParseYearJSON(f *testing.F) {
	f.Add([]byte(example2028))
	f.Add([]byte(`{"year": 2028, "provisional": true}`))
	f.Add([]byte(`{"year": 2019, "region": "54", "source_doc": "x", "makeup_days": ["2018-12-29"], "holidays": [{"from": "2018-12-30", "to": "2019-01-01", "name": "元旦"}]}`))
	f.Add([]byte(`{"year": 2028, "source_doc": "x", "holidays": [{"from": "2028-03-01", "to": "2028-03-31"}]}`))
	f.Add([]byte(`{"year": 2028, "source_doc": "x", "holidays": [{"date": "2028-03-01", "name": "\ud800"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		tb, ws, err := ParseYearJSON(b)
		if err != nil {
			return
		}
		if err := tb.Check(); err != nil {
			t.Fatalf("accepted a table that fails Check: %v", err)
		}
		out, err := FormatYearJSON(tb)
		if err != nil {
			t.Fatalf("cannot format an accepted table: %v", err)
		}
		back, ws2, err := ParseYearJSON(out)
		if err != nil {
			t.Fatalf("cannot re-read the formatted table: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(back, tb) || !reflect.DeepEqual(ws, ws2) {
			t.Fatalf("round trip differs:\n%+v\n%+v", tb, back)
		}
		if _, err := workday.New([]workday.YearTable{tb}, nil); err != nil {
			t.Fatalf("accepted a table the calendar rejects: %v", err)
		}
	})
}
