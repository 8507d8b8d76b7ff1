package app_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"onestamp/client"
	"onestamp/internal/app/apptest"
)

// fixedClock is the application's clock in the end-to-end test: a business day in Shanghai that
// the test moves forward between steps.
type fixedClock struct {
	mu  sync.Mutex
	now time.Time
}

var shanghai = time.FixedZone("CST", 8*3600)

// on sets the clock to 10:00 Shanghai time of the day (YYYY-MM-DD).
func (c *fixedClock) on(t *testing.T, day string) {
	t.Helper()
	d, err := time.ParseInLocation("2006-01-02 15:04", day+" 10:00", shanghai)
	if err != nil {
		t.Fatal(err)
	}
	c.mu.Lock()
	c.now = d
	c.mu.Unlock()
}

func (c *fixedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// TestE2ECaseLifecycle is the cases issue's end-to-end walk through the public client: online
// application → correction → acceptance → suspension for an expert review → return to the first
// review step → extension → approval → conclusion → delivery, on the statutory working-day clock.
//
// The item is 医师执业注册 of the demo catalogue: online (全程网办), for natural persons,
// statutory limit 20 wd, promised limit 5 wd. The walk crosses National Day 2025. The expected
// dates are computed by hand from the official 2025 table (DOMAIN.md §2), never with the workday
// package:
//
//	holidays 2025-10-01 … 10-08 (Wed … Wed); make-up workdays Sun 09-28 and Sat 10-11.
//	Workdays around it: Fri 09-26, Sun 09-28, Mon 09-29, Tue 09-30, | Thu 10-09, Fri 10-10,
//	Sat 10-11, Mon 10-13 … Fri 10-17, Mon 10-20 … Fri 10-24, Mon 10-27 … and every Mon–Fri of
//	November and early December 2025 (no holidays there).
//
// A limit of n wd from day S ends on the n-th workday after S (S itself not counted).
func TestE2ECaseLifecycle(t *testing.T) {
	engines(t, func(t *testing.T, o apptest.Options) {
		clk := &fixedClock{}
		clk.on(t, "2025-09-25")
		o.Now = clk.Now
		a := apptest.Start(t, o)
		ctx := context.Background()

		// Sessions expire on the application's clock, so whoever acts signs in again on each new
		// day, once (the login rate limit allows 20 in a burst): as(who) is their client today.
		clerkUnit := "" // the unit of the clerk who receives the online application, once known
		var today map[string]*client.Client
		var last *client.Client // the most recent actor, used to read the case back
		as := func(who string) *client.Client {
			t.Helper()
			if c := today[who]; c != nil {
				last = c
				return c
			}
			c := a.Client()
			var err error
			switch who {
			case "app":
				_, err = c.LoginApplicant(ctx, demoApplicantID, apptest.DemoPassword)
			case "clerk":
				if clerkUnit == "" {
					t.Fatal("no clerk before the online application is known")
				}
				_, err = c.Login(ctx, bureauClerk, bureauClerkPassword)
			default:
				// The demo chief also holds the reviewer's role: act in the role named.
				if _, err = c.Login(ctx, who, apptest.DemoPassword); err == nil {
					_, err = c.SwitchRole(ctx, who)
				}
			}
			if err != nil {
				t.Fatalf("%s signs in: %v", who, err)
			}
			today[who], last = c, c
			return c
		}
		day := func(d string) {
			t.Helper()
			clk.on(t, d)
			today, last = map[string]*client.Client{}, nil
		}
		reader := func() *client.Client {
			if last == nil {
				return as("reviewer")
			}
			return last
		}
		day("2025-09-25")

		ok := func(c *client.Case, err error) *client.Case {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		reload := func(c *client.Case) *client.Case {
			t.Helper()
			return ok(reader().Case(ctx, c.ID))
		}
		type want struct {
			state, promised, statutory string
			remaining                  int
			level                      string
		}
		expect := func(what string, c *client.Case, w want) {
			t.Helper()
			if c.StateName != w.state {
				t.Errorf("%s: state %s, want %s", what, c.StateName, w.state)
			}
			if c.Clock.PromisedDue != w.promised || c.Clock.StatutoryDue != w.statutory {
				t.Errorf("%s: promised %q statutory %q, want %q and %q", what, c.Clock.PromisedDue, c.Clock.StatutoryDue,
					w.promised, w.statutory)
			}
			if w.level != "" && (c.Clock.RemainingWD != w.remaining || c.Clock.Level != w.level) {
				t.Errorf("%s: %d wd left (%s), want %d (%s)", what, c.Clock.RemainingWD, c.Clock.Level, w.remaining, w.level)
			}
		}
		// unchanged checks that a refused transition wrote nothing: same version, same history.
		unchanged := func(what string, before *client.Case, nEvents int) {
			t.Helper()
			after := reload(before)
			evs, err := reader().CaseEvents(ctx, before.ID)
			if err != nil {
				t.Fatal(err)
			}
			if after.Version != before.Version || after.StateName != before.StateName || len(evs) != nEvents {
				t.Errorf("%s wrote something: version %d → %d, state %s → %s, %d → %d events", what, before.Version,
					after.Version, before.StateName, after.StateName, nEvents, len(evs))
			}
		}
		events := func(c *client.Case) int {
			t.Helper()
			evs, err := reader().CaseEvents(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			return len(evs)
		}

		// ---- Thu 2025-09-25: the applicant finds the item and applies online ----
		itemID, form := physicianItem(t, as("app"))
		c := ok(as("app").OpenCase(ctx, client.OpenCaseInput{ItemID: itemID, Form: form}))
		if c.StateName != "draft" || c.Applicant.IDNumber == demoApplicantID {
			t.Fatalf("opened: state %s, applicant %+v", c.StateName, c.Applicant)
		}
		mats, err := as("app").CaseMaterials(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		var uploads, certs []string // materials the applicant uploads, and those an e-certificate replaces
		for _, m := range mats {
			if !m.Required {
				continue
			}
			if m.CertType != "" {
				certs = append(certs, m.Code) // the clerk takes it from the e-certificate library (免证办)
				continue
			}
			if _, err := as("app").UploadCaseFile(ctx, c.ID, m.Code, m.Code+".pdf", e2ePDF(m.Code), false); err != nil {
				t.Fatalf("upload %s: %v", m.Code, err)
			}
			uploads = append(uploads, m.Code)
		}
		if len(uploads) == 0 {
			t.Fatalf("no material to upload: %+v", mats)
		}
		c = reload(c)
		c = ok(as("app").SubmitCase(ctx, c.ID, c.Version))
		if c.No == "" {
			t.Fatal("no case number on submission")
		}
		// No clock runs before receipt.
		expect("submitted", c, want{state: "submitted"})

		// The applicant cannot do the clerk's work: refused by role, nothing written.
		n := events(c)
		if _, err := as("app").PrecheckCase(ctx, c.ID, c.Version, true, nil, ""); statusOf(err) != http.StatusForbidden {
			t.Fatalf("pre-check by the applicant: want 403, got %v", err)
		}
		unchanged("pre-check by the applicant", c, n)
		// The online application waits for a clerk of the unit that receives the item's online
		// applications. The demo catalogue names the bureau itself, where the demo city has no
		// clerk (the demo clerk works in the citizen service centre, a unit-scoped role), so the
		// administrator appoints one there first.
		clerkUnit = c.Receiving.UnitID
		createBureauClerk(t, a, clerkUnit)

		// ---- Fri 09-26: pre-check passed and received; then one correction notice ----
		day("2025-09-26")
		for _, m := range certs {
			if _, err := as("clerk").SatisfyCaseMaterial(ctx, c.ID, m, "DZZZ-"+demoApplicantID); err != nil {
				t.Fatalf("e-certificate for %s: %v", m, err)
			}
		}
		c = reload(c)
		c = ok(as("clerk").PrecheckCase(ctx, c.ID, c.Version, true, nil, ""))
		c = ok(as("clerk").ReceiveCase(ctx, c.ID, c.Version, ""))
		// Intake answer due 5 wd after receipt on Fri 09-26: Sun 09-28 (make-up) 1, Mon 09-29 2,
		// Tue 09-30 3, [10-01…10-08 National Day], Thu 10-09 4, Fri 10-10 5 → 2025-10-10.
		if c.StateName != "received" || c.Clock.ReceivedOn != "2025-09-26" || c.Clock.IntakeDue != "2025-10-10" {
			t.Fatalf("received: state %s, received on %q, intake due %q (want 2025-09-26, 2025-10-10)",
				c.StateName, c.Clock.ReceivedOn, c.Clock.IntakeDue)
		}
		defect := uploads[len(uploads)-1]
		c = ok(as("clerk").RequestCorrection(ctx, c.ID, c.Version, []client.CaseDefect{
			{Material: defect, Problem: "复印件不清晰，请重新扫描"},
			{Field: firstKey(form), Problem: "与证书记载不一致"},
		}, "请一次性补正以下材料"))
		// Reply due 30 calendar days after the notice: 09-26 + 30 = 2025-10-26. The decision
		// clock has not started.
		expect("correction requested", c, want{state: "correction"})
		if c.Clock.NextDue != "2025-10-26" || c.Todo.Role != "applicant" {
			t.Errorf("correction: reply due %q (want 2025-10-26), waiting for %q", c.Clock.NextDue, c.Todo.Role)
		}
		notices := 0
		for _, e := range mustEvents(t, as("app"), c.ID) {
			if e.Action == "correction" {
				notices++
			}
		}
		if notices != 1 {
			t.Errorf("%d correction notices, want one listing every defect", notices)
		}

		// ---- Thu 10-09 (first workday after National Day): the applicant corrects and resubmits ----
		day("2025-10-09")
		if _, err := as("app").UploadCaseFile(ctx, c.ID, defect, defect+"-2.pdf", e2ePDF(defect+" rescanned"), false); err != nil {
			t.Fatal(err)
		}
		c = reload(c)
		c = ok(as("app").EditCaseForm(ctx, c.ID, c.Version, form))
		c = ok(as("app").ResubmitCase(ctx, c.ID, c.Version, "已按通知补正"))
		// The intake limit runs again from the day the last material arrived (Thu 10-09):
		// Fri 10-10 1, Sat 10-11 (make-up) 2, Mon 10-13 3, Tue 10-14 4, Wed 10-15 5 → 2025-10-15.
		if c.StateName != "received" || c.Clock.IntakeDue != "2025-10-15" {
			t.Errorf("resubmitted: state %s, intake due %q, want received and 2025-10-15", c.StateName, c.Clock.IntakeDue)
		}

		// ---- Fri 10-10: accepted, as of the day the corrections arrived ----
		day("2025-10-10")
		mats, err = as("clerk").CaseMaterials(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range mats {
			if m.FileID != "" && m.Trust != "A" && m.Trust != "B" {
				if _, err := as("clerk").CheckCaseFile(ctx, c.ID, m.FileID); err != nil {
					t.Fatalf("check %s: %v", m.Code, err)
				}
			}
		}
		c = reload(c)
		// Two clerks at once: the second, on the version they loaded, gets a conflict and
		// nothing is written.
		stale := c.Version
		if _, err := as("clerk").EditCaseForm(ctx, c.ID, c.Version, form); err != nil {
			t.Fatal(err)
		}
		c = reload(c)
		n = events(c)
		if _, err := as("clerk").AcceptCase(ctx, c.ID, stale, ""); statusOf(err) != http.StatusConflict || !client.IsCode(err, "conflict") {
			t.Fatalf("accept on a stale version: want 409 conflict, got %v", err)
		}
		unchanged("accept on a stale version", c, n)
		c = ok(as("clerk").AcceptCase(ctx, c.ID, c.Version, ""))
		// Accepted as of Thu 10-09 (after a correction, the day the last material arrived).
		// Promised 5 wd: Fri 10-10 1, Sat 10-11 2, Mon 10-13 3, Tue 10-14 4, Wed 10-15 5 → 10-15.
		// Statutory 20 wd: 10-10 1, 10-11 2, 10-13…10-17 3–7, 10-20…10-24 8–12,
		// 10-27…10-31 13–17, Mon 11-03 18, Tue 11-04 19, Wed 11-05 20 → 2025-11-05.
		// Today Fri 10-10: left (10-10, 10-15] = 10-11, 10-13, 10-14, 10-15 = 4 wd, normal.
		if c.Clock.AcceptedOn != "2025-10-09" {
			t.Errorf("accepted on %q, want 2025-10-09", c.Clock.AcceptedOn)
		}
		expect("accepted", c, want{"accepted", "2025-10-15", "2025-11-05", 4, "normal"})

		// ---- Mon 10-13: the reviewer takes the case; the chief starts an expert review ----
		day("2025-10-13")
		tasks, err := as("reviewer").CaseTasks(ctx, c.ID)
		if err != nil || len(tasks) == 0 {
			t.Fatalf("tasks: %v %v", tasks, err)
		}
		first := openMain(tasks)
		if first == nil || first.Role != "reviewer" {
			t.Fatalf("the first review step is not the reviewer's: %+v", tasks)
		}
		firstStep := first.Step
		c = reload(c)
		if first.Assignee == "" {
			c = ok(as("reviewer").ClaimCaseTask(ctx, c.ID, c.Version, first.ID))
		}
		// Only the section chief approves a special procedure (the guard refuses the reviewer).
		n = events(c)
		susp := client.CaseSuspendInput{Kind: "expert_review", Basis: "《中华人民共和国行政许可法》第四十五条",
			Reason: "执业范围需专家评审", ExpectedWD: 10, RequestedBy: "reviewer"}
		if _, err := as("reviewer").SuspendCase(ctx, c.ID, c.Version, susp); statusOf(err) != http.StatusForbidden {
			t.Fatalf("suspension by the reviewer: want 403, got %v", err)
		}
		unchanged("suspension by the reviewer", c, n)
		c = ok(as("chief").SuspendCase(ctx, c.ID, c.Version, susp))
		// Frozen on Mon 10-13 with (10-13, 10-15] = 10-14, 10-15 = 2 promised wd left; the
		// expert review is expected to end 10 wd later: 10-14…10-17 1–4, 10-20…10-24 5–9,
		// Mon 10-27 10 → 2025-10-27.
		if c.StateName != "suspended" || c.Clock.Level != "suspended" || c.Clock.RemainingWD != 2 || c.Clock.NextDue != "2025-10-27" {
			t.Errorf("suspended: state %s, level %s, %d wd left, expected end %q (want suspended, 2, 2025-10-27)",
				c.StateName, c.Clock.Level, c.Clock.RemainingWD, c.Clock.NextDue)
		}

		// ---- Mon 10-27: the expert review is over; the clock restarts ----
		day("2025-10-27")
		// Two weeks have passed on the calendar, but none of them on the clock.
		if mid := reload(c); mid.Clock.RemainingWD != 2 || mid.Clock.Level != "suspended" {
			t.Errorf("still suspended on 10-27: %d wd left (%s), want 2 (suspended)", mid.Clock.RemainingWD, mid.Clock.Level)
		}
		c = ok(as("reviewer").ResumeCase(ctx, c.ID, c.Version, "专家评审意见：同意"))
		// Promised: the 2 wd left from Mon 10-27: Tue 10-28 1, Wed 10-29 2 → 2025-10-29.
		// Statutory: left on 10-13 were (10-13, 11-05] = 10-14…10-17 (4), 10-20…10-24 (5),
		// 10-27…10-31 (5), 11-03…11-05 (3) = 17 wd; from Mon 10-27: 10-28…10-31 1–4,
		// 11-03…11-07 5–9, 11-10…11-14 10–14, Mon 11-17 15, Tue 11-18 16, Wed 11-19 17 → 2025-11-19.
		// Today 10-27: 2 wd left → yellow (≤ 2).
		expect("resumed", c, want{"in_review", "2025-10-29", "2025-11-19", 2, "yellow"})

		// ---- Tue 10-28: the reviewer's opinion; the next step returns it to the first ----
		day("2025-10-28")
		c = ok(as("reviewer").AdvanceCase(ctx, c.ID, c.Version, "", "agree", "符合执业注册条件"))
		if c.Step == firstStep {
			t.Fatalf("the case did not move past step %d", firstStep)
		}
		next := c.Todo.Role
		if next != "reviewer" && next != "chief" && next != "signer" {
			t.Fatalf("step %d waits for %q", c.Step, next)
		}
		// The chief cannot record the reviewer's opinion on a step that is not theirs.
		if next != "chief" {
			n = events(c)
			if _, err := as("chief").AdvanceCase(ctx, c.ID, c.Version, "", "agree", "越权"); statusOf(err) != http.StatusForbidden {
				t.Errorf("advance by the chief on a %s step: want 403, got %v", next, err)
			}
			unchanged("advance by the wrong role", c, n)
		}
		c = ok(as(next).ReturnCase(ctx, c.ID, c.Version, firstStep, "请核实执业地点与执业范围"))
		// A return is a normal transition: the clock keeps running from the unchanged history.
		expect("returned", c, want{"in_review", "2025-10-29", "2025-11-19", 1, "yellow"})
		if c.Step != firstStep || c.Todo.Role != "reviewer" {
			t.Errorf("returned to step %d for %q, want step %d for the reviewer", c.Step, c.Todo.Role, firstStep)
		}
		superseded := false
		for _, tk := range mustTasks(t, as("reviewer"), c.ID) {
			superseded = superseded || tk.State == "superseded"
		}
		if !superseded {
			t.Error("the returned step's task was not kept as superseded")
		}
		// Only the bureau head extends: the section chief is refused, nothing written.
		n = events(c)
		if _, err := as("chief").ExtendCase(ctx, c.ID, c.Version, "需进一步核实", ""); statusOf(err) != http.StatusForbidden {
			t.Fatalf("extension by the section chief: want 403, got %v", err)
		}
		unchanged("extension by the section chief", c, n)

		// ---- Wed 10-29: the bureau head extends the limit once (+10 wd) ----
		day("2025-10-29")
		c = ok(as("head").ExtendCase(ctx, c.ID, c.Version, "执业范围涉及多个专业，需进一步核实", ""))
		// +10 wd on each: promised 10-29 → 10-30 1, 10-31 2, 11-03…11-07 3–7, 11-10 8,
		// 11-11 9, 11-12 10 → 2025-11-12; statutory 11-19 → 11-20 1, 11-21 2, 11-24…11-28 3–7,
		// 12-01 8, 12-02 9, 12-03 10 → 2025-12-03. Today 10-29: (10-29, 11-12] = 10 wd left.
		expect("extended", c, want{"in_review", "2025-11-12", "2025-12-03", 10, "normal"})
		if !c.HasFlag("extended") || c.Clock.ExtensionWD != 10 {
			t.Errorf("extended: flags %v, extension %d wd", c.Flags, c.Clock.ExtensionWD)
		}
		if _, err := as("head").ExtendCase(ctx, c.ID, c.Version, "再延一次", ""); statusOf(err) != http.StatusConflict {
			t.Errorf("a second extension: want 409, got %v", err)
		}

		// ---- Mon 11-03: through the item's steps to the signer's approval ----
		day("2025-11-03")
		for i := 0; c.StateName != "approved"; i++ {
			if i == 8 {
				t.Fatalf("not decided after %d steps: %+v", i, c)
			}
			ts := mustTasks(t, as("reviewer"), c.ID)
			m := openMain(ts)
			if m == nil {
				t.Fatalf("no open step: %+v", ts)
			}
			if m.Role != "reviewer" && m.Role != "chief" && m.Role != "signer" {
				t.Fatalf("step %s waits for %q", m.StepName, m.Role)
			}
			actor := as(m.Role)
			if m.Assignee == "" {
				c = ok(actor.ClaimCaseTask(ctx, c.ID, c.Version, m.ID))
			}
			next, err := actor.AdvanceCase(ctx, c.ID, c.Version, m.ID, "agree", "同意，"+m.StepName)
			if client.IsCode(err, "conflict") {
				// The last step is the decision, taken by the signer.
				c = reload(c)
				c = ok(as("signer").DecideCase(ctx, c.ID, c.Version, client.CaseDecideInput{Outcome: "approve", Opinion: "准予注册"}))
				continue
			}
			c = ok(next, err)
		}
		// Decided Mon 11-03; delivery within 10 wd (art. 44): 11-04…11-07 1–4, 11-10…11-14 5–9,
		// Mon 11-17 10 → 2025-11-17. The decision dates stay as they were.
		expect("approved", c, want{"approved", "2025-11-12", "2025-12-03", 10, "normal"})
		if c.Clock.DecidedOn != "2025-11-03" || c.Clock.DeliveryDue != "2025-11-17" || c.Decision == nil || c.Decision.Outcome != "approve" {
			t.Errorf("approved: decided %q, delivery due %q (want 2025-11-03, 2025-11-17), decision %+v",
				c.Clock.DecidedOn, c.Clock.DeliveryDue, c.Decision)
		}

		// ---- Tue 11-04: concluded; Wed 11-05: delivered at the window ----
		day("2025-11-04")
		c = ok(as("clerk").ConcludeCase(ctx, c.ID, c.Version, ""))
		// (11-04, 11-17] = 11-05…11-07, 11-10…11-14, 11-17 = 9 wd left to deliver.
		expect("concluded", c, want{"concluded", "2025-11-12", "2025-12-03", 9, "normal"})
		day("2025-11-05")
		n = events(c)
		if _, err := as("app").DeliverCase(ctx, c.ID, c.Version, "window", ""); statusOf(err) != http.StatusForbidden {
			t.Errorf("delivery recorded by the applicant: want 403, got %v", err)
		}
		unchanged("delivery by the applicant", c, n)
		c = ok(as("clerk").DeliverCase(ctx, c.ID, c.Version, "window", "申请人到窗口领取"))
		expect("delivered", c, want{state: "delivered", promised: "2025-11-12", statutory: "2025-12-03"})
		if c.HasFlag("breach") {
			t.Errorf("decided within the limit but flagged %v", c.Flags)
		}

		// ---- The applicant's side: the timeline, and the decision to download ----
		mine := ok(as("app").Case(ctx, c.ID))
		if mine.StateName != "delivered" {
			t.Errorf("the applicant sees %s", mine.StateName)
		}
		evs := mustEvents(t, as("app"), c.ID)
		var got []string
		for i, e := range evs {
			if i > 0 && (e.Seq < evs[i-1].Seq || e.At.Before(evs[i-1].At)) {
				t.Errorf("timeline out of order at %d: %+v after %+v", i, e, evs[i-1])
			}
			switch e.Action {
			case "upload", "cert_satisfy", "check_original", "edit", "claim":
				continue // bookkeeping between the steps
			}
			got = append(got, e.Action+"@"+e.On)
		}
		wantSteps := []string{"open@2025-09-25", "submit@2025-09-25", "precheck_pass@2025-09-26", "receive@2025-09-26",
			"correction@2025-09-26", "resubmit@2025-10-09", "accept@2025-10-10", "suspend@2025-10-13", "resume@2025-10-27",
			"advance@2025-10-28", "return_to@2025-10-28", "extend@2025-10-29"}
		if len(got) < len(wantSteps)+3 {
			t.Fatalf("timeline %v, want it to begin %v and end advance…, decide, conclude, deliver", got, wantSteps)
		}
		if g := strings.Join(got[:len(wantSteps)], " "); g != strings.Join(wantSteps, " ") {
			t.Errorf("timeline begins\n  %s\nwant\n  %s", g, strings.Join(wantSteps, " "))
		}
		tail := got[len(wantSteps):]
		for _, s := range tail[:len(tail)-3] {
			if s != "advance@2025-11-03" {
				t.Errorf("unexpected step %s between the extension and the decision (timeline %v)", s, got)
			}
		}
		if g := strings.Join(tail[len(tail)-3:], " "); g != "decide@2025-11-03 conclude@2025-11-04 deliver@2025-11-05" {
			t.Errorf("timeline ends %s", g)
		}
		for _, e := range evs {
			if e.Action == "return_to" && (e.Reason == "" || e.Actor == "") {
				t.Errorf("the return does not say who and why: %+v", e)
			}
			if e.Action == "extend" && (e.Role != "head" || e.Reason == "") {
				t.Errorf("the extension does not show the head and the reason: %+v", e)
			}
		}

		// The approval decision is kept with the case as the document of the decide event
		// (served on the applicant's pages as approval-<seq>.pdf; the JSON API has no route for it).
		var decided int64 = -1
		for _, e := range evs {
			if e.Action == "decide" {
				decided = e.Seq
			}
		}
		pdf, ctype, err := as("app").Download(ctx, fmt.Sprintf("/my/cases/%s/docs/approval-%d.pdf?download=1", c.ID, decided))
		if err != nil {
			t.Fatalf("decision document: %v", err)
		}
		if !strings.HasPrefix(ctype, "application/pdf") || !strings.HasPrefix(string(pdf), "%PDF-") {
			t.Errorf("decision document: %s, starts %q", ctype, pdf[:min(len(pdf), 8)])
		}
	})
}

func openMain(ts []client.CaseTask) *client.CaseTask {
	for i := range ts {
		if ts[i].State == "open" && ts[i].Branch == "main" {
			return &ts[i]
		}
	}
	return nil
}

func mustTasks(t *testing.T, c *client.Client, id string) []client.CaseTask {
	t.Helper()
	ts, err := c.CaseTasks(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func mustEvents(t *testing.T, c *client.Client, id string) []client.CaseEvent {
	t.Helper()
	evs, err := c.CaseEvents(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func firstKey(form map[string]string) string {
	best := ""
	for k := range form {
		if best == "" || k < best {
			best = k
		}
	}
	return best
}

// e2ePDF is a small well-formed PDF whose bytes differ by label (uploads are content-addressed).
func e2ePDF(label string) []byte {
	return fmt.Appendf(nil, "%%PDF-1.4\n%% %s\n1 0 obj << >> endobj\ntrailer << >>\n%%%%EOF\n", label)
}

const (
	bureauClerk         = "online.clerk"
	bureauClerkPassword = "Wangshang-Shouli-2025!"
)

// createBureauClerk has the demo administrator create a clerk in unit, who sets their own
// password at the first login.
func createBureauClerk(t *testing.T, a *apptest.App, unit string) {
	t.Helper()
	ctx := context.Background()
	admin := a.Staff(t, "admin")
	const first = "Linshi-Mima-2025!x"
	if err := admin.Do(ctx, "POST", "/api/v1/users", map[string]any{"username": bureauClerk, "name": "王悦",
		"unit_id": unit, "roles": []string{"clerk"}, "password": first}, nil); err != nil {
		t.Fatalf("create the bureau's clerk: %v", err)
	}
	c := a.Client()
	if _, err := c.Login(ctx, bureauClerk, first); err != nil {
		t.Fatal(err)
	}
	if err := c.Do(ctx, "POST", "/api/v1/auth/password", map[string]string{"current_password": first,
		"new_password": bureauClerkPassword}, nil); err != nil {
		t.Fatalf("first password change: %v", err)
	}
}

// physicianItem finds 医师执业注册 in the demo catalogue (online, natural persons, promised 5 wd,
// statutory 20 wd; the hand computations depend on these) and fills its required form fields.
func physicianItem(t *testing.T, c *client.Client) (string, map[string]string) {
	t.Helper()
	itemID, form, it := itemForm(t, c, "医师执业注册")
	if it.Kind != "promised" || !it.Online || it.PromisedWD != 5 || it.StatutoryWD != 20 {
		t.Fatalf("the demo item changed (the hand computation assumes a promised 5 wd, statutory 20 wd online item): %+v", it)
	}
	return itemID, form
}

// demoItem is what the tests rely on of a catalogue item.
type demoItem struct {
	Kind        string
	Online      bool
	PromisedWD  int
	StatutoryWD int
}

// itemForm finds the demo item by name and fills every required field of its form as an
// applicant would.
func itemForm(t testing.TB, c *client.Client, name string) (string, map[string]string, demoItem) {
	t.Helper()
	ctx := context.Background()
	var found struct {
		Items []struct {
			ID         string `json:"id"`
			Name       string `json:"name"`
			Kind       string `json:"kind"`
			Online     bool   `json:"online"`
			PromisedWD int    `json:"promised_wd"`
		} `json:"items"`
	}
	if err := c.Do(ctx, "GET", "/api/v1/items"+client.Query("q", name), nil, &found); err != nil {
		t.Fatal(err)
	}
	itemID := ""
	var it demoItem
	for _, f := range found.Items {
		if f.Name == name {
			itemID, it = f.ID, demoItem{Kind: f.Kind, Online: f.Online, PromisedWD: f.PromisedWD}
		}
	}
	if itemID == "" {
		t.Fatalf("%s not found: %+v", name, found.Items)
	}
	var detail struct {
		Version struct {
			Spec struct {
				StatutoryWD int `json:"statutory_wd"`
				Fields      []struct {
					Key      string   `json:"key"`
					Type     string   `json:"type"`
					Required bool     `json:"required"`
					Options  []string `json:"options"`
				} `json:"form_fields"`
			} `json:"spec"`
		} `json:"version"`
	}
	if err := c.Do(ctx, "GET", "/api/v1/items/"+itemID, nil, &detail); err != nil {
		t.Fatal(err)
	}
	it.StatutoryWD = detail.Version.Spec.StatutoryWD
	form := map[string]string{}
	for _, f := range detail.Version.Spec.Fields {
		if !f.Required {
			continue
		}
		switch {
		case len(f.Options) > 0:
			form[f.Key] = f.Options[0]
		case f.Type == "phone":
			form[f.Key] = "13900000001"
		case f.Type == "id_number":
			form[f.Key] = demoApplicantID
		case f.Type == "date":
			form[f.Key] = "2020-07-01"
		case f.Type == "number":
			form[f.Key] = "1"
		default:
			form[f.Key] = "示范市人民医院"
		}
	}
	return itemID, form, it
}

// TestE2ECaseClockSpringFestival checks the due dates against the 2026 table across 春节: an
// online application received before the holiday and accepted on its eve. By hand, from
// DOMAIN.md §2 (2026): holidays 02-15 … 02-23 (Sun … Mon), make-up workdays Sat 02-14 and
// Sat 02-28; no other holiday until 清明 (04-04).
func TestE2ECaseClockSpringFestival(t *testing.T) {
	engines(t, func(t *testing.T, o apptest.Options) {
		clk := &fixedClock{}
		clk.on(t, "2026-02-11")
		o.Now = clk.Now
		a := apptest.Start(t, o)
		ctx := context.Background()
		ok := func(c *client.Case, err error) *client.Case {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		// Wed 2026-02-11: the applicant applies; every material is uploaded.
		app := a.Client()
		if _, err := app.LoginApplicant(ctx, demoApplicantID, apptest.DemoPassword); err != nil {
			t.Fatal(err)
		}
		itemID, form := physicianItem(t, app)
		c := ok(app.OpenCase(ctx, client.OpenCaseInput{ItemID: itemID, Form: form}))
		mats, err := app.CaseMaterials(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		var certs []string
		for _, m := range mats {
			switch {
			case !m.Required:
			case m.CertType != "":
				certs = append(certs, m.Code)
			default:
				if _, err := app.UploadCaseFile(ctx, c.ID, m.Code, m.Code+".pdf", e2ePDF(m.Code), false); err != nil {
					t.Fatal(err)
				}
			}
		}
		c = ok(app.Case(ctx, c.ID))
		c = ok(app.SubmitCase(ctx, c.ID, c.Version))
		createBureauClerk(t, a, c.Receiving.UnitID)

		// Thu 02-12: pre-checked and received. Intake answer within 5 wd: Fri 02-13 1,
		// Sat 02-14 (make-up) 2, [02-15 … 02-23], Tue 02-24 3, Wed 02-25 4, Thu 02-26 5 → 2026-02-26.
		clk.on(t, "2026-02-12")
		clerk := a.Client()
		if _, err := clerk.Login(ctx, bureauClerk, bureauClerkPassword); err != nil {
			t.Fatal(err)
		}
		for _, m := range certs {
			if _, err := clerk.SatisfyCaseMaterial(ctx, c.ID, m, "DZZZ-"+demoApplicantID); err != nil {
				t.Fatal(err)
			}
		}
		c = ok(clerk.Case(ctx, c.ID))
		c = ok(clerk.PrecheckCase(ctx, c.ID, c.Version, true, nil, ""))
		c = ok(clerk.ReceiveCase(ctx, c.ID, c.Version, ""))
		if c.Clock.ReceivedOn != "2026-02-12" || c.Clock.IntakeDue != "2026-02-26" {
			t.Errorf("received on %q, intake due %q; want 2026-02-12 and 2026-02-26", c.Clock.ReceivedOn, c.Clock.IntakeDue)
		}
		mats, err = clerk.CaseMaterials(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range mats {
			if m.FileID != "" && m.Trust != "A" && m.Trust != "B" {
				if _, err := clerk.CheckCaseFile(ctx, c.ID, m.FileID); err != nil {
					t.Fatal(err)
				}
			}
		}
		// Fri 02-13: accepted (no correction, so as of today). Promised 5 wd: Sat 02-14 1,
		// Tue 02-24 2, Wed 02-25 3, Thu 02-26 4, Fri 02-27 5 → 2026-02-27. Statutory 20 wd:
		// 02-14 1, 02-24 … 02-27 2–5, Sat 02-28 (make-up) 6, 03-02 … 03-06 7–11,
		// 03-09 … 03-13 12–16, 03-16 … 03-19 17–20 → 2026-03-19. Today 02-13: 5 wd left.
		clk.on(t, "2026-02-13")
		clerk = a.Client()
		if _, err := clerk.Login(ctx, bureauClerk, bureauClerkPassword); err != nil {
			t.Fatal(err)
		}
		c = ok(clerk.Case(ctx, c.ID))
		c = ok(clerk.AcceptCase(ctx, c.ID, c.Version, ""))
		if c.StateName != "accepted" || c.Clock.AcceptedOn != "2026-02-13" || c.Clock.PromisedDue != "2026-02-27" ||
			c.Clock.StatutoryDue != "2026-03-19" || c.Clock.RemainingWD != 5 || c.Clock.Level != "normal" {
			t.Errorf("accepted: state %s, on %q, promised %q, statutory %q, %d wd left (%s); want accepted, 2026-02-13, "+
				"2026-02-27, 2026-03-19, 5 (normal)", c.StateName, c.Clock.AcceptedOn, c.Clock.PromisedDue,
				c.Clock.StatutoryDue, c.Clock.RemainingWD, c.Clock.Level)
		}
		// Mon 02-23, the last day of the holiday: nothing has run since Sat 02-14, so
		// (02-23, 02-27] = 02-24 … 02-27 = 4 wd are left.
		// A read shows what the last write derived: the remaining days are refreshed by the
		// recompute that the issue says runs daily, which the application does not schedule
		// (see the report), so the administrator runs it here.
		clk.on(t, "2026-02-23")
		if _, err := a.Staff(t, "admin").RecomputeCases(ctx); err != nil {
			t.Fatal(err)
		}
		reviewer := a.Staff(t, "reviewer")
		c = ok(reviewer.Case(ctx, c.ID))
		if c.Clock.PromisedDue != "2026-02-27" || c.Clock.RemainingWD != 4 {
			t.Errorf("on 02-23: promised %q with %d wd left; want 2026-02-27 with 4", c.Clock.PromisedDue, c.Clock.RemainingWD)
		}
	})
}
