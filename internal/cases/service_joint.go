package cases

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/errs"
)

// Joint handling (联办, 行政许可法 art. 26): where an item names joint departments, the handling
// unit accepts the application alone and forwards it to each of them for an opinion, then
// decides for all. Each opinion is a task of the joint branch, open in the department's own
// unit; the step cannot move on, nor the case be decided, while one is open, and a return
// supersedes them with every other open task. Once asked, a department's staff see the case.

// ConsultInput asks the joint departments for their opinions.
type ConsultInput struct {
	Units []string `json:"units,omitempty" doc:"unit ids among the item's joint departments; empty: every one not already asked in this step"`
	Note  string   `json:"note" doc:"what the departments are asked to give an opinion on"`
}

// Consult opens one joint-opinion task per department beside the current step. The holder of
// the step's main task (or their AB-post substitute) or a section chief asks.
func (s *Service) Consult(ctx context.Context, id string, version int64, in ConsultInput) (Case, error) {
	return s.transition(ctx, id, version, ActConsult, func(c *change) error {
		ts, m, covering, err := c.branchFrom()
		if err != nil {
			return err
		}
		note := strings.TrimSpace(in.Note)
		if note == "" || utf8.RuneCountInString(note) > 2000 {
			return errs.InvalidInput("cases.consult.note").OnField("note")
		}
		it, err := s.item(c.t.ctx, c.r.ItemID, c.r.ItemVersion)
		if err != nil {
			return err
		}
		if len(it.JointDepts) == 0 {
			return errs.New(errs.Conflict, "cases.consult.none")
		}
		asked := func(ts []Task, u string) bool {
			return slices.ContainsFunc(ts, func(t Task) bool { return t.Branch == BranchJoint && t.UnitID == u })
		}
		var units []string
		for _, u := range cleanList(in.Units) {
			if !slices.Contains(units, u) {
				units = append(units, u)
			}
		}
		if len(units) == 0 {
			// Every department not asked in this round of the step: neither open nor answered
			// since the step's task opened (a return starts a new round).
			all, err := s.st.tasks(c.t.ctx, c.t.tx, c.r.ID, false)
			if err != nil {
				return err
			}
			round := slices.DeleteFunc(all, func(t Task) bool {
				return t.State == TaskSuperseded || t.Step != m.Step || t.OpenedAt.Before(m.OpenedAt)
			})
			for _, u := range it.JointDepts {
				if !asked(round, u) && u != c.r.HandlingUnit {
					units = append(units, u)
				}
			}
			if len(units) == 0 {
				return errs.New(errs.Conflict, "cases.consult.all_asked")
			}
		}
		for _, u := range units {
			switch {
			case !slices.Contains(it.JointDepts, u) || u == c.r.HandlingUnit:
				return errs.InvalidInput("cases.consult.unit").OnField("units").With("unit", u)
			case asked(ts, u):
				return errs.New(errs.Conflict, "cases.consult.asked").With("unit", u)
			}
		}
		var ids []string
		for _, u := range units {
			t := Task{ID: db.NewID(), CaseID: c.r.ID, Step: m.Step, StepName: "联办意见", Branch: BranchJoint,
				Role: auth.Reviewer, UnitID: u, State: TaskOpen, OpenedAt: c.t.now}
			if err := s.st.insertTask(c.t.ctx, c.t.tx, t); err != nil {
				return err
			}
			c.tasks = append(c.tasks, t)
			ids = append(ids, t.ID)
		}
		c.e.CoveringFor, c.e.Reason = covering, note
		c.set("units", units)
		c.set("tasks", ids)
		c.set("step", m.Step)
		return nil
	})
}

// JointOpinion records a joint department's opinion on its open task. A reviewer or section
// chief of that department gives it; the handling unit's step can move on once every
// department has answered.
func (s *Service) JointOpinion(ctx context.Context, id string, version int64, in AdvanceInput) (Case, error) {
	return s.transition(ctx, id, version, ActJointOpinion, func(c *change) error {
		if c.t.a.v == nil {
			return errs.ForbiddenErr() // the platform gives no department's opinion
		}
		ts, err := c.openTasks()
		if err != nil {
			return err
		}
		i := slices.IndexFunc(ts, func(t Task) bool {
			return t.Branch == BranchJoint && t.UnitID == c.t.a.v.UnitID && (in.TaskID == "" || t.ID == in.TaskID)
		})
		if i < 0 {
			return errs.New(errs.Conflict, "cases.task.not_open")
		}
		t := ts[i]
		opinion := strings.TrimSpace(in.Opinion)
		if opinion == "" || utf8.RuneCountInString(opinion) > 4000 {
			return errs.InvalidInput("cases.opinion.required").OnField("opinion")
		}
		if in.Outcome != "agree" && in.Outcome != "disagree" {
			return errs.InvalidInput("cases.opinion.outcome").OnField("outcome")
		}
		t.State, t.ClosedAt, t.ClosedBy, t.Outcome, t.Opinion = TaskDone, c.t.now, c.t.a.id, in.Outcome, opinion
		if err := s.st.closeTask(c.t.ctx, c.t.tx, t); err != nil {
			return err
		}
		c.tasks = slices.DeleteFunc(c.tasks, func(o Task) bool { return o.ID == t.ID })
		c.e.Reason = opinion
		c.set("task", t.ID)
		c.set("unit", t.UnitID)
		c.set("step", t.Step)
		c.set("branch", t.Branch)
		c.set("outcome", in.Outcome)
		if c.r.State == StSuspended {
			return nil // the to-do stays with whoever resumes the special procedure
		}
		return c.restoreTodo()
	})
}
