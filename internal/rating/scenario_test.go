package rating_test

// The service-level version of the end-to-end scenario, wired as the application wires
// the two domains: one outbox dispatcher carries case.concluded to rating, rating.bad to rectify
// and rectify.changed back to rating. (The test imports both domains as app does; the domains
// themselves do not import each other.)

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/db/dbtest"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/gm"
	"onestamp/internal/platform/notify"
	"onestamp/internal/platform/outbox"
	"onestamp/internal/platform/web"
	"onestamp/internal/rating"
	"onestamp/internal/rectify"
)

type cases struct {
	mu sync.Mutex
	m  map[string]rating.CaseInfo
}

func (c *cases) Case(_ context.Context, id string) (rating.CaseInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if x, ok := c.m[id]; ok {
		return x, nil
	}
	return rating.CaseInfo{}, errs.NotFoundErr("case.not_found")
}

func (c *cases) CaseByNo(_ context.Context, no string) (rating.CaseInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, x := range c.m {
		if x.No == no {
			return x, nil
		}
	}
	return rating.CaseInfo{}, errs.NotFoundErr("case.not_found")
}

type phone struct {
	mu   sync.Mutex
	msgs []notify.Message
}

func (p *phone) Send(_ context.Context, m notify.Message) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.msgs = append(p.msgs, m)
	return nil
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

func staffCtx(id string, role auth.Role, unit, region string) context.Context {
	return auth.WithViewer(context.Background(), &auth.Viewer{Kind: auth.KindStaff, ID: id, Name: id, UnitID: unit,
		RegionCode: region, Roles: []auth.Role{role}, Role: role})
}

func TestScenarioBadRatingToBulletin(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		at := func(m time.Month, day, h int) time.Time { return time.Date(2026, m, day, h, 0, 0, 0, web.Shanghai) }
		clk := &clock{t: at(3, 10, 9)}
		key := make([]byte, gm.MasterKeySize)
		cipher, _ := gm.NewFieldCipher(map[byte][]byte{1: key})
		cs := &cases{m: map[string]rating.CaseInfo{}}
		sms := &phone{}
		rs := rating.New(rating.Deps{DB: d, Cipher: cipher, Notifier: sms, Cases: cs, Now: clk.Now},
			rating.Options{BaseURL: "https://zwfw.example.gov.cn", FilesDir: t.TempDir()})
		ls := rectify.New(rectify.Deps{DB: d, Now: clk.Now}, rectify.Options{FilesDir: t.TempDir()})
		disp := outbox.New(d, outbox.Options{Backoff: time.Millisecond, MaxBackoff: time.Millisecond})
		rs.RegisterHandlers(disp)
		ls.RegisterHandlers(disp)
		drain := func() {
			for range 50 {
				if n, err := disp.RunOnce(ctx); err != nil {
					t.Fatal(err)
				} else if n == 0 {
					return
				}
			}
		}
		conclude := func(no, mobile, idNo string, when time.Time) rating.CaseInfo {
			c := rating.CaseInfo{ID: "c-" + no, No: no, ItemID: "item-food", ItemCode: "369900-FOOD-01", ItemVersion: "2",
				ItemName: "食品经营许可", UnitID: "unit-market", UnitCode: "11369901MB0000001X", UnitName: "甲县市场监管局",
				HallID: "hall-a", HallName: "甲县政务服务中心", WindowID: "win-a03", WindowNo: "A03",
				RegionCode: "369901000000", Staff: []rating.Staff{{ID: "clerk-wang", Name: "王窗口"}}, Status: "concluded",
				ReceivedAt: when.Add(-96 * time.Hour), AcceptedAt: when.Add(-72 * time.Hour), ConcludedAt: when,
				ApplicantType: rating.ApplicantPerson, ApplicantIDNo: idNo, ApplicantName: "赵六", ApplicantMobile: mobile}
			cs.mu.Lock()
			cs.m[c.ID] = c
			cs.mu.Unlock()
			if err := d.Tx(ctx, func(tx *sql.Tx) error {
				_, err := outbox.Emit(ctx, tx, "case.concluded", "case:"+c.ID, map[string]string{"case_id": c.ID})
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return c
		}

		// 1. A case concludes; the applicant is invited by SMS with a signed link.
		c := conclude("ZW20260310001", "13800138000", "110101199003074477", at(3, 10, 9))
		// Five more cases of the month, for the rates: four rated good or basic, one never rated.
		others := []rating.CaseInfo{
			conclude("ZW20260310002", "13800138001", "110101198001010012", at(3, 10, 9)),
			conclude("ZW20260310003", "13800138002", "110101198001010039", at(3, 10, 9)),
			conclude("ZW20260310004", "13800138003", "110101198001010055", at(3, 10, 9)),
			conclude("ZW20260310005", "13800138004", "110101198001010071", at(3, 10, 9)),
			conclude("ZW20260310006", "13800138005", "110101198001010098", at(3, 10, 9)),
		}
		drain()
		var link string
		for _, m := range sms.msgs {
			if m.To == "13800138000" && m.TemplateKey == "rating.sms.invite" {
				link = m.Args["url"].(string)
			}
		}
		if !strings.HasPrefix(link, "https://zwfw.example.gov.cn/rate/") {
			t.Fatalf("no invitation link; messages: %+v", sms.msgs)
		}

		// 2. The applicant rates it 非常不满意 through the link.
		clk.Set(at(3, 11, 20))
		r, err := rs.SubmitLink(ctx, link[strings.LastIndex(link, "/")+1:], rating.Input{Level: rating.VeryDissatisfied,
			Reasons: []rating.Reason{"B01", "B03"}, Comment: "窗口人员态度生硬，让我跑了三次"})
		if err != nil {
			t.Fatal(err)
		}
		for i, lv := range []rating.Level{5, 5, 4, 3} {
			link, _ := rs.LinkURL(ctx, others[i].ID, "")
			if _, err := rs.SubmitLink(ctx, link[strings.LastIndex(link, "/")+1:], rating.Input{Level: lv}); err != nil {
				t.Fatal(err)
			}
		}
		drain()

		// 3. A rectification item appears for the organisation with its due date: 15 working
		// days from Wednesday 2026-03-11 is Wednesday 2026-04-01.
		sup := staffCtx("sup-city", auth.Supervisor, "unit-dcb", "369900000000")
		p, err := ls.List(sup, rectify.Filter{SourceKind: rectify.SourceRating})
		if err != nil || len(p.Items) != 1 {
			t.Fatalf("ledger: %v %+v", err, p)
		}
		item := p.Items[0]
		if item.SourceID != r.ID || item.UnitID != "unit-market" || item.DueOn != "2026-04-01" || !item.CallbackNeeded {
			t.Fatalf("item: %+v", item)
		}

		// 4. The organisation records the callback and the fix.
		clk.Set(at(3, 12, 10))
		chief := staffCtx("chief-li", auth.Chief, "unit-market", "369901000000")
		steps := []func() (rectify.Rectification, error){
			func() (rectify.Rectification, error) { return ls.Start(chief, item.ID, 0) },
			func() (rectify.Rectification, error) {
				return ls.Plan(chief, item.ID, rectify.PlanInput{Outcome: rectify.OutcomeFixedNow,
					Measures: "约谈窗口人员，当面致歉，当日办结"})
			},
			func() (rectify.Rectification, error) {
				return ls.AddEvidence(chief, item.ID, rectify.EvidenceInput{Name: "整改报告.pdf", Content: []byte("%PDF-1.4\n%%EOF\n")})
			},
			func() (rectify.Rectification, error) {
				return ls.RecordCallback(chief, item.ID, rectify.CallbackInput{Reached: true, Satisfaction: rectify.Satisfied})
			},
			func() (rectify.Rectification, error) { return ls.Submit(chief, item.ID, 0) },
		}
		for i, step := range steps {
			if _, err := step(); err != nil {
				t.Fatalf("organisation step %d: %v", i+1, err)
			}
		}
		// 5. A supervisor verifies and closes it.
		clk.Set(at(3, 13, 10))
		if _, err := ls.Verify(sup, item.ID, rectify.VerifyInput{Accept: true}); err != nil {
			t.Fatal(err)
		}
		closed, err := ls.Close(sup, item.ID, 0, "销号")
		if err != nil || closed.State != rectify.StateClosed || !closed.OnTime {
			t.Fatalf("close: %v %+v", err, closed)
		}
		drain()

		// 6. The monthly bulletin shows it, and the rates match a hand computation:
		// 6 concluded cases, 5 active ratings (5, 5, 4, 3, 1): good 4/5 = 80%, bad 1/5 = 20%,
		// active 5/6 = 83.33%, unrated 1/6 = 16.67%, rectified 1/1, timely 1/1, callback 1/1,
		// satisfaction 1/1, score 20·(5+5+4+3+1)/5 = 72.
		b, err := rs.Bulletin(sup, "2026-03")
		if err != nil {
			t.Fatal(err)
		}
		tot := b.Total
		want := rating.Stat{N: 5, Good: 4, Bad: 1, Active: 5, Concluded: 6, Unrated: 1, BadReal: 1, Closed: 1, OnTime: 1,
			Callback: 1, Responses: 1, Satisfied: 1, GoodRate: 80, BadRate: 20, ActiveRate: 83.33, ActiveGood: 80,
			UnratedRate: 16.67, Rectified: 100, Timely: 100, CalledBack: 100, Satisfy: 100, Score: 72}
		want.Key, want.Levels = tot.Key, [5]int64{1, 0, 1, 1, 2}
		if tot != want {
			t.Fatalf("bulletin totals\n got %+v\nwant %+v", tot, want)
		}
		if len(b.Bad) != 1 || b.Bad[0].CaseNo != c.No || b.Bad[0].RectState != "closed" || b.Bad[0].RectNo != item.No ||
			!b.Bad[0].Callback || !b.Bad[0].ClosedInTime || b.Bad[0].Response != "satisfied" {
			t.Fatalf("bad ratings of the bulletin: %+v", b.Bad)
		}
		if len(b.Units) != 1 || b.Units[0].Name != "甲县市场监管局" || b.Units[0].N != 5 {
			t.Fatalf("units: %+v", b.Units)
		}
		if len(b.Windows) != 1 || b.Windows[0].Name != "甲县政务服务中心 A03" {
			t.Fatalf("windows: %+v", b.Windows)
		}
		// The rollups agree with the raw rows.
		if diffs, err := rs.VerifyRollups(ctx); err != nil || len(diffs) != 0 {
			t.Fatalf("rollups differ: %v %v", err, diffs)
		}
	})
}

func TestDemoSteps(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		key := make([]byte, gm.MasterKeySize)
		cipher, _ := gm.NewFieldCipher(map[byte][]byte{1: key})
		cs := &cases{m: map[string]rating.CaseInfo{}}
		// A fixed present, so that the year's statistics and the ledger's ages do not depend on the
		// day the test runs (on 2 January the year would hold one day of ratings).
		now := time.Date(2026, 6, 15, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))
		var ids []string
		for i := range 1500 {
			at := now.AddDate(0, 0, -1-i%300)
			no := "DEMO" + strconvI(i)
			c := rating.CaseInfo{ID: "d-" + no, No: no, ItemID: "item-" + strconvI(i%7), ItemName: "事项" + strconvI(i%7),
				UnitID: "unit-" + strconvI(i%5), UnitName: "单位" + strconvI(i%5), UnitCode: "11369901MB0000001X",
				HallID: "hall-1", HallName: "市民中心", WindowID: "win-" + strconvI(i%12), WindowNo: "A" + strconvI(i%12),
				RegionCode: "369901000000", Staff: []rating.Staff{{ID: "s" + strconvI(i%30), Name: "员" + strconvI(i%30)}},
				Status: "concluded", ConcludedAt: at, ApplicantType: rating.ApplicantPerson,
				ApplicantIDNo: "ID" + no, ApplicantMobile: "139" + strconvI(10000000+i)}
			cs.m[c.ID] = c
			ids = append(ids, c.ID)
		}
		rs := rating.New(rating.Deps{DB: d, Cipher: cipher, Cases: cs}, rating.Options{FilesDir: t.TempDir()})
		ls := rectify.New(rectify.Deps{DB: d}, rectify.Options{FilesDir: t.TempDir()})
		rs.SetClock(func() time.Time { return now })
		ls.SetClock(func() time.Time { return now })
		disp := outbox.New(d, outbox.Options{})
		rs.RegisterHandlers(disp)
		ls.RegisterHandlers(disp)
		res, err := rating.DemoStep(ctx, rs, rating.DemoDeps{CaseIDs: ids, Seed: 7})
		if err != nil {
			t.Fatal(err)
		}
		if res.Cases != 1500 || res.Ratings < 1000 || res.Bad == 0 || res.Appeals != 2 {
			t.Fatalf("rating demo: %+v", res)
		}
		for {
			if n, err := disp.RunOnce(ctx); err != nil {
				t.Fatal(err)
			} else if n == 0 {
				break
			}
		}
		lr, err := rectify.DemoStep(ctx, ls, rectify.DemoDeps{Seed: 7, SupervisorRegion: "369900000000"})
		if err != nil {
			t.Fatal(err)
		}
		for {
			if n, err := disp.RunOnce(ctx); err != nil {
				t.Fatal(err)
			} else if n == 0 {
				break
			}
		}
		if len(lr.ByState) < 6 {
			t.Fatalf("ledger demo states: %+v", lr)
		}
		if diffs, err := rs.VerifyRollups(ctx); err != nil || len(diffs) != 0 {
			t.Fatalf("rollups after the demo: %v %v", err, diffs)
		}
		sup := staffCtx("sup-city", auth.Supervisor, "unit-dcb", "369900000000")
		_, tot, err := rs.Stats(sup, rating.StatsQuery{Period: rating.Period(now.Format("2006"))})
		if err != nil || tot.N == 0 || tot.GoodRate < 97 {
			t.Fatalf("demo stats: %v %+v", err, tot)
		}
		t.Logf("demo: %+v; ledger %+v", res, lr)
	})
}

func strconvI(i int) string { return strconv.Itoa(i) }
