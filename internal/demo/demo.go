// Package demo fills an installation with the fictional city 示范市 (region 369900000000): its
// jurisdictions, bureaus, departments, partners, halls and windows, and an account for every
// role, so that a developer or an evaluator can log in and find their way. Every name, code,
// ID number and phone number here is made up.
//
// Loading is a list of named steps run in order. Each domain that has demo data of its own adds
// a step (app passes them to Load); a step that has run is recorded in the settings table and
// never runs again, so Load on a database that already holds the demo does nothing and says so,
// and a step added by a later release runs once on an existing demo database.
package demo

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"onestamp/internal/org"
	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/db"
)

// Password is the password of every demo account. It is printed by `onestamp demo` and written
// in the README; never load the demo on an installation that faces the public.
const Password = "Shifan@2026"

// StaffSeeder creates a staff account as the system (auth.Service does).
type StaffSeeder interface {
	SeedStaff(ctx context.Context, in auth.StaffInput) (auth.StaffUser, string, error)
}

// ApplicantSeeder creates an applicant account without an SMS code (auth.Service does).
type ApplicantSeeder interface {
	SeedApplicant(ctx context.Context, in auth.Registration) (string, error)
}

// Deps are what the demo steps use.
type Deps struct {
	DB         *db.DB
	Org        *org.Service
	Staff      StaffSeeder
	Applicants ApplicantSeeder // optional: without it no applicant accounts are created
	Log        *slog.Logger    // optional
	Now        func() time.Time
}

// Step is one named part of the demo. Run must only add data: it runs once per database.
type Step struct {
	Name string
	Run  func(ctx context.Context, env *Env) error
}

// Env is what a step gets: the dependencies, what earlier steps produced and the result to add
// accounts to.
type Env struct {
	Deps
	// Units holds the demo's organisation units by their key in this package (see City), filled
	// by the "org" step, for later steps that need a unit's id (a case at the city hall).
	Units map[string]org.Unit
	// Users holds the ids of the demo accounts by username, filled by the "accounts" step.
	Users  map[string]string
	Result *Result
}

// Account is a demo login to print.
type Account struct {
	Username string      `json:"username" doc:"for applicants: the ID number or 统一社会信用代码"`
	Password string      `json:"password"`
	Name     string      `json:"name"`
	Roles    []auth.Role `json:"roles"`
	Unit     string      `json:"unit,omitempty"`
	Login    string      `json:"login" doc:"the login page"`
}

// Result says what Load did.
type Result struct {
	// AlreadyLoaded is true when every step had run before: nothing was changed.
	AlreadyLoaded bool      `json:"already_loaded"`
	Ran           []string  `json:"ran"`     // steps run now
	Skipped       []string  `json:"skipped"` // steps that had run before
	Accounts      []Account `json:"accounts"`
}

// Steps returns the demo's own steps: the organisation map, then the accounts. Other domains
// append theirs after these.
func Steps() []Step {
	return []Step{
		{Name: "org", Run: loadOrg},
		{Name: "accounts", Run: loadAccounts},
	}
}

// Load runs Steps() and then extra, each once per database. The accounts and their password are
// in the result whether or not they were created now, since they are fixed.
func Load(ctx context.Context, deps Deps, extra ...Step) (*Result, error) {
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.Log == nil {
		deps.Log = slog.Default()
	}
	if deps.DB == nil || deps.Org == nil || deps.Staff == nil {
		return nil, fmt.Errorf("demo: DB, Org and Staff are required")
	}
	steps := append(Steps(), extra...)
	seen := map[string]bool{}
	for _, s := range steps {
		if s.Name == "" || seen[s.Name] {
			return nil, fmt.Errorf("demo: step name %q is empty or used twice", s.Name)
		}
		seen[s.Name] = true
	}
	res := &Result{Ran: []string{}, Skipped: []string{}}
	env := &Env{Deps: deps, Units: map[string]org.Unit{}, Users: map[string]string{}, Result: res}
	for _, s := range steps {
		done, err := stepDone(ctx, deps.DB, s.Name)
		if err != nil {
			return nil, err
		}
		if done {
			res.Skipped = append(res.Skipped, s.Name)
			continue
		}
		// A step that needs the units of the org step when it ran in an earlier load gets them.
		if len(env.Units) == 0 && s.Name != "org" {
			if err := loadUnits(ctx, env); err != nil {
				return nil, err
			}
		}
		deps.Log.Info("demo: loading", "step", s.Name)
		if err := s.Run(ctx, env); err != nil {
			return nil, fmt.Errorf("demo step %s: %w", s.Name, err)
		}
		if err := markDone(ctx, deps.DB, s.Name, deps.Now()); err != nil {
			return nil, err
		}
		res.Ran = append(res.Ran, s.Name)
	}
	res.AlreadyLoaded = len(res.Ran) == 0
	res.Accounts = accountList(deps.Applicants != nil)
	return res, nil
}

// Summary is the text `onestamp demo` prints.
func (r *Result) Summary() string {
	var s string
	if r.AlreadyLoaded {
		s = "The demo city 示范市 is loaded already; nothing was changed.\n"
	} else {
		s = fmt.Sprintf("Loaded the demo city 示范市 (steps: %v).\n", r.Ran)
	}
	s += fmt.Sprintf("Demo accounts (password %s for all):\n", Password)
	for _, a := range r.Accounts {
		s += fmt.Sprintf("  %-20s %-8s %-28v %s  %s\n", a.Username, a.Name, a.Roles, a.Unit, a.Login)
	}
	return s
}
