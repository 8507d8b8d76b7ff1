package auth

import (
	"testing"
	"time"

	"onestamp/internal/platform/db"
	"onestamp/internal/platform/db/dbtest"
	"onestamp/internal/platform/errs"
)

// A resolved session is reused for the cache's lifetime; a change made through the service is
// seen at the next request, one made behind its back (another process) once the lifetime ends.
func TestViewerCache(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		const life = 300 * time.Millisecond
		f := newFixture(t, d, Options{ViewerCache: life})
		f.staff(t, "admin1", "bureau-city", Admin)
		as := f.login(t, "admin1")
		admin := as.Viewer
		c := f.staff(t, "clerk1", "hall-a", Clerk, Reviewer)
		s := f.login(t, "clerk1")
		v, err := f.svc.Resolve(f.ctx, s.Token)
		if err != nil {
			t.Fatal(err)
		}
		// What a caller does to its viewer stays with it.
		v.Role, v.Roles[0] = Admin, Admin
		v, err = f.svc.Resolve(f.ctx, s.Token)
		if err != nil || v.Role != Clerk || !v.Has(Clerk) || v.Has(Admin) {
			t.Fatalf("cached viewer was changed by a caller: %+v %v", v, err)
		}

		// Another process deactivates the account: the session lives on until the entry expires.
		at := time.Now()
		if _, err := d.Write().ExecContext(f.ctx, "UPDATE users SET active = $1 WHERE id = $2", false, c.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Resolve(f.ctx, s.Token); err != nil && time.Since(at) < life {
			t.Fatalf("the cached session was not used: %v", err)
		}
		time.Sleep(life - time.Since(at) + 10*time.Millisecond)
		_, err = f.svc.Resolve(f.ctx, s.Token)
		wantCode(t, err, errs.Unauthenticated)

		// Through the service, a change is seen by the very next request.
		if _, err := d.Write().ExecContext(f.ctx, "UPDATE users SET active = $1 WHERE id = $2", true, c.ID); err != nil {
			t.Fatal(err)
		}
		s = f.login(t, "clerk1")
		if _, err := f.svc.Resolve(f.ctx, s.Token); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.SetActive(f.ctx, admin, c.ID, false); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.Resolve(f.ctx, s.Token)
		wantCode(t, err, errs.Unauthenticated)

		// The idle limit is checked on every use, cached or not.
		if _, err := f.svc.Resolve(f.ctx, as.Token); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(31 * time.Minute)
		_, err = f.svc.Resolve(f.ctx, as.Token)
		if errs.As(err).Key != "auth.session.expired" {
			t.Fatalf("an idle session was served from the cache: %v", err)
		}
	})
}
