package cases

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/blob"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/ident"
	"onestamp/internal/platform/workday"
)

// OpenInput starts a case as a draft: an applicant online, or a clerk at a window for a walk-in
// applicant (or, 帮代办, for one who is not there, with their authorisation as Agent).
type OpenInput struct {
	ItemID    string            `json:"item_id"`
	Applicant ApplicantInput    `json:"applicant"`
	Agent     *AgentInput       `json:"agent,omitempty"`
	OwnerID   string            `json:"owner_id,omitempty" doc:"window intake: the applicant's account, so that they see the case online"`
	WindowID  string            `json:"window_id,omitempty" doc:"window intake: the window"`
	Form      map[string]string `json:"form,omitempty"`
	Promise   *PromiseInput     `json:"promise,omitempty" doc:"apply under 告知承诺: the signed commitment"`
}

// PromiseInput is the applicant's signature under the item's commitment text (告知承诺书).
type PromiseInput struct {
	Method  string `json:"method" doc:"handwritten (at a window, DocHash required), e_signature or sms"`
	DocHash string `json:"doc_hash,omitempty" doc:"the signed document"`
}

// Defect is one entry of a pre-check return or a correction notice: a material or a form
// field, and what is wrong with it.
type Defect struct {
	Material string `json:"material,omitempty" doc:"material code"`
	Field    string `json:"field,omitempty" doc:"form field key"`
	Problem  string `json:"problem"`
}

// item returns the pinned version of a case's item (published versions never change, so they
// are cached).
func (s *Service) item(ctx context.Context, itemID string, version int) (Item, error) {
	key := itemID + "@" + strconv.Itoa(version)
	if v, ok := s.items.Load(key); ok {
		return v.(Item), nil
	}
	it, err := s.cat.ItemVersion(ctx, itemID, version)
	if err != nil {
		return Item{}, err
	}
	s.items.Store(key, it)
	return it, nil
}

// reviewSteps are the item's review steps; by default 审查 → 决定, and for an instant item
// (即办件) the decision alone.
func reviewSteps(it Item) []Step {
	switch {
	case len(it.Steps) > 0:
		return it.Steps
	case it.Kind == KindInstant:
		return []Step{{Name: "决定", Role: auth.Signer}}
	}
	return []Step{{Name: "审查", Role: auth.Reviewer}, {Name: "决定", Role: auth.Signer}}
}
func itemLimits(it Item, cfg Config) limits {
	l := limits{StatutoryWD: it.StatutoryWD, PromisedWD: it.PromisedWD, ExtensionWD: it.ExtensionWD}
	if it.FeeFen > 0 {
		l.FeeFen, l.FeeTiming = it.FeeFen, it.FeeTiming
		if l.FeeTiming != FeeBeforeAccept {
			l.FeeTiming = FeeBeforeConclude
		}
	}
	if it.Kind == KindInstant {
		l.PromisedWD = 0
	}
	if l.PromisedWD > l.StatutoryWD && l.StatutoryWD > 0 {
		l.PromisedWD = l.StatutoryWD
	}
	if l.ExtensionWD == 0 {
		l.ExtensionWD = cfg.ExtensionWD
		if it.Joint {
			l.ExtensionWD = cfg.JointExtensionWD
		}
	}
	return l
}

// checkForm validates form values against the item's fields. complete also requires every
// required field (on submission and receipt; a draft may be incomplete).
func (s *Service) checkForm(fields []Field, form map[string]string, complete bool) (map[string]string, error) {
	out := map[string]string{}
	for k, v := range form {
		i := slices.IndexFunc(fields, func(f Field) bool { return f.Key == k })
		if i < 0 {
			return nil, errs.InvalidInput("cases.form.unknown").OnField("form."+k).With("field", k)
		}
		v = strings.TrimSpace(v)
		if utf8.RuneCountInString(v) > 2000 {
			return nil, errs.InvalidInput("cases.form.too_long").OnField("form."+k).With("field", fields[i].Label)
		}
		if v == "" {
			continue
		}
		bad := false
		switch fields[i].Type {
		case "number":
			_, err := strconv.ParseFloat(v, 64)
			bad = err != nil
		case "date":
			_, err := workday.ParseDate(v)
			bad = err != nil
		case "phone":
			bad = !ident.CheckMobile(v).Valid
		case "id_number":
			r := ident.Check(v, s.now())
			bad = !r.Valid || (r.Kind != ident.KindIDCard && r.Kind != ident.KindUSCC)
		}
		if bad {
			return nil, errs.InvalidInput("cases.form.value").OnField("form."+k).With("field", fields[i].Label)
		}
		out[k] = v
	}
	if complete {
		for _, f := range fields {
			if f.Required && out[f.Key] == "" {
				return nil, errs.InvalidInput("cases.form.required").OnField("form."+f.Key).With("field", f.Label)
			}
		}
	}
	return out, nil
}

// Open starts a case as a draft. An applicant's case is online and received by the item's
// accepting hall; a clerk's is a window case received by the clerk's hall, which may be in
// another county for a 全市通办 item: the case is routed to the unit that decides the item in
// its own jurisdiction (Catalog.Decider), and both sides see it.
func (s *Service) Open(ctx context.Context, in OpenInput) (Case, error) {
	a, err := s.actorOf(ctx)
	if err != nil {
		return Case{}, err
	}
	if a.kind != auth.KindApplicant && !(a.kind == auth.KindStaff && a.role == auth.Clerk) {
		return Case{}, errs.ForbiddenErr()
	}
	r, it, err := s.prepare(ctx, a, in)
	if err != nil {
		return Case{}, err
	}
	err = s.inTx(ctx, a, func(t *txn) error {
		c := t.newChange(r, ActOpen)
		c.e.From = 0
		c.set("item_version", it.Version)
		if err := c.create(); err != nil {
			return err
		}
		for i, m := range it.Materials {
			mat := Material{Code: m.Code, Name: m.Name, Required: m.Required, PendingAllowed: m.PendingAllowed,
				MinTrust: m.MinTrust, CertType: m.CertType, Status: MatMissing}
			if err := s.st.insertMaterial(ctx, t.tx, r.ID, i, mat, ""); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Case{}, err
	}
	return s.toCase(r), nil
}

// checkPromise records the applicant's commitment when the item allows 告知承诺 and the
// applicant has no open false-commitment record (checked first, DOMAIN §4.7).
func (s *Service) checkPromise(ctx context.Context, it Item, r *rec, p PromiseInput) error {
	if !it.PromiseAllowed {
		return errs.InvalidInput("cases.promise.not_allowed").OnField("promise")
	}
	barred, err := s.st.openCredit(ctx, s.d.Read, r.ApplicantIDBI, CreditFalsePromise)
	if err != nil {
		return err
	}
	if barred {
		return errs.New(errs.Forbidden, "cases.promise.barred").OnField("promise")
	}
	switch p.Method {
	case "e_signature", "sms":
	case "handwritten":
		if !blob.ValidHash(p.DocHash) {
			return errs.InvalidInput("cases.promise.doc").OnField("promise.doc_hash")
		}
	default:
		return errs.InvalidInput("cases.promise.method").OnField("promise.method")
	}
	r.Flags = r.Flags.With(FlagPromise, true)
	r.Promise = &Promise{Text: it.PromiseText, SignedAt: s.clock(), Method: p.Method, DocHash: p.DocHash}
	return nil
}

// create writes a new case: the row, its first event, audit and outbox.
func (c *change) create() error {
	t, r := c.t, c.r
	c.e.To = r.State
	r.Facts = r.Facts.apply(c.e)
	if err := t.s.derive(r, t.today); err != nil {
		return err
	}
	if r.Kind != KindChain {
		r.setTodo(defaultTodo(r))
	}
	r.Version = 1
	c.e.Seq, c.e.CaseNo = 1, r.No
	for _, fn := range c.after {
		fn(r)
	}
	if err := t.s.st.insertCase(t.ctx, t.tx, r); err != nil {
		return err
	}
	return c.record()
}

// EditForm replaces the form of a case while it may still change: a draft, a returned
// pre-check or an open correction (the applicant or the receiving clerk), or at receipt (the
// clerk).
func (s *Service) EditForm(ctx context.Context, id string, version int64, form map[string]string) (Case, error) {
	var edit func(c *change) error
	edit = func(c *change) error {
		r := c.r
		if c.t.a.kind == auth.KindApplicant && r.State != StDraft && r.State != StPrecheckReturned && r.State != StCorrection {
			return errs.New(errs.Conflict, "cases.state").With("action", string(ActEdit)).With("state", r.State.String())
		}
		if r.Kind == KindChain {
			return s.editChain(c, form)
		}
		it, err := s.item(c.t.ctx, r.ItemID, r.ItemVersion)
		if err != nil {
			return err
		}
		f, err := s.checkForm(it.Fields, form, false)
		if err != nil {
			return err
		}
		var changed []string
		for _, fd := range it.Fields {
			if f[fd.Key] != r.Form[fd.Key] {
				changed = append(changed, fd.Key)
			}
		}
		c.set("fields", changed)
		r.Form = f
		return nil
	}
	return s.transition(ctx, id, version, ActEdit, edit)
}

// editChain changes a chain's combined form and each child's form mapped from it.
func (s *Service) editChain(c *change, form map[string]string) error {
	ch, err := s.cat.Chain(c.t.ctx, c.r.ChainID)
	if err != nil {
		return err
	}
	combined := map[string]string{}
	for k, v := range form {
		if !slices.ContainsFunc(ch.Fields, func(f ChainField) bool { return f.Key == k }) {
			return errs.InvalidInput("cases.form.unknown").OnField("form."+k).With("field", k)
		}
		if v = strings.TrimSpace(v); v != "" {
			combined[k] = v
		}
	}
	kids, err := s.st.children(c.t.ctx, c.t.tx, c.r.ID)
	if err != nil {
		return err
	}
	forms := map[string]map[string]string{}
	for _, k := range kids {
		f := map[string]string{}
		for key, v := range k.Form {
			f[key] = v
		}
		for _, cf := range ch.Fields {
			for _, m := range cf.Maps {
				if m.ItemID == k.ItemID {
					f[m.Field] = combined[cf.Key]
				}
			}
		}
		forms[k.ID] = f
	}
	c.r.Form = combined
	rule, _ := RuleFor(ActEdit)
	for _, k := range kids {
		if !rule.Allows(k.State) {
			continue
		}
		kid := k
		if err := c.t.apply(kid, kid.Version, ActEdit, func(cc *change) error {
			it, err := s.item(cc.t.ctx, kid.ItemID, kid.ItemVersion)
			if err != nil {
				return err
			}
			f, err := s.checkForm(it.Fields, forms[kid.ID], false)
			if err != nil {
				return err
			}
			kid.Form = f
			return nil
		}); err != nil {
			return err
		}
	}
	return nil
}

// SubmitInput submits an online application.
type SubmitInput struct{}

// Submit sends a draft in. The case number is issued now and shown to the applicant at once.
// An item that needs no pre-check ("direct") goes straight to pending receipt, and its intake
// clock starts.
func (s *Service) Submit(ctx context.Context, id string, version int64, _ SubmitInput) (Case, error) {
	no, err := s.numberFor(ctx, id)
	if err != nil {
		return Case{}, err
	}
	kids, err := s.chainNumbers(ctx, id)
	if err != nil {
		return Case{}, err
	}
	var submit func(c *change) error
	submit = func(c *change) error {
		r := c.r
		if r.No == "" {
			r.No = no
		}
		r.SubmittedAt = c.t.now.UnixMilli()
		if r.Kind == KindChain {
			return s.cascade(c, ActSubmit, kids, submit)
		}
		it, err := s.item(c.t.ctx, r.ItemID, r.ItemVersion)
		if err != nil {
			return err
		}
		if r.Form, err = s.checkForm(it.Fields, r.Form, true); err != nil {
			return err
		}
		if it.Direct {
			r.State = StPendingReceipt
		}
		return nil
	}
	return s.transition(ctx, id, version, ActSubmit, submit)
}

// numberFor issues a case number for a case that has none yet (before its transaction).
func (s *Service) numberFor(ctx context.Context, id string) (string, error) {
	r, err := s.st.getCase(ctx, s.d.Read, id)
	if err != nil || r.No != "" {
		return "", err
	}
	return s.nextNo(ctx, r.RecvRegion, s.today())
}

// ReceiveInput receives a case at a window (接件): the receipt slip is issued and the intake
// clock starts.
type ReceiveInput struct {
	WindowID string `json:"window_id,omitempty"`
}

// Receive takes a case in at the receiving hall: a walk-in draft, an online case that passed
// the pre-check, or a direct item's submission. The case number is issued if there is none.
func (s *Service) Receive(ctx context.Context, id string, version int64, in ReceiveInput) (Case, error) {
	no, err := s.numberFor(ctx, id)
	if err != nil {
		return Case{}, err
	}
	kids, err := s.chainNumbers(ctx, id)
	if err != nil {
		return Case{}, err
	}
	var receive func(c *change) error
	receive = func(c *change) error {
		r := c.r
		if r.No == "" {
			r.No = no
		}
		if r.SubmittedAt == 0 {
			r.SubmittedAt = c.t.now.UnixMilli()
		}
		if w := strings.TrimSpace(in.WindowID); w != "" {
			r.RecvWindow = w
		}
		if r.Kind == KindChain {
			return s.cascade(c, ActReceive, kids, receive)
		}
		it, err := s.item(c.t.ctx, r.ItemID, r.ItemVersion)
		if err != nil {
			return err
		}
		if r.Form, err = s.checkForm(it.Fields, r.Form, true); err != nil {
			return err
		}
		c.emitAfter(func(r *rec) {
			c.emit(TopicReceived, ReceivedEvent{CaseID: r.ID, CaseNo: r.No, ItemID: r.ItemID, ReceivedOn: r.ReceivedOn,
				IntakeDue: r.IntakeDue, ReceivingUnit: r.RecvUnit, WindowID: r.RecvWindow, HandlingUnit: r.HandlingUnit})
		})
		return nil
	}
	return s.transition(ctx, id, version, ActReceive, receive)
}
