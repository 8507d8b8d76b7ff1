// Package gm puts the Chinese commercial cryptography (国密) the platform needs behind small
// functions: SM3 hashing and HMAC, SM4-GCM encryption of personal data at rest with a keyed SM3
// blind index for equality lookups, and SM2 signatures. It wraps github.com/emmansun/gmsm so that
// no other package imports it directly.
package gm

import (
	"crypto/hmac"
	"crypto/subtle"
	"encoding/hex"
	"hash"

	"github.com/emmansun/gmsm/sm3"
)

// Size is the length in bytes of an SM3 digest.
const Size = sm3.Size

// NewHash returns a streaming SM3 hash.
func NewHash() hash.Hash { return sm3.New() }

// Sum returns the SM3 digest of the concatenation of parts.
func Sum(parts ...[]byte) [Size]byte {
	h := sm3.New()
	for _, p := range parts {
		h.Write(p)
	}
	var out [Size]byte
	h.Sum(out[:0])
	return out
}

// SumHex returns the SM3 digest of the concatenation of parts as lower-case hex.
func SumHex(parts ...[]byte) string {
	s := Sum(parts...)
	return hex.EncodeToString(s[:])
}

// HMAC returns HMAC-SM3 of msg under key.
func HMAC(key, msg []byte) [Size]byte {
	m := hmac.New(sm3.New, key)
	m.Write(msg)
	var out [Size]byte
	m.Sum(out[:0])
	return out
}

// HMACHex returns HMAC-SM3 of msg under key as lower-case hex.
func HMACHex(key, msg []byte) string {
	s := HMAC(key, msg)
	return hex.EncodeToString(s[:])
}

// Equal compares two MACs or digests in constant time.
func Equal(a, b []byte) bool { return subtle.ConstantTimeCompare(a, b) == 1 }
