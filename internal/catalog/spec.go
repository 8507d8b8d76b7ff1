package catalog

import "slices"

// Spec is the content of one version of an item: every field of the 实施清单 (DOMAIN §3),
// grouped as the national template groups them, plus what the public guide needs to browse and
// search. Units are referenced by organisation-unit id.
type Spec struct {
	// Identity
	Name          string      `json:"name"`
	NameEN        string      `json:"name_en,omitempty"`
	Type          ItemType    `json:"type"`
	ExerciseLevel string      `json:"exercise_level,omitempty" doc:"行使层级: province, city, county, township or a combination like city,county"`
	PowerSource   PowerSource `json:"power_source" doc:"statutory, delegated or entrusted"`

	// Legal
	SetBasis      string `json:"set_basis,omitempty" doc:"设定依据: the law and article that create the power"`
	ImplBasis     string `json:"impl_basis,omitempty" doc:"实施依据: article text"`
	QuantityLimit string `json:"quantity_limit,omitempty" doc:"数量限制, if any"`
	Prohibitions  string `json:"prohibitions,omitempty" doc:"禁止性要求"`

	// Bodies
	CompetentDept   string   `json:"competent_dept" doc:"unit id of the competent department (主管部门)"`
	ImplAgency      Agency   `json:"impl_agency" doc:"实施主体 as the legal person named on decisions"`
	AcceptUnit      string   `json:"accept_unit,omitempty" doc:"unit id of the accepting body"`
	DecideUnit      string   `json:"decide_unit,omitempty" doc:"unit id of the deciding body, when fixed; else Decider answers"`
	Entrusted       string   `json:"entrusted,omitempty" doc:"受委托组织, if the power is entrusted"`
	JointDepts      []string `json:"joint_depts,omitempty" doc:"unit ids of the departments handling jointly (联办)"`
	SupervisingDept string   `json:"supervising_dept,omitempty" doc:"unit id of the department that supervises after approval (审管衔接)"`

	// Applicant
	Targets          []Target   `json:"targets" doc:"person, legal_person, other"`
	AcceptConditions []string   `json:"accept_conditions,omitempty"`
	Scenarios        []Scenario `json:"scenarios,omitempty" doc:"finer variants (情形)"`

	// Materials
	Materials []Material `json:"materials"`

	// Flow
	Steps        []Step        `json:"steps,omitempty"`
	SpecialSteps []SpecialStep `json:"special_steps,omitempty" doc:"特别程序 that may suspend the clock"`

	// Time
	Kind          Kind `json:"kind" doc:"instant (即办件) or promised (承诺件)"`
	StatutoryWD   int  `json:"statutory_wd" doc:"法定时限 in working days"`
	PromisedWD    int  `json:"promised_wd" doc:"承诺时限 in working days; never above statutory_wd"`
	ExtensionWD   int  `json:"extension_wd,omitempty" doc:"延长时限 allowed by law"`
	JointHandling bool `json:"joint_handling,omitempty" doc:"联合办理: the 45 + 15 wd clock (art. 26)"`
	MaxVisits     int  `json:"max_visits" doc:"到现场次数: 0, 1 or 2"`

	// Fees
	Charged   bool      `json:"charged"`
	FeeBasis  string    `json:"fee_basis,omitempty"`
	Fees      []Fee     `json:"fees,omitempty"`
	FeeTiming FeeTiming `json:"fee_timing,omitempty" doc:"before_accept or before_conclude"`

	// Result
	ResultType     ResultType `json:"result_type" doc:"licence, approval or other"`
	ResultName     string     `json:"result_name,omitempty"`
	ResultSample   string     `json:"result_sample,omitempty" doc:"file reference of a sample of the result"`
	ResultCertType string     `json:"result_cert_type,omitempty" doc:"the e-certificate type issued"`
	Delivery       []Delivery `json:"delivery,omitempty" doc:"window, post, electronic"`
	ResultValidity string     `json:"result_validity,omitempty" doc:"e.g. 5年"`

	// Service
	Online         bool           `json:"online" doc:"全程网办 / 不见面办理"`
	OnlineDepth    int            `json:"online_depth" doc:"0 none, 1 information, 2 download and booking, 3 online pre-check, 4 fully online"`
	Appointment    bool           `json:"appointment,omitempty"`
	Logistics      bool           `json:"logistics,omitempty" doc:"result by post"`
	SelfService    bool           `json:"self_service,omitempty" doc:"at a self-service terminal"`
	CertFree       bool           `json:"cert_free,omitempty" doc:"无证办理: every government-issued material comes from the e-certificate library"`
	CityWide       bool           `json:"city_wide,omitempty" doc:"全市通办"`
	CrossProvince  CrossMode      `json:"cross_province,omitempty" doc:"跨省通办: online, proxy or joint"`
	Intermediaries []Intermediary `json:"intermediaries,omitempty" doc:"中介服务 the applicant needs"`

	// Reform
	ReformMode      ReformMode     `json:"reform_mode,omitempty" doc:"cancelled, filing, promise or optimized"`
	PromiseText     string         `json:"promise_text,omitempty" doc:"告知承诺: the obligations and the liability for a false promise"`
	VerifyMethods   []VerifyMethod `json:"verify_methods,omitempty" doc:"事后核查 methods"`
	VerifyWithinWD  int            `json:"verify_within_wd,omitempty" doc:"核查 deadline after the decision"`
	PendingSupplyWD int            `json:"pending_supply_wd,omitempty" doc:"容缺 supply deadline"`

	// Contact
	Location       string `json:"location,omitempty"`
	Hours          string `json:"hours,omitempty"`
	ConsultPhone   string `json:"consult_phone,omitempty"`
	ComplaintPhone string `json:"complaint_phone,omitempty"`
	FAQ            []FAQ  `json:"faq,omitempty"`

	// Guide
	Summary          string      `json:"summary,omitempty" doc:"what the item is for, in plain language"`
	Keywords         []string    `json:"keywords,omitempty" doc:"words people use for it, for search"`
	LifeEvents       []string    `json:"life_events,omitempty"`
	EnterpriseEvents []string    `json:"enterprise_events,omitempty"`
	Themes           []string    `json:"themes,omitempty"`
	FormFields       []FormField `json:"form_fields,omitempty" doc:"the application form"`
}

// PowerSource is where the implementing body's power comes from.
type PowerSource string

const (
	SourceStatutory PowerSource = "statutory" // 法定本级行使
	SourceDelegated PowerSource = "delegated" // 上级下放
	SourceEntrusted PowerSource = "entrusted" // 委托
)

// PowerSources lists the sources.
var PowerSources = []PowerSource{SourceStatutory, SourceDelegated, SourceEntrusted}

// Agency is a legal person named as the implementing body.
type Agency struct {
	Name string `json:"name"`
	USCC string `json:"uscc,omitempty"`
}

// Target is a kind of applicant (服务对象).
type Target string

const (
	TargetPerson      Target = "person"       // 自然人
	TargetLegalPerson Target = "legal_person" // 法人
	TargetOther       Target = "other"        // 其他组织
)

// Targets lists the targets.
var Targets = []Target{TargetPerson, TargetLegalPerson, TargetOther}

// Scenario is a finer variant of an item (情形) with what differs.
type Scenario struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// MaterialForm is how a material is handed in.
type MaterialForm string

const (
	FormOriginal   MaterialForm = "original"   // 原件
	FormCopy       MaterialForm = "copy"       // 复印件
	FormElectronic MaterialForm = "electronic" // 电子
)

// MaterialForms lists the forms.
var MaterialForms = []MaterialForm{FormOriginal, FormCopy, FormElectronic}

// MaterialSource says who produces a material.
type MaterialSource string

const (
	SourceSelf MaterialSource = "self" // the applicant
	SourceGov  MaterialSource = "gov"  // issued by a government body: an e-certificate may replace it
)

// MaterialSources lists the sources.
var MaterialSources = []MaterialSource{SourceSelf, SourceGov}

// TrustLevels are the material trust levels A–D (国办函〔2016〕108号).
var TrustLevels = []string{"A", "B", "C", "D"}

// Material is one required or optional document.
type Material struct {
	Key            string         `json:"key" doc:"stable within the spec; chains map materials by it"`
	Name           string         `json:"name"`
	Form           MaterialForm   `json:"form"`
	Copies         int            `json:"copies"`
	Source         MaterialSource `json:"source" doc:"self or gov"`
	Issuer         string         `json:"issuer,omitempty" doc:"the issuing body of a gov material"`
	CertType       string         `json:"cert_type,omitempty" doc:"e-certificate type that satisfies a gov material"`
	Required       bool           `json:"required"`
	PendingAllowed bool           `json:"pending_allowed,omitempty" doc:"may be supplied later (容缺)"`
	BlankForm      string         `json:"blank_form,omitempty" doc:"file reference of the blank form"`
	Sample         string         `json:"sample,omitempty" doc:"file reference of a filled-in sample"`
	MinTrust       string         `json:"min_trust,omitempty" doc:"lowest acceptable trust level A–D"`
	Notes          string         `json:"notes,omitempty"`
}

// Step is one internal step of the flow.
type Step struct {
	Name     string `json:"name"`
	LimitWD  int    `json:"limit_wd"`
	PostRole string `json:"post_role,omitempty" doc:"the role that performs it (clerk, reviewer, chief …)"`
}

// SpecialStep is a special procedure (特别程序). One whose time does not count in the limit
// suspends the clock (art. 45).
type SpecialStep struct {
	Name          string `json:"name"`
	LimitWD       int    `json:"limit_wd"`
	Basis         string `json:"basis,omitempty"`
	Fee           string `json:"fee,omitempty"`
	CountsInLimit bool   `json:"counts_in_limit" doc:"site surveys count; hearings, testing, expert review do not"`
}

// Fee is one charged item.
type Fee struct {
	Name      string `json:"name"`
	AmountFen int64  `json:"amount_fen" doc:"in fen; 0 when the standard is a rate"`
	Standard  string `json:"standard,omitempty" doc:"the standard as published, when not a fixed amount"`
	Basis     string `json:"basis,omitempty"`
}

// FeeTiming says when fees are paid.
type FeeTiming string

const (
	FeeBeforeAccept   FeeTiming = "before_accept"
	FeeBeforeConclude FeeTiming = "before_conclude"
)

// FeeTimings lists the timings.
var FeeTimings = []FeeTiming{FeeBeforeAccept, FeeBeforeConclude}

// ResultType is what an item's decision produces.
type ResultType string

const (
	ResultLicence  ResultType = "licence"  // 证照
	ResultApproval ResultType = "approval" // 批准文书
	ResultOther    ResultType = "other"
)

// ResultTypes lists the result types.
var ResultTypes = []ResultType{ResultLicence, ResultApproval, ResultOther}

// Delivery is a way the result reaches the applicant.
type Delivery string

const (
	DeliverWindow     Delivery = "window"
	DeliverPost       Delivery = "post"
	DeliverElectronic Delivery = "electronic"
)

// Deliveries lists the delivery modes.
var Deliveries = []Delivery{DeliverWindow, DeliverPost, DeliverElectronic}

// CrossMode is how an item is handled across provinces (国办发〔2020〕35号).
type CrossMode string

const (
	CrossNone   CrossMode = ""
	CrossOnline CrossMode = "online" // 全程网办
	CrossProxy  CrossMode = "proxy"  // 异地代收代办
	CrossJoint  CrossMode = "joint"  // 多地联办
)

// CrossModes lists the cross-province modes.
var CrossModes = []CrossMode{CrossOnline, CrossProxy, CrossJoint}

// Intermediary is an intermediary service an item needs (e.g. an environmental report).
type Intermediary struct {
	Name     string `json:"name"`
	Required bool   `json:"required"`
	Basis    string `json:"basis,omitempty"`
}

// VerifyMethod is a post-verification method of a promise (事后核查).
type VerifyMethod string

const (
	VerifyWritten VerifyMethod = "written" // 书面核查
	VerifyData    VerifyMethod = "data"    // 数据比对
	VerifyOnsite  VerifyMethod = "onsite"  // 现场核查
	VerifyNotice  VerifyMethod = "notice"  // 公示
	VerifyExempt  VerifyMethod = "exempt"  // 低风险免核查
)

// VerifyMethods lists the methods.
var VerifyMethods = []VerifyMethod{VerifyWritten, VerifyData, VerifyOnsite, VerifyNotice, VerifyExempt}

// FAQ is a question applicants ask.
type FAQ struct {
	Q string `json:"q"`
	A string `json:"a"`
}

// FieldType is the input type of a form field.
type FieldType string

// Form field types.
const (
	FieldText     FieldType = "text"
	FieldTextarea FieldType = "textarea"
	FieldNumber   FieldType = "number"
	FieldDate     FieldType = "date"
	FieldPhone    FieldType = "phone"
	FieldIDNumber FieldType = "id_number" // 身份证号 or 统一社会信用代码
	FieldSelect   FieldType = "select"
)

// FieldTypes lists the field types.
var FieldTypes = []FieldType{FieldText, FieldTextarea, FieldNumber, FieldDate, FieldPhone, FieldIDNumber, FieldSelect}

// FormField is a field of an item's application form; chains map their combined form to it.
type FormField struct {
	Key      string    `json:"key"`
	Label    string    `json:"label"`
	Type     FieldType `json:"type"`
	Required bool      `json:"required"`
	Options  []string  `json:"options,omitempty" doc:"choices of a select"`
}

// Browsing vocabularies of the guide. Labels are in the message catalogue
// (catalog.life.<key>, catalog.biz.<key>, catalog.theme.<key>).
var (
	LifeEvents = []string{"birth", "education", "employment", "marriage", "housing", "travel",
		"medical", "retirement", "social", "farming"}
	EnterpriseEvents = []string{"start", "operate", "invest", "build", "employ", "change", "close"}
	Themes           = []string{"food", "medicine", "health", "transport", "construction", "property",
		"agriculture", "culture", "education", "environment", "safety", "labour", "commerce", "water",
		"social", "market"}
)

func validTag(vocab []string, s string) bool { return slices.Contains(vocab, s) }

// MaterialCount is the number of materials the applicant must hand in (the figure the
// simplification statistics count): the required ones.
func (s Spec) MaterialCount() int {
	n := 0
	for _, m := range s.Materials {
		if m.Required {
			n++
		}
	}
	return n
}

// Material returns the material with key k.
func (s Spec) Material(k string) (Material, bool) {
	for _, m := range s.Materials {
		if m.Key == k {
			return m, true
		}
	}
	return Material{}, false
}

// Field returns the form field with key k.
func (s Spec) Field(k string) (FormField, bool) {
	for _, f := range s.FormFields {
		if f.Key == k {
			return f, true
		}
	}
	return FormField{}, false
}

// CertTypes returns the e-certificate types the spec refers to: results and materials.
func (s Spec) CertTypes() []string {
	var out []string
	if s.ResultCertType != "" {
		out = append(out, s.ResultCertType)
	}
	for _, m := range s.Materials {
		if m.CertType != "" && !slices.Contains(out, m.CertType) {
			out = append(out, m.CertType)
		}
	}
	return out
}

// Suspending returns the special procedures that stop the clock.
func (s Spec) Suspending() []SpecialStep {
	var out []SpecialStep
	for _, st := range s.SpecialSteps {
		if !st.CountsInLimit {
			out = append(out, st)
		}
	}
	return out
}

// NoVisit reports whether the item is handled without any visit (不见面办理).
func (s Spec) NoVisit() bool { return s.MaxVisits == 0 }

// Clone returns a deep copy: versions share no slices.
func (s Spec) Clone() Spec {
	c := s
	c.JointDepts = slices.Clone(s.JointDepts)
	c.Targets = slices.Clone(s.Targets)
	c.AcceptConditions = slices.Clone(s.AcceptConditions)
	c.Scenarios = slices.Clone(s.Scenarios)
	c.Materials = slices.Clone(s.Materials)
	c.Steps = slices.Clone(s.Steps)
	c.SpecialSteps = slices.Clone(s.SpecialSteps)
	c.Fees = slices.Clone(s.Fees)
	c.Delivery = slices.Clone(s.Delivery)
	c.Intermediaries = slices.Clone(s.Intermediaries)
	c.VerifyMethods = slices.Clone(s.VerifyMethods)
	c.FAQ = slices.Clone(s.FAQ)
	c.Keywords = slices.Clone(s.Keywords)
	c.LifeEvents = slices.Clone(s.LifeEvents)
	c.EnterpriseEvents = slices.Clone(s.EnterpriseEvents)
	c.Themes = slices.Clone(s.Themes)
	c.FormFields = slices.Clone(s.FormFields)
	for i := range c.FormFields {
		c.FormFields[i].Options = slices.Clone(c.FormFields[i].Options)
	}
	return c
}
