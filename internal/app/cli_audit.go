package app

import (
	"context"
	"fmt"
	"io"

	"onestamp/internal/platform/audit"
	"onestamp/internal/platform/config"
)

// auditVerifyCommand walks every audit chain and reports the first broken link of each.
func auditVerifyCommand(ctx context.Context, cfg config.Config, stdout, stderr io.Writer) int {
	d, err := openDB(ctx, cfg, false)
	if err != nil {
		fmt.Fprintln(stderr, "onestamp audit verify:", err)
		return 1
	}
	defer d.Close()
	reports, err := audit.New(d).VerifyAll(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "onestamp audit verify:", err)
		return 1
	}
	broken := false
	for _, r := range reports {
		if r.OK {
			fmt.Fprintf(stdout, "chain %s: %d records, intact (last seq %d)\n", r.Chain, r.Records, r.LastSeq)
			continue
		}
		broken = true
		fmt.Fprintf(stdout, "chain %s: BROKEN at seq %d (%s): %s\n", r.Chain, r.Broken.Seq, r.Broken.Kind, r.Broken.Detail)
	}
	if len(reports) == 0 {
		fmt.Fprintln(stdout, "no audit records yet")
	}
	if broken {
		return 1
	}
	return 0
}
