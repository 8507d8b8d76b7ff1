package cases

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"onestamp/internal/home"
	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/db/dbtest"
	"onestamp/internal/platform/web"
)

// site is the package's pages and API on a test server; a request names its viewer with the
// X-Test-Viewer header (the guard then takes it as signed in).
type site struct {
	*fixture
	srv     *httptest.Server
	viewers map[string]*auth.Viewer
}

var testViewers = map[string]*auth.Viewer{"clerkA": clerkA, "clerkB": clerkB, "reviewerA": reviewerA,
	"reviewerB": reviewerB, "chiefA": chiefA, "signerA": signerA, "headA": headA, "alice": alice, "bob": bob,
	"cityView": cityView, "policeRev": policeRev}

func newSite(t *testing.T, d *db.DB) *site {
	t.Helper()
	f := newFixture(t, d)
	for _, add := range []func() error{home.AddMessages, auth.AddMessages} {
		if err := add(); err != nil {
			t.Fatal(err)
		}
	}
	mux := web.NewMux()
	g := auth.NewGuard(mux, nil)
	if err := Register(g, f.svc); err != nil {
		t.Fatal(err)
	}
	f.svc.SetPageDeps(PageDeps{
		Items: func(_ context.Context, q string) ([]ItemChoice, error) {
			var out []ItemChoice
			for _, it := range []Item{f.licence, f.direct, f.instant, f.promise, f.citywide} {
				if q == "" || strings.Contains(it.Name, q) {
					out = append(out, ItemChoice{ID: it.ID, Code: it.Code, Name: it.Name, Kind: it.Kind, PromisedWD: it.PromisedWD})
				}
			}
			return out, nil
		},
		Windows: func(_ context.Context, hall string) ([]WindowChoice, error) {
			if hall == "hall-a" {
				return []WindowChoice{{ID: "A-03", Number: "3", Name: "综合受理"}, {ID: "A-04", Number: "4", Name: "综合受理"}}, nil
			}
			return nil, nil
		},
		Account: func(_ context.Context, idNumber string) string {
			if idNumber == aliceID {
				return alice.ID
			}
			return ""
		},
		UserName: func(_ context.Context, id string) string {
			for _, v := range testViewers {
				if v.ID == id {
					return v.Name
				}
			}
			return ""
		},
	})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if v, ok := testViewers[r.Header.Get("X-Test-Viewer")]; ok {
			r = r.WithContext(auth.WithViewer(r.Context(), v))
		}
		mux.ServeHTTP(w, r)
	})
	s := &site{fixture: f, srv: httptest.NewServer(h), viewers: testViewers}
	t.Cleanup(s.srv.Close)
	return s
}

// page is a response as a person gets it.
type page struct {
	status int
	loc    string
	body   string
}

// text is the page's visible text, roughly: tags removed, space collapsed.
func (p page) text() string {
	s := regexp.MustCompile(`(?s)<(script|style)[^>]*>.*?</(script|style)>`).ReplaceAllString(p.body, " ")
	s = regexp.MustCompile(`<[^>]+>`).ReplaceAllString(s, " ")
	for _, e := range [][2]string{{"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&#34;", `"`}, {"&#39;", "'"}} {
		s = strings.ReplaceAll(s, e[0], e[1])
	}
	return strings.Join(strings.Fields(s), " ")
}

func (s *site) do(who, method, path string, body io.Reader, ctype string) page {
	s.t.Helper()
	req, err := http.NewRequest(method, s.srv.URL+path, body)
	if err != nil {
		s.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("X-Test-Viewer", who)
	cl := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := cl.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return page{status: res.StatusCode, loc: res.Header.Get("Location"), body: string(b)}
}

func (s *site) get(who, path string) page { return s.do(who, "GET", path, nil, "") }

func (s *site) post(who, path string, form url.Values) page {
	return s.do(who, "POST", path, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
}

// multipart posts fields then files (name -> content), in that order.
func (s *site) multipart(who, path string, fields [][2]string, files [][2]string) page {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range fields {
		mw.WriteField(f[0], f[1])
	}
	for _, f := range files {
		w, _ := mw.CreateFormFile(f[0], strings.TrimPrefix(f[0], "file.")+".pdf")
		w.Write([]byte(f[1]))
	}
	mw.Close()
	return s.do(who, "POST", path, &buf, mw.FormDataContentType())
}

// follow gets the page a post redirected to.
func (s *site) follow(who string, p page) page {
	s.t.Helper()
	if p.status != http.StatusSeeOther {
		s.t.Fatalf("want a redirect, got %d: %s", p.status, p.text())
	}
	return s.get(who, p.loc)
}

func wantText(t *testing.T, p page, wants ...string) {
	t.Helper()
	txt := p.text()
	for _, w := range wants {
		if !strings.Contains(txt, w) {
			t.Errorf("page lacks %q:\n%s", w, txt)
		}
	}
}

var caseIDRE = regexp.MustCompile(`/staff/cases/([0-9a-f-]{36})`)

// TestPagesWindowFlow walks the window flow through the pages, as the people at the
// window and in the bureau would: intake, scans, receipt, acceptance, review, decision,
// conclusion, and the applicant finding it concluded with the decision to download.
func TestPagesWindowFlow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newSite(t, d)
		// The clerk finds the item and starts the case for the walk-in applicant.
		p := s.get("clerkA", StaffBase+"/intake?q="+url.QueryEscape("食品"))
		wantText(t, p, "食品经营许可")
		p = s.get("clerkA", StaffBase+"/intake?item="+s.licence.ID)
		wantText(t, p, "食品经营许可", "申请人", "名称", "3 综合受理")
		// A bad ID number is refused on its field and the form keeps what was typed.
		bad := [][2]string{{"item_id", s.licence.ID}, {"window_id", "A-03"}, {"applicant_type", "person"},
			{"applicant_name", aliceName}, {"applicant_id", "110105194912310021"}, {"applicant_mobile", "13800138000"},
			{"form.name", "小梅餐馆"}, {"form.address", "A县人民路1号"}}
		p = s.multipart("clerkA", StaffBase+"/intake", bad, nil)
		if p.status != http.StatusUnprocessableEntity {
			t.Fatalf("bad ID: status %d", p.status)
		}
		wantText(t, p, "身份证号码不正确")
		if !strings.Contains(p.body, `value="小梅餐馆"`) || !strings.Contains(p.body, `value="`+aliceName+`"`) {
			t.Errorf("the refused intake form lost what the clerk typed")
		}
		good := append([][2]string{}, bad...)
		good[4][1] = aliceID
		p = s.multipart("clerkA", StaffBase+"/intake", good, nil)
		if p.status != http.StatusSeeOther {
			t.Fatalf("intake: status %d: %s", p.status, p.text())
		}
		id := caseIDRE.FindStringSubmatch(p.loc)[1]
		p = s.follow("clerkA", p)
		wantText(t, p, "办件已创建", "张**", "1101**********002X", "草稿", "窗口申请")
		if strings.Contains(p.body, aliceID) || strings.Contains(p.body, aliceName) {
			t.Errorf("the case page shows the applicant unmasked")
		}
		// Scans of the checked originals, then receipt: the receipt slip with the number.
		var files [][2]string
		fields := [][2]string{}
		for i, m := range s.licence.Materials {
			if m.Required {
				fields = append(fields, [2]string{"checked." + m.Code, "1"})
				files = append(files, [2]string{"file." + m.Code, string(pdf(i))})
			}
		}
		// checked boxes must precede their files: send each pair in order.
		p = s.uploadPairs("clerkA", StaffBase+"/"+id+"/materials", fields, files)
		p = s.follow("clerkA", p)
		wantText(t, p, "材料已上传", "已核验")
		c := s.get0(id)
		p = s.post("clerkA", StaffBase+"/"+id+"/receive", url.Values{"version": {fmt.Sprint(c.Version)}})
		p = s.follow("clerkA", p)
		c = s.get0(id)
		wantText(t, p, "接件回执", c.No, "食品经营许可", "申请书", "窗口核验原件")
		if !strings.Contains(p.body, `data-print`) || !strings.Contains(p.body, "/docs/receipt-") {
			t.Errorf("the receipt has no print button or PDF link")
		}
		// A stale form is refused with a clear message and changes nothing.
		p = s.post("clerkA", StaffBase+"/"+id+"/accept", url.Values{"version": {fmt.Sprint(c.Version - 1)}})
		if p.status != http.StatusConflict {
			t.Fatalf("stale accept: status %d", p.status)
		}
		wantText(t, p, "已被他人处理或更新")
		if s.get0(id).State != StReceived {
			t.Fatalf("a stale accept changed the case")
		}
		// The barcode box opens the case by its number.
		p = s.get("clerkA", StaffBase+"/open?no="+c.No)
		if p.status != http.StatusSeeOther || !strings.HasSuffix(p.loc, "/"+id) {
			t.Fatalf("case-number box: %d %s", p.status, p.loc)
		}
		p = s.follow("clerkA", s.post("clerkA", StaffBase+"/"+id+"/accept", url.Values{"version": {fmt.Sprint(c.Version)}}))
		wantText(t, p, "已受理", "受理通知书", "承诺办结日期")
		// The reviewer records the 审查 opinion; the signer decides; the signer concludes.
		c = s.get0(id)
		p = s.get("reviewerA", StaffBase+"/"+id)
		if !strings.Contains(p.body, `id="act-advance"`) {
			t.Fatalf("the reviewer is offered no opinion form: %s", p.text())
		}
		if strings.Contains(p.body, `id="act-decide"`) {
			t.Errorf("the reviewer is offered the decision")
		}
		p = s.follow("reviewerA", s.post("reviewerA", StaffBase+"/"+id+"/advance", url.Values{"version": {fmt.Sprint(c.Version)},
			"outcome": {"agree"}, "opinion": {"材料齐全，符合条件。"}}))
		wantText(t, p, "意见已提交", "材料齐全，符合条件。")
		c = s.get0(id)
		p = s.get("signerA", StaffBase+"/"+id)
		if !strings.Contains(p.body, `id="act-decide"`) || !strings.Contains(p.body, `data-confirm=`) {
			t.Fatalf("the signer is offered no decision form with a confirmation")
		}
		// A denial without reasons is refused on its field.
		p = s.post("signerA", StaffBase+"/"+id+"/decide", url.Values{"version": {fmt.Sprint(c.Version)}, "outcome": {"deny"}})
		if p.status != http.StatusUnprocessableEntity {
			t.Fatalf("denial without reasons: %d", p.status)
		}
		wantText(t, p, "请至少填写一条理由")
		p = s.follow("signerA", s.post("signerA", StaffBase+"/"+id+"/decide", url.Values{"version": {fmt.Sprint(c.Version)},
			"outcome": {"approve"}, "opinion": {"同意。"}}))
		wantText(t, p, "准予许可", "准予行政许可决定书")
		c = s.get0(id)
		p = s.follow("signerA", s.post("signerA", StaffBase+"/"+id+"/conclude", url.Values{"version": {fmt.Sprint(c.Version)}}))
		wantText(t, p, "已办结")

		// The applicant sees it concluded, in plain words, with the decision to download.
		p = s.get("alice", PortalBase)
		wantText(t, p, "食品经营许可", "已办结", c.No)
		p = s.get("alice", PortalBase+"/"+id)
		wantText(t, p, "已办结", "办件已办结", "窗口已接收申请材料", "申请已受理", "准予行政许可决定书")
		if strings.Contains(p.text(), "材料齐全，符合条件") {
			t.Errorf("the applicant sees the reviewer's internal opinion")
		}
		m := regexp.MustCompile(`href="(/my/cases/[^"]+/docs/approval-[0-9]+\.pdf)`).FindStringSubmatch(p.body)
		if m == nil {
			t.Fatalf("no approval download on the applicant's page")
		}
		doc := s.get("alice", m[1])
		if doc.status != http.StatusOK || !strings.HasPrefix(doc.body, "%PDF") {
			t.Fatalf("approval download: %d", doc.status)
		}
		if txt := pdfText(t, []byte(doc.body)); txt != "" {
			for _, want := range []string{"准予行政许可决定书", c.No, "A县行政审批局", aliceName} {
				if !strings.Contains(txt, want) {
					t.Errorf("approval PDF lacks %q", want)
				}
			}
		}

		// Nobody else sees it: another county's clerk, another applicant.
		for _, who := range []string{"clerkB", "bob"} {
			base := StaffBase
			if who == "bob" {
				base = PortalBase
			}
			if p := s.get(who, base+"/"+id); p.status != http.StatusNotFound {
				t.Errorf("%s opens the case: %d", who, p.status)
			}
			if p := s.get(who, m[1]); p.status != http.StatusNotFound && p.status != http.StatusForbidden {
				t.Errorf("%s downloads the decision: %d", who, p.status)
			}
		}
	})
}

// uploadPairs posts each "checked" box right before its file, as a browser sends the form.
func (s *site) uploadPairs(who, path string, checks, files [][2]string) page {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for i, f := range files {
		mw.WriteField(checks[i][0], checks[i][1])
		w, _ := mw.CreateFormFile(f[0], strings.TrimPrefix(f[0], "file.")+".pdf")
		w.Write([]byte(f[1]))
	}
	mw.Close()
	return s.do(who, "POST", path, &buf, mw.FormDataContentType())
}

func (s *site) get0(id string) Case { return s.fixture.get(id) }

// pdfText extracts a PDF's text with pdftotext (poppler-utils); "" when it is not installed.
func pdfText(t *testing.T, b []byte) string {
	t.Helper()
	exe, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Log("pdftotext not installed: PDF text not checked")
		return ""
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "doc.pdf")
	if err := os.WriteFile(in, b, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(exe, "-enc", "UTF-8", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// TestPagesApplyOnline: an applicant applies in one go — the form, the files, the commitment —
// and sees the case number at once; a missing required field keeps them on the form.
func TestPagesApplyOnline(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newSite(t, d)
		s.svc.ids = fakeIdentities{}
		p := s.get("alice", ApplyPath+"?item="+s.promise.ID)
		wantText(t, p, "在线申请", "公共场所卫生许可", "本人承诺所填信息真实", "申请书")
		p = s.multipart("alice", ApplyPath, [][2]string{{"item_id", s.promise.ID}, {"action", "submit"}}, nil)
		if p.status != http.StatusUnprocessableEntity {
			t.Fatalf("no name: status %d: %s", p.status, p.text())
		}
		wantText(t, p, "请填写“名称”")
		p = s.multipart("alice", ApplyPath, [][2]string{{"item_id", s.promise.ID}, {"form.name", "小梅理发店"}, {"promise", "1"},
			{"action", "submit"}}, [][2]string{{"file.application", string(pdf(1))}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("apply: status %d: %s", p.status, p.text())
		}
		p = s.follow("alice", p)
		no := regexp.MustCompile(`id="case-no">([0-9]{18,20})<`).FindStringSubmatch(p.body)
		if no == nil {
			t.Fatalf("the case number is not shown at once: %s", p.text())
		}
		wantText(t, p, "申请已提交", "已提交", "提交了申请", "申请书")
		// Withdraw asks first, and is offered while allowed.
		if !strings.Contains(p.body, `id="withdraw-form"`) || !strings.Contains(p.body, "data-confirm=") {
			t.Errorf("no withdrawal with a confirmation")
		}
		c := s.get0(caseIDOf(t, p.body))
		if !c.Flags.Has(FlagPromise) {
			t.Errorf("the commitment was not recorded")
		}
		p = s.follow("alice", s.post("alice", PortalBase+"/"+c.ID+"/withdraw", url.Values{"version": {fmt.Sprint(c.Version)}}))
		wantText(t, p, "申请已撤回", "已撤回")
		if strings.Contains(p.body, `id="withdraw-form"`) {
			t.Errorf("a withdrawn case still offers withdrawal")
		}
	})
}

var myCaseRE = regexp.MustCompile(`/my/cases/([0-9a-f-]{36})/`)

func caseIDOf(t *testing.T, body string) string {
	t.Helper()
	m := myCaseRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no case link in the page")
	}
	return m[1]
}

type fakeIdentities struct{}

func (fakeIdentities) ApplicantIdentity(_ context.Context, id string) (auth.Identity, error) {
	return auth.Identity{SubjectType: SubjectPerson, Name: aliceName, IDNumber: aliceID, Mobile: "13800138000"}, nil
}

// TestPagesCorrectionAndQueues: the correction notice lists every defect ticked, the applicant
// is told exactly what to bring, the clerk's queues page both ways, and the counters count.
func TestPagesCorrectionAndQueues(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newSite(t, d)
		c := s.walkIn(s.licence)
		p := s.get("clerkA", StaffBase+"/"+c.ID)
		if !strings.Contains(p.body, `id="act-correction"`) || !strings.Contains(p.body, `id="act-accept"`) {
			t.Fatalf("the clerk is offered no correction or acceptance")
		}
		p = s.follow("clerkA", s.post("clerkA", StaffBase+"/"+c.ID+"/correction", url.Values{"version": {fmt.Sprint(c.Version)},
			"defect_material": {"lease", "id_copy"}, "problem_m_lease": {"租赁合同已过期"}, "problem_m_id_copy": {"复印件不清晰"},
			"defect_field": {"address"}, "problem_f_address": {"地址不完整"}}))
		wantText(t, p, "已出具一次性补正告知书", "补正中", "租赁合同已过期", "复印件不清晰", "地址不完整", "补正告知书")
		p = s.get("alice", PortalBase+"/"+c.ID)
		wantText(t, p, "请在 2025-10-24 前补正以下材料", "场所证明：租赁合同已过期", "身份证明：复印件不清晰", "地址：地址不完整")
		if !strings.Contains(p.body, `name="file.lease"`) || !strings.Contains(p.body, `id="my-resubmit"`) {
			t.Errorf("the applicant cannot upload the corrected files or submit them")
		}
		// 55 cases: the clerk's to-do pages forward and back.
		for i := 0; i < 54; i++ {
			s.walkIn(s.licence)
		}
		p = s.get("clerkA", StaffBase)
		if n := strings.Count(p.body, `<tr class="row-`); n != 50 {
			t.Fatalf("first page: %d rows", n)
		}
		next := regexp.MustCompile(`href="([^"]+)" rel="next"`).FindStringSubmatch(p.body)
		if next == nil {
			t.Fatal("no next page")
		}
		p2 := s.get("clerkA", strings.ReplaceAll(next[1], "&amp;", "&"))
		if n := strings.Count(p2.body, `<tr class="row-`); n != 4 {
			t.Errorf("second page: %d rows", n)
		}
		prev := regexp.MustCompile(`href="([^"]+)" rel="prev"`).FindStringSubmatch(p2.body)
		if prev == nil {
			t.Fatal("no previous page")
		}
		if back := s.get("clerkA", strings.ReplaceAll(prev[1], "&amp;", "&")); back.body != p.body {
			t.Errorf("previous page differs from the first")
		}
		if n, err := s.svc.CountQueue(as(clerkA), QueueTodo); err != nil || n != 54 {
			t.Errorf("todo counter: %d %v", n, err)
		}
		if n, _ := s.svc.CountQueue(as(clerkA), QueueCorrection); n != 1 {
			t.Errorf("correction counter: %d", n)
		}
		// The case-number box: an unknown number says so on the queue page.
		p = s.get("clerkA", StaffBase+"/open?no=123456789012345678")
		p = s.follow("clerkA", p)
		wantText(t, p, "没有找到办件 123456789012345678")
	})
}
