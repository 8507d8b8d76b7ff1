package app_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"

	"onestamp/client"
	"onestamp/internal/app/apptest"
)

// staffClients returns as(name): the demo account of that name signed in and, unless it is the
// clerk, acting in the role of that name; one client per account, safe for concurrent use.
// transport may be nil.
func staffClients(t testing.TB, a *apptest.App, transport http.RoundTripper) func(name string) *client.Client {
	ctx := context.Background()
	staff := map[string]*client.Client{}
	var mu sync.Mutex
	return func(name string) *client.Client {
		mu.Lock()
		defer mu.Unlock()
		if c := staff[name]; c != nil {
			return c
		}
		c := a.Client()
		if transport != nil {
			c.HTTP.Transport = transport
		}
		if _, err := c.Login(ctx, name, apptest.DemoPassword); err != nil {
			t.Fatalf("login %s: %v", name, err)
		}
		if name != "clerk" {
			if _, err := c.SwitchRole(ctx, name); err != nil {
				t.Fatalf("%s takes the role: %v", name, err)
			}
		}
		staff[name] = c
		return c
	}
}

// receiveWalkIn has the window clerk open a walk-in application of the demo applicant for the
// item, satisfy or scan every required material from checked originals, and receive it.
func receiveWalkIn(t testing.TB, clerk *client.Client, itemID string, form map[string]string) *client.Case {
	t.Helper()
	ctx := context.Background()
	c, err := clerk.OpenCase(ctx, client.OpenCaseInput{ItemID: itemID, Form: form, Applicant: &client.CaseApplicantInput{
		Type: "person", Name: demoApplicantName, IDNumber: demoApplicantID, Mobile: "139" + fmt.Sprintf("%08d", rand.IntN(1e8))}})
	if err != nil {
		t.Fatal(err)
	}
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
	if c, err = clerk.Case(ctx, c.ID); err == nil {
		c, err = clerk.ReceiveCase(ctx, c.ID, c.Version, "")
	}
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// acceptWalkIn is receiveWalkIn followed by the acceptance.
func acceptWalkIn(t testing.TB, clerk *client.Client, itemID string, form map[string]string) *client.Case {
	t.Helper()
	c := receiveWalkIn(t, clerk, itemID, form)
	c, err := clerk.AcceptCase(context.Background(), c.ID, c.Version, "")
	if err != nil {
		t.Fatal(err)
	}
	return c
}
