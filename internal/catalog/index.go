package catalog

import (
	"context"
	"math"
	"sort"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"onestamp/internal/platform/workday"
)

// The guide's search works on an in-memory index of the items in force today: the catalogue is
// small (hundreds to a few thousand items), so scoring every item for a query takes well under
// a millisecond and needs no inverted index. Each process keeps its own index; a change commits
// with a bump of catalog_state.generation, the process that made it rebuilds at once, and the
// others notice within RefreshEvery.

type doc struct {
	item       Item
	spec       Spec
	version    int
	name       string // normalised
	nameEN     string
	keywords   []string
	dept       string // normalised department name
	text       string // normalised summary and result, weakly weighted
	py, ini    string
	sets       []string
	deptName   string
	deptNameEN string
	parentName string
	parentEN   string
}

type synEntry struct {
	term, exp string
}

type chainDoc struct {
	chain    Chain
	name     string
	keywords []string
	ini      string
}

// DeptEntry is a department with the number of guide items it is competent for.
type DeptEntry struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	NameEN string `json:"name_en,omitempty"`
	Items  int    `json:"items"`
}

type index struct {
	gen    int64
	day    workday.Date
	docs   []doc
	byID   map[string]int
	syns   []synEntry
	chains []chainDoc
	depts  []DeptEntry
	tags   map[string]int // "life:birth" → number of top-level items
	built  time.Time
	// synWords holds, per synonym, its words of two characters or more: cut once the
	// segmenter is ready (until then a term only matches as a whole).
	synWords atomic.Pointer[[][]string]
}

var emptyIndex = &index{byID: map[string]int{}, tags: map[string]int{}}

// build loads what the guide shows and indexes it.
func (s *Service) build(ctx context.Context) (*index, error) {
	gen, err := s.st.generation(ctx, s.db.Read)
	if err != nil {
		return nil, err
	}
	day := s.Today()
	items, err := s.st.items(ctx, s.db.Read, ItemFilter{Status: StatusActive})
	if err != nil {
		return nil, err
	}
	vs, err := s.st.inForce(ctx, s.db.Read, day)
	if err != nil {
		return nil, err
	}
	syns, err := s.st.synonyms(ctx, s.db.Read)
	if err != nil {
		return nil, err
	}
	chains, err := s.st.chains(ctx, s.db.Read, "")
	if err != nil {
		return nil, err
	}
	units := map[string]Unit{}
	if us, err := s.units.CatalogUnits(ctx); err == nil {
		for _, u := range us {
			units[u.ID] = u
		}
	} else {
		s.log.Warn("catalog: units for the search index", "err", err)
	}
	return buildIndex(gen, day, items, vs, syns, chains, units), nil
}

func buildIndex(gen int64, day workday.Date, items []Item, vs map[string]ItemVersion, syns []Synonym, chains []Chain, units map[string]Unit) *index {
	ix := &index{gen: gen, day: day, byID: map[string]int{}, tags: map[string]int{}, built: time.Now()}
	names, namesEN := map[string]string{}, map[string]string{}
	for _, it := range items {
		if v, ok := vs[it.ID]; ok {
			names[it.ID], namesEN[it.ID] = v.Spec.Name, v.Spec.NameEN
		}
	}
	deptCount := map[string]int{}
	for _, it := range items {
		v, ok := vs[it.ID]
		if !ok || it.Status != StatusActive {
			continue
		}
		sp := v.Spec
		d := doc{item: it, spec: sp, version: v.Version, name: normalizeText(sp.Name), nameEN: normalizeText(sp.NameEN),
			parentName: names[it.ParentID], parentEN: namesEN[it.ParentID]}
		for _, k := range sp.Keywords {
			if k = normalizeText(k); k != "" {
				d.keywords = append(d.keywords, k)
			}
		}
		if u, ok := units[sp.CompetentDept]; ok {
			d.deptName, d.deptNameEN, d.dept = u.Name, u.NameEN, normalizeText(u.Name)
		}
		d.text = normalizeText(sp.Summary + sp.ResultName)
		d.py, d.ini, d.sets = pinyinOf(d.name)
		ix.byID[it.ID] = len(ix.docs)
		ix.docs = append(ix.docs, d)
		if it.ParentID == "" {
			deptCount[sp.CompetentDept]++
			for _, t := range sp.LifeEvents {
				ix.tags["life:"+t]++
			}
			for _, t := range sp.EnterpriseEvents {
				ix.tags["biz:"+t]++
			}
			for _, t := range sp.Themes {
				ix.tags["theme:"+t]++
			}
		}
	}
	for id, n := range deptCount {
		e := DeptEntry{ID: id, Items: n, Name: id}
		if u, ok := units[id]; ok {
			e.Name, e.NameEN = u.Name, u.NameEN
		}
		ix.depts = append(ix.depts, e)
	}
	sort.Slice(ix.depts, func(i, j int) bool {
		if ix.depts[i].Items != ix.depts[j].Items {
			return ix.depts[i].Items > ix.depts[j].Items
		}
		return ix.depts[i].Name < ix.depts[j].Name
	})
	for _, sy := range syns {
		if t, e := normalizeText(sy.Term), normalizeText(sy.Expansion); t != "" && e != "" {
			ix.syns = append(ix.syns, synEntry{term: t, exp: e})
		}
	}
	for _, c := range chains {
		if c.Status != StatusActive {
			continue
		}
		cd := chainDoc{chain: c, name: normalizeText(c.Name)}
		for _, k := range c.Keywords {
			if k = normalizeText(k); k != "" {
				cd.keywords = append(cd.keywords, k)
			}
		}
		_, cd.ini, _ = pinyinOf(cd.name)
		ix.chains = append(ix.chains, cd)
	}
	return ix
}

// currentIndex returns the index to search: built on first use, rebuilt in the background when
// another process changed the catalogue or the day turned.
func (s *Service) currentIndex(ctx context.Context) *index {
	ix := s.idx.Load()
	if ix == nil {
		s.refresh(ctx)
		if ix = s.idx.Load(); ix == nil {
			return emptyIndex
		}
		return ix
	}
	now := s.now()
	stale := workday.DateOf(now) != ix.day
	if (stale || now.Sub(time.UnixMilli(s.lastCheck.Load())) > s.RefreshEvery) && s.checking.CompareAndSwap(false, true) {
		s.lastCheck.Store(now.UnixMilli())
		go func() {
			defer s.checking.Store(false)
			bg, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			gen, err := s.st.generation(bg, s.db.Read)
			if err != nil {
				s.log.Warn("catalog: checking the search index", "err", err)
				return
			}
			if stale || gen != ix.gen {
				s.refresh(bg)
			}
		}()
	}
	return ix
}

// refresh rebuilds the index now. A failure keeps the previous index and is logged: search
// serves slightly stale results rather than none.
func (s *Service) refresh(ctx context.Context) {
	s.idxMu.Lock()
	defer s.idxMu.Unlock()
	ix, err := s.build(ctx)
	if err != nil {
		s.log.Error("catalog: building the search index", "err", err)
		return
	}
	s.idx.Store(ix)
	s.lastCheck.Store(s.now().UnixMilli())
}

// ---- search ----

// SearchQuery is a guide search.
type SearchQuery struct {
	Q      string `json:"q"`
	DeptID string `json:"dept_id,omitempty"`
	Limit  int    `json:"limit,omitempty" doc:"default 20, at most 100"`
}

// Hit is an item found, in the order of relevance.
type Hit struct {
	ID           string     `json:"id"`
	Code         string     `json:"code"`
	Name         string     `json:"name"`
	NameEN       string     `json:"name_en,omitempty"`
	Level        Level      `json:"level"`
	ParentID     string     `json:"parent_id,omitempty"`
	ParentName   string     `json:"parent_name,omitempty"`
	ParentNameEN string     `json:"parent_name_en,omitempty"`
	Type         ItemType   `json:"type"`
	DeptID       string     `json:"dept_id"`
	DeptName     string     `json:"dept_name,omitempty"`
	DeptNameEN   string     `json:"dept_name_en,omitempty"`
	Kind         Kind       `json:"kind"`
	PromisedWD   int        `json:"promised_wd"`
	MaxVisits    int        `json:"max_visits"`
	Online       bool       `json:"online"`
	Reform       ReformMode `json:"reform_mode,omitempty"`
	Summary      string     `json:"summary,omitempty"`
	Score        float64    `json:"score"`
	URL          string     `json:"url" doc:"the guide page"`
}

// ChainHit is a chain found.
type ChainHit struct {
	ID      string  `json:"id"`
	Code    string  `json:"code"`
	Name    string  `json:"name"`
	NameEN  string  `json:"name_en,omitempty"`
	LimitWD int     `json:"limit_wd"`
	Items   int     `json:"items"`
	Score   float64 `json:"score"`
	URL     string  `json:"url"`
}

// SearchResult is what a search returns.
type SearchResult struct {
	Query  string     `json:"query" doc:"the query as searched: normalised and cut to 64 characters"`
	Total  int        `json:"total" doc:"items that matched"`
	Items  []Hit      `json:"items"`
	Chains []ChainHit `json:"chains,omitempty"`
}

func (d *doc) hit(score float64) Hit {
	return Hit{ID: d.item.ID, Code: d.item.Code, Name: d.spec.Name, NameEN: d.spec.NameEN, Level: d.item.Level,
		ParentID: d.item.ParentID, ParentName: d.parentName, ParentNameEN: d.parentEN, Type: d.spec.Type, DeptID: d.spec.CompetentDept,
		DeptName: d.deptName, DeptNameEN: d.deptNameEN, Kind: d.spec.Kind, PromisedWD: d.spec.PromisedWD,
		MaxVisits: d.spec.MaxVisits, Online: d.spec.Online, Reform: d.spec.ReformMode, Summary: d.spec.Summary,
		Score: math.Round(score*10) / 10, URL: "/guide/items/" + d.item.ID}
}

// Search finds the items a query means, best first. It never fails: an empty or unusable
// query finds nothing.
func (s *Service) Search(ctx context.Context, q SearchQuery) SearchResult {
	return s.currentIndex(ctx).search(q)
}

const minScore = 25

// exactScore is what the item whose name is the query gets: above anything a synonym, pinyin
// or the words can add to another item, so that a typo-free name always comes first.
const exactScore = 2000

// relativeCut drops hits scoring below this share of the best one.
const relativeCut = 0.12

type expansion struct {
	text string
	w    float64
}

func rlen(s string) int { return utf8.RuneCountInString(s) }

// matchScore scores how text (an item's name) matches q: equal, q a prefix of it, q inside
// it, or it inside q; the ratio of lengths favours the tighter fit.
func matchScore(text, q string, equal, prefix, inside, within float64) float64 {
	if text == "" || q == "" {
		return 0
	}
	lt, lq := float64(rlen(text)), float64(rlen(q))
	switch {
	case text == q:
		return equal
	case strings.HasPrefix(text, q):
		return prefix + 100*lq/lt
	case strings.Contains(text, q):
		return inside + 100*lq/lt
	case lt >= 2 && strings.Contains(q, text):
		return within + 100*lt/lq
	}
	return 0
}

func (ix *index) search(sq SearchQuery) SearchResult {
	q := normalizeQuery(sq.Q)
	res := SearchResult{Query: q, Items: []Hit{}}
	if q == "" {
		return res
	}
	limit := sq.Limit
	if limit <= 0 {
		limit = 20
	}
	if limit > 100 {
		limit = 100
	}
	toks := tokens(q)
	exps := ix.expansions(q, toks)
	type weighted struct {
		t string
		w float64
	}
	var tw []weighted
	add := func(t string, factor float64) {
		for _, x := range tw {
			if x.t == t {
				return
			}
		}
		df := 0
		for i := range ix.docs {
			d := &ix.docs[i]
			if strings.Contains(d.name, t) || containsIn(d.keywords, t) {
				df++
			}
		}
		w := factor * math.Log(1+float64(len(ix.docs)+1)/float64(1+df))
		tw = append(tw, weighted{t, w})
	}
	for _, t := range toks {
		add(t, 1)
	}
	for _, e := range exps {
		for _, t := range tokens(e.text) {
			add(t, 0.5*e.w)
		}
	}
	var total float64
	for _, x := range tw {
		total += x.w
	}
	ascii := isASCIIAlnum(q)

	type scored struct {
		i     int
		score float64
	}
	var found []scored
	for i := range ix.docs {
		d := &ix.docs[i]
		if sq.DeptID != "" && d.spec.CompetentDept != sq.DeptID {
			continue
		}
		direct := matchScore(d.name, q, exactScore, 600, 400, 500)
		if ascii {
			direct = max(direct, matchScore(d.nameEN, q, exactScore, 600, 400, 0))
			direct = max(direct, pinyinScore(d.py, d.ini, d.sets, q))
		}
		for _, k := range d.keywords {
			switch {
			case k == q:
				direct = max(direct, 700)
			case rlen(k) >= 2 && strings.Contains(q, k):
				direct = max(direct, 450)
			case rlen(q) >= 2 && strings.Contains(k, q):
				direct = max(direct, 350)
			}
		}
		for _, e := range exps {
			direct = max(direct, e.w*matchScore(d.name, e.text, 950, 550, 350, 450))
		}
		var tokScore, matched float64
		for _, x := range tw {
			switch {
			case strings.Contains(d.name, x.t):
				tokScore += 60 * x.w
				matched += x.w
			case containsIn(d.keywords, x.t):
				tokScore += 35 * x.w
				matched += 0.7 * x.w
			case d.dept != "" && strings.Contains(d.dept, x.t):
				tokScore += 12 * x.w
				matched += 0.4 * x.w
			case strings.Contains(d.text, x.t):
				tokScore += 6 * x.w
				matched += 0.2 * x.w
			}
		}
		if total > 0 {
			c := matched / total
			tokScore += 150 * c * c
		}
		score := direct + tokScore
		if score < minScore {
			continue
		}
		if d.item.Children > 0 {
			score += 15 // the entry a person names before its variants
		}
		found = append(found, scored{i, score})
	}
	sort.Slice(found, func(a, b int) bool {
		x, y := found[a], found[b]
		if x.score != y.score {
			return x.score > y.score
		}
		dx, dy := &ix.docs[x.i], &ix.docs[y.i]
		if lx, ly := rlen(dx.name), rlen(dy.name); lx != ly {
			return lx < ly
		}
		return dx.item.Code < dy.item.Code
	})
	// Keep what is close enough to the best: a query that names an item should not trail every
	// item that shares a common word with it.
	if len(found) > 0 {
		cut := max(minScore, found[0].score*relativeCut)
		n := 0
		for n < len(found) && found[n].score >= cut {
			n++
		}
		found = found[:n]
	}
	res.Total = len(found)
	for _, f := range found[:min(limit, len(found))] {
		res.Items = append(res.Items, ix.docs[f.i].hit(f.score))
	}
	res.Chains = ix.searchChains(q, exps)
	return res
}

func containsIn(list []string, t string) bool {
	for _, k := range list {
		if strings.Contains(k, t) {
			return true
		}
	}
	return false
}

// pinyinScore matches an ASCII query against an item's pinyin: its initials ("spjy"), the
// initials of any reading of each character, or the full pinyin ("shipin").
func pinyinScore(py, ini string, sets []string, q string) float64 {
	if len(q) < 2 {
		return 0
	}
	lq := float64(len(q))
	best := 0.0
	switch {
	case ini == q:
		best = 900
	case strings.HasPrefix(ini, q):
		best = 600 + 100*lq/float64(len(ini))
	case matchInitials(q, sets, 0):
		best = 520 + 100*lq/float64(len(sets))
	default:
		for at := 1; at+len(q) <= len(sets); at++ {
			if matchInitials(q, sets, at) {
				best = 300 + 100*lq/float64(len(sets))
				break
			}
		}
	}
	switch {
	case py == q:
		best = max(best, 950)
	case len(q) >= 3 && strings.HasPrefix(py, q):
		best = max(best, 600+100*lq/float64(len(py)))
	case len(q) >= 4 && strings.Contains(py, q):
		best = max(best, 300+100*lq/float64(len(py)))
	}
	return best
}

// expansions returns the synonym expansions a query calls for, weighted by how well the
// synonym's term matches: the whole query, inside the query, the query inside the term, or
// the term's words all among the query's words ("我想开个饭店" has the word of "开饭店").
func (ix *index) expansions(q string, toks []string) []expansion {
	var out []expansion
	words := ix.synonymWords()
	for i := range ix.syns {
		sy := &ix.syns[i]
		var w float64
		switch {
		case sy.term == q:
			w = 1
		case strings.Contains(q, sy.term):
			w = 0.9
		case rlen(q) >= 2 && 2*rlen(q) >= rlen(sy.term) && strings.Contains(sy.term, q):
			w = 0.6
		default:
			if words == nil || len(words[i]) == 0 {
				continue
			}
			all := true
			for _, wd := range words[i] {
				if !containsStr(toks, wd) && !strings.Contains(q, wd) {
					all = false
					break
				}
			}
			if !all {
				continue
			}
			w = 0.5
		}
		out = append(out, expansion{sy.exp, w})
	}
	return out
}

// synonymWords returns the words of each synonym's term, nil while the segmenter loads.
func (ix *index) synonymWords() [][]string {
	if p := ix.synWords.Load(); p != nil {
		return *p
	}
	if segmenter() == nil {
		return nil
	}
	all := make([][]string, len(ix.syns))
	for i, sy := range ix.syns {
		for _, t := range tokens(sy.term) {
			if rlen(t) >= 2 && t != sy.term {
				all[i] = append(all[i], t)
			}
		}
	}
	ix.synWords.Store(&all)
	return all
}

func (ix *index) searchChains(q string, exps []expansion) []ChainHit {
	var out []ChainHit
	for _, cd := range ix.chains {
		score := matchScore(cd.name, q, 1000, 600, 400, 500)
		for _, k := range cd.keywords {
			score = max(score, matchScore(k, q, 900, 500, 300, 450))
		}
		for _, e := range exps {
			for _, k := range append([]string{cd.name}, cd.keywords...) {
				score = max(score, e.w*matchScore(k, e.text, 800, 400, 300, 0))
			}
		}
		if isASCIIAlnum(q) && len(q) >= 2 && strings.HasPrefix(cd.ini, q) {
			score = max(score, 600)
		}
		if score < 300 {
			continue
		}
		c := cd.chain
		out = append(out, ChainHit{ID: c.ID, Code: c.Code, Name: c.Name, NameEN: c.NameEN, LimitWD: c.LimitWD,
			Items: len(c.Items), Score: score, URL: "/guide/chains/" + c.Code})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	if len(out) > 3 {
		out = out[:3]
	}
	return out
}
