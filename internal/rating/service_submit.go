package rating

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/gm"
	"onestamp/internal/platform/ident"
	"onestamp/internal/platform/workday"
)

// prep are the circumstances of a rating besides what the citizen said.
type prep struct {
	channel   Channel
	stage     Stage // from a link; otherwise Input.Stage
	at        time.Time
	enteredBy string // staff id for paper and imports
	sourceRef string // hotline ticket or questionnaire serial
	anonymous bool   // an anonymous paper questionnaire
	isDefault bool
}

// errNoMatch hides whether a case exists from someone who may not rate it.
func errNoMatch() error { return errs.NotFoundErr("rating.case.no_match") }

// prepare checks a rating of case c against the rules and builds its row: the case must be rateable
// (submitted, at the stage rated, within the rating period, not already defaulted), the reasons
// must fit the level, the rated staff must be the case's, and the evaluator must not have rated
// it (or this stage) before.
func (s *Service) prepare(ctx context.Context, c CaseInfo, in Input, p prep) (row, error) {
	in.Normalize()
	if !p.isDefault {
		if err := in.Validate(); err != nil {
			return row{}, err
		}
	}
	if c.Draft || c.ID == "" {
		return row{}, errs.ConflictErr("rating.case.not_rateable")
	}
	stage := p.stage
	if stage == "" {
		stage = in.Stage
	}
	var since time.Time
	if s.opt.PerStage {
		if !stage.Valid() {
			return row{}, errs.InvalidInput("rating.stage.required").OnField("stage")
		}
		if since = c.reached(stage); since.IsZero() {
			return row{}, errs.ConflictErr("rating.stage.not_reached")
		}
	} else {
		if stage != "" && stage != StageCase {
			return row{}, errs.InvalidInput("rating.stage.off").OnField("stage")
		}
		stage, since = StageCase, c.ConcludedAt
	}
	if !p.isDefault && !since.IsZero() && p.at.After(since.AddDate(0, 0, s.opt.RateWithinDays)) {
		return row{}, errs.ConflictErr("rating.window_closed").With("days", s.opt.RateWithinDays)
	}
	if !p.isDefault {
		rc, ok, err := s.st.ratingCase(ctx, s.d.Read, c.ID)
		if err != nil {
			return row{}, err
		}
		if ok && rc.DefaultedAt != 0 {
			return row{}, errs.ConflictErr("rating.window_closed").With("days", s.opt.RateWithinDays)
		}
	}
	staff := c.Staff
	if len(in.StaffIDs) > 0 {
		staff = nil
		for _, id := range in.StaffIDs {
			i := slices.IndexFunc(c.Staff, func(s Staff) bool { return s.ID == id })
			if i < 0 {
				return row{}, errs.InvalidInput("rating.staff.not_of_case").OnField("staff_ids")
			}
			staff = append(staff, c.Staff[i])
		}
	}

	r := row{ID: newID(), CaseID: c.ID, CaseNo: c.No, Stage: stage, ItemID: c.ItemID, ItemCode: c.ItemCode,
		ItemVersion: c.ItemVersion, ItemName: c.ItemName, UnitID: c.UnitID, UnitCode: c.UnitCode, UnitName: c.UnitName,
		HallID: c.HallID, HallName: c.HallName, WindowID: c.WindowID, WindowNo: c.WindowNo, RegionCode: c.RegionCode, Staff: staff,
		Channel: p.channel, Level: in.Level, Reasons: in.Reasons, Comment: in.Comment, RatedAt: p.at.UnixMilli(),
		RatedOn: workday.DateOf(p.at).String(), Default: p.isDefault, EnteredBy: p.enteredBy, SourceRef: p.sourceRef,
		CaseStatus: c.Status, CreatedAt: s.clock().UnixMilli()}
	if p.anonymous {
		r.EvaluatorKey, r.ApplicantType = "anon:"+r.ID, c.ApplicantType
		return r, nil
	}
	r.EvaluatorKey = evaluatorKey(s.cipher, c)
	if r.EvaluatorKey == "" {
		return row{}, errs.ConflictErr("rating.case.no_applicant")
	}
	done, err := s.st.rated(ctx, s.d.Read, c.ID, r.EvaluatorKey)
	if err != nil {
		return row{}, err
	}
	if len(done) > 0 && (!s.opt.PerStage || slices.Contains(done, stage) || slices.Contains(done, StageCase)) {
		return row{}, errs.ConflictErr("rating.duplicate").With("case_no", c.No)
	}
	r.RealName = c.ApplicantIDNo != "" || c.ApplicantMobile != ""
	r.ApplicantID, r.ApplicantType = c.ApplicantUserID, c.ApplicantType
	switch c.ApplicantType {
	case ApplicantOrg:
		r.IDType, r.IDMasked = "uscc", ident.MaskUSCC(c.ApplicantIDNo)
	default:
		r.IDType, r.IDMasked = "id_card", ident.MaskIDCard(c.ApplicantIDNo)
	}
	if c.ApplicantIDNo == "" {
		r.IDType, r.IDMasked = "", ""
	}
	for _, f := range []struct {
		dst   *string
		plain string
		col   string
	}{{&r.IDNumber, c.ApplicantIDNo, "id_number"}, {&r.Name, c.ApplicantName, "name"}, {&r.Mobile, c.ApplicantMobile, "mobile"}} {
		enc, err := s.cipher.EncryptString(f.plain, "ratings."+f.col+":"+r.ID)
		if err != nil {
			return row{}, errs.Wrap(err, "encrypt %s", f.col)
		}
		*f.dst = enc
	}
	return r, nil
}

// evaluatorKey identifies the applicant of c without revealing them: a blind index of their ID
// number or credit code, else of their account, else of their mobile.
func evaluatorKey(c *gm.FieldCipher, ci CaseInfo) string {
	switch {
	case ci.ApplicantIDNo != "":
		return "id:" + c.BlindIndex(ci.ApplicantIDNo)
	case ci.ApplicantUserID != "":
		return "user:" + ci.ApplicantUserID
	case ci.ApplicantMobile != "":
		return "mobile:" + c.BlindIndex(ci.ApplicantMobile)
	}
	return ""
}

// writeOne commits one prepared rating and returns it as the actor may see it.
func (s *Service) writeOne(ctx context.Context, actor *auth.Viewer, r row) (Rating, error) {
	if err := s.w.write(ctx, actor, r)[0]; err != nil {
		return Rating{}, err
	}
	return s.view(ctx, actor, &detail{row: &r}), nil
}

// onlineChannels are the channels of a signed-in applicant.
var onlineChannels = []Channel{ChannelWeb, ChannelApp, ChannelMiniProgram, ChannelKiosk}

// Submit records the signed-in applicant's rating of their own case, online (一事一评), through
// the web, the app, the mini-program or a kiosk. Someone else's case is not found.
func (s *Service) Submit(ctx context.Context, caseID string, ch Channel, in Input) (Rating, error) {
	v, err := viewerOf(ctx)
	if err != nil {
		return Rating{}, err
	}
	if v.Kind != auth.KindApplicant {
		return Rating{}, errs.New(errs.Forbidden, "rating.applicants_only")
	}
	if ch == "" {
		ch = ChannelWeb
	}
	if !slices.Contains(onlineChannels, ch) {
		return Rating{}, errs.InvalidInput("rating.channel.invalid").OnField("channel")
	}
	c, err := s.cases.Case(ctx, caseID)
	if errs.Is(err, errs.NotFound) || (err == nil && c.ApplicantUserID != v.ID) {
		return Rating{}, errNoMatch()
	}
	if err != nil {
		return Rating{}, err
	}
	r, err := s.prepare(ctx, c, in, prep{channel: ch, at: s.clock()})
	if err != nil {
		return Rating{}, err
	}
	return s.writeOne(ctx, v, r)
}

// LinkCase returns the case and stage a rating link is for, after checking its signature and
// expiry: the rating page shows what is being rated.
func (s *Service) LinkCase(ctx context.Context, token string) (CaseInfo, Stage, error) {
	cl, err := s.verifyLink(ctx, token)
	if err != nil {
		return CaseInfo{}, "", err
	}
	c, err := s.cases.Case(ctx, cl.CaseID)
	if errs.Is(err, errs.NotFound) {
		return CaseInfo{}, "", errs.New(errs.Forbidden, "rating.link.invalid")
	}
	return c, cl.Stage, err
}

// SubmitLink records a rating through the signed link of an invitation SMS. A forged, altered or
// expired link is refused and nothing is written.
func (s *Service) SubmitLink(ctx context.Context, token string, in Input) (Rating, error) {
	c, stage, err := s.LinkCase(ctx, token)
	if err != nil {
		return Rating{}, err
	}
	if stage == StageCase {
		stage = ""
	}
	r, err := s.prepare(ctx, c, in, prep{channel: ChannelSMS, stage: stage, at: s.clock()})
	if err != nil {
		return Rating{}, err
	}
	return s.writeOne(ctx, nil, r)
}

// sameMobile compares two mobile numbers in their normal form.
func sameMobile(a, b string) bool {
	na, nb := gm.Normalize(a), gm.Normalize(b)
	na, nb = strings.TrimPrefix(na, "+86"), strings.TrimPrefix(nb, "+86")
	return na != "" && na == nb
}

// SubmitWindow records a rating through the static QR code of a window (一次一评): the citizen
// identifies the service by its case number and the mobile number given on the case. A case of
// another window, or a mobile that does not match, is not found.
func (s *Service) SubmitWindow(ctx context.Context, windowID, caseNo, mobile string, in Input) (Rating, error) {
	c, err := s.cases.CaseByNo(ctx, strings.TrimSpace(caseNo))
	if errs.Is(err, errs.NotFound) || (err == nil && (c.WindowID != windowID || !sameMobile(mobile, c.ApplicantMobile))) {
		return Rating{}, errNoMatch()
	}
	if err != nil {
		return Rating{}, err
	}
	r, err := s.prepare(ctx, c, in, prep{channel: ChannelWindowQR, at: s.clock()})
	if err != nil {
		return Rating{}, err
	}
	return s.writeOne(ctx, nil, r)
}

// RequestLink is the QR code's other way in: the citizen gives only their mobile number, and the
// rating links of their recent concluded cases at this window go to that mobile by SMS. The answer
// is the same whether or not a case matched, so that the form tells nobody who was served.
func (s *Service) RequestLink(ctx context.Context, windowID, mobile string) error {
	r := ident.CheckMobile(mobile)
	if !r.Valid {
		return errs.InvalidInput("rating.mobile.invalid").OnField("mobile")
	}
	since := workday.DateOf(s.now().AddDate(0, 0, -s.opt.RateWithinDays)).String()
	cases, err := s.st.casesByMobile(ctx, s.d.Read, s.cipher.BlindIndex(r.Normalized), windowID, since)
	if err != nil {
		return err
	}
	for _, rc := range cases {
		if rc.RatedAt != 0 || rc.DefaultedAt != 0 {
			continue
		}
		if err := s.sendLink(ctx, rc.CaseID, StageCase, r.Normalized, "rating.sms.invite"); err != nil {
			return err
		}
	}
	return nil
}

// SubmitPad records a rating from a window's evaluation pad. The pad signs in with an integration
// token (scope rating:pad) of its hall, and rates the case just served at that hall.
func (s *Service) SubmitPad(ctx context.Context, caseNo string, in Input) (Rating, error) {
	v, err := viewerOf(ctx)
	if err != nil {
		return Rating{}, err
	}
	if v.Kind != auth.KindToken || !v.HasScope(ScopePad) {
		return Rating{}, errs.ForbiddenErr()
	}
	c, err := s.cases.CaseByNo(ctx, strings.TrimSpace(caseNo))
	if errs.Is(err, errs.NotFound) || (err == nil && c.HallID != v.UnitID && c.UnitID != v.UnitID) {
		return Rating{}, errNoMatch()
	}
	if err != nil {
		return Rating{}, err
	}
	r, err := s.prepare(ctx, c, in, prep{channel: ChannelPad, at: s.clock()})
	if err != nil {
		return Rating{}, err
	}
	return s.writeOne(ctx, v, r)
}

// Token scopes of the integrations.
const (
	ScopePad    = "rating:pad"    // a window's evaluation pad
	ScopeImport = "rating:import" // the 12345 hotline's import
)

// HotlineRecord is one rating taken by the 12345 hotline.
type HotlineRecord struct {
	Ticket  string    `json:"ticket" doc:"the hotline's work-order number; a ticket is imported once"`
	CaseNo  string    `json:"case_no"`
	Mobile  string    `json:"mobile" doc:"the caller's number; it must be the case's"`
	Level   Level     `json:"level"`
	Reasons []Reason  `json:"reasons,omitempty"`
	Comment string    `json:"comment,omitempty"`
	RatedAt time.Time `json:"rated_at"`
}

// ImportResult says what became of an import.
type ImportResult struct {
	Imported   int           `json:"imported"`
	Duplicates int           `json:"duplicates" doc:"tickets imported before, or cases the caller had rated"`
	Rejected   []ImportError `json:"rejected"`
}

// ImportError is a record that was not imported.
type ImportError struct {
	Index   int    `json:"index" doc:"0-based position in the request"`
	Ticket  string `json:"ticket"`
	Code    string `json:"code"`
	Message string `json:"message_key"`
}

// MaxImport is the most records one import takes.
const MaxImport = 5000

// Import takes ratings from the 12345 hotline through its integration token (scope
// rating:import). Each record must name a case and the mobile on that case; a ticket already
// imported, or a case its caller has rated, counts as a duplicate; invalid records are listed and
// nothing of them is written.
func (s *Service) Import(ctx context.Context, recs []HotlineRecord) (ImportResult, error) {
	v, err := viewerOf(ctx)
	if err != nil {
		return ImportResult{}, err
	}
	if v.Kind != auth.KindToken || !v.HasScope(ScopeImport) {
		return ImportResult{}, errs.ForbiddenErr()
	}
	if len(recs) > MaxImport {
		return ImportResult{}, errs.InvalidInput("rating.import.too_many").With("max", MaxImport)
	}
	res := ImportResult{Rejected: []ImportError{}}
	reject := func(i int, t string, err error) {
		e := errs.As(err)
		res.Rejected = append(res.Rejected, ImportError{Index: i, Ticket: t, Code: string(e.Code), Message: e.Key})
	}
	var rows []row
	var idx []int
	now := s.clock()
	for i, rec := range recs {
		t := strings.TrimSpace(rec.Ticket)
		if t == "" || utf8.RuneCountInString(t) > 64 {
			reject(i, t, errs.InvalidInput("rating.import.ticket"))
			continue
		}
		at := rec.RatedAt
		if at.IsZero() || at.After(now.Add(5*time.Minute)) {
			reject(i, t, errs.InvalidInput("rating.import.rated_at"))
			continue
		}
		c, err := s.cases.CaseByNo(ctx, strings.TrimSpace(rec.CaseNo))
		if errs.Is(err, errs.NotFound) || (err == nil && !sameMobile(rec.Mobile, c.ApplicantMobile)) {
			reject(i, t, errNoMatch())
			continue
		}
		if err != nil {
			return res, err
		}
		r, err := s.prepare(ctx, c, Input{Level: rec.Level, Reasons: rec.Reasons, Comment: rec.Comment},
			prep{channel: ChannelHotline, at: at.Truncate(time.Millisecond), sourceRef: "12345:" + t, enteredBy: v.ID})
		if errs.Is(err, errs.Conflict) && errs.As(err).Key == "rating.duplicate" {
			res.Duplicates++
			continue
		}
		if err != nil {
			reject(i, t, err)
			continue
		}
		rows = append(rows, r)
		idx = append(idx, i)
	}
	for i, err := range s.w.write(ctx, v, rows...) {
		switch {
		case err == nil:
			res.Imported++
		case errs.Is(err, errs.Conflict):
			res.Duplicates++
		default:
			reject(idx[i], recs[idx[i]].Ticket, err)
		}
	}
	return res, nil
}

// PaperInput is a paper questionnaire as staff enter it.
type PaperInput struct {
	Input
	CaseNo    string `json:"case_no"`
	Serial    string `json:"serial" doc:"the questionnaire's printed serial number; each is entered once"`
	FilledOn  string `json:"filled_on" doc:"the date written on the questionnaire, YYYY-MM-DD"`
	Anonymous bool   `json:"anonymous" doc:"the citizen did not sign: not counted as real-name"`
}

// EnterPaper records a paper questionnaire. It is entered by 督查 staff of the case's
// jurisdiction and marked as paper, with who entered it.
func (s *Service) EnterPaper(ctx context.Context, in PaperInput) (Rating, error) {
	v, err := staffIn(ctx, paperRoles)
	if err != nil {
		return Rating{}, err
	}
	serial := strings.TrimSpace(in.Serial)
	if serial == "" || utf8.RuneCountInString(serial) > 64 {
		return Rating{}, errs.InvalidInput("rating.paper.serial").OnField("serial")
	}
	on, err := workday.ParseDate(strings.TrimSpace(in.FilledOn))
	if err != nil || on.After(s.today()) {
		return Rating{}, errs.InvalidInput("rating.paper.filled_on").OnField("filled_on")
	}
	c, err := s.cases.CaseByNo(ctx, strings.TrimSpace(in.CaseNo))
	if errs.Is(err, errs.NotFound) || (err == nil && !v.Scope().Allows(c.RegionCode, c.UnitID, "")) {
		return Rating{}, errs.NotFoundErr("rating.case.not_found").OnField("case_no")
	}
	if err != nil {
		return Rating{}, err
	}
	if ratedUnitMember(v, c.UnitID, c.HallID, c.Staff) {
		return Rating{}, errs.New(errs.Forbidden, "rating.paper.own_unit")
	}
	// The questionnaire's date, at noon in Shanghai: the hour is not known.
	at := on.Time(12 * time.Hour)
	if at.After(s.now()) {
		at = s.clock()
	}
	r, err := s.prepare(ctx, c, in.Input, prep{channel: ChannelPaper, at: at.Truncate(time.Millisecond),
		enteredBy: v.ID, sourceRef: "paper:" + serial, anonymous: in.Anonymous})
	if err != nil {
		return Rating{}, err
	}
	return s.writeOne(ctx, v, r)
}
