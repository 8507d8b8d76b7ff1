package client

import (
	"context"
	"fmt"
	"net/url"
	"time"
)

// Rating is a service rating (好差评). Evaluator is masked, and hidden ("***") from the rated
// organisation.
type Rating struct {
	ID            string        `json:"id"`
	CaseID        string        `json:"case_id"`
	CaseNo        string        `json:"case_no"`
	Stage         string        `json:"stage"`
	ItemID        string        `json:"item_id"`
	ItemCode      string        `json:"item_code"`
	ItemVersion   string        `json:"item_version"`
	ItemName      string        `json:"item_name"`
	UnitID        string        `json:"unit_id"`
	UnitCode      string        `json:"unit_code"`
	UnitName      string        `json:"unit_name"`
	HallID        string        `json:"hall_id,omitempty"`
	HallName      string        `json:"hall_name,omitempty"`
	WindowID      string        `json:"window_id,omitempty"`
	WindowNo      string        `json:"window_no,omitempty"`
	RegionCode    string        `json:"region_code"`
	Staff         []RatedStaff  `json:"staff"`
	Channel       string        `json:"channel"`
	Level         int           `json:"level"`
	Reasons       []string      `json:"reasons"`
	Comment       string        `json:"comment,omitempty"`
	RatedAt       time.Time     `json:"rated_at"`
	RatedOn       string        `json:"rated_on"`
	Default       bool          `json:"default"`
	RealName      bool          `json:"real_name"`
	ApplicantType string        `json:"applicant_type"`
	Evaluator     string        `json:"evaluator"`
	EnteredBy     string        `json:"entered_by,omitempty"`
	SourceRef     string        `json:"source_ref,omitempty"`
	CaseStatus    string        `json:"case_status"`
	Excluded      bool          `json:"excluded"`
	Appeal        *RatingAppeal `json:"appeal,omitempty"`
	Followup      *RatingFollow `json:"followup,omitempty"`
}

// RatedStaff is a rated staff member.
type RatedStaff struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// RatingFollow is what became of a bad rating's rectification.
type RatingFollow struct {
	RectificationID string `json:"rectification_id"`
	RectificationNo string `json:"rectification_no"`
	State           string `json:"state"`
	DueOn           string `json:"due_on"`
	Closed          bool   `json:"closed"`
	OnTime          bool   `json:"on_time"`
	Callback        bool   `json:"callback"`
	Response        string `json:"response,omitempty"`
}

// RatingAppeal is the rated organisation's appeal against a bad rating.
type RatingAppeal struct {
	ID        string           `json:"id"`
	RatingID  string           `json:"rating_id"`
	UnitID    string           `json:"unit_id"`
	Grounds   string           `json:"grounds"`
	Reason    string           `json:"reason"`
	Evidence  []RatingEvidence `json:"evidence"`
	FiledBy   string           `json:"filed_by"`
	FiledName string           `json:"filed_name"`
	FiledAt   time.Time        `json:"filed_at"`
	FiledOn   string           `json:"filed_on"`
	DecideBy  string           `json:"decide_by"`
	Decision  *RatingDecision  `json:"decision,omitempty"`
}

// RatingEvidence is a stored evidence file.
type RatingEvidence struct {
	SHA256 string `json:"sha256"`
	Name   string `json:"name"`
	Type   string `json:"type"`
	Size   int64  `json:"size"`
}

// RatingDecision is the decision on an appeal.
type RatingDecision struct {
	Outcome     string    `json:"outcome"`
	Reason      string    `json:"reason"`
	DecidedBy   string    `json:"decided_by"`
	DecidedName string    `json:"decided_name"`
	DecidedUnit string    `json:"decided_unit"`
	DecidedAt   time.Time `json:"decided_at"`
}

// RatingInput is what a citizen says: a level 1–5, reasons of that level, a comment.
type RatingInput struct {
	Level    int      `json:"level"`
	Reasons  []string `json:"reasons,omitempty"`
	Comment  string   `json:"comment,omitempty"`
	Stage    string   `json:"stage,omitempty"`
	StaffIDs []string `json:"staff_ids,omitempty"`
}

// EvidenceUpload is an evidence file sent inside a JSON body (base64).
type EvidenceUpload struct {
	Name    string `json:"name"`
	Content []byte `json:"content"`
}

// RatingPage is a page of ratings.
type RatingPage struct {
	Ratings []Rating `json:"ratings"`
	Next    string   `json:"next,omitempty"`
}

// RatingStat is the statistics of one key over a period (formulas in the README).
type RatingStat struct {
	Rank        int      `json:"rank,omitempty"`
	Key         string   `json:"key"`
	Name        string   `json:"name"`
	Levels      [5]int64 `json:"levels"`
	N           int64    `json:"n"`
	Good        int64    `json:"good"`
	Bad         int64    `json:"bad"`
	Active      int64    `json:"active"`
	Default     int64    `json:"default"`
	Excluded    int64    `json:"excluded"`
	Concluded   int64    `json:"concluded"`
	Unrated     int64    `json:"unrated"`
	BadReal     int64    `json:"bad_real_name"`
	Closed      int64    `json:"closed"`
	OnTime      int64    `json:"on_time"`
	Callback    int64    `json:"callback"`
	Responses   int64    `json:"responses"`
	Satisfied   int64    `json:"satisfied"`
	GoodRate    float64  `json:"good_rate"`
	BadRate     float64  `json:"bad_rate"`
	ActiveRate  float64  `json:"active_rate"`
	ActiveGood  float64  `json:"active_good_rate"`
	UnratedRate float64  `json:"unrated_rate"`
	Rectified   float64  `json:"rectify_rate"`
	Timely      float64  `json:"timely_rate"`
	CalledBack  float64  `json:"callback_rate"`
	Satisfy     float64  `json:"satisfaction_rate"`
	Score       float64  `json:"score"`
}

// RatingStats is the answer of the statistics endpoint.
type RatingStats struct {
	Period string       `json:"period"`
	Dim    string       `json:"dim"`
	Total  RatingStat   `json:"total"`
	Rows   []RatingStat `json:"rows"`
}

// RatingBadLine is a bad rating in a bulletin.
type RatingBadLine struct {
	RatingID  string   `json:"rating_id"`
	RatedOn   string   `json:"rated_on"`
	CaseNo    string   `json:"case_no"`
	ItemName  string   `json:"item_name"`
	UnitName  string   `json:"unit_name"`
	Window    string   `json:"window"`
	Staff     string   `json:"staff"`
	Level     int      `json:"level"`
	Reasons   []string `json:"reasons"`
	Comment   string   `json:"comment"`
	Channel   string   `json:"channel"`
	Excluded  bool     `json:"excluded"`
	RectNo    string   `json:"rectification_no"`
	RectState string   `json:"rectification_state"`
	DueOn     string   `json:"due_on"`
	Callback  bool     `json:"callback"`
	Response  string   `json:"response"`
	OnTime    bool     `json:"on_time"`
}

// RatingBulletin is the monthly bulletin (月通报).
type RatingBulletin struct {
	Period     string       `json:"period"`
	Prev       string       `json:"prev"`
	Total      RatingStat   `json:"total"`
	PrevTotal  RatingStat   `json:"prev_total"`
	Units      []RatingStat `json:"units"`
	Regions    []RatingStat `json:"regions"`
	Windows    []RatingStat `json:"windows"`
	Staff      []RatingStat `json:"staff"`
	Interviews []struct {
		Key      string     `json:"key"`
		Name     string     `json:"name"`
		Rank     int        `json:"rank"`
		PrevRank int        `json:"prev_rank"`
		This     RatingStat `json:"this"`
		Prev     RatingStat `json:"prev"`
	} `json:"interviews"`
	Bad []RatingBadLine `json:"bad"`
}

// HotlineRecord is one rating taken by the 12345 hotline.
type HotlineRecord struct {
	Ticket  string    `json:"ticket"`
	CaseNo  string    `json:"case_no"`
	Mobile  string    `json:"mobile"`
	Level   int       `json:"level"`
	Reasons []string  `json:"reasons,omitempty"`
	Comment string    `json:"comment,omitempty"`
	RatedAt time.Time `json:"rated_at"`
}

// ImportResult says what became of a hotline import.
type ImportResult struct {
	Imported   int `json:"imported"`
	Duplicates int `json:"duplicates"`
	Rejected   []struct {
		Index   int    `json:"index"`
		Ticket  string `json:"ticket"`
		Code    string `json:"code"`
		Message string `json:"message_key"`
	} `json:"rejected"`
}

// RateCase rates the signed-in applicant's own case online (channel "" is web).
func (c *Client) RateCase(ctx context.Context, caseID, channel string, in RatingInput) (*Rating, error) {
	var out Rating
	body := map[string]any{"case_id": caseID, "level": in.Level, "reasons": in.Reasons, "comment": in.Comment,
		"stage": in.Stage, "staff_ids": in.StaffIDs, "channel": channel}
	err := c.do(ctx, "POST", "/api/v1/ratings", body, &out)
	return &out, err
}

// RateByLink rates through the token of an invitation SMS link (the part after /rate/).
func (c *Client) RateByLink(ctx context.Context, token string, in RatingInput) (*Rating, error) {
	var out Rating
	body := map[string]any{"token": token, "level": in.Level, "reasons": in.Reasons, "comment": in.Comment,
		"stage": in.Stage, "staff_ids": in.StaffIDs}
	err := c.do(ctx, "POST", "/api/v1/ratings/link", body, &out)
	return &out, err
}

// RateAtWindow rates through a window's QR code with the case number and the case's mobile.
func (c *Client) RateAtWindow(ctx context.Context, windowID, caseNo, mobile string, in RatingInput) (*Rating, error) {
	var out Rating
	body := map[string]any{"window_id": windowID, "case_no": caseNo, "mobile": mobile, "level": in.Level,
		"reasons": in.Reasons, "comment": in.Comment}
	err := c.do(ctx, "POST", "/api/v1/ratings/window", body, &out)
	return &out, err
}

// RatePad rates from a window's evaluation pad (token with the scope rating:pad).
func (c *Client) RatePad(ctx context.Context, caseNo string, in RatingInput) (*Rating, error) {
	var out Rating
	body := map[string]any{"case_no": caseNo, "level": in.Level, "reasons": in.Reasons, "comment": in.Comment}
	err := c.do(ctx, "POST", "/api/v1/ratings/pad", body, &out)
	return &out, err
}

// ImportHotline imports 12345 hotline ratings (token with the scope rating:import).
func (c *Client) ImportHotline(ctx context.Context, recs []HotlineRecord) (*ImportResult, error) {
	var out ImportResult
	err := c.do(ctx, "POST", "/api/v1/ratings/import", recs, &out)
	return &out, err
}

// Ratings lists the ratings the caller may see; query takes the list's filters (from, to, bad,
// level, unit_id, window_id, case_no, before, limit …).
func (c *Client) Ratings(ctx context.Context, query url.Values) (*RatingPage, error) {
	var out RatingPage
	err := c.do(ctx, "GET", "/api/v1/ratings?"+query.Encode(), nil, &out)
	return &out, err
}

// Rating returns one rating.
func (c *Client) Rating(ctx context.Context, id string) (*Rating, error) {
	var out Rating
	err := c.do(ctx, "GET", "/api/v1/ratings/"+url.PathEscape(id), nil, &out)
	return &out, err
}

// AppealRating files the rated organisation's appeal with evidence.
func (c *Client) AppealRating(ctx context.Context, id, grounds, reason string, evidence []EvidenceUpload) (*RatingAppeal, error) {
	var out RatingAppeal
	err := c.do(ctx, "POST", "/api/v1/ratings/"+url.PathEscape(id)+"/appeal",
		map[string]any{"grounds": grounds, "reason": reason, "evidence": evidence}, &out)
	return &out, err
}

// DecideAppeal decides an appeal: outcome "upheld" (the rating is excluded) or "rejected".
func (c *Client) DecideAppeal(ctx context.Context, appealID, outcome, reason string) (*RatingAppeal, error) {
	var out RatingAppeal
	err := c.do(ctx, "POST", "/api/v1/ratings/appeals/"+url.PathEscape(appealID)+"/decision",
		map[string]any{"outcome": outcome, "reason": reason}, &out)
	return &out, err
}

// RatingStats returns the statistics of a dimension (all, unit, region, hall, window, staff,
// item) over a period (2026, 2026-03 or 2026-03-14).
func (c *Client) RatingStats(ctx context.Context, period, dim string) (*RatingStats, error) {
	var out RatingStats
	err := c.do(ctx, "GET", fmt.Sprintf("/api/v1/ratings/stats?period=%s&dim=%s", url.QueryEscape(period), url.QueryEscape(dim)), nil, &out)
	return &out, err
}

// RatingBulletin returns the monthly bulletin of a month (2026-03).
func (c *Client) RatingBulletin(ctx context.Context, month string) (*RatingBulletin, error) {
	var out RatingBulletin
	err := c.do(ctx, "GET", "/api/v1/ratings/bulletin?period="+url.QueryEscape(month), nil, &out)
	return &out, err
}

// Rectification is an item of the rectification ledger (整改台账).
type Rectification struct {
	ID             string         `json:"id"`
	No             string         `json:"no"`
	SourceKind     string         `json:"source_kind"`
	SourceID       string         `json:"source_id"`
	SourceLabel    string         `json:"source_label"`
	SourceMeta     map[string]any `json:"source_meta"`
	Title          string         `json:"title"`
	Description    string         `json:"description"`
	UnitID         string         `json:"unit_id"`
	UnitName       string         `json:"unit_name"`
	RegionCode     string         `json:"region_code"`
	OwnerID        string         `json:"owner_id,omitempty"`
	OwnerName      string         `json:"owner_name,omitempty"`
	State          string         `json:"state"`
	Cycle          int            `json:"cycle"`
	StartedOn      string         `json:"started_on"`
	LimitWD        int            `json:"limit_wd"`
	DueOn          string         `json:"due_on"`
	Remaining      int            `json:"remaining_wd"`
	Overdue        bool           `json:"overdue"`
	Outcome        string         `json:"outcome,omitempty"`
	FixBy          string         `json:"fix_by,omitempty"`
	Measures       string         `json:"measures,omitempty"`
	Explanation    string         `json:"explanation,omitempty"`
	CallbackNeeded bool           `json:"callback_required"`
	CallbackDone   bool           `json:"callback_done"`
	Unreachable    bool           `json:"unreachable"`
	Satisfaction   string         `json:"satisfaction,omitempty"`
	VerifiedBy     string         `json:"verified_by,omitempty"`
	ClosedBy       string         `json:"closed_by,omitempty"`
	ClosedOn       string         `json:"closed_on,omitempty"`
	OnTime         bool           `json:"on_time"`
	Escalation     int            `json:"escalation"`
	Version        int            `json:"version"`
}

// RectificationPage is a page of the ledger.
type RectificationPage struct {
	Items []Rectification `json:"items"`
	Next  string          `json:"next,omitempty"`
}

// Rectifications lists the ledger; query takes its filters (state, open, overdue, source_kind,
// unit_id, from, to, q, escalated, before, limit).
func (c *Client) Rectifications(ctx context.Context, query url.Values) (*RectificationPage, error) {
	var out RectificationPage
	err := c.do(ctx, "GET", "/api/v1/rectifications?"+query.Encode(), nil, &out)
	return &out, err
}

// Rectification returns one item with its history.
func (c *Client) Rectification(ctx context.Context, id string) (*Rectification, error) {
	var out Rectification
	err := c.do(ctx, "GET", "/api/v1/rectifications/"+url.PathEscape(id), nil, &out)
	return &out, err
}

func (c *Client) rectify(ctx context.Context, id, action string, in any) (*Rectification, error) {
	var out Rectification
	err := c.do(ctx, "POST", "/api/v1/rectifications/"+url.PathEscape(id)+"/"+action, in, &out)
	return &out, err
}

// StartRectification takes an item into work (version 0: do not check).
func (c *Client) StartRectification(ctx context.Context, id string, version int) (*Rectification, error) {
	return c.rectify(ctx, id, "start", map[string]any{"version": version})
}

// PlanRectification records the outcome class (fixed_now, fixed_by_date, explained, appealed)
// and the measures.
func (c *Client) PlanRectification(ctx context.Context, id, outcome, measures, fixBy, explanation string) (*Rectification, error) {
	return c.rectify(ctx, id, "plan", map[string]any{"outcome": outcome, "measures": measures, "fix_by": fixBy,
		"explanation": explanation})
}

// AddRectificationEvidence attaches a file.
func (c *Client) AddRectificationEvidence(ctx context.Context, id, name string, content []byte, note string) (*Rectification, error) {
	return c.rectify(ctx, id, "evidence", map[string]any{"name": name, "content": content, "note": note})
}

// RecordCallback records a callback attempt; satisfaction (satisfied, basic, dissatisfied) when
// reached.
func (c *Client) RecordCallback(ctx context.Context, id string, reached bool, satisfaction, note string) (*Rectification, error) {
	return c.rectify(ctx, id, "callback", map[string]any{"reached": reached, "satisfaction": satisfaction, "note": note})
}

// SubmitRectification reports the fix for verification.
func (c *Client) SubmitRectification(ctx context.Context, id string, version int) (*Rectification, error) {
	return c.rectify(ctx, id, "submit", map[string]any{"version": version})
}

// VerifyRectification verifies (accept) or returns a reported fix.
func (c *Client) VerifyRectification(ctx context.Context, id string, accept bool, note string) (*Rectification, error) {
	return c.rectify(ctx, id, "verify", map[string]any{"accept": accept, "note": note})
}

// CloseRectification closes an item out (销号).
func (c *Client) CloseRectification(ctx context.Context, id, note string) (*Rectification, error) {
	return c.rectify(ctx, id, "close", map[string]any{"note": note})
}

// ReopenRectification reopens an item found not fixed.
func (c *Client) ReopenRectification(ctx context.Context, id, reason string) (*Rectification, error) {
	return c.rectify(ctx, id, "reopen", map[string]any{"note": reason})
}
