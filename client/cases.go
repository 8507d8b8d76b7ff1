package client

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Case is an application (办件) as the API returns it; personal identifiers are masked.
type Case struct {
	ID          string            `json:"id"`
	No          string            `json:"no"`
	ParentID    string            `json:"parent_id,omitempty"`
	ChainID     string            `json:"chain_id,omitempty"`
	ItemID      string            `json:"item_id,omitempty"`
	ItemVersion int               `json:"item_version,omitempty"`
	ItemCode    string            `json:"item_code,omitempty"`
	ItemName    string            `json:"item_name"`
	Kind        string            `json:"kind"` // instant, promised or chain
	State       int               `json:"state"`
	StateName   string            `json:"state_name"` // draft, submitted, … in_review, suspended, approved, concluded, delivered …
	Flags       []string          `json:"flags"`
	Version     int64             `json:"version"` // send it back with every transition
	Channel     string            `json:"channel"`
	OwnerID     string            `json:"owner_id,omitempty"`
	Applicant   CaseApplicant     `json:"applicant"`
	Agent       *CaseAgent        `json:"agent,omitempty"`
	Receiving   CaseOffice        `json:"receiving"`
	Handling    CaseOffice        `json:"handling"`
	Step        int               `json:"step"`
	StepName    string            `json:"step_name,omitempty"`
	Todo        CaseTodo          `json:"todo"`
	Clock       CaseClock         `json:"clock"`
	Fee         *CaseFee          `json:"fee,omitempty"`
	Form        map[string]string `json:"form"`
	Decision    *CaseDecision     `json:"decision,omitempty"`
	Promise     *CasePromise      `json:"promise,omitempty"`
	CreatedAt   time.Time         `json:"created_at"`
	SubmittedAt time.Time         `json:"submitted_at,omitzero"`
	UpdatedAt   time.Time         `json:"updated_at"`
}

// HasFlag reports whether the case carries a flag ("extended", "deemed_accepted", …).
func (c *Case) HasFlag(f string) bool {
	for _, x := range c.Flags {
		if x == f {
			return true
		}
	}
	return false
}

// CaseApplicant is who applies (masked unless unmasked).
type CaseApplicant struct {
	Type     string `json:"type"` // person or org
	Name     string `json:"name"`
	IDNumber string `json:"id_number"`
	Mobile   string `json:"mobile"`
	Masked   bool   `json:"masked"`
}

// CaseAgent is who filed for the applicant.
type CaseAgent struct {
	Kind        string `json:"kind"` // agent or assisted
	Name        string `json:"name"`
	IDNumber    string `json:"id_number,omitempty"`
	Mobile      string `json:"mobile,omitempty"`
	AuthDocHash string `json:"auth_doc_hash,omitempty"`
	AssistedBy  string `json:"assisted_by,omitempty"`
	Masked      bool   `json:"masked"`
}

// CaseOffice is a unit's place in a case.
type CaseOffice struct {
	UnitID     string `json:"unit_id"`
	RegionCode string `json:"region_code"`
	WindowID   string `json:"window_id,omitempty"`
}

// CaseTodo is who must act next.
type CaseTodo struct {
	Role       string `json:"role,omitempty"`
	UnitID     string `json:"unit_id,omitempty"`
	RegionCode string `json:"region_code,omitempty"`
	UserID     string `json:"user_id,omitempty"`
}

// CaseFee is what a case owes in fees.
type CaseFee struct {
	DueFen  int64  `json:"due_fen"`
	Timing  string `json:"timing"` // before_accept or before_conclude
	PaidFen int64  `json:"paid_fen"`
	PaidOn  string `json:"paid_on,omitempty"`
	Receipt string `json:"receipt,omitempty"`
	Owed    bool   `json:"owed"`
}

// CaseClock holds the deadlines; dates are YYYY-MM-DD (empty when none).
type CaseClock struct {
	ReceivedOn   string `json:"received_on,omitempty"`
	IntakeDue    string `json:"intake_due,omitempty"`
	AcceptedOn   string `json:"accepted_on,omitempty"`
	PromisedDue  string `json:"promised_due,omitempty"`
	StatutoryDue string `json:"statutory_due,omitempty"`
	DecidedOn    string `json:"decided_on,omitempty"`
	DeliveryDue  string `json:"delivery_due,omitempty"`
	PendingDue   string `json:"pending_due,omitempty"`
	NextDue      string `json:"next_due,omitempty"`
	RemainingWD  int    `json:"remaining_wd"`
	Level        string `json:"level"` // normal, yellow, red or suspended
	ExtensionWD  int    `json:"extension_wd,omitempty"`
	SuspendedWD  int    `json:"suspended_wd,omitempty"`
}

// CaseDecision is how a case ended.
type CaseDecision struct {
	Outcome string   `json:"outcome"` // approve, deny, reject, withdraw, terminate
	Reasons []string `json:"reasons,omitempty"`
	Remedy  string   `json:"remedy,omitempty"`
	Body    string   `json:"competent_body,omitempty"`
	Code    string   `json:"code,omitempty"`
	On      string   `json:"on,omitempty"`
	By      string   `json:"by,omitempty"`
}

// CasePromise is the signed commitment of a 告知承诺 case.
type CasePromise struct {
	Text     string    `json:"text"`
	SignedAt time.Time `json:"signed_at"`
	Method   string    `json:"method"`
	DocHash  string    `json:"doc_hash,omitempty"`
}

// CaseEvent is one entry of a case's history.
type CaseEvent struct {
	ID          string         `json:"id"`
	CaseID      string         `json:"case_id"`
	CaseNo      string         `json:"case_no"`
	Seq         int64          `json:"seq"`
	Action      string         `json:"action"`
	From        int            `json:"from"`
	To          int            `json:"to"`
	Actor       string         `json:"actor"`
	ActorName   string         `json:"actor_name,omitempty"`
	Role        string         `json:"role"`
	CoveringFor string         `json:"covering_for,omitempty"`
	At          time.Time      `json:"at"`
	On          string         `json:"on"`
	Reason      string         `json:"reason,omitempty"`
	Docs        []string       `json:"docs,omitempty"`
	Data        map[string]any `json:"data,omitempty"`
}

// CaseTask is a review task.
type CaseTask struct {
	ID          string    `json:"id"`
	CaseID      string    `json:"case_id"`
	Step        int       `json:"step"`
	StepName    string    `json:"step_name"`
	Branch      string    `json:"branch"` // main, inspection, or joint (a joint department's opinion, in its unit_id)
	Role        string    `json:"role"`
	UnitID      string    `json:"unit_id"`
	Assignee    string    `json:"assignee,omitempty"`
	State       string    `json:"state"` // open, done, superseded
	OpenedAt    time.Time `json:"opened_at"`
	ClosedAt    time.Time `json:"closed_at,omitzero"`
	ClosedBy    string    `json:"closed_by,omitempty"`
	CoveringFor string    `json:"covering_for,omitempty"`
	Outcome     string    `json:"outcome,omitempty"`
	Opinion     string    `json:"opinion,omitempty"`
}

// CaseMaterial is an entry of a case's material checklist.
type CaseMaterial struct {
	Code           string     `json:"code"`
	Name           string     `json:"name"`
	Required       bool       `json:"required"`
	PendingAllowed bool       `json:"pending_allowed,omitempty"`
	MinTrust       string     `json:"min_trust,omitempty"`
	CertType       string     `json:"cert_type,omitempty"`
	Status         string     `json:"status"` // missing, provided, defective, pending, promised, cert
	Trust          string     `json:"trust,omitempty"`
	Defect         string     `json:"defect,omitempty"`
	PendingDue     string     `json:"pending_due,omitempty"`
	CertRef        string     `json:"cert_ref,omitempty"`
	FileID         string     `json:"file_id,omitempty"`
	Files          []CaseFile `json:"files,omitempty"`
}

// CaseFile is one upload of a material.
type CaseFile struct {
	ID         string    `json:"id"`
	Material   string    `json:"material"`
	Hash       string    `json:"hash"`
	Size       int64     `json:"size"`
	Kind       string    `json:"kind"`
	Name       string    `json:"name"`
	Trust      string    `json:"trust"`
	UploadedBy string    `json:"uploaded_by"`
	UploadedAt time.Time `json:"uploaded_at"`
	CheckedBy  string    `json:"checked_by,omitempty"`
	CheckedAt  time.Time `json:"checked_at,omitzero"`
}

// CaseSummary is a case as a queue lists it.
type CaseSummary struct {
	ID            string     `json:"id"`
	No            string     `json:"no"`
	ParentID      string     `json:"parent_id,omitempty"`
	ItemID        string     `json:"item_id,omitempty"`
	ItemName      string     `json:"item_name"`
	Kind          string     `json:"kind"`
	State         int        `json:"state"`
	StateName     string     `json:"state_name"`
	Flags         []string   `json:"flags"`
	Version       int64      `json:"version"`
	Channel       string     `json:"channel"`
	ApplicantType string     `json:"applicant_type"`
	Applicant     string     `json:"applicant"`
	ApplicantID   string     `json:"applicant_id"`
	Receiving     CaseOffice `json:"receiving"`
	Handling      CaseOffice `json:"handling"`
	StepName      string     `json:"step_name,omitempty"`
	TodoRole      string     `json:"todo_role,omitempty"`
	TodoUser      string     `json:"todo_user,omitempty"`
	NextDue       string     `json:"next_due,omitempty"`
	RemainingWD   int        `json:"remaining_wd"`
	Level         string     `json:"level"`
	PromisedDue   string     `json:"promised_due,omitempty"`
	StatutoryDue  string     `json:"statutory_due,omitempty"`
}

// CasePage is a page of a queue.
type CasePage struct {
	Items []CaseSummary `json:"items"`
	Next  string        `json:"next,omitempty"`
}

// CaseQueueQuery asks for a page of a queue: todo, done, warning, overdue, suspended,
// correction, mine or search.
type CaseQueueQuery struct {
	Queue     string
	ItemID    string
	WindowID  string
	State     int    // search
	No        string // search
	Applicant string // search: ID number or credit code
	After     string
	Limit     int
}

// CaseVerification is a post-verification (事后核查) of a 告知承诺 approval.
type CaseVerification struct {
	ID         string    `json:"id"`
	CaseID     string    `json:"case_id"`
	CaseNo     string    `json:"case_no"`
	Methods    []string  `json:"methods"`
	Due        string    `json:"due"`
	State      string    `json:"state"`
	RectifyDue string    `json:"rectify_due,omitempty"`
	Note       string    `json:"note,omitempty"`
	UnitID     string    `json:"unit_id"`
	RegionCode string    `json:"region_code"`
	CreatedAt  time.Time `json:"created_at"`
	ClosedAt   time.Time `json:"closed_at,omitzero"`
	ClosedBy   string    `json:"closed_by,omitempty"`
}

// CaseCreditRecord is a credit record (false promise, missed 容缺 promise).
type CaseCreditRecord struct {
	ID         string    `json:"id"`
	CaseID     string    `json:"case_id"`
	CaseNo     string    `json:"case_no"`
	Kind       string    `json:"kind"`
	Subject    string    `json:"subject"`
	RegionCode string    `json:"region_code"`
	At         time.Time `json:"at"`
	Note       string    `json:"note,omitempty"`
	ClearedAt  time.Time `json:"cleared_at,omitzero"`
	ClearedBy  string    `json:"cleared_by,omitempty"`
}

// CaseUnmasked is a case's personal identifiers in full.
type CaseUnmasked struct {
	Applicant CaseApplicant `json:"applicant"`
	Agent     *CaseAgent    `json:"agent,omitempty"`
}

// ---- inputs ----

// CaseApplicantInput names an applicant.
type CaseApplicantInput struct {
	Type     string `json:"type"` // person or org
	Name     string `json:"name"`
	IDNumber string `json:"id_number"`
	Mobile   string `json:"mobile"`
}

// CaseAgentInput names an agent (kind agent) or a clerk's assisted filing (kind assisted).
type CaseAgentInput struct {
	Kind        string `json:"kind"`
	Name        string `json:"name"`
	IDNumber    string `json:"id_number,omitempty"`
	Mobile      string `json:"mobile,omitempty"`
	AuthDocHash string `json:"auth_doc_hash"`
}

// CasePromiseInput signs the item's commitment (告知承诺).
type CasePromiseInput struct {
	Method  string `json:"method"` // handwritten, e_signature or sms
	DocHash string `json:"doc_hash,omitempty"`
}

// OpenCaseInput starts a case. An applicant may leave Applicant empty to file for themselves.
type OpenCaseInput struct {
	ItemID    string              `json:"item_id"`
	Applicant *CaseApplicantInput `json:"applicant,omitempty"`
	Agent     *CaseAgentInput     `json:"agent,omitempty"`
	OwnerID   string              `json:"owner_id,omitempty"`
	WindowID  string              `json:"window_id,omitempty"`
	Form      map[string]string   `json:"form,omitempty"`
	Promise   *CasePromiseInput   `json:"promise,omitempty"`
}

// OpenChainInput applies for a chain (一件事).
type OpenChainInput struct {
	ChainID   string              `json:"chain_id"`
	Applicant *CaseApplicantInput `json:"applicant,omitempty"`
	Agent     *CaseAgentInput     `json:"agent,omitempty"`
	OwnerID   string              `json:"owner_id,omitempty"`
	WindowID  string              `json:"window_id,omitempty"`
	Form      map[string]string   `json:"form,omitempty"`
	Items     []string            `json:"items,omitempty"`
}

// CaseDefect is an entry of a pre-check return or a correction notice.
type CaseDefect struct {
	Material string `json:"material,omitempty"`
	Field    string `json:"field,omitempty"`
	Problem  string `json:"problem"`
}

// CaseRejectInput refuses to accept.
type CaseRejectInput struct {
	Reasons       []string `json:"reasons"`
	Remedy        string   `json:"remedy"`
	OutsidePowers bool     `json:"outside_powers,omitempty"`
	CompetentBody string   `json:"competent_body,omitempty"`
}

// CaseSuspendInput starts a special procedure.
type CaseSuspendInput struct {
	Kind        string `json:"kind"` // hearing, tender, auction, testing, appraisal, expert_review, or an item's special step
	Basis       string `json:"basis,omitempty"`
	Reason      string `json:"reason"`
	ExpectedWD  int    `json:"expected_wd"`
	RequestedBy string `json:"requested_by,omitempty"`
}

// CaseDecideInput decides.
type CaseDecideInput struct {
	Outcome string   `json:"outcome"` // approve or deny
	Opinion string   `json:"opinion,omitempty"`
	Reasons []string `json:"reasons,omitempty"`
	Remedy  string   `json:"remedy,omitempty"`
}

// ---- calls ----

func casePath(id string, rest ...string) string {
	p := "/api/v1/cases/" + url.PathEscape(id)
	for _, r := range rest {
		p += "/" + r
	}
	return p
}

// transition posts a transition body (the version plus the fields of in) and returns the case.
func (c *Client) transition(ctx context.Context, id, action string, version int64, in map[string]any) (*Case, error) {
	if in == nil {
		in = map[string]any{}
	}
	in["version"] = version
	var out Case
	err := c.do(ctx, "POST", casePath(id, action), in, &out)
	return &out, err
}

// OpenCase starts a case as a draft.
func (c *Client) OpenCase(ctx context.Context, in OpenCaseInput) (*Case, error) {
	var out Case
	err := c.do(ctx, "POST", "/api/v1/cases", in, &out)
	return &out, err
}

// OpenChain applies for a chain: a parent case and a child per item.
func (c *Client) OpenChain(ctx context.Context, in OpenChainInput) (*Case, error) {
	var out Case
	err := c.do(ctx, "POST", "/api/v1/cases/chains", in, &out)
	return &out, err
}

// Case returns one case.
func (c *Client) Case(ctx context.Context, id string) (*Case, error) {
	var out Case
	err := c.do(ctx, "GET", casePath(id), nil, &out)
	return &out, err
}

// CaseByNo returns a case by its number.
func (c *Client) CaseByNo(ctx context.Context, no string) (*Case, error) {
	var out Case
	err := c.do(ctx, "GET", "/api/v1/cases/by-no"+Query("no", no), nil, &out)
	return &out, err
}

// CaseEvents returns a case's history, oldest first (a chain parent: the whole chain).
func (c *Client) CaseEvents(ctx context.Context, id string) ([]CaseEvent, error) {
	var out []CaseEvent
	err := c.do(ctx, "GET", casePath(id, "events"), nil, &out)
	return out, err
}

// CaseTasks returns a case's review tasks.
func (c *Client) CaseTasks(ctx context.Context, id string) ([]CaseTask, error) {
	var out []CaseTask
	err := c.do(ctx, "GET", casePath(id, "tasks"), nil, &out)
	return out, err
}

// CaseChildren returns the child cases of a chain parent.
func (c *Client) CaseChildren(ctx context.Context, id string) ([]Case, error) {
	var out []Case
	err := c.do(ctx, "GET", casePath(id, "children"), nil, &out)
	return out, err
}

// MyCaseTasks lists the open tasks of the caller (and of those they cover for).
func (c *Client) MyCaseTasks(ctx context.Context) ([]CaseTask, error) {
	var out []CaseTask
	err := c.do(ctx, "GET", "/api/v1/cases/tasks", nil, &out)
	return out, err
}

// CaseQueue returns a page of a work queue.
func (c *Client) CaseQueue(ctx context.Context, q CaseQueueQuery) (*CasePage, error) {
	state, limit := "", ""
	if q.State != 0 {
		state = strconv.Itoa(q.State)
	}
	if q.Limit != 0 {
		limit = strconv.Itoa(q.Limit)
	}
	var out CasePage
	err := c.do(ctx, "GET", "/api/v1/cases"+Query("queue", q.Queue, "item", q.ItemID, "window", q.WindowID,
		"state", state, "no", q.No, "applicant", q.Applicant, "after", q.After, "limit", limit), nil, &out)
	return &out, err
}

// UnmaskCase returns the personal identifiers of a case in full (owner, or staff with unmask).
func (c *Client) UnmaskCase(ctx context.Context, id string) (*CaseUnmasked, error) {
	var out CaseUnmasked
	err := c.do(ctx, "POST", casePath(id, "unmask"), nil, &out)
	return &out, err
}

// EditCaseForm replaces the application form.
func (c *Client) EditCaseForm(ctx context.Context, id string, version int64, form map[string]string) (*Case, error) {
	var out Case
	err := c.do(ctx, "PUT", casePath(id, "form"), map[string]any{"version": version, "form": form}, &out)
	return &out, err
}

// SubmitCase submits an online application; the case number is issued.
func (c *Client) SubmitCase(ctx context.Context, id string, version int64) (*Case, error) {
	return c.transition(ctx, id, "submit", version, nil)
}

// PrecheckCase passes the online pre-check, or returns it with every defect.
func (c *Client) PrecheckCase(ctx context.Context, id string, version int64, pass bool, defects []CaseDefect, note string) (*Case, error) {
	return c.transition(ctx, id, "precheck", version, map[string]any{"pass": pass, "defects": defects, "note": note})
}

// ReceiveCase receives a case at a window.
func (c *Client) ReceiveCase(ctx context.Context, id string, version int64, windowID string) (*Case, error) {
	return c.transition(ctx, id, "receive", version, map[string]any{"window_id": windowID})
}

// RequestCorrection sends the one correction notice listing every defect.
func (c *Client) RequestCorrection(ctx context.Context, id string, version int64, defects []CaseDefect, note string) (*Case, error) {
	return c.transition(ctx, id, "correction", version, map[string]any{"defects": defects, "note": note})
}

// ResubmitCase says the corrections are in.
func (c *Client) ResubmitCase(ctx context.Context, id string, version int64, note string) (*Case, error) {
	return c.transition(ctx, id, "resubmit", version, map[string]any{"note": note})
}

// AcceptCase accepts a case.
func (c *Client) AcceptCase(ctx context.Context, id string, version int64, note string) (*Case, error) {
	return c.transition(ctx, id, "accept", version, map[string]any{"note": note})
}

// AcceptCasePending accepts with pending materials (容缺受理).
func (c *Client) AcceptCasePending(ctx context.Context, id string, version int64, materials []string, promise string, supplyWD int) (*Case, error) {
	return c.transition(ctx, id, "accept-pending", version, map[string]any{"materials": materials, "promise_text": promise,
		"supply_wd": supplyWD})
}

// RejectCase refuses to accept.
func (c *Client) RejectCase(ctx context.Context, id string, version int64, in CaseRejectInput) (*Case, error) {
	return c.transition(ctx, id, "reject", version, map[string]any{"reasons": in.Reasons, "remedy": in.Remedy,
		"outside_powers": in.OutsidePowers, "competent_body": in.CompetentBody})
}

// ClaimCaseTask takes a pooled review task.
func (c *Client) ClaimCaseTask(ctx context.Context, id string, version int64, taskID string) (*Case, error) {
	return c.transition(ctx, id, "claim", version, map[string]any{"task_id": taskID})
}

// AssignCaseTask gives a task to a colleague.
func (c *Client) AssignCaseTask(ctx context.Context, id string, version int64, taskID, userID string) (*Case, error) {
	return c.transition(ctx, id, "assign", version, map[string]any{"task_id": taskID, "user_id": userID})
}

// AdvanceCase records a step's opinion (taskID "" for the current step's main task).
func (c *Client) AdvanceCase(ctx context.Context, id string, version int64, taskID, outcome, opinion string) (*Case, error) {
	return c.transition(ctx, id, "advance", version, map[string]any{"task_id": taskID, "outcome": outcome, "opinion": opinion})
}

// RequestInspection opens a site inspection beside the current step.
func (c *Client) RequestInspection(ctx context.Context, id string, version int64, assignee, note string) (*Case, error) {
	return c.transition(ctx, id, "inspection", version, map[string]any{"assignee": assignee, "note": note})
}

// ConsultJointDepts asks the item's joint departments for their opinions (联办); units nil asks
// every one not already asked in this step.
func (c *Client) ConsultJointDepts(ctx context.Context, id string, version int64, units []string, note string) (*Case, error) {
	return c.transition(ctx, id, "consult", version, map[string]any{"units": units, "note": note})
}

// RecordJointOpinion records the opinion of the caller's department on its open joint task
// (taskID "" for that task); outcome is agree or disagree.
func (c *Client) RecordJointOpinion(ctx context.Context, id string, version int64, taskID, outcome, opinion string) (*Case, error) {
	return c.transition(ctx, id, "joint-opinion", version, map[string]any{"task_id": taskID, "outcome": outcome, "opinion": opinion})
}

// ReturnCase returns a case to an earlier step.
func (c *Client) ReturnCase(ctx context.Context, id string, version int64, step int, reason string) (*Case, error) {
	return c.transition(ctx, id, "return", version, map[string]any{"step": step, "reason": reason})
}

// SuspendCase starts a special procedure.
func (c *Client) SuspendCase(ctx context.Context, id string, version int64, in CaseSuspendInput) (*Case, error) {
	return c.transition(ctx, id, "suspend", version, map[string]any{"kind": in.Kind, "basis": in.Basis, "reason": in.Reason,
		"expected_wd": in.ExpectedWD, "requested_by": in.RequestedBy})
}

// ResumeCase ends a special procedure.
func (c *Client) ResumeCase(ctx context.Context, id string, version int64, result string) (*Case, error) {
	return c.transition(ctx, id, "resume", version, map[string]any{"result": result})
}

// ExtendCase extends the limit once.
func (c *Client) ExtendCase(ctx context.Context, id string, version int64, reason, docHash string) (*Case, error) {
	return c.transition(ctx, id, "extend", version, map[string]any{"reason": reason, "doc_hash": docHash})
}

// DecideCase approves or denies.
func (c *Client) DecideCase(ctx context.Context, id string, version int64, in CaseDecideInput) (*Case, error) {
	return c.transition(ctx, id, "decide", version, map[string]any{"outcome": in.Outcome, "opinion": in.Opinion,
		"reasons": in.Reasons, "remedy": in.Remedy})
}

// PayCaseFee records that the case's fees were paid (the whole amount due, with the voucher number).
func (c *Client) PayCaseFee(ctx context.Context, id string, version, amountFen int64, receipt string) (*Case, error) {
	return c.transition(ctx, id, "pay-fee", version, map[string]any{"amount_fen": amountFen, "receipt": receipt})
}

// ConcludeCase concludes a decided case.
func (c *Client) ConcludeCase(ctx context.Context, id string, version int64, note string) (*Case, error) {
	return c.transition(ctx, id, "conclude", version, map[string]any{"note": note})
}

// DeliverCase records the delivery (method window, post or electronic).
func (c *Client) DeliverCase(ctx context.Context, id string, version int64, method, note string) (*Case, error) {
	return c.transition(ctx, id, "deliver", version, map[string]any{"method": method, "note": note})
}

// WithdrawCase withdraws an application before the decision.
func (c *Client) WithdrawCase(ctx context.Context, id string, version int64, reason, docHash string) (*Case, error) {
	return c.transition(ctx, id, "withdraw", version, map[string]any{"reason": reason, "doc_hash": docHash})
}

// TerminateCase ends a case abnormally with a reason code.
func (c *Client) TerminateCase(ctx context.Context, id string, version int64, code, reason string) (*Case, error) {
	return c.transition(ctx, id, "terminate", version, map[string]any{"code": code, "reason": reason})
}

// VerifyCase records a post-verification outcome: confirm, rectify, revoke or refer.
func (c *Client) VerifyCase(ctx context.Context, id string, version int64, outcome, note string, rectifyWD int) (*Case, error) {
	return c.transition(ctx, id, "verify", version, map[string]any{"outcome": outcome, "note": note, "rectify_wd": rectifyWD})
}

// CaseMaterials returns the material checklist with its files.
func (c *Client) CaseMaterials(ctx context.Context, id string) ([]CaseMaterial, error) {
	var out []CaseMaterial
	err := c.do(ctx, "GET", casePath(id, "materials"), nil, &out)
	return out, err
}

// UploadCaseFile uploads a file of a material; checked marks a clerk's scan of a checked original.
func (c *Client) UploadCaseFile(ctx context.Context, id, material, name string, content []byte, checked bool) (*CaseMaterial, error) {
	q := Query("name", name)
	if checked {
		q = Query("name", name, "checked", "true")
	}
	req, err := http.NewRequestWithContext(ctx, "POST", c.BaseURL+casePath(id, "materials", url.PathEscape(material), "files")+q,
		bytes.NewReader(content))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	var out CaseMaterial
	err = c.send(req, &out)
	return &out, err
}

// CheckCaseFile marks a file checked against the original (trust B).
func (c *Client) CheckCaseFile(ctx context.Context, id, fileID string) (*CaseMaterial, error) {
	var out CaseMaterial
	err := c.do(ctx, "POST", casePath(id, "files", url.PathEscape(fileID), "check"), nil, &out)
	return &out, err
}

// SatisfyCaseMaterial marks a material satisfied by an e-certificate.
func (c *Client) SatisfyCaseMaterial(ctx context.Context, id, material, certRef string) (*CaseMaterial, error) {
	var out CaseMaterial
	err := c.do(ctx, "POST", casePath(id, "materials", url.PathEscape(material), "cert"), map[string]string{"cert_ref": certRef}, &out)
	return &out, err
}

// DownloadCaseFile fetches a file of a case.
func (c *Client) DownloadCaseFile(ctx context.Context, id, fileID string) ([]byte, string, error) {
	return c.Download(ctx, casePath(id, "files", url.PathEscape(fileID)))
}

// CaseVerifications returns the post-verifications of a case.
func (c *Client) CaseVerifications(ctx context.Context, id string) ([]CaseVerification, error) {
	var out []CaseVerification
	err := c.do(ctx, "GET", casePath(id, "verifications"), nil, &out)
	return out, err
}

// Verifications lists post-verifications in the caller's scope.
func (c *Client) Verifications(ctx context.Context, open bool) ([]CaseVerification, error) {
	var out []CaseVerification
	err := c.do(ctx, "GET", "/api/v1/cases/verifications"+Query("open", strconv.FormatBool(open)), nil, &out)
	return out, err
}

// CaseCredit lists credit records for export.
func (c *Client) CaseCredit(ctx context.Context, open bool) ([]CaseCreditRecord, error) {
	var out []CaseCreditRecord
	err := c.do(ctx, "GET", "/api/v1/cases/credit"+Query("open", strconv.FormatBool(open)), nil, &out)
	return out, err
}

// ClearCaseCredit clears a credit record after credit repair.
func (c *Client) ClearCaseCredit(ctx context.Context, id, reason string) (*CaseCreditRecord, error) {
	var out CaseCreditRecord
	err := c.do(ctx, "POST", "/api/v1/cases/credit/"+url.PathEscape(id)+"/clear", map[string]string{"reason": reason}, &out)
	return &out, err
}

// RecomputeCases re-derives every open deadline (administrators; after a calendar change).
func (c *Client) RecomputeCases(ctx context.Context) (map[string]any, error) {
	var out map[string]any
	err := c.do(ctx, "POST", "/api/v1/cases/recompute", nil, &out)
	return out, err
}

// SweepCases runs the deadline sweep now (administrators).
func (c *Client) SweepCases(ctx context.Context) (map[string]any, error) {
	var out map[string]any
	err := c.do(ctx, "POST", "/api/v1/cases/sweep", nil, &out)
	return out, err
}
