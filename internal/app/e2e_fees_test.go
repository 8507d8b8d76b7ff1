package app_test

import (
	"context"
	"errors"
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
		as := staffClients(t, a, nil)
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
		c := receiveWalkIn(t, clerk, itemID, form)
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
		_, err := as("signer").ConcludeCase(ctx, c.ID, c.Version, "")
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
