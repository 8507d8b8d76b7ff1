package cases

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"onestamp/internal/platform/db/dbtest"
	"onestamp/internal/platform/workday"
)

func TestProbeGeneric(t *testing.T) {
	if os.Getenv("PROBE") == "" {
		t.Skip()
	}
	d := dbtest.Postgres(t)
	f := newFixture(t, d)
	today := workday.MustDate("2025-11-14")
	f.clock.on(today.String())
	bulkLoad(t, d, f.svc, 300000, today)
	ctx := context.Background()
	for i, qc := range queueCases() {
		if !strings.Contains(qc.name, "clerk_unit") && !strings.Contains(qc.name, "by_item") && !strings.Contains(qc.name, "by_window") {
			continue
		}
		a, _ := f.svc.actorOf(as(qc.v))
		q := qc.q
		sq, _, _ := f.svc.queueSQL(a, &q)
		text, args := queueText(sq, 51)
		conn, _ := d.Read.Conn(ctx)
		conn.ExecContext(ctx, "SET plan_cache_mode = force_generic_plan")
		types := make([]string, len(args))
		vals := make([]string, len(args))
		for k, a := range args {
			switch v := a.(type) {
			case int:
				types[k], vals[k] = "integer", fmt.Sprint(v)
			default:
				types[k], vals[k] = "text", "'"+fmt.Sprint(v)+"'"
			}
		}
		_ = regexp.MustCompile
		name := fmt.Sprintf("p%d", i)
		if _, err := conn.ExecContext(ctx, "PREPARE "+name+" ("+strings.Join(types, ",")+") AS "+text); err != nil {
			t.Fatal(err)
		}
		rows, err := conn.QueryContext(ctx, "EXPLAIN ANALYZE EXECUTE "+name+"("+strings.Join(vals, ",")+")")
		if err != nil {
			t.Fatal(err)
		}
		t.Log(qc.name)
		for rows.Next() {
			var l string
			rows.Scan(&l)
			t.Log(l)
		}
		rows.Close()
		conn.Close()
	}
}
