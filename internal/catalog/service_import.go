package catalog

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"reflect"
	"sort"

	"onestamp/internal/platform/db"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/workday"
)

// Export writes the 实施清单 in force on a day (zero: today) as a workbook: every active item
// with a version in force then. With drafts, an item's open draft is written instead.
func (s *Service) Export(ctx context.Context, on workday.Date, drafts bool) ([]byte, error) {
	if _, err := s.staff(ctx); err != nil {
		return nil, err
	}
	if on.IsZero() {
		on = s.Today()
	}
	items, err := s.st.items(ctx, s.db.Read, ItemFilter{Status: StatusActive})
	if err != nil {
		return nil, err
	}
	vs, err := s.st.inForce(ctx, s.db.Read, on)
	if err != nil {
		return nil, err
	}
	r, err := s.loadRefs(ctx, s.db.Read)
	if err != nil {
		return nil, err
	}
	codes := map[string]string{}
	for _, it := range items {
		codes[it.ID] = it.Code
	}
	var recs []*xrec
	for _, it := range items {
		v, ok := vs[it.ID]
		if drafts && it.Draft > 0 {
			d, err := s.st.version(ctx, s.db.Read, it.ID, it.Draft)
			if err != nil {
				return nil, err
			}
			v, ok = d, true
		}
		if !ok {
			continue
		}
		recs = append(recs, &xrec{it: it, sp: v.Spec, parentCode: codes[it.ParentID]})
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].it.Code < recs[j].it.Code })
	return writeWorkbook(&xio{r: r}, recs)
}

// ImportOptions say what an import does with the items it reads.
type ImportOptions struct {
	// Publish publishes every new or changed item from EffectiveFrom (zero: today; not before
	// today); otherwise they become drafts.
	Publish       bool         `json:"publish"`
	EffectiveFrom workday.Date `json:"effective_from,omitzero"`
}

// ImportPlan is what an import did, or the problems that stopped it.
type ImportPlan struct {
	SHA256    string    `json:"sha256" doc:"of the uploaded file"`
	Created   []string  `json:"created" doc:"codes of the items created"`
	Changed   []string  `json:"changed" doc:"codes of the items that got a new version"`
	Unchanged int       `json:"unchanged" doc:"items whose content equals their current version"`
	Problems  []Problem `json:"problems"`
}

// OK reports whether the import could be carried out.
func (p *ImportPlan) OK() bool { return len(p.Problems) == 0 }

// KeyImportRejected is the message key of the error of an import with problems.
const KeyImportRejected = "catalog.import.rejected"

// Import reads a 实施清单 workbook and, if it has no problem at all, creates its new items and
// gives changed items a new version, in one transaction with one audit record per change. With
// any problem nothing is written; the plan lists every problem by sheet, row and column and the
// error is errs.Invalid (KeyImportRejected) wrapping Problems.
func (s *Service) Import(ctx context.Context, data []byte, opt ImportOptions) (*ImportPlan, error) {
	a, err := s.admin(ctx)
	if err != nil {
		return nil, err
	}
	if len(data) > MaxImportSize {
		return nil, errs.InvalidInput("catalog.import.too_large").With("max_mb", MaxImportSize>>20)
	}
	if opt.Publish {
		if opt.EffectiveFrom.IsZero() {
			opt.EffectiveFrom = s.Today()
		}
		if opt.EffectiveFrom.Before(s.Today()) {
			return nil, invalid([]Problem{prob("effective_from", kvEffectiveEarly, "min", s.Today().String())})
		}
	}
	sum := sha256.Sum256(data)
	plan := &ImportPlan{SHA256: hex.EncodeToString(sum[:]), Created: []string{}, Changed: []string{}, Problems: []Problem{}}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		r, err := s.loadRefs(ctx, tx)
		if err != nil {
			return err
		}
		x := &xio{r: r}
		w := readWorkbook(x, data)
		existing, err := s.checkImport(ctx, tx, a, x, w)
		if err != nil {
			return err
		}
		plan.Problems = dedupeProblems(x.problems)
		if len(plan.Problems) > 0 {
			return &errs.Error{Code: errs.Invalid, Key: KeyImportRejected, Args: map[string]any{"count": len(plan.Problems)},
				Err: Problems(plan.Problems)}
		}
		return s.applyImport(ctx, tx, a, r, w, existing, opt, plan)
	})
	if err == nil {
		s.refresh(ctx)
	}
	return plan, err
}

func dedupeProblems(ps []Problem) []Problem {
	type k struct {
		sheet, col, key, field string
		row                    int
	}
	seen := map[k]bool{}
	out := []Problem{}
	for _, p := range ps {
		key := k{p.Sheet, p.Column, p.Key, p.Field, p.Row}
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, p)
	}
	return out
}

// checkImport validates every record: its identity, its parent, its spec, and, for an item
// that exists, that the workbook does not change what identifies it. It returns the existing
// items by code.
func (s *Service) checkImport(ctx context.Context, q db.Q, a actor, x *xio, w *wb) (map[string]Item, error) {
	existing := map[string]Item{}
	for _, r := range w.recs {
		it, err := s.st.itemByCode(ctx, q, r.it.Code)
		if err == nil {
			existing[r.it.Code] = it
		} else if !errs.Is(err, errs.NotFound) {
			return nil, err
		}
	}
	for _, r := range w.recs {
		add := func(p Problem) { x.problems = append(x.problems, w.locate(r, p)) }
		r.it.Normalize()
		r.sp.Normalize()
		probe := r.it
		if r.parentCode != "" {
			probe.ParentID = r.parentCode
		}
		for _, p := range probe.Validate() {
			add(p)
		}
		for _, p := range r.sp.Validate() {
			add(p)
		}
		for _, p := range x.r.check(r.sp) {
			add(p)
		}
		if validRegion(r.it.RegionCode) && !a.scope.Allows(r.it.RegionCode, "", "") {
			add(prob("region_code", "catalog.import.out_of_scope", "value", r.it.RegionCode))
		}
		if old, ok := existing[r.it.Code]; ok {
			parent := ""
			if old.ParentID != "" {
				if p, err := s.st.item(ctx, q, old.ParentID); err == nil {
					parent = p.Code
				}
			}
			if old.Level != r.it.Level || old.BaseCode != r.it.BaseCode || old.ImplCode != r.it.ImplCode ||
				old.HandlingCode != r.it.HandlingCode || old.RegionCode != r.it.RegionCode || parent != r.parentCode {
				add(prob("code", "catalog.import.identity_changed", "value", r.it.Code))
			}
			continue
		}
		if r.parentCode == "" {
			continue
		}
		var plevel Level
		var pregion string
		if p, ok := w.byCode[r.parentCode]; ok {
			plevel, pregion = p.it.Level, p.it.RegionCode
		} else if p, err := s.st.itemByCode(ctx, q, r.parentCode); err == nil {
			plevel, pregion = p.Level, p.RegionCode
		} else {
			add(prob("parent_id", kvParentUnknown, "value", r.parentCode))
			continue
		}
		if !r.it.Level.parentAllowed(plevel) {
			add(prob("parent_id", kvParentLevel))
		}
		if pregion != r.it.RegionCode {
			add(prob("parent_id", kvParentRegion))
		}
	}
	return existing, nil
}

// applyImport writes a checked workbook: parents before children.
func (s *Service) applyImport(ctx context.Context, tx *sql.Tx, a actor, r refs, w *wb, existing map[string]Item,
	opt ImportOptions, plan *ImportPlan) error {
	order := map[Level]int{LevelMain: 0, LevelSub: 1, LevelHandling: 2}
	recs := append([]*xrec(nil), w.recs...)
	sort.SliceStable(recs, func(i, j int) bool { return order[recs[i].it.Level] < order[recs[j].it.Level] })
	ids := map[string]string{}
	for code, it := range existing {
		ids[code] = it.ID
	}
	for _, rec := range recs {
		if old, ok := existing[rec.it.Code]; ok {
			changed, err := s.importVersion(ctx, tx, a, r, old, rec.sp, opt)
			if err != nil {
				return err
			}
			if changed {
				plan.Changed = append(plan.Changed, rec.it.Code)
			} else {
				plan.Unchanged++
			}
			continue
		}
		it := rec.it
		if rec.parentCode != "" {
			pid, ok := ids[rec.parentCode]
			if !ok {
				p, err := s.st.itemByCode(ctx, tx, rec.parentCode)
				if err != nil {
					return err
				}
				pid = p.ID
			}
			it.ParentID = pid
		}
		var from workday.Date
		if opt.Publish {
			from = opt.EffectiveFrom
		}
		created, _, err := s.insertNew(ctx, tx, a, it, rec.sp, "Excel 导入", from)
		if err != nil {
			return err
		}
		ids[it.Code] = created.ID
		plan.Created = append(plan.Created, it.Code)
	}
	return s.record(ctx, tx, a, "catalog.import", "import:"+plan.SHA256, map[string]any{
		"sha256": plan.SHA256, "created": len(plan.Created), "changed": len(plan.Changed), "unchanged": plan.Unchanged,
		"publish": opt.Publish, "effective_from": opt.EffectiveFrom.String()})
}

// importVersion gives an existing item the imported spec as a draft (published when asked),
// unless it equals the latest version.
func (s *Service) importVersion(ctx context.Context, tx *sql.Tx, a actor, r refs, it Item, sp Spec, opt ImportOptions) (bool, error) {
	latest := it.Draft
	if latest == 0 {
		latest = it.Current
	}
	if latest > 0 {
		v, err := s.st.version(ctx, tx, it.ID, latest)
		if err != nil {
			return false, err
		}
		if reflect.DeepEqual(normalized(v.Spec), normalized(sp)) {
			return false, nil
		}
	}
	if _, err := s.saveDraft(ctx, tx, a, r, it.ID, sp, "Excel 导入"); err != nil {
		return false, err
	}
	if opt.Publish {
		if _, err := s.publish(ctx, tx, a, r, it.ID, PublishInput{EffectiveFrom: opt.EffectiveFrom}); err != nil {
			return false, err
		}
	}
	return true, nil
}

// normalized returns a spec in the form comparisons use: normalised, with empty lists nil.
func normalized(sp Spec) Spec {
	c := sp.Clone()
	c.Normalize()
	b, _ := specJSON(c)
	var out Spec
	_ = jsonUnmarshal(b, &out)
	return out
}
