package catalog

import (
	"context"
	"sort"
)

// BrowseQuery selects the guide's items by department or by a life event, an enterprise event or
// a theme. Only top-level items are listed; their 子项 and 业务办理项 are on their pages.
type BrowseQuery struct {
	DeptID string `json:"dept_id,omitempty"`
	Life   string `json:"life,omitempty"`
	Biz    string `json:"biz,omitempty"`
	Theme  string `json:"theme,omitempty"`
}

// Empty reports whether the query selects nothing in particular.
func (b BrowseQuery) Empty() bool { return b == BrowseQuery{} }

// Browse lists the items of the guide that match, by department and name.
func (s *Service) Browse(ctx context.Context, b BrowseQuery) []Hit {
	ix := s.currentIndex(ctx)
	out := []Hit{}
	if b.Empty() {
		return out
	}
	for i := range ix.docs {
		d := &ix.docs[i]
		if d.item.ParentID != "" {
			continue
		}
		sp := &d.spec
		if (b.DeptID != "" && sp.CompetentDept != b.DeptID) || (b.Life != "" && !containsStr(sp.LifeEvents, b.Life)) ||
			(b.Biz != "" && !containsStr(sp.EnterpriseEvents, b.Biz)) || (b.Theme != "" && !containsStr(sp.Themes, b.Theme)) {
			continue
		}
		out = append(out, d.hit(0))
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].DeptName != out[j].DeptName {
			return out[i].DeptName < out[j].DeptName
		}
		return out[i].Code < out[j].Code
	})
	return out
}

// TagCount is a browsing tag with the number of top-level items that carry it.
type TagCount struct {
	Key   string `json:"key"`
	Items int    `json:"items"`
}

// GuideOverview is what the guide's home page offers to browse.
type GuideOverview struct {
	Items            int         `json:"items"`
	Depts            []DeptEntry `json:"depts"`
	LifeEvents       []TagCount  `json:"life_events"`
	EnterpriseEvents []TagCount  `json:"enterprise_events"`
	Themes           []TagCount  `json:"themes"`
	Chains           []ChainHit  `json:"chains"`
}

// Overview returns the departments, tags and chains of the guide.
func (s *Service) Overview(ctx context.Context) GuideOverview {
	ix := s.currentIndex(ctx)
	o := GuideOverview{Items: len(ix.docs), Depts: ix.depts}
	tags := func(prefix string, vocab []string) []TagCount {
		var out []TagCount
		for _, k := range vocab {
			if n := ix.tags[prefix+k]; n > 0 {
				out = append(out, TagCount{Key: k, Items: n})
			}
		}
		return out
	}
	o.LifeEvents, o.EnterpriseEvents, o.Themes = tags("life:", LifeEvents), tags("biz:", EnterpriseEvents), tags("theme:", Themes)
	for _, cd := range ix.chains {
		c := cd.chain
		o.Chains = append(o.Chains, ChainHit{ID: c.ID, Code: c.Code, Name: c.Name, NameEN: c.NameEN, LimitWD: c.LimitWD,
			Items: len(c.Items), URL: "/guide/chains/" + c.Code})
	}
	return o
}

// Hits returns the guide entries of items by id, in the order given (unknown ids are skipped).
func (s *Service) Hits(ctx context.Context, ids []string) []Hit {
	ix := s.currentIndex(ctx)
	var out []Hit
	for _, id := range ids {
		if i, ok := ix.byID[id]; ok {
			out = append(out, ix.docs[i].hit(0))
		}
	}
	return out
}
