package org

import (
	"context"
	"database/sql"
	"time"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/errs"
)

// CreateWindow adds a window to a hall of the admin's.
func (s *Service) CreateWindow(ctx context.Context, hallID string, w Window) (Window, error) {
	v, sc, err := s.admin(ctx)
	if err != nil {
		return Window{}, err
	}
	w.ID, w.HallID = "", hallID
	w.Normalize()
	if err := w.Validate(); err != nil {
		return Window{}, err
	}
	now := s.clock()
	w.ID, w.Active, w.DeactivatedAt, w.CreatedAt, w.UpdatedAt = db.NewID(), true, time.Time{}, now, now
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.checkWindow(ctx, tx, sc, w, Window{}); err != nil {
			return err
		}
		if err := s.st.insertWindow(ctx, tx, w); err != nil {
			return err
		}
		return s.record(ctx, tx, v, "org.window.create", "window:"+w.ID, windowFields(w))
	})
	if err != nil {
		return Window{}, err
	}
	return w, nil
}

// checkWindow checks a new or changed window against the database. old is the zero Window for
// a new one.
func (s *Service) checkWindow(ctx context.Context, tx *sql.Tx, sc auth.Scope, w, old Window) error {
	hall, err := s.st.unit(ctx, tx, auth.SystemScope(), w.HallID)
	if err != nil {
		return err
	}
	if err := reach(sc, hall.RegionCode, errs.NotFoundErr("org.unit.not_found")); err != nil {
		return err
	}
	if hall.Kind != UnitHall {
		return errs.InvalidInput("org.window.not_hall").OnField("hall_id")
	}
	if w.Active && !hall.Active {
		return errs.ConflictErr("org.unit.inactive")
	}
	if w.Active && (w.Number != old.Number || !old.Active) {
		holder, err := s.st.numberHolder(ctx, tx, w.HallID, w.Number)
		if err != nil {
			return err
		}
		if holder != "" && holder != w.ID {
			return errs.ConflictErr("org.window.number_taken").With("number", w.Number).OnField("number")
		}
	}
	if w.UnitID != "" && w.UnitID != old.UnitID {
		u, err := s.st.unit(ctx, tx, sc, w.UnitID)
		if errs.Is(err, errs.NotFound) {
			return errs.InvalidInput("org.window.unit_unknown").OnField("unit_id")
		}
		if err != nil {
			return err
		}
		if u.Kind == UnitHall || !u.Active {
			return errs.InvalidInput("org.window.unit_unknown").OnField("unit_id")
		}
	}
	return nil
}

// UpdateWindow changes a window's number, type, names and stationed unit. It stays in its hall.
func (s *Service) UpdateWindow(ctx context.Context, id string, w Window) (Window, error) {
	v, sc, err := s.admin(ctx)
	if err != nil {
		return Window{}, err
	}
	var out Window
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		old, err := s.st.window(ctx, tx, auth.SystemScope(), id)
		if err != nil {
			return err
		}
		hall, err := s.st.unit(ctx, tx, auth.SystemScope(), old.HallID)
		if err != nil {
			return err
		}
		if err := reach(sc, hall.RegionCode, errs.NotFoundErr("org.window.not_found")); err != nil {
			return err
		}
		w.Normalize()
		if w.HallID != "" && w.HallID != old.HallID {
			return errs.InvalidInput("org.window.hall_fixed").OnField("hall_id")
		}
		w.ID, w.HallID = old.ID, old.HallID
		if err := w.Validate(); err != nil {
			return err
		}
		w.Active, w.DeactivatedAt, w.CreatedAt, w.UpdatedAt = old.Active, old.DeactivatedAt, old.CreatedAt, s.clock()
		changes := diff(windowFields(old), windowFields(w))
		if len(changes) == 0 {
			out = old
			return nil
		}
		if err := s.checkWindow(ctx, tx, sc, w, old); err != nil {
			return err
		}
		if err := s.st.updateWindow(ctx, tx, w); err != nil {
			return err
		}
		out = w
		return s.record(ctx, tx, v, "org.window.update", "window:"+w.ID, changes)
	})
	return out, err
}

// DeactivateWindow retires a window; its number may then be given to a new one.
func (s *Service) DeactivateWindow(ctx context.Context, id string) (Window, error) {
	return s.setWindowActive(ctx, id, false)
}

// ReactivateWindow brings a window back if its hall is active and its number is free.
func (s *Service) ReactivateWindow(ctx context.Context, id string) (Window, error) {
	return s.setWindowActive(ctx, id, true)
}

func (s *Service) setWindowActive(ctx context.Context, id string, active bool) (Window, error) {
	v, sc, err := s.admin(ctx)
	if err != nil {
		return Window{}, err
	}
	var out Window
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		w, err := s.st.window(ctx, tx, auth.SystemScope(), id)
		if err != nil {
			return err
		}
		hall, err := s.st.unit(ctx, tx, auth.SystemScope(), w.HallID)
		if err != nil {
			return err
		}
		if err := reach(sc, hall.RegionCode, errs.NotFoundErr("org.window.not_found")); err != nil {
			return err
		}
		out = w
		if w.Active == active {
			return nil
		}
		now := s.clock()
		old := w
		w.Active, w.UpdatedAt = active, now
		if active {
			w.DeactivatedAt = time.Time{}
			if err := s.checkWindow(ctx, tx, sc, w, old); err != nil {
				return err
			}
		} else {
			w.DeactivatedAt = now
		}
		if err := s.st.updateWindow(ctx, tx, w); err != nil {
			return err
		}
		out = w
		action := "org.window.deactivate"
		if active {
			action = "org.window.reactivate"
		}
		return s.record(ctx, tx, v, action, "window:"+w.ID, nil)
	})
	return out, err
}

// Window returns one window the viewer may see.
func (s *Service) Window(ctx context.Context, id string) (Window, error) {
	_, sc, err := s.reader(ctx)
	if err != nil {
		return Window{}, err
	}
	return s.dir.Window(ctx, sc, id)
}

// Windows lists the windows of a hall the viewer may see, by number.
func (s *Service) Windows(ctx context.Context, hallID string, inactive bool) ([]Window, error) {
	_, sc, err := s.reader(ctx)
	if err != nil {
		return nil, err
	}
	return s.dir.Windows(ctx, sc, hallID, inactive)
}
