package certs

import (
	"encoding/base64"
	"strings"
	"testing"

	tjsm2 "github.com/tjfoc/gmsm/sm2"
	tjx509 "github.com/tjfoc/gmsm/x509"

	"onestamp/internal/platform/db"
	"onestamp/internal/platform/db/dbtest"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/workday"
)

// The certificates' side of the end-to-end scenario: a restaurant chain concludes → a business
// licence and a food permit are issued and linked → a second case uses the licence through
// 授权提取 without an upload → the food permit is revoked after a failed post-verification →
// its verification says revoked.
func TestRestaurantChainScenario(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		lic, food := w.restaurantChain()

		if lic.No != restUSCC || lic.Status != Valid || lic.ValidTo != "" {
			t.Fatalf("licence: number %s status %s valid to %q; want the USCC, valid, long-term", lic.No, lic.Status, lic.ValidTo)
		}
		if !strings.HasPrefix(food.No, "JY440304") || food.ValidFrom != "2026-03-06" || food.ValidTo != "2031-03-05" {
			t.Fatalf("food permit: number %s, validity %s–%s", food.No, food.ValidFrom, food.ValidTo)
		}
		// A redelivered event issues nothing more.
		w.emit(TopicCaseConcluded, "case:case-food", ConcludedEvent{CaseID: "case-food", Result: "approved", CertType: "SPJY",
			DecideUnitID: bureauID})
		if n := len(mustList(t, w, Filter{})); n != 2 {
			t.Fatalf("%d certificates after a redelivery, want 2", n)
		}

		// 一照含证: behind the licence's QR code, the food permit with its status.
		u, err := w.s.VerifyURL(w.ctx, lic)
		if err != nil {
			t.Fatal(err)
		}
		v := verifyURL(t, w, u)
		if v.Result != Valid || !v.Valid || len(v.Bundle) != 1 || v.Bundle[0].No != food.No || v.Bundle[0].Status != Valid {
			t.Fatalf("licence QR: %+v", v)
		}
		if v.Cert.Holder != "914403********136T" {
			t.Fatalf("holder shown as %q, want masked", v.Cert.Holder)
		}

		// A second case needs the licence as a material; the holder authorises it online and a
		// reviewer fetches it: no upload.
		w.cases().add(t, fakeCase{ID: "case-2", No: "FT2026030009", ItemID: "item-ggws", ItemName: "公共场所卫生许可",
			Unit: bureauID, Applicant: restaurant.ID, Holder: restHolder, Open: true,
			Materials: []CaseMaterial{{Code: "m-lic", Name: "营业执照", CertType: "YYZZ"}, {Code: "m-plan", Name: "平面图"}}})
		if _, err := w.s.UseForCase(w.as(reviewer), UseInput{CaseID: "case-2", MaterialCode: "m-lic"}); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("use without a grant: %v, want forbidden", err)
		}
		g, err := w.s.GrantOnline(w.as(restaurant), GrantInput{CaseID: "case-2"})
		if err != nil {
			t.Fatal(err)
		}
		if len(g.CertTypes) != 1 || g.CertTypes[0] != "YYZZ" || !g.Active || g.Method != MethodOnline {
			t.Fatalf("grant %+v", g)
		}
		res, err := w.s.UseForCase(w.as(reviewer), UseInput{CaseID: "case-2", MaterialCode: "m-lic"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Cert.ID != lic.ID {
			t.Fatalf("fetched %s, want the licence %s", res.Cert.ID, lic.ID)
		}
		if ref := w.cases().satisfied(t, "case-2", "m-lic"); ref != CertRef(lic) {
			t.Fatalf("material satisfied with %q, want %q", ref, CertRef(lic))
		}
		if _, err := w.s.UseForCase(w.as(reviewer), UseInput{CaseID: "case-2", MaterialCode: "m-plan"}); !errs.Is(err, errs.Invalid) {
			t.Fatalf("a material the item lists no certificate for: %v", err)
		}
		uses, err := w.s.MyUses(w.as(restaurant))
		if err != nil {
			t.Fatal(err)
		}
		if len(uses) != 1 || uses[0].CaseNo != "FT2026030009" || uses[0].ActorName == "" || uses[0].CertNo != lic.No {
			t.Fatalf("use log %+v", uses)
		}
		st, err := w.s.StatsIn(w.ctx, reviewer.Scope(), lic.CreatedAt.AddDate(0, 0, -1), lic.CreatedAt.AddDate(0, 0, 1))
		if err != nil {
			t.Fatal(err)
		}
		if st.Issued != 2 || st.CasesNoPaper != 1 || st.Uses != 1 {
			t.Fatalf("stats %+v", st)
		}

		// Post-verification fails: the food case is revoked, and so is its permit.
		w.emit(TopicCaseRevoked, "case:case-food", RevokedEvent{CaseID: "case-food", CaseNo: "FT2026030002", Reason: "虚假承诺"})
		v, err = w.s.Verify(w.ctx, VerifyQuery{No: food.No})
		if err != nil {
			t.Fatal(err)
		}
		if v.Result != Revoked || v.Valid {
			t.Fatalf("food permit after revocation: %+v", v)
		}
		v = verifyURL(t, w, u)
		if len(v.Bundle) != 1 || v.Bundle[0].Status != Revoked {
			t.Fatalf("licence bundle after the permit's revocation: %+v", v.Bundle)
		}
		// A revoked certificate cannot be used.
		w.cases().add(t, fakeCase{ID: "case-3", No: "FT2026030010", ItemID: "item-x", Unit: bureauID, Applicant: restaurant.ID,
			Holder: restHolder, Open: true, Materials: []CaseMaterial{{Code: "m-food", CertType: "SPJY"}}})
		if _, err := w.s.GrantOnline(w.as(restaurant), GrantInput{CaseID: "case-3"}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.s.UseForCase(w.as(reviewer), UseInput{CaseID: "case-3", MaterialCode: "m-food"}); !errs.Is(err, errs.Conflict) {
			t.Fatalf("use of a revoked permit: %v, want conflict", err)
		}
		if w.cases().satisfied(t, "case-3", "m-food") != "" {
			t.Fatal("a revoked permit satisfied a material")
		}
	})
}

func mustList(t *testing.T, w *world, f Filter) []Cert {
	t.Helper()
	cs, err := w.s.List(w.as(reviewer), f)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func verifyURL(t *testing.T, w *world, u string) Verification {
	t.Helper()
	p, err := ParsePayload(u)
	if err != nil {
		t.Fatalf("payload of %s: %v", u, err)
	}
	v, err := w.s.Verify(w.ctx, VerifyQuery{No: p.Claims.No, Payload: u[strings.Index(u, "c=")+2:]})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// Signatures verify with a second, independent SM2 implementation, offline from the published
// keys, and keep verifying after the key is rotated.
func TestSignaturesIndependentlyAndOffline(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		lic, food := w.restaurantChain()
		keys, err := w.s.Keys(w.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) != 1 || keys[0].OrgUSCC != bureauUSCC || !keys[0].Active {
			t.Fatalf("keys %+v", keys)
		}
		pub, err := tjx509.ReadPublicKeyFromPem([]byte(keys[0].PEM))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []Cert{lic, food} {
			sig, _ := base64.StdEncoding.DecodeString(c.Signature)
			if !pub.Verify(c.claims().Statement(), sig) {
				t.Fatalf("tjfoc/gmsm rejects the signature of %s", c.No)
			}
			// The statement is what the documentation says it is.
			want := "onestamp-cert/1\nid=" + c.ID + "\nversion=1\ntype=" + c.TypeCode + "\nno=" + c.No + "\n"
			if !strings.HasPrefix(string(c.claims().Statement()), want) {
				t.Fatalf("statement %q", c.claims().Statement())
			}
			// The digest is SM3 of the canonical data, recomputed here from the documented form.
			data, _ := canonicalData(&c)
			if !strings.HasPrefix(string(data), `{"case_no":"`) || !strings.Contains(string(data), `"holder_id":"`+restUSCC+`"`) {
				t.Fatalf("canonical data %s", data)
			}
		}
		// A signature of other bytes fails with the independent implementation too.
		sig, _ := base64.StdEncoding.DecodeString(lic.Signature)
		forged := lic.claims()
		forged.ValidTo = "2099-12-31"
		if pub.Verify(forged.Statement(), sig) {
			t.Fatal("tjfoc/gmsm accepts a signature over an edited statement")
		}
		_ = tjsm2.PublicKey{}

		// Offline: the QR payload and the key list alone, no service.
		u, err := w.s.VerifyURL(w.ctx, food)
		if err != nil {
			t.Fatal(err)
		}
		cl, err := VerifyOfflineWith(keys, u)
		if err != nil {
			t.Fatal(err)
		}
		if cl.No != food.No || cl.ValidTo != food.ValidTo || cl.HolderMask != "914403********136T" || cl.IssuerUSCC != bureauUSCC {
			t.Fatalf("offline claims %+v", cl)
		}
		p, _ := ParsePayload(u)
		tampered := []byte(p.Statement)
		tampered = []byte(strings.Replace(string(tampered), "valid_to="+food.ValidTo, "valid_to=2099-03-05", 1))
		if _, err := VerifyOfflineWith(keys, encodePayload(tampered, p.Token, p.Signature)); err == nil {
			t.Fatal("offline verification accepts an edited validity")
		}

		// Rotation: new certificates under the new key, old ones still verify.
		if _, err := w.s.RotateKey(w.as(admin)); err != nil {
			t.Fatal(err)
		}
		keys, _ = w.s.Keys(w.ctx)
		if len(keys) != 2 || keys[0].Active == keys[1].Active {
			t.Fatalf("after rotation: %+v", keys)
		}
		if _, err := VerifyOfflineWith(keys, u); err != nil {
			t.Fatalf("old certificate offline after rotation: %v", err)
		}
		v, _ := w.s.Verify(w.ctx, VerifyQuery{No: food.No})
		if !v.Valid || !v.SignatureOK {
			t.Fatalf("old certificate online after rotation: %+v", v)
		}
		w.cases().add(t, fakeCase{ID: "case-gw", No: "FT2026030020", Unit: bureauID, Applicant: restaurant.ID, Holder: restHolder,
			Surface: map[string]string{"legal_rep": "王五", "address": "福华路1号", "items": "住宿"}})
		w.emit(TopicCaseConcluded, "case:case-gw", ConcludedEvent{CaseID: "case-gw", Result: "approved", CertType: "GGWS", DecideUnitID: bureauID})
		gw := w.certOfCase("case-gw")
		if gw.KeyID == food.KeyID {
			t.Fatal("a certificate issued after the rotation is signed with the old key")
		}
		u2, _ := w.s.VerifyURL(w.ctx, gw)
		if _, err := VerifyOfflineWith(keys, u2); err != nil {
			t.Fatal(err)
		}
		var old PublicKey
		for _, k := range keys {
			if !k.Active {
				old = k
			}
		}
		oldPub, _ := tjx509.ReadPublicKeyFromPem([]byte(old.PEM))
		gsig, _ := base64.StdEncoding.DecodeString(gw.Signature)
		if oldPub.Verify(gw.claims().Statement(), gsig) {
			t.Fatal("the retired key verifies a signature it did not make")
		}
	})
}

// Edited in the database after issue, forged, or presented by someone else: refused, audited.
func TestTamperingAndStrangers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		lic, food := w.restaurantChain()
		u, _ := w.s.VerifyURL(w.ctx, food)

		// A QR code whose statement was edited, even with a genuine token, is not valid.
		p, _ := ParsePayload(u)
		edited := strings.Replace(string(p.Statement), "valid_to="+food.ValidTo, "valid_to=2099-03-05", 1)
		v, err := w.s.Verify(w.ctx, VerifyQuery{Payload: encodePayload([]byte(edited), p.Token, p.Signature)})
		if err != nil || v.Result != Invalid || v.Valid || v.Cert != nil {
			t.Fatalf("edited payload: %+v %v", v, err)
		}
		// A made-up token reveals nothing.
		bad := append([]byte(nil), p.Token...)
		bad[0] ^= 1
		v, _ = w.s.Verify(w.ctx, VerifyQuery{Payload: encodePayload(p.Statement, bad, p.Signature)})
		if v.Result != Invalid || v.Cert != nil {
			t.Fatalf("bad token: %+v", v)
		}
		if w.audited("certs.verify.forged") != 1 {
			t.Fatal("the forged payload with a genuine token was not audited")
		}
		for _, junk := range []string{"", "OS1.", "OS1.!!!", "https://x/v/1?c=OS1.AAAA", strings.Repeat("A", 5000), "../../etc/passwd"} {
			v, err := w.s.Verify(w.ctx, VerifyQuery{Payload: junk, No: junk})
			if err != nil || v.Valid {
				t.Fatalf("junk %q: %+v %v", junk, v, err)
			}
		}
		v, _ = w.s.Verify(w.ctx, VerifyQuery{No: "NO-SUCH-1"})
		if v.Result != Unknown {
			t.Fatalf("unknown number: %+v", v)
		}

		// Someone extends the permit in the database: the signature no longer matches.
		if _, err := d.Write().Exec(`UPDATE certs SET valid_to = '2099-03-05' WHERE id = $1`, food.ID); err != nil {
			t.Fatal(err)
		}
		v, _ = w.s.Verify(w.ctx, VerifyQuery{No: food.No})
		if v.Result != Invalid || v.Valid {
			t.Fatalf("edited record: %+v", v)
		}
		v = verifyURL(t, w, u)
		if v.Result != Invalid {
			t.Fatalf("edited record through its QR: %+v", v)
		}
		if w.audited("certs.cert.tamper_detected") < 2 {
			t.Fatal("tampering was not audited")
		}

		// Another company tries to use the restaurant's licence.
		w.cases().add(t, fakeCase{ID: "case-o", No: "FT2026039999", Unit: bureauID, Applicant: stranger.ID, Open: true,
			Holder: Holder{Type: Org, IDNumber: otherUSCC, Name: "另一公司"}, Materials: []CaseMaterial{{Code: "m-lic", CertType: "YYZZ"}}})
		if _, err := w.s.GrantOnline(w.as(stranger), GrantInput{CaseID: "case-o"}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.s.UseForCase(w.as(reviewer), UseInput{CaseID: "case-o", MaterialCode: "m-lic", CertID: lic.ID}); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("someone else's licence: %v, want forbidden", err)
		}
		if w.audited("certs.use.refused") != 1 {
			t.Fatal("the refused use was not audited")
		}
		// The stranger cannot authorise the restaurant's case, see its certificate, or scan its window code.
		if _, err := w.s.GrantOnline(w.as(stranger), GrantInput{CaseID: "case-lic"}); !errs.Is(err, errs.NotFound) {
			t.Fatalf("grant for another's case: %v", err)
		}
		if _, err := w.s.Get(w.as(stranger), lic.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("another's certificate: %v", err)
		}
		if w.audited("certs.cert.access_refused") != 1 {
			t.Fatal("the refused access was not audited")
		}
		w.cases().add(t, fakeCase{ID: "case-w", No: "FT2026030030", Unit: bureauID, Holder: restHolder, Open: true,
			Materials: []CaseMaterial{{Code: "m-lic", CertType: "YYZZ"}}})
		req, err := w.s.RequestGrant(w.as(reviewer), GrantInput{CaseID: "case-w"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.s.GrantByScan(w.as(stranger), req.Token); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("stranger scans: %v", err)
		}
		if w.audited("certs.grant.refused") != 1 {
			t.Fatal("the refused grant was not audited")
		}
		g, err := w.s.GrantByScan(w.as(restaurant), req.Token)
		if err != nil || g.Method != MethodScan {
			t.Fatalf("holder scans: %+v %v", g, err)
		}
		if _, err := w.s.GrantByScan(w.as(restaurant), req.Token[:len(req.Token)-2]+"AA"); !errs.Is(err, errs.Invalid) {
			t.Fatalf("altered window code: %v", err)
		}
	})
}

// A renewal's term follows the old one without a gap, also when it is concluded after the old
// one expired (deemed granted, art. 50); the case names the licence by the reference of the
// material it fetched. LicenceValidTo tells a renewal case the expiry, and only of the holder's
// licence of the item's type.
func TestRenewalTermAndExpiry(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		_, food := w.restaurantChain()
		if food.ValidTo == "" {
			t.Fatalf("the permit has no term: %+v", food)
		}
		bi := w.s.Cipher.BlindIndex(restHolder.IDNumber)
		if to, err := w.s.LicenceValidTo(w.ctx, "SPJY", CertRef(food), bi); err != nil || to != food.ValidTo {
			t.Fatalf("expiry by the material's reference: %q %v", to, err)
		}
		if to, err := w.s.LicenceValidTo(w.ctx, "SPJY", food.No, bi); err != nil || to != food.ValidTo {
			t.Fatalf("expiry by number: %q %v", to, err)
		}
		if _, err := w.s.LicenceValidTo(w.ctx, "SPJY", food.No, w.s.Cipher.BlindIndex(otherUSCC)); !errs.Is(err, errs.NotFound) {
			t.Errorf("another holder learns the expiry: %v", err)
		}
		if _, err := w.s.LicenceValidTo(w.ctx, "YYZZ", CertRef(food), bi); !errs.Is(err, errs.NotFound) {
			t.Errorf("a permit passes for a business licence: %v", err)
		}
		old := workday.MustDate(food.ValidTo)
		w.cases().add(t, fakeCase{ID: "case-ren", No: "FT2031040001", Unit: bureauID, Holder: restHolder})
		w.emit(TopicCaseConcluded, "case:case-ren", ConcludedEvent{CaseID: "case-ren", Result: "approved", CertType: "SPJY",
			CertAction: ActionRenew, Replaces: CertRef(food), DecideUnitID: bureauID, ConcludedOn: old.AddDays(10).String()})
		v2 := w.certOfCase("case-ren")
		if v2.No != food.No || v2.Version != 2 || v2.ValidFrom != old.AddDays(1).String() || v2.ValidTo <= food.ValidTo {
			t.Fatalf("renewed permit: from %s to %s (old to %s) %+v", v2.ValidFrom, v2.ValidTo, food.ValidTo, v2)
		}
	})
}

// Change and renewal supersede; cancellation leaves the number cancelled.
func TestSupersession(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		_, food := w.restaurantChain()
		w.cases().add(t, fakeCase{ID: "case-chg", No: "FT2026040001", Unit: bureauID, Holder: restHolder,
			Surface: map[string]string{"items": "热食类食品制售；冷食类食品制售；自制饮品制售"}})
		w.emit(TopicCaseConcluded, "case:case-chg", ConcludedEvent{CaseID: "case-chg", Result: "approved", CertType: "SPJY",
			CertAction: ActionChange, Replaces: food.No, DecideUnitID: bureauID, ConcludedOn: "2026-04-01"})
		v2 := w.certOfCase("case-chg")
		if v2.No != food.No || v2.Version != 2 || v2.ValidTo != food.ValidTo || v2.Surface["items"] != "热食类食品制售；冷食类食品制售；自制饮品制售" ||
			v2.Surface["premises"] != foodSurface["premises"] {
			t.Fatalf("changed permit %+v", v2)
		}
		u1, _ := w.s.VerifyURL(w.ctx, food)
		v := verifyURL(t, w, u1)
		if v.Result != Superseded || v.Current == nil || v.Current.Version != 2 {
			t.Fatalf("old version's QR: %+v", v)
		}
		v, _ = w.s.Verify(w.ctx, VerifyQuery{No: food.No})
		if v.Result != Valid || v.Cert.Version != 2 {
			t.Fatalf("number now: %+v", v)
		}
		w.cases().add(t, fakeCase{ID: "case-cxl", No: "FT2026050001", Unit: bureauID, Holder: restHolder})
		w.emit(TopicCaseConcluded, "case:case-cxl", ConcludedEvent{CaseID: "case-cxl", Result: "approved", CertType: "SPJY",
			CertAction: ActionCancel, Replaces: v2.ID, DecideUnitID: bureauID, ConcludedOn: "2026-05-01"})
		v, _ = w.s.Verify(w.ctx, VerifyQuery{No: food.No})
		if v.Result != Cancelled || v.Valid || v.Cert.Version != 3 {
			t.Fatalf("cancelled: %+v", v)
		}
		// A change for another holder's licence is refused.
		w.cases().add(t, fakeCase{ID: "case-bad", No: "FT2026050002", Unit: bureauID,
			Holder: Holder{Type: Org, IDNumber: otherUSCC, Name: "另一公司"}})
		_, err := w.s.IssueForCase(w.ctx, ConcludedEvent{CaseID: "case-bad", Result: "approved", CertType: "YYZZ",
			CertAction: ActionChange, Replaces: restUSCC, DecideUnitID: bureauID})
		if !errs.Is(err, errs.Forbidden) {
			t.Fatalf("change of another's licence: %v", err)
		}
	})
}

// Staff revoke by hand with a reason; only decision makers may.
func TestRevokeByHand(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		_, food := w.restaurantChain()
		if _, err := w.s.Revoke(w.as(reviewer), food.ID, "原因"); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("reviewer revokes: %v", err)
		}
		if _, err := w.s.Revoke(w.as(chief), food.ID, "  "); !errs.Is(err, errs.Invalid) {
			t.Fatalf("no reason: %v", err)
		}
		c, err := w.s.Revoke(w.as(chief), food.ID, "违法经营被吊销")
		if err != nil || c.Status != Revoked || c.RevokeReason != "违法经营被吊销" {
			t.Fatalf("revoke: %+v %v", c, err)
		}
		if _, err := w.s.Revoke(w.as(chief), food.ID, "again"); !errs.Is(err, errs.Conflict) {
			t.Fatalf("revoke twice: %v", err)
		}
	})
}
