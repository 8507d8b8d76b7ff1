package catalog

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Change is one difference between two versions of a spec, at a JSON path
// ("materials[1].name"). Before or After is empty when the field was added or removed.
type Change struct {
	Path   string `json:"path"`
	Group  string `json:"group" doc:"the field's JSON name without indexes, for its label: materials.name"`
	Before string `json:"before,omitempty"`
	After  string `json:"after,omitempty"`
}

// Diff returns the changes from a to b in a stable order: the order of the fields in the spec,
// list entries by index.
func Diff(a, b Spec) []Change {
	fa, oa := flatten(a)
	fb, ob := flatten(b)
	order := map[string]int{}
	for i, k := range oa {
		order[k] = i
	}
	for i, k := range ob {
		if _, ok := order[k]; !ok {
			order[k] = len(oa) + i
		}
	}
	var out []Change
	for k := range order {
		va, inA := fa[k]
		vb, inB := fb[k]
		if inA && inB && va == vb {
			continue
		}
		out = append(out, Change{Path: k, Group: groupOf(k), Before: va, After: vb})
	}
	sort.Slice(out, func(i, j int) bool { return order[out[i].Path] < order[out[j].Path] })
	return out
}

var indexRE = regexp.MustCompile(`\[\d+\]`)

func groupOf(path string) string { return indexRE.ReplaceAllString(path, "") }

// flatten renders a spec as path → text, with the paths in field order. Zero values are left
// out so that an added empty field is no change.
func flatten(s Spec) (map[string]string, []string) {
	raw, _ := json.Marshal(s)
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	out := map[string]string{}
	var order []string
	var walk func(prefix string)
	// A streaming walk keeps the fields in declaration order, which a map would lose.
	walk = func(prefix string) {
		tok, err := dec.Token()
		if err != nil {
			return
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				for dec.More() {
					kt, err := dec.Token()
					if err != nil {
						return
					}
					k, _ := kt.(string)
					p := k
					if prefix != "" {
						p = prefix + "." + k
					}
					walk(p)
				}
				dec.Token() // '}'
			case '[':
				i := 0
				for dec.More() {
					walk(prefix + "[" + strconv.Itoa(i) + "]")
					i++
				}
				dec.Token() // ']'
			}
		case string:
			if t != "" {
				out[prefix] = t
				order = append(order, prefix)
			}
		case json.Number:
			if t.String() != "0" {
				out[prefix] = t.String()
				order = append(order, prefix)
			}
		case bool:
			if t {
				out[prefix] = fmt.Sprint(t)
				order = append(order, prefix)
			}
		}
	}
	walk("")
	return out, order
}
