package catalog

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// The 实施清单 workbook: one sheet per group of fields (DOMAIN §3), the way the national template
// groups them. A scalar sheet has one row per item; a list sheet (materials, fees …) one row per
// entry, ordered by 序号. Every row starts with the item's code. Columns are found by their
// header, in any order; every column is required. Enumerations are written with their Chinese
// labels and read as labels or keys; yes/no as 是/否; lists of values joined with 、; lists of
// texts one per line; units by their 统一社会信用代码 (code); amounts in yuan.

// xrec is one item as the workbook holds it.
type xrec struct {
	it         Item
	sp         Spec
	parentCode string
	rows       map[string]int   // scalar sheet key → row number
	listRows   map[string][]int // list sheet key → row of each entry
}

// xio carries what reading and writing need: reference lists, and where the cell being read is
// (for problems).
type xio struct {
	r        refs
	problems []Problem
	sheet    string
	row      int
	col      string
	field    string
}

func (x *xio) bad(key string, kv ...any) {
	p := prob(x.field, key, kv...)
	p.Sheet, p.Row, p.Column = x.sheet, x.row, x.col
	x.problems = append(x.problems, p)
}

const (
	yes = "是"
	no  = "否"
)

func yn(b bool) string {
	if b {
		return yes
	}
	return no
}

func (x *xio) bool(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case yes, "true", "1", "y", "yes":
		return true
	case no, "false", "0", "n", "", "no":
		return false
	}
	x.bad("catalog.import.bool", "value", v)
	return false
}

func num(n int) string { return strconv.Itoa(n) }

func (x *xio) int(v string) int {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		// Excel may hand back "20.0" for a number typed as 20.
		if f, ferr := strconv.ParseFloat(v, 64); ferr == nil && f == math.Trunc(f) && math.Abs(f) < 1e9 {
			return int(f)
		}
		x.bad("catalog.import.number", "value", v)
	}
	return n
}

func yuan(fen int64) string { return fmt.Sprintf("%d.%02d", fen/100, fen%100) }

func (x *xio) fen(v string) int64 {
	v = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "元"))
	if v == "" {
		return 0
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 || f > 1e9 {
		x.bad("catalog.import.amount", "value", v)
		return 0
	}
	return int64(math.Round(f * 100))
}

// labels maps an enumeration's values to the Chinese labels of the workbook.
type labels map[string]string

func (l labels) label(v string) string {
	if s, ok := l[v]; ok {
		return s
	}
	return v
}

// value reads a label or a key; an unknown cell is kept as it is for Validate to name (or named
// here when the enumeration has no other check).
func (l labels) value(v string) string {
	v = strings.TrimSpace(v)
	for k, s := range l {
		if v == s {
			return k
		}
	}
	return v
}

func (x *xio) enum(l labels, v string) string {
	out := l.value(v)
	if out != "" {
		if _, ok := l[out]; !ok {
			x.bad(kvInvalidValue, "value", v)
		}
	}
	return out
}

func joinLabels[T ~string](l labels, vs []T) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = l.label(string(v))
	}
	return strings.Join(s, "、")
}

func splitValues(v string) []string {
	f := func(r rune) bool { return r == '、' || r == ',' || r == '，' || r == ';' || r == '；' || r == '\n' }
	var out []string
	for _, s := range strings.FieldsFunc(v, f) {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func enumList[T ~string](x *xio, l labels, v string) []T {
	var out []T
	for _, s := range splitValues(v) {
		out = append(out, T(x.enum(l, s)))
	}
	return out
}

func splitLines(v string) []string {
	var out []string
	for _, s := range strings.Split(strings.ReplaceAll(v, "\r\n", "\n"), "\n") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (x *xio) unitCode(id string) string {
	if u, ok := x.r.units[id]; ok && u.Code != "" {
		return u.Code
	}
	return id
}

func (x *xio) unitID(code string) string {
	code = strings.TrimSpace(code)
	if code == "" {
		return ""
	}
	if u, ok := x.r.codes[code]; ok {
		return u.ID
	}
	if _, ok := x.r.units[code]; ok {
		return code // an id, as a fallback
	}
	x.bad(kvUnitUnknown, "value", code)
	return code
}

// Chinese labels of the enumerations.
var (
	levelZH   = labels{"main": "主项", "sub": "子项", "handling": "业务办理项"}
	typeZH    = labels{"licence": "行政许可", "penalty": "行政处罚", "enforcement": "行政强制", "levy": "行政征收", "benefit": "行政给付", "inspection": "行政检查", "confirmation": "行政确认", "award": "行政奖励", "adjudication": "行政裁决", "other": "其他行政权力", "public_service": "公共服务"}
	powerZH   = labels{"statutory": "法定本级行使", "delegated": "上级下放", "entrusted": "委托"}
	targetZH  = labels{"person": "自然人", "legal_person": "法人", "other": "其他组织"}
	kindZH    = labels{"instant": "即办件", "promised": "承诺件"}
	formZH    = labels{"original": "原件", "copy": "复印件", "electronic": "电子"}
	sourceZH  = labels{"self": "申请人自备", "gov": "政府部门核发"}
	timingZH  = labels{"before_accept": "受理前", "before_conclude": "办结前"}
	resultZH  = labels{"licence": "证照", "approval": "批准文书", "other": "其他"}
	deliverZH = labels{"window": "窗口领取", "post": "邮寄送达", "electronic": "电子送达"}
	crossZH   = labels{"online": "全程网办", "proxy": "异地代收代办", "joint": "多地联办"}
	reformZH  = labels{"cancelled": "直接取消审批", "filing": "审批改为备案", "promise": "实行告知承诺", "optimized": "优化审批服务"}
	verifyZH  = labels{"written": "书面核查", "data": "数据比对", "onsite": "现场核查", "notice": "公示", "exempt": "免于核查"}
	fieldZH   = labels{"text": "文本", "textarea": "多行文本", "number": "数字", "date": "日期", "phone": "电话", "id_number": "证件号码", "select": "选项"}
	lifeZH    = labels{"birth": "出生", "education": "上学", "employment": "就业创业", "marriage": "婚育", "housing": "住房", "travel": "出行", "medical": "就医", "retirement": "退休养老", "social": "社会救助", "farming": "农业生产"}
	bizZH     = labels{"start": "企业开办", "operate": "经营许可", "invest": "投资立项", "build": "工程建设", "employ": "用工社保", "change": "变更", "close": "注销退出"}
	themeZH   = labels{"food": "餐饮食品", "medicine": "医药", "health": "卫生健康", "transport": "交通运输", "construction": "工程建设", "property": "不动产", "agriculture": "农林牧渔", "culture": "文化旅游", "education": "教育培训", "environment": "生态环境", "safety": "安全生产", "labour": "人力社保", "commerce": "商贸流通", "water": "水利", "social": "社会组织", "market": "市场主体"}
)

// scol is a column of a scalar sheet; path is the JSON path of the field it holds, for locating
// the problems validation finds.
type scol struct {
	key, zh, path string
	get           func(x *xio, r *xrec) any
	set           func(x *xio, r *xrec, v string)
}

type ssheet struct {
	key, zh string
	cols    []scol
}

func str(p func(r *xrec) *string) (func(*xio, *xrec) any, func(*xio, *xrec, string)) {
	return func(_ *xio, r *xrec) any { return *p(r) }, func(_ *xio, r *xrec, v string) { *p(r) = strings.TrimSpace(v) }
}

func col(key, zh, path string, p func(r *xrec) *string) scol {
	g, s := str(p)
	return scol{key, zh, path, g, s}
}

func intCol(key, zh string, p func(r *xrec) *int) scol {
	return scol{key, zh, key, func(_ *xio, r *xrec) any { return *p(r) },
		func(x *xio, r *xrec, v string) { *p(r) = x.int(v) }}
}

func boolCol(key, zh string, p func(r *xrec) *bool) scol {
	return scol{key, zh, key, func(_ *xio, r *xrec) any { return yn(*p(r)) },
		func(x *xio, r *xrec, v string) { *p(r) = x.bool(v) }}
}

func enumCol[T ~string](key, zh string, l labels, p func(r *xrec) *T) scol {
	return scol{key, zh, key, func(_ *xio, r *xrec) any { return l.label(string(*p(r))) },
		func(x *xio, r *xrec, v string) { *p(r) = T(x.enum(l, v)) }}
}

func enumsCol[T ~string](key, zh string, l labels, p func(r *xrec) *[]T) scol {
	return scol{key, zh, key, func(_ *xio, r *xrec) any { return joinLabels(l, *p(r)) },
		func(x *xio, r *xrec, v string) { *p(r) = enumList[T](x, l, v) }}
}

func linesCol(key, zh string, p func(r *xrec) *[]string) scol {
	return scol{key, zh, key, func(_ *xio, r *xrec) any { return strings.Join(*p(r), "\n") },
		func(_ *xio, r *xrec, v string) { *p(r) = splitLines(v) }}
}

func unitCol(key, zh string, p func(r *xrec) *string) scol {
	return scol{key, zh, key, func(x *xio, r *xrec) any { return x.unitCode(*p(r)) },
		func(x *xio, r *xrec, v string) { *p(r) = x.unitID(v) }}
}

// codeCol heads every sheet: the item's identifying code.
var codeCol = scol{key: "code", zh: "事项编码", path: "code"}

// scalarSheets are the one-row-per-item sheets; each starts with codeCol.
var scalarSheets = []ssheet{
	{"basic", "基本信息", []scol{
		enumCol("level", "事项层级", levelZH, func(r *xrec) *Level { return &r.it.Level }),
		col("parent_code", "上级事项编码", "parent_id", func(r *xrec) *string { return &r.parentCode }),
		col("base_code", "基本编码", "base_code", func(r *xrec) *string { return &r.it.BaseCode }),
		col("impl_code", "实施编码", "impl_code", func(r *xrec) *string { return &r.it.ImplCode }),
		col("handling_code", "业务办理项编码", "handling_code", func(r *xrec) *string { return &r.it.HandlingCode }),
		col("region_code", "实施区划代码", "region_code", func(r *xrec) *string { return &r.it.RegionCode }),
		col("name", "事项名称", "name", func(r *xrec) *string { return &r.sp.Name }),
		col("name_en", "英文名称", "name_en", func(r *xrec) *string { return &r.sp.NameEN }),
		enumCol("type", "事项类型", typeZH, func(r *xrec) *ItemType { return &r.sp.Type }),
		col("exercise_level", "行使层级", "exercise_level", func(r *xrec) *string { return &r.sp.ExerciseLevel }),
		enumCol("power_source", "权力来源", powerZH, func(r *xrec) *PowerSource { return &r.sp.PowerSource }),
	}},
	{"legal", "法律依据", []scol{
		col("set_basis", "设定依据", "set_basis", func(r *xrec) *string { return &r.sp.SetBasis }),
		col("impl_basis", "实施依据", "impl_basis", func(r *xrec) *string { return &r.sp.ImplBasis }),
		col("quantity_limit", "数量限制", "quantity_limit", func(r *xrec) *string { return &r.sp.QuantityLimit }),
		col("prohibitions", "禁止性要求", "prohibitions", func(r *xrec) *string { return &r.sp.Prohibitions }),
	}},
	{"bodies", "实施主体", []scol{
		unitCol("competent_dept", "主管部门", func(r *xrec) *string { return &r.sp.CompetentDept }),
		col("impl_agency_name", "实施主体名称", "impl_agency.name", func(r *xrec) *string { return &r.sp.ImplAgency.Name }),
		col("impl_agency_uscc", "实施主体统一社会信用代码", "impl_agency.uscc", func(r *xrec) *string { return &r.sp.ImplAgency.USCC }),
		unitCol("accept_unit", "受理机构", func(r *xrec) *string { return &r.sp.AcceptUnit }),
		unitCol("decide_unit", "决定机构", func(r *xrec) *string { return &r.sp.DecideUnit }),
		col("entrusted", "受委托组织", "entrusted", func(r *xrec) *string { return &r.sp.Entrusted }),
		{"joint_depts", "联办部门", "joint_depts",
			func(x *xio, r *xrec) any {
				s := make([]string, len(r.sp.JointDepts))
				for i, id := range r.sp.JointDepts {
					s[i] = x.unitCode(id)
				}
				return strings.Join(s, "\n")
			},
			func(x *xio, r *xrec, v string) {
				r.sp.JointDepts = nil
				for _, c := range splitValues(v) {
					r.sp.JointDepts = append(r.sp.JointDepts, x.unitID(c))
				}
			}},
		unitCol("supervising_dept", "监管部门", func(r *xrec) *string { return &r.sp.SupervisingDept }),
	}},
	{"applicant", "申请条件", []scol{
		enumsCol("targets", "服务对象", targetZH, func(r *xrec) *[]Target { return &r.sp.Targets }),
		linesCol("accept_conditions", "受理条件", func(r *xrec) *[]string { return &r.sp.AcceptConditions }),
		{"scenarios", "办理情形", "scenarios",
			func(_ *xio, r *xrec) any {
				s := make([]string, len(r.sp.Scenarios))
				for i, sc := range r.sp.Scenarios {
					s[i] = sc.Name
					if sc.Description != "" {
						s[i] += "：" + sc.Description
					}
				}
				return strings.Join(s, "\n")
			},
			func(_ *xio, r *xrec, v string) {
				r.sp.Scenarios = nil
				for _, l := range splitLines(v) {
					n, d, _ := strings.Cut(l, "：")
					r.sp.Scenarios = append(r.sp.Scenarios, Scenario{Name: strings.TrimSpace(n), Description: strings.TrimSpace(d)})
				}
			}},
	}},
	{"time", "办理时限", []scol{
		enumCol("kind", "办件类型", kindZH, func(r *xrec) *Kind { return &r.sp.Kind }),
		intCol("statutory_wd", "法定时限（工作日）", func(r *xrec) *int { return &r.sp.StatutoryWD }),
		intCol("promised_wd", "承诺时限（工作日）", func(r *xrec) *int { return &r.sp.PromisedWD }),
		intCol("extension_wd", "延长时限（工作日）", func(r *xrec) *int { return &r.sp.ExtensionWD }),
		boolCol("joint_handling", "联合办理", func(r *xrec) *bool { return &r.sp.JointHandling }),
		intCol("max_visits", "到现场次数", func(r *xrec) *int { return &r.sp.MaxVisits }),
	}},
	{"fees", "收费", []scol{
		boolCol("charged", "是否收费", func(r *xrec) *bool { return &r.sp.Charged }),
		col("fee_basis", "收费依据", "fee_basis", func(r *xrec) *string { return &r.sp.FeeBasis }),
		enumCol("fee_timing", "缴费时间", timingZH, func(r *xrec) *FeeTiming { return &r.sp.FeeTiming }),
	}},
	{"result", "办理结果", []scol{
		enumCol("result_type", "结果类型", resultZH, func(r *xrec) *ResultType { return &r.sp.ResultType }),
		col("result_name", "结果名称", "result_name", func(r *xrec) *string { return &r.sp.ResultName }),
		col("result_sample", "结果样本", "result_sample", func(r *xrec) *string { return &r.sp.ResultSample }),
		col("result_cert_type", "电子证照类型", "result_cert_type", func(r *xrec) *string { return &r.sp.ResultCertType }),
		enumsCol("delivery", "送达方式", deliverZH, func(r *xrec) *[]Delivery { return &r.sp.Delivery }),
		col("result_validity", "有效期限", "result_validity", func(r *xrec) *string { return &r.sp.ResultValidity }),
	}},
	{"service", "服务方式", []scol{
		boolCol("online", "全程网办", func(r *xrec) *bool { return &r.sp.Online }),
		intCol("online_depth", "网办深度", func(r *xrec) *int { return &r.sp.OnlineDepth }),
		boolCol("appointment", "预约办理", func(r *xrec) *bool { return &r.sp.Appointment }),
		boolCol("logistics", "物流快递", func(r *xrec) *bool { return &r.sp.Logistics }),
		boolCol("self_service", "自助终端", func(r *xrec) *bool { return &r.sp.SelfService }),
		boolCol("cert_free", "无证办理", func(r *xrec) *bool { return &r.sp.CertFree }),
		boolCol("city_wide", "全市通办", func(r *xrec) *bool { return &r.sp.CityWide }),
		enumCol("cross_province", "跨省通办", crossZH, func(r *xrec) *CrossMode { return &r.sp.CrossProvince }),
	}},
	{"reform", "证照分离", []scol{
		enumCol("reform_mode", "改革方式", reformZH, func(r *xrec) *ReformMode { return &r.sp.ReformMode }),
		col("promise_text", "告知承诺内容", "promise_text", func(r *xrec) *string { return &r.sp.PromiseText }),
		enumsCol("verify_methods", "核查方式", verifyZH, func(r *xrec) *[]VerifyMethod { return &r.sp.VerifyMethods }),
		intCol("verify_within_wd", "核查时限（工作日）", func(r *xrec) *int { return &r.sp.VerifyWithinWD }),
		intCol("pending_supply_wd", "容缺补正时限（工作日）", func(r *xrec) *int { return &r.sp.PendingSupplyWD }),
	}},
	{"contact", "咨询监督", []scol{
		col("location", "办理地点", "location", func(r *xrec) *string { return &r.sp.Location }),
		col("hours", "办理时间", "hours", func(r *xrec) *string { return &r.sp.Hours }),
		col("consult_phone", "咨询电话", "consult_phone", func(r *xrec) *string { return &r.sp.ConsultPhone }),
		col("complaint_phone", "投诉电话", "complaint_phone", func(r *xrec) *string { return &r.sp.ComplaintPhone }),
	}},
	{"guide", "办事指南", []scol{
		col("summary", "事项说明", "summary", func(r *xrec) *string { return &r.sp.Summary }),
		{"keywords", "搜索关键词", "keywords",
			func(_ *xio, r *xrec) any { return strings.Join(r.sp.Keywords, "、") },
			func(_ *xio, r *xrec, v string) { r.sp.Keywords = splitValues(v) }},
		enumsCol("life_events", "个人生命周期", lifeZH, func(r *xrec) *[]string { return &r.sp.LifeEvents }),
		enumsCol("enterprise_events", "企业生命周期", bizZH, func(r *xrec) *[]string { return &r.sp.EnterpriseEvents }),
		enumsCol("themes", "主题", themeZH, func(r *xrec) *[]string { return &r.sp.Themes }),
	}},
}

// lcol is a column of a list sheet, over one entry of type T.
type lcol[T any] struct {
	key, zh string
	get     func(x *xio, e *T) any
	set     func(x *xio, e *T, v string)
}

// lsheet is a one-row-per-entry sheet over the list of a spec at JSON name path.
type lsheet[T any] struct {
	key, zh, path string
	list          func(sp *Spec) *[]T
	cols          []lcol[T]
}

func lstr[T any](key, zh string, p func(e *T) *string) lcol[T] {
	return lcol[T]{key, zh, func(_ *xio, e *T) any { return *p(e) }, func(_ *xio, e *T, v string) { *p(e) = strings.TrimSpace(v) }}
}

func lint[T any](key, zh string, p func(e *T) *int) lcol[T] {
	return lcol[T]{key, zh, func(_ *xio, e *T) any { return *p(e) }, func(x *xio, e *T, v string) { *p(e) = x.int(v) }}
}

func lbool[T any](key, zh string, p func(e *T) *bool) lcol[T] {
	return lcol[T]{key, zh, func(_ *xio, e *T) any { return yn(*p(e)) }, func(x *xio, e *T, v string) { *p(e) = x.bool(v) }}
}

func lenum[T any, E ~string](key, zh string, l labels, p func(e *T) *E) lcol[T] {
	return lcol[T]{key, zh, func(_ *xio, e *T) any { return l.label(string(*p(e))) },
		func(x *xio, e *T, v string) { *p(e) = E(x.enum(l, v)) }}
}

// listSheet is what the reader and the writer need of a list sheet, whatever its entry type.
type listSheet interface {
	sheetKey() string
	sheetZH() string
	jsonPath() string
	headers() []scol // key and zh only
	rows(x *xio, sp *Spec) [][]any
	read(x *xio, sp *Spec, cells map[string]string)
	reset(sp *Spec)
}

func (l lsheet[T]) sheetKey() string { return l.key }
func (l lsheet[T]) sheetZH() string  { return l.zh }
func (l lsheet[T]) jsonPath() string { return l.path }
func (l lsheet[T]) headers() []scol {
	out := []scol{{key: "seq", zh: "序号"}}
	for _, c := range l.cols {
		out = append(out, scol{key: c.key, zh: c.zh})
	}
	return out
}
func (l lsheet[T]) rows(x *xio, sp *Spec) [][]any {
	var out [][]any
	for i := range *l.list(sp) {
		e := &(*l.list(sp))[i]
		row := []any{i + 1}
		for _, c := range l.cols {
			row = append(row, c.get(x, e))
		}
		out = append(out, row)
	}
	return out
}
func (l lsheet[T]) read(x *xio, sp *Spec, cells map[string]string) {
	var e T
	for _, c := range l.cols {
		x.col, x.field = cells["@"+c.key], c.key
		c.set(x, &e, cells[c.key])
	}
	*l.list(sp) = append(*l.list(sp), e)
}
func (l lsheet[T]) reset(sp *Spec) { *l.list(sp) = nil }

var listSheets = []listSheet{
	lsheet[Material]{"materials", "申请材料", "materials", func(sp *Spec) *[]Material { return &sp.Materials }, []lcol[Material]{
		lstr("key", "材料标识", func(e *Material) *string { return &e.Key }),
		lstr("name", "材料名称", func(e *Material) *string { return &e.Name }),
		lenum[Material, MaterialForm]("form", "材料形式", formZH, func(e *Material) *MaterialForm { return &e.Form }),
		lint("copies", "份数", func(e *Material) *int { return &e.Copies }),
		lenum[Material, MaterialSource]("source", "来源渠道", sourceZH, func(e *Material) *MaterialSource { return &e.Source }),
		lstr("issuer", "出具单位", func(e *Material) *string { return &e.Issuer }),
		lstr("cert_type", "电子证照类型", func(e *Material) *string { return &e.CertType }),
		lbool("required", "是否必要", func(e *Material) *bool { return &e.Required }),
		lbool("pending_allowed", "可容缺", func(e *Material) *bool { return &e.PendingAllowed }),
		lstr("blank_form", "空白表格", func(e *Material) *string { return &e.BlankForm }),
		lstr("sample", "示例样表", func(e *Material) *string { return &e.Sample }),
		lstr("min_trust", "最低可信等级", func(e *Material) *string { return &e.MinTrust }),
		lstr("notes", "填报须知", func(e *Material) *string { return &e.Notes }),
	}},
	lsheet[Step]{"steps", "办理流程", "steps", func(sp *Spec) *[]Step { return &sp.Steps }, []lcol[Step]{
		lstr("name", "环节名称", func(e *Step) *string { return &e.Name }),
		lint("limit_wd", "环节时限（工作日）", func(e *Step) *int { return &e.LimitWD }),
		lstr("post_role", "办理岗位", func(e *Step) *string { return &e.PostRole }),
	}},
	lsheet[SpecialStep]{"special_steps", "特别程序", "special_steps", func(sp *Spec) *[]SpecialStep { return &sp.SpecialSteps }, []lcol[SpecialStep]{
		lstr("name", "程序名称", func(e *SpecialStep) *string { return &e.Name }),
		lint("limit_wd", "时限（工作日）", func(e *SpecialStep) *int { return &e.LimitWD }),
		lstr("basis", "依据", func(e *SpecialStep) *string { return &e.Basis }),
		lstr("fee", "收费", func(e *SpecialStep) *string { return &e.Fee }),
		lbool("counts_in_limit", "计入办理时限", func(e *SpecialStep) *bool { return &e.CountsInLimit }),
	}},
	lsheet[Fee]{"fee_items", "收费项目", "fees", func(sp *Spec) *[]Fee { return &sp.Fees }, []lcol[Fee]{
		lstr("name", "收费项目名称", func(e *Fee) *string { return &e.Name }),
		{"amount", "金额（元）", func(_ *xio, e *Fee) any { return yuan(e.AmountFen) },
			func(x *xio, e *Fee, v string) { e.AmountFen = x.fen(v) }},
		lstr("standard", "收费标准", func(e *Fee) *string { return &e.Standard }),
		lstr("basis", "收费依据", func(e *Fee) *string { return &e.Basis }),
	}},
	lsheet[Intermediary]{"intermediaries", "中介服务", "intermediaries", func(sp *Spec) *[]Intermediary { return &sp.Intermediaries }, []lcol[Intermediary]{
		lstr("name", "中介服务名称", func(e *Intermediary) *string { return &e.Name }),
		lbool("required", "是否必须", func(e *Intermediary) *bool { return &e.Required }),
		lstr("basis", "设定依据", func(e *Intermediary) *string { return &e.Basis }),
	}},
	lsheet[FAQ]{"faq", "常见问题", "faq", func(sp *Spec) *[]FAQ { return &sp.FAQ }, []lcol[FAQ]{
		lstr("q", "问题", func(e *FAQ) *string { return &e.Q }),
		lstr("a", "解答", func(e *FAQ) *string { return &e.A }),
	}},
	lsheet[FormField]{"form_fields", "表单字段", "form_fields", func(sp *Spec) *[]FormField { return &sp.FormFields }, []lcol[FormField]{
		lstr("key", "字段标识", func(e *FormField) *string { return &e.Key }),
		lstr("label", "字段名称", func(e *FormField) *string { return &e.Label }),
		lenum[FormField, FieldType]("type", "字段类型", fieldZH, func(e *FormField) *FieldType { return &e.Type }),
		lbool("required", "是否必填", func(e *FormField) *bool { return &e.Required }),
		{"options", "可选项", func(_ *xio, e *FormField) any { return strings.Join(e.Options, "、") },
			func(_ *xio, e *FormField, v string) { e.Options = splitValues(v) }},
	}},
}
