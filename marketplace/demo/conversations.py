"""The demo's conversations: inquiries in every state, proposals compared side by side on open
demands, quotes on accepted inquiries, the orders they became, and message threads on bookings,
inquiries and proposals; replayed through the real services with the clock set to each step, like
the bookings of `activity.py`, so histories, response times and unread counts look like real use.

The demo accounts get work waiting: operator@demo.cn's platform has unanswered inquiries and a
booking request, firm@demo.cn has proposals to compare, completed work to confirm and unread messages."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from .. import signals
from ..accounts.models import Role, User
from ..bookings import services as bookings
from ..bookings.models import Booking, BookingStatus
from ..core.errors import DomainError
from ..core.models import AuditLog
from ..core.timeutil import clock_at, local_today, local_zone, to_local, utcnow
from ..demands import services as demands
from ..demands.models import Demand, DemandStatus
from ..extensions import db
from ..inquiries import services as inquiries
from ..inquiries.models import Inquiry, Proposal, ProposalStatus
from ..messaging import services as messaging
from ..messaging.models import Message
from ..offerings.models import Offering
from ..platforms.models import Platform
from .activity import COMMENTS, NOTES, OUTCOME_NOTES, REPLIES, REPORTS, _operator_of, _replay, _window

# ---------------------------------------------------------------- texts

#: Two more needs of the demo firm (its first one comes from the catalogue's themes), so it has
#: several open demands with proposals to compare.
DEMO_FIRM_DEMANDS = [
    {
        "title": "CHO 细胞表达单抗从 50 L 放大到 500 L 的工艺验证",
        "description": "我司一款单克隆抗体已在 50 L 一次性反应器完成三批补料分批培养，表达量约 3 g/L。"
        "计划放大到 500 L 做两批工艺验证并完成一步亲和层析，"
        "需要有细胞培养和纯化放大经验的平台，输出批记录和质量数据。",
        "kinds": ["equipment", "service"],
        "budget_max": 800000,
        "days_ago": 48,
    },
    {
        "title": "重组酶制剂超滤浓缩与冻干工艺中试",
        "description": "发酵液已澄清，酶活约 8000 U/mL。需要切向流超滤浓缩 10 倍并冻干成粉，"
        "考察酶活回收率和三个月加速稳定性，希望三个月内完成并出具检测报告。",
        "kinds": ["equipment", "service"],
        "budget_max": 300000,
        "days_ago": 95,
    },
]
PROPOSAL_TITLES = ["{t}中试方案", "关于“{t}”的放大方案与报价", "{t}：工艺验证服务方案"]
PROPOSAL_SCOPES = [
    "依托本平台{c}等能力，分三阶段实施：①复核小试工艺并确认关键参数；②中试放大 {n} 批，"
    "关键参数在线记录；③整理数据并评估放大风险，给出量产建议。",
    "先做一批工程批摸索工艺窗口，再连续 {n} 批验证，全程由平台工程师操作、贵司人员可驻场；"
    "所用平台能力：{c}。",
    "按贵司需求定制：技术交底与物料确认（1 周）→ 中试放大 {n} 批 → 检测与报告。平台能力：{c}。",
]
DELIVERABLES = [
    "批生产记录、工艺参数表、中试总结报告",
    "批记录、第三方检测报告（CNAS）、放大风险评估与量产建议",
    "中试样品、原始数据、工艺包（含关键参数范围）",
    "工艺验证报告、检测报告、设备运行记录",
]
DECLINE_PROPOSAL = [
    "报价超出本项目预算。",
    "周期较长，赶不上客户验证节点。",
    "方案未包含所需的质量检测项目。",
]
OTHERS_CHOSEN = "已选择其他平台的方案，感谢贵平台的支持，期待今后合作。"
WITHDRAW_REASON = "设备排期调整，撤回方案，档期确定后再与贵司联系。"
INQUIRY_SUBJECTS = {
    "process": "“{t}”技术许可咨询",
    "service": "“{t}”排期与报价咨询",
    "other": "“{t}”使用咨询",
}
INQUIRY_BODIES = {
    "process": "我司计划引进该工艺，请介绍技术许可方式、许可费用区间、是否提供现场技术指导和试车支持。",
    "service": "我们有一批样品需要做这项服务，数量约 {n} 批，请问近期排期和报价？能否出具正式报告？",
    "other": "想了解近期的空档和长期使用的优惠，能否安排我方工程师进场一起操作？",
}
WITH_DEMAND = "项目背景见所附需求“{t}”，希望先电话沟通技术细节。"
DECLINE_INQUIRY = [
    "该工艺目前只面向合作企业许可，暂不对外。",
    "未来三个月排期已满，建议明年一季度再联系。",
    "所需规模超出本平台设备能力，建议联系省内其他平台。",
]
QUOTE_SCOPES = {
    "process": "技术许可（非独占，山东省内），含工艺包、现场指导 2 次和试车支持。",
    "other": "按咨询内容提供服务，平台工程师全程操作，样品和数据交付贵司。",
}
#: (firm, platform) exchanges on a booking, an inquiry or a proposal thread.
TALK = {
    "booking": [
        (
            "样品已经寄出，顺丰单号稍后发您，预计后天到，麻烦注意查收。",
            "收到，样品到了我们先做外观和含量复核，有异常第一时间联系您。",
        ),
        (
            "请问进场前需要准备哪些资料？我们这次去两名工程师。",
            "请提前一天发来人员名单、物料清单和安全资料，进场当天先做半小时安全培训。",
        ),
        (
            "能否把开始时间提前到上午八点半？当天想多跑一个批次。",
            "可以，设备前一天晚上完成清洗验证，八点半可以开始。",
        ),
        (
            "原始数据和运行曲线什么时候可以拿到？",
            "试验结束后两个工作日内上传到本页附件，纸质版随报告一起寄出。",
        ),
        (
            "报告里有几项数据和我们内部测试偏差较大，能否一起分析一下原因？",
            "我们复核了记录，主要是样品前处理方式不同，明天上午可以开电话会细谈。",
        ),
        (
            "我们的样品和工装比较重，平台有卸货平台和叉车吗？",
            "有 3 吨叉车和卸货平台，到货前半小时联系门卫即可，到货后我们拍照确认。",
        ),
        (
            "发票请开增值税专用发票，抬头和税号已经发到平台邮箱。",
            "好的，财务已登记，验收后三个工作日内开出。",
        ),
    ],
    "inquiry": [
        (
            "补充一下：我们明年计划量产，希望先做一轮小批量验证。",
            "了解，按这个规模建议先在中试装置上做两批，我们整理一份初步方案发给您。",
        ),
        (
            "许可方式可以是独占许可吗？后续工艺升级是否包含在内？",
            "可以谈区域独占许可；许可期内的工艺改进会同步给贵司，具体写进合同。",
        ),
        ("能否安排我们下周去平台现场看一下设备？", "欢迎，周三或周四下午都可以，来时请带身份证在门卫登记。"),
        (
            "报价里能否再加上第三方检测？客户要求 CNAS 报告。",
            "可以，第三方检测每批增加约 1800 元，我们更新报价后发给您。",
        ),
        ("技术资料包稍后上传，请仅限项目组查阅。", "收到，资料仅限项目组三人查阅，评估完成后按约定删除。"),
    ],
    "proposal": [
        (
            "报价是否包含过程检测和成品检测的费用？",
            "包含每批的放行检测，不含稳定性研究；如需稳定性考察可另行报价。",
        ),
        (
            "周期能否压缩到六周以内？我们的客户验证节点比较紧。",
            "如果原料能在下单后一周内到位，可以安排双班运行，周期压缩到六周左右。",
        ),
        (
            "放大批次能否由三批改为两批？费用怎么调整？",
            "可以改为两批，费用相应下调约三成，但建议保留一批确认批以降低风险。",
        ),
        ("付款方式能否按节点分期？", "可以，签约付 30%，中试完成付 50%，报告交付后付 20%。"),
        (
            "贵平台做过类似产品的放大吗？能否提供案例参考？",
            "去年完成过两个同类品种的放大，脱敏后的案例介绍可以在现场交流时提供。",
        ),
    ],
}
THANKS = ["好的，谢谢，就按这个安排。", "明白了，我们内部确认后回复您。", "收到，辛苦了！"]
#: What is waiting for the demo accounts when they log in (unread: the other side wrote last).
NUDGE_FIRM = "补充说明：如贵司能在本月内确认，我们可以优先安排档期，并免费增加一次中间体检测。"
NUDGE_PLATFORM = "您好，想确认一下是否收到我们的咨询？我们下周要定方案，方便的话先电话沟通。"


# ---------------------------------------------------------------- replaying


def _at(moment: datetime, action: Callable[..., Any], *args, **kwargs) -> Any:
    """Run `action(*args, **kwargs)` with the clock at `moment` and return its result (True for
    None); None when `moment` is still ahead: history stops today, leaving the subject in the state
    it has reached."""
    if moment > utcnow():
        return None
    with clock_at(moment):
        result = action(*args, **kwargs)
    return True if result is None else result


def _try(moment: datetime, action: Callable[..., Any], *args, **kwargs) -> Any:
    """`_at`, where a refusal (the replayed past did not allow it) means it did not happen: None."""
    try:
        return _at(moment, action, *args, **kwargs)
    except DomainError:
        return None


def _phones(rng: random.Random) -> None:
    """Every demo person gets a mobile number, shown to the other side once an inquiry, booking or
    order is accepted."""
    for user in db.session.scalars(
        select(User).where(User.email.like("%@demo.cn"), User.phone.is_(None)).order_by(User.id)
    ):
        user.phone = f"1{rng.choice('3589')}{rng.randint(100000000, 999999999)}"


def _backdate_demands(rng: random.Random, now: datetime) -> None:
    """The imported needs were published over the last months, not all at once today (their
    publication and its audit record), so inquiries and proposals about them come after."""
    for demand in db.session.scalars(select(Demand).where(Demand.status == DemandStatus.OPEN)):
        moment = now - timedelta(days=rng.randint(20, 240), hours=rng.randint(0, 10))
        demand.created_at = demand.published_at = demand.status_changed_at = demand.updated_at = moment
    db.session.flush()
    moments = {d.id: d.published_at for d in db.session.scalars(select(Demand))}
    for entry in db.session.scalars(select(AuditLog).where(AuditLog.object_type == "demand")):
        if entry.object_id in moments:
            entry.at = moments[entry.object_id]


def _demo_firm_demands(firm: User, now: datetime) -> list[Demand]:
    today = local_today()
    created = []
    for spec in DEMO_FIRM_DEMANDS:
        data = {k: v for k, v in spec.items() if k != "days_ago"}
        data.update(
            domains=["生物医药"],
            trl=6,
            window_start=today + timedelta(days=20),
            window_end=today + timedelta(days=150),
            city_preference=["济南", "青岛"],
            confidential_detail="细胞株来源、培养基配方和质量标准，签署保密协议后提供。",
        )
        moment = now - timedelta(days=spec["days_ago"])
        with clock_at(moment):
            created.append(demands.create_demand(firm, data, publish=True))
    return created


# ---------------------------------------------------------------- orders


def _play_order(rng, order: Booking, operator: User, firm: User, accepted: datetime, lead_days: int):
    """An order from an accepted proposal or quote: started, completed, confirmed, rated and its
    outcome recorded as far as the calendar has got; a few are cancelled before work starts."""
    started = accepted + timedelta(days=rng.randint(3, 10), hours=rng.randint(0, 6))
    if rng.random() < 0.08:
        _at(
            accepted + timedelta(days=2),
            bookings.transition,
            firm,
            order,
            "cancel",
            "客户项目延期，暂缓实施。",
        )
        return
    if not _at(started, bookings.transition, operator, order, "start"):
        return
    finished = started + timedelta(days=max(7, int((lead_days or 30) * rng.uniform(0.7, 1.1))))
    if not _at(finished, bookings.complete, operator, order, rng.choice(REPORTS)):
        return
    if not _at(
        finished + timedelta(days=rng.randint(0, 4), hours=2),
        bookings.transition,
        firm,
        order,
        "confirm",
    ):
        return
    if rng.random() < 0.8:
        rating = rng.choices([5, 4, 3, 2], weights=[50, 35, 10, 5])[0]
        rated = order.confirmed_at + timedelta(hours=rng.randint(2, 40))
        if rated <= utcnow():
            with clock_at(rated):
                entry = bookings.review(firm, order, rating, rng.choice(COMMENTS[rating]))
            if rng.random() < 0.5:
                reply = rng.choice(REPLIES)
                _at(rated + timedelta(days=1), bookings.reply_to_review, operator, entry, reply)
    if rng.random() < 0.7:
        outcome = rng.choices(list(OUTCOME_NOTES), weights=[30, 25, 35, 10])[0]
        _at(
            order.confirmed_at + timedelta(days=rng.randint(10, 60)),
            bookings.record_outcome,
            firm,
            order,
            outcome,
            OUTCOME_NOTES[outcome],
        )


# ---------------------------------------------------------------- the replay


class _Replay:
    """What every step needs: the random source, the people, the places and what was made."""

    def __init__(self, rng: random.Random, now: datetime):
        self.rng = rng
        self.now = now
        self.counts: Counter[str] = Counter()
        self.firms = list(
            db.session.scalars(
                select(User).where(User.role == Role.FIRM, User.email.like("firm%@demo.cn")).order_by(User.id)
            )
        )
        self.demo_firm = next(u for u in self.firms if u.email == "firm@demo.cn")
        self.platforms = list(
            db.session.scalars(select(Platform).where(Platform.is_public).order_by(Platform.id))
        )
        self.demo_platform = next(p for p in self.platforms if _operator_of(p).email == "operator@demo.cn")
        self._operators: dict[int, User] = {}
        self._offerings: dict[int, list[Offering]] = {}
        #: (subject, thread kind, firm person, platform person, when the conversation may start)
        self.threads: list[tuple[object, str, User, User, datetime]] = []

    def operator(self, platform: Platform) -> User:
        if platform.id not in self._operators:
            self._operators[platform.id] = _operator_of(platform)
        return self._operators[platform.id]

    def offerings(self, platform: Platform) -> list[Offering]:
        if platform.id not in self._offerings:
            self._offerings[platform.id] = inquiries.public_offerings(platform)
        return self._offerings[platform.id]

    def firm_of(self, org_id: int) -> User:
        return next(u for u in self.firms if u.org_id == org_id)

    def platforms_for(self, demand: Demand, count: int, exclude: set[int] = frozenset()) -> list[Platform]:
        """`count` platforms working in the demand's domains (others when too few do)."""
        domains = set(demand.domains)
        near = [p for p in self.platforms if set(p.domains) & domains and p.id not in exclude]
        chosen = self.rng.sample(near, min(count, len(near)))
        others = [p for p in self.platforms if p not in chosen and p.id not in exclude]
        return chosen + self.rng.sample(others, count - len(chosen))

    def moment_between(self, start: datetime, end: datetime) -> datetime:
        return start + (end - start) * self.rng.random()


def _round_price(amount: float) -> float:
    step = 1000 if amount < 200_000 else 10_000
    return float(max(step, round(amount / step) * step))


def _local_date(moment: datetime):
    return to_local(moment).date()


def _expire_after(valid_until, rng: random.Random) -> None:
    """The hourly job that expires proposals past their validity, run the morning after."""
    moment = datetime.combine(
        valid_until + timedelta(days=1), time(rng.randint(0, 2), 7), tzinfo=local_zone()
    )
    _at(moment, inquiries.expire_proposals)


# ---------------------------------------------------------------- inquiries and quotes

#: How an inquiry older than a few days ends (weights); recent ones mostly still wait for an answer.
INQUIRY_ENDINGS = [("accepted", 22), ("quoted", 28), ("closed", 22), ("declined", 15), ("withdrawn", 8)]


def _inquiry_kind(offering: Offering) -> str:
    return offering.kind if offering.kind in ("process", "service") else "other"


def _send_inquiry(r: _Replay, firm: User, platform: Platform, offering: Offering, demand, moment, nda=False):
    kind = _inquiry_kind(offering)
    body = INQUIRY_BODIES[kind].format(n=r.rng.randint(2, 6))
    if demand is not None:
        body += WITH_DEMAND.format(t=demand.title)
    inquiry = _try(
        moment,
        inquiries.send_inquiry,
        firm,
        platform=platform,
        subject=INQUIRY_SUBJECTS[kind].format(t=offering.title)[:200],
        body=body,
        offering=offering,
        demand=demand,
        requires_nda=nda,
    )
    if inquiry is not None:
        r.counts["inquiries"] += 1
    return inquiry


def _inquiry(
    r: _Replay, firm: User, platform: Platform, demand: Demand | None, created: datetime, ending: str
):
    rng = r.rng
    offerings = r.offerings(platform)
    if not offerings:
        return
    weights = [4 if o.is_negotiable else 3 if o.kind == "service" else 1 for o in offerings]
    offering = rng.choices(offerings, weights)[0]
    inquiry = _send_inquiry(
        r, firm, platform, offering, demand, created, nda=demand is not None and rng.random() < 0.5
    )
    if inquiry is None:
        return
    operator = r.operator(platform)
    answered = created + timedelta(hours=rng.choice([1, 2, 3, 5, 8, 20, 30, 50]))
    if ending == "open":
        if rng.random() < 0.3:
            r.threads.append((inquiry, "inquiry", firm, operator, created))
        return
    if ending == "withdrawn":
        _at(
            created + timedelta(hours=rng.randint(4, 30)),
            inquiries.transition_inquiry,
            firm,
            inquiry,
            "withdraw",
        )
        return
    if ending == "declined":
        reason = rng.choice(DECLINE_INQUIRY)
        _at(answered, inquiries.transition_inquiry, operator, inquiry, "decline", reason)
        return
    if not _at(
        answered, inquiries.transition_inquiry, operator, inquiry, "accept", accept_nda=inquiry.requires_nda
    ):
        return
    if rng.random() < 0.6:
        r.threads.append((inquiry, "inquiry", firm, operator, answered))
    if ending == "quoted":
        _quote(
            r, inquiry, firm, operator, answered + timedelta(days=rng.randint(1, 5), hours=rng.randint(0, 6))
        )
    elif ending == "closed":
        closer = rng.choice([firm, operator])
        _at(
            answered + timedelta(days=rng.randint(5, 40)),
            inquiries.transition_inquiry,
            closer,
            inquiry,
            "close",
        )


def _quote(r: _Replay, inquiry: Inquiry, firm: User, operator: User, moment: datetime) -> None:
    """The platform quotes on the accepted inquiry; the firm accepts (an order), declines, or lets it
    lapse; recent quotes still wait."""
    rng = r.rng
    offering = inquiry.offering
    if offering.is_negotiable:
        price = _round_price(rng.randint(150_000, 1_200_000))
    else:
        price = _round_price(offering.price_amount * rng.randint(3, 12))
    lead = rng.randint(3, 18) * 5
    data = {
        "title": f"{offering.title}报价"[:200],
        "scope": QUOTE_SCOPES["process" if offering.kind == "process" else "other"],
        "deliverables": rng.choice(DELIVERABLES),
        "price_amount": price,
        "lead_time_days": lead,
        "valid_until": _local_date(moment) + timedelta(days=rng.randint(20, 45)),
    }
    quote = _try(moment, inquiries.submit_quote, operator, inquiry, data)
    if quote is None:
        return
    r.counts["proposals"] += 1
    decided = moment + timedelta(days=rng.randint(1, 12), hours=rng.randint(0, 8))
    fate = rng.choices(["accept", "decline", "lapse"], weights=[55, 25, 20])[0]
    if fate == "decline":
        reason = rng.choice(DECLINE_PROPOSAL)
        _at(decided, inquiries.transition_proposal, firm, quote, "decline", reason)
    elif fate == "accept":
        _accept(r, quote, firm, operator, decided)
    else:
        _expire_after(quote.valid_until, rng)


def _accept(r: _Replay, proposal: Proposal, firm: User, operator: User, moment: datetime, others_reason=None):
    """The firm accepts (declining the other waiting proposals on the demand with one reason when
    given): an order, which then runs its course."""
    if others_reason:
        order = _try(moment, inquiries.accept_and_decline_others, firm, proposal, others_reason)
    else:
        order = _try(moment, inquiries.transition_proposal, firm, proposal, "accept")
    if order is None:
        return None
    r.counts["orders"] += 1
    if r.rng.random() < 0.5:
        r.threads.append((order, "booking", firm, operator, moment))
    _play_order(r.rng, order, operator, firm, moment, proposal.lead_time_days)
    return order


def _inquiries(r: _Replay, count: int) -> None:
    """`count` inquiries over the year from many firms to many platforms, a share about a demand."""
    rng, now = r.rng, r.now
    year_ago = now - timedelta(days=360)
    open_demands = {}
    for demand in db.session.scalars(select(Demand).where(Demand.is_open).order_by(Demand.id)):
        open_demands.setdefault(demand.org_id, []).append(demand)
    for _ in range(count):
        firm = r.demo_firm if rng.random() < 0.1 else rng.choice(r.firms)
        demand = None
        if rng.random() < 0.4 and open_demands.get(firm.org_id):
            demand = rng.choice(open_demands[firm.org_id])
            platform = r.platforms_for(demand, 1)[0]
            created = r.moment_between(max(demand.published_at + timedelta(days=1), year_ago), now)
        else:  # mostly a platform of the firm's own field
            own = open_demands.get(firm.org_id)
            platform = (
                r.platforms_for(own[0], 1)[0] if own and rng.random() < 0.8 else rng.choice(r.platforms)
            )
            created = r.moment_between(year_ago, now)
        if created > now - timedelta(days=5):
            ending = "open" if rng.random() < 0.7 else rng.choice(["accepted", "declined", "withdrawn"])
        else:
            ending = rng.choices(*zip(*INQUIRY_ENDINGS, strict=True))[0]
        _inquiry(r, firm, platform, demand, created, ending)


# ---------------------------------------------------------------- proposals on open demands

#: What became of a demand's proposals (weights): the firm chose one, is still comparing them,
#: is comparing what remains after a withdrawal and a lapse, or let them all lapse.
ROUNDS = [("decided", 50), ("waiting", 25), ("mixed", 15), ("lapsed", 10)]


def _proposal_data(r: _Replay, demand: Demand, platform: Platform, moment: datetime, valid_days: int) -> dict:
    rng = r.rng
    budget = demand.budget_max or 300_000
    offerings = [o for o in r.offerings(platform) if set(o.domains) & set(demand.domains)]
    return {
        "title": rng.choice(PROPOSAL_TITLES).format(t=demand.title)[:200],
        "scope": rng.choice(PROPOSAL_SCOPES).format(
            c=platform.capabilities or "中试放大", n=rng.choice([2, 3])
        ),
        "deliverables": rng.choice(DELIVERABLES),
        "price_amount": _round_price(budget * rng.uniform(0.55, 1.15)),
        "lead_time_days": rng.randint(6, 24) * 5,
        "valid_until": _local_date(moment) + timedelta(days=valid_days),
        "offering_id": rng.choice(offerings).id if offerings and rng.random() < 0.7 else None,
    }


def _propose(r: _Replay, demand: Demand, platform: Platform, moment: datetime, valid_days: int):
    data = _proposal_data(r, demand, platform, moment, valid_days)
    operator = r.operator(platform)
    proposal = _try(moment, inquiries.submit_proposal, operator, platform, demand, data)
    if proposal is not None:
        r.counts["proposals"] += 1
    return proposal


def _round(r: _Replay, demand: Demand, plan: str, platforms: list[Platform], start: datetime) -> None:
    """Platforms propose on the demand one after another from `start`; then the plan's course."""
    rng, firm = r.rng, r.firm_of(demand.org_id)
    proposals, moment = [], start
    for index, platform in enumerate(platforms):
        moment += timedelta(days=rng.randint(0, 3), hours=rng.randint(1, 20))
        valid_days = rng.randint(30, 60)
        if plan == "lapsed" or (plan == "mixed" and index == 1):
            valid_days = rng.randint(4, 10)
        proposal = _propose(r, demand, platform, min(moment, r.now - timedelta(hours=2)), valid_days)
        if proposal is not None:
            proposals.append(proposal)
            if rng.random() < 0.35:
                r.threads.append((proposal, "proposal", firm, r.operator(platform), proposal.created_at))
    if not proposals:
        return
    if plan in ("mixed", "lapsed"):
        if plan == "mixed" and len(proposals) > 2:
            withdrawn = proposals[2]
            operator = r.operator(withdrawn.platform)
            _at(
                withdrawn.created_at + timedelta(days=2),
                inquiries.transition_proposal,
                operator,
                withdrawn,
                "withdraw",
                WITHDRAW_REASON,
            )
        for proposal in proposals:
            if proposal.status == ProposalStatus.SUBMITTED and proposal.valid_until < local_today():
                _expire_after(proposal.valid_until, rng)
        return
    if plan == "waiting":
        return
    decided = max(p.created_at for p in proposals) + timedelta(
        days=rng.randint(2, 10), hours=rng.randint(0, 6)
    )
    if rng.random() < 0.25 and len(proposals) > 2:  # one platform withdrew before the firm chose
        withdrawn = proposals.pop()
        operator = r.operator(withdrawn.platform)
        _at(
            withdrawn.created_at + timedelta(days=1),
            inquiries.transition_proposal,
            operator,
            withdrawn,
            "withdraw",
            WITHDRAW_REASON,
        )
    winner = rng.choice(proposals)
    if rng.random() < 0.5:  # one reason for all the others
        order = _accept(r, winner, firm, r.operator(winner.platform), decided, OTHERS_CHOSEN)
    else:  # each declined with its own reason, then the choice
        for other in proposals:
            if other is not winner:
                reason = rng.choice(DECLINE_PROPOSAL)
                _try(
                    decided - timedelta(hours=rng.randint(1, 20)),
                    inquiries.transition_proposal,
                    firm,
                    other,
                    "decline",
                    reason,
                )
        order = _accept(r, winner, firm, r.operator(winner.platform), decided)
    if order is not None and order.status == BookingStatus.CONFIRMED and rng.random() < 0.5:
        _try(order.confirmed_at + timedelta(days=1), demands.transition, firm, demand, "fulfil")


def _proposals(r: _Replay, count: int, demo_demands: list[Demand]) -> None:
    """Proposal rounds on `count` open demands of other firms, and on the demo firm's demands: one it
    is still comparing (the demo operator's platform among the proposers), one with a withdrawn and a
    lapsed proposal beside those waiting, one decided (an order under way)."""
    rng, now = r.rng, r.now
    first, second, third = demo_demands
    demo = r.demo_platform
    _round(r, first, "waiting", [demo, *r.platforms_for(first, 3, {demo.id})], now - timedelta(days=9))
    _round(r, second, "mixed", r.platforms_for(second, 4, {demo.id}), now - timedelta(days=20))
    _round(r, third, "decided", r.platforms_for(third, 3, {demo.id}), third.published_at + timedelta(days=3))
    others = db.session.scalars(
        select(Demand).where(Demand.is_open, Demand.org_id != r.demo_firm.org_id).order_by(Demand.id)
    ).all()
    for demand in rng.sample(others, min(count, len(others))):
        plan = rng.choices(*zip(*ROUNDS, strict=True))[0]
        if plan == "waiting":
            start = now - timedelta(days=rng.randint(3, 14))
        else:
            start = r.moment_between(demand.published_at + timedelta(days=1), now - timedelta(days=20))
        _round(r, demand, plan, r.platforms_for(demand, rng.choice([3, 4])), start)


# ---------------------------------------------------------------- message threads


def _post(author: User, subject, body: str, moment: datetime) -> bool:
    return _at(moment, messaging.post_message, author, subject, body)


def _thread(r: _Replay, subject, kind: str, firm: User, operator: User, start: datetime) -> None:
    """2-6 messages alternating sides (the firm opens), a few hours to a day apart. Whoever was
    written to reads it, except that the demo accounts have last week's messages still unread."""
    rng = r.rng
    lines: list[tuple[User, str]] = []
    for question, answer in rng.sample(TALK[kind], rng.choice([1, 1, 2, 2, 3])):
        lines += [(firm, question), (operator, answer)]
    if len(lines) < 6 and rng.random() < 0.3:
        lines.append((firm, rng.choice(THANKS)))
    moment = start
    last = None
    for author, body in lines:
        moment += timedelta(hours=rng.randint(1, 26), minutes=rng.randint(0, 59))
        if not _post(author, subject, body, moment):
            break
        r.counts["messages"] += 1
        last = author
    if last is None:
        return
    reader = operator if last is firm else firm
    if reader.email in ("firm@demo.cn", "operator@demo.cn") and moment > r.now - timedelta(days=7):
        return  # news for the demo account
    messaging.mark_read(reader, subject)


def _threads(r: _Replay) -> None:
    """Threads on a share of bookings (those that went ahead), and on the inquiries, proposals and
    orders the replay picked."""
    rng = r.rng
    went_ahead = (
        BookingStatus.ACCEPTED,
        BookingStatus.IN_PROGRESS,
        BookingStatus.COMPLETED,
        BookingStatus.CONFIRMED,
    )
    for booking in db.session.scalars(
        select(Booking).where(Booking.kind == "booking", Booking.status.in_(went_ahead)).order_by(Booking.id)
    ):
        if rng.random() < 0.1 or (booking.org_id == r.demo_firm.org_id and rng.random() < 0.4):
            firm = booking.requested_by
            r.threads.append((booking, "booking", firm, r.operator(booking.platform), booking.created_at))
    for subject, kind, firm, operator, start in r.threads:
        _thread(r, subject, kind, firm, operator, start)


# ---------------------------------------------------------------- work waiting for the demo accounts


def _waiting_work(r: _Replay) -> None:
    """operator@demo.cn: inquiries from other firms waiting for an answer (one past the response
    target, one about a demand with a 保密承诺 to accept) and a fresh booking request; firm@demo.cn:
    completed work to confirm, and news from platforms on the proposals it is comparing."""
    rng, now, platform = r.rng, r.now, r.demo_platform
    offerings = r.offerings(platform)
    askers = [f for f in r.firms if f is not r.demo_firm]
    services_first = sorted(offerings, key=lambda o: (not o.is_negotiable, o.kind != "service"))
    asked = 0
    for hours in (3, 18, 40):
        firm = rng.choice(askers)
        demand = db.session.scalar(
            select(Demand).where(Demand.org_id == firm.org_id, Demand.is_open).limit(1)
        )
        with_demand = demand if hours == 40 else None
        offering = services_first[asked % 2]
        inquiry = _send_inquiry(
            r, firm, platform, offering, with_demand, now - timedelta(hours=hours), nda=bool(with_demand)
        )
        if inquiry is not None:
            asked += 1
            if hours == 40:
                _post(firm, inquiry, NUDGE_PLATFORM, now - timedelta(hours=2))
                r.counts["messages"] += 1
    # A booking request sent this morning, for the operator to accept or decline.
    for offering in [o for o in offerings if o.is_bookable and not o.auto_confirm]:
        day = local_today() + timedelta(days=rng.randint(6, 12))
        start, end = _window(rng, offering, day)
        firm = rng.choice(askers)
        note = rng.choice(NOTES)
        if _try(now - timedelta(hours=5), bookings.request_booking, firm, offering, start, end, 1, note):
            break
    # Completed work the demo firm has not confirmed yet (the platform reported it a day or two ago).
    waiting = db.session.scalar(
        select(Booking.id).where(
            Booking.org_id == r.demo_firm.org_id,
            Booking.status == BookingStatus.COMPLETED,
            Booking.completed_at > now - timedelta(days=5),
        )
    )
    if waiting is None:
        for offering in db.session.scalars(
            select(Offering).where(Offering.is_bookable, Offering.is_public).order_by(Offering.id)
        ):
            start, end = _window(rng, offering, local_today() - timedelta(days=3))
            done = _replay(rng, offering, r.operator(offering.platform), r.demo_firm, start, end, "completed")
            if done is not None and done.status == BookingStatus.COMPLETED:
                break
    # Platforms comparing with others write to the demo firm about their waiting proposals.
    comparing = db.session.scalars(
        select(Proposal)
        .where(
            Proposal.org_id == r.demo_firm.org_id,
            Proposal.status == ProposalStatus.SUBMITTED,
            ~select(Message.id)
            .where(Message.thread_type == "proposal", Message.thread_id == Proposal.id)
            .exists(),
        )
        .order_by(Proposal.id)
        .limit(2)
    ).all()
    for hours, proposal in zip((6, 26), comparing, strict=False):
        _post(r.operator(proposal.platform), proposal, NUDGE_FIRM, now - timedelta(hours=hours))
        r.counts["messages"] += 1


def seed_conversations(seed: int = 2024, inquiries_count: int = 160, rounds: int = 40) -> dict[str, int]:
    """Inquiries, proposals, quotes, orders and message threads over the demo's year, after
    `activity.seed_activity`; the caller commits."""
    rng = random.Random(seed)
    now = utcnow()
    with signals.notice.muted():  # nobody is told about a replayed year
        _phones(rng)
        _backdate_demands(rng, now)
        r = _Replay(rng, now)
        demo_demands = [
            db.session.scalar(
                select(Demand).where(Demand.org_id == r.demo_firm.org_id).order_by(Demand.id).limit(1)
            ),
            *_demo_firm_demands(r.demo_firm, now),
        ]
        _proposals(r, rounds, demo_demands)
        _inquiries(r, inquiries_count)
        _threads(r)
        _waiting_work(r)
        _at(now, inquiries.expire_proposals)  # what the hourly job would find now
    db.session.flush()
    return {k: r.counts[k] for k in ("inquiries", "proposals", "orders", "messages")}
