"""When a bookable offering can be booked: opening rules, blocked periods, capacity held by accepted
bookings, and the rules of a request (notice, advance, length). Times are aware datetimes; opening
hours are local (setting TIMEZONE), so a day's hours follow the local calendar.

The capacity check that grants a booking (`check_capacity`) runs inside the accepting transaction,
after `services.lock_offering` has serialised it with every other accept of the same offering."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from .. import vocab
from ..core.errors import Conflict
from ..core.timeutil import format_datetime, local_zone, to_local, utcnow
from ..extensions import db
from ..offerings.models import Offering
from ..offerings.services import minutes_of
from .models import DONE, HOLDING, Booking, OfferingBlock

#: Units whose offerings are booked by whole local days (sites, monthly rent), not by the hour.
WHOLE_DAY_UNITS = ("day", "month")


@dataclass(frozen=True)
class Interval:
    start: datetime
    end: datetime

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600


@dataclass(frozen=True)
class Segment:
    """A piece of the calendar: 'free' (with the units still free), 'booked' (no unit free) or 'blocked'."""

    start: datetime
    end: datetime
    state: str  #: free | booked | blocked
    free_units: int = 0
    reason: str = ""  #: blocked: why (shown to everyone); never who booked


# ---------------------------------------------------------------- opening rules


def describe_opening_hours(rules: list[dict]) -> list[str]:
    """'周一 08:30–17:30' lines, in weekday order, for pages."""
    ordered = sorted(rules or [], key=lambda r: (r["weekday"], r["start"]))
    return [f"{vocab.WEEKDAYS[r['weekday']]} {r['start']}–{r['end']}" for r in ordered]


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=local_zone())


def _minutes_by_weekday(rules: list[dict]) -> list[list[tuple[int, int]]]:
    """[(start, end) minutes after local midnight of each rule] per weekday (0: Monday), in rule order."""
    days: list[list[tuple[int, int]]] = [[] for _ in range(7)]
    for rule in rules:
        days[rule["weekday"]].append((minutes_of(rule["start"]), minutes_of(rule["end"])))
    return days


def opening_intervals(offering: Offering, start: datetime, end: datetime) -> list[Interval]:
    """The offering's open time within [start, end), merged, in UTC."""
    rules = offering.effective_opening_hours
    if not rules or end <= start:
        return []
    zone = local_zone()
    by_weekday = _minutes_by_weekday(rules)
    first, last = to_local(start).date(), to_local(end).date()
    pieces: list[Interval] = []
    day = first
    while day <= last:
        ruled = by_weekday[day.weekday()]
        if ruled:
            midnight = datetime.combine(day, time(0), tzinfo=zone)
            for opens, closes in ruled:
                # Wall-clock minutes from local midnight (a DST day would shift them; China has none).
                a = max(midnight + timedelta(minutes=opens), start)
                b = min(midnight + timedelta(minutes=closes), end)
                if a < b:
                    pieces.append(Interval(a, b))
        day += timedelta(days=1)
    return _merge(pieces)


def weekday_hours(offering: Offering) -> list[float]:
    """Open hours of a whole local day per weekday (0: Monday): what `opening_intervals` gives over
    one day, its merged intervals' hours summed in the same order, computed on minutes."""
    hours = []
    for ruled in _minutes_by_weekday(offering.effective_opening_hours or []):
        merged: list[list[int]] = []
        for opens, closes in sorted((max(a, 0), min(b, 24 * 60)) for a, b in ruled):
            if opens >= closes:
                continue
            if merged and opens <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], closes)
            else:
                merged.append([opens, closes])
        hours.append(sum((closes - opens) * 60 / 3600 for opens, closes in merged))
    return hours


def _merge(intervals: list[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for iv in sorted(intervals, key=lambda i: i.start):
        if merged and iv.start <= merged[-1].end:
            if iv.end > merged[-1].end:
                merged[-1] = Interval(merged[-1].start, iv.end)
        else:
            merged.append(iv)
    return merged


def is_open_throughout(offering: Offering, start: datetime, end: datetime) -> bool:
    opened = opening_intervals(offering, start, end)
    return len(opened) == 1 and opened[0].start <= start and opened[0].end >= end


# ---------------------------------------------------------------- blocks and bookings


def blocks_between(offering: Offering, start: datetime, end: datetime) -> list[OfferingBlock]:
    return list(
        db.session.scalars(
            select(OfferingBlock)
            .where(
                OfferingBlock.offering_id == offering.id,
                OfferingBlock.start_at < end,
                OfferingBlock.end_at > start,
            )
            .order_by(OfferingBlock.start_at)
        )
    )


def holding_between(
    offering: Offering, start: datetime, end: datetime, exclude_id: int | None = None
) -> list[Booking]:
    """Accepted and in-progress bookings of the offering overlapping [start, end) (back-to-back
    windows do not overlap: one ends when the next starts)."""
    query = select(Booking).where(
        Booking.offering_id == offering.id,
        Booking.status.in_(HOLDING),
        Booking.start_at < end,
        Booking.end_at > start,
    )
    if exclude_id is not None:
        query = query.where(Booking.id != exclude_id)
    return list(db.session.scalars(query.order_by(Booking.start_at)))


def load_steps(
    bookings: list[Booking], start: datetime, end: datetime
) -> list[tuple[datetime, datetime, int]]:
    """The units in use over [start, end), as consecutive (from, to, units) steps where it changes."""
    edges = {start, end}
    for b in bookings:
        edges.update(t for t in (b.start_at, b.end_at) if start < t < end)
    points = sorted(edges)
    steps = []
    for a, b in zip(points, points[1:], strict=False):
        used = sum(bk.quantity for bk in bookings if bk.start_at < b and bk.end_at > a)
        if steps and steps[-1][2] == used and steps[-1][1] == a:
            steps[-1] = (steps[-1][0], b, used)
        else:
            steps.append((a, b, used))
    return steps


def check_capacity(
    offering: Offering, start: datetime, end: datetime, quantity: int, exclude_id=None
) -> None:
    """Raise Conflict, naming the conflicting time, when `quantity` more units over [start, end) would
    exceed the offering's booking capacity at any moment or overlap a blocked period."""
    for block in blocks_between(offering, start, end):
        raise Conflict(
            (
                "start",
                f"该时段与停用时段冲突：{format_datetime(block.start_at)} 至 "
                f"{format_datetime(block.end_at)}（{block.reason}）。",
            )
        )
    holding = holding_between(offering, start, end, exclude_id)
    for a, b, used in load_steps(holding, start, end):
        if used + quantity > offering.booking_capacity:
            free = max(offering.booking_capacity - used, 0)
            raise Conflict(
                (
                    "start",
                    f"该时段已被预约：{format_datetime(a)} 至 {format_datetime(b)} 仅剩 {free} 台/套可约，"
                    f"不足所需的 {quantity} 台/套。",
                )
            )


# ---------------------------------------------------------------- request rules


def check_request(offering: Offering, start: datetime, end: datetime, quantity: int, now=None) -> list:
    """The offering's rules for a request (not capacity): bookable, window inside opening hours, notice
    ahead, how far ahead, length, quantity. Returns (field, message) pairs."""
    now = now or utcnow()
    if not offering.is_bookable or not offering.is_public:
        return [("offering_ref", "该资源当前不接受在线预约。")]
    errors = []
    if start.tzinfo is None or end.tzinfo is None:
        return [("start", "时间须带时区（例如 2026-03-01T09:00:00+08:00）。")]
    if end <= start:
        return [("end", "结束时间应晚于开始时间。")]
    if not 1 <= quantity <= offering.booking_capacity:
        errors.append(
            ("quantity", f"数量应为 1 到 {offering.booking_capacity}（该资源可同时预约的台/套数）。")
        )
    if offering.price_unit in WHOLE_DAY_UNITS:
        local_start, local_end = to_local(start), to_local(end)
        if local_start.time() != time(0) or local_end.time() != time(0):
            errors.append(("start", "该资源按整天预约：开始和结束都应为当天 00:00。"))
    if start < now + timedelta(hours=offering.min_notice_hours):
        errors.append(("start", f"需至少提前 {offering.min_notice_hours} 小时预约。"))
    if start > now + timedelta(days=offering.max_advance_days):
        errors.append(("start", f"最多可提前 {offering.max_advance_days} 天预约。"))
    hours = (end - start).total_seconds() / 3600
    if offering.min_hours and hours < offering.min_hours - 1e-9:
        errors.append(("end", f"预约时长至少 {offering.min_hours:g} 小时。"))
    if offering.max_hours and hours > offering.max_hours + 1e-9:
        errors.append(("end", f"预约时长最多 {offering.max_hours:g} 小时。"))
    if not errors and not is_open_throughout(offering, start, end):
        errors.append(
            (
                "start",
                "所选时段不在开放时间内："
                + "；".join(describe_opening_hours(offering.effective_opening_hours)),
            )
        )
    return errors


# ---------------------------------------------------------------- price


def price_for(offering: Offering, start: datetime | None, end: datetime | None, quantity: int):
    """(amount or None for 面议, basis text) of a window: hours or days or months of the window
    times the units, or batches, samples and projects counted by quantity."""
    unit, price = offering.price_unit, offering.price_amount
    if price is None or unit is None:
        return None, vocab.NEGOTIABLE
    label = vocab.PRICE_UNITS[unit]
    if unit in ("hour", "day", "month") and start and end:
        hours = (end - start).total_seconds() / 3600
        if unit == "hour":
            count, what = hours, "小时"
        elif unit == "day":
            count, what = math.ceil(hours / 24 - 1e-9), "天"
        else:
            count, what = math.ceil(hours / 24 / 30 - 1e-9), "个月（按 30 天计）"
        amount = round(count * quantity * price, 2)
        return amount, f"{count:g} {what} × {quantity} 台/套 × {price:,.2f} {label} = {amount:,.2f} 元"
    amount = round(quantity * price, 2)
    what = {"batch": "批次", "sample": "个样品", "project": "个项目"}.get(unit, "份")
    return amount, f"{quantity} {what} × {price:,.2f} {label} = {amount:,.2f} 元"


# ---------------------------------------------------------------- calendar


def segments(offering: Offering, start: datetime, end: datetime) -> list[Segment]:
    """Free, booked and blocked time of [start, end): open time minus blocks, split where the units in
    use change; 'booked' where no unit is free. Never says who booked."""
    result: list[Segment] = []
    blocks = blocks_between(offering, start, end)
    for block in blocks:
        result.append(Segment(max(block.start_at, start), min(block.end_at, end), "blocked", 0, block.reason))
    holding = holding_between(offering, start, end)
    for opened in opening_intervals(offering, start, end):
        for piece in _subtract(opened, [Interval(b.start_at, b.end_at) for b in blocks]):
            for a, b, used in load_steps(holding, piece.start, piece.end):
                free = max(offering.booking_capacity - used, 0)
                result.append(Segment(a, b, "free" if free else "booked", free))
    return sorted(result, key=lambda s: s.start)


def _subtract(interval: Interval, cuts: list[Interval]) -> list[Interval]:
    pieces = [interval]
    for cut in cuts:
        next_pieces = []
        for p in pieces:
            if cut.end <= p.start or cut.start >= p.end:
                next_pieces.append(p)
                continue
            if cut.start > p.start:
                next_pieces.append(Interval(p.start, cut.start))
            if cut.end < p.end:
                next_pieces.append(Interval(cut.end, p.end))
        pieces = next_pieces
    return pieces


def open_hours(offering: Offering, start: datetime, end: datetime, blocks=None) -> float:
    """Hours the offering is open over [start, end), blocked periods taken out (one unit's hours).
    `blocks`: the offering's blocks overlapping the period when the caller has them already."""
    if blocks is None:
        blocks = blocks_between(offering, start, end)
    cuts = [Interval(b.start_at, b.end_at) for b in blocks]
    return sum(p.hours for opened in opening_intervals(offering, start, end) for p in _subtract(opened, cuts))


def utilisation(offering: Offering, start: datetime, end: datetime) -> tuple[float, float]:
    """(booked unit-hours, open unit-hours) over [start, end): accepted, in-progress and done
    bookings against opening hours minus blocks, times the capacity."""
    bookings = db.session.scalars(
        select(Booking).where(
            Booking.offering_id == offering.id,
            Booking.status.in_(HOLDING + DONE),
            Booking.start_at < end,
            Booking.end_at > start,
        )
    )
    booked = sum(
        (min(b.end_at, end) - max(b.start_at, start)).total_seconds() / 3600 * b.quantity for b in bookings
    )
    return booked, open_hours(offering, start, end) * offering.booking_capacity
