package catalog

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"onestamp/internal/platform/workday"
)

// DemoUnits gives the demo step the organisation units of the demo city by their keys in
// package demo: "city.bureau", "hightech.bureau", "donghu.bureau", "dept.amr", "partner.power" …
type DemoUnits interface {
	DemoUnit(key string) (Unit, bool)
}

// DemoUnitFunc adapts a function to DemoUnits.
type DemoUnitFunc func(key string) (Unit, bool)

// DemoUnit calls f.
func (f DemoUnitFunc) DemoUnit(key string) (Unit, bool) { return f(key) }

// Dates of the demo's history.
var (
	DemoInitial  = workday.MustDate("2015-01-01") // records begin: the departments hold their powers
	DemoBaseline = workday.MustDate("2018-01-01") // the baseline versions (before the reform)
	DemoReform   = workday.MustDate("2019-03-01") // powers move to the bureau; the reformed versions
	DemoCounty   = workday.MustDate("2019-06-01") // 东湖区 exercises the shared items
	DemoZone     = workday.MustDate("2021-07-01") // delegations to the high-tech zone
	DemoNew      = workday.MustDate("2023-03-01") // items created after the baseline
	DemoReturn   = workday.MustDate("2024-01-01") // delegations returned
)

const (
	demoCity     = "369900000000"
	demoDonghu   = "369902000000"
	demoHighTech = "369971000000"
)

// DemoStep loads the demo catalogue: certificate types, 136 main items with their 业务办理项 and
// 子项 (each with a baseline version of 2018 and the reformed version of 2019), the power
// history (initial holders, transfers to the bureau, delegations to the high-tech zone and a
// return), the 市县两级事权 list, search synonyms and six chains. It runs in one transaction as
// the system. Rows of a department the unit source does not know are skipped.
func (s *Service) DemoStep(ctx context.Context, units DemoUnits) error {
	bureau, ok := units.DemoUnit("city.bureau")
	if !ok {
		return fmt.Errorf("catalog demo: the unit city.bureau is missing; was the org step run?")
	}
	a := systemActor
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		for _, c := range demoCertTypes {
			if _, err := s.saveCertType(ctx, tx, a, c); err != nil {
				return err
			}
		}
		r, err := s.loadRefs(ctx, tx)
		if err != nil {
			return err
		}
		g := &demoGen{s: s, tx: tx, a: a, r: r, units: units, bureau: bureau, ids: map[string]string{}}
		// Online applications of the bureau's items are received by the city's citizen service
		// centre, where the clerks are.
		if hall, ok := units.DemoUnit("city.hall"); ok {
			g.hall = hall
		}
		for i, row := range demoRows {
			if err := g.item(ctx, i, row); err != nil {
				return fmt.Errorf("catalog demo: %s: %w %v", row.name, err, ProblemsOf(err))
			}
		}
		for _, sy := range demoSynonyms {
			if _, err := s.addSynonym(ctx, tx, a, sy[0], sy[1]); err != nil {
				return fmt.Errorf("catalog demo: synonym %s: %w", sy[0], err)
			}
		}
		for _, c := range demoChains {
			if err := g.chain(ctx, c); err != nil {
				return fmt.Errorf("catalog demo: chain %s: %w %v", c.name, err, ProblemsOf(err))
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.refresh(ctx)
	return nil
}

type demoGen struct {
	s      *Service
	tx     *sql.Tx
	a      actor
	r      refs
	units  DemoUnits
	bureau Unit
	hall   Unit              // the hall that receives the bureau's online applications
	ids    map[string]string // item name → id
	depts  []string
}

func flagSet(flags string) map[string]string {
	out := map[string]string{}
	for _, f := range strings.Fields(flags) {
		k, v, _ := strings.Cut(f, "=")
		out[k] = v
	}
	return out
}

func (g *demoGen) deptIndex(key string) int {
	i := slices.Index(g.depts, key)
	if i < 0 {
		g.depts = append(g.depts, key)
		i = len(g.depts) - 1
	}
	return i + 1
}

// item creates a row's main item, its children, its power history and its 事权 row.
func (g *demoGen) item(ctx context.Context, i int, row demoRow) error {
	dept, ok := g.units.DemoUnit(row.dept)
	if !ok {
		g.s.log.Warn("catalog demo: unit missing, item skipped", "unit", row.dept, "item", row.name)
		return nil
	}
	fl := flagSet(row.flags)
	_, keep := fl["keep"]
	holder := dept
	if !keep {
		holder = g.bureau
	}
	base := fmt.Sprintf("%03d%03d%03d000", row.typ.Code(), g.deptIndex(row.dept), i+1)
	impl := FormatImplCode(base, demoCity, holder.Code)
	cur := g.spec(row, fl, dept, holder)
	it, err := g.create(ctx, Item{Level: LevelMain, BaseCode: base, ImplCode: impl, RegionCode: demoCity}, cur, fl)
	if err != nil {
		return err
	}
	if v, ok := fl["sub"]; ok {
		for j, part := range strings.Split(v, "|") {
			zh, en, _ := strings.Cut(part, ":")
			sp := cur.Clone()
			sp.Name, sp.NameEN = row.name+"（"+zh+"）", row.en+" ("+en+")"
			code := fmt.Sprintf("%s-S%d", impl, j+1)
			if _, err := g.create(ctx, Item{Level: LevelSub, ParentID: it.ID, BaseCode: base, ImplCode: code, RegionCode: demoCity}, sp, fl); err != nil {
				return err
			}
		}
	}
	if _, ok := fl["var"]; ok {
		for n, sp := range g.variants(row, cur) {
			h := fmt.Sprintf("%s-0%d", impl, n+1)
			if _, err := g.create(ctx, Item{Level: LevelHandling, ParentID: it.ID, BaseCode: base, ImplCode: impl,
				HandlingCode: h, RegionCode: demoCity}, sp, fl); err != nil {
				return err
			}
		}
	}
	return g.powers(ctx, base, row, fl, dept)
}

// create makes an item with its baseline version (2018) and its reformed version (2019), or
// only the current one for an item created after the baseline.
func (g *demoGen) create(ctx context.Context, it Item, cur Spec, fl map[string]string) (Item, error) {
	s := g.s
	if _, ok := fl["new"]; ok {
		it, sp, ps, err := s.checkNew(ctx, g.tx, g.r, it, cur)
		if err != nil {
			return it, err
		}
		if err := invalid(ps); err != nil {
			return it, err
		}
		it, _, err = s.insertNew(ctx, g.tx, g.a, it, sp, "新设事项", DemoNew)
		g.ids[sp.Name] = it.ID
		return it, err
	}
	it, sp, ps, err := s.checkNew(ctx, g.tx, g.r, it, baselineOf(cur))
	if err != nil {
		return it, err
	}
	if err := invalid(ps); err != nil {
		return it, err
	}
	if it, _, err = s.insertNew(ctx, g.tx, g.a, it, sp, "改革前实施清单（基线）", DemoBaseline); err != nil {
		return it, err
	}
	if _, err := s.saveDraft(ctx, g.tx, g.a, g.r, it.ID, cur, "相对集中行政许可权改革后的实施清单"); err != nil {
		return it, err
	}
	if _, err := s.publish(ctx, g.tx, g.a, g.r, it.ID, PublishInput{EffectiveFrom: DemoReform}); err != nil {
		return it, err
	}
	g.ids[cur.Name] = it.ID
	return it, nil
}

// baselineOf is the spec before the reform: two more materials (copies now fetched from the
// e-certificate library, and the catch-all 其他材料), the promised limit equal to the statutory
// one, no online handling, two visits, no 告知承诺 and no 容缺.
func baselineOf(cur Spec) Spec {
	b := cur.Clone()
	b.Materials = slices.DeleteFunc(b.Materials, func(m Material) bool { return m.Key == "promise" })
	for i := range b.Materials {
		b.Materials[i].PendingAllowed = false
	}
	b.Materials = append(b.Materials,
		Material{Key: "idcopy", Name: "身份证件复印件", Form: FormCopy, Copies: 2, Source: SourceSelf, Required: true},
		Material{Key: "other", Name: "其他相关材料", Form: FormCopy, Copies: 1, Source: SourceSelf, Required: true})
	b.CertFree, b.Online, b.OnlineDepth, b.CityWide, b.CrossProvince = false, false, 2, false, CrossNone
	if b.MaxVisits < 2 {
		b.MaxVisits = 2
	}
	b.PromisedWD = b.StatutoryWD
	b.Kind = KindPromised
	if b.StatutoryWD == 0 {
		b.Kind = KindInstant
	}
	b.ReformMode, b.PromiseText, b.VerifyMethods, b.VerifyWithinWD, b.PendingSupplyWD = ReformNone, "", nil, 0, 0
	b.Steps = demoSteps(b.PromisedWD)
	return b
}

var certValidity = map[string]string{"SPJY": "5年", "C-FP": "5年", "YPJY": "5年", "C-MD": "5年", "GGWS": "4年",
	"DLYS": "4年", "C-HR": "长期", "C-LD": "3年", "C-PE": "5年", "C-EP": "5年", "C-WA": "5年", "C-EN": "长期",
	"C-TA": "长期", "C-HZ": "3年", "C-FW": "1年", "YYZZ": "长期", "C-RE": "长期"}

// acceptUnit is the unit that receives an item's online applications: the city hall for the
// bureau's items, the holder itself otherwise (a department or partner with its own window).
func (g *demoGen) acceptUnit(holder Unit) string {
	if holder.ID == g.bureau.ID && g.hall.ID != "" {
		return g.hall.ID
	}
	return holder.ID
}

// spec builds a row's current spec.
func (g *demoGen) spec(row demoRow, fl map[string]string, dept, holder Unit) Spec {
	sp := Spec{Name: row.name, NameEN: row.en, Type: row.typ, PowerSource: SourceStatutory, ExerciseLevel: "city",
		SetBasis: row.basis, ImplBasis: row.basis, CompetentDept: dept.ID,
		ImplAgency: Agency{Name: holder.Name}, AcceptUnit: g.acceptUnit(holder), SupervisingDept: dept.ID,
		StatutoryWD: row.stat, PromisedWD: row.prom, Kind: KindPromised, MaxVisits: 1, Online: false, OnlineDepth: 3,
		Appointment: true, ReformMode: row.reform, Summary: demoSummaries[row.name],
		Location:     "示范市市民服务中心综合受理窗口（示范市政务大道 1 号）",
		Hours:        "周一至周五 9:00—12:00，13:30—17:00（法定节假日除外）",
		ConsultPhone: "0700-12345", ComplaintPhone: "12345"}
	if _, ok := fl["cty"]; ok {
		sp.ExerciseLevel = "city,county"
	}
	if row.prom == 0 {
		sp.Kind = KindInstant
	}
	if _, ok := fl["net"]; ok {
		sp.Online, sp.OnlineDepth, sp.MaxVisits = true, 4, 0
	}
	if _, ok := fl["v2"]; ok {
		sp.MaxVisits = 2
	}
	switch {
	case has(fl, "person"):
		sp.Targets = []Target{TargetPerson}
	case has(fl, "both"):
		sp.Targets = []Target{TargetPerson, TargetLegalPerson}
	default:
		sp.Targets = []Target{TargetLegalPerson, TargetOther}
	}
	sp.AcceptConditions = []string{"申请人具有相应的民事行为能力，或者为依法设立的法人、其他组织",
		"申请材料齐全、符合法定形式", "符合" + row.basis + "规定的条件"}
	for _, k := range strings.Fields(row.mats) {
		sp.Materials = append(sp.Materials, demoMaterial(k))
	}
	if row.reform == ReformPromise {
		sp.Materials = append(sp.Materials, demoMaterial("promise"))
		sp.PromiseText = "申请人承诺：已经知晓" + row.name + "的全部条件和标准，所提交的材料真实有效，" +
			"现已具备许可条件；如有不实，愿意承担不予许可或者撤销许可的法律责任，并记入信用记录。"
		sp.VerifyMethods = []VerifyMethod{VerifyOnsite, VerifyData}
		sp.VerifyWithinWD = 30
	}
	sp.Steps = demoSteps(row.prom)
	if has(fl, "site") {
		sp.SpecialSteps = append(sp.SpecialSteps, SpecialStep{Name: "现场核查", LimitWD: 5, CountsInLimit: true,
			Basis: "《中华人民共和国行政许可法》第三十四条"})
	}
	if has(fl, "test") {
		sp.SpecialSteps = append(sp.SpecialSteps, SpecialStep{Name: "检验检测", LimitWD: 10,
			Basis: "《中华人民共和国行政许可法》第四十五条", Fee: "按检测机构收费标准"})
	}
	if has(fl, "expert") {
		sp.SpecialSteps = append(sp.SpecialSteps, SpecialStep{Name: "专家评审", LimitWD: 10,
			Basis: "《中华人民共和国行政许可法》第四十五条"})
	}
	if has(fl, "hear") {
		sp.SpecialSteps = append(sp.SpecialSteps, SpecialStep{Name: "听证", LimitWD: 20,
			Basis: "《中华人民共和国行政许可法》第四十七条"})
	}
	if v, ok := fl["fee"]; ok {
		name, yuan, _ := strings.Cut(v, ":")
		n, _ := strconv.Atoi(yuan)
		sp.Charged, sp.FeeTiming = true, FeeBeforeConclude
		sp.Fees = []Fee{{Name: name, AmountFen: int64(n) * 100, Basis: "国家发展改革委、财政部收费标准"}}
		sp.FeeBasis = "《行政事业性收费项目目录》"
	}
	if v, ok := fl["mid"]; ok {
		sp.Intermediaries = []Intermediary{{Name: v, Required: true, Basis: row.basis}}
	}
	sp.ResultCertType = row.cert
	switch {
	case row.cert != "":
		sp.ResultType = ResultLicence
		for _, c := range demoCertTypes {
			if c.Code == row.cert {
				sp.ResultName = c.Name
			}
		}
		sp.ResultValidity = certValidity[row.cert]
	case row.typ == TypeLicence:
		sp.ResultType, sp.ResultName = ResultApproval, "准予行政许可决定书"
	case row.reform == ReformFiling || row.typ == TypeOther:
		sp.ResultType, sp.ResultName = ResultOther, "备案回执"
	default:
		sp.ResultType, sp.ResultName = ResultOther, "办理结果告知书"
	}
	sp.Delivery = []Delivery{DeliverWindow, DeliverElectronic}
	if has(fl, "cw") {
		sp.CityWide, sp.Logistics = true, true
		sp.Delivery = append(sp.Delivery, DeliverPost)
	}
	if has(fl, "cp") {
		sp.CrossProvince = CrossOnline
	} else if has(fl, "cpx") {
		sp.CrossProvince = CrossProxy
	}
	sp.CertFree = has(fl, "cf")
	if v, ok := fl["joint"]; ok {
		// 联办 (art. 26): the bureau forwards the application to the department for its opinion.
		if u, ok := g.units.DemoUnit(v); ok {
			sp.JointDepts = []string{u.ID}
		}
	}
	sp.FAQ = []FAQ{{Q: "可以委托他人代为办理吗？", A: "可以。受托人应当提交授权委托书和本人身份证件；全程网办的事项也可由受托人在网上提交。"}}
	if row.reform == ReformPromise {
		sp.FAQ = append(sp.FAQ, FAQ{Q: "选择告知承诺方式办理后还会检查吗？",
			A: "会。审批局在作出许可决定后30个工作日内组织核查，发现承诺不实的，依法撤销许可并记入信用记录。"})
	}
	sp.Keywords = strings.Fields(row.kw)
	for _, t := range strings.Fields(row.tags) {
		k, v, _ := strings.Cut(t, ":")
		switch k {
		case "life":
			sp.LifeEvents = append(sp.LifeEvents, v)
		case "biz":
			sp.EnterpriseEvents = append(sp.EnterpriseEvents, v)
		case "theme":
			sp.Themes = append(sp.Themes, v)
		}
	}
	sp.FormFields = demoForm(sp)
	return sp
}

func has(fl map[string]string, k string) bool { _, ok := fl[k]; return ok }

func demoMaterial(spec string) Material {
	key := strings.TrimRight(spec, "?-")
	t, ok := demoMats[key]
	if !ok {
		panic("catalog demo: unknown material template " + key)
	}
	m := Material{Key: key, Name: t.name, Form: t.form, Copies: 1, Source: t.src, CertType: t.cert,
		Required: !strings.HasSuffix(spec, "-"), PendingAllowed: strings.HasSuffix(spec, "?"), MinTrust: t.trust}
	if t.src == SourceGov {
		m.Copies = 0 // checked or fetched, not kept
		m.Notes = "可通过电子证照库调取，无需提交纸质材料"
	}
	if t.blank {
		m.BlankForm = "form:" + key
		m.Sample = "sample:" + key
	}
	return m
}

func demoSteps(prom int) []Step {
	if prom == 0 {
		return []Step{{Name: "受理并办结", LimitWD: 0, PostRole: "clerk"}}
	}
	return []Step{{Name: "受理", LimitWD: 0, PostRole: "clerk"}, {Name: "审查", LimitWD: prom - 1, PostRole: "reviewer"},
		{Name: "决定", LimitWD: 1, PostRole: "chief"}, {Name: "制证送达", LimitWD: 0, PostRole: "clerk"}}
}

// demoForm is an item's application form: the applicant's particulars by target, and a few
// fields the theme needs.
func demoForm(sp Spec) []FormField {
	var f []FormField
	add := func(key, label string, t FieldType, req bool, opts ...string) {
		f = append(f, FormField{Key: key, Label: label, Type: t, Required: req, Options: opts})
	}
	if slices.Contains(sp.Targets, TargetLegalPerson) {
		if slices.Contains(sp.Targets, TargetPerson) {
			add("applicant_name", "申请人名称或姓名", FieldText, true)
			add("id_number", "统一社会信用代码或身份证件号码", FieldIDNumber, true)
		} else {
			add("org_name", "单位名称", FieldText, true)
			add("uscc", "统一社会信用代码", FieldIDNumber, true)
			add("legal_rep", "法定代表人（负责人）", FieldText, true)
		}
	} else {
		add("name", "姓名", FieldText, true)
		add("id_number", "身份证件号码", FieldIDNumber, true)
	}
	add("contact", "联系人", FieldText, false)
	add("phone", "联系电话", FieldPhone, true)
	add("address", "地址", FieldText, true)
	// What the e-certificate the item issues prints (package certs' type fields).
	switch sp.ResultCertType {
	case "YYZZ":
		add("entity_type", "类型", FieldSelect, true, "有限责任公司", "股份有限公司", "个人独资企业", "合伙企业", "农民专业合作社")
		add("established_on", "成立日期", FieldDate, true)
		add("scope", "经营范围", FieldText, true)
	case "SPJY":
		add("premises", "经营场所", FieldText, true)
		add("format", "主体业态", FieldSelect, true, "餐饮服务经营者", "食品销售经营者", "单位食堂")
		add("items", "经营项目", FieldText, true)
	case "GGWS":
		add("items", "许可项目", FieldText, true)
	}
	switch {
	case slices.Contains(sp.Themes, "food"):
		add("business_scope", "经营项目", FieldSelect, true, "预包装食品销售", "散装食品销售", "热食类食品制售",
			"冷食类食品制售", "糕点类食品制售", "自制饮品制售")
		add("area", "经营场所面积（平方米）", FieldNumber, false)
	case slices.Contains(sp.Themes, "medicine"):
		add("pharmacist", "质量负责人（执业药师）", FieldText, false)
	case slices.Contains(sp.EnterpriseEvents, "build") || slices.Contains(sp.EnterpriseEvents, "invest"):
		add("project_name", "项目名称", FieldText, true)
		add("project_code", "项目代码", FieldText, false)
	case slices.Contains(sp.Themes, "transport"):
		add("vehicles", "车辆数", FieldNumber, false)
	case slices.Contains(sp.Themes, "property"):
		add("property_no", "不动产权证书号", FieldText, false)
	}
	return f
}

// variants are the 业务办理项 of a varied item: 新办, 变更, 延续, 注销.
func (g *demoGen) variants(row demoRow, cur Spec) []Spec {
	old := Material{Key: "old", Name: "原许可证正本、副本", Form: FormOriginal, Source: SourceGov, CertType: row.cert,
		Required: true, MinTrust: "A", Notes: "可通过电子证照库调取"}
	newSp := cur.Clone()
	newSp.Name, newSp.NameEN = row.name+"（新办）", row.en+" (new)"

	change := cur.Clone()
	change.Name, change.NameEN = row.name+"（变更）", row.en+" (change)"
	change.Materials = []Material{demoMaterial("app"), demoMaterial("id"), old, demoMaterial("change")}
	change.PromisedWD = min(cur.PromisedWD, 3)
	change.SpecialSteps = nil
	change.Summary = ""

	renew := cur.Clone()
	renew.Name, renew.NameEN = row.name+"（延续）", row.en+" (renewal)"
	renew.Materials = []Material{demoMaterial("app"), demoMaterial("id"), old}
	renew.PromisedWD = min(cur.PromisedWD, 5)
	renew.Summary = "许可证有效期届满需要继续经营的，应当在有效期届满30日前提出延续申请。"

	cancel := cur.Clone()
	cancel.Name, cancel.NameEN = row.name+"（注销）", row.en+" (cancellation)"
	old.Required = false
	cancel.Materials = []Material{demoMaterial("app"), old}
	cancel.PromisedWD, cancel.Kind, cancel.SpecialSteps = 0, KindInstant, nil
	cancel.Online, cancel.OnlineDepth, cancel.MaxVisits = true, 4, 0
	cancel.Summary = ""
	for _, sp := range []*Spec{&change, &renew, &cancel} {
		sp.Steps = demoSteps(sp.PromisedWD)
		if sp.ReformMode == ReformPromise {
			sp.Materials = append(sp.Materials, demoMaterial("promise"))
		}
	}
	return []Spec{newSp, change, renew, cancel}
}

// powers records the power history of a row's 基本编码.
func (g *demoGen) powers(ctx context.Context, base string, row demoRow, fl map[string]string, dept Unit) error {
	rec := func(e PowerEvent) error {
		e.BaseCode = base
		_, err := g.s.recordPower(ctx, g.tx, g.a, g.r, e)
		return err
	}
	if err := rec(PowerEvent{RegionCode: demoCity, Kind: PowerInitial, ToUnit: dept.ID, EffectiveFrom: DemoInitial,
		Note: "原实施主体"}); err != nil {
		return err
	}
	holder := dept.ID
	if !has(fl, "keep") {
		if err := rec(PowerEvent{RegionCode: demoCity, Kind: PowerTransfer, FromUnit: dept.ID, ToUnit: g.bureau.ID,
			EffectiveFrom: DemoReform, DocNo: "示政发〔2019〕5号",
			DocTitle: "示范市人民政府关于开展相对集中行政许可权改革的决定"}); err != nil {
			return err
		}
		holder = g.bureau.ID
	}
	if zone, ok := g.units.DemoUnit("hightech.bureau"); ok && has(fl, "zone") {
		if err := rec(PowerEvent{RegionCode: demoHighTech, Kind: PowerDelegate, FromUnit: holder, ToUnit: zone.ID,
			EffectiveFrom: DemoZone, DocNo: "示政发〔2021〕12号",
			DocTitle: "示范市人民政府关于向示范高新技术产业开发区赋予市级行政许可权的决定"}); err != nil {
			return err
		}
		if has(fl, "ret") {
			if err := rec(PowerEvent{RegionCode: demoHighTech, Kind: PowerReturn, FromUnit: zone.ID, ToUnit: holder,
				EffectiveFrom: DemoReturn, DocNo: "示政发〔2023〕30号",
				DocTitle: "示范市人民政府关于调整开发区赋权事项的通知", Note: "承接效果评估后收回"}); err != nil {
				return err
			}
		}
	}
	level := DivisionCity
	note := ""
	if county, ok := g.units.DemoUnit("donghu.bureau"); ok && has(fl, "cty") {
		level = DivisionShared
		note = "县（区）负责本辖区内的申请；市级负责市直管区域及跨县（区）的申请"
		if err := rec(PowerEvent{RegionCode: demoDonghu, Kind: PowerInitial, ToUnit: county.ID, EffectiveFrom: DemoCounty,
			DocNo: "东政发〔2019〕8号", DocTitle: "东湖区人民政府关于开展相对集中行政许可权改革的决定"}); err != nil {
			return err
		}
	}
	now := g.s.now()
	d := Division{BaseCode: base, Name: row.name, Level: level, Note: note, UpdatedAt: now, UpdatedBy: g.a.id}
	if err := g.s.st.upsertDivision(ctx, g.tx, d); err != nil {
		return err
	}
	return g.s.record(ctx, g.tx, g.a, "catalog.division.set", "division:"+base, map[string]any{"name": d.Name, "level": d.Level})
}

// chain creates a demo chain from its items' names.
func (g *demoGen) chain(ctx context.Context, dc demoChain) error {
	lead, ok := g.units.DemoUnit(dc.lead)
	if !ok {
		return nil
	}
	c := Chain{Code: dc.code, Name: dc.name, NameEN: dc.en, Summary: dc.summary, LeadUnit: lead.ID,
		RegionCode: demoCity, LimitWD: dc.limit, Keywords: strings.Fields(dc.kw)}
	for i, name := range dc.items {
		id, ok := g.ids[name]
		if !ok {
			continue // its department is missing
		}
		c.Items = append(c.Items, ChainItem{ItemID: id, Stage: dc.stages[i]})
	}
	for _, t := range strings.Fields(dc.tags) {
		k, v, _ := strings.Cut(t, ":")
		switch k {
		case "life":
			c.LifeEvents = append(c.LifeEvents, v)
		case "biz":
			c.EnterpriseEvents = append(c.EnterpriseEvents, v)
		case "theme":
			c.Themes = append(c.Themes, v)
		}
	}
	specs, err := g.s.specsInForce(ctx, g.tx, c.Items, g.s.Today())
	if err != nil {
		return err
	}
	c.Fields, c.Materials = DeriveForm(c.Items, specs)
	_, err = g.s.saveChain(ctx, g.tx, g.a, g.r, c)
	return err
}

// DemoCertTypes returns the e-certificate types of the demo catalogue.
func DemoCertTypes() []CertType { return slices.Clone(demoCertTypes) }
