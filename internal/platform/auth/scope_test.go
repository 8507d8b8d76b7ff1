package auth

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"onestamp/internal/platform/db"
	"onestamp/internal/platform/db/dbtest"
)

func TestRegionPrefix(t *testing.T) {
	for code, want := range map[string]string{
		"360000000000": "36",
		"369900000000": "3699",
		"369901000000": "369901",
		"369971000000": "369971", // a zone with a county-level code
		"369901001000": "369901001",
		"369901001002": "369901001002",
		"3699":         "",
		"36990100000x": "",
		"":             "",
	} {
		if got := RegionPrefix(code); got != want {
			t.Errorf("RegionPrefix(%q) = %q, want %q", code, got, want)
		}
	}
	for p, want := range map[string]string{"3699": "3700", "369901": "369902", "3609": "3610", "99": ""} {
		got, _ := nextPrefix(p)
		if got != want {
			t.Errorf("nextPrefix(%q) = %q, want %q", p, got, want)
		}
	}
}

func TestViewerScope(t *testing.T) {
	v := &Viewer{Kind: KindStaff, ID: "u1", UnitID: "hall-a", RegionCode: countyA, Roles: []Role{Clerk, Reviewer}}
	v.Role = Clerk
	if s := v.Scope(); s.Unit() != "hall-a" || s.Region() != "" {
		t.Fatalf("clerk scope %v", s)
	}
	v.Role = Reviewer
	if s := v.Scope(); s.Region() != "369901" {
		t.Fatalf("reviewer scope %v", s)
	}
	if s := (&Viewer{Kind: KindApplicant, ID: "a1", Role: Applicant}).Scope(); s.Owner() != "a1" {
		t.Fatalf("applicant scope %v", s)
	}
	if s := (&Viewer{Kind: KindToken, ID: "t1", UnitID: "bureau-a"}).Scope(); s.Unit() != "bureau-a" {
		t.Fatalf("token scope %v", s)
	}
	// A staff member without a usable region or unit sees nothing rather than everything.
	if s := (&Viewer{Kind: KindStaff, ID: "u", Role: Supervisor}).Scope(); s.Allows(countyA, "x", "u") {
		t.Fatalf("empty region scope allows: %v", s)
	}
	var nobody *Viewer
	if nobody.Scope().Allows(countyA, "hall-a", "u1") {
		t.Fatal("nil viewer allowed")
	}
	for _, r := range AllRoles {
		if _, ok := roleReach[r]; !ok {
			t.Errorf("role %s has no reach", r)
		}
	}
}

// scopeRows is a small table of scoped records: id, region, unit, owner.
var scopeRows = [][4]string{
	{"r1", "369900000000", "bureau-city", "p1"}, // the city itself
	{"r2", "369901000000", "hall-a", "p1"},
	{"r3", "369901001000", "hall-a", "p2"}, // a township of county A
	{"r4", "369902000000", "hall-b", "p2"},
	{"r5", "369971000000", "zone", "p3"},
	{"r6", "370000000000", "other-province", "p1"}, // just past 3699…
	{"r7", "369800000000", "other-city", "p3"},     // just before
	{"r8", "", "", ""},
}

func TestScopeSQLOnBothEngines(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.Write().ExecContext(ctx, `CREATE TABLE scoped (id TEXT PRIMARY KEY, region_code TEXT NOT NULL,
			unit_id TEXT NOT NULL, owner_id TEXT NOT NULL, kind TEXT NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Write().ExecContext(ctx, "CREATE INDEX scoped_region ON scoped (region_code)"); err != nil {
			t.Fatal(err)
		}
		for _, r := range scopeRows {
			if _, err := d.Write().ExecContext(ctx, "INSERT INTO scoped VALUES ($1, $2, $3, $4, 'case')", r[0], r[1], r[2], r[3]); err != nil {
				t.Fatal(err)
			}
		}
		cases := []struct {
			name  string
			scope Scope
			want  []string
		}{
			{"city", RegionScope("369900000000"), []string{"r1", "r2", "r3", "r4", "r5"}},
			{"county A", RegionScope(countyA), []string{"r2", "r3"}},
			{"township", RegionScope("369901001000"), []string{"r3"}},
			{"province", RegionScope("360000000000"), []string{"r1", "r2", "r3", "r4", "r5", "r7"}},
			{"unit", UnitScope("hall-a"), []string{"r2", "r3"}},
			{"owner", OwnerScope("p2"), []string{"r3", "r4"}},
			{"system", SystemScope(), []string{"r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8"}},
			{"zero", Scope{}, nil},
			{"bad region", RegionScope("3699"), nil},
			{"empty unit", UnitScope(""), nil},
		}
		for _, c := range cases {
			// Placeholders continue after the query's own ($1 is the kind).
			where, args := c.scope.SQL("region_code", "unit_id", "owner_id", 2)
			q := "SELECT id FROM scoped WHERE kind = $1 AND " + where + " ORDER BY id"
			rows, err := d.Read.QueryContext(ctx, q, append([]any{"case"}, args...)...)
			if err != nil {
				t.Fatalf("%s: %s: %v", c.name, q, err)
			}
			var got []string
			for rows.Next() {
				var id string
				rows.Scan(&id)
				got = append(got, id)
			}
			rows.Close()
			if !slices.Equal(got, c.want) {
				t.Errorf("%s (%s): got %v, want %v", c.name, where, got, c.want)
			}
			// Allows agrees with SQL row by row.
			for _, r := range scopeRows {
				if c.scope.Allows(r[1], r[2], r[3]) != slices.Contains(c.want, r[0]) {
					t.Errorf("%s: Allows(%v) disagrees with SQL", c.name, r)
				}
			}
		}
		// A scope that needs a column the table lacks matches nothing.
		where, args := UnitScope("hall-a").SQL("region_code", "", "owner_id", 1)
		if where != "1=0" || len(args) != 0 {
			t.Fatalf("missing unit column: %s %v", where, args)
		}
	})
}

func TestScopeSQLUsesARange(t *testing.T) {
	where, args := RegionScope(cityCode).SQL("c.region_code", "c.unit_id", "c.owner", 4)
	if where != "(c.region_code >= $4 AND c.region_code < $5)" || fmt.Sprint(args) != "[3699 3700]" {
		t.Fatalf("%s %v", where, args)
	}
}
