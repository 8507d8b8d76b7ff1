package web

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"net/http"
	"onestamp/internal/platform/errs"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"

	"golang.org/x/text/language"
)

// Languages the interface speaks, the default first.
const (
	DefaultLang = "zh-CN"
	LangEN      = "en"
)

// Languages lists every supported language tag, DefaultLang first.
var Languages = []string{DefaultLang, LangEN}

// LangCookie is the cookie that keeps a language chosen with ?lang=.
const LangCookie = "lang"

var langMatcher = language.NewMatcher([]language.Tag{language.MustParse(DefaultLang), language.English})

// MatchLang maps a language tag or Accept-Language value to a supported language, "" if none fits.
func MatchLang(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if slices.Contains(Languages, s) {
		return s
	}
	tags, _, err := language.ParseAcceptLanguage(s)
	if err != nil || len(tags) == 0 {
		return ""
	}
	_, idx, conf := langMatcher.Match(tags...)
	if conf == language.No {
		return ""
	}
	return Languages[idx]
}

// langFromRequest picks the language: ?lang=, then the lang cookie, then Accept-Language.
func langFromRequest(r *http.Request) string {
	if l := MatchLang(r.URL.Query().Get("lang")); l != "" {
		return l
	}
	if c, err := r.Cookie(LangCookie); err == nil {
		if l := MatchLang(c.Value); l != "" {
			return l
		}
	}
	if l := MatchLang(r.Header.Get("Accept-Language")); l != "" {
		return l
	}
	return DefaultLang
}

// Catalogue holds the user-facing texts: language -> key -> text with {name} placeholders.
// The package keeps one (Messages) that the web package and every domain add to at start-up.
type Catalogue struct {
	mu      sync.RWMutex
	msgs    map[string]map[string]string
	missing sync.Map // lang + "\x00" + key -> struct{}: missing keys already logged
}

// NewCatalogue returns an empty catalogue.
func NewCatalogue() *Catalogue { return &Catalogue{msgs: map[string]map[string]string{}} }

// Messages is the process-wide catalogue. Its content is fixed by the binary (embedded files),
// so sharing it between servers and tests is safe.
var Messages = NewCatalogue()

//go:embed messages/*.json
var ownMessages embed.FS

func init() {
	if err := Messages.AddFS(ownMessages, "messages"); err != nil {
		panic(err)
	}
}

// Add adds texts for a language. Adding the same key twice with the same text is fine (start-up
// may run more than once in tests); with a different text it is an error, because two domains
// would then silently fight over one key.
func (c *Catalogue) Add(lang string, msgs map[string]string) error {
	if !slices.Contains(Languages, lang) {
		return fmt.Errorf("web: unsupported language %q", lang)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.msgs[lang]
	if m == nil {
		m = map[string]string{}
		c.msgs[lang] = m
	}
	for k, v := range msgs {
		if old, ok := m[k]; ok && old != v {
			return fmt.Errorf("web: message %q (%s) already defined with another text", k, lang)
		}
	}
	for k, v := range msgs {
		m[k] = v
	}
	return nil
}

// AddFS adds every <dir>/<lang>.json file of fsys: a flat JSON object of key -> text.
func (c *Catalogue) AddFS(fsys fs.FS, dir string) error {
	files, err := fs.Glob(fsys, path.Join(dir, "*.json"))
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("web: no message files in %s", dir)
	}
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return err
		}
		var msgs map[string]string
		if err := json.Unmarshal(b, &msgs); err != nil {
			return fmt.Errorf("web: %s: %w", f, err)
		}
		if err := c.Add(strings.TrimSuffix(path.Base(f), ".json"), msgs); err != nil {
			return fmt.Errorf("web: %s: %w", f, err)
		}
	}
	return nil
}

// AddMessages adds texts for a language to the process-wide catalogue.
func AddMessages(lang string, msgs map[string]string) error { return Messages.Add(lang, msgs) }

// AddMessagesFS adds a domain's embedded message files (<dir>/zh-CN.json, <dir>/en.json) to the
// process-wide catalogue. A domain calls it from its Register function:
//
//	//go:embed messages/*.json
//	var messages embed.FS
//	...
//	if err := web.AddMessagesFS(messages, "messages"); err != nil { return err }
func AddMessagesFS(fsys fs.FS, dir string) error { return Messages.AddFS(fsys, dir) }

// Has reports whether key has a text in lang.
func (c *Catalogue) Has(lang, key string) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	_, ok := c.msgs[lang][key]
	return ok
}

// Text returns the text of key in lang with its placeholders filled from args. A key missing in
// lang falls back to DefaultLang, then to the key itself; either is logged once per key.
func (c *Catalogue) Text(lang, key string, args map[string]any) string {
	c.mu.RLock()
	s, ok := c.msgs[lang][key]
	found := ok
	if !ok {
		s, ok = c.msgs[DefaultLang][key]
	}
	c.mu.RUnlock()
	if !found {
		if _, logged := c.missing.LoadOrStore(lang+"\x00"+key, struct{}{}); !logged {
			slog.Warn("i18n: missing message", "lang", lang, "key", key)
		}
	}
	if !ok {
		return key
	}
	return fill(s, c.sayKeys(lang, args))
}

// sayKeys replaces the values that are themselves messages (a status, a state) by their text in
// lang; args is not changed.
func (c *Catalogue) sayKeys(lang string, args map[string]any) map[string]any {
	var out map[string]any
	for name, v := range args {
		if k, ok := v.(errs.MessageKey); ok {
			if out == nil {
				out = maps.Clone(args)
			}
			out[name] = c.Text(lang, string(k), nil)
		}
	}
	if out == nil {
		return args
	}
	return out
}

// fill replaces {name} placeholders; unknown ones stay as they are so that the gap shows.
func fill(s string, args map[string]any) string {
	if len(args) == 0 || !strings.Contains(s, "{") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			break
		}
		name := s[i+1 : i+j]
		b.WriteString(s[:i])
		if v, ok := args[name]; ok {
			fmt.Fprint(&b, v)
		} else {
			b.WriteString(s[i : i+j+1])
		}
		s = s[i+j+1:]
	}
	b.WriteString(s)
	return b.String()
}

// placeholders returns the sorted {name}s of a text.
func placeholders(s string) []string {
	var out []string
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			break
		}
		out = append(out, s[i+1:i+j])
		s = s[i+j+1:]
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// Check returns, sorted, every key that some language has and another lacks ("en: case.title"),
// and every key whose placeholders differ between languages.
func (c *Catalogue) Check() []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	all := map[string]bool{}
	for _, m := range c.msgs {
		for k := range m {
			all[k] = true
		}
	}
	var out []string
	for k := range all {
		var ref []string
		refLang := ""
		for _, lang := range Languages {
			s, ok := c.msgs[lang][k]
			if !ok {
				out = append(out, lang+": missing "+k)
				continue
			}
			ph := placeholders(s)
			if refLang == "" {
				ref, refLang = ph, lang
			} else if !slices.Equal(ref, ph) {
				out = append(out, fmt.Sprintf("%s: placeholders of %s %v differ from %s %v", lang, k, ph, refLang, ref))
			}
		}
	}
	sort.Strings(out)
	return out
}

// CheckCatalogues checks the process-wide catalogue (the web package's texts and every domain's
// that has been added): a domain's test adds its messages and asserts this returns nothing.
func CheckCatalogues() []string { return Messages.Check() }

// Args builds message arguments from name/value pairs, or passes a single map through.
func Args(kv ...any) map[string]any {
	if len(kv) == 1 {
		if m, ok := kv[0].(map[string]any); ok {
			return m
		}
	}
	if len(kv) == 0 {
		return nil
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		m[fmt.Sprint(kv[i])] = kv[i+1]
	}
	return m
}

// T translates key in the language of the request ctx belongs to. args are name/value pairs
// ("days", 3) or one map[string]any (as errs.Error.Args).
func T(ctx context.Context, key string, args ...any) string {
	return Messages.Text(Lang(ctx), key, Args(args...))
}

// Translator translates into one language; the template func t is one.
type Translator string

// T translates key; args as for the package function T.
func (l Translator) T(key string, args ...any) string {
	return Messages.Text(string(l), key, Args(args...))
}

// setLangCookie keeps a language chosen with ?lang= for later requests.
func setLangCookie(w http.ResponseWriter, r *http.Request, lang string, secure bool) {
	http.SetCookie(w, &http.Cookie{
		Name:     LangCookie,
		Value:    lang,
		Path:     "/",
		MaxAge:   365 * 24 * 3600,
		HttpOnly: true,
		Secure:   secure || r.TLS != nil,
		SameSite: http.SameSiteLaxMode,
	})
}
