package home

import (
	"context"
	"embed"
	"net/http"
	"slices"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/web"
)

//go:embed templates/staff/*.html templates/portal/*.html
var templateFS embed.FS

//go:embed messages/*.json
var messageFS embed.FS

// AddMessages adds the package's texts to the catalogue (Register does it too).
func AddMessages() error { return web.AddMessagesFS(messageFS, "messages") }

// Deps configures the shells.
type Deps struct {
	Dev bool // development mode: the development pages join the admin menu
	// Bureau returns the name of the bureau the portal belongs to (示范市行政审批局); without it
	// the portal shows the platform's name.
	Bureau func(ctx context.Context) string
}

type pages struct {
	g      *auth.Guard
	d      Deps
	staff  *Renderer
	portal *Renderer
}

// Register registers the portal's home page at / and the workbench's at /staff/.
func Register(g *auth.Guard, d Deps) error {
	if err := AddMessages(); err != nil {
		return err
	}
	dev.Store(d.Dev)
	staff, err := NewStaffRenderer(templateFS, "templates/staff/*.html")
	if err != nil {
		return err
	}
	portal, err := NewPortalRenderer(templateFS, "templates/portal/*.html")
	if err != nil {
		return err
	}
	p := &pages{g: g, d: d, staff: staff, portal: portal}
	g.Page("GET /{$}", auth.Public, p.home)
	g.Page("GET /staff", auth.Staff(), func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/staff/", http.StatusSeeOther)
	})
	g.Page("GET /staff/{$}", auth.Staff(), p.workbench)
	return nil
}

// placeView is a portal place as the home page shows it.
type placeView struct {
	PortalPlace
	Open bool // its pages exist
}

type portalData struct {
	Bureau string
	Places []placeView
}

func (p *pages) home(w http.ResponseWriter, r *http.Request) {
	routes := map[string]bool{}
	for _, rt := range p.g.Mux().Routes() {
		if rt.Method == "" || rt.Method == http.MethodGet {
			routes[rt.Path] = true
		}
	}
	d := portalData{}
	if p.d.Bureau != nil {
		d.Bureau = p.d.Bureau(r.Context())
	}
	for _, pl := range Places() {
		d.Places = append(d.Places, placeView{PortalPlace: pl, Open: pl.Ready || routes[pl.Path]})
	}
	p.portal.Render(w, r, "index.html", d)
}

// counterView is a counter as the workbench shows it.
type counterView struct {
	Counter
	N      int
	Failed bool
}

type workbenchData struct {
	Counters []counterView
	Admin    []MenuEntry
}

func (p *pages) workbench(w http.ResponseWriter, r *http.Request) {
	v, _ := auth.FromContext(r.Context())
	d := workbenchData{}
	for _, c := range counters(v) {
		cv := counterView{Counter: c}
		n, err := c.Count(r.Context(), v)
		if err != nil {
			web.Log(r.Context()).Warn("home: counter", "key", c.Key, "err", err)
			cv.Failed = true
		}
		cv.N = n
		d.Counters = append(d.Counters, cv)
	}
	d.Admin = slices.DeleteFunc(Menu(v, dev.Load()), func(e MenuEntry) bool { return !e.Admin })
	p.staff.Render(w, r, "workbench.html", d)
}
