package demo

import (
	"context"
	"fmt"

	"onestamp/internal/org"
	"onestamp/internal/platform/audit"
	"onestamp/internal/platform/auth"
	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/ident"
)

// City is the region code of 示范市: province 36, prefecture 99, which no real city holds.
const City = "369900000000"

// Region codes of the demo's counties and districts.
const (
	Donghu    = "369902000000" // 东湖区
	Xishan    = "369903000000" // 西山区
	Qingchuan = "369921000000" // 青川县
	Nanling   = "369922000000" // 南岭县
	Yunxi     = "369923000000" // 云溪县
	Guiyang   = "369981000000" // 桂阳市 (county-level city)
	HighTech  = "369971000000" // 示范高新技术产业开发区
)

type jurDef struct {
	code, name, nameEN string
	kind               org.JurisdictionKind
	parent             string
}

var jurisdictions = []jurDef{
	{City, "示范市", "Shifan City", org.JurCity, ""},
	{Donghu, "东湖区", "Donghu District", org.JurDistrict, City},
	{Xishan, "西山区", "Xishan District", org.JurDistrict, City},
	{Qingchuan, "青川县", "Qingchuan County", org.JurCounty, City},
	{Nanling, "南岭县", "Nanling County", org.JurCounty, City},
	{Yunxi, "云溪县", "Yunxi County", org.JurCounty, City},
	{Guiyang, "桂阳市", "Guiyang (county-level city)", org.JurCounty, City},
	{HighTech, "示范高新技术产业开发区", "Shifan High-tech Industrial Development Zone", org.JurZone, City},
	{"369902001000", "湖滨街道", "Hubin Subdistrict", org.JurTownship, Donghu},
	{"369902002000", "东湖街道", "Donghu Subdistrict", org.JurTownship, Donghu},
}

// unitDef is a demo unit; key names it inside this package, parent is the key of its parent.
type unitDef struct {
	key, name, nameEN string
	kind              org.UnitKind
	region            string
	parent            string
	code              string // empty: a fictional USCC is made from head, region and seq
	head              string // "11" a government organ, "12" a public institution, "91" an enterprise
	seq               int
	address, phone    string
}

// Keys of units that steps and accounts refer to.
const (
	KeyCityBureau   = "city.bureau"
	KeyCityHall     = "city.hall"
	KeyDonghuBureau = "donghu.bureau"
	KeyDonghuHall   = "donghu.hall"
	KeyQingBureau   = "qingchuan.bureau"
	KeyQingHall     = "qingchuan.hall"
	KeyTrading      = "dept.trading"
	KeyBankA        = "bank.rural"
	KeyBankB        = "bank.city"
)

func units() []unitDef {
	us := []unitDef{
		{key: KeyCityBureau, name: "示范市行政审批局", nameEN: "Shifan Administrative Approval Bureau", kind: org.UnitBureau,
			region: City, head: "11", seq: 1, address: "示范市政务大道 1 号", phone: "0700-12345"},
		{key: KeyCityHall, name: "示范市市民服务中心", nameEN: "Shifan Citizen Service Centre", kind: org.UnitHall,
			region: City, parent: KeyCityBureau, code: "HALL-369900-01", address: "示范市政务大道 1 号", phone: "0700-12345"},
	}
	// The original departments keep supervision after their approvals moved to the bureau.
	depts := []struct{ key, name, en string }{
		{"dept.amr", "示范市市场监督管理局", "Market Regulation Administration"},
		{"dept.health", "示范市卫生健康委员会", "Health Commission"},
		{"dept.transport", "示范市交通运输局", "Transport Bureau"},
		{"dept.housing", "示范市住房和城乡建设局", "Housing and Urban-Rural Development Bureau"},
		{"dept.land", "示范市自然资源和规划局", "Natural Resources and Planning Bureau"},
		{"dept.eco", "示范市生态环境局", "Ecology and Environment Bureau"},
		{"dept.agri", "示范市农业农村局", "Agriculture and Rural Affairs Bureau"},
		{"dept.hrss", "示范市人力资源和社会保障局", "Human Resources and Social Security Bureau"},
		{"dept.commerce", "示范市商务局", "Commerce Bureau"},
		{"dept.culture", "示范市文化广电旅游局", "Culture, Radio, Television and Tourism Bureau"},
		{"dept.police", "示范市公安局", "Public Security Bureau"},
		{"dept.emergency", "示范市应急管理局", "Emergency Management Bureau"},
		{"dept.edu", "示范市教育局", "Education Bureau"},
		{"dept.civil", "示范市民政局", "Civil Affairs Bureau"},
		{"dept.water", "示范市水利局", "Water Resources Bureau"},
		{"dept.forestry", "示范市林业局", "Forestry Bureau"},
		{"dept.tax", "国家税务总局示范市税务局", "Shifan Tax Service, STA"},
		{"dept.ndrc", "示范市发展和改革委员会", "Development and Reform Commission"},
		{KeyTrading, "示范市公共资源交易中心", "Public Resources Trading Centre"},
	}
	for i, d := range depts {
		head := "11"
		if d.key == KeyTrading {
			head = "12"
		}
		us = append(us, unitDef{key: d.key, name: d.name, nameEN: "Shifan " + d.en, kind: org.UnitDepartment,
			region: City, head: head, seq: 100 + i})
	}
	// Partners stationed in the halls.
	partners := []struct{ key, name, en, head string }{
		{"partner.power", "国网示范供电公司", "State Grid Shifan Power Supply Company", "91"},
		{"partner.water", "示范水务集团有限公司", "Shifan Water Group", "91"},
		{"partner.gas", "示范燃气有限公司", "Shifan Gas Company", "91"},
		{"partner.trademark", "示范市商标受理窗口", "Shifan Trademark Application Window", "12"},
		{KeyBankA, "示范农村商业银行", "Shifan Rural Commercial Bank", "91"},
		{KeyBankB, "示范银行股份有限公司", "Bank of Shifan", "91"},
		{"bank.ccb", "江南建设银行示范分行", "Jiangnan Construction Bank, Shifan Branch", "91"},
	}
	for i, p := range partners {
		us = append(us, unitDef{key: p.key, name: p.name, nameEN: p.en, kind: org.UnitPartner, region: City,
			head: p.head, seq: 200 + i})
	}
	// A bureau in every county, district and the high-tech zone; halls in two of them.
	counties := []struct{ key, region, name, en string }{
		{"donghu", Donghu, "东湖区", "Donghu District"},
		{"xishan", Xishan, "西山区", "Xishan District"},
		{"qingchuan", Qingchuan, "青川县", "Qingchuan County"},
		{"nanling", Nanling, "南岭县", "Nanling County"},
		{"yunxi", Yunxi, "云溪县", "Yunxi County"},
		{"guiyang", Guiyang, "桂阳市", "Guiyang"},
		{"hightech", HighTech, "示范高新技术产业开发区", "Shifan High-tech Zone"},
	}
	for i, c := range counties {
		us = append(us, unitDef{key: c.key + ".bureau", name: c.name + "行政审批局", nameEN: c.en + " Administrative Approval Bureau",
			kind: org.UnitBureau, region: c.region, parent: KeyCityBureau, head: "11", seq: 300 + i})
	}
	us = append(us,
		unitDef{key: KeyDonghuHall, name: "东湖区政务服务中心", nameEN: "Donghu Government Service Centre", kind: org.UnitHall,
			region: Donghu, parent: KeyDonghuBureau, code: "HALL-369902-01", address: "东湖区湖滨路 8 号", phone: "0700-22345"},
		unitDef{key: KeyQingHall, name: "青川县政务服务中心", nameEN: "Qingchuan Government Service Centre", kind: org.UnitHall,
			region: Qingchuan, parent: KeyQingBureau, code: "HALL-369921-01", address: "青川县青川大道 66 号", phone: "0700-32345"},
	)
	for i := range us {
		if us[i].code == "" {
			us[i].code = fakeUSCC(us[i].head, us[i].region[:6], us[i].seq)
		}
	}
	return us
}

type windowDef struct {
	number string
	typ    org.WindowType
	name   string
	unit   string // key of the stationed unit
}

// halls lists the windows of each demo hall, by the hall's key.
var halls = map[string][]windowDef{
	KeyCityHall: {
		{"A01", org.WindowComprehensive, "综合受理", ""},
		{"A02", org.WindowComprehensive, "综合受理", ""},
		{"A03", org.WindowComprehensive, "综合受理", ""},
		{"A04", org.WindowComprehensive, "综合受理", ""},
		{"A05", org.WindowComprehensive, "综合受理", ""},
		{"A06", org.WindowComprehensive, "综合受理（企业开办）", ""},
		{"B01", org.WindowSpecialised, "户籍与出入境", "dept.police"},
		{"B02", org.WindowSpecialised, "税务", "dept.tax"},
		{"B03", org.WindowSpecialised, "不动产登记", "dept.land"},
		{"B04", org.WindowSpecialised, "社保医保", "dept.hrss"},
		{"C01", org.WindowSpecialised, "用电报装", "partner.power"},
		{"C02", org.WindowSpecialised, "用水报装", "partner.water"},
		{"C03", org.WindowSpecialised, "燃气报装", "partner.gas"},
		{"C04", org.WindowSpecialised, "商标受理", "partner.trademark"},
		{"D01", org.WindowSpecialised, "普惠金融", KeyBankA},
		{"D02", org.WindowSpecialised, "普惠金融", KeyBankB},
		{"E01", org.WindowCityWide, "全市通办", ""},
		{"E02", org.WindowCityWide, "全市通办", ""},
		{"F01", org.WindowHardCase, "办不成事反映", ""},
		{"G01", org.WindowTalent, "人才服务专窗", ""},
	},
	KeyDonghuHall: {
		{"1", org.WindowComprehensive, "综合受理", ""},
		{"2", org.WindowComprehensive, "综合受理", ""},
		{"3", org.WindowComprehensive, "综合受理", ""},
		{"4", org.WindowSpecialised, "不动产登记", "dept.land"},
		{"5", org.WindowCityWide, "全市通办", ""},
		{"6", org.WindowHardCase, "办不成事反映", ""},
		{"7", org.WindowTalent, "人才服务", ""},
	},
	KeyQingHall: {
		{"1", org.WindowComprehensive, "综合受理", ""},
		{"2", org.WindowComprehensive, "综合受理", ""},
		{"3", org.WindowSpecialised, "用电报装", "partner.power"},
		{"4", org.WindowCityWide, "全市通办", ""},
		{"5", org.WindowHardCase, "办不成事反映", ""},
	},
}

// hallOrder fixes the order in which halls are filled.
var hallOrder = []string{KeyCityHall, KeyDonghuHall, KeyQingHall}

// fakeUSCC makes a well-formed 统一社会信用代码 with both check characters right. The
// organisation code "MB" + seq (enterprises "MA" + seq) is not one a real body holds in region
// 3699xx, which does not exist.
func fakeUSCC(head, region6 string, seq int) string {
	prefix := "MB"
	if head == "91" {
		prefix = "MA"
	}
	body := fmt.Sprintf("%s%06d", prefix, seq)
	weights := [8]int{3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := 0; i < 8; i++ {
		c := body[i]
		v := int(c - '0')
		if c >= 'A' && c <= 'Z' {
			v = int(c-'A') + 10
		}
		sum += v * weights[i]
	}
	var oc byte
	switch d := 11 - sum%11; d {
	case 10:
		oc = 'X'
	case 11:
		oc = '0'
	default:
		oc = byte('0' + d)
	}
	first17 := head + region6 + body + string(oc)
	c, ok := ident.USCCCheckChar(first17)
	if !ok {
		panic("demo: bad USCC body " + first17)
	}
	return first17 + string(c)
}

// systemAdmin is the viewer the demo acts as: an administrator of the whole city.
func systemAdmin(ctx context.Context) context.Context {
	return auth.WithViewer(ctx, &auth.Viewer{Kind: auth.KindStaff, ID: audit.SystemActor, Username: "demo",
		Name: "demo", Role: auth.Admin, Roles: []auth.Role{auth.Admin}, RegionCode: City})
}

// loadOrg creates the map. It creates only what is missing, so a load interrupted halfway can
// run again.
func loadOrg(ctx context.Context, env *Env) error {
	actx := systemAdmin(ctx)
	s, dir, all := env.Org, env.Org.Directory(), auth.SystemScope()
	for _, j := range jurisdictions {
		if _, err := dir.Jurisdiction(ctx, all, j.code); err == nil {
			continue
		} else if !errs.Is(err, errs.NotFound) {
			return err
		}
		if _, err := s.CreateJurisdiction(actx, org.Jurisdiction{Code: j.code, Name: j.name, NameEN: j.nameEN,
			Kind: j.kind, ParentCode: j.parent}); err != nil {
			return fmt.Errorf("jurisdiction %s: %w", j.code, err)
		}
	}
	for _, d := range units() {
		u, err := dir.UnitByCode(ctx, all, d.code)
		if errs.Is(err, errs.NotFound) {
			parent := ""
			if d.parent != "" {
				parent = env.Units[d.parent].ID
			}
			u, err = s.CreateUnit(actx, org.Unit{Code: d.code, Name: d.name, NameEN: d.nameEN, Kind: d.kind,
				RegionCode: d.region, ParentID: parent, Address: d.address, Phone: d.phone})
		}
		if err != nil {
			return fmt.Errorf("unit %s: %w", d.name, err)
		}
		env.Units[d.key] = u
	}
	for _, key := range hallOrder {
		hall := env.Units[key]
		have, err := dir.Windows(ctx, all, hall.ID, false)
		if err != nil {
			return err
		}
		taken := map[string]bool{}
		for _, w := range have {
			taken[w.Number] = true
		}
		for _, w := range halls[key] {
			if taken[w.number] {
				continue
			}
			if _, err := s.CreateWindow(actx, hall.ID, org.Window{Number: w.number, Type: w.typ, Name: w.name,
				UnitID: env.Units[w.unit].ID}); err != nil {
				return fmt.Errorf("window %s %s: %w", hall.Name, w.number, err)
			}
		}
	}
	return nil
}

// loadUnits fills env.Units from the database, for steps that run after an earlier load.
func loadUnits(ctx context.Context, env *Env) error {
	for _, d := range units() {
		u, err := env.Org.Directory().UnitByCode(ctx, auth.SystemScope(), d.code)
		if errs.Is(err, errs.NotFound) {
			continue
		}
		if err != nil {
			return err
		}
		env.Units[d.key] = u
	}
	return nil
}
