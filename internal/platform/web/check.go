package web

import (
	"fmt"
	"strings"
)

// CSPViolations lists what in an HTML page the Content-Security-Policy would block, so that
// tests of every domain's pages can assert there is none: an inline <script> (one without src or
// with content), a <style> element, a style attribute, an on* handler or htmx hx-on attribute, a
// javascript: URL.
func CSPViolations(html []byte) []string {
	var out []string
	s := string(html)
	for i := 0; i < len(s); {
		lt := strings.IndexByte(s[i:], '<')
		if lt < 0 {
			break
		}
		i += lt
		if strings.HasPrefix(s[i:], "<!--") {
			end := strings.Index(s[i:], "-->")
			if end < 0 {
				break
			}
			i += end + 3
			continue
		}
		name, attrs, next := parseTag(s, i)
		i = next
		switch name {
		case "":
			continue
		case "style":
			out = append(out, "<style> element")
		case "script":
			if _, ok := attrs["src"]; !ok {
				out = append(out, "inline <script> without src")
			}
			end := strings.Index(strings.ToLower(s[i:]), "</script")
			if end < 0 {
				break
			}
			if strings.TrimSpace(s[i:i+end]) != "" {
				out = append(out, "<script> with inline content")
			}
			i += end
		}
		for k, v := range attrs {
			switch {
			case strings.HasPrefix(k, "on"), strings.HasPrefix(k, "hx-on"), strings.HasPrefix(k, "data-hx-on"):
				out = append(out, fmt.Sprintf("<%s %s> inline handler", name, k))
			case k == "style":
				out = append(out, fmt.Sprintf("<%s style> inline style", name))
			case strings.HasPrefix(strings.ToLower(strings.TrimSpace(v)), "javascript:"):
				out = append(out, fmt.Sprintf("<%s %s> javascript: URL", name, k))
			}
		}
	}
	return out
}

// parseTag reads the start tag at s[i] ('<'). It returns the lower-case name ("" for an end
// tag, a doctype or stray '<'), the attributes, and the index after the tag.
func parseTag(s string, i int) (string, map[string]string, int) {
	j := i + 1
	start := j
	for j < len(s) && isNameChar(s[j]) {
		j++
	}
	if j == start {
		return "", nil, i + 1
	}
	name := strings.ToLower(s[start:j])
	attrs := map[string]string{}
	for j < len(s) {
		for j < len(s) && isSpace(s[j]) {
			j++
		}
		if j >= len(s) {
			break
		}
		if s[j] == '>' {
			return name, attrs, j + 1
		}
		if s[j] == '/' {
			j++
			continue
		}
		ks := j
		for j < len(s) && !isSpace(s[j]) && s[j] != '=' && s[j] != '>' && s[j] != '/' {
			j++
		}
		key := strings.ToLower(s[ks:j])
		val := ""
		for j < len(s) && isSpace(s[j]) {
			j++
		}
		if j < len(s) && s[j] == '=' {
			j++
			for j < len(s) && isSpace(s[j]) {
				j++
			}
			if j < len(s) && (s[j] == '"' || s[j] == '\'') {
				q := s[j]
				end := strings.IndexByte(s[j+1:], q)
				if end < 0 {
					return name, attrs, len(s)
				}
				val = s[j+1 : j+1+end]
				j += end + 2
			} else {
				vs := j
				for j < len(s) && !isSpace(s[j]) && s[j] != '>' {
					j++
				}
				val = s[vs:j]
			}
		}
		if key != "" {
			attrs[key] = val
		} else {
			j++
		}
	}
	return name, attrs, j
}

func isNameChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-'
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }
