package blob

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"onestamp/internal/platform/errs"
)

func samplePDF() []byte {
	return []byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
}

func sampleImage(t testing.TB, kind Kind, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := 0; x < w; x++ {
		img.Set(x, x%h, color.RGBA{200, 10, 10, 255})
	}
	var b bytes.Buffer
	var err error
	if kind == PNG {
		err = png.Encode(&b, img)
	} else {
		err = jpeg.Encode(&b, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// zipOf builds a zip with the given entries (name -> content), deflated.
func zipOf(t testing.TB, entries ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for i := 0; i+1 < len(entries); i += 2 {
		w, err := zw.Create(entries[i])
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, entries[i+1])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func newStore(t *testing.T, lim Limits) *Store {
	t.Helper()
	s, err := Open(t.TempDir(), lim)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func sum(b []byte) string { h := sha256.Sum256(b); return hex.EncodeToString(h[:]) }

func TestPutAcceptsEveryKindByContent(t *testing.T) {
	s := newStore(t, Limits{})
	docx := zipOf(t, "[Content_Types].xml", "<Types/>", "word/document.xml", "<w:document/>")
	cases := []struct {
		name string
		data []byte
		kind Kind
	}{
		{"licence.pdf", samplePDF(), PDF},
		{"photo.jpg", sampleImage(t, JPEG, 40, 30), JPEG},
		{"scan.png", sampleImage(t, PNG, 40, 30), PNG},
		{"cert.ofd", zipOf(t, "OFD.xml", "<ofd:OFD/>", "Doc_0/Document.xml", "<ofd:Document/>"), OFD},
		{"form.docx", docx, DOCX},
		{"list.xlsx", zipOf(t, "[Content_Types].xml", "<Types/>", "xl/workbook.xml", "<workbook/>"), XLSX},
		// The name plays no part beyond refusing a contradiction: no name, or an unknown extension, is fine.
		{"", samplePDF(), PDF},
		{"scan.tiff.bin", sampleImage(t, PNG, 5, 5), PNG},
	}
	for _, c := range cases {
		info, err := s.Put(context.Background(), bytes.NewReader(c.data), c.name)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if info.Kind != c.kind || info.Size != int64(len(c.data)) || info.Hash != sum(c.data) {
			t.Errorf("%s: got %+v, want kind %s size %d hash %s", c.name, info, c.kind, len(c.data), sum(c.data))
		}
		f, got, err := s.Open(info.Hash)
		if err != nil {
			t.Fatalf("open %s: %v", c.name, err)
		}
		body, _ := io.ReadAll(f)
		f.Close()
		if !bytes.Equal(body, c.data) || got != info {
			t.Errorf("%s: read back %d bytes as %+v", c.name, len(body), got)
		}
		if got.MediaType() == "" {
			t.Errorf("%s: no media type", c.name)
		}
	}
}

func TestPutRefuses(t *testing.T) {
	s := newStore(t, Limits{MaxSize: 64 << 10, MaxUnzipped: 1 << 20, MaxPixels: 10000})
	bigText := strings.Repeat("申请人承诺所填信息真实有效。", 60000) // ~2.5 MB, compresses far below the limit
	cases := []struct {
		name string
		data []byte
		key  string
	}{
		{"empty.pdf", nil, KeyEmpty},
		{"big.pdf", append(samplePDF(), make([]byte, 65<<10)...), KeyTooLarge},
		{"setup.exe", append([]byte("MZ\x90\x00\x03"), make([]byte, 200)...), KeyType},
		{"page.html", []byte("<html><script>alert(1)</script></html>"), KeyType},
		{"notes.txt", []byte("plain text"), KeyType},
		{"archive.zip", zipOf(t, "a.txt", "hello"), KeyType},
		{"renamed.pdf", sampleImage(t, PNG, 8, 8), KeyMismatch},
		{"cut.pdf", samplePDF()[:30], KeyDamaged},
		{"broken.png", sampleImage(t, PNG, 8, 8)[:20], KeyDamaged},
		{"huge.png", sampleImage(t, PNG, 200, 100), KeyZipBomb},
		{"bomb.docx", zipOf(t, "[Content_Types].xml", "<Types/>", "word/document.xml", bigText), KeyZipBomb},
		{"slip.docx", zipOf(t, "[Content_Types].xml", "<Types/>", "word/document.xml", "x", "../../etc/passwd", "x"), KeyDamaged},
	}
	for _, c := range cases {
		_, err := s.Put(context.Background(), bytes.NewReader(c.data), c.name)
		e := errs.As(err)
		if err == nil || e.Code != errs.Invalid || e.Key != c.key || e.Field != "file" {
			t.Errorf("%s: got %v, want invalid %s on file", c.name, err, c.key)
		}
	}
	// Nothing refused was kept, and no temporary file is left behind.
	n := 0
	filepath.Walk(s.dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n++
		}
		return nil
	})
	if n != 0 {
		t.Errorf("%d files left in the store after refusals", n)
	}
}

// A zip whose headers lie about the size of an entry: the declared sizes pass the cheap checks,
// and only decompressing reveals the truth.
func TestZipWithLyingHeaderIsRefused(t *testing.T) {
	var raw bytes.Buffer
	zw := zip.NewWriter(&raw)
	for _, n := range []string{"[Content_Types].xml", "xl/workbook.xml"} {
		w, _ := zw.Create(n)
		io.WriteString(w, "<x/>")
	}
	// Deflate 4 MiB of zeros by hand and declare it as 100 bytes.
	var comp bytes.Buffer
	payload := make([]byte, 4<<20)
	dw, _ := flate.NewWriter(&comp, flate.BestCompression)
	dw.Write(payload)
	dw.Close()
	h := &zip.FileHeader{Name: "xl/sharedStrings.xml", Method: zip.Deflate,
		CompressedSize64: uint64(comp.Len()), UncompressedSize64: 100, CRC32: 0}
	w, err := zw.CreateRaw(h)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(comp.Bytes())
	zw.Close()

	s := newStore(t, Limits{MaxUnzipped: 1 << 20})
	_, err = s.Put(context.Background(), bytes.NewReader(raw.Bytes()), "book.xlsx")
	e := errs.As(err)
	if err == nil || e.Code != errs.Invalid || (e.Key != KeyZipBomb && e.Key != KeyDamaged) {
		t.Fatalf("lying zip: got %v, want a refusal", err)
	}
}

func TestSameContentIsStoredOnce(t *testing.T) {
	s := newStore(t, Limits{})
	data := samplePDF()
	var wg sync.WaitGroup
	infos := make([]Info, 8)
	errsOut := make([]error, 8)
	for i := range infos {
		wg.Add(1)
		go func() {
			defer wg.Done()
			infos[i], errsOut[i] = s.Put(context.Background(), bytes.NewReader(data), "a.pdf")
		}()
	}
	wg.Wait()
	for i := range infos {
		if errsOut[i] != nil || infos[i] != infos[0] {
			t.Fatalf("put %d: %+v %v", i, infos[i], errsOut[i])
		}
	}
	files := 0
	filepath.Walk(filepath.Join(s.dir, "sha256"), func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			files++
		}
		return nil
	})
	tmp, _ := os.ReadDir(filepath.Join(s.dir, "tmp"))
	if files != 1 || len(tmp) != 0 {
		t.Errorf("%d stored files and %d temporary files, want 1 and 0", files, len(tmp))
	}
	if ok, err := s.Verify(infos[0].Hash); !ok || err != nil {
		t.Errorf("verify: %v %v", ok, err)
	}
	if !s.Has(infos[0].Hash) || s.Has(strings.Repeat("0", 64)) {
		t.Error("Has answers wrongly")
	}
}

func TestOpenUnknownOrMalformedHash(t *testing.T) {
	s := newStore(t, Limits{})
	for _, h := range []string{"", "../../etc/passwd", strings.Repeat("0", 64), strings.Repeat("A", 64)} {
		if _, _, err := s.Open(h); !errs.Is(err, errs.NotFound) {
			t.Errorf("open %q: %v, want not found", h, err)
		}
	}
}

func TestKindsCanBeNarrowed(t *testing.T) {
	s := newStore(t, Limits{Kinds: []Kind{PDF}})
	if _, err := s.Put(context.Background(), bytes.NewReader(sampleImage(t, PNG, 4, 4)), "a.png"); errs.As(err).Key != KeyType {
		t.Errorf("png in a PDF-only store: %v", err)
	}
	if _, err := Open(t.TempDir(), Limits{Kinds: []Kind{"exe"}}); err == nil {
		t.Error("unknown kind accepted")
	}
}

func FuzzDetect(f *testing.F) {
	f.Add(samplePDF())
	f.Add(zipOf(f, "OFD.xml", "<x/>"))
	f.Add(sampleImage(f, PNG, 3, 3))
	f.Add([]byte("PK\x03\x04garbage"))
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := Detect(bytes.NewReader(b), int64(len(b)), Limits{MaxUnzipped: 1 << 20})
		if err == nil && k.MediaType() == "" {
			t.Fatalf("accepted as unknown kind %q", k)
		}
		if err != nil && errs.CodeOf(err) != errs.Invalid {
			t.Fatalf("non-invalid error %v", err)
		}
	})
}
