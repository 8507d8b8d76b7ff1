package cases

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/blob"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/errs"
)

// openStep opens the main task of step idx and makes it the case's current step and to-do.
func (s *Service) openStep(c *change, steps []Step, idx int, assignee string) error {
	st := steps[idx]
	role := st.Role
	if role == "" {
		role = auth.Reviewer
	}
	t := Task{ID: db.NewID(), CaseID: c.r.ID, Step: idx, StepName: st.Name, Branch: BranchMain, Role: role,
		UnitID: c.r.HandlingUnit, Assignee: assignee, State: TaskOpen, OpenedAt: c.t.now}
	if err := s.st.insertTask(c.t.ctx, c.t.tx, t); err != nil {
		return err
	}
	if c.tasks != nil {
		c.tasks = append(c.tasks, t)
	}
	c.r.Step, c.r.StepName = idx, st.Name
	c.r.setTodo(Todo{Role: role, UnitID: c.r.HandlingUnit, RegionCode: c.r.HandlingRegion, UserID: assignee})
	return nil
}

// supersedeAll closes every open task of the case as superseded (a return, a withdrawal, a
// termination). Nothing is deleted: the tasks stay in the history with who ended them.
func (s *Service) supersedeAll(c *change, why string) error {
	ts, err := c.openTasks()
	if err != nil {
		return err
	}
	var ids []string
	for _, t := range ts {
		t.State, t.ClosedAt, t.ClosedBy, t.Outcome = TaskSuperseded, c.t.now, c.t.a.id, why
		if err := s.st.closeTask(c.t.ctx, c.t.tx, t); err != nil {
			return err
		}
		ids = append(ids, t.ID)
	}
	c.tasks = []Task{}
	if len(ids) > 0 {
		c.set("superseded", ids)
	}
	return nil
}

// mainTask returns the open main task of the current step.
func mainTask(ts []Task) (Task, bool) {
	for _, t := range ts {
		if t.Branch == BranchMain && t.State == TaskOpen {
			return t, true
		}
	}
	return Task{}, false
}

// mayDo checks that the actor may do task t: the task's role, and its assignee or their AB-post
// substitute. It returns whom the actor covers for.
func (c *change) mayDo(t Task) (string, error) {
	if c.t.a.role != t.Role {
		return "", errs.New(errs.Forbidden, "cases.task.role").With("role", string(t.Role))
	}
	ok, covering := c.t.a.covers(t.Assignee)
	if !ok {
		return "", errs.New(errs.Forbidden, "cases.task.not_yours")
	}
	return covering, nil
}

// restoreTodo points the case's to-do at its open main task.
func (c *change) restoreTodo() error {
	ts, err := c.openTasks()
	if err != nil {
		return err
	}
	if m, ok := mainTask(ts); ok {
		c.r.setTodo(Todo{Role: m.Role, UnitID: c.r.HandlingUnit, RegionCode: c.r.HandlingRegion, UserID: m.Assignee})
	}
	return nil
}

// findTask returns the open task with id.
func (c *change) findTask(id string) (Task, error) {
	ts, err := c.openTasks()
	if err != nil {
		return Task{}, err
	}
	i := slices.IndexFunc(ts, func(t Task) bool { return t.ID == id })
	if i < 0 {
		return Task{}, errs.New(errs.Conflict, "cases.task.not_open")
	}
	return ts[i], nil
}

// Claim takes a pooled task of the viewer's role.
func (s *Service) Claim(ctx context.Context, id string, version int64, taskID string) (Case, error) {
	return s.transition(ctx, id, version, ActClaim, func(c *change) error {
		t, err := c.findTask(taskID)
		if err != nil {
			return err
		}
		if t.Branch == BranchJoint {
			return errs.New(errs.Forbidden, "cases.task.joint")
		}
		if t.Role != c.t.a.role {
			return errs.New(errs.Forbidden, "cases.task.role").With("role", string(t.Role))
		}
		if t.Assignee != "" {
			return errs.New(errs.Conflict, "cases.task.taken")
		}
		return s.assign(c, t, c.t.a.id)
	})
}

// AssignInput assigns a task to a colleague.
type AssignInput struct {
	TaskID string `json:"task_id"`
	UserID string `json:"user_id"`
}

// Assign gives a task to a colleague (a section chief).
func (s *Service) Assign(ctx context.Context, id string, version int64, in AssignInput) (Case, error) {
	return s.transition(ctx, id, version, ActAssign, func(c *change) error {
		t, err := c.findTask(in.TaskID)
		if err != nil {
			return err
		}
		if t.Branch == BranchJoint {
			return errs.New(errs.Forbidden, "cases.task.joint")
		}
		if strings.TrimSpace(in.UserID) == "" {
			return errs.InvalidInput("cases.task.user").OnField("user_id")
		}
		return s.assign(c, t, in.UserID)
	})
}

func (s *Service) assign(c *change, t Task, user string) error {
	if err := s.st.assignTask(c.t.ctx, c.t.tx, t.ID, user); err != nil {
		return err
	}
	for i := range c.tasks {
		if c.tasks[i].ID == t.ID {
			c.tasks[i].Assignee = user
		}
	}
	c.set("task", t.ID)
	c.set("assignee", user)
	if t.Branch == BranchMain && c.r.State != StSuspended {
		c.r.TodoUser = user
	}
	return nil
}

// AdvanceInput records a step's opinion.
type AdvanceInput struct {
	TaskID  string `json:"task_id,omitempty" doc:"the task done; default the current step's main task"`
	Outcome string `json:"outcome" doc:"agree or disagree (a site inspection: pass or fail)"`
	Opinion string `json:"opinion"`
}

var outcomes = []string{"agree", "disagree", "pass", "fail"}

// Advance records the opinion of a step (审查, 现场勘验 …) and, when the step's main task is done
// and no parallel branch is open, opens the next step. The last step is completed by Decide.
func (s *Service) Advance(ctx context.Context, id string, version int64, in AdvanceInput) (Case, error) {
	return s.transition(ctx, id, version, ActAdvance, func(c *change) error {
		ts, err := c.openTasks()
		if err != nil {
			return err
		}
		var t Task
		if in.TaskID != "" {
			if t, err = c.findTask(in.TaskID); err != nil {
				return err
			}
		} else if m, ok := mainTask(ts); ok {
			t = m
		} else {
			return errs.New(errs.Conflict, "cases.task.not_open")
		}
		if t.Branch == BranchJoint {
			return errs.New(errs.Forbidden, "cases.task.joint") // the department answers it (JointOpinion)
		}
		covering, err := c.mayDo(t)
		if err != nil {
			return err
		}
		opinion := strings.TrimSpace(in.Opinion)
		if opinion == "" || utf8.RuneCountInString(opinion) > 4000 {
			return errs.InvalidInput("cases.opinion.required").OnField("opinion")
		}
		if !slices.Contains(outcomes, in.Outcome) {
			return errs.InvalidInput("cases.opinion.outcome").OnField("outcome")
		}
		it, err := s.item(c.t.ctx, c.r.ItemID, c.r.ItemVersion)
		if err != nil {
			return err
		}
		steps := reviewSteps(it)
		if t.Branch == BranchMain {
			if slices.ContainsFunc(ts, func(o Task) bool { return o.ID != t.ID && o.State == TaskOpen }) {
				return errs.New(errs.Conflict, "cases.step.branches_open")
			}
			if t.Step >= len(steps)-1 {
				return errs.New(errs.Conflict, "cases.step.last")
			}
		}
		t.State, t.ClosedAt, t.ClosedBy, t.CoveringFor, t.Outcome, t.Opinion = TaskDone, c.t.now, c.t.a.id, covering, in.Outcome, opinion
		if err := s.st.closeTask(c.t.ctx, c.t.tx, t); err != nil {
			return err
		}
		c.tasks = slices.DeleteFunc(c.tasks, func(o Task) bool { return o.ID == t.ID })
		c.e.CoveringFor, c.e.Reason = covering, opinion
		c.set("task", t.ID)
		c.set("step", t.Step)
		c.set("step_name", t.StepName)
		c.set("branch", t.Branch)
		c.set("outcome", in.Outcome)
		if t.Branch != BranchMain {
			return c.restoreTodo()
		}
		return s.openStep(c, steps, t.Step+1, "")
	})
}

// InspectionInput opens a site inspection (现场勘验) beside the current step.
type InspectionInput struct {
	Assignee string `json:"assignee,omitempty" doc:"the inspector; empty: the reviewers' pool"`
	Note     string `json:"note,omitempty"`
}

// RequestInspection opens a parallel site-inspection task in the current step; the step cannot
// move on until it is done. Site surveys count against the time limit (DOMAIN §4.4).
func (s *Service) RequestInspection(ctx context.Context, id string, version int64, in InspectionInput) (Case, error) {
	return s.transition(ctx, id, version, ActInspection, func(c *change) error {
		_, m, covering, err := c.branchFrom()
		if err != nil {
			return err
		}
		t := Task{ID: db.NewID(), CaseID: c.r.ID, Step: m.Step, StepName: "现场勘验", Branch: BranchInspect,
			Role: auth.Reviewer, UnitID: c.r.HandlingUnit, Assignee: strings.TrimSpace(in.Assignee), State: TaskOpen,
			OpenedAt: c.t.now}
		if err := s.st.insertTask(c.t.ctx, c.t.tx, t); err != nil {
			return err
		}
		c.tasks = append(c.tasks, t)
		c.e.CoveringFor, c.e.Reason = covering, strings.TrimSpace(in.Note)
		c.set("task", t.ID)
		c.set("assignee", t.Assignee)
		return nil
	})
}

// branchFrom finds the step's main task that a parallel branch (a site inspection, the joint
// departments' opinions) is opened beside, and checks that the actor holds it, covers for its
// holder, or is a section chief. It returns the open tasks, the main task, and whom the actor
// covers for.
func (c *change) branchFrom() ([]Task, Task, string, error) {
	ts, err := c.openTasks()
	if err != nil {
		return nil, Task{}, "", err
	}
	m, ok := mainTask(ts)
	if !ok {
		return nil, Task{}, "", errs.New(errs.Conflict, "cases.task.not_open")
	}
	covering := ""
	if c.t.a.role != auth.Chief {
		if covering, err = c.mayDo(m); err != nil {
			return nil, Task{}, "", err
		}
	}
	return ts, m, covering, nil
}

// ReturnInput returns a case to an earlier step (退回).
type ReturnInput struct {
	Step   int    `json:"step" doc:"index of the earlier step"`
	Reason string `json:"reason"`
}

// ReturnTo sends the case back to an earlier step: every open task, in every parallel branch,
// is superseded (kept in the history), the step opens again for whoever did it before, and the
// clock keeps running — the deadline is re-derived from the unchanged history, never re-armed.
func (s *Service) ReturnTo(ctx context.Context, id string, version int64, in ReturnInput) (Case, error) {
	return s.transition(ctx, id, version, ActReturnTo, func(c *change) error {
		r := c.r
		c.e.Reason = strings.TrimSpace(in.Reason)
		if c.e.Reason == "" {
			return errs.InvalidInput("cases.reason.required").OnField("reason")
		}
		if in.Step < 0 || in.Step >= r.Step {
			return errs.InvalidInput("cases.return.step").OnField("step")
		}
		ts, err := c.openTasks()
		if err != nil {
			return err
		}
		if m, ok := mainTask(ts); ok && c.t.a.role != auth.Chief {
			cov, err := c.mayDo(m)
			if err != nil {
				return err
			}
			c.e.CoveringFor = cov
		}
		it, err := s.item(c.t.ctx, r.ItemID, r.ItemVersion)
		if err != nil {
			return err
		}
		// The step goes back to whoever completed it last: the history says (a case whose facts
		// predate the record of holders asks its tasks).
		prev, ok := r.Facts.Holders[in.Step]
		if !ok {
			if prev, err = s.st.lastDoneBy(c.t.ctx, c.t.tx, r.ID, in.Step, BranchMain); err != nil {
				return err
			}
		}
		c.set("from_step", r.Step)
		c.set("to_step", in.Step)
		if err := s.supersedeAll(c, "return"); err != nil {
			return err
		}
		return s.openStep(c, reviewSteps(it), in.Step, prev)
	})
}

// Suspension kinds that stop the clock by law (art. 45).
var suspensionKinds = []string{"hearing", "tender", "auction", "testing", "appraisal", "expert_review"}

// SuspendInput starts a special procedure (特别程序).
type SuspendInput struct {
	Kind        string `json:"kind" doc:"hearing, tender, auction, testing, appraisal, expert_review, or a special step of the item that does not count in the limit"`
	Basis       string `json:"basis,omitempty" doc:"the legal basis"`
	Reason      string `json:"reason"`
	ExpectedWD  int    `json:"expected_wd" doc:"expected duration, told to the applicant in writing"`
	RequestedBy string `json:"requested_by,omitempty" doc:"the reviewer who asked for it"`
}

// Suspend stops the clock for a special procedure, approved by the section chief who records
// it. The working days left are carried forward (workday.Clock), never wall-clock time.
func (s *Service) Suspend(ctx context.Context, id string, version int64, in SuspendInput) (Case, error) {
	return s.transition(ctx, id, version, ActSuspend, func(c *change) error {
		r := c.r
		c.e.Reason = strings.TrimSpace(in.Reason)
		kind := strings.TrimSpace(in.Kind)
		if !slices.Contains(suspensionKinds, kind) {
			it, err := s.item(c.t.ctx, r.ItemID, r.ItemVersion)
			if err != nil {
				return err
			}
			if !slices.ContainsFunc(it.SpecialSteps, func(sp SpecialStep) bool { return sp.Name == kind && !sp.CountsInLimit }) {
				return errs.InvalidInput("cases.suspend.kind").OnField("kind")
			}
		}
		if in.ExpectedWD < 1 || in.ExpectedWD > 250 {
			return errs.InvalidInput("cases.suspend.expected").OnField("expected_wd")
		}
		if r.PromisedDue.IsZero() && !r.Flags.Has(FlagDeadlinePending) {
			return errs.New(errs.Conflict, "cases.suspend.no_clock")
		}
		c.set("kind", kind)
		c.set("basis", strings.TrimSpace(in.Basis))
		c.set("expected_wd", in.ExpectedWD)
		c.set("approved_by", c.t.a.id)
		if in.RequestedBy != "" {
			c.set("requested_by", in.RequestedBy)
		}
		return nil
	})
}

// ResumeInput ends a special procedure.
type ResumeInput struct {
	Result string `json:"result" doc:"the outcome of the procedure"`
}

// Resume restarts the clock: the due date becomes the resume day plus the working days the
// suspension held.
func (s *Service) Resume(ctx context.Context, id string, version int64, in ResumeInput) (Case, error) {
	return s.transition(ctx, id, version, ActResume, func(c *change) error {
		c.e.Reason = strings.TrimSpace(in.Result)
		if c.e.Reason == "" {
			return errs.InvalidInput("cases.resume.result").OnField("result")
		}
		c.r.State = StInReview
		return c.restoreTodo()
	})
}

// ExtendInput extends the decision limit (延期).
type ExtendInput struct {
	Reason  string `json:"reason" doc:"told to the applicant"`
	DocHash string `json:"doc_hash,omitempty" doc:"the approval; required for joint handling (government head)"`
}

// Extend adds the item's extension (+10 wd, or +15 for joint handling) once, approved by the
// bureau head before the statutory due date; the reason goes to the applicant.
func (s *Service) Extend(ctx context.Context, id string, version int64, in ExtendInput) (Case, error) {
	return s.transition(ctx, id, version, ActExtend, func(c *change) error {
		r := c.r
		c.e.Reason = strings.TrimSpace(in.Reason)
		switch {
		case r.Flags.Has(FlagExtended):
			return errs.New(errs.Conflict, "cases.extend.once")
		case r.StatutoryDue.IsZero() || c.t.today > r.StatutoryDue:
			return errs.New(errs.Conflict, "cases.extend.expired")
		case r.Flags.Has(FlagJoint) && !blob.ValidHash(in.DocHash):
			return errs.InvalidInput("cases.extend.doc").OnField("doc_hash")
		}
		if in.DocHash != "" {
			if !blob.ValidHash(in.DocHash) {
				return errs.InvalidInput("cases.extend.doc").OnField("doc_hash")
			}
			c.e.Docs = []string{in.DocHash}
		}
		r.Flags = r.Flags.With(FlagExtended, true)
		c.set("wd", r.Limits.ExtensionWD)
		return nil
	})
}

// DecideInput is the decision (准予 / 不予许可).
type DecideInput struct {
	Outcome Outcome  `json:"outcome" doc:"approve or deny"`
	Opinion string   `json:"opinion,omitempty"`
	Reasons []string `json:"reasons,omitempty" doc:"required for a denial (art. 38)"`
	Remedy  string   `json:"remedy,omitempty" doc:"required for a denial: 行政复议 / 行政诉讼"`
}

// Decide approves or denies. The signer does the last step's task (or their AB-post substitute
// does); a 告知承诺 case may be approved at once from any step, and then gets a
// post-verification task with the item's method and deadline.
func (s *Service) Decide(ctx context.Context, id string, version int64, in DecideInput) (Case, error) {
	return s.transition(ctx, id, version, ActDecide, func(c *change) error {
		r := c.r
		reasons := cleanList(in.Reasons)
		remedy := strings.TrimSpace(in.Remedy)
		switch in.Outcome {
		case OutcomeApprove:
			r.State = StApproved
		case OutcomeDeny:
			r.State = StDenied
			if len(reasons) == 0 {
				return errs.InvalidInput("cases.reasons.required").OnField("reasons")
			}
			if remedy == "" {
				return errs.InvalidInput("cases.remedy.required").OnField("remedy")
			}
		default:
			return errs.InvalidInput("cases.decide.outcome").OnField("outcome")
		}
		it, err := s.item(c.t.ctx, r.ItemID, r.ItemVersion)
		if err != nil {
			return err
		}
		steps := reviewSteps(it)
		ts, err := c.openTasks()
		if err != nil {
			return err
		}
		m, ok := mainTask(ts)
		immediate := r.Flags.Has(FlagPromise) && in.Outcome == OutcomeApprove
		switch {
		case !ok:
			return errs.New(errs.Conflict, "cases.task.not_open")
		case !immediate && m.Step != len(steps)-1:
			return errs.New(errs.Conflict, "cases.decide.not_last_step")
		case !immediate && slices.ContainsFunc(ts, func(o Task) bool { return o.ID != m.ID }),
			slices.ContainsFunc(ts, func(o Task) bool { return o.Branch == BranchJoint }):
			// Even a 告知承诺 approval at once waits for the joint departments asked (art. 26).
			return errs.New(errs.Conflict, "cases.step.branches_open")
		}
		covering := ""
		if m.Role == auth.Signer {
			if covering, err = c.mayDo(m); err != nil {
				return err
			}
		}
		m.State, m.ClosedAt, m.ClosedBy, m.CoveringFor, m.Outcome = TaskDone, c.t.now, c.t.a.id, covering, string(in.Outcome)
		m.Opinion = strings.TrimSpace(in.Opinion)
		if err := s.st.closeTask(c.t.ctx, c.t.tx, m); err != nil {
			return err
		}
		c.tasks = slices.DeleteFunc(c.tasks, func(o Task) bool { return o.ID == m.ID })
		if err := s.supersedeAll(c, "decided"); err != nil {
			return err
		}
		r.Decision = &Decision{Outcome: in.Outcome, Reasons: reasons, Remedy: remedy, On: c.t.today, By: c.t.a.id}
		c.e.CoveringFor = covering
		c.e.Reason = strings.Join(reasons, "; ")
		if c.e.Reason == "" {
			c.e.Reason = m.Opinion
		}
		c.set("outcome", string(in.Outcome))
		if immediate {
			c.set("immediate", true)
		}
		r.setTodo(Todo{})
		if r.Flags.Has(FlagPromise) && in.Outcome == OutcomeApprove {
			return s.openVerification(c, it)
		}
		return nil
	})
}

// ConcludeInput concludes a decided case (办结).
type ConcludeInput struct {
	Note string `json:"note,omitempty"`
}

// Conclude closes the matter after the decision: documents sealed, certificate issued (the
// certificates issue listens to case.concluded), rating invitation. Blocked while a 容缺
// material is still owed.
func (s *Service) Conclude(ctx context.Context, id string, version int64, in ConcludeInput) (Case, error) {
	return s.transition(ctx, id, version, ActConclude, func(c *change) error {
		c.e.Reason = strings.TrimSpace(in.Note)
		return s.conclude(c)
	})
}

func (s *Service) conclude(c *change) error {
	if c.r.Facts.PendingOpen {
		return errs.New(errs.Conflict, "cases.conclude.pending_open")
	}
	// An approval is concluded once its fees are paid; a denial owes none.
	if err := checkFee(c, c.e.From == StApproved); err != nil {
		return err
	}
	it, err := s.item(c.t.ctx, c.r.ItemID, c.r.ItemVersion)
	if err != nil {
		return err
	}
	on := c.t.today
	var mats []Material
	if it.CertAction != "" && it.CertAction != "new" {
		if mats, err = s.st.materials(c.t.ctx, c.t.tx, c.r.ID); err != nil {
			return err
		}
	}
	replaces := licenceActedOn(c.r, it, mats)
	c.emitAfter(func(r *rec) { c.emit(TopicConcluded, concludedEvent(r, it, on, replaces)) })
	return nil
}

// DeliverInput records the delivery of the result (送达).
type DeliverInput struct {
	Method  string `json:"method" doc:"window, post or electronic"`
	Note    string `json:"note,omitempty" doc:"e.g. the courier's tracking number"`
	DocHash string `json:"doc_hash,omitempty" doc:"proof of delivery"`
}

// Deliver records that the result reached the applicant.
func (s *Service) Deliver(ctx context.Context, id string, version int64, in DeliverInput) (Case, error) {
	return s.transition(ctx, id, version, ActDeliver, func(c *change) error {
		switch in.Method {
		case "window", "post", "electronic":
		default:
			return errs.InvalidInput("cases.deliver.method").OnField("method")
		}
		if in.DocHash != "" {
			if !blob.ValidHash(in.DocHash) {
				return errs.InvalidInput("cases.deliver.doc").OnField("doc_hash")
			}
			c.e.Docs = []string{in.DocHash}
		}
		c.e.Reason = strings.TrimSpace(in.Note)
		c.set("method", in.Method)
		return nil
	})
}

// Termination reasons (DOMAIN §4.8).
var TerminateCodes = []string{"CorrectionExpired", "PendingExpired", "FalseMaterials", "ApplicantGone", "LawChanged",
	"Duplicate", "Other"}

// TerminateInput ends a case abnormally (终止办理).
type TerminateInput struct {
	Code   string `json:"code" doc:"CorrectionExpired, PendingExpired, FalseMaterials, ApplicantGone, LawChanged, Duplicate or Other"`
	Reason string `json:"reason"`
	Remedy string `json:"remedy,omitempty"`
}

// Terminate ends an open case with a reason from the list, approved by the section chief; open
// tasks are superseded and a written notice goes to the applicant.
func (s *Service) Terminate(ctx context.Context, id string, version int64, in TerminateInput) (Case, error) {
	return s.transition(ctx, id, version, ActTerminate, func(c *change) error {
		if !slices.Contains(TerminateCodes, in.Code) {
			return errs.InvalidInput("cases.terminate.code").OnField("code")
		}
		c.e.Reason = strings.TrimSpace(in.Reason)
		c.set("code", in.Code)
		c.r.Decision = &Decision{Outcome: OutcomeTerminate, Code: in.Code, Reasons: cleanList([]string{c.e.Reason}),
			Remedy: strings.TrimSpace(in.Remedy), On: c.t.today, By: c.t.a.id}
		refundDue(c)
		return s.supersedeAll(c, "terminate")
	})
}
