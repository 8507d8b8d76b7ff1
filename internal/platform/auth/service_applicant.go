package auth

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"math/big"
	"strings"
	"time"
	"unicode/utf8"

	"onestamp/internal/platform/db"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/gm"
	"onestamp/internal/platform/ident"
	"onestamp/internal/platform/notify"
)

// Applicant subject types.
const (
	SubjectPerson = "person" // a natural person, by resident ID number
	SubjectOrg    = "org"    // an organisation, by 统一社会信用代码
)

// SMS code purposes.
const (
	PurposeLogin    = "login"
	PurposeRegister = "register"
)

// Registration is an applicant's registration form.
type Registration struct {
	SubjectType string `json:"subject_type" doc:"person or org"`
	IDNumber    string `json:"id_number" doc:"resident ID number (person) or 统一社会信用代码 (org)"`
	Name        string `json:"name" doc:"the person's or organisation's name"`
	Mobile      string `json:"mobile"`
	Password    string `json:"password"`
	Code        string `json:"code" doc:"the SMS code sent to the mobile for registration"`
}

// normalized checks a registration and returns it with canonical identifiers.
func (s *Service) normalized(in Registration) (Registration, error) {
	out := in
	out.Name = strings.TrimSpace(in.Name)
	switch in.SubjectType {
	case SubjectPerson:
		r := ident.CheckIDCard(in.IDNumber, s.now())
		if !r.Valid {
			return out, errs.InvalidInput("auth.applicant.id_number_invalid").OnField("id_number")
		}
		out.IDNumber = r.Normalized
	case SubjectOrg:
		r := ident.CheckUSCC(in.IDNumber)
		if !r.Valid {
			return out, errs.InvalidInput("auth.applicant.uscc_invalid").OnField("id_number")
		}
		out.IDNumber = r.Normalized
	default:
		return out, errs.InvalidInput("auth.applicant.subject_type").OnField("subject_type")
	}
	if n := utf8.RuneCountInString(out.Name); n < 2 || n > 100 {
		return out, errs.InvalidInput("auth.applicant.name_invalid").OnField("name")
	}
	m, err := normMobile(in.Mobile)
	if err != nil {
		return out, err
	}
	out.Mobile = m
	if err := CheckPasswordPolicy(in.Password, out.IDNumber); err != nil {
		return out, err
	}
	if err := CheckPasswordPolicy(in.Password, out.Mobile); err != nil {
		return out, err
	}
	return out, nil
}

func normMobile(s string) (string, error) {
	r := ident.CheckMobile(s)
	if !r.Valid {
		return "", errs.InvalidInput("auth.mobile.invalid").OnField("mobile")
	}
	return r.Normalized, nil
}

// Register creates an applicant account after checking the SMS code sent to its mobile, and
// starts a session.
func (s *Service) Register(ctx context.Context, in Registration) (*Session, error) {
	reg, err := s.normalized(in)
	if err != nil {
		return nil, err
	}
	if err := s.verifySMS(ctx, s.cipher.BlindIndex(reg.Mobile), PurposeRegister, in.Code); err != nil {
		return nil, err
	}
	hash, err := HashPassword(reg.Password, s.opt.Argon2)
	if err != nil {
		return nil, err
	}
	var sess *Session
	err = s.tx(ctx, func(tx *sql.Tx) error {
		u, err := s.createApplicant(ctx, tx, reg, hash)
		if err != nil {
			return err
		}
		sess, err = s.begin(ctx, tx, u, "register")
		return err
	})
	return sess, err
}

// SeedApplicant creates an applicant account without an SMS code, for demo data and imports.
// It returns the account id.
func (s *Service) SeedApplicant(ctx context.Context, in Registration) (string, error) {
	reg, err := s.normalized(in)
	if err != nil {
		return "", err
	}
	hash, err := HashPassword(reg.Password, s.opt.Argon2)
	if err != nil {
		return "", err
	}
	var id string
	err = s.tx(ctx, func(tx *sql.Tx) error {
		u, err := s.createApplicant(ctx, tx, reg, hash)
		id = u.ID
		return err
	})
	return id, err
}

func (s *Service) createApplicant(ctx context.Context, tx *sql.Tx, reg Registration, hash string) (userRow, error) {
	now := s.now().UnixMilli()
	u := userRow{ID: db.NewID(), Kind: string(KindApplicant), Active: true, PasswordHash: hash, CreatedAt: now, UpdatedAt: now}
	a := applicantRow{UserID: u.ID, SubjectType: reg.SubjectType, IDNumberBI: s.cipher.BlindIndex(reg.IDNumber),
		MobileBI: s.cipher.BlindIndex(reg.Mobile), CreatedAt: now}
	var err error
	for _, f := range []struct {
		dst      *string
		val, col string
	}{{&a.IDNumber, reg.IDNumber, "applicants.id_number"}, {&a.Name, reg.Name, "applicants.name"}, {&a.Mobile, reg.Mobile, "applicants.mobile"}} {
		if *f.dst, err = s.cipher.EncryptString(f.val, aad(f.col, u.ID)); err != nil {
			return u, errs.Wrap(err, "encrypt %s", f.col)
		}
	}
	if err := s.st.insertUser(ctx, tx, u); err != nil {
		return u, err
	}
	if err := s.st.insertApplicant(ctx, tx, a); err != nil {
		return u, err
	}
	if err := s.st.setPassword(ctx, tx, u.ID, hash, false, now); err != nil {
		return u, err
	}
	return u, s.write(ctx, tx, record{actorID: u.ID, actorName: maskName(reg.SubjectType, reg.Name),
		action: "auth.register", subject: userSubject(u.ID), detail: map[string]any{"subject_type": reg.SubjectType}})
}

// ApplicantLogin is an applicant's password login form.
type ApplicantLogin struct {
	Identifier string `json:"identifier" doc:"resident ID number, 统一社会信用代码 or mobile number"`
	Password   string `json:"password"`
}

// LoginApplicant checks an applicant's password and starts a session.
func (s *Service) LoginApplicant(ctx context.Context, in ApplicantLogin) (*Session, error) {
	if strings.TrimSpace(in.Identifier) == "" || in.Password == "" {
		return nil, errs.InvalidInput("auth.login.missing")
	}
	u, err := s.findApplicant(ctx, in.Identifier)
	if errs.Is(err, errs.NotFound) {
		VerifyPassword(s.dummy, in.Password)
		if err := s.auditAlone(ctx, record{actorID: "anonymous", action: "auth.login_failed", subject: "applicant:unknown",
			detail: map[string]any{"reason": "unknown_user", "identifier": maskIdentifier(in.Identifier)}}); err != nil {
			return nil, err
		}
		return nil, errBadCredentials()
	}
	if err != nil {
		return nil, err
	}
	return s.passwordLogin(ctx, u, in.Password, "")
}

// findApplicant finds an applicant by ID number, USCC or (when only one account uses it) mobile.
func (s *Service) findApplicant(ctx context.Context, identifier string) (userRow, error) {
	r := ident.Check(identifier, s.now())
	if !r.Valid {
		return userRow{}, errs.NotFoundErr("auth.user.not_found")
	}
	switch r.Kind {
	case ident.KindMobile:
		as, err := s.st.applicantsByMobile(ctx, s.d.Read, s.cipher.BlindIndex(r.Normalized))
		if err != nil {
			return userRow{}, err
		}
		switch len(as) {
		case 0:
			return userRow{}, errs.NotFoundErr("auth.user.not_found")
		case 1:
			return s.st.userByID(ctx, s.d.Read, as[0].UserID)
		}
		return userRow{}, errs.InvalidInput("auth.login.mobile_ambiguous").OnField("identifier")
	case ident.KindIDCard, ident.KindUSCC:
		a, err := s.st.applicantByIDNumber(ctx, s.d.Read, s.cipher.BlindIndex(r.Normalized))
		if err != nil {
			return userRow{}, err
		}
		return s.st.userByID(ctx, s.d.Read, a.UserID)
	}
	return userRow{}, errs.NotFoundErr("auth.user.not_found")
}

// maskIdentifier masks an identifier someone typed, for the audit log.
func maskIdentifier(s string) string {
	r := ident.Check(s, time.Now())
	switch r.Kind {
	case ident.KindMobile:
		return ident.MaskMobile(s)
	case ident.KindUSCC:
		return ident.MaskUSCC(s)
	}
	return ident.MaskIDCard(s)
}

// SendSMSCode sends a one-time code to a mobile number. For a login code nothing is sent when
// no account uses the number, and the answer is the same, so that it does not tell who is
// registered. A mobile gets at most one code a minute and SMSPerDay a day.
func (s *Service) SendSMSCode(ctx context.Context, mobile, purpose string) error {
	m, err := normMobile(mobile)
	if err != nil {
		return err
	}
	if purpose != PurposeLogin && purpose != PurposeRegister {
		return errs.InvalidInput("auth.sms.purpose").OnField("purpose")
	}
	bi := s.cipher.BlindIndex(m)
	send := true
	if purpose == PurposeLogin {
		as, err := s.st.applicantsByMobile(ctx, s.d.Read, bi)
		if err != nil {
			return err
		}
		send = len(as) > 0
	}
	now := s.now()
	code := randomDigits(6)
	var rateErr error
	err = s.tx(ctx, func(tx *sql.Tx) error {
		n, last, err := s.st.smsCodesSince(ctx, tx, bi, now.Add(-24*time.Hour).UnixMilli())
		if err != nil {
			return err
		}
		if n >= s.opt.SMSPerDay {
			rateErr = errs.New(errs.TooMany, "auth.sms.too_many").With("retry_after", 3600)
			return nil
		}
		if wait := time.UnixMilli(last).Add(s.opt.SMSInterval).Sub(now); last != 0 && wait > 0 {
			secs := int64(wait.Seconds()) + 1
			rateErr = errs.New(errs.TooMany, "auth.sms.wait").With("seconds", secs).With("retry_after", secs)
			return nil
		}
		return s.st.insertSMSCode(ctx, tx, smsRow{ID: db.NewID(), MobileBI: bi, Purpose: purpose,
			CodeHash: s.smsHash(bi, purpose, code), CreatedAt: now.UnixMilli(), ExpiresAt: now.Add(s.opt.SMSCodeTTL).UnixMilli()})
	})
	switch {
	case err != nil:
		return err
	case rateErr != nil:
		return rateErr
	case !send:
		return nil
	}
	return s.notifier.Send(ctx, notify.Message{To: m, Channel: notify.SMS, TemplateKey: "auth.sms.code",
		Args: map[string]any{"code": code, "minutes": int(s.opt.SMSCodeTTL.Minutes())}})
}

func (s *Service) smsHash(mobileBI, purpose, code string) string {
	return s.cipher.BlindIndex("sms|" + purpose + "|" + mobileBI + "|" + code)
}

func randomDigits(n int) string {
	var b strings.Builder
	for range n {
		d, err := rand.Int(rand.Reader, big.NewInt(10))
		if err != nil {
			panic(err)
		}
		fmt.Fprint(&b, d.Int64())
	}
	return b.String()
}

// verifySMS checks a code against the newest live code of a mobile. Every entry counts; after
// SMSMaxAttempts wrong entries the code is dead.
func (s *Service) verifySMS(ctx context.Context, mobileBI, purpose, code string) error {
	code = strings.TrimSpace(code)
	if code == "" {
		return errs.InvalidInput("auth.sms.missing").OnField("code")
	}
	var verr error
	err := s.tx(ctx, func(tx *sql.Tx) error {
		row, err := s.st.latestSMSCode(ctx, tx, mobileBI, purpose, s.now().UnixMilli())
		if errs.Is(err, errs.NotFound) {
			verr = errs.InvalidInput("auth.sms.invalid").OnField("code")
			return nil
		}
		if err != nil {
			return err
		}
		if row.Attempts >= s.opt.SMSMaxAttempts {
			verr = errs.InvalidInput("auth.sms.exhausted").OnField("code")
			return s.st.smsAttempt(ctx, tx, row.ID, true)
		}
		if gm.Equal([]byte(s.smsHash(mobileBI, purpose, code)), []byte(row.CodeHash)) {
			return s.st.smsAttempt(ctx, tx, row.ID, true)
		}
		dead := row.Attempts+1 >= s.opt.SMSMaxAttempts
		verr = errs.InvalidInput("auth.sms.invalid").OnField("code")
		if dead {
			verr = errs.InvalidInput("auth.sms.exhausted").OnField("code")
		}
		return s.st.smsAttempt(ctx, tx, row.ID, dead)
	})
	if err != nil {
		return err
	}
	return verr
}

// SMSLogin is the form of a login by SMS code.
type SMSLogin struct {
	Mobile     string `json:"mobile"`
	Code       string `json:"code"`
	Identifier string `json:"identifier,omitempty" doc:"ID number or USCC, needed when several accounts share the mobile"`
}

// LoginSMS logs an applicant in with a code sent to their mobile.
func (s *Service) LoginSMS(ctx context.Context, in SMSLogin) (*Session, error) {
	m, err := normMobile(in.Mobile)
	if err != nil {
		return nil, err
	}
	bi := s.cipher.BlindIndex(m)
	as, err := s.st.applicantsByMobile(ctx, s.d.Read, bi)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(in.Identifier) != "" {
		r := ident.Check(in.Identifier, s.now())
		want := s.cipher.BlindIndex(r.Normalized)
		var keep []applicantRow
		for _, a := range as {
			if r.Valid && a.IDNumberBI == want {
				keep = append(keep, a)
			}
		}
		as = keep
	}
	// Asking for the identifier before the code is checked leaves the code usable.
	if len(as) > 1 {
		return nil, errs.InvalidInput("auth.login.mobile_ambiguous").OnField("identifier")
	}
	if err := s.verifySMS(ctx, bi, PurposeLogin, in.Code); err != nil {
		return nil, err
	}
	if len(as) == 0 {
		return nil, errBadCredentials()
	}
	u, err := s.st.userByID(ctx, s.d.Read, as[0].UserID)
	if err != nil {
		return nil, err
	}
	if !u.Active {
		return nil, s.failed(ctx, u, "inactive", false)
	}
	if until := time.UnixMilli(u.LockedUntil); until.After(s.now()) {
		return nil, errLocked(until, s.now())
	}
	var sess *Session
	err = s.tx(ctx, func(tx *sql.Tx) error {
		sess, err = s.begin(ctx, tx, u, "sms")
		return err
	})
	return sess, err
}

// Profile is an applicant's account as screens and JSON show it: masked.
type Profile struct {
	ID          string    `json:"id"`
	SubjectType string    `json:"subject_type"`
	IDNumber    string    `json:"id_number" doc:"masked"`
	Name        string    `json:"name" doc:"masked for a natural person"`
	Mobile      string    `json:"mobile" doc:"masked"`
	Active      bool      `json:"active"`
	CreatedAt   time.Time `json:"created_at"`
}

type plainApplicant struct {
	row                    applicantRow
	user                   userRow
	idNumber, name, mobile string
}

func (s *Service) decryptApplicant(ctx context.Context, id string) (plainApplicant, error) {
	var p plainApplicant
	var err error
	if p.user, err = s.st.userByID(ctx, s.d.Read, id); err != nil {
		return p, err
	}
	if p.row, err = s.st.applicant(ctx, s.d.Read, id); err != nil {
		return p, err
	}
	for _, f := range []struct {
		dst      *string
		val, col string
	}{{&p.idNumber, p.row.IDNumber, "applicants.id_number"}, {&p.name, p.row.Name, "applicants.name"}, {&p.mobile, p.row.Mobile, "applicants.mobile"}} {
		if *f.dst, err = s.cipher.DecryptString(f.val, aad(f.col, id)); err != nil {
			return p, errs.Wrap(err, "decrypt %s", f.col)
		}
	}
	return p, nil
}

// ApplicantProfile returns an applicant's masked profile to the applicant or to staff.
func (s *Service) ApplicantProfile(ctx context.Context, v *Viewer, id string) (Profile, error) {
	if v == nil || !(v.ID == id || v.IsStaff()) {
		return Profile{}, errs.NotFoundErr("auth.applicant.not_found")
	}
	p, err := s.decryptApplicant(ctx, id)
	if err != nil {
		return Profile{}, err
	}
	mask := ident.MaskIDCard
	if p.row.SubjectType == SubjectOrg {
		mask = ident.MaskUSCC
	}
	return Profile{ID: id, SubjectType: p.row.SubjectType, IDNumber: mask(p.idNumber), Name: maskName(p.row.SubjectType, p.name),
		Mobile: ident.MaskMobile(p.mobile), Active: p.user.Active, CreatedAt: time.UnixMilli(p.row.CreatedAt)}, nil
}

// Unmaskable fields of an applicant.
const (
	FieldIDNumber = "id_number"
	FieldName     = "name"
	FieldMobile   = "mobile"
)

// UnmaskApplicant returns one personal field of an applicant in full, to a staff member with the
// unmask permission, and audits it.
func (s *Service) UnmaskApplicant(ctx context.Context, v *Viewer, id, field, reason string) (string, error) {
	if field != FieldIDNumber && field != FieldName && field != FieldMobile {
		return "", errs.InvalidInput("auth.unmask.field").OnField("field")
	}
	return s.Reveal(ctx, v, "applicant:"+id, field, reason, func() (string, error) {
		p, err := s.decryptApplicant(ctx, id)
		switch field {
		case FieldIDNumber:
			return p.idNumber, err
		case FieldName:
			return p.name, err
		}
		return p.mobile, err
	})
}

// Reveal is the one gate for showing personal data in full, for every package: it refuses a
// viewer without the unmask permission and writes an audit record (subject, field and reason)
// before value is returned. A refused attempt is audited too.
func (s *Service) Reveal(ctx context.Context, v *Viewer, subject, field, reason string, value func() (string, error)) (string, error) {
	if v == nil || !v.IsStaff() {
		return "", errs.ForbiddenErr()
	}
	if !v.Can(PermUnmask) {
		if err := s.auditAlone(ctx, record{actor: v, action: "auth.unmask_refused", subject: subject,
			detail: map[string]any{"field": field}}); err != nil {
			return "", err
		}
		return "", errs.New(errs.Forbidden, "auth.unmask.forbidden")
	}
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > 200 {
		return "", errs.InvalidInput("auth.unmask.reason").OnField("reason")
	}
	val, err := value()
	if err != nil {
		return "", err
	}
	if err := s.auditAlone(ctx, record{actor: v, action: "auth.unmask", subject: subject,
		detail: map[string]any{"field": field, "reason": reason}}); err != nil {
		return "", err
	}
	return val, nil
}

// Identity is who an applicant account is, in clear: for services that must act on it inside
// the platform (a certificate names its holder, a case its applicant). It is never sent to a
// screen as it is; callers mask or encrypt it again.
type Identity struct {
	AccountID   string
	SubjectType string // person | org
	IDNumber    string // resident ID number or 统一社会信用代码
	Name        string
	Mobile      string
}

// ApplicantIdentity returns the clear identity of an applicant account, for trusted callers in
// the process (no viewer: the caller has already decided that the use is allowed).
func (s *Service) ApplicantIdentity(ctx context.Context, accountID string) (Identity, error) {
	p, err := s.decryptApplicant(ctx, accountID)
	if err != nil {
		return Identity{}, err
	}
	return Identity{AccountID: accountID, SubjectType: p.row.SubjectType, IDNumber: p.idNumber, Name: p.name, Mobile: p.mobile}, nil
}

// ApplicantAccount returns the id of the applicant account registered with an ID number or
// 统一社会信用代码, or "" when there is none: a case filed at a window for that person then also
// shows under their "my cases" online.
func (s *Service) ApplicantAccount(ctx context.Context, idNumber string) string {
	r := ident.Check(idNumber, s.now())
	if !r.Valid || (r.Kind != ident.KindIDCard && r.Kind != ident.KindUSCC) {
		return ""
	}
	a, err := s.st.applicantByIDNumber(ctx, s.d.Read, s.cipher.BlindIndex(r.Normalized))
	if err != nil {
		return ""
	}
	return a.UserID
}

// StaffName returns a member of staff's display name, or "" for an unknown id.
func (s *Service) StaffName(ctx context.Context, userID string) string {
	u, err := s.st.userByID(ctx, s.d.Read, userID)
	if err != nil || u.Kind != string(KindStaff) {
		return ""
	}
	return u.Name
}
