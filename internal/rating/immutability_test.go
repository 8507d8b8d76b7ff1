package rating

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"mime/multipart"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/db/dbtest"
)

// snapshot returns every column of every row of the tables that hold what citizens said and
// what was decided about it, as text keyed by table and id.
func snapshot(t testing.TB, d *db.DB) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, q := range []struct{ table, key string }{
		{"ratings", "id"}, {"rating_appeals", "id"}, {"rating_appeal_decisions", "appeal_id"},
	} {
		rows, err := d.Read.Query("SELECT * FROM " + q.table + " ORDER BY " + q.key)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for i, v := range vals {
				if bs, ok := v.([]byte); ok {
					v = string(bs)
				}
				fmt.Fprintf(&b, "%s=%v;", cols[i], v)
			}
			out[q.table+":"+fmt.Sprint(vals[0])] = b.String()
		}
		rows.Close()
	}
	return out
}

// unchanged fails when a row of before is gone or different in after (new rows are fine).
func unchanged(t testing.TB, before, after map[string]string, what string) {
	t.Helper()
	for k, v := range before {
		if a, ok := after[k]; !ok {
			t.Fatalf("%s deleted %s", what, k)
		} else if a != v {
			t.Fatalf("%s changed %s\n before %s\n after  %s", what, k, v, a)
		}
	}
}

// TestNothingChangesOrDeletesARating walks every route of the domain with every method, as
// every kind of person, with bodies that try to change a rating, and then every method of the
// store with arguments naming the ratings; no stored rating, appeal or decision changes or
// disappears.
func TestNothingChangesOrDeletesARating(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, Options{})
		st := newSite(t, e)
		ctx := context.Background()
		yesterday := e.clock.Now().Add(-24 * time.Hour)
		c1 := e.concluded(yesterday)
		good1, err := e.s.Submit(applicantCtx(), c1.ID, ChannelWeb, good())
		if err != nil {
			t.Fatal(err)
		}
		c2 := e.concluded(yesterday)
		c2.ApplicantIDNo, c2.ApplicantMobile = "110101198001010012", "13900139000"
		e.cases.put(c2)
		link, _ := e.s.LinkURL(ctx, c2.ID, "")
		bad1, err := e.s.SubmitLink(ctx, tokenOf(link), bad())
		if err != nil {
			t.Fatal(err)
		}
		chief := staffCtx("chief-a", auth.Chief, unitA, countyA)
		ap, err := e.s.FileAppeal(chief, bad1.ID, AppealInput{Grounds: GroundsMalicious, Reason: "评价与事实不符，附录音",
			Evidence: []Upload{{Name: "录音说明.pdf", Content: pdfBytes}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.DecideAppeal(citySupervisor(), ap.ID, DecisionInput{Outcome: OutcomeUpheld, Reason: "属恶意评价"}); err != nil {
			t.Fatal(err)
		}
		e.drain()
		before := snapshot(t, d)
		if len(before) != 4 {
			t.Fatalf("snapshot has %d rows", len(before))
		}

		// No route of the domain uses a method that edits or deletes.
		for _, rt := range st.mux.Routes() {
			if rt.Method == "PUT" || rt.Method == "PATCH" || rt.Method == "DELETE" || rt.Method == "" {
				t.Errorf("route %s could edit or delete", rt.Pattern)
			}
		}

		viewers := []context.Context{nil, applicantCtx(),
			staffCtx(clerkA, auth.Clerk, unitA, countyA), chief, staffCtx("head-a", auth.Head, unitA, countyA),
			citySupervisor(auth.PermUnmask), staffCtx("leader", auth.Leader, "unit-gov", cityCode, auth.PermUnmask),
			staffCtx("admin", auth.Admin, "unit-gov", cityCode), staffCtx("reviewer", auth.Reviewer, unitA, countyA),
			tokenCtx(hallA, countyA, ScopePad), tokenCtx("unit-12345", cityCode, ScopeImport)}
		ids := map[string][]string{"id": {good1.ID, bad1.ID, ap.ID}, "token": {tokenOf(link)}, "window": {windowA1},
			"sha": {ap.Evidence[0].SHA256}}
		// Bodies that try to rewrite a rating in every shape the handlers read.
		tamper := map[string]any{"id": bad1.ID, "rating_id": bad1.ID, "level": 5, "reasons": []string{"G01"},
			"comment": "改好评", "excluded": false, "case_id": c2.ID, "case_no": c2.No, "token": tokenOf(link),
			"outcome": "rejected", "reason": "撤销", "grounds": "mistaken", "mobile": c2.ApplicantMobile,
			"window_id": windowA1, "channel": "web"}
		jsonBody, _ := jsonMarshal(tamper)
		form := strings.NewReplacer().Replace(fmt.Sprintf("id=%s&rating_id=%s&level=5&reasons=G01&comment=x&outcome=rejected&reason=x&case_no=%s&mobile=%s",
			bad1.ID, bad1.ID, c2.No, c2.ApplicantMobile))
		calls := 0
		for _, rt := range st.mux.Routes() {
			for _, path := range expand(rt.Path, ids) {
				for _, method := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
					for _, v := range viewers {
						for _, body := range []struct {
							b     []byte
							ctype string
						}{{jsonBody, "application/json"}, {[]byte(form), "application/x-www-form-urlencoded"}, multipartBody(bad1.ID)} {
							st.do(v, method, path+"?level=5&id="+bad1.ID, bytes.NewReader(body.b), body.ctype)
							calls++
						}
					}
				}
			}
		}
		after := snapshot(t, d)
		unchanged(t, before, after, "a route")
		t.Logf("%d requests to %d routes changed no rating", calls, len(st.mux.Routes()))

		// Every store method, with arguments naming the stored ratings.
		storeCalls := walkStore(t, e, []string{good1.ID, bad1.ID, ap.ID, c1.ID})
		unchanged(t, before, snapshot(t, d), "a store method")
		t.Logf("%d store calls changed no rating", storeCalls)
	})
}

var pdfBytes = []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

func jsonMarshal(v any) ([]byte, error) { return jsonEncode(v) }

func multipartBody(id string) struct {
	b     []byte
	ctype string
} {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("grounds", "mistaken")
	w.WriteField("reason", "请撤销这条差评 "+id)
	w.WriteField("level", "5")
	fw, _ := w.CreateFormFile("evidence", "x.pdf")
	fw.Write(pdfBytes)
	w.Close()
	return struct {
		b     []byte
		ctype string
	}{buf.Bytes(), w.FormDataContentType()}
}

var wildcard = regexp.MustCompile(`\{([a-z_]+)(\.\.\.)?\}`)

// expand fills the path's wildcards with every known id of that name.
func expand(p string, ids map[string][]string) []string {
	out := []string{p}
	for _, m := range wildcard.FindAllStringSubmatch(p, -1) {
		vals := ids[m[1]]
		if len(vals) == 0 {
			vals = []string{"x"}
		}
		var next []string
		for _, o := range out {
			for _, v := range vals {
				next = append(next, strings.Replace(o, m[0], v, 1))
			}
		}
		out = next
	}
	return out
}

// walkStore calls every method of the store (the list is checked against the source, so a new
// method cannot be left out) with arguments naming the stored ratings, each in a transaction
// that commits.
func walkStore(t *testing.T, e *env, ids []string) int {
	ctx := context.Background()
	st := e.s.st
	sc := auth.SystemScope()
	now := time.Now().UnixMilli()
	calls := map[string]func(q db.Q, id string){
		"insertRatings": func(q db.Q, id string) {
			r := row{ID: id, CaseID: id, Level: VerySatisfied, Stage: StageCase, EvaluatorKey: "x", RatedOn: "2026-03-10"}
			st.insertRatings(ctx, q, []*row{&r})
		},
		"rating":        func(q db.Q, id string) { st.rating(ctx, q, sc, id) },
		"list":          func(q db.Q, id string) { st.list(ctx, q, sc, Filter{CaseNo: id}) },
		"eachRating":    func(q db.Q, id string) { st.eachRating(ctx, q, sc, Filter{}, func(*detail) error { return nil }) },
		"ratingsByID":   func(q db.Q, id string) { st.ratingsByID(ctx, q, []string{id}) },
		"rated":         func(q db.Q, id string) { st.rated(ctx, q, id, id) },
		"insertCase":    func(q db.Q, id string) { st.insertCase(ctx, q, caseRow{caseDims: caseDims{CaseID: id}}) },
		"ratingCase":    func(q db.Q, id string) { st.ratingCase(ctx, q, id) },
		"hasActive":     func(q db.Q, id string) { st.hasActive(ctx, q, id) },
		"caseIDs":       func(q db.Q, id string) { st.caseIDs(ctx, q) },
		"valuesList":    func(q db.Q, id string) { st.valuesList(2, 3, 0) },
		"casesByMobile": func(q db.Q, id string) { st.casesByMobile(ctx, q, id, id, "2000-01-01") },
		"markRated":     func(q db.Q, id string) { st.markRated(ctx, q, []string{id}, now) },
		"dueCases": func(q db.Q, id string) {
			st.dueCases(ctx, q, true, "2099-01-01", 10)
			st.dueCases(ctx, q, false, "2099-01-01", 10)
		},
		"markReminded":  func(q db.Q, id string) { st.markReminded(ctx, q, id, now) },
		"markInvited":   func(q db.Q, id string) { st.markInvited(ctx, q, id, now) },
		"markDefaulted": func(q db.Q, id string) { st.markDefaulted(ctx, q, id, now) },
		"followup":      func(q db.Q, id string) { st.followup(ctx, q, id) },
		"putFollowup": func(q db.Q, id string) {
			st.putFollowup(ctx, q, followupRow{RatingID: id, Closed: true, Version: 99}, now)
		},
		"insertAppeal": func(q db.Q, id string) { st.insertAppeal(ctx, q, Appeal{ID: id, RatingID: id}, countyA) },
		"insertDecision": func(q db.Q, id string) {
			st.insertDecision(ctx, q, id, id, Decision{Outcome: OutcomeRejected}, "2026-03-10")
		},
		"appealRating":       func(q db.Q, id string) { st.appealRating(ctx, q, sc, id) },
		"secret":             func(q db.Q, id string) { st.secret(ctx, q, id) },
		"insertSecret":       func(q db.Q, id string) { st.insertSecret(ctx, q, id, id, now) },
		"applyRollups":       func(q db.Q, id string) { st.applyRollups(ctx, q, rollupDeltas{}) },
		"clearRollups":       func(q db.Q, id string) { st.clearRollups(ctx, q) },
		"allRollups":         func(q db.Q, id string) { st.allRollups(ctx, q) },
		"eachCountedRating":  func(q db.Q, id string) { st.eachCountedRating(ctx, q, func(*row, *followupRow) {}) },
		"eachExcludedRating": func(q db.Q, id string) { st.eachExcludedRating(ctx, q, func(*row) {}) },
		"eachCase":           func(q db.Q, id string) { st.eachCase(ctx, q, func(caseDims, bool) {}) },
		"stats":              func(q db.Q, id string) { st.stats(ctx, q, sc, DimWindow, []string{"2026-03"}) },
		"statsByPeriod":      func(q db.Q, id string) { st.statsByPeriod(ctx, q, sc, []string{"2026-03-10"}) },
		"openFollowups":      func(q db.Q, id string) { st.openFollowups(ctx, q, sc) },
		"badLines":           func(q db.Q, id string) { st.badLines(ctx, q, sc, "2026-01-01", "2026-12-31") },
	}
	for _, m := range storeMethods(t) {
		if calls[m] == nil {
			t.Errorf("store method %s is not walked: add it to walkStore", m)
		}
	}
	n := 0
	for _, id := range ids {
		for _, call := range calls {
			// Each call in its own transaction, so that a failing statement on PostgreSQL does not
			// abort the others.
			e.d.Tx(ctx, func(tx *sql.Tx) error { call(tx, id); return nil })
			n++
		}
	}
	return n
}

// storeMethods lists the methods of store declared in the package's source.
func storeMethods(t *testing.T) []string {
	files, _ := filepath.Glob("*.go")
	var out []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(token.NewFileSet(), f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range af.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv == nil || len(fd.Recv.List) != 1 {
				continue
			}
			if id, ok := fd.Recv.List[0].Type.(*ast.Ident); ok && id.Name == "store" {
				out = append(out, fd.Name.Name)
			}
		}
	}
	if len(out) < 20 {
		t.Fatalf("found only %d store methods", len(out))
	}
	return out
}

// TestNoStatementEditsRatings reads the SQL of both domains: no statement updates, deletes or
// upserts into a table of ratings, appeals or decisions, and none alters, drops or truncates.
func TestNoStatementEditsRatings(t *testing.T) {
	bad := regexp.MustCompile(`(?is)(UPDATE\s+(ratings|rating_appeals|rating_appeal_decisions)\b|DELETE\s+FROM\s+(ratings|rating_appeals|rating_appeal_decisions)\b|INSERT\s+INTO\s+(ratings|rating_appeals|rating_appeal_decisions)\b[^;]*DO\s+UPDATE|\b(ALTER|DROP|TRUNCATE)\s+TABLE)`)
	for _, dir := range []string{".", "../rectify"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		n := 0
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			fs := token.NewFileSet()
			af, err := parser.ParseFile(fs, f, src, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(af, func(nd ast.Node) bool {
				lit, ok := nd.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				s, err := strconv.Unquote(lit.Value)
				if err != nil {
					return true
				}
				n++
				if m := bad.FindString(s); m != "" {
					t.Errorf("%s: %s", fs.Position(lit.Pos()), m)
				}
				return true
			})
		}
		if n < 20 {
			t.Fatalf("%s: only %d string literals read", dir, n)
		}
	}
}
