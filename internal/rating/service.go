package rating

import (
	"context"
	"database/sql"
	"net/http"
	"slices"
	"sync"
	"time"

	"onestamp/internal/platform/audit"
	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/blob"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/gm"
	"onestamp/internal/platform/notify"
	"onestamp/internal/platform/web"
	"onestamp/internal/platform/workday"
)

// AuditChain is the audit chain of every record this package writes.
const AuditChain = "rating"

// caseLookup is what rating needs from the cases domain; the application passes the cases
// service (through a small adapter). Unknown cases return an errs.NotFound error.
type caseLookup interface {
	// Case returns the case with the given id.
	Case(ctx context.Context, id string) (CaseInfo, error)
	// CaseByNo returns the case with the given case number (办件编号).
	CaseByNo(ctx context.Context, no string) (CaseInfo, error)
}

// Options are the settings of the domain, with DOMAIN §6 and §16.4 defaults.
type Options struct {
	PerStage         bool          // rating.perStage: 一事多评 (false)
	RemindWD         int           // rating.remindWD: remind after this many working days unrated (3)
	DefaultAfterDays int           // rating.defaultAfterDays: default rating after this many days; 0 off (0)
	DefaultLevel     Level         // rating.defaultLevel (3 基本满意)
	RateWithinDays   int           // rating.windowDays: a rating is accepted this many days after the stage (30)
	LinkTTL          time.Duration // lifetime of a signed SMS link (RateWithinDays)
	AppealWD         int           // rating.appealWD: an appeal is filed within this many working days (3)
	AppealDecideWD   int           // rating.appealDecideWD: and decided within this many more (5)
	BaseURL          string        // public URL of the site, for the SMS link
	PushURL          string        // the provincial endpoint; "" = no push
	PushToken        string        // sent as a bearer token to PushURL
	MaxBatch         int           // most ratings committed in one transaction (256)
	PublicBurst      int           // requests one address may send the public rating endpoints at once (10)
	PublicEvery      time.Duration // and one more every (6 s)
	FilesDir         string        // a blob store for appeal evidence when Deps.Blobs is nil
}

func (o *Options) defaults() {
	if o.RemindWD <= 0 {
		o.RemindWD = 3
	}
	if !o.DefaultLevel.Valid() {
		o.DefaultLevel = Basic
	}
	if o.RateWithinDays <= 0 {
		o.RateWithinDays = 30
	}
	if o.LinkTTL <= 0 {
		o.LinkTTL = time.Duration(o.RateWithinDays) * 24 * time.Hour
	}
	if o.AppealWD <= 0 {
		o.AppealWD = 3
	}
	if o.AppealDecideWD <= 0 {
		o.AppealDecideWD = 5
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 256
	}
	if o.PublicBurst <= 0 {
		o.PublicBurst = 10
	}
	if o.PublicEvery <= 0 {
		o.PublicEvery = 6 * time.Second
	}
}

// Deps are the collaborators of the service.
type Deps struct {
	DB       *db.DB
	Audit    *audit.Log
	Cipher   *gm.FieldCipher
	Notifier notify.Notifier          // the invitation and reminder SMS; nil sends nothing
	Cases    caseLookup               // the cases domain
	Calendar func() *workday.Calendar // the calendar in force; nil: workday.Default()
	Now      func() time.Time         // nil: time.Now
	HTTP     *http.Client             // for the provincial push; nil: a client with a 30 s timeout
	Blobs    *blob.Store              // appeal evidence; nil: a store in Options.FilesDir
}

// Service is the rating domain's operations.
type Service struct {
	d      *db.DB
	audit  *audit.Log
	cipher *gm.FieldCipher
	notify notify.Notifier
	cases  caseLookup
	cal    func() *workday.Calendar
	now    func() time.Time
	http   *http.Client
	blobs  *blob.Store
	opt    Options
	st     store
	w      *writer
	// limiter refuses bursts of requests from one address to the public rating endpoints.
	limiter *web.Limiter

	keyOnce sync.Mutex
	linkKey []byte
}

// New returns the rating service.
func New(deps Deps, opt Options) *Service {
	opt.defaults()
	s := &Service{d: deps.DB, audit: deps.Audit, cipher: deps.Cipher, notify: deps.Notifier, cases: deps.Cases,
		cal: deps.Calendar, now: deps.Now, http: deps.HTTP, blobs: deps.Blobs, opt: opt, st: store{d: deps.DB}}
	if s.blobs == nil {
		s.blobs = openBlobs(opt.FilesDir)
	}
	if s.cal == nil {
		s.cal = workday.Default
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.http == nil {
		s.http = &http.Client{Timeout: 30 * time.Second}
	}
	if s.audit == nil {
		s.audit = audit.New(deps.DB)
	}
	s.w = &writer{s: s}
	s.limiter = web.NewLimiter(opt.PublicEvery, opt.PublicBurst, 100_000)
	return s
}

// Options returns the effective settings.
func (s *Service) Options() Options { return s.opt }

// SetClock replaces the clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// clock is the current instant as stored: to the millisecond.
func (s *Service) clock() time.Time { return s.now().Truncate(time.Millisecond) }

// today is the current date in Asia/Shanghai.
func (s *Service) today() workday.Date { return workday.DateOf(s.now()) }

// Roles that read ratings and statistics. Window staff (clerk) see their unit's ratings with the
// evaluator hidden; applicants see their own.
var (
	readRoles    = []auth.Role{auth.Clerk, auth.Chief, auth.Head, auth.Supervisor, auth.Leader, auth.Signer}
	statsRoles   = []auth.Role{auth.Chief, auth.Head, auth.Supervisor, auth.Leader, auth.Signer}
	appealRoles  = []auth.Role{auth.Chief, auth.Head} // the rated organisation's leadership files
	decideRoles  = []auth.Role{auth.Supervisor}       // a supervisor of another unit decides
	paperRoles   = []auth.Role{auth.Supervisor}       // paper questionnaires are entered by 督查 staff
	supervisorUp = []auth.Role{auth.Supervisor, auth.Leader}
)

func viewerOf(ctx context.Context) (*auth.Viewer, error) {
	v, ok := auth.FromContext(ctx)
	if !ok {
		return nil, errs.Unauth()
	}
	return v, nil
}

// staffIn returns the viewer when they are staff acting in one of roles.
func staffIn(ctx context.Context, roles []auth.Role) (*auth.Viewer, error) {
	v, err := viewerOf(ctx)
	if err != nil {
		return nil, err
	}
	if !v.IsStaff() || !slices.Contains(roles, v.Role) {
		return nil, errs.ForbiddenErr()
	}
	return v, nil
}

// readScope is what a viewer may see of ratings: staff their role's scope, applicants their own.
func readScope(ctx context.Context) (*auth.Viewer, auth.Scope, error) {
	v, err := viewerOf(ctx)
	if err != nil {
		return nil, auth.Scope{}, err
	}
	switch {
	case v.Kind == auth.KindApplicant:
		return v, auth.OwnerScope(v.ID), nil
	case v.IsStaff() && slices.Contains(readRoles, v.Role):
		return v, v.Scope(), nil
	}
	return nil, auth.Scope{}, errs.ForbiddenErr()
}

// record appends an audit record of this domain in tx.
func (s *Service) record(ctx context.Context, tx *sql.Tx, v *auth.Viewer, action, subject string, detail map[string]any) error {
	r := audit.Record{Chain: AuditChain, Action: action, Subject: subject, Detail: detail,
		RequestID: web.RequestID(ctx), At: s.clock()}
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

// ratedUnitMember reports whether v belongs to the rated side of a rating: its organisation, the
// hall of its window, or its staff.
// They never see who rated them (DOMAIN §6).
func ratedUnitMember(v *auth.Viewer, unitID, hallID string, staff []Staff) bool {
	if v == nil || !v.IsStaff() {
		return false
	}
	if v.UnitID != "" && (v.UnitID == unitID || v.UnitID == hallID) {
		return true
	}
	for _, st := range staff {
		if st.ID == v.ID {
			return true
		}
	}
	return false
}
