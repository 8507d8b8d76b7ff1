package cases

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"onestamp/internal/platform/audit"
	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/ident"
	"onestamp/internal/platform/workday"
)

// demoCase is a played case: its row and everything that hangs off it.
type demoCase struct {
	r      *rec
	events []Event
	roots  []string
	tasks  []Task
	mats   []Material
	files  []File
	actors map[string]int64 // real staff id -> last time they acted
}

// player plays one plan through the transition rules, day by day, stopping at the present.
type player struct {
	g   *demoGen
	p   *demoPlan
	c   *demoCase
	at  time.Time // the instant of the last event
	day workday.Date
}

// play turns a plan into a case as the service would have written it.
func (g *demoGen) play(p *demoPlan) (*demoCase, error) {
	pl := &player{g: g, p: p, c: &demoCase{actors: map[string]int64{}}}
	err := pl.run()
	if errors.Is(err, errDemoStop) {
		// The case waits at the present: the sweeps of the days up to now ran on it.
		err = pl.sweep(g.now)
	}
	if err != nil {
		return nil, err
	}
	r := pl.c.r
	if r.State < StDelivered {
		// The daily recompute keeps open cases' remaining days and levels current.
		if err := g.s.derive(r, g.today); err != nil {
			return nil, err
		}
	}
	return pl.c, nil
}

// clock moves to a working day d at a time of day (minutes after midnight), never backwards.
// It stops the play when that moment is still to come.
func (pl *player) clock(d workday.Date, minute int) error {
	at := d.Time(time.Duration(minute) * time.Minute).UTC().Truncate(time.Millisecond)
	if !at.After(pl.at) {
		at = pl.at.Add(time.Duration(1+pl.g.rnd.IntN(20)) * time.Minute)
	}
	if at.After(pl.g.now) {
		return errDemoStop
	}
	// The daily sweep of the days in between: a case past its promised date gets case.overdue.
	if err := pl.sweep(at); err != nil {
		return err
	}
	pl.at, pl.day = at, workday.DateOf(at)
	return nil
}

// wd is the n-th working day after d in the deciding region.
func (pl *player) wd(d workday.Date, n int) workday.Date {
	if n <= 0 {
		return d
	}
	out, _, err := pl.g.cal.Add(pl.p.item.decider.RegionCode, d, n)
	if err != nil {
		return d.AddDays(n * 7 / 5)
	}
	return out
}

func (pl *player) minute() int { return 9*60 + pl.g.rnd.IntN(8*60) }

// sweep runs the daily sweep of every day up to (not including) the day of at: the reminder
// of a correction's reply date, and the overdue report.
func (pl *player) sweep(at time.Time) error {
	r := pl.c.r
	if r != nil && r.State == StCorrection && !r.Facts.Reminded && !r.Facts.CorrectionOn.IsZero() {
		cfg := pl.g.s.cfg
		day := r.Facts.CorrectionOn.AddDays(cfg.CorrectionReminderDays)
		when := day.Time(90 * time.Minute).UTC()
		if day <= workday.DateOf(at) && !when.After(pl.g.now) && when.After(pl.at) {
			pl.at, pl.day = when, day
			sys := demoActor{id: audit.SystemActor, name: audit.SystemActor, role: roleSystem}
			if err := pl.transition(ActCorrectionDue, sys, func(e *Event) error {
				e.Data = map[string]any{"reply_by": r.Facts.CorrectionOn.AddDays(cfg.CorrectionDays).String()}
				return nil
			}); err != nil {
				return err
			}
		}
	}
	if r == nil || (r.State != StAccepted && r.State != StInReview) || r.OverdueAt != 0 || r.PromisedDue.IsZero() {
		return nil
	}
	day := r.PromisedDue.AddDays(1)
	when := day.Time(90 * time.Minute).UTC()
	if day > workday.DateOf(at) || when.After(pl.g.now) || !when.After(pl.at) {
		return nil
	}
	pl.at, pl.day = when, day
	sys := demoActor{id: audit.SystemActor, name: audit.SystemActor, role: roleSystem}
	return pl.transition(ActOverdue, sys, func(e *Event) error {
		r.OverdueAt = when.UnixMilli()
		r.Flags = r.Flags.With(FlagOverdue, true)
		e.Data = map[string]any{"promised_due": r.PromisedDue.String()}
		return nil
	})
}

// notPast stops the play when a run of events a few minutes apart (uploads, then the receipt)
// has reached the present.
func (pl *player) notPast() error {
	if pl.at.After(pl.g.now) {
		return errDemoStop
	}
	return nil
}

// event starts an event of the case at the current instant.
func (pl *player) event(act Action, a demoActor) Event {
	r := pl.c.r
	return Event{ID: db.NewID(), CaseID: r.ID, Action: act, From: r.State, Actor: a.id, ActorName: a.name,
		Role: string(a.role), At: pl.at, On: pl.day}
}

// transition applies a rule of the transition table as Service.transition does: the state the
// rule leads to, the action's own changes (fn), then the commit (facts, derived clock, to-do,
// version, the event).
func (pl *player) transition(act Action, a demoActor, fn func(e *Event) error) error {
	if err := pl.notPast(); err != nil {
		return err
	}
	r := pl.c.r
	rule, ok := RuleFor(act)
	if !ok || !rule.Allows(r.State) || (a.role != roleSystem && !rule.Permits(a.role)) {
		return fmt.Errorf("demo: %s not allowed from %s for %s", act, r.State, a.role)
	}
	e := pl.event(act, a)
	if rule.To != 0 {
		r.State = rule.To
	}
	if fn != nil {
		if err := fn(&e); err != nil {
			return err
		}
	}
	if rule.Reason && strings.TrimSpace(e.Reason) == "" {
		return fmt.Errorf("demo: %s needs a reason", act)
	}
	e.To = r.State
	r.Facts = r.Facts.apply(e)
	if err := pl.g.s.derive(r, pl.day); err != nil {
		return err
	}
	if r.State != StAccepted && r.State != StInReview {
		r.setTodo(defaultTodo(r))
	}
	r.Version++
	r.UpdatedAt = pl.at.UnixMilli()
	e.Seq, e.CaseNo = r.Version, r.No
	pl.record(e, a)
	return nil
}

// record appends an event (a transition's, or an upload's that changes no state).
func (pl *player) record(e Event, a demoActor) {
	pl.c.events = append(pl.c.events, e)
	if a.real && a.role != auth.Applicant {
		pl.c.actors[a.id] = pl.at.UnixMilli()
	}
}

func (pl *player) clerk(unit Unit) demoActor { return pl.g.who(unit.ID, auth.Clerk) }

func (pl *player) handling(role auth.Role) demoActor {
	return pl.g.who(pl.p.item.decider.ID, role)
}

// applicantActor is the applicant acting online.
func (pl *player) applicantActor() demoActor {
	return demoActor{id: pl.p.owner, name: applicantLabel(pl.p.applicant), role: auth.Applicant}
}

func applicantLabel(a ApplicantInput) string {
	if a.Type == SubjectPerson {
		return ident.MaskName(a.Name)
	}
	return a.Name
}

// run plays the plan.
func (pl *player) run() error {
	g, p := pl.g, pl.p
	di := p.item
	it := di.it
	recv := p.hall
	if p.online {
		recv = di.online
	}
	r := &rec{ID: db.NewID(), ItemID: it.ID, ItemVersion: it.Version, ItemCode: it.Code, ItemName: it.Name, Kind: it.Kind,
		State: StDraft, HandlingUnit: di.decider.ID, HandlingRegion: di.decider.RegionCode, Step: -1,
		Limits: itemLimits(it, g.s.cfg), Form: demoForm(it, p.applicant), OwnerID: p.owner}
	if it.Joint {
		r.Flags = r.Flags.With(FlagJoint, true)
	}
	if p.online {
		r.Channel, r.RecvUnit, r.RecvRegion = ChannelOnline, recv.ID, recv.RegionCode
	} else {
		r.Channel, r.RecvUnit, r.RecvRegion, r.RecvWindow = ChannelWindow, recv.ID, recv.RegionCode, p.window
	}
	if auth.RegionPrefix(r.RecvRegion) != auth.RegionPrefix(r.HandlingRegion) {
		r.Flags = r.Flags.With(FlagCityWide, true)
	}
	if err := g.s.sealApplicant(r, p.applicant); err != nil {
		return err
	}
	pl.c.r = r
	for i, m := range it.Materials {
		pl.c.mats = append(pl.c.mats, Material{Code: m.Code, Name: m.Name, Required: m.Required, PendingAllowed: m.PendingAllowed,
			MinTrust: m.MinTrust, CertType: m.CertType, Status: MatMissing})
		_ = i
	}
	clerk := pl.clerk(recv)
	var opener demoActor
	if p.online {
		opener = pl.applicantActor()
		if err := pl.clock(p.start, 7*60+g.rnd.IntN(15*60)); err != nil {
			return err
		}
	} else {
		opener = clerk
		if err := pl.clock(p.start, pl.minute()); err != nil {
			return err
		}
	}
	r.CreatedAt, r.UpdatedAt = pl.at.UnixMilli(), pl.at.UnixMilli()
	// open: the first event, version 1 (Service.Open)
	e := pl.event(ActOpen, opener)
	e.From, e.To = 0, StDraft
	e.Data = map[string]any{"item_version": it.Version}
	r.Facts = r.Facts.apply(e)
	if err := g.s.derive(r, pl.day); err != nil {
		return err
	}
	r.setTodo(defaultTodo(r))
	r.Version = 1
	e.Seq, e.CaseNo = 1, r.No
	pl.record(e, opener)

	// The materials come in: scanned from checked originals at a window, uploaded online.
	uploader, trust := clerk, TrustB
	if p.online {
		uploader, trust = opener, TrustC
	}
	for i := range pl.c.mats {
		m := &pl.c.mats[i]
		if !m.Required && g.rnd.IntN(3) > 0 {
			continue
		}
		if m.PendingAllowed && p.pending && m.Required {
			continue // it will be promised instead
		}
		if m.MinTrust == TrustA {
			continue // it comes from an e-certificate
		}
		if err := pl.upload(m, uploader, trust); err != nil {
			return err
		}
	}
	// A material only an issuing body can vouch for comes from its e-certificate (免证办).
	for i := range pl.c.mats {
		if m := &pl.c.mats[i]; m.MinTrust == TrustA && m.Status != MatCert {
			if err := pl.certSatisfy(m, clerk); err != nil {
				return err
			}
		}
	}
	// Online: submit (the number is issued now), the pre-check, then receipt.
	if p.online {
		if err := pl.transition(ActSubmit, opener, func(e *Event) error {
			r.No, r.SubmittedAt = p.no, pl.at.UnixMilli()
			if it.Direct {
				r.State = StPendingReceipt
			}
			return nil
		}); err != nil {
			return err
		}
		next := pl.wd(pl.day, 1)
		if !it.Direct {
			if err := pl.clock(next, pl.minute()); err != nil {
				return err
			}
			if err := pl.transition(ActPrecheckPass, clerk, nil); err != nil {
				return err
			}
		}
		if err := pl.clock(next, pl.minute()); err != nil {
			return err
		}
		// The clerk checks the originals that need it when the applicant comes in.
		for i := range pl.c.mats {
			m := &pl.c.mats[i]
			if m.Status == MatProvided && !m.Trust.AtLeast(m.MinTrust) {
				if err := pl.checkOriginal(m, clerk); err != nil {
					return err
				}
			}
		}
	} else if !p.correction && !p.pending {
		// A walk-in brings everything the checklist asks for.
		for i := range pl.c.mats {
			if m := &pl.c.mats[i]; m.Required && m.Status == MatMissing {
				if err := pl.upload(m, clerk, TrustB); err != nil {
					return err
				}
			}
		}
	}
	if err := pl.transition(ActReceive, clerk, func(e *Event) error {
		if r.No == "" {
			r.No = p.no
		}
		if r.SubmittedAt == 0 {
			r.SubmittedAt = pl.at.UnixMilli()
		}
		return nil
	}); err != nil {
		return err
	}
	intakeDue := r.IntakeDue

	// A refusal at intake (by the section chief), or a correction first.
	if p.end == endReject {
		if err := pl.clock(pl.wd(pl.day, g.rnd.IntN(3)), pl.minute()); err != nil {
			return err
		}
		chief := pl.g.who(r.HandlingUnit, auth.Chief)
		return pl.transition(ActReject, chief, func(e *Event) error {
			reasons := []string{demoRejectReasons[g.rnd.IntN(len(demoRejectReasons))]}
			remedy := demoRemedy
			r.Decision = &Decision{Outcome: OutcomeReject, Reasons: reasons, Remedy: remedy, On: pl.day, By: chief.id}
			e.Reason = strings.Join(reasons, "; ")
			return nil
		})
	}
	if p.correction || missingRequired(pl.c.mats, p.pending) {
		if err := pl.correct(clerk, intakeDue); err != nil {
			return err
		}
		if r.State.Final() {
			return nil
		}
		intakeDue = r.IntakeDue
	}
	if p.end == endWithdraw && g.rnd.IntN(2) == 0 {
		return pl.withdraw(clerk)
	}
	// Acceptance within the intake limit.
	acceptOn := pl.wd(pl.day, g.rnd.IntN(2))
	if acceptOn > intakeDue {
		acceptOn = intakeDue
	}
	if err := pl.clock(acceptOn, pl.minute()); err != nil {
		return err
	}
	if err := pl.accept(clerk); err != nil {
		return err
	}
	return pl.review(clerk, recv)
}

// missingRequired reports whether a required material is still missing (so the clerk must ask
// for it), leaving out those the plan accepts as pending.
func missingRequired(mats []Material, pending bool) bool {
	for _, m := range mats {
		if m.Required && (m.Status == MatMissing || !m.Trust.AtLeast(m.MinTrust)) && !(pending && m.PendingAllowed) {
			return true
		}
	}
	return false
}

// upload adds a file of a material (Service.Upload at a window or online).
func (pl *player) upload(m *Material, a demoActor, trust Trust) error {
	if err := pl.notPast(); err != nil {
		return err
	}
	f := File{ID: db.NewID(), Material: m.Code, Hash: pl.g.file.Hash, Size: pl.g.file.Size, Kind: pl.g.file.Kind,
		Name: m.Name + ".pdf", Trust: trust, UploadedBy: a.id, UploadedAt: pl.at}
	if trust == TrustB {
		f.CheckedBy, f.CheckedAt = a.id, pl.at
	}
	pl.c.files = append(pl.c.files, f)
	m.Status, m.Trust, m.Defect, m.FileID, m.PendingDue = MatProvided, trust, "", f.ID, 0
	r := pl.c.r
	e := pl.event(ActUpload, a)
	e.To, e.Seq, e.CaseNo = r.State, r.Version, r.No
	e.Docs = []string{f.Hash}
	e.Data = map[string]any{"material": m.Code, "file": f.ID, "trust": string(trust)}
	pl.record(e, a)
	pl.at = pl.at.Add(time.Duration(1+pl.g.rnd.IntN(3)) * time.Minute)
	return nil
}

// certSatisfy marks a material satisfied by an e-certificate (Service.SatisfyWithCert).
func (pl *player) certSatisfy(m *Material, a demoActor) error {
	if err := pl.notPast(); err != nil {
		return err
	}
	r := pl.c.r
	m.Status, m.Trust, m.CertRef, m.Defect, m.PendingDue = MatCert, TrustA, fmt.Sprintf("DEMO-%s-%06d", m.Code, pl.g.rnd.IntN(1e6)), "", 0
	e := pl.event(ActCertSatisfy, a)
	e.To, e.Seq, e.CaseNo = r.State, r.Version, r.No
	e.Data = map[string]any{"material": m.Code, "cert_ref": m.CertRef}
	pl.record(e, a)
	pl.at = pl.at.Add(time.Minute)
	return nil
}

// checkOriginal marks the current file of a material checked (Service.CheckOriginal).
func (pl *player) checkOriginal(m *Material, a demoActor) error {
	if err := pl.notPast(); err != nil {
		return err
	}
	for i := range pl.c.files {
		f := &pl.c.files[i]
		if f.ID == m.FileID {
			f.Trust, f.CheckedBy, f.CheckedAt = TrustB, a.id, pl.at
		}
	}
	m.Trust = TrustB
	r := pl.c.r
	e := pl.event(ActCheckOriginal, a)
	e.To, e.Seq, e.CaseNo = r.State, r.Version, r.No
	e.Docs = []string{pl.g.file.Hash}
	e.Data = map[string]any{"material": m.Code, "file": m.FileID}
	pl.record(e, a)
	pl.at = pl.at.Add(time.Minute)
	return nil
}

// correct issues the one correction notice and plays the applicant's reply (or its absence).
func (pl *player) correct(clerk demoActor, intakeDue workday.Date) error {
	g, p, r := pl.g, pl.p, pl.c.r
	if err := pl.clock(pl.day, pl.minute()); err != nil {
		return err
	}
	var ds []Defect
	for i := range pl.c.mats {
		m := &pl.c.mats[i]
		switch {
		case m.Required && m.PendingAllowed && p.pending && m.Status == MatMissing:
		case m.Required && m.Status == MatMissing:
			ds = append(ds, Defect{Material: m.Code, Problem: "未提交"})
		case m.Required && !m.Trust.AtLeast(m.MinTrust):
			ds = append(ds, Defect{Material: m.Code, Problem: "未核验原件，请携带原件到窗口核验"})
		}
	}
	if len(ds) == 0 {
		for _, i := range g.rnd.Perm(len(pl.c.mats)) {
			if m := pl.c.mats[i]; m.Status == MatProvided {
				ds = append(ds, Defect{Material: m.Code, Problem: demoDefects[g.rnd.IntN(len(demoDefects))]})
				break
			}
		}
	}
	if len(ds) == 0 {
		return nil
	}
	if err := pl.transition(ActCorrection, clerk, func(e *Event) error {
		for _, d := range ds {
			for i := range pl.c.mats {
				if pl.c.mats[i].Code == d.Material {
					pl.c.mats[i].Status, pl.c.mats[i].Defect = MatDefective, d.Problem
				}
			}
		}
		e.Reason = defectSummary(ds)
		e.Data = map[string]any{"defects": ds, "reply_by": pl.day.AddDays(g.s.cfg.CorrectionDays).String()}
		return nil
	}); err != nil {
		return err
	}
	noticeDay := pl.day
	if p.end == endTerminate {
		// No reply in 30 days: the section chief ends it (CorrectionExpired).
		if err := pl.clock(pl.wd(noticeDay.AddDays(g.s.cfg.CorrectionDays), 1), pl.minute()); err != nil {
			return err
		}
		return pl.terminate("CorrectionExpired", "逾期未补正")
	}
	// The applicant brings (or uploads) the corrected files after a few days.
	back := noticeDay.AddDays(2 + g.rnd.IntN(12))
	if ok, _ := g.cal.IsWorkday(r.HandlingRegion, back); !ok {
		back = pl.wd(back, 1)
	}
	if err := pl.clock(back, pl.minute()); err != nil {
		return err
	}
	by, trust := clerk, TrustB
	if p.online {
		by, trust = pl.applicantActor(), TrustC
	}
	for i := range pl.c.mats {
		m := &pl.c.mats[i]
		if m.Status == MatDefective || (m.Required && m.Status == MatMissing && !(p.pending && m.PendingAllowed)) {
			t := trust
			if m.MinTrust != "" && !t.AtLeast(m.MinTrust) {
				t = TrustB // brought to the window to be checked
			}
			a := by
			if t == TrustB {
				a = clerk
			}
			if err := pl.upload(m, a, t); err != nil {
				return err
			}
		}
	}
	return pl.transition(ActResubmit, by, func(e *Event) error {
		r.State = StReceived
		return nil
	})
}

// accept accepts the case, or accepts it with a pending material (容缺受理).
func (pl *player) accept(clerk demoActor) error {
	g, p, r := pl.g, pl.p, pl.c.r
	var pend []string
	if p.pending {
		for _, m := range pl.c.mats {
			if m.PendingAllowed && m.Required && m.Status == MatMissing {
				pend = append(pend, m.Code)
			}
		}
	}
	it := p.item.it
	act := ActAccept
	if len(pend) > 0 {
		act = ActAcceptPending
	}
	for _, code := range incomplete(pl.c.mats) {
		if !slices.Contains(pend, code) {
			return fmt.Errorf("demo: accepting with %s incomplete", code)
		}
	}
	return pl.transition(act, clerk, func(e *Event) error {
		if !r.Facts.Deemed && !r.IntakeDue.IsZero() && pl.day > r.IntakeDue {
			e.Data = map[string]any{"deemed": true}
		}
		if act == ActAcceptPending {
			wd := it.PendingSupplyWD
			if wd <= 0 {
				wd = g.s.cfg.PendingSupplyWD
			}
			due, _, err := g.cal.Add(r.HandlingRegion, pl.day, wd)
			if err != nil {
				return err
			}
			for i := range pl.c.mats {
				if slices.Contains(pend, pl.c.mats[i].Code) {
					pl.c.mats[i].Status, pl.c.mats[i].PendingDue = MatPending, due
				}
			}
			r.Flags = r.Flags.With(FlagAcceptPending, true)
			e.Reason = "本人承诺在规定期限内补交所缺材料。"
			e.Data = map[string]any{"pending_wd": wd, "materials": pend}
		}
		pl.openStep(0, "")
		return nil
	})
}

// openStep opens the main task of a step (Service.openStep).
func (pl *player) openStep(idx int, assignee string) {
	r := pl.c.r
	st := pl.p.item.steps[idx]
	role := st.Role
	if role == "" {
		role = auth.Reviewer
	}
	pl.c.tasks = append(pl.c.tasks, Task{ID: db.NewID(), CaseID: r.ID, Step: idx, StepName: st.Name, Branch: BranchMain, Role: role,
		UnitID: r.HandlingUnit, Assignee: assignee, State: TaskOpen, OpenedAt: pl.at})
	r.Step, r.StepName = idx, st.Name
	r.setTodo(Todo{Role: role, UnitID: r.HandlingUnit, RegionCode: r.HandlingRegion, UserID: assignee})
}

// openTask returns the open main task.
func (pl *player) mainTask() *Task {
	for i := range pl.c.tasks {
		if t := &pl.c.tasks[i]; t.State == TaskOpen && t.Branch == BranchMain {
			return t
		}
	}
	return nil
}

// supersede closes every open task (a return, a withdrawal, a decision, a termination).
func (pl *player) supersede(why string, by string) []string {
	var ids []string
	for i := range pl.c.tasks {
		if t := &pl.c.tasks[i]; t.State == TaskOpen {
			t.State, t.ClosedAt, t.ClosedBy, t.Outcome = TaskSuperseded, pl.at, by, why
			ids = append(ids, t.ID)
		}
	}
	return ids
}

// stepActor is who does a step: its assignee when there is one.
func (pl *player) stepActor(t *Task) demoActor {
	if t.Assignee != "" {
		for _, a := range pl.g.staff[pl.c.r.HandlingUnit][t.Role] {
			if a.id == t.Assignee {
				return a
			}
		}
	}
	return pl.handling(t.Role)
}

// review plays the review steps, the special events and the decision, then conclusion and
// delivery.
func (pl *player) review(clerk demoActor, recv Unit) error {
	g, p, r := pl.g, pl.p, pl.c.r
	steps := p.item.steps
	limit := max(r.Limits.PromisedWD, 1)
	// Days the steps take, spread over about 40–90% of the promised limit (past it when late).
	budget := limit * (40 + g.rnd.IntN(50)) / 100
	if p.late {
		budget = limit + 1 + g.rnd.IntN(4)
	}
	per := max(budget/len(steps), 0)
	suspendAt := -1
	if p.suspend {
		suspendAt = g.rnd.IntN(len(steps))
	}
	returned := false
	supplied := false
	for idx := 0; idx < len(steps); idx++ {
		t := pl.mainTask()
		if t == nil {
			return fmt.Errorf("demo: no open task at step %d", idx)
		}
		if p.claim || t.Assignee == "" && g.rnd.IntN(3) == 0 {
			if t.Assignee == "" {
				a := pl.handling(t.Role)
				if err := pl.clock(pl.day, pl.minute()); err != nil {
					return err
				}
				if err := pl.transition(ActClaim, a, func(e *Event) error {
					t.Assignee = a.id
					r.TodoUser = a.id
					e.Data = map[string]any{"task": t.ID, "assignee": a.id}
					return nil
				}); err != nil {
					return err
				}
			}
		}
		if p.pending && !supplied && idx == len(steps)/2 {
			if err := pl.supply(clerk); err != nil {
				return err
			}
			supplied = true
		}
		if idx == suspendAt {
			if err := pl.suspendResume(); err != nil {
				return err
			}
		}
		if idx == 0 && len(p.item.it.JointDepts) > 0 {
			if err := pl.consult(t); err != nil {
				return err
			}
		}
		if p.inspect && idx == 0 {
			if err := pl.inspection(t); err != nil {
				return err
			}
		}
		if p.extend && idx == len(steps)-1 && !r.Flags.Has(FlagExtended) {
			if err := pl.clock(pl.wd(pl.day, 1), pl.minute()); err != nil {
				return err
			}
			head := pl.handling(auth.Head)
			if err := pl.transition(ActExtend, head, func(e *Event) error {
				r.Flags = r.Flags.With(FlagExtended, true)
				e.Reason = "需进一步核实申请材料，依法延长审批期限十个工作日。"
				e.Data = map[string]any{"wd": r.Limits.ExtensionWD}
				return nil
			}); err != nil {
				return err
			}
		}
		if err := pl.clock(pl.wd(pl.day, per), pl.minute()); err != nil {
			return err
		}
		if idx < len(steps)-1 {
			a := pl.stepActor(t)
			if err := pl.transition(ActAdvance, a, func(e *Event) error {
				t.State, t.ClosedAt, t.ClosedBy, t.Outcome = TaskDone, pl.at, a.id, "agree"
				t.Opinion = demoOpinions[g.rnd.IntN(len(demoOpinions))]
				e.Reason = t.Opinion
				e.Data = map[string]any{"task": t.ID, "step": t.Step, "step_name": t.StepName, "branch": t.Branch, "outcome": "agree"}
				pl.openStep(idx+1, "")
				return nil
			}); err != nil {
				return err
			}
			continue
		}
		// The last step: sometimes sent back once, then the decision.
		if p.ret && !returned && idx > 0 {
			returned = true
			a := pl.stepActor(t)
			prev := ""
			for _, x := range pl.c.tasks {
				if x.Step == 0 && x.Branch == BranchMain && x.State == TaskDone {
					prev = x.ClosedBy
				}
			}
			if err := pl.transition(ActReturnTo, a, func(e *Event) error {
				from := r.Step
				ids := pl.supersede("return", a.id)
				e.Reason = "请补充核实经营场所的实际情况。"
				e.Data = map[string]any{"from_step": from, "to_step": 0, "superseded": ids}
				pl.openStep(0, prev)
				return nil
			}); err != nil {
				return err
			}
			idx = -1
			continue
		}
		if p.end == endWithdraw {
			return pl.withdraw(clerk)
		}
		if p.end == endTerminate {
			return pl.terminate("ApplicantGone", "申请人主体资格已注销")
		}
		signer := pl.handling(auth.Signer)
		if t.Role == auth.Signer {
			signer = pl.stepActor(t)
		}
		outcome := OutcomeApprove
		if p.end == endDeny {
			outcome = OutcomeDeny
		}
		if p.pending && !supplied {
			if err := pl.supply(clerk); err != nil {
				return err
			}
			supplied = true
		}
		if err := pl.transition(ActDecide, signer, func(e *Event) error {
			covering := ""
			t.State, t.ClosedAt, t.ClosedBy, t.CoveringFor, t.Outcome = TaskDone, pl.at, signer.id, covering, string(outcome)
			t.Opinion = "同意。"
			var reasons []string
			remedy := ""
			if outcome == OutcomeDeny {
				r.State = StDenied
				reasons = []string{demoDenyReasons[g.rnd.IntN(len(demoDenyReasons))]}
				remedy = demoRemedy
				t.Opinion = "不予许可。"
			} else {
				r.State = StApproved
			}
			ids := pl.supersede("decided", signer.id)
			r.Decision = &Decision{Outcome: outcome, Reasons: reasons, Remedy: remedy, On: pl.day, By: signer.id}
			e.Reason = strings.Join(reasons, "; ")
			if e.Reason == "" {
				e.Reason = t.Opinion
			}
			e.Data = map[string]any{"outcome": string(outcome)}
			if len(ids) > 0 {
				e.Data["superseded"] = ids
			}
			r.setTodo(Todo{})
			return nil
		}); err != nil {
			return err
		}
		break
	}
	// Conclusion the same or the next day, delivery within a week.
	if err := pl.clock(pl.wd(pl.day, g.rnd.IntN(2)), pl.minute()); err != nil {
		return err
	}
	concluder := pl.handling(auth.Signer)
	if g.rnd.IntN(2) == 0 {
		concluder = clerk
	}
	if due := r.Limits.FeeFen - r.Facts.FeePaidFen; due > 0 && r.State == StApproved {
		// An approval of a charged item is concluded once the fees are in (缴款码: date and serial).
		if err := pl.transition(ActPayFee, clerk, func(e *Event) error {
			e.Data = map[string]any{"fen": due, "receipt": strings.ReplaceAll(pl.day.String(), "-", "") + fmt.Sprintf("%08d", g.rnd.IntN(1e8))}
			return nil
		}); err != nil {
			return err
		}
	}
	if err := pl.transition(ActConclude, concluder, nil); err != nil {
		return err
	}
	if err := pl.clock(pl.wd(pl.day, g.rnd.IntN(6)), pl.minute()); err != nil {
		return err
	}
	method := []string{"window", "post", "electronic"}[g.rnd.IntN(3)]
	return pl.transition(ActDeliver, pl.clerk(recv), func(e *Event) error {
		e.Data = map[string]any{"method": method}
		if method == "post" {
			e.Reason = fmt.Sprintf("EMS %013d", g.rnd.Int64N(1e13))
		}
		return nil
	})
}

// supply plays the arrival of the 容缺 materials (an upload at the window that supplies them).
func (pl *player) supply(clerk demoActor) error {
	r := pl.c.r
	if err := pl.clock(pl.wd(pl.day, 1+pl.g.rnd.IntN(3)), pl.minute()); err != nil {
		return err
	}
	for i := range pl.c.mats {
		m := &pl.c.mats[i]
		if m.Status != MatPending {
			continue
		}
		f := File{ID: db.NewID(), Material: m.Code, Hash: pl.g.file.Hash, Size: pl.g.file.Size, Kind: pl.g.file.Kind,
			Name: m.Name + ".pdf", Trust: TrustB, UploadedBy: clerk.id, UploadedAt: pl.at, CheckedBy: clerk.id, CheckedAt: pl.at}
		pl.c.files = append(pl.c.files, f)
		m.Status, m.Trust, m.Defect, m.FileID, m.PendingDue = MatProvided, TrustB, "", f.ID, 0
		open := slices.ContainsFunc(pl.c.mats, func(x Material) bool { return x.Status == MatPending })
		if err := pl.transition(ActSupply, clerk, func(e *Event) error {
			e.Docs = []string{f.Hash}
			e.Data = map[string]any{"file": f.ID, "material": m.Code, "pending_open": open}
			return nil
		}); err != nil {
			return err
		}
		if r.State.Final() {
			break
		}
	}
	return nil
}

// suspendResume plays a special procedure: the chief starts it, it ends when expected.
func (pl *player) suspendResume() error {
	g, r := pl.g, pl.c.r
	if err := pl.clock(pl.wd(pl.day, 1), pl.minute()); err != nil {
		return err
	}
	kind := "expert_review"
	for _, sp := range pl.p.item.it.SpecialSteps {
		if !sp.CountsInLimit {
			kind = sp.Name
			break
		}
	}
	if g.rnd.IntN(2) == 0 {
		kind = []string{"testing", "expert_review", "appraisal"}[g.rnd.IntN(3)]
	}
	expected := 5 + g.rnd.IntN(10)
	chief := pl.handling(auth.Chief)
	if err := pl.transition(ActSuspend, chief, func(e *Event) error {
		e.Reason = "依法需要进行" + suspendName(kind) + "，所需时间不计入办理时限。"
		e.Data = map[string]any{"kind": kind, "basis": "《中华人民共和国行政许可法》第四十五条", "expected_wd": expected,
			"approved_by": chief.id}
		return nil
	}); err != nil {
		return err
	}
	if err := pl.clock(pl.wd(pl.day, expected+g.rnd.IntN(3)-1), pl.minute()); err != nil {
		return err
	}
	return pl.transition(ActResume, pl.handling(auth.Reviewer), func(e *Event) error {
		e.Reason = suspendName(kind) + "已完成，结论符合要求。"
		r.State = StInReview
		if t := pl.mainTask(); t != nil {
			r.setTodo(Todo{Role: t.Role, UnitID: r.HandlingUnit, RegionCode: r.HandlingRegion, UserID: t.Assignee})
		}
		return nil
	})
}

func suspendName(kind string) string {
	switch kind {
	case "hearing":
		return "听证"
	case "tender":
		return "招标"
	case "auction":
		return "拍卖"
	case "testing":
		return "检验检测"
	case "appraisal":
		return "鉴定"
	case "expert_review":
		return "专家评审"
	}
	return kind
}

// branchOpener is who opens a parallel branch beside the step's main task, a working day on:
// its holder, or another of the step's post.
func (pl *player) branchOpener(main *Task) (demoActor, error) {
	if err := pl.clock(pl.wd(pl.day, 1), pl.minute()); err != nil {
		return demoActor{}, err
	}
	a := pl.stepActor(main)
	if a.role != main.Role {
		a = pl.handling(main.Role)
	}
	return a, nil
}

// restoreTodo points the case's to-do at its open main task once a branch is done, as
// change.restoreTodo does.
func (pl *player) restoreTodo() {
	r := pl.c.r
	if m := pl.mainTask(); m != nil {
		r.setTodo(Todo{Role: m.Role, UnitID: r.HandlingUnit, RegionCode: r.HandlingRegion, UserID: m.Assignee})
	}
}

// inspection plays a site inspection beside the first step.
func (pl *player) inspection(main *Task) error {
	r := pl.c.r
	a, err := pl.branchOpener(main)
	if err != nil {
		return err
	}
	inspector := pl.handling(auth.Reviewer)
	t := Task{ID: db.NewID(), CaseID: r.ID, Step: main.Step, StepName: "现场勘验", Branch: BranchInspect, Role: auth.Reviewer,
		UnitID: r.HandlingUnit, Assignee: inspector.id, State: TaskOpen, OpenedAt: pl.at}
	if err := pl.transition(ActInspection, a, func(e *Event) error {
		e.Reason = "需现场核实经营场所。"
		e.Data = map[string]any{"task": t.ID, "assignee": t.Assignee}
		return nil
	}); err != nil {
		return err
	}
	pl.c.tasks = append(pl.c.tasks, t)
	if err := pl.clock(pl.wd(pl.day, 1+pl.g.rnd.IntN(2)), pl.minute()); err != nil {
		return err
	}
	it := &pl.c.tasks[len(pl.c.tasks)-1]
	return pl.transition(ActAdvance, inspector, func(e *Event) error {
		it.State, it.ClosedAt, it.ClosedBy, it.Outcome, it.Opinion = TaskDone, pl.at, inspector.id, "pass", "现场情况与申请材料一致。"
		e.Reason = it.Opinion
		e.Data = map[string]any{"task": it.ID, "step": it.Step, "step_name": it.StepName, "branch": it.Branch, "outcome": "pass"}
		pl.restoreTodo()
		return nil
	})
}

// consult plays the joint departments' opinions (联办) beside the first step: the step's holder
// asks every joint department, and each answers within a few working days.
func (pl *player) consult(main *Task) error {
	r := pl.c.r
	a, err := pl.branchOpener(main)
	if err != nil {
		return err
	}
	units := slices.Clone(pl.p.item.it.JointDepts)
	first := len(pl.c.tasks)
	var ids []string
	for _, u := range units {
		t := Task{ID: db.NewID(), CaseID: r.ID, Step: main.Step, StepName: "联办意见", Branch: BranchJoint,
			Role: auth.Reviewer, UnitID: u, State: TaskOpen, OpenedAt: pl.at}
		pl.c.tasks = append(pl.c.tasks, t)
		ids = append(ids, t.ID)
	}
	if err := pl.transition(ActConsult, a, func(e *Event) error {
		e.Reason = "请就本申请涉及贵部门职责的事项提出意见。"
		e.Data = map[string]any{"units": units, "tasks": ids, "step": main.Step}
		return nil
	}); err != nil {
		return err
	}
	for i := first; i < len(pl.c.tasks); i++ {
		if err := pl.clock(pl.wd(pl.day, 1+pl.g.rnd.IntN(2)), pl.minute()); err != nil {
			return err
		}
		jt := &pl.c.tasks[i]
		op := pl.g.who(jt.UnitID, auth.Reviewer)
		if err := pl.transition(ActJointOpinion, op, func(e *Event) error {
			jt.State, jt.ClosedAt, jt.ClosedBy, jt.Outcome = TaskDone, pl.at, op.id, "agree"
			jt.Opinion = "经审查，同意。施工期间应当设置明显的安全警示标志，保障通行安全。"
			e.Reason = jt.Opinion
			e.Data = map[string]any{"task": jt.ID, "unit": jt.UnitID, "step": jt.Step, "branch": jt.Branch, "outcome": "agree"}
			pl.restoreTodo()
			return nil
		}); err != nil {
			return err
		}
	}
	return nil
}

// withdraw plays the applicant withdrawing (online), or the clerk recording their written request.
func (pl *player) withdraw(clerk demoActor) error {
	r := pl.c.r
	if err := pl.clock(pl.wd(pl.day, 1), pl.minute()); err != nil {
		return err
	}
	a := clerk
	if pl.p.online {
		a = pl.applicantActor()
	}
	return pl.transition(ActWithdraw, a, func(e *Event) error {
		e.Reason = "申请人主动撤回申请。"
		if a.role == auth.Clerk {
			e.Docs = []string{pl.g.file.Hash}
		}
		r.Decision = &Decision{Outcome: OutcomeWithdraw, Reasons: []string{e.Reason}, On: pl.day, By: a.id}
		if ids := pl.supersede("withdraw", a.id); len(ids) > 0 {
			e.Data = map[string]any{"superseded": ids}
		}
		return nil
	})
}

// terminate plays the section chief ending the case.
func (pl *player) terminate(code, reason string) error {
	r := pl.c.r
	unit := r.HandlingUnit
	if r.State < StAccepted {
		unit = r.RecvUnit // before acceptance it is the receiving side's matter
		if _, hall := pl.g.halls[unit]; hall {
			unit = r.HandlingUnit
		}
	}
	chief := pl.g.who(unit, auth.Chief)
	return pl.transition(ActTerminate, chief, func(e *Event) error {
		e.Reason = reason
		e.Data = map[string]any{"code": code}
		r.Decision = &Decision{Outcome: OutcomeTerminate, Code: code, Reasons: []string{reason}, Remedy: demoRemedy, On: pl.day, By: chief.id}
		if ids := pl.supersede("terminate", chief.id); len(ids) > 0 {
			e.Data["superseded"] = ids
		}
		return nil
	})
}

// demoForm fills the item's form for an applicant.
func demoForm(it Item, a ApplicantInput) map[string]string {
	out := map[string]string{}
	for _, f := range it.Fields {
		v := ""
		switch {
		case f.Type == "id_number":
			v = a.IDNumber
		case f.Type == "phone":
			v = a.Mobile
		case f.Type == "date":
			v = "2026-01-01"
		case f.Type == "number":
			v = "100"
		case strings.Contains(f.Label, "名称") || strings.Contains(f.Label, "姓名"):
			v = a.Name
		case strings.Contains(f.Label, "地址"):
			v = "示范市东湖区湖滨路 " + fmt.Sprint(len(a.Name)*7%200+1) + " 号"
		case strings.Contains(f.Label, "法定代表人") || strings.Contains(f.Label, "联系人"):
			v = "王建国"
		case f.Required:
			v = "见申请材料"
		}
		if v != "" {
			out[f.Key] = v
		}
	}
	return out
}

var (
	demoRemedy        = "如不服本决定，可以自收到本决定书之日起六十日内依法申请行政复议，或者在六个月内依法向人民法院提起行政诉讼。"
	demoRejectReasons = []string{"申请事项依法不需要取得行政许可。", "申请人不具备申请资格。", "申请事项已有生效许可，属于重复申请。"}
	demoDenyReasons   = []string{"经营场所与有毒、有害场所的距离不符合规定要求。", "现场核查发现设施设备不符合条件。",
		"申请人提交的专业技术人员资格不符合要求。", "规划条件不符合，不予许可。"}
	demoDefects  = []string{"复印件不清晰，请重新提供", "缺少法定代表人签字", "材料已过有效期", "申请书填写不完整", "未加盖单位公章"}
	demoOpinions = []string{"材料齐全，符合法定条件，建议准予许可。", "经审查，申请材料真实有效，同意。", "符合条件，拟同意。",
		"经核查，各项条件符合要求。"}
)
