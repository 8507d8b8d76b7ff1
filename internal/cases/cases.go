// Package cases is the heart of the bureau: every application, online or at a window, becomes a
// Case (办件) that moves through intake, review and decision under the statutory working-day
// clock, with an append-only history of who did what, when and why.
//
// The state machine is the Transitions table below; Service enforces it (state, role, data scope,
// the step's assignee or their AB-post substitute, optimistic version) and runs every transition
// as one transaction: the case row, a case_events row, an audit record and outbox events. Due
// dates are never armed as timers: they are re-derived on every transition from the case's
// history (folded into clock facts) and the working-day calendar, so returns, suspensions and a
// change of the holiday table cannot lose them.
//
// Files of the package: cases.go (types and the transition table), service*.go (operations),
// store.go (SQL), api.go (JSON API), events.go (outbox payloads and handlers). Pages, templates,
// PDF notices and the demo generator build on Service and add nothing to the rules.
package cases

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/workday"
)

// State is the state of a case. The codes keep the dominant vendor's monotone order (DOMAIN
// §4.1): the decision states come after intake, and every final state is ≥ StDelivered.
type State int

const (
	StDraft            State = 10 // 草稿
	StSubmitted        State = 12 // 已提交 (online, waiting for the pre-check)
	StPrecheckReturned State = 14 // 预审退回
	StPrecheckPassed   State = 16 // 预审通过 (waiting for receipt)
	StPendingReceipt   State = 24 // 待接件 (direct items skip the pre-check); intake clock runs
	StReceived         State = 26 // 已接件; intake clock runs
	StCorrection       State = 28 // 补正中; intake clock stopped
	StAccepted         State = 30 // 已受理; decision clock runs
	StInReview         State = 32 // 审查中
	StSuspended        State = 34 // 特别程序: clock frozen
	StDenied           State = 40 // 不予许可; delivery clock runs
	StApproved         State = 50 // 准予许可; delivery clock runs
	StConcluded        State = 90 // 办结; waiting for delivery
	StDelivered        State = 92 // 已送达 (final)
	StRejected         State = 97 // 不予受理 (final)
	StWithdrawn        State = 98 // 撤回 (final)
	StTerminated       State = 99 // 终止 (final)
)

// States lists every state in code order.
var States = []State{StDraft, StSubmitted, StPrecheckReturned, StPrecheckPassed, StPendingReceipt, StReceived,
	StCorrection, StAccepted, StInReview, StSuspended, StDenied, StApproved, StConcluded, StDelivered,
	StRejected, StWithdrawn, StTerminated}

var stateNames = map[State]string{
	StDraft: "draft", StSubmitted: "submitted", StPrecheckReturned: "precheck_returned",
	StPrecheckPassed: "precheck_passed", StPendingReceipt: "pending_receipt", StReceived: "received",
	StCorrection: "correction", StAccepted: "accepted", StInReview: "in_review", StSuspended: "suspended",
	StDenied: "denied", StApproved: "approved", StConcluded: "concluded", StDelivered: "delivered",
	StRejected: "rejected", StWithdrawn: "withdrawn", StTerminated: "terminated",
}

// String returns the state's name ("in_review"); its label is "cases.state.<name>".
func (s State) String() string {
	if n, ok := stateNames[s]; ok {
		return n
	}
	return "unknown"
}

// Valid reports whether s is a known state.
func (s State) Valid() bool { _, ok := stateNames[s]; return ok }

// Final reports whether nothing more happens to the case (except a post-verification of a
// promise case): delivered, rejected, withdrawn or terminated. Open cases are state < 92.
func (s State) Final() bool { return s >= StDelivered }

// Accepted reports whether the case was accepted and not ended before a decision.
func (s State) Accepted() bool { return s >= StAccepted && s <= StDelivered }

// Decided reports whether a decision (approve or deny) was made.
func (s State) Decided() bool { return s >= StDenied && s <= StDelivered }

// ParseState returns the state with a name or numeric code.
func ParseState(s string) (State, bool) {
	for st, n := range stateNames {
		if n == s || strings.TrimLeft(s, "0") == itoa(int(st)) {
			return st, true
		}
	}
	return 0, false
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// Kind is the time-limit kind of a case.
type Kind string

const (
	KindInstant  Kind = "instant"  // 即办件: decided the same day (art. 34)
	KindPromised Kind = "promised" // 承诺件
	KindChain    Kind = "chain"    // the parent of a chain (一件事): its children carry the clocks
)

// Channel is how an application came in.
type Channel string

const (
	ChannelOnline Channel = "online"
	ChannelWindow Channel = "window"
)

// Flag is a property of a case (DOMAIN §4.1 flags, plus what the sweeps record), stored as a bit.
type Flag uint32

const (
	FlagAcceptPending    Flag = 1 << iota // 容缺受理: a material is still to be supplied
	FlagPromise                           // 告知承诺: the signed commitment replaces the proofs
	FlagCityWide                          // 全市通办: received in one jurisdiction, decided in another
	FlagJoint                             // 联合办理 (art. 26): the 45 + 15 wd clock
	FlagExtended                          // 延期 granted (once)
	FlagDeemedAccepted                    // no answer within 5 wd of receipt: accepted on the receipt date
	FlagSimulated                         // 模拟审批: takes effect on a later event
	FlagProvisional                       // a due date was computed on a provisional (weekends-only) year
	FlagDeadlinePending                   // the calendar of a year the clock needs is not loaded
	FlagPendingMissed                     // the 容缺 supply promise was missed
	FlagRevoked                           // the approval was revoked after post-verification
	FlagBreach                            // past the statutory due date
	FlagAssisted                          // 帮代办: filed by a clerk on the applicant's behalf
	FlagAgent                             // filed by an authorised agent (代理人)
	FlagSecondCorrection                  // a second correction round (only for newly submitted material)
	FlagOverdue                           // case.overdue was emitted (once per case)
	FlagRenewal                           // art. 50: a renewal applied for in time, deemed granted if undecided when the licence expires
	FlagDeemedGranted                     // art. 50: deemed granted, the licence having expired without a decision
)

var flagNames = []struct {
	f    Flag
	name string
}{
	{FlagAcceptPending, "accept_pending"}, {FlagPromise, "promise"}, {FlagCityWide, "city_wide"},
	{FlagJoint, "joint"}, {FlagExtended, "extended"}, {FlagDeemedAccepted, "deemed_accepted"},
	{FlagSimulated, "simulated"}, {FlagProvisional, "provisional"}, {FlagDeadlinePending, "deadline_pending"},
	{FlagPendingMissed, "pending_missed"}, {FlagRevoked, "revoked"}, {FlagBreach, "breach"},
	{FlagAssisted, "assisted"}, {FlagAgent, "agent"}, {FlagSecondCorrection, "second_correction"},
	{FlagOverdue, "overdue"}, {FlagRenewal, "renewal"}, {FlagDeemedGranted, "deemed_granted"},
}

// Flags is a set of flags. In JSON it is a list of names.
type Flags uint32

// Has reports whether f is set.
func (fs Flags) Has(f Flag) bool { return uint32(fs)&uint32(f) != 0 }

// With returns fs with f set (on) or cleared.
func (fs Flags) With(f Flag, on bool) Flags {
	if on {
		return fs | Flags(f)
	}
	return fs &^ Flags(f)
}

// Names lists the names of the flags set.
func (fs Flags) Names() []string {
	out := []string{}
	for _, n := range flagNames {
		if fs.Has(n.f) {
			out = append(out, n.name)
		}
	}
	return out
}

// MarshalJSON writes the names.
func (fs Flags) MarshalJSON() ([]byte, error) {
	return json.Marshal(fs.Names())
}

// UnmarshalJSON reads a list of names (unknown names are ignored).
func (fs *Flags) UnmarshalJSON(b []byte) error {
	var names []string
	if err := json.Unmarshal(b, &names); err != nil {
		return err
	}
	*fs = 0
	for _, n := range names {
		for _, fn := range flagNames {
			if fn.name == n {
				*fs |= Flags(fn.f)
			}
		}
	}
	return nil
}

// Level is the warning level of a case's clock, stored for the queues.
type Level = workday.Level

// LevelName returns the JSON name of a level: normal, yellow, red or suspended.
func LevelName(l Level) string { return l.String() }

// Action names a transition; the same word is used in events, audit records and URLs.
type Action string

const (
	ActOpen           Action = "open"            // a draft is created
	ActSubmit         Action = "submit"          // the applicant submits online
	ActPrecheckPass   Action = "precheck_pass"   // online pre-check passed
	ActPrecheckReturn Action = "precheck_return" // online pre-check returned, listing every defect
	ActReceive        Action = "receive"         // 接件: receipt slip; the intake clock starts
	ActCorrection     Action = "correction"      // 补正: one notice listing every defect
	ActResubmit       Action = "resubmit"        // the corrected materials are in
	ActAccept         Action = "accept"          // 受理
	ActAcceptPending  Action = "accept_pending"  // 容缺受理
	ActReject         Action = "reject"          // 不予受理
	ActClaim          Action = "claim"           // a reviewer takes a pooled task
	ActAssign         Action = "assign"          // a chief assigns a task
	ActAdvance        Action = "advance"         // a step's opinion is recorded; the next step opens
	ActInspection     Action = "inspection"      // a site inspection (现场勘验) task is opened beside the step
	ActConsult        Action = "consult"         // the joint departments are asked for their opinions (联办, art. 26)
	ActJointOpinion   Action = "joint_opinion"   // a joint department's opinion is recorded
	ActReturnTo       Action = "return_to"       // 退回 to an earlier step
	ActSuspend        Action = "suspend"         // 特别程序 begins
	ActResume         Action = "resume"          // 特别程序 ends
	ActExtend         Action = "extend"          // 延期 +10 wd
	ActDecide         Action = "decide"          // 准予 / 不予许可
	ActConclude       Action = "conclude"        // 办结
	ActDeliver        Action = "deliver"         // 送达
	ActWithdraw       Action = "withdraw"        // 撤回申请
	ActTerminate      Action = "terminate"       // 终止办理
	ActSupply         Action = "supply"          // a 容缺 material is supplied
	ActPayFee         Action = "pay_fee"         // the fees were paid (缴费), recorded at the window
	ActVerify         Action = "verify"          // 告知承诺 post-verification outcome
	ActDeemAccept     Action = "deem_accept"     // system: no answer within 5 wd of receipt
	ActDeemGrant      Action = "deem_grant"      // system: a renewal undecided when its licence expired is granted (art. 50)
	ActPendingMissed  Action = "pending_missed"  // system: the 容缺 promise was missed
	ActOverdue        Action = "overdue"         // system: the promised due date passed
	ActCorrectionDue  Action = "correction_due"  // system: the correction's reply date is near (the reminder at day 20)
	ActChildChanged   Action = "child_changed"   // system: a chain parent follows its children
	ActUpload         Action = "upload"          // a material file was added (no state change)
	ActCheckOriginal  Action = "check_original"  // a clerk checked a file against the original (trust B)
	ActCertSatisfy    Action = "cert_satisfy"    // a material was satisfied by an e-certificate (trust A)
	ActEdit           Action = "edit"            // the form was changed (draft, returned, correction)
)

// Side says which organisation's staff act in a transition: the receiving window's (intake,
// delivery) or the deciding unit's (review, decision). For a 全市通办 case they differ.
type Side int

const (
	SideOwner    Side = iota // the applicant (or a clerk for them at the receiving window)
	SideIntake               // the receiving hall and its jurisdiction
	SideHandling             // the deciding unit and its jurisdiction
	SideJoint                // a joint department asked for its opinion (联办): its unit holds an open task of the case
)

// Rule is one row of the transition table: an action, the states it starts from, the state it
// leads to (0: decided by the action, e.g. approve or deny; the same state for actions that do
// not move the case), who may take it, on which side, and whether a reason is mandatory.
type Rule struct {
	Action Action
	From   []State
	To     State
	Roles  []auth.Role
	Side   Side
	Reason bool
}

// Allows reports whether the rule applies from state s.
func (r Rule) Allows(s State) bool { return slices.Contains(r.From, s) }

// Permits reports whether role may take the action.
func (r Rule) Permits(role auth.Role) bool { return slices.Contains(r.Roles, role) }

var (
	preDecision = []State{StDraft, StSubmitted, StPrecheckReturned, StPrecheckPassed, StPendingReceipt,
		StReceived, StCorrection, StAccepted, StInReview, StSuspended}
	inIntake  = []State{StPendingReceipt, StReceived}
	reviewing = []State{StAccepted, StInReview}
	// roleSystem is the role of the platform's own transitions (sweeps, chain parents).
	roleSystem    auth.Role = "system"
	staffDeciders           = []auth.Role{auth.Reviewer, auth.Chief, auth.Signer}
)

// Transitions is the state machine (DOMAIN §4.2). Service.check applies it; tests walk it.
var Transitions = []Rule{
	{Action: ActEdit, From: []State{StDraft, StPrecheckReturned, StPendingReceipt, StReceived, StCorrection}, To: 0, Roles: []auth.Role{auth.Applicant, auth.Clerk}, Side: SideOwner},
	{Action: ActSubmit, From: []State{StDraft}, To: StSubmitted, Roles: []auth.Role{auth.Applicant, auth.Clerk}, Side: SideOwner},
	{Action: ActPrecheckPass, From: []State{StSubmitted}, To: StPrecheckPassed, Roles: []auth.Role{auth.Clerk}, Side: SideIntake},
	{Action: ActPrecheckReturn, From: []State{StSubmitted}, To: StPrecheckReturned, Roles: []auth.Role{auth.Clerk}, Side: SideIntake, Reason: true},
	{Action: ActReceive, From: []State{StDraft, StPrecheckPassed, StPendingReceipt}, To: StReceived, Roles: []auth.Role{auth.Clerk}, Side: SideIntake},
	{Action: ActCorrection, From: inIntake, To: StCorrection, Roles: []auth.Role{auth.Clerk}, Side: SideIntake},
	{Action: ActResubmit, From: []State{StCorrection, StPrecheckReturned}, To: 0, Roles: []auth.Role{auth.Applicant, auth.Clerk}, Side: SideOwner},
	{Action: ActAccept, From: inIntake, To: StAccepted, Roles: []auth.Role{auth.Clerk}, Side: SideIntake},
	{Action: ActAcceptPending, From: inIntake, To: StAccepted, Roles: []auth.Role{auth.Clerk}, Side: SideIntake},
	{Action: ActReject, From: []State{StSubmitted, StPrecheckReturned, StPrecheckPassed, StPendingReceipt, StReceived, StCorrection},
		To: StRejected, Roles: []auth.Role{auth.Chief, auth.Clerk}, Side: SideIntake, Reason: true},
	{Action: ActClaim, From: []State{StAccepted, StInReview, StSuspended}, To: 0, Roles: staffDeciders, Side: SideHandling},
	{Action: ActAssign, From: []State{StAccepted, StInReview, StSuspended}, To: 0, Roles: []auth.Role{auth.Chief}, Side: SideHandling},
	{Action: ActAdvance, From: reviewing, To: StInReview, Roles: staffDeciders, Side: SideHandling},
	{Action: ActInspection, From: reviewing, To: StInReview, Roles: staffDeciders, Side: SideHandling},
	{Action: ActConsult, From: reviewing, To: StInReview, Roles: staffDeciders, Side: SideHandling},
	{Action: ActJointOpinion, From: []State{StAccepted, StInReview, StSuspended}, To: 0, Roles: []auth.Role{auth.Reviewer, auth.Chief}, Side: SideJoint},
	{Action: ActReturnTo, From: []State{StInReview}, To: StInReview, Roles: staffDeciders, Side: SideHandling, Reason: true},
	{Action: ActSuspend, From: reviewing, To: StSuspended, Roles: []auth.Role{auth.Chief}, Side: SideHandling, Reason: true},
	{Action: ActResume, From: []State{StSuspended}, To: 0, Roles: []auth.Role{auth.Reviewer, auth.Chief}, Side: SideHandling},
	{Action: ActExtend, From: reviewing, To: 0, Roles: []auth.Role{auth.Head}, Side: SideHandling, Reason: true},
	{Action: ActDecide, From: reviewing, To: 0, Roles: []auth.Role{auth.Signer}, Side: SideHandling},
	{Action: ActConclude, From: []State{StDenied, StApproved}, To: StConcluded, Roles: []auth.Role{auth.Signer, auth.Clerk, roleSystem}, Side: SideHandling},
	{Action: ActDeliver, From: []State{StConcluded}, To: StDelivered, Roles: []auth.Role{auth.Clerk}, Side: SideIntake},
	{Action: ActWithdraw, From: preDecision, To: StWithdrawn, Roles: []auth.Role{auth.Applicant, auth.Clerk}, Side: SideOwner},
	{Action: ActTerminate, From: []State{StSubmitted, StPrecheckReturned, StPrecheckPassed, StPendingReceipt, StReceived,
		StCorrection, StAccepted, StInReview, StSuspended}, To: StTerminated, Roles: []auth.Role{auth.Chief}, Side: SideHandling, Reason: true},
	{Action: ActSupply, From: []State{StAccepted, StInReview, StSuspended, StDenied, StApproved}, To: 0, Roles: []auth.Role{auth.Applicant, auth.Clerk}, Side: SideOwner},
	{Action: ActPayFee, From: []State{StReceived, StAccepted, StInReview, StSuspended, StApproved}, To: 0, Roles: []auth.Role{auth.Clerk}, Side: SideIntake},
	{Action: ActVerify, From: []State{StApproved, StConcluded, StDelivered}, To: 0, Roles: []auth.Role{auth.Reviewer, auth.Chief}, Side: SideHandling},
	{Action: ActDeemAccept, From: inIntake, To: 0, Roles: []auth.Role{roleSystem}, Side: SideHandling},
	{Action: ActDeemGrant, From: []State{StAccepted, StInReview}, To: StApproved, Roles: []auth.Role{roleSystem}, Side: SideHandling},
	{Action: ActPendingMissed, From: []State{StAccepted, StInReview, StSuspended, StDenied, StApproved}, To: 0, Roles: []auth.Role{roleSystem}, Side: SideHandling},
	{Action: ActOverdue, From: []State{StAccepted, StInReview}, To: 0, Roles: []auth.Role{roleSystem}, Side: SideHandling},
	{Action: ActCorrectionDue, From: []State{StCorrection}, To: 0, Roles: []auth.Role{roleSystem}, Side: SideIntake},
}

// RuleFor returns the rule of an action.
func RuleFor(a Action) (Rule, bool) {
	for _, r := range Transitions {
		if r.Action == a {
			return r, true
		}
	}
	return Rule{}, false
}

// sideFor is the side the actor must be on: a clerk always works the receiving side (and files
// an owner action for the applicant there); before acceptance a chief's termination is the
// receiving side's matter.
func (r Rule) sideFor(kind auth.Kind, role auth.Role, st State) Side {
	switch {
	case role == auth.Clerk:
		return SideIntake
	case r.Side == SideOwner && kind != auth.KindApplicant:
		return SideIntake
	case r.Action == ActTerminate && st < StAccepted:
		// Before acceptance the case belongs to the receiving side.
		return SideIntake
	}
	return r.Side
}

// ---- the case ----

// Case is one application (办件) as the service returns it. Personal identifiers are masked;
// Service.Unmask returns them in full to those allowed.
type Case struct {
	ID          string  `json:"id"`
	No          string  `json:"no" doc:"办件编号, see CaseNo; empty while a draft"`
	ParentID    string  `json:"parent_id,omitempty" doc:"the chain parent of a child case"`
	ChainID     string  `json:"chain_id,omitempty" doc:"the chain (一件事) of a parent or child case"`
	ItemID      string  `json:"item_id,omitempty"`
	ItemVersion int     `json:"item_version,omitempty" doc:"the pinned version of the item's spec"`
	ItemCode    string  `json:"item_code,omitempty"`
	ItemName    string  `json:"item_name"`
	Kind        Kind    `json:"kind" doc:"instant, promised or chain"`
	State       State   `json:"state" doc:"state code (DOMAIN §4.1)"`
	StateName   string  `json:"state_name"`
	Flags       Flags   `json:"flags"`
	Version     int64   `json:"version" doc:"send it back with every transition: a stale one is a conflict"`
	Channel     Channel `json:"channel" doc:"online or window"`
	OwnerID     string  `json:"owner_id,omitempty" doc:"the applicant's account, when they have one"`

	Applicant Applicant `json:"applicant"`
	Agent     *Agent    `json:"agent,omitempty"`

	Receiving Office `json:"receiving" doc:"the hall that received it (and its window)"`
	Handling  Office `json:"handling" doc:"the unit that decides it"`

	Step     int    `json:"step" doc:"index of the current review step; -1 before acceptance"`
	StepName string `json:"step_name,omitempty"`
	Todo     Todo   `json:"todo" doc:"who must act next"`

	Clock    Clock             `json:"clock"`
	Fee      *Fee              `json:"fee,omitempty" doc:"the fees, when the item charges any"`
	Form     map[string]string `json:"form"`
	Decision *Decision         `json:"decision,omitempty"`
	Promise  *Promise          `json:"promise,omitempty" doc:"the signed commitment of a 告知承诺 case"`

	CreatedAt   time.Time `json:"created_at"`
	SubmittedAt time.Time `json:"submitted_at,omitzero"`
	UpdatedAt   time.Time `json:"updated_at"`

	// unexported copies the service needs
	applicantBI string
	facts       facts
	limits      limits
	overdueAt   int64
}

// Fee is what a case owes under its item's fee rules (行政事业性收费), as pinned when it was opened.
type Fee struct {
	DueFen  int64        `json:"due_fen" doc:"the fees, in fen (分)"`
	Timing  FeeTiming    `json:"timing" doc:"before_accept or before_conclude"`
	PaidFen int64        `json:"paid_fen"`
	PaidOn  workday.Date `json:"paid_on,omitzero"`
	Receipt string       `json:"receipt,omitempty" doc:"the payment voucher (缴款书/票据) number"`
	// Owed is true while the fees are unpaid and the case has reached the point where they are
	// due: before acceptance, or (before_conclude) once approved.
	Owed bool `json:"owed"`
}

// FeeTiming says when an item's fees must be paid (catalogue: FeeTiming).
type FeeTiming string

// Fee timings.
const (
	FeeBeforeAccept   FeeTiming = "before_accept"
	FeeBeforeConclude FeeTiming = "before_conclude"
)

// Office is an organisation's place in a case: the unit, its jurisdiction and, when receiving,
// the window.
type Office struct {
	UnitID     string `json:"unit_id"`
	RegionCode string `json:"region_code"`
	WindowID   string `json:"window_id,omitempty"`
}

// Todo is who must act next on the case: a role at a unit (and its jurisdiction) and, once a
// task is claimed or assigned, one person.
type Todo struct {
	Role       auth.Role `json:"role,omitempty"`
	UnitID     string    `json:"unit_id,omitempty"`
	RegionCode string    `json:"region_code,omitempty"`
	UserID     string    `json:"user_id,omitempty"`
}

// Clock is the derived deadline state of a case. Dates are business dates in Shanghai.
type Clock struct {
	ReceivedOn   workday.Date `json:"received_on,omitzero" doc:"接件 date: the intake clock starts"`
	IntakeDue    workday.Date `json:"intake_due,omitzero" doc:"answer due (5 wd after receipt or the last corrected material)"`
	AcceptedOn   workday.Date `json:"accepted_on,omitzero" doc:"the effective acceptance date: day 1 is the next working day"`
	PromisedDue  workday.Date `json:"promised_due,omitzero"`
	StatutoryDue workday.Date `json:"statutory_due,omitzero" doc:"statutory limit plus any extension, shifted by suspensions"`
	DecidedOn    workday.Date `json:"decided_on,omitzero"`
	DeliveryDue  workday.Date `json:"delivery_due,omitzero" doc:"10 wd after the decision (art. 44)"`
	PendingDue   workday.Date `json:"pending_due,omitzero" doc:"容缺 supply promise due"`
	NextDue      workday.Date `json:"next_due,omitzero" doc:"the date the current phase is due; the queues sort by it"`
	RemainingWD  int          `json:"remaining_wd" doc:"working days left until next_due (negative when overdue), as of the last derivation"`
	Level        string       `json:"level" doc:"normal, yellow, red or suspended"`
	ExtensionWD  int          `json:"extension_wd,omitempty"`
	SuspendedWD  int          `json:"suspended_wd,omitempty" doc:"working days the clock was frozen so far"`
}

// Decision is the outcome of a case once decided, rejected, withdrawn or terminated.
type Decision struct {
	Outcome Outcome      `json:"outcome"`
	Reasons []string     `json:"reasons,omitempty"`
	Remedy  string       `json:"remedy,omitempty" doc:"the legal remedy (行政复议 / 行政诉讼) told to the applicant"`
	Body    string       `json:"competent_body,omitempty" doc:"for a rejection outside the bureau's powers: who is competent"`
	Code    string       `json:"code,omitempty" doc:"termination reason code"`
	On      workday.Date `json:"on,omitzero"`
	By      string       `json:"by,omitempty"`
}

// Outcome is how a case ended.
type Outcome string

const (
	OutcomeApprove   Outcome = "approve"
	OutcomeDeny      Outcome = "deny"
	OutcomeReject    Outcome = "reject"
	OutcomeWithdraw  Outcome = "withdraw"
	OutcomeTerminate Outcome = "terminate"
)

// Promise is the applicant's signed commitment (告知承诺书).
type Promise struct {
	Text     string    `json:"text" doc:"the obligations and the liability for a false promise, as signed"`
	SignedAt time.Time `json:"signed_at"`
	Method   string    `json:"method" doc:"handwritten, e_signature or sms"`
	DocHash  string    `json:"doc_hash,omitempty" doc:"the signed document, when uploaded"`
}

// Subject types of an applicant.
const (
	SubjectPerson = "person"
	SubjectOrg    = "org"
)

// Applicant is who applies: a natural person (resident ID) or an organisation (USCC). In a Case
// the identifiers are masked unless unmasked.
type Applicant struct {
	Type     string `json:"type" doc:"person or org"`
	Name     string `json:"name"`
	IDNumber string `json:"id_number" doc:"resident ID number or 统一社会信用代码"`
	Mobile   string `json:"mobile"`
	Masked   bool   `json:"masked"`
}

// Agent is who files for the applicant: an authorised agent (代理人) or a clerk assisting at the
// window (帮代办), with the authorisation on record.
type Agent struct {
	Kind        string `json:"kind" doc:"agent or assisted"`
	Name        string `json:"name"`
	IDNumber    string `json:"id_number,omitempty"`
	Mobile      string `json:"mobile,omitempty"`
	AuthDocHash string `json:"auth_doc_hash,omitempty" doc:"the authorisation (委托书) as uploaded"`
	AssistedBy  string `json:"assisted_by,omitempty" doc:"the clerk who filed for the applicant"`
	Masked      bool   `json:"masked"`
}

// Agent kinds.
const (
	AgentKindAgent    = "agent"
	AgentKindAssisted = "assisted"
)

// Event is one entry of a case's append-only history.
type Event struct {
	ID          string         `json:"id"`
	CaseID      string         `json:"case_id"`
	CaseNo      string         `json:"case_no"`
	Seq         int64          `json:"seq" doc:"the case version the event produced"`
	Action      Action         `json:"action"`
	From        State          `json:"from"`
	To          State          `json:"to"`
	Actor       string         `json:"actor"`
	ActorName   string         `json:"actor_name,omitempty"`
	Role        string         `json:"role"`
	CoveringFor string         `json:"covering_for,omitempty" doc:"the colleague whose task an AB-post substitute did"`
	At          time.Time      `json:"at"`
	On          workday.Date   `json:"on" doc:"the business date the event counts for"`
	Reason      string         `json:"reason,omitempty"`
	Docs        []string       `json:"docs,omitempty" doc:"hashes of documents on record for the event"`
	Data        map[string]any `json:"data,omitempty"`
}

// Task is a unit of review work: one step of the item's flow, or a parallel branch of it (a site
// inspection, or the opinion of a joint department). A return supersedes open tasks; nothing is
// deleted.
type Task struct {
	ID          string    `json:"id"`
	CaseID      string    `json:"case_id"`
	Step        int       `json:"step"`
	StepName    string    `json:"step_name"`
	Branch      string    `json:"branch" doc:"main; inspection for a site inspection beside the step; joint for a joint department's opinion (its unit_id)"`
	Role        auth.Role `json:"role"`
	UnitID      string    `json:"unit_id"`
	Assignee    string    `json:"assignee,omitempty"`
	State       string    `json:"state" doc:"open, done or superseded"`
	OpenedAt    time.Time `json:"opened_at"`
	ClosedAt    time.Time `json:"closed_at,omitzero"`
	ClosedBy    string    `json:"closed_by,omitempty"`
	CoveringFor string    `json:"covering_for,omitempty"`
	Outcome     string    `json:"outcome,omitempty" doc:"agree, disagree, approve, deny, or the inspection result"`
	Opinion     string    `json:"opinion,omitempty"`
}

// Task states and branches.
const (
	TaskOpen       = "open"
	TaskDone       = "done"
	TaskSuperseded = "superseded"
	BranchMain     = "main"
	BranchInspect  = "inspection"
	BranchJoint    = "joint"
)

// Trust is a material's trust level (DOMAIN §5): A from an issuing body or an e-certificate,
// B checked against the original at a window, C uploaded by the applicant, D made by the
// applicant under a truthfulness promise.
type Trust string

const (
	TrustA Trust = "A"
	TrustB Trust = "B"
	TrustC Trust = "C"
	TrustD Trust = "D"
)

// AtLeast reports whether t is at least as trusted as min ("" min: anything).
func (t Trust) AtLeast(min Trust) bool {
	if min == "" {
		return true
	}
	if t == "" {
		return false
	}
	return t <= min // "A" < "B" < "C" < "D"
}

// Material statuses.
const (
	MatMissing   = "missing"   // nothing yet
	MatProvided  = "provided"  // a file is on record
	MatDefective = "defective" // named in a correction notice; a new file is needed
	MatPending   = "pending"   // 容缺: promised by a date
	MatPromised  = "promised"  // 告知承诺: covered by the signed commitment
	MatCert      = "cert"      // satisfied by an e-certificate
)

// Material is one entry of a case's material checklist, from the pinned item version.
type Material struct {
	Code           string       `json:"code"`
	Name           string       `json:"name"`
	Required       bool         `json:"required"`
	PendingAllowed bool         `json:"pending_allowed,omitempty"`
	MinTrust       Trust        `json:"min_trust,omitempty"`
	CertType       string       `json:"cert_type,omitempty"`
	Status         string       `json:"status" doc:"missing, provided, defective, pending, promised or cert"`
	Trust          Trust        `json:"trust,omitempty"`
	Defect         string       `json:"defect,omitempty" doc:"what the correction notice said"`
	PendingDue     workday.Date `json:"pending_due,omitzero"`
	CertRef        string       `json:"cert_ref,omitempty"`
	FileID         string       `json:"file_id,omitempty" doc:"the current file"`
	Files          []File       `json:"files,omitempty" doc:"every file ever provided, oldest first"`
}

// File is one upload of a material: kept forever, content-addressed.
type File struct {
	ID         string    `json:"id"`
	Material   string    `json:"material"`
	Hash       string    `json:"hash"`
	Size       int64     `json:"size"`
	Kind       string    `json:"kind"`
	Name       string    `json:"name"`
	Trust      Trust     `json:"trust"`
	UploadedBy string    `json:"uploaded_by"`
	UploadedAt time.Time `json:"uploaded_at"`
	CheckedBy  string    `json:"checked_by,omitempty"`
	CheckedAt  time.Time `json:"checked_at,omitzero"`
}

// Verification is the post-verification (事后核查) of a 告知承诺 approval.
type Verification struct {
	ID         string       `json:"id"`
	CaseID     string       `json:"case_id"`
	CaseNo     string       `json:"case_no"`
	Methods    []string     `json:"methods"`
	Due        workday.Date `json:"due"`
	State      string       `json:"state" doc:"open, rectify, confirmed, revoked or referred"`
	RectifyDue workday.Date `json:"rectify_due,omitzero"`
	Note       string       `json:"note,omitempty"`
	UnitID     string       `json:"unit_id"`
	RegionCode string       `json:"region_code"`
	CreatedAt  time.Time    `json:"created_at"`
	ClosedAt   time.Time    `json:"closed_at,omitzero"`
	ClosedBy   string       `json:"closed_by,omitempty"`
}

// Verification states and outcomes.
const (
	VerifyOpen      = "open"
	VerifyRectify   = "rectify"
	VerifyConfirmed = "confirmed"
	VerifyRevoked   = "revoked"
	VerifyReferred  = "referred" // 移送处罚
)

// CreditRecord is a credit event for export (信用记录): a false commitment, or a missed 容缺
// promise. An open false-commitment record bars the 告知承诺 path until it is cleared.
type CreditRecord struct {
	ID         string    `json:"id"`
	CaseID     string    `json:"case_id"`
	CaseNo     string    `json:"case_no"`
	Kind       string    `json:"kind" doc:"false_promise or pending_missed"`
	Subject    string    `json:"subject" doc:"the applicant, masked"`
	RegionCode string    `json:"region_code"`
	At         time.Time `json:"at"`
	Note       string    `json:"note,omitempty"`
	ClearedAt  time.Time `json:"cleared_at,omitzero"`
	ClearedBy  string    `json:"cleared_by,omitempty"`
}

// Credit record kinds.
const (
	CreditFalsePromise  = "false_promise"
	CreditPendingMissed = "pending_missed"
)

// ---- what the case needs from the catalogue ----

// Item is what a case keeps of its item's spec at the pinned version (package catalog's
// ItemVersion, reduced to what the case rules use). app adapts the catalogue to Catalog.
type Item struct {
	ID          string `json:"id"`
	Version     int    `json:"version"`
	Code        string `json:"code"`
	Name        string `json:"name"`
	RegionCode  string `json:"region_code" doc:"the implementing jurisdiction"`
	Kind        Kind   `json:"kind"`
	StatutoryWD int    `json:"statutory_wd"`
	PromisedWD  int    `json:"promised_wd"`
	ExtensionWD int    `json:"extension_wd" doc:"0: the default 10 wd (15 for joint handling)"`
	Joint       bool   `json:"joint"`
	// JointDepts are the departments whose opinions the handling unit asks for (联办, art. 26:
	// one unit accepts and forwards the application to the others, then decides for all).
	JointDepts []string `json:"joint_depts,omitempty"`
	CityWide   bool     `json:"city_wide"`
	// Direct items skip the online pre-check: a submission waits for receipt at once.
	Direct          bool           `json:"direct"`
	Cancelled       bool           `json:"cancelled" doc:"证照分离 直接取消审批: no new cases"`
	PromiseAllowed  bool           `json:"promise_allowed" doc:"实行告知承诺"`
	PromiseText     string         `json:"promise_text,omitempty"`
	VerifyMethods   []string       `json:"verify_methods,omitempty"`
	VerifyWithinWD  int            `json:"verify_within_wd,omitempty"`
	PendingSupplyWD int            `json:"pending_supply_wd,omitempty"`
	FeeFen          int64          `json:"fee_fen,omitempty" doc:"the fees charged, in fen; 0: free of charge"`
	FeeTiming       FeeTiming      `json:"fee_timing,omitempty" doc:"before_accept or before_conclude (the default)"`
	AcceptUnit      string         `json:"accept_unit,omitempty" doc:"the hall that receives online applications"`
	ResultCertType  string         `json:"result_cert_type,omitempty" doc:"the e-certificate type the item issues"`
	CertAction      string         `json:"cert_action,omitempty" doc:"new, change, renew or cancel (业务办理项 新设/变更/延续/注销)"`
	Steps           []Step         `json:"steps"`
	SpecialSteps    []SpecialStep  `json:"special_steps,omitempty"`
	Materials       []MaterialSpec `json:"materials"`
	Fields          []Field        `json:"fields,omitempty"`
}

// Step is a step of an item's review flow.
type Step struct {
	Name    string    `json:"name"`
	LimitWD int       `json:"limit_wd"`
	Role    auth.Role `json:"role" doc:"reviewer, chief or signer"`
}

// SpecialStep is a special procedure (特别程序) an item names; one that does not count in the
// limit suspends the clock.
type SpecialStep struct {
	Name          string `json:"name"`
	Basis         string `json:"basis,omitempty"`
	CountsInLimit bool   `json:"counts_in_limit"`
}

// MaterialSpec is a material the item asks for.
type MaterialSpec struct {
	Code           string `json:"code"`
	Name           string `json:"name"`
	Required       bool   `json:"required"`
	PendingAllowed bool   `json:"pending_allowed,omitempty"`
	MinTrust       Trust  `json:"min_trust,omitempty"`
	CertType       string `json:"cert_type,omitempty"`
}

// Field is a field of the item's application form.
type Field struct {
	Key      string `json:"key"`
	Label    string `json:"label"`
	Required bool   `json:"required"`
	Type     string `json:"type,omitempty" doc:"text, number, date, phone, id_number, select …"`
}

// Unit is an organisation unit as the catalogue's Decider names it.
type Unit struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	RegionCode string `json:"region_code"`
}

// Chain is a 一件事 chain: items handled as one thing, with a combined form and shared materials.
type Chain struct {
	ID         string          `json:"id"`
	Code       string          `json:"code"`
	Name       string          `json:"name"`
	RegionCode string          `json:"region_code"`
	LeadUnit   string          `json:"lead_unit"`
	ItemIDs    []string        `json:"item_ids"`
	Fields     []ChainField    `json:"fields"`
	Materials  []ChainMaterial `json:"materials"`
}

// ChainField is a field of the combined form and the item fields it fills.
type ChainField struct {
	Key      string     `json:"key"`
	Label    string     `json:"label"`
	Required bool       `json:"required"`
	Maps     []FieldRef `json:"maps"`
}

// FieldRef names an item's form field.
type FieldRef struct {
	ItemID string `json:"item_id"`
	Field  string `json:"field"`
}

// ChainMaterial is a material of the combined list and the item materials it satisfies.
type ChainMaterial struct {
	Key  string        `json:"key"`
	Name string        `json:"name"`
	Maps []MaterialRef `json:"maps"`
}

// MaterialRef names an item's material.
type MaterialRef struct {
	ItemID   string `json:"item_id"`
	Material string `json:"material"`
}

// Catalog is what cases need from the service catalogue. Package catalog satisfies it through
// an adapter in app; tests use a small in-memory catalogue with the same behaviour.
type Catalog interface {
	// ItemAt returns the item's spec in force on a date (the version a new case pins). An item
	// with no version in force is errs.NotFound; a retired item errs.Invalid.
	ItemAt(ctx context.Context, itemID string, on workday.Date) (Item, error)
	// ItemVersion returns one published version (the pinned one of an existing case).
	ItemVersion(ctx context.Context, itemID string, version int) (Item, error)
	// Decider returns the unit that decides the item in a jurisdiction on a date (全市通办
	// routing); an unresolvable route is an error.
	Decider(ctx context.Context, itemID, regionCode string, on workday.Date) (Unit, error)
	// Chain returns an active chain.
	Chain(ctx context.Context, chainID string) (Chain, error)
	// Unit resolves an organisation unit (the hall an item names as its accepting unit).
	Unit(ctx context.Context, unitID string) (Unit, error)
}
