package rectify

import (
	"bytes"
	"context"
	"io"

	"onestamp/internal/platform/blob"
	"onestamp/internal/platform/errs"
)

// MaxEvidenceSize is the largest evidence file accepted.
const MaxEvidenceSize = 10 << 20

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

// putEvidence checks and stores an evidence file in the platform's blob store (PDF, JPEG, PNG,
// OFD, DOCX, XLSX, decided from the content).
func (s *Service) putEvidence(ctx context.Context, rawName string, content []byte) (Evidence, error) {
	name, ok := blob.CleanName(rawName)
	if !ok {
		return Evidence{}, errs.InvalidInput("rectify.evidence.name").OnField("file")
	}
	if len(content) > MaxEvidenceSize {
		return Evidence{}, errs.InvalidInput("rectify.evidence.too_big").With("max_mb", MaxEvidenceSize>>20).OnField("file")
	}
	if s.blobs == nil {
		return Evidence{}, errs.Wrap(errs.New(errs.Internal, "error.internal"), "no evidence store configured")
	}
	info, err := s.blobs.Put(ctx, bytes.NewReader(content), name)
	if err != nil {
		return Evidence{}, err
	}
	return Evidence{SHA256: info.Hash, Name: name, Type: info.MediaType(), Size: info.Size}, nil
}

func (s *Service) openEvidence(sum string) (io.ReadCloser, error) {
	if s.blobs == nil {
		return nil, errs.NotFoundErr("rectify.evidence.not_found")
	}
	f, _, err := s.blobs.Open(sum)
	if err != nil {
		return nil, err
	}
	return f, nil
}
