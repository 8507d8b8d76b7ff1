package auth

import (
	"context"
	"database/sql"

	"onestamp/internal/platform/errs"
)

// PasswordChange is the form to change one's own password.
type PasswordChange struct {
	Current string `json:"current_password"`
	New     string `json:"new_password"`
}

// ChangePassword changes the viewer's own password under the policy: length, character
// classes, not containing the login name, not one of the last five. A wrong current password
// counts towards a lockout. Other sessions of the account end.
func (s *Service) ChangePassword(ctx context.Context, v *Viewer, in PasswordChange) error {
	if v == nil || v.Kind == KindToken {
		return errs.ForbiddenErr()
	}
	u, err := s.st.userByID(ctx, s.d.Read, v.ID)
	if err != nil {
		return err
	}
	if !VerifyPassword(u.PasswordHash, in.Current) {
		if err := s.failed(ctx, u, "password_change", true); errs.Is(err, errs.TooMany) || errs.Is(err, errs.Internal) {
			return err
		}
		return errs.InvalidInput("auth.password.wrong_current").OnField("current_password")
	}
	names := []string{u.Username}
	if v.Kind == KindApplicant {
		p, err := s.decryptApplicant(ctx, v.ID)
		if err != nil {
			return err
		}
		names = []string{p.idNumber, p.mobile}
	}
	for _, n := range names {
		if err := CheckPasswordPolicy(in.New, n); err != nil {
			return errs.As(err).OnField("new_password")
		}
	}
	recent, err := s.st.recentPasswords(ctx, s.d.Read, v.ID, PasswordHistory)
	if err != nil {
		return err
	}
	for _, h := range recent {
		if VerifyPassword(h, in.New) {
			return errs.InvalidInput("auth.password.reused").With("n", PasswordHistory).OnField("new_password")
		}
	}
	hash, err := HashPassword(in.New, s.opt.Argon2)
	if err != nil {
		return err
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.st.setPassword(ctx, tx, v.ID, hash, false, s.now().UnixMilli()); err != nil {
			return err
		}
		if err := s.st.deleteUserSessions(ctx, tx, v.ID, v.session); err != nil {
			return err
		}
		return s.write(ctx, tx, record{actor: v, action: "auth.password_change", subject: userSubject(v.ID)})
	})
	if err == nil {
		v.MustChange = false
	}
	return err
}

// TOTPEnrolment is what an authenticator app needs: the secret and the otpauth URI.
type TOTPEnrolment struct {
	Secret string `json:"secret" doc:"base32"`
	URI    string `json:"uri" doc:"otpauth:// URI for a QR code"`
}

func (s *Service) totpSecret(u userRow) ([]byte, error) {
	plain, err := s.cipher.DecryptString(u.TOTPSecret, aad("users.totp_secret", u.ID))
	if err != nil {
		return nil, errs.Wrap(err, "decrypt totp secret")
	}
	return DecodeSecret(plain)
}

// BeginTOTP starts enrolling the viewer's second factor: a new secret, not yet in force.
func (s *Service) BeginTOTP(ctx context.Context, v *Viewer) (TOTPEnrolment, error) {
	if v == nil || v.Kind == KindToken {
		return TOTPEnrolment{}, errs.ForbiddenErr()
	}
	u, err := s.st.userByID(ctx, s.d.Read, v.ID)
	if err != nil {
		return TOTPEnrolment{}, err
	}
	if u.TOTPEnabled {
		return TOTPEnrolment{}, errs.ConflictErr("auth.totp.already")
	}
	secret := NewTOTPSecret()
	enc, err := s.cipher.EncryptString(EncodeSecret(secret), aad("users.totp_secret", u.ID))
	if err != nil {
		return TOTPEnrolment{}, errs.Wrap(err, "encrypt totp secret")
	}
	defer s.views.changed()
	if err := s.st.setTOTP(ctx, s.d.Write(), u.ID, enc, false, s.now().UnixMilli()); err != nil {
		return TOTPEnrolment{}, err
	}
	account := u.Username
	if account == "" {
		account = v.Name
	}
	return TOTPEnrolment{Secret: EncodeSecret(secret), URI: NewTOTP(secret).URI(s.opt.Issuer, account)}, nil
}

// ConfirmTOTP puts the second factor in force once the user shows a code from their app.
func (s *Service) ConfirmTOTP(ctx context.Context, v *Viewer, code string) error {
	if v == nil || v.Kind == KindToken {
		return errs.ForbiddenErr()
	}
	u, err := s.st.userByID(ctx, s.d.Read, v.ID)
	if err != nil {
		return err
	}
	if u.TOTPEnabled {
		return errs.ConflictErr("auth.totp.already")
	}
	if u.TOTPSecret == "" {
		return errs.InvalidInput("auth.totp.not_started")
	}
	secret, err := s.totpSecret(u)
	if err != nil {
		return err
	}
	step, ok := NewTOTP(secret).Verify(code, s.now(), 0)
	if !ok {
		return errs.InvalidInput("auth.totp.wrong_code").OnField("code")
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.st.setTOTP(ctx, tx, u.ID, u.TOTPSecret, true, s.now().UnixMilli()); err != nil {
			return err
		}
		if _, err := s.st.useTOTPStep(ctx, tx, u.ID, int64(step)); err != nil {
			return err
		}
		return s.write(ctx, tx, record{actor: v, action: "auth.totp_enable", subject: userSubject(u.ID)})
	})
	if err == nil {
		v.TOTP = true
	}
	return err
}

// DisableTOTP removes the viewer's second factor after checking their password.
func (s *Service) DisableTOTP(ctx context.Context, v *Viewer, password string) error {
	if v == nil || v.Kind == KindToken {
		return errs.ForbiddenErr()
	}
	u, err := s.st.userByID(ctx, s.d.Read, v.ID)
	if err != nil {
		return err
	}
	if !VerifyPassword(u.PasswordHash, password) {
		if err := s.failed(ctx, u, "totp_disable", true); errs.Is(err, errs.TooMany) || errs.Is(err, errs.Internal) {
			return err
		}
		return errs.InvalidInput("auth.password.wrong_current").OnField("password")
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.st.setTOTP(ctx, tx, u.ID, "", false, s.now().UnixMilli()); err != nil {
			return err
		}
		return s.write(ctx, tx, record{actor: v, action: "auth.totp_disable", subject: userSubject(u.ID)})
	})
	if err == nil {
		v.TOTP = false
	}
	return err
}
