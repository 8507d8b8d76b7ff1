package cases

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"onestamp/internal/platform/audit"
	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/blob"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/gm"
	"onestamp/internal/platform/web"
	"onestamp/internal/platform/workday"
)

// Config holds the configurable rules of DOMAIN §4 and §16 (defaults in brackets).
type Config struct {
	YellowWD               int // warning at ≤ this many working days left [2]
	IntakeWD               int // art. 32: answer within [5] wd of receipt, or deemed accepted
	CorrectionDays         int // reply deadline of a correction notice, calendar days [30]
	CorrectionReminderDays int // reminder (yellow) after this many calendar days [20]
	DeliveryWD             int // art. 44: deliver within [10] wd of the decision
	PendingSupplyWD        int // 容缺 supply deadline [10] wd, when the item sets none
	RenewLeadDays          int // art. 50: a renewal applied for at least [30] calendar days before expiry is deemed granted if undecided by then
	RenewAlertWD           int // the renewal alert [5] wd before the licence expires
	VerifyWithinWD         int // 告知承诺 post-verification within [30] wd, when the item sets none
	RectifyWD              int // 告知承诺 rectification period [20] wd
	ExtensionWD            int // art. 42 extension [10] wd, when the item sets none
	JointExtensionWD       int // art. 26 joint handling extension [15] wd
	AuditShards            int // audit chains "cases/0" … : spreads the chain-head lock [16]
	NumberBlock            int // case numbers reserved per block [20]
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{YellowWD: workday.DefaultYellowWD, IntakeWD: 5, CorrectionDays: 30, CorrectionReminderDays: 20,
		DeliveryWD: 10, PendingSupplyWD: 10, RenewLeadDays: 30, RenewAlertWD: 5, VerifyWithinWD: 30, RectifyWD: 20, ExtensionWD: 10,
		JointExtensionWD: 15, AuditShards: 64, NumberBlock: 20}
}

func (c *Config) defaults() {
	d := DefaultConfig()
	for _, p := range []struct {
		v   *int
		def int
	}{
		{&c.IntakeWD, d.IntakeWD}, {&c.CorrectionDays, d.CorrectionDays},
		{&c.CorrectionReminderDays, d.CorrectionReminderDays}, {&c.DeliveryWD, d.DeliveryWD},
		{&c.PendingSupplyWD, d.PendingSupplyWD}, {&c.RenewLeadDays, d.RenewLeadDays}, {&c.RenewAlertWD, d.RenewAlertWD},
		{&c.VerifyWithinWD, d.VerifyWithinWD}, {&c.RectifyWD, d.RectifyWD},
		{&c.ExtensionWD, d.ExtensionWD}, {&c.JointExtensionWD, d.JointExtensionWD}, {&c.AuditShards, d.AuditShards},
		{&c.NumberBlock, d.NumberBlock},
	} {
		if *p.v <= 0 {
			*p.v = p.def
		}
	}
	if c.YellowWD == 0 {
		c.YellowWD = d.YellowWD
	}
}

// Options wire the service.
type Options struct {
	Catalog Catalog         // the service catalogue (required)
	Audit   *audit.Log      // required
	Cipher  *gm.FieldCipher // personal data encryption (required)
	Blobs   *blob.Store     // material files (required for uploads)
	// Identities gives an applicant's identity from their account, so that an online
	// application without an explicit applicant is filed for the account holder (optional).
	Identities Identities
	Calendar   func() *workday.Calendar // the calendar in force (nil: the built-in one)
	Kick       func()                   // wakes the outbox dispatcher after a commit (optional)
	Now        func() time.Time         // nil: time.Now
	Config     Config                   // zero fields take the defaults
}

// Licences tells when the licence a renewal acts on expires (package certs). ref is a licence
// number, or the reference of the e-certificate that satisfied a material; holderBI is the blind
// index of the applicant's ID number: another holder's licence is not found.
type Licences interface {
	LicenceValidTo(ctx context.Context, typeCode, ref, holderBI string) (workday.Date, error) // 0: long-term
}

// SetLicences gives the service the certificate library, which is built after it (it listens to
// the cases' events). Without it a renewal runs on the ordinary clock.
func (s *Service) SetLicences(l Licences) { s.lic = l }

// Identities resolves an applicant account to its identity (package auth's ApplicantIdentity).
type Identities interface {
	ApplicantIdentity(ctx context.Context, accountID string) (auth.Identity, error)
}

// Service is the cases domain's operations. Every method takes the viewer from ctx
// (auth.FromContext); RecomputeAll and Sweep run as the system.
type Service struct {
	d        *db.DB
	st       store
	cat      Catalog
	audit    *audit.Log
	cipher   *gm.FieldCipher
	blobs    *blob.Store
	ids      Identities
	lic      Licences
	calendar func() *workday.Calendar
	kick     func()
	now      func() time.Time
	cfg      Config

	pages PageDeps // what the pages need from other packages (SetPageDeps)

	items sync.Map // "itemID@version" -> Item: published versions never change
	nos   numberer
}

// New returns the service on d.
func New(d *db.DB, o Options) *Service {
	o.Config.defaults()
	s := &Service{d: d, st: store{d: d, cipher: o.Cipher}, cat: o.Catalog, audit: o.Audit, cipher: o.Cipher, blobs: o.Blobs, ids: o.Identities,
		calendar: o.Calendar, kick: o.Kick, now: o.Now, cfg: o.Config}
	if s.calendar == nil {
		s.calendar = workday.Default
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.kick == nil {
		s.kick = func() {}
	}
	s.nos.blocks = map[string]*noBlock{}
	return s
}

// SetClock replaces the clock (tests and the demo generator).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Config returns the rules in force.
func (s *Service) Config() Config { return s.cfg }

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

// today is the business date in Shanghai.
func (s *Service) today() workday.Date { return workday.DateOf(s.now()) }

// ---- who acts ----

// actor is the person (or the system) behind a call, with the scope they see.
type actor struct {
	id, name string
	kind     auth.Kind
	role     auth.Role
	scope    auth.Scope
	v        *auth.Viewer
}

func (s *Service) actorOf(ctx context.Context) (*actor, error) {
	v, ok := auth.FromContext(ctx)
	if !ok {
		return nil, errs.Unauth()
	}
	if v.Kind == auth.KindToken {
		// Integration tokens read cases of their unit; they take no transitions.
		return &actor{id: v.ID, name: v.Name, kind: v.Kind, role: "token", scope: v.Scope(), v: v}, nil
	}
	return &actor{id: v.ID, name: v.Name, kind: v.Kind, role: v.Role, scope: v.Scope(), v: v}, nil
}

func systemActor() *actor {
	return &actor{id: audit.SystemActor, name: audit.SystemActor, role: roleSystem, scope: auth.SystemScope()}
}

func (a *actor) isSystem() bool { return a.role == roleSystem }

// sees reports whether the case is in the actor's data scope: either side of a 全市通办 case
// sees it, an applicant sees their own, and the staff of a joint department once its opinion
// was asked for (联办).
func (a *actor) sees(r *rec) bool {
	return a.scope.Allows(r.RecvRegion, r.RecvUnit, r.OwnerID) || a.scope.Allows(r.HandlingRegion, r.HandlingUnit, r.OwnerID) ||
		a.consulted(r)
}

// consulted reports whether the actor gives opinions (a reviewer or section chief) in a joint
// department asked for its opinion on r. Other posts of that department do not see the case.
func (a *actor) consulted(r *rec) bool {
	return a.kind == auth.KindStaff && a.v != nil && a.v.UnitID != "" && (a.role == auth.Reviewer || a.role == auth.Chief) &&
		slices.Contains(r.Facts.Consulted, a.v.UnitID)
}

// onSide reports whether the actor works on the given side of the case.
func (a *actor) onSide(r *rec, side Side) bool {
	switch {
	case a.isSystem():
		return true
	case side == SideOwner:
		return a.kind == auth.KindApplicant && r.OwnerID != "" && r.OwnerID == a.id
	case side == SideIntake:
		return a.kind == auth.KindStaff && a.scope.Allows(r.RecvRegion, r.RecvUnit, "")
	case side == SideHandling:
		return a.kind == auth.KindStaff && a.scope.Allows(r.HandlingRegion, r.HandlingUnit, "")
	case side == SideJoint:
		return a.consulted(r) && slices.ContainsFunc(r.open, func(t Task) bool {
			return t.Branch == BranchJoint && t.UnitID == a.v.UnitID
		})
	}
	return false
}

// covers reports whether the actor may do a task assigned to userID: it is theirs, or they hold
// the AB-post cover for it. It returns whom they cover for ("" when it is their own).
func (a *actor) covers(userID string) (bool, string) {
	switch {
	case userID == "" || userID == a.id || a.isSystem():
		return true, ""
	case a.v != nil && slices.Contains(a.v.CoveringFor, userID):
		return true, userID
	}
	return false, ""
}

// ---- the transition engine ----

// txn is one database transaction of the service: one or more changes of cases, each with its
// event, audit record and outbox events.
type txn struct {
	s       *Service
	ctx     context.Context
	tx      *sql.Tx
	a       *actor
	now     time.Time
	today   workday.Date
	parents map[string]bool // chain parents to bring up to date before commit
	heads   map[string]*audit.Head
}

func (s *Service) inTx(ctx context.Context, a *actor, fn func(t *txn) error) error {
	err := s.d.Tx(ctx, func(tx *sql.Tx) error {
		t := &txn{s: s, ctx: ctx, tx: tx, a: a, now: s.clock(), today: s.today(), parents: map[string]bool{},
			heads: map[string]*audit.Head{}}
		if err := fn(t); err != nil {
			return err
		}
		return t.syncParents()
	})
	if err == nil {
		s.kick()
	}
	return err
}

// load reads a case inside the transaction; a case outside the actor's scope is not found.
//
// It reads, in one round trip, the case under its row lock, its open tasks, and the head of its
// audit chain under that lock: a transition then needs no other answer from the database before
// its commit. The case is locked before the chain head. A case of a chain (一件事) leaves its head
// to the append: its transaction locks other cases of the family too (the parent follows its
// children, a parent's withdrawal takes its children along), and their audit chains must be
// locked after every case row, in the order the appends come, as before.
func (t *txn) load(id string) (*rec, error) {
	chain := t.s.auditChain(id)
	headQ := t.s.audit.HeadQuery(chain, outsideChain, id, string(KindChain))
	rows, err := db.QueryBatch(t.ctx, t.tx, t.s.st.lockCaseStmt(id), openTasksStmt(id), headQ)
	if err != nil {
		return nil, fmt.Errorf("cases: lock %s: %w", id, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("cases: lock %s: %w", id, err)
		}
		return nil, errs.NotFoundErr("cases.not_found")
	}
	r, err := t.s.st.scanCase(rows)
	if err != nil {
		return nil, fmt.Errorf("cases: lock %s: %w", id, err)
	}
	r.locked = true
	if !rows.NextResultSet() {
		return nil, fmt.Errorf("cases: open tasks of %s: %w", id, rows.Err())
	}
	if r.open, err = scanTasks(rows); err != nil {
		return nil, fmt.Errorf("cases: open tasks of %s: %w", id, err)
	}
	if r.open == nil {
		r.open = []Task{}
	}
	if !rows.NextResultSet() {
		return nil, fmt.Errorf("cases: audit head of %s: %w", id, rows.Err())
	}
	head, err := audit.ScanHead(rows, chain)
	if err != nil {
		return nil, err
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("cases: lock %s: %w", id, err)
	}
	if head != nil {
		t.heads[chain] = head
	}
	if !t.a.sees(r) {
		return nil, errs.NotFoundErr("cases.not_found")
	}
	r.loaded = r.values()
	return r, nil
}

// change is one transition in progress: fn fills in the event and changes the case.
type change struct {
	t     *txn
	r     *rec
	old   int64
	e     Event
	emits []emit
	after []func(r *rec) // run once the deadlines are derived, before the outbox events are written
	tasks []Task         // open tasks, when loaded
}

// emitAfter defers building an outbox payload until the change's deadlines are derived.
func (c *change) emitAfter(fn func(r *rec)) { c.after = append(c.after, fn) }

// transition runs one transition of one case as its own transaction.
func (s *Service) transition(ctx context.Context, id string, version int64, act Action, fn func(c *change) error) (Case, error) {
	a, err := s.actorOf(ctx)
	if err != nil {
		return Case{}, err
	}
	var out *rec
	err = s.inTx(ctx, a, func(t *txn) error {
		r, err := t.load(id)
		if err != nil {
			return err
		}
		if err := t.apply(r, version, act, fn); err != nil {
			return err
		}
		out = r
		return nil
	})
	if err != nil {
		return Case{}, err
	}
	return s.toCase(out), nil
}

// chainActions are the transitions a chain parent takes itself (cascading to its children);
// everything else is done on the child cases.
var chainActions = []Action{ActEdit, ActSubmit, ActReceive, ActWithdraw}

// check decides whether the actor may take act on r at version: role, side, version, state, in
// that order, so that a person who may not act at all learns nothing about the case's state.
func (t *txn) check(r *rec, version int64, act Action) (Rule, error) {
	rule, ok := RuleFor(act)
	if !ok {
		return rule, fmt.Errorf("cases: no rule for %s", act)
	}
	if !rule.Permits(t.a.role) {
		return rule, errs.New(errs.Forbidden, "cases.forbidden.role").With("action", string(act))
	}
	if !t.a.onSide(r, rule.sideFor(t.a.kind, t.a.role, r.State)) {
		return rule, errs.New(errs.Forbidden, "cases.forbidden.side").With("action", string(act))
	}
	if version != r.Version {
		return rule, staleErr(r)
	}
	if !rule.Allows(r.State) {
		return rule, errs.New(errs.Conflict, "cases.state").With("action", string(act)).With("state", r.State.String())
	}
	return rule, nil
}

func staleErr(r *rec) error {
	return errs.New(errs.Conflict, "cases.version.stale").With("no", r.No).With("version", r.Version)
}

// apply checks and applies one transition to r inside the transaction.
func (t *txn) apply(r *rec, version int64, act Action, fn func(c *change) error) error {
	rule, err := t.check(r, version, act)
	if err != nil {
		return err
	}
	if r.Kind == KindChain && !slices.Contains(chainActions, act) {
		return errs.New(errs.Conflict, "cases.chain.parent").With("action", string(act))
	}
	c := t.newChange(r, act)
	if rule.To != 0 {
		r.State = rule.To
	}
	if err := fn(c); err != nil {
		return err
	}
	if rule.Reason && strings.TrimSpace(c.e.Reason) == "" {
		return errs.InvalidInput("cases.reason.required").OnField("reason")
	}
	return c.commit()
}

func (t *txn) newChange(r *rec, act Action) *change {
	c := &change{t: t, r: r, old: r.Version, tasks: r.open, e: Event{ID: db.NewID(), CaseID: r.ID, Action: act, From: r.State,
		Actor: t.a.id, ActorName: t.a.name, Role: string(t.a.role), At: t.now, On: t.today}}
	r.open = nil
	return c
}

// commit writes the change: the case row (guarded by its version), the event, the 已办 index,
// the audit record and the outbox events.
func (c *change) commit() error {
	t, r := c.t, c.r
	c.e.To = r.State
	r.Facts = r.Facts.apply(c.e)
	if err := t.s.derive(r, t.today); err != nil {
		return err
	}
	switch {
	case r.Kind == KindChain:
		r.setTodo(Todo{}) // the children carry the work
	case r.State != StAccepted && r.State != StInReview:
		r.setTodo(defaultTodo(r))
	}
	r.Version = c.old + 1
	r.UpdatedAt = t.now.UnixMilli()
	c.e.Seq, c.e.CaseNo = r.Version, r.No
	for _, fn := range c.after {
		fn(r)
	}
	ok, err := t.s.st.updateCase(t.ctx, t.tx, r, c.old)
	if err != nil {
		return err
	}
	if !ok {
		return staleErr(r)
	}
	return c.record()
}

// record writes the event, the 已办 index, the audit record and the outbox events of a change
// whose case row is written.
func (c *change) record() error {
	t, r := c.t, c.r
	root := r.ParentID
	if root == "" {
		root = r.ID
	}
	// The chain's head was read with the case (txn.load); nothing here waits for an answer, and on
	// PostgreSQL all of it travels with the commit (db.Later).
	detail := map[string]any{"no": r.No, "from": int(c.e.From), "to": int(c.e.To), "version": r.Version}
	if c.e.Reason != "" {
		detail["reason"] = c.e.Reason
	}
	if c.e.CoveringFor != "" {
		detail["covering_for"] = c.e.CoveringFor
	}
	if len(c.e.Data) > 0 {
		detail["data"] = c.e.Data
	}
	if len(c.e.Docs) > 0 {
		detail["docs"] = c.e.Docs
	}
	chain := t.s.auditChain(r.ID)
	if err := t.s.audit.Append(t.ctx, t.tx, audit.Record{Chain: chain, Actor: t.a.id,
		ActorName: t.a.name, Role: string(t.a.role), Action: "case." + string(c.e.Action), Subject: "case:" + r.ID,
		Detail: detail, RequestID: web.RequestID(t.ctx), At: t.now, Head: t.heads[chain]}); err != nil {
		return errs.Wrap(err, "audit case.%s", c.e.Action)
	}
	if err := t.s.st.insertEvent(t.ctx, t.tx, root, &c.e); err != nil {
		return err
	}
	if !t.a.isSystem() && t.a.kind == auth.KindStaff {
		if err := t.s.st.touchActor(t.ctx, t.tx, t.a.id, r.ID, t.now.UnixMilli()); err != nil {
			return err
		}
	}
	if err := c.emitAll(); err != nil {
		return err
	}
	if r.ParentID != "" {
		t.parents[r.ParentID] = true
	}
	return nil
}

// auditChain spreads the cases' audit records over a few chains, each case always on the same
// one, so that concurrent transitions of different cases do not all queue on one chain head.
func (s *Service) auditChain(caseID string) string {
	return audit.ShardChain("cases", caseID, s.cfg.AuditShards)
}

// openTasks loads (once) the open tasks of the case being changed.
func (c *change) openTasks() ([]Task, error) {
	if c.tasks == nil {
		ts, err := c.t.s.st.tasks(c.t.ctx, c.t.tx, c.r.ID, true)
		if err != nil {
			return nil, err
		}
		if ts == nil {
			ts = []Task{}
		}
		c.tasks = ts
	}
	return c.tasks, nil
}

// setData adds a value to the event's data.
func (c *change) set(k string, v any) {
	if c.e.Data == nil {
		c.e.Data = map[string]any{}
	}
	c.e.Data[k] = v
}

func (r *rec) setTodo(td Todo) {
	r.TodoRole, r.TodoUnit, r.TodoRegion, r.TodoUser = td.Role, td.UnitID, td.RegionCode, td.UserID
}

// defaultTodo says who acts next outside review (where the open task decides).
func defaultTodo(r *rec) Todo {
	recv := func(role auth.Role, user string) Todo {
		return Todo{Role: role, UnitID: r.RecvUnit, RegionCode: r.RecvRegion, UserID: user}
	}
	switch r.State {
	case StDraft:
		if r.Channel == ChannelWindow {
			return recv(auth.Clerk, "")
		}
	case StSubmitted, StPrecheckPassed, StPendingReceipt, StReceived, StConcluded:
		return recv(auth.Clerk, "")
	case StPrecheckReturned, StCorrection:
		return recv(auth.Applicant, r.OwnerID)
	case StSuspended:
		// Nobody acts until it resumes; the deciding side watches it in the suspended queue.
		return Todo{UnitID: r.HandlingUnit, RegionCode: r.HandlingRegion}
	case StDenied, StApproved:
		if r.Facts.PendingOpen {
			return recv(auth.Applicant, r.OwnerID)
		}
		return recv(auth.Clerk, "")
	}
	return Todo{}
}

// ---- reading ----

// readCase is the read gate of a case: who is asking, and the case if they may see it; a case
// outside their side or scope is not found, as if it did not exist.
func (s *Service) readCase(ctx context.Context, id string) (*actor, *rec, error) {
	a, err := s.actorOf(ctx)
	if err != nil {
		return nil, nil, err
	}
	r, err := s.visibleCase(ctx, a, id)
	return a, r, err
}

// visibleCase returns the case if a may see it, and not found otherwise.
func (s *Service) visibleCase(ctx context.Context, a *actor, id string) (*rec, error) {
	r, err := s.st.getCase(ctx, s.d.Read, id)
	if err != nil {
		return nil, err
	}
	if !a.sees(r) {
		return nil, errs.NotFoundErr("cases.not_found")
	}
	return r, nil
}

// Get returns a case the viewer may see.
func (s *Service) Get(ctx context.Context, id string) (Case, error) {
	_, r, err := s.readCase(ctx, id)
	if err != nil {
		return Case{}, err
	}
	return s.toCase(r), nil
}

// ByNo returns a case by its number (barcode scanners type it).
func (s *Service) ByNo(ctx context.Context, no string) (Case, error) {
	a, err := s.actorOf(ctx)
	if err != nil {
		return Case{}, err
	}
	no = strings.TrimSpace(no)
	if !ValidCaseNo(no) {
		return Case{}, errs.NotFoundErr("cases.not_found")
	}
	r, err := s.st.getCaseByNo(ctx, s.d.Read, no)
	if err != nil {
		return Case{}, err
	}
	if !a.sees(r) {
		return Case{}, errs.NotFoundErr("cases.not_found")
	}
	return s.toCase(r), nil
}

// Children returns the child cases of a chain parent.
func (s *Service) Children(ctx context.Context, parentID string) ([]Case, error) {
	_, _, err := s.readCase(ctx, parentID)
	if err != nil {
		return nil, err
	}
	rs, err := s.st.children(ctx, s.d.Read, parentID)
	if err != nil {
		return nil, err
	}
	out := make([]Case, 0, len(rs))
	for _, r := range rs {
		out = append(out, s.toCase(r))
	}
	return out, nil
}

// Events returns the history of a case, oldest first. For a chain parent it is the one timeline
// of the parent and all its children.
func (s *Service) Events(ctx context.Context, id string) ([]Event, error) {
	_, r, err := s.readCase(ctx, id)
	if err != nil {
		return nil, err
	}
	col := "case_id"
	if r.Kind == KindChain {
		col = "root_id"
	}
	return s.st.events(ctx, s.d.Read, col, id)
}

// Tasks returns every task of a case, oldest first, superseded ones included.
func (s *Service) Tasks(ctx context.Context, id string) ([]Task, error) {
	_, _, err := s.readCase(ctx, id)
	if err != nil {
		return nil, err
	}
	ts, err := s.st.tasks(ctx, s.d.Read, id, false)
	if ts == nil {
		ts = []Task{}
	}
	return ts, err
}

// MyTasks lists the open tasks assigned to the viewer and to the colleagues they cover for,
// parallel branches (site inspections) included.
func (s *Service) MyTasks(ctx context.Context, limit int) ([]Task, error) {
	a, err := s.actorOf(ctx)
	if err != nil {
		return nil, err
	}
	if a.kind != auth.KindStaff {
		return nil, errs.ForbiddenErr()
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	users := []string{a.id}
	if a.v != nil {
		users = append(users, a.v.CoveringFor...)
	}
	ts, err := s.st.myTasks(ctx, s.d.Read, users, limit)
	if ts == nil {
		ts = []Task{}
	}
	return ts, err
}

// toCase turns a stored row into the Case the API shows: personal identifiers masked.
func (s *Service) toCase(r *rec) Case {
	c := Case{ID: r.ID, No: r.No, ParentID: r.ParentID, ChainID: r.ChainID, ItemID: r.ItemID, ItemVersion: r.ItemVersion,
		ItemCode: r.ItemCode, ItemName: r.ItemName, Kind: r.Kind, State: r.State, StateName: r.State.String(),
		Flags: r.Flags, Version: r.Version, Channel: r.Channel, OwnerID: r.OwnerID,
		Applicant: Applicant{Type: r.ApplicantType, Name: r.ApplicantLabel, IDNumber: r.ApplicantIDMasked,
			Mobile: r.ApplicantMobileMasked, Masked: true},
		Receiving: Office{UnitID: r.RecvUnit, RegionCode: r.RecvRegion, WindowID: r.RecvWindow},
		Handling:  Office{UnitID: r.HandlingUnit, RegionCode: r.HandlingRegion},
		Step:      r.Step, StepName: r.StepName,
		Todo: Todo{Role: r.TodoRole, UnitID: r.TodoUnit, RegionCode: r.TodoRegion, UserID: r.TodoUser},
		Clock: Clock{ReceivedOn: r.ReceivedOn, IntakeDue: r.IntakeDue, AcceptedOn: r.AcceptedOn,
			PromisedDue: r.PromisedDue, StatutoryDue: r.StatutoryDue, DecidedOn: r.DecidedOn,
			DeliveryDue: r.DeliveryDue, PendingDue: r.PendingDue, NextDue: r.NextDue, RemainingWD: r.RemainingWD,
			Level: r.Level.String(), ExtensionWD: r.Facts.ExtensionWD},
		Fee: feeView(r), Form: r.Form, Decision: r.Decision, Promise: r.Promise,
		CreatedAt: msTime(r.CreatedAt), UpdatedAt: msTime(r.UpdatedAt),
		applicantBI: r.ApplicantIDBI, facts: r.Facts, limits: r.Limits, overdueAt: r.OverdueAt,
	}
	if r.SubmittedAt != 0 {
		c.SubmittedAt = msTime(r.SubmittedAt)
	}
	if c.Form == nil {
		c.Form = map[string]string{}
	}
	if r.Agent != nil {
		c.Agent = &Agent{Kind: r.Agent.Kind, Name: r.Agent.Label, IDNumber: r.Agent.IDMasked, Mobile: r.Agent.MobileMask,
			AuthDocHash: r.Agent.AuthDocHash, AssistedBy: r.Agent.AssistedBy, Masked: true}
	}
	for _, sp := range r.Facts.Suspensions {
		end := sp.To
		if end.IsZero() {
			end = s.today()
		}
		if n, _, err := s.calendar().Between(r.HandlingRegion, sp.From, end); err == nil && n > 0 {
			c.Clock.SuspendedWD += n
		}
	}
	return c
}
