package wdstore

import (
	"context"
	"database/sql"
	"errors"
	"reflect"
	"testing"
	"time"

	"onestamp/internal/platform/db"
	"onestamp/internal/platform/db/dbtest"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/workday"
)

func save(t *testing.T, s Store, tb workday.YearTable) {
	t.Helper()
	if err := s.DB.Tx(context.Background(), func(tx *sql.Tx) error { return s.SaveYear(context.Background(), tx, tb, "admin1") }); err != nil {
		t.Fatalf("SaveYear %d: %v", tb.Year, err)
	}
}

func build(t *testing.T, s Store) *workday.Calendar {
	t.Helper()
	c, err := s.Build(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestStoreYears(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		at := time.Date(2027, 11, 12, 9, 30, 0, 0, workday.Shanghai)
		s := Store{DB: d, Now: func() time.Time { return at }}

		// Nothing stored: the built-in tables alone, and 2028 is not loaded.
		c := build(t, s)
		if _, _, err := c.Add("", md("2027-12-31"), 1); !workday.IsNotLoaded(err) {
			t.Fatalf("2028 before import: %v", err)
		}

		y2028, _, err := ParseYearJSON([]byte(example2028))
		if err != nil {
			t.Fatal(err)
		}
		y2028.MakeupDays = append(y2028.MakeupDays, md("2027-12-25")) // a make-up day in the year before
		save(t, s, y2028)
		got, err := s.LoadAll(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || !reflect.DeepEqual(got[0], y2028.Normalize()) {
			t.Fatalf("LoadAll = %+v\nwant %+v", got, y2028.Normalize())
		}
		c = build(t, s)
		// 2027-12-31 Fri; 2028-01-01..03 off; day 1 is Tuesday 01-04.
		if due, _, err := c.Add("", md("2027-12-31"), 1); err != nil || due != md("2028-01-04") {
			t.Errorf("Add into stored 2028 = %s, %v", due, err)
		}
		if w, err := c.IsWorkday("", md("2027-12-25")); err != nil || !w {
			t.Errorf("2027-12-25 from the 2028 table: %v, %v; want a workday", w, err)
		}

		// Saving the year again replaces it whole.
		y2028b := workday.YearTable{Year: 2028, SourceDoc: "corrected", Holidays: []workday.Date{md("2028-01-03")}}
		save(t, s, y2028b)
		got, _ = s.LoadAll(ctx)
		if len(got) != 1 || !reflect.DeepEqual(got[0], y2028b.Normalize()) {
			t.Fatalf("after replace LoadAll = %+v", got)
		}
		c = build(t, s)
		if w, _ := c.IsWorkday("", md("2027-12-25")); w {
			t.Error("the replaced table's make-up day survived")
		}

		// A stored national year replaces the built-in one.
		var b2026 workday.YearTable
		for _, tb := range workday.Builtin() {
			if tb.Year == 2026 {
				b2026 = tb
			}
		}
		b2026.Holidays = append(b2026.Holidays, md("2026-03-02"))
		b2026.SourceDoc = "correction"
		save(t, s, b2026)
		c = build(t, s)
		if w, err := c.IsWorkday("", md("2026-03-02")); err != nil || w {
			t.Errorf("stored 2026 correction: %v, %v", w, err)
		}
		if w, _ := c.IsWorkday("", md("2026-02-14")); !w {
			t.Error("the stored 2026 lost the built-in make-up day")
		}

		// A provisional year and a regional table.
		save(t, s, workday.YearTable{Year: 2029, Provisional: true})
		save(t, s, workday.YearTable{Year: 2026, Region: "540000000000", SourceDoc: "藏政发", Holidays: []workday.Date{md("2026-03-03")}})
		c = build(t, s)
		if st := c.Status("", 2029); st != workday.StatusProvisional {
			t.Errorf("Status(2029) = %v", st)
		}
		if w, _ := c.IsWorkday("540102000000", md("2026-03-03")); w {
			t.Error("regional holiday not applied")
		}
		if w, _ := c.IsWorkday("", md("2026-03-03")); !w {
			t.Error("regional holiday leaked into the national calendar")
		}

		infos, err := s.Years(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []YearInfo{
			{Year: 2029, Provisional: true},
			{Year: 2028, SourceDoc: "corrected", Holidays: 1},
			{Year: 2026, SourceDoc: "correction", Holidays: len(b2026.Holidays), MakeupDays: len(b2026.MakeupDays)},
			{Year: 2026, Region: "54", SourceDoc: "藏政发", Holidays: 1},
		}
		for i := range want {
			want[i].LoadedBy, want[i].LoadedAt = "admin1", time.UnixMilli(at.UnixMilli())
		}
		if !reflect.DeepEqual(infos, want) {
			t.Errorf("Years =\n%+v\nwant\n%+v", infos, want)
		}

		// Deleting the stored 2026 falls back to the built-in table.
		var found bool
		if err := d.Tx(ctx, func(tx *sql.Tx) (err error) {
			found, err = s.DeleteYear(ctx, tx, 2026, "")
			return err
		}); err != nil || !found {
			t.Fatalf("DeleteYear = %v, %v", found, err)
		}
		c = build(t, s)
		if w, err := c.IsWorkday("", md("2026-03-02")); err != nil || !w {
			t.Errorf("after delete 2026-03-02: %v, %v; want the built-in workday", w, err)
		}
	})
}

func TestSaveYearIsAtomic(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := Store{DB: d}
		orig := workday.YearTable{Year: 2028, SourceDoc: "first", Holidays: []workday.Date{md("2028-01-03")}}
		save(t, s, orig)

		// A failure later in the caller's transaction (say, the audit write) undoes the replacement.
		boom := errors.New("audit failed")
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			if err := s.SaveYear(ctx, tx, workday.YearTable{Year: 2028, SourceDoc: "second", Holidays: []workday.Date{md("2028-02-01")}}, "x"); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		// An invalid table is rejected before anything is written.
		err = d.Tx(ctx, func(tx *sql.Tx) error {
			return s.SaveYear(ctx, tx, workday.YearTable{Year: 2028, SourceDoc: "bad",
				Holidays: []workday.Date{md("2028-03-01")}, MakeupDays: []workday.Date{md("2028-03-01")}}, "x")
		})
		if !errs.Is(err, errs.Invalid) {
			t.Fatalf("invalid table: %v", err)
		}
		got, err := s.LoadAll(ctx)
		if err != nil || len(got) != 1 || !reflect.DeepEqual(got[0], orig) {
			t.Fatalf("after failed saves: %+v, %v", got, err)
		}
	})
}

func TestStoreOverrides(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := Store{DB: d}
		put := func(o workday.Override) error {
			return d.Tx(ctx, func(tx *sql.Tx) error { return s.SaveOverride(ctx, tx, o, "admin1") })
		}
		if err := put(workday.Override{Region: "360100000000", Date: md("2026-03-04"), Kind: workday.Closed, Reason: "power outage", SourceDoc: "洪府办"}); err != nil {
			t.Fatal(err)
		}
		if err := put(workday.Override{Region: "3601", Date: md("2026-03-07"), Kind: workday.Open, Reason: "Saturday service"}); err != nil {
			t.Fatal(err)
		}
		c := build(t, s)
		if w, _ := c.IsWorkday("360102000000", md("2026-03-04")); w {
			t.Error("closure not applied")
		}
		if w, _ := c.IsWorkday("360102000000", md("2026-03-07")); !w {
			t.Error("opening not applied")
		}
		if w, _ := c.IsWorkday("", md("2026-03-04")); !w {
			t.Error("a city closure leaked into the national calendar")
		}
		// Same region and date: replaced, not duplicated.
		if err := put(workday.Override{Region: "3601", Date: md("2026-03-04"), Kind: workday.Open, Reason: "outage cancelled"}); err != nil {
			t.Fatal(err)
		}
		ovs, err := s.LoadOverrides(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []workday.Override{
			{Region: "3601", Date: md("2026-03-04"), Kind: workday.Open, Reason: "outage cancelled"},
			{Region: "3601", Date: md("2026-03-07"), Kind: workday.Open, Reason: "Saturday service"},
		}
		if !reflect.DeepEqual(ovs, want) {
			t.Errorf("LoadOverrides = %+v", ovs)
		}
		if err := put(workday.Override{Region: "3601", Date: md("2026-03-05"), Kind: workday.Closed}); !errs.Is(err, errs.Invalid) {
			t.Errorf("override without a reason: %v", err)
		}
		var found bool
		if err := d.Tx(ctx, func(tx *sql.Tx) (err error) {
			found, err = s.DeleteOverride(ctx, tx, "360100000000", md("2026-03-07"))
			return err
		}); err != nil || !found {
			t.Fatalf("DeleteOverride = %v, %v", found, err)
		}
		if w, _ := build(t, s).IsWorkday("3601", md("2026-03-07")); w {
			t.Error("deleted opening still applies")
		}
	})
}
