"""The demo's typical cases (典型案例遴选), replayed through the real services: last year's round,
finished and published in its December (nominations from several platforms in the three categories,
each citing the platform's own completed bookings, expert rubric reviews, a selection within the
quotas), and this year's round taking nominations, where operator@demo.cn has a draft and
expert@demo.cn is assigned to cases waiting for the review phase."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from .. import vocab
from ..bookings.models import DONE, Booking
from ..cases import services as cases
from ..cases.models import CaseNomination, SelectionRound
from ..core.timeutil import local_today, local_zone, to_local, utcnow
from ..experts.services import conflict_reason
from ..extensions import db
from ..offerings.models import Offering
from ..platforms.models import Platform
from . import themes as demo_themes
from .activity import _operator_of
from .timeline import step, user


@dataclass(frozen=True)
class Case:
    platform: str  #: the nominating platform's ref
    category: str
    title: str
    problem: str  #: "{firm}": the firm of the first evidence booking
    approach: str
    results: str
    keyword: str  #: evidence: completed bookings of offerings whose title has this word
    merit: int  #: about the experts' mean (0-100)


LAST_YEAR = [
    Case(
        "demo-plat-001",
        "service",
        "重组Ⅲ型胶原蛋白 500 L 发酵放大与两步层析纯化中试",
        "{firm}的重组Ⅲ型胶原蛋白在 5 L 罐表达量约 2 g/L，自行放大到 500 L 时溶氧跟不上，表达量跌到 "
        "0.8 g/L；下游纯化收率不足 40%，离客户的供货节点只剩三个月。",
        "平台组织发酵和纯化两个小组驻场：先在 50 L 罐用尾气质谱测摄氧速率，重新设计分段补料和诱导时机；"
        "再在 500 L 不锈钢发酵罐连续运行 3 批，在线记录 pH、溶氧和补料曲线；下游改为阳离子交换加疏水"
        "层析两步纯化，并完成宿主蛋白残留检测，交付批记录和工艺包。",
        "500 L 规模表达量稳定在 2.3 g/L，3 批批间差小于 8%；纯化收率由 38% 提高到 67%，单批产出 0.7 kg。"
        "企业据此完成 5 吨级产线设计，比原计划提前两个月供货，新增年销售收入约 1,800 万元。",
        "发酵",
        88,
    ),
    Case(
        "demo-plat-001",
        "application",
        "单抗 CHO 细胞悬浮培养从 50 L 到 200 L 一次性反应器放大",
        "{firm}的单抗候选分子在 3 L 反应器表达量约 3 g/L，但放大后糖型中高甘露糖比例升高，"
        "非临床研究用原液迟迟无法放行。",
        "平台用 200 L 一次性细胞培养生物反应器做了 2 批对照试验，调整通气策略和补料温度，"
        "在线监测活细胞密度并每日取样分析糖型。",
        "高甘露糖比例由 9.6% 降到 4.1%，表达量 2.8 g/L；原液按期放行，支持企业提交新药临床试验申请。",
        "细胞培养",
        75,
    ),
    Case(
        "demo-plat-005",
        "solution",
        "中药配方颗粒提取浓缩节能降耗整体解决方案",
        "配方颗粒企业普遍采用常压提取加单效浓缩，{firm}每吨饮片蒸汽消耗约 9 吨，"
        "浸膏得率和指标成分转移率批间波动大，难以满足国家药品标准的一致性要求。",
        "平台在多功能提取罐上比较动态逆流提取与常规提取，建立指标成分转移率与得率的在线监控；"
        "浓缩改用 MVR 机械蒸汽再压缩，低温减压保留热敏成分；形成工艺参数范围和设备选型方案，"
        "可供同类企业直接套用。",
        "每吨饮片蒸汽消耗降到 3.2 吨，能耗下降 64%；指标成分转移率由 58%±9% 提高到 71%±3%。"
        "方案已在省内 4 家配方颗粒企业推广，年节约能源费用合计约 1,200 万元。",
        "提取",
        90,
    ),
    Case(
        "demo-plat-005",
        "service",
        "经典名方复方制剂中试放大与质量标准研究",
        "{firm}开发的经典名方复方制剂处方含 9 味药材，小试工艺放大后挥发油损失大，出膏率不稳定。",
        "平台按“基准样品—中试样品”对照开展 3 批中试，优化挥发油提取和包合工艺，建立特征图谱和含量测定方法。",
        "出膏率稳定在 18%±1%，挥发油保留率提高到 85%；完成质量标准草案和 3 批中试样品检验。",
        "提取",
        73,
    ),
    Case(
        "demo-plat-023",
        "solution",
        "工商业储能系统并网测试与安全评估一站式方案",
        "工商业储能项目投运前需要完成并网性能、电池簇一致性和热失控防护的测试，{firm}以往要分送三家"
        "机构、排期两个月以上，影响项目并网。",
        "平台把储能变流器并网测试、电池簇充放电循环和消防联动试验集中在同一场地，按国家标准编制"
        "“一次进场、三项报告”的测试流程，并为企业提供整改建议和复测。",
        "单个项目测试周期由 65 天缩短到 18 天，费用下降约 40%；已服务 11 个工商业储能项目、总容量 "
        "86 MWh，全部一次通过电网公司并网验收。",
        "测试",
        86,
    ),
    Case(
        "demo-plat-024",
        "service",
        "新能源汽车电驱壳体五轴加工工艺验证",
        "{firm}的铝合金电驱壳体壁薄、孔系多，原工艺需 4 次装夹，同轴度超差导致返修率达 12%。",
        "平台用五轴加工中心做工艺验证，设计一次装夹的专用夹具，优化刀具路径和切削参数，并用三坐标"
        "测量机逐件检测关键孔系。",
        "装夹次数由 4 次减为 1 次，单件加工时间由 96 分钟降到 41 分钟，同轴度稳定在 0.015 mm 以内，"
        "返修率降到 1.5%；企业据此新建 2 条产线，年产 15 万件。",
        "加工",
        85,
    ),
    Case(
        "demo-plat-025",
        "application",
        "大型矿用减速机总装调试与满载试验",
        "{firm}研制的 2,000 kW 矿用减速机首台样机交付前必须完成满载试验，企业自有试验台功率不足，"
        "客户验收一再推迟。",
        "平台利用重型装备总装调试场地和背靠背加载试验台，完成 72 小时满载和 110% 超载试验，"
        "同步采集振动、温升和噪声数据，并协助企业分析齿面接触斑点。",
        "样机一次通过客户验收，振动和温升均优于合同指标；企业取得首批 6 台订单、合同额 4,300 万元，"
        "该型号已批量配套省内煤矿。",
        "试验",
        84,
    ),
    Case(
        "demo-plat-026",
        "application",
        "航空发动机燃油喷嘴激光选区熔化一体成形",
        "燃油喷嘴原由 18 个零件钎焊而成，{firm}面临焊缝渗漏和交付周期长达 5 个月的问题。",
        "平台用金属增材设备把喷嘴改为一体化设计并成形，开展热等静压和无损检测，"
        "完成流量特性与耐久试验的试样制备。",
        "零件数由 18 个减为 1 个，重量减轻 25%，交付周期缩短到 6 周；试制件通过用户的流量和耐久考核，"
        "进入小批量试用。",
        "增材",
        91,
    ),
    Case(
        "demo-plat-026",
        "service",
        "注塑模具随形冷却水路增材制造",
        "{firm}的汽车内饰件模具冷却不均，成型周期长、翘曲变形大，传统钻孔水路无法贴合型面。",
        "平台为模具镶件设计随形冷却水路，用金属增材制造成形后精加工，并做模流分析对比验证。",
        "成型周期由 58 秒缩短到 39 秒，翘曲变形减少 60%，单套模具年增产值约 260 万元。",
        "增材",
        83,
    ),
    Case(
        "demo-plat-027",
        "solution",
        "轨道车辆转向架构架焊接残余应力控制方案",
        "转向架构架焊缝多、残余应力大，{firm}等配套企业的疲劳试验一次通过率偏低。",
        "平台对比振动时效和热时效，测定典型焊缝的残余应力分布，形成焊接顺序和时效工艺的推荐参数。",
        "残余应力峰值降低 35%，疲劳试验一次通过率由 70% 提高到 92%。",
        "焊接",
        76,
    ),
    Case(
        "demo-plat-007",
        "solution",
        "硝化反应微通道连续流工艺替代釜式工艺",
        "{firm}的硝化中间体采用间歇釜式工艺，单釜在线物料超过 2 吨，属于重点监管的危险工艺，"
        "面临停产整改要求。",
        "平台在微通道连续流反应器上完成工艺开发：测定反应热和停留时间窗口，设计多点进料和在线温控，"
        "连续运行 200 小时验证稳定性，并出具工艺安全评估所需的数据包。",
        "在线持液量由 2 吨降到 8 升，收率由 86% 提高到 94%，废酸减少 30%；企业完成本质安全化改造，"
        "恢复生产。方案已推广到省内 3 家农药和医药中间体企业。",
        "连续流",
        84,
    ),
    Case(
        "demo-plat-019",
        "service",
        "高镍三元正极材料百公斤级烧结放大",
        "{firm}的高镍正极材料在实验室管式炉性能良好，放大到辊道窑后首次效率下降、批间波动大。",
        "平台在中试烧结线上做了 5 批放大试验，优化升温曲线和氧分压，同步做扣电和软包电芯评价。",
        "首次效率由 86.5% 提高到 90.2%，批间容量波动小于 1.5%；企业据此建成年产 3,000 吨生产线。",
        "烧结",
        80,
    ),
    Case(
        "demo-plat-035",
        "application",
        "益生菌冻干菌粉存活率提升与产业化",
        "{firm}的益生菌冻干粉活菌数只有理论值的 40%，货架期内下降快，无法满足出口订单要求。",
        "平台优化发酵终点和保护剂配方，在冻干机上摸索预冻速率和二次干燥曲线，完成 6 个月加速稳定性考察。",
        "冻干存活率由 40% 提高到 78%，12 个月活菌数保持在标示量以上；企业取得 2 个出口订单，"
        "年新增产值约 900 万元。",
        "冻干",
        81,
    ),
    Case(
        "demo-plat-044",
        "application",
        "高强汽车板控轧控冷工艺中试",
        "{firm}开发的 980 MPa 级汽车板屈强比偏高、冷弯开裂。",
        "平台在中试轧机上做了 12 组控轧控冷试验，调整终轧温度和冷却速率，并完成力学性能和组织分析。",
        "屈强比由 0.88 降到 0.79，冷弯合格率 100%，形成可转入生产线的工艺窗口。",
        "轧",
        73,
    ),
    Case(
        "demo-plat-048",
        "service",
        "合成生物法生产依克多因发酵放大",
        "{firm}的工程菌摇瓶产量可观，但放大到发酵罐后产量下降、副产物增加。",
        "平台完成 50 L 到 500 L 的逐级放大，调整高盐培养条件和补料策略。",
        "500 L 规模产量达到 28 g/L，副产物比例降低一半，企业进入吨级生产准备。",
        "发酵",
        72,
    ),
]
#: How many cases each category selects in last year's round (15 nominations for 10 places).
QUOTAS = {"service": 4, "solution": 3, "application": 3}
#: This year's round: nominations already submitted (waiting for review) and operator@demo.cn's draft.
THIS_YEAR = [
    Case(
        "demo-plat-024",
        "service",
        "机器人减速器壳体精密加工与在线检测",
        "{firm}的减速器壳体轴承孔圆度要求 5 μm，原工艺废品率高。",
        "平台用五轴加工中心优化工艺，增加在机测量和温度补偿。",
        "圆度稳定在 3 μm 以内，废品率由 9% 降到 1%。",
        "加工",
        0,
    ),
    Case(
        "demo-plat-023",
        "application",
        "用户侧储能电站全生命周期安全评估",
        "{firm}运行三年的储能电站电池一致性下降，存在安全隐患。",
        "平台对电池簇做容量、内阻和热失控风险评估，给出分级更换建议。",
        "可用容量恢复到 93%，避免整站更换，节约投资约 600 万元。",
        "测试",
        0,
    ),
]
DRAFT = Case(
    "demo-plat-001",
    "solution",
    "酶制剂发酵液离心超滤一体化收集方案",
    "{firm}的工业酶发酵液采用板框过滤，酶活损失约 20%，劳动强度大。",
    "平台用碟片式连续离心机和切向流超滤系统组合试验，确定离心转速和超滤浓缩倍数。",
    "（待补充：酶活回收率和能耗的对比数据）",
    "离心",
    0,
)
REVIEW_COMMENTS = [
    "问题提炼清楚，数据翔实，具有较强的示范作用。",
    "技术路线合理，成效有量化数据支撑，建议补充推广应用情况。",
    "案例完整，可复制性较好，个别指标的对比基准需要说明。",
    "创新点突出，企业受益明显，建议在全省同类平台推广。",
    "成效数据较充分，但方案的通用性有待进一步验证。",
]


def _evidence(platform: Platform, keyword: str, before: datetime, count: int) -> list[Booking]:
    """The platform's completed work of the year before `before`, of offerings matching `keyword` when
    it has any, newest first."""
    since = datetime(to_local(before).year, 1, 1, tzinfo=local_zone())
    done = list(
        db.session.scalars(
            select(Booking)
            .join(Offering, Offering.id == Booking.offering_id)
            .where(
                Booking.platform_id == platform.id,
                Booking.status.in_(DONE),
                Booking.completed_at < before,
                Booking.completed_at >= since,
                Booking.org_id != platform.org_id,
            )
            .order_by(Booking.completed_at.desc(), Booking.id)
        )
    )
    fitting = [b for b in done if keyword in b.offering.title] or done
    # Firms of the trade the theme serves read best in the case's text (firms book across trades).
    tails = next((t.firms for t in demo_themes.load() if platform.name == platform.city + t.name), [])
    fitting.sort(key=lambda b: not any(b.organization.name.endswith(tail) for tail in tails))
    return fitting[:count]


def _data(case: Case, evidence: list[Booking]) -> dict:
    firm = evidence[0].organization.name if evidence else "企业"
    return {
        "category": case.category,
        "title": case.title,
        "problem": case.problem.format(firm=firm),
        "approach": case.approach,
        "results": case.results,
        "evidence": [b.id for b in evidence],
    }


def _nominate(rnd: SelectionRound, case: Case, moment: datetime, submit: bool, rng) -> CaseNomination | None:
    platform = db.session.scalar(select(Platform).where(Platform.ref == case.platform))
    operator = _operator_of(platform) if platform is not None else None
    evidence = _evidence(platform, case.keyword, moment, rng.choice([1, 2, 3])) if operator else []
    if not evidence:
        return None
    nomination = step(
        moment, lambda: cases.create_nomination(operator, rnd, platform.id, _data(case, evidence))
    )
    if submit:
        step(
            moment + timedelta(hours=rng.randint(2, 50)),
            lambda: cases.submit_nomination(operator, nomination),
        )
    return nomination


def _panel(nomination: CaseNomination, experts, size: int, rng) -> list:
    free = [e for e in experts if conflict_reason(e, nomination.platform) is None]
    return rng.sample(free, min(size, len(free)))


def seed_last_year(admin, experts) -> SelectionRound:
    """Last year's round, from its call in September to its publication in December."""
    rng = random.Random(2025)
    year = local_today().year - 1
    zone = local_zone()

    def at(month, day, hour=10):
        return min(datetime(year, month, day, hour, tzinfo=zone), utcnow() - timedelta(hours=2))

    data = {
        "year": year,
        "title": f"{year} 年度中试典型案例遴选",
        "description": "面向全省认定的中试平台，遴选一批中试服务、解决方案和应用案例，"
        "宣传推广可复制的经验做法。入选案例计入当年平台绩效评价“入选典型案例”指标。",
        "nomination_deadline": at(10, 20).date(),
        "quotas": QUOTAS,
    }
    rnd = step(at(8, 25), lambda: cases.create_round(admin, data))
    step(at(9, 1), lambda: cases.change_phase(admin, rnd, "open"))
    nominations = []
    for index, case in enumerate(LAST_YEAR):
        moment = at(9, 3, 9 + index % 7) + timedelta(days=index * 3)
        nomination = _nominate(rnd, case, moment, True, rng)
        if nomination is not None:
            nominations.append((case, nomination))
    step(at(10, 21), lambda: cases.change_phase(admin, rnd, "start_review"))
    for index, (case, nomination) in enumerate(nominations):
        size = 5 if index % 3 == 0 else rng.choice([3, 4])
        panel = _panel(nomination, experts, size, rng)
        step(at(10, 22), lambda n=nomination, p=panel: cases.assign_experts(admin, n, [e.id for e in p]))
        for review in list(nomination.reviews):
            bias = rng.uniform(-4, 4)
            scores = {
                code: max(0, min(100, round(case.merit + bias + rng.uniform(-6, 6))))
                for code in vocab.CASE_CRITERIA
            }
            comment = rng.choice(REVIEW_COMMENTS)
            step(
                at(10, 24, 9 + rng.randint(0, 8)) + timedelta(days=rng.randint(0, 30)),
                lambda r=review, s=scores, c=comment: cases.save_review(r.expert, r, s, c, submit=True),
            )
    for category, ranked in cases.ranking(rnd).items():
        for item in ranked[: QUOTAS[category]]:
            step(at(12, 2), lambda n=item.nomination: cases.select_nomination(admin, n))
    step(at(12, 10), lambda: cases.change_phase(admin, rnd, "publish"))
    return rnd


def seed_this_year(admin, experts) -> SelectionRound:
    """This year's round, taking nominations until a month from now."""
    rng = random.Random(2026)
    now = utcnow()
    year = local_today().year
    data = {
        "year": year,
        "title": f"{year} 年度中试典型案例遴选",
        "description": "征集本年度中试服务、解决方案和应用案例，请各平台对照已完成的服务推荐。",
        "nomination_deadline": local_today() + timedelta(days=30),
        "quotas": QUOTAS,
    }
    rnd = step(now - timedelta(days=12), lambda: cases.create_round(admin, data))
    step(now - timedelta(days=10), lambda: cases.change_phase(admin, rnd, "open"))
    demo_expert = experts[0]
    for index, case in enumerate(THIS_YEAR):
        nomination = _nominate(rnd, case, now - timedelta(days=8 - 3 * index), True, rng)
        if nomination is not None and conflict_reason(demo_expert, nomination.platform) is None:
            panel = [demo_expert, *_panel(nomination, experts[1:], 2, rng)]
            step(
                now - timedelta(days=2),
                lambda n=nomination, p=panel: cases.assign_experts(admin, n, [e.id for e in p]),
            )
    _nominate(rnd, DRAFT, now - timedelta(days=1), False, rng)
    return rnd


def seed_cases(experts) -> dict[str, int]:
    admin = user("admin@demo.cn")
    last = seed_last_year(admin, experts)
    seed_this_year(admin, experts)
    return {"cases": sum(n.is_selected for n in last.nominations)}
