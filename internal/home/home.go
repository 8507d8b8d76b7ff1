// Package home holds the shells every other page lives in: the staff workbench at /staff/ (the
// frame with the user's name, active role and role switch, jurisdiction and a menu built from
// the roles) and the public portal at / (the bureau's home with its login, registration and
// language switch, and the places later domains fill). Domains add their menu entries, portal
// places and workbench counters here, and frame their pages with StaffRenderer or PortalRenderer.
package home

import (
	"context"
	"slices"
	"strings"
	"sync"

	"onestamp/internal/platform/auth"
)

// MenuEntry is an item of the workbench menu.
type MenuEntry struct {
	Key   string      // message key of the label, e.g. "cases.menu.queue"
	Path  string      // "/staff/cases"
	Roles []auth.Role // active roles that see it; empty: every staff role
	Order int         // position; lower first
	Admin bool        // an administration entry: also shown as an entry point on the home page
	// Dev marks an entry shown only in development mode (the SMS page).
	Dev bool
}

// PortalPlace is a place of the public portal: a tile on the home page and a link in the header.
type PortalPlace struct {
	Key     string // message key of the title, e.g. "home.place.guide"
	DescKey string // message key of a one-line description
	Path    string
	Order   int
	// Ready marks a place whose pages exist. A place that is not ready shows as "coming soon"
	// without a link; a route registered for Path makes it ready as well.
	Ready bool
}

// Counter is a number on the workbench home page: the viewer's to-do items of some kind.
type Counter struct {
	Key   string      // message key of the label
	Path  string      // where the items are listed
	Roles []auth.Role // active roles that see it; empty: every staff role
	Order int
	Count func(ctx context.Context, v *auth.Viewer) (int, error)
}

// registry holds what the domains add. It is process-wide and filled at start-up, like the
// message catalogue: its content is fixed by the binary.
var registry = struct {
	sync.RWMutex
	menu     []MenuEntry
	places   []PortalPlace
	counters []Counter
}{}

// AddMenu adds (or, for the same path, replaces) an entry of the workbench menu.
func AddMenu(e MenuEntry) {
	registry.Lock()
	defer registry.Unlock()
	registry.menu = slices.DeleteFunc(registry.menu, func(x MenuEntry) bool { return x.Path == e.Path })
	registry.menu = append(registry.menu, e)
}

// AddPlace adds (or, for the same key, replaces) a place of the public portal.
func AddPlace(p PortalPlace) {
	registry.Lock()
	defer registry.Unlock()
	registry.places = slices.DeleteFunc(registry.places, func(x PortalPlace) bool { return x.Key == p.Key })
	registry.places = append(registry.places, p)
}

// AddCounter adds (or, for the same key, replaces) a counter of the workbench home page.
func AddCounter(c Counter) {
	registry.Lock()
	defer registry.Unlock()
	registry.counters = slices.DeleteFunc(registry.counters, func(x Counter) bool { return x.Key == c.Key })
	registry.counters = append(registry.counters, c)
}

func sees(roles []auth.Role, v *auth.Viewer) bool {
	return v != nil && v.IsStaff() && (len(roles) == 0 || slices.Contains(roles, v.Role))
}

// Menu returns the menu entries the viewer sees in their active role, in order.
func Menu(v *auth.Viewer, dev bool) []MenuEntry {
	registry.RLock()
	defer registry.RUnlock()
	var out []MenuEntry
	for _, e := range registry.menu {
		if sees(e.Roles, v) && (!e.Dev || dev) {
			out = append(out, e)
		}
	}
	slices.SortStableFunc(out, func(a, b MenuEntry) int {
		if a.Order != b.Order {
			return a.Order - b.Order
		}
		return strings.Compare(a.Path, b.Path)
	})
	return out
}

// Places returns the portal places in order.
func Places() []PortalPlace {
	registry.RLock()
	defer registry.RUnlock()
	out := slices.Clone(registry.places)
	slices.SortStableFunc(out, func(a, b PortalPlace) int { return a.Order - b.Order })
	return out
}

func counters(v *auth.Viewer) []Counter {
	registry.RLock()
	defer registry.RUnlock()
	var out []Counter
	for _, c := range registry.counters {
		if sees(c.Roles, v) {
			out = append(out, c)
		}
	}
	slices.SortStableFunc(out, func(a, b Counter) int { return a.Order - b.Order })
	return out
}

// The entries of the platform's own pages (auth's administration and account pages) and the
// portal's places that later domains fill.
func init() {
	AddMenu(MenuEntry{Key: "home.menu.home", Path: "/staff/", Order: 0})
	// The organisation pages belong to org, which may replace this entry with its own.
	AddMenu(MenuEntry{Key: "home.menu.org", Path: "/staff/admin/org", Roles: []auth.Role{auth.Admin}, Order: 890, Admin: true})
	AddMenu(MenuEntry{Key: "home.menu.users", Path: "/staff/admin/users", Roles: auth.StaffAdmins, Order: 900, Admin: true})
	AddMenu(MenuEntry{Key: "home.menu.covers", Path: "/staff/admin/covers", Roles: auth.CoverGrantors, Order: 910, Admin: true})
	AddMenu(MenuEntry{Key: "home.menu.tokens", Path: "/staff/admin/tokens", Roles: []auth.Role{auth.Admin}, Order: 920, Admin: true})
	AddMenu(MenuEntry{Key: "home.menu.dev_sms", Path: "/staff/admin/dev/sms", Roles: []auth.Role{auth.Admin}, Order: 990, Admin: true, Dev: true})

	AddPlace(PortalPlace{Key: "home.place.guide", DescKey: "home.place.guide_desc", Path: "/guide", Order: 10})
	AddPlace(PortalPlace{Key: "home.place.my_cases", DescKey: "home.place.my_cases_desc", Path: "/my/cases", Order: 20})
	AddPlace(PortalPlace{Key: "home.place.rate", DescKey: "home.place.rate_desc", Path: "/rate", Order: 30})
	AddPlace(PortalPlace{Key: "home.place.verify", DescKey: "home.place.verify_desc", Path: "/verify", Order: 40})
	AddPlace(PortalPlace{Key: "home.place.report", DescKey: "home.place.report_desc", Path: "/report", Order: 50})
}
