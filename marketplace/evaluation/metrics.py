"""The computed indicators: each metric derives one figure per platform from the marketplace's own
data for a calendar year (local time, setting TIMEZONE), with its derivation, so that a platform
can check every number.

`METRICS[key].compute(year, platforms)` returns `{platform id: Derived(value, derivation)}` for every
platform given, computed for all of them together in a few SQL statements (the province has
hundreds of platforms and ~100k bookings a year), never one query per platform or per booking.

A derivation is a small JSON dict: ``counts`` ({label: number}), ``formula`` (the calculation with
its numbers filled in) and the refs of what was counted: ``bookings`` (booking and order refs),
``reviews`` (the refs of the reviewed bookings), ``nominations`` (case refs), ``offerings``
(per-offering figures) or ``unpriced`` (offering refs without a price).

"Done work" (completed_work, distinct_firms, conversions, revenue) is one set of rows: bookings
and orders in a done state (`bookings.models.DONE`: completed or confirmed) whose work was
completed in the year (`completed_at`, set when the platform reports the work complete), for firms
other than the platform's own organisation."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import literal, select

from ..bookings.dashboards import Period, _open_hours, _overlap_hours
from ..bookings.models import DONE, HOLDING, Booking, BookingKind, OfferingBlock, Outcome, Review
from ..cases.models import CaseNomination, NominationStatus, SelectionRound
from ..core.models import UTCDateTime
from ..core.timeutil import local_zone
from ..extensions import db
from ..offerings.models import Offering, OfferingStatus
from ..platforms.models import Platform


@dataclass(frozen=True)
class Derived:
    value: float | None  #: None: no data (the indicator scores 0)
    derivation: dict


@dataclass(frozen=True)
class Metric:
    key: str
    name: str  #: Chinese, shown on pages
    unit: str
    definition: str  #: what counts, in Chinese, shown on the derivation page
    compute: Callable[[int, Sequence[Platform]], dict[int, Derived]] = field(repr=False)


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """[1 January 00:00, next 1 January 00:00) of the local calendar year, as aware moments."""
    zone = local_zone()
    return datetime.combine(date(year, 1, 1), time(0), tzinfo=zone), datetime.combine(
        date(year + 1, 1, 1), time(0), tzinfo=zone
    )


def _moment(value: datetime):
    """A bound timestamp converted like a column value (aware → naive UTC)."""
    return literal(value, UTCDateTime())


def _num(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}"


def _ids(platforms: Iterable[Platform]) -> list[int]:
    return [p.id for p in platforms]


# ---------------------------------------------------------------- done work


@dataclass(frozen=True)
class _Work:
    ref: str
    kind: str
    org_id: int
    price_amount: float | None
    outcome: str | None


def _done_work(year: int, platforms: Sequence[Platform]) -> dict[int, list[_Work]]:
    """{platform id: its done external work completed in the year}, one statement for all."""
    start, end = year_bounds(year)
    when = Booking.completed_at
    rows = db.session.execute(
        select(
            Booking.platform_id,
            Booking.ref,
            Booking.kind,
            Booking.org_id,
            Booking.price_amount,
            Booking.outcome,
        )
        .join(Platform, Platform.id == Booking.platform_id)
        .where(
            Booking.platform_id.in_(_ids(platforms)),
            Booking.status.in_(DONE),
            when >= _moment(start),
            when < _moment(end),
            Booking.org_id != Platform.org_id,
        )
        .order_by(Booking.platform_id, when, Booking.id)
    )
    work: dict[int, list[_Work]] = defaultdict(list)
    for platform_id, ref, kind, org_id, amount, outcome in rows:
        work[platform_id].append(_Work(ref, kind, org_id, amount, outcome))
    return work


def completed_work(year: int, platforms: Sequence[Platform]) -> dict[int, Derived]:
    """Bookings and orders done for other organisations' firms, completed in the year (count)."""
    work = _done_work(year, platforms)
    result = {}
    for p in platforms:
        rows = work.get(p.id, [])
        bookings = sum(1 for w in rows if w.kind == BookingKind.BOOKING)
        orders = len(rows) - bookings
        result[p.id] = Derived(
            float(len(rows)),
            {
                "counts": {"完成的预约": bookings, "完成的订单": orders},
                "formula": f"{bookings} 项预约 + {orders} 项订单 = {len(rows)} 项",
                "bookings": [w.ref for w in rows],
            },
        )
    return result


def distinct_firms(year: int, platforms: Sequence[Platform]) -> dict[int, Derived]:
    """Distinct firm organisations among the done work of the year (count)."""
    work = _done_work(year, platforms)
    result = {}
    for p in platforms:
        rows = work.get(p.id, [])
        firms = len({w.org_id for w in rows})
        result[p.id] = Derived(
            float(firms),
            {
                "counts": {"完成的预约和订单": len(rows), "不同企业": firms},
                "formula": f"{len(rows)} 项完成的服务来自 {firms} 家不同企业",
                "bookings": [w.ref for w in rows],
            },
        )
    return result


def conversions(year: int, platforms: Sequence[Platform]) -> dict[int, Derived]:
    """Done work of the year whose firm reported the outcome "production" (已量产) (count)."""
    work = _done_work(year, platforms)
    result = {}
    for p in platforms:
        rows = work.get(p.id, [])
        produced = [w.ref for w in rows if w.outcome == Outcome.PRODUCTION]
        result[p.id] = Derived(
            float(len(produced)),
            {
                "counts": {"完成的预约和订单": len(rows), "企业反馈已量产": len(produced)},
                "formula": f"{len(rows)} 项完成的服务中，企业反馈“已量产”的 {len(produced)} 项",
                "bookings": produced,
            },
        )
    return result


def revenue(year: int, platforms: Sequence[Platform]) -> dict[int, Derived]:
    """The frozen prices of the done work of the year, summed, in 万元; work priced 面议 (no
    price) is counted and listed, not summed."""
    work = _done_work(year, platforms)
    result = {}
    for p in platforms:
        rows = work.get(p.id, [])
        priced = [w for w in rows if w.price_amount is not None]
        unpriced = [w.ref for w in rows if w.price_amount is None]
        yuan = sum(w.price_amount for w in priced)
        value = round(yuan / 10_000, 4)
        result[p.id] = Derived(
            value,
            {
                "counts": {"计价的预约和订单": len(priced), "面议（未计入）": len(unpriced)},
                "formula": f"{_num(yuan, 2)} 元 ÷ 10,000 = {_num(value, 2)} 万元",
                "bookings": [w.ref for w in priced],
                "unpriced": unpriced,
            },
        )
    return result


# ---------------------------------------------------------------- utilisation


def utilisation(year: int, platforms: Sequence[Platform]) -> dict[int, Derived]:
    """Booked unit-hours ÷ open unit-hours × 100 % of the platform's public (active) bookable
    offerings over the year. Booked: accepted, in-progress and done bookings, their windows cut to
    the year, times their quantity. Open: the opening hours of every day of the year minus blocked
    periods, times the booking capacity. The platform's dashboard counts the same way. No bookable
    offering (no open hours): no value."""
    start, end = year_bounds(year)
    period = Period(date(year, 1, 1), date(year, 12, 31))
    bookable = (
        Offering.platform_id.in_(_ids(platforms)),
        Offering.is_bookable.is_(True),
        Offering.status == OfferingStatus.ACTIVE,
    )
    offerings = list(db.session.scalars(select(Offering).where(*bookable).order_by(Offering.id)))
    booked = {
        offering_id: float(hours or 0)
        for offering_id, hours in db.session.execute(
            select(Booking.offering_id, db.func.sum(_overlap_hours(start, end) * Booking.quantity))
            .join(Offering, Offering.id == Booking.offering_id)
            .where(
                *bookable,
                Booking.status.in_(HOLDING + DONE),
                Booking.start_at < _moment(end),
                Booking.end_at > _moment(start),
            )
            .group_by(Booking.offering_id)
        )
    }
    blocks = defaultdict(list)
    for block in db.session.scalars(
        select(OfferingBlock)
        .join(Offering, Offering.id == OfferingBlock.offering_id)
        .where(*bookable, OfferingBlock.start_at < _moment(end), OfferingBlock.end_at > _moment(start))
    ):
        blocks[block.offering_id].append(block)
    per_platform = defaultdict(list)
    for offering in offerings:
        open_hours = _open_hours(offering, period, blocks[offering.id]) * offering.booking_capacity
        per_platform[offering.platform_id].append(
            {
                "ref": offering.ref,
                "title": offering.title,
                "booked": round(booked.get(offering.id, 0.0), 2),
                "open": round(open_hours, 2),
            }
        )
    result = {}
    for p in platforms:
        items = per_platform.get(p.id, [])
        booked_total = sum(i["booked"] for i in items)
        open_total = sum(i["open"] for i in items)
        value = round(100.0 * booked_total / open_total, 2) if open_total else None
        formula = (
            f"{_num(booked_total)} ÷ {_num(open_total)} × 100% = {_num(value)}%"
            if value is not None
            else "没有可预约的开放机时，无法计算"
        )
        result[p.id] = Derived(
            value,
            {
                "counts": {
                    "可预约设备和场地": len(items),
                    "已预约机时（台·小时）": round(booked_total, 1),
                    "开放机时（台·小时）": round(open_total, 1),
                },
                "formula": formula,
                "offerings": items,
            },
        )
    return result


# ---------------------------------------------------------------- response time


def response_hours(year: int, platforms: Sequence[Platform]) -> dict[int, Derived]:
    """The median hours from a booking request (kind booking, requested in the year) to the
    platform's first answer (accept or decline), over the requests that got one. No answered
    request: no value."""
    start, end = year_bounds(year)
    rows = db.session.execute(
        select(Booking.platform_id, Booking.ref, Booking.created_at, Booking.responded_at)
        .where(
            Booking.platform_id.in_(_ids(platforms)),
            Booking.kind == BookingKind.BOOKING,
            Booking.responded_at.is_not(None),
            Booking.created_at >= _moment(start),
            Booking.created_at < _moment(end),
        )
        .order_by(Booking.platform_id, Booking.created_at, Booking.id)
    )
    answered = defaultdict(list)
    for platform_id, ref, asked, answered_at in rows:
        answered[platform_id].append((ref, (answered_at - asked).total_seconds() / 3600))
    result = {}
    for p in platforms:
        items = answered.get(p.id, [])
        hours = sorted(h for _ref, h in items)
        n = len(hours)
        if not n:
            result[p.id] = Derived(
                None,
                {
                    "counts": {"已答复的预约": 0},
                    "formula": "本年度没有已答复的预约，无法计算",
                    "bookings": [],
                },
            )
            continue
        median = statistics.median(hours)
        middle = f"第 {n // 2 + 1} 个" if n % 2 else f"第 {n // 2} 和第 {n // 2 + 1} 个的平均"
        result[p.id] = Derived(
            round(median, 2),
            {
                "counts": {"已答复的预约": n},
                "formula": f"{n} 个响应时长从短到长排列，中位数取{middle} = {_num(median, 2)} 小时",
                "hours": [round(h, 2) for h in hours],
                "bookings": [ref for ref, _h in items],
            },
        )
    return result


# ---------------------------------------------------------------- ratings


def average_rating(year: int, platforms: Sequence[Platform]) -> dict[int, Derived]:
    """The mean rating (1-5) of the reviews firms wrote in the year. No review: no value."""
    start, end = year_bounds(year)
    rows = db.session.execute(
        select(Review.platform_id, Booking.ref, Review.rating)
        .join(Booking, Booking.id == Review.booking_id)
        .where(
            Review.platform_id.in_(_ids(platforms)),
            Review.created_at >= _moment(start),
            Review.created_at < _moment(end),
        )
        .order_by(Review.platform_id, Review.created_at, Review.id)
    )
    reviews = defaultdict(list)
    for platform_id, ref, rating in rows:
        reviews[platform_id].append((ref, rating))
    result = {}
    for p in platforms:
        items = reviews.get(p.id, [])
        if not items:
            result[p.id] = Derived(
                None, {"counts": {"评价": 0}, "formula": "本年度没有企业评价，无法计算", "reviews": []}
            )
            continue
        total = sum(r for _ref, r in items)
        mean = total / len(items)
        stars = Counter(r for _ref, r in items)
        result[p.id] = Derived(
            round(mean, 2),
            {
                "counts": {"评价": len(items), **{f"{s} 分": stars[s] for s in range(5, 0, -1) if stars[s]}},
                "formula": f"评分合计 {total} ÷ {len(items)} 条评价 = {_num(mean, 2)} 分",
                "reviews": [ref for ref, _r in items],
            },
        )
    return result


# ---------------------------------------------------------------- typical cases


def selected_cases(year: int, platforms: Sequence[Platform]) -> dict[int, Derived]:
    """The platform's nominations selected (入选) in the case selection round of the same year."""
    rows = db.session.execute(
        select(CaseNomination.platform_id, CaseNomination.ref)
        .join(SelectionRound, SelectionRound.id == CaseNomination.round_id)
        .where(
            SelectionRound.year == year,
            CaseNomination.status == NominationStatus.SELECTED,
            CaseNomination.platform_id.in_(_ids(platforms)),
        )
        .order_by(CaseNomination.platform_id, CaseNomination.id)
    )
    selected = defaultdict(list)
    for platform_id, ref in rows:
        selected[platform_id].append(ref)
    return {
        p.id: Derived(
            float(len(selected.get(p.id, []))),
            {
                "counts": {"入选典型案例": len(selected.get(p.id, []))},
                "formula": f"{year} 年度典型案例遴选入选 {len(selected.get(p.id, []))} 项",
                "nominations": selected.get(p.id, []),
            },
        )
        for p in platforms
    }


# ---------------------------------------------------------------- management


def fee_published(year: int, platforms: Sequence[Platform]) -> dict[int, Derived]:
    """The share of the platform's public (active) offerings that state a price, in %, at the
    moment of computation. No public offering: no value."""
    rows = db.session.execute(
        select(Offering.platform_id, Offering.ref, Offering.price_amount)
        .where(Offering.platform_id.in_(_ids(platforms)), Offering.status == OfferingStatus.ACTIVE)
        .order_by(Offering.platform_id, Offering.id)
    )
    offerings = defaultdict(list)
    for platform_id, ref, amount in rows:
        offerings[platform_id].append((ref, amount is not None))
    result = {}
    for p in platforms:
        items = offerings.get(p.id, [])
        priced = sum(1 for _ref, has_price in items if has_price)
        if not items:
            result[p.id] = Derived(
                None,
                {"counts": {"公开的服务项目": 0}, "formula": "没有公开的服务项目，无法计算", "unpriced": []},
            )
            continue
        value = round(100.0 * priced / len(items), 2)
        result[p.id] = Derived(
            value,
            {
                "counts": {"公开的服务项目": len(items), "标明价格": priced},
                "formula": f"{priced} ÷ {len(items)} × 100% = {_num(value)}%",
                "unpriced": [ref for ref, has_price in items if not has_price],
            },
        )
    return result


def rules_published(year: int, platforms: Sequence[Platform]) -> dict[int, Derived]:
    """How many of the platform's 开放共享规则 and 收费标准 are stated (0-2), at the moment of
    computation."""
    result = {}
    for p in platforms:
        stated = {
            "开放共享规则": bool((p.sharing_rules or "").strip()),
            "收费标准": bool((p.fee_standard or "").strip()),
        }
        count = sum(stated.values())
        result[p.id] = Derived(
            float(count),
            {
                "counts": {label: int(ok) for label, ok in stated.items()},
                "formula": " + ".join(f"{label} {int(ok)}" for label, ok in stated.items())
                + f" = {count} 项",
            },
        )
    return result


METRICS: dict[str, Metric] = {
    m.key: m
    for m in (
        Metric(
            "conversions",
            "服务企业实现转化",
            "项",
            "本年度完成（已完成或已验收）的对外预约和订单中，企业反馈结果为“已量产”的项数。"
            "完成时间按本地时间（北京时间）计入年度，不含本单位自己的预约。",
            conversions,
        ),
        Metric(
            "selected_cases",
            "入选典型案例",
            "项",
            "同一年度典型案例遴选中，该平台推荐并入选的案例数。",
            selected_cases,
        ),
        Metric(
            "completed_work",
            "完成对外服务",
            "项",
            "本年度完成（已完成或已验收）的预约和服务订单数，不含平台所属单位自己的预约；"
            "以平台报告完成的时间按本地时间（北京时间）计入年度。",
            completed_work,
        ),
        Metric(
            "distinct_firms",
            "服务企业数",
            "家",
            "本年度完成的对外预约和订单来自的不同企业数（按企业单位计）。",
            distinct_firms,
        ),
        Metric(
            "utilisation",
            "可预约设备利用率",
            "%",
            "平台公开的可预约设备和场地在本年度的已预约机时 ÷ 开放机时 × 100%。已预约机时：已接受、"
            "进行中和已完成的预约在本年度内的时长 × 预约数量；开放机时：全年每天的开放时间扣除停用时段，"
            "乘以可同时预约数量。",
            utilisation,
        ),
        Metric(
            "response_hours",
            "首次响应时间（中位数）",
            "小时",
            "本年度提交的预约中已得到平台答复（接受或拒绝）的，从提交到首次答复的时长的中位数；"
            "没有已答复的预约时无数据。",
            response_hours,
        ),
        Metric(
            "average_rating",
            "企业平均评分",
            "分",
            "本年度企业对完成服务所作评价的评分（1-5 分）的平均值；没有评价时无数据。",
            average_rating,
        ),
        Metric(
            "revenue",
            "共享服务收入",
            "万元",
            "本年度完成的对外预约和订单按提交（订单：接受）时冻结的价格合计，单位万元；"
            "价格面议的不计入金额，单独列出。",
            revenue,
        ),
        Metric(
            "fee_published",
            "收费标准公开",
            "%",
            "计算时平台公开的服务项目中标明价格的比例；没有公开的服务项目时无数据。",
            fee_published,
        ),
        Metric(
            "rules_published",
            "开放共享制度公开",
            "项",
            "计算时平台页面公开的开放共享规则和收费标准（各计 1 项）。",
            rules_published,
        ),
    )
}
