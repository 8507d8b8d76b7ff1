package app_test

import (
	"testing"

	"onestamp/internal/app/apptest"
)

// The demo year's newest approvals carry the certificates their items issue, each on a case the
// bureau approved and concluded, so the certificate pages have something to show.
func TestDemoIssuesCertificates(t *testing.T) {
	engines(t, func(t *testing.T, o apptest.Options) {
		a := apptest.Start(t, o)
		var certs, onApproved int
		if err := a.Main.DB.Read.QueryRow(`SELECT COUNT(*) FROM certs WHERE case_id IS NOT NULL AND case_id <> ''`).Scan(&certs); err != nil {
			t.Fatal(err)
		}
		if err := a.Main.DB.Read.QueryRow(`SELECT COUNT(*) FROM certs c JOIN cases k ON k.id = c.case_id
			WHERE k.state IN (90, 92) AND k.decision LIKE '%"outcome":"approve"%'`).Scan(&onApproved); err != nil {
			t.Fatal(err)
		}
		if certs == 0 || onApproved != certs {
			t.Fatalf("%d demo certificates, %d of them on approved, concluded cases", certs, onApproved)
		}
	})
}
