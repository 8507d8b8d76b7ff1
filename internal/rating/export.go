package rating

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/outbox"
	"onestamp/internal/platform/web"
)

// ProvincialRecord is one rating as the provincial 好差评 system receives it, one JSON object per
// line (JSON Lines). [P] The national field list is unverified (DOMAIN §16.7); the names follow
// the Rating record of DOMAIN §6, and the adapter at the province may rename them.
type ProvincialRecord struct {
	RatingID       string   `json:"rating_id"`
	CaseNo         string   `json:"case_no"`
	ItemCode       string   `json:"item_code"`
	ItemVersion    string   `json:"item_version"`
	OrgCreditCode  string   `json:"org_credit_code" doc:"统一社会信用代码 of the handling organisation"`
	RegionCode     string   `json:"region_code"`
	ApplicantType  string   `json:"applicant_type" doc:"person or org"`
	IDType         string   `json:"id_type,omitempty" doc:"id_card or uscc"`
	ApplicantID    string   `json:"applicant_id_masked" doc:"the evaluator's ID number or credit code, masked"`
	Staff          []string `json:"staff" doc:"names of the rated staff"`
	StaffIDs       []string `json:"staff_ids"`
	Channel        string   `json:"channel" doc:"provincial channel code"`
	ChannelName    Channel  `json:"channel_name"`
	Stage          Stage    `json:"stage"`
	Level          Level    `json:"level"`
	Reasons        []Reason `json:"reasons"`
	Comment        string   `json:"comment,omitempty"`
	RatedAt        string   `json:"rated_at" doc:"RFC 3339 in Asia/Shanghai"`
	Default        bool     `json:"default"`
	RealName       bool     `json:"real_name"`
	CaseStatus     string   `json:"case_status" doc:"the case's state when it was rated"`
	Excluded       bool     `json:"excluded"`
	AppealDecision string   `json:"appeal_decision,omitempty"`
}

func provincial(d *detail) ProvincialRecord {
	r := d.row
	p := ProvincialRecord{RatingID: r.ID, CaseNo: r.CaseNo, ItemCode: r.ItemCode, ItemVersion: r.ItemVersion,
		OrgCreditCode: r.UnitCode, RegionCode: r.RegionCode, ApplicantType: r.ApplicantType, IDType: r.IDType,
		ApplicantID: r.IDMasked, Staff: []string{}, StaffIDs: []string{}, Channel: r.Channel.ProvincialCode(),
		ChannelName: r.Channel, Stage: r.Stage, Level: r.Level, Reasons: nonNilReasons(r.Reasons), Comment: r.Comment,
		RatedAt: msTime(r.RatedAt).In(web.Shanghai).Format(time.RFC3339), Default: r.Default, RealName: r.RealName,
		CaseStatus: r.CaseStatus, Excluded: d.excluded}
	for _, s := range r.Staff {
		p.Staff = append(p.Staff, s.Name)
		p.StaffIDs = append(p.StaffIDs, s.ID)
	}
	if d.appeal != nil && d.appeal.Decision != nil {
		p.AppealDecision = string(d.appeal.Decision.Outcome)
	}
	return p
}

// Export writes the ratings matching f that the viewer may see as JSON Lines in the provincial
// layout. Only the statistics roles export.
func (s *Service) Export(ctx context.Context, w io.Writer, f Filter) error {
	v, err := staffIn(ctx, statsRoles)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	if err := s.st.eachRating(ctx, s.d.Read, v.Scope(), f, func(d *detail) error {
		return enc.Encode(provincial(d))
	}); err != nil {
		return err
	}
	return bw.Flush()
}

// onRecorded pushes a committed batch of ratings to the provincial endpoint as JSON Lines. The
// event id goes along as Idempotency-Key, so a retried delivery can be recognised; any answer but
// 2xx is retried by the outbox with backoff.
func (s *Service) onRecorded(ctx context.Context, e outbox.Event) error {
	var ev RecordedEvent
	if err := e.Decode(&ev); err != nil {
		return fmt.Errorf("%s payload: %w", TopicRecorded, err)
	}
	ds, err := s.st.ratingsByID(ctx, s.d.Read, ev.IDs)
	if err != nil {
		return err
	}
	if len(ds) == 0 {
		return nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for _, d := range ds {
		if err := enc.Encode(provincial(d)); err != nil {
			return err
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.opt.PushURL, &buf)
	if err != nil {
		return errs.Wrap(err, "provincial push")
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	req.Header.Set("Idempotency-Key", e.ID)
	if s.opt.PushToken != "" {
		req.Header.Set("Authorization", "Bearer "+s.opt.PushToken)
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return fmt.Errorf("provincial push: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("provincial push: %s answered %d", s.opt.PushURL, resp.StatusCode)
	}
	return nil
}
