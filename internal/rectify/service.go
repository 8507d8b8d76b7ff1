package rectify

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"onestamp/internal/platform/audit"
	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/blob"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/notify"
	"onestamp/internal/platform/outbox"
	"onestamp/internal/platform/web"
	"onestamp/internal/platform/workday"
)

// AuditChain is the audit chain of every record this package writes.
const AuditChain = "rectify"

// Topics this domain emits.
const (
	// TopicChanged is emitted on every change of an item, with its current facts; the source's
	// domain (rating for a 差评) keeps its follow-up statistics from it. Payload: ChangedEvent.
	TopicChanged = "rectify.changed"
	// TopicEscalated is emitted when an escalation is issued; its handler sends the
	// notifications. Payload: EscalatedEvent.
	TopicEscalated = "rectify.escalated"
)

// ChangedEvent is the payload of rectify.changed.
type ChangedEvent struct {
	ID           string       `json:"id"`
	No           string       `json:"no"`
	SourceKind   SourceKind   `json:"source_kind"`
	SourceID     string       `json:"source_id"`
	UnitID       string       `json:"unit_id"`
	State        State        `json:"state"`
	DueOn        string       `json:"due_on"`
	Closed       bool         `json:"closed"`
	OnTime       bool         `json:"on_time"`
	Callback     bool         `json:"callback" doc:"a callback reached the citizen, or three attempts were made"`
	Satisfaction Satisfaction `json:"satisfaction"`
	Version      int          `json:"version"`
}

// EscalatedEvent is the payload of rectify.escalated.
type EscalatedEvent struct {
	ID        string `json:"id"`
	No        string `json:"no"`
	Title     string `json:"title"`
	UnitID    string `json:"unit_id"`
	OwnerID   string `json:"owner_id"`
	Level     Level  `json:"level"`
	DueOn     string `json:"due_on"`
	RespondBy string `json:"respond_by"`
}

// directory finds whom to notify of an escalation: at level 1 the organisation's people in charge,
// at 2 also its leadership, at 3 and 4 the supervisors and leaders of the jurisdiction above (the
// next level up). The application passes an adapter over auth and org.
type directory interface {
	Recipients(ctx context.Context, unitID string, level Level) ([]string, error)
}

// Options are the settings of the ledger (DOMAIN §6, §8 and §16 defaults).
type Options struct {
	LimitWD     map[SourceKind]int // deadline per source in working days (rating.rectifyWD 15; others 15)
	RemindWD    int                // 提醒 when this many working days or fewer are left (3)
	UrgeWD      int                // a 催办 gives this many working days to respond (2)
	EnforceWD   int                // a 督办 gives this many working days plus a written report (2)
	MaxAttempts int                // unanswered callbacks that count as attempted (3)
	FilesDir    string             // a blob store for evidence when Deps.Blobs is nil
}

// DefaultLimitWD is the deadline of a source without its own setting.
const DefaultLimitWD = 15

func (o *Options) defaults() {
	if o.LimitWD == nil {
		o.LimitWD = map[SourceKind]int{}
	}
	for _, k := range SourceKinds {
		if o.LimitWD[k] <= 0 {
			o.LimitWD[k] = DefaultLimitWD
		}
	}
	if o.RemindWD <= 0 {
		o.RemindWD = 3
	}
	if o.UrgeWD <= 0 {
		o.UrgeWD = 2
	}
	if o.EnforceWD <= 0 {
		o.EnforceWD = 2
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 3
	}
}

// Deps are the collaborators of the service.
type Deps struct {
	DB        *db.DB
	Audit     *audit.Log
	Notifier  notify.Notifier          // escalation notices; nil sends nothing
	Directory directory                // whom to notify; nil: the owner only
	Calendar  func() *workday.Calendar // nil: workday.Default()
	Now       func() time.Time         // nil: time.Now
	Blobs     *blob.Store              // evidence; nil: a store in Options.FilesDir
}

// Service is the ledger's operations.
type Service struct {
	d      *db.DB
	audit  *audit.Log
	notify notify.Notifier
	dir    directory
	cal    func() *workday.Calendar
	now    func() time.Time
	blobs  *blob.Store
	opt    Options
	st     store
}

// New returns the ledger service.
func New(deps Deps, opt Options) *Service {
	opt.defaults()
	s := &Service{d: deps.DB, audit: deps.Audit, notify: deps.Notifier, dir: deps.Directory, cal: deps.Calendar,
		now: deps.Now, blobs: deps.Blobs, opt: opt, st: store{d: deps.DB}}
	if s.blobs == nil {
		s.blobs = openBlobs(opt.FilesDir)
	}
	if s.cal == nil {
		s.cal = workday.Default
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.audit == nil {
		s.audit = audit.New(deps.DB)
	}
	return s
}

// SetClock replaces the clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Options returns the effective settings.
func (s *Service) Options() Options { return s.opt }

func (s *Service) clock() time.Time    { return s.now().Truncate(time.Millisecond) }
func (s *Service) today() workday.Date { return workday.DateOf(s.now()) }
func msTime(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// Roles. The responsible organisation's staff work on its items; supervisors (督查) verify and
// close them and may record callbacks; leaders read.
var (
	workRoles  = []auth.Role{auth.Clerk, auth.Reviewer, auth.Chief, auth.Head, auth.Signer}
	readRoles  = []auth.Role{auth.Clerk, auth.Reviewer, auth.Chief, auth.Head, auth.Signer, auth.Supervisor, auth.Leader}
	superRoles = []auth.Role{auth.Supervisor}
)

func viewer(ctx context.Context) (*auth.Viewer, error) {
	v, ok := auth.FromContext(ctx)
	if !ok {
		return nil, errs.Unauth()
	}
	if !v.IsStaff() || !slices.Contains(readRoles, v.Role) {
		return nil, errs.ForbiddenErr()
	}
	return v, nil
}

// member reports whether v works for the item's responsible organisation.
func member(v *auth.Viewer, it *item) bool {
	return v.IsStaff() && slices.Contains(workRoles, v.Role) && v.UnitID != "" && v.UnitID == it.UnitID
}

// supervisor reports whether v may verify and close the item: a supervisor of its jurisdiction
// who is not its owner (DOMAIN §8.3). The supervision section (督查) usually sits inside the
// bureau whose window is rated, so the rule is about the person, not the organisation.
func supervisor(v *auth.Viewer, it *item) bool {
	return v.Role == auth.Supervisor && v.Scope().Allows(it.RegionCode, it.UnitID, "") && v.ID != it.OwnerID
}

func (s *Service) record(ctx context.Context, tx *sql.Tx, v *auth.Viewer, action, subject string, detail map[string]any) error {
	r := audit.Record{Chain: AuditChain, Action: action, Subject: subject, Detail: detail, RequestID: web.RequestID(ctx), At: s.clock()}
	if v != nil {
		r.Actor, r.ActorName, r.Role = v.ID, v.Name, string(v.Role)
		if v.Username != "" {
			r.ActorName = v.Username
		}
	}
	if err := s.audit.Append(ctx, tx, r); err != nil {
		return errs.Wrap(err, "audit %s", action)
	}
	return nil
}

// due derives an item's deadline from its start and limit as seen today.
func (s *Service) due(it *item) (workday.Due, error) {
	start, err := workday.ParseDate(it.StartedOn)
	if err != nil {
		return workday.Due{}, errs.Wrap(err, "start of %s", it.No)
	}
	c := workday.NewClock(s.cal())
	d, err := c.Compute(workday.Input{Region: it.RegionCode, Start: start, Limit: it.LimitWD}, s.today())
	if err != nil {
		return workday.Due{}, errs.Wrap(err, "deadline of %s", it.No)
	}
	return d, nil
}

// changed is the rectify.changed payload of an item.
func (it *item) changed() ChangedEvent {
	return ChangedEvent{ID: it.ID, No: it.No, SourceKind: it.SourceKind, SourceID: it.SourceID, UnitID: it.UnitID,
		State: it.State, DueOn: it.DueOn, Closed: it.State == StateClosed, OnTime: it.State == StateClosed && it.OnTime,
		Callback: it.CallbackDone, Satisfaction: it.Satisfaction, Version: it.Version}
}

// ---- opening ----

// OpenInput opens an item.
type OpenInput struct {
	SourceKind       SourceKind     `json:"source_kind" doc:"supervision, inspection, clue or hardcase (ratings open their own)"`
	SourceID         string         `json:"source_id" doc:"the source's id in its domain"`
	SourceLabel      string         `json:"source_label,omitempty"`
	SourceMeta       map[string]any `json:"source_meta,omitempty"`
	Title            string         `json:"title"`
	Description      string         `json:"description"`
	UnitID           string         `json:"unit_id" doc:"the responsible organisation"`
	UnitName         string         `json:"unit_name"`
	RegionCode       string         `json:"region_code"`
	StartedOn        string         `json:"started_on,omitempty" doc:"the day the problem was found (default today)"`
	CallbackRequired bool           `json:"callback_required,omitempty"`
}

func (in *OpenInput) validate() error {
	in.Title, in.Description = strings.TrimSpace(in.Title), strings.TrimSpace(in.Description)
	switch {
	case !in.SourceKind.Valid():
		return errs.InvalidInput("rectify.source.invalid").OnField("source_kind")
	case strings.TrimSpace(in.SourceID) == "" || len(in.SourceID) > 100:
		return errs.InvalidInput("rectify.source.id").OnField("source_id")
	case utf8.RuneCountInString(in.Title) < 2 || utf8.RuneCountInString(in.Title) > 200:
		return errs.InvalidInput("rectify.title.invalid").OnField("title")
	case utf8.RuneCountInString(in.Description) > 4000:
		return errs.InvalidInput("rectify.description.too_long").OnField("description")
	case in.UnitID == "":
		return errs.InvalidInput("rectify.unit.required").OnField("unit_id")
	case len(in.RegionCode) != 12:
		return errs.InvalidInput("rectify.region.invalid").OnField("region_code")
	}
	return nil
}

// Open opens an item for a source other than a rating (a supervision or inspection finding, a
// clue, a ticket): supervisors of the organisation's jurisdiction open them. Opening the same
// source twice is a conflict.
func (s *Service) Open(ctx context.Context, in OpenInput) (Rectification, error) {
	v, err := viewer(ctx)
	if err != nil {
		return Rectification{}, err
	}
	if v.Role != auth.Supervisor {
		return Rectification{}, errs.ForbiddenErr()
	}
	if in.SourceKind == SourceRating {
		return Rectification{}, errs.InvalidInput("rectify.source.rating_automatic").OnField("source_kind")
	}
	if err := in.validate(); err != nil {
		return Rectification{}, err
	}
	if !v.Scope().Allows(in.RegionCode, in.UnitID, "") {
		return Rectification{}, errs.ForbiddenErr()
	}
	it, created, err := s.open(ctx, v, in)
	if err != nil {
		return Rectification{}, err
	}
	if !created {
		return Rectification{}, errs.ConflictErr("rectify.source.exists")
	}
	return s.view(ctx, it, 0, false)
}

// open writes a new item (idempotent by source) and reports whether it was new.
func (s *Service) open(ctx context.Context, v *auth.Viewer, in OpenInput) (*item, bool, error) {
	start := s.today()
	if in.StartedOn != "" {
		d, err := workday.ParseDate(in.StartedOn)
		if err != nil {
			return nil, false, errs.InvalidInput("rectify.started_on.invalid").OnField("started_on")
		}
		start = d
	}
	now := s.clock()
	it := &item{ID: db.NewID(), SourceKind: in.SourceKind, SourceID: in.SourceID, SourceLabel: in.SourceLabel,
		SourceMeta: metaJSON(in.SourceMeta), Title: in.Title, Description: in.Description, UnitID: in.UnitID,
		UnitName: in.UnitName, RegionCode: in.RegionCode, State: StateOpen, Cycle: 1, StartedOn: start.String(),
		LimitWD: s.opt.LimitWD[in.SourceKind], CallbackReq: in.CallbackRequired, Version: 1,
		CreatedAt: now.UnixMilli(), UpdatedAt: now.UnixMilli()}
	d, err := s.due(it)
	if err != nil {
		return nil, false, err
	}
	it.DueOn = d.Date.String()
	created := false
	err = s.d.Tx(ctx, func(tx *sql.Tx) error {
		if old, err := s.st.bySource(ctx, tx, in.SourceKind, in.SourceID); err != nil || old != nil {
			if old != nil {
				*it = *old
			}
			return err
		}
		n, err := s.st.nextNo(ctx, tx, start.Year())
		if err != nil {
			return err
		}
		it.No = fmt.Sprintf("ZG%d-%06d", start.Year(), n)
		if created, err = s.st.insert(ctx, tx, it); err != nil || !created {
			return err
		}
		actorName := "system"
		if v != nil {
			actorName = v.Name
		}
		if err := s.st.addHistory(ctx, tx, it.ID, Event{Action: "open", To: StateOpen, ActorName: actorName,
			Role: roleOf(v), At: now}, idOf(v)); err != nil {
			return err
		}
		if err := s.record(ctx, tx, v, "rectify.open", "rectification:"+it.ID, map[string]any{"no": it.No,
			"source": string(it.SourceKind) + ":" + it.SourceID, "unit_id": it.UnitID, "due_on": it.DueOn}); err != nil {
			return err
		}
		return s.emitChanged(ctx, tx, it)
	})
	return it, created, err
}

func (s *Service) emitChanged(ctx context.Context, tx *sql.Tx, it *item) error {
	if _, err := outbox.Emit(ctx, tx, TopicChanged, "rectification:"+it.ID, it.changed()); err != nil {
		return errs.Wrap(err, "emit %s", TopicChanged)
	}
	return nil
}

func roleOf(v *auth.Viewer) string {
	if v == nil {
		return ""
	}
	return string(v.Role)
}

func idOf(v *auth.Viewer) string {
	if v == nil {
		return audit.SystemActor
	}
	return v.ID
}

// ---- reading ----

// view turns an item into what the API and pages show; with full, its evidence, callbacks,
// history and escalations too.
func (s *Service) view(ctx context.Context, it *item, level Level, full bool) (Rectification, error) {
	r := Rectification{ID: it.ID, No: it.No, SourceKind: it.SourceKind, SourceID: it.SourceID, SourceLabel: it.SourceLabel,
		Title: it.Title, Description: it.Description, UnitID: it.UnitID, UnitName: it.UnitName, RegionCode: it.RegionCode,
		OwnerID: it.OwnerID, OwnerName: it.OwnerName, State: it.State, Cycle: it.Cycle, StartedOn: it.StartedOn,
		LimitWD: it.LimitWD, DueOn: it.DueOn, Outcome: it.Outcome, FixBy: it.FixBy, Measures: it.Measures,
		Explanation: it.Explanation, CallbackNeeded: it.CallbackReq, CallbackDone: it.CallbackDone,
		Unreachable: it.Unreachable, Satisfaction: it.Satisfaction, SubmittedAt: msTime(it.SubmittedAt),
		VerifiedBy: it.VerifiedBy, VerifiedAt: msTime(it.VerifiedAt), ClosedBy: it.ClosedBy, ClosedAt: msTime(it.ClosedAt),
		ClosedOn: it.ClosedOn, OnTime: it.OnTime, Escalation: level, Version: it.Version,
		CreatedAt: msTime(it.CreatedAt), UpdatedAt: msTime(it.UpdatedAt), SourceMeta: map[string]any{}}
	_ = json.Unmarshal([]byte(it.SourceMeta), &r.SourceMeta)
	if it.State.Working() {
		if d, err := s.due(it); err == nil {
			r.DueOn, r.Remaining, r.Overdue = d.Date.String(), d.Remaining, d.Level == workday.LevelRed
			if r.Overdue {
				r.OverdueWD = -d.Remaining
			}
		}
	}
	if !full {
		return r, nil
	}
	var err error
	q := s.d.Read
	if r.Evidence, err = s.st.evidence(ctx, q, it.ID); err != nil {
		return r, err
	}
	if r.Callbacks, err = s.st.callbacks(ctx, q, it.ID); err != nil {
		return r, err
	}
	if r.History, err = s.st.history(ctx, q, it.ID); err != nil {
		return r, err
	}
	if r.Escalations, err = s.st.escalations(ctx, q, it.ID); err != nil {
		return r, err
	}
	for _, e := range r.Escalations {
		if e.Cycle == it.Cycle && e.Level > r.Escalation {
			r.Escalation = e.Level
		}
	}
	return r, nil
}

// Get returns one item with its evidence, callbacks, history and escalations.
func (s *Service) Get(ctx context.Context, id string) (Rectification, error) {
	v, err := viewer(ctx)
	if err != nil {
		return Rectification{}, err
	}
	it, err := s.st.get(ctx, s.d.Read, v.Scope(), id, false)
	if err != nil {
		return Rectification{}, err
	}
	return s.view(ctx, it, 0, true)
}

// Page is a page of the ledger.
type Page struct {
	Items []Rectification `json:"items"`
	Next  string          `json:"next,omitempty"`
}

// List returns the ledger in the viewer's scope, newest first.
func (s *Service) List(ctx context.Context, f Filter) (Page, error) {
	v, err := viewer(ctx)
	if err != nil {
		return Page{}, err
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	f.Today = s.today().String()
	its, levels, err := s.st.list(ctx, s.d.Read, v.Scope(), f, f.Limit+1)
	if err != nil {
		return Page{}, err
	}
	p := Page{Items: make([]Rectification, 0, len(its))}
	for i, it := range its {
		if i == f.Limit {
			p.Next = its[i-1].ID
			break
		}
		r, err := s.view(ctx, it, levels[i], false)
		if err != nil {
			return Page{}, err
		}
		p.Items = append(p.Items, r)
	}
	return p, nil
}

// Summary counts the ledger in the viewer's scope.
func (s *Service) Summary(ctx context.Context) (Summary, error) {
	v, err := viewer(ctx)
	if err != nil {
		return Summary{}, err
	}
	return s.st.summary(ctx, s.d.Read, v.Scope(), s.today().String())
}

// Escalations lists the escalations of the last days in the viewer's scope: an organisation sees
// its own; supervisors and leaders of the jurisdiction above see every level from 催办 up.
func (s *Service) Escalations(ctx context.Context, days int) ([]Escalation, error) {
	v, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	if days <= 0 || days > 366 {
		days = 30
	}
	from := s.today().AddDays(-days).String()
	min := LevelRemind
	if v.Role == auth.Leader {
		min = LevelUrge
	}
	return s.st.escalationList(ctx, s.d.Read, v.Scope(), from, min)
}
