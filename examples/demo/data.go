package demo

// The word lists the generator draws from.

type place struct{ region, province, city string }

var places = []place{
	{"华东", "浙江", "杭州"}, {"华东", "浙江", "宁波"}, {"华东", "浙江", "温州"}, {"华东", "江苏", "南京"}, {"华东", "江苏", "苏州"},
	{"华东", "江苏", "无锡"}, {"华东", "上海", "上海"}, {"华东", "山东", "济南"}, {"华东", "山东", "青岛"}, {"华东", "福建", "厦门"},
	{"华东", "福建", "福州"}, {"华东", "安徽", "合肥"}, {"华南", "广东", "广州"}, {"华南", "广东", "深圳"}, {"华南", "广东", "东莞"},
	{"华南", "广东", "佛山"}, {"华南", "广西", "南宁"}, {"华南", "海南", "海口"}, {"华北", "北京", "北京"}, {"华北", "天津", "天津"},
	{"华北", "河北", "石家庄"}, {"华北", "山西", "太原"}, {"华中", "湖北", "武汉"}, {"华中", "湖南", "长沙"}, {"华中", "河南", "郑州"},
	{"华中", "江西", "南昌"}, {"西南", "四川", "成都"}, {"西南", "重庆", "重庆"}, {"西南", "云南", "昆明"}, {"西南", "贵州", "贵阳"},
	{"西北", "陕西", "西安"}, {"西北", "甘肃", "兰州"}, {"西北", "新疆", "乌鲁木齐"}, {"东北", "辽宁", "沈阳"}, {"东北", "辽宁", "大连"},
	{"东北", "吉林", "长春"}, {"东北", "黑龙江", "哈尔滨"},
}

// brand is a trade name with its romanisation, used for web and mail domains.
type brand struct{ name, roman string }

var brands = []brand{
	{"云帆", "yunfan"}, {"鹏程", "pengcheng"}, {"华信", "huaxin"}, {"恒通", "hengtong"}, {"瑞丰", "ruifeng"}, {"金桥", "jinqiao"},
	{"长风", "changfeng"}, {"嘉禾", "jiahe"}, {"新越", "xinyue"}, {"博远", "boyuan"}, {"启明", "qiming"}, {"天成", "tiancheng"},
	{"盛达", "shengda"}, {"宏图", "hongtu"}, {"锦程", "jincheng"}, {"德润", "derun"}, {"汇智", "huizhi"}, {"中科", "zhongke"},
	{"东方", "dongfang"}, {"凯越", "kaiyue"}, {"海纳", "haina"}, {"星辰", "xingchen"}, {"远航", "yuanhang"}, {"卓越", "zhuoyue"},
	{"同创", "tongchuang"}, {"安泰", "antai"}, {"永信", "yongxin"}, {"宝利", "baoli"}, {"明远", "mingyuan"}, {"众合", "zhonghe"},
	{"华辰", "huachen"}, {"立达", "lida"}, {"润泽", "runze"}, {"嘉诚", "jiacheng"}, {"优品", "youpin"}, {"易联", "yilian"},
	{"智源", "zhiyuan"}, {"蓝海", "lanhai"}, {"青木", "qingmu"}, {"银河", "yinhe"},
}

type industry struct{ key, word, domain string }

var industries = []industry{
	{"manufacturing", "机械制造", "mfg"}, {"manufacturing", "精密电子", "elec"}, {"retail", "商贸", "trade"}, {"retail", "连锁超市", "mart"},
	{"software", "科技", "tech"}, {"software", "信息技术", "it"}, {"education", "教育咨询", "edu"}, {"healthcare", "医疗器械", "med"},
	{"logistics", "物流", "logistics"}, {"construction", "建设工程", "build"}, {"finance", "融资租赁", "capital"}, {"food", "食品", "food"},
	{"other", "文化传媒", "media"},
}

var surnames = []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹"}
var surnameRoman = []string{"wang", "li", "zhang", "liu", "chen", "yang", "huang", "zhao", "wu", "zhou", "xu", "sun", "ma", "zhu", "hu", "guo", "he", "gao", "lin", "luo", "zheng", "liang", "xie", "song", "tang", "xu", "han", "feng", "deng", "cao"}
var givenNames = []string{"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平", "刚", "桂英", "建华", "文", "晨", "浩然", "子涵", "欣怡", "宇轩", "梓萱", "一鸣", "思远", "佳琪", "俊杰", "雨桐"}

var titles = []string{"总经理", "副总经理", "采购经理", "IT 主管", "财务总监", "行政经理", "技术总监", "运营经理", "销售总监", "项目经理"}
var departments = []string{"总经办", "采购部", "信息部", "财务部", "行政部", "技术部", "运营部", "销售部"}

var mobilePrefixes = []string{"130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "156", "157", "158", "159", "166", "176", "177", "178", "180", "181", "182", "183", "185", "186", "187", "188", "189", "191", "198", "199"}

type product struct {
	sku, name, category, unit string
	price                     float64
}

var products = []product{
	{"SW-CRM-STD", "客户管理系统 标准版（年）", "subscription", "套", 6800}, {"SW-CRM-PRO", "客户管理系统 专业版（年）", "subscription", "套", 16800},
	{"SW-ERP-BASE", "进销存软件 基础版", "software", "套", 9800}, {"SW-HR", "人事考勤软件", "software", "套", 5600},
	{"SW-OA", "协同办公平台", "software", "套", 12000}, {"SW-BI", "经营分析看板", "software", "套", 22000},
	{"HW-SRV-2U", "2U 机架式服务器", "hardware", "台", 28500}, {"HW-NAS", "企业级网络存储", "hardware", "台", 13900},
	{"HW-POS", "收银一体机", "hardware", "台", 3200}, {"HW-SCAN", "条码扫描枪", "hardware", "把", 460},
	{"HW-PRN", "标签打印机", "hardware", "台", 1280}, {"HW-AP", "无线接入点", "hardware", "台", 890},
	{"SV-INST", "上门安装调试", "service", "次", 800}, {"SV-TRAIN", "现场培训（天）", "service", "天", 3000},
	{"SV-MAINT", "年度维保服务", "service", "年", 9600}, {"SV-DATA", "数据迁移服务", "service", "项", 15000},
	{"CS-PROC", "业务流程梳理咨询", "consulting", "项", 38000}, {"CS-DIGI", "数字化转型规划", "consulting", "项", 88000},
	{"SB-SMS", "短信通知包（1 万条）", "subscription", "包", 450}, {"SB-CLOUD", "云主机（年）", "subscription", "台", 4200},
	{"SB-STORE", "云存储 1TB（年）", "subscription", "份", 1200}, {"SB-MAIL", "企业邮箱（10 用户/年）", "subscription", "份", 1500},
	{"SW-MINI", "微信小程序商城", "software", "套", 19800}, {"SW-WMS", "仓储管理系统", "software", "套", 36000},
	{"HW-CAM", "网络摄像头", "hardware", "台", 650}, {"HW-GATE", "门禁考勤机", "hardware", "台", 1680},
	{"SV-DEV", "定制开发（人天）", "service", "人天", 2500}, {"SV-SEC", "等保测评辅导", "service", "项", 26000},
	{"CS-AUDIT", "信息安全审计", "consulting", "项", 45000}, {"SB-SUPPORT", "7×24 技术支持（年）", "subscription", "年", 18000},
}

var leadInterests = []string{"想了解客户管理系统报价", "门店需要收银和会员系统", "仓库管理混乱，想上系统", "展会上咨询过产品演示", "老客户介绍，需要上门沟通", "想做小程序商城", "需要服务器和存储方案"}
var ticketSubjects = []string{"系统登录异常", "打印机无法连接", "数据导出报错", "需要增加账号", "发票信息有误", "服务器风扇噪音大", "培训时间预约", "小程序支付失败", "考勤数据不同步"}
var activitySubjects = map[string][]string{
	"call":  {"电话回访", "确认需求细节", "跟进报价反馈", "预约上门时间"},
	"visit": {"上门拜访", "现场演示", "商务洽谈", "签约拜访"},
	"email": {"发送产品资料", "发送报价单", "发送合同草稿", "会议纪要"},
	"note":  {"客户内部在走审批", "竞品也在接触", "预算下季度到位", "决策人出差中"},
}
