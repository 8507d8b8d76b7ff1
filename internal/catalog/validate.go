package catalog

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"onestamp/internal/platform/errs"
	"onestamp/internal/platform/ident"
)

// Problem is one fault in an item, a chain or an imported workbook. In a workbook it is located
// by sheet, row and column; in a form by Field (a JSON path such as "materials[2].cert_type").
type Problem struct {
	Sheet   string         `json:"sheet,omitempty" doc:"the sheet as named in the file"`
	Row     int            `json:"row,omitempty" doc:"1-based; the header is row 1; 0 for the whole sheet"`
	Column  string         `json:"column,omitempty" doc:"column letter, or the missing column's header"`
	Field   string         `json:"field,omitempty" doc:"JSON path of the field at fault"`
	Key     string         `json:"key" doc:"message key"`
	Args    map[string]any `json:"args,omitempty"`
	Message string         `json:"message,omitempty" doc:"in the language of the request"`
}

func (p Problem) String() string {
	var b strings.Builder
	if p.Sheet != "" {
		fmt.Fprintf(&b, "%s!", p.Sheet)
	}
	if p.Column != "" || p.Row != 0 {
		fmt.Fprintf(&b, "%s%d ", p.Column, p.Row)
	}
	if p.Field != "" {
		b.WriteString(p.Field + ": ")
	}
	b.WriteString(p.Key)
	return b.String()
}

// Problems is the error of a validation that found several faults; errs.Error wraps it so that
// the code is Invalid and a page or an API can list every problem.
type Problems []Problem

func (ps Problems) Error() string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, "; ")
}

// ProblemsOf returns the problems carried by err, if any.
func ProblemsOf(err error) []Problem {
	var ps Problems
	if errors.As(err, &ps) {
		return ps
	}
	return nil
}

// KeyInvalid is the message key of the error carrying Problems.
const KeyInvalid = "catalog.invalid"

// invalid returns the error for a list of problems, or nil for none.
func invalid(ps []Problem) error {
	if len(ps) == 0 {
		return nil
	}
	return &errs.Error{Code: errs.Invalid, Key: KeyInvalid, Field: ps[0].Field,
		Args: map[string]any{"count": len(ps)}, Err: Problems(ps)}
}

func prob(field, key string, kv ...any) Problem {
	p := Problem{Field: field, Key: key}
	if len(kv) > 0 {
		p.Args = map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			p.Args[fmt.Sprint(kv[i])] = kv[i+1]
		}
	}
	return p
}

// Message keys of validation problems.
const (
	kvRequired       = "catalog.v.required"
	kvTooLong        = "catalog.v.too_long"
	kvInvalidValue   = "catalog.v.invalid_value"
	kvRange          = "catalog.v.range"
	kvDuplicate      = "catalog.v.duplicate"
	kvPromisedOver   = "catalog.v.promised_over_statutory"
	kvInstantLimit   = "catalog.v.instant_promised"
	kvPromisedZero   = "catalog.v.promised_zero"
	kvFeesMissing    = "catalog.v.fees_missing"
	kvFeesUncharged  = "catalog.v.fees_uncharged"
	kvFeeAmount      = "catalog.v.fee_amount"
	kvOnlineDepth    = "catalog.v.online_depth"
	kvCertFree       = "catalog.v.cert_free"
	kvCertTypeSelf   = "catalog.v.cert_type_self"
	kvCertUnknown    = "catalog.v.cert_type_unknown"
	kvUnitUnknown    = "catalog.v.unit_unknown"
	kvPendingOpt     = "catalog.v.pending_optional"
	kvPromiseText    = "catalog.v.promise_text"
	kvPromiseVerify  = "catalog.v.promise_verify"
	kvKeyFormat      = "catalog.v.key_format"
	kvSelectOptions  = "catalog.v.select_options"
	kvUSCC           = "catalog.v.uscc"
	kvRegion         = "catalog.v.region"
	kvParentLevel    = "catalog.v.parent_level"
	kvParentUnknown  = "catalog.v.parent_unknown"
	kvParentRegion   = "catalog.v.parent_region"
	kvCodeTaken      = "catalog.v.code_taken"
	kvDateFormat     = "catalog.v.date"
	kvEffectiveEarly = "catalog.v.effective_early"
)

// Length limits in characters.
const (
	maxShort = 200
	maxText  = 4000
	maxList  = 200 // entries of any list
)

var (
	keyRE   = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)
	levelRE = regexp.MustCompile(`^(province|city|county|township)(,(province|city|county|township))*$`)
)

// Normalize trims text, drops blank rows that an editor form leaves (a material without a name
// and without anything else), gives materials without a key one, and fills defaults.
func (s *Spec) Normalize() {
	trim := func(p *string) { *p = strings.TrimSpace(*p) }
	for _, p := range []*string{&s.Name, &s.NameEN, &s.ExerciseLevel, &s.SetBasis, &s.ImplBasis,
		&s.QuantityLimit, &s.Prohibitions, &s.CompetentDept, &s.ImplAgency.Name, &s.ImplAgency.USCC,
		&s.AcceptUnit, &s.DecideUnit, &s.Entrusted, &s.SupervisingDept, &s.FeeBasis, &s.ResultName,
		&s.ResultSample, &s.ResultCertType, &s.ResultValidity, &s.PromiseText, &s.Location, &s.Hours,
		&s.ConsultPhone, &s.ComplaintPhone, &s.Summary} {
		trim(p)
	}
	s.ImplAgency.USCC = strings.ToUpper(s.ImplAgency.USCC)
	s.ExerciseLevel = strings.ReplaceAll(s.ExerciseLevel, " ", "")
	s.JointDepts = cleanList(s.JointDepts)
	s.AcceptConditions = cleanList(s.AcceptConditions)
	s.Keywords = cleanList(s.Keywords)
	s.LifeEvents = cleanList(s.LifeEvents)
	s.EnterpriseEvents = cleanList(s.EnterpriseEvents)
	s.Themes = cleanList(s.Themes)
	s.Scenarios = slices.DeleteFunc(s.Scenarios, func(x Scenario) bool {
		x.Name, x.Description = strings.TrimSpace(x.Name), strings.TrimSpace(x.Description)
		return x.Name == "" && x.Description == ""
	})
	for i := range s.Scenarios {
		trim(&s.Scenarios[i].Name)
		trim(&s.Scenarios[i].Description)
	}
	s.Materials = slices.DeleteFunc(s.Materials, func(m Material) bool {
		return strings.TrimSpace(m.Name) == "" && strings.TrimSpace(m.CertType) == "" &&
			strings.TrimSpace(m.Notes) == "" && strings.TrimSpace(m.BlankForm) == ""
	})
	used := map[string]bool{}
	for i := range s.Materials {
		m := &s.Materials[i]
		for _, p := range []*string{&m.Key, &m.Name, &m.Issuer, &m.CertType, &m.BlankForm, &m.Sample, &m.MinTrust, &m.Notes} {
			trim(p)
		}
		m.Key = strings.ToLower(m.Key)
		m.MinTrust = strings.ToUpper(m.MinTrust)
		if m.Key != "" {
			used[m.Key] = true
		}
	}
	n := 1
	for i := range s.Materials {
		if s.Materials[i].Key != "" {
			continue
		}
		for used[fmt.Sprintf("m%d", n)] {
			n++
		}
		s.Materials[i].Key = fmt.Sprintf("m%d", n)
		used[s.Materials[i].Key] = true
	}
	s.Steps = slices.DeleteFunc(s.Steps, func(x Step) bool { return strings.TrimSpace(x.Name) == "" && x.LimitWD == 0 })
	for i := range s.Steps {
		trim(&s.Steps[i].Name)
		trim(&s.Steps[i].PostRole)
	}
	s.SpecialSteps = slices.DeleteFunc(s.SpecialSteps, func(x SpecialStep) bool {
		return strings.TrimSpace(x.Name) == "" && x.LimitWD == 0 && strings.TrimSpace(x.Basis) == ""
	})
	for i := range s.SpecialSteps {
		x := &s.SpecialSteps[i]
		trim(&x.Name)
		trim(&x.Basis)
		trim(&x.Fee)
	}
	s.Fees = slices.DeleteFunc(s.Fees, func(f Fee) bool {
		return strings.TrimSpace(f.Name) == "" && f.AmountFen == 0 && strings.TrimSpace(f.Standard) == ""
	})
	for i := range s.Fees {
		trim(&s.Fees[i].Name)
		trim(&s.Fees[i].Standard)
		trim(&s.Fees[i].Basis)
	}
	s.Intermediaries = slices.DeleteFunc(s.Intermediaries, func(x Intermediary) bool { return strings.TrimSpace(x.Name) == "" })
	for i := range s.Intermediaries {
		trim(&s.Intermediaries[i].Name)
		trim(&s.Intermediaries[i].Basis)
	}
	s.FAQ = slices.DeleteFunc(s.FAQ, func(f FAQ) bool { return strings.TrimSpace(f.Q) == "" && strings.TrimSpace(f.A) == "" })
	for i := range s.FAQ {
		trim(&s.FAQ[i].Q)
		trim(&s.FAQ[i].A)
	}
	s.FormFields = slices.DeleteFunc(s.FormFields, func(f FormField) bool {
		return strings.TrimSpace(f.Key) == "" && strings.TrimSpace(f.Label) == ""
	})
	for i := range s.FormFields {
		f := &s.FormFields[i]
		trim(&f.Key)
		trim(&f.Label)
		f.Key = strings.ToLower(f.Key)
		f.Options = cleanList(f.Options)
		if f.Type == "" {
			f.Type = FieldText
		}
	}
	s.Delivery = dedupe(s.Delivery)
	s.Targets = dedupe(s.Targets)
	s.VerifyMethods = dedupe(s.VerifyMethods)
	if s.PowerSource == "" {
		s.PowerSource = SourceStatutory
	}
	if s.Charged && s.FeeTiming == "" {
		s.FeeTiming = FeeBeforeConclude
	}
	if s.ReformMode == ReformPromise && s.VerifyWithinWD == 0 {
		s.VerifyWithinWD = 30 // DOMAIN §4.7 default
	}
	for _, m := range s.Materials {
		if m.PendingAllowed && s.PendingSupplyWD == 0 {
			s.PendingSupplyWD = 10 // DOMAIN §4.6 default
		}
	}
}

func cleanList(in []string) []string {
	var out []string
	for _, s := range in {
		s = strings.TrimSpace(s)
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func dedupe[T comparable](in []T) []T {
	var out []T
	for _, v := range in {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// Validate checks a normalised spec without I/O and returns every problem; the service adds
// the checks that need the database (units, certificate types).
func (s Spec) Validate() []Problem {
	var ps []Problem
	add := func(p Problem) { ps = append(ps, p) }
	text := func(field, v string, max int, required bool) {
		if required && v == "" {
			add(prob(field, kvRequired))
		}
		if utf8.RuneCountInString(v) > max {
			add(prob(field, kvTooLong, "max", max))
		}
	}
	enum := func(field string, ok bool, v any) {
		if !ok {
			add(prob(field, kvInvalidValue, "value", fmt.Sprint(v)))
		}
	}
	rng := func(field string, v, lo, hi int) {
		if v < lo || v > hi {
			add(prob(field, kvRange, "min", lo, "max", hi))
		}
	}
	list := func(field string, n int) {
		if n > maxList {
			add(prob(field, kvRange, "min", 0, "max", maxList))
		}
	}

	// Identity
	text("name", s.Name, 100, true)
	text("name_en", s.NameEN, maxShort, false)
	enum("type", s.Type.Valid(), s.Type)
	enum("power_source", slices.Contains(PowerSources, s.PowerSource), s.PowerSource)
	if s.ExerciseLevel != "" {
		enum("exercise_level", levelRE.MatchString(s.ExerciseLevel), s.ExerciseLevel)
	}
	// Legal
	text("set_basis", s.SetBasis, maxText, false)
	text("impl_basis", s.ImplBasis, maxText, false)
	text("quantity_limit", s.QuantityLimit, maxShort, false)
	text("prohibitions", s.Prohibitions, maxText, false)
	// Bodies
	text("competent_dept", s.CompetentDept, 64, true)
	text("impl_agency.name", s.ImplAgency.Name, 100, true)
	if s.ImplAgency.USCC != "" {
		if r := ident.CheckUSCC(s.ImplAgency.USCC); !r.Valid {
			add(prob("impl_agency.uscc", kvUSCC, "value", s.ImplAgency.USCC))
		}
	}
	text("entrusted", s.Entrusted, maxShort, false)
	if s.PowerSource == SourceEntrusted && s.Entrusted == "" {
		add(prob("entrusted", kvRequired))
	}
	list("joint_depts", len(s.JointDepts))
	// Applicant
	if len(s.Targets) == 0 {
		add(prob("targets", kvRequired))
	}
	for i, t := range s.Targets {
		enum(fmt.Sprintf("targets[%d]", i), slices.Contains(Targets, t), t)
	}
	list("accept_conditions", len(s.AcceptConditions))
	for i, c := range s.AcceptConditions {
		text(fmt.Sprintf("accept_conditions[%d]", i), c, maxText, false)
	}
	list("scenarios", len(s.Scenarios))
	for i, sc := range s.Scenarios {
		text(fmt.Sprintf("scenarios[%d].name", i), sc.Name, maxShort, true)
		text(fmt.Sprintf("scenarios[%d].description", i), sc.Description, maxText, false)
	}
	// Materials
	list("materials", len(s.Materials))
	keys := map[string]bool{}
	govCount := 0
	for i, m := range s.Materials {
		f := func(name string) string { return fmt.Sprintf("materials[%d].%s", i, name) }
		text(f("name"), m.Name, maxShort, true)
		if !keyRE.MatchString(m.Key) {
			add(prob(f("key"), kvKeyFormat, "value", m.Key))
		} else if keys[m.Key] {
			add(prob(f("key"), kvDuplicate, "value", m.Key))
		}
		keys[m.Key] = true
		enum(f("form"), slices.Contains(MaterialForms, m.Form), m.Form)
		rng(f("copies"), m.Copies, 0, 99)
		enum(f("source"), slices.Contains(MaterialSources, m.Source), m.Source)
		if m.Source == SourceSelf && m.CertType != "" {
			add(prob(f("cert_type"), kvCertTypeSelf))
		}
		if m.Source == SourceGov {
			govCount++
			if s.CertFree && m.CertType == "" {
				add(prob(f("cert_type"), kvCertFree))
			}
		}
		if m.MinTrust != "" {
			enum(f("min_trust"), slices.Contains(TrustLevels, m.MinTrust), m.MinTrust)
		}
		if m.PendingAllowed && !m.Required {
			add(prob(f("pending_allowed"), kvPendingOpt))
		}
		text(f("issuer"), m.Issuer, maxShort, false)
		text(f("blank_form"), m.BlankForm, maxShort, false)
		text(f("sample"), m.Sample, maxShort, false)
		text(f("notes"), m.Notes, maxText, false)
	}
	if s.CertFree && govCount == 0 {
		add(prob("cert_free", kvCertFree))
	}
	// Flow
	list("steps", len(s.Steps))
	for i, st := range s.Steps {
		text(fmt.Sprintf("steps[%d].name", i), st.Name, maxShort, true)
		rng(fmt.Sprintf("steps[%d].limit_wd", i), st.LimitWD, 0, 999)
	}
	list("special_steps", len(s.SpecialSteps))
	for i, st := range s.SpecialSteps {
		text(fmt.Sprintf("special_steps[%d].name", i), st.Name, maxShort, true)
		rng(fmt.Sprintf("special_steps[%d].limit_wd", i), st.LimitWD, 0, 999)
		text(fmt.Sprintf("special_steps[%d].basis", i), st.Basis, maxText, false)
	}
	// Time
	enum("kind", s.Kind.Valid(), s.Kind)
	rng("statutory_wd", s.StatutoryWD, 0, 999)
	rng("promised_wd", s.PromisedWD, 0, 999)
	rng("extension_wd", s.ExtensionWD, 0, 999)
	rng("max_visits", s.MaxVisits, 0, 2)
	if s.PromisedWD > s.StatutoryWD {
		add(prob("promised_wd", kvPromisedOver, "promised", s.PromisedWD, "statutory", s.StatutoryWD))
	}
	if s.Kind == KindInstant && s.PromisedWD != 0 {
		add(prob("promised_wd", kvInstantLimit))
	}
	if s.Kind == KindPromised && s.PromisedWD == 0 {
		add(prob("promised_wd", kvPromisedZero))
	}
	// Fees
	if s.Charged && len(s.Fees) == 0 {
		add(prob("fees", kvFeesMissing))
	}
	if !s.Charged && len(s.Fees) > 0 {
		add(prob("fees", kvFeesUncharged))
	}
	if s.Charged {
		enum("fee_timing", slices.Contains(FeeTimings, s.FeeTiming), s.FeeTiming)
	} else if s.FeeTiming != "" {
		enum("fee_timing", slices.Contains(FeeTimings, s.FeeTiming), s.FeeTiming)
	}
	text("fee_basis", s.FeeBasis, maxText, false)
	list("fees", len(s.Fees))
	for i, fe := range s.Fees {
		text(fmt.Sprintf("fees[%d].name", i), fe.Name, maxShort, true)
		if fe.AmountFen < 0 || fe.AmountFen > 1_000_000_000_00 {
			add(prob(fmt.Sprintf("fees[%d].amount_fen", i), kvFeeAmount))
		}
		if fe.AmountFen == 0 && fe.Standard == "" {
			add(prob(fmt.Sprintf("fees[%d].standard", i), kvRequired))
		}
		text(fmt.Sprintf("fees[%d].standard", i), fe.Standard, maxShort, false)
		text(fmt.Sprintf("fees[%d].basis", i), fe.Basis, maxText, false)
	}
	// Result
	enum("result_type", slices.Contains(ResultTypes, s.ResultType), s.ResultType)
	text("result_name", s.ResultName, maxShort, false)
	text("result_validity", s.ResultValidity, maxShort, false)
	for i, d := range s.Delivery {
		enum(fmt.Sprintf("delivery[%d]", i), slices.Contains(Deliveries, d), d)
	}
	// Service
	rng("online_depth", s.OnlineDepth, 0, 4)
	if s.Online != (s.OnlineDepth == 4) {
		add(prob("online_depth", kvOnlineDepth))
	}
	if s.CrossProvince != CrossNone {
		enum("cross_province", slices.Contains(CrossModes, s.CrossProvince), s.CrossProvince)
	}
	list("intermediaries", len(s.Intermediaries))
	for i, im := range s.Intermediaries {
		text(fmt.Sprintf("intermediaries[%d].name", i), im.Name, maxShort, true)
	}
	// Reform
	enum("reform_mode", s.ReformMode.Valid(), s.ReformMode)
	text("promise_text", s.PromiseText, maxText, false)
	for i, m := range s.VerifyMethods {
		enum(fmt.Sprintf("verify_methods[%d]", i), slices.Contains(VerifyMethods, m), m)
	}
	rng("verify_within_wd", s.VerifyWithinWD, 0, 365)
	rng("pending_supply_wd", s.PendingSupplyWD, 0, 365)
	if s.ReformMode == ReformPromise {
		if s.PromiseText == "" {
			add(prob("promise_text", kvPromiseText))
		}
		if len(s.VerifyMethods) == 0 || s.VerifyWithinWD < 1 && !slices.Equal(s.VerifyMethods, []VerifyMethod{VerifyExempt}) {
			add(prob("verify_methods", kvPromiseVerify))
		}
	}
	// Contact
	text("location", s.Location, maxShort, false)
	text("hours", s.Hours, maxShort, false)
	text("consult_phone", s.ConsultPhone, 64, false)
	text("complaint_phone", s.ComplaintPhone, 64, false)
	list("faq", len(s.FAQ))
	for i, f := range s.FAQ {
		text(fmt.Sprintf("faq[%d].q", i), f.Q, maxShort, true)
		text(fmt.Sprintf("faq[%d].a", i), f.A, maxText, true)
	}
	// Guide
	text("summary", s.Summary, maxText, false)
	list("keywords", len(s.Keywords))
	for i, k := range s.Keywords {
		text(fmt.Sprintf("keywords[%d]", i), k, 50, false)
	}
	for i, t := range s.LifeEvents {
		enum(fmt.Sprintf("life_events[%d]", i), validTag(LifeEvents, t), t)
	}
	for i, t := range s.EnterpriseEvents {
		enum(fmt.Sprintf("enterprise_events[%d]", i), validTag(EnterpriseEvents, t), t)
	}
	for i, t := range s.Themes {
		enum(fmt.Sprintf("themes[%d]", i), validTag(Themes, t), t)
	}
	list("form_fields", len(s.FormFields))
	fkeys := map[string]bool{}
	for i, f := range s.FormFields {
		p := func(name string) string { return fmt.Sprintf("form_fields[%d].%s", i, name) }
		if !keyRE.MatchString(f.Key) {
			add(prob(p("key"), kvKeyFormat, "value", f.Key))
		} else if fkeys[f.Key] {
			add(prob(p("key"), kvDuplicate, "value", f.Key))
		}
		fkeys[f.Key] = true
		text(p("label"), f.Label, 100, true)
		enum(p("type"), slices.Contains(FieldTypes, f.Type), f.Type)
		if f.Type == FieldSelect && len(f.Options) == 0 {
			add(prob(p("options"), kvSelectOptions))
		}
	}
	return ps
}

// Normalize trims an item's identifying fields.
func (it *Item) Normalize() {
	for _, p := range []*string{&it.ParentID, &it.Code, &it.BaseCode, &it.ImplCode, &it.HandlingCode, &it.RegionCode} {
		*p = strings.TrimSpace(*p)
	}
	it.Code = strings.ToUpper(it.Code)
	it.BaseCode = strings.ToUpper(it.BaseCode)
	it.ImplCode = strings.ToUpper(it.ImplCode)
	it.HandlingCode = strings.ToUpper(it.HandlingCode)
	if it.Code == "" {
		it.Code = it.ImplCode
		if it.Level == LevelHandling && it.HandlingCode != "" {
			it.Code = it.HandlingCode
		}
	}
}

var codeRE = regexp.MustCompile(`^[0-9A-Z][0-9A-Z-]{0,79}$`)

// Validate checks an item's identity without I/O: level, codes, region.
func (it Item) Validate() []Problem {
	var ps []Problem
	if !it.Level.Valid() {
		ps = append(ps, prob("level", kvInvalidValue, "value", string(it.Level)))
	}
	for _, c := range []struct{ field, v string }{{"code", it.Code}, {"base_code", it.BaseCode}, {"impl_code", it.ImplCode}} {
		if c.v == "" {
			ps = append(ps, prob(c.field, kvRequired))
		} else if !codeRE.MatchString(c.v) {
			ps = append(ps, prob(c.field, kvKeyFormat, "value", c.v))
		}
	}
	if it.Level == LevelHandling && it.HandlingCode == "" {
		ps = append(ps, prob("handling_code", kvRequired))
	}
	if it.HandlingCode != "" && !codeRE.MatchString(it.HandlingCode) {
		ps = append(ps, prob("handling_code", kvKeyFormat, "value", it.HandlingCode))
	}
	if !validRegion(it.RegionCode) {
		ps = append(ps, prob("region_code", kvRegion, "value", it.RegionCode))
	}
	if it.Level == LevelMain && it.ParentID != "" {
		ps = append(ps, prob("parent_id", kvParentLevel))
	}
	if it.Level != LevelMain && it.Level.Valid() && it.ParentID == "" {
		ps = append(ps, prob("parent_id", kvRequired))
	}
	return ps
}

func validRegion(code string) bool {
	if len(code) != 12 {
		return false
	}
	r := ident.CheckRegion(code)
	return r.Valid
}
