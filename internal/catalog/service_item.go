package catalog

import (
	"context"
	"database/sql"

	"onestamp/internal/platform/db"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/workday"
)

// ---- reads (published content is public) ----

// Item returns an item.
func (s *Service) Item(ctx context.Context, id string) (Item, error) {
	return s.st.item(ctx, s.db.Read, id)
}

// ItemByCode returns the item with an identifying code (实施编码 or 业务办理项编码).
func (s *Service) ItemByCode(ctx context.Context, code string) (Item, error) {
	return s.st.itemByCode(ctx, s.db.Read, code)
}

// Items lists items.
func (s *Service) Items(ctx context.Context, f ItemFilter) ([]Item, error) {
	if f.Limit <= 0 || f.Limit > 5000 {
		f.Limit = 5000
	}
	return s.st.items(ctx, s.db.Read, f)
}

// Children returns the items directly below an item.
func (s *Service) Children(ctx context.Context, id string) ([]Item, error) {
	return s.st.items(ctx, s.db.Read, ItemFilter{ParentID: id})
}

// VersionAt returns the version of an item in force on a day: the version a case accepted that
// day pins. A day before the first publication is not_found.
func (s *Service) VersionAt(ctx context.Context, itemID string, on workday.Date) (ItemVersion, error) {
	if on.IsZero() {
		on = s.Today()
	}
	return s.st.versionAt(ctx, s.db.Read, itemID, on)
}

// Version returns one version; a draft only to staff. A case that pinned a version reads it
// back with this.
func (s *Service) Version(ctx context.Context, itemID string, version int) (ItemVersion, error) {
	v, err := s.st.version(ctx, s.db.Read, itemID, version)
	if err != nil {
		return v, err
	}
	if v.Status == VersionDraft {
		if _, err := s.staff(ctx); err != nil {
			return ItemVersion{}, errs.NotFoundErr("catalog.version.not_found")
		}
	}
	return v, nil
}

// Versions returns an item's versions, oldest first: every one to staff, the published ones
// to everybody else.
func (s *Service) Versions(ctx context.Context, itemID string) ([]ItemVersion, error) {
	vs, err := s.st.versions(ctx, s.db.Read, itemID)
	if err != nil {
		return nil, err
	}
	if _, err := s.staff(ctx); err != nil {
		out := vs[:0]
		for _, v := range vs {
			if v.Status == VersionPublished {
				out = append(out, v)
			}
		}
		vs = out
	}
	return vs, nil
}

// Pin returns what a case accepted on a day binds to: the item and the version then in force.
// It refuses an item with children (a case names the smallest unit), a retired item, and an
// item whose approval the reform cancelled.
func (s *Service) Pin(ctx context.Context, itemID string, on workday.Date) (Pinned, error) {
	it, err := s.st.item(ctx, s.db.Read, itemID)
	if err != nil {
		return Pinned{}, err
	}
	if !it.IsLeaf() {
		return Pinned{}, errs.InvalidInput("catalog.item.not_leaf")
	}
	if it.Status != StatusActive {
		return Pinned{}, errs.InvalidInput("catalog.item.retired")
	}
	v, err := s.VersionAt(ctx, itemID, on)
	if err != nil {
		return Pinned{}, err
	}
	if !v.Spec.ReformMode.AcceptsCases() {
		return Pinned{}, errs.InvalidInput("catalog.item.cancelled")
	}
	return Pinned{Item: it, Version: v}, nil
}

// Draft returns the open draft of an item for the editor, or, when there is none, the content
// a new draft would start from (the latest published version) with exists false.
func (s *Service) Draft(ctx context.Context, itemID string) (ItemVersion, bool, error) {
	if _, err := s.staff(ctx); err != nil {
		return ItemVersion{}, false, err
	}
	it, err := s.st.item(ctx, s.db.Read, itemID)
	if err != nil {
		return ItemVersion{}, false, err
	}
	if it.Draft > 0 {
		v, err := s.st.version(ctx, s.db.Read, itemID, it.Draft)
		return v, true, err
	}
	v, err := s.st.version(ctx, s.db.Read, itemID, it.Current)
	if err != nil {
		return v, false, err
	}
	v.Version, v.Status, v.EffectiveFrom, v.EffectiveTo, v.Note = it.Current+1, VersionDraft, 0, 0, ""
	v.Spec = v.Spec.Clone()
	return v, false, nil
}

// DiffVersions returns the changes from version from to version to of an item; to = 0 means
// the open draft.
func (s *Service) DiffVersions(ctx context.Context, itemID string, from, to int) ([]Change, error) {
	if to == 0 {
		it, err := s.st.item(ctx, s.db.Read, itemID)
		if err != nil {
			return nil, err
		}
		to = it.Draft
		if to == 0 {
			return nil, errs.NotFoundErr("catalog.version.no_draft")
		}
	}
	a, err := s.Version(ctx, itemID, from)
	if err != nil {
		return nil, err
	}
	b, err := s.Version(ctx, itemID, to)
	if err != nil {
		return nil, err
	}
	return Diff(a.Spec, b.Spec), nil
}

// ---- changes ----

// CreateItem adds an item with its first draft (version 1).
func (s *Service) CreateItem(ctx context.Context, it Item, sp Spec, note string) (Item, ItemVersion, error) {
	a, err := s.admin(ctx)
	if err != nil {
		return Item{}, ItemVersion{}, err
	}
	var v ItemVersion
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		r, err := s.loadRefs(ctx, tx)
		if err != nil {
			return err
		}
		var ps []Problem
		it, sp, ps, err = s.checkNew(ctx, tx, r, it, sp)
		if err != nil {
			return err
		}
		if err := invalid(ps); err != nil {
			return err
		}
		if err := a.reach(it.RegionCode); err != nil {
			return err
		}
		it, v, err = s.insertNew(ctx, tx, a, it, sp, note, 0)
		return err
	})
	return it, v, err
}

// checkNew normalises and validates a new item against the database.
func (s *Service) checkNew(ctx context.Context, q db.Q, r refs, it Item, sp Spec) (Item, Spec, []Problem, error) {
	it.Normalize()
	sp.Normalize()
	ps := it.Validate()
	ps = append(ps, sp.Validate()...)
	ps = append(ps, r.check(sp)...)
	if it.ParentID != "" {
		p, err := s.st.item(ctx, q, it.ParentID)
		switch {
		case errs.Is(err, errs.NotFound):
			ps = append(ps, prob("parent_id", kvParentUnknown, "value", it.ParentID))
		case err != nil:
			return it, sp, nil, err
		default:
			if !it.Level.parentAllowed(p.Level) {
				ps = append(ps, prob("parent_id", kvParentLevel))
			}
			if p.RegionCode != it.RegionCode {
				ps = append(ps, prob("parent_id", kvParentRegion))
			}
		}
	}
	if it.Code != "" {
		if _, err := s.st.itemByCode(ctx, q, it.Code); err == nil {
			ps = append(ps, prob("code", kvCodeTaken, "value", it.Code))
		} else if !errs.Is(err, errs.NotFound) {
			return it, sp, nil, err
		}
	}
	return it, sp, ps, nil
}

// insertNew writes a checked new item and its first version: a draft, or published from the
// day given (import, demo).
func (s *Service) insertNew(ctx context.Context, tx *sql.Tx, a actor, it Item, sp Spec, note string, publishFrom workday.Date) (Item, ItemVersion, error) {
	now := s.now()
	it.ID = db.NewID()
	it.Name, it.NameEN, it.Type, it.DeptID = sp.Name, sp.NameEN, sp.Type, sp.CompetentDept
	it.Status = StatusActive
	it.CreatedAt, it.UpdatedAt = now, now
	v := ItemVersion{ItemID: it.ID, Version: 1, Status: VersionDraft, Note: note, Spec: sp, CreatedAt: now, CreatedBy: a.id}
	if publishFrom.IsZero() {
		it.Draft = 1
	} else {
		it.Current = 1
		v.Status, v.EffectiveFrom, v.PublishedAt, v.PublishedBy = VersionPublished, publishFrom, now, a.id
	}
	if err := s.st.insertItem(ctx, tx, it); err != nil {
		return it, v, err
	}
	if err := s.st.insertVersion(ctx, tx, v); err != nil {
		return it, v, err
	}
	detail := map[string]any{"code": it.Code, "name": it.Name, "level": it.Level}
	if !publishFrom.IsZero() {
		detail["published_from"] = publishFrom.String()
		if err := s.st.bump(ctx, tx); err != nil {
			return it, v, err
		}
	}
	return it, v, s.record(ctx, tx, a, "catalog.item.create", "item:"+it.ID, detail)
}

// SaveDraft validates a spec and stores it as the item's draft: the open draft is replaced, or
// a new draft (the next version) is made. Published versions are never touched.
func (s *Service) SaveDraft(ctx context.Context, itemID string, sp Spec, note string) (ItemVersion, error) {
	a, err := s.admin(ctx)
	if err != nil {
		return ItemVersion{}, err
	}
	var v ItemVersion
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		r, err := s.loadRefs(ctx, tx)
		if err != nil {
			return err
		}
		v, err = s.saveDraft(ctx, tx, a, r, itemID, sp, note)
		return err
	})
	return v, err
}

func (s *Service) saveDraft(ctx context.Context, tx *sql.Tx, a actor, r refs, itemID string, sp Spec, note string) (ItemVersion, error) {
	it, err := s.st.item(ctx, tx, itemID)
	if err != nil {
		return ItemVersion{}, err
	}
	if err := a.reach(it.RegionCode); err != nil {
		return ItemVersion{}, err
	}
	sp.Normalize()
	ps := append(sp.Validate(), r.check(sp)...)
	if err := invalid(ps); err != nil {
		return ItemVersion{}, err
	}
	now := s.now()
	v := ItemVersion{ItemID: itemID, Status: VersionDraft, Note: note, Spec: sp, CreatedAt: now, CreatedBy: a.id}
	base := it.Current
	if it.Draft > 0 {
		v.Version = it.Draft
		if err := s.st.updateDraft(ctx, tx, v); err != nil {
			return v, err
		}
	} else {
		v.Version = it.Current + 1
		if err := s.st.insertVersion(ctx, tx, v); err != nil {
			return v, err
		}
		it.Draft = v.Version
	}
	if it.Current == 0 {
		it.Name, it.NameEN, it.Type, it.DeptID = sp.Name, sp.NameEN, sp.Type, sp.CompetentDept
	}
	it.UpdatedAt = now
	if err := s.st.updateItemHead(ctx, tx, it); err != nil {
		return v, err
	}
	changed := 0
	if base > 0 {
		if prev, err := s.st.version(ctx, tx, itemID, base); err == nil {
			changed = len(Diff(prev.Spec, sp))
		}
	}
	return v, s.record(ctx, tx, a, "catalog.item.draft", "item:"+itemID, map[string]any{
		"version": v.Version, "changes_from_published": changed, "note": note})
}

// PublishInput is a request to publish an item's draft.
type PublishInput struct {
	// Version is the draft version the administrator reviewed; publishing fails with a conflict
	// if the draft has changed since.
	Version int `json:"version"`
	// EffectiveFrom is the first day in force: today or later, and not before the version in
	// force now took effect. Zero means today.
	EffectiveFrom workday.Date `json:"effective_from,omitzero"`
}

// Publish makes an item's draft the next published version from a day. The version becomes
// immutable; cases already accepted keep the version they pinned.
func (s *Service) Publish(ctx context.Context, itemID string, in PublishInput) (ItemVersion, error) {
	a, err := s.admin(ctx)
	if err != nil {
		return ItemVersion{}, err
	}
	if in.EffectiveFrom.IsZero() {
		in.EffectiveFrom = s.Today()
	}
	if in.EffectiveFrom.Before(s.Today()) {
		return ItemVersion{}, invalid([]Problem{prob("effective_from", kvEffectiveEarly, "min", s.Today().String())})
	}
	var v ItemVersion
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		r, err := s.loadRefs(ctx, tx)
		if err != nil {
			return err
		}
		v, err = s.publish(ctx, tx, a, r, itemID, in)
		return err
	})
	if err == nil {
		s.refresh(ctx)
	}
	return v, err
}

func (s *Service) publish(ctx context.Context, tx *sql.Tx, a actor, r refs, itemID string, in PublishInput) (ItemVersion, error) {
	it, err := s.st.item(ctx, tx, itemID)
	if err != nil {
		return ItemVersion{}, err
	}
	if err := a.reach(it.RegionCode); err != nil {
		return ItemVersion{}, err
	}
	if it.Draft == 0 {
		return ItemVersion{}, errs.ConflictErr("catalog.version.no_draft")
	}
	if in.Version != 0 && in.Version != it.Draft {
		return ItemVersion{}, errs.ConflictErr("catalog.version.changed")
	}
	draft, err := s.st.version(ctx, tx, itemID, it.Draft)
	if err != nil {
		return ItemVersion{}, err
	}
	// Checked again: a certificate type or a unit may have gone since the draft was saved.
	ps := append(draft.Spec.Validate(), r.check(draft.Spec)...)
	var prev ItemVersion
	if it.Current > 0 {
		prev, err = s.st.version(ctx, tx, itemID, it.Current)
		if err != nil {
			return ItemVersion{}, err
		}
		if in.EffectiveFrom.Before(prev.EffectiveFrom) {
			ps = append(ps, prob("effective_from", kvEffectiveEarly, "min", prev.EffectiveFrom.String()))
		}
	}
	if err := invalid(ps); err != nil {
		return ItemVersion{}, err
	}
	now := s.now()
	if err := s.st.publishDraft(ctx, tx, itemID, draft.Version, in.EffectiveFrom, now, a.id); err != nil {
		return ItemVersion{}, err
	}
	it.Current, it.Draft = draft.Version, 0
	it.Name, it.NameEN, it.Type, it.DeptID = draft.Spec.Name, draft.Spec.NameEN, draft.Spec.Type, draft.Spec.CompetentDept
	it.UpdatedAt = now
	if err := s.st.updateItemHead(ctx, tx, it); err != nil {
		return ItemVersion{}, err
	}
	if err := s.st.bump(ctx, tx); err != nil {
		return ItemVersion{}, err
	}
	draft.Status, draft.EffectiveFrom, draft.PublishedAt, draft.PublishedBy = VersionPublished, in.EffectiveFrom, now, a.id
	detail := map[string]any{"version": draft.Version, "effective_from": in.EffectiveFrom.String(), "name": it.Name}
	if prev.Version > 0 {
		var paths []string
		for _, c := range Diff(prev.Spec, draft.Spec) {
			paths = append(paths, c.Path)
		}
		detail["changed"] = paths
	}
	return draft, s.record(ctx, tx, a, "catalog.item.publish", "item:"+itemID, detail)
}

// DiscardDraft drops an item's open draft. The first draft of an item that was never published
// cannot be discarded: retire the item instead.
func (s *Service) DiscardDraft(ctx context.Context, itemID string) error {
	a, err := s.admin(ctx)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		it, err := s.st.item(ctx, tx, itemID)
		if err != nil {
			return err
		}
		if err := a.reach(it.RegionCode); err != nil {
			return err
		}
		if it.Draft == 0 {
			return errs.ConflictErr("catalog.version.no_draft")
		}
		if it.Current == 0 {
			return errs.ConflictErr("catalog.version.discard_first")
		}
		if err := s.st.deleteDraft(ctx, tx, itemID); err != nil {
			return err
		}
		version := it.Draft
		it.Draft, it.UpdatedAt = 0, s.now()
		if err := s.st.updateItemHead(ctx, tx, it); err != nil {
			return err
		}
		return s.record(ctx, tx, a, "catalog.item.discard", "item:"+itemID, map[string]any{"version": version})
	})
}

// SetStatus retires an item (it leaves the guide; cases that point at it keep working) or
// brings it back.
func (s *Service) SetStatus(ctx context.Context, itemID string, st Status) (Item, error) {
	a, err := s.admin(ctx)
	if err != nil {
		return Item{}, err
	}
	if st != StatusActive && st != StatusRetired {
		return Item{}, invalid([]Problem{prob("status", kvInvalidValue, "value", string(st))})
	}
	var it Item
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		it, err = s.st.item(ctx, tx, itemID)
		if err != nil {
			return err
		}
		if err := a.reach(it.RegionCode); err != nil {
			return err
		}
		if it.Status == st {
			return nil
		}
		it.Status, it.UpdatedAt = st, s.now()
		if err := s.st.updateItemHead(ctx, tx, it); err != nil {
			return err
		}
		if err := s.st.bump(ctx, tx); err != nil {
			return err
		}
		return s.record(ctx, tx, a, "catalog.item.status", "item:"+itemID, map[string]any{"status": st})
	})
	if err == nil {
		s.refresh(ctx)
	}
	return it, err
}
