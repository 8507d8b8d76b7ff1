// Package auth knows who is asking: staff and applicant accounts, passwords and second factors,
// sessions shared through the database, integration tokens, roles, the AB-post cover and the
// data scope every store of scoped data applies. Routes declare who may call them through Guard.
package auth

import (
	"context"
	"slices"
	"time"
)

// Role is what a person does in the system; the same word is used in Go, SQL and JSON.
type Role string

const (
	Applicant  Role = "applicant"  // a person or an organisation that applies
	Clerk      Role = "clerk"      // window staff of a hall (受理窗口)
	Reviewer   Role = "reviewer"   // approval staff (审查/决定)
	Chief      Role = "chief"      // section chief (科长)
	Signer     Role = "signer"     // deputy director who signs decisions (分管副局长)
	Head       Role = "head"       // agency head (局长)
	Supervisor Role = "supervisor" // 督查
	Discipline Role = "discipline" // reads integrity clues (纪检)
	Admin      Role = "admin"      // system and catalogue administration
	Leader     Role = "leader"     // bureau leadership
	Agency     Role = "agency"     // intermediary (中介机构)
	Owner      Role = "owner"      // project owner at the intermediary marketplace
	Bidder     Role = "bidder"     // public-resource trading: bidder
	Host       Role = "host"       // public-resource trading: opening host
	Bank       Role = "bank"       // bank at the inclusive-finance desk
)

// StaffRoles are the roles a staff account may hold, in menu order.
var StaffRoles = []Role{Clerk, Reviewer, Chief, Signer, Head, Supervisor, Discipline, Admin, Leader, Agency, Owner, Bidder, Host, Bank}

// AllRoles is every role.
var AllRoles = append([]Role{Applicant}, StaffRoles...)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(AllRoles, r) }

// reach says how far a role sees: its jurisdiction and below, its organisation unit, or only
// the records it owns. This table is the one place that decides it.
type reach int

const (
	reachOwn reach = iota
	reachUnit
	reachRegion
)

var roleReach = map[Role]reach{
	Applicant:  reachOwn,
	Agency:     reachOwn,
	Owner:      reachOwn,
	Bidder:     reachOwn,
	Clerk:      reachUnit,
	Host:       reachUnit,
	Bank:       reachUnit,
	Reviewer:   reachRegion,
	Chief:      reachRegion,
	Signer:     reachRegion,
	Head:       reachRegion,
	Supervisor: reachRegion,
	Discipline: reachRegion,
	Admin:      reachRegion,
	Leader:     reachRegion,
}

// Kind is the kind of principal behind a request.
type Kind string

const (
	KindStaff     Kind = "staff"
	KindApplicant Kind = "applicant"
	KindToken     Kind = "token"
)

// Permission is a right granted to a staff account on top of its roles.
type Permission string

const (
	// PermUnmask lets a viewer see personal identifiers in full; each use is audited.
	PermUnmask Permission = "unmask"
)

// Permissions lists the grantable permissions.
var Permissions = []Permission{PermUnmask}

// Viewer is the principal of a request: a staff member in their active role, an applicant, or
// an integration token.
type Viewer struct {
	Kind       Kind         `json:"kind"`
	ID         string       `json:"id"`       // user id, or token id for KindToken
	Username   string       `json:"username"` // staff login name; "" for applicants and tokens
	Name       string       `json:"name"`     // display name; masked for natural persons
	UnitID     string       `json:"unit_id"`
	UnitName   string       `json:"unit_name,omitempty"`
	RegionCode string       `json:"region_code"`
	RegionName string       `json:"region_name,omitempty"`
	Roles      []Role       `json:"roles"` // every role held
	Role       Role         `json:"role"`  // the active role
	Perms      []Permission `json:"permissions"`
	Scopes     []string     `json:"scopes,omitempty"` // token scopes
	// CoveringFor holds the ids of colleagues whose queue this viewer works now (AB-post cover).
	CoveringFor []string `json:"covering_for,omitempty"`
	MustChange  bool     `json:"must_change_password,omitempty"`
	// PrevLoginAt and PrevLoginIP describe the login before this session's one (等保: show the
	// user when and where their account was last used).
	PrevLoginAt time.Time `json:"prev_login_at,omitzero"`
	PrevLoginIP string    `json:"prev_login_ip,omitempty"`
	TOTP        bool      `json:"totp"`

	session string // hashed session id, for logout and role switch
}

// Has reports whether the viewer holds role r (active or not).
func (v *Viewer) Has(r Role) bool { return v != nil && slices.Contains(v.Roles, r) }

// Can reports whether the viewer holds permission p.
func (v *Viewer) Can(p Permission) bool { return v != nil && slices.Contains(v.Perms, p) }

// IsStaff reports whether the viewer is a staff member.
func (v *Viewer) IsStaff() bool { return v != nil && v.Kind == KindStaff }

// HasScope reports whether a token viewer carries scope s.
func (v *Viewer) HasScope(s string) bool { return v != nil && slices.Contains(v.Scopes, s) }

// Covers reports whether the viewer may act on userID's queue: their own or one they cover.
func (v *Viewer) Covers(userID string) bool {
	return v != nil && (v.ID == userID || slices.Contains(v.CoveringFor, userID))
}

type ctxKey struct{}

// WithViewer returns ctx carrying v. Middleware does this; tests and jobs may too.
func WithViewer(ctx context.Context, v *Viewer) context.Context {
	return context.WithValue(ctx, ctxKey{}, v)
}

// FromContext returns the viewer of the request, if someone is logged in.
func FromContext(ctx context.Context) (*Viewer, bool) {
	v, ok := ctx.Value(ctxKey{}).(*Viewer)
	return v, ok && v != nil
}
