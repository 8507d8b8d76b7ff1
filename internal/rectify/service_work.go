package rectify

import (
	"context"
	"database/sql"
	"io"
	"strings"
	"unicode/utf8"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/workday"
)

// change runs one change of an item in a transaction: fn checks the rules and changes it (and may
// write more rows), returning the history line; then the item is written back with the next
// version, its deadline re-derived, and the history, audit record and rectify.changed event go
// in the same transaction. A stale version (someone changed it meanwhile) is a conflict.
func (s *Service) change(ctx context.Context, id string, version int, action string,
	fn func(tx *sql.Tx, v *auth.Viewer, it *item) (Event, error)) (Rectification, error) {
	v, err := viewer(ctx)
	if err != nil {
		return Rectification{}, err
	}
	var out *item
	err = s.d.Tx(ctx, func(tx *sql.Tx) error {
		it, err := s.st.get(ctx, tx, v.Scope(), id, true)
		if err != nil {
			return err
		}
		if version != 0 && version != it.Version {
			return errs.ConflictErr("rectify.stale")
		}
		from := it.State
		ev, err := fn(tx, v, it)
		if err != nil {
			return err
		}
		return s.commit(ctx, tx, v, it, from, action, ev)
	})
	if err != nil {
		return Rectification{}, err
	}
	out, err = s.st.get(ctx, s.d.Read, auth.SystemScope(), id, false)
	if err != nil {
		return Rectification{}, err
	}
	return s.view(ctx, out, 0, true)
}

// commit writes a changed item with its history line, audit record and event.
func (s *Service) commit(ctx context.Context, tx *sql.Tx, v *auth.Viewer, it *item, from State, action string, ev Event) error {
	now := s.clock()
	it.Version++
	it.UpdatedAt = now.UnixMilli()
	if it.State.Working() {
		d, err := s.due(it)
		if err != nil {
			return err
		}
		it.DueOn = d.Date.String()
	}
	if err := s.st.update(ctx, tx, it); err != nil {
		return err
	}
	ev.Action, ev.From, ev.To, ev.At = action, from, it.State, now
	if v != nil {
		ev.ActorName, ev.Role = v.Name, string(v.Role)
	} else if ev.ActorName == "" {
		ev.ActorName = "system"
	}
	if err := s.st.addHistory(ctx, tx, it.ID, ev, idOf(v)); err != nil {
		return err
	}
	detail := map[string]any{"no": it.No, "from": string(from), "to": string(it.State), "version": it.Version}
	if ev.Note != "" {
		detail["note"] = ev.Note
	}
	if err := s.record(ctx, tx, v, "rectify."+action, "rectification:"+it.ID, detail); err != nil {
		return err
	}
	return s.emitChanged(ctx, tx, it)
}

func badState(it *item) error {
	return errs.ConflictErr("rectify.state.not_allowed").With("state", string(it.State))
}

func note(s string, max int) (string, error) {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > max || !utf8.ValidString(s) {
		return "", errs.InvalidInput("rectify.note.too_long").With("max", max).OnField("note")
	}
	return s, nil
}

// Start takes an open or reopened item into work; the one who starts it becomes its owner
// unless it has one.
func (s *Service) Start(ctx context.Context, id string, version int) (Rectification, error) {
	return s.change(ctx, id, version, "start", func(_ *sql.Tx, v *auth.Viewer, it *item) (Event, error) {
		if !member(v, it) {
			return Event{}, errs.ForbiddenErr()
		}
		if it.State != StateOpen && it.State != StateReopened {
			return Event{}, badState(it)
		}
		it.State = StateInProgress
		if it.OwnerID == "" {
			it.OwnerID, it.OwnerName = v.ID, v.Name
		}
		return Event{}, nil
	})
}

// PlanInput says how the organisation answers the problem.
type PlanInput struct {
	Version     int     `json:"version,omitempty" doc:"the version read; a stale one is refused"`
	Outcome     Outcome `json:"outcome" doc:"fixed_now, fixed_by_date, explained or appealed"`
	Measures    string  `json:"measures,omitempty" doc:"what was or will be done (fixed_now, fixed_by_date)"`
	FixBy       string  `json:"fix_by,omitempty" doc:"YYYY-MM-DD (fixed_by_date)"`
	Explanation string  `json:"explanation,omitempty" doc:"the explanation given (explained, appealed)"`
}

// Plan records the outcome class and the measures of an item in work.
func (s *Service) Plan(ctx context.Context, id string, in PlanInput) (Rectification, error) {
	return s.change(ctx, id, in.Version, "plan", func(_ *sql.Tx, v *auth.Viewer, it *item) (Event, error) {
		if !member(v, it) {
			return Event{}, errs.ForbiddenErr()
		}
		if it.State != StateInProgress {
			return Event{}, badState(it)
		}
		m, err := note(in.Measures, 4000)
		if err != nil {
			return Event{}, err
		}
		ex, err := note(in.Explanation, 4000)
		if err != nil {
			return Event{}, err
		}
		switch in.Outcome {
		case OutcomeFixedNow, OutcomeFixedBy:
			if m == "" {
				return Event{}, errs.InvalidInput("rectify.measures.required").OnField("measures")
			}
		case OutcomeExplained, OutcomeAppealed:
			if ex == "" {
				return Event{}, errs.InvalidInput("rectify.explanation.required").OnField("explanation")
			}
		default:
			return Event{}, errs.InvalidInput("rectify.outcome.invalid").OnField("outcome")
		}
		fixBy := ""
		if in.Outcome == OutcomeFixedBy {
			d, err := workday.ParseDate(strings.TrimSpace(in.FixBy))
			if err != nil || d.Before(s.today()) {
				return Event{}, errs.InvalidInput("rectify.fix_by.invalid").OnField("fix_by")
			}
			fixBy = d.String()
		}
		it.Outcome, it.Measures, it.Explanation, it.FixBy = in.Outcome, m, ex, fixBy
		return Event{Note: string(in.Outcome)}, nil
	})
}

// EvidenceInput attaches a file.
type EvidenceInput struct {
	Name    string `json:"name"`
	Content []byte `json:"content" doc:"base64"`
	Note    string `json:"note,omitempty"`
}

// AddEvidence attaches evidence to an item that is not closed: photos, documents, recordings.
func (s *Service) AddEvidence(ctx context.Context, id string, in EvidenceInput) (Rectification, error) {
	n, err := note(in.Note, 500)
	if err != nil {
		return Rectification{}, err
	}
	f, err := s.putEvidence(ctx, in.Name, in.Content)
	if err != nil {
		return Rectification{}, err
	}
	return s.change(ctx, id, 0, "evidence", func(tx *sql.Tx, v *auth.Viewer, it *item) (Event, error) {
		if !member(v, it) && !supervisor(v, it) {
			return Event{}, errs.ForbiddenErr()
		}
		if it.State == StateClosed {
			return Event{}, badState(it)
		}
		f.ID, f.Note, f.ByName, f.At = db.NewID(), n, v.Name, s.clock()
		return Event{Note: f.Name}, s.st.addEvidence(ctx, tx, it.ID, f, v.ID)
	})
}

// OpenEvidence returns an evidence file of an item the viewer may see.
func (s *Service) OpenEvidence(ctx context.Context, id, evidenceID string) (Evidence, io.ReadCloser, error) {
	v, err := viewer(ctx)
	if err != nil {
		return Evidence{}, nil, err
	}
	it, err := s.st.get(ctx, s.d.Read, v.Scope(), id, false)
	if err != nil {
		return Evidence{}, nil, err
	}
	evs, err := s.st.evidence(ctx, s.d.Read, it.ID)
	if err != nil {
		return Evidence{}, nil, err
	}
	for _, e := range evs {
		if e.ID == evidenceID {
			r, err := s.openEvidence(e.SHA256)
			return e, r, err
		}
	}
	return Evidence{}, nil, errs.NotFoundErr("rectify.evidence.not_found")
}

// CallbackInput records one attempt to call the citizen back.
type CallbackInput struct {
	Reached      bool         `json:"reached"`
	Satisfaction Satisfaction `json:"satisfaction,omitempty" doc:"when reached: satisfied, basic or dissatisfied"`
	Note         string       `json:"note,omitempty"`
}

// RecordCallback records a callback attempt (回访) by the organisation or a supervisor. The
// callback is done once the citizen was reached, or after the third unanswered attempt (which is
// reported as unreachable). The citizen's satisfaction with the fix is taken when reached.
func (s *Service) RecordCallback(ctx context.Context, id string, in CallbackInput) (Rectification, error) {
	n, err := note(in.Note, 1000)
	if err != nil {
		return Rectification{}, err
	}
	if in.Reached && in.Satisfaction != "" && !in.Satisfaction.Valid() {
		return Rectification{}, errs.InvalidInput("rectify.satisfaction.invalid").OnField("satisfaction")
	}
	if !in.Reached && in.Satisfaction != "" {
		return Rectification{}, errs.InvalidInput("rectify.satisfaction.unreached").OnField("satisfaction")
	}
	return s.change(ctx, id, 0, "callback", func(tx *sql.Tx, v *auth.Viewer, it *item) (Event, error) {
		if !member(v, it) && !supervisor(v, it) {
			return Event{}, errs.ForbiddenErr()
		}
		if it.State == StateClosed {
			return Event{}, badState(it)
		}
		prev, err := s.st.callbacks(ctx, tx, it.ID)
		if err != nil {
			return Event{}, err
		}
		c := Callback{Attempt: len(prev) + 1, Reached: in.Reached, Satisfaction: in.Satisfaction, Note: n, ByName: v.Name, At: s.clock()}
		if err := s.st.addCallback(ctx, tx, it.ID, c, v.ID); err != nil {
			return Event{}, err
		}
		unanswered, reached := 0, false
		for _, p := range append(prev, c) {
			if p.Reached {
				reached = true
			} else {
				unanswered++
			}
		}
		it.CallbackDone = reached || unanswered >= s.opt.MaxAttempts
		it.Unreachable = !reached && unanswered >= s.opt.MaxAttempts
		if in.Reached && in.Satisfaction != "" {
			it.Satisfaction = in.Satisfaction
		}
		ev := Event{Note: "unreached"}
		if in.Reached {
			ev.Note = "reached " + string(in.Satisfaction)
		}
		return ev, nil
	})
}

// Submit reports the fix for verification: the outcome must be recorded and evidence attached.
// Whether it was submitted by the due date decides 整改及时.
func (s *Service) Submit(ctx context.Context, id string, version int) (Rectification, error) {
	return s.change(ctx, id, version, "submit", func(tx *sql.Tx, v *auth.Viewer, it *item) (Event, error) {
		if !member(v, it) {
			return Event{}, errs.ForbiddenErr()
		}
		if it.State != StateInProgress {
			return Event{}, badState(it)
		}
		if !it.Outcome.Valid() {
			return Event{}, errs.ConflictErr("rectify.outcome.required")
		}
		n, err := s.st.countEvidence(ctx, tx, it.ID)
		if err != nil {
			return Event{}, err
		}
		if n == 0 {
			return Event{}, errs.ConflictErr("rectify.evidence.required")
		}
		d, err := s.due(it)
		if err != nil {
			return Event{}, err
		}
		it.State, it.SubmittedAt = StateSubmitted, s.clock().UnixMilli()
		it.OnTime = !s.today().After(d.Date)
		return Event{}, nil
	})
}

// VerifyInput is a supervisor's check of a submitted fix.
type VerifyInput struct {
	Version int    `json:"version,omitempty"`
	Accept  bool   `json:"accept" doc:"true: verified; false: returned to the organisation"`
	Note    string `json:"note,omitempty"`
}

// Verify checks a submitted fix: accepted, it is verified; refused, it goes back into work (its
// deadline keeps running). The verifier is a supervisor who is neither the owner nor of the
// organisation.
func (s *Service) Verify(ctx context.Context, id string, in VerifyInput) (Rectification, error) {
	n, err := note(in.Note, 1000)
	if err != nil {
		return Rectification{}, err
	}
	action := "verify"
	if !in.Accept {
		action = "return"
	}
	return s.change(ctx, id, in.Version, action, func(_ *sql.Tx, v *auth.Viewer, it *item) (Event, error) {
		if !supervisor(v, it) {
			return Event{}, errs.New(errs.Forbidden, "rectify.verifier.not_allowed")
		}
		if it.State != StateSubmitted {
			return Event{}, badState(it)
		}
		if in.Accept {
			it.State, it.VerifiedBy, it.VerifiedAt = StateVerified, v.Name, s.clock().UnixMilli()
		} else {
			if n == "" {
				return Event{}, errs.InvalidInput("rectify.note.required").OnField("note")
			}
			it.State, it.SubmittedAt, it.OnTime = StateInProgress, 0, false
		}
		return Event{Note: n}, nil
	})
}

// Close closes a verified item (销号). It needs evidence, a callback where the source requires
// one (every real-name bad rating), and a supervisor who is neither the owner nor of the
// organisation.
func (s *Service) Close(ctx context.Context, id string, version int, closeNote string) (Rectification, error) {
	n, err := note(closeNote, 1000)
	if err != nil {
		return Rectification{}, err
	}
	return s.change(ctx, id, version, "close", func(tx *sql.Tx, v *auth.Viewer, it *item) (Event, error) {
		if !supervisor(v, it) {
			return Event{}, errs.New(errs.Forbidden, "rectify.verifier.not_allowed")
		}
		if it.State != StateVerified {
			return Event{}, badState(it)
		}
		cnt, err := s.st.countEvidence(ctx, tx, it.ID)
		if err != nil {
			return Event{}, err
		}
		if cnt == 0 {
			return Event{}, errs.ConflictErr("rectify.evidence.required")
		}
		if it.CallbackReq && !it.CallbackDone {
			return Event{}, errs.ConflictErr("rectify.callback.required")
		}
		now := s.clock()
		it.State, it.ClosedBy, it.ClosedAt, it.ClosedOn = StateClosed, v.Name, now.UnixMilli(), s.today().String()
		return Event{Note: n}, nil
	})
}

// Reopen reopens an item found not fixed — after a dissatisfied callback, a complaint, a
// re-inspection. A new cycle starts today with a fresh deadline; the callback is needed again.
func (s *Service) Reopen(ctx context.Context, id string, version int, reason string) (Rectification, error) {
	n, err := note(reason, 1000)
	if err != nil {
		return Rectification{}, err
	}
	if n == "" {
		return Rectification{}, errs.InvalidInput("rectify.note.required").OnField("note")
	}
	return s.change(ctx, id, version, "reopen", func(_ *sql.Tx, v *auth.Viewer, it *item) (Event, error) {
		if !supervisor(v, it) {
			return Event{}, errs.ForbiddenErr()
		}
		if it.State != StateClosed && it.State != StateVerified && it.State != StateSubmitted {
			return Event{}, badState(it)
		}
		it.State, it.Cycle, it.StartedOn = StateReopened, it.Cycle+1, s.today().String()
		it.SubmittedAt, it.VerifiedBy, it.VerifiedAt, it.ClosedBy, it.ClosedAt, it.ClosedOn = 0, "", 0, "", 0, ""
		it.OnTime, it.CallbackDone, it.Unreachable = false, false, false
		return Event{Note: n}, nil
	})
}
