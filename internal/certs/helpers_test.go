package certs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"onestamp/internal/platform/audit"
	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/db"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/gm"
	"onestamp/internal/platform/outbox"
)

// The test world: a real database with a small case table of its own standing in for package
// cases (the case source and the material satisfier read and write it), a bureau, and a few
// people.
const (
	bureauID   = "u-bureau"
	bureauName = "深圳市福田区行政审批局"
	bureauUSCC = "11440304MB2C1234XA"
	region     = "440304000000"
	restUSCC   = "91440300708461136T" // the restaurant company
	otherUSCC  = "91350100M000100Y43"
	personID   = "11010519491231002X"
)

type world struct {
	t     *testing.T
	d     *db.DB
	s     *Service
	x     *outbox.Dispatcher
	audit *audit.Log
	ctx   context.Context
}

type dbCases struct{ d *db.DB }

type fakeCase struct {
	ID, No, ItemID, ItemName, Unit, Applicant, Chain string
	Holder                                           Holder
	Open                                             bool
	Materials                                        []CaseMaterial
	Surface                                          map[string]string
}

func (c dbCases) add(t *testing.T, fc fakeCase) {
	t.Helper()
	m, _ := json.Marshal(fc.Materials)
	sf, _ := json.Marshal(fc.Surface)
	open := 0
	if fc.Open {
		open = 1
	}
	if _, err := c.d.Write().Exec(`INSERT INTO test_cases (id, no, item_id, item_name, region, unit, applicant, holder_type,
		holder_id, holder_name, open, chain, materials, surface) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		fc.ID, fc.No, fc.ItemID, fc.ItemName, region, fc.Unit, fc.Applicant, string(fc.Holder.Type), fc.Holder.IDNumber,
		fc.Holder.Name, open, fc.Chain, string(m), string(sf)); err != nil {
		t.Fatal(err)
	}
}

func (c dbCases) CertCase(ctx context.Context, sc auth.Scope, id string) (CaseInfo, error) {
	var ci CaseInfo
	var ht, m, sf string
	var open int
	err := c.d.Read.QueryRowContext(ctx, `SELECT id, no, item_id, item_name, region, unit, applicant, holder_type, holder_id,
		holder_name, open, chain, materials, surface FROM test_cases WHERE id = $1`, id).Scan(&ci.ID, &ci.No, &ci.ItemID,
		&ci.ItemName, &ci.RegionCode, &ci.UnitID, &ci.ApplicantID, &ht, &ci.Holder.IDNumber, &ci.Holder.Name, &open, &ci.ChainID, &m, &sf)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !sc.Allows(ci.RegionCode, ci.UnitID, ci.ApplicantID)) {
		return CaseInfo{}, errs.NotFoundErr("case.not_found")
	}
	if err != nil {
		return CaseInfo{}, err
	}
	ci.Holder.Type, ci.Open = HolderType(ht), open == 1
	_ = json.Unmarshal([]byte(m), &ci.Materials)
	_ = json.Unmarshal([]byte(sf), &ci.Surface)
	return ci, nil
}

func (c dbCases) SatisfyWithCert(ctx context.Context, caseID, material, ref string) error {
	_, err := c.d.Write().ExecContext(ctx, `INSERT INTO test_case_materials (case_id, code, ref) VALUES ($1, $2, $3)`, caseID, material, ref)
	return err
}

func (c dbCases) satisfied(t *testing.T, caseID, material string) string {
	t.Helper()
	var ref string
	err := c.d.Read.QueryRow(`SELECT ref FROM test_case_materials WHERE case_id = $1 AND code = $2`, caseID, material).Scan(&ref)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		t.Fatal(err)
	}
	return ref
}

type issuers map[string]Issuer

func (is issuers) Issuer(_ context.Context, unitID string) (Issuer, error) {
	if i, ok := is[unitID]; ok {
		return i, nil
	}
	return is[bureauID], nil
}

type identities map[string]Holder

func (ids identities) Identity(_ context.Context, account string) (Holder, error) {
	h, ok := ids[account]
	if !ok {
		return Holder{}, errs.NotFoundErr("auth.applicant.not_found")
	}
	return h, nil
}

var (
	reviewer = &auth.Viewer{Kind: auth.KindStaff, ID: "rev-1", Username: "rev", Name: "审查员甲", Role: auth.Reviewer,
		Roles: []auth.Role{auth.Reviewer}, UnitID: bureauID, RegionCode: region}
	chief = &auth.Viewer{Kind: auth.KindStaff, ID: "chief-1", Username: "chief", Name: "科长乙", Role: auth.Chief,
		Roles: []auth.Role{auth.Chief}, UnitID: bureauID, RegionCode: region}
	admin = &auth.Viewer{Kind: auth.KindStaff, ID: "admin-1", Username: "admin", Name: "管理员", Role: auth.Admin,
		Roles: []auth.Role{auth.Admin}, UnitID: bureauID, RegionCode: region}
	restaurant = &auth.Viewer{Kind: auth.KindApplicant, ID: "acct-rest", Name: "某某餐饮管理有限公司", Role: auth.Applicant,
		Roles: []auth.Role{auth.Applicant}}
	stranger = &auth.Viewer{Kind: auth.KindApplicant, ID: "acct-other", Name: "另一公司", Role: auth.Applicant,
		Roles: []auth.Role{auth.Applicant}}
)

var restHolder = Holder{Type: Org, IDNumber: restUSCC, Name: "某某餐饮管理有限公司"}

func newWorld(t *testing.T, d *db.DB) *world {
	t.Helper()
	for _, q := range []string{
		`CREATE TABLE test_cases (id TEXT PRIMARY KEY, no TEXT, item_id TEXT, item_name TEXT, region TEXT, unit TEXT,
			applicant TEXT, holder_type TEXT, holder_id TEXT, holder_name TEXT, open INTEGER, chain TEXT, materials TEXT, surface TEXT)`,
		`CREATE TABLE test_case_materials (case_id TEXT, code TEXT, ref TEXT)`,
	} {
		if _, err := d.Write().Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	key := make([]byte, gm.MasterKeySize)
	for i := range key {
		key[i] = byte(i + 7)
	}
	cipher, err := gm.NewFieldCipher(map[byte][]byte{1: key})
	if err != nil {
		t.Fatal(err)
	}
	cases := dbCases{d}
	a := audit.New(d)
	s := New(Deps{DB: d, Audit: a, Cipher: cipher, Cases: cases, Materials: cases, BaseURL: "https://zwfw.example.gov.cn",
		Issuers: issuers{bureauID: {UnitID: bureauID, Name: bureauName, USCC: bureauUSCC, RegionCode: region}},
		Identities: identities{
			restaurant.ID: restHolder,
			stranger.ID:   {Type: Org, IDNumber: otherUSCC, Name: "另一公司"},
		}})
	x := outbox.New(d, outbox.Options{})
	s.Subscribe(x)
	return &world{t: t, d: d, s: s, x: x, audit: a, ctx: context.Background()}
}

func (w *world) as(v *auth.Viewer) context.Context { return auth.WithViewer(w.ctx, v) }

func (w *world) cases() dbCases { return dbCases{w.d} }

// emit writes an event as package cases would and delivers it.
func (w *world) emit(topic, key string, payload any) {
	w.t.Helper()
	if err := w.d.Tx(w.ctx, func(tx *sql.Tx) error {
		_, err := outbox.Emit(w.ctx, tx, topic, key, payload)
		return err
	}); err != nil {
		w.t.Fatal(err)
	}
	for range 3 {
		if _, err := w.x.RunOnce(w.ctx); err != nil {
			w.t.Fatal(err)
		}
	}
	counts, err := w.x.Counts(w.ctx)
	if err != nil {
		w.t.Fatal(err)
	}
	_ = counts
}

func (w *world) audited(action string) int {
	w.t.Helper()
	p, err := w.audit.List(w.ctx, audit.Filter{Chain: AuditChain, Action: action, Limit: 500})
	if err != nil {
		w.t.Fatal(err)
	}
	return len(p.Entries)
}

var foodSurface = map[string]string{"legal_rep": "王五", "address": "深圳市福田区福华路1号", "premises": "深圳市福田区福华路1号一楼",
	"format": "餐饮服务经营者（中型餐馆）", "items": "热食类食品制售；冷食类食品制售", "authority": "福田区市场监督管理局"}

var licenceSurface = map[string]string{"entity_type": "有限责任公司", "legal_rep": "王五", "capital": "100万元",
	"established_on": "2026-03-02", "address": "深圳市福田区福华路1号", "scope": "餐饮服务；食品销售"}

// restaurantChain sets up the chain of opening a restaurant, concludes its two cases and
// returns the business licence and the food permit.
func (w *world) restaurantChain() (Cert, Cert) {
	w.t.Helper()
	cs := w.cases()
	cs.add(w.t, fakeCase{ID: "case-lic", No: "FT2026030001", ItemID: "item-yyzz", ItemName: "企业设立登记", Unit: bureauID,
		Applicant: restaurant.ID, Chain: "chain-1", Holder: restHolder, Surface: licenceSurface})
	cs.add(w.t, fakeCase{ID: "case-food", No: "FT2026030002", ItemID: "item-spjy", ItemName: "食品经营许可", Unit: bureauID,
		Applicant: restaurant.ID, Chain: "chain-1", Holder: restHolder, Surface: foodSurface})
	w.emit(TopicCaseConcluded, "case:case-lic", ConcludedEvent{CaseID: "case-lic", CaseNo: "FT2026030001", ItemID: "item-yyzz",
		ItemVersion: 1, Result: "approved", CertType: "YYZZ", DecideUnitID: bureauID, ChainID: "chain-1", ConcludedOn: "2026-03-05"})
	w.emit(TopicCaseConcluded, "case:case-food", ConcludedEvent{CaseID: "case-food", CaseNo: "FT2026030002", ItemID: "item-spjy",
		ItemVersion: 1, Result: "approved", CertType: "SPJY", DecideUnitID: bureauID, ChainID: "chain-1", ConcludedOn: "2026-03-06"})
	lic := w.certOfCase("case-lic")
	food := w.certOfCase("case-food")
	return lic, food
}

func (w *world) certOfCase(caseID string) Cert {
	w.t.Helper()
	rows, err := w.s.st.byCase(w.ctx, w.d.Read, caseID)
	if err != nil || len(rows) != 1 {
		w.t.Fatalf("certificate of %s: %d rows, %v", caseID, len(rows), err)
	}
	c, err := w.s.open(rows[0])
	if err != nil {
		w.t.Fatal(err)
	}
	return c
}

func fixedNow() time.Time { return time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC) }
