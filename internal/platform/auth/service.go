package auth

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"sync"
	"time"

	"onestamp/internal/platform/audit"
	"onestamp/internal/platform/config"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/gm"
	"onestamp/internal/platform/ident"
	"onestamp/internal/platform/notify"
	"onestamp/internal/platform/web"
)

// AuditChain is the audit chain of every record this package writes.
const AuditChain = "auth"

// UnitInfo is what auth needs to know of an organisation unit.
type UnitInfo struct {
	ID         string
	Name       string
	RegionCode string
	RegionName string // the jurisdiction's name, for display; optional
	Active     bool
}

// Units resolves organisation units; the application passes an adapter over the org service.
// An unknown id returns an errs.NotFound error.
type Units interface {
	UnitInfo(ctx context.Context, id string) (UnitInfo, error)
}

// Options are the settings of the service.
type Options struct {
	SessionIdle     time.Duration // idle timeout of a session (30 min)
	SessionAbsolute time.Duration // absolute lifetime of a session (12 h)
	LockoutFailures int           // failed logins in a row before a lockout (5)
	LockoutDuration time.Duration // length of a lockout (15 min)
	SecureCookie    bool          // Secure cookies: true when the base URL is https
	Issuer          string        // shown by authenticator apps ("一章通")

	SMSCodeTTL     time.Duration // lifetime of an SMS code (5 min)
	SMSMaxAttempts int           // wrong entries that kill a code (5)
	SMSInterval    time.Duration // least time between two codes to one mobile (60 s)
	SMSPerDay      int           // most codes to one mobile in 24 hours (10)
	TokenMaxLife   time.Duration // longest lifetime of an integration token (2 years)
	Argon2         Argon2Params  // DefaultArgon2 when zero
	TouchEvery     time.Duration // how often a session's last-seen time is written (1 min)
	// ViewerCache is how long a resolved session is reused before the database is asked again
	// (2 s; negative: never). Changes made through this process are seen at once (viewcache.go).
	ViewerCache    time.Duration
	DevSMSReadable bool // development mode: the dev SMS page is served
}

// OptionsFrom takes the options from the process configuration.
func OptionsFrom(c config.Config) Options {
	return Options{
		SessionIdle:     c.SessionIdle,
		SessionAbsolute: c.SessionAbsolute,
		LockoutFailures: c.LockoutFailures,
		LockoutDuration: c.LockoutDuration,
		SecureCookie:    strings.HasPrefix(c.BaseURL, "https://"),
		DevSMSReadable:  c.Dev,
	}
}

func (o *Options) defaults() {
	set := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	set(&o.SessionIdle, 30*time.Minute)
	set(&o.SessionAbsolute, 12*time.Hour)
	set(&o.LockoutDuration, 15*time.Minute)
	set(&o.SMSCodeTTL, 5*time.Minute)
	set(&o.SMSInterval, time.Minute)
	set(&o.TokenMaxLife, 2*365*24*time.Hour)
	set(&o.TouchEvery, time.Minute)
	if o.ViewerCache == 0 {
		o.ViewerCache = 2 * time.Second
	}
	if o.LockoutFailures <= 0 {
		o.LockoutFailures = 5
	}
	if o.SMSMaxAttempts <= 0 {
		o.SMSMaxAttempts = 5
	}
	if o.SMSPerDay <= 0 {
		o.SMSPerDay = 10
	}
	if o.Argon2.Memory == 0 {
		o.Argon2 = DefaultArgon2
	}
	if o.Issuer == "" {
		o.Issuer = "一章通"
	}
}

// Deps are the collaborators of the service.
type Deps struct {
	DB       *db.DB
	Audit    *audit.Log
	Cipher   *gm.FieldCipher
	Notifier notify.Notifier
	Units    Units            // optional: without it a staff account's region is taken as given
	Now      func() time.Time // optional: the clock (tests inject one)
}

// Service is people and access.
type Service struct {
	d        *db.DB
	st       store
	audit    *audit.Log
	cipher   *gm.FieldCipher
	notifier notify.Notifier
	units    Units
	now      func() time.Time
	opt      Options
	dummy    string // a hash verified for unknown accounts, so that timing does not tell them apart

	mu     sync.RWMutex
	scopes map[string]bool // token scopes some route accepts (filled by Guard)
	names  map[string]cachedUnit
	views  viewCache
}

// cachedUnit keeps a unit's display names for a few minutes: every request shows them and they
// seldom change. Nothing depends on them being current.
type cachedUnit struct {
	info UnitInfo
	at   time.Time
}

// New returns the service.
func New(deps Deps, opt Options) *Service {
	opt.defaults()
	now := deps.Now
	if now == nil {
		now = time.Now
	}
	s := &Service{d: deps.DB, st: store{deps.DB}, audit: deps.Audit, cipher: deps.Cipher, notifier: deps.Notifier,
		units: deps.Units, now: now, opt: opt, scopes: map[string]bool{}, names: map[string]cachedUnit{}}
	s.dummy, _ = HashPassword("not a password of anyone", opt.Argon2)
	return s
}

// Options returns the effective options.
func (s *Service) Options() Options { return s.opt }

// Client describes where a request comes from, for the audit log and the last-login display.
type Client struct {
	IP        string
	UserAgent string
}

type clientKey struct{}

// WithClient returns ctx carrying the client of the request. The middleware sets it.
func WithClient(ctx context.Context, c Client) context.Context {
	return context.WithValue(ctx, clientKey{}, c)
}

func clientFrom(ctx context.Context) Client {
	c, _ := ctx.Value(clientKey{}).(Client)
	return c
}

// record is one audit record of this package.
type record struct {
	actor     *Viewer // nil: the account in subject acted on its own (a login), or the system
	actorID   string  // when actor is nil
	actorName string
	action    string
	subject   string
	detail    map[string]any
}

func (s *Service) write(ctx context.Context, tx *sql.Tx, r record) error {
	rec := audit.Record{
		Chain:     AuditChain,
		Actor:     r.actorID,
		ActorName: r.actorName,
		Action:    r.action,
		Subject:   r.subject,
		Detail:    r.detail,
		IP:        clientFrom(ctx).IP,
		RequestID: web.RequestID(ctx),
		At:        s.now(),
	}
	if r.actor != nil {
		rec.Actor, rec.ActorName, rec.Role = r.actor.ID, r.actor.auditName(), string(r.actor.Role)
	}
	if rec.Actor == "" {
		rec.Actor = audit.SystemActor
	}
	return s.audit.Append(ctx, tx, rec)
}

// auditAlone writes one record in its own transaction, for events with nothing else to commit.
func (s *Service) auditAlone(ctx context.Context, r record) error {
	return s.tx(ctx, func(tx *sql.Tx) error { return s.write(ctx, tx, r) })
}

func (v *Viewer) auditName() string {
	if v.Username != "" {
		return v.Username
	}
	return v.Name
}

// DisplayName is the name the layout shows (web.Viewer).
func (v *Viewer) DisplayName() string {
	if v.Name != "" {
		return v.Name
	}
	return v.Username
}

func userSubject(id string) string  { return "user:" + id }
func tokenSubject(id string) string { return "token:" + id }

// loadViewer builds the viewer of an account, in the role a session chose (or the first held).
func (s *Service) loadViewer(ctx context.Context, q db.Q, u userRow, role Role) (*Viewer, error) {
	v := &Viewer{Kind: Kind(u.Kind), ID: u.ID, Username: u.Username, Name: u.Name, UnitID: u.UnitID,
		RegionCode: u.RegionCode, MustChange: u.MustChange, TOTP: u.TOTPEnabled}
	var err error
	switch v.Kind {
	case KindStaff:
		info := s.unitNames(ctx, u.UnitID)
		v.UnitName, v.RegionName = info.Name, info.RegionName
		if v.Roles, v.Perms, v.CoveringFor, err = s.st.grants(ctx, q, u.ID, s.now().UnixMilli()); err != nil {
			return nil, err
		}
	default:
		if v.Roles, err = s.st.roles(ctx, q, u.ID); err != nil {
			return nil, err
		}
	}
	switch v.Kind {
	case KindApplicant:
		a, err := s.st.applicant(ctx, q, u.ID)
		if err != nil {
			return nil, err
		}
		name, err := s.cipher.DecryptString(a.Name, aad("applicants.name", u.ID))
		if err != nil {
			return nil, errs.Wrap(err, "decrypt applicant name")
		}
		v.Name = maskName(a.SubjectType, name)
		v.Roles = []Role{Applicant}
	}
	if len(v.Roles) == 0 {
		return nil, errs.New(errs.Forbidden, "auth.login.no_role")
	}
	v.Role = v.Roles[0]
	if role != "" && slices.Contains(v.Roles, role) {
		v.Role = role
	}
	return v, nil
}

// unitNames returns a unit's display names, from the cache when they are fresh; a failed lookup
// leaves them empty (screens then show the codes).
func (s *Service) unitNames(ctx context.Context, id string) UnitInfo {
	if s.units == nil || id == "" {
		return UnitInfo{}
	}
	now := s.now()
	s.mu.RLock()
	c, ok := s.names[id]
	s.mu.RUnlock()
	if ok && now.Sub(c.at) < 5*time.Minute && now.Sub(c.at) >= 0 {
		return c.info
	}
	info, err := s.units.UnitInfo(ctx, id)
	if err != nil {
		return UnitInfo{}
	}
	s.mu.Lock()
	if len(s.names) > 10000 {
		clear(s.names)
	}
	s.names[id] = cachedUnit{info: info, at: now}
	s.mu.Unlock()
	return info
}

func aad(column, rowID string) string { return column + ":" + rowID }

// maskName masks the name of a natural person; an organisation's name is public.
func maskName(subjectType, name string) string {
	if subjectType == SubjectOrg {
		return name
	}
	return ident.MaskName(name)
}

func sortRoles(rs []Role) []Role {
	slices.SortFunc(rs, func(a, b Role) int { return slices.Index(AllRoles, a) - slices.Index(AllRoles, b) })
	return slices.Compact(rs)
}

// registerScopes records token scopes that routes accept (called by Guard).
func (s *Service) registerScopes(scopes []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sc := range scopes {
		s.scopes[sc] = true
	}
}

// KnownScopes returns the token scopes some route accepts, sorted.
func (s *Service) KnownScopes() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]string, 0, len(s.scopes))
	for sc := range s.scopes {
		out = append(out, sc)
	}
	slices.Sort(out)
	return out
}

// Sweep deletes expired sessions and SMS codes older than a day; the application runs it
// periodically. Expired sessions are refused anyway; this only keeps the tables small.
func (s *Service) Sweep(ctx context.Context) error {
	now := s.now()
	if _, err := s.st.deleteStaleSessions(ctx, s.d.Write(), now.Add(-s.opt.SessionIdle).UnixMilli(),
		now.Add(-s.opt.SessionAbsolute).UnixMilli()); err != nil {
		return err
	}
	return s.st.deleteOldSMSCodes(ctx, s.d.Write(), now.Add(-24*time.Hour).UnixMilli())
}
