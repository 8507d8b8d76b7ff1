package workday

import (
	"math/rand/v2"
	"testing"
)

// benchStarts returns n pseudo-random dates in 2024-01-01 .. 2027-09-30.
func benchStarts(n int) []Date {
	rng := rand.New(rand.NewPCG(7, 8))
	lo, hi := md("2024-01-01"), md("2027-09-30")
	out := make([]Date, n)
	for i := range out {
		out[i] = lo + Date(rng.IntN(int(hi-lo)))
	}
	return out
}

func benchRegional(b *testing.B) *Calendar {
	c, err := New(append(Builtin(),
		YearTable{Year: 2024, Region: "54", Holidays: []Date{md("2024-02-12")}},
		YearTable{Year: 2025, Region: "54", Holidays: []Date{md("2025-02-28")}},
		YearTable{Year: 2026, Region: "54", Holidays: []Date{md("2026-02-24")}},
		YearTable{Year: 2027, Region: "54", Holidays: []Date{md("2027-03-09")}},
	), []Override{{Region: "3601", Date: md("2025-03-10"), Kind: Closed, Reason: "bench"}})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

func BenchmarkAdd(b *testing.B) {
	starts := benchStarts(4096)
	for _, bc := range []struct{ name, region string }{{"national", ""}, {"regional", "540102000000"}} {
		b.Run(bc.name, func(b *testing.B) {
			c := benchRegional(b)
			i := 0
			for b.Loop() {
				if _, _, err := c.Add(bc.region, starts[i&4095], 20); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

func BenchmarkBetween(b *testing.B) {
	c := Default()
	starts := benchStarts(4096)
	i := 0
	for b.Loop() {
		a := starts[i&4095]
		if _, _, err := c.Between("", a, a+Date(i&63)); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkClockDue is one full due computation: non-workday check, limit, one closed suspension
// and the remaining days as of today.
func BenchmarkClockDue(b *testing.B) {
	clk := NewClock(Default())
	starts := benchStarts(4096)
	today := md("2026-06-01")
	i := 0
	for b.Loop() {
		s := starts[i&4095]
		in := Input{Start: s, Limit: 20, Suspensions: []Suspension{{s + 5, s + 12}}}
		if _, err := clk.Compute(in, today); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkRecompute300k recomputes 300,000 open deadlines, as a calendar change requires: mixed
// limits and regions, a third with one suspension, some with two or an open one.
func BenchmarkRecompute300k(b *testing.B) {
	const cases = 300_000
	clk := NewClock(benchRegional(b))
	rng := rand.New(rand.NewPCG(9, 10))
	starts := benchStarts(cases)
	regions := []string{"", "360100000000", "360102000000", "540102000000"}
	ins := make([]Input, cases)
	for i := range ins {
		s := starts[i]
		in := Input{Start: s, Limit: []int{0, 5, 10, 20, 45}[rng.IntN(5)], Region: regions[rng.IntN(len(regions))]}
		switch r := rng.IntN(100); {
		case r < 30:
			in.Suspensions = []Suspension{{s + 3, s + 10}}
		case r < 35:
			in.Suspensions = []Suspension{{s + 3, s + 10}, {s + 14, s + 20}}
		case r < 38:
			in.Suspensions = []Suspension{{From: s + 4}}
		}
		if rng.IntN(10) == 0 {
			in.Extension = 10
		}
		ins[i] = in
	}
	today := md("2026-06-01")
	for b.Loop() {
		for _, in := range ins {
			if _, err := clk.Compute(in, today); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/cases, "ns/case")
}
