package certs

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/gm"
	"onestamp/internal/platform/ident"
	"onestamp/internal/platform/outbox"
	"onestamp/internal/platform/workday"
)

// Topics this package consumes and emits.
const (
	TopicCaseConcluded = "case.concluded"
	TopicCaseRevoked   = "case.revoked"
	TopicIssued        = "cert.issued"
	TopicRevoked       = "cert.revoked"
	TopicUsed          = "cert.used"
)

// ConcludedEvent is the payload of "case.concluded" that certs reads. Holder identity and the
// certificate data are not in it (the outbox is not encrypted): certs asks the CaseSource.
type ConcludedEvent struct {
	CaseID      string `json:"case_id"`
	CaseNo      string `json:"case_no"`
	ItemID      string `json:"item_id"`
	ItemVersion int    `json:"item_version"`
	// Result is the decision: only "approved" issues a certificate.
	Result string `json:"result"`
	// CertType is the result_cert_type of the item version; "" issues nothing.
	CertType string `json:"cert_type,omitempty"`
	// CertAction is new (default), change (变更), renew (延续) or cancel (注销).
	CertAction Action `json:"cert_action,omitempty"`
	// Replaces names the licence a change, renewal or cancellation acts on: the id of any of
	// its versions, or its number.
	Replaces     string `json:"replaces,omitempty"`
	DecideUnitID string `json:"decide_unit_id"`
	// ChainID is the chain's parent case, when the case is an item of a chain (一照含证).
	ChainID     string `json:"chain_parent_id,omitempty"`
	ConcludedOn string `json:"concluded_on,omitempty" doc:"YYYY-MM-DD; default today"`
	// ValidTo overrides the type's validity (YYYY-MM-DD).
	ValidTo string `json:"valid_to,omitempty"`
}

// RevokedEvent is the payload of "case.revoked": the decision of a case was revoked (a false
// commitment found at post-verification); every certificate the case issued is revoked.
type RevokedEvent struct {
	CaseID string `json:"case_id"`
	CaseNo string `json:"case_no"`
	Reason string `json:"reason"`
}

// IssuedEvent is the payload of "cert.issued".
type IssuedEvent struct {
	CertID   string `json:"cert_id"`
	TypeCode string `json:"type_code"`
	No       string `json:"no"`
	Version  int    `json:"version"`
	Action   Action `json:"action"`
	CaseID   string `json:"case_id,omitempty"`
}

// Subscribe registers the package's event handlers on the dispatcher.
func (s *Service) Subscribe(x *outbox.Dispatcher) {
	x.Handle(TopicCaseConcluded, "certs.issue", s.HandleConcluded)
	x.Handle(TopicCaseRevoked, "certs.revoke", s.HandleRevoked)
}

// issueInput is everything a new certificate version is made of.
type issueInput struct {
	typ      Type
	holder   Holder
	issuer   Issuer
	no       string // imports: the paper number; else generated
	issuedOn string
	from, to string
	surface  map[string]string
	source   string
	caseID   string
	caseNo   string
	itemID   string
	chainID  string
	action   Action
	replaces *Cert // the version this one supersedes
	status   Status
	by       actor
}

// normHolder checks and normalises a holder's identifier for a type.
func (s *Service) normHolder(t Type, h Holder) (Holder, *errs.Error) {
	h.Name = cleanText(h.Name)
	if h.Name == "" || len([]rune(h.Name)) > 200 {
		return h, errs.InvalidInput("certs.holder.name").OnField("holder_name")
	}
	if t.Holder != "" && h.Type != t.Holder {
		return h, errs.InvalidInput("certs.holder.type").OnField("holder_type")
	}
	switch h.Type {
	case Org:
		r := ident.CheckUSCC(h.IDNumber)
		if !r.Valid {
			return h, errs.InvalidInput("certs.holder.uscc").OnField("holder_id")
		}
		h.IDNumber = r.Normalized
	case Person:
		r := ident.CheckIDCard(h.IDNumber, s.Now())
		if !r.Valid {
			return h, errs.InvalidInput("certs.holder.id_card").OnField("holder_id")
		}
		h.IDNumber = r.Normalized
	default:
		return h, errs.InvalidInput("certs.holder.type").OnField("holder_type")
	}
	return h, nil
}

func addYears(d workday.Date, n int) workday.Date {
	y, m, dd := d.Civil()
	return workday.NewDate(y+n, m, dd).AddDays(-1)
}

// issueTx writes a new certificate version signed with key, in tx.
func (s *Service) issueTx(ctx context.Context, tx *sql.Tx, in issueInput, key keyRow, priv *gm.PrivateKey) (Cert, error) {
	t := in.typ
	id := db.NewID()
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return Cert{}, errs.Wrap(err, "salt")
	}
	c := Cert{ID: id, TypeCode: t.Code, TypeName: t.Name, Version: 1, Holder: in.holder, IssuerID: in.issuer.UnitID,
		Issuer: in.issuer.Name, IssuerUSCC: in.issuer.USCC, RegionCode: in.issuer.RegionCode, IssuedOn: in.issuedOn,
		ValidFrom: in.from, ValidTo: in.to, Surface: in.surface, Source: in.source, CaseID: in.caseID, CaseNo: in.caseNo,
		ItemID: in.itemID, ChainID: in.chainID, Action: in.action, Status: in.status, KeyID: key.ID, salt: b64.EncodeToString(salt)}
	if c.Status == "" {
		c.Status = Valid
	}
	c.HolderMask = mask(c.Holder)
	switch {
	case in.replaces != nil:
		c.No, c.Version, c.ReplacesID = in.replaces.No, in.replaces.Version+1, in.replaces.ID
	case in.no != "":
		c.No = in.no
	case t.NumberIsHolderID:
		c.No = c.Holder.IDNumber
	default:
		region := in.issuer.RegionCode
		if len(region) >= 6 {
			region = region[:6]
		}
		n, err := s.st.nextNumber(ctx, tx, t.Code, region)
		if err != nil {
			return Cert{}, errs.Wrap(err, "certificate number")
		}
		c.No = fmt.Sprintf("%s%s%08d", t.Prefix, region, n)
	}
	if !validNo(c.No) {
		return Cert{}, errs.InvalidInput("certs.no.invalid").OnField("no")
	}
	if in.replaces == nil {
		if existing, err := s.st.lineage(ctx, tx, t.Code, c.No); err != nil {
			return Cert{}, err
		} else if len(existing) > 0 {
			return Cert{}, errs.ConflictErr("certs.no.taken").With("no", c.No).OnField("no")
		}
	}
	dg, err := dataDigest(&c)
	if err != nil {
		return Cert{}, errs.Wrap(err, "canonical data")
	}
	c.DataDigest = dg
	now := s.now()
	c.SignedAt, c.CreatedAt = now, now
	sig, err := gm.Sign(priv, c.claims().Statement())
	if err != nil {
		return Cert{}, errs.Wrap(err, "sign")
	}
	c.Signature = base64.StdEncoding.EncodeToString(sig)

	surface, err := json.Marshal(c.Surface)
	if err != nil {
		return Cert{}, errs.Wrap(err, "surface")
	}
	r := certRow{ID: c.ID, TypeCode: c.TypeCode, No: c.No, Version: c.Version, HolderType: string(c.Holder.Type),
		HolderIDBI: s.Cipher.BlindIndex(c.Holder.IDNumber), HolderMsk: c.HolderMask, IssuerID: c.IssuerID,
		IssuerName: c.Issuer, IssuerUSCC: c.IssuerUSCC, RegionCode: c.RegionCode, IssuedOn: c.IssuedOn,
		ValidFrom: c.ValidFrom, ValidTo: c.ValidTo, Salt: c.salt, Source: c.Source,
		CaseID: sql.NullString{String: c.CaseID, Valid: c.CaseID != ""}, CaseNo: c.CaseNo, ItemID: c.ItemID,
		ChainID: c.ChainID, Action: string(c.Action), ReplacesID: c.ReplacesID, Status: string(c.Status),
		KeyID: c.KeyID, SignedAt: now.UnixMilli(), DataDigest: c.DataDigest, Signature: c.Signature,
		CreatedAt: now.UnixMilli(), CreatedBy: in.by.id}
	for _, f := range []struct {
		dst      *string
		val, col string
	}{{&r.HolderName, c.Holder.Name, "certs.holder_name"}, {&r.HolderID, c.Holder.IDNumber, "certs.holder_id"},
		{&r.Surface, string(surface), "certs.surface"}} {
		if *f.dst, err = s.Cipher.EncryptString(f.val, aad(f.col, c.ID)); err != nil {
			return Cert{}, errs.Wrap(err, "encrypt %s", f.col)
		}
	}
	if err := s.st.insertCert(ctx, tx, r); err != nil {
		return Cert{}, err
	}
	if in.replaces != nil {
		if err := s.st.supersede(ctx, tx, in.replaces.ID, c.ID); err != nil {
			return Cert{}, err
		}
	}
	if err := s.record(ctx, tx, in.by, "certs.cert.issue", "cert:"+c.ID, map[string]any{
		"type": c.TypeCode, "no": c.No, "version": c.Version, "action": string(c.Action), "case_no": c.CaseNo,
		"replaces": c.ReplacesID, "key": c.KeyID}); err != nil {
		return Cert{}, err
	}
	if _, err := outbox.Emit(ctx, tx, TopicIssued, "cert:"+c.ID, IssuedEvent{CertID: c.ID, TypeCode: c.TypeCode,
		No: c.No, Version: c.Version, Action: c.Action, CaseID: c.CaseID}); err != nil {
		return Cert{}, errs.Wrap(err, "emit")
	}
	c.Status = effective(c.Status, c.ValidTo, s.today())
	return c, nil
}

// HandleConcluded issues the certificate of a concluded case: a new licence, or a new version
// of an existing one for a change, renewal or cancellation. It is idempotent: a case issues at
// most one certificate.
func (s *Service) HandleConcluded(ctx context.Context, e outbox.Event) error {
	var ev ConcludedEvent
	if err := e.Decode(&ev); err != nil {
		return fmt.Errorf("certs: case.concluded %s: %w", e.ID, err)
	}
	if ev.Result != "approved" || ev.CertType == "" || ev.CaseID == "" {
		return nil
	}
	_, err := s.IssueForCase(ctx, ev)
	if errs.Is(err, errs.Conflict) && errs.As(err).Key == "certs.case.issued" {
		return nil
	}
	return err
}

// IssueForCase issues what a concluded case produces (the work of HandleConcluded, callable
// directly by jobs and tests).
func (s *Service) IssueForCase(ctx context.Context, ev ConcludedEvent) (Cert, error) {
	if done, err := s.st.byCase(ctx, s.DB.Read, ev.CaseID); err != nil {
		return Cert{}, err
	} else if len(done) > 0 {
		return Cert{}, errs.ConflictErr("certs.case.issued")
	}
	t, ok := TypeOf(ev.CertType)
	if !ok {
		return Cert{}, errs.InvalidInput("certs.type.unknown").With("type", ev.CertType)
	}
	action := ev.CertAction
	if action == "" {
		action = ActionNew
	}
	if action != ActionNew && action != ActionChange && action != ActionRenew && action != ActionCancel {
		return Cert{}, errs.InvalidInput("certs.action.unknown").With("action", string(action))
	}
	ci, err := s.Cases.CertCase(ctx, auth.SystemScope(), ev.CaseID)
	if err != nil {
		return Cert{}, err
	}
	unit := ev.DecideUnitID
	if unit == "" {
		unit = ci.UnitID
	}
	is, err := s.Issuers.Issuer(ctx, unit)
	if err != nil {
		return Cert{}, err
	}
	sys := actor{id: "system", name: "system"}
	key, priv, err := s.signingKey(ctx, is, sys.id)
	if err != nil {
		return Cert{}, err
	}
	holder, perr := s.normHolder(t, ci.Holder)
	if perr != nil {
		return Cert{}, perr
	}
	on := s.today()
	if ev.ConcludedOn != "" {
		if on, err = workday.ParseDate(ev.ConcludedOn); err != nil {
			return Cert{}, errs.InvalidInput("certs.date.invalid").OnField("concluded_on")
		}
	}
	in := issueInput{typ: t, holder: holder, issuer: is, issuedOn: on.String(), from: on.String(), source: SourceCase,
		caseID: ci.ID, caseNo: ci.No, itemID: ci.ItemID, chainID: ci.ChainID, action: action, by: sys}
	if in.chainID == "" {
		in.chainID = ev.ChainID
	}
	if in.caseNo == "" {
		in.caseNo = ev.CaseNo
	}
	var out Cert
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var old *Cert
		if action != ActionNew {
			o, err := s.currentOf(ctx, tx, t.Code, ev.Replaces)
			if err != nil {
				return err
			}
			if s.Cipher.BlindIndex(o.Holder.IDNumber) != s.Cipher.BlindIndex(holder.IDNumber) {
				return errs.New(errs.Forbidden, "certs.holder.mismatch")
			}
			old = &o
			in.replaces = old
		}
		surface := map[string]string{}
		if old != nil {
			for k, v := range old.Surface {
				surface[k] = v
			}
		}
		for k, v := range ci.Surface {
			if _, ok := t.Field(k); ok && strings.TrimSpace(v) != "" {
				surface[k] = v
			}
		}
		clean, ps := checkSurface(t, surface)
		if len(ps) > 0 && action != ActionCancel {
			return ps[0]
		}
		in.surface = clean
		switch action {
		case ActionNew:
			if ev.ValidTo != "" {
				if _, err := workday.ParseDate(ev.ValidTo); err != nil {
					return errs.InvalidInput("certs.date.invalid").OnField("valid_to")
				}
				in.to = ev.ValidTo
			} else if t.ValidityYears > 0 {
				in.to = addYears(on, t.ValidityYears).String()
			}
		case ActionChange:
			in.to = old.ValidTo
		case ActionRenew:
			// The new term follows the old one without a gap (延续): also when the renewal is
			// concluded after the expiry, as one deemed granted by art. 50 always is.
			from := on
			if old.ValidTo != "" {
				if to, err := workday.ParseDate(old.ValidTo); err == nil {
					from = to.AddDays(1)
				}
			}
			in.from = from.String()
			if t.ValidityYears > 0 {
				in.to = addYears(from, t.ValidityYears).String()
			}
		case ActionCancel:
			in.to, in.status = on.String(), Cancelled
		}
		c, err := s.issueTx(ctx, tx, in, key, priv)
		out = c
		return err
	})
	if errs.Is(err, errs.Conflict) {
		// A concurrent delivery of the same event may have won the race.
		if done, derr := s.st.byCase(ctx, s.DB.Read, ev.CaseID); derr == nil && len(done) > 0 {
			return Cert{}, errs.ConflictErr("certs.case.issued")
		}
	}
	return out, err
}

// LicenceValidTo returns the last day of validity of the licence ref names (a number of type
// typeCode, or a case material's reference), as a renewal case needs it (art. 50): "" for a
// long-term licence. holderBI is the blind index of the applicant's ID number: another
// holder's licence is not found. A conflict for one revoked, cancelled or superseded.
func (s *Service) LicenceValidTo(ctx context.Context, typeCode, ref, holderBI string) (string, error) {
	c, err := s.currentOf(ctx, s.DB.Read, typeCode, ref)
	if err != nil {
		return "", err
	}
	if s.Cipher.BlindIndex(c.Holder.IDNumber) != holderBI {
		return "", errs.NotFoundErr("certs.replaces.not_found").OnField("replaces")
	}
	return c.ValidTo, nil
}

// currentOf returns the version in force of the licence ref names (an id of any version, or a
// number), which must not be revoked or cancelled.
func (s *Service) currentOf(ctx context.Context, q db.Q, typeCode, ref string) (Cert, error) {
	notFound := errs.NotFoundErr("certs.replaces.not_found").OnField("replaces")
	if ref == "" {
		return Cert{}, notFound
	}
	if id, ok := certRefID(ref); ok {
		ref = id // a case material's reference: the version fetched, whose lineage is looked up
	}
	no := NormalizeNo(ref)
	if r, err := s.st.cert(ctx, q, auth.SystemScope(), ref); err == nil {
		if typeCode != "" && r.TypeCode != typeCode {
			return Cert{}, notFound // a licence of another type
		}
		typeCode, no = r.TypeCode, r.No
	} else if !errs.Is(err, errs.NotFound) {
		return Cert{}, err
	}
	rows, err := s.st.lineage(ctx, q, typeCode, no)
	if err != nil {
		return Cert{}, err
	}
	if len(rows) == 0 {
		return Cert{}, notFound
	}
	c, ok := s.check(ctx, rows[0])
	if !ok {
		s.tampered(ctx, c, "supersede")
		return Cert{}, errs.ConflictErr("certs.cert.invalid")
	}
	if c.storedSt != Valid {
		return Cert{}, errs.ConflictErr("certs.cert.not_current").With("status", string(c.storedSt))
	}
	return c, nil
}

// revokers may revoke a certificate by hand: the roles that sign decisions.
var revokers = []auth.Role{auth.Chief, auth.Signer, auth.Head}

// Revoke withdraws the version in force of a certificate with a reason.
func (s *Service) Revoke(ctx context.Context, id, reason string) (Cert, error) {
	v, ok := auth.FromContext(ctx)
	if !ok {
		return Cert{}, errs.Unauth()
	}
	if !v.IsStaff() || !containsRole(revokers, v.Role) {
		return Cert{}, errs.ForbiddenErr()
	}
	reason = cleanText(reason)
	if reason == "" || len([]rune(reason)) > 500 {
		return Cert{}, errs.InvalidInput("certs.revoke.reason").OnField("reason")
	}
	var out Cert
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		r, err := s.st.cert(ctx, tx, v.Scope(), id)
		if err != nil {
			return err
		}
		rows, err := s.st.lineage(ctx, tx, r.TypeCode, r.No)
		if err != nil {
			return err
		}
		if rows[0].ID != r.ID || Status(r.Status) != Valid {
			return errs.ConflictErr("certs.cert.not_current").With("status", r.Status)
		}
		out, err = s.revokeTx(ctx, tx, r, reason, actorOf(v), "")
		return err
	})
	return out, err
}

func containsRole(rs []auth.Role, r auth.Role) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

func (s *Service) revokeTx(ctx context.Context, tx *sql.Tx, r certRow, reason string, a actor, caseNo string) (Cert, error) {
	now := s.now()
	if err := s.st.revoke(ctx, tx, r.ID, now.UnixMilli(), reason); err != nil {
		return Cert{}, err
	}
	if err := s.record(ctx, tx, a, "certs.cert.revoke", "cert:"+r.ID, map[string]any{
		"type": r.TypeCode, "no": r.No, "version": r.Version, "reason": reason, "case_no": caseNo}); err != nil {
		return Cert{}, err
	}
	if _, err := outbox.Emit(ctx, tx, TopicRevoked, "cert:"+r.ID, map[string]any{"cert_id": r.ID, "type_code": r.TypeCode,
		"no": r.No, "version": r.Version, "reason": reason}); err != nil {
		return Cert{}, errs.Wrap(err, "emit")
	}
	r.Status, r.RevokeReason = string(Revoked), reason
	r.RevokedAt = sql.NullInt64{Int64: now.UnixMilli(), Valid: true}
	return s.open(r)
}

// HandleRevoked revokes the licence versions in force that a revoked case issued or changed.
// Already revoked ones are left alone, so a redelivery changes nothing.
func (s *Service) HandleRevoked(ctx context.Context, e outbox.Event) error {
	var ev RevokedEvent
	if err := e.Decode(&ev); err != nil {
		return fmt.Errorf("certs: case.revoked %s: %w", e.ID, err)
	}
	if ev.CaseID == "" {
		return nil
	}
	_, err := s.RevokeForCase(ctx, ev)
	return err
}

// RevokeForCase is the work of HandleRevoked; it returns the certificates it revoked.
func (s *Service) RevokeForCase(ctx context.Context, ev RevokedEvent) ([]Cert, error) {
	reason := cleanText(ev.Reason)
	if reason == "" {
		reason = "case revoked"
	}
	var out []Cert
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		rows, err := s.st.byCase(ctx, tx, ev.CaseID)
		if err != nil {
			return err
		}
		for _, r := range rows {
			lin, err := s.st.lineage(ctx, tx, r.TypeCode, r.No)
			if err != nil {
				return err
			}
			cur := lin[0]
			if Status(cur.Status) != Valid {
				continue
			}
			c, err := s.revokeTx(ctx, tx, cur, reason, actor{id: "system", name: "system"}, ev.CaseNo)
			if err != nil {
				return err
			}
			out = append(out, c)
		}
		return nil
	})
	return out, err
}

// sinceDays is a helper for grant expiry.
func sinceDays(t time.Time, days int) time.Time { return t.Add(time.Duration(days) * 24 * time.Hour) }
