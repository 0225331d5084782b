package demo

// The word lists the generator draws from.

// place is a city with its region, province, telephone area code,
// administrative division code (the first six digits of a local company's
// unified social credit code) and the length of its local phone numbers.
type place struct {
	region, province, city, areaCode, division string
	localDigits                                int
}

var places = []place{
	{"华东", "浙江", "杭州", "0571", "330100", 8}, {"华东", "浙江", "宁波", "0574", "330200", 8}, {"华东", "浙江", "温州", "0577", "330300", 8},
	{"华东", "江苏", "南京", "025", "320100", 8}, {"华东", "江苏", "苏州", "0512", "320500", 8}, {"华东", "江苏", "无锡", "0510", "320200", 8},
	{"华东", "上海", "上海", "021", "310000", 8}, {"华东", "山东", "济南", "0531", "370100", 8}, {"华东", "山东", "青岛", "0532", "370200", 8},
	{"华东", "福建", "厦门", "0592", "350200", 7}, {"华东", "福建", "福州", "0591", "350100", 8}, {"华东", "安徽", "合肥", "0551", "340100", 8},
	{"华南", "广东", "广州", "020", "440100", 8}, {"华南", "广东", "深圳", "0755", "440300", 8}, {"华南", "广东", "东莞", "0769", "441900", 8},
	{"华南", "广东", "佛山", "0757", "440600", 8}, {"华南", "广西", "南宁", "0771", "450100", 7}, {"华南", "海南", "海口", "0898", "460100", 8},
	{"华北", "北京", "北京", "010", "110000", 8}, {"华北", "天津", "天津", "022", "120000", 8}, {"华北", "河北", "石家庄", "0311", "130100", 8},
	{"华北", "山西", "太原", "0351", "140100", 7}, {"华中", "湖北", "武汉", "027", "420100", 8}, {"华中", "湖南", "长沙", "0731", "430100", 8},
	{"华中", "河南", "郑州", "0371", "410100", 8}, {"华中", "江西", "南昌", "0791", "360100", 8}, {"西南", "四川", "成都", "028", "510100", 8},
	{"西南", "重庆", "重庆", "023", "500000", 8}, {"西南", "云南", "昆明", "0871", "530100", 8}, {"西南", "贵州", "贵阳", "0851", "520100", 8},
	{"西北", "陕西", "西安", "029", "610100", 8}, {"西北", "甘肃", "兰州", "0931", "620100", 7}, {"西北", "新疆", "乌鲁木齐", "0991", "650100", 7},
	{"东北", "辽宁", "沈阳", "024", "210100", 8}, {"东北", "辽宁", "大连", "0411", "210200", 8}, {"东北", "吉林", "长春", "0431", "220100", 8},
	{"东北", "黑龙江", "哈尔滨", "0451", "230100", 8},
}

// syllable is one character of a trade name with its romanisation, which
// makes the company's web and mail domain. Two of them make a trade name
// (字号) such as 云帆 (yunfan).
type syllable struct{ char, roman string }

var syllables = []syllable{
	{"云", "yun"}, {"帆", "fan"}, {"鹏", "peng"}, {"程", "cheng"}, {"华", "hua"}, {"信", "xin"}, {"恒", "heng"}, {"通", "tong"},
	{"瑞", "rui"}, {"丰", "feng"}, {"金", "jin"}, {"桥", "qiao"}, {"长", "chang"}, {"嘉", "jia"}, {"禾", "he"}, {"越", "yue"},
	{"博", "bo"}, {"远", "yuan"}, {"启", "qi"}, {"明", "ming"}, {"天", "tian"}, {"成", "cheng"}, {"盛", "sheng"}, {"达", "da"},
	{"宏", "hong"}, {"图", "tu"}, {"锦", "jin"}, {"德", "de"}, {"润", "run"}, {"汇", "hui"}, {"智", "zhi"}, {"中", "zhong"},
	{"科", "ke"}, {"东", "dong"}, {"方", "fang"}, {"凯", "kai"}, {"海", "hai"}, {"纳", "na"}, {"星", "xing"}, {"辰", "chen"},
	{"航", "hang"}, {"卓", "zhuo"}, {"创", "chuang"}, {"安", "an"}, {"泰", "tai"}, {"永", "yong"}, {"宝", "bao"}, {"众", "zhong"},
	{"合", "he"}, {"立", "li"}, {"泽", "ze"}, {"诚", "cheng"}, {"优", "you"}, {"易", "yi"}, {"联", "lian"}, {"源", "yuan"},
	{"蓝", "lan"}, {"青", "qing"}, {"银", "yin"}, {"鑫", "xin"}, {"隆", "long"}, {"昌", "chang"}, {"兴", "xing"}, {"广", "guang"},
	{"佳", "jia"}, {"美", "mei"}, {"康", "kang"}, {"新", "xin"}, {"宇", "yu"}, {"振", "zhen"},
}

// industry is the industry select value, the word in the company name and
// the word in its domain.
type industry struct{ key, word, domain string }

var industries = []industry{
	{"manufacturing", "机械制造", "machinery"}, {"manufacturing", "精密电子", "elec"}, {"manufacturing", "新材料", "material"},
	{"retail", "商贸", "trade"}, {"retail", "连锁超市", "mart"}, {"software", "科技", "tech"}, {"software", "信息技术", "it"},
	{"education", "教育咨询", "edu"}, {"healthcare", "医疗器械", "med"}, {"logistics", "供应链管理", "scm"},
	{"logistics", "物流", "logistics"}, {"construction", "建设工程", "build"}, {"construction", "装饰工程", "deco"},
	{"finance", "融资租赁", "leasing"}, {"food", "食品", "food"}, {"food", "餐饮管理", "catering"}, {"other", "文化传媒", "media"},
}

// sizes are the employee ranges, weighted towards small firms.
var sizes = []string{"1-20", "1-20", "21-100", "21-100", "21-100", "101-500", "101-500", "501-2000", "2000+"}

var accountSources = []string{"website", "referral", "referral", "exhibition", "cold_call", "wechat", "douyin", "partner"}
var leadSources = []string{"website", "website", "referral", "exhibition", "cold_call", "wechat", "wechat", "douyin"}

var accountTags = []string{"老客户", "有预算", "决策快", "价格敏感", "需要定制", "续约客户", "上市公司供应商", "高新技术企业"}

var surnames = []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗",
	"郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "萧", "田", "董", "潘", "袁", "蔡", "蒋", "余", "欧阳", "司马"}

var givenNames = []string{"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞",
	"平", "刚", "桂英", "建华", "文", "晨", "浩然", "子涵", "欣怡", "宇轩", "梓萱", "一鸣", "思远", "佳琪", "俊杰", "雨桐", "志强", "海燕",
	"晓东", "丽华", "建国", "婷婷", "鹏飞", "嘉怡", "文博", "晓峰"}

// letters make the local part of e-mail addresses: two letters and digits.
const letters = "abcdefghjklmnpqrstwxyz"

type job struct{ title, department, role string }

var jobs = []job{
	{"总经理", "总经办", "decision_maker"}, {"董事长", "总经办", "decision_maker"}, {"副总经理", "总经办", "decision_maker"},
	{"采购经理", "采购部", "influencer"}, {"采购专员", "采购部", "gatekeeper"}, {"IT 主管", "信息部", "influencer"},
	{"财务总监", "财务部", "decision_maker"}, {"会计", "财务部", "user"}, {"行政经理", "行政部", "gatekeeper"},
	{"技术总监", "技术部", "influencer"}, {"运营经理", "运营部", "user"}, {"销售总监", "销售部", "influencer"},
	{"门店店长", "运营部", "user"}, {"仓库主管", "物流部", "user"}, {"项目经理", "技术部", "user"},
}

// mobilePrefixes are the first three digits of mainland mobile numbers.
var mobilePrefixes = []string{"130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155",
	"156", "157", "158", "159", "173", "175", "176", "177", "178", "180", "181", "182", "183", "184", "185", "186", "187", "188", "189",
	"191", "193", "195", "198", "199"}

var streets = []string{"人民路", "建设路", "解放路", "中山路", "文化路", "科技路", "滨江大道", "长江路", "创业路", "高新大道", "工业园路", "学府路", "新华路", "环城东路"}

type product struct {
	sku, name, category, unit string
	price                     float64
	maxQty                    int // the largest quantity one order usually has
}

var products = []product{
	{"SW-CRM-STD", "客户管理系统 标准版（年）", "subscription", "套", 6800, 3}, {"SW-CRM-PRO", "客户管理系统 专业版（年）", "subscription", "套", 16800, 2},
	{"SW-ERP-BASE", "进销存软件 基础版", "software", "套", 9800, 2}, {"SW-HR", "人事考勤软件", "software", "套", 5600, 2},
	{"SW-OA", "协同办公平台", "software", "套", 12000, 1}, {"SW-BI", "经营分析看板", "software", "套", 22000, 1},
	{"HW-SRV-2U", "2U 机架式服务器", "hardware", "台", 28500, 4}, {"HW-NAS", "企业级网络存储", "hardware", "台", 13900, 2},
	{"HW-POS", "收银一体机", "hardware", "台", 3200, 20}, {"HW-SCAN", "条码扫描枪", "hardware", "把", 460, 50},
	{"HW-PRN", "标签打印机", "hardware", "台", 1280, 20}, {"HW-AP", "无线接入点", "hardware", "台", 890, 40},
	{"SV-INST", "上门安装调试", "service", "次", 800, 10}, {"SV-TRAIN", "现场培训（天）", "service", "天", 3000, 5},
	{"SV-MAINT", "年度维保服务", "service", "年", 9600, 3}, {"SV-DATA", "数据迁移服务", "service", "项", 15000, 1},
	{"CS-PROC", "业务流程梳理咨询", "consulting", "项", 38000, 1}, {"CS-DIGI", "数字化转型规划", "consulting", "项", 88000, 1},
	{"SB-SMS", "短信通知包（1 万条）", "subscription", "包", 450, 20}, {"SB-CLOUD", "云主机（年）", "subscription", "台", 4200, 10},
	{"SB-STORE", "云存储 1TB（年）", "subscription", "份", 1200, 10}, {"SB-MAIL", "企业邮箱（10 用户/年）", "subscription", "份", 1500, 10},
	{"SW-MINI", "微信小程序商城", "software", "套", 19800, 1}, {"SW-WMS", "仓储管理系统", "software", "套", 36000, 1},
	{"HW-CAM", "网络摄像头", "hardware", "台", 650, 40}, {"HW-GATE", "门禁考勤机", "hardware", "台", 1680, 10},
	{"SV-DEV", "定制开发（人天）", "service", "人天", 2500, 60}, {"SV-SEC", "等保测评辅导", "service", "项", 26000, 1},
	{"CS-AUDIT", "信息安全审计", "consulting", "项", 45000, 1}, {"SB-SUPPORT", "7×24 技术支持（年）", "subscription", "年", 18000, 2},
}

var productDescriptions = map[string]string{
	"software":     "本地部署或私有云部署，含一年免费升级。",
	"hardware":     "原厂正品，整机保修三年，含基础配置。",
	"service":      "由认证工程师提供，服务完成后出具验收单。",
	"consulting":   "资深顾问驻场，交付调研报告与实施方案。",
	"subscription": "按年订阅，到期前 30 天提醒续费。",
}

var leadInterests = []string{"想了解客户管理系统报价", "门店需要收银和会员系统", "仓库管理混乱，想上系统", "展会上咨询过产品演示",
	"老客户介绍，需要上门沟通", "想做小程序商城", "需要服务器和存储方案", "考勤和排班想统一管理", "想把销售过程数字化"}

var opportunityNames = []string{"数字化升级", "信息化建设", "门店系统", "仓储改造", "年度采购", "服务续约", "办公网络改造", "会员系统"}
var nextSteps = []string{"安排产品演示", "发送正式报价", "约见决策人", "准备合同文本", "技术方案评审", "等待客户内部审批"}

type ticketKind struct{ category, subject, description string }

var ticketKinds = []ticketKind{
	{"fault", "系统登录异常", "多名员工早上登录时提示“会话已失效”，清除缓存后仍然无法登录。"},
	{"fault", "打印机无法连接", "新换的标签打印机在收银电脑上找不到设备，驱动已重新安装。"},
	{"fault", "数据导出报错", "导出上月订单到 Excel 时页面报错，数据量约两万条。"},
	{"fault", "服务器风扇噪音大", "机房服务器风扇持续高速运转，怀疑散热故障，请安排上门检查。"},
	{"fault", "小程序支付失败", "部分顾客在小程序下单后微信支付回调失败，订单状态未更新。"},
	{"fault", "考勤数据不同步", "门禁考勤机的打卡记录两天没有同步到人事系统。"},
	{"installation", "新门店设备安装", "新开门店需要安装收银一体机和无线网络，希望本周内完成。"},
	{"installation", "服务器上架调试", "新到的两台服务器需要上架、配置 RAID 并接入现有网络。"},
	{"consultation", "需要增加账号", "新入职五名销售，想了解增加账号的费用和操作方法。"},
	{"consultation", "培训时间预约", "希望下周安排一次新功能的现场培训，参加人数约 15 人。"},
	{"complaint", "上门服务迟到", "约定上午九点上门，工程师十一点才到，影响门店营业。"},
	{"billing", "发票信息有误", "收到的增值税专用发票抬头有误，需要作废重开。"},
	{"billing", "续费金额疑问", "续费通知中的金额比去年高，请解释价格变化。"},
}

// activityKinds are the subject and the body of an activity by type; %s
// in the body is the contact's name.
var activityKinds = map[string][]struct{ subject, notes string }{
	"call": {
		{"电话回访", "与%s电话回访，对方对目前的使用情况比较满意。"}, {"确认需求细节", "与%s电话确认了需求清单，近期安排演示。"},
		{"跟进报价反馈", "%s反馈报价偏高，希望能有一定折扣。"}, {"预约上门时间", "和%s约定下周上门拜访。"},
		{"催促合同盖章", "提醒%s尽快走完合同盖章流程。"},
	},
	"visit": {
		{"上门拜访", "拜访%s，介绍了公司和产品，对方比较感兴趣。"}, {"现场演示", "为%s现场演示了核心功能，客户比较满意。"},
		{"商务洽谈", "与%s面谈价格和付款方式，对方希望分期付款。"}, {"签约拜访", "与%s完成合同签署，约定了实施启动时间。"},
		{"需求调研", "和%s一起梳理了业务流程，需要出一份方案。"},
	},
	"email": {
		{"发送产品资料", "已将产品资料发给%s，请其转给相关部门评估。"}, {"发送报价单", "向%s发送报价单，有效期 30 天。"},
		{"发送合同草稿", "把合同草稿发给%s审阅。"}, {"会议纪要", "把会议纪要发给%s，确认下一步安排。"},
		{"发送方案书", "向%s发送了实施方案书。"},
	},
	"note": {
		{"客户内部在走审批", "%s说内部审批还需要两周。"}, {"竞品也在接触", "%s透露内部还在比较两家供应商。"},
		{"预算下季度到位", "%s说预算要到下季度才能批下来。"}, {"决策人出差中", "%s说老板下月回国后再定。"},
		{"客户对价格有顾虑", "%s提到今年预算收紧，对价格比较敏感。"},
	},
}
