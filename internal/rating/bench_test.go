package rating

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"onestamp/internal/platform/db"
	"onestamp/internal/platform/db/dbtest"
	"onestamp/internal/platform/workday"
)

// benchEngines runs a benchmark on SQLite and, when configured, PostgreSQL.
func benchEngines(b *testing.B, fn func(b *testing.B, d *db.DB)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, dbtest.SQLite(b)) })
	if os.Getenv(dbtest.EnvPostgres) != "" {
		b.Run("postgres", func(b *testing.B) { fn(b, dbtest.Postgres(b)) })
	}
}

// BenchmarkIngest measures ratings recorded per second through the SMS-link path, the way
// citizens submit them: link check, case lookup, duplicate check, SM4 encryption of the
// evaluator, then the group-committed insert with its audit record, events and rollups.
// Submitters run in parallel (64 at once), as many phones do.
func BenchmarkIngest(b *testing.B) {
	benchEngines(b, func(b *testing.B, d *db.DB) {
		e := newEnv(b, d, Options{})
		e.clock.Set(time.Now())
		ctx := context.Background()
		var seq atomic.Int64
		base := e.clock.Now().Add(-time.Hour)
		b.SetParallelism(64)
		b.ResetTimer()
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				i := seq.Add(1)
				c := benchCase(i, base)
				e.cases.put(c)
				tok, err := e.s.signLink(ctx, c.ID, StageCase)
				if err != nil {
					b.Error(err)
					return
				}
				in := Input{Level: VerySatisfied, Reasons: []Reason{"G01"}}
				if i%100 == 0 {
					in = Input{Level: Dissatisfied, Reasons: []Reason{"B02"}}
				}
				if _, err := e.s.SubmitLink(ctx, tok, in); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "ratings/s")
	})
}

// BenchmarkImport measures the 12345 import: 1,000 records per request.
func BenchmarkImport(b *testing.B) {
	benchEngines(b, func(b *testing.B, d *db.DB) {
		e := newEnv(b, d, Options{})
		e.clock.Set(time.Now())
		ctx := tokenCtx("unit-12345", cityCode, ScopeImport)
		base := e.clock.Now().Add(-time.Hour)
		var seq int64
		b.ResetTimer()
		start := time.Now()
		for range b.N {
			recs := make([]HotlineRecord, 1000)
			for j := range recs {
				seq++
				c := benchCase(seq, base)
				e.cases.put(c)
				recs[j] = HotlineRecord{Ticket: "T" + strconv.FormatInt(seq, 10), CaseNo: c.No, Mobile: c.ApplicantMobile,
					Level: Satisfied, RatedAt: base.Add(time.Minute)}
			}
			res, err := e.s.Import(ctx, recs)
			if err != nil || res.Imported != len(recs) {
				b.Fatalf("import: %v %+v", err, res.Rejected)
			}
		}
		b.ReportMetric(float64(b.N*1000)/time.Since(start).Seconds(), "ratings/s")
	})
}

func benchCase(i int64, at time.Time) CaseInfo {
	s := strconv.FormatInt(i, 10)
	w := i % 200
	return CaseInfo{ID: "bc-" + s, No: "ZW" + s, ItemID: "item-" + strconv.FormatInt(i%50, 10), ItemCode: "C" + s,
		ItemVersion: "1", ItemName: "事项", UnitID: "unit-" + strconv.FormatInt(w%60, 10), UnitCode: "11369901MB0000001X",
		UnitName: "单位", HallID: "hall-" + strconv.FormatInt(w%10, 10), HallName: "大厅",
		WindowID: "win-" + strconv.FormatInt(w, 10), WindowNo: "A" + strconv.FormatInt(w, 10),
		RegionCode: fmt.Sprintf("3699%02d000000", w%10+1), Staff: []Staff{{ID: "st-" + strconv.FormatInt(i%600, 10), Name: "员"}},
		Status: "concluded", ConcludedAt: at, ApplicantType: ApplicantPerson, ApplicantIDNo: fmt.Sprintf("1101011980%08d", i),
		ApplicantName: "张三", ApplicantMobile: fmt.Sprintf("139%08d", i%100000000)}
}

// The bulletin benchmark's city: 10 counties, 60 organisations, 10 halls, 200 windows with 3
// staff each, 5 items per window, 10,000,000 ratings a year (about 27,400 a day), 99% good.
const (
	benchYear     = 2025
	benchRatings  = 10_000_000
	benchWindows  = 200
	benchItemsWin = 5
)

// genCity writes the rollups of a year of 10,000,000 ratings directly (the counters the ingest
// path would have written), plus raw rating rows for the bulletin month: every bad rating of
// the month (it lists them) and ONESTAMP_BENCH_RAW good ones (default 200,000; the month has
// about 830,000), which is what the bulletin reads.
func genCity(b *testing.B, d *db.DB) {
	ctx := context.Background()
	s := New(Deps{DB: d, Cipher: testCipher(b)}, Options{})
	rnd := rand.New(rand.NewPCG(1, 2))
	perDay := benchRatings / 365
	deltas := rollupDeltas{}
	var raw []*row
	rawGood := 200_000
	if v, err := strconv.Atoi(os.Getenv("ONESTAMP_BENCH_RAW")); err == nil {
		rawGood = v
	}
	keptGood := 0
	flush := func() {
		if err := d.Tx(ctx, func(tx *sql.Tx) error { return s.st.applyRollups(ctx, tx, deltas) }); err != nil {
			b.Fatal(err)
		}
		deltas = rollupDeltas{}
	}
	start := workday.NewDate(benchYear, 1, 1)
	for day := range 365 {
		on := start.AddDays(day).String()
		march := on[5:7] == "03"
		for w := range benchWindows {
			n := perDay / benchWindows
			if w < perDay%benchWindows {
				n++
			}
			for k := range benchItemsWin {
				cnt := n / benchItemsWin
				if k < n%benchItemsWin {
					cnt++
				}
				// 99% good; the worst windows (0–2) get more bad ratings.
				var lv [6]int64
				for range cnt {
					x := rnd.IntN(1000)
					if w < 3 {
						x -= 20
					}
					switch {
					case x < 4:
						lv[1]++
					case x < 10:
						lv[2]++
					case x < 60:
						lv[3]++
					case x < 200:
						lv[4]++
					default:
						lv[5]++
					}
				}
				r := benchRow(w, k, on)
				for l := 1; l <= 5; l++ {
					if lv[l] == 0 {
						continue
					}
					r.Level = Level(l)
					r.RealName = true
					deltas.add(r.dims(), ratingCounters(r.Level, false, true).times(lv[l]))
					if march && (Level(l).IsBad() || keptGood < rawGood) {
						take := lv[l]
						if !Level(l).IsBad() {
							take = min(take, int64(rawGood-keptGood))
							keptGood += int(take)
						}
						for range take {
							x := *r
							x.ID = newID()
							x.CaseID, x.CaseNo = x.ID, "ZW"+x.ID[len(x.ID)-12:]
							x.EvaluatorKey = x.ID
							x.Level = Level(l)
							if x.Level.IsBad() {
								x.Reasons = []Reason{"B02"}
							}
							raw = append(raw, &x)
						}
					}
				}
			}
		}
		if len(deltas) > 200_000 {
			flush()
		}
		for len(raw) >= 20_000 {
			part := raw[:20_000]
			raw = raw[20_000:]
			if err := d.Tx(ctx, func(tx *sql.Tx) error { _, err := s.st.insertRatings(ctx, tx, part); return err }); err != nil {
				b.Fatal(err)
			}
		}
	}
	flush()
	if len(raw) > 0 {
		if err := d.Tx(ctx, func(tx *sql.Tx) error { _, err := s.st.insertRatings(ctx, tx, raw); return err }); err != nil {
			b.Fatal(err)
		}
	}
	d.Write().ExecContext(ctx, "ANALYZE")
}

func benchRow(w, k int, on string) *row {
	ws := strconv.Itoa(w)
	unit := "unit-" + strconv.Itoa(w%60)
	return &row{ItemID: "item-" + strconv.Itoa(w*benchItemsWin+k), ItemName: "事项" + strconv.Itoa(w*benchItemsWin+k),
		ItemCode: "C", ItemVersion: "1", UnitID: unit, UnitName: "单位" + strconv.Itoa(w%60), UnitCode: "11369901MB0000001X",
		HallID: "hall-" + strconv.Itoa(w%10), HallName: "大厅" + strconv.Itoa(w%10), WindowID: "win-" + ws, WindowNo: "A" + ws,
		RegionCode: fmt.Sprintf("3699%02d000000", w%10+1), Staff: []Staff{{ID: "st-" + strconv.Itoa(w*3+k%3), Name: "员" + ws}},
		Channel: ChannelSMS, Stage: StageCase, RatedOn: on, RatedAt: 1, CaseStatus: "concluded", ApplicantType: ApplicantPerson}
}

// BenchmarkBulletin10M assembles the monthly bulletin (every ranking, the 约谈 candidates and
// every bad rating of the month with its status) of a city with 10,000,000 ratings a year.
// The generation of the city is not timed.
func BenchmarkBulletin10M(b *testing.B) {
	benchEngines(b, func(b *testing.B, d *db.DB) {
		t0 := time.Now()
		genCity(b, d)
		b.Logf("%s: generated a year of %d ratings in %s", d.Engine, benchRatings, time.Since(t0).Round(time.Second))
		e := newEnv(b, d, Options{})
		ctx := citySupervisor()
		var bl Bulletin
		for b.Loop() {
			var err error
			if bl, err = e.s.Bulletin(ctx, Period(fmt.Sprintf("%d-03", benchYear))); err != nil {
				b.Fatal(err)
			}
		}
		if bl.Total.N < benchRatings/13 || len(bl.Bad) == 0 || len(bl.Windows) != benchWindows {
			b.Fatalf("bulletin: N=%d bad=%d windows=%d", bl.Total.N, len(bl.Bad), len(bl.Windows))
		}
		b.ReportMetric(float64(bl.Total.N), "ratings/month")
		b.ReportMetric(float64(len(bl.Bad)), "bad/month")
		t1 := time.Now()
		if _, err := BulletinXLSX(bl, "zh-CN"); err != nil {
			b.Fatal(err)
		}
		b.Logf("%s: the bulletin workbook took %s", d.Engine, time.Since(t1).Round(time.Millisecond))
	})
}
