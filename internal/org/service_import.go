package org

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"io"
	"sort"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/ident"
)

// Problem is one fault found in an imported workbook, located by sheet, row and column.
type Problem struct {
	Sheet   string         `json:"sheet,omitempty" doc:"the sheet as named in the file"`
	Row     int            `json:"row,omitempty" doc:"1-based; the header is row 1; 0 for the whole file or sheet"`
	Column  string         `json:"column,omitempty" doc:"column letter; empty when the column is missing"`
	Field   string         `json:"field,omitempty" doc:"column key, e.g. parent_code"`
	Key     string         `json:"key" doc:"message key"`
	Args    map[string]any `json:"args,omitempty"`
	Message string         `json:"message,omitempty" doc:"in the language of the request"`
}

// ImportJurisdiction is a jurisdiction the import will create.
type ImportJurisdiction struct {
	Row int `json:"row"`
	Jurisdiction
}

// ImportUnit is a unit the import will create.
type ImportUnit struct {
	Row        int    `json:"row"`
	ParentCode string `json:"parent_code,omitempty"`
	Unit
}

// ImportWindow is a window the import will create.
type ImportWindow struct {
	Row      int    `json:"row"`
	HallCode string `json:"hall_code"`
	UnitCode string `json:"unit_code,omitempty"`
	Window
}

// ImportPlan is what an import of a workbook creates, in creation order, or the problems that
// stop it. An import creates everything or nothing.
type ImportPlan struct {
	SHA256        string               `json:"sha256" doc:"of the uploaded file"`
	Jurisdictions []ImportJurisdiction `json:"jurisdictions"`
	Units         []ImportUnit         `json:"units"`
	Windows       []ImportWindow       `json:"windows"`
	Problems      []Problem            `json:"problems"`
	Warnings      []Problem            `json:"warnings,omitempty" doc:"accepted irregularities, e.g. a USCC whose checksum fails"`
}

// OK reports whether the plan can be carried out.
func (p *ImportPlan) OK() bool { return len(p.Problems) == 0 }

// KeyImportRejected is the message key of the error an import with problems returns.
const KeyImportRejected = "org.import.rejected"

// PlanImport reads and checks a workbook against the current map without changing anything: the
// preview an admin confirms. A plan with problems cannot be imported.
func (s *Service) PlanImport(ctx context.Context, data []byte) (*ImportPlan, error) {
	_, sc, err := s.admin(ctx)
	if err != nil {
		return nil, err
	}
	if len(data) > MaxImportSize {
		return nil, errs.InvalidInput("org.import.too_large").With("max_mb", MaxImportSize>>20)
	}
	return s.plan(ctx, s.db.Read, sc, data)
}

// Import checks a workbook and, if it has no problem at all, creates everything in it in one
// transaction with one audit record. With any problem nothing is created, and the plan listing
// every problem is returned with an errs.Invalid error (KeyImportRejected).
func (s *Service) Import(ctx context.Context, data []byte) (*ImportPlan, error) {
	v, sc, err := s.admin(ctx)
	if err != nil {
		return nil, err
	}
	if len(data) > MaxImportSize {
		return nil, errs.InvalidInput("org.import.too_large").With("max_mb", MaxImportSize>>20)
	}
	var plan *ImportPlan
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		// Checked again inside the transaction: the map may have changed since the preview.
		p, err := s.plan(ctx, tx, sc, data)
		if err != nil {
			return err
		}
		plan = p
		if !p.OK() {
			return errs.InvalidInput(KeyImportRejected).With("count", len(p.Problems))
		}
		for _, j := range p.Jurisdictions {
			if err := s.st.insertJurisdiction(ctx, tx, j.Jurisdiction); err != nil {
				return err
			}
		}
		for _, u := range p.Units {
			if err := s.st.insertUnit(ctx, tx, u.Unit); err != nil {
				return err
			}
		}
		for _, w := range p.Windows {
			if err := s.st.insertWindow(ctx, tx, w.Window); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, v, "org.import", "import:"+p.SHA256, map[string]any{
			"sha256": p.SHA256, "jurisdictions": len(p.Jurisdictions), "units": len(p.Units), "windows": len(p.Windows),
		})
	})
	return plan, err
}

// existing is the current map, as the import sees it.
type existing struct {
	jur      map[string]Jurisdiction // by code, all
	unit     map[string]Unit         // by code, all
	window   map[string]bool         // hallID + "\x00" + number of active windows
	visibleJ func(code string) bool
	visibleU func(u Unit) bool
}

func (s *Service) loadExisting(ctx context.Context, q db.Q, sc auth.Scope) (*existing, error) {
	js, err := s.st.jurisdictions(ctx, q, auth.SystemScope(), true)
	if err != nil {
		return nil, err
	}
	us, err := s.st.units(ctx, q, auth.SystemScope(), UnitFilter{Inactive: true})
	if err != nil {
		return nil, err
	}
	ws, err := s.st.windows(ctx, q, auth.SystemScope(), "", false)
	if err != nil {
		return nil, err
	}
	e := &existing{jur: map[string]Jurisdiction{}, unit: map[string]Unit{}, window: map[string]bool{}}
	for _, j := range js {
		e.jur[j.Code] = j
	}
	for _, u := range us {
		e.unit[u.Code] = u
	}
	for _, w := range ws {
		e.window[w.HallID+"\x00"+w.Number] = true
	}
	e.visibleJ = func(code string) bool { return visibleTo(sc, code, "") }
	e.visibleU = func(u Unit) bool { return visibleTo(sc, u.RegionCode, u.ID) }
	return e, nil
}

// planner accumulates the problems of one workbook.
type planner struct {
	plan *ImportPlan
}

func (pl *planner) add(sh *sheet, r row, field, key string, args map[string]any) {
	if sh.missing[field] {
		return // already reported once as a missing column
	}
	pl.plan.Problems = append(pl.plan.Problems, Problem{Sheet: sh.name, Row: r.num, Column: sh.letter(field),
		Field: field, Key: key, Args: args})
}

func (pl *planner) addErr(sh *sheet, r row, fieldMap map[string]string, e *errs.Error) {
	f := e.Field
	if m, ok := fieldMap[f]; ok {
		f = m
	}
	pl.add(sh, r, f, e.Key, e.Args)
}

func (s *Service) plan(ctx context.Context, q db.Q, sc auth.Scope, data []byte) (*ImportPlan, error) {
	sum := sha256.Sum256(data)
	plan := &ImportPlan{SHA256: hex.EncodeToString(sum[:])}
	wb, ps := parseWorkbook(data)
	plan.Problems = append(plan.Problems, ps...)
	if wb == nil {
		return plan, nil
	}
	ex, err := s.loadExisting(ctx, q, sc)
	if err != nil {
		return nil, err
	}
	pl := &planner{plan: plan}
	now := s.clock()

	// Jurisdictions.
	newJur := map[string]*ImportJurisdiction{}
	var jurs []*ImportJurisdiction
	if sh := wb.jur; sh != nil {
		for _, r := range sh.rows {
			j := Jurisdiction{Code: sh.get(r, "code"), Name: sh.get(r, "name"), NameEN: sh.get(r, "name_en"),
				Kind: parseLabel(sh.get(r, "kind"), jurKindZH), ParentCode: sh.get(r, "parent_code")}
			active, ok := parseActive(sh.get(r, "active"))
			if !ok {
				pl.add(sh, r, "active", "org.import.bad_active", map[string]any{"value": sh.get(r, "active")})
			}
			j.Normalize()
			for _, e := range j.problems() {
				pl.addErr(sh, r, nil, e)
			}
			codeOK := CheckRegionCode(j.Code) == nil
			switch prev, dup := newJur[j.Code]; {
			case j.Code == "":
			case dup:
				pl.add(sh, r, "code", "org.import.duplicate", map[string]any{"value": j.Code, "row": prev.Row})
				continue
			case ex.jur[j.Code].Code != "":
				pl.add(sh, r, "code", "org.jurisdiction.exists", map[string]any{"code": j.Code})
			case codeOK && !sc.Allows(j.Code, "", ""):
				pl.add(sh, r, "code", "org.import.out_of_scope", map[string]any{"value": j.Code})
			}
			j.Active, j.CreatedAt, j.UpdatedAt = active, now, now
			if !active {
				j.DeactivatedAt = now
			}
			ij := &ImportJurisdiction{Row: r.num, Jurisdiction: j}
			newJur[j.Code] = ij
			jurs = append(jurs, ij)
		}
		for _, ij := range jurs {
			j := ij.Jurisdiction
			if j.ParentCode == "" || CheckRegionCode(j.ParentCode) != nil {
				continue
			}
			r := row{num: ij.Row}
			var parentActive bool
			if p, ok := newJur[j.ParentCode]; ok {
				parentActive = p.Active
			} else if p, ok := ex.jur[j.ParentCode]; ok && ex.visibleJ(p.Code) {
				parentActive = p.Active
			} else {
				pl.add(sh, r, "parent_code", "org.parent.unknown", map[string]any{"value": j.ParentCode})
				continue
			}
			if j.Active && !parentActive {
				pl.add(sh, r, "parent_code", "org.parent.inactive", nil)
			}
		}
	}
	jurActive := func(code string) (active, found bool) {
		if j, ok := newJur[code]; ok {
			return j.Active, true
		}
		if j, ok := ex.jur[code]; ok && ex.visibleJ(code) {
			return j.Active, true
		}
		return false, false
	}

	// Units.
	newUnit := map[string]*ImportUnit{}
	var units []*ImportUnit
	unitFieldMap := map[string]string{"parent_id": "parent_code"}
	if sh := wb.unit; sh != nil {
		for _, r := range sh.rows {
			u := Unit{Code: sh.get(r, "code"), Name: sh.get(r, "name"), NameEN: sh.get(r, "name_en"),
				Kind: parseLabel(sh.get(r, "kind"), unitKindZH), RegionCode: sh.get(r, "region_code"),
				Address: sh.get(r, "address"), Phone: sh.get(r, "phone")}
			parentCode := sh.get(r, "parent_code")
			active, ok := parseActive(sh.get(r, "active"))
			if !ok {
				pl.add(sh, r, "active", "org.import.bad_active", map[string]any{"value": sh.get(r, "active")})
			}
			u.Normalize()
			problems := u.problems()
			for _, e := range problems {
				pl.addErr(sh, r, unitFieldMap, e)
			}
			if u.Kind.Valid() && u.Kind != UnitHall && u.Code != "" && !hasField(problems, "code") {
				if w := uscWarning(u.Code); w != "" {
					plan.Warnings = append(plan.Warnings, Problem{Sheet: sh.name, Row: r.num, Column: sh.letter("code"),
						Field: "code", Key: w, Args: map[string]any{"value": u.Code}})
				}
			}
			switch prev, dup := newUnit[u.Code]; {
			case u.Code == "":
			case dup:
				pl.add(sh, r, "code", "org.import.duplicate", map[string]any{"value": u.Code, "row": prev.Row})
				continue
			case ex.unit[u.Code].ID != "":
				pl.add(sh, r, "code", "org.unit.code_taken", map[string]any{"code": u.Code})
			}
			if CheckRegionCode(u.RegionCode) == nil {
				switch jActive, found := jurActive(u.RegionCode); {
				case !found:
					pl.add(sh, r, "region_code", "org.region.unknown", map[string]any{"value": u.RegionCode})
				case !sc.Allows(u.RegionCode, "", ""):
					pl.add(sh, r, "region_code", "org.import.out_of_scope", map[string]any{"value": u.RegionCode})
				case active && !jActive:
					pl.add(sh, r, "region_code", "org.region.inactive", nil)
				}
			}
			u.ID, u.Active, u.CreatedAt, u.UpdatedAt = db.NewID(), active, now, now
			if !active {
				u.DeactivatedAt = now
			}
			iu := &ImportUnit{Row: r.num, ParentCode: parentCode, Unit: u}
			newUnit[u.Code] = iu
			units = append(units, iu)
		}
		bureaus := map[string]int{}
		for _, u := range ex.unit {
			// A bureau that is in the file again is reported as a taken code, not twice.
			if _, again := newUnit[u.Code]; u.Kind == UnitBureau && u.Active && !again {
				bureaus[u.RegionCode]++
			}
		}
		for _, iu := range units {
			if iu.Kind == UnitBureau && iu.Active {
				bureaus[iu.RegionCode]++
			}
		}
		for _, iu := range units {
			r := row{num: iu.Row}
			if iu.Kind == UnitBureau && iu.Active && bureaus[iu.RegionCode] > 1 {
				pl.add(sh, r, "region_code", "org.unit.bureau_exists", nil)
			}
			if iu.ParentCode == "" {
				continue
			}
			var parent Unit
			if p, ok := newUnit[iu.ParentCode]; ok {
				parent = p.Unit
			} else if p, ok := ex.unit[iu.ParentCode]; ok && ex.visibleU(p) {
				parent = p
			} else {
				pl.add(sh, r, "parent_code", "org.parent.unknown", map[string]any{"value": iu.ParentCode})
				continue
			}
			iu.ParentID = parent.ID
			switch {
			case parent.Code == iu.Code:
				pl.add(sh, r, "parent_code", "org.parent.self", nil)
			case iu.Active && !parent.Active:
				pl.add(sh, r, "parent_code", "org.parent.inactive", nil)
			case CheckRegionCode(parent.RegionCode) == nil && CheckRegionCode(iu.RegionCode) == nil &&
				!Contains(parent.RegionCode, iu.RegionCode):
				pl.add(sh, r, "parent_code", "org.parent.below", nil)
			}
		}
		// A loop among the new units (A's parent is B, B's parent is A) is reported on each of
		// its rows.
		for _, iu := range units {
			c := iu.ParentCode
			for steps := 0; c != "" && c != iu.Code && steps <= len(units); steps++ {
				p, ok := newUnit[c]
				if !ok {
					break
				}
				if p.ParentCode == iu.Code {
					pl.add(sh, row{num: iu.Row}, "parent_code", "org.parent.cycle", nil)
					break
				}
				c = p.ParentCode
			}
		}
	}
	findUnit := func(code string) (Unit, bool) {
		if u, ok := newUnit[code]; ok {
			return u.Unit, true
		}
		if u, ok := ex.unit[code]; ok && ex.visibleU(u) {
			return u, true
		}
		return Unit{}, false
	}

	// Windows.
	var windows []*ImportWindow
	if sh := wb.window; sh != nil {
		taken := map[string]int{} // hall code + number -> row
		windowFieldMap := map[string]string{"hall_id": "hall_code", "unit_id": "unit_code"}
		for _, r := range sh.rows {
			w := Window{Number: sh.get(r, "number"), Type: parseLabel(sh.get(r, "type"), windowTypeZH),
				Name: sh.get(r, "name"), NameEN: sh.get(r, "name_en")}
			hallCode, unitCode := normCode(sh.get(r, "hall_code")), normCode(sh.get(r, "unit_code"))
			active, ok := parseActive(sh.get(r, "active"))
			if !ok {
				pl.add(sh, r, "active", "org.import.bad_active", map[string]any{"value": sh.get(r, "active")})
			}
			var hall Unit
			switch h, found := findUnit(hallCode); {
			case hallCode == "":
				pl.add(sh, r, "hall_code", "org.window.hall_required", nil)
			case !found:
				pl.add(sh, r, "hall_code", "org.import.unknown_hall", map[string]any{"value": hallCode})
			case h.Kind != UnitHall:
				pl.add(sh, r, "hall_code", "org.window.not_hall", nil)
			case !sc.Allows(h.RegionCode, "", ""):
				pl.add(sh, r, "hall_code", "org.import.out_of_scope", map[string]any{"value": hallCode})
			default:
				hall = h
				if active && !h.Active {
					pl.add(sh, r, "hall_code", "org.unit.inactive", nil)
				}
			}
			w.HallID = hall.ID
			w.Normalize()
			for _, e := range w.problems() {
				if e.Field != "hall_id" {
					pl.addErr(sh, r, windowFieldMap, e)
				}
			}
			if unitCode != "" {
				if u, found := findUnit(unitCode); !found || u.Kind == UnitHall || (active && !u.Active) {
					pl.add(sh, r, "unit_code", "org.window.unit_unknown", map[string]any{"value": unitCode})
				} else {
					w.UnitID = u.ID
				}
			}
			if hall.ID != "" && active && w.Number != "" {
				k := hallCode + "\x00" + w.Number
				if prev, dup := taken[k]; dup {
					pl.add(sh, r, "number", "org.import.duplicate", map[string]any{"value": w.Number, "row": prev})
				} else if ex.window[hall.ID+"\x00"+w.Number] {
					pl.add(sh, r, "number", "org.window.number_taken", map[string]any{"number": w.Number})
				} else {
					taken[k] = r.num
				}
			}
			w.ID, w.Active, w.CreatedAt, w.UpdatedAt = db.NewID(), active, now, now
			if !active {
				w.DeactivatedAt = now
			}
			windows = append(windows, &ImportWindow{Row: r.num, HallCode: hallCode, UnitCode: unitCode, Window: w})
		}
	}

	// Creation order: jurisdictions by depth, then units with every parent before its children.
	sort.SliceStable(jurs, func(a, b int) bool {
		return len(regionPrefix(jurs[a].Code)) < len(regionPrefix(jurs[b].Code))
	})
	for _, j := range jurs {
		plan.Jurisdictions = append(plan.Jurisdictions, *j)
	}
	done := map[string]bool{}
	for len(done) < len(units) {
		progress := false
		for _, u := range units {
			if done[u.Code] {
				continue
			}
			if p, inFile := newUnit[u.ParentCode]; inFile && !done[p.Code] && p != u {
				continue
			}
			done[u.Code] = true
			plan.Units = append(plan.Units, *u)
			progress = true
		}
		if !progress {
			break // a loop, reported above; the plan is not carried out
		}
	}
	for _, w := range windows {
		plan.Windows = append(plan.Windows, *w)
	}
	sort.SliceStable(plan.Problems, func(a, b int) bool {
		pa, pb := plan.Problems[a], plan.Problems[b]
		if sa, sb := sheetOrder(wb, pa.Sheet), sheetOrder(wb, pb.Sheet); sa != sb {
			return sa < sb
		}
		return pa.Row < pb.Row
	})
	return plan, nil
}

func sheetOrder(wb *workbook, name string) int {
	for i, sh := range []*sheet{wb.jur, wb.unit, wb.window} {
		if sh != nil && sh.name == name {
			return i + 1
		}
	}
	return 0
}

func hasField(ps []*errs.Error, field string) bool {
	for _, p := range ps {
		if p.Field == field {
			return true
		}
	}
	return false
}

func normCode(s string) string {
	u := Unit{Code: s}
	u.Normalize()
	return u.Code
}

// regionPrefix is the significant prefix of a code, "" for a malformed one.
func regionPrefix(code string) string { return auth.RegionPrefix(code) }

// Export writes the part of the map the admin sees (their jurisdiction, everything below it and
// the jurisdictions above it), deactivated records included, as a workbook Import reads back.
func (s *Service) Export(ctx context.Context, w io.Writer) error {
	_, sc, err := s.admin(ctx)
	if err != nil {
		return err
	}
	js, err := s.st.jurisdictions(ctx, s.db.Read, sc, true)
	if err != nil {
		return err
	}
	us, err := s.st.units(ctx, s.db.Read, sc, UnitFilter{Inactive: true})
	if err != nil {
		return err
	}
	ws, err := s.st.windows(ctx, s.db.Read, sc, "", true)
	if err != nil {
		return err
	}
	code := make(map[string]string, len(us))
	for _, u := range us {
		code[u.ID] = u.Code
	}
	return writeWorkbook(w, js, sortUnitsParentsFirst(us), ws, code)
}

// ImportTemplate writes an empty workbook with the header rows, for a city's initial set-up.
func ImportTemplate(w io.Writer) error { return writeWorkbook(w, nil, nil, nil, nil) }

// sortUnitsParentsFirst orders units so that every parent precedes its children, keeping the
// given order otherwise: an exported file then reads top-down.
func sortUnitsParentsFirst(us []Unit) []Unit {
	byID := map[string]bool{}
	for _, u := range us {
		byID[u.ID] = true
	}
	out := make([]Unit, 0, len(us))
	done := map[string]bool{}
	for len(out) < len(us) {
		progress := false
		for _, u := range us {
			if done[u.ID] || (u.ParentID != "" && byID[u.ParentID] && !done[u.ParentID]) {
				continue
			}
			done[u.ID] = true
			out = append(out, u)
			progress = true
		}
		if !progress {
			for _, u := range us {
				if !done[u.ID] {
					out = append(out, u)
				}
			}
			break
		}
	}
	return out
}

// uscWarning returns the message key of an accepted irregularity of a USCC (a failed checksum,
// an unknown authority), "" if none.
func uscWarning(code string) string {
	if r := ident.CheckUSCC(code); r.Valid && len(r.Warnings) > 0 {
		return r.Warnings[0]
	}
	return ""
}
