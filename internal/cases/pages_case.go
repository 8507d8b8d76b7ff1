package cases

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/ident"
	"onestamp/internal/platform/web"
	"onestamp/internal/platform/workday"
)

// caseView is the case page: for staff the whole file with the actions the viewer may take,
// for the applicant the plain-language version.
type caseView struct {
	pageBase
	Case      Case
	Item      Item
	HasItem   bool
	Clock     clockView
	Receiving string
	Handling  string
	Window    string
	Materials []materialRow
	Fields    []fieldRow
	Events    []eventRow
	Tasks     []taskRow
	Children  []childRow
	Docs      []docLink
	Acts      caseActs
	Base      string // StaffBase or PortalBase
	Needs     []string
	Steps     []stepChoice
	Suspend   []string
	Terminate []string
	Pending   []Material // materials a 容缺 acceptance may leave out (clerk)
	Missing   []Material // required materials not yet satisfied
	Promise   bool
	Final     bool
	Today     string
}

// materialRow is a material with what the page needs to show about it.
type materialRow struct {
	Material
	Seq     int
	Current *File
}

// OK reports whether the material is satisfied at its minimum trust level.
func (m materialRow) OK() bool {
	return (m.Status == MatProvided || m.Status == MatCert) && m.Trust.AtLeast(m.MinTrust)
}

// StatusClass is the badge class of the material's status.
func (m materialRow) StatusClass() string {
	switch {
	case m.Status == MatDefective:
		return "danger"
	case m.Status == MatPending || m.Status == MatMissing && m.Required:
		return "warn"
	case m.OK():
		return "ok"
	}
	return ""
}

type fieldRow struct {
	Key, Label, Value string
	Required          bool
	Type              string
}

// eventRow is an entry of the timeline.
type eventRow struct {
	Event
	CoveringName string
	Details      []string
	Public       bool // shown to the applicant
}

type taskRow struct {
	Task
	UnitName     string // the joint department, for a joint opinion
	AssigneeName string
	ClosedByName string
	CoveringName string
}

type childRow struct {
	Case
	Handling string
}

// LevelClass is the badge class of the child's level.
func (c childRow) LevelClass() string { return levelClass(c.Clock.Level) }

type stepChoice struct {
	Index, Num int
	Name       string
}

// actions are the forms the case page offers the viewer: each one a transition the rules let
// them take now (the service decides again when the form comes back).
type caseActs struct {
	Receive, Precheck, Accept, AcceptPending, Correction, Reject, RejectChief bool
	Advance, Decide, Return, Inspection, Suspend, Resume, Extend              bool
	Conclude, Deliver, Terminate, Upload, Check, Resubmit, Edit, Withdraw     bool
	Submit, Supply, PayFee                                                    bool
	Claim                                                                     []Task
	Branches                                                                  []Task       // inspection tasks the viewer may complete
	Joint                                                                     []Task       // the opinions the viewer's department owes (联办)
	Consult                                                                   []unitChoice // joint departments the viewer may ask
	MainTask                                                                  Task
	Immediate                                                                 bool // a 告知承诺 case may be approved at once
	Any                                                                       bool
}

// unitChoice is a unit offered on a form.
type unitChoice struct{ ID, Name string }

// jointRule is the rule of a joint department's opinion: its side is the task's unit, which the
// case page checks against the viewer's own.
var jointRule, _ = RuleFor(ActJointOpinion)

// may reports whether the viewer may take act on c by the transition table: role, side, state.
func may(v *auth.Viewer, c Case, act Action) bool {
	rule, ok := RuleFor(act)
	if !ok || !rule.Permits(v.Role) || !rule.Allows(c.State) {
		return false
	}
	if c.Kind == KindChain && !slices.Contains(chainActions, act) {
		return false
	}
	sc := v.Scope()
	switch rule.sideFor(v.Kind, v.Role, c.State) {
	case SideOwner:
		return v.Kind == auth.KindApplicant && c.OwnerID == v.ID
	case SideIntake:
		return v.Kind == auth.KindStaff && sc.Allows(c.Receiving.RegionCode, c.Receiving.UnitID, "")
	case SideHandling:
		return v.Kind == auth.KindStaff && sc.Allows(c.Handling.RegionCode, c.Handling.UnitID, "")
	}
	return false
}

// staffActions works out the forms for a member of staff.
func staffActionsFor(v *auth.Viewer, c Case, it Item, tasks []Task, today workday.Date) caseActs {
	var a caseActs
	a.Receive = may(v, c, ActReceive)
	a.Precheck = may(v, c, ActPrecheckPass)
	a.Accept = may(v, c, ActAccept)
	a.AcceptPending = may(v, c, ActAcceptPending) && slices.ContainsFunc(it.Materials, func(m MaterialSpec) bool { return m.PendingAllowed })
	intakeOver := !c.Clock.IntakeDue.IsZero() && today > c.Clock.IntakeDue
	a.Correction = may(v, c, ActCorrection) && !c.facts.Deemed && !intakeOver
	a.Reject = may(v, c, ActReject) && !c.facts.Deemed
	a.RejectChief = v.Role == auth.Chief
	a.Resubmit = may(v, c, ActResubmit) && c.State == StCorrection
	feeOwed := c.Fee != nil && c.Fee.Owed
	a.Accept = a.Accept && !feeOwed
	a.AcceptPending = a.AcceptPending && !feeOwed
	a.PayFee = may(v, c, ActPayFee) && c.Fee != nil && c.Fee.PaidFen < c.Fee.DueFen
	a.Conclude = may(v, c, ActConclude) && !c.facts.PendingOpen && !feeOwed
	a.Deliver = may(v, c, ActDeliver)
	a.Terminate = may(v, c, ActTerminate)
	a.Suspend = may(v, c, ActSuspend) && !c.Clock.PromisedDue.IsZero()
	a.Resume = may(v, c, ActResume)
	a.Extend = may(v, c, ActExtend) && !c.Flags.Has(FlagExtended) && !c.Clock.StatutoryDue.IsZero()
	a.Upload = v.Role == auth.Clerk && (slices.Contains(uploadStates, c.State) || c.facts.PendingOpen) &&
		v.Scope().Allows(c.Receiving.RegionCode, c.Receiving.UnitID, "") && c.Kind != KindChain
	a.Check = v.Role == auth.Clerk && !c.State.Final() && v.Scope().Allows(c.Receiving.RegionCode, c.Receiving.UnitID, "")
	a.Edit = may(v, c, ActEdit) && c.Kind != KindChain
	steps := reviewSteps(it)
	main, hasMain := mainTask(tasks)
	if hasMain {
		a.MainTask = main
	}
	for _, t := range tasks {
		if t.State != TaskOpen {
			continue
		}
		if t.Branch == BranchJoint {
			if t.UnitID == v.UnitID && v.Kind == auth.KindStaff && jointRule.Permits(v.Role) && jointRule.Allows(c.State) {
				a.Joint = append(a.Joint, t)
			}
			continue
		}
		if t.Assignee == "" && t.Role == v.Role && may(v, c, ActClaim) {
			a.Claim = append(a.Claim, t)
		}
		if t.Branch != BranchMain && t.Role == v.Role && v.Covers(t.Assignee) || t.Branch != BranchMain && t.Role == v.Role && t.Assignee == "" {
			if may(v, c, ActAdvance) {
				a.Branches = append(a.Branches, t)
			}
		}
	}
	branchesOpen := slices.ContainsFunc(tasks, func(t Task) bool { return t.State == TaskOpen && t.Branch != BranchMain })
	mine := hasMain && main.Role == v.Role && (main.Assignee == "" || v.Covers(main.Assignee))
	last := hasMain && main.Step >= len(steps)-1
	a.Immediate = c.Flags.Has(FlagPromise)
	a.Advance = may(v, c, ActAdvance) && mine && !last && !branchesOpen
	jointOpen := slices.ContainsFunc(tasks, func(t Task) bool { return t.State == TaskOpen && t.Branch == BranchJoint })
	a.Decide = may(v, c, ActDecide) && hasMain && (main.Role != auth.Signer || mine) &&
		((last && !branchesOpen) || a.Immediate) && !jointOpen
	a.Inspection = may(v, c, ActInspection) && hasMain && (mine || v.Role == auth.Chief)
	a.Return = may(v, c, ActReturnTo) && c.Step > 0 && (mine || v.Role == auth.Chief)
	if may(v, c, ActConsult) && hasMain && (mine || v.Role == auth.Chief) {
		for _, u := range it.JointDepts {
			asked := slices.ContainsFunc(tasks, func(t Task) bool { return t.State == TaskOpen && t.Branch == BranchJoint && t.UnitID == u })
			if !asked && u != c.Handling.UnitID {
				a.Consult = append(a.Consult, unitChoice{ID: u})
			}
		}
	}
	a.Any = a.Receive || a.Precheck || a.Accept || a.AcceptPending || a.Correction || a.Reject || a.Resubmit ||
		a.Conclude || a.Deliver || a.Terminate || a.Suspend || a.Resume || a.Extend || a.Advance || a.Decide ||
		a.Inspection || a.Return || a.PayFee || len(a.Claim) > 0 || len(a.Branches) > 0 || len(a.Joint) > 0 || len(a.Consult) > 0
	return a
}

// caseData gathers what both case pages show.
func (p *pages) caseData(r *http.Request, c Case, staff bool) (caseView, error) {
	ctx := r.Context()
	view := caseView{pageBase: newBase(), Case: c, Base: StaffBase, Final: c.State.Final(),
		Today: p.s.today().String()}
	if !staff {
		view.Base = PortalBase
	}
	n := p.names(r)
	view.Receiving, view.Handling = n.Unit(c.Receiving.UnitID), n.Unit(c.Handling.UnitID)
	view.Window = n.Window(c.Receiving.UnitID, c.Receiving.WindowID)
	view.Clock = p.s.clockView(c)
	if c.ItemID != "" {
		it, err := p.s.item(ctx, c.ItemID, c.ItemVersion)
		if err != nil {
			return view, err
		}
		view.Item, view.HasItem = it, true
		for _, f := range it.Fields {
			v := c.Form[f.Key]
			if staff {
				v = maskField(f, v, c.Applicant.Type)
			}
			view.Fields = append(view.Fields, fieldRow{Key: f.Key, Label: f.Label, Value: v, Required: f.Required, Type: f.Type})
		}
		view.Promise = it.PromiseAllowed
	}
	mats, err := p.s.Materials(ctx, c.ID)
	if err != nil {
		return view, err
	}
	for _, m := range mats {
		row := materialRow{Material: m, Seq: len(view.Materials) + 1}
		for i := range m.Files {
			if m.Files[i].ID == m.FileID {
				row.Current = &m.Files[i]
			}
		}
		view.Materials = append(view.Materials, row)
		if row.Required && !row.OK() && m.Status != MatPromised {
			view.Missing = append(view.Missing, m)
		}
		if m.PendingAllowed && !row.OK() {
			view.Pending = append(view.Pending, m)
		}
	}
	evs, err := p.s.Events(ctx, c.ID)
	if err != nil {
		return view, err
	}
	matName := map[string]string{}
	for _, m := range mats {
		matName[m.Code] = m.Name
	}
	fieldName := map[string]string{}
	for _, f := range view.Item.Fields {
		fieldName[f.Key] = f.Label
	}
	for _, e := range evs {
		row := eventRow{Event: e, CoveringName: n.User(e.CoveringFor), Details: eventDetails(r, e, matName, fieldName),
			Public: publicActions[e.Action]}
		switch e.Action {
		case ActConsult:
			if us, ok := e.Data["units"].([]any); ok {
				for _, u := range us {
					s, _ := u.(string)
					row.Details = append(row.Details, n.Unit(s))
				}
			}
		case ActJointOpinion:
			row.Details = append(row.Details, web.T(ctx, "cases.detail.joint", "unit", n.Unit(dataString(e.Data, "unit")),
				"outcome", web.T(ctx, "cases.outcome."+dataString(e.Data, "outcome"))))
		}
		view.Events = append(view.Events, row)
	}
	slices.Reverse(view.Events) // newest first: what happened last matters most
	view.Docs = docsOf(c, evs, view.Base)
	if c.Kind == KindChain {
		kids, err := p.s.Children(ctx, c.ID)
		if err != nil {
			return view, err
		}
		for _, k := range kids {
			view.Children = append(view.Children, childRow{Case: k, Handling: n.Unit(k.Handling.UnitID)})
		}
	}
	return view, nil
}

// maskField masks the personal identifiers a form may repeat (the applicant's ID number, a
// person's name, a mobile), as the workbench shows every personal identifier (DESIGN §4).
func maskField(f Field, v, subject string) string {
	if v == "" {
		return v
	}
	switch {
	case f.Type == "id_number":
		if r := ident.CheckIDCard(v, time.Now()); r.Valid {
			return ident.MaskIDCard(r.Normalized)
		}
		return v // a credit code is public
	case f.Type == "phone":
		return ident.MaskMobile(v)
	case subject == SubjectPerson && slices.Contains(personNameFields, f.Key):
		return ident.MaskName(v)
	}
	return v
}

// personNameFields are the form fields that hold a natural person's name.
var personNameFields = []string{"name", "applicant_name", "contact", "legal_rep", "agent_name"}

// publicActions are the events the applicant's timeline shows (uploads, claims and internal
// opinions are staff matters).
var publicActions = map[Action]bool{ActOpen: true, ActSubmit: true, ActPrecheckPass: true, ActPrecheckReturn: true,
	ActReceive: true, ActCorrection: true, ActResubmit: true, ActAccept: true, ActAcceptPending: true, ActReject: true,
	ActSuspend: true, ActResume: true, ActExtend: true, ActDecide: true, ActConclude: true, ActDeliver: true,
	ActWithdraw: true, ActTerminate: true, ActSupply: true, ActDeemAccept: true, ActPendingMissed: true,
	ActVerify: true, ActChildChanged: true, ActPayFee: true, ActCorrectionDue: true, ActDeemGrant: true}

// eventDetails says in words what an event's data holds.
func eventDetails(r *http.Request, e Event, mats, fields map[string]string) []string {
	ctx := r.Context()
	var out []string
	d := e.Data
	if ds, ok := d["defects"].([]any); ok {
		for _, x := range ds {
			m, _ := x.(map[string]any)
			target := mats[dataString(m, "material")]
			if target == "" {
				target = fields[dataString(m, "field")]
			}
			out = append(out, target+"："+dataString(m, "problem"))
		}
	}
	if by := dataString(d, "reply_by"); by != "" {
		out = append(out, web.T(ctx, "cases.detail.reply_by", "date", by))
	}
	if fen := int64(dataInt(d, "refund_fen")); fen > 0 {
		out = append(out, web.T(ctx, "cases.detail.refund", "amount", yuan(fen)))
	}
	switch e.Action {
	case ActPayFee:
		out = append(out, web.T(ctx, "cases.detail.fee", "amount", yuan(int64(dataInt(d, "fen"))), "receipt", dataString(d, "receipt")))
	case ActAdvance:
		out = append(out, web.T(ctx, "cases.detail.step", "step", dataString(d, "step_name"),
			"outcome", web.T(ctx, "cases.outcome."+dataString(d, "outcome"))))
	case ActReturnTo:
		out = append(out, web.T(ctx, "cases.detail.return", "from", dataInt(d, "from_step")+1, "to", dataInt(d, "to_step")+1))
	case ActSuspend:
		out = append(out, web.T(ctx, "cases.detail.suspend", "kind", suspendLabel(r, dataString(d, "kind")),
			"n", dataInt(d, "expected_wd")))
	case ActExtend:
		out = append(out, web.T(ctx, "cases.detail.extend", "n", dataInt(d, "wd")))
	case ActDecide:
		out = append(out, web.T(ctx, "cases.outcome."+dataString(d, "outcome")))
	case ActDeliver:
		out = append(out, web.T(ctx, "cases.deliver_method."+dataString(d, "method")))
	case ActTerminate:
		out = append(out, web.T(ctx, "cases.terminate_code."+dataString(d, "code")))
	case ActUpload, ActCheckOriginal, ActSupply, ActCertSatisfy:
		if m := mats[dataString(d, "material")]; m != "" {
			out = append(out, m)
		}
	case ActAcceptPending:
		if ms, ok := d["materials"].([]any); ok {
			for _, x := range ms {
				s, _ := x.(string)
				out = append(out, web.T(ctx, "cases.detail.pending", "material", mats[s]))
			}
		}
	case ActOverdue:
		out = append(out, web.T(ctx, "cases.detail.overdue", "date", dataString(d, "promised_due")))
	}
	if dataBool(d, "deemed") {
		out = append(out, web.T(ctx, "cases.flag.deemed_accepted"))
	}
	return out
}

// suspendLabel names a suspension kind: a statutory one from the catalogue of messages, an item's
// own special step by its name.
func suspendLabel(r *http.Request, kind string) string {
	if slices.Contains(suspensionKinds, kind) {
		return web.T(r.Context(), "cases.suspend_kind."+kind)
	}
	return kind
}

// loadCase reads a case and its view for the staff or the applicant page, with the outcome of a
// refused form (err) shown on it; on a failure it has answered and ok is false.
func (p *pages) loadCase(w http.ResponseWriter, r *http.Request, id string, staff bool, err error) (Case, caseView, bool) {
	c, gerr := p.s.Get(r.Context(), id)
	if gerr != nil {
		web.Error(w, r, gerr)
		return Case{}, caseView{}, false
	}
	view, gerr := p.caseData(r, c, staff)
	if gerr != nil {
		web.Error(w, r, gerr)
		return Case{}, caseView{}, false
	}
	view.fromQuery(r)
	if err != nil && !view.fail(r, err) {
		web.Error(w, r, err)
		return Case{}, caseView{}, false
	}
	if errs.As(err).Key == "cases.version.stale" {
		view.Message = web.T(r.Context(), "cases.page.stale", "no", c.No)
	}
	return c, view, true
}

func (p *pages) casePage(w http.ResponseWriter, r *http.Request) {
	p.renderCase(w, r, r.PathValue("id"), http.StatusOK, nil)
}

// renderCase shows the staff case page, with the outcome of a refused form when err is set.
func (p *pages) renderCase(w http.ResponseWriter, r *http.Request, id string, status int, err error) {
	ctx := r.Context()
	v, _ := auth.FromContext(ctx)
	c, view, ok := p.loadCase(w, r, id, true, err)
	if !ok {
		return
	}
	tasks, terr := p.s.Tasks(ctx, c.ID)
	if terr != nil {
		web.Error(w, r, terr)
		return
	}
	n := p.names(r)
	for _, t := range tasks {
		row := taskRow{Task: t, AssigneeName: n.User(t.Assignee), ClosedByName: n.User(t.ClosedBy),
			CoveringName: n.User(t.CoveringFor)}
		if t.Branch == BranchJoint {
			row.UnitName = n.Unit(t.UnitID)
		}
		view.Tasks = append(view.Tasks, row)
	}
	view.Acts = staffActionsFor(v, c, view.Item, tasks, p.s.today())
	for i := range view.Acts.Consult {
		view.Acts.Consult[i].Name = n.Unit(view.Acts.Consult[i].ID)
	}
	for i, st := range reviewSteps(view.Item) {
		if i < c.Step {
			view.Steps = append(view.Steps, stepChoice{Index: i, Num: i + 1, Name: st.Name})
		}
	}
	view.Suspend = slices.Clone(suspensionKinds)
	for _, sp := range view.Item.SpecialSteps {
		if !sp.CountsInLimit {
			view.Suspend = append(view.Suspend, sp.Name)
		}
	}
	view.Terminate = TerminateCodes
	p.staff.RenderStatus(w, r, status, "case.html", view)
}

// staffAction is a form of the staff case page: its path, who may post it, and how it is read
// and carried out.
type staffAction struct {
	path   string
	policy auth.Policy
	done   string
	run    func(p *pages, r *http.Request, id string, version int64) (Case, error)
}

var staffActions = []staffAction{
	{"receive", pageClerk, "received", func(p *pages, r *http.Request, id string, v int64) (Case, error) {
		return p.s.Receive(r.Context(), id, v, ReceiveInput{WindowID: r.PostFormValue("window_id")})
	}},
	{"cert", auth.Staff(auth.Clerk, auth.Reviewer, auth.Chief), "cert", func(p *pages, r *http.Request, id string, v int64) (Case, error) {
		if _, err := p.s.SatisfyWithCert(r.Context(), id, r.PostFormValue("material"), r.PostFormValue("cert_ref")); err != nil {
			return Case{}, err
		}
		return p.s.Get(r.Context(), id)
	}},
	{"precheck", pageClerk, "checked", func(p *pages, r *http.Request, id string, v int64) (Case, error) {
		in := PrecheckInput{Pass: r.PostFormValue("pass") == "1", Note: r.PostFormValue("note")}
		if !in.Pass {
			in.Defects = defectsOf(r)
		}
		return p.s.Precheck(r.Context(), id, v, in)
	}},
	{"accept", pageClerk, "accepted", func(p *pages, r *http.Request, id string, v int64) (Case, error) {
		return p.s.Accept(r.Context(), id, v, AcceptInput{Note: r.PostFormValue("note")})
	}},
	{"accept-pending", pageClerk, "accepted_pending", func(p *pages, r *http.Request, id string, v int64) (Case, error) {
		wd, _ := strconv.Atoi(r.PostFormValue("supply_wd"))
		return p.s.AcceptPending(r.Context(), id, v, AcceptPendingInput{Materials: r.PostForm["materials"],
			PromiseText: r.PostFormValue("promise_text"), SupplyWD: wd})
	}},
	{"correction", pageClerk, "correction", func(p *pages, r *http.Request, id string, v int64) (Case, error) {
		return p.s.RequestCorrection(r.Context(), id, v, CorrectionInput{Defects: defectsOf(r), Note: r.PostFormValue("note")})
	}},
	{"resubmit", pageClerk, "resubmitted", func(p *pages, r *http.Request, id string, v int64) (Case, error) {
		return p.s.Resubmit(r.Context(), id, v, ResubmitInput{Note: r.PostFormValue("note")})
	}},
	{"reject", auth.Staff(auth.Clerk, auth.Chief), "rejected", func(p *pages, r *http.Request, id string, v int64) (Case, error) {
		return p.s.Reject(r.Context(), id, v, RejectInput{Reasons: lines(r.PostFormValue("reasons")),
			Remedy: r.PostFormValue("remedy"), OutsidePowers: r.PostFormValue("outside_powers") == "1",
			CompetentBody: r.PostFormValue("competent_body")})
	}},
	{"claim", pageDeciders, "claimed", func(p *pages, r *http.Request, id string, v int64) (Case, error) {
		return p.s.Claim(r.Context(), id, v, r.PostFormValue("task_id"))
	}},
	{"advance", pageDeciders, "advanced", func(p *pages, r *http.Request, id string, v int64) (Case, error) {
		return p.s.Advance(r.Context(), id, v, AdvanceInput{TaskID: r.PostFormValue("task_id"),
			Outcome: r.PostFormValue("outcome"), Opinion: r.PostFormValue("opinion")})
	}},
	{"inspection", pageDeciders, "inspection", func(p *pages, r *http.Request, id string, v int64) (Case, error) {
		return p.s.RequestInspection(r.Context(), id, v, InspectionInput{Note: r.PostFormValue("note")})
	}},
	{"consult", pageDeciders, "consulted", func(p *pages, r *http.Request, id string, v int64) (Case, error) {
		if err := r.ParseForm(); err != nil {
			return Case{}, errs.InvalidInput("cases.consult.unit").OnField("units")
		}
		units := r.PostForm["units"]
		if len(units) == 0 {
			return Case{}, errs.InvalidInput("cases.consult.unit").OnField("units") // the form asks for a choice
		}
		return p.s.Consult(r.Context(), id, v, ConsultInput{Units: units, Note: r.PostFormValue("note")})
	}},
	{"joint-opinion", auth.Staff(auth.Reviewer, auth.Chief), "joint_opinion", func(p *pages, r *http.Request, id string, v int64) (Case, error) {
		return p.s.JointOpinion(r.Context(), id, v, AdvanceInput{TaskID: r.PostFormValue("task_id"),
			Outcome: r.PostFormValue("outcome"), Opinion: r.PostFormValue("opinion")})
	}},
	{"return", pageDeciders, "returned", func(p *pages, r *http.Request, id string, v int64) (Case, error) {
		step, err := strconv.Atoi(r.PostFormValue("step"))
		if err != nil {
			return Case{}, errs.InvalidInput("cases.return.step").OnField("step")
		}
		return p.s.ReturnTo(r.Context(), id, v, ReturnInput{Step: step, Reason: r.PostFormValue("reason")})
	}},
	{"suspend", auth.Staff(auth.Chief), "suspended", func(p *pages, r *http.Request, id string, v int64) (Case, error) {
		wd, _ := strconv.Atoi(r.PostFormValue("expected_wd"))
		return p.s.Suspend(r.Context(), id, v, SuspendInput{Kind: r.PostFormValue("kind"), Basis: r.PostFormValue("basis"),
			Reason: r.PostFormValue("reason"), ExpectedWD: wd})
	}},
	{"resume", auth.Staff(auth.Reviewer, auth.Chief), "resumed", func(p *pages, r *http.Request, id string, v int64) (Case, error) {
		return p.s.Resume(r.Context(), id, v, ResumeInput{Result: r.PostFormValue("result")})
	}},
	{"extend", auth.Staff(auth.Head), "extended", func(p *pages, r *http.Request, id string, v int64) (Case, error) {
		return p.s.Extend(r.Context(), id, v, ExtendInput{Reason: r.PostFormValue("reason")})
	}},
	{"decide", auth.Staff(auth.Signer), "decided", func(p *pages, r *http.Request, id string, v int64) (Case, error) {
		in := DecideInput{Outcome: Outcome(r.PostFormValue("outcome")), Opinion: r.PostFormValue("opinion")}
		if in.Outcome == OutcomeDeny {
			in.Reasons, in.Remedy = lines(r.PostFormValue("reasons")), r.PostFormValue("remedy")
		}
		return p.s.Decide(r.Context(), id, v, in)
	}},
	{"pay-fee", pageClerk, "fee_paid", func(p *pages, r *http.Request, id string, v int64) (Case, error) {
		fen, ok := parseYuan(r.PostFormValue("amount"))
		if !ok {
			return Case{}, errs.InvalidInput("cases.fee.amount_format").OnField("amount")
		}
		return p.s.PayFee(r.Context(), id, v, PayFeeInput{AmountFen: fen, Receipt: r.PostFormValue("receipt")})
	}},
	{"conclude", auth.Staff(auth.Signer, auth.Clerk), "concluded", func(p *pages, r *http.Request, id string, v int64) (Case, error) {
		return p.s.Conclude(r.Context(), id, v, ConcludeInput{Note: r.PostFormValue("note")})
	}},
	{"deliver", pageClerk, "delivered", func(p *pages, r *http.Request, id string, v int64) (Case, error) {
		return p.s.Deliver(r.Context(), id, v, DeliverInput{Method: r.PostFormValue("method"), Note: r.PostFormValue("note")})
	}},
	{"terminate", auth.Staff(auth.Chief), "terminated", func(p *pages, r *http.Request, id string, v int64) (Case, error) {
		return p.s.Terminate(r.Context(), id, v, TerminateInput{Code: r.PostFormValue("code"), Reason: r.PostFormValue("reason"),
			Remedy: r.PostFormValue("remedy")})
	}},
}

// defectsOf reads the defects of a correction notice or a pre-check return: for each material
// or field ticked, the problem written beside it.
func defectsOf(r *http.Request) []Defect {
	var out []Defect
	for _, code := range r.PostForm["defect_material"] {
		out = append(out, Defect{Material: code, Problem: r.PostFormValue("problem_m_" + code)})
	}
	for _, key := range r.PostForm["defect_field"] {
		out = append(out, Defect{Field: key, Problem: r.PostFormValue("problem_f_" + key)})
	}
	return out
}

func (p *pages) act(a staffAction) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		if err := r.ParseForm(); err != nil {
			web.Error(w, r, errs.InvalidInput("error.bad_request"))
			return
		}
		c, err := a.run(p, r, id, versionOf(r))
		if err != nil {
			p.renderCase(w, r, id, failStatus(err), err)
			return
		}
		to := StaffBase + "/" + c.ID + "?done=" + a.done
		if a.path == "receive" {
			to = StaffBase + "/" + c.ID + "/receipt?done=received"
		}
		web.SeeOther(w, r, to)
	}
}

// docLink is a decision document of the case.
type docLink struct {
	Key   string // receipt-3, acceptance-5 …
	Kind  string
	URL   string
	On    string
	Title string
}

// docsOf lists the documents the history of c has issued.
func docsOf(c Case, evs []Event, base string) []docLink {
	var out []docLink
	for _, e := range evs {
		if e.CaseID != c.ID {
			continue
		}
		kind := docKindOf(e)
		if kind == "" {
			continue
		}
		key := fmt.Sprintf("%s-%d", kind, e.Seq)
		out = append(out, docLink{Key: key, Kind: kind, URL: base + "/" + c.ID + "/docs/" + key + ".pdf",
			On: e.At.In(web.Shanghai).Format(time.DateOnly)})
	}
	return out
}
