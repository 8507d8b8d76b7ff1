package rating

import (
	"context"
	"database/sql"
	"strings"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/ident"
)

// Hidden is what the rated unit sees instead of the evaluator.
const Hidden = "***"

// Evaluator texts for the special cases, as message keys pages translate.
const (
	EvaluatorAnonymous = "rating.evaluator.anonymous"
	EvaluatorHidden    = "rating.evaluator.hidden"
)

// view turns a stored rating into what v may see. The evaluator is shown masked (name, ID number
// and mobile each masked), and not at all to the rated organisation, its hall or its staff.
func (s *Service) view(ctx context.Context, v *auth.Viewer, d *detail) Rating {
	r := d.row
	out := Rating{ID: r.ID, CaseID: r.CaseID, CaseNo: r.CaseNo, Stage: r.Stage, ItemID: r.ItemID, ItemCode: r.ItemCode,
		ItemVersion: r.ItemVersion, ItemName: r.ItemName, UnitID: r.UnitID, UnitCode: r.UnitCode, UnitName: r.UnitName,
		HallID: r.HallID, HallName: r.HallName, WindowID: r.WindowID, WindowNo: r.WindowNo, RegionCode: r.RegionCode, Staff: nonNilStaff(r.Staff),
		Channel: r.Channel, Level: r.Level, Reasons: nonNilReasons(r.Reasons), Comment: r.Comment, RatedAt: msTime(r.RatedAt),
		RatedOn: r.RatedOn, Default: r.Default, RealName: r.RealName, ApplicantType: r.ApplicantType,
		EnteredBy: r.EnteredBy, SourceRef: r.SourceRef, CaseStatus: r.CaseStatus, Excluded: d.excluded, Appeal: d.appeal}
	if f := d.followup; f != nil {
		out.Followup = &Followup{RectificationID: f.RectID, RectificationNo: f.RectNo, State: f.State, DueOn: f.DueOn,
			Closed: f.Closed, OnTime: f.OnTime, Callback: f.Callback, Response: f.Response}
	}
	switch {
	case ratedUnitMember(v, r.UnitID, r.HallID, r.Staff):
		out.Evaluator = Hidden
	case strings.HasPrefix(r.EvaluatorKey, "anon:") || !r.RealName:
		out.Evaluator = ""
	default:
		out.Evaluator = s.masked(r)
	}
	return out
}

// masked is the evaluator's identity with every part masked.
func (s *Service) masked(r *row) string {
	var parts []string
	if name, err := s.cipher.DecryptString(r.Name, "ratings.name:"+r.ID); err == nil && name != "" {
		if r.ApplicantType == ApplicantOrg {
			parts = append(parts, name) // an organisation's name is public
		} else {
			parts = append(parts, ident.MaskName(name))
		}
	}
	if r.IDMasked != "" {
		parts = append(parts, r.IDMasked)
	}
	if m, err := s.cipher.DecryptString(r.Mobile, "ratings.mobile:"+r.ID); err == nil && m != "" {
		parts = append(parts, ident.MaskMobile(m))
	}
	return strings.Join(parts, " ")
}

// Get returns one rating the viewer may see; another's is not found.
func (s *Service) Get(ctx context.Context, id string) (Rating, error) {
	v, sc, err := readScope(ctx)
	if err != nil {
		return Rating{}, err
	}
	d, err := s.st.rating(ctx, s.d.Read, sc, id)
	if err != nil {
		return Rating{}, err
	}
	return s.view(ctx, v, d), nil
}

// Page is a page of ratings and the cursor of the next one ("" at the end).
type Page struct {
	Ratings []Rating `json:"ratings"`
	Next    string   `json:"next,omitempty" doc:"pass as before to get the next page"`
}

// List returns ratings the viewer may see, newest first.
func (s *Service) List(ctx context.Context, f Filter) (Page, error) {
	v, sc, err := readScope(ctx)
	if err != nil {
		return Page{}, err
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	want := f.Limit
	f.Limit++
	ds, err := s.st.list(ctx, s.d.Read, sc, f)
	if err != nil {
		return Page{}, err
	}
	p := Page{Ratings: make([]Rating, 0, len(ds))}
	for i, d := range ds {
		if i == want {
			p.Next = ds[i-1].ID
			break
		}
		p.Ratings = append(p.Ratings, s.view(ctx, v, d))
	}
	return p, nil
}

// Identity is an evaluator's identity in full.
type Identity struct {
	Name     string `json:"name"`
	IDNumber string `json:"id_number"`
	Mobile   string `json:"mobile"`
}

// Unmask shows the evaluator of a rating in full to a viewer who holds the unmask permission and
// does not belong to the rated side (DOMAIN §6: staff never see the evaluator), for a callback or
// an appeal review. Every use writes an audit record.
func (s *Service) Unmask(ctx context.Context, id string) (Identity, error) {
	v, err := staffIn(ctx, supervisorUp)
	if err != nil {
		return Identity{}, err
	}
	if !v.Can(auth.PermUnmask) {
		return Identity{}, errs.ForbiddenErr()
	}
	d, err := s.st.rating(ctx, s.d.Read, v.Scope(), id)
	if err != nil {
		return Identity{}, err
	}
	if ratedUnitMember(v, d.UnitID, d.HallID, d.Staff) {
		return Identity{}, errs.New(errs.Forbidden, "rating.unmask.rated_unit")
	}
	var out Identity
	for _, f := range []struct {
		dst *string
		enc string
		col string
	}{{&out.Name, d.Name, "name"}, {&out.IDNumber, d.IDNumber, "id_number"}, {&out.Mobile, d.Mobile, "mobile"}} {
		p, err := s.cipher.DecryptString(f.enc, "ratings."+f.col+":"+d.ID)
		if err != nil {
			return Identity{}, errs.Wrap(err, "decrypt %s of rating %s", f.col, d.ID)
		}
		*f.dst = p
	}
	err = s.d.Tx(ctx, func(tx *sql.Tx) error {
		return s.record(ctx, tx, v, "rating.unmask", "rating:"+d.ID, map[string]any{"case_no": d.CaseNo})
	})
	if err != nil {
		return Identity{}, err
	}
	return out, nil
}
