package rating

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/gm"
)

// A rating link is what the invitation SMS carries: /rate/<token>, where the token names the case
// and the stage and expires. It is HMAC-SM3 signed with a key of the domain (created on first use
// and kept SM4-encrypted in rating_secrets, so every node of a cluster shares it), so that a
// forged or altered link is refused, and it needs no sign-in: possession of the applicant's phone
// is the proof. The token holds no personal data.

const (
	linkVersion = "1"
	linkAAD     = "rating_secrets.secret:link"
)

// linkClaims are the content of a link.
type linkClaims struct {
	CaseID  string
	Stage   Stage
	Expires time.Time
}

func (s *Service) linkKeyBytes(ctx context.Context) ([]byte, error) {
	s.keyOnce.Lock()
	defer s.keyOnce.Unlock()
	if s.linkKey != nil {
		return s.linkKey, nil
	}
	enc, err := s.st.secret(ctx, s.d.Write(), "link")
	if err != nil {
		return nil, errs.Wrap(err, "link key")
	}
	if enc == "" {
		k := make([]byte, 32)
		if _, err := rand.Read(k); err != nil {
			return nil, errs.Wrap(err, "link key")
		}
		c, err := s.cipher.EncryptString(base64.StdEncoding.EncodeToString(k), linkAAD)
		if err != nil {
			return nil, errs.Wrap(err, "link key")
		}
		// Two nodes may race here; the first insert wins and both read it back.
		if err := s.st.insertSecret(ctx, s.d.Write(), "link", c, s.clock().UnixMilli()); err != nil {
			return nil, errs.Wrap(err, "link key")
		}
		if enc, err = s.st.secret(ctx, s.d.Write(), "link"); err != nil {
			return nil, errs.Wrap(err, "link key")
		}
	}
	plain, err := s.cipher.DecryptString(enc, linkAAD)
	if err != nil {
		return nil, errs.Wrap(err, "link key")
	}
	k, err := base64.StdEncoding.DecodeString(plain)
	if err != nil || len(k) != 32 {
		return nil, errs.Wrap(err, "link key is damaged")
	}
	s.linkKey = k
	return k, nil
}

// signLink returns the token of a link for a case and stage, valid for the configured lifetime.
func (s *Service) signLink(ctx context.Context, caseID string, stage Stage) (string, error) {
	key, err := s.linkKeyBytes(ctx)
	if err != nil {
		return "", err
	}
	exp := s.clock().Add(s.opt.LinkTTL).Unix()
	payload := strings.Join([]string{linkVersion, caseID, string(stage), strconv.FormatInt(exp, 10)}, "|")
	mac := gm.HMAC(key, []byte(payload))
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(payload)) + "." + enc.EncodeToString(mac[:]), nil
}

// verifyLink checks a token: a forged or altered one is refused as invalid, an old one as expired.
func (s *Service) verifyLink(ctx context.Context, token string) (linkClaims, error) {
	bad := errs.New(errs.Forbidden, "rating.link.invalid")
	if len(token) > 512 {
		return linkClaims{}, bad
	}
	p, m, ok := strings.Cut(token, ".")
	if !ok {
		return linkClaims{}, bad
	}
	enc := base64.RawURLEncoding
	payload, err1 := enc.DecodeString(p)
	mac, err2 := enc.DecodeString(m)
	if err1 != nil || err2 != nil {
		return linkClaims{}, bad
	}
	key, err := s.linkKeyBytes(ctx)
	if err != nil {
		return linkClaims{}, err
	}
	want := gm.HMAC(key, payload)
	if !gm.Equal(mac, want[:]) {
		return linkClaims{}, bad
	}
	parts := strings.Split(string(payload), "|")
	if len(parts) != 4 || parts[0] != linkVersion {
		return linkClaims{}, bad
	}
	exp, err := strconv.ParseInt(parts[3], 10, 64)
	if err != nil {
		return linkClaims{}, bad
	}
	c := linkClaims{CaseID: parts[1], Stage: Stage(parts[2]), Expires: time.Unix(exp, 0)}
	if !s.now().Before(c.Expires) {
		return linkClaims{}, errs.New(errs.Forbidden, "rating.link.expired")
	}
	return c, nil
}

// LinkURL returns the rating link of a case (and stage, when 一事多评 is on) as the invitation SMS
// carries it.
func (s *Service) LinkURL(ctx context.Context, caseID string, stage Stage) (string, error) {
	if stage == "" {
		stage = StageCase
	}
	tok, err := s.signLink(ctx, caseID, stage)
	if err != nil {
		return "", err
	}
	return strings.TrimRight(s.opt.BaseURL, "/") + "/rate/" + tok, nil
}
