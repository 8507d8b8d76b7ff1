package gm

import (
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"
)

// PrivateKey is an SM2 private key; its PublicKey field is the matching public key.
type PrivateKey = sm2.PrivateKey

// PublicKey is an SM2 public key (an ECDSA key on the SM2 curve).
type PublicKey = ecdsa.PublicKey

// PEM block types: PKCS #8 for private keys, PKIX (SubjectPublicKeyInfo) for public keys, as
// openssl and gmssl write them.
const (
	pemPrivate = "PRIVATE KEY"
	pemPublic  = "PUBLIC KEY"
)

// GenerateKey returns a new SM2 key pair drawn from crypto/rand.
func GenerateKey() (*PrivateKey, error) {
	k, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("sm2: generate key: %w", err)
	}
	return k, nil
}

// Sign signs msg with priv under the default user id (GB/T 32918.2, "1234567812345678") and
// returns the ASN.1 DER signature. The message is hashed inside, with the signer's Z value.
func Sign(priv *PrivateKey, msg []byte) ([]byte, error) {
	if priv == nil {
		return nil, errors.New("sm2: nil private key")
	}
	return priv.SignWithSM2(rand.Reader, nil, msg)
}

// Verify reports whether sig is a valid Sign signature of msg by the holder of pub.
func Verify(pub *PublicKey, msg, sig []byte) bool {
	if pub == nil || pub.Curve != sm2.P256() || pub.X == nil || pub.Y == nil {
		return false
	}
	return sm2.VerifyASN1WithSM2(pub, nil, msg, sig)
}

// MarshalPublicKeyDER encodes pub as PKIX SubjectPublicKeyInfo DER.
func MarshalPublicKeyDER(pub *PublicKey) ([]byte, error) {
	if pub == nil || pub.Curve != sm2.P256() {
		return nil, errors.New("sm2: not an SM2 public key")
	}
	return smx509.MarshalPKIXPublicKey(pub)
}

// ParsePublicKeyDER decodes a PKIX SubjectPublicKeyInfo DER that must hold an SM2 key.
func ParsePublicKeyDER(der []byte) (*PublicKey, error) {
	k, err := smx509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("sm2: parse public key: %w", err)
	}
	pub, ok := k.(*ecdsa.PublicKey)
	if !ok || pub.Curve != sm2.P256() {
		return nil, fmt.Errorf("sm2: public key is %T, not SM2", k)
	}
	return pub, nil
}

// MarshalPublicKeyPEM encodes pub as a "PUBLIC KEY" PEM block.
func MarshalPublicKeyPEM(pub *PublicKey) ([]byte, error) {
	der, err := MarshalPublicKeyDER(pub)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: pemPublic, Bytes: der}), nil
}

// ParsePublicKeyPEM decodes the first "PUBLIC KEY" PEM block of b.
func ParsePublicKeyPEM(b []byte) (*PublicKey, error) {
	der, err := pemBytes(b, pemPublic)
	if err != nil {
		return nil, err
	}
	return ParsePublicKeyDER(der)
}

// MarshalPrivateKeyDER encodes priv as unencrypted PKCS #8 DER. Store it encrypted (for example
// with FieldCipher.Encrypt), never in the clear.
func MarshalPrivateKeyDER(priv *PrivateKey) ([]byte, error) {
	if priv == nil {
		return nil, errors.New("sm2: nil private key")
	}
	return smx509.MarshalPKCS8PrivateKey(priv)
}

// ParsePrivateKeyDER decodes PKCS #8 DER (or, as a fallback, SEC 1 DER) holding an SM2 key.
func ParsePrivateKeyDER(der []byte) (*PrivateKey, error) {
	k, err := smx509.ParsePKCS8PrivateKey(der)
	if err != nil {
		if k2, err2 := smx509.ParseSM2PrivateKey(der); err2 == nil {
			return k2, nil
		}
		return nil, fmt.Errorf("sm2: parse private key: %w", err)
	}
	priv, ok := k.(*sm2.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("sm2: private key is %T, not SM2", k)
	}
	return priv, nil
}

// MarshalPrivateKeyPEM encodes priv as an unencrypted "PRIVATE KEY" (PKCS #8) PEM block.
func MarshalPrivateKeyPEM(priv *PrivateKey) ([]byte, error) {
	der, err := MarshalPrivateKeyDER(priv)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: pemPrivate, Bytes: der}), nil
}

// ParsePrivateKeyPEM decodes the first "PRIVATE KEY" PEM block of b.
func ParsePrivateKeyPEM(b []byte) (*PrivateKey, error) {
	der, err := pemBytes(b, pemPrivate)
	if err != nil {
		return nil, err
	}
	return ParsePrivateKeyDER(der)
}

func pemBytes(b []byte, typ string) ([]byte, error) {
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			return nil, fmt.Errorf("sm2: no %q PEM block", typ)
		}
		if blk.Type == typ {
			return blk.Bytes, nil
		}
	}
}
