package cases

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"onestamp/client"
	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/db/dbtest"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/workday"
)

// Staff of two joint departments: one in county B (who sees county A's case only once asked),
// one in county A.
var (
	policeRev   = &auth.Viewer{Kind: auth.KindStaff, ID: "u-police-b", Name: "公安乙", UnitID: "police-b", RegionCode: countyB, Role: auth.Reviewer, Roles: []auth.Role{auth.Reviewer}}
	policeChief = &auth.Viewer{Kind: auth.KindStaff, ID: "u-police-chief-b", Name: "公安科长乙", UnitID: "police-b", RegionCode: countyB, Role: auth.Chief, Roles: []auth.Role{auth.Chief}}
	fireRev     = &auth.Viewer{Kind: auth.KindStaff, ID: "u-fire-a", Name: "消防甲", UnitID: "fire-a", RegionCode: countyA, Role: auth.Reviewer, Roles: []auth.Role{auth.Reviewer}}
)

// jointAccepted is a walk-in case of the joint item, accepted: its first step is open.
func (f *fixture) jointAccepted() Case {
	f.t.Helper()
	c := f.walkIn(f.jointItem())
	return f.ok(f.svc.Accept(as(clerkA), c.ID, c.Version, AcceptInput{}))
}

func (f *fixture) jointItem() Item {
	it := f.licence
	it.ID, it.Code, it.Name, it.JointDepts = "item-joint", "L-009", "临时占用、挖掘城市道路审批", []string{"police-b", "fire-a"}
	return f.cat.publish(it, workday.MustDate("2025-01-01"), "bureau-a")
}

// Joint handling (联办, art. 26): the handling unit asks the joint departments; each answers in
// its own unit, from its own queue; the step waits for every answer; a return supersedes the
// open ones; the history keeps every opinion.
func TestJointOpinions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.clock.on("2025-11-03")
		c := f.jointAccepted()

		// Before it is asked, a department in another county does not see the case.
		if _, err := f.svc.Get(as(policeRev), c.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("police before consult: %v", err)
		}
		// Asking needs a note, and only the item's joint departments may be asked.
		_, err := f.svc.Consult(as(reviewerA), c.ID, c.Version, ConsultInput{})
		wantErr(t, err, errs.Invalid, "cases.consult.note")
		_, err = f.svc.Consult(as(reviewerA), c.ID, c.Version, ConsultInput{Units: []string{"bureau-b"}, Note: "请提出意见"})
		wantErr(t, err, errs.Invalid, "cases.consult.unit")
		_, err = f.svc.Consult(as(policeRev), c.ID, c.Version, ConsultInput{Note: "请提出意见"})
		wantErr(t, err, errs.NotFound, "cases.not_found")
		before := f.counts()
		c = f.ok(f.svc.Consult(as(reviewerA), c.ID, c.Version, ConsultInput{Note: "拟占用人民路东侧人行道，请就交通安全与消防通道提出意见"}))
		after := f.counts()
		if after.tasks != before.tasks+2 || after.events != before.events+1 || after.audit != before.audit+1 {
			t.Fatalf("consult wrote %+v → %+v", before, after)
		}
		// Asked twice while open: refused.
		_, err = f.svc.Consult(as(reviewerA), c.ID, c.Version, ConsultInput{Units: []string{"police-b"}, Note: "再次征求"})
		wantErr(t, err, errs.Conflict, "cases.consult.asked")

		// Each department finds the case in its joint queue, and only its own.
		for _, v := range []*auth.Viewer{policeRev, policeChief, fireRev} {
			pg := val[Page](t)(f.svc.Queue(as(v), QueueQuery{Queue: QueueJoint}))
			if len(pg.Items) != 1 || pg.Items[0].ID != c.ID {
				t.Fatalf("%s's joint queue: %+v", v.Name, pg.Items)
			}
		}
		if pg := val[Page](t)(f.svc.Queue(as(reviewerA), QueueQuery{Queue: QueueJoint})); len(pg.Items) != 0 {
			t.Fatalf("the handling unit's joint queue: %+v", pg.Items)
		}
		_, err = f.svc.Queue(as(clerkA), QueueQuery{Queue: QueueJoint})
		wantErr(t, err, errs.Forbidden, "")
		// The police now see the case, its history and its tasks.
		if got := f.ok(f.svc.Get(as(policeRev), c.ID)); got.No != c.No {
			t.Fatalf("police see %q", got.No)
		}
		ts := val[[]Task](t)(f.svc.Tasks(as(policeRev), c.ID))
		var policeTask Task
		for _, x := range ts {
			if x.Branch == BranchJoint && x.UnitID == "police-b" {
				policeTask = x
			}
		}
		if policeTask.ID == "" || policeTask.State != TaskOpen {
			t.Fatalf("tasks seen by the police: %+v", ts)
		}

		// The handling reviewer can neither move on nor answer for a department.
		_, err = f.svc.Advance(as(reviewerA), c.ID, c.Version, AdvanceInput{Outcome: "agree", Opinion: "同意"})
		wantErr(t, err, errs.Conflict, "cases.step.branches_open")
		_, err = f.svc.Advance(as(reviewerA), c.ID, c.Version, AdvanceInput{TaskID: policeTask.ID, Outcome: "agree", Opinion: "同意"})
		wantErr(t, err, errs.Forbidden, "cases.task.joint")
		_, err = f.svc.Claim(as(reviewerA), c.ID, c.Version, policeTask.ID)
		wantErr(t, err, errs.Forbidden, "cases.task.joint")
		// The fire brigade cannot answer the police's task.
		_, err = f.svc.JointOpinion(as(fireRev), c.ID, c.Version, AdvanceInput{TaskID: policeTask.ID, Outcome: "agree", Opinion: "同意"})
		wantErr(t, err, errs.Conflict, "cases.task.not_open")
		// An opinion needs words and an outcome.
		_, err = f.svc.JointOpinion(as(policeRev), c.ID, c.Version, AdvanceInput{Outcome: "agree"})
		wantErr(t, err, errs.Invalid, "cases.opinion.required")

		c = f.ok(f.svc.JointOpinion(as(policeRev), c.ID, c.Version, AdvanceInput{Outcome: "agree", Opinion: "同意，施工期间须设置交通警示标志"}))
		if pg := val[Page](t)(f.svc.Queue(as(policeRev), QueueQuery{Queue: QueueJoint})); len(pg.Items) != 0 {
			t.Fatalf("police queue after answering: %+v", pg.Items)
		}
		// The handling step still waits for the fire brigade; a return supersedes its task.
		_, err = f.svc.Advance(as(reviewerA), c.ID, c.Version, AdvanceInput{Outcome: "agree", Opinion: "同意"})
		wantErr(t, err, errs.Conflict, "cases.step.branches_open")
		c = f.ok(f.svc.JointOpinion(as(fireRev), c.ID, c.Version, AdvanceInput{Outcome: "disagree", Opinion: "占用部分为消防通道，不同意"}))
		if c.Todo.Role != auth.Reviewer || c.Todo.UnitID != "bureau-a" {
			t.Fatalf("the to-do after the last opinion: %+v", c.Todo)
		}
		// A second round (the applicant changed the plan): the step waits again.
		c = f.ok(f.svc.Consult(as(chiefA), c.ID, c.Version, ConsultInput{Units: []string{"fire-a"}, Note: "申请人已调整占道方案，请再次提出意见"}))
		_, err = f.svc.Advance(as(reviewerA), c.ID, c.Version, AdvanceInput{Outcome: "agree", Opinion: "同意"})
		wantErr(t, err, errs.Conflict, "cases.step.branches_open")
		c = f.ok(f.svc.JointOpinion(as(fireRev), c.ID, c.Version, AdvanceInput{Outcome: "agree", Opinion: "调整后不占用消防通道，同意"}))
		c = f.ok(f.svc.Advance(as(reviewerA), c.ID, c.Version, AdvanceInput{Outcome: "agree", Opinion: "同意"}))
		if c.Step != 1 {
			t.Fatalf("step after the opinions: %d", c.Step)
		}
		// At the decision step the signer may not decide while a department is asked; a return
		// supersedes the open opinion, and the police keep seeing the case they were asked about.
		c = f.ok(f.svc.Consult(as(chiefA), c.ID, c.Version, ConsultInput{Units: []string{"police-b"}, Note: "请确认施工时段"}))
		_, err = f.svc.Decide(as(signerA), c.ID, c.Version, DecideInput{Outcome: OutcomeApprove, Opinion: "准予"})
		wantErr(t, err, errs.Conflict, "cases.step.branches_open")
		c = f.ok(f.svc.ReturnTo(as(signerA), c.ID, c.Version, ReturnInput{Step: 0, Reason: "施工时段需重新审查"}))
		if pg := val[Page](t)(f.svc.Queue(as(policeRev), QueueQuery{Queue: QueueJoint})); len(pg.Items) != 0 {
			t.Fatalf("police queue after the return: %+v", pg.Items)
		}
		_, err = f.svc.JointOpinion(as(policeRev), c.ID, c.Version, AdvanceInput{Outcome: "agree", Opinion: "同意"})
		wantErr(t, err, errs.Forbidden, "cases.forbidden.side")
		f.ok(f.svc.Get(as(policeRev), c.ID))

		ts = val[[]Task](t)(f.svc.Tasks(as(auditor), c.ID))
		n := map[string]int{}
		for _, x := range ts {
			if x.Branch == BranchJoint {
				n[x.UnitID+"/"+x.State+"/"+x.Outcome]++
			}
		}
		want := map[string]int{"police-b/done/agree": 1, "police-b/superseded/return": 1, "fire-a/done/disagree": 1, "fire-a/done/agree": 1}
		if len(n) != len(want) {
			t.Fatalf("joint tasks: %v", n)
		}
		for k, v := range want {
			if n[k] != v {
				t.Errorf("joint tasks %s: %d, want %d (%v)", k, n[k], v, n)
			}
		}
		evs := val[[]Event](t)(f.svc.Events(as(auditor), c.ID))
		acts := actions(evs)
		if got := countOf(acts, "consult"); got != 3 {
			t.Errorf("consult events: %d in %v", got, acts)
		}
		if got := countOf(acts, "joint_opinion"); got != 3 {
			t.Errorf("opinion events: %d in %v", got, acts)
		}
		// The stored facts equal the fold of the history.
		if got := foldFacts(evs); !slices.Equal(got.Consulted, []string{"police-b", "fire-a"}) {
			t.Errorf("consulted: %v", got.Consulted)
		}
	})
}

func countOf(xs []string, x string) int {
	n := 0
	for _, y := range xs {
		if y == x {
			n++
		}
	}
	return n
}

// The same through the public client: the handling reviewer asks, the police answer from their
// queue, the reviewer moves on.
func TestJointOpinionsThroughTheAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.clock.on("2025-11-03")
		srv, _ := apiServer(t, f)
		ctx := context.Background()
		reviewer, police, fire := clientAs(srv, reviewerA), clientAs(srv, policeRev), clientAs(srv, fireRev)
		c := f.jointAccepted()

		_, err := reviewer.ConsultJointDepts(ctx, c.ID, c.Version, []string{"bureau-b"}, "请提出意见")
		var ce *client.Error
		if !errors.As(err, &ce) || ce.Status != http.StatusUnprocessableEntity && ce.Status != http.StatusBadRequest || ce.Field != "units" {
			t.Fatalf("consulting a unit that is no joint department: %v", err)
		}
		got, err := reviewer.ConsultJointDepts(ctx, c.ID, c.Version, nil, "拟占用人民路东侧人行道，请提出意见")
		if err != nil {
			t.Fatal(err)
		}
		for _, cl := range []*client.Client{police, fire} {
			pg, err := cl.CaseQueue(ctx, client.CaseQueueQuery{Queue: "joint"})
			if err != nil || len(pg.Items) != 1 || pg.Items[0].ID != c.ID {
				t.Fatalf("joint queue: %+v %v", pg, err)
			}
		}
		if got, err = police.RecordJointOpinion(ctx, c.ID, got.Version, "", "agree", "同意"); err != nil {
			t.Fatal(err)
		}
		if _, err = reviewer.AdvanceCase(ctx, c.ID, got.Version, "", "agree", "同意"); err == nil {
			t.Fatal("moved on while the fire brigade had not answered")
		}
		if got, err = fire.RecordJointOpinion(ctx, c.ID, got.Version, "", "agree", "同意"); err != nil {
			t.Fatal(err)
		}
		if got, err = reviewer.AdvanceCase(ctx, c.ID, got.Version, "", "agree", "同意"); err != nil || got.Step != 1 {
			t.Fatalf("advance after the opinions: %+v %v", got, err)
		}
		ts, err := police.CaseTasks(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		joint := 0
		for _, x := range ts {
			if x.Branch == "joint" && x.State == "done" {
				joint++
			}
		}
		if joint != 2 {
			t.Errorf("done joint tasks seen by the police: %d of %+v", joint, ts)
		}
	})
}

// The pages: the reviewer asks from the case page; the police find the case under the 联办意见
// tab, open it, and answer; the opinions table names the department.
func TestPagesJointOpinions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newSite(t, d)
		f := s.fixture
		f.clock.on("2025-11-03")
		c := f.jointAccepted()
		path := StaffBase + "/" + c.ID

		if p := s.get("policeRev", path); p.status != http.StatusNotFound {
			t.Fatalf("the police open the case before being asked: %d", p.status)
		}
		p := s.get("reviewerA", path)
		if !strings.Contains(p.body, `id="act-consult"`) {
			t.Fatalf("the reviewer is offered no consult form: %s", p.text())
		}
		wantText(t, p, "征求联办部门意见", "B县公安局", "A县消防救援大队")
		// Without the note the form comes back with the field marked.
		p = s.post("reviewerA", path+"/consult", url.Values{"version": {fmt.Sprint(c.Version)}, "units": {"police-b"}})
		if p.status != http.StatusUnprocessableEntity {
			t.Fatalf("consult without a note: %d", p.status)
		}
		wantText(t, p, "请写明征求意见的事项")
		p = s.follow("reviewerA", s.post("reviewerA", path+"/consult", url.Values{"version": {fmt.Sprint(c.Version)},
			"units": {"police-b"}, "note": {"请就交通安全提出意见"}}))
		wantText(t, p, "已向联办部门征求意见", "联办意见 · B县公安局")
		if strings.Contains(p.body, `id="act-advance"`) {
			t.Errorf("the reviewer may move on while the police have not answered")
		}
		if strings.Contains(p.text(), "认领“联办意见”") {
			t.Errorf("the reviewer is offered to take the police's task")
		}

		p = s.get("policeRev", StaffBase+"?queue=joint")
		wantText(t, p, "联办意见", c.No)
		p = s.get("policeRev", path)
		if p.status != http.StatusOK {
			t.Fatalf("the police open the case: %d", p.status)
		}
		m := regexp.MustCompile(`id="act-joint-([0-9a-f-]+)"`).FindStringSubmatch(p.body)
		if m == nil {
			t.Fatalf("the police are offered no opinion form: %s", p.text())
		}
		if strings.Contains(p.body, `id="act-consult"`) || strings.Contains(p.body, `id="act-advance"`) {
			t.Errorf("the police are offered the handling unit's forms")
		}
		c = f.get(c.ID)
		p = s.follow("policeRev", s.post("policeRev", path+"/joint-opinion", url.Values{"version": {fmt.Sprint(c.Version)},
			"task_id": {m[1]}, "outcome": {"agree"}, "opinion": {"同意，施工期间设置警示标志"}}))
		wantText(t, p, "本部门意见已提交", "同意，施工期间设置警示标志", "B县公安局：同意")
		if strings.Contains(p.body, `id="act-joint-`) {
			t.Errorf("the opinion form is still offered")
		}
		p = s.get("reviewerA", path)
		if !strings.Contains(p.body, `id="act-advance"`) {
			t.Errorf("the reviewer cannot move on after the opinion")
		}
	})
}

// A department's queue pages by keyset, oldest question first.
func TestJointQueuePages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.clock.on("2025-11-03")
		it := f.jointItem()
		var want []string
		for i := range 5 {
			f.clock.on(fmt.Sprintf("2025-11-%02d", 3+i))
			c := f.walkIn(it)
			c = f.ok(f.svc.Accept(as(clerkA), c.ID, c.Version, AcceptInput{}))
			f.ok(f.svc.Consult(as(reviewerA), c.ID, c.Version, ConsultInput{Units: []string{"police-b"}, Note: "请提出意见"}))
			want = append(want, c.ID)
		}
		var got []string
		q := QueueQuery{Queue: QueueJoint, Limit: 2}
		for pages := 0; ; pages++ {
			pg := val[Page](t)(f.svc.Queue(as(policeRev), q))
			for _, x := range pg.Items {
				got = append(got, x.ID)
			}
			if pg.Next == "" {
				if pages != 2 {
					t.Errorf("%d pages", pages+1)
				}
				break
			}
			q.After = pg.Next
		}
		if !slices.Equal(got, want) {
			t.Fatalf("pages gave %v, want %v (oldest first)", got, want)
		}
	})
}

// The edges of asking: a department named twice is asked once; asking "every department" after
// all have answered in this round asks nobody; a 告知承诺 approval at once waits for the opinions;
// only the posts that give opinions see the case, and they do not unmask the applicant; the
// opinion shows in the department's 已办.
func TestJointEdges(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.clock.on("2025-11-03")
		c := f.jointAccepted()
		c = f.ok(f.svc.Consult(as(reviewerA), c.ID, c.Version, ConsultInput{Units: []string{"police-b", "police-b", " police-b "}, Note: "请提出意见"}))
		if pg := val[Page](t)(f.svc.Queue(as(policeRev), QueueQuery{Queue: QueueJoint})); len(pg.Items) != 1 {
			t.Fatalf("a department named thrice: %d rows in its queue", len(pg.Items))
		}
		c = f.ok(f.svc.Consult(as(reviewerA), c.ID, c.Version, ConsultInput{Note: "请消防部门提出意见"})) // the fire brigade only
		c = f.ok(f.svc.JointOpinion(as(policeRev), c.ID, c.Version, AdvanceInput{Outcome: "agree", Opinion: "同意"}))
		c = f.ok(f.svc.JointOpinion(as(fireRev), c.ID, c.Version, AdvanceInput{Outcome: "agree", Opinion: "同意"}))
		_, err := f.svc.Consult(as(reviewerA), c.ID, c.Version, ConsultInput{Note: "再次征求"})
		wantErr(t, err, errs.Conflict, "cases.consult.all_asked")
		// Naming a department again is a new question (the plan changed).
		c = f.ok(f.svc.Consult(as(reviewerA), c.ID, c.Version, ConsultInput{Units: []string{"fire-a"}, Note: "方案已调整，请再次提出意见"}))
		c = f.ok(f.svc.JointOpinion(as(fireRev), c.ID, c.Version, AdvanceInput{Outcome: "agree", Opinion: "同意"}))

		// Other posts of the department do not see the case; the reviewer does not unmask.
		policeClerk := &auth.Viewer{Kind: auth.KindStaff, ID: "u-police-clerk", Name: "公安窗口", UnitID: "police-b",
			RegionCode: countyB, Role: auth.Clerk, Roles: []auth.Role{auth.Clerk}, Perms: []auth.Permission{auth.PermUnmask}}
		if _, err := f.svc.Get(as(policeClerk), c.ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("a clerk of the police sees the case: %v", err)
		}
		withPerm := *policeChief
		withPerm.Perms = []auth.Permission{auth.PermUnmask}
		f.ok(f.svc.Get(as(&withPerm), c.ID))
		_, err = f.svc.Unmask(as(&withPerm), c.ID)
		wantErr(t, err, errs.Forbidden, "")
		// The police reviewer's 已办 holds the case.
		pg := val[Page](t)(f.svc.Queue(as(policeRev), QueueQuery{Queue: QueueDone}))
		if len(pg.Items) != 1 || pg.Items[0].ID != c.ID {
			t.Errorf("the police's 已办: %+v", pg.Items)
		}

		// 告知承诺: approval at once waits for an open opinion.
		pr := f.promise
		pr.ID, pr.Code, pr.JointDepts = "item-promise-joint", "P-009", []string{"police-b"}
		pr = f.cat.publish(pr, workday.MustDate("2025-01-01"), "bureau-a")
		p := f.ok(f.svc.Open(as(alice), OpenInput{ItemID: pr.ID, Applicant: f.applicant(),
			Form: map[string]string{"name": "小梅旅馆"}, Promise: &PromiseInput{Method: "e_signature"}}))
		p = f.ok(f.svc.Submit(as(alice), p.ID, p.Version, SubmitInput{}))
		p = f.ok(f.svc.Precheck(as(clerkA), p.ID, p.Version, PrecheckInput{Pass: true}))
		p = f.ok(f.svc.Receive(as(clerkA), p.ID, p.Version, ReceiveInput{}))
		p = f.ok(f.svc.Accept(as(clerkA), p.ID, p.Version, AcceptInput{}))
		p = f.ok(f.svc.Consult(as(reviewerA), p.ID, p.Version, ConsultInput{Note: "请提出意见"}))
		_, err = f.svc.Decide(as(signerA), p.ID, p.Version, DecideInput{Outcome: OutcomeApprove, Opinion: "承诺制当场准予"})
		wantErr(t, err, errs.Conflict, "cases.step.branches_open")
		p = f.ok(f.svc.JointOpinion(as(policeRev), p.ID, p.Version, AdvanceInput{Outcome: "agree", Opinion: "同意"}))
		if p = f.ok(f.svc.Decide(as(signerA), p.ID, p.Version, DecideInput{Outcome: OutcomeApprove, Opinion: "承诺制当场准予"})); p.State != StApproved {
			t.Fatalf("state after the opinion and the decision: %s", p.State)
		}
	})
}
