package rating

import (
	"context"
	"testing"
	"time"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/db/dbtest"
	"onestamp/internal/platform/errs"
)

func TestAppealExcludesButKeeps(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, Options{})
		ctx := context.Background()
		c := e.concluded(e.clock.Now().Add(-24 * time.Hour))
		r, err := e.s.Submit(applicantCtx(), c.ID, ChannelWeb, bad())
		if err != nil {
			t.Fatal(err)
		}
		c2 := e.concluded(e.clock.Now().Add(-24 * time.Hour))
		c2.ApplicantIDNo = "110101198001010012"
		e.cases.put(c2)
		link, _ := e.s.LinkURL(ctx, c2.ID, "")
		if _, err := e.s.SubmitLink(ctx, tokenOf(link), good()); err != nil {
			t.Fatal(err)
		}
		chief := staffCtx("chief-a", auth.Chief, unitA, countyA)
		evidence := []Upload{{Name: "监控截图.pdf", Content: pdfBytes}}
		in := AppealInput{Grounds: GroundsMistaken, Reason: "评价人误评了其他窗口", Evidence: evidence}

		// Who may not appeal, and what is refused.
		_, err = e.s.FileAppeal(staffCtx("chief-b", auth.Chief, unitB, countyA), r.ID, in)
		wantCode(t, err, errs.Forbidden, "rating.appeal.not_rated_unit")
		_, err = e.s.FileAppeal(staffCtx(clerkA, auth.Clerk, unitA, countyA), r.ID, in)
		wantCode(t, err, errs.Forbidden, "")
		_, err = e.s.FileAppeal(chief, r.ID, AppealInput{Grounds: GroundsMistaken, Reason: "没有证据也想申诉"})
		wantCode(t, err, errs.Invalid, "rating.appeal.evidence_required")
		_, err = e.s.FileAppeal(chief, r.ID, AppealInput{Grounds: GroundsMistaken, Reason: "伪装成PDF的文件",
			Evidence: []Upload{{Name: "a.pdf", Content: []byte("not a pdf at all")}}})
		wantCode(t, err, errs.Invalid, "")

		ap, err := e.s.FileAppeal(chief, r.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		if ap.DecideBy != "2026-03-17" {
			t.Fatalf("decide by %s, want 5 working days after 2026-03-10", ap.DecideBy)
		}
		_, err = e.s.FileAppeal(chief, r.ID, in)
		wantCode(t, err, errs.Conflict, "rating.appeal.exists")

		// A supervisor of the rated organisation may not decide.
		_, err = e.s.DecideAppeal(staffCtx("sup-a", auth.Supervisor, unitA, countyA), ap.ID,
			DecisionInput{Outcome: OutcomeUpheld, Reason: "同意"})
		wantCode(t, err, errs.Forbidden, "rating.appeal.own_unit")

		_, before, _ := e.s.Stats(citySupervisor(), StatsQuery{Period: "2026-03"})
		if before.N != 2 || before.Bad != 1 {
			t.Fatalf("before: %+v", before)
		}
		dec, err := e.s.DecideAppeal(citySupervisor(), ap.ID, DecisionInput{Outcome: OutcomeUpheld, Reason: "经核实系误评"})
		if err != nil || dec.Decision.Outcome != OutcomeUpheld {
			t.Fatalf("decide: %v %+v", err, dec)
		}
		_, err = e.s.DecideAppeal(citySupervisor(), ap.ID, DecisionInput{Outcome: OutcomeRejected, Reason: "改判"})
		wantCode(t, err, errs.Conflict, "rating.appeal.decided")

		// Excluded from the statistics, kept with the decision.
		_, after, _ := e.s.Stats(citySupervisor(), StatsQuery{Period: "2026-03"})
		if after.N != 1 || after.Bad != 0 || after.Excluded != 1 || after.GoodRate != 100 {
			t.Fatalf("after: %+v", after)
		}
		got, err := e.s.Get(citySupervisor(), r.ID)
		if err != nil || !got.Excluded || got.Level != VeryDissatisfied || got.Appeal == nil || got.Appeal.Decision == nil {
			t.Fatalf("kept rating: %v %+v", err, got)
		}
		if diffs, err := e.s.VerifyRollups(ctx); err != nil || len(diffs) != 0 {
			t.Fatalf("rollups: %v %v", err, diffs)
		}
	})
}

func TestRollupsRebuildAgrees(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, Options{})
		ctx := context.Background()
		for i := range 12 {
			c := e.concluded(e.clock.Now().Add(-time.Duration(i) * 24 * time.Hour))
			c.ApplicantIDNo = idFor(i)
			c.Staff = append(c.Staff, Staff{ID: "clerk-x", Name: "赵"})
			e.cases.put(c)
			emitConcluded(t, e, c.ID)
			if i%4 == 3 {
				continue // unrated
			}
			lv := Level(5 - i%5)
			in := Input{Level: lv}
			if lv.IsBad() {
				in.Reasons = []Reason{"B02"}
			}
			link, _ := e.s.LinkURL(ctx, c.ID, "")
			if _, err := e.s.SubmitLink(ctx, tokenOf(link), in); err != nil {
				t.Fatal(err)
			}
		}
		e.drain()
		if diffs, err := e.s.VerifyRollups(ctx); err != nil || len(diffs) != 0 {
			t.Fatalf("after ingest: %v %v", err, diffs)
		}
		// Damage the rollups; verification says where, and the rebuild repairs them.
		if _, err := d.Write().Exec(`UPDATE rating_rollups SET n5 = n5 + 7 WHERE dim = 'window'`); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Write().Exec(`DELETE FROM rating_rollups WHERE dim = 'staff'`); err != nil {
			t.Fatal(err)
		}
		diffs, err := e.s.VerifyRollups(ctx)
		if err != nil || len(diffs) == 0 {
			t.Fatalf("damage not found: %v", err)
		}
		n, corrected, err := e.s.RebuildRollups(ctx)
		if err != nil || n == 0 || len(corrected) != len(diffs) {
			t.Fatalf("rebuild: %d rows, %d corrected (want %d): %v", n, len(corrected), len(diffs), err)
		}
		if diffs, err := e.s.VerifyRollups(ctx); err != nil || len(diffs) != 0 {
			t.Fatalf("after rebuild: %v %v", err, diffs)
		}
		_, tot, _ := e.s.Stats(citySupervisor(), StatsQuery{Period: "2026"})
		if tot.N != 9 || tot.Concluded != 12 || tot.Unrated != 3 {
			t.Fatalf("year: %+v", tot)
		}
	})
}

func idFor(i int) string {
	ids := []string{"110101198001010012", "110101198001010039", "110101198001010055", "110101198001010071",
		"110101198001010098", "11010119800101011X", "110101198001010135", "110101198001010151",
		"110101198001010178", "110101198001010194", "110101198001010215", "110101198001010231"}
	return ids[i]
}
