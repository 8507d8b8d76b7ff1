// Package rectify is the rectification ledger (整改台账, DOMAIN §8.3): one item per problem,
// whatever its source — a bad rating (opened by the rating.bad event), a supervision finding, an
// integrity clue, an unresolved 办不成事 ticket. The source is a typed reference, not a foreign
// key, so the ledger knows no other domain. An item has a responsible organisation, a deadline
// derived by workday.Clock, the states open → in progress → submitted → verified → closed (销号)
// or reopened, a callback to the citizen where the source is a real-name rating, evidence, and
// escalations 提醒 → 催办 → 督办 when its deadline nears or passes.
package rectify

import (
	"slices"
	"time"
)

// State is where an item stands.
type State string

const (
	StateOpen       State = "open"        // opened, nobody working on it yet
	StateInProgress State = "in_progress" // the responsible organisation works on it
	StateSubmitted  State = "submitted"   // the fix is reported, waiting for verification
	StateVerified   State = "verified"    // a supervisor checked the fix
	StateClosed     State = "closed"      // 销号
	StateReopened   State = "reopened"    // closed or verified, then found not fixed
)

// States lists the states in the order of the ledger.
var States = []State{StateOpen, StateInProgress, StateSubmitted, StateVerified, StateClosed, StateReopened}

// Valid reports whether s is a known state.
func (s State) Valid() bool { return slices.Contains(States, s) }

// Working reports whether the responsible organisation has the item (its deadline runs).
func (s State) Working() bool {
	return s == StateOpen || s == StateInProgress || s == StateReopened
}

// SourceKind is where a problem came from.
type SourceKind string

const (
	SourceRating      SourceKind = "rating"      // a 差评
	SourceSupervision SourceKind = "supervision" // a 督查 finding
	SourceInspection  SourceKind = "inspection"  // an unannounced inspection (四不两直)
	SourceClue        SourceKind = "clue"        // an integrity clue
	SourceHardCase    SourceKind = "hardcase"    // an unresolved 办不成事 ticket
)

// SourceKinds lists the kinds.
var SourceKinds = []SourceKind{SourceRating, SourceSupervision, SourceInspection, SourceClue, SourceHardCase}

// Valid reports whether k is a known kind.
func (k SourceKind) Valid() bool { return slices.Contains(SourceKinds, k) }

// Outcome classifies how a bad rating was answered (DOMAIN §6 3).
type Outcome string

const (
	OutcomeFixedNow  Outcome = "fixed_now"     // clear and reasonable: fixed at once
	OutcomeFixedBy   Outcome = "fixed_by_date" // complex: fixed by a date
	OutcomeExplained Outcome = "explained"     // no legal basis: explained to the citizen
	OutcomeAppealed  Outcome = "appealed"      // mistaken or malicious: appealed
)

// Outcomes lists the outcome classes.
var Outcomes = []Outcome{OutcomeFixedNow, OutcomeFixedBy, OutcomeExplained, OutcomeAppealed}

// Valid reports whether o is a known outcome.
func (o Outcome) Valid() bool { return slices.Contains(Outcomes, o) }

// Satisfaction is the citizen's satisfaction with the fix.
type Satisfaction string

const (
	Satisfied    Satisfaction = "satisfied"    // 满意
	Basic        Satisfaction = "basic"        // 基本满意
	Dissatisfied Satisfaction = "dissatisfied" // 不满意
)

// Valid reports whether s is a known answer.
func (s Satisfaction) Valid() bool { return s == Satisfied || s == Basic || s == Dissatisfied }

// Level is an escalation level (三单, DOMAIN §8.1 and §16.2).
type Level int

const (
	LevelRemind  Level = 1 // 提醒: the deadline nears
	LevelUrge    Level = 2 // 催办: the deadline passed
	LevelEnforce Level = 3 // 督办: still not done after the 催办 (a written report is due)
	LevelAlert   Level = 4 // 问责提醒: the 督办 lapsed
)

// Rectification is one item of the ledger.
type Rectification struct {
	ID             string         `json:"id"`
	No             string         `json:"no" doc:"ZG2026-000123"`
	SourceKind     SourceKind     `json:"source_kind"`
	SourceID       string         `json:"source_id"`
	SourceLabel    string         `json:"source_label" doc:"e.g. the case number of a rated case"`
	SourceMeta     map[string]any `json:"source_meta"`
	Title          string         `json:"title"`
	Description    string         `json:"description"`
	UnitID         string         `json:"unit_id" doc:"the responsible organisation"`
	UnitName       string         `json:"unit_name"`
	RegionCode     string         `json:"region_code"`
	OwnerID        string         `json:"owner_id,omitempty" doc:"the person in charge at the organisation"`
	OwnerName      string         `json:"owner_name,omitempty"`
	State          State          `json:"state"`
	Cycle          int            `json:"cycle" doc:"1, and one more for each reopening"`
	StartedOn      string         `json:"started_on"`
	LimitWD        int            `json:"limit_wd"`
	DueOn          string         `json:"due_on"`
	Remaining      int            `json:"remaining_wd" doc:"working days left; negative when overdue"`
	Overdue        bool           `json:"overdue"`
	OverdueWD      int            `json:"overdue_wd,omitempty" doc:"working days past the due date"`
	Outcome        Outcome        `json:"outcome,omitempty"`
	FixBy          string         `json:"fix_by,omitempty"`
	Measures       string         `json:"measures,omitempty"`
	Explanation    string         `json:"explanation,omitempty"`
	CallbackNeeded bool           `json:"callback_required"`
	CallbackDone   bool           `json:"callback_done" doc:"reached, or three attempts"`
	Unreachable    bool           `json:"unreachable" doc:"three attempts, nobody reached"`
	Satisfaction   Satisfaction   `json:"satisfaction,omitempty"`
	SubmittedAt    time.Time      `json:"submitted_at,omitzero"`
	VerifiedBy     string         `json:"verified_by,omitempty"`
	VerifiedAt     time.Time      `json:"verified_at,omitzero"`
	ClosedBy       string         `json:"closed_by,omitempty"`
	ClosedAt       time.Time      `json:"closed_at,omitzero"`
	ClosedOn       string         `json:"closed_on,omitempty"`
	OnTime         bool           `json:"on_time" doc:"the fix was submitted by the due date"`
	Escalation     Level          `json:"escalation" doc:"highest escalation of the current cycle: 0 none, 1 提醒, 2 催办, 3 督办, 4 问责"`
	Version        int            `json:"version"`
	CreatedAt      time.Time      `json:"created_at"`
	UpdatedAt      time.Time      `json:"updated_at"`
	Evidence       []Evidence     `json:"evidence,omitempty"`
	Callbacks      []Callback     `json:"callbacks,omitempty"`
	History        []Event        `json:"history,omitempty"`
	Escalations    []Escalation   `json:"escalations,omitempty"`
}

// Evidence is an attachment of an item.
type Evidence struct {
	ID     string    `json:"id"`
	SHA256 string    `json:"sha256"`
	Name   string    `json:"name"`
	Type   string    `json:"type"`
	Size   int64     `json:"size"`
	Note   string    `json:"note,omitempty"`
	ByName string    `json:"by_name"`
	At     time.Time `json:"at"`
}

// Callback is one attempt to call the citizen back (回访).
type Callback struct {
	Attempt      int          `json:"attempt"`
	Reached      bool         `json:"reached"`
	Satisfaction Satisfaction `json:"satisfaction,omitempty"`
	Note         string       `json:"note,omitempty"`
	ByName       string       `json:"by_name"`
	At           time.Time    `json:"at"`
}

// Event is a line of an item's history.
type Event struct {
	Action    string    `json:"action"`
	From      State     `json:"from,omitempty"`
	To        State     `json:"to,omitempty"`
	ActorName string    `json:"actor_name"`
	Role      string    `json:"role,omitempty"`
	Note      string    `json:"note,omitempty"`
	At        time.Time `json:"at"`
}

// Escalation is an escalation issued for an item.
type Escalation struct {
	Level     Level     `json:"level"`
	Cycle     int       `json:"cycle"`
	IssuedOn  string    `json:"issued_on"`
	RespondBy string    `json:"respond_by"`
	IssuedAt  time.Time `json:"issued_at"`
	// For lists of escalations across items:
	RectID   string `json:"rect_id,omitempty"`
	RectNo   string `json:"rect_no,omitempty"`
	Title    string `json:"title,omitempty"`
	UnitName string `json:"unit_name,omitempty"`
	UnitID   string `json:"unit_id,omitempty"`
}
