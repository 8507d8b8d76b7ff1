package cases

import (
	"context"
	"io"
	"os"
	"slices"
	"strings"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/errs"
)

// Materials returns the checklist of a case with every file ever provided.
func (s *Service) Materials(ctx context.Context, id string) ([]Material, error) {
	_, _, err := s.readCase(ctx, id)
	if err != nil {
		return nil, err
	}
	mats, err := s.st.materials(ctx, s.d.Read, id)
	if err != nil {
		return nil, err
	}
	files, err := s.st.files(ctx, s.d.Read, id)
	if err != nil {
		return nil, err
	}
	for i := range mats {
		for _, f := range files {
			if f.Material == mats[i].Code {
				mats[i].Files = append(mats[i].Files, f)
			}
		}
	}
	if mats == nil {
		mats = []Material{}
	}
	return mats, nil
}

// uploadStates are the states in which the applicant's side may add files: while the
// application is being put together or corrected, and after acceptance for a 容缺 material.
var uploadStates = []State{StDraft, StSubmitted, StPrecheckReturned, StPrecheckPassed, StPendingReceipt, StReceived,
	StCorrection}

// UploadInput describes a file being added to a material.
type UploadInput struct {
	Name    string // the file name the uploader gave (only to refuse a contradicting extension)
	Checked bool   // a clerk scanning an original they have checked: trust B at once
}

// Upload stores a file (size, type and zip-bomb checks in blob) and adds it to a material of
// the checklist: trust C from the applicant, B when a clerk scans a checked original. A file
// for a material named in a correction notice clears the defect; a file for a 容缺 material
// supplies it, and once nothing is owed any more the promise is fulfilled. On a chain parent a
// shared material reaches every child case it serves.
func (s *Service) Upload(ctx context.Context, id, code string, body io.Reader, in UploadInput) (Material, error) {
	a, err := s.actorOf(ctx)
	if err != nil {
		return Material{}, err
	}
	if s.blobs == nil {
		return Material{}, errs.Wrap(errs.New(errs.Internal, "error.internal"), "cases: no blob store")
	}
	// Check access before reading a byte of the upload.
	r, err := s.visibleCase(ctx, a, id)
	if err != nil {
		return Material{}, err
	}
	if err := s.mayUpload(a, r); err != nil {
		return Material{}, err
	}
	info, err := s.blobs.Put(ctx, body, in.Name)
	if err != nil {
		return Material{}, err
	}
	var out Material
	err = s.inTx(ctx, a, func(t *txn) error {
		r, err := t.load(id)
		if err != nil {
			return err
		}
		if err := s.mayUpload(a, r); err != nil {
			return err
		}
		trust := TrustC
		if in.Checked {
			if a.role != auth.Clerk {
				return errs.New(errs.Forbidden, "cases.material.check_clerk")
			}
			trust = TrustB
		}
		f := File{ID: db.NewID(), Material: code, Hash: info.Hash, Size: info.Size, Kind: string(info.Kind),
			Name: cleanName(in.Name), Trust: trust, UploadedBy: a.id, UploadedAt: t.now}
		if trust == TrustB {
			f.CheckedBy, f.CheckedAt = a.id, t.now
		}
		targets := [][2]string{{r.ID, code}}
		if r.Kind == KindChain {
			if targets, err = s.st.sharedTargets(t.ctx, t.tx, r.ID, code); err != nil {
				return err
			}
			if len(targets) == 0 {
				return errs.InvalidInput("cases.material.unknown").OnField("material")
			}
			targets = append([][2]string{{r.ID, code}}, targets...)
		}
		for i, tg := range targets {
			cr := r
			if tg[0] != r.ID {
				if cr, err = s.st.getCase(t.ctx, t.tx, tg[0]); err != nil {
					return err
				}
			}
			ff := f
			if i > 0 {
				ff.ID, ff.Material = db.NewID(), tg[1]
			}
			m, err := s.addFile(t, cr, tg[1], ff)
			if err != nil {
				return err
			}
			if i == 0 {
				out = m
			}
		}
		return nil
	})
	if err != nil {
		return Material{}, err
	}
	return out, nil
}

func (s *Service) mayUpload(a *actor, r *rec) error {
	switch {
	case a.kind == auth.KindApplicant && r.OwnerID == a.id:
	case a.kind == auth.KindStaff && a.role == auth.Clerk && a.onSide(r, SideIntake):
	default:
		return errs.ForbiddenErr()
	}
	if !slices.Contains(uploadStates, r.State) && !r.Facts.PendingOpen {
		return errs.New(errs.Conflict, "cases.material.closed").With("state", r.State.String())
	}
	return nil
}

// addFile records a file of one material of one case and updates the checklist, supplying a
// 容缺 material through the transition engine when it was owed.
func (s *Service) addFile(t *txn, r *rec, code string, f File) (Material, error) {
	mats, err := s.st.materials(t.ctx, t.tx, r.ID)
	if err != nil {
		return Material{}, err
	}
	i := slices.IndexFunc(mats, func(m Material) bool { return m.Code == code })
	if i < 0 {
		return Material{}, errs.InvalidInput("cases.material.unknown").OnField("material")
	}
	m := mats[i]
	if !slices.Contains(uploadStates, r.State) && m.Status != MatPending {
		return Material{}, errs.New(errs.Conflict, "cases.material.closed").With("state", r.State.String())
	}
	if err := s.st.insertFile(t.ctx, t.tx, r.ID, f); err != nil {
		return Material{}, err
	}
	wasPending := m.Status == MatPending
	m.Status, m.Trust, m.Defect, m.FileID, m.PendingDue = MatProvided, f.Trust, "", f.ID, 0
	if err := s.st.updateMaterial(t.ctx, t.tx, r.ID, m); err != nil {
		return Material{}, err
	}
	mats[i] = m
	if wasPending {
		if err := s.supply(t, r, mats, code, f); err != nil {
			return Material{}, err
		}
		return m, nil
	}
	c := t.newChange(r, ActUpload)
	c.e.To, c.e.Seq, c.e.CaseNo = r.State, r.Version, r.No
	c.e.Docs = []string{f.Hash}
	c.set("material", code)
	c.set("file", f.ID)
	c.set("trust", string(f.Trust))
	return m, c.record()
}

// supply records that a 容缺 material arrived (an ActSupply transition). Who may add it was
// checked by the caller (an upload or an e-certificate), so only the state is checked here.
func (s *Service) supply(t *txn, r *rec, mats []Material, code string, f File) error {
	rule, _ := RuleFor(ActSupply)
	if !rule.Allows(r.State) {
		return errs.New(errs.Conflict, "cases.state").With("action", string(ActSupply)).With("state", r.State.String())
	}
	c := t.newChange(r, ActSupply)
	if f.Hash != "" {
		c.e.Docs = []string{f.Hash}
		c.set("file", f.ID)
	}
	c.set("material", code)
	c.set("pending_open", slices.ContainsFunc(mats, func(m Material) bool { return m.Status == MatPending }))
	// A renewal accepted while its licence was pending learns the expiry now (art. 50).
	if s.lic != nil && r.Facts.RenewBy.IsZero() && r.Facts.DecidedOn.IsZero() && !r.Facts.AcceptedOn.IsZero() {
		it, err := s.item(t.ctx, r.ItemID, r.ItemVersion)
		if err != nil {
			return err
		}
		if it.CertAction == "renew" {
			if err := s.noteRenewal(c, it); err != nil {
				return err
			}
		}
	}
	return c.commit()
}

func cleanName(n string) string {
	n = strings.TrimSpace(n)
	if i := strings.LastIndexAny(n, `/\`); i >= 0 {
		n = n[i+1:]
	}
	if len(n) > 200 {
		n = n[:200]
	}
	return n
}

// CheckOriginal records that a clerk checked a file against the original (trust B).
func (s *Service) CheckOriginal(ctx context.Context, id, fileID string) (Material, error) {
	a, err := s.actorOf(ctx)
	if err != nil {
		return Material{}, err
	}
	var out Material
	err = s.inTx(ctx, a, func(t *txn) error {
		r, err := t.load(id)
		if err != nil {
			return err
		}
		if a.role != auth.Clerk || !a.onSide(r, SideIntake) {
			return errs.New(errs.Forbidden, "cases.material.check_clerk")
		}
		if r.State.Final() {
			return errs.New(errs.Conflict, "cases.material.closed").With("state", r.State.String())
		}
		f, err := s.st.fileByID(t.ctx, t.tx, id, fileID)
		if err != nil {
			return err
		}
		ok, err := s.st.checkFile(t.ctx, t.tx, id, fileID, a.id, t.now.UnixMilli())
		if err != nil {
			return err
		}
		if !ok {
			return errs.New(errs.Conflict, "cases.material.checked")
		}
		mats, err := s.st.materials(t.ctx, t.tx, id)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(mats, func(m Material) bool { return m.Code == f.Material })
		if i >= 0 && mats[i].FileID == fileID {
			mats[i].Trust = TrustB
			if err := s.st.updateMaterial(t.ctx, t.tx, id, mats[i]); err != nil {
				return err
			}
			out = mats[i]
		}
		c := t.newChange(r, ActCheckOriginal)
		c.e.To, c.e.Seq, c.e.CaseNo = r.State, r.Version, r.No
		c.e.Docs = []string{f.Hash}
		c.set("material", f.Material)
		c.set("file", fileID)
		return c.record()
	})
	return out, err
}

// SatisfyWithCert marks a material satisfied by an e-certificate (免证办, trust A): the
// certificates service calls it after fetching the certificate with the holder's authorisation.
// Staff of either side of the case, or the system, may do it while the material still matters.
func (s *Service) SatisfyWithCert(ctx context.Context, caseID, materialCode, certRef string) (Material, error) {
	a, err := s.actorOf(ctx)
	if err != nil {
		a = systemActor()
	}
	certRef = strings.TrimSpace(certRef)
	if certRef == "" || len(certRef) > 200 {
		return Material{}, errs.InvalidInput("cases.material.cert_ref").OnField("cert_ref")
	}
	var out Material
	err = s.inTx(ctx, a, func(t *txn) error {
		r, err := t.load(caseID)
		if err != nil {
			return err
		}
		if !a.isSystem() && (a.kind != auth.KindStaff || (!a.onSide(r, SideIntake) && !a.onSide(r, SideHandling))) {
			return errs.ForbiddenErr()
		}
		mats, err := s.st.materials(t.ctx, t.tx, caseID)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(mats, func(m Material) bool { return m.Code == materialCode })
		if i < 0 {
			return errs.InvalidInput("cases.material.unknown").OnField("material")
		}
		m := mats[i]
		if !slices.Contains(uploadStates, r.State) && m.Status != MatPending {
			return errs.New(errs.Conflict, "cases.material.closed").With("state", r.State.String())
		}
		wasPending := m.Status == MatPending
		m.Status, m.Trust, m.CertRef, m.Defect, m.PendingDue = MatCert, TrustA, certRef, "", 0
		if err := s.st.updateMaterial(t.ctx, t.tx, caseID, m); err != nil {
			return err
		}
		mats[i], out = m, m
		if wasPending {
			return s.supply(t, r, mats, materialCode, File{})
		}
		c := t.newChange(r, ActCertSatisfy)
		c.e.To, c.e.Seq, c.e.CaseNo = r.State, r.Version, r.No
		c.set("material", materialCode)
		c.set("cert_ref", certRef)
		return c.record()
	})
	return out, err
}

// OpenFile opens a file of a case for someone who may see the case.
func (s *Service) OpenFile(ctx context.Context, id, fileID string) (*os.File, File, error) {
	_, _, err := s.readCase(ctx, id)
	if err != nil {
		return nil, File{}, err
	}
	f, err := s.st.fileByID(ctx, s.d.Read, id, fileID)
	if err != nil {
		return nil, File{}, err
	}
	if s.blobs == nil {
		return nil, File{}, errs.NotFoundErr("cases.file.not_found")
	}
	fh, _, err := s.blobs.Open(f.Hash)
	if err != nil {
		return nil, File{}, err
	}
	return fh, f, nil
}
