package rectify

import (
	"context"
	"math/rand/v2"
	"time"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/workday"
)

// DemoDeps are what the demo step needs.
type DemoDeps struct {
	Seed uint64
	// SupervisorRegion is the jurisdiction of the demo's city supervisor (verifier).
	SupervisorRegion string
}

// DemoResult counts the items the demo step moved, by the state they ended in.
type DemoResult struct {
	ByState     map[State]int `json:"by_state"`
	Escalations int           `json:"escalations"`
}

// demoPDF is the evidence the demo attaches: a tiny valid PDF.
var demoPDF = []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

// DemoStep takes the open items of the ledger (the demo's bad ratings opened them through
// rating.bad; run the outbox first) through realistic histories, dated from each item's start:
// most closed (on time or late, with a callback, some unreachable), some verified, submitted, in
// progress, reopened, and some still open; then it issues the escalations due today.
func DemoStep(ctx context.Context, s *Service, deps DemoDeps) (DemoResult, error) {
	res := DemoResult{ByState: map[State]int{}}
	rnd := rand.New(rand.NewPCG(deps.Seed, deps.Seed^0x51afd7ed558ccd))
	region := deps.SupervisorRegion
	real := s.now
	defer func() { s.now = real }()
	its, _, err := s.st.list(ctx, s.d.Read, auth.SystemScope(), Filter{State: StateOpen}, 0)
	if err != nil {
		return res, err
	}
	today := workday.DateOf(real())
	// Where each item stops, in rotation so that every state appears: 55% closed, 10% verified,
	// 10% submitted, 10% in progress, 5% reopened, 10% still open. Never past today.
	plan := []State{StateClosed, StateVerified, StateSubmitted, StateInProgress, StateReopened, StateOpen, StateClosed,
		StateClosed, StateClosed, StateClosed, StateVerified, StateSubmitted, StateInProgress, StateOpen, StateClosed,
		StateClosed, StateClosed, StateClosed, StateClosed, StateClosed}
	// A target an item is too recent to reach (a submission needs 8 days, a reopening an item
	// closed two weeks ago) passes to the next item old enough that was planned to close: the
	// order of the items depends on how the ratings that raised them were committed, and every
	// demo should show every state.
	var owed []State
	for i, it := range its {
		start, err := workday.ParseDate(it.StartedOn)
		if err != nil {
			continue
		}
		if region == "" {
			region = it.RegionCode[:4] + "00000000"
		}
		chief := auth.WithViewer(ctx, &auth.Viewer{Kind: auth.KindStaff, ID: "demo-chief-" + it.UnitID, Name: "科室负责人",
			UnitID: it.UnitID, RegionCode: it.RegionCode, Role: auth.Chief, Roles: []auth.Role{auth.Chief}})
		sup := auth.WithViewer(ctx, &auth.Viewer{Kind: auth.KindStaff, ID: "demo-supervisor", Name: "督查员",
			UnitID: "demo-supervision", RegionCode: region, Role: auth.Supervisor, Roles: []auth.Role{auth.Supervisor}})
		day := 0
		at := func(d int) { day = d; s.now = func() time.Time { return start.AddDays(day).Time(10 * time.Hour) } }
		late := rnd.IntN(10) == 0
		reaches := func(t State) bool { return !start.AddDays(demoAge(t, late)).After(today) }
		target := plan[i%len(plan)]
		switch {
		case target != StateClosed && target != StateOpen && !reaches(target):
			owed = append(owed, target)
			target = StateClosed
		case target == StateClosed:
			for k, o := range owed {
				if reaches(o) {
					target = o
					owed = append(owed[:k], owed[k+1:]...)
					break
				}
			}
		}
		steps := []struct {
			day   int
			state State
			fn    func() error
		}{
			{1, StateInProgress, func() error { _, err := s.Start(chief, it.ID, 0); return err }},
			{2, StateInProgress, func() error {
				o := []Outcome{OutcomeFixedNow, OutcomeFixedNow, OutcomeFixedBy, OutcomeExplained}[rnd.IntN(4)]
				in := PlanInput{Outcome: o, Measures: "约谈当事窗口人员，组织业务培训，优化一次性告知单"}
				if o == OutcomeFixedBy {
					in.FixBy = start.AddDays(20).String()
				}
				if o == OutcomeExplained {
					in.Measures, in.Explanation = "", "该诉求无法律依据，已向群众耐心解释政策规定"
				}
				_, err := s.Plan(chief, it.ID, in)
				return err
			}},
			{3, StateInProgress, func() error {
				_, err := s.AddEvidence(chief, it.ID, EvidenceInput{Name: "整改报告.pdf", Content: demoPDF, Note: "整改报告"})
				return err
			}},
			{4, StateInProgress, func() error {
				if rnd.IntN(8) == 0 {
					for range s.opt.MaxAttempts {
						if _, err := s.RecordCallback(chief, it.ID, CallbackInput{Reached: false, Note: "无人接听"}); err != nil {
							return err
						}
					}
					return nil
				}
				sat := []Satisfaction{Satisfied, Satisfied, Satisfied, Basic, Dissatisfied}[rnd.IntN(5)]
				_, err := s.RecordCallback(chief, it.ID, CallbackInput{Reached: true, Satisfaction: sat})
				return err
			}},
			{map[bool]int{false: 8, true: 26}[late], StateSubmitted, func() error { _, err := s.Submit(chief, it.ID, 0); return err }},
			{map[bool]int{false: 10, true: 28}[late], StateVerified, func() error {
				_, err := s.Verify(sup, it.ID, VerifyInput{Accept: true, Note: "经回访核实，整改到位"})
				return err
			}},
			{map[bool]int{false: 11, true: 29}[late], StateClosed, func() error { _, err := s.Close(sup, it.ID, 0, "同意销号"); return err }},
		}
		final := StateOpen
		for _, st := range steps {
			if target == StateOpen || start.AddDays(st.day).After(today) {
				break
			}
			if target != StateReopened && stateRank(st.state) > stateRank(target) {
				break
			}
			at(st.day)
			if err := st.fn(); err != nil && !errs.Is(err, errs.Conflict) {
				return res, err
			}
			final = st.state
		}
		if target == StateReopened && final == StateClosed && !start.AddDays(14).After(today) {
			at(14)
			if _, err := s.Reopen(sup, it.ID, 0, "群众再次反映问题未解决"); err != nil {
				return res, err
			}
			final = StateReopened
		}
		res.ByState[final]++
	}
	s.now = real
	n, err := s.RunEscalations(ctx)
	res.Escalations = n
	return res, err
}

// demoAge is how many days after its start an item reaches state t in the demo's histories
// (a late item submits, is verified and closes 18 days later).
func demoAge(t State, late bool) int {
	switch t {
	case StateInProgress:
		return 1
	case StateSubmitted, StateVerified, StateClosed:
		d := map[State]int{StateSubmitted: 8, StateVerified: 10, StateClosed: 11}[t]
		if late {
			d += 18
		}
		return d
	case StateReopened:
		return 30 // closed even if late (day 29), and reopenable two weeks after
	}
	return 0
}

func stateRank(s State) int {
	switch s {
	case StateOpen:
		return 0
	case StateInProgress:
		return 1
	case StateSubmitted:
		return 2
	case StateVerified:
		return 3
	case StateClosed:
		return 4
	}
	return 5
}
