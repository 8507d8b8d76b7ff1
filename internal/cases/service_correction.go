package cases

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"onestamp/internal/platform/errs"
)

// PrecheckInput is the outcome of an online pre-check: pass, or return listing every defect.
type PrecheckInput struct {
	Pass    bool     `json:"pass"`
	Defects []Defect `json:"defects,omitempty" doc:"every defect, when returned"`
	Note    string   `json:"note,omitempty"`
}

// Precheck records the online pre-check (预审) by a clerk of the receiving hall.
func (s *Service) Precheck(ctx context.Context, id string, version int64, in PrecheckInput) (Case, error) {
	act := ActPrecheckPass
	if !in.Pass {
		act = ActPrecheckReturn
	}
	return s.transition(ctx, id, version, act, func(c *change) error {
		c.e.Reason = strings.TrimSpace(in.Note)
		if in.Pass {
			return nil
		}
		ds, err := s.checkDefects(c, in.Defects)
		if err != nil {
			return err
		}
		if c.e.Reason == "" {
			c.e.Reason = defectSummary(ds)
		}
		c.set("defects", ds)
		return nil
	})
}

// checkDefects validates a defect list against the case's materials and form.
func (s *Service) checkDefects(c *change, ds []Defect) ([]Defect, error) {
	if len(ds) == 0 {
		return nil, errs.InvalidInput("cases.defects.required").OnField("defects")
	}
	mats, err := s.st.materials(c.t.ctx, c.t.tx, c.r.ID)
	if err != nil {
		return nil, err
	}
	it, err := s.item(c.t.ctx, c.r.ItemID, c.r.ItemVersion)
	if err != nil {
		return nil, err
	}
	out := make([]Defect, 0, len(ds))
	for i, d := range ds {
		d.Problem = strings.TrimSpace(d.Problem)
		field := fmt.Sprintf("defects[%d]", i)
		switch {
		case d.Problem == "" || utf8.RuneCountInString(d.Problem) > 500:
			return nil, errs.InvalidInput("cases.defects.problem").OnField(field + ".problem")
		case (d.Material == "") == (d.Field == ""):
			return nil, errs.InvalidInput("cases.defects.target").OnField(field)
		case d.Material != "" && !slices.ContainsFunc(mats, func(m Material) bool { return m.Code == d.Material }):
			return nil, errs.InvalidInput("cases.defects.material").OnField(field + ".material")
		case d.Field != "" && !slices.ContainsFunc(it.Fields, func(f Field) bool { return f.Key == d.Field }):
			return nil, errs.InvalidInput("cases.defects.field").OnField(field + ".field")
		}
		out = append(out, d)
	}
	return out, nil
}

func defectSummary(ds []Defect) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		t := d.Material
		if t == "" {
			t = d.Field
		}
		parts[i] = t + ": " + d.Problem
	}
	return strings.Join(parts, "; ")
}

// CorrectionInput is a correction notice (补正, 一次性告知): every defect at once.
type CorrectionInput struct {
	Defects []Defect `json:"defects"`
	Note    string   `json:"note,omitempty"`
}

// RequestCorrection sends the one correction notice listing every missing or defective
// material. A second notice before acceptance may only name material submitted after the first
// (it is flagged and reported). Within the intake limit only: a case already deemed accepted
// is accepted, not corrected.
func (s *Service) RequestCorrection(ctx context.Context, id string, version int64, in CorrectionInput) (Case, error) {
	return s.transition(ctx, id, version, ActCorrection, func(c *change) error {
		r := c.r
		if r.Facts.Deemed || (!r.IntakeDue.IsZero() && c.t.today > r.IntakeDue) {
			return errs.New(errs.Conflict, "cases.deemed")
		}
		ds, err := s.checkDefects(c, in.Defects)
		if err != nil {
			return err
		}
		mats, err := s.st.materials(c.t.ctx, c.t.tx, r.ID)
		if err != nil {
			return err
		}
		if r.Facts.Corrections > 0 {
			if err := s.checkSecondRound(c, ds, mats); err != nil {
				return err
			}
			r.Flags = r.Flags.With(FlagSecondCorrection, true)
			c.set("second_round", true)
		}
		for _, d := range ds {
			if d.Material == "" {
				continue
			}
			i := slices.IndexFunc(mats, func(m Material) bool { return m.Code == d.Material })
			m := mats[i]
			m.Status, m.Defect = MatDefective, d.Problem
			if err := s.st.updateMaterial(c.t.ctx, c.t.tx, r.ID, m); err != nil {
				return err
			}
		}
		c.e.Reason = strings.TrimSpace(in.Note)
		if c.e.Reason == "" {
			c.e.Reason = defectSummary(ds)
		}
		c.set("defects", ds)
		c.set("reply_by", c.t.today.AddDays(s.cfg.CorrectionDays).String())
		return nil
	})
}

// checkSecondRound allows a second notice only for material whose current file arrived after
// the previous notice.
func (s *Service) checkSecondRound(c *change, ds []Defect, mats []Material) error {
	evs, err := s.st.events(c.t.ctx, c.t.tx, "case_id", c.r.ID)
	if err != nil {
		return err
	}
	var last time.Time
	for _, e := range evs {
		if e.Action == ActCorrection {
			last = e.At
		}
	}
	files, err := s.st.files(c.t.ctx, c.t.tx, c.r.ID)
	if err != nil {
		return err
	}
	for i, d := range ds {
		if d.Material == "" {
			return errs.InvalidInput("cases.correction.second_round").OnField(fmt.Sprintf("defects[%d]", i))
		}
		m := mats[slices.IndexFunc(mats, func(m Material) bool { return m.Code == d.Material })]
		fresh := slices.ContainsFunc(files, func(f File) bool { return f.ID == m.FileID && f.UploadedAt.After(last) })
		if !fresh {
			return errs.InvalidInput("cases.correction.second_round").OnField(fmt.Sprintf("defects[%d].material", i))
		}
	}
	return nil
}

// ResubmitInput says the corrected materials are in.
type ResubmitInput struct {
	Note string `json:"note,omitempty"`
}

// Resubmit ends a correction (every material named in the notice has a new file; the intake
// clock restarts and the acceptance date becomes today) or a returned pre-check (back to the
// pre-check).
func (s *Service) Resubmit(ctx context.Context, id string, version int64, in ResubmitInput) (Case, error) {
	return s.transition(ctx, id, version, ActResubmit, func(c *change) error {
		r := c.r
		c.e.Reason = strings.TrimSpace(in.Note)
		if r.State == StPrecheckReturned {
			r.State = StSubmitted
			return nil
		}
		mats, err := s.st.materials(c.t.ctx, c.t.tx, r.ID)
		if err != nil {
			return err
		}
		var open []string
		for _, m := range mats {
			if m.Status == MatDefective {
				open = append(open, m.Code)
			}
		}
		if len(open) > 0 {
			return errs.InvalidInput("cases.resubmit.defects_open").OnField("materials").With("materials", materialNames(mats, open))
		}
		r.State = StReceived
		return nil
	})
}
