"""The domain's vocabulary: codes used in code and data, with the Chinese labels shown to users."""

DOMAINS = [
    "新一代信息技术",
    "生物医药",
    "高端化工",
    "高端装备制造",
    "新能源",
    "新材料",
    "未来产业",
    "现代轻工纺织",
    "食品",
    "冶金与有色",
    "建材",
]

CITIES = [
    "济南",
    "青岛",
    "淄博",
    "枣庄",
    "东营",
    "烟台",
    "潍坊",
    "济宁",
    "泰安",
    "威海",
    "日照",
    "临沂",
    "德州",
    "聊城",
    "滨州",
    "菏泽",
]
OUTSIDE_PROVINCE = "省外"
ALL_CITIES = CITIES + [OUTSIDE_PROVINCE]

PLATFORM_LEVELS = ["国家级", "省级", "市级", "企业自建"]

ORG_KINDS = {
    "enterprise": "企业",
    "university": "高校",
    "institute": "科研院所",
    "government": "政府部门",
}

ROLES = {
    "firm": "需求企业用户",
    "operator": "平台运营方",
    "admin": "管理员",
    "expert": "评审专家",
}

OFFERING_KINDS = {
    "equipment": "中试设备",
    "site": "中试场地",
    "service": "中试服务",
    "process": "生产工艺",
}
#: "另有 N 家平台提供同类…": the kind as a plain noun.
OFFERING_KIND_NOUNS = {"equipment": "设备", "site": "场地", "service": "服务", "process": "工艺"}

SERVICE_TYPES = ["数据模拟", "工艺改进", "样品试制", "检测验证", "小批量试产", "工艺包设计"]

PRICE_UNITS = {
    "hour": "元/小时",
    "day": "元/天",
    "batch": "元/批次",
    "sample": "元/样品",
    "month": "元/月",
    "project": "元/项目",
}
NEGOTIABLE = "面议"

CERTIFICATIONS = ["CNAS", "CMA", "GMP", "ISO 9001", "ISO 14001", "ISO 13485", "ISO 22000", "IATF 16949"]

PLATFORM_STATUSES = {
    "draft": "草稿",
    "submitted": "待审核",
    "approved": "已通过",
    "returned": "退回修改",
    "rejected": "未通过",
    "suspended": "已暂停",
}

OFFERING_STATUSES = {"active": "可提供", "paused": "已暂停", "held": "已被管理员暂停"}

DEMAND_STATUSES = {
    "draft": "草稿",
    "open": "征集中",
    "fulfilled": "已对接完成",
    "withdrawn": "已撤回",
    "expired": "已过期",
    "hidden": "已被管理员隐藏",
}
#: An anonymous demand's firm, for all but the firm, the platforms it contacted and administrators.
ANONYMOUS_FIRM = "某企业（匿名）"

CLEANROOM_CLASSES = [
    "无",
    "万级 (ISO 7)",
    "十万级 (ISO 8)",
    "千级 (ISO 6)",
    "百级 (ISO 5)",
    "D级",
    "C级",
    "B级",
    "A级",
]

TRL_LABELS = {
    1: "1 基本原理",
    2: "2 技术概念",
    3: "3 概念验证",
    4: "4 实验室验证",
    5: "5 相关环境验证",
    6: "6 中试验证",
    7: "7 实际环境示范",
    8: "8 定型试产",
    9: "9 规模化应用",
}


def price_label(amount, unit, negotiable) -> str:
    """Human label for a price: '1,200 元/天' or '面议'."""
    if negotiable or amount is None or unit is None:
        return NEGOTIABLE
    value = f"{amount:,.0f}" if float(amount).is_integer() else f"{amount:,.2f}"
    return f"{value} {PRICE_UNITS.get(unit, unit)}"


# Bookings and orders (bookings/)
BOOKING_KINDS = {"booking": "预约", "order": "服务订单"}
#: What waits for a firm among its bookings (the workbench's to-dos; a filter of "我的预约与订单").
FIRM_BOOKING_TODOS = {"to_confirm": "待确认验收", "to_rate": "待评价", "to_record_outcome": "待填写转化成效"}
BOOKING_STATUSES = {
    "requested": "待受理",
    "accepted": "已确认",
    "declined": "已拒绝",
    "expired": "已过期未受理",
    "cancelled": "已取消",
    "in_progress": "进行中",
    "completed": "已完成待确认",
    "confirmed": "已验收",
    "no_show": "未到场",
}
BOOKING_ACTIONS = {
    "accept": "接受",
    "decline": "拒绝",
    "expire": "过期",
    "cancel": "取消",
    "start": "开始服务",
    "complete": "标记完成",
    "confirm": "确认验收",
    "no_show": "记为未到场",
}
OUTCOMES = {
    "production": "已量产",
    "repeat": "需再次中试",
    "abandoned": "终止",
    "ongoing": "进行中",
}
WEEKDAYS = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]

# Inquiries, proposals and quotes (inquiries/)
INQUIRY_STATUSES = {
    "open": "待回复",
    "accepted": "已接受",
    "declined": "已婉拒",
    "withdrawn": "已撤回",
    "closed": "已结束",
}
INQUIRY_ACTIONS = {"accept": "接受咨询", "decline": "婉拒", "withdraw": "撤回", "close": "结束咨询"}
PROPOSAL_STATUSES = {
    "submitted": "待企业答复",
    "accepted": "已接受（已生成订单）",
    "declined": "未采纳",
    "withdrawn": "已撤回",
    "expired": "已过有效期",
}
PROPOSAL_ACTIONS = {"accept": "接受并下单", "decline": "不采纳", "withdraw": "撤回", "expire": "过期"}
#: The confidentiality undertaking a platform accepts, when the firm asks for it, before a demand's
#: confidential part opens (recorded with time and user).
NDA_TEXT = (
    "本平台承诺：对该企业通过本咨询披露的需求保密信息及附件严格保密，仅用于评估和提供本次中试服务，"
    "未经企业书面同意不向任何第三方披露，不用于其他用途；服务结束或企业要求时删除相关资料。"
)

# Calendars (bookings/calendar.py)
#: A day of an offering's calendar, as a whole.
CALENDAR_DAY_STATES = {
    "free": "可预约",
    "partly": "部分可约",
    "booked": "已约满",
    "blocked": "停用",
    "closed": "不开放",
    "past": "已过",
    "notice": "需提前预约",
}
#: The same, in two characters for a phone's month grid.
CALENDAR_DAY_SHORT = {
    "free": "可约",
    "partly": "部分",
    "booked": "约满",
    "blocked": "停用",
    "closed": "休",
    "past": "已过",
    "notice": "未到",
}
#: A piece of a day (availability.Segment.state).
CALENDAR_SEGMENT_STATES = {"free": "空闲", "booked": "已约满", "blocked": "停用"}
CALENDAR_VIEWS = {"month": "月视图", "week": "周视图"}

# Yearly performance evaluation (evaluation/)
CAMPAIGN_PHASES = {
    "draft": "草稿",
    "self_report": "自评填报中",
    "expert_review": "专家评审中",
    "computed": "结果已计算",
    "published": "已公布",
    "locked": "已锁定",
}
CAMPAIGN_ACTIONS = {
    "open_self_report": "开放自评填报",
    "start_review": "进入专家评审",
    "compute": "计算结果",
    "reopen_review": "退回专家评审",
    "publish": "公布结果",
    "lock": "锁定",
}
#: Where an indicator's value comes from.
INDICATOR_SOURCES = {
    "computed": "平台数据自动计算",
    "self_reported": "平台自评（附佐证）",
    "expert": "专家评分",
}
#: How a value becomes a score of 0-100.
SCORING_RULES = {
    "minmax": "参评平台间极差标准化",
    "target": "对标目标值（封顶满分）",
    "bands": "分档计分",
    "expert": "专家打分（0-100）",
}
SELF_REPORT_STATUSES = {"draft": "未提交", "submitted": "已提交", "returned": "已退回修改"}
SELF_REPORT_ACTIONS = {"submit": "提交自评", "return": "退回修改"}
#: Grades from the highest down; thresholds are per campaign (EvaluationCampaign.grade_thresholds).
GRADES = {"excellent": "优秀", "good": "良好", "pass": "合格", "fail": "不合格"}
EVALUATION_FLAGS = {
    "fail_twice": "连续两年不合格，建议暂停平台",
    "fail": "不合格，需限期整改",
    "no_self_report": "未提交自评",
    "no_expert_scores": "无专家评分（专家指标按 0 分计）",
}

# Typical cases (cases/)
CASE_CATEGORIES = {"service": "中试服务", "solution": "解决方案", "application": "应用案例"}
ROUND_PHASES = {"draft": "草稿", "nominating": "征集推荐中", "reviewing": "专家评审中", "published": "已公布"}
ROUND_ACTIONS = {"open": "开始征集", "start_review": "进入专家评审", "publish": "公布入选案例"}
NOMINATION_STATUSES = {
    "draft": "未提交",
    "submitted": "已推荐",
    "returned": "已退回修改",
    "selected": "入选",
    "not_selected": "未入选",
    "withdrawn": "已撤回",
}
NOMINATION_ACTIONS = {
    "submit": "提交推荐",
    "return": "退回修改",
    "withdraw": "撤回",
    "select": "入选",
    "unselect": "取消入选",
    "not_select": "未入选",
}
#: The experts' rubric for a case, each criterion scored 0-100 (the mean of the four is the case's score).
CASE_CRITERIA = {
    "innovation": "创新性",
    "demonstration": "示范引领",
    "replicability": "可复制推广",
    "effect": "实际成效",
}

# Experts (experts/)
EXPERT_ASSIGNMENT_STATUSES = {"assigned": "待评分", "submitted": "已提交"}
EXPERT_ASSIGNMENT_ACTIONS = {"submit": "提交评分", "reopen": "退回重评"}
CONFLICT_REASONS = {
    "own_org": "专家与该平台属于同一单位",
    "declared": "专家已声明与该平台存在利益冲突",
}

SUBSCRIPTION_KINDS = {
    "search": "保存的搜索",
    "domain": "关注领域",
    "city": "关注城市",
    "platform": "关注平台",
    "demand_matches": "我的需求的新匹配资源",
    "offering_matches": "我的资源的新匹配需求",
    "announcements": "关注通知公告",
    "events": "关注活动",
}
MAIL_FREQUENCIES = {"immediate": "即时邮件", "daily": "每日摘要", "weekly": "每周摘要", "none": "仅站内通知"}
NOTIFICATION_CATEGORIES = {
    "subscription": "订阅推送",
    "service": "业务往来",
    "event": "活动报名",
    "review": "审核与管理",
}
GAP_ACTIONS = {"forward": "推荐给平台", "recruit": "招募平台", "out_of_scope": "不属于中试服务范围"}
#: Every recorded gap action: the three above, and taking back an out-of-scope judgement.
GAP_ACTION_LABELS = GAP_ACTIONS | {"reconsider": "重新纳入"}
FAVOURITE_KINDS = {"offering": "中试资源", "platform": "平台", "demand": "需求"}

#: 通知公告 that administrators publish (plan 四(六)).
ANNOUNCEMENT_KINDS = {"policy": "政策发布", "call": "申报通知", "result": "结果公示", "news": "工作动态"}
ANNOUNCEMENT_STATUSES = {"draft": "草稿", "published": "已发布", "withdrawn": "已撤回"}
#: Events that platforms host (plan 五(五)).
EVENT_KINDS = {
    "competition": "大赛",
    "lecture": "前沿技术讲座",
    "open_day": "开放日",
    "training": "培训",
    "roadshow": "路演对接",
    "other": "其他活动",
}
EVENT_STATUSES = {"draft": "草稿", "published": "报名中", "cancelled": "已取消"}
REGISTRATION_STATUSES = {"registered": "已报名", "cancelled": "已取消报名"}
