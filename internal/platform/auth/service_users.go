package auth

import (
	"context"
	"database/sql"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"onestamp/internal/platform/db"
	"onestamp/internal/platform/errs"
)

// StaffUser is a staff account as the administration screens and the API show it.
type StaffUser struct {
	ID          string       `json:"id"`
	Username    string       `json:"username"`
	Name        string       `json:"name"`
	UnitID      string       `json:"unit_id"`
	RegionCode  string       `json:"region_code"`
	Roles       []Role       `json:"roles"`
	Perms       []Permission `json:"permissions"`
	Active      bool         `json:"active"`
	MustChange  bool         `json:"must_change_password"`
	TOTP        bool         `json:"totp"`
	LockedUntil time.Time    `json:"locked_until,omitzero"`
	LastLoginAt time.Time    `json:"last_login_at,omitzero"`
	LastLoginIP string       `json:"last_login_ip,omitempty"`
	CreatedAt   time.Time    `json:"created_at"`
}

// Locked reports whether the account is locked out at the instant now.
func (st StaffUser) Locked(now time.Time) bool { return st.LockedUntil.After(now) }

// StaffInput creates a staff account.
type StaffInput struct {
	Username   string       `json:"username" doc:"3–32 lower-case letters, digits, dot, dash or underscore"`
	Name       string       `json:"name"`
	UnitID     string       `json:"unit_id"`
	RegionCode string       `json:"region_code,omitempty" doc:"12-digit code; taken from the unit when the unit directory knows it"`
	Roles      []Role       `json:"roles"`
	Perms      []Permission `json:"permissions,omitempty"`
	Password   string       `json:"password,omitempty" doc:"empty: a temporary password is generated and returned once"`
}

// StaffUpdate changes a staff account; nil fields stay as they are.
type StaffUpdate struct {
	Name   *string       `json:"name,omitempty"`
	UnitID *string       `json:"unit_id,omitempty"`
	Roles  []Role        `json:"roles,omitempty"`
	Perms  *[]Permission `json:"permissions,omitempty"`
}

// StaffFilter narrows a staff list.
type StaffFilter struct {
	Unit   string // one unit
	Role   Role   // holders of one role
	Query  string // part of the username or name
	Active *bool
	Limit  int // default 200
}

var usernameRE = regexp.MustCompile(`^[a-z][a-z0-9._-]{2,31}$`)

// requireRole refuses a viewer who is not staff acting in one of roles.
func requireRole(v *Viewer, roles ...Role) error {
	if v == nil || !v.IsStaff() || !slices.Contains(roles, v.Role) {
		return errs.ForbiddenErr()
	}
	return nil
}

func toStaff(u userRow, roles []Role, perms []Permission) StaffUser {
	st := StaffUser{ID: u.ID, Username: u.Username, Name: u.Name, UnitID: u.UnitID, RegionCode: u.RegionCode,
		Roles: roles, Perms: perms, Active: u.Active, MustChange: u.MustChange, TOTP: u.TOTPEnabled,
		LastLoginIP: u.LastLoginIP, CreatedAt: time.UnixMilli(u.CreatedAt)}
	if st.Roles == nil {
		st.Roles = []Role{}
	}
	if st.Perms == nil {
		st.Perms = []Permission{}
	}
	if u.LockedUntil != 0 {
		st.LockedUntil = time.UnixMilli(u.LockedUntil)
	}
	if u.LastLoginAt != 0 {
		st.LastLoginAt = time.UnixMilli(u.LastLoginAt)
	}
	return st
}

func checkRoles(roles []Role) ([]Role, error) {
	if len(roles) == 0 {
		return nil, errs.InvalidInput("auth.user.roles_required").OnField("roles")
	}
	for _, r := range roles {
		if r == Applicant || !r.Valid() {
			return nil, errs.InvalidInput("auth.user.role_invalid").With("role", string(r)).OnField("roles")
		}
	}
	return sortRoles(slices.Clone(roles)), nil
}

func checkPerms(perms []Permission) ([]Permission, error) {
	for _, p := range perms {
		if !slices.Contains(Permissions, p) {
			return nil, errs.InvalidInput("auth.user.perm_invalid").With("permission", string(p)).OnField("permissions")
		}
	}
	out := slices.Clone(perms)
	slices.Sort(out)
	return slices.Compact(out), nil
}

func checkName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if n := utf8.RuneCountInString(name); n < 1 || n > 50 {
		return "", errs.InvalidInput("auth.user.name_invalid").OnField("name")
	}
	return name, nil
}

// unitRegion returns the region code of a unit: from the unit directory, or the one given when
// the service has none (tests, the first administrator before any unit exists).
func (s *Service) unitRegion(ctx context.Context, unitID, given string) (string, error) {
	if strings.TrimSpace(unitID) == "" {
		return "", errs.InvalidInput("auth.user.unit_required").OnField("unit_id")
	}
	if s.units != nil {
		info, err := s.units.UnitInfo(ctx, unitID)
		if errs.Is(err, errs.NotFound) || (err == nil && !info.Active) {
			return "", errs.InvalidInput("auth.user.unit_unknown").OnField("unit_id")
		}
		if err != nil {
			return "", err
		}
		return info.RegionCode, nil
	}
	if RegionPrefix(given) == "" {
		return "", errs.InvalidInput("auth.user.region_invalid").OnField("region_code")
	}
	return given, nil
}

// CreateStaff creates a staff account in the administrator's jurisdiction. Without a password
// in the input a temporary one is generated and returned; either way the user must change it at
// the first login.
func (s *Service) CreateStaff(ctx context.Context, v *Viewer, in StaffInput) (StaffUser, string, error) {
	if err := requireRole(v, Admin); err != nil {
		return StaffUser{}, "", err
	}
	return s.createStaff(ctx, v, in, true)
}

// SeedStaff creates a staff account as the system: for demo data and for the first
// administrator of an installation. A given password is kept as it is; without one a temporary
// password is generated and must be changed at the first login.
func (s *Service) SeedStaff(ctx context.Context, in StaffInput) (StaffUser, string, error) {
	return s.createStaff(ctx, nil, in, in.Password == "")
}

func (s *Service) createStaff(ctx context.Context, v *Viewer, in StaffInput, mustChange bool) (StaffUser, string, error) {
	username := normUsername(in.Username)
	if !usernameRE.MatchString(username) {
		return StaffUser{}, "", errs.InvalidInput("auth.user.username_invalid").OnField("username")
	}
	name, err := checkName(in.Name)
	if err != nil {
		return StaffUser{}, "", err
	}
	roles, err := checkRoles(in.Roles)
	if err != nil {
		return StaffUser{}, "", err
	}
	perms, err := checkPerms(in.Perms)
	if err != nil {
		return StaffUser{}, "", err
	}
	region, err := s.unitRegion(ctx, in.UnitID, in.RegionCode)
	if err != nil {
		return StaffUser{}, "", err
	}
	if v != nil && !v.Scope().Allows(region, in.UnitID, "") {
		return StaffUser{}, "", errs.New(errs.Forbidden, "auth.user.outside_jurisdiction").OnField("unit_id")
	}
	password, temp := in.Password, ""
	if password == "" {
		password = randomPassword()
		temp = password
	}
	if err := CheckPasswordPolicy(password, username); err != nil {
		return StaffUser{}, "", err
	}
	hash, err := HashPassword(password, s.opt.Argon2)
	if err != nil {
		return StaffUser{}, "", err
	}
	now := s.now().UnixMilli()
	u := userRow{ID: db.NewID(), Kind: string(KindStaff), Username: username, Name: name, UnitID: in.UnitID,
		RegionCode: region, PasswordHash: hash, MustChange: mustChange, Active: true, CreatedAt: now, UpdatedAt: now}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.st.insertUser(ctx, tx, u); err != nil {
			return err
		}
		if err := s.st.setRoles(ctx, tx, u.ID, roles); err != nil {
			return err
		}
		if err := s.st.setPerms(ctx, tx, u.ID, perms); err != nil {
			return err
		}
		if err := s.st.setPassword(ctx, tx, u.ID, hash, mustChange, now); err != nil {
			return err
		}
		return s.write(ctx, tx, record{actor: v, action: "auth.user_create", subject: userSubject(u.ID),
			detail: map[string]any{"username": username, "unit_id": in.UnitID, "region_code": region,
				"roles": roles, "permissions": perms}})
	})
	if err != nil {
		return StaffUser{}, "", err
	}
	return toStaff(u, roles, perms), temp, nil
}

// staffInScope loads a staff account the viewer may see; any other id is not found.
func (s *Service) staffInScope(ctx context.Context, q db.Q, v *Viewer, id string) (userRow, error) {
	u, err := s.st.userByID(ctx, q, id)
	if err != nil {
		return u, err
	}
	if u.Kind != string(KindStaff) || !v.Scope().Allows(u.RegionCode, u.UnitID, u.ID) {
		return u, errs.NotFoundErr("auth.user.not_found")
	}
	return u, nil
}

// StaffAdmins are the roles that may read staff accounts: administrators, and the chiefs and
// heads who arrange AB-post cover.
var StaffAdmins = []Role{Admin, Chief, Head}

// GetStaff returns a staff account within the viewer's scope.
func (s *Service) GetStaff(ctx context.Context, v *Viewer, id string) (StaffUser, error) {
	if err := requireRole(v, StaffAdmins...); err != nil {
		return StaffUser{}, err
	}
	u, err := s.staffInScope(ctx, s.d.Read, v, id)
	if err != nil {
		return StaffUser{}, err
	}
	return s.withRoles(ctx, u)
}

func (s *Service) withRoles(ctx context.Context, u userRow) (StaffUser, error) {
	roles, err := s.st.roles(ctx, s.d.Read, u.ID)
	if err != nil {
		return StaffUser{}, err
	}
	perms, err := s.st.perms(ctx, s.d.Read, u.ID)
	if err != nil {
		return StaffUser{}, err
	}
	return toStaff(u, roles, perms), nil
}

// ListStaff lists the staff accounts within the viewer's scope.
func (s *Service) ListStaff(ctx context.Context, v *Viewer, f StaffFilter) ([]StaffUser, error) {
	if err := requireRole(v, StaffAdmins...); err != nil {
		return nil, err
	}
	rows, err := s.st.listStaff(ctx, s.d.Read, v.Scope(), f)
	if err != nil {
		return nil, err
	}
	out := make([]StaffUser, 0, len(rows))
	for _, u := range rows {
		st, err := s.withRoles(ctx, u)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

// UpdateStaff changes a staff account's name, unit, roles or permissions. Role changes and
// changes of scope (unit, permissions) are audited each with their before and after.
func (s *Service) UpdateStaff(ctx context.Context, v *Viewer, id string, in StaffUpdate) (StaffUser, error) {
	if err := requireRole(v, Admin); err != nil {
		return StaffUser{}, err
	}
	u, err := s.staffInScope(ctx, s.d.Read, v, id)
	if err != nil {
		return StaffUser{}, err
	}
	before, err := s.withRoles(ctx, u)
	if err != nil {
		return StaffUser{}, err
	}
	roles, perms := before.Roles, before.Perms
	if in.Name != nil {
		if u.Name, err = checkName(*in.Name); err != nil {
			return StaffUser{}, err
		}
	}
	if in.UnitID != nil && *in.UnitID != u.UnitID {
		region, err := s.unitRegion(ctx, *in.UnitID, u.RegionCode)
		if err != nil {
			return StaffUser{}, err
		}
		if !v.Scope().Allows(region, *in.UnitID, "") {
			return StaffUser{}, errs.New(errs.Forbidden, "auth.user.outside_jurisdiction").OnField("unit_id")
		}
		u.UnitID, u.RegionCode = *in.UnitID, region
	}
	if in.Roles != nil {
		if roles, err = checkRoles(in.Roles); err != nil {
			return StaffUser{}, err
		}
	}
	if in.Perms != nil {
		if perms, err = checkPerms(*in.Perms); err != nil {
			return StaffUser{}, err
		}
	}
	u.UpdatedAt = s.now().UnixMilli()
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.st.updateStaff(ctx, tx, u); err != nil {
			return err
		}
		if u.Name != before.Name {
			if err := s.write(ctx, tx, record{actor: v, action: "auth.user_update", subject: userSubject(id),
				detail: map[string]any{"name": map[string]any{"from": before.Name, "to": u.Name}}}); err != nil {
				return err
			}
		}
		if !slices.Equal(roles, before.Roles) {
			if err := s.st.setRoles(ctx, tx, id, roles); err != nil {
				return err
			}
			if err := s.write(ctx, tx, record{actor: v, action: "auth.roles_change", subject: userSubject(id),
				detail: map[string]any{"from": before.Roles, "to": roles}}); err != nil {
				return err
			}
		}
		scope := map[string]any{}
		if u.UnitID != before.UnitID {
			scope["unit_id"] = map[string]any{"from": before.UnitID, "to": u.UnitID}
			scope["region_code"] = map[string]any{"from": before.RegionCode, "to": u.RegionCode}
		}
		if !slices.Equal(perms, before.Perms) {
			if err := s.st.setPerms(ctx, tx, id, perms); err != nil {
				return err
			}
			scope["permissions"] = map[string]any{"from": before.Perms, "to": perms}
		}
		if len(scope) > 0 {
			return s.write(ctx, tx, record{actor: v, action: "auth.scope_change", subject: userSubject(id), detail: scope})
		}
		return nil
	})
	if err != nil {
		return StaffUser{}, err
	}
	return toStaff(u, roles, perms), nil
}

// SetActive deactivates or reactivates a staff account. Deactivation ends its sessions at once.
func (s *Service) SetActive(ctx context.Context, v *Viewer, id string, active bool) error {
	if err := requireRole(v, Admin); err != nil {
		return err
	}
	if id == v.ID && !active {
		return errs.InvalidInput("auth.user.deactivate_self")
	}
	u, err := s.staffInScope(ctx, s.d.Read, v, id)
	if err != nil {
		return err
	}
	if u.Active == active {
		return nil
	}
	action := "auth.user_activate"
	if !active {
		action = "auth.user_deactivate"
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.st.setActive(ctx, tx, id, active, s.now().UnixMilli()); err != nil {
			return err
		}
		if !active {
			if err := s.st.deleteUserSessions(ctx, tx, id, ""); err != nil {
				return err
			}
		}
		return s.write(ctx, tx, record{actor: v, action: action, subject: userSubject(id)})
	})
}

// ResetPassword gives a staff account a new temporary password (returned once), lifts a
// lockout and ends the account's sessions. The user must change the password at the next login.
func (s *Service) ResetPassword(ctx context.Context, v *Viewer, id string) (string, error) {
	if err := requireRole(v, Admin); err != nil {
		return "", err
	}
	if _, err := s.staffInScope(ctx, s.d.Read, v, id); err != nil {
		return "", err
	}
	temp := randomPassword()
	hash, err := HashPassword(temp, s.opt.Argon2)
	if err != nil {
		return "", err
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.st.setPassword(ctx, tx, id, hash, true, s.now().UnixMilli()); err != nil {
			return err
		}
		if err := s.st.deleteUserSessions(ctx, tx, id, ""); err != nil {
			return err
		}
		return s.write(ctx, tx, record{actor: v, action: "auth.password_reset", subject: userSubject(id)})
	})
	return temp, err
}

// ResetTOTP removes a staff account's second factor (a lost phone); the user enrols again.
func (s *Service) ResetTOTP(ctx context.Context, v *Viewer, id string) error {
	if err := requireRole(v, Admin); err != nil {
		return err
	}
	if _, err := s.staffInScope(ctx, s.d.Read, v, id); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.st.setTOTP(ctx, tx, id, "", false, s.now().UnixMilli()); err != nil {
			return err
		}
		return s.write(ctx, tx, record{actor: v, action: "auth.totp_reset", subject: userSubject(id)})
	})
}
