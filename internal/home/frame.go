package home

import (
	"bytes"
	"embed"
	"errors"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/web"
)

// The frames are partials that define the layout's "header" block: every page of a renderer
// made here gets the workbench or portal header without saying so.
//
//go:embed frames/*.html
var frameFS embed.FS

const (
	staffFrame  = "frames/_home_staff.html"
	portalFrame = "frames/_home_portal.html"
)

// Renderer renders a domain's pages in a frame. Its methods are those of web.Renderer.
type Renderer struct {
	rd  *web.Renderer
	dev bool
}

// NewStaffRenderer parses a domain's workbench pages (as web.NewRenderer does) framed as the
// workbench: the header shows the signed-in person, their active role with the role switch,
// their jurisdiction and the menu of their role.
func NewStaffRenderer(fsys fs.FS, patterns ...string) (*Renderer, error) {
	return newRenderer(fsys, staffFrame, patterns)
}

// NewPortalRenderer parses a domain's public pages framed as the portal: the bureau's name, the
// portal's places, login and registration or the applicant's account, and the language switch.
func NewPortalRenderer(fsys fs.FS, patterns ...string) (*Renderer, error) {
	return newRenderer(fsys, portalFrame, patterns)
}

// StaffFrame is NewStaffRenderer as an auth.Frame, for auth.PageOptions.
func StaffFrame(fsys fs.FS, patterns ...string) (auth.Renderer, error) {
	return NewStaffRenderer(fsys, patterns...)
}

// PortalFrame is NewPortalRenderer as an auth.Frame.
func PortalFrame(fsys fs.FS, patterns ...string) (auth.Renderer, error) {
	return NewPortalRenderer(fsys, patterns...)
}

func newRenderer(fsys fs.FS, frame string, patterns []string) (*Renderer, error) {
	if len(patterns) == 0 {
		patterns = []string{"templates/*.html"}
	}
	// The frame joins the first pattern's directory, where the renderer takes it for a partial.
	dir := path.Dir(patterns[0])
	body, err := frameFS.ReadFile(frame)
	if err != nil {
		return nil, err
	}
	rd, err := web.NewRenderer(overlay{base: fsys, path: path.Join(dir, path.Base(frame)), body: body}, patterns...)
	if err != nil {
		return nil, err
	}
	return &Renderer{rd: rd}, nil
}

// Render writes a page in its frame.
func (r *Renderer) Render(w http.ResponseWriter, req *http.Request, name string, data any) {
	r.RenderStatus(w, req, http.StatusOK, name, data)
}

// RenderStatus writes a page in its frame with a status.
func (r *Renderer) RenderStatus(w http.ResponseWriter, req *http.Request, status int, name string, data any) {
	if v, ok := auth.FromContext(req.Context()); ok && v.Kind != auth.KindToken {
		web.SetViewer(req, &Shell{Viewer: v, path: req.URL.Path, dev: devMode(req)})
	}
	r.rd.RenderStatus(w, req, status, name, data)
}

// Shell is the viewer as the frames see it: the signed-in person with their menu.
type Shell struct {
	*auth.Viewer
	path string
	dev  bool
}

// MenuItem is a menu entry as shown.
type MenuItem struct {
	MenuEntry
	Current bool
}

// Menu returns the viewer's menu, marking the entry of the current page.
func (s *Shell) Menu() []MenuItem {
	var out []MenuItem
	best := -1
	for i, e := range Menu(s.Viewer, s.dev) {
		out = append(out, MenuItem{MenuEntry: e})
		// The longest entry path that prefixes the page's marks it ("/staff/" only itself).
		if (s.path == e.Path || (e.Path != "/staff/" && strings.HasPrefix(s.path, strings.TrimSuffix(e.Path, "/")+"/"))) &&
			(best < 0 || len(e.Path) > len(out[best].Path)) {
			best = i
		}
	}
	if best >= 0 {
		out[best].Current = true
	}
	return out
}

// Switchable reports whether the viewer holds more than one role.
func (s *Shell) Switchable() bool { return len(s.Roles) > 1 }

// Jurisdiction is the name of the viewer's jurisdiction, or its code when the name is unknown.
func (s *Shell) Jurisdiction() string {
	if s.RegionName != "" {
		return s.RegionName
	}
	return s.RegionCode
}

// Where names the viewer's place for the header: their jurisdiction, or their unit when the
// jurisdiction's name is unknown (a bare region code means nothing to a person).
func (s *Shell) Where() string {
	switch {
	case s.RegionName != "":
		return s.RegionName
	case s.UnitName != "":
		return s.UnitName
	}
	return s.RegionCode
}

// PrevLogin reports whether there was a login before this session's.
func (s *Shell) PrevLogin() bool { return !s.PrevLoginAt.IsZero() }

// Staff reports whether the viewer is a staff member.
func (s *Shell) Staff() bool { return s.IsStaff() }

// overlay is fsys with one more file, so that a renderer finds the frame among the domain's
// partials.
type overlay struct {
	base fs.FS
	path string
	body []byte
}

func (o overlay) Open(name string) (fs.File, error) {
	if name == o.path {
		return &memFile{Reader: bytes.NewReader(o.body), info: fileEntry{name: path.Base(o.path), size: int64(len(o.body))}}, nil
	}
	return o.base.Open(name)
}

func (o overlay) ReadFile(name string) ([]byte, error) {
	if name == o.path {
		return slices.Clone(o.body), nil
	}
	return fs.ReadFile(o.base, name)
}

func (o overlay) ReadDir(name string) ([]fs.DirEntry, error) {
	ents, err := fs.ReadDir(o.base, name)
	if name != path.Dir(o.path) {
		return ents, err
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	ents = append(ents, fileEntry{name: path.Base(o.path), size: int64(len(o.body))})
	slices.SortFunc(ents, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return ents, nil
}

type memFile struct {
	*bytes.Reader
	info fileEntry
}

func (f *memFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *memFile) Close() error               { return nil }

// fileEntry describes the frame file, as a directory entry and as file information.
type fileEntry struct {
	name string
	size int64
}

func (e fileEntry) Name() string               { return e.name }
func (e fileEntry) IsDir() bool                { return false }
func (e fileEntry) Type() fs.FileMode          { return 0 }
func (e fileEntry) Info() (fs.FileInfo, error) { return e, nil }
func (e fileEntry) Size() int64                { return e.size }
func (e fileEntry) Mode() fs.FileMode          { return 0o444 }
func (e fileEntry) ModTime() time.Time         { return time.Time{} }
func (e fileEntry) Sys() any                   { return nil }

// dev is set by Register in development mode: the development pages join the menu.
var dev atomic.Bool

func devMode(*http.Request) bool { return dev.Load() }
