package catalog

import (
	"log/slog"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/go-ego/gse"
	"github.com/mozillazg/go-pinyin"
	"golang.org/x/text/width"
)

// MaxQueryRunes bounds the query the search looks at; the rest of a longer one is ignored.
const MaxQueryRunes = 64

// normalizeQuery folds a query or a searched text to the form matching works on: valid UTF-8,
// full-width letters and digits made narrow, lower case, and nothing but letters and digits
// (spaces, punctuation, emoji, zero-width and combining marks go). A query keeps at most
// MaxQueryRunes of them.
func normalizeQuery(s string) string { return normalize(s, MaxQueryRunes) }

func normalizeText(s string) string { return normalize(s, 0) }

func normalize(s string, limit int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "")
	}
	if limit > 0 && len(s) > limit*8 {
		// Nothing past this can survive the rune limit below; do not fold megabytes.
		s = strings.ToValidUTF8(s[:limit*8], "")
	}
	s = width.Fold.String(s)
	var b strings.Builder
	n := 0
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsNumber(r) {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
		n++
		if limit > 0 && n >= limit {
			break
		}
	}
	return b.String()
}

func isASCIIAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return s != ""
}

// ---- segmentation ----

// The gse dictionary is large (seconds to load, ~100 MB): it is loaded once per process, on
// first need, in the background. Until it is ready, queries are cut into character bigrams,
// which find the same items with coarser ranking; WaitSegmenter blocks until it is ready.
var seg struct {
	once sync.Once
	done chan struct{}
	s    *gse.Segmenter
}

func init() { seg.done = make(chan struct{}) }

func startSegmenter() {
	seg.once.Do(func() {
		go func() {
			defer close(seg.done)
			var g gse.Segmenter
			g.SkipLog = true
			if err := g.LoadDictEmbed("zh_s"); err != nil {
				slog.Error("catalog: loading the segmentation dictionary failed; search falls back to bigrams", "err", err)
				return
			}
			seg.s = &g
		}()
	})
}

// WaitSegmenter starts loading the segmentation dictionary if needed and waits until it is
// loaded. App may call it in the background at start-up; tests call it before asserting on
// ranking.
func WaitSegmenter() {
	startSegmenter()
	<-seg.done
}

// segmenter returns the loaded segmenter, or nil while it loads.
func segmenter() *gse.Segmenter {
	startSegmenter()
	select {
	case <-seg.done:
		return seg.s
	default:
		return nil
	}
}

// tokens cuts a normalised query into the words worth matching: gse's search-mode cut (which
// also yields the parts of long words), without single characters unless the query is one.
func tokens(q string) []string {
	var raw []string
	if g := segmenter(); g != nil {
		raw = g.CutSearch(q, true)
	} else {
		raw = bigrams(q)
	}
	var out []string
	one := utf8.RuneCountInString(q) == 1
	for _, t := range raw {
		t = strings.TrimSpace(t)
		if t == "" || (!one && utf8.RuneCountInString(t) < 2 && !isASCIIAlnum(t)) {
			continue
		}
		if isASCIIAlnum(t) && len(t) < 2 && !one {
			continue
		}
		if !containsStr(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// bigrams is the fallback cut: runs of Han characters as overlapping pairs, other runs whole.
func bigrams(q string) []string {
	var out []string
	rs := []rune(q)
	for i := 0; i < len(rs); {
		if unicode.Is(unicode.Han, rs[i]) {
			j := i
			for j < len(rs) && unicode.Is(unicode.Han, rs[j]) {
				j++
			}
			if j-i == 1 {
				out = append(out, string(rs[i:j]))
			}
			for k := i; k+1 < j; k++ {
				out = append(out, string(rs[k:k+2]))
			}
			i = j
			continue
		}
		j := i
		for j < len(rs) && !unicode.Is(unicode.Han, rs[j]) {
			j++
		}
		out = append(out, string(rs[i:j]))
		i = j
	}
	return out
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ---- pinyin ----

var (
	pyFull    = pinyin.Args{Style: pinyin.Normal}
	pyInitial = pinyin.Args{Style: pinyin.FirstLetter, Heteronym: true}
)

// pinyinOf returns the full pinyin of a normalised text (the common reading of each character,
// joined), the initials of those readings, and for each character the set of initials of all
// its readings (so "行" matches both x and h). Letters and digits stand for themselves.
func pinyinOf(s string) (full, initials string, sets []string) {
	var fb, ib strings.Builder
	for _, r := range s {
		if !unicode.Is(unicode.Han, r) {
			c := string(unicode.ToLower(r))
			fb.WriteString(c)
			ib.WriteString(c)
			sets = append(sets, c)
			continue
		}
		p := pinyin.SinglePinyin(r, pyFull)
		if len(p) == 0 || p[0] == "" {
			sets = append(sets, "")
			ib.WriteByte('?')
			continue
		}
		fb.WriteString(p[0])
		ib.WriteByte(p[0][0])
		set := string(p[0][0])
		for _, alt := range pinyin.SinglePinyin(r, pyInitial) {
			if alt != "" && !strings.Contains(set, alt[:1]) {
				set += alt[:1]
			}
		}
		sets = append(sets, set)
	}
	return fb.String(), ib.String(), sets
}

// matchInitials reports whether q matches the initial sets from position at.
func matchInitials(q string, sets []string, at int) bool {
	if at+len(q) > len(sets) {
		return false
	}
	for i := 0; i < len(q); i++ {
		if strings.IndexByte(sets[at+i], q[i]) < 0 {
			return false
		}
	}
	return true
}
