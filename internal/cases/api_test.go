package cases

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"onestamp/client"
	"onestamp/internal/platform/audit"
	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/db/dbtest"
	"onestamp/internal/platform/web"
)

// people are the test viewers by the name a client sends in X-Test-As.
var people = map[string]*auth.Viewer{}

func init() {
	for _, v := range []*auth.Viewer{clerkA, clerkB, reviewerA, reviewer2, reviewerB, chiefA, chiefB, signerA, signerB,
		headA, headB, cityChief, auditor, alice, bob, policeRev, policeChief, fireRev} {
		people[v.ID] = v
	}
}

// apiServer serves the package's API the way the application does (a web.Mux behind an
// auth.Guard), with the viewer taken from a test header instead of a session.
func apiServer(t *testing.T, f *fixture) (*httptest.Server, *auth.Guard) {
	t.Helper()
	mux := web.NewMux()
	as := auth.New(auth.Deps{DB: f.d, Audit: audit.New(f.d), Cipher: f.svc.cipher}, auth.Options{})
	g := auth.NewGuard(mux, as)
	if err := Register(g, f.svc); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if v := people[r.Header.Get("X-Test-As")]; v != nil {
			r = r.WithContext(auth.WithViewer(r.Context(), v))
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, g
}

type asHeader struct {
	who  string
	base http.RoundTripper
}

func (h asHeader) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Test-As", h.who)
	return h.base.RoundTrip(r)
}

func clientAs(srv *httptest.Server, v *auth.Viewer) *client.Client {
	c := client.New(srv.URL)
	c.HTTP.Transport = asHeader{who: v.ID, base: http.DefaultTransport}
	return c
}

func check(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Fatalf("%s = %q, want %q", what, got, want)
	}
}

// TestOnlineApplicationThroughTheAPI walks the end-to-end path through the public
// client: online application → correction → acceptance → suspension for an expert review →
// return to the first review step → extension → approval → conclusion → delivery, with the due
// dates at each point computed by hand from the 2025 holiday table (see TestClockThroughTheLifecycle
// for the counting).
func TestOnlineApplicationThroughTheAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		srv, g := apiServer(t, f)
		if u := g.Unguarded(); len(u) != 0 {
			t.Errorf("routes without a policy: %v", u)
		}
		if m := web.MissingFromOpenAPI(g.Mux()); len(m) != 0 {
			t.Errorf("routes missing from the OpenAPI document: %v", m)
		}
		ctx := context.Background()
		app, clerk, reviewer, chief, signer, head := clientAs(srv, alice), clientAs(srv, clerkA), clientAs(srv, reviewerA),
			clientAs(srv, chiefA), clientAs(srv, signerA), clientAs(srv, headA)
		ok := func(c *client.Case, err error) *client.Case {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
			return c
		}

		// Tue 09-23: the applicant applies online and uploads the materials.
		f.clock.on("2025-09-23")
		c := ok(app.OpenCase(ctx, client.OpenCaseInput{ItemID: f.licence.ID,
			Applicant: &client.CaseApplicantInput{Type: "person", Name: aliceName, IDNumber: aliceID, Mobile: "13800138000"},
			Form:      map[string]string{"name": "小梅餐馆"}}))
		check(t, "masked applicant", c.Applicant.IDNumber, "1101**********002X")
		for i, m := range []string{"application", "id_copy", "lease"} {
			if _, err := app.UploadCaseFile(ctx, c.ID, m, m+".pdf", pdf(300+i), false); err != nil {
				t.Fatal(err)
			}
		}
		// A form missing a required field is refused with the field.
		_, err := app.SubmitCase(ctx, c.ID, c.Version)
		if e, isErr := err.(*client.Error); !isErr || e.Status != 422 && e.Status != 400 || e.Field != "form.address" {
			t.Fatalf("incomplete form: %v", err)
		}
		c = ok(app.Case(ctx, c.ID))
		c = ok(app.EditCaseForm(ctx, c.ID, c.Version, map[string]string{"name": "小梅餐馆", "address": "A县人民路1号"}))
		c = ok(app.SubmitCase(ctx, c.ID, c.Version))
		if c.No == "" || c.StateName != "submitted" {
			t.Fatalf("submitted: no %q state %s", c.No, c.StateName)
		}

		// Wed 09-24: pre-check passed, received at the window. Intake answer due 09-30.
		f.clock.on("2025-09-24")
		c = ok(clerk.PrecheckCase(ctx, c.ID, c.Version, true, nil, ""))
		c = ok(clerk.ReceiveCase(ctx, c.ID, c.Version, "A-03"))
		check(t, "intake due", c.Clock.IntakeDue, "2025-09-30")

		// Fri 09-26: one correction notice. Reply by 10-26.
		f.clock.on("2025-09-26")
		c = ok(clerk.RequestCorrection(ctx, c.ID, c.Version, []client.CaseDefect{{Material: "lease", Problem: "缺少出租方签章"}}, ""))
		check(t, "reply due", c.Clock.NextDue, "2025-10-26")
		// The applicant sees what is needed now.
		mine, err := app.CaseQueue(ctx, client.CaseQueueQuery{Queue: "mine"})
		if err != nil || len(mine.Items) != 1 || mine.Items[0].StateName != "correction" || mine.Items[0].TodoRole != "applicant" {
			t.Fatalf("my cases: %+v %v", mine, err)
		}

		// Thu 10-09: corrected lease; the intake limit restarts: due 10-15.
		f.clock.on("2025-10-09")
		if _, err := app.UploadCaseFile(ctx, c.ID, "lease", "lease-signed.pdf", pdf(400), false); err != nil {
			t.Fatal(err)
		}
		c = ok(app.Case(ctx, c.ID))
		c = ok(app.ResubmitCase(ctx, c.ID, c.Version, "已补签"))
		check(t, "intake due after correction", c.Clock.IntakeDue, "2025-10-15")

		// Fri 10-10: originals checked, accepted as of 10-09: promised 10-29, statutory 11-05.
		f.clock.on("2025-10-10")
		_, err = clerk.AcceptCase(ctx, c.ID, c.Version, "")
		if !client.IsCode(err, "invalid") {
			t.Fatalf("accept with the ID copy unchecked: %v", err)
		}
		mats, err := clerk.CaseMaterials(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range mats {
			if m.FileID != "" {
				if _, err := clerk.CheckCaseFile(ctx, c.ID, m.FileID); err != nil {
					t.Fatal(err)
				}
			}
		}
		c = ok(clerk.AcceptCase(ctx, c.ID, c.Version, ""))
		check(t, "accepted on", c.Clock.AcceptedOn, "2025-10-09")
		check(t, "promised due", c.Clock.PromisedDue, "2025-10-29")
		check(t, "statutory due", c.Clock.StatutoryDue, "2025-11-05")

		// Tue 10-14: the reviewer takes the task from the pool and records the opinion.
		f.clock.on("2025-10-14")
		todo, err := reviewer.CaseQueue(ctx, client.CaseQueueQuery{Queue: "todo"})
		if err != nil || len(todo.Items) != 1 || todo.Items[0].ID != c.ID {
			t.Fatalf("reviewer's to-do: %+v %v", todo, err)
		}
		tasks, _ := reviewer.CaseTasks(ctx, c.ID)
		c = ok(reviewer.ClaimCaseTask(ctx, c.ID, c.Version, tasks[0].ID))
		c = ok(reviewer.AdvanceCase(ctx, c.ID, c.Version, "", "agree", "符合条件"))

		// Wed 10-15: expert review, 10 wd expected.
		f.clock.on("2025-10-15")
		c = ok(chief.SuspendCase(ctx, c.ID, c.Version, client.CaseSuspendInput{Kind: "expert_review", Reason: "专家评审", ExpectedWD: 10}))
		check(t, "level while suspended", c.Clock.Level, "suspended")

		// Mon 10-27: resumed: promised 11-10, statutory 11-17.
		f.clock.on("2025-10-27")
		c = ok(reviewer.ResumeCase(ctx, c.ID, c.Version, "专家同意"))
		check(t, "promised after resume", c.Clock.PromisedDue, "2025-11-10")
		check(t, "statutory after resume", c.Clock.StatutoryDue, "2025-11-17")

		// Tue 10-28: returned to the first review step; the clock keeps running.
		f.clock.on("2025-10-28")
		c = ok(signer.ReturnCase(ctx, c.ID, c.Version, 0, "请补充核实"))
		check(t, "promised after return", c.Clock.PromisedDue, "2025-11-10")
		f.clock.on("2025-10-29")
		c = ok(reviewer.AdvanceCase(ctx, c.ID, c.Version, "", "agree", "已核实"))

		// Mon 11-03: extended by the head: promised 11-24, statutory 12-01.
		f.clock.on("2025-11-03")
		c = ok(head.ExtendCase(ctx, c.ID, c.Version, "需进一步论证", ""))
		check(t, "promised after extension", c.Clock.PromisedDue, "2025-11-24")
		check(t, "statutory after extension", c.Clock.StatutoryDue, "2025-12-01")

		// Wed 11-05: approved (a stale version is refused), concluded; delivered on 11-06.
		f.clock.on("2025-11-05")
		_, err = signer.DecideCase(ctx, c.ID, c.Version-1, client.CaseDecideInput{Outcome: "approve"})
		if !client.IsCode(err, "conflict") || client.StatusOf(err) != http.StatusConflict {
			t.Fatalf("stale decision: %v", err)
		}
		c = ok(signer.DecideCase(ctx, c.ID, c.Version, client.CaseDecideInput{Outcome: "approve", Opinion: "准予许可"}))
		check(t, "delivery due", c.Clock.DeliveryDue, "2025-11-19")
		c = ok(clerk.ConcludeCase(ctx, c.ID, c.Version, ""))
		f.clock.on("2025-11-06")
		c = ok(clerk.DeliverCase(ctx, c.ID, c.Version, "window", ""))
		check(t, "final state", c.StateName, "delivered")

		// The applicant sees the whole timeline and their own data in full; a stranger nothing.
		evs, err := app.CaseEvents(ctx, c.ID)
		if err != nil || len(evs) < 15 || evs[len(evs)-1].Action != "deliver" {
			t.Fatalf("timeline: %d events, %v", len(evs), err)
		}
		u, err := app.UnmaskCase(ctx, c.ID)
		if err != nil || u.Applicant.IDNumber != aliceID {
			t.Fatalf("unmask by the owner: %+v %v", u, err)
		}
		if _, err := clientAs(srv, bob).Case(ctx, c.ID); !client.IsCode(err, "not_found") {
			t.Fatalf("another applicant: %v", err)
		}
		if _, err := clientAs(srv, clerkB).Case(ctx, c.ID); !client.IsCode(err, "not_found") {
			t.Fatalf("another county's clerk: %v", err)
		}
		// Files are served to those who may see the case, never to others.
		m, _ := app.CaseMaterials(ctx, c.ID)
		body, ctype, err := app.DownloadCaseFile(ctx, c.ID, m[0].FileID)
		if err != nil || ctype != "application/pdf" || !strings.HasPrefix(string(body), "%PDF") {
			t.Fatalf("download: %q %v", ctype, err)
		}
		if _, _, err := clientAs(srv, bob).DownloadCaseFile(ctx, c.ID, m[0].FileID); !client.IsCode(err, "not_found") {
			t.Fatalf("download by another applicant: %v", err)
		}
		byNo, err := clerk.CaseByNo(ctx, c.No)
		if err != nil || byNo.ID != c.ID {
			t.Fatalf("by number: %v", err)
		}
		if !slices.Contains(f.topics(c.ID), TopicConcluded) {
			t.Error("no case.concluded")
		}
	})
}

// TestBadUploadsThroughTheAPI: an upload that is too big, of a forbidden type or a zip bomb is
// refused with the field and the reason.
func TestBadUploadsThroughTheAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		srv, _ := apiServer(t, f)
		ctx := context.Background()
		app := clientAs(srv, alice)
		c, err := app.OpenCase(ctx, client.OpenCaseInput{ItemID: f.licence.ID,
			Applicant: &client.CaseApplicantInput{Type: "person", Name: aliceName, IDNumber: aliceID, Mobile: "13800138000"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []struct {
			name string
			body []byte
		}{
			{"virus.exe", append([]byte("MZ"), make([]byte, 100)...)},
			{"page.pdf", []byte("<html>not a pdf</html>")},
			{"big.pdf", append(pdf(1), make([]byte, 21<<20)...)},
		} {
			_, err := app.UploadCaseFile(ctx, c.ID, "application", bad.name, bad.body, false)
			e, ok := err.(*client.Error)
			if !ok || e.Code != "invalid" || (e.Field != "file" && e.Status != http.StatusRequestEntityTooLarge) {
				t.Errorf("%s: %v", bad.name, err)
			}
		}
		// A bad ID number is refused with the field.
		_, err = app.OpenCase(ctx, client.OpenCaseInput{ItemID: f.licence.ID,
			Applicant: &client.CaseApplicantInput{Type: "person", Name: aliceName, IDNumber: "110105194912310021", Mobile: "13800138000"}})
		if e, ok := err.(*client.Error); !ok || e.Field != "applicant.id_number" {
			t.Errorf("bad ID number: %v", err)
		}
		_, err = app.OpenCase(ctx, client.OpenCaseInput{ItemID: f.licence.ID,
			Applicant: &client.CaseApplicantInput{Type: "org", Name: "某某公司", IDNumber: "91350100M00010", Mobile: "13800138000"}})
		if e, ok := err.(*client.Error); !ok || e.Field != "applicant.id_number" {
			t.Errorf("bad credit code: %v", err)
		}
	})
}
