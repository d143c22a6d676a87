"""Read queries of the dashboards (工作台): a platform's waiting work, schedule, utilisation, revenue,
ratings and response time; a firm's inquiries, proposals, bookings and what waits for it.

Pure reads: no permission checks here (the views decide who opens which dashboard) and no writes.
Sums over many bookings are computed by the database; what is read into Python is bounded by the
page (waiting work, the next 14 days) or is a pair of timestamps per row (response times)."""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import Float, case, cast, extract, func, literal, literal_column, select
from sqlalchemy.orm import joinedload, lazyload, load_only

from ..core.errors import DomainError
from ..core.models import UTCDateTime, with_names, with_related
from ..core.timeutil import local_today, local_zone, utcnow
from ..demands.models import Demand
from ..extensions import db
from ..inquiries.models import Inquiry, InquiryStatus, Proposal, ProposalStatus
from ..offerings.models import Offering
from ..platforms.models import Platform
from . import availability
from .models import DONE, HOLDING, Booking, BookingKind, BookingStatus, OfferingBlock, Review

#: The presets of the statistics period (days up to and including today) and the default one.
PRESETS = (7, 30, 90)
DEFAULT_PRESET = 30
#: The longest custom period, in days; the earliest first day.
MAX_PERIOD_DAYS = 366
EARLIEST = date(2000, 1, 1)
#: How far ahead the schedule looks.
SCHEDULE_DAYS = 14
#: Rows of each list on the firm's dashboard (newest first; the total is shown beside, with a link to
#: the whole list: 我的预约与订单 and its to-do filters, 我的咨询, each demand's proposals).
FIRM_LIST_LIMIT = 10
FIRM_PROPOSAL_LIMIT = 20

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

# ---------------------------------------------------------------- the period


@dataclass(frozen=True)
class Period:
    """Local days `first` to `last`, both included; `preset` is the number of days of a preset
    (None for a custom period)."""

    first: date
    last: date
    preset: int | None = None

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(0), tzinfo=local_zone())

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(0), tzinfo=local_zone())

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def last_days(days: int, today: date | None = None) -> Period:
    today = today or local_today()
    return Period(today - timedelta(days=days - 1), today, preset=days)


def parse_period(
    period: str | None, first: str | None, last: str | None, today: date | None = None
) -> Period:
    """The period a dashboard asks for in its query string: `period` = 7, 30 or 90 (the last days up
    to today; 30 when nothing is given), or `from` and `to` (YYYY-MM-DD, local days, both included).
    Raises DomainError naming the parameter for anything else (the page answers 400)."""
    today = today or local_today()
    period, first, last = (period or "").strip(), (first or "").strip(), (last or "").strip()
    if not first and not last:
        if not period:
            return last_days(DEFAULT_PRESET, today)
        if period.isdigit() and int(period) in PRESETS:
            return last_days(int(period), today)
        raise DomainError(("period", "统计周期应为近 7 天、近 30 天、近 90 天或自定义起止日期。"))
    if period and period != "custom":
        raise DomainError(("period", "请选择预设周期或填写起止日期，二者只能选其一。"))
    errors = []
    dates = {}
    for name, value, label in (("from", first, "开始日期"), ("to", last, "结束日期")):
        if not value:
            errors.append((name, f"请填写{label}。"))
            continue
        try:
            if not _ISO_DATE.fullmatch(value):
                raise ValueError(value)
            dates[name] = date.fromisoformat(value)
        except ValueError:
            errors.append((name, f"{label}应为有效日期，格式 YYYY-MM-DD（例如 2026-03-01）。"))
    if errors:
        raise DomainError(*errors)
    begin, finish = dates["from"], dates["to"]
    latest = today + timedelta(days=MAX_PERIOD_DAYS)
    if begin < EARLIEST:
        errors.append(("from", f"开始日期不能早于 {EARLIEST.isoformat()}。"))
    if finish > latest:
        errors.append(("to", f"结束日期不能晚于 {latest.isoformat()}。"))
    if finish < begin:
        errors.append(("to", "结束日期不能早于开始日期。"))
    elif (finish - begin).days + 1 > MAX_PERIOD_DAYS:
        errors.append(("to", f"统计周期最长 {MAX_PERIOD_DAYS} 天。"))
    if errors:
        raise DomainError(*errors)
    return Period(begin, finish)


# ---------------------------------------------------------------- waiting times


def waited_text(waited: timedelta) -> str:
    """'2 天 3 小时', '5 小时 12 分钟', '8 分钟', '不到 1 分钟'."""
    minutes = max(int(waited.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} 天 {hours} 小时"
    if hours:
        return f"{hours} 小时 {minutes} 分钟"
    return f"{minutes} 分钟" if minutes else "不到 1 分钟"


def response_target() -> timedelta:
    return timedelta(hours=current_app.config["RESPONSE_TARGET_HOURS"])


@dataclass(frozen=True)
class WaitingItem:
    """One thing waiting for an answer, and for how long (即到即受理)."""

    kind: str  #: booking | inquiry | proposal
    obj: object
    since: datetime
    waited: timedelta
    is_overdue: bool

    @property
    def waited_text(self) -> str:
        return waited_text(self.waited)


def _waiting(kind: str, rows, now: datetime, target: timedelta | None) -> list[WaitingItem]:
    return [
        WaitingItem(
            kind,
            row,
            row.created_at,
            now - row.created_at,
            target is not None and now - row.created_at > target,
        )
        for row in rows
    ]


def _overdue_first(items: list[WaitingItem]) -> list[WaitingItem]:
    return sorted(items, key=lambda i: (not i.is_overdue, -i.waited.total_seconds(), i.obj.id))


def _with_firm(model) -> tuple:
    """Loader options of a platform's list showing each row's firm: joined in the same statement (one
    firm per row), not its label lists."""
    return (joinedload(model.organization).lazyload("*"),)


def platform_waiting(platform: Platform, now: datetime | None = None) -> list[WaitingItem]:
    """Booking requests and inquiries waiting for the platform's answer: overdue ones (waiting longer
    than RESPONSE_TARGET_HOURS) first, then the longest waiting."""
    now = now or utcnow()
    target = response_target()
    requests = db.session.scalars(
        select(Booking)
        .where(Booking.platform_id == platform.id, Booking.status == BookingStatus.REQUESTED)
        .options(*_with_firm(Booking))
    )
    inquiries = db.session.scalars(
        select(Inquiry)
        .where(Inquiry.platform_id == platform.id, Inquiry.status == InquiryStatus.OPEN)
        .options(*_with_firm(Inquiry), joinedload(Inquiry.offering).load_only(Offering.title).lazyload("*"))
    )
    return _overdue_first(
        _waiting("booking", requests, now, target) + _waiting("inquiry", inquiries, now, target)
    )


def proposals_awaiting_firm(platform: Platform, now: datetime | None = None) -> list[WaitingItem]:
    """Proposals and quotes the platform sent that the firm has not answered, longest waiting first
    (the firm's time, so never flagged overdue here)."""
    now = now or utcnow()
    rows = db.session.scalars(
        select(Proposal)
        .where(Proposal.platform_id == platform.id, Proposal.status == ProposalStatus.SUBMITTED)
        .options(*with_related(Proposal.organization, Proposal.demand, Proposal.inquiry))
        .order_by(Proposal.created_at, Proposal.id)
    )
    return _waiting("proposal", rows, now, None)


# ---------------------------------------------------------------- schedule


def upcoming_schedule(
    platform: Platform, now: datetime | None = None, days: int = SCHEDULE_DAYS
) -> list[Booking]:
    """Accepted and in-progress bookings of the platform running now or starting within `days`."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(Booking)
            .where(
                Booking.platform_id == platform.id,
                Booking.kind == BookingKind.BOOKING,
                Booking.status.in_(HOLDING),
                Booking.start_at < now + timedelta(days=days),
                Booking.end_at > now,
            )
            .options(*_with_firm(Booking))
            .order_by(Booking.start_at, Booking.id)
        )
    )


# ---------------------------------------------------------------- utilisation


@dataclass(frozen=True)
class Usage:
    """An offering's booked and open unit-hours over a period (open: opening hours minus blocked
    periods, times the booking capacity)."""

    offering: Offering
    booked: float
    open: float

    @property
    def ratio(self) -> float | None:
        return self.booked / self.open if self.open else None

    @property
    def percent_text(self) -> str:
        return "—" if self.ratio is None else f"{self.ratio * 100:.1f} %"

    @property
    def bar(self) -> float:
        """The bar's length, 0 to 1 (a past booking over a later block could pass 100 %)."""
        return min(self.ratio or 0.0, 1.0)


def _is_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _moment(value: datetime):
    """A bound timestamp converted like a column value (aware → naive UTC)."""
    return literal(value, UTCDateTime())


def _overlap_hours(start: datetime, end: datetime):
    """SQL: hours of a booking's window inside [start, end) (the query keeps overlapping ones only)."""
    a, b = _moment(start), _moment(end)
    if _is_postgresql():
        later, earlier = func.greatest(Booking.start_at, a), func.least(Booking.end_at, b)
        return cast(extract("epoch", earlier - later), Float) / 3600.0
    # SQLite: min()/max() of two values are scalar; timestamps are ISO text, julianday() reads them.
    later, earlier = func.max(Booking.start_at, a), func.min(Booking.end_at, b)
    return (func.julianday(earlier) - func.julianday(later)) * 24.0


def booked_unit_hours(platform: Platform, start: datetime, end: datetime) -> dict[int, float]:
    """{offering id: booked unit-hours over [start, end)} for the platform's offerings, summed by the
    database (accepted, in-progress and done bookings, as availability.utilisation counts them)."""
    rows = db.session.execute(
        select(Booking.offering_id, func.sum(_overlap_hours(start, end) * Booking.quantity))
        .where(
            Booking.platform_id == platform.id,
            Booking.offering_id.is_not(None),
            Booking.status.in_(HOLDING + DONE),
            Booking.start_at < end,
            Booking.end_at > start,
        )
        .group_by(Booking.offering_id)
    )
    return {offering_id: float(hours or 0) for offering_id, hours in rows}


#: What the utilisation of an offering reads of it (its name on the page; its opening hours, explicit or
#: the default of its kind and unit; its capacity): not its long texts, nor its label lists.
USAGE_COLUMNS = (
    Offering.title,
    Offering.kind,
    Offering.price_unit,
    Offering.opening_hours,
    Offering.booking_capacity,
)


def platform_utilisation(platform: Platform, period: Period) -> list[Usage]:
    """Each bookable offering's utilisation over the period: two queries for the whole platform (the
    booked sums, the blocked periods); open hours come from the opening rules."""
    start, end = period.start, period.end
    offerings = list(
        db.session.scalars(
            select(Offering)
            .where(Offering.platform_id == platform.id, Offering.is_bookable.is_(True))
            .options(load_only(*USAGE_COLUMNS), lazyload("*"))
            .order_by(Offering.title, Offering.id)
        )
    )
    booked = booked_unit_hours(platform, start, end)
    blocks = defaultdict(list)
    for block in db.session.scalars(
        select(OfferingBlock).where(
            OfferingBlock.offering_id.in_([o.id for o in offerings]),
            OfferingBlock.start_at < end,
            OfferingBlock.end_at > start,
        )
    ):
        blocks[block.offering_id].append(block)
    return [
        Usage(
            offering,
            round(booked.get(offering.id, 0.0), 6),
            _open_hours(offering, period, blocks[offering.id]) * offering.booking_capacity,
        )
        for offering in offerings
    ]


def _open_hours(offering: Offering, period: Period, blocks: list[OfferingBlock]) -> float:
    """availability.open_hours over whole local days, without walking every day of a long period: the
    hours of each weekday (from the period's first week) times how often it occurs, less the open time
    inside the (merged) blocked periods."""
    per_weekday = availability.weekday_hours(offering)  # a day's hours never merge with the next day's
    occurrences = [0] * 7
    full_weeks, rest = divmod(period.days, 7)
    for offset in range(7):
        occurrences[(period.first.weekday() + offset) % 7] = full_weeks + (1 if offset < rest else 0)
    total = sum(hours * n for hours, n in zip(per_weekday, occurrences, strict=True))
    cuts: list[list[datetime]] = []
    for block in sorted(blocks, key=lambda b: b.start_at):
        a, b = max(block.start_at, period.start), min(block.end_at, period.end)
        if cuts and a <= cuts[-1][1]:
            cuts[-1][1] = max(cuts[-1][1], b)
        elif a < b:
            cuts.append([a, b])
    return total - sum(i.hours for a, b in cuts for i in availability.opening_intervals(offering, a, b))


# ---------------------------------------------------------------- revenue


@dataclass(frozen=True)
class MonthRevenue:
    month: date  #: the first day of the local month
    amount: float  #: yuan of priced work
    count: int  #: bookings and orders done
    negotiable: int  #: of which priced 面议 (not in the amount)


@dataclass
class Revenue:
    months: list[MonthRevenue] = field(default_factory=list)

    @property
    def total(self) -> float:
        return sum(m.amount for m in self.months)

    @property
    def count(self) -> int:
        return sum(m.count for m in self.months)

    @property
    def negotiable(self) -> int:
        return sum(m.negotiable for m in self.months)


def _month_starts(period: Period) -> list[date]:
    months, day = [], period.first.replace(day=1)
    while day <= period.last:
        months.append(day)
        day = (day + timedelta(days=32)).replace(day=1)
    return months


def done_at():
    """When work counts as done: its completion (imported work without one: the end of its window)."""
    return func.coalesce(Booking.completed_at, Booking.end_at)


def platform_revenue(platform: Platform, period: Period) -> Revenue:
    """Completed and confirmed bookings and orders whose work was completed in the period, summed by
    local month in the database (months cut at the period's edges)."""
    months = _month_starts(period)
    when = done_at()
    # The month of each row as a number (0: the period's first month); integers are written into the
    # SQL, so PostgreSQL need not guess the type of a bound parameter.
    whens = [
        (when < _moment(datetime.combine(m, time(0), tzinfo=local_zone())), literal_column(str(i)))
        for i, m in enumerate(months[1:])
    ]
    bucket = case(*whens, else_=literal_column(str(len(months) - 1))) if whens else literal_column("0")
    rows = (
        select(bucket.label("bucket"), Booking.price_amount.label("amount"))
        .where(
            Booking.platform_id == platform.id,
            Booking.status.in_(DONE),
            when >= _moment(period.start),
            when < _moment(period.end),
        )
        .subquery()
    )
    sums = {
        int(index): (float(amount or 0), count, count - priced)
        for index, amount, count, priced in db.session.execute(
            select(rows.c.bucket, func.sum(rows.c.amount), func.count(), func.count(rows.c.amount)).group_by(
                rows.c.bucket
            )
        )
    }
    return Revenue([MonthRevenue(m, *sums.get(i, (0.0, 0, 0))) for i, m in enumerate(months)])


# ---------------------------------------------------------------- response time


@dataclass(frozen=True)
class ResponseStats:
    median: timedelta | None  #: booking requests and inquiries received in the period and answered
    answered: int
    unanswered_expired: int  #: requests received in the period that expired unanswered

    @property
    def median_text(self) -> str:
        return "—" if self.median is None else waited_text(self.median)


def response_stats(platform: Platform, period: Period) -> ResponseStats:
    """Median time from a booking request or inquiry to the platform's first answer, over those
    received in the period (orders are excluded: they are accepted on creation)."""
    start, end = period.start, period.end
    pairs = list(
        db.session.execute(
            select(Booking.created_at, Booking.responded_at).where(
                Booking.platform_id == platform.id,
                Booking.kind == BookingKind.BOOKING,
                Booking.responded_at.is_not(None),
                Booking.created_at >= start,
                Booking.created_at < end,
            )
        )
    ) + list(
        db.session.execute(
            select(Inquiry.created_at, Inquiry.responded_at).where(
                Inquiry.platform_id == platform.id,
                Inquiry.responded_at.is_not(None),
                Inquiry.created_at >= start,
                Inquiry.created_at < end,
            )
        )
    )
    expired = db.session.scalar(
        select(func.count(Booking.id)).where(
            Booking.platform_id == platform.id,
            Booking.status == BookingStatus.EXPIRED,
            Booking.created_at >= start,
            Booking.created_at < end,
        )
    )
    seconds = [(answered - asked).total_seconds() for asked, answered in pairs]
    median = timedelta(seconds=statistics.median(seconds)) if seconds else None
    return ResponseStats(median, len(seconds), expired or 0)


# ---------------------------------------------------------------- the firm's side


@dataclass
class FirmWaiting:
    """What waits for the firm: work to confirm, proposals to answer, ratings and outcomes to record;
    each list holds at most `FIRM_LIST_LIMIT` rows (the first to handle), `totals` counts them all."""

    to_confirm: list[Booking]
    proposals: list[WaitingItem]
    to_rate: list[Booking]
    to_record_outcome: list[Booking]
    totals: dict[str, int] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return sum(self.totals.values())


def _firm_counted(org_id: int) -> dict[str, tuple]:
    """{name: (model, SQL condition)} of what the firm's dashboard counts."""
    own = Booking.org_id == org_id
    done = own & Booking.status.in_(DONE)
    return {
        "to_confirm": (Booking, own & (Booking.status == BookingStatus.COMPLETED)),
        "proposals": (Proposal, (Proposal.org_id == org_id) & (Proposal.status == ProposalStatus.SUBMITTED)),
        "to_rate": (Booking, done & ~select(Review.id).where(Review.booking_id == Booking.id).exists()),
        "to_record_outcome": (Booking, done & Booking.outcome.is_(None)),
        "all_inquiries": (Inquiry, Inquiry.org_id == org_id),
        "all_bookings": (Booking, own),
        "all_proposals": (Proposal, Proposal.org_id == org_id),
    }


def firm_todo(org_id: int, name: str):
    """The SQL condition of the firm's bookings waiting for it as `name` (vocab.FIRM_BOOKING_TODOS)."""
    return _firm_counted(org_id)[name][1]


#: What waits for the firm, among `firm_totals`.
WAITING = ("to_confirm", "proposals", "to_rate", "to_record_outcome")


def firm_totals(org_id: int) -> dict[str, int]:
    """How many items the firm's dashboard counts, in one statement: what waits for it (`WAITING`) and
    all its inquiries, bookings and orders, and proposals received (`all_…`)."""
    return _counts(_firm_counted(org_id))


def firm_waiting(
    org_id: int, now: datetime | None = None, limit: int = FIRM_LIST_LIMIT, totals: dict | None = None
) -> FirmWaiting:
    """The first `limit` items of each kind waiting for the firm (`totals`: `firm_totals`, when read)."""
    now = now or utcnow()
    totals = totals or firm_totals(org_id)
    counted = _firm_counted(org_id)

    def first(name: str, *order, narrow: bool = False) -> list:
        """The first rows of `name`; `narrow`: sort ids on the index first (an order it cannot give)."""
        model, condition = counted[name]
        if not totals[name]:
            return []
        query = select(model).options(*with_names(model.platform, Platform.name))
        if not narrow:
            return list(db.session.scalars(query.where(condition).order_by(*order).limit(limit)))
        ids = list(db.session.scalars(select(model.id).where(condition).order_by(*order).limit(limit)))
        rows = {row.id: row for row in db.session.scalars(query.where(model.id.in_(ids)))}
        return [rows[i] for i in ids]

    latest_done = (Booking.completed_at.desc(), Booking.id)
    return FirmWaiting(
        first("to_confirm", Booking.completed_at),
        _waiting("proposal", first("proposals", Proposal.created_at, Proposal.id), now, None),
        first("to_rate", *latest_done, narrow=True),
        first("to_record_outcome", *latest_done, narrow=True),
        {name: totals[name] for name in WAITING},
    )


def _counts(counted: dict[str, tuple]) -> dict[str, int]:
    """{name: rows of model where condition} for {name: (model, condition)}, in one statement."""
    row = db.session.execute(
        select(
            *(
                select(func.count(model.id)).where(condition).scalar_subquery().label(name)
                for name, (model, condition) in counted.items()
            )
        )
    ).one()
    return {name: value or 0 for name, value in row._mapping.items()}


def auto_confirm_at(booking: Booking) -> datetime | None:
    """When completed work the firm leaves unconfirmed is confirmed automatically."""
    if booking.completed_at is None:
        return None
    return booking.completed_at + timedelta(days=current_app.config["BOOKING_AUTO_CONFIRM_DAYS"])


def firm_inquiries(org_id: int, limit: int = FIRM_LIST_LIMIT) -> list[Inquiry]:
    """The firm's latest inquiries (how many it has in all: `firm_totals`)."""
    query = (
        select(Inquiry)
        .where(Inquiry.org_id == org_id)
        .options(
            *with_names(Inquiry.platform, Platform.name),
            *with_names(Inquiry.offering, Offering.title),
            *with_names(Inquiry.demand, Demand.title),
        )
        .order_by(Inquiry.created_at.desc(), Inquiry.id.desc())
    )
    return list(db.session.scalars(query.limit(limit)))


def firm_bookings(org_id: int, limit: int = FIRM_LIST_LIMIT) -> list[Booking]:
    """The firm's latest bookings and orders (how many it has in all: `firm_totals`)."""
    query = (
        select(Booking)
        .where(Booking.org_id == org_id)
        .options(*with_names(Booking.platform, Platform.name))
        .order_by(Booking.created_at.desc(), Booking.id.desc())
    )
    return list(db.session.scalars(query.limit(limit)))


@dataclass
class ProposalGroup:
    """The proposals a firm received for one demand, or the quotes answering one inquiry."""

    demand: object | None
    inquiry: Inquiry | None
    proposals: list[Proposal]


def firm_proposals(org_id: int, limit: int = FIRM_PROPOSAL_LIMIT) -> list[ProposalGroup]:
    """The latest proposals and quotes the firm received, grouped per demand (or inquiry), the group
    with the newest proposal first (how many it received in all: `firm_totals`)."""
    latest = db.session.scalars(
        select(Proposal)
        .where(Proposal.org_id == org_id)
        .options(
            *with_names(Proposal.platform, Platform.name),
            *with_names(Proposal.demand, Demand.title),
            *with_names(Proposal.inquiry, Inquiry.subject),
        )
        .order_by(Proposal.created_at.desc(), Proposal.id.desc())
        .limit(limit)
    )
    groups: dict[tuple, ProposalGroup] = {}
    for proposal in latest:
        if proposal.demand_id is not None:
            key = ("demand", proposal.demand_id)
            group = groups.setdefault(key, ProposalGroup(proposal.demand, None, []))
        elif proposal.inquiry_id is not None:
            key = ("inquiry", proposal.inquiry_id)
            group = groups.setdefault(key, ProposalGroup(None, proposal.inquiry, []))
        else:
            group = groups.setdefault(("none", 0), ProposalGroup(None, None, []))
        group.proposals.append(proposal)
    return list(groups.values())
