package blob

import (
	"archive/zip"
	"bytes"
	"errors"
	"image"
	_ "image/jpeg" // registers the JPEG header decoder for DecodeConfig
	_ "image/png"  // registers the PNG header decoder
	"io"
	"net/http"
	"path"
	"strings"
)

// Detect decides the kind of a complete file held by r (n bytes), with the structural checks of
// Put: the content decides, the name plays no part. It is exported for callers that receive a
// file they will not store (a preview) and for fuzzing.
func Detect(r io.ReaderAt, n int64, lim Limits) (Kind, error) {
	lim.defaults()
	return detect(r, n, lim, true)
}

// detect sniffs the first bytes with http.DetectContentType and confirms the guess with the
// format's own structure. deep also decompresses every entry of a zip-based file, which only
// an upload needs.
func detect(r io.ReaderAt, n int64, lim Limits, deep bool) (Kind, error) {
	head := make([]byte, 512)
	m, err := r.ReadAt(head, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	head = head[:m]
	switch ct := http.DetectContentType(head); {
	case ct == "application/pdf":
		return PDF, checkPDF(r, n)
	case ct == "image/jpeg":
		return JPEG, checkImage(r, n, lim)
	case ct == "image/png":
		return PNG, checkImage(r, n, lim)
	case ct == "application/zip" || hasPrefix(head, "PK\x03\x04"):
		return checkZip(r, n, lim, deep)
	}
	return "", invalid(KeyType).With("kind", "unknown")
}

// checkPDF wants the %PDF- header (the sniffer's test) and an end-of-file marker near the end,
// which a truncated upload lacks.
func checkPDF(r io.ReaderAt, n int64) error {
	tail := int64(2048)
	if n < tail {
		tail = n
	}
	b := make([]byte, tail)
	if _, err := r.ReadAt(b, n-tail); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	if !bytes.Contains(b, []byte("%%EOF")) {
		return invalid(KeyDamaged)
	}
	return nil
}

// checkImage reads the image header: it must decode, and its pixel count must stay under the
// limit (a small file can declare a huge image that exhausts memory when shown).
func checkImage(r io.ReaderAt, n int64, lim Limits) error {
	cfg, _, err := image.DecodeConfig(io.NewSectionReader(r, 0, n))
	if err != nil {
		return invalid(KeyDamaged)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > lim.MaxPixels {
		return invalid(KeyZipBomb)
	}
	return nil
}

// checkZip recognises OFD, DOCX and XLSX by their marker entries and defends against zip
// bombs: bounded entry count, declared sizes and ratio first (cheap), then, when deep, every
// entry is decompressed through a counter, because the declared sizes are the attacker's to
// choose.
func checkZip(r io.ReaderAt, n int64, lim Limits, deep bool) (Kind, error) {
	zr, err := zip.NewReader(r, n)
	if err != nil {
		return "", invalid(KeyDamaged)
	}
	if len(zr.File) == 0 {
		return "", invalid(KeyDamaged)
	}
	if len(zr.File) > lim.MaxEntries {
		return "", invalid(KeyZipBomb)
	}
	names := make(map[string]bool, len(zr.File))
	var declared uint64
	for _, f := range zr.File {
		name := f.Name
		if strings.HasPrefix(name, "/") || strings.Contains(name, `\`) || strings.Contains("/"+name+"/", "/../") {
			return "", invalid(KeyDamaged)
		}
		names[path.Clean(name)] = true
		declared += f.UncompressedSize64
		if declared > uint64(lim.MaxUnzipped) {
			return "", invalid(KeyZipBomb)
		}
		if tooCompressed(f.UncompressedSize64, f.CompressedSize64, lim.MaxRatio) {
			return "", invalid(KeyZipBomb)
		}
	}
	if declared > uint64(n)*uint64(lim.MaxRatio) {
		return "", invalid(KeyZipBomb)
	}
	var kind Kind
	switch {
	case names["OFD.xml"]:
		kind = OFD
	case names["[Content_Types].xml"] && names["word/document.xml"]:
		kind = DOCX
	case names["[Content_Types].xml"] && names["xl/workbook.xml"]:
		kind = XLSX
	default:
		return "", invalid(KeyType).With("kind", "zip")
	}
	if !deep {
		return kind, nil
	}
	var total int64
	buf := make([]byte, 32<<10)
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return "", invalid(KeyDamaged)
		}
		// Read at most one byte past what the whole archive may hold, so a lying header costs
		// no more than the limit.
		got, err := io.CopyBuffer(io.Discard, io.LimitReader(rc, lim.MaxUnzipped-total+1), buf)
		rc.Close()
		if err != nil {
			// zip checks the CRC and the declared size at the end of each entry.
			return "", invalid(KeyDamaged)
		}
		total += got
		if total > lim.MaxUnzipped || tooCompressed(uint64(got), f.CompressedSize64, lim.MaxRatio) {
			return "", invalid(KeyZipBomb)
		}
	}
	if total > n*lim.MaxRatio {
		return "", invalid(KeyZipBomb)
	}
	return kind, nil
}

// ratioFloor is the entry size below which the ratio is not judged: small XML parts of a
// legitimate document compress very well, and a small entry cannot be a bomb.
const ratioFloor = 1 << 20

func tooCompressed(unzipped, zipped uint64, maxRatio int64) bool {
	if unzipped < ratioFloor {
		return false
	}
	return zipped == 0 || unzipped/zipped > uint64(maxRatio)
}
