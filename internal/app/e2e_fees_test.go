package app_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"onestamp/client"
	"onestamp/internal/app/apptest"
)

// TestE2ECaseFees takes a walk-in application for a charged item of the demo catalogue
// (抵押权登记, 不动产登记费 80 元, due before the conclusion) through the public client: the
// approval cannot be concluded until the window records the payment, and the payment must be
// the amount due.
func TestE2ECaseFees(t *testing.T) {
	engines(t, func(t *testing.T, o apptest.Options) {
		clk := &fixedClock{}
		clk.on(t, "2025-11-03")
		o.Now = clk.Now
		a := apptest.Start(t, o)
		ctx := context.Background()
		staff := map[string]*client.Client{}
		as := func(role string) *client.Client {
			t.Helper()
			if c := staff[role]; c != nil {
				return c
			}
			c := a.Client()
			if _, err := c.Login(ctx, role, apptest.DemoPassword); err != nil {
				t.Fatalf("login %s: %v", role, err)
			}
			if role != "clerk" {
				if _, err := c.SwitchRole(ctx, role); err != nil {
					t.Fatalf("%s takes the role: %v", role, err)
				}
			}
			staff[role] = c
			return c
		}
		ok := func(c *client.Case, err error) *client.Case {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		refused := func(err error, status int, text string) {
			t.Helper()
			var e *client.Error
			if !errors.As(err, &e) || e.Status != status || !strings.Contains(e.Message, text) {
				t.Fatalf("got %v, want %d %q", err, status, text)
			}
		}
		clerk := as("clerk")
		itemID, form, _ := itemForm(t, clerk, "抵押权登记")
		c := ok(clerk.OpenCase(ctx, client.OpenCaseInput{ItemID: itemID, Form: form, Applicant: &client.CaseApplicantInput{
			Type: "person", Name: demoApplicantName, IDNumber: demoApplicantID, Mobile: "139" + fmt.Sprintf("%08d", rand.IntN(1e8))}}))
		mats, err := clerk.CaseMaterials(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		scan := []byte("%PDF-1.4\n% scan\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n")
		for _, m := range mats {
			switch {
			case !m.Required:
			case m.CertType != "":
				_, err = clerk.SatisfyCaseMaterial(ctx, c.ID, m.Code, "DZZZ-"+demoApplicantID)
			default:
				_, err = clerk.UploadCaseFile(ctx, c.ID, m.Code, m.Code+".pdf", scan, true)
			}
			if err != nil {
				t.Fatalf("material %s (%s): %v", m.Code, m.CertType, err)
			}
		}
		c = ok(clerk.Case(ctx, c.ID))
		c = ok(clerk.ReceiveCase(ctx, c.ID, c.Version, ""))
		if c.Fee == nil || c.Fee.DueFen != 8000 || c.Fee.Timing != "before_conclude" || c.Fee.Owed {
			t.Fatalf("received case fee %+v", c.Fee)
		}
		c = ok(clerk.AcceptCase(ctx, c.ID, c.Version, ""))
		for i := 0; c.StateName == "in_review" || c.StateName == "accepted"; i++ {
			if i > 8 {
				t.Fatalf("still in review after %d steps: %+v", i, c.Todo)
			}
			next, err := as(string(c.Todo.Role)).AdvanceCase(ctx, c.ID, c.Version, "", "agree", "同意")
			if err != nil {
				// The decision step: the signer decides.
				next, err = as("signer").DecideCase(ctx, c.ID, c.Version, client.CaseDecideInput{Outcome: "approve", Opinion: "准予登记"})
			}
			c = ok(next, err)
		}
		if c.StateName != "approved" || c.Fee == nil || !c.Fee.Owed {
			t.Fatalf("decided case: %s, fee %+v", c.StateName, c.Fee)
		}
		_, err = as("signer").ConcludeCase(ctx, c.ID, c.Version, "")
		refused(err, 409, "80.00")
		_, err = as("reviewer").PayCaseFee(ctx, c.ID, c.Version, 8000, "FS20251103001")
		refused(err, 403, "")
		_, err = clerk.PayCaseFee(ctx, c.ID, c.Version, 800, "FS20251103001")
		refused(err, 400, "80.00")
		c = ok(clerk.PayCaseFee(ctx, c.ID, c.Version, 8000, "FS20251103001"))
		if c.Fee.PaidFen != 8000 || c.Fee.Owed || c.Fee.Receipt != "FS20251103001" {
			t.Fatalf("after payment %+v", c.Fee)
		}
		c = ok(as("signer").ConcludeCase(ctx, c.ID, c.Version, ""))
		if c.StateName != "concluded" {
			t.Fatalf("concluded case is %s", c.StateName)
		}
	})
}
