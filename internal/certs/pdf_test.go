package certs

import (
	"bytes"
	"encoding/json"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"onestamp/internal/platform/pdfdoc/pdftest"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/db/dbtest"
	"onestamp/internal/platform/web"
)

func needPoppler(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"pdftotext", "pdftoppm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (poppler-utils; .ci/run installs it): skipping the PDF checks", tool)
		}
	}
}

// handler serves the domain's routes as the application would, without sign-in.
func handler(t *testing.T, s *Service) http.Handler {
	t.Helper()
	mux := web.NewMux()
	if err := Register(auth.NewGuard(mux, nil), s); err != nil {
		t.Fatal(err)
	}
	return mux
}

// The rendered certificate carries its Chinese text, and its QR code, read back from the page
// image, leads to a verification page that says the certificate is valid.
func TestPDFTextAndQRCode(t *testing.T) {
	needPoppler(t)
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		lic, food := w.restaurantChain()
		b, c, err := w.s.PDF(w.as(restaurant), lic.ID)
		if err != nil {
			t.Fatal(err)
		}
		if c.ID != lic.ID || !bytes.HasPrefix(b, []byte("%PDF-")) {
			t.Fatalf("not a PDF of the licence")
		}
		dir := t.TempDir()
		file := filepath.Join(dir, "c.pdf")
		if err := os.WriteFile(file, b, 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("pdftotext", "-layout", file, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		text := string(out)
		for _, want := range []string{"营业执照", "某某餐饮管理有限公司", restUSCC, "餐饮服务；食品销售", "发证机关（盖章）",
			bureauName, "2026年3月5日", "一照含证许可清单", "食品经营许可证", food.No, "第 1 页 共 2 页"} {
			if !strings.Contains(text, want) {
				t.Errorf("the PDF text lacks %q", want)
			}
		}
		if _, err := exec.Command("pdftoppm", "-r", "200", "-f", "1", "-l", "1", "-png", file, filepath.Join(dir, "p")).CombinedOutput(); err != nil {
			t.Fatal(err)
		}
		pages, _ := filepath.Glob(filepath.Join(dir, "p*.png"))
		if len(pages) != 1 {
			t.Fatalf("rendered pages %v", pages)
		}
		f, err := os.Open(pages[0])
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		qr, err := pdftest.ReadQR(img)
		if err != nil {
			t.Fatalf("no QR code found on the page: %v", err)
		}
		u, err := url.Parse(qr)
		if err != nil || u.Host != "zwfw.example.gov.cn" || u.Path != "/v/"+lic.No {
			t.Fatalf("the QR code says %q", qr)
		}

		h := handler(t, w.s)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", u.RequestURI(), nil))
		page := rec.Body.String()
		if rec.Code != http.StatusOK || !strings.Contains(page, "该证照真实有效") || !strings.Contains(page, food.No) ||
			!strings.Contains(page, "914403********136T") {
			t.Fatalf("verification page %d:\n%s", rec.Code, page)
		}
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/certs/verify?"+u.RawQuery, nil))
		var v Verification
		if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil || !v.Valid || v.Via != "qr" || len(v.Bundle) != 1 {
			t.Fatalf("verify API %d %s", rec.Code, rec.Body)
		}
		// The same code with one character changed is simply not valid.
		q := u.Query()
		c2 := []byte(q.Get("c"))
		c2[20] ^= 0x01
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", u.Path+"?c="+url.QueryEscape(string(c2)), nil))
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "核验未通过") {
			t.Fatalf("tampered QR page %d:\n%s", rec.Code, rec.Body)
		}
		// A malformed number on the public page: not found, not an error.
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/v/%3Cscript%3E", nil))
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "未找到该编号的证照") {
			t.Fatalf("malformed number page %d", rec.Code)
		}
	})
}

// A share link verifies until it ends.
func TestShareLink(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		lic, _ := w.restaurantChain()
		sh, err := w.s.CreateShare(w.as(restaurant), lic.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		tok := sh.URL[strings.LastIndex(sh.URL, "/")+1:]
		v, _ := w.s.Verify(w.ctx, VerifyQuery{Share: tok})
		if !v.Valid || v.Via != "share" || len(v.Bundle) != 1 {
			t.Fatalf("share: %+v", v)
		}
		if _, err := w.s.CreateShare(w.as(stranger), lic.ID, 0); err == nil {
			t.Fatal("a stranger shared someone else's certificate")
		}
		if err := w.s.RevokeShare(w.as(restaurant), lic.ID, sh.ID); err != nil {
			t.Fatal(err)
		}
		if v, _ := w.s.Verify(w.ctx, VerifyQuery{Share: tok}); v.Valid || v.Cert != nil {
			t.Fatalf("ended share: %+v", v)
		}
		mine, err := w.s.Mine(w.as(restaurant))
		if err != nil || len(mine) != 2 {
			t.Fatalf("mine: %d %v", len(mine), err)
		}
	})
}
