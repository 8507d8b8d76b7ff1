package certs

import (
	"strings"
	"testing"

	"onestamp/internal/platform/gm"
	"onestamp/internal/platform/web"
)

// The QR payload parser takes anything from the outside: it never panics, and whatever it
// accepts re-encodes to a statement it accepts again.
func FuzzParsePayload(f *testing.F) {
	key, _ := gm.GenerateKey()
	c := Claims{ID: "0190f3d2-0000-7000-8000-000000000001", Version: 1, TypeCode: "SPJY", No: "JY44030400000001",
		HolderMask: "914403********136T", IssuerUSCC: bureauUSCC, IssuedOn: "2026-03-05", ValidFrom: "2026-03-05",
		ValidTo: "2031-03-04", DataDigest: "abc", KeyID: "k-1"}
	sig, _ := gm.Sign(key, c.Statement())
	good := encodePayload(c.Statement(), make([]byte, tokenSize), sig)
	f.Add(good)
	f.Add("https://x.gov.cn/v/JY1?c=" + good)
	f.Add("OS1.")
	f.Add("OS1.AAAAAAAA")
	f.Add(strings.Repeat("OS1.", 10))
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePayload(s)
		if err != nil {
			return
		}
		if _, err := parseStatement(p.Claims.Statement()); err != nil {
			t.Fatalf("accepted %q but not its re-encoding", p.Statement)
		}
		if _, err := VerifyOffline(&key.PublicKey, s); err == nil && string(p.Statement) != string(c.Statement()) {
			t.Fatalf("a statement we never signed verified: %q", p.Statement)
		}
	})
}

// Every message key the package uses exists in both languages with the same placeholders.
func TestMessages(t *testing.T) {
	if err := web.AddMessagesFS(messages, "messages"); err != nil {
		t.Fatal(err)
	}
	for _, p := range web.CheckCatalogues() {
		if strings.Contains(p, "certs.") {
			t.Error(p)
		}
	}
}
