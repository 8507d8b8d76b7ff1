package catalog

// The demo catalogue of 示范市 as compact tables; demo.go turns them into items, versions,
// power records and chains. Item names and legal bases are those of the real national and local
// catalogues; codes, limits and phone numbers are made up but plausible.

// demoRow is one main item. mats lists material templates (demoMats) by key: "key?" may be
// supplied later (容缺), "key-" is optional. flags:
//
//	net        fully online (全程网办, no visit)      v2        two visits
//	person     applicants are natural persons          both      persons and organisations
//	cw         全市通办                                 cp / cpx  跨省通办 online / by proxy
//	site test expert hear   special procedures (现场核查 counts in the limit; the others suspend)
//	fee=名称:元  a fee                                  mid=名称  an intermediary service needed
//	var        业务办理项 新办/变更/延续/注销             sub=甲:A|乙:B  子项
//	keep       not transferred to the bureau           zone      delegated to the high-tech zone
//	ret        delegated, then returned                cty       also exercised by 东湖区 (市县共有)
//	new        no baseline version (created after the reform baseline)
//	cf         无证办理
type demoRow struct {
	dept, name, en string
	typ            ItemType
	stat, prom     int
	mats, flags    string
	cert           string // result e-certificate type
	tags           string
	reform         ReformMode
	basis          string
	kw             string
}

const (
	lic = TypeLicence
	cfm = TypeConfirmation
	ben = TypeBenefit
	oth = TypeOther
	pub = TypePublicService
	lev = TypeLevy

	none  = ReformNone
	cxl   = ReformCancelled
	filng = ReformFiling
	prms  = ReformPromise
	optm  = ReformOptimized
)

var demoRows = []demoRow{
	// 市场监督管理局
	{"dept.amr", "企业设立登记", "Enterprise establishment registration", lic, 15, 1, "app id arts site-", "net cw cp cf", "YYZZ", "biz:start theme:market", optm, "《中华人民共和国市场主体登记管理条例》第三条", "营业执照 注册公司 开公司 办执照 公司注册"},
	{"dept.amr", "企业变更登记", "Enterprise change registration", lic, 15, 1, "app id bl change", "net cw cp", "YYZZ", "biz:change theme:market", optm, "《中华人民共和国市场主体登记管理条例》", "变更 改名 换法人 增资"},
	{"dept.amr", "企业注销登记", "Enterprise deregistration", lic, 15, 1, "app id bl promise-", "net cw", "", "biz:close theme:market", optm, "《中华人民共和国市场主体登记管理条例》", "注销公司 关公司 简易注销"},
	{"dept.amr", "个体工商户设立登记", "Individual business registration", lic, 15, 0, "app pid site-", "net cw person cf", "YYZZ", "biz:start theme:market life:employment", optm, "《促进个体工商户发展条例》", "个体户 营业执照 小店 摆摊"},
	{"dept.amr", "个体工商户注销登记", "Individual business deregistration", lic, 15, 0, "app pid bl", "net cw person", "", "biz:close theme:market", optm, "《促进个体工商户发展条例》", "注销个体户"},
	{"dept.amr", "农民专业合作社设立登记", "Farmers' cooperative registration", lic, 15, 1, "app id arts member", "cw both", "YYZZ", "biz:start theme:agriculture", optm, "《中华人民共和国农民专业合作社法》", "合作社"},
	{"dept.amr", "食品经营许可", "Food business licence", lic, 20, 5, "app id bl site plan? rules? staff? equip", "var cty zone site cw", "SPJY", "biz:start biz:operate theme:food", optm, "《中华人民共和国食品安全法》第三十五条", "饭店 餐馆 餐厅 餐饮 小吃 奶茶 食堂 快餐 面馆"},
	{"dept.amr", "仅销售预包装食品经营者备案", "Filing of pre-packaged food retailers", oth, 0, 0, "app id bl", "net cw cf", "", "biz:start theme:food", filng, "《中华人民共和国食品安全法》第三十五条", "便利店 小卖部 超市 预包装 零食店"},
	{"dept.amr", "食品生产许可", "Food production licence", lic, 20, 10, "app id bl site plan flow equip rules staff qual", "site test", "C-FP", "biz:start theme:food", optm, "《中华人民共和国食品安全法》第三十五条", "食品厂 食品加工 生产食品"},
	{"dept.amr", "药品零售企业许可", "Pharmacy (drug retail) licence", lic, 30, 10, "app id bl site plan rules pharm equip", "var site cw", "YPJY", "biz:start theme:medicine", optm, "《中华人民共和国药品管理法》第五十一条", "药店 药房 开药店 卖药 大药房"},
	{"dept.amr", "第二类医疗器械经营备案", "Filing of class II medical device trade", oth, 0, 0, "app id bl site", "net cw", "", "biz:operate theme:medicine", filng, "《医疗器械监督管理条例》", "医疗器械 血压计 体温计 口罩"},
	{"dept.amr", "第三类医疗器械经营许可", "Class III medical device trade licence", lic, 20, 10, "app id bl site plan rules qual", "site", "C-MD", "biz:operate theme:medicine", optm, "《医疗器械监督管理条例》", "医疗器械 三类器械"},
	{"dept.amr", "特种设备使用登记", "Special equipment use registration", lic, 15, 5, "app bl equip report", "net", "C-SE", "biz:operate theme:safety", optm, "《中华人民共和国特种设备安全法》第三十三条", "电梯 锅炉 压力容器 叉车"},
	{"dept.amr", "计量标准器具核准", "Approval of measurement standards", lic, 20, 15, "app bl equip qual report", "expert", "", "biz:operate theme:market", optm, "《中华人民共和国计量法》", "计量 检定"},
	{"dept.amr", "工业产品生产许可证核发", "Industrial product production licence", lic, 20, 10, "app id bl site equip report", "", "", "biz:start theme:market", prms, "《中华人民共和国工业产品生产许可证管理条例》", "生产许可证 工业产品"},
	{"dept.amr", "股权出质登记", "Equity pledge registration", cfm, 3, 0, "app bl contract", "net cw", "", "biz:change theme:market", none, "《股权出质登记办法》", "股权质押 出质"},
	// 卫生健康委员会
	{"dept.health", "公共场所卫生许可", "Public place hygiene licence", lic, 20, 5, "app id bl site plan staff? rules?", "cw cty", "GGWS", "biz:start theme:health", prms, "《公共场所卫生管理条例》第八条", "理发店 美容院 美发 宾馆 浴室 足浴 游泳馆 健身房 KTV"},
	{"dept.health", "医疗机构设置审批", "Approval to establish a medical institution", lic, 30, 15, "app id bl site plan report", "expert", "", "biz:start theme:health", optm, "《医疗机构管理条例》", "诊所 医院 开诊所 门诊部"},
	{"dept.health", "医疗机构执业登记", "Practice registration of a medical institution", lic, 45, 20, "app id bl site plan rules qual equip", "site", "C-MI", "biz:start theme:health", optm, "《医疗机构管理条例》", "医院执业 诊所执业许可证"},
	{"dept.health", "诊所备案", "Clinic filing", oth, 0, 0, "app id site qual", "new", "", "biz:start theme:health", filng, "《医疗机构管理条例》", "诊所 个体诊所"},
	{"dept.health", "医师执业注册", "Physician practice registration", lic, 20, 5, "app pid qual health photo", "net person cp", "C-PR", "life:employment theme:health", optm, "《中华人民共和国医师法》", "医生执业证 医师证"},
	{"dept.health", "护士执业注册", "Nurse practice registration", lic, 20, 5, "app pid qual health photo", "net person cp", "C-NR", "life:employment theme:health", optm, "《护士条例》", "护士证 护士执业证"},
	{"dept.health", "放射诊疗许可", "Radiological diagnosis and treatment licence", lic, 20, 15, "app id bl qual equip report", "expert test", "", "biz:operate theme:health", optm, "《放射诊疗管理规定》", "放射 X光 CT"},
	{"dept.health", "饮用水供水单位卫生许可", "Hygiene licence for drinking water suppliers", lic, 20, 10, "app id bl site report staff", "test site", "", "biz:operate theme:health", prms, "《生活饮用水卫生监督管理办法》", "供水 桶装水 二次供水"},
	{"dept.health", "母婴保健技术服务执业许可", "Licence for maternal and infant health services", lic, 20, 15, "app id bl qual equip rules", "site", "", "biz:operate theme:health", optm, "《中华人民共和国母婴保健法》", "母婴保健 助产"},
	{"dept.health", "消毒产品生产企业卫生许可", "Hygiene licence for disinfectant producers", lic, 20, 10, "app id bl site flow equip report", "site test", "", "biz:start theme:health", optm, "《消毒管理办法》", "消毒液 消毒产品"},
	{"dept.health", "出生医学证明办理", "Birth medical certificate", pub, 0, 0, "pid hk-", "keep person cw", "C-BC", "life:birth theme:health", none, "《中华人民共和国母婴保健法》", "出生证 出生证明 新生儿 宝宝出生"},
	// 交通运输局
	{"dept.transport", "道路旅客运输经营许可", "Road passenger transport licence", lic, 20, 10, "app id bl vehicle driver rules sec", "site", "DLYS", "biz:start theme:transport", optm, "《中华人民共和国道路运输条例》第十条", "客运 大巴 班车 包车 旅游客运"},
	{"dept.transport", "道路货物运输经营许可", "Road freight transport licence", lic, 20, 5, "app id bl vehicle driver rules", "net cw", "DLYS", "biz:start theme:transport", optm, "《中华人民共和国道路运输条例》第二十四条", "货运 货车 物流 运输公司"},
	{"dept.transport", "道路旅客运输站经营许可", "Passenger bus station licence", lic, 15, 10, "app id bl site plan rules sec", "site", "DLYS", "biz:start theme:transport", optm, "《中华人民共和国道路运输条例》", "汽车站 客运站"},
	{"dept.transport", "机动车维修经营备案", "Filing of motor vehicle repair business", oth, 0, 0, "app id bl site equip", "net cw", "", "biz:start theme:transport", filng, "《机动车维修管理规定》", "修车 汽修 修理厂 汽车美容"},
	{"dept.transport", "机动车驾驶员培训经营备案", "Filing of driving schools", oth, 0, 0, "app id bl site vehicle rules", "net", "", "biz:start theme:transport theme:education", filng, "《机动车驾驶员培训管理规定》", "驾校 学车"},
	{"dept.transport", "巡游出租汽车经营许可", "Street-hail taxi operating licence", lic, 20, 15, "app id bl vehicle rules", "hear", "", "biz:start theme:transport", optm, "《巡游出租汽车经营服务管理规定》", "出租车 的士"},
	{"dept.transport", "网络预约出租汽车经营许可", "Ride-hailing platform licence", lic, 20, 10, "app id bl rules sec report", "", "", "biz:start theme:transport", optm, "《网络预约出租汽车经营服务管理暂行办法》", "网约车 网约车平台"},
	{"dept.transport", "网络预约出租汽车运输证核发", "Ride-hailing vehicle permit", lic, 10, 3, "app pid vehicle", "net both", "C-OL", "theme:transport life:employment", optm, "《网络预约出租汽车经营服务管理暂行办法》", "网约车 车辆运输证 网约车证"},
	{"dept.transport", "网络预约出租汽车驾驶员证核发", "Ride-hailing driver permit", lic, 20, 5, "app pid photo health", "net person", "C-DL", "theme:transport life:employment", optm, "《网络预约出租汽车经营服务管理暂行办法》", "网约车司机 网约车驾驶员"},
	{"dept.transport", "公路超限运输许可", "Oversize transport permit", lic, 5, 2, "app bl vehicle report", "net cp", "", "biz:operate theme:transport", optm, "《超限运输车辆行驶公路管理规定》", "大件运输 超限 超载"},
	{"dept.transport", "占用、挖掘公路或者使公路改线审批", "Approval to occupy or dig up a highway", lic, 20, 10, "app bl design sec", "site", "", "biz:build theme:transport", optm, "《中华人民共和国公路法》第四十四条", "占用公路 挖公路"},
	{"dept.transport", "道路运输从业人员从业资格证核发", "Road transport worker qualification", lic, 10, 5, "app pid photo health", "net person cp", "C-DQ", "life:employment theme:transport", optm, "《道路运输从业人员管理规定》", "从业资格证 货运资格证 客运资格证"},
	// 住房和城乡建设局
	{"dept.housing", "建筑工程施工许可", "Construction permit", lic, 7, 3, "app bl land design contract fund sec", "zone cw", "C-CP", "biz:build theme:construction", optm, "《中华人民共和国建筑法》第七条", "施工许可证 开工 开工许可 盖楼"},
	{"dept.housing", "建设工程消防设计审查", "Fire protection design review", lic, 15, 10, "app bl design report", "expert", "", "biz:build theme:construction theme:safety", optm, "《建设工程消防设计审查验收管理暂行规定》", "消防审查 消防设计"},
	{"dept.housing", "建设工程消防验收", "Fire protection acceptance", lic, 15, 10, "app bl report contract", "site", "", "biz:build theme:construction theme:safety", optm, "《建设工程消防设计审查验收管理暂行规定》", "消防验收"},
	{"dept.housing", "建设工程竣工验收备案", "Completion acceptance filing", oth, 15, 5, "app bl report", "", "", "biz:build theme:construction", none, "《建设工程质量管理条例》第四十九条", "竣工备案 竣工验收"},
	{"dept.housing", "商品房预售许可", "Pre-sale permit for commercial housing", lic, 10, 5, "app bl land design contract fund", "site", "", "biz:operate theme:property", optm, "《中华人民共和国城市房地产管理法》第四十五条", "预售证 卖房 楼盘 期房"},
	{"dept.housing", "房地产开发企业资质核定", "Real estate developer qualification", lic, 20, 10, "app id bl qual", "net", "", "biz:start theme:property", prms, "《房地产开发企业资质管理规定》", "开发商资质 房地产资质"},
	{"dept.housing", "建筑业企业资质核准（施工总承包三级）", "Construction enterprise qualification (grade 3)", lic, 20, 10, "app id bl qual", "net", "", "biz:start theme:construction", prms, "《中华人民共和国建筑法》", "建筑资质 施工资质 三级资质"},
	{"dept.housing", "城市建筑垃圾处置核准", "Construction waste disposal approval", lic, 20, 5, "app bl contract vehicle", "net", "", "biz:build theme:environment", optm, "《城市建筑垃圾管理规定》", "渣土 建筑垃圾 渣土运输"},
	{"dept.housing", "燃气经营许可", "Gas business licence", lic, 20, 15, "app id bl site qual sec equip", "site", "", "biz:start theme:safety", optm, "《城镇燃气管理条例》第十五条", "燃气 液化气 加气站"},
	{"dept.housing", "城镇污水排入排水管网许可", "Sewage discharge into public sewers permit", lic, 15, 5, "app bl site report", "net cw", "", "biz:start biz:operate theme:environment", prms, "《城镇排水与污水处理条例》第二十一条", "排水许可 排水证 餐饮排水 洗车排水"},
	{"dept.housing", "户外广告设施设置审批", "Outdoor advertising approval", lic, 20, 5, "app bl design site-", "net cw", "", "biz:start theme:market", optm, "《城市市容和环境卫生管理条例》", "招牌 广告牌 店招 门头"},
	{"dept.housing", "临时占用、挖掘城市道路审批", "Temporary occupation or excavation of urban roads", lic, 20, 5, "app bl design sec", "joint=dept.police", "", "biz:build theme:construction", optm, "《城市道路管理条例》", "占道 挖路 占道经营"},
	{"dept.housing", "砍伐、迁移城市树木审批", "Felling or moving urban trees", lic, 20, 5, "app bl design-", "", "", "biz:build theme:environment", optm, "《城市绿化条例》", "砍树 移树 城市绿化"},
	// 自然资源和规划局
	{"dept.land", "建设项目用地预审与选址意见书核发", "Land pre-examination and site selection opinion", lic, 20, 10, "app bl report design", "zone", "", "biz:invest biz:build theme:construction", optm, "《中华人民共和国城乡规划法》第三十六条", "选址 用地预审 立项选址"},
	{"dept.land", "建设用地规划许可", "Land use planning permit", lic, 20, 5, "app bl land design", "zone", "C-LP", "biz:invest biz:build theme:construction", optm, "《中华人民共和国城乡规划法》第三十八条", "用地规划许可证 拿地"},
	{"dept.land", "建设工程规划许可", "Construction project planning permit", lic, 20, 10, "app bl land design", "zone sub=建筑类:Buildings|市政交通类:Municipal and transport works", "C-PL", "biz:build theme:construction", optm, "《中华人民共和国城乡规划法》第四十条", "规划许可证 工程规划 报建"},
	{"dept.land", "乡村建设规划许可", "Rural construction planning permit", lic, 20, 10, "app pid land design", "person", "", "life:housing theme:construction theme:agriculture", optm, "《中华人民共和国城乡规划法》第四十一条", "农村建房 盖房子 自建房 宅基地建房"},
	{"dept.land", "临时用地审批", "Temporary land use approval", lic, 20, 10, "app bl land contract", "", "", "biz:build theme:construction", optm, "《中华人民共和国土地管理法》第五十七条", "临时用地"},
	{"dept.land", "不动产转移登记", "Real estate transfer registration", cfm, 30, 1, "app pid prop contract tax", "keep cw cf fee=不动产登记费（住宅）:80", "C-RE", "life:housing theme:property", optm, "《不动产登记暂行条例》第二十条", "过户 二手房 买房 卖房 房产证 房本"},
	{"dept.land", "国有建设用地使用权及房屋所有权首次登记", "First registration of land use and building ownership", cfm, 30, 5, "app bl land report", "keep fee=不动产登记费:550", "C-RE", "biz:build theme:property", optm, "《不动产登记暂行条例》", "首次登记 大证 初始登记"},
	{"dept.land", "抵押权登记", "Mortgage registration", cfm, 30, 1, "app pid prop contract", "keep net cw fee=不动产登记费（住宅）:80", "", "life:housing theme:property", optm, "《不动产登记暂行条例》", "抵押 房贷 按揭 抵押登记"},
	{"dept.land", "不动产变更登记", "Real estate change registration", cfm, 30, 3, "app pid prop change", "keep cw", "C-RE", "life:housing theme:property", optm, "《不动产登记暂行条例》", "房产证变更 改名"},
	{"dept.land", "抵押权注销登记", "Mortgage deregistration", cfm, 30, 0, "app pid prop", "keep net cw", "", "life:housing theme:property", optm, "《不动产登记暂行条例》", "解押 注销抵押 还清房贷"},
	// 生态环境局
	{"dept.eco", "建设项目环境影响报告书审批", "Approval of an environmental impact report", lic, 60, 20, "app bl eia", "expert hear mid=环境影响评价", "", "biz:invest biz:build theme:environment", optm, "《中华人民共和国环境影响评价法》第二十二条", "环评 环评报告书"},
	{"dept.eco", "建设项目环境影响报告表审批", "Approval of an environmental impact form", lic, 30, 10, "app bl eia", "zone ret expert mid=环境影响评价", "", "biz:invest biz:build theme:environment", prms, "《中华人民共和国环境影响评价法》第二十二条", "环评 环评报告表 环评批复"},
	{"dept.eco", "建设项目环境影响登记表备案", "Filing of an environmental impact registration form", oth, 0, 0, "app", "net cw", "", "biz:invest theme:environment", filng, "《建设项目环境影响登记表备案管理办法》", "环评登记表 环评备案"},
	{"dept.eco", "排污许可证核发", "Pollutant discharge permit", lic, 20, 10, "app bl report", "net", "C-EP", "biz:operate theme:environment", optm, "《排污许可管理条例》", "排污证 排污许可"},
	{"dept.eco", "危险废物经营许可证核发", "Hazardous waste business licence", lic, 20, 15, "app bl site qual equip sec", "site expert", "", "biz:start theme:environment theme:safety", optm, "《危险废物经营许可证管理办法》", "危废 危险废物"},
	{"dept.eco", "辐射安全许可证核发", "Radiation safety licence", lic, 20, 10, "app bl qual equip rules", "site", "", "biz:operate theme:environment theme:safety", optm, "《放射性同位素与射线装置安全和防护条例》", "辐射 射线装置 放射源"},
	// 农业农村局
	{"dept.agri", "农药经营许可", "Pesticide business licence", lic, 20, 10, "app id bl site equip qual rules", "cw", "C-PE", "biz:start theme:agriculture", optm, "《农药管理条例》第二十四条", "卖农药 农资店 农药店"},
	{"dept.agri", "兽药经营许可证核发", "Veterinary drug business licence", lic, 30, 15, "app id bl site equip qual rules", "site", "C-VD", "biz:start theme:agriculture", optm, "《兽药管理条例》", "兽药店 兽药"},
	{"dept.agri", "农作物种子生产经营许可", "Crop seed production and trade licence", lic, 20, 10, "app id bl site equip qual", "site", "C-SD", "biz:start theme:agriculture", optm, "《中华人民共和国种子法》", "种子 卖种子 种子店"},
	{"dept.agri", "动物防疫条件合格证核发", "Animal epidemic prevention certificate", lic, 20, 10, "app id bl- site plan rules", "site both", "C-AQ", "biz:start theme:agriculture life:farming", optm, "《中华人民共和国动物防疫法》", "养殖场 养猪 养鸡 屠宰场"},
	{"dept.agri", "生鲜乳收购站许可", "Raw milk collection station licence", lic, 20, 10, "app id bl site equip staff", "site", "", "biz:start theme:agriculture", optm, "《乳品质量安全监督管理条例》", "奶站 生鲜乳"},
	{"dept.agri", "拖拉机和联合收割机登记", "Tractor and combine harvester registration", cfm, 2, 1, "app pid report", "person", "", "life:farming theme:agriculture", optm, "《农业机械安全监督管理条例》", "拖拉机 收割机 农机上牌 农机"},
	{"dept.agri", "渔业捕捞许可", "Fishing licence", lic, 20, 10, "app pid report", "person", "", "life:farming theme:agriculture", optm, "《中华人民共和国渔业法》第二十三条", "捕鱼证 渔船 捕捞证"},
	{"dept.agri", "水产苗种生产许可", "Aquatic seedling production licence", lic, 20, 15, "app id bl site equip qual", "site", "", "biz:start theme:agriculture", optm, "《水产苗种管理办法》", "鱼苗 水产苗种"},
	// 人力资源和社会保障局
	{"dept.hrss", "人力资源服务许可", "Human resources service licence", lic, 20, 5, "app id bl site qual rules-", "zone ret net cw", "C-HR", "biz:start theme:labour", prms, "《人力资源市场暂行条例》第十八条", "职业介绍 人力资源公司 猎头 职介所 中介"},
	{"dept.hrss", "劳务派遣经营许可", "Labour dispatch licence", lic, 20, 10, "app id bl site rules", "net", "C-LD", "biz:start theme:labour", optm, "《中华人民共和国劳动合同法》第五十七条", "劳务派遣 派遣公司"},
	{"dept.hrss", "企业实行不定时工作制和综合计算工时工作制审批", "Approval of flexible and aggregate working hours", lic, 20, 10, "app bl report", "net", "", "biz:employ theme:labour", optm, "《中华人民共和国劳动法》第三十九条", "特殊工时 综合工时 不定时工作制"},
	{"dept.hrss", "民办职业培训学校设立", "Establishment of a private vocational training school", lic, 30, 15, "app id site qual rules fund", "site", "", "biz:start theme:education theme:labour", optm, "《中华人民共和国民办教育促进法》", "职业培训学校 技能培训"},
	{"dept.hrss", "就业登记", "Employment registration", pub, 0, 0, "pid", "keep net person cw", "", "life:employment theme:labour", none, "《中华人民共和国就业促进法》", "就业失业登记 就业创业证 找工作"},
	{"dept.hrss", "失业保险金申领", "Unemployment benefit claim", ben, 10, 3, "pid", "keep net person cw cp", "", "life:employment theme:labour", none, "《失业保险条例》", "失业金 失业保险 领失业金"},
	{"dept.hrss", "职工基本养老保险退休待遇申领", "Claim of basic pension on retirement", ben, 20, 5, "pid hk-", "keep person cw", "", "life:retirement theme:labour", none, "《中华人民共和国社会保险法》", "退休 养老金 办退休"},
	{"dept.hrss", "社会保险登记", "Social insurance registration", cfm, 0, 0, "bl id", "keep net cw", "", "biz:start biz:employ theme:labour", none, "《中华人民共和国社会保险法》第五十七条", "社保开户 参保 单位参保 交社保"},
	// 商务局
	{"dept.commerce", "对外贸易经营者备案登记", "Foreign trade operator filing", oth, 0, 0, "app bl", "net", "", "biz:operate theme:commerce", cxl, "《中华人民共和国对外贸易法》", "外贸 进出口权 进出口"},
	{"dept.commerce", "单用途商业预付卡发卡企业备案", "Filing of single-purpose prepaid card issuers", oth, 0, 0, "app bl rules", "net", "", "biz:operate theme:commerce", filng, "《单用途商业预付卡管理办法（试行）》", "预付卡 会员卡 储值卡"},
	{"dept.commerce", "成品油零售经营资格审批", "Retail fuel business approval", lic, 20, 15, "app id bl land site sec equip", "site expert", "", "biz:start theme:commerce theme:safety", optm, "《国务院对确需保留的行政审批项目设定行政许可的决定》", "加油站"},
	{"dept.commerce", "报废机动车回收拆解企业资质认定", "Scrap vehicle dismantling qualification", lic, 20, 15, "app id bl site equip sec", "site", "", "biz:start theme:commerce theme:environment", optm, "《报废机动车回收管理办法》", "报废车 回收 拆车"},
	// 文化广电旅游局
	{"dept.culture", "娱乐场所经营许可", "Entertainment venue licence", lic, 20, 10, "app id bl site plan", "site cw", "C-EN", "biz:start theme:culture", optm, "《娱乐场所管理条例》第九条", "KTV 歌厅 歌舞厅 游艺厅 电玩城 酒吧"},
	{"dept.culture", "互联网上网服务营业场所经营单位设立审批", "Internet café licence", lic, 20, 10, "app id bl site plan equip", "site", "C-NB", "biz:start theme:culture", optm, "《互联网上网服务营业场所管理条例》", "网吧 网咖 开网吧 电竞馆"},
	{"dept.culture", "营业性演出审批", "Commercial performance approval", lic, 3, 2, "app bl contract", "net", "", "biz:operate theme:culture", optm, "《营业性演出管理条例》", "演出 演唱会 音乐会"},
	{"dept.culture", "旅行社业务经营许可", "Travel agency licence", lic, 20, 5, "app id bl site", "net cw", "C-TA", "biz:start theme:culture", prms, "《旅行社条例》第七条", "旅行社 开旅行社"},
	{"dept.culture", "艺术品经营单位备案", "Filing of art dealers", oth, 0, 0, "app bl", "net", "", "biz:operate theme:culture", filng, "《艺术品经营管理办法》", "艺术品 画廊"},
	{"dept.culture", "卫星电视广播地面接收设施安装许可", "Satellite TV reception installation licence", lic, 20, 10, "app bl report", "", "", "biz:operate theme:culture", optm, "《卫星电视广播地面接收设施管理规定》", "卫星电视 锅盖"},
	{"dept.culture", "文物保护单位建设控制地带内建设工程设计方案审批", "Building design approval near protected heritage", lic, 20, 15, "app bl design", "expert", "", "biz:build theme:culture theme:construction", optm, "《中华人民共和国文物保护法》", "文物 古建筑"},
	// 公安局
	{"dept.police", "旅馆业特种行业许可", "Special trade licence for hotels", lic, 20, 10, "app id bl site plan sec", "keep site cw", "C-HT", "biz:start theme:safety", optm, "《旅馆业治安管理办法》第四条", "宾馆 旅馆 民宿 酒店 开旅店 招待所"},
	{"dept.police", "公章刻制业特种行业许可", "Special trade licence for seal engravers", lic, 20, 10, "app id bl site equip sec", "keep site", "C-HT", "biz:start theme:safety", optm, "《印铸刻字业暂行管理规则》", "刻章店 刻章"},
	{"dept.police", "典当业特种行业许可", "Special trade licence for pawnshops", lic, 20, 10, "app id bl site sec", "keep site", "C-HT", "biz:start theme:safety", optm, "《典当管理办法》", "典当行 当铺"},
	{"dept.police", "大型群众性活动安全许可", "Safety licence for large public events", lic, 7, 5, "app bl sec contract", "keep", "", "biz:operate theme:safety theme:culture", optm, "《大型群众性活动安全管理条例》", "大型活动 演唱会 安保 庆典"},
	{"dept.police", "剧毒化学品购买许可", "Purchase licence for highly toxic chemicals", lic, 3, 2, "app id bl report", "keep", "", "biz:operate theme:safety", optm, "《危险化学品安全管理条例》", "剧毒化学品 购买"},
	{"dept.police", "烟花爆竹道路运输许可", "Road transport licence for fireworks", lic, 3, 1, "app bl vehicle driver contract", "keep net", "", "biz:operate theme:safety", optm, "《烟花爆竹安全管理条例》", "烟花运输 鞭炮运输"},
	{"dept.police", "户口迁移（市内）", "Household registration transfer within the city", cfm, 5, 0, "pid hk prop-", "keep person cw", "", "life:housing life:marriage", none, "《中华人民共和国户口登记条例》", "迁户口 落户 户口 上户口"},
	// 应急管理局
	{"dept.emergency", "危险化学品经营许可", "Hazardous chemicals business licence", lic, 30, 15, "app id bl site qual sec equip", "site", "C-HZ", "biz:start theme:safety", optm, "《危险化学品安全管理条例》第三十三条", "危化品 化工 油漆 危险化学品"},
	{"dept.emergency", "烟花爆竹经营（零售）许可", "Fireworks retail licence", lic, 20, 5, "app id bl site sec", "site", "C-FW", "biz:operate theme:safety", prms, "《烟花爆竹安全管理条例》第十九条", "卖鞭炮 卖烟花 烟花爆竹"},
	{"dept.emergency", "非药品类易制毒化学品经营备案", "Filing of non-drug precursor chemical trade", oth, 0, 0, "app id bl rules", "net", "", "biz:operate theme:safety", filng, "《易制毒化学品管理条例》", "易制毒"},
	{"dept.emergency", "生产经营单位生产安全事故应急预案备案", "Filing of work safety emergency plans", oth, 0, 0, "app sec", "net", "", "biz:operate theme:safety", filng, "《生产安全事故应急条例》", "应急预案 备案"},
	// 教育局
	{"dept.edu", "民办学校设立（学历教育）", "Establishment of a private school", lic, 60, 30, "app id site qual rules fund", "site expert", "", "biz:start theme:education", optm, "《中华人民共和国民办教育促进法》", "私立学校 民办学校 办学校"},
	{"dept.edu", "民办幼儿园设立", "Establishment of a private kindergarten", lic, 60, 30, "app id site plan qual rules fund", "site", "", "biz:start theme:education life:education", optm, "《幼儿园管理条例》", "幼儿园 托儿所 开幼儿园"},
	{"dept.edu", "校外培训机构设立审批", "Off-campus tutoring institution approval", lic, 20, 15, "app id site qual rules fund", "site", "", "biz:start theme:education", optm, "《中华人民共和国民办教育促进法》", "培训班 补习班 辅导班 培训机构"},
	{"dept.edu", "教师资格认定", "Teacher qualification certification", cfm, 60, 20, "app pid edu health photo", "net person", "C-TC", "life:employment theme:education", optm, "《教师资格条例》", "教师资格证 教资"},
	// 民政局
	{"dept.civil", "社会团体成立登记", "Registration of a social organisation", lic, 60, 20, "app id arts member site", "", "C-SO", "theme:social", optm, "《社会团体登记管理条例》", "协会 商会 社团 学会"},
	{"dept.civil", "民办非企业单位成立登记", "Registration of a private non-enterprise unit", lic, 60, 20, "app id arts site fund", "", "C-SO", "theme:social", optm, "《民办非企业单位登记管理暂行条例》", "社会服务机构 民非"},
	{"dept.civil", "养老机构备案", "Filing of an elderly care institution", oth, 0, 0, "app bl site sec", "net", "", "life:retirement theme:social", filng, "《养老机构管理办法》", "养老院 敬老院 养老机构"},
	{"dept.civil", "婚姻登记", "Marriage registration", cfm, 0, 0, "pid hk photo", "keep person", "C-MR", "life:marriage theme:social", none, "《婚姻登记条例》", "结婚 领证 结婚证 离婚 补领结婚证"},
	{"dept.civil", "慈善组织认定", "Recognition as a charity", cfm, 20, 10, "app bl arts report", "", "", "theme:social", optm, "《中华人民共和国慈善法》", "慈善 公益组织"},
	// 水利局
	{"dept.water", "取水许可", "Water abstraction permit", lic, 45, 20, "app bl report", "expert mid=水资源论证", "C-WA", "biz:invest theme:water", optm, "《取水许可和水资源费征收管理条例》", "取水 打井 抽水 取水证"},
	{"dept.water", "河道管理范围内建设项目工程建设方案审批", "Approval of works within river management areas", lic, 20, 15, "app bl design report", "expert", "", "biz:build theme:water", optm, "《中华人民共和国河道管理条例》", "河道 涉河"},
	{"dept.water", "生产建设项目水土保持方案审批", "Soil and water conservation plan approval", lic, 20, 10, "app bl report", "mid=水土保持方案编制", "", "biz:invest biz:build theme:water", prms, "《中华人民共和国水土保持法》第二十五条", "水保 水土保持 水保方案"},
	{"dept.water", "洪水影响评价类审批", "Flood impact assessment approval", lic, 20, 15, "app bl report design", "expert", "", "biz:build theme:water", optm, "《中华人民共和国防洪法》", "洪评 防洪"},
	// 林业局
	{"dept.forestry", "林木采伐许可证核发", "Tree felling permit", lic, 20, 5, "app pid land-", "net both", "C-CU", "life:farming theme:agriculture", optm, "《中华人民共和国森林法》第五十六条", "砍树 采伐证 伐木"},
	{"dept.forestry", "建设项目使用林地审核", "Approval to use forest land for construction", lic, 20, 15, "app bl report land", "site", "", "biz:build theme:agriculture", optm, "《中华人民共和国森林法》", "占用林地 使用林地"},
	{"dept.forestry", "野生动物人工繁育许可", "Licence to breed wild animals", lic, 20, 15, "app id bl site equip", "site", "", "biz:start theme:agriculture", optm, "《中华人民共和国野生动物保护法》", "养殖野生动物 人工繁育"},
	// 税务局
	{"dept.tax", "新办纳税人套餐式服务", "Tax start-up package for new taxpayers", pub, 0, 0, "bl id", "keep net cw", "", "biz:start theme:market", none, "《中华人民共和国税收征收管理法》", "税务登记 领发票 税控 报税"},
	{"dept.tax", "发票领用", "Invoice issuance", pub, 0, 0, "bl", "keep net", "", "biz:operate theme:market", none, "《中华人民共和国发票管理办法》", "领发票 发票 开票"},
	{"dept.tax", "存量房交易纳税申报", "Tax declaration on second-hand housing", lev, 0, 0, "pid contract prop", "keep cw", "", "life:housing theme:property", none, "《中华人民共和国契税法》", "二手房税 契税 过户交税 个税"},
	// 发展和改革委员会
	{"dept.ndrc", "企业投资项目核准", "Enterprise investment project approval", lic, 20, 10, "app bl report", "expert", "", "biz:invest theme:construction", optm, "《企业投资项目核准和备案管理条例》", "项目核准 立项"},
	{"dept.ndrc", "企业投资项目备案", "Enterprise investment project filing", oth, 0, 0, "app bl", "net zone", "", "biz:invest theme:construction", filng, "《企业投资项目核准和备案管理条例》", "项目备案 立项 备案证"},
	{"dept.ndrc", "固定资产投资项目节能审查", "Energy conservation review of investment projects", lic, 20, 10, "app bl report", "expert mid=节能评估", "", "biz:invest theme:environment", optm, "《固定资产投资项目节能审查办法》", "节能审查 能评"},
	{"dept.ndrc", "粮食收购资格认定", "Grain purchase qualification", lic, 15, 10, "app bl site", "", "", "biz:start theme:agriculture", cxl, "《粮食流通管理条例》", "粮食收购"},
	// Partners in the halls
	{"partner.trademark", "商标注册申请受理", "Trademark registration application", pub, 0, 0, "app id bl sample", "keep fee=商标注册申请受理费（纸质，一个类别）:300", "", "biz:start theme:market", none, "《中华人民共和国商标法》第四条", "注册商标 商标 品牌"},
	{"partner.power", "低压用电报装", "Low-voltage electricity connection", pub, 5, 2, "app pid prop-", "keep net both", "", "biz:start life:housing", none, "《电力供应与使用条例》", "接电 通电 电表 报装"},
	{"partner.power", "供电过户", "Electricity account transfer", pub, 0, 0, "app pid prop", "keep net both", "", "life:housing", none, "《电力供应与使用条例》", "电过户 电费户名"},
	{"partner.water", "用水报装", "Water connection", pub, 5, 3, "app pid prop-", "keep net both", "", "biz:start life:housing", none, "《城市供水条例》", "接水 水表 通水"},
	{"partner.water", "供水过户", "Water account transfer", pub, 0, 0, "app pid prop", "keep net both", "", "life:housing", none, "《城市供水条例》", "水过户 水费户名"},
	{"partner.gas", "燃气报装", "Gas connection", pub, 10, 5, "app pid prop-", "keep both", "", "biz:start life:housing", none, "《城镇燃气管理条例》", "通燃气 天然气 开通燃气"},
	{"partner.gas", "燃气过户", "Gas account transfer", pub, 0, 0, "app pid prop", "keep net both", "", "life:housing", none, "《城镇燃气管理条例》", "燃气过户 气费户名"},
}

// demoMat is a material template.
type demoMat struct {
	name  string
	form  MaterialForm
	src   MaterialSource
	cert  string
	blank bool
	trust string
}

var demoMats = map[string]demoMat{
	"app":      {"申请书", FormOriginal, SourceSelf, "", true, "D"},
	"id":       {"法定代表人（负责人）身份证件", FormOriginal, SourceGov, "C-ID", false, "A"},
	"pid":      {"申请人身份证件", FormOriginal, SourceGov, "C-ID", false, "A"},
	"hk":       {"居民户口簿", FormOriginal, SourceGov, "C-HK", false, "A"},
	"bl":       {"营业执照", FormOriginal, SourceGov, "YYZZ", false, "A"},
	"arts":     {"章程", FormOriginal, SourceSelf, "", true, "D"},
	"member":   {"成员（发起人）名册及身份证明", FormOriginal, SourceSelf, "", false, "C"},
	"site":     {"经营场所使用证明（产权证明或租赁合同）", FormCopy, SourceSelf, "", false, "C"},
	"prop":     {"不动产权证书", FormOriginal, SourceGov, "C-RE", false, "A"},
	"plan":     {"经营场所平面布局图", FormOriginal, SourceSelf, "", false, "D"},
	"flow":     {"工艺流程图及说明", FormOriginal, SourceSelf, "", false, "D"},
	"rules":    {"管理制度文本", FormOriginal, SourceSelf, "", false, "D"},
	"equip":    {"主要设备设施清单", FormOriginal, SourceSelf, "", false, "D"},
	"staff":    {"从业人员健康证明", FormOriginal, SourceGov, "C-HC", false, "A"},
	"health":   {"体检证明", FormOriginal, SourceGov, "C-HC", false, "A"},
	"qual":     {"专业技术人员资格证明", FormOriginal, SourceGov, "C-QC", false, "A"},
	"pharm":    {"执业药师注册证", FormOriginal, SourceGov, "C-QC", false, "A"},
	"edu":      {"学历证书", FormOriginal, SourceGov, "C-ED", false, "A"},
	"photo":    {"近期免冠证件照片", FormElectronic, SourceSelf, "", false, "D"},
	"sec":      {"安全管理制度和应急预案", FormOriginal, SourceSelf, "", false, "D"},
	"vehicle":  {"车辆行驶证", FormOriginal, SourceGov, "C-VL", false, "A"},
	"driver":   {"驾驶员从业资格证", FormOriginal, SourceGov, "C-DQ", false, "A"},
	"land":     {"土地使用权证明", FormOriginal, SourceGov, "C-RE", false, "A"},
	"design":   {"设计方案或施工图", FormOriginal, SourceSelf, "", false, "C"},
	"contract": {"合同", FormCopy, SourceSelf, "", false, "C"},
	"fund":     {"资金落实证明", FormOriginal, SourceSelf, "", false, "D"},
	"eia":      {"环境影响评价文件", FormOriginal, SourceSelf, "", false, "C"},
	"report":   {"技术报告或论证材料", FormOriginal, SourceSelf, "", false, "C"},
	"change":   {"变更事项证明材料", FormCopy, SourceSelf, "", false, "C"},
	"tax":      {"完税证明", FormOriginal, SourceGov, "C-TX", false, "A"},
	"sample":   {"商标图样", FormElectronic, SourceSelf, "", false, "D"},
	"promise":  {"告知承诺书", FormOriginal, SourceSelf, "", true, "D"},
}

// demoCertTypes are the e-certificate types of the demo (codes made up).
var demoCertTypes = []CertType{
	{Code: "C-ID", Name: "居民身份证", NameEN: "Resident identity card", Issuer: "公安机关"},
	{Code: "C-HK", Name: "居民户口簿", NameEN: "Household register", Issuer: "公安机关"},
	{Code: "YYZZ", Name: "营业执照", NameEN: "Business licence", Issuer: "市场监督管理部门"},
	{Code: "SPJY", Name: "食品经营许可证", NameEN: "Food business licence", Issuer: "行政审批局"},
	{Code: "C-FP", Name: "食品生产许可证", NameEN: "Food production licence", Issuer: "行政审批局"},
	{Code: "YPJY", Name: "药品经营许可证", NameEN: "Drug business licence", Issuer: "行政审批局"},
	{Code: "C-MD", Name: "医疗器械经营许可证", NameEN: "Medical device business licence", Issuer: "行政审批局"},
	{Code: "C-SE", Name: "特种设备使用登记证", NameEN: "Special equipment use certificate", Issuer: "行政审批局"},
	{Code: "GGWS", Name: "公共场所卫生许可证", NameEN: "Public place hygiene licence", Issuer: "行政审批局"},
	{Code: "C-MI", Name: "医疗机构执业许可证", NameEN: "Medical institution practice licence", Issuer: "行政审批局"},
	{Code: "C-PR", Name: "医师执业证书", NameEN: "Physician practice certificate", Issuer: "卫生健康部门"},
	{Code: "C-NR", Name: "护士执业证书", NameEN: "Nurse practice certificate", Issuer: "卫生健康部门"},
	{Code: "C-BC", Name: "出生医学证明", NameEN: "Birth medical certificate", Issuer: "助产机构"},
	{Code: "DLYS", Name: "道路运输经营许可证", NameEN: "Road transport licence", Issuer: "行政审批局"},
	{Code: "C-OL", Name: "网络预约出租汽车运输证", NameEN: "Ride-hailing vehicle permit", Issuer: "行政审批局"},
	{Code: "C-DL", Name: "网络预约出租汽车驾驶员证", NameEN: "Ride-hailing driver permit", Issuer: "行政审批局"},
	{Code: "C-DQ", Name: "道路运输从业资格证", NameEN: "Road transport qualification", Issuer: "交通运输部门"},
	{Code: "C-VL", Name: "机动车行驶证", NameEN: "Vehicle licence", Issuer: "公安机关交通管理部门"},
	{Code: "C-CP", Name: "建筑工程施工许可证", NameEN: "Construction permit", Issuer: "行政审批局"},
	{Code: "C-LP", Name: "建设用地规划许可证", NameEN: "Land use planning permit", Issuer: "行政审批局"},
	{Code: "C-PL", Name: "建设工程规划许可证", NameEN: "Construction planning permit", Issuer: "行政审批局"},
	{Code: "C-RE", Name: "不动产权证书", NameEN: "Real estate title certificate", Issuer: "不动产登记机构"},
	{Code: "C-EP", Name: "排污许可证", NameEN: "Pollutant discharge permit", Issuer: "行政审批局"},
	{Code: "C-PE", Name: "农药经营许可证", NameEN: "Pesticide business licence", Issuer: "行政审批局"},
	{Code: "C-VD", Name: "兽药经营许可证", NameEN: "Veterinary drug business licence", Issuer: "行政审批局"},
	{Code: "C-SD", Name: "农作物种子生产经营许可证", NameEN: "Seed production and trade licence", Issuer: "行政审批局"},
	{Code: "C-AQ", Name: "动物防疫条件合格证", NameEN: "Animal epidemic prevention certificate", Issuer: "行政审批局"},
	{Code: "C-HR", Name: "人力资源服务许可证", NameEN: "Human resources service licence", Issuer: "行政审批局"},
	{Code: "C-LD", Name: "劳务派遣经营许可证", NameEN: "Labour dispatch licence", Issuer: "行政审批局"},
	{Code: "C-EN", Name: "娱乐经营许可证", NameEN: "Entertainment business licence", Issuer: "行政审批局"},
	{Code: "C-NB", Name: "网络文化经营许可证", NameEN: "Internet culture business licence", Issuer: "行政审批局"},
	{Code: "C-TA", Name: "旅行社业务经营许可证", NameEN: "Travel agency licence", Issuer: "行政审批局"},
	{Code: "C-HT", Name: "特种行业许可证", NameEN: "Special trade licence", Issuer: "公安机关"},
	{Code: "C-HZ", Name: "危险化学品经营许可证", NameEN: "Hazardous chemicals business licence", Issuer: "行政审批局"},
	{Code: "C-FW", Name: "烟花爆竹经营（零售）许可证", NameEN: "Fireworks retail licence", Issuer: "行政审批局"},
	{Code: "C-TC", Name: "教师资格证书", NameEN: "Teacher qualification certificate", Issuer: "教育行政部门"},
	{Code: "C-SO", Name: "社会组织法人登记证书", NameEN: "Social organisation registration certificate", Issuer: "行政审批局"},
	{Code: "C-MR", Name: "结婚证", NameEN: "Marriage certificate", Issuer: "民政部门"},
	{Code: "C-WA", Name: "取水许可证", NameEN: "Water abstraction permit", Issuer: "行政审批局"},
	{Code: "C-CU", Name: "林木采伐许可证", NameEN: "Tree felling permit", Issuer: "行政审批局"},
	{Code: "C-HC", Name: "健康证明", NameEN: "Health certificate", Issuer: "医疗卫生机构"},
	{Code: "C-QC", Name: "职业资格证书", NameEN: "Professional qualification certificate", Issuer: "人力资源社会保障部门"},
	{Code: "C-ED", Name: "学历证书", NameEN: "Academic certificate", Issuer: "教育行政部门"},
	{Code: "C-TX", Name: "完税证明", NameEN: "Tax payment certificate", Issuer: "税务机关"},
}

// demoSynonyms are what people type for catalogue words.
var demoSynonyms = [][2]string{
	{"开饭店", "食品经营许可"}, {"开餐馆", "食品经营许可"}, {"开餐厅", "食品经营许可"}, {"饭店", "食品经营许可"},
	{"餐饮许可", "食品经营许可"}, {"卖吃的", "食品经营许可"}, {"开奶茶店", "食品经营许可"},
	{"营业执照", "企业设立登记"}, {"办执照", "企业设立登记"}, {"开公司", "企业设立登记"}, {"注册公司", "企业设立登记"},
	{"开药店", "药品零售企业许可"}, {"药店", "药品零售企业许可"},
	{"开便利店", "仅销售预包装食品经营者备案"}, {"开超市", "仅销售预包装食品经营者备案"},
	{"卫生许可证", "公共场所卫生许可"}, {"开理发店", "公共场所卫生许可"}, {"开美容院", "公共场所卫生许可"},
	{"过户", "不动产转移登记"}, {"二手房", "不动产转移登记"}, {"房产证", "不动产转移登记"},
	{"网约车", "网络预约出租汽车运输证核发"}, {"开网吧", "互联网上网服务营业场所经营单位设立审批"},
	{"开KTV", "娱乐场所经营许可"}, {"开旅馆", "旅馆业特种行业许可"}, {"开民宿", "旅馆业特种行业许可"},
	{"开培训班", "校外培训机构设立审批"}, {"盖房子", "乡村建设规划许可"}, {"农村建房", "乡村建设规划许可"},
	{"施工证", "建筑工程施工许可"}, {"规划证", "建设工程规划许可"}, {"环评", "建设项目环境影响报告表审批"},
	{"结婚", "婚姻登记"}, {"领证", "婚姻登记"}, {"出生证", "出生医学证明办理"}, {"失业金", "失业保险金申领"},
	{"办退休", "职工基本养老保险退休待遇申领"}, {"卖农药", "农药经营许可"}, {"职业中介", "人力资源服务许可"},
	{"开驾校", "机动车驾驶员培训经营备案"}, {"开修理厂", "机动车维修经营备案"}, {"注册商标", "商标注册申请受理"},
}

// demoSummaries are the plain-language summaries of the items applicants ask for most.
var demoSummaries = map[string]string{
	"食品经营许可":     "在本市从事餐饮服务、食品销售（仅销售预包装食品的除外）的，开业前应当取得食品经营许可证。申请人准备好场所和设备后提交申请，审批局审查材料并现场核查，符合条件的发给食品经营许可证（电子证照同步发放）。",
	"企业设立登记":     "设立有限责任公司、股份有限公司、合伙企业等市场主体，应当办理设立登记，领取营业执照后方可以市场主体名义从事经营活动。全程网上办理，材料齐全的1个工作日内办结。",
	"不动产转移登记":    "因买卖、继承、赠与等原因，不动产权利发生转移的，当事人应当共同申请转移登记。二手房买卖可与交易纳税、水电气过户一并办理。",
	"药品零售企业许可":   "开办药品零售企业（药店）应当取得药品经营许可证，并配备依法经过资格认定的药师或者其他药学技术人员。",
	"公共场所卫生许可":   "宾馆、美容美发、沐浴、游泳等公共场所开业前应当取得公共场所卫生许可证。本事项实行告知承诺，申请人书面承诺符合条件的，当场作出许可决定，审批局在30个工作日内现场核查。",
	"道路旅客运输经营许可": "从事班车、包车、旅游客运经营的，应当取得道路运输经营许可证。",
	"建筑工程施工许可":   "建筑工程开工前，建设单位应当申请领取施工许可证；工程投资额在30万元以下或者建筑面积在300平方米以下的建筑工程可以不申请。",
	"建设工程规划许可":   "在城市、镇规划区内进行建筑物、构筑物、道路、管线和其他工程建设的，建设单位或者个人应当申请办理建设工程规划许可证。",
	"人力资源服务许可":   "经营性人力资源服务机构从事职业中介活动的，应当依法取得人力资源服务许可证。",
	"婚姻登记":       "要求结婚的男女双方应当亲自到婚姻登记机关申请结婚登记。本市实行婚姻登记全市通办。",
}

// demoChain is a chain of the demo by the names of its items (a name with （新办） names the
// handling item of a varied main item).
type demoChain struct {
	code, name, en, lead string
	limit                int
	items                []string
	stages               []int
	tags, kw             string
	summary              string
}

var demoChains = []demoChain{
	{"open-restaurant", "开餐馆", "Opening a restaurant", "dept.amr", 5,
		[]string{"企业设立登记", "食品经营许可（新办）", "户外广告设施设置审批", "城镇污水排入排水管网许可", "社会保险登记", "新办纳税人套餐式服务"},
		[]int{1, 2, 2, 2, 3, 3}, "biz:start theme:food", "开饭店 开餐厅 饭店 餐馆 开小吃店",
		"一次告知、一表申请、一窗受理：营业执照、食品经营许可、店招、排水许可、社保和税务一次办好。"},
	{"open-convenience-store", "开便利店", "Opening a convenience store", "dept.amr", 2,
		[]string{"个体工商户设立登记", "仅销售预包装食品经营者备案", "户外广告设施设置审批", "新办纳税人套餐式服务"},
		[]int{1, 2, 2, 3}, "biz:start theme:food theme:commerce", "便利店 小卖部 超市 开超市 零食店",
		"个体工商户登记、预包装食品备案、店招审批和税务开业一次办好。"},
	{"open-pharmacy", "开药店", "Opening a pharmacy", "dept.amr", 10,
		[]string{"企业设立登记", "药品零售企业许可（新办）", "第二类医疗器械经营备案", "食品经营许可（新办）", "社会保险登记", "新办纳税人套餐式服务"},
		[]int{1, 2, 2, 2, 3, 3}, "biz:start theme:medicine", "药店 药房 大药房 开药房",
		"营业执照、药品经营许可、医疗器械备案、保健食品销售许可一次申请。"},
	{"new-industrial-project", "新建工业项目", "Building a new industrial project", "dept.ndrc", 30,
		[]string{"企业投资项目备案", "建设项目用地预审与选址意见书核发", "建设用地规划许可", "建设工程规划许可（建筑类）",
			"建设项目环境影响报告表审批", "生产建设项目水土保持方案审批", "建设工程消防设计审查", "建筑工程施工许可"},
		[]int{1, 2, 3, 4, 4, 4, 5, 6}, "biz:invest biz:build theme:construction", "工业项目 建厂房 建工厂 拿地即开工 项目审批",
		"从立项、用地、规划、环评、水保到施工许可，一次联办，并联审批。"},
	{"second-hand-home", "二手房交易登记", "Buying a second-hand home", "dept.land", 1,
		[]string{"不动产转移登记", "存量房交易纳税申报", "供电过户", "供水过户", "燃气过户"},
		[]int{1, 1, 2, 2, 2}, "life:housing theme:property", "二手房 买房 过户 房产过户 卖房",
		"交易、缴税、登记一窗办理，水电气同步过户，当天领证。"},
	{"open-hotel", "开旅馆", "Opening a hotel", "dept.police", 10,
		[]string{"企业设立登记", "旅馆业特种行业许可", "公共场所卫生许可", "户外广告设施设置审批"},
		[]int{1, 2, 2, 2}, "biz:start theme:safety", "开宾馆 开酒店 开民宿 旅店",
		"营业执照、特种行业许可、卫生许可和店招一次办好。"},
}
