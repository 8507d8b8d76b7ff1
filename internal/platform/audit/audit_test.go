package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"onestamp/internal/platform/db"
	"onestamp/internal/platform/db/dbtest"
)

func appendOne(t testing.TB, l *Log, d *db.DB, r Record) {
	t.Helper()
	if err := d.Tx(context.Background(), func(tx *sql.Tx) error { return l.Append(context.Background(), tx, r) }); err != nil {
		t.Fatal(err)
	}
}

func seed(t *testing.T, l *Log, d *db.DB, n int) {
	t.Helper()
	for i := 1; i <= n; i++ {
		appendOne(t, l, d, Record{Actor: "u1", ActorName: "张三", Role: "clerk", Action: "case.accept",
			Subject: fmt.Sprintf("case:%d", i), Detail: map[string]any{"n": i, "note": "<ok>"}, IP: "10.0.0.1"})
	}
}

func mustVerify(t *testing.T, l *Log, chain string) Report {
	t.Helper()
	r, err := l.Verify(context.Background(), chain)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestConcurrentAppends(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		l := New(d)
		const workers, each = 50, 20
		var wg sync.WaitGroup
		errc := make(chan error, workers)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					err := d.Tx(ctx, func(tx *sql.Tx) error {
						return l.Append(ctx, tx, Record{Actor: fmt.Sprintf("u%d", w), Action: "test.append",
							Subject: fmt.Sprintf("w%d:%d", w, i)})
					})
					if err != nil {
						errc <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			t.Fatal(err)
		}
		r := mustVerify(t, l, "")
		if !r.OK || r.Records != workers*each || r.LastSeq != workers*each {
			t.Fatalf("report %+v, broken %v", r, r.Broken)
		}
		var n, maxSeq int64
		if err := d.Read.QueryRow("SELECT COUNT(*), MAX(seq) FROM audit_records").Scan(&n, &maxSeq); err != nil {
			t.Fatal(err)
		}
		if n != workers*each || maxSeq != workers*each {
			t.Fatalf("%d records, max seq %d", n, maxSeq)
		}
	})
}

func TestVerifyDetectsTampering(t *testing.T) {
	cases := []struct {
		name    string
		tamper  string
		wantSeq int64
		want    BreakKind
	}{
		{"field updated", "UPDATE audit_records SET actor = 'u2' WHERE seq = 7", 7, Altered},
		{"detail updated", `UPDATE audit_records SET detail = '{"n":4,"note":"<changed>"}' WHERE seq = 4`, 4, Altered},
		{"time updated", "UPDATE audit_records SET at = at + 1 WHERE seq = 9", 9, Altered},
		{"hash updated", "UPDATE audit_records SET hash = prev_hash WHERE seq = 3", 3, Altered},
		{"prev_hash updated", "UPDATE audit_records SET prev_hash = hash WHERE seq = 6", 6, Relinked},
		{"record deleted", "DELETE FROM audit_records WHERE seq = 5", 5, Missing},
		{"first deleted", "DELETE FROM audit_records WHERE seq = 1", 1, Missing},
		{"tail deleted", "DELETE FROM audit_records WHERE seq >= 9", 9, Missing},
		{"head rewound", "UPDATE audit_chains SET last_seq = 8 WHERE 1 = 1", 9, HeadMismatch},
		{"head hash changed", "UPDATE audit_chains SET last_hash = 'x' WHERE 1 = 1", 10, HeadMismatch},
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				ctx := context.Background()
				l := New(d)
				chain := "t" + db.NewID()
				for i := 1; i <= 10; i++ {
					appendOne(t, l, d, Record{Chain: chain, Actor: "u1", Action: "case.accept",
						Detail: map[string]any{"n": i, "note": "<ok>"}})
				}
				if r := mustVerify(t, l, chain); !r.OK {
					t.Fatalf("fresh chain broken: %v", r.Broken)
				}
				if _, err := d.Write().ExecContext(ctx, c.tamper+" AND chain = $1", chain); err != nil {
					t.Fatal(err)
				}
				r := mustVerify(t, l, chain)
				if r.OK || r.Broken == nil || r.Broken.Seq != c.wantSeq || r.Broken.Kind != c.want {
					t.Fatalf("report %+v broken %+v, want %s at #%d", r, r.Broken, c.want, c.wantSeq)
				}
				all, err := l.VerifyAll(ctx)
				if err != nil {
					t.Fatal(err)
				}
				found := false
				for _, a := range all {
					if a.Chain == chain {
						found = true
						if a.OK || a.Broken.Seq != c.wantSeq {
							t.Errorf("VerifyAll: %+v", a)
						}
					}
				}
				if !found {
					t.Error("VerifyAll skipped the chain")
				}
			})
		}
	})
}

func TestRollbackLeavesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		l := New(d)
		seed(t, l, d, 2)
		boom := errors.New("boom")
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			if err := l.Append(ctx, tx, Record{Action: "case.refuse", Subject: "case:x"}); err != nil {
				return err
			}
			if err := l.Append(ctx, tx, Record{Chain: "other", Action: "case.refuse"}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		var n int
		d.Read.QueryRow("SELECT COUNT(*) FROM audit_records WHERE action = 'case.refuse'").Scan(&n)
		if n != 0 {
			t.Fatalf("%d records survived the rollback", n)
		}
		d.Read.QueryRow("SELECT COUNT(*) FROM audit_chains WHERE chain = 'other'").Scan(&n)
		if n != 0 {
			t.Fatal("a chain head survived the rollback")
		}
		seed(t, l, d, 1)
		r := mustVerify(t, l, "main")
		if !r.OK || r.LastSeq != 3 {
			t.Fatalf("after rollback: %+v %v", r, r.Broken)
		}
	})
}

func TestAppendFieldsAndList(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		l := New(d)
		base := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		for i := range 30 {
			actor, action := "u1", "case.accept"
			if i%3 == 0 {
				actor, action = "u2", "auth.login"
			}
			appendOne(t, l, d, Record{Actor: actor, ActorName: "李四", Role: "clerk", Action: action,
				Subject: fmt.Sprintf("case:%d", i%5), Detail: map[string]any{"i": i, "z": map[string]any{"b": 1, "a": "<&>"}},
				IP: "192.0.2.1", RequestID: fmt.Sprintf("r%d", i), At: base.Add(time.Duration(i/2) * time.Minute)})
		}
		if err := d.Tx(ctx, func(tx *sql.Tx) error { return l.Append(ctx, tx, Record{}) }); err == nil {
			t.Fatal("record without action accepted")
		}

		// Every page is newest first, pages do not overlap, and together they hold everything.
		seen := map[string]bool{}
		var prev *Entry
		cur := ""
		pages := 0
		for {
			p, err := l.List(ctx, Filter{Limit: 7, Cursor: cur})
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for i := range p.Entries {
				e := p.Entries[i]
				if seen[e.ID] {
					t.Fatalf("record %s on two pages", e.ID)
				}
				seen[e.ID] = true
				if prev != nil && (e.At.After(prev.At) || (e.At.Equal(prev.At) && e.ID > prev.ID)) {
					t.Fatal("not newest first")
				}
				prev = &e
			}
			if p.Next == "" {
				break
			}
			cur = p.Next
		}
		if len(seen) != 30 || pages != 5 {
			t.Fatalf("%d records over %d pages", len(seen), pages)
		}

		p, err := l.List(ctx, Filter{Actor: "u2"})
		if err != nil || len(p.Entries) != 10 {
			t.Fatalf("by actor: %d, %v", len(p.Entries), err)
		}
		e := p.Entries[0]
		if e.Action != "auth.login" || e.ActorName != "李四" || e.Role != "clerk" || e.IP != "192.0.2.1" ||
			e.Chain != "main" || e.Hash == "" || e.Seq == 0 || e.RequestID == "" {
			t.Fatalf("entry %+v", e)
		}
		z, _ := e.Detail["z"].(map[string]any)
		if z["a"] != "<&>" {
			t.Fatalf("detail %v", e.Detail)
		}
		if p, _ := l.List(ctx, Filter{Action: "auth."}); len(p.Entries) != 10 {
			t.Fatalf("by action prefix: %d", len(p.Entries))
		}
		if p, _ := l.List(ctx, Filter{Action: "auth"}); len(p.Entries) != 0 {
			t.Fatalf("exact action matched a prefix: %d", len(p.Entries))
		}
		if p, _ := l.List(ctx, Filter{Subject: "case:0", Action: "case.accept"}); len(p.Entries) != 4 {
			t.Fatalf("by subject and action: %d", len(p.Entries))
		}
		if p, _ := l.List(ctx, Filter{From: base.Add(2 * time.Minute), To: base.Add(4 * time.Minute)}); len(p.Entries) != 4 {
			t.Fatalf("by time: %d", len(p.Entries))
		}
		if _, err := l.List(ctx, Filter{Cursor: "junk"}); err == nil {
			t.Fatal("bad cursor accepted")
		}

		// The stored detail is canonical: sorted keys, no HTML escaping.
		var detail string
		d.Read.QueryRow("SELECT detail FROM audit_records WHERE seq = 1").Scan(&detail)
		if detail != `{"i":0,"z":{"a":"<&>","b":1}}` {
			t.Fatalf("detail stored as %s", detail)
		}
	})
}

func BenchmarkAppend(b *testing.B) {
	engines := map[string]func(testing.TB) *db.DB{"sqlite": dbtest.SQLite, "postgres": dbtest.Postgres}
	for _, name := range []string{"sqlite", "postgres"} {
		for _, mode := range []string{"serial", "parallel", "parallel-sharded"} {
			b.Run(name+"/"+mode, func(b *testing.B) {
				d := engines[name](b)
				l := New(d)
				ctx := context.Background()
				r := Record{Actor: "u1", ActorName: "张三", Role: "clerk", Action: "case.accept",
					Subject: "case:0195f3a2", Detail: map[string]any{"from": "submitted", "to": "accepted"},
					IP: "10.0.0.1", RequestID: "req"}
				var n atomic.Int64
				do := func() {
					r := r
					if mode == "parallel-sharded" {
						r.Chain = ShardChain("case", strconv.FormatInt(n.Add(1), 10), 16)
					}
					if err := d.Tx(ctx, func(tx *sql.Tx) error { return l.Append(ctx, tx, r) }); err != nil {
						b.Fatal(err)
					}
				}
				start := time.Now()
				if mode == "serial" {
					for b.Loop() {
						do()
					}
				} else {
					b.SetParallelism(8)
					b.ResetTimer()
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							do()
						}
					})
				}
				b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "appends/s")
			})
		}
	}
}

func TestShardChainKeepsASubjectOnOneChain(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 200; i++ {
		k := strconv.Itoa(i)
		c := ShardChain("case", k, 16)
		if c != ShardChain("case", k, 16) {
			t.Fatal("not deterministic")
		}
		seen[c] = true
	}
	if len(seen) < 12 {
		t.Fatalf("200 keys landed on only %d of 16 shards", len(seen))
	}
	if ShardChain("case", "x", 1) != "case" {
		t.Fatal("n=1 must keep the plain chain")
	}
}

// The one-pass encoding of plain details must be byte for byte the round trip's: the hash of a
// record covers its detail text, and both paths write records of the same chains.
func TestCanonicalJSONFastPathMatchesRoundTrip(t *testing.T) {
	details := []map[string]any{
		{"no": "369900251103000036", "from": 40, "to": 41, "version": int64(7), "reason": "退回重审 <补正> & \"说明\""},
		{"data": map[string]any{"to_step": 0, "from_step": 1, "outcome": "agree", "nested": []any{1.5, "x", nil, true, 1e21}}},
		{"z": map[string]string{"b": "2", "a": "1"}, "a": []string{"</script>", "\u2028"}},
		{"big": uint64(1 << 63), "neg": -3, "small": 0.000001, "k\"ey": "v\\al\n"},
	}
	for _, d := range details {
		if !plainJSON(d) {
			t.Fatalf("not plain: %v", d)
		}
		fast, err := canonicalJSON(d)
		if err != nil {
			t.Fatal(err)
		}
		slow, err := roundTripJSON(d)
		if err != nil {
			t.Fatal(err)
		}
		if fast != slow {
			t.Errorf("one pass %s\nround trip %s", fast, slow)
		}
	}
	if plainJSON(map[string]any{"bad": "\xff"}) {
		t.Error("invalid UTF-8 is not plain: the two paths write it differently")
	}
	type docRef struct{ Kind, ID string }
	if plainJSON(map[string]any{"docs": []docRef{{"acceptance", "1"}}}) {
		t.Error("a struct is not plain: its field order would differ from the round trip's sorted keys")
	}
}

// A head read at the start of a transaction carries the appends that follow; one not read (its
// condition false, or a chain not yet begun) leaves the append to read it; the chain verifies.
func TestAppendWithAHeadReadEarlier(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		l := New(d)
		head := func(tx *sql.Tx, chain, when string) *Head {
			rows, err := db.QueryBatch(ctx, tx, l.HeadQuery(chain, when))
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			h, err := ScanHead(rows, chain)
			if err != nil {
				t.Fatal(err)
			}
			return h
		}
		for i, when := range []string{"", "", "1 = 0", ""} {
			err := d.Tx(ctx, func(tx *sql.Tx) error {
				h := head(tx, "early", when)
				if (h == nil) != (i == 0 || when != "") {
					t.Errorf("round %d (%q): head %+v", i, when, h)
				}
				for n := range 2 {
					if err := l.Append(ctx, tx, Record{Chain: "early", Action: "test.append", Subject: fmt.Sprintf("r%d-%d", i, n), Head: h}); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		rep, err := l.Verify(ctx, "early")
		if err != nil || !rep.OK || rep.Records != 8 {
			t.Fatalf("verify: %+v %v", rep, err)
		}
	})
}
