package wdstore

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"

	"onestamp/internal/platform/workday"
)

// MaxImportBytes bounds an import document; a real year is about 2 KB.
const MaxImportBytes = 256 << 10

// maxRangeDays bounds one from–to range; the longest real holiday block is 9 days.
const maxRangeDays = 31

// ParseYearJSON parses one year of the calendar in the import format an administrator uploads
// when a new notice is published, and returns the table with the warnings of workday.ValidateYear.
// The format:
//
//	{
//	  "year": 2028,                              required
//	  "region": "",                              optional: "" national, or a region code / prefix
//	  "source_doc": "国办发明电〔2027〕12号",       required unless provisional
//	  "published_on": "2027-11-10",              optional, YYYY-MM-DD
//	  "provisional": false,                      optional: true loads a weekends-only stand-in
//	  "holidays": [                              days off, weekend days inside a block allowed
//	    {"from": "2028-01-01", "to": "2028-01-03", "name": "元旦"},
//	    {"date": "2028-05-28", "name": "端午节"},
//	    "2028-10-04"
//	  ],
//	  "makeup_days": [                           weekend days worked (调休上班)
//	    {"date": "2028-01-22", "name": "春节"}
//	  ]
//	}
//
// A day is a "YYYY-MM-DD" string, or an object with "date", or with "from" and "to" (inclusive, at
// most 31 days), and an optional "name". Days may lie in December of the previous year or January
// of the next (a make-up day for 元旦 often does). A provisional year lists no days. Unknown
// fields, a day listed both as holiday and as make-up day, and trailing data are errors (errs
// Invalid, key "workday.import_invalid"); doubtful but possible arrangements are warnings.
func ParseYearJSON(b []byte) (workday.YearTable, []workday.Warning, error) {
	t, err := parseYear(b)
	if err != nil {
		return workday.YearTable{}, nil, invalid("workday.import_invalid", err)
	}
	return t, workday.ValidateYear(t), nil
}

type yearDoc struct {
	Year        *int       `json:"year"`
	Region      string     `json:"region,omitempty"`
	SourceDoc   string     `json:"source_doc,omitempty"`
	PublishedOn string     `json:"published_on,omitempty"`
	Provisional bool       `json:"provisional,omitempty"`
	Holidays    []dayEntry `json:"holidays,omitempty"`
	MakeupDays  []dayEntry `json:"makeup_days,omitempty"`
}

type dayEntry struct {
	Date workday.Date `json:"date,omitzero"`
	From workday.Date `json:"from,omitzero"`
	To   workday.Date `json:"to,omitzero"`
	Name string       `json:"name,omitempty"`
}

func (e *dayEntry) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		d, err := workday.ParseDate(s)
		if err != nil {
			return err
		}
		*e = dayEntry{Date: d}
		return nil
	}
	type plain dayEntry
	var p plain
	if err := strictDecode(b, &p); err != nil {
		return err
	}
	*e = dayEntry(p)
	switch {
	case e.Date != 0 && (e.From != 0 || e.To != 0):
		return errors.New(`a day has "date" or "from" and "to", not both`)
	case e.Date == 0 && (e.From == 0 || e.To == 0):
		return errors.New(`a day needs "date", or "from" and "to"`)
	case e.Date == 0 && e.To < e.From:
		return fmt.Errorf("range %s to %s ends before it begins", e.From, e.To)
	case e.Date == 0 && e.To.Sub(e.From) >= maxRangeDays:
		return fmt.Errorf("range %s to %s is longer than %d days", e.From, e.To, maxRangeDays)
	}
	return nil
}

func (e dayEntry) days() (workday.Date, workday.Date) {
	if e.Date != 0 {
		return e.Date, e.Date
	}
	return e.From, e.To
}

func strictDecode(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("unexpected data after the JSON value")
	}
	return nil
}

func parseYear(b []byte) (workday.YearTable, error) {
	if len(b) > MaxImportBytes {
		return workday.YearTable{}, fmt.Errorf("document is larger than %d bytes", MaxImportBytes)
	}
	var doc yearDoc
	if err := strictDecode(b, &doc); err != nil {
		return workday.YearTable{}, err
	}
	if doc.Year == nil {
		return workday.YearTable{}, errors.New(`"year" is missing`)
	}
	t := workday.YearTable{
		Year: *doc.Year, Region: doc.Region, SourceDoc: doc.SourceDoc,
		PublishedOn: doc.PublishedOn, Provisional: doc.Provisional,
	}
	if t.SourceDoc == "" && !t.Provisional {
		return workday.YearTable{}, errors.New(`"source_doc" is missing: name the notice the table comes from`)
	}
	for _, set := range []struct {
		in  []dayEntry
		out *[]workday.Date
	}{{doc.Holidays, &t.Holidays}, {doc.MakeupDays, &t.MakeupDays}} {
		for _, e := range set.in {
			from, to := e.days()
			for d := from; d <= to; d++ {
				*set.out = append(*set.out, d)
				if e.Name != "" {
					if t.Names == nil {
						t.Names = map[workday.Date]string{}
					}
					t.Names[d] = e.Name
				}
			}
		}
	}
	if err := t.Check(); err != nil {
		return workday.YearTable{}, err
	}
	return t.Normalize(), nil
}

// FormatYearJSON writes t in the import format, holidays of one name in a row as one range;
// ParseYearJSON reads it back to the same table.
func FormatYearJSON(t workday.YearTable) ([]byte, error) {
	if err := t.Check(); err != nil {
		return nil, err
	}
	t = t.Normalize()
	y := t.Year
	doc := yearDoc{Year: &y, Region: t.Region, SourceDoc: t.SourceDoc, PublishedOn: t.PublishedOn,
		Provisional: t.Provisional, Holidays: ranges(t.Holidays, t.Names), MakeupDays: ranges(t.MakeupDays, t.Names)}
	return json.MarshalIndent(doc, "", "  ")
}

func ranges(ds []workday.Date, names map[workday.Date]string) []dayEntry {
	var out []dayEntry
	for i := 0; i < len(ds); {
		j := i + 1
		for j < len(ds) && j-i < maxRangeDays && ds[j] == ds[j-1]+1 && names[ds[j]] == names[ds[i]] {
			j++
		}
		if j-i == 1 {
			out = append(out, dayEntry{Date: ds[i], Name: names[ds[i]]})
		} else {
			out = append(out, dayEntry{From: ds[i], To: ds[j-1], Name: names[ds[i]]})
		}
		i = j
	}
	return slices.Clip(out)
}
