package cases

import (
	"context"
	"database/sql"
	"strings"
	"unicode/utf8"

	"onestamp/internal/platform/audit"
	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/blob"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/ident"
	"onestamp/internal/platform/web"
)

// ApplicantInput names the applicant of a new case.
type ApplicantInput struct {
	Type     string `json:"type" doc:"person or org"`
	Name     string `json:"name"`
	IDNumber string `json:"id_number" doc:"resident ID number (person) or 统一社会信用代码 (org)"`
	Mobile   string `json:"mobile"`
}

// AgentInput names who files for the applicant: an authorised agent (kind agent), or — set by
// the service when a clerk files at the window — the clerk assisting (kind assisted).
type AgentInput struct {
	Kind        string `json:"kind" doc:"agent or assisted"`
	Name        string `json:"name"`
	IDNumber    string `json:"id_number,omitempty" doc:"the agent's resident ID number"`
	Mobile      string `json:"mobile,omitempty"`
	AuthDocHash string `json:"auth_doc_hash" doc:"the uploaded authorisation (委托书), required"`
}

// normApplicant checks and normalises the applicant: an ID number or credit code that fails its
// check is rejected with the field (a USCC checksum warning passes, DOMAIN §11).
func (s *Service) normApplicant(in ApplicantInput) (ApplicantInput, error) {
	out := in
	out.Name = strings.TrimSpace(in.Name)
	now := s.now()
	switch in.Type {
	case SubjectPerson:
		r := ident.CheckIDCard(in.IDNumber, now)
		if !r.Valid {
			return out, errs.InvalidInput("cases.applicant.id_number").OnField("applicant.id_number")
		}
		out.IDNumber = r.Normalized
	case SubjectOrg:
		r := ident.CheckUSCC(in.IDNumber)
		if r.Status == ident.StatusMalformed || r.Normalized == "" {
			return out, errs.InvalidInput("cases.applicant.uscc").OnField("applicant.id_number")
		}
		out.IDNumber = r.Normalized
	default:
		return out, errs.InvalidInput("cases.applicant.type").OnField("applicant.type")
	}
	if n := utf8.RuneCountInString(out.Name); n < 2 || n > 100 {
		return out, errs.InvalidInput("cases.applicant.name").OnField("applicant.name")
	}
	m := ident.CheckMobile(in.Mobile)
	if !m.Valid {
		return out, errs.InvalidInput("cases.applicant.mobile").OnField("applicant.mobile")
	}
	out.Mobile = m.Normalized
	return out, nil
}

func (s *Service) normAgent(in AgentInput) (AgentInput, error) {
	out := in
	out.Name = strings.TrimSpace(in.Name)
	if n := utf8.RuneCountInString(out.Name); n < 2 || n > 100 {
		return out, errs.InvalidInput("cases.agent.name").OnField("agent.name")
	}
	if in.IDNumber != "" {
		r := ident.CheckIDCard(in.IDNumber, s.now())
		if !r.Valid {
			return out, errs.InvalidInput("cases.agent.id_number").OnField("agent.id_number")
		}
		out.IDNumber = r.Normalized
	}
	if in.Mobile != "" {
		m := ident.CheckMobile(in.Mobile)
		if !m.Valid {
			return out, errs.InvalidInput("cases.agent.mobile").OnField("agent.mobile")
		}
		out.Mobile = m.Normalized
	}
	if !blob.ValidHash(in.AuthDocHash) || (s.blobs != nil && !s.blobs.Has(in.AuthDocHash)) {
		return out, errs.InvalidInput("cases.agent.auth_doc").OnField("agent.auth_doc_hash")
	}
	return out, nil
}

func aad(caseID, field string) string { return "cases." + field + ":" + caseID }

// sealApplicant stores the applicant on r: encrypted, blind-indexed, with masked copies for lists.
func (s *Service) sealApplicant(r *rec, in ApplicantInput) error {
	var err error
	r.ApplicantType = in.Type
	if r.ApplicantName, err = s.cipher.EncryptString(in.Name, aad(r.ID, "applicant_name")); err != nil {
		return errs.Wrap(err, "encrypt")
	}
	if r.ApplicantID, err = s.cipher.EncryptString(in.IDNumber, aad(r.ID, "applicant_id")); err != nil {
		return errs.Wrap(err, "encrypt")
	}
	if r.ApplicantMobile, err = s.cipher.EncryptString(in.Mobile, aad(r.ID, "applicant_mobile")); err != nil {
		return errs.Wrap(err, "encrypt")
	}
	r.ApplicantIDBI = s.cipher.BlindIndex(in.IDNumber)
	r.ApplicantMobileMasked = ident.MaskMobile(in.Mobile)
	if in.Type == SubjectPerson {
		r.ApplicantLabel, r.ApplicantIDMasked = ident.MaskName(in.Name), ident.MaskIDCard(in.IDNumber)
	} else {
		// An organisation's name and credit code are public; the mobile of its contact is not.
		r.ApplicantLabel, r.ApplicantIDMasked = in.Name, in.IDNumber
	}
	return nil
}

func (s *Service) sealAgent(r *rec, in AgentInput, assistedBy string) error {
	a := &agentRec{Kind: in.Kind, Label: ident.MaskName(in.Name), AuthDocHash: in.AuthDocHash, AssistedBy: assistedBy}
	var err error
	if a.Name, err = s.cipher.EncryptString(in.Name, aad(r.ID, "agent_name")); err != nil {
		return errs.Wrap(err, "encrypt")
	}
	if in.IDNumber != "" {
		if a.IDNumber, err = s.cipher.EncryptString(in.IDNumber, aad(r.ID, "agent_id")); err != nil {
			return errs.Wrap(err, "encrypt")
		}
		a.IDMasked = ident.MaskIDCard(in.IDNumber)
		r.AgentIDBI = s.cipher.BlindIndex(in.IDNumber)
	}
	if in.Mobile != "" {
		if a.Mobile, err = s.cipher.EncryptString(in.Mobile, aad(r.ID, "agent_mobile")); err != nil {
			return errs.Wrap(err, "encrypt")
		}
		a.MobileMask = ident.MaskMobile(in.Mobile)
	}
	r.Agent = a
	return nil
}

func (s *Service) openApplicant(r *rec) (Applicant, error) {
	out := Applicant{Type: r.ApplicantType}
	var err error
	if out.Name, err = s.cipher.DecryptString(r.ApplicantName, aad(r.ID, "applicant_name")); err != nil {
		return out, errs.Wrap(err, "decrypt applicant of %s", r.ID)
	}
	if out.IDNumber, err = s.cipher.DecryptString(r.ApplicantID, aad(r.ID, "applicant_id")); err != nil {
		return out, errs.Wrap(err, "decrypt applicant of %s", r.ID)
	}
	if out.Mobile, err = s.cipher.DecryptString(r.ApplicantMobile, aad(r.ID, "applicant_mobile")); err != nil {
		return out, errs.Wrap(err, "decrypt applicant of %s", r.ID)
	}
	return out, nil
}

func (s *Service) openAgent(r *rec) (*Agent, error) {
	if r.Agent == nil {
		return nil, nil
	}
	a := &Agent{Kind: r.Agent.Kind, AuthDocHash: r.Agent.AuthDocHash, AssistedBy: r.Agent.AssistedBy}
	var err error
	if a.Name, err = s.cipher.DecryptString(r.Agent.Name, aad(r.ID, "agent_name")); err != nil {
		return nil, errs.Wrap(err, "decrypt agent of %s", r.ID)
	}
	if a.IDNumber, err = s.cipher.DecryptString(r.Agent.IDNumber, aad(r.ID, "agent_id")); err != nil {
		return nil, errs.Wrap(err, "decrypt agent of %s", r.ID)
	}
	if a.Mobile, err = s.cipher.DecryptString(r.Agent.Mobile, aad(r.ID, "agent_mobile")); err != nil {
		return nil, errs.Wrap(err, "decrypt agent of %s", r.ID)
	}
	return a, nil
}

// Unmasked is the applicant and agent of a case in full.
type Unmasked struct {
	Applicant Applicant `json:"applicant"`
	Agent     *Agent    `json:"agent,omitempty"`
}

// Unmask returns the personal identifiers of a case in full. The applicant who owns the case may
// always see their own; staff need the unmask permission, and every unmasking by staff writes an
// audit record.
func (s *Service) Unmask(ctx context.Context, id string) (Unmasked, error) {
	a, r, err := s.readCase(ctx, id)
	if err != nil {
		return Unmasked{}, err
	}
	owner := a.kind == auth.KindApplicant && r.OwnerID == a.id
	// A joint department sees the case to give its opinion on the matter, not the applicant's
	// identifiers: unmasking is for the case's own sides.
	ownSide := a.scope.Allows(r.RecvRegion, r.RecvUnit, "") || a.scope.Allows(r.HandlingRegion, r.HandlingUnit, "")
	if !owner && (a.kind != auth.KindStaff || !a.v.Can(auth.PermUnmask) || !ownSide) {
		return Unmasked{}, errs.ForbiddenErr()
	}
	var out Unmasked
	if out.Applicant, err = s.openApplicant(r); err != nil {
		return Unmasked{}, err
	}
	if out.Agent, err = s.openAgent(r); err != nil {
		return Unmasked{}, err
	}
	if !owner {
		err = s.d.Tx(ctx, func(tx *sql.Tx) error {
			return s.audit.Append(ctx, tx, audit.Record{Chain: s.auditChain(r.ID), Actor: a.id, ActorName: a.name,
				Role: string(a.role), Action: "case.unmask", Subject: "case:" + r.ID,
				Detail: map[string]any{"no": r.No}, RequestID: web.RequestID(ctx), At: s.clock()})
		})
		if err != nil {
			return Unmasked{}, errs.Wrap(err, "audit unmask")
		}
	}
	return out, nil
}

// Holder returns the applicant of a case in full, for other domains' background work that needs
// the holder (issuing a certificate, inviting a rating by SMS). It checks no viewer: never call
// it with a value taken from a request without checking access first.
func (s *Service) Holder(ctx context.Context, caseID string) (Applicant, error) {
	r, err := s.st.getCase(ctx, s.d.Read, caseID)
	if err != nil {
		return Applicant{}, err
	}
	return s.openApplicant(r)
}

// ApplicantIndex returns the blind index of an identifier as the cases store it, so that other
// domains can match a person or organisation without holding the clear value.
func (s *Service) ApplicantIndex(idNumber string) string { return s.cipher.BlindIndex(idNumber) }
