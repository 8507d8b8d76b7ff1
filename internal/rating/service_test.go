package rating

import (
	"context"
	"strings"
	"testing"
	"time"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/db/dbtest"
	"onestamp/internal/platform/errs"
)

func TestOnlineRatingOncePerCase(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, Options{})
		c := e.concluded(e.clock.Now().Add(-24 * time.Hour))
		r, err := e.s.Submit(applicantCtx(), c.ID, ChannelWeb, good())
		if err != nil {
			t.Fatal(err)
		}
		if r.Level != VerySatisfied || r.CaseNo != c.No || r.Channel != ChannelWeb || r.Stage != StageCase {
			t.Fatalf("rating = %+v", r)
		}
		if r.RatedOn != "2026-03-10" || !r.RealName {
			t.Fatalf("rated_on %s real %v", r.RatedOn, r.RealName)
		}
		// The applicant sees themself masked, never in full.
		if strings.Contains(r.Evaluator, idCard1) || !strings.Contains(r.Evaluator, "1101**********4477") ||
			!strings.Contains(r.Evaluator, "138****8000") || !strings.Contains(r.Evaluator, "张**") {
			t.Fatalf("evaluator shown as %q", r.Evaluator)
		}
		// Twice: refused, nothing written.
		_, err = e.s.Submit(applicantCtx(), c.ID, ChannelWeb, bad())
		wantCode(t, err, errs.Conflict, "rating.duplicate")
		// Through another channel: still the same evaluator and case.
		link, err := e.s.LinkURL(context.Background(), c.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.s.SubmitLink(context.Background(), tokenOf(link), bad())
		wantCode(t, err, errs.Conflict, "rating.duplicate")
		if n := countRatings(t, d); n != 1 {
			t.Fatalf("%d ratings stored, want 1", n)
		}
	})
}

func tokenOf(link string) string { return link[strings.LastIndex(link, "/")+1:] }

func TestRefusedRatingsWriteNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, Options{})
		c := e.concluded(e.clock.Now().Add(-24 * time.Hour))
		other := e.concluded(e.clock.Now().Add(-24 * time.Hour))
		other.ApplicantUserID, other.ApplicantIDNo, other.ApplicantMobile = "appl-2", "110101198001010012", "13900139000"
		e.cases.put(other)
		old := e.concluded(e.clock.Now().AddDate(0, 0, -31))

		link, _ := e.s.LinkURL(context.Background(), c.ID, "")
		tok := tokenOf(link)
		payload, mac, _ := strings.Cut(tok, ".")
		forgedOther, _ := e.s.LinkURL(context.Background(), other.ID, "")
		_, otherMac, _ := strings.Cut(tokenOf(forgedOther), ".")

		cases := []struct {
			name string
			do   func() error
			code errs.Code
			key  string
		}{
			{"someone else's case", func() error { _, err := e.s.Submit(applicantCtx(), other.ID, ChannelWeb, good()); return err },
				errs.NotFound, "rating.case.no_match"},
			{"an unknown case", func() error { _, err := e.s.Submit(applicantCtx(), "nope", ChannelWeb, good()); return err },
				errs.NotFound, "rating.case.no_match"},
			{"after the rating period", func() error { _, err := e.s.Submit(applicantCtx(), old.ID, ChannelWeb, good()); return err },
				errs.Conflict, "rating.window_closed"},
			{"a forged link", func() error { _, err := e.s.SubmitLink(context.Background(), payload+"."+otherMac, good()); return err },
				errs.Forbidden, "rating.link.invalid"},
			{"an altered link", func() error {
				_, err := e.s.SubmitLink(context.Background(), payload+"x."+mac, good())
				return err
			}, errs.Forbidden, "rating.link.invalid"},
			{"garbage for a link", func() error { _, err := e.s.SubmitLink(context.Background(), "abc", good()); return err },
				errs.Forbidden, "rating.link.invalid"},
			{"a bad rating without a reason", func() error {
				_, err := e.s.Submit(applicantCtx(), c.ID, ChannelWeb, Input{Level: Dissatisfied})
				return err
			}, errs.Invalid, "rating.reasons.required"},
			{"a reason of another level", func() error {
				_, err := e.s.Submit(applicantCtx(), c.ID, ChannelWeb, Input{Level: VerySatisfied, Reasons: []Reason{"B01"}})
				return err
			}, errs.Invalid, "rating.reasons.not_for_level"},
			{"a level off the scale", func() error {
				_, err := e.s.Submit(applicantCtx(), c.ID, ChannelWeb, Input{Level: 6})
				return err
			}, errs.Invalid, "rating.level.invalid"},
			{"staff not of the case", func() error {
				in := good()
				in.StaffIDs = []string{"someone"}
				_, err := e.s.Submit(applicantCtx(), c.ID, ChannelWeb, in)
				return err
			}, errs.Invalid, "rating.staff.not_of_case"},
			{"the window QR with a wrong mobile", func() error {
				_, err := e.s.SubmitWindow(context.Background(), windowA1, c.No, "13700137000", good())
				return err
			}, errs.NotFound, "rating.case.no_match"},
			{"the QR of another window", func() error {
				_, err := e.s.SubmitWindow(context.Background(), windowA2, c.No, mobile1, good())
				return err
			}, errs.NotFound, "rating.case.no_match"},
			{"staff through the online channel", func() error {
				_, err := e.s.Submit(staffCtx(clerkA, auth.Clerk, unitA, countyA), c.ID, ChannelWeb, good())
				return err
			}, errs.Forbidden, "rating.applicants_only"},
			{"a pad of another hall", func() error {
				_, err := e.s.SubmitPad(tokenCtx("hall-b", countyB, ScopePad), c.No, good())
				return err
			}, errs.NotFound, "rating.case.no_match"},
			{"an import token on the pad", func() error {
				_, err := e.s.SubmitPad(tokenCtx(hallA, countyA, ScopeImport), c.No, good())
				return err
			}, errs.Forbidden, ""},
			{"paper by the rated unit", func() error {
				_, err := e.s.EnterPaper(staffCtx("sup-a", auth.Supervisor, unitA, countyA),
					PaperInput{Input: good(), CaseNo: c.No, Serial: "P-1", FilledOn: "2026-03-09"})
				return err
			}, errs.Forbidden, "rating.paper.own_unit"},
			{"a stage while 一事多评 is off", func() error {
				in := good()
				in.Stage = StageAcceptance
				_, err := e.s.Submit(applicantCtx(), c.ID, ChannelWeb, in)
				return err
			}, errs.Invalid, "rating.stage.off"},
		}
		for _, tc := range cases {
			err := tc.do()
			if err == nil {
				t.Fatalf("%s: accepted", tc.name)
			}
			if !errs.Is(err, tc.code) || (tc.key != "" && errs.As(err).Key != tc.key) {
				t.Fatalf("%s: want %s %s, got %v", tc.name, tc.code, tc.key, err)
			}
		}
		if n := countRatings(t, d); n != 0 {
			t.Fatalf("%d ratings written by refused attempts", n)
		}

		// An expired link: valid when sent, refused after its lifetime.
		e.clock.Advance(e.s.Options().LinkTTL + time.Minute)
		_, err := e.s.SubmitLink(context.Background(), tok, good())
		wantCode(t, err, errs.Forbidden, "rating.link.expired")
		if n := countRatings(t, d); n != 0 {
			t.Fatalf("%d ratings written by an expired link", n)
		}
	})
}

func TestChannels(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, Options{})
		yesterday := e.clock.Now().Add(-24 * time.Hour)
		// The window QR: case number and mobile.
		c1 := e.concluded(yesterday)
		r, err := e.s.SubmitWindow(context.Background(), windowA1, c1.No, "+86 138-0013-8000", good())
		if err != nil || r.Channel != ChannelWindowQR {
			t.Fatalf("QR: %v %+v", err, r)
		}
		// The pad of the hall.
		c2 := e.concluded(yesterday)
		c2.ApplicantIDNo, c2.ApplicantUserID = "110101198001010012", ""
		e.cases.put(c2)
		r, err = e.s.SubmitPad(tokenCtx(hallA, countyA, ScopePad), c2.No, Input{Level: Basic, Reasons: []Reason{"M03"}})
		if err != nil || r.Channel != ChannelPad {
			t.Fatalf("pad: %v %+v", err, r)
		}
		// Paper, entered by a supervisor of the city, anonymous: marked as paper, not real-name.
		c3 := e.concluded(yesterday)
		c3.ApplicantIDNo = "110101198001010039"
		e.cases.put(c3)
		r, err = e.s.EnterPaper(citySupervisor(), PaperInput{Input: good(), CaseNo: c3.No, Serial: "P-0001",
			FilledOn: "2026-03-09", Anonymous: true})
		if err != nil || r.Channel != ChannelPaper || r.EnteredBy != "sup-city" || r.RealName || r.Evaluator != "" {
			t.Fatalf("paper: %v %+v", err, r)
		}
		if r.RatedOn != "2026-03-09" {
			t.Fatalf("paper dated %s, want the questionnaire's date", r.RatedOn)
		}
		// The same questionnaire twice: refused.
		_, err = e.s.EnterPaper(citySupervisor(), PaperInput{Input: good(), CaseNo: c3.No, Serial: "P-0001",
			FilledOn: "2026-03-09", Anonymous: true})
		wantCode(t, err, errs.Conflict, "rating.duplicate")

		// The 12345 import: one good, one duplicate ticket, one with a mobile not of the case.
		c4 := e.concluded(yesterday)
		c4.ApplicantIDNo = "110101198001010055"
		e.cases.put(c4)
		recs := []HotlineRecord{
			{Ticket: "T1", CaseNo: c4.No, Mobile: mobile1, Level: Dissatisfied, Reasons: []Reason{"B02"}, RatedAt: yesterday.Add(time.Hour)},
			{Ticket: "T1", CaseNo: c4.No, Mobile: mobile1, Level: Dissatisfied, Reasons: []Reason{"B02"}, RatedAt: yesterday.Add(time.Hour)},
			{Ticket: "T2", CaseNo: c4.No, Mobile: "13700000000", Level: VerySatisfied, RatedAt: yesterday},
		}
		res, err := e.s.Import(tokenCtx("unit-12345", cityCode, ScopeImport), recs)
		if err != nil {
			t.Fatal(err)
		}
		if res.Imported != 1 || res.Duplicates != 1 || len(res.Rejected) != 1 || res.Rejected[0].Ticket != "T2" {
			t.Fatalf("import: %+v", res)
		}
		// Again: everything is a duplicate now.
		res, err = e.s.Import(tokenCtx("unit-12345", cityCode, ScopeImport), recs[:1])
		if err != nil || res.Imported != 0 || res.Duplicates != 1 {
			t.Fatalf("second import: %v %+v", err, res)
		}
		if n := countRatings(t, d); n != 4 {
			t.Fatalf("%d ratings, want 4", n)
		}
	})
}

func TestInvitationReminderAndDefault(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, Options{DefaultAfterDays: 7})
		// Concluded on Tuesday 2026-03-10: invited at once, reminded 3 working days later
		// (Friday 03-13), defaulted 7 days later (03-17).
		c := e.concluded(e.clock.Now())
		emitConcluded(t, e, c.ID)
		e.drain()
		if got := e.sms.to(mobile1); len(got) != 1 || got[0].TemplateKey != "rating.sms.invite" ||
			!strings.Contains(got[0].Args["url"].(string), "/rate/") {
			t.Fatalf("invitation: %+v", got)
		}
		// Delivered twice (at least once): still one invitation and one concluded case.
		emitConcluded(t, e, c.ID)
		e.drain()
		if got := e.sms.to(mobile1); len(got) != 1 {
			t.Fatalf("%d invitations after a repeated event", len(got))
		}
		e.clock.Set(shanghai(2026, 3, 12, 9, 0))
		if res, _ := e.s.Sweep(context.Background()); res.Reminded != 0 {
			t.Fatalf("reminded early: %+v", res)
		}
		e.clock.Set(shanghai(2026, 3, 13, 9, 0))
		if res, err := e.s.Sweep(context.Background()); err != nil || res.Reminded != 1 || res.Defaulted != 0 {
			t.Fatalf("sweep on the 13th: %v %+v", err, res)
		}
		if got := e.sms.to(mobile1); len(got) != 2 || got[1].TemplateKey != "rating.sms.remind" {
			t.Fatalf("reminder: %+v", got)
		}
		e.clock.Set(shanghai(2026, 3, 17, 9, 0))
		res, err := e.s.Sweep(context.Background())
		if err != nil || res.Defaulted != 1 || res.Reminded != 0 {
			t.Fatalf("sweep on the 17th: %v %+v", err, res)
		}
		// The default rating is counted, but never as active, and it closes the rating period.
		_, err = e.s.Submit(applicantCtx(), c.ID, ChannelWeb, good())
		wantCode(t, err, errs.Conflict, "rating.window_closed")
		_, total, err := e.s.Stats(citySupervisor(), StatsQuery{Period: "2026-03"})
		if err != nil {
			t.Fatal(err)
		}
		if total.N != 1 || total.Default != 1 || total.Active != 0 || total.Concluded != 1 || total.Unrated != 1 ||
			total.Levels[2] != 1 || total.ActiveRate != 0 || total.UnratedRate != 100 {
			t.Fatalf("stats: %+v", total)
		}
		if res, _ := e.s.Sweep(context.Background()); res.Defaulted != 0 {
			t.Fatal("defaulted twice")
		}
	})
}

func emitConcluded(t testing.TB, e *env, caseID string) {
	t.Helper()
	if err := e.d.Tx(context.Background(), func(tx *sqlTx) error {
		_, err := emit(context.Background(), tx, TopicCaseConcluded, "case:"+caseID, map[string]string{"case_id": caseID})
		return err
	}); err != nil {
		t.Fatal(err)
	}
}
