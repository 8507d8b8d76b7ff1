package demo_test

import (
	"context"
	"crypto/rand"
	"log/slog"
	"strings"
	"testing"

	"onestamp/internal/demo"
	"onestamp/internal/org"
	"onestamp/internal/platform/audit"
	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/db/dbtest"
	"onestamp/internal/platform/gm"
	"onestamp/internal/platform/ident"
)

func deps(t *testing.T, d *db.DB) (demo.Deps, *auth.Service) {
	t.Helper()
	key := make([]byte, gm.MasterKeySize)
	rand.Read(key)
	c, err := gm.NewFieldCipher(map[byte][]byte{1: key})
	if err != nil {
		t.Fatal(err)
	}
	o := org.NewService(d, audit.New(d))
	a := auth.New(auth.Deps{DB: d, Audit: audit.New(d), Cipher: c, Units: o.Directory()},
		auth.Options{Argon2: auth.Argon2Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}})
	return demo.Deps{DB: d, Org: o, Staff: a, Applicants: a, Log: slog.New(slog.DiscardHandler)}, a
}

func TestLoad(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		dp, a := deps(t, d)
		res, err := demo.Load(ctx, dp)
		if err != nil {
			t.Fatal(err)
		}
		if res.AlreadyLoaded || len(res.Ran) != 2 {
			t.Fatalf("first load = %+v", res)
		}

		// The map: the city, at least 6 counties and districts and the high-tech zone.
		dir, all := dp.Org.Directory(), auth.SystemScope()
		tree, err := dir.Tree(ctx, all, false)
		if err != nil || len(tree) != 1 || tree[0].Code != demo.City {
			t.Fatalf("tree = %+v, %v", tree, err)
		}
		counties, zones := 0, 0
		for _, n := range tree[0].Children {
			switch n.Kind {
			case org.JurCounty, org.JurDistrict:
				counties++
			case org.JurZone:
				zones++
			}
		}
		if counties < 6 || zones != 1 {
			t.Fatalf("%d counties, %d zones", counties, zones)
		}
		count := func(k org.UnitKind) []org.Unit {
			us, err := dir.Units(ctx, all, org.UnitFilter{Kind: k})
			if err != nil {
				t.Fatal(err)
			}
			return us
		}
		bureaus, depts, partners, halls := count(org.UnitBureau), count(org.UnitDepartment), count(org.UnitPartner), count(org.UnitHall)
		if len(bureaus) != 1+counties+zones || len(depts) < 15 || len(partners) < 6 || len(halls) != 3 {
			t.Fatalf("bureaus %d, departments %d, partners %d, halls %d", len(bureaus), len(depts), len(partners), len(halls))
		}
		for _, u := range append(append(bureaus, depts...), partners...) {
			if r := ident.CheckUSCC(u.Code); r.Status != ident.StatusOK && r.Status != ident.StatusWarning {
				t.Errorf("%s: code %s is %s %v", u.Name, u.Code, r.Status, r.Warnings)
			}
		}
		// The city hall has a window of every type.
		city, err := dir.UnitByCode(ctx, all, "HALL-369900-01")
		if err != nil {
			t.Fatal(err)
		}
		ws, err := dir.Windows(ctx, all, city.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		types := map[org.WindowType]bool{}
		for _, w := range ws {
			types[w.Type] = true
		}
		if len(types) != len(org.WindowTypes) {
			t.Fatalf("window types at the city hall: %v", types)
		}

		// Every account logs in with the printed password, staff and applicants.
		roles := map[auth.Role]bool{}
		for _, acc := range res.Accounts {
			if acc.Password != demo.Password {
				t.Fatalf("account %s has another password", acc.Username)
			}
			if acc.Roles[0] == auth.Applicant {
				if _, err := a.LoginApplicant(ctx, auth.ApplicantLogin{Identifier: acc.Username, Password: acc.Password}); err != nil {
					t.Fatalf("applicant %s: %v", acc.Name, err)
				}
			} else if _, err := a.LoginStaff(ctx, auth.StaffLogin{Username: acc.Username, Password: acc.Password}); err != nil {
				t.Fatalf("staff %s: %v", acc.Username, err)
			}
			for _, r := range acc.Roles {
				roles[r] = true
			}
		}
		for _, r := range auth.AllRoles {
			if !roles[r] {
				t.Errorf("no demo account for role %s", r)
			}
		}

		// Again: nothing happens, and it says so; the accounts are still listed.
		var before int
		d.Read.QueryRow("SELECT COUNT(*) FROM org_units").Scan(&before)
		res2, err := demo.Load(ctx, dp)
		if err != nil {
			t.Fatal(err)
		}
		var after int
		d.Read.QueryRow("SELECT COUNT(*) FROM org_units").Scan(&after)
		if !res2.AlreadyLoaded || len(res2.Ran) != 0 || before != after || len(res2.Accounts) != len(res.Accounts) {
			t.Fatalf("second load = %+v (units %d -> %d)", res2, before, after)
		}
		if !strings.Contains(res2.Summary(), "nothing was changed") || !strings.Contains(res2.Summary(), demo.Password) {
			t.Fatalf("summary = %s", res2.Summary())
		}

		// A step added later runs once on an existing demo, with the units of the earlier load.
		ran := 0
		step := demo.Step{Name: "later", Run: func(ctx context.Context, env *demo.Env) error {
			ran++
			if env.Units[demo.KeyCityHall].ID != city.ID {
				t.Errorf("later step sees city hall %q", env.Units[demo.KeyCityHall].ID)
			}
			return nil
		}}
		for range 2 {
			if _, err := demo.Load(ctx, dp, step); err != nil {
				t.Fatal(err)
			}
		}
		if ran != 1 {
			t.Fatalf("later step ran %d times", ran)
		}
		if _, err := demo.Load(ctx, dp, demo.Step{Name: "org"}); err == nil {
			t.Fatal("a step named twice was accepted")
		}
	})
}

// An interrupted load can run again: the org step creates only what is missing.
func TestLoadResumes(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	dp, _ := deps(t, d)
	dp.Staff = failingSeeder{}
	if _, err := demo.Load(ctx, dp); err == nil {
		t.Fatal("want the accounts step to fail")
	}
	dp2, _ := deps(t, d)
	res, err := demo.Load(ctx, dp2)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Ran) != 1 || res.Ran[0] != "accounts" || res.Skipped[0] != "org" {
		t.Fatalf("resumed load = %+v", res)
	}
}

type failingSeeder struct{}

func (failingSeeder) SeedStaff(context.Context, auth.StaffInput) (auth.StaffUser, string, error) {
	return auth.StaffUser{}, "", context.Canceled
}
