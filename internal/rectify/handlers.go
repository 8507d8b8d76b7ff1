package rectify

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/notify"
	"onestamp/internal/platform/outbox"
	"onestamp/internal/platform/workday"
)

// Topics this domain consumes. The ledger knows the rating domain only by these topics and the
// fields of their payloads it reads.
const (
	TopicRatingBad     = "rating.bad"            // a 差评: open an item for the rated organisation
	TopicAppealDecided = "rating.appeal_decided" // an upheld appeal closes the item as appealed
)

// badRating is the part of the rating.bad payload the ledger reads.
type badRating struct {
	RatingID   string   `json:"rating_id"`
	CaseNo     string   `json:"case_no"`
	ItemName   string   `json:"item_name"`
	UnitID     string   `json:"unit_id"`
	UnitName   string   `json:"unit_name"`
	RegionCode string   `json:"region_code"`
	WindowNo   string   `json:"window_no"`
	Level      int      `json:"level"`
	Reasons    []string `json:"reasons"`
	Comment    string   `json:"comment"`
	Channel    string   `json:"channel"`
	RealName   bool     `json:"real_name"`
	RatedOn    string   `json:"rated_on"`
	Staff      []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"staff"`
}

// appealDecided is the part of the rating.appeal_decided payload the ledger reads.
type appealDecided struct {
	RatingID    string `json:"rating_id"`
	Outcome     string `json:"outcome"`
	Reason      string `json:"reason"`
	DecidedBy   string `json:"decided_by"`
	DecidedName string `json:"decided_name"`
}

// Dispatcher is where the domain's handlers are registered (an *outbox.Dispatcher).
type Dispatcher interface {
	Handle(topic, name string, fn outbox.HandlerFunc)
}

// RegisterHandlers registers the ledger's consumers: a bad rating opens an item, an upheld appeal
// closes it, an escalation notifies.
func (s *Service) RegisterHandlers(d Dispatcher) {
	d.Handle(TopicRatingBad, "rectify.open", s.onRatingBad)
	d.Handle(TopicAppealDecided, "rectify.appeal", s.onAppealDecided)
	d.Handle(TopicEscalated, "rectify.notify", s.onEscalated)
}

// onRatingBad opens the item of a bad rating for the organisation that handled the case
// (谁办理、谁负责), its deadline counted from the day of the rating. Opening is idempotent.
func (s *Service) onRatingBad(ctx context.Context, e outbox.Event) error {
	var b badRating
	if err := e.Decode(&b); err != nil {
		return fmt.Errorf("%s payload: %w", TopicRatingBad, err)
	}
	if b.RatingID == "" || b.UnitID == "" {
		return nil
	}
	staff := make([]string, 0, len(b.Staff))
	for _, st := range b.Staff {
		staff = append(staff, st.Name)
	}
	title := b.ItemName
	if title == "" {
		title = b.CaseNo
	}
	in := OpenInput{SourceKind: SourceRating, SourceID: b.RatingID, SourceLabel: b.CaseNo, Title: title,
		Description: b.Comment, UnitID: b.UnitID, UnitName: b.UnitName, RegionCode: b.RegionCode, StartedOn: b.RatedOn,
		CallbackRequired: b.RealName,
		SourceMeta: map[string]any{"level": b.Level, "reasons": b.Reasons, "channel": b.Channel, "window_no": b.WindowNo,
			"staff": strings.Join(staff, "、"), "case_no": b.CaseNo}}
	if len(in.RegionCode) != 12 {
		return fmt.Errorf("%s: rating %s has no region", TopicRatingBad, b.RatingID)
	}
	_, _, err := s.open(ctx, nil, in)
	return err
}

// onAppealDecided closes the item of a rating whose appeal was upheld, as appealed: the rating
// is excluded, and the supervisor who decided (never of the rated organisation) is its verifier.
func (s *Service) onAppealDecided(ctx context.Context, e outbox.Event) error {
	var a appealDecided
	if err := e.Decode(&a); err != nil {
		return fmt.Errorf("%s payload: %w", TopicAppealDecided, err)
	}
	if a.Outcome != "upheld" {
		return nil
	}
	return s.d.Tx(ctx, func(tx *sql.Tx) error {
		it, err := s.st.bySource(ctx, tx, SourceRating, a.RatingID)
		if err != nil || it == nil || it.State == StateClosed {
			return err
		}
		from := it.State
		now := s.clock()
		it.State, it.Outcome = StateClosed, OutcomeAppealed
		if it.Explanation == "" {
			it.Explanation = a.Reason
		}
		it.VerifiedBy, it.VerifiedAt = a.DecidedName, now.UnixMilli()
		it.ClosedBy, it.ClosedAt, it.ClosedOn = a.DecidedName, now.UnixMilli(), s.today().String()
		v := &auth.Viewer{ID: a.DecidedBy, Name: a.DecidedName, Role: auth.Supervisor}
		return s.commit(ctx, tx, v, it, from, "close_appealed", Event{Note: a.Reason})
	})
}

// onEscalated notifies the people of an escalation, in-app.
func (s *Service) onEscalated(ctx context.Context, e outbox.Event) error {
	if s.notify == nil {
		return nil
	}
	var ev EscalatedEvent
	if err := e.Decode(&ev); err != nil {
		return fmt.Errorf("%s payload: %w", TopicEscalated, err)
	}
	var to []string
	if s.dir != nil {
		r, err := s.dir.Recipients(ctx, ev.UnitID, ev.Level)
		if err != nil {
			return err
		}
		to = r
	}
	if ev.OwnerID != "" && ev.Level <= LevelUrge {
		to = append(to, ev.OwnerID)
	}
	seen := map[string]bool{}
	for _, u := range to {
		if u == "" || seen[u] {
			continue
		}
		seen[u] = true
		if err := s.notify.Send(ctx, notify.Message{To: u, Channel: notify.InApp,
			TemplateKey: fmt.Sprintf("rectify.notice.level%d", ev.Level),
			Args:        map[string]any{"no": ev.No, "title": ev.Title, "due_on": ev.DueOn, "respond_by": ev.RespondBy}}); err != nil {
			return err
		}
	}
	return nil
}

// RunEscalations issues the escalations due today (三单, DOMAIN §8.1, §16.2) for every item whose
// deadline runs, re-deriving each deadline from the calendar in force:
//
//	提醒 (1) when RemindWD (3) working days or fewer are left, to be answered by the due date;
//	催办 (2) once the due date has passed, to be answered within UrgeWD (2) working days;
//	督办 (3) when the 催办 lapsed unanswered, within EnforceWD (2) working days and a written report;
//	问责提醒 (4) when the 督办 lapsed.
//
// Each level is issued at most once per cycle of an item, so running it often is harmless and
// several nodes may run it at once. Submitting the fix stops the escalation. It returns how many
// escalations it issued.
func (s *Service) RunEscalations(ctx context.Context) (int, error) {
	issued := 0
	after := ""
	for {
		its, err := s.st.working(ctx, s.d.Read, after, 200)
		if err != nil {
			return issued, err
		}
		if len(its) == 0 {
			return issued, nil
		}
		for _, it := range its {
			after = it.ID
			n, err := s.escalate(ctx, it)
			if err != nil {
				return issued, err
			}
			issued += n
		}
	}
}

func (s *Service) escalate(ctx context.Context, it *item) (int, error) {
	d, err := s.due(it)
	if err != nil {
		return 0, err
	}
	cal := s.cal()
	today := s.today()
	have, err := s.st.escalations(ctx, s.d.Read, it.ID)
	if err != nil {
		return 0, err
	}
	levels := map[Level]Escalation{}
	for _, e := range have {
		if e.Cycle == it.Cycle {
			levels[e.Level] = e
		}
	}
	type issue struct {
		level     Level
		respondBy workday.Date
	}
	var todo []issue
	if _, ok := levels[LevelRemind]; !ok && d.Remaining <= s.opt.RemindWD {
		todo = append(todo, issue{LevelRemind, d.Date})
	}
	lapsed := func(e Escalation) bool {
		rb, err := workday.ParseDate(e.RespondBy)
		return err == nil && today.After(rb)
	}
	add := func(n int) (workday.Date, error) {
		x, _, err := cal.Add(it.RegionCode, today, n)
		return x, err
	}
	if today.After(d.Date) {
		urge, ok := levels[LevelUrge]
		if !ok {
			rb, err := add(s.opt.UrgeWD)
			if err != nil {
				return 0, errs.Wrap(err, "escalation date")
			}
			todo = append(todo, issue{LevelUrge, rb})
		} else if enforce, ok := levels[LevelEnforce]; !ok && lapsed(urge) {
			rb, err := add(s.opt.EnforceWD)
			if err != nil {
				return 0, errs.Wrap(err, "escalation date")
			}
			todo = append(todo, issue{LevelEnforce, rb})
		} else if ok && lapsed(enforce) {
			if _, ok := levels[LevelAlert]; !ok {
				todo = append(todo, issue{LevelAlert, today})
			}
		}
	}
	if len(todo) == 0 && d.Date.String() == it.DueOn {
		return 0, nil
	}
	issued := 0
	err = s.d.Tx(ctx, func(tx *sql.Tx) error {
		if d.Date.String() != it.DueOn {
			// The calendar changed (a holiday table was loaded): the deadline follows it.
			if err := s.st.setDue(ctx, tx, it.ID, d.Date.String()); err != nil {
				return err
			}
		}
		now := s.clock()
		for _, x := range todo {
			e := Escalation{Level: x.level, Cycle: it.Cycle, IssuedOn: today.String(), RespondBy: x.respondBy.String(), IssuedAt: now}
			ok, err := s.st.addEscalation(ctx, tx, it, e)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			issued++
			if err := s.st.addHistory(ctx, tx, it.ID, Event{Action: fmt.Sprintf("escalate%d", x.level), From: it.State,
				To: it.State, ActorName: "system", At: now, Note: e.RespondBy}, "system"); err != nil {
				return err
			}
			if err := s.record(ctx, tx, nil, "rectify.escalate", "rectification:"+it.ID, map[string]any{"no": it.No,
				"level": int(x.level), "cycle": it.Cycle, "respond_by": e.RespondBy}); err != nil {
				return err
			}
			if _, err := outbox.Emit(ctx, tx, TopicEscalated, "rectification:"+it.ID, EscalatedEvent{ID: it.ID, No: it.No,
				Title: it.Title, UnitID: it.UnitID, OwnerID: it.OwnerID, Level: x.level, DueOn: d.Date.String(),
				RespondBy: e.RespondBy}); err != nil {
				return errs.Wrap(err, "emit %s", TopicEscalated)
			}
		}
		return nil
	})
	return issued, err
}
