package pdfdoc

import (
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"onestamp/internal/platform/pdfdoc/pdftest"
)

func poppler(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"pdftotext", "pdftoppm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (poppler-utils): skipping", tool)
		}
	}
}

func sample(rows int) *Doc {
	d := New(Options{Title: "准予行政许可决定书", Footer: "深审批〔2026〕1号", PageNumbers: true,
		Created: time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)})
	d.Title("准予行政许可决定书")
	d.Paragraph("某某餐饮管理有限公司：你单位于2026年3月2日提出的食品经营许可申请，经审查，符合《中华人民共和国行政许可法》第三十八条第一款的规定，决定准予行政许可。Decision in English, too.")
	t := Table{Header: []string{"序号", "材料名称", "份数"}, Widths: []float64{15, 120, 35}}
	for i := range rows {
		t.Rows = append(t.Rows, []string{string(rune('0' + i%10)), "营业执照副本复印件（加盖公章）以及其他需要说明的材料内容，足够长以便换行显示", "1"})
	}
	d.Table(t)
	d.QRBlock("https://zwfw.example.gov.cn/v/JY44030400000001", "扫码核验", 30)
	d.Signature(Signature{Org: "深圳市福田区行政审批局", Date: "2026年3月5日", Seal: true})
	return d
}

// What a reader of the PDF sees: the Chinese text, page numbers on every page, a table that
// runs on across pages, and a QR code a phone can read.
func TestDocument(t *testing.T) {
	poppler(t)
	b, err := sample(40).Bytes()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "d.pdf")
	os.WriteFile(file, b, 0o600)
	out, err := exec.Command("pdftotext", file, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	pages := strings.Count(text, "\f")
	if pages < 2 {
		t.Fatalf("a 40-row table fits on %d page(s)?", pages)
	}
	for _, want := range []string{"准予行政许可决定书", "决定准予行政许可", "Decision in English", "营业执照副本复印件",
		"深审批〔2026〕1号", "第 1 页 共 ", "行政审批专用章", "深圳市福田区行政审批局"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q", want)
		}
	}
	if strings.Count(text, "序号") < 2 {
		t.Error("the table header is not repeated on the next page")
	}
	if _, err := exec.Command("pdftoppm", "-r", "150", "-png", file, filepath.Join(dir, "p")).CombinedOutput(); err != nil {
		t.Fatal(err)
	}
	imgs, _ := filepath.Glob(filepath.Join(dir, "p*.png"))
	found := false
	for _, p := range imgs {
		f, _ := os.Open(p)
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if qr, err := pdftest.ReadQR(img); err == nil {
			found = qr == "https://zwfw.example.gov.cn/v/JY44030400000001"
		}
	}
	if !found {
		t.Fatal("no readable QR code in the document")
	}
}

func TestWrap(t *testing.T) {
	d := New(Options{})
	d.font(SizeBody)
	lines := d.wrap("一二三四五六七八九十，一二三四五六七八九十。one two three", 30, 0)
	for i, l := range lines {
		if i > 0 && strings.HasPrefix(l, "，") || strings.HasPrefix(l, "。") {
			t.Errorf("line %d starts with closing punctuation: %q", i, l)
		}
		if strings.Contains(l, "tw o") || strings.HasSuffix(l, "tw") {
			t.Errorf("a Latin word was broken: %q", l)
		}
	}
	if strings.Join(lines, "") == "" || len(lines) < 2 {
		t.Fatalf("lines %q", lines)
	}
}

func BenchmarkDocument(b *testing.B) {
	for b.Loop() {
		if _, err := sample(10).Bytes(); err != nil {
			b.Fatal(err)
		}
	}
}
