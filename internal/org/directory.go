package org

import (
	"context"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/errs"
)

// Directory is the read side of the map for other domains, which pass the scope to read in: a
// request's (ReadScope(viewer), or the viewer's own Scope()) or auth.SystemScope() for a job.
// Besides what the scope sees, the jurisdictions above a region scope are visible, with their
// units: a county's staff see their city and the city's bureau, never a sibling county. A record
// outside that answers not_found, so its existence is not revealed.
type Directory struct {
	d  *db.DB
	st store
}

// NewDirectory returns the directory of d, for a process that needs reads without the service.
func NewDirectory(d *db.DB) *Directory { return &Directory{d: d} }

// Node is a jurisdiction with the visible jurisdictions below it.
type Node struct {
	Jurisdiction
	Children []*Node `json:"children,omitempty"`
}

// Jurisdiction returns one jurisdiction.
func (d *Directory) Jurisdiction(ctx context.Context, sc auth.Scope, code string) (Jurisdiction, error) {
	return d.st.jurisdiction(ctx, d.d.Read, sc, code)
}

// Jurisdictions returns the visible jurisdictions ordered by code (every parent before its
// children).
func (d *Directory) Jurisdictions(ctx context.Context, sc auth.Scope, inactive bool) ([]Jurisdiction, error) {
	return d.st.jurisdictions(ctx, d.d.Read, sc, inactive)
}

// Tree returns the visible jurisdictions as a forest: normally one root, the city (or, for a
// county's staff, the chain down to their county and everything below it).
func (d *Directory) Tree(ctx context.Context, sc auth.Scope, inactive bool) ([]*Node, error) {
	js, err := d.st.jurisdictions(ctx, d.d.Read, sc, inactive)
	if err != nil {
		return nil, err
	}
	return buildTree(js), nil
}

func buildTree(js []Jurisdiction) []*Node {
	byCode := make(map[string]*Node, len(js))
	var roots []*Node
	// Ordered by code, a parent always comes before its children.
	for _, j := range js {
		n := &Node{Jurisdiction: j}
		byCode[j.Code] = n
		if p := byCode[j.ParentCode]; p != nil {
			p.Children = append(p.Children, n)
		} else {
			roots = append(roots, n)
		}
	}
	return roots
}

// Unit returns one unit.
func (d *Directory) Unit(ctx context.Context, sc auth.Scope, id string) (Unit, error) {
	return d.st.unit(ctx, d.d.Read, sc, id)
}

// UnitByCode returns the unit with a code (统一社会信用代码).
func (d *Directory) UnitByCode(ctx context.Context, sc auth.Scope, code string) (Unit, error) {
	return d.st.unitByCode(ctx, d.d.Read, sc, code)
}

// Units lists the visible units that match f.
func (d *Directory) Units(ctx context.Context, sc auth.Scope, f UnitFilter) ([]Unit, error) {
	return d.st.units(ctx, d.d.Read, sc, f)
}

// Chain returns a unit and its parents up to the top, the unit first. A parent always lies in
// the same or a higher jurisdiction, so whoever sees the unit sees its whole chain.
func (d *Directory) Chain(ctx context.Context, sc auth.Scope, id string) ([]Unit, error) {
	u, err := d.st.unit(ctx, d.d.Read, sc, id)
	if err != nil {
		return nil, err
	}
	out := []Unit{u}
	for u.ParentID != "" {
		if len(out) > maxDepth {
			return nil, errs.New(errs.Internal, "error.internal").With("unit", id)
		}
		u, err = d.st.unit(ctx, d.d.Read, sc, u.ParentID)
		if errs.Is(err, errs.NotFound) {
			break
		}
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

// Bureau returns the active Administrative Approval Bureau of a jurisdiction.
func (d *Directory) Bureau(ctx context.Context, sc auth.Scope, region string) (Unit, error) {
	us, err := d.st.units(ctx, d.d.Read, sc, UnitFilter{Region: region, Kind: UnitBureau})
	if err != nil {
		return Unit{}, err
	}
	if len(us) == 0 {
		return Unit{}, errs.NotFoundErr("org.unit.not_found")
	}
	return us[0], nil
}

// Window returns one window.
func (d *Directory) Window(ctx context.Context, sc auth.Scope, id string) (Window, error) {
	return d.st.window(ctx, d.d.Read, sc, id)
}

// Windows lists the windows of a hall by number; hallID "" lists those of every visible hall.
// A hall outside the scope answers not_found rather than an empty list.
func (d *Directory) Windows(ctx context.Context, sc auth.Scope, hallID string, inactive bool) ([]Window, error) {
	if hallID != "" {
		h, err := d.st.unit(ctx, d.d.Read, sc, hallID)
		if err != nil {
			return nil, err
		}
		if h.Kind != UnitHall {
			return nil, errs.NotFoundErr("org.unit.not_found")
		}
	}
	return d.st.windows(ctx, d.d.Read, sc, hallID, inactive)
}

// UnitInfo answers auth's question about a staff member's unit (it makes a Directory an
// auth.Units): any unit, whatever the asker's scope, since auth checks its own.
func (d *Directory) UnitInfo(ctx context.Context, id string) (auth.UnitInfo, error) {
	u, err := d.st.unit(ctx, d.d.Read, auth.SystemScope(), id)
	if err != nil {
		return auth.UnitInfo{}, err
	}
	info := auth.UnitInfo{ID: u.ID, Name: u.Name, RegionCode: u.RegionCode, Active: u.Active}
	if j, err := d.Jurisdiction(ctx, auth.SystemScope(), u.RegionCode); err == nil {
		info.RegionName = j.Name
	}
	return info, nil
}
