package auth

import (
	"fmt"
	"strings"
)

// Scope is the set of records a viewer may see. It is computed from the viewer in one place
// (Viewer.Scope) and applied by every store of scoped data, which takes a Scope parameter so that
// forgetting it does not compile. The zero Scope sees nothing.
type Scope struct {
	all    bool   // background jobs and system tasks: no restriction
	region string // region-code prefix: the jurisdiction and everything below it
	unit   string // one organisation unit
	owner  string // records owned by one account
}

// SystemScope is the unrestricted scope of background jobs and of the system itself. Never
// derive it from a request.
func SystemScope() Scope { return Scope{all: true} }

// RegionScope sees a jurisdiction and everything below it.
func RegionScope(regionCode string) Scope {
	p := RegionPrefix(regionCode)
	if p == "" {
		return Scope{}
	}
	return Scope{region: p}
}

// UnitScope sees one organisation unit.
func UnitScope(unitID string) Scope {
	if unitID == "" {
		return Scope{}
	}
	return Scope{unit: unitID}
}

// OwnerScope sees the records owned by one account.
func OwnerScope(userID string) Scope {
	if userID == "" {
		return Scope{}
	}
	return Scope{owner: userID}
}

// Scope returns what the viewer may see in their active role: a city- or county-wide role its
// jurisdiction and below, a unit role its organisation unit, an applicant (or another outside
// party acting for itself) its own records, a token its unit.
func (v *Viewer) Scope() Scope {
	if v == nil {
		return Scope{}
	}
	if v.Kind == KindToken {
		return UnitScope(v.UnitID)
	}
	switch roleReach[v.Role] {
	case reachRegion:
		return RegionScope(v.RegionCode)
	case reachUnit:
		return UnitScope(v.UnitID)
	default:
		return OwnerScope(v.ID)
	}
}

// IsSystem reports whether the scope is unrestricted.
func (s Scope) IsSystem() bool { return s.all }

// Region returns the region prefix the scope is limited to, if any.
func (s Scope) Region() string { return s.region }

// Unit returns the unit the scope is limited to, if any.
func (s Scope) Unit() string { return s.unit }

// Owner returns the owner the scope is limited to, if any.
func (s Scope) Owner() string { return s.owner }

func (s Scope) String() string {
	switch {
	case s.all:
		return "system"
	case s.region != "":
		return "region:" + s.region
	case s.unit != "":
		return "unit:" + s.unit
	case s.owner != "":
		return "owner:" + s.owner
	}
	return "none"
}

// SQL returns a WHERE fragment restricting a query to the scope, with placeholders numbered from
// next, and its arguments. A region is matched by a range on the code (col >= '3699' AND col <
// '3700'), which a B-tree index serves on both engines and under any collation, unlike LIKE. Pass
// "" for a column the table does not have; a scope that needs that column then matches nothing.
func (s Scope) SQL(regionCol, unitCol, ownerCol string, next int) (string, []any) {
	switch {
	case s.all:
		return "1=1", nil
	case s.region != "":
		if regionCol == "" {
			return "1=0", nil
		}
		hi, ok := nextPrefix(s.region)
		if !ok {
			return fmt.Sprintf("%s >= $%d", regionCol, next), []any{s.region}
		}
		return fmt.Sprintf("(%s >= $%d AND %s < $%d)", regionCol, next, regionCol, next+1), []any{s.region, hi}
	case s.unit != "":
		if unitCol == "" {
			return "1=0", nil
		}
		return fmt.Sprintf("%s = $%d", unitCol, next), []any{s.unit}
	case s.owner != "":
		if ownerCol == "" {
			return "1=0", nil
		}
		return fmt.Sprintf("%s = $%d", ownerCol, next), []any{s.owner}
	}
	return "1=0", nil
}

// Allows reports whether one record with these region code, unit and owner is in scope. It
// agrees with SQL: an empty value never matches a restriction on it.
func (s Scope) Allows(region, unit, owner string) bool {
	switch {
	case s.all:
		return true
	case s.region != "":
		return region != "" && strings.HasPrefix(region, s.region)
	case s.unit != "":
		return unit != "" && unit == s.unit
	case s.owner != "":
		return owner != "" && owner == s.owner
	}
	return false
}

// RegionPrefix returns the significant prefix of a 12-digit region code, from its level: a
// province keeps 2 digits, a prefecture (city) 4, a county 6, a township 9, a village 12. A code
// that is not 12 digits yields "".
func RegionPrefix(code string) string {
	if len(code) != 12 {
		return ""
	}
	for _, c := range []byte(code) {
		if c < '0' || c > '9' {
			return ""
		}
	}
	for _, n := range []int{2, 4, 6, 9} {
		if strings.Trim(code[n:], "0") == "" {
			return code[:n]
		}
	}
	return code
}

// nextPrefix returns the smallest digit string of the same length greater than p ("3699" →
// "3700"), or false when there is none ("99").
func nextPrefix(p string) (string, bool) {
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < '9' {
			b[i]++
			return string(b), true
		}
		b[i] = '0'
	}
	return "", false
}
