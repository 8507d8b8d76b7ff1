// Package rating is the 好差评 system of the bureau (国办发〔2019〕51号, DOMAIN §6): citizens rate a
// service on five levels through the window pad, the window's QR code, online after each stage of
// a case, a signed SMS link, the 12345 hotline and paper questionnaires. A rating is never edited
// or deleted; an appeal upheld by a supervisor excludes it from the statistics and keeps it, with
// the decision, for ever. A bad rating opens a rectification (package rectify, through the outbox
// event rating.bad), and the statistics are kept as rollups in the transaction that records each
// rating, so that bulletins over millions of ratings render at once.
package rating

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"onestamp/internal/platform/errs"
)

// Level is a rating on the national five-level scale.
type Level int

const (
	VeryDissatisfied Level = 1 // 非常不满意
	Dissatisfied     Level = 2 // 不满意
	Basic            Level = 3 // 基本满意
	Satisfied        Level = 4 // 满意
	VerySatisfied    Level = 5 // 非常满意
)

// Levels lists the levels from best to worst, as forms show them.
var Levels = []Level{VerySatisfied, Satisfied, Basic, Dissatisfied, VeryDissatisfied}

// Valid reports whether l is on the scale.
func (l Level) Valid() bool { return l >= VeryDissatisfied && l <= VerySatisfied }

// IsGood reports whether l counts as good (3–5).
func (l Level) IsGood() bool { return l >= Basic && l <= VerySatisfied }

// IsBad reports whether l counts as bad (1–2): a 差评.
func (l Level) IsBad() bool { return l == VeryDissatisfied || l == Dissatisfied }

// Channel is how a rating reached the bureau.
type Channel string

const (
	ChannelPad         Channel = "pad"          // the window's evaluation pad
	ChannelWindowQR    Channel = "window_qr"    // the window's static QR code, then case number and mobile
	ChannelWeb         Channel = "web"          // online, signed in, after a stage of the case
	ChannelApp         Channel = "app"          // the mobile app
	ChannelMiniProgram Channel = "mini_program" // the mini-program
	ChannelKiosk       Channel = "kiosk"        // a self-service kiosk
	ChannelHotline     Channel = "hotline12345" // imported from the 12345 hotline
	ChannelSMS         Channel = "sms"          // the signed link of an invitation SMS
	ChannelPaper       Channel = "paper"        // a paper questionnaire entered by staff
	ChannelSystem      Channel = "system"       // a default rating recorded by the system
)

// Channels lists the channels in display order.
var Channels = []Channel{ChannelPad, ChannelWindowQR, ChannelWeb, ChannelApp, ChannelMiniProgram, ChannelKiosk,
	ChannelHotline, ChannelSMS, ChannelPaper, ChannelSystem}

// provincialChannel maps a channel to the code the provincial 好差评 system uses for it. [P] The
// national field list is unverified (DOMAIN §16.7); the adapter may remap.
var provincialChannel = map[Channel]string{
	ChannelPad: "1", ChannelWindowQR: "2", ChannelWeb: "3", ChannelApp: "4", ChannelMiniProgram: "5",
	ChannelKiosk: "6", ChannelHotline: "7", ChannelSMS: "8", ChannelPaper: "9", ChannelSystem: "0",
}

// Valid reports whether c is a known channel.
func (c Channel) Valid() bool { return slices.Contains(Channels, c) }

// ProvincialCode is the channel's code in the provincial export.
func (c Channel) ProvincialCode() string { return provincialChannel[c] }

// Stage is what a rating is about when 一事多评 is on; otherwise every rating is about the whole
// case (StageCase).
type Stage string

const (
	StageCase       Stage = "case"       // one rating for the case (一事一评)
	StageReceipt    Stage = "receipt"    // 接件
	StageAcceptance Stage = "acceptance" // 受理
	StageConclusion Stage = "conclusion" // 办结
)

// Stages lists the stages of 一事多评.
var Stages = []Stage{StageReceipt, StageAcceptance, StageConclusion}

// Valid reports whether s is a stage of 一事多评.
func (s Stage) Valid() bool { return slices.Contains(Stages, s) }

// Reason is an indicator a citizen ticks. The options are level-specific: the good ones for 4–5,
// the middling ones for 3 and the bad ones for 1–2. [P] The national catalogue is unverified
// (DOMAIN §16.7); these codes follow its structure and are not locally editable.
type Reason string

// Reasons by the levels they belong to.
var (
	GoodReasons  = []Reason{"G01", "G02", "G03", "G04", "G05", "G06"} // 态度热情 办事高效 一次办好 指引清晰 流程简便 环境舒适
	BasicReasons = []Reason{"M01", "M02", "M03", "M04"}               // 基本按时 说明尚可 等候较长 有待改进
	BadReasons   = []Reason{"B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08"}
	// B01 态度生硬 B02 办理超时 B03 多次跑动 B04 告知不一次 B05 要求不合理 B06 系统故障 B07 乱收费 B08 其他
)

// ReasonsFor returns the reasons a citizen may tick for level l.
func ReasonsFor(l Level) []Reason {
	switch {
	case l >= Satisfied:
		return GoodReasons
	case l == Basic:
		return BasicReasons
	case l.IsBad():
		return BadReasons
	}
	return nil
}

// Limits of the free text.
const (
	MaxComment = 500 // characters
	MaxReasons = 8
)

// Staff is a rated staff member.
type Staff struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Applicant types.
const (
	ApplicantPerson = "person" // a natural person, by resident ID number
	ApplicantOrg    = "org"    // an organisation, by 统一社会信用代码
)

// Rating is a stored rating as the API and pages show it. Evaluator is the evaluator's identity
// as the viewer may see it: masked, or hidden entirely from the rated unit.
type Rating struct {
	ID            string    `json:"id"`
	CaseID        string    `json:"case_id"`
	CaseNo        string    `json:"case_no"`
	Stage         Stage     `json:"stage"`
	ItemID        string    `json:"item_id"`
	ItemCode      string    `json:"item_code"`
	ItemVersion   string    `json:"item_version"`
	ItemName      string    `json:"item_name"`
	UnitID        string    `json:"unit_id"`
	UnitCode      string    `json:"unit_code" doc:"统一社会信用代码 of the handling organisation"`
	UnitName      string    `json:"unit_name"`
	HallID        string    `json:"hall_id,omitempty"`
	HallName      string    `json:"hall_name,omitempty"`
	WindowID      string    `json:"window_id,omitempty"`
	WindowNo      string    `json:"window_no,omitempty"`
	RegionCode    string    `json:"region_code"`
	Staff         []Staff   `json:"staff"`
	Channel       Channel   `json:"channel"`
	Level         Level     `json:"level" doc:"5 非常满意 … 1 非常不满意"`
	Reasons       []Reason  `json:"reasons"`
	Comment       string    `json:"comment,omitempty"`
	RatedAt       time.Time `json:"rated_at"`
	RatedOn       string    `json:"rated_on" doc:"the date in Asia/Shanghai"`
	Default       bool      `json:"default" doc:"recorded by the system after the rating period; never counted as active"`
	RealName      bool      `json:"real_name"`
	ApplicantType string    `json:"applicant_type"`
	Evaluator     string    `json:"evaluator" doc:"masked; hidden from the rated unit"`
	EnteredBy     string    `json:"entered_by,omitempty" doc:"the staff member who entered a paper questionnaire or import"`
	SourceRef     string    `json:"source_ref,omitempty" doc:"the hotline ticket of an imported rating"`
	CaseStatus    string    `json:"case_status" doc:"the case's state when it was rated"`
	Excluded      bool      `json:"excluded" doc:"an appeal was upheld: kept, but not counted"`
	Appeal        *Appeal   `json:"appeal,omitempty"`
	Followup      *Followup `json:"followup,omitempty"`
}

// Followup is what became of a bad rating's rectification, as the ledger reported it.
type Followup struct {
	RectificationID string `json:"rectification_id"`
	RectificationNo string `json:"rectification_no"`
	State           string `json:"state"`
	DueOn           string `json:"due_on"`
	Closed          bool   `json:"closed"`
	OnTime          bool   `json:"on_time"`
	Callback        bool   `json:"callback"`
	Response        string `json:"response,omitempty" doc:"the citizen's satisfaction with the fix"`
}

// Input is a rating as a citizen (or the staff member entering a questionnaire) gives it.
type Input struct {
	Level   Level    `json:"level" doc:"5 非常满意 … 1 非常不满意"`
	Reasons []Reason `json:"reasons,omitempty" doc:"indicator codes of the level (see GET /api/v1/ratings/reasons)"`
	Comment string   `json:"comment,omitempty"`
	Stage   Stage    `json:"stage,omitempty" doc:"receipt, acceptance or conclusion when 一事多评 is on"`
	// StaffIDs narrows the rated staff to some of the case's staff (window services rate the item
	// and the staff); empty rates all of them.
	StaffIDs []string `json:"staff_ids,omitempty"`
}

// Normalize trims the text and drops repeated reasons.
func (in *Input) Normalize() {
	in.Comment = strings.TrimSpace(in.Comment)
	seen := map[Reason]bool{}
	out := in.Reasons[:0:0]
	for _, r := range in.Reasons {
		r = Reason(strings.ToUpper(strings.TrimSpace(string(r))))
		if r != "" && !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	in.Reasons = out
}

// Validate checks a rating: a level on the scale, reasons of that level (at least one for a bad
// rating, so the unit knows what to rectify), and a comment of reasonable length.
func (in Input) Validate() error {
	if !in.Level.Valid() {
		return errs.InvalidInput("rating.level.invalid").OnField("level")
	}
	allowed := ReasonsFor(in.Level)
	if len(in.Reasons) > MaxReasons {
		return errs.InvalidInput("rating.reasons.too_many").OnField("reasons")
	}
	for _, r := range in.Reasons {
		if !slices.Contains(allowed, r) {
			return errs.InvalidInput("rating.reasons.not_for_level").With("reason", string(r)).OnField("reasons")
		}
	}
	if in.Level.IsBad() && len(in.Reasons) == 0 {
		return errs.InvalidInput("rating.reasons.required").OnField("reasons")
	}
	if utf8.RuneCountInString(in.Comment) > MaxComment {
		return errs.InvalidInput("rating.comment.too_long").With("max", MaxComment).OnField("comment")
	}
	if !utf8.ValidString(in.Comment) {
		return errs.InvalidInput("rating.comment.invalid").OnField("comment")
	}
	if in.Stage != "" && in.Stage != StageCase && !in.Stage.Valid() {
		return errs.InvalidInput("rating.stage.invalid").OnField("stage")
	}
	return nil
}

// CaseInfo is what the rating domain needs to know of a case. The application fills it from the
// cases service (see caseLookup).
type CaseInfo struct {
	ID          string
	No          string
	ItemID      string
	ItemCode    string // 实施编码 (or 基本编码) of the item
	ItemVersion string // the version of the 实施清单 the case was handled under
	ItemName    string
	UnitID      string // the handling organisation (谁办理、谁负责)
	UnitCode    string // its 统一社会信用代码
	UnitName    string
	HallID      string // the hall and window of a window case; empty online
	HallName    string
	WindowID    string
	WindowNo    string
	RegionCode  string // the handling organisation's jurisdiction
	Staff       []Staff
	Status      string // the case's state, e.g. "concluded"
	Draft       bool   // not yet submitted: nothing to rate
	ReceivedAt  time.Time
	AcceptedAt  time.Time
	ConcludedAt time.Time // zero while open

	ApplicantUserID string // the applicant's account; empty for a walk-in without one
	ApplicantType   string // ApplicantPerson or ApplicantOrg
	ApplicantIDNo   string // resident ID number or 统一社会信用代码
	ApplicantName   string
	ApplicantMobile string
}

// reached returns when the case reached a stage, zero if it has not.
func (c CaseInfo) reached(s Stage) time.Time {
	switch s {
	case StageReceipt:
		if !c.ReceivedAt.IsZero() {
			return c.ReceivedAt
		}
		return c.AcceptedAt
	case StageAcceptance:
		return c.AcceptedAt
	case StageConclusion:
		return c.ConcludedAt
	}
	return time.Time{}
}
