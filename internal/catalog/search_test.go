package catalog_test

import (
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"onestamp/internal/catalog"
	"onestamp/internal/platform/audit"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/db/dbtest"
)

func first(t *testing.T, s *catalog.Service, q string) catalog.Hit {
	t.Helper()
	res := s.Search(t.Context(), catalog.SearchQuery{Q: q})
	if len(res.Items) == 0 {
		t.Fatalf("search %q found nothing", q)
	}
	return res.Items[0]
}

func TestSearchRanking(t *testing.T) {
	catalog.WaitSegmenter()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := loadDemo(t, d)
		s := f.s
		for q, want := range map[string]string{
			"开饭店":            "食品经营许可", // an administrator's synonym
			"我想开一家饭店":        "食品经营许可", // the synonym's word inside a sentence
			"spjy":           "食品经营许可", // pinyin initials
			"SPJYXK":         "食品经营许可",
			"shipinjingying": "食品经营许可", // full pinyin
			"food business":  "食品经营许可", // English
			"营业执照":           "企业设立登记",
			"二手房过户":          "不动产转移登记",
			"ggcswsxk":       "公共场所卫生许可",
			"网吧":             "互联网上网服务营业场所经营单位设立审批",
			"开药店":            "药品零售企业许可",
			"食品经营许可证":        "食品经营许可", // the query holds the whole name
			"办理食品经营许可":       "食品经营许可",
			"ｓｐｊｙ":           "食品经营许可", // full-width letters
			"食品 经营 许可":       "食品经营许可",
		} {
			if got := first(t, s, q); got.Name != want {
				t.Errorf("search %q: first is %s, want %s", q, got.Name, want)
			}
		}
		// Every exact name finds its item first.
		items, err := s.Items(as(clerk), catalog.ItemFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			if got := first(t, s, it.Name); got.ID != it.ID {
				t.Errorf("search %q: first is %s", it.Name, got.Name)
			}
		}
		// The chain of the same scenario shows beside the items.
		res := s.Search(t.Context(), catalog.SearchQuery{Q: "开饭店"})
		if len(res.Chains) == 0 || res.Chains[0].Name != "开餐馆" {
			t.Errorf("chains for 开饭店 = %+v", res.Chains)
		}
		// A department's name finds its items; a filter keeps to one department.
		res = s.Search(t.Context(), catalog.SearchQuery{Q: "许可", DeptID: f.units["dept.transport"].ID, Limit: 100})
		if res.Total == 0 {
			t.Fatal("no transport licence")
		}
		for _, h := range res.Items {
			if h.DeptID != f.units["dept.transport"].ID {
				t.Fatalf("hit %s of another department", h.Name)
			}
		}

		// An administrator's new synonym works at once; a retired item disappears.
		ctx := as(cityAdmin)
		if _, err := s.AddSynonym(ctx, "开小卖部", "仅销售预包装食品经营者备案"); err != nil {
			t.Fatal(err)
		}
		if got := first(t, s, "开小卖部"); got.Name != "仅销售预包装食品经营者备案" {
			t.Errorf("new synonym: first is %s", got.Name)
		}
		ktv := first(t, s, "娱乐场所经营许可")
		if _, err := s.SetStatus(ctx, ktv.ID, catalog.StatusRetired); err != nil {
			t.Fatal(err)
		}
		if got := first(t, s, "娱乐场所经营许可"); got.ID == ktv.ID {
			t.Error("a retired item is still found")
		}
	})
}

// Another process (another Service on the same database) sees a change made elsewhere.
func TestSearchSeesOtherProcesses(t *testing.T) {
	d := dbtest.SQLite(t)
	f := loadDemo(t, d)
	all, _ := testUnits()
	other := catalog.New(catalog.Deps{DB: d, Audit: audit.New(d), Units: all, Logger: slog.New(slog.DiscardHandler)})
	other.RefreshEvery = 0
	if got := first(t, other, "开饭店"); got.Name != "食品经营许可" {
		t.Fatalf("first = %s", got.Name)
	}
	if _, err := f.s.AddSynonym(as(cityAdmin), "开烟酒店", "仅销售预包装食品经营者备案"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		res := other.Search(t.Context(), catalog.SearchQuery{Q: "开烟酒店"})
		if len(res.Items) > 0 && res.Items[0].Name == "仅销售预包装食品经营者备案" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the other process never saw the synonym: %+v", res.Items)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestSearchOddInput(t *testing.T) {
	d := dbtest.SQLite(t)
	f := loadDemo(t, d)
	long := strings.Repeat("食品经营许可", 20000)
	for _, q := range []string{"", "   ", "\x00\xff\xfe", "🍜🍜🍜", "\u200b\u200d\u202e", "a", "的", "%_'\";--",
		"<script>alert(1)</script>", long, strings.Repeat("z", 1<<20), "e\u0301\u0301\u0301"} {
		start := time.Now()
		res := f.s.Search(t.Context(), catalog.SearchQuery{Q: q, Limit: 1000})
		if el := time.Since(start); el > 2*time.Second {
			t.Errorf("query of %d bytes took %v", len(q), el)
		}
		if !utf8.ValidString(res.Query) || utf8.RuneCountInString(res.Query) > catalog.MaxQueryRunes || len(res.Items) > 100 {
			t.Errorf("query of %d bytes: %q, %d items", len(q), res.Query, len(res.Items))
		}
	}
	if res := f.s.Search(t.Context(), catalog.SearchQuery{Q: " \t"}); res.Total != 0 {
		t.Errorf("blank query found %d", res.Total)
	}
	if res := f.s.Search(t.Context(), catalog.SearchQuery{Q: long}); len(res.Items) == 0 || res.Items[0].Name != "食品经营许可" {
		t.Errorf("a long query of one name: %+v", res.Items)
	}
}

func TestSearchConcurrent(t *testing.T) {
	catalog.WaitSegmenter()
	d := dbtest.SQLite(t)
	f := loadDemo(t, d)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 50 {
				q := []string{"开饭店", "spjy", "我想开一家饭店", "二手房", "营业执照"}[(i+j)%5]
				if res := f.s.Search(t.Context(), catalog.SearchQuery{Q: q}); len(res.Items) == 0 {
					t.Errorf("%q found nothing", q)
				}
			}
		}()
	}
	if _, err := f.s.AddSynonym(as(cityAdmin), "开面馆", "食品经营许可"); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
}

func FuzzSearch(f *testing.F) {
	for _, s := range []string{"开饭店", "spjy", "", "\xff", "🍜", "食品 经营", "ＡＢＣ", "a\u0300", strings.Repeat("许可", 100)} {
		f.Add(s)
	}
	// The database lives in the F's directory: a fuzz subtest's directory name holds '#', which
	// a SQLite file: URI reads as the start of a fragment.
	fuzzService := loadDemo(f, dbtest.SQLite(f)).s
	f.Fuzz(func(t *testing.T, q string) {
		res := fuzzService.Search(t.Context(), catalog.SearchQuery{Q: q})
		if !utf8.ValidString(res.Query) || utf8.RuneCountInString(res.Query) > catalog.MaxQueryRunes {
			t.Fatalf("query %q normalised to %q", q, res.Query)
		}
		if len(res.Items) > 20 || res.Total < len(res.Items) {
			t.Fatalf("%d items of %d", len(res.Items), res.Total)
		}
		if !slices.IsSortedFunc(res.Items, func(a, b catalog.Hit) int {
			switch {
			case a.Score > b.Score:
				return -1
			case a.Score < b.Score:
				return 1
			}
			return 0
		}) {
			t.Fatalf("results out of order for %q", q)
		}
	})
}

// BenchmarkSearch measures a search over the demo catalogue, reporting the 99th percentile.
func BenchmarkSearch(b *testing.B) {
	catalog.WaitSegmenter()
	d := dbtest.SQLite(b)
	f := loadDemo(b, d)
	queries := []string{"开饭店", "食品经营许可", "spjy", "我想开一家饭店卖小吃", "二手房过户", "营业执照怎么办",
		"shipinjingying", "建设工程规划许可", "网约车", "许可", "food business licence", "农村建房",
		"公共场所卫生许可证延续", "开药店需要什么材料", "危险化学品经营许可", "ggcswsxk", "婚姻登记", "教师资格证"}
	ctx := b.Context()
	f.s.Search(ctx, catalog.SearchQuery{Q: "warm"})
	var lat []time.Duration
	i := 0
	for b.Loop() {
		start := time.Now()
		f.s.Search(ctx, catalog.SearchQuery{Q: queries[i%len(queries)]})
		lat = append(lat, time.Since(start))
		i++
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 { return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) }
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds()), "max-µs")
}
