package auth

import (
	"strings"
	"testing"
	"time"

	"onestamp/internal/platform/db"
	"onestamp/internal/platform/db/dbtest"
	"onestamp/internal/platform/errs"
)

func TestPasswordPolicy(t *testing.T) {
	cases := []struct {
		pw, user string
		key      string // "" = accepted
	}{
		{"Abcdef1!", "clerk1", ""},
		{"abcdefg1A", "clerk1", ""},
		{"abcdef1!", "clerk1", ""},                    // lower, digit, other
		{"Ab1!", "clerk1", "auth.password.too_short"}, // 4 characters
		{"abcdefgh1", "clerk1", "auth.password.classes"},
		{"ABCDEFGH", "clerk1", "auth.password.classes"},
		{"xClerk1!y", "clerk1", "auth.password.contains_username"},
		{"审批局Abc123", "clerk1", ""}, // Chinese counts as "other"
		{strings.Repeat("Aa1!", 33), "clerk1", "auth.password.too_long"},
	}
	for _, c := range cases {
		err := CheckPasswordPolicy(c.pw, c.user)
		got := ""
		if err != nil {
			got = errs.As(err).Key
		}
		if got != c.key {
			t.Errorf("%q: got %q, want %q", c.pw, got, c.key)
		}
	}
	for range 50 {
		if p := randomPassword(); CheckPasswordPolicy(p, "someone") != nil {
			t.Fatalf("generated password %q fails the policy", p)
		}
	}
}

func TestHashVerify(t *testing.T) {
	h, err := HashPassword("Passw0rd!", DefaultArgon2)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("PHC string %s", h)
	}
	if !VerifyPassword(h, "Passw0rd!") || VerifyPassword(h, "Passw0rd?") {
		t.Fatal("verify")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=1,t=1,p=1$x$y", "$argon2id$v=19$m=99999999,t=1,p=1$AAAA$AAAA", h[:len(h)-5]} {
		if VerifyPassword(bad, "Passw0rd!") {
			t.Fatalf("malformed %q verified", bad)
		}
	}
}

func TestLockoutAfterFailures(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, Options{})
		f.staff(t, "clerk1", "hall-a", Clerk)
		for i := 1; i <= 4; i++ {
			_, err := f.svc.LoginStaff(f.ctx, StaffLogin{Username: "clerk1", Password: "wrong"})
			if errs.As(err).Key != "auth.login.bad_credentials" {
				t.Fatalf("failure %d: %v", i, err)
			}
		}
		_, err := f.svc.LoginStaff(f.ctx, StaffLogin{Username: "clerk1", Password: "wrong"})
		wantCode(t, err, errs.TooMany)
		if errs.As(err).Args["minutes"] != 15 {
			t.Fatalf("lock message args %v", errs.As(err).Args)
		}
		// The right password does not help while locked.
		f.clock.Advance(14 * time.Minute)
		_, err = f.svc.LoginStaff(f.ctx, StaffLogin{Username: "clerk1", Password: testPass})
		wantCode(t, err, errs.TooMany)
		f.clock.Advance(61 * time.Second)
		s := f.login(t, "clerk1")
		if s.Viewer.Role != Clerk {
			t.Fatalf("role %s", s.Viewer.Role)
		}
		acts := f.actions(t, "auth.")
		if count(acts, "auth.login_failed") != 5 || count(acts, "auth.lockout") != 1 ||
			count(acts, "auth.login_refused") != 1 || count(acts, "auth.login") != 1 {
			t.Fatalf("audit trail %v", acts)
		}
		// An unknown user fails the same way and is audited.
		_, err = f.svc.LoginStaff(f.ctx, StaffLogin{Username: "nobody", Password: "x"})
		if errs.As(err).Key != "auth.login.bad_credentials" {
			t.Fatal(err)
		}
	})
}

func TestLockoutIsConfigurable(t *testing.T) {
	f := newFixture(t, dbtest.SQLite(t), Options{LockoutFailures: 2, LockoutDuration: time.Minute})
	f.staff(t, "rev1", "bureau-a", Reviewer)
	f.svc.LoginStaff(f.ctx, StaffLogin{Username: "rev1", Password: "x"})
	_, err := f.svc.LoginStaff(f.ctx, StaffLogin{Username: "rev1", Password: "x"})
	wantCode(t, err, errs.TooMany)
	f.clock.Advance(61 * time.Second)
	f.login(t, "rev1")
}

func TestSessionIdleAndAbsoluteExpiry(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, Options{})
		f.staff(t, "clerk1", "hall-a", Clerk)
		s := f.login(t, "clerk1")
		// Activity keeps the session alive past 30 minutes…
		for range 3 {
			f.clock.Advance(29 * time.Minute)
			if _, err := f.svc.Resolve(f.ctx, s.Token); err != nil {
				t.Fatalf("active session refused: %v", err)
			}
		}
		// …but 31 idle minutes end it, and it stays ended.
		f.clock.Advance(31 * time.Minute)
		_, err := f.svc.Resolve(f.ctx, s.Token)
		if errs.As(err).Key != "auth.session.expired" {
			t.Fatalf("idle session: %v", err)
		}
		_, err = f.svc.Resolve(f.ctx, s.Token)
		wantCode(t, err, errs.Unauthenticated)

		// A session in constant use ends after 12 hours.
		s = f.login(t, "clerk1")
		for elapsed := time.Duration(0); elapsed < 12*time.Hour-20*time.Minute; elapsed += 20 * time.Minute {
			f.clock.Advance(20 * time.Minute)
			if _, err := f.svc.Resolve(f.ctx, s.Token); err != nil {
				t.Fatalf("after %v: %v", elapsed, err)
			}
		}
		f.clock.Advance(21 * time.Minute)
		_, err = f.svc.Resolve(f.ctx, s.Token)
		if errs.As(err).Key != "auth.session.expired" {
			t.Fatalf("absolute timeout: %v", err)
		}
	})
}

func TestLogoutAndForgedCookie(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, Options{})
		f.staff(t, "clerk1", "hall-a", Clerk)
		firstAt := f.clock.Now()
		f.login(t, "clerk1")
		f.clock.Advance(time.Hour)
		s := f.login(t, "clerk1")
		v, err := f.svc.Resolve(f.ctx, s.Token)
		if err != nil {
			t.Fatal(err)
		}
		if !v.PrevLoginAt.Equal(firstAt) || v.PrevLoginIP != "10.1.2.3" {
			t.Fatalf("previous login %v %q", v.PrevLoginAt, v.PrevLoginIP)
		}
		if err := f.svc.Logout(f.ctx, v); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.Resolve(f.ctx, s.Token)
		wantCode(t, err, errs.Unauthenticated)
		for _, forged := range []string{"", "x", newSecret(), s.Token + "A", strings.Repeat("A", 500)} {
			_, err = f.svc.Resolve(f.ctx, forged)
			wantCode(t, err, errs.Unauthenticated)
		}
		if count(f.actions(t, "auth."), "auth.logout") != 1 {
			t.Fatal("logout not audited")
		}
	})
}

func TestRoleSwitch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, Options{})
		f.staff(t, "chief1", "bureau-a", Reviewer, Chief)
		s := f.login(t, "chief1")
		if s.Viewer.Role != Reviewer {
			t.Fatalf("first role %s", s.Viewer.Role)
		}
		if err := f.svc.SwitchRole(f.ctx, s.Viewer, Chief); err != nil {
			t.Fatal(err)
		}
		v, _ := f.svc.Resolve(f.ctx, s.Token)
		if v.Role != Chief {
			t.Fatalf("role after switch %s", v.Role)
		}
		wantCode(t, f.svc.SwitchRole(f.ctx, v, Admin), errs.Forbidden)
		if count(f.actions(t, "auth."), "auth.role_switch") != 1 {
			t.Fatal("role switch not audited")
		}
	})
}

func TestPasswordChangeAndHistory(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, Options{})
		admin := f.staff(t, "admin1", "bureau-a", Admin)
		as := f.login(t, "admin1")
		created, temp, err := f.svc.CreateStaff(f.ctx, as.Viewer, StaffInput{Username: "newbie", Name: "新人",
			UnitID: "hall-a", Roles: []Role{Clerk}})
		if err != nil || temp == "" || !created.MustChange {
			t.Fatalf("create: %+v %q %v", created, temp, err)
		}
		s, err := f.svc.LoginStaff(f.ctx, StaffLogin{Username: "newbie", Password: temp})
		if err != nil || !s.Viewer.MustChange {
			t.Fatalf("first login: %v", err)
		}
		other, _ := f.svc.LoginStaff(f.ctx, StaffLogin{Username: "newbie", Password: temp})
		ch := func(cur, next string) error {
			return f.svc.ChangePassword(f.ctx, s.Viewer, PasswordChange{Current: cur, New: next})
		}
		if k := errs.As(ch("nope", testPassNew)).Key; k != "auth.password.wrong_current" {
			t.Fatalf("wrong current: %s", k)
		}
		if k := errs.As(ch(temp, "Newbie123!")).Key; k != "auth.password.contains_username" {
			t.Fatalf("username: %s", k)
		}
		if k := errs.As(ch(temp, temp)).Key; k != "auth.password.reused" {
			t.Fatalf("same: %s", k)
		}
		// Five changes in a row: none may repeat one of the last five.
		pws := []string{temp, "First1!pw", "Second2!pw", "Third3!pw", "Fourth4!pw", "Fifth5!pw"}
		for i := 1; i < len(pws); i++ {
			if err := ch(pws[i-1], pws[i]); err != nil {
				t.Fatalf("change %d: %v", i, err)
			}
		}
		for _, old := range pws[1:] {
			if k := errs.As(ch("Fifth5!pw", old)).Key; k != "auth.password.reused" {
				t.Fatalf("reuse of %s: %s", old, k)
			}
		}
		if err := ch("Fifth5!pw", temp); err != nil { // the sixth newest: allowed again
			t.Fatalf("old enough: %v", err)
		}
		if s.Viewer.MustChange {
			t.Fatal("must-change flag stays")
		}
		if _, err := f.svc.Resolve(f.ctx, other.Token); err == nil {
			t.Fatal("other sessions survive a password change")
		}
		if _, err := f.svc.Resolve(f.ctx, s.Token); err != nil {
			t.Fatalf("own session ended: %v", err)
		}
		_ = admin
	})
}

func TestTOTPLogin(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, Options{})
		f.staff(t, "admin1", "bureau-a", Admin)
		s := f.login(t, "admin1")
		en, err := f.svc.BeginTOTP(f.ctx, s.Viewer)
		if err != nil || !strings.HasPrefix(en.URI, "otpauth://totp/") {
			t.Fatalf("begin: %+v %v", en, err)
		}
		secret, _ := DecodeSecret(en.Secret)
		tp := NewTOTP(secret)
		wantCode(t, f.svc.ConfirmTOTP(f.ctx, s.Viewer, "000000x"), errs.Invalid)
		if err := f.svc.ConfirmTOTP(f.ctx, s.Viewer, tp.At(f.clock.Now())); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Minute)
		_, err = f.svc.LoginStaff(f.ctx, StaffLogin{Username: "admin1", Password: testPass})
		if errs.As(err).Key != "auth.login.totp_required" {
			t.Fatalf("no code: %v", err)
		}
		code := tp.At(f.clock.Now())
		if _, err := f.svc.LoginStaff(f.ctx, StaffLogin{Username: "admin1", Password: testPass, TOTP: code}); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.LoginStaff(f.ctx, StaffLogin{Username: "admin1", Password: testPass, TOTP: code})
		wantCode(t, err, errs.Unauthenticated) // replayed code
		if n := count(f.actions(t, "auth."), "auth.login_failed"); n != 1 {
			t.Fatalf("replay not counted as a failure: %d", n)
		}
	})
}

func TestCrossScopeStaffIsNotFound(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, Options{})
		f.staff(t, "admina", "bureau-a", Admin)
		f.staff(t, "admincity", "bureau-city", Admin)
		b := f.staff(t, "clerkb", "hall-b", Clerk)
		a := f.staff(t, "clerka", "hall-a", Clerk)
		va := f.login(t, "admina").Viewer
		_, err := f.svc.GetStaff(f.ctx, va, b.ID)
		wantCode(t, err, errs.NotFound)
		_, err = f.svc.UpdateStaff(f.ctx, va, b.ID, StaffUpdate{Roles: []Role{Admin}})
		wantCode(t, err, errs.NotFound)
		_, err = f.svc.ResetPassword(f.ctx, va, b.ID)
		wantCode(t, err, errs.NotFound)
		if _, err := f.svc.GetStaff(f.ctx, va, a.ID); err != nil {
			t.Fatal(err)
		}
		_, _, err = f.svc.CreateStaff(f.ctx, va, StaffInput{Username: "intruder", Name: "x", UnitID: "hall-b", Roles: []Role{Clerk}})
		wantCode(t, err, errs.Forbidden)
		list, err := f.svc.ListStaff(f.ctx, va, StaffFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range list {
			if st.RegionCode != countyA {
				t.Fatalf("county admin sees %s of %s", st.Username, st.RegionCode)
			}
		}
		if len(list) != 2 {
			t.Fatalf("county admin sees %d accounts", len(list))
		}
		// The city administrator sees both counties.
		vc := f.login(t, "admincity").Viewer
		if _, err := f.svc.GetStaff(f.ctx, vc, b.ID); err != nil {
			t.Fatal(err)
		}
		list, _ = f.svc.ListStaff(f.ctx, vc, StaffFilter{})
		if len(list) != 4 {
			t.Fatalf("city admin sees %d accounts", len(list))
		}
		// A clerk may not administer at all.
		_, err = f.svc.ListStaff(f.ctx, f.login(t, "clerka").Viewer, StaffFilter{})
		wantCode(t, err, errs.Forbidden)
	})
}

func TestUserAdminAuditsRoleAndScopeChanges(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, Options{})
		f.staff(t, "admin1", "bureau-city", Admin)
		c := f.staff(t, "clerk1", "hall-a", Clerk)
		v := f.login(t, "admin1").Viewer
		cs := f.login(t, "clerk1")
		unit, perms := "hall-b", []Permission{PermUnmask}
		st, err := f.svc.UpdateStaff(f.ctx, v, c.ID, StaffUpdate{Roles: []Role{Clerk, Reviewer}, UnitID: &unit, Perms: &perms})
		if err != nil || st.RegionCode != countyB || len(st.Roles) != 2 {
			t.Fatalf("update: %+v %v", st, err)
		}
		acts := f.actions(t, "auth.")
		if count(acts, "auth.roles_change") != 1 || count(acts, "auth.scope_change") != 1 {
			t.Fatalf("audit %v", acts)
		}
		// The clerk's running session sees the change at the next request.
		cv, err := f.svc.Resolve(f.ctx, cs.Token)
		if err != nil || cv.UnitID != "hall-b" || !cv.Can(PermUnmask) || !cv.Has(Reviewer) {
			t.Fatalf("session after change: %+v %v", cv, err)
		}
		if err := f.svc.SetActive(f.ctx, v, c.ID, false); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Resolve(f.ctx, cs.Token); err == nil {
			t.Fatal("a deactivated account keeps its session")
		}
		_, err = f.svc.LoginStaff(f.ctx, StaffLogin{Username: "clerk1", Password: testPass})
		wantCode(t, err, errs.Unauthenticated)
		wantCode(t, f.svc.SetActive(f.ctx, v, v.ID, false), errs.Invalid)
	})
}

func TestCoverIsValidForItsPeriod(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, Options{})
		f.staff(t, "chief1", "bureau-a", Chief)
		a := f.staff(t, "clerka", "hall-a", Clerk)
		b := f.staff(t, "clerkb", "hall-a", Clerk)
		other := f.staff(t, "clerkx", "hall-b", Clerk)
		v := f.login(t, "chief1").Viewer
		now := f.clock.Now()
		_, err := f.svc.GrantCover(f.ctx, v, CoverInput{UserID: a.ID, CoverID: other.ID, From: now, To: now.Add(time.Hour), Reason: "年假"})
		wantCode(t, err, errs.NotFound) // the colleague of another county is out of scope
		c, err := f.svc.GrantCover(f.ctx, v, CoverInput{UserID: a.ID, CoverID: b.ID, From: now.Add(time.Hour),
			To: now.Add(5 * time.Hour), Reason: "年假"})
		if err != nil {
			t.Fatal(err)
		}
		if bs := f.login(t, "clerkb"); len(bs.Viewer.CoveringFor) != 0 {
			t.Fatal("cover active before its start")
		}
		f.clock.Advance(2 * time.Hour)
		bs := f.login(t, "clerkb")
		bv, _ := f.svc.Resolve(f.ctx, bs.Token)
		if !bv.Covers(a.ID) || bv.Covers(other.ID) {
			t.Fatalf("covering %v", bv.CoveringFor)
		}
		list, _ := f.svc.ListCovers(f.ctx, v)
		if len(list) != 1 || list[0].ID != c.ID {
			t.Fatalf("covers %v", list)
		}
		if err := f.svc.RevokeCover(f.ctx, v, c.ID); err != nil {
			t.Fatal(err)
		}
		bv, _ = f.svc.Resolve(f.ctx, bs.Token)
		if len(bv.CoveringFor) != 0 {
			t.Fatal("revoked cover still active")
		}
		_, err = f.svc.GrantCover(f.ctx, bv, CoverInput{UserID: a.ID, CoverID: b.ID, From: now, To: now.Add(time.Hour), Reason: "x"})
		wantCode(t, err, errs.Forbidden)
		acts := f.actions(t, "auth.cover")
		if len(acts) != 2 {
			t.Fatalf("audit %v", acts)
		}
	})
}

func TestRegistrationSMSAndUnmask(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, Options{})
		const mobile = "13800138000"
		reg := Registration{SubjectType: SubjectPerson, IDNumber: "11010519491231002X", Name: "张小明", Mobile: mobile,
			Password: "Citizen1!pw"}
		if err := f.svc.SendSMSCode(f.ctx, mobile, PurposeRegister); err != nil {
			t.Fatal(err)
		}
		// One code a minute per mobile.
		wantCode(t, f.svc.SendSMSCode(f.ctx, mobile, PurposeRegister), errs.TooMany)
		// Five wrong entries kill the code: the right one no longer works.
		code := f.sms.lastCode(t, mobile)
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		for i := 1; i <= 5; i++ {
			reg.Code = wrong
			_, err := f.svc.Register(f.ctx, reg)
			wantCode(t, err, errs.Invalid)
		}
		reg.Code = code
		_, err := f.svc.Register(f.ctx, reg)
		if errs.As(err).Field != "code" {
			t.Fatalf("dead code accepted: %v", err)
		}
		// A code expires after five minutes.
		f.clock.Advance(time.Minute)
		f.svc.SendSMSCode(f.ctx, mobile, PurposeRegister)
		reg.Code = f.sms.lastCode(t, mobile)
		f.clock.Advance(5*time.Minute + time.Second)
		_, err = f.svc.Register(f.ctx, reg)
		if errs.As(err).Key != "auth.sms.invalid" {
			t.Fatalf("expired code: %v", err)
		}
		f.svc.SendSMSCode(f.ctx, mobile, PurposeRegister)
		reg.Code = f.sms.lastCode(t, mobile)
		s, err := f.svc.Register(f.ctx, reg)
		if err != nil {
			t.Fatal(err)
		}
		if s.Viewer.Name != "张**" || s.Viewer.Role != Applicant {
			t.Fatalf("viewer %+v", s.Viewer)
		}
		// The same ID number cannot register twice.
		f.clock.Advance(time.Minute)
		f.svc.SendSMSCode(f.ctx, mobile, PurposeRegister)
		reg.Code = f.sms.lastCode(t, mobile)
		_, err = f.svc.Register(f.ctx, reg)
		wantCode(t, err, errs.Conflict)

		// Nothing personal is stored in clear.
		var idn, name, mob string
		d.Read.QueryRow("SELECT id_number, name, mobile FROM applicants").Scan(&idn, &name, &mob)
		for _, v := range []string{idn, name, mob} {
			if strings.Contains(v, "1101051949") || strings.Contains(v, "张") || strings.Contains(v, "138001") {
				t.Fatalf("personal data in clear: %q", v)
			}
		}

		// Password login by ID number (lower-case x) and by mobile.
		if _, err := f.svc.LoginApplicant(f.ctx, ApplicantLogin{Identifier: "11010519491231002x", Password: "Citizen1!pw"}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.LoginApplicant(f.ctx, ApplicantLogin{Identifier: "138 0013 8000", Password: "Citizen1!pw"}); err != nil {
			t.Fatal(err)
		}
		// SMS login.
		f.clock.Advance(time.Minute)
		if err := f.svc.SendSMSCode(f.ctx, mobile, PurposeLogin); err != nil {
			t.Fatal(err)
		}
		ls, err := f.svc.LoginSMS(f.ctx, SMSLogin{Mobile: mobile, Code: f.sms.lastCode(t, mobile)})
		if err != nil || ls.Viewer.ID != s.Viewer.ID {
			t.Fatalf("sms login: %v", err)
		}
		// A login code for an unknown mobile is not sent, and the answer does not tell.
		n := f.sms.count()
		if err := f.svc.SendSMSCode(f.ctx, "13900139000", PurposeLogin); err != nil || f.sms.count() != n {
			t.Fatalf("code to an unknown mobile: %v", err)
		}

		// Masked profile; unmask needs the permission and is audited either way.
		p, err := f.svc.ApplicantProfile(f.ctx, s.Viewer, s.Viewer.ID)
		if err != nil || p.IDNumber != "1101**********002X" || p.Mobile != "138****8000" || p.Name != "张**" {
			t.Fatalf("profile %+v %v", p, err)
		}
		f.staff(t, "clerk1", "hall-a", Clerk)
		cv := f.login(t, "clerk1").Viewer
		_, err = f.svc.UnmaskApplicant(f.ctx, cv, s.Viewer.ID, FieldIDNumber, "核验身份")
		wantCode(t, err, errs.Forbidden)
		_, err = f.svc.UnmaskApplicant(f.ctx, s.Viewer, s.Viewer.ID, FieldIDNumber, "")
		wantCode(t, err, errs.Forbidden)
		f.svc.SeedStaff(f.ctx, StaffInput{Username: "clerk2", Name: "窗口二", UnitID: "hall-a", Roles: []Role{Clerk},
			Perms: []Permission{PermUnmask}, Password: testPass})
		uv := f.login(t, "clerk2").Viewer
		full, err := f.svc.UnmaskApplicant(f.ctx, uv, s.Viewer.ID, FieldIDNumber, "核验身份")
		if err != nil || full != "11010519491231002X" {
			t.Fatalf("unmask: %q %v", full, err)
		}
		acts := f.actions(t, "auth.unmask")
		if count(acts, "auth.unmask") != 1 || count(acts, "auth.unmask_refused") != 1 {
			t.Fatalf("unmask audit %v", acts)
		}
	})
}

func TestSMSDailyLimit(t *testing.T) {
	f := newFixture(t, dbtest.SQLite(t), Options{SMSPerDay: 3})
	for i := range 4 {
		err := f.svc.SendSMSCode(f.ctx, "13800138000", PurposeRegister)
		if i < 3 && err != nil {
			t.Fatal(err)
		}
		if i == 3 {
			wantCode(t, err, errs.TooMany)
		}
		f.clock.Advance(2 * time.Minute)
	}
}

func TestTokens(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, Options{})
		f.staff(t, "admin1", "bureau-a", Admin)
		v := f.login(t, "admin1").Viewer
		_, err := f.svc.CreateToken(f.ctx, v, TokenInput{Name: "12345热线", Scopes: []string{"Bad Scope"}, UnitID: "bureau-a"})
		wantCode(t, err, errs.Invalid)
		_, err = f.svc.CreateToken(f.ctx, v, TokenInput{Name: "12345热线", Scopes: []string{"rating:import"}, UnitID: "bureau-b"})
		wantCode(t, err, errs.Forbidden)
		nt, err := f.svc.CreateToken(f.ctx, v, TokenInput{Name: "12345热线", Scopes: []string{"rating:import", "hardcase:create"}, UnitID: "bureau-a"})
		if err != nil || !strings.HasPrefix(nt.Secret, TokenPrefix) || len(nt.Secret) < 40 {
			t.Fatalf("create: %+v %v", nt, err)
		}
		tv, err := f.svc.ResolveToken(f.ctx, nt.Secret)
		if err != nil || !tv.HasScope("rating:import") || tv.Scope().Unit() != "bureau-a" {
			t.Fatalf("resolve: %+v %v", tv, err)
		}
		var stored string
		d.Read.QueryRow("SELECT secret_hash FROM api_tokens").Scan(&stored)
		if strings.Contains(stored, nt.Secret[4:20]) {
			t.Fatal("secret stored in clear")
		}
		list, _ := f.svc.ListTokens(f.ctx, v)
		if len(list) != 1 || list[0].Prefix != nt.Secret[:10] {
			t.Fatalf("list %+v", list)
		}
		if err := f.svc.RevokeToken(f.ctx, v, nt.ID); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.ResolveToken(f.ctx, nt.Secret)
		wantCode(t, err, errs.Unauthenticated)
		// Expiry.
		nt2, _ := f.svc.CreateToken(f.ctx, v, TokenInput{Name: "银行", Scopes: []string{"finance:read"}, UnitID: "bureau-a",
			ExpiresAt: f.clock.Now().Add(time.Hour)})
		f.clock.Advance(time.Hour)
		_, err = f.svc.ResolveToken(f.ctx, nt2.Secret)
		wantCode(t, err, errs.Unauthenticated)
		acts := f.actions(t, "auth.token")
		if count(acts, "auth.token_create") != 2 || count(acts, "auth.token_revoke") != 1 {
			t.Fatalf("audit %v", acts)
		}
	})
}
