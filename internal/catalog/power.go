package catalog

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/workday"
)

// PowerKind is what a power event does (相对集中行政许可, 行政许可法 art. 25).
type PowerKind string

const (
	PowerInitial  PowerKind = "initial"  // 原实施主体: who held the power when records begin
	PowerTransfer PowerKind = "transfer" // 划转: from the original department to the bureau
	PowerDelegate PowerKind = "delegate" // 赋权: to a development zone or a lower level
	PowerReturn   PowerKind = "return"   // 收回 / 回归: back to a former holder
)

// PowerKinds lists the kinds.
var PowerKinds = []PowerKind{PowerInitial, PowerTransfer, PowerDelegate, PowerReturn}

// Valid reports whether k is a known kind.
func (k PowerKind) Valid() bool { return slices.Contains(PowerKinds, k) }

// PowerEvent records that from a date the power over an item (by 基本编码) in a jurisdiction is
// exercised by an organisation unit, and on which document's order. The holder of (item,
// region) on a day is the latest event on or before it; a region without events of its own
// falls back to the nearest enclosing region's holder (a county to its city).
type PowerEvent struct {
	ID            string       `json:"id"`
	BaseCode      string       `json:"base_code"`
	RegionCode    string       `json:"region_code"`
	Kind          PowerKind    `json:"kind" doc:"initial, transfer, delegate or return"`
	FromUnit      string       `json:"from_unit,omitempty" doc:"unit id of the previous holder"`
	ToUnit        string       `json:"to_unit" doc:"unit id of the holder from effective_from"`
	EffectiveFrom workday.Date `json:"effective_from"`
	DocNo         string       `json:"doc_no,omitempty" doc:"文号 of the ordering document, e.g. 示政发〔2019〕5号"`
	DocTitle      string       `json:"doc_title,omitempty"`
	Note          string       `json:"note,omitempty"`
	CreatedAt     time.Time    `json:"created_at"`
	CreatedBy     string       `json:"created_by"`
}

// Normalize trims the text fields.
func (e *PowerEvent) Normalize() {
	for _, p := range []*string{&e.BaseCode, &e.RegionCode, &e.FromUnit, &e.ToUnit, &e.DocNo, &e.DocTitle, &e.Note} {
		*p = strings.TrimSpace(*p)
	}
	e.BaseCode = strings.ToUpper(e.BaseCode)
}

// Validate checks an event without I/O.
func (e PowerEvent) Validate() []Problem {
	var ps []Problem
	if e.BaseCode == "" {
		ps = append(ps, prob("base_code", kvRequired))
	} else if !codeRE.MatchString(e.BaseCode) {
		ps = append(ps, prob("base_code", kvKeyFormat, "value", e.BaseCode))
	}
	if !validRegion(e.RegionCode) {
		ps = append(ps, prob("region_code", kvRegion, "value", e.RegionCode))
	}
	if !e.Kind.Valid() {
		ps = append(ps, prob("kind", kvInvalidValue, "value", string(e.Kind)))
	}
	if e.ToUnit == "" {
		ps = append(ps, prob("to_unit", kvRequired))
	}
	if e.Kind != PowerInitial && e.Kind.Valid() {
		if e.FromUnit == "" {
			ps = append(ps, prob("from_unit", kvRequired))
		}
		if e.DocNo == "" {
			ps = append(ps, prob("doc_no", kvRequired))
		}
	}
	if e.FromUnit != "" && e.FromUnit == e.ToUnit {
		ps = append(ps, prob("to_unit", "catalog.power.same_unit"))
	}
	if e.EffectiveFrom.IsZero() {
		ps = append(ps, prob("effective_from", kvRequired))
	}
	for _, t := range []struct {
		f, v string
		max  int
	}{{"doc_no", e.DocNo, 64}, {"doc_title", e.DocTitle, maxShort}, {"note", e.Note, maxText}} {
		if utf8.RuneCountInString(t.v) > t.max {
			ps = append(ps, prob(t.f, kvTooLong, "max", t.max))
		}
	}
	return ps
}

// Division is a row of the 市县两级事权 list: at which level an item (by 基本编码) is exercised.
type Division struct {
	BaseCode  string        `json:"base_code"`
	Name      string        `json:"name"`
	Level     DivisionLevel `json:"level" doc:"city, county or shared"`
	Note      string        `json:"note,omitempty" doc:"e.g. the scale threshold that splits a shared item"`
	UpdatedAt time.Time     `json:"updated_at"`
	UpdatedBy string        `json:"updated_by"`
}

// DivisionLevel is where an item is exercised.
type DivisionLevel string

const (
	DivisionCity   DivisionLevel = "city"   // 市级
	DivisionCounty DivisionLevel = "county" // 县级
	DivisionShared DivisionLevel = "shared" // 市县共有 (split by scale or territory)
)

// DivisionLevels lists the levels.
var DivisionLevels = []DivisionLevel{DivisionCity, DivisionCounty, DivisionShared}

// Validate checks a division row without I/O.
func (d Division) Validate() []Problem {
	var ps []Problem
	if d.BaseCode == "" {
		ps = append(ps, prob("base_code", kvRequired))
	} else if !codeRE.MatchString(d.BaseCode) {
		ps = append(ps, prob("base_code", kvKeyFormat, "value", d.BaseCode))
	}
	if d.Name == "" {
		ps = append(ps, prob("name", kvRequired))
	}
	if utf8.RuneCountInString(d.Name) > 100 {
		ps = append(ps, prob("name", kvTooLong, "max", 100))
	}
	if !slices.Contains(DivisionLevels, d.Level) {
		ps = append(ps, prob("level", kvInvalidValue, "value", string(d.Level)))
	}
	if utf8.RuneCountInString(d.Note) > maxText {
		ps = append(ps, prob("note", kvTooLong, "max", maxText))
	}
	return ps
}

// regionChain returns a region code and the codes of the regions enclosing it, most specific
// first: 369901500000 → 369901500000, 369901000000, 369900000000, 360000000000.
func regionChain(code string) []string {
	p := auth.RegionPrefix(code)
	if p == "" {
		return nil
	}
	out := []string{code}
	for _, n := range []int{9, 6, 4, 2} {
		if n < len(p) {
			c := p[:n] + strings.Repeat("0", 12-n)
			if c != out[len(out)-1] {
				out = append(out, c)
			}
		}
	}
	return out
}

// regionDepth is the length of a region code's significant prefix: 2 province, 4 city,
// 6 county, 9 township, 12 village. It orders fallbacks most specific first.
func regionDepth(code string) int { return len(auth.RegionPrefix(code)) }

// RegionLevelName names the level of a region code for statistics: province, city, county,
// township or village.
func RegionLevelName(code string) string {
	switch regionDepth(code) {
	case 2:
		return "province"
	case 4:
		return "city"
	case 6:
		return "county"
	case 9:
		return "township"
	case 12:
		return "village"
	}
	return ""
}
