package app

import (
	"context"
	"flag"
	"fmt"
	"io"

	"onestamp/internal/org"
	"onestamp/internal/platform/audit"
	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/config"
	"onestamp/internal/platform/ident"
)

// initCommand sets up a real installation: the city jurisdiction, its Administrative Approval
// Bureau and the first administrator, whose temporary password is printed once and must be
// changed at first login. Everything else (counties, departments, halls, staff) is then done
// in the admin pages or by the organisation Excel import.
func initCommand(ctx context.Context, cfg config.Config, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("init", flag.ContinueOnError)
	fs.SetOutput(stderr)
	region := fs.String("region", "", "12-digit region code of the city (e.g. 360100000000)")
	city := fs.String("city", "", "name of the city (e.g. 南昌市)")
	bureau := fs.String("bureau", "", "name of the bureau (default: <city>行政审批局)")
	uscc := fs.String("uscc", "", "统一社会信用代码 of the bureau")
	username := fs.String("admin", "admin", "username of the first administrator")
	name := fs.String("name", "系统管理员", "display name of the first administrator")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *region == "" || *city == "" || *uscc == "" {
		fmt.Fprintln(stderr, "usage: onestamp init -region CODE -city NAME -uscc CODE [-bureau NAME] [-admin USERNAME] [-name NAME]")
		return 2
	}
	if e := org.CheckRegionCode(*region); e != nil {
		fmt.Fprintln(stderr, "onestamp init: region:", e.Key)
		return 2
	}
	if r := ident.CheckUSCC(*uscc); !r.Valid {
		fmt.Fprintln(stderr, "onestamp init: uscc:", r.Reason)
		return 2
	}
	if *bureau == "" {
		*bureau = *city + "行政审批局"
	}
	m, err := New(ctx, cfg, Options{Logger: NewLogger(cfg, stderr)})
	if err != nil {
		fmt.Fprintln(stderr, "onestamp init:", err)
		return 1
	}
	defer m.Close()
	sys := auth.WithViewer(ctx, &auth.Viewer{Kind: auth.KindStaff, ID: audit.SystemActor, Username: "init",
		Name: "init", Role: auth.Admin, Roles: []auth.Role{auth.Admin}, RegionCode: *region})
	if _, err := m.Org.CreateJurisdiction(sys, org.Jurisdiction{Code: *region, Name: *city, Kind: org.JurCity}); err != nil {
		fmt.Fprintln(stderr, "onestamp init: city:", err)
		return 1
	}
	u, err := m.Org.CreateUnit(sys, org.Unit{Code: ident.CheckUSCC(*uscc).Normalized, Name: *bureau, Kind: org.UnitBureau, RegionCode: *region})
	if err != nil {
		fmt.Fprintln(stderr, "onestamp init: bureau:", err)
		return 1
	}
	_, pw, err := m.Auth.SeedStaff(ctx, auth.StaffInput{Username: *username, Name: *name, UnitID: u.ID,
		RegionCode: *region, Roles: []auth.Role{auth.Admin}})
	if err != nil {
		fmt.Fprintln(stderr, "onestamp init: administrator:", err)
		return 1
	}
	fmt.Fprintf(stdout, "Created %s (%s), %s, and the administrator %q.\n", *city, *region, *bureau, *username)
	fmt.Fprintf(stdout, "Temporary password (shown once; a new one must be chosen at first login): %s\n", pw)
	fmt.Fprintln(stdout, "Log in at /staff/login.")
	return 0
}
