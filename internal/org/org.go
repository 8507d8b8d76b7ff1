// Package org is the administrative map of a city: its jurisdictions (市, 县区, 开发区) as a tree
// of 12-digit region codes, the organisation units inside them (the Administrative Approval
// Bureau of each level, the original departments that keep supervision, partner organisations,
// service halls) and the numbered windows of each hall. Other domains ask it for a unit, the
// chain of a unit's parents, a hall's windows, the jurisdiction tree and whether one region
// contains another.
//
// Nothing here is deleted: cases, ratings and the audit log point at units and windows, so a
// record that closes is deactivated and stays readable.
package org

import (
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/ident"
)

// JurisdictionKind says what a jurisdiction is.
type JurisdictionKind string

const (
	JurCity     JurisdictionKind = "city"     // 市 (prefecture level): the root of an installation
	JurCounty   JurisdictionKind = "county"   // 县 or county-level city
	JurDistrict JurisdictionKind = "district" // 市辖区
	JurZone     JurisdictionKind = "zone"     // 开发区 / 高新区 holding delegated powers
	JurTownship JurisdictionKind = "township" // 乡镇 / 街道
)

// JurisdictionKinds lists the kinds in display order.
var JurisdictionKinds = []JurisdictionKind{JurCity, JurCounty, JurDistrict, JurZone, JurTownship}

// Valid reports whether k is a known kind.
func (k JurisdictionKind) Valid() bool {
	for _, x := range JurisdictionKinds {
		if k == x {
			return true
		}
	}
	return false
}

// levels returns the region-code levels a jurisdiction of kind k may have.
func (k JurisdictionKind) levels() []ident.Level {
	switch k {
	case JurCity:
		return []ident.Level{ident.LevelPrefecture}
	case JurCounty, JurDistrict:
		return []ident.Level{ident.LevelCounty}
	case JurZone:
		// A zone directly under the city takes a county-level code (3699 71 …); one run by a
		// county takes a township-level code inside that county's range.
		return []ident.Level{ident.LevelCounty, ident.LevelTownship}
	case JurTownship:
		return []ident.Level{ident.LevelTownship}
	}
	return nil
}

// UnitKind says what an organisation unit is.
type UnitKind string

const (
	UnitBureau     UnitKind = "bureau"     // 行政审批局, one per jurisdiction
	UnitDepartment UnitKind = "department" // 原职能部门: keeps supervision after its approvals moved
	UnitPartner    UnitKind = "partner"    // stationed in a hall: utilities, trademark window, banks
	UnitHall       UnitKind = "hall"       // 政务服务大厅, which has windows
)

// UnitKinds lists the kinds in display order.
var UnitKinds = []UnitKind{UnitBureau, UnitDepartment, UnitPartner, UnitHall}

// Valid reports whether k is a known kind.
func (k UnitKind) Valid() bool {
	for _, x := range UnitKinds {
		if k == x {
			return true
		}
	}
	return false
}

// WindowType is the service a window offers.
type WindowType string

const (
	WindowComprehensive WindowType = "comprehensive" // 综合窗口
	WindowSpecialised   WindowType = "specialised"   // 专业窗口
	WindowHardCase      WindowType = "hardcase"      // 办不成事反映窗口
	WindowTalent        WindowType = "talent"        // 人才服务专窗
	WindowCityWide      WindowType = "citywide"      // 全市通办窗口
)

// WindowTypes lists the types in display order.
var WindowTypes = []WindowType{WindowComprehensive, WindowSpecialised, WindowHardCase, WindowTalent, WindowCityWide}

// Valid reports whether t is a known type.
func (t WindowType) Valid() bool {
	for _, x := range WindowTypes {
		if t == x {
			return true
		}
	}
	return false
}

// Jurisdiction is a node of the region tree. Code is immutable; it lies inside the parent's code
// range, so that the tree and region-prefix scoping always agree.
type Jurisdiction struct {
	Code          string           `json:"code" doc:"12-digit region code"`
	Name          string           `json:"name"`
	NameEN        string           `json:"name_en,omitempty"`
	Kind          JurisdictionKind `json:"kind" doc:"city, county, district, zone or township"`
	ParentCode    string           `json:"parent_code,omitempty" doc:"empty for the city"`
	Active        bool             `json:"active"`
	DeactivatedAt time.Time        `json:"deactivated_at,omitzero"`
	CreatedAt     time.Time        `json:"created_at"`
	UpdatedAt     time.Time        `json:"updated_at"`
}

// Unit is an organisation unit.
type Unit struct {
	ID            string    `json:"id"`
	Code          string    `json:"code" doc:"统一社会信用代码; an internal code for a hall"`
	Name          string    `json:"name"`
	NameEN        string    `json:"name_en,omitempty"`
	Kind          UnitKind  `json:"kind" doc:"bureau, department, partner or hall"`
	RegionCode    string    `json:"region_code"`
	ParentID      string    `json:"parent_id,omitempty"`
	Address       string    `json:"address,omitempty"`
	Phone         string    `json:"phone,omitempty"`
	Active        bool      `json:"active"`
	DeactivatedAt time.Time `json:"deactivated_at,omitzero"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// Window is a numbered counter of a hall.
type Window struct {
	ID            string     `json:"id"`
	HallID        string     `json:"hall_id"`
	Number        string     `json:"number" doc:"unique among the active windows of the hall, e.g. A01"`
	Type          WindowType `json:"type" doc:"comprehensive, specialised, hardcase, talent or citywide"`
	Name          string     `json:"name,omitempty"`
	NameEN        string     `json:"name_en,omitempty"`
	UnitID        string     `json:"unit_id,omitempty" doc:"the unit stationed at the window, if any"`
	Active        bool       `json:"active"`
	DeactivatedAt time.Time  `json:"deactivated_at,omitzero"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
}

// Limits on text fields, in characters.
const (
	maxName    = 100
	maxNameEN  = 200
	maxAddress = 200
	maxPhone   = 32
)

var (
	hallCodeRE = regexp.MustCompile(`^[A-Z0-9][A-Z0-9-]{1,31}$`)
	numberRE   = regexp.MustCompile(`^[A-Z0-9][A-Z0-9-]{0,7}$`)
	phoneRE    = regexp.MustCompile(`^[0-9+][0-9 ()+-]{2,31}$`)
)

// Normalize trims the text fields and upper-cases the code.
func (j *Jurisdiction) Normalize() {
	j.Code = strings.TrimSpace(j.Code)
	j.Name = strings.TrimSpace(j.Name)
	j.NameEN = strings.TrimSpace(j.NameEN)
	j.Kind = JurisdictionKind(strings.TrimSpace(string(j.Kind)))
	j.ParentCode = strings.TrimSpace(j.ParentCode)
}

// Validate checks a normalised jurisdiction without I/O: the code, the kind against the code's
// level, and that the code lies inside the parent's range. It returns the first problem.
func (j Jurisdiction) Validate() error { return first(j.problems()) }

func (j Jurisdiction) problems() []*errs.Error {
	var ps []*errs.Error
	codeOK := false
	if err := CheckRegionCode(j.Code); err != nil {
		ps = append(ps, err.OnField("code"))
	} else {
		codeOK = true
	}
	ps = append(ps, checkName(j.Name, "name", true)...)
	ps = append(ps, checkText(j.NameEN, "name_en", maxNameEN)...)
	kindOK := j.Kind.Valid()
	if !kindOK {
		ps = append(ps, errs.InvalidInput("org.kind.invalid").With("value", string(j.Kind)).OnField("kind"))
	}
	if codeOK && kindOK {
		lvl := RegionLevel(j.Code)
		ok := false
		for _, l := range j.Kind.levels() {
			ok = ok || l == lvl
		}
		if !ok {
			ps = append(ps, errs.InvalidInput("org.jurisdiction.level").With("level", string(lvl)).OnField("kind"))
		}
	}
	switch {
	case j.ParentCode == "" && kindOK && j.Kind != JurCity:
		ps = append(ps, errs.InvalidInput("org.parent.required").OnField("parent_code"))
	case j.ParentCode != "":
		if err := CheckRegionCode(j.ParentCode); err != nil {
			ps = append(ps, err.OnField("parent_code"))
		} else if codeOK && (j.ParentCode == j.Code || !Contains(j.ParentCode, j.Code)) {
			ps = append(ps, errs.InvalidInput("org.jurisdiction.outside_parent").OnField("parent_code"))
		}
	}
	return ps
}

// Normalize trims the text fields and upper-cases the code.
func (u *Unit) Normalize() {
	u.Code = strings.ToUpper(strings.TrimSpace(u.Code))
	if u.Kind != UnitHall {
		if r := ident.CheckUSCC(u.Code); r.Valid {
			u.Code = r.Normalized
		}
	}
	u.Name = strings.TrimSpace(u.Name)
	u.NameEN = strings.TrimSpace(u.NameEN)
	u.Kind = UnitKind(strings.TrimSpace(string(u.Kind)))
	u.RegionCode = strings.TrimSpace(u.RegionCode)
	u.ParentID = strings.TrimSpace(u.ParentID)
	u.Address = strings.TrimSpace(u.Address)
	u.Phone = strings.TrimSpace(u.Phone)
}

// Validate checks a normalised unit without I/O. Organisations are identified by their 统一社会信用
// 代码 (a failed checksum is accepted: early pilot codes are legal); a hall by an internal code.
func (u Unit) Validate() error { return first(u.problems()) }

func (u Unit) problems() []*errs.Error {
	var ps []*errs.Error
	kindOK := u.Kind.Valid()
	if !kindOK {
		ps = append(ps, errs.InvalidInput("org.kind.invalid").With("value", string(u.Kind)).OnField("kind"))
	}
	switch {
	case u.Code == "":
		ps = append(ps, errs.InvalidInput("org.code.required").OnField("code"))
	case u.Kind == UnitHall:
		if !hallCodeRE.MatchString(u.Code) {
			ps = append(ps, errs.InvalidInput("org.code.hall_format").OnField("code"))
		}
	case kindOK:
		if r := ident.CheckUSCC(u.Code); !r.Valid {
			ps = append(ps, errs.InvalidInput("org.code.uscc").With("reason", r.Reason).OnField("code"))
		}
	}
	ps = append(ps, checkName(u.Name, "name", true)...)
	ps = append(ps, checkText(u.NameEN, "name_en", maxNameEN)...)
	if err := CheckRegionCode(u.RegionCode); err != nil {
		ps = append(ps, err.OnField("region_code"))
	}
	ps = append(ps, checkText(u.Address, "address", maxAddress)...)
	if u.Phone != "" && !phoneRE.MatchString(u.Phone) {
		ps = append(ps, errs.InvalidInput("org.phone.format").OnField("phone"))
	}
	if u.ParentID != "" && u.ParentID == u.ID {
		ps = append(ps, errs.InvalidInput("org.parent.self").OnField("parent_id"))
	}
	return ps
}

// Normalize trims the text fields and upper-cases the number.
func (w *Window) Normalize() {
	w.HallID = strings.TrimSpace(w.HallID)
	w.Number = strings.ToUpper(strings.TrimSpace(w.Number))
	w.Type = WindowType(strings.TrimSpace(string(w.Type)))
	w.Name = strings.TrimSpace(w.Name)
	w.NameEN = strings.TrimSpace(w.NameEN)
	w.UnitID = strings.TrimSpace(w.UnitID)
}

// Validate checks a normalised window without I/O.
func (w Window) Validate() error { return first(w.problems()) }

func (w Window) problems() []*errs.Error {
	var ps []*errs.Error
	if w.HallID == "" {
		ps = append(ps, errs.InvalidInput("org.window.hall_required").OnField("hall_id"))
	}
	if !numberRE.MatchString(w.Number) {
		ps = append(ps, errs.InvalidInput("org.window.number").OnField("number"))
	}
	if !w.Type.Valid() {
		ps = append(ps, errs.InvalidInput("org.window.type").With("value", string(w.Type)).OnField("type"))
	}
	ps = append(ps, checkName(w.Name, "name", false)...)
	ps = append(ps, checkText(w.NameEN, "name_en", maxNameEN)...)
	return ps
}

func checkName(s, field string, required bool) []*errs.Error {
	if s == "" {
		if required {
			return []*errs.Error{errs.InvalidInput("org.name.required").OnField(field)}
		}
		return nil
	}
	return checkText(s, field, maxName)
}

// checkText refuses text that is too long, not UTF-8, or carries control characters (a line
// break pasted from a spreadsheet would break every table it is shown in).
func checkText(s, field string, max int) []*errs.Error {
	if !utf8.ValidString(s) {
		return []*errs.Error{errs.InvalidInput("org.text.encoding").OnField(field)}
	}
	if n := utf8.RuneCountInString(s); n > max {
		return []*errs.Error{errs.InvalidInput("org.text.too_long").With("max", max).OnField(field)}
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return []*errs.Error{errs.InvalidInput("org.text.control").OnField(field)}
		}
	}
	return nil
}

func first(ps []*errs.Error) error {
	if len(ps) == 0 {
		return nil
	}
	return ps[0]
}

// RegionLevel returns the level of a 12-digit region code, read from its trailing zeros (DOMAIN
// §11), or "" when the code is malformed.
func RegionLevel(code string) ident.Level {
	if CheckRegionCode(code) != nil {
		return ""
	}
	return levelOf(code)
}

func levelOf(code string) ident.Level {
	switch len(auth.RegionPrefix(code)) {
	case 2:
		return ident.LevelProvince
	case 4:
		return ident.LevelPrefecture
	case 6:
		return ident.LevelCounty
	case 9:
		return ident.LevelTownship
	case 12:
		return ident.LevelVillage
	}
	return ""
}

// segments are the digit groups of a region code: province, prefecture, county, township, village.
var segments = [][2]int{{0, 2}, {2, 4}, {4, 6}, {6, 9}, {9, 12}}

// CheckRegionCode checks a 12-digit region code: digits only, a known province, and no zero
// group above its level (3600 01… has no prefecture and is not a code).
func CheckRegionCode(code string) *errs.Error {
	if len(code) != 12 {
		return errs.InvalidInput("org.region.format").With("value", code)
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return errs.InvalidInput("org.region.format").With("value", code)
		}
	}
	if !knownProvince(code[:2]) {
		return errs.InvalidInput("org.region.province").With("value", code)
	}
	n := len(auth.RegionPrefix(code))
	for _, s := range segments {
		if s[1] > n {
			break
		}
		if strings.Trim(code[s[0]:s[1]], "0") == "" {
			return errs.InvalidInput("org.region.format").With("value", code)
		}
	}
	return nil
}

// knownProvince reports whether p is a province-level code of GB/T 2260.
func knownProvince(p string) bool {
	switch p {
	case "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
		"41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
		"71", "81", "82":
		return true
	}
	return false
}

// Contains reports whether region a contains region b (or is b): b lies in a's code range. The
// tree keeps every jurisdiction inside its parent's range, so this agrees with the tree and with
// auth's region scope. Malformed codes contain nothing.
func Contains(a, b string) bool {
	if CheckRegionCode(a) != nil || CheckRegionCode(b) != nil {
		return false
	}
	return strings.HasPrefix(b, auth.RegionPrefix(a))
}

// RegionAncestors returns the codes of the levels above code that it lies in, the highest first:
// for 369901000000, [360000000000 369900000000]. A malformed code has none.
func RegionAncestors(code string) []string {
	if CheckRegionCode(code) != nil {
		return nil
	}
	return ancestorsOfPrefix(auth.RegionPrefix(code))
}

// ancestorsOfPrefix returns the full codes of the levels strictly above a region prefix.
func ancestorsOfPrefix(p string) []string {
	var out []string
	for _, n := range []int{2, 4, 6, 9} {
		if n >= len(p) {
			break
		}
		out = append(out, p[:n]+strings.Repeat("0", 12-n))
	}
	return out
}
