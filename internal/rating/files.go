package rating

import (
	"bytes"
	"context"
	"io"

	"onestamp/internal/platform/blob"
	"onestamp/internal/platform/errs"
)

// MaxEvidenceSize is the largest evidence file accepted, and MaxEvidenceFiles the most per appeal.
const (
	MaxEvidenceSize  = 10 << 20
	MaxEvidenceFiles = 10
)

// EvidenceFile is a stored evidence file (in the platform's blob store, by SHA-256).
type EvidenceFile struct {
	SHA256 string `json:"sha256"`
	Name   string `json:"name"`
	Type   string `json:"type"`
	Size   int64  `json:"size"`
}

// Upload is an evidence file as it is sent: its name and content (base64 in JSON). PDF, JPEG,
// PNG, OFD, DOCX and XLSX are accepted, decided from the content.
type Upload struct {
	Name    string `json:"name"`
	Content []byte `json:"content" doc:"base64"`
}

// openBlobs opens the evidence store of the options when the application gave none.
func openBlobs(dir string) *blob.Store {
	if dir == "" {
		return nil
	}
	st, err := blob.Open(dir, blob.Limits{MaxSize: MaxEvidenceSize})
	if err != nil {
		return nil
	}
	return st
}

// putEvidence checks and stores an upload and returns its description.
func (s *Service) putEvidence(ctx context.Context, u Upload) (EvidenceFile, error) {
	name, ok := blob.CleanName(u.Name)
	if !ok {
		return EvidenceFile{}, errs.InvalidInput("rating.evidence.name").OnField("evidence")
	}
	if len(u.Content) > MaxEvidenceSize {
		return EvidenceFile{}, errs.InvalidInput("rating.evidence.too_big").With("max_mb", MaxEvidenceSize>>20).OnField("evidence")
	}
	if s.blobs == nil {
		return EvidenceFile{}, errs.Wrap(errs.New(errs.Internal, "error.internal"), "no evidence store configured")
	}
	info, err := s.blobs.Put(ctx, bytes.NewReader(u.Content), name)
	if err != nil {
		if e := errs.As(err); e.Code == errs.Invalid {
			e.Field = "evidence"
		}
		return EvidenceFile{}, err
	}
	return EvidenceFile{SHA256: info.Hash, Name: name, Type: info.MediaType(), Size: info.Size}, nil
}

// openEvidence returns a stored file.
func (s *Service) openEvidence(sum string) (io.ReadCloser, error) {
	if s.blobs == nil {
		return nil, errs.NotFoundErr("rating.evidence.not_found")
	}
	f, _, err := s.blobs.Open(sum)
	if err != nil {
		return nil, err
	}
	return f, nil
}
