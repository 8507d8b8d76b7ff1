package ident

// Unified social credit code, GB 32100-2015:
//
//	position  1     registration authority (登记管理部门)
//	position  2     category of organisation (机构类别), per authority
//	positions 3–8   region of the registering authority (GB/T 2260)
//	positions 9–17  organisation code (主体标识码, GB 11714), position 17 its own check
//	position  18    check character over positions 1–17
//
// 31 symbols: digits and capital letters without I, O, S, V and Z.

const usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// usccValue maps a byte to its value in usccAlphabet, or -1.
var usccValue = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(usccAlphabet); i++ {
		t[usccAlphabet[i]] = int8(i)
	}
	return t
}()

// usccWeights are 3^(i−1) mod 31 for positions 1–17.
var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// orgWeights are the GB 11714 weights over the first 8 characters of an organisation code.
var orgWeights = [8]int{3, 7, 9, 10, 5, 8, 4, 2}

// USCCCheckChar returns the check character (position 18) of a USCC whose first 17
// characters are given, and false when they are not 17 characters of the USCC alphabet.
// Upper-case input is expected; nothing is normalised here.
func USCCCheckChar(first17 string) (byte, bool) {
	if len(first17) != 17 {
		return 0, false
	}
	var b [17]byte
	copy(b[:], first17)
	return usccCheckChar(b[:])
}

func usccCheckChar(c []byte) (byte, bool) {
	sum := 0
	for i, w := range usccWeights {
		v := usccValue[c[i]]
		if v < 0 {
			return 0, false
		}
		sum += int(v) * w
	}
	return usccAlphabet[(31-sum%31)%31], true
}

// orgCheckChar returns the GB 11714 check character of an organisation code's first 8
// characters (digits and capital letters, A=10 … Z=35).
func orgCheckChar(c []byte) (byte, bool) {
	sum := 0
	for i, w := range orgWeights {
		var v int
		switch b := c[i]; {
		case b >= '0' && b <= '9':
			v = int(b - '0')
		case b >= 'A' && b <= 'Z':
			v = int(b-'A') + 10
		default:
			return 0, false
		}
		sum += v * w
	}
	switch d := 11 - sum%11; d {
	case 10:
		return 'X', true
	case 11:
		return '0', true
	default:
		return byte('0' + d), true
	}
}

func checkUSCC(r *Result, c []byte, src string) {
	if len(c) != 18 {
		r.malformed(keyUSCCLength)
		return
	}
	for _, b := range c {
		if usccValue[b] < 0 {
			r.malformed(keyUSCCCharset)
			return
		}
	}
	if !allDigits(c[2:8]) {
		r.malformed(keyUSCCRegion)
		return
	}

	// Checksums only warn: early pilot codes fail them and are still legal.
	if want, _ := usccCheckChar(c[:17]); want != c[17] {
		r.warnChecksum(keyUSCCChecksum)
	}
	if want, ok := orgCheckChar(c[8:16]); !ok || want != c[16] {
		r.warnChecksum(keyUSCCOrgChecksum)
	}

	code := keep(c, src)
	r.RegistrationAuthority.Code = code[0:1]
	r.Category.Code = code[1:2]
	if a := findAuthority(c[0]); a == nil {
		r.warn(keyUSCCAuthority)
	} else {
		r.RegistrationAuthority.ZH, r.RegistrationAuthority.EN = a.zh, a.en
		if cat := a.category(c[1]); cat == nil {
			r.warn(keyUSCCCategory)
		} else {
			r.Category.ZH, r.Category.EN = cat.zh, cat.en
		}
	}
	if !usccProvinceKnown(c[2], c[3]) {
		r.warn(keyUSCCProvince)
	}
	r.Region = code[2:8]
	r.OrgCode = code[8:17]
	r.accept(code)
}

// usccProvinceKnown accepts the provinces and 10, the prefix of 100000 that codes registered
// by central authorities carry.
func usccProvinceKnown(d1, d2 byte) bool {
	return knownProvince(d1, d2) || (d1 == '1' && d2 == '0')
}

type authority struct {
	code       byte
	zh, en     string
	categories []usccCategory
}

type usccCategory struct {
	code   byte
	zh, en string
}

func findAuthority(code byte) *authority {
	for i := range authorities {
		if authorities[i].code == code {
			return &authorities[i]
		}
	}
	return nil
}

func (a *authority) category(code byte) *usccCategory {
	for i := range a.categories {
		if a.categories[i].code == code {
			return &a.categories[i]
		}
	}
	return nil
}

var other = usccCategory{'9', "其他", "other"}

// authorities lists the registration authorities and their categories: GB 32100-2015
// appendix A (1, 5, 9, Y) and the codes assigned since (2–4, 6–8, A, G, J, N, Q). New codes
// keep being assigned, so an unknown one is a warning, not an error.
var authorities = [...]authority{
	{'1', "机构编制", "institutional establishment", []usccCategory{
		{'1', "机关", "government organ"},
		{'2', "事业单位", "public institution"},
		{'3', "中央编办直接管理机构编制的群众团体", "mass organisation staffed by the central establishment office"},
		other,
	}},
	{'2', "外交", "foreign affairs", []usccCategory{
		{'1', "外国常驻新闻机构", "resident foreign news agency"},
		other,
	}},
	{'3', "司法行政", "judicial administration", []usccCategory{
		{'1', "律师执业机构", "law firm"},
		{'2', "公证处", "notary office"},
		{'3', "基层法律服务所", "grassroots legal service office"},
		{'4', "司法鉴定机构", "forensic appraisal institution"},
		{'5', "仲裁委员会", "arbitration commission"},
		{'6', "商事调解组织", "commercial mediation organisation"},
		other,
	}},
	{'4', "文化", "culture", []usccCategory{
		{'1', "外国在华文化中心", "foreign cultural centre in China"},
		other,
	}},
	{'5', "民政", "civil affairs", []usccCategory{
		{'1', "社会团体", "social organisation"},
		{'2', "民办非企业单位", "private non-enterprise unit"},
		{'3', "基金会", "foundation"},
		{'4', "村民委员会", "villagers' committee"},
		{'5', "居民委员会", "residents' committee"},
		other,
	}},
	{'6', "旅游", "tourism", []usccCategory{
		{'1', "外国旅游部门常驻代表机构", "resident office of a foreign tourism authority"},
		{'2', "港澳台地区旅游部门常驻内地（大陆）代表机构", "resident office of a Hong Kong, Macao or Taiwan tourism authority"},
		other,
	}},
	{'7', "宗教", "religious affairs", []usccCategory{
		{'1', "宗教活动场所", "venue for religious activities"},
		{'2', "宗教院校", "religious college"},
		other,
	}},
	{'8', "工会", "trade union", []usccCategory{
		{'1', "基层工会", "grassroots trade union"},
		other,
	}},
	{'9', "市场监管（工商）", "market regulation", []usccCategory{
		{'1', "企业", "enterprise"},
		{'2', "个体工商户", "individual business"},
		{'3', "农民专业合作社", "farmers' specialised cooperative"},
	}},
	{'A', "中央军委改革和编制办公室", "CMC reform and establishment office", []usccCategory{
		{'1', "军队事业单位", "military public institution"},
		other,
	}},
	{'G', "公安", "public security", []usccCategory{
		{'1', "境外非政府组织代表机构", "representative office of an overseas NGO"},
		other,
	}},
	{'J', "住房和城乡建设", "housing and urban-rural development", []usccCategory{
		{'1', "业主大会", "homeowners' assembly"},
		other,
	}},
	{'N', "农业农村", "agriculture and rural affairs", []usccCategory{
		{'1', "组级集体经济组织", "group-level collective economic organisation"},
		{'2', "村级集体经济组织", "village-level collective economic organisation"},
		{'3', "乡镇级集体经济组织", "township-level collective economic organisation"},
		other,
	}},
	{'Q', "归侨侨眷组织（侨联）", "federation of returned overseas Chinese", []usccCategory{
		{'1', "区县级侨联组织", "county-level federation"},
		{'2', "乡镇级侨联组织", "township-level federation"},
		{'3', "村级侨联组织", "village-level federation"},
		other,
	}},
	{'Y', "其他", "other", []usccCategory{
		{'1', "其他", "other"},
	}},
}
