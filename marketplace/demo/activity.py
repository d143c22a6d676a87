"""A believable year of marketplace activity for the demo: firms' people, booking settings, blocked
periods, and bookings in every state, replayed through the real services with the clock set to each
step's moment, so audit trails, response times, ratings and outcomes look like a year of use."""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, time, timedelta

from sqlalchemy import func, select

from .. import signals
from ..accounts.models import Organization, Role, User
from ..bookings import services as bookings
from ..bookings.availability import WHOLE_DAY_UNITS
from ..bookings.models import Booking, Outcome
from ..core.errors import DomainError
from ..core.timeutil import clock_at, local_today, local_zone, utcnow
from ..extensions import db
from ..offerings.models import Offering
from ..platforms.models import Platform

FIRM_TITLES = ["研发部经理", "技术总监", "工艺工程师", "项目经理", "质量部主管"]
SURNAMES = "王李张刘陈杨赵黄周吴孙马朱胡郭何高林罗郑梁谢宋唐"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚"
NOTES = [
    "样品约 20 kg，需提前一天进场调试。",
    "希望安排经验丰富的操作人员配合，我方派两名工程师到场。",
    "请提供设备运行记录和原始数据。",
    "涉及客户配方，进场人员签署保密协议。",
    "",
]
REPORTS = [
    "已按方案完成试验，批记录和检测数据已上传，关键参数达到预期。",
    "完成全部批次运行，收率略低于目标，附改进建议。",
    "试验按计划完成，设备运行平稳，原始数据已交付企业。",
]
COMMENTS = {
    5: ["响应很快，技术人员专业，数据完整。", "设备状态好，服务周到，下次还会合作。"],
    4: ["整体满意，报告出得稍慢。", "服务专业，现场配合顺利。"],
    3: ["基本满足需求，沟通效率有待提高。"],
    2: ["设备中途故障，延误了两天。"],
    1: ["与预约描述不符，未能完成试验。"],
}
REPLIES = ["感谢您的认可，欢迎再次合作。", "感谢反馈，我们已改进排班和报告流程。"]
OUTCOME_NOTES = {
    Outcome.PRODUCTION: "中试数据支撑产线设计，已于本季度量产。",
    Outcome.REPEAT: "放大后杂质偏高，需调整工艺后再次中试。",
    Outcome.ONGOING: "正在与下游客户验证样品。",
    Outcome.ABANDONED: "经济性不足，项目暂停。",
}
#: How a past booking ends (weights): most work is done; some requests are declined, cancelled,
#: left unanswered or not turned up to.
PAST_ENDINGS = [
    ("confirmed", 60),
    ("auto_confirmed", 6),
    ("declined", 8),
    ("cancelled", 8),
    ("expired", 5),
    ("no_show", 3),
]


def _firm_users(rng: random.Random) -> list[User]:
    """One person for every demo firm without one (they share the demo firm's password hash)."""
    template = db.session.scalar(select(User).where(User.email == "firm@demo.cn"))
    users = [template]
    for org in db.session.scalars(
        select(Organization).where(Organization.ref.like("demo-firm-%")).order_by(Organization.id)
    ):
        if org.id == template.org_id:
            continue
        user = User(
            email=f"firm-{org.ref[-3:]}@demo.cn",
            name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
            role=Role.FIRM,
            organization=org,
            password_hash=template.password_hash,
            phone=f"13{rng.randint(100000000, 999999999)}",
        )
        db.session.add(user)
        users.append(user)
    db.session.flush()
    return users


def _operator_of(platform: Platform) -> User:
    return db.session.scalar(
        select(User).where(User.org_id == platform.org_id, User.role == Role.OPERATOR).order_by(User.id)
    )


def _window(rng: random.Random, offering: Offering, day) -> tuple[datetime, datetime]:
    """A window the offering's rules allow on `day` (moved to a working day for office hours)."""
    zone = local_zone()
    if offering.price_unit in WHOLE_DAY_UNITS:
        days = 30 if offering.price_unit == "month" else rng.choice([1, 1, 2, 3, 5])
        start = datetime.combine(day, time(0), tzinfo=zone)
        return start, start + timedelta(days=days)
    while day.weekday() >= 5 and offering.effective_opening_hours == _WORKDAYS:
        day += timedelta(days=1)
    if offering.price_unit == "hour":
        begin, hours = rng.choice([(time(9), 3), (time(9), 6), (time(13), 4), (time(14), 3)])
    else:
        begin, hours = time(9), 8
    start = datetime.combine(day, begin, tzinfo=zone)
    return start, start + timedelta(hours=hours)


_WORKDAYS = [{"weekday": d, "start": "08:30", "end": "17:30"} for d in range(5)]


def _configure(rng: random.Random, offering: Offering, operator: User) -> None:
    """Booking settings as operators would set them: capacity from the units they have, a third
    confirmed automatically, and a maintenance stop next month on some."""
    offering.booking_capacity = max(offering.quantity or 1, 1)
    offering.auto_confirm = rng.random() < 0.33
    offering.min_notice_hours = rng.choice([24, 24, 48, 72])
    offering.max_advance_days = 180
    if offering.price_unit == "hour":
        offering.min_hours, offering.max_hours = 2, 8


def _step(moment: datetime, action) -> None:
    """Run `action` at `moment`, or now if that is still ahead (history never happens in the future)."""
    with clock_at(min(moment, utcnow())):
        action()


#: How quickly a platform answers requests (hours) and how its firms rate it, by its activity level
#: (`VIGOUR`): busy platforms are well organised, the weakest slow and uneven.
ANSWER_HOURS = [1, 2, 3, 5, 8, 20, 30]
RATINGS = [50, 32, 10, 5, 3]  #: weights of 5, 4, 3, 2, 1 stars


def _replay(
    rng, offering, operator, firm, start, end, ending, answer_hours=ANSWER_HOURS, ratings=RATINGS
) -> Booking | None:
    """Request at a believable time before the window (never in the future), then play the booking
    to `ending` (`answer_hours`: the operator's delays to draw from; `ratings`: the weights of 5…1
    stars)."""
    created = min(start - timedelta(days=rng.randint(3, 25), hours=rng.randint(0, 8)), utcnow())
    if ending == "requested":  # still waiting today: sent recently, or the expiry job would have taken it
        created = max(created, utcnow() - timedelta(hours=rng.randint(2, 60)))
    try:
        with clock_at(created):
            booking = bookings.request_booking(firm, offering, start, end, quantity=1, note=rng.choice(NOTES))
    except DomainError:
        return None  # the window was taken in the replayed past: the firm chose another
    answered = created + timedelta(hours=rng.choice(answer_hours))
    if ending == "requested":
        return booking
    if ending == "expired":
        _step(created + timedelta(days=4), bookings.expire_unanswered)
        return booking
    if booking.status == "requested":
        if ending == "declined":
            _step(
                answered,
                lambda: bookings.transition(operator, booking, "decline", "该时段设备已安排内部检修。"),
            )
            return booking
        try:
            _step(answered, lambda: bookings.transition(operator, booking, "accept"))
        except DomainError:
            _step(answered, lambda: bookings.transition(operator, booking, "decline", "该时段已约满。"))
            return booking
    if ending == "cancelled":
        _step(
            answered + timedelta(hours=6),
            lambda: bookings.transition(firm, booking, "cancel", "项目计划调整。"),
        )
        return booking
    if ending == "accepted":
        return booking
    if ending == "no_show":
        _step(start + timedelta(hours=2), lambda: bookings.transition(operator, booking, "no_show"))
        return booking
    _step(start, lambda: bookings.transition(operator, booking, "start"))
    if ending == "in_progress":
        return booking
    finished = end + timedelta(hours=rng.randint(1, 30))
    _step(finished, lambda: bookings.complete(operator, booking, rng.choice(REPORTS)))
    if ending == "completed":
        return booking
    if ending == "auto_confirmed":
        _step(finished + timedelta(days=8), bookings.auto_confirm_completed)
    else:
        _step(
            finished + timedelta(days=rng.randint(0, 3), hours=3),
            lambda: bookings.transition(firm, booking, "confirm"),
        )
    if rng.random() < 0.75:
        rating = rng.choices([5, 4, 3, 2, 1], weights=ratings)[0]
        rated = min(booking.confirmed_at + timedelta(hours=rng.randint(1, 48)), utcnow())
        with clock_at(rated):
            entry = bookings.review(firm, booking, rating, rng.choice(COMMENTS[rating]))
        if rng.random() < 0.4:
            _step(
                rated + timedelta(days=1),
                lambda: bookings.reply_to_review(operator, entry, rng.choice(REPLIES)),
            )
    if rng.random() < 0.6:
        outcome = rng.choices(list(OUTCOME_NOTES), weights=[30, 25, 35, 10])[0]
        moment = min(booking.confirmed_at + timedelta(days=rng.randint(10, 90)), utcnow())
        _step(moment, lambda: bookings.record_outcome(firm, booking, outcome, OUTCOME_NOTES[outcome]))
    return booking


def seed_activity(seed: int = 2024, per_offering: int = 5) -> dict[str, int]:
    """Booking settings, blocks and a year of bookings on every bookable offering; the caller commits."""
    rng = random.Random(seed)
    firms = _firm_users(rng)
    demo_firm = firms[0]
    today = local_today()
    counts = {"bookings": 0, "blocks": 0}
    offerings = db.session.scalars(
        select(Offering).where(Offering.is_bookable, Offering.is_public).order_by(Offering.id)
    ).all()
    with signals.notice.muted():  # nobody is mailed about a replayed year
        for offering in offerings:
            operator = _operator_of(offering.platform)
            if operator is None:
                continue
            _configure(rng, offering, operator)
            if rng.random() < 0.3:
                begin = datetime.combine(
                    today + timedelta(days=rng.randint(20, 40)), time(0), tzinfo=local_zone()
                )
                bookings.add_block(operator, offering, begin, begin + timedelta(days=2), "设备年度维护保养")
                counts["blocks"] += 1
            # A few past bookings on every offering (more on busy ones), some recent and running work,
            # and a request or a confirmed booking ahead.
            past = rng.randint(1, per_offering)
            plan = [
                (-rng.randint(10, 360), rng.choices(*zip(*PAST_ENDINGS, strict=True))[0]) for _ in range(past)
            ]
            if rng.random() < 0.5:
                plan.append((-rng.randint(1, 6), "completed"))
            if rng.random() < 0.3:
                plan.append((0, "in_progress"))
            plan.append((rng.randint(4, 40), rng.choice(["requested", "accepted", "accepted"])))
            for days, ending in plan:
                start, end = _window(rng, offering, today + timedelta(days=days))
                if days <= 0 and end > utcnow() and ending not in ("in_progress",):
                    continue  # still running: only 'in progress' makes sense
                firm = demo_firm if rng.random() < 0.15 else rng.choice(firms)
                if _replay(rng, offering, operator, firm, start, end, ending) is not None:
                    counts["bookings"] += 1
        counts["bookings"] += _previous_year(random.Random(seed + 1), offerings, firms, today)
    db.session.flush()
    return counts


#: Bookings an ordinary platform (vigour 1) received in a year, over its bookable offerings, before the
#: last 360 days: the previous calendar year (the demo's published evaluation) is a whole year of work.
PER_YEAR_BEFORE = 24


def vigour(refs: list[str], seed: int = 2024) -> dict[str, float]:
    """How busy each demo platform is (1: ordinary), by ref: a few flagships, most ordinary, a
    few quiet and one or two hardly used; the first platform (operator@demo.cn's) is a busy one. The
    previous year's bookings, the self-reported figures and the experts' points follow it, so the
    demo's evaluation spreads like a province's would."""
    rng = random.Random(seed)
    n = len(refs)
    levels = []
    for i in range(n):
        share = i / max(n, 1)
        if share < 0.1:
            levels.append(rng.uniform(2.0, 2.6))
        elif share < 0.9:
            levels.append(rng.uniform(1.25, 1.7))
        elif share < 0.96:
            levels.append(rng.uniform(0.95, 1.1))
        else:
            levels.append(rng.uniform(0.15, 0.25))
    rng.shuffle(levels)
    found = dict(zip(sorted(refs), levels, strict=True))
    if refs:
        found[min(refs)] = 1.8
    return found


def _profile(level: float) -> tuple[list[int], list[int]]:
    """(answer hours, rating weights) of a platform of this vigour."""
    if level >= 2:
        return [1, 1, 2, 2, 3, 5], [70, 24, 5, 1, 0]
    if level < 0.5:
        return [8, 20, 30, 48, 72], [15, 25, 25, 20, 15]
    return ANSWER_HOURS, RATINGS


def _previous_year(rng: random.Random, offerings, firms, today) -> int:
    """Bookings from 1 January of the previous year up to where the last 360 days begin, more on
    busy platforms (`vigour`)."""
    first = today.replace(year=today.year - 1, month=1, day=1)
    span = (today - timedelta(days=361) - first).days
    if span <= 0:
        return 0
    levels = vigour(list({o.platform.ref for o in offerings}))
    bookable = Counter(o.platform_id for o in offerings)
    made = 0
    for offering in offerings:
        operator = _operator_of(offering.platform)
        if operator is None:
            continue
        level = levels[offering.platform.ref]
        answer_hours, ratings = _profile(level)
        expected = level * PER_YEAR_BEFORE / bookable[offering.platform_id] * span / 365
        count = int(expected) + (rng.random() < expected % 1)
        for _ in range(count):
            start, end = _window(rng, offering, first + timedelta(days=rng.randrange(span)))
            ending = rng.choices(*zip(*PAST_ENDINGS, strict=True))[0]
            firm = rng.choice(firms)
            booking = _replay(rng, offering, operator, firm, start, end, ending, answer_hours, ratings)
            made += booking is not None
    return made


def backdate_catalogue(seed: int = 2024) -> None:
    """Give the imported platforms and offerings a history: each offering opened some weeks before its
    first booking (one without bookings within the last year), each platform before its first offering.
    The coverage trends then show supply growing month by month, not all of it appearing today."""
    rng = random.Random(seed)
    now = utcnow()
    first_booked = dict(
        db.session.execute(
            select(Booking.offering_id, func.min(Booking.created_at))
            .where(Booking.offering_id.is_not(None))
            .group_by(Booking.offering_id)
        ).all()
    )
    opened: dict[int, datetime] = {}
    for offering in db.session.scalars(select(Offering).order_by(Offering.id)):
        before = first_booked.get(offering.id)
        moment = (
            before - timedelta(days=rng.randint(14, 120))
            if before
            else now - timedelta(days=rng.randint(0, 330))
        )
        offering.created_at = offering.updated_at = moment
        opened[offering.platform_id] = min(moment, opened.get(offering.platform_id, moment))
    for platform in db.session.scalars(select(Platform).where(Platform.id.in_(opened))):
        platform.created_at = opened[platform.id] - timedelta(days=rng.randint(7, 60))
    db.session.flush()
