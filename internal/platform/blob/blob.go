// Package blob keeps uploaded files (application materials, scans, signed documents) on local
// disk, content-addressed by SHA-256: the same bytes are stored once, a stored file never
// changes, and its name is its checksum. Put checks an upload before keeping it: a size limit,
// a type decided from the content (never from the file name), structural checks of each type,
// and a defence against zip bombs for the zip-based formats (OFD, DOCX, XLSX). Files are
// written atomically (temporary file, fsync, rename), so a crash never leaves half a file under
// a hash. Who may read a file is not this package's business: callers look the hash up in their
// own records (a case's materials) and check access there before calling Open.
package blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/web"
)

// Kind is a file type the store knows, decided from the content.
type Kind string

const (
	PDF  Kind = "pdf"
	JPEG Kind = "jpeg"
	PNG  Kind = "png"
	OFD  Kind = "ofd"  // GB/T 33190 版式文档: a zip with OFD.xml at its root
	DOCX Kind = "docx" // Office Open XML document
	XLSX Kind = "xlsx" // Office Open XML workbook
)

// Kinds lists every kind, the default allowed set.
var Kinds = []Kind{PDF, JPEG, PNG, OFD, DOCX, XLSX}

var mediaTypes = map[Kind]string{
	PDF:  "application/pdf",
	JPEG: "image/jpeg",
	PNG:  "image/png",
	OFD:  "application/ofd",
	DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

// extensions maps file-name extensions to the kind they claim.
var extensions = map[string]Kind{
	".pdf": PDF, ".jpg": JPEG, ".jpeg": JPEG, ".png": PNG, ".ofd": OFD, ".docx": DOCX, ".xlsx": XLSX,
}

// MediaType returns the media type served for a kind.
func (k Kind) MediaType() string { return mediaTypes[k] }

// Ext returns the usual file-name extension of a kind, with the dot.
func (k Kind) Ext() string { return "." + string(k) }

// zipBased reports whether the kind is a zip container.
func (k Kind) zipBased() bool { return k == OFD || k == DOCX || k == XLSX }

// Limits bound what Put accepts. Zero values take the defaults shown.
type Limits struct {
	MaxSize     int64  // 20 MiB: the largest upload
	Kinds       []Kind // Kinds: the accepted types
	MaxUnzipped int64  // 200 MiB: total uncompressed size of a zip-based upload
	MaxRatio    int64  // 100: uncompressed / compressed, of the whole archive and of any large entry
	MaxEntries  int    // 10,000: files inside a zip-based upload
	MaxPixels   int64  // 100 megapixels: width × height of an image
}

// Default limits.
const (
	DefaultMaxSize     = 20 << 20
	DefaultMaxUnzipped = 200 << 20
	DefaultMaxRatio    = 100
	DefaultMaxEntries  = 10000
	DefaultMaxPixels   = 100_000_000
)

func (l *Limits) defaults() {
	if l.MaxSize <= 0 {
		l.MaxSize = DefaultMaxSize
	}
	if len(l.Kinds) == 0 {
		l.Kinds = slices.Clone(Kinds)
	}
	if l.MaxUnzipped <= 0 {
		l.MaxUnzipped = DefaultMaxUnzipped
	}
	if l.MaxRatio <= 0 {
		l.MaxRatio = DefaultMaxRatio
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultMaxEntries
	}
	if l.MaxPixels <= 0 {
		l.MaxPixels = DefaultMaxPixels
	}
}

// Info describes a stored file.
type Info struct {
	Hash string `json:"hash" doc:"SHA-256 of the content, lower-case hex"`
	Size int64  `json:"size"`
	Kind Kind   `json:"kind" doc:"pdf, jpeg, png, ofd, docx or xlsx, decided from the content"`
}

// MediaType returns the media type to serve the file with.
func (i Info) MediaType() string { return i.Kind.MediaType() }

// Store is a directory of content-addressed files. It is safe for concurrent use by any number
// of goroutines and processes sharing the directory.
type Store struct {
	dir string
	lim Limits
}

// Open opens (creating it if needed) the store in dir.
func Open(dir string, lim Limits) (*Store, error) {
	lim.defaults()
	for _, k := range lim.Kinds {
		if _, ok := mediaTypes[k]; !ok {
			return nil, fmt.Errorf("blob: unknown kind %q", k)
		}
	}
	for _, d := range []string{dir, filepath.Join(dir, "tmp"), filepath.Join(dir, "sha256")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("blob: %w", err)
		}
	}
	return &Store{dir: dir, lim: lim}, nil
}

// Limits returns the limits in force.
func (s *Store) Limits() Limits { return s.lim }

// Error message keys (the field is "file").
const (
	KeyEmpty    = "blob.empty"
	KeyTooLarge = "blob.too_large"
	KeyType     = "blob.type"
	KeyMismatch = "blob.type_mismatch"
	KeyZipBomb  = "blob.zip_bomb"
	KeyDamaged  = "blob.damaged"
	KeyNotFound = "blob.not_found"
)

func invalid(key string) *errs.Error { return errs.InvalidInput(key).OnField("file") }

// ValidHash reports whether h has the form of a stored file's name: 64 lower-case hex digits.
func ValidHash(h string) bool {
	if len(h) != 64 {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func (s *Store) path(hash string) string {
	return filepath.Join(s.dir, "sha256", hash[:2], hash[2:4], hash)
}

// Put reads an upload to its end, checks it and stores it. name is the file name the uploader
// gave, used only to refuse a file whose extension claims another type than its content (a
// renamed executable, say); it may be empty. Rejections are errs.Invalid on field "file" with
// the reason's message key. Storing bytes that are already stored is not an error: the same
// Info comes back.
func (s *Store) Put(ctx context.Context, r io.Reader, name string) (Info, error) {
	tmp, err := os.CreateTemp(filepath.Join(s.dir, "tmp"), "up-*")
	if err != nil {
		return Info{}, errs.Wrap(err, "blob: temporary file")
	}
	kept := false
	defer func() {
		if !kept {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(ctxReader{ctx, r}, s.lim.MaxSize+1))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return Info{}, invalid(KeyTooLarge).With("max_mb", s.lim.MaxSize>>20)
		}
		if ctx.Err() != nil {
			return Info{}, ctx.Err()
		}
		return Info{}, errs.Wrap(err, "blob: receive upload")
	}
	switch {
	case n == 0:
		return Info{}, invalid(KeyEmpty)
	case n > s.lim.MaxSize:
		return Info{}, invalid(KeyTooLarge).With("max_mb", s.lim.MaxSize>>20)
	}
	kind, err := s.check(tmp, n)
	if err != nil {
		return Info{}, err
	}
	if claimed, ok := extensions[strings.ToLower(filepath.Ext(name))]; ok && claimed != kind {
		return Info{}, invalid(KeyMismatch).With("name", filepath.Base(name)).With("kind", string(kind))
	}
	info := Info{Hash: hex.EncodeToString(h.Sum(nil)), Size: n, Kind: kind}
	if err := tmp.Sync(); err != nil {
		return Info{}, errs.Wrap(err, "blob: sync")
	}
	if err := tmp.Close(); err != nil {
		return Info{}, errs.Wrap(err, "blob: close")
	}
	dst := s.path(info.Hash)
	if st, err := os.Stat(dst); err == nil && st.Size() == n {
		return info, nil // already stored; the deferred cleanup removes the copy
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return Info{}, errs.Wrap(err, "blob: directory")
	}
	if err := os.Chmod(tmp.Name(), 0o400); err != nil {
		return Info{}, errs.Wrap(err, "blob: chmod")
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return Info{}, errs.Wrap(err, "blob: store")
	}
	kept = true
	syncDir(filepath.Dir(dst))
	return info, nil
}

// check decides the kind of the n bytes in f and runs that kind's structural checks.
func (s *Store) check(f *os.File, n int64) (Kind, error) {
	kind, err := detect(f, n, s.lim, true)
	if err != nil {
		return "", err
	}
	if !slices.Contains(s.lim.Kinds, kind) {
		return "", invalid(KeyType).With("kind", string(kind))
	}
	return kind, nil
}

// Open returns the stored file with hash and what it is. An unknown or malformed hash is
// errs.NotFound.
func (s *Store) Open(hash string) (*os.File, Info, error) {
	if !ValidHash(hash) {
		return nil, Info{}, errs.NotFoundErr(KeyNotFound)
	}
	f, err := os.Open(s.path(hash))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, Info{}, errs.NotFoundErr(KeyNotFound)
	}
	if err != nil {
		return nil, Info{}, errs.Wrap(err, "blob: open %s", hash)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, Info{}, errs.Wrap(err, "blob: stat %s", hash)
	}
	// The content was checked on the way in; here only its kind is read back, without the
	// expensive decompression checks.
	kind, err := detect(f, st.Size(), s.lim, false)
	if err != nil {
		f.Close()
		return nil, Info{}, errs.Wrap(err, "blob: stored file %s", hash)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, Info{}, errs.Wrap(err, "blob: seek %s", hash)
	}
	return f, Info{Hash: hash, Size: st.Size(), Kind: kind}, nil
}

// Has reports whether a file with hash is stored.
func (s *Store) Has(hash string) bool {
	if !ValidHash(hash) {
		return false
	}
	_, err := os.Stat(s.path(hash))
	return err == nil
}

// Verify re-reads a stored file and reports whether its content still has its hash.
func (s *Store) Verify(hash string) (bool, error) {
	f, _, err := s.Open(hash)
	if err != nil {
		return false, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return false, err
	}
	return hex.EncodeToString(h.Sum(nil)) == hash, nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// ctxReader stops a long upload when the request is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

//go:embed messages/*.json
var messageFS embed.FS

// AddMessages adds the package's texts to the catalogue.
func AddMessages() error { return web.AddMessagesFS(messageFS, "messages") }

// hasPrefix is bytes.HasPrefix, named for the sniffers.
func hasPrefix(b []byte, p string) bool { return bytes.HasPrefix(b, []byte(p)) }

// CleanName returns the file name an upload should be kept under: the last element of what the
// browser sent (Windows paths included), trimmed. ok is false for a name that is empty, longer
// than 200 characters or not valid UTF-8.
func CleanName(raw string) (name string, ok bool) {
	name = strings.TrimSpace(filepath.Base(strings.ReplaceAll(raw, "\\", "/")))
	if name == "" || name == "." || name == "/" || utf8.RuneCountInString(name) > 200 || !utf8.ValidString(name) {
		return "", false
	}
	return name, true
}
