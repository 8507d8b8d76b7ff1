package cases

import (
	"bytes"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/db/dbtest"
	"onestamp/internal/platform/errs"
)

// reach drives a new case of the licence item (the direct item for pending receipt) into state
// st through the service, as people would. lease=false leaves the 容缺-able lease out.
func (f *fixture) reach(st State, lease bool) Case {
	f.t.Helper()
	online := func(it Item) Case {
		c := f.ok(f.svc.Open(as(alice), OpenInput{ItemID: it.ID, Applicant: f.applicant(),
			Form: map[string]string{"name": "小梅餐馆", "address": "A县人民路1号"}}))
		for i, m := range it.Materials {
			if m.Required && (lease || m.Code != "lease") {
				f.upload(alice, c.ID, m.Code, 1000+i, false)
			}
		}
		return f.get(c.ID)
	}
	received := func() Case {
		c := f.ok(f.svc.Open(as(clerkA), OpenInput{ItemID: f.licence.ID, Applicant: f.applicant(), OwnerID: alice.ID,
			WindowID: "A-01", Form: map[string]string{"name": "小梅餐馆", "address": "A县人民路1号"}}))
		for i, m := range f.licence.Materials {
			if m.Required && (lease || m.Code != "lease") {
				f.upload(clerkA, c.ID, m.Code, i, true)
			}
		}
		return f.ok(f.svc.Receive(as(clerkA), c.ID, c.Version, ReceiveInput{}))
	}
	accepted := func() Case {
		c := received()
		if !lease {
			return f.ok(f.svc.AcceptPending(as(clerkA), c.ID, c.Version, AcceptPendingInput{Materials: []string{"lease"},
				PromiseText: "承诺十个工作日内补交场所证明"}))
		}
		return f.ok(f.svc.Accept(as(clerkA), c.ID, c.Version, AcceptInput{}))
	}
	inReview := func() Case {
		c := accepted()
		return f.ok(f.svc.Advance(as(reviewerA), c.ID, c.Version, AdvanceInput{Outcome: "agree", Opinion: "同意"}))
	}
	decided := func(o Outcome) Case {
		c := inReview()
		in := DecideInput{Outcome: o, Opinion: "决定"}
		if o == OutcomeDeny {
			in.Reasons, in.Remedy = []string{"不符合条件"}, "可于六十日内申请行政复议"
		}
		return f.ok(f.svc.Decide(as(signerA), c.ID, c.Version, in))
	}
	switch st {
	case StDraft:
		return online(f.licence)
	case StSubmitted, StPrecheckReturned, StPrecheckPassed:
		c := online(f.licence)
		c = f.ok(f.svc.Submit(as(alice), c.ID, c.Version, SubmitInput{}))
		switch st {
		case StPrecheckReturned:
			return f.ok(f.svc.Precheck(as(clerkA), c.ID, c.Version, PrecheckInput{Defects: []Defect{{Material: "photo", Problem: "照片不清晰"}}}))
		case StPrecheckPassed:
			return f.ok(f.svc.Precheck(as(clerkA), c.ID, c.Version, PrecheckInput{Pass: true}))
		}
		return c
	case StPendingReceipt:
		c := online(f.direct)
		return f.ok(f.svc.Submit(as(alice), c.ID, c.Version, SubmitInput{}))
	case StReceived:
		return received()
	case StCorrection:
		c := received()
		return f.ok(f.svc.RequestCorrection(as(clerkA), c.ID, c.Version, CorrectionInput{Defects: []Defect{{Material: "application", Problem: "未签字"}}}))
	case StAccepted:
		return accepted()
	case StInReview:
		return inReview()
	case StSuspended:
		c := inReview()
		return f.ok(f.svc.Suspend(as(chiefA), c.ID, c.Version, SuspendInput{Kind: "testing", Reason: "送检", ExpectedWD: 5}))
	case StDenied:
		return decided(OutcomeDeny)
	case StApproved:
		return decided(OutcomeApprove)
	case StConcluded, StDelivered:
		c := decided(OutcomeApprove)
		if !lease {
			c = f.get(c.ID)
			f.upload(alice, c.ID, "lease", 77, false)
			c = f.get(c.ID)
		}
		c = f.ok(f.svc.Conclude(as(clerkA), c.ID, c.Version, ConcludeInput{}))
		if st == StDelivered {
			c = f.ok(f.svc.Deliver(as(clerkA), c.ID, c.Version, DeliverInput{Method: "post"}))
		}
		return c
	case StRejected:
		c := received()
		return f.ok(f.svc.Reject(as(chiefA), c.ID, c.Version, RejectInput{Reasons: []string{"不属于受理范围"}, Remedy: "行政复议"}))
	case StWithdrawn:
		c := received()
		return f.ok(f.svc.Withdraw(as(alice), c.ID, c.Version, WithdrawInput{Reason: "不再需要"}))
	case StTerminated:
		c := received()
		return f.ok(f.svc.Terminate(as(chiefA), c.ID, c.Version, TerminateInput{Code: "ApplicantGone", Reason: "联系不上申请人"}))
	}
	f.t.Fatalf("reach: no path to %s", st)
	return Case{}
}

// attempt is how a person permitted by the rule takes an action, with valid input. prep runs
// first (its writes are not counted; its errors are ignored: in a state the action does not
// allow, there may be nothing to prepare).
type attempt struct {
	who  *auth.Viewer // a permitted actor on the right side
	out  *auth.Viewer // a permitted role out of the case's scope (county B)
	prep func(f *fixture, c Case) Case
	do   func(f *fixture, v *auth.Viewer, c Case) (Case, error)
	// lease=false: the case is reached without the lease (accept_pending needs a missing one).
	noLease bool
}

func openTask(f *fixture, c Case) string {
	ts, _ := f.svc.Tasks(as(auditor), c.ID)
	for i := len(ts) - 1; i >= 0; i-- {
		if ts[i].State == TaskOpen && ts[i].Branch == BranchMain {
			return ts[i].ID
		}
	}
	return "none"
}

// toLastStep advances a case in review to its decision step.
func toLastStep(f *fixture, c Case) Case {
	if (c.State == StAccepted || c.State == StInReview) && c.Step == 0 {
		if n, err := f.svc.Advance(as(reviewerA), c.ID, c.Version, AdvanceInput{Outcome: "agree", Opinion: "同意"}); err == nil {
			return n
		}
	}
	return c
}

func checkOriginals(f *fixture, c Case) Case {
	mats, _ := f.svc.Materials(as(clerkA), c.ID)
	for _, m := range mats {
		if m.FileID != "" && m.Trust == TrustC {
			f.svc.CheckOriginal(as(clerkA), c.ID, m.FileID)
		}
	}
	return f.get(c.ID)
}

var attempts = map[Action]attempt{
	ActEdit: {who: clerkA, out: clerkB, do: func(f *fixture, v *auth.Viewer, c Case) (Case, error) {
		return f.svc.EditForm(as(v), c.ID, c.Version, map[string]string{"name": "新名称", "address": "新地址"})
	}},
	ActSubmit: {who: alice, out: bob, do: func(f *fixture, v *auth.Viewer, c Case) (Case, error) {
		return f.svc.Submit(as(v), c.ID, c.Version, SubmitInput{})
	}},
	ActPrecheckPass: {who: clerkA, out: clerkB, do: func(f *fixture, v *auth.Viewer, c Case) (Case, error) {
		return f.svc.Precheck(as(v), c.ID, c.Version, PrecheckInput{Pass: true})
	}},
	ActPrecheckReturn: {who: clerkA, out: clerkB, do: func(f *fixture, v *auth.Viewer, c Case) (Case, error) {
		return f.svc.Precheck(as(v), c.ID, c.Version, PrecheckInput{Defects: []Defect{{Field: "name", Problem: "名称不规范"}}})
	}},
	ActReceive: {who: clerkA, out: clerkB, do: func(f *fixture, v *auth.Viewer, c Case) (Case, error) {
		return f.svc.Receive(as(v), c.ID, c.Version, ReceiveInput{WindowID: "A-02"})
	}},
	ActCorrection: {who: clerkA, out: clerkB, do: func(f *fixture, v *auth.Viewer, c Case) (Case, error) {
		return f.svc.RequestCorrection(as(v), c.ID, c.Version, CorrectionInput{Defects: []Defect{{Material: "photo", Problem: "缺少照片"}}})
	}},
	ActResubmit: {who: alice, out: bob, prep: func(f *fixture, c Case) Case {
		f.svc.Upload(as(alice), c.ID, "application", bytes.NewReader(pdf(555)), UploadInput{Name: "a.pdf"})
		return f.get(c.ID)
	}, do: func(f *fixture, v *auth.Viewer, c Case) (Case, error) {
		return f.svc.Resubmit(as(v), c.ID, c.Version, ResubmitInput{})
	}},
	ActAccept: {who: clerkA, out: clerkB, prep: checkOriginals, do: func(f *fixture, v *auth.Viewer, c Case) (Case, error) {
		return f.svc.Accept(as(v), c.ID, c.Version, AcceptInput{})
	}},
	ActAcceptPending: {who: clerkA, out: clerkB, prep: checkOriginals, noLease: true, do: func(f *fixture, v *auth.Viewer, c Case) (Case, error) {
		return f.svc.AcceptPending(as(v), c.ID, c.Version, AcceptPendingInput{Materials: []string{"lease"}, PromiseText: "十日内补交"})
	}},
	ActReject: {who: chiefA, out: chiefB, do: func(f *fixture, v *auth.Viewer, c Case) (Case, error) {
		return f.svc.Reject(as(v), c.ID, c.Version, RejectInput{Reasons: []string{"不符合受理条件"}, Remedy: "行政复议"})
	}},
	ActClaim: {who: signerA, out: signerB, do: func(f *fixture, v *auth.Viewer, c Case) (Case, error) {
		// The first step's task is a reviewer's: the same person's reviewer colleague claims it.
		if c.Step == 0 && v == signerA {
			v = reviewerA
		} else if c.Step == 0 && v == signerB {
			v = reviewerB
		}
		return f.svc.Claim(as(v), c.ID, c.Version, openTask(f, c))
	}},
	ActAssign: {who: chiefA, out: chiefB, do: func(f *fixture, v *auth.Viewer, c Case) (Case, error) {
		return f.svc.Assign(as(v), c.ID, c.Version, AssignInput{TaskID: openTask(f, c), UserID: reviewer2.ID})
	}},
	ActAdvance: {who: reviewerA, out: reviewerB, prep: func(f *fixture, c Case) Case {
		if c.State == StInReview && c.Step > 0 {
			if n, err := f.svc.ReturnTo(as(signerA), c.ID, c.Version, ReturnInput{Step: 0, Reason: "退回重审"}); err == nil {
				return n
			}
		}
		return c
	}, do: func(f *fixture, v *auth.Viewer, c Case) (Case, error) {
		return f.svc.Advance(as(v), c.ID, c.Version, AdvanceInput{Outcome: "agree", Opinion: "同意"})
	}},
	ActInspection: {who: chiefA, out: chiefB, do: func(f *fixture, v *auth.Viewer, c Case) (Case, error) {
		return f.svc.RequestInspection(as(v), c.ID, c.Version, InspectionInput{Assignee: reviewer2.ID, Note: "核查场所"})
	}},
	ActReturnTo: {who: signerA, out: signerB, do: func(f *fixture, v *auth.Viewer, c Case) (Case, error) {
		return f.svc.ReturnTo(as(v), c.ID, c.Version, ReturnInput{Step: 0, Reason: "请补充审查意见"})
	}},
	ActSuspend: {who: chiefA, out: chiefB, do: func(f *fixture, v *auth.Viewer, c Case) (Case, error) {
		return f.svc.Suspend(as(v), c.ID, c.Version, SuspendInput{Kind: "专家评审", Reason: "专家评审", ExpectedWD: 5})
	}},
	ActResume: {who: reviewerA, out: reviewerB, do: func(f *fixture, v *auth.Viewer, c Case) (Case, error) {
		return f.svc.Resume(as(v), c.ID, c.Version, ResumeInput{Result: "检测合格"})
	}},
	ActExtend: {who: headA, out: headB, do: func(f *fixture, v *auth.Viewer, c Case) (Case, error) {
		return f.svc.Extend(as(v), c.ID, c.Version, ExtendInput{Reason: "情况复杂"})
	}},
	ActDecide: {who: signerA, out: signerB, prep: toLastStep, do: func(f *fixture, v *auth.Viewer, c Case) (Case, error) {
		return f.svc.Decide(as(v), c.ID, c.Version, DecideInput{Outcome: OutcomeApprove, Opinion: "准予"})
	}},
	ActConclude: {who: signerA, out: signerB, do: func(f *fixture, v *auth.Viewer, c Case) (Case, error) {
		return f.svc.Conclude(as(v), c.ID, c.Version, ConcludeInput{})
	}},
	ActDeliver: {who: clerkA, out: clerkB, do: func(f *fixture, v *auth.Viewer, c Case) (Case, error) {
		return f.svc.Deliver(as(v), c.ID, c.Version, DeliverInput{Method: "window"})
	}},
	ActWithdraw: {who: alice, out: bob, do: func(f *fixture, v *auth.Viewer, c Case) (Case, error) {
		return f.svc.Withdraw(as(v), c.ID, c.Version, WithdrawInput{Reason: "不再需要"})
	}},
	ActTerminate: {who: chiefA, out: chiefB, do: func(f *fixture, v *auth.Viewer, c Case) (Case, error) {
		return f.svc.Terminate(as(v), c.ID, c.Version, TerminateInput{Code: "Duplicate", Reason: "重复申请"})
	}},
}

// notPermitted returns a viewer in the case's scope whose role the rule does not admit.
func notPermitted(r Rule) *auth.Viewer {
	for _, v := range []*auth.Viewer{auditor, clerkA, reviewerA, chiefA, signerA, headA, alice} {
		if !r.Permits(v.Role) {
			return v
		}
	}
	return nil
}

// TestTransitionTable walks the whole table: every public action from every state, by a
// permitted person (allowed → done; otherwise a conflict), by a person whose role may not take
// it (forbidden), by a permitted role of another county (not found), and on a stale version
// (conflict). Nothing is written by any refused attempt.
func TestTransitionTable(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.clock.on("2025-11-03")
		covered := map[Action]bool{}
		done := map[Action]int{}
		for _, rule := range Transitions {
			at, ok := attempts[rule.Action]
			if !ok {
				continue // system transitions and supply: their own tests
			}
			covered[rule.Action] = true
			for _, st := range States {
				name := fmt.Sprintf("%s/from_%s", rule.Action, st)
				c := f.reach(st, !at.noLease)
				if c.State != st {
					t.Fatalf("%s: reach gave state %s", name, c.State)
				}
				if at.prep != nil {
					c = at.prep(f, c)
				}
				before := f.counts()
				refused := func(what string, err error, code errs.Code, key string) {
					t.Helper()
					if err == nil {
						t.Fatalf("%s: %s was allowed", name, what)
					}
					if e := errs.As(err); e.Code != code || (key != "" && e.Key != key) {
						t.Fatalf("%s: %s: got %v, want %s %s", name, what, err, code, key)
					}
					if after := f.counts(); after != before {
						t.Fatalf("%s: %s wrote %+v → %+v", name, what, before, after)
					}
				}
				if at.out != nil {
					_, err := at.do(f, at.out, c)
					refused("out of scope", err, errs.NotFound, "cases.not_found")
				}
				if v := notPermitted(rule); v != nil {
					_, err := at.do(f, v, c)
					refused("wrong role "+string(v.Role), err, errs.Forbidden, "")
				}
				if !rule.Allows(c.State) {
					_, err := at.do(f, at.who, c)
					refused("from this state", err, errs.Conflict, "cases.state")
					continue
				}
				stale := c
				stale.Version--
				_, err := at.do(f, at.who, stale)
				refused("stale version", err, errs.Conflict, "cases.version.stale")
				got, err := at.do(f, at.who, c)
				if err != nil {
					t.Fatalf("%s: allowed transition failed: %v", name, err)
				}
				done[rule.Action]++
				// The row as stored is the case the transition answered with: the update writes
				// only the columns that changed, and must not miss one.
				if stored := f.get(c.ID); !reflect.DeepEqual(stored, got) {
					t.Errorf("%s: stored case differs from the answer:\nstored %+v\nanswer %+v", name, stored, got)
				}
				if got.Version != c.Version+1 {
					t.Errorf("%s: version %d → %d", name, c.Version, got.Version)
				}
				if rule.To != 0 && got.State != rule.To {
					t.Errorf("%s: state %s, want %s", name, got.State, rule.To)
				}
				after := f.counts()
				if after.events != before.events+1 && rule.Action != ActSubmit {
					t.Errorf("%s: %d events written, want 1", name, after.events-before.events)
				}
				if after.audit <= before.audit || after.outbox <= before.outbox {
					t.Errorf("%s: no audit record or outbox event", name)
				}
				evs := val[[]Event](t)(f.svc.Events(as(auditor), c.ID))
				last := evs[len(evs)-1]
				if last.Action != rule.Action || last.From != c.State || last.To != got.State || last.Actor != at.who.ID &&
					!slices.Contains([]string{reviewerA.ID, reviewerB.ID}, last.Actor) {
					t.Errorf("%s: last event %+v", name, last)
				}
			}
		}
		for a := range attempts {
			if !covered[a] {
				t.Errorf("attempt for %s has no rule", a)
			}
			rule, _ := RuleFor(a)
			if done[a] != len(rule.From) {
				t.Errorf("%s: done from %d states, the table allows %d", a, done[a], len(rule.From))
			}
		}
	})
}
