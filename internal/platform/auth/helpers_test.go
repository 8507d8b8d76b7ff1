package auth

import (
	"context"
	"crypto/rand"
	"strings"
	"sync"
	"testing"
	"time"

	"onestamp/internal/platform/audit"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/gm"
	"onestamp/internal/platform/notify"
)

// Region codes of the test city and two of its counties.
const (
	cityCode    = "369900000000"
	countyA     = "369901000000"
	countyB     = "369902000000"
	testPass    = "Passw0rd!x"
	testPassNew = "Another1!pw"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// outbox keeps the messages a service sends.
type outbox struct {
	mu   sync.Mutex
	msgs []notify.Message
}

func (o *outbox) Send(_ context.Context, m notify.Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.msgs = append(o.msgs, m)
	return nil
}

// lastCode returns the code of the newest SMS to mobile.
func (o *outbox) lastCode(t *testing.T, mobile string) string {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	for i := len(o.msgs) - 1; i >= 0; i-- {
		if o.msgs[i].To == mobile && o.msgs[i].Channel == notify.SMS {
			return o.msgs[i].Args["code"].(string)
		}
	}
	t.Fatalf("no SMS to %s", mobile)
	return ""
}

func (o *outbox) count() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.msgs)
}

// units is a unit directory: unit id -> region code.
type units map[string]string

func (u units) UnitInfo(_ context.Context, id string) (UnitInfo, error) {
	r, ok := u[id]
	if !ok {
		return UnitInfo{}, errs.NotFoundErr("org.unit.not_found")
	}
	return UnitInfo{ID: id, Name: id, RegionCode: r, Active: true}, nil
}

var testUnits = units{
	"bureau-city": cityCode,
	"hall-a":      countyA,
	"bureau-a":    countyA,
	"hall-b":      countyB,
	"bureau-b":    countyB,
}

type fixture struct {
	svc   *Service
	d     *db.DB
	clock *clock
	sms   *outbox
	ctx   context.Context
}

// cheap keeps the tests fast; the real parameters are tested in TestHashVerify.
var cheap = Argon2Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

func newFixture(t *testing.T, d *db.DB, opt Options) *fixture {
	t.Helper()
	key := make([]byte, gm.MasterKeySize)
	rand.Read(key)
	c, err := gm.NewFieldCipher(map[byte][]byte{1: key})
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)}
	sms := &outbox{}
	if opt.Argon2.Memory == 0 {
		opt.Argon2 = cheap
	}
	svc := New(Deps{DB: d, Audit: audit.New(d), Cipher: c, Notifier: sms, Units: testUnits, Now: clk.Now}, opt)
	ctx := WithClient(context.Background(), Client{IP: "10.1.2.3", UserAgent: "test"})
	return &fixture{svc: svc, d: d, clock: clk, sms: sms, ctx: ctx}
}

// staff creates a staff account with the test password.
func (f *fixture) staff(t *testing.T, username, unit string, roles ...Role) StaffUser {
	t.Helper()
	st, _, err := f.svc.SeedStaff(f.ctx, StaffInput{Username: username, Name: "测试" + username, UnitID: unit,
		Roles: roles, Password: testPass})
	if err != nil {
		t.Fatalf("seed %s: %v", username, err)
	}
	return st
}

// login logs a staff member in and returns the session.
func (f *fixture) login(t *testing.T, username string) *Session {
	t.Helper()
	s, err := f.svc.LoginStaff(f.ctx, StaffLogin{Username: username, Password: testPass})
	if err != nil {
		t.Fatalf("login %s: %v", username, err)
	}
	return s
}

// actions returns the actions of the auth audit chain, oldest first, optionally only those
// starting with prefix.
func (f *fixture) actions(t *testing.T, prefix string) []string {
	t.Helper()
	rows, err := f.d.Read.QueryContext(f.ctx, "SELECT action FROM audit_records WHERE chain = $1 ORDER BY seq", AuditChain)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		rows.Scan(&a)
		if strings.HasPrefix(a, prefix) {
			out = append(out, a)
		}
	}
	return out
}

func count(list []string, s string) int {
	n := 0
	for _, x := range list {
		if x == s {
			n++
		}
	}
	return n
}

func wantCode(t *testing.T, err error, code errs.Code) {
	t.Helper()
	if errs.CodeOf(err) != code {
		t.Fatalf("want %s, got %v", code, err)
	}
}
