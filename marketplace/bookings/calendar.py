"""Calendars and iCalendar feeds.

- An offering's public calendar: free, booked and blocked time by month or week (never who booked),
  from `availability.segments`.
- A platform's whole schedule (its operators and administrators) and a firm's own bookings: the
  bookings of the period as entries per local day, with the platform's blocked periods.
- Feeds at secret, revocable URLs (`/calendar/<token>.ics`): a user's own (a firm's bookings, and the
  events anyone registered for: `FEED_SOURCES`), or a platform's schedule and events for its operators.
  Only the token's SHA-256 is stored; a new token revokes the old one.

Periods are local (setting TIMEZONE): a month or a Monday-to-Sunday week of local days."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import icalendar
from flask import url_for
from sqlalchemy import select

from .. import vocab
from ..accounts.models import User
from ..core.errors import DomainError, Forbidden
from ..core.models import utcnow, with_related
from ..core.timeutil import local_today, local_zone, to_local
from ..extensions import db
from ..offerings.models import Offering
from ..platforms import services as platform_services
from ..platforms.models import Platform
from . import availability
from .models import Booking, BookingKind, BookingStatus, CalendarFeed, OfferingBlock

VIEWS = ("month", "week")
#: How far from today (either way) a calendar may be opened.
RANGE_YEARS = 5
#: Platform schedules show the requests waiting and what holds capacity.
SCHEDULE_STATUSES = (BookingStatus.REQUESTED, BookingStatus.ACCEPTED, BookingStatus.IN_PROGRESS)
#: A firm's calendar leaves out what never happened (refused, expired, cancelled).
FIRM_HIDDEN_STATUSES = (BookingStatus.DECLINED, BookingStatus.EXPIRED, BookingStatus.CANCELLED)
#: Feeds carry bookings that ended at most this long ago (and everything ahead).
FEED_PAST_DAYS = 180
FEED_MAX_EVENTS = 2000
#: Workflow state → iCalendar STATUS.
ICAL_STATUS = {
    BookingStatus.REQUESTED: "TENTATIVE",
    BookingStatus.DECLINED: "CANCELLED",
    BookingStatus.EXPIRED: "CANCELLED",
    BookingStatus.CANCELLED: "CANCELLED",
}
PRODID = "-//Shandong Pilot Platform Marketplace//Bookings//ZH"
_MONTH = re.compile(r"\d{4}-\d{2}")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


# ---------------------------------------------------------------- periods


class BadPeriod(ValueError):
    """A calendar's query arguments cannot be read (answered 400 with this message)."""


@dataclass(frozen=True)
class Period:
    """The local days a calendar shows: a month (whole weeks around it) or one week."""

    view: str  #: month | week
    anchor: date  #: the month's first day, or the week's Monday
    today: date

    @property
    def first(self) -> date:
        """The first day shown (a Monday)."""
        return self.anchor - timedelta(days=self.anchor.weekday())

    @property
    def last(self) -> date:
        """The last day shown (a Sunday)."""
        if self.view == "week":
            return self.anchor + timedelta(days=6)
        end = _next_month(self.anchor) - timedelta(days=1)
        return end + timedelta(days=6 - end.weekday())

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    @property
    def weeks(self) -> list[list[date]]:
        days = self.days
        return [days[i : i + 7] for i in range(0, len(days), 7)]

    @property
    def start(self) -> datetime:
        return local_midnight(self.first)

    @property
    def end(self) -> datetime:
        return local_midnight(self.last + timedelta(days=1))

    def in_period(self, day: date) -> bool:
        return self.view == "week" or (day.year, day.month) == (self.anchor.year, self.anchor.month)

    @property
    def title(self) -> str:
        if self.view == "month":
            return f"{self.anchor.year} 年 {self.anchor.month} 月"
        last = self.anchor + timedelta(days=6)
        return f"{self.anchor:%Y-%m-%d} 至 {last:%Y-%m-%d}"

    def args(self, anchor: date | None = None) -> dict[str, str]:
        """Query arguments of this view at `anchor` (default: this period)."""
        anchor = anchor or self.anchor
        if self.view == "month":
            return {"view": "month", "month": f"{anchor:%Y-%m}"}
        return {"view": "week", "week": anchor.isoformat()}

    def _within(self, anchor: date) -> bool:
        return abs((anchor - self.today).days) <= RANGE_YEARS * 366

    @property
    def prev_args(self) -> dict[str, str] | None:
        anchor = _prev_month(self.anchor) if self.view == "month" else self.anchor - timedelta(days=7)
        return self.args(anchor) if self._within(anchor) else None

    @property
    def next_args(self) -> dict[str, str] | None:
        anchor = _next_month(self.anchor) if self.view == "month" else self.anchor + timedelta(days=7)
        return self.args(anchor) if self._within(anchor) else None

    @property
    def current_args(self) -> dict[str, str]:
        """This view at today."""
        today = self.today
        anchor = today.replace(day=1) if self.view == "month" else today - timedelta(days=today.weekday())
        return self.args(anchor)

    def switch_args(self, view: str) -> dict[str, str]:
        """The other view around this period (the month of the week's Monday, the month's first week)."""
        if view == "month":
            return {"view": "month", "month": f"{self.anchor:%Y-%m}"}
        day = self.today if self.in_period(self.today) and self.view == "month" else self.anchor
        return {"view": "week", "week": (day - timedelta(days=day.weekday())).isoformat()}


def _next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def _prev_month(day: date) -> date:
    return date(day.year - (day.month == 1), (day.month - 2) % 12 + 1, 1)


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=local_zone())


def period_from_args(view: str | None, month: str | None, week: str | None) -> Period:
    """The period asked for by the query string (`view=month&month=2026-03` or
    `view=week&week=2026-03-02`, any day of the week); missing values mean today's. BadPeriod names
    what cannot be read or lies too far away."""
    today = local_today()
    view = view or "month"
    if view not in VIEWS:
        raise BadPeriod("视图参数 view 只能是 month（月视图）或 week（周视图）。")
    if view == "month":
        if month:
            if not _MONTH.fullmatch(month):
                raise BadPeriod(f"月份参数 month 应写作 {today:%Y-%m} 这样的“年-月”。")
            try:
                anchor = date(int(month[:4]), int(month[5:]), 1)
            except ValueError:
                raise BadPeriod(f"月份 {month} 不存在：月份应为 01 到 12。") from None
        else:
            anchor = today.replace(day=1)
    else:
        if week:
            if not _DAY.fullmatch(week):
                raise BadPeriod(f"周参数 week 应写作 {today.isoformat()} 这样的日期（该周任意一天）。")
            try:
                day = date.fromisoformat(week)
            except ValueError:
                raise BadPeriod(f"日期 {week} 不存在。") from None
        else:
            day = today
        anchor = day - timedelta(days=day.weekday())
    if abs((anchor - today).days) > RANGE_YEARS * 366:
        raise BadPeriod(f"只能查看前后 {RANGE_YEARS} 年内的日历。")
    return Period(view, anchor, today)


# ---------------------------------------------------------------- an offering's availability


@dataclass
class Piece:
    """A segment of one local day (times local, '24:00' for the day's end)."""

    start: str
    end: str
    state: str  #: free | booked | blocked
    free_units: int
    reason: str

    @property
    def label(self) -> str:
        return vocab.CALENDAR_SEGMENT_STATES[self.state]


@dataclass
class AvailabilityDay:
    day: date
    in_period: bool
    is_today: bool
    state: str  #: free | partly | booked | blocked | closed | past
    free_units: int  #: the fewest units free at any free moment of the day (0: none free)
    pieces: list[Piece]
    reasons: list[str]  #: why the day is (partly) blocked

    @property
    def label(self) -> str:
        return vocab.CALENDAR_DAY_STATES[self.state]

    @property
    def short(self) -> str:
        return vocab.CALENDAR_DAY_SHORT[self.state]


def is_whole_day(offering: Offering) -> bool:
    """Booked by whole local days (sites, monthly rent): its free time is told per day."""
    return offering.price_unit in availability.WHOLE_DAY_UNITS


def offering_days(offering: Offering, period: Period) -> list[AvailabilityDay]:
    """Each day of the period with its free, booked and blocked time (one query of bookings and one
    of blocks for the whole period). Never says who booked."""
    segments = availability.segments(offering, period.start, period.end)
    # Days that end before the offering's notice allows a request are not offered either.
    bookable_from = utcnow() + timedelta(hours=offering.min_notice_hours)
    days = []
    for day in period.days:
        a, b = local_midnight(day), local_midnight(day + timedelta(days=1))
        pieces = [
            Piece(_clock(max(s.start, a), day), _clock(min(s.end, b), day), s.state, s.free_units, s.reason)
            for s in segments
            if s.start < b and s.end > a
        ]
        too_soon = day >= period.today and b <= bookable_from
        if day < period.today or too_soon:  # past days are not offered (nor their load told)
            pieces = []
        free = [p.free_units for p in pieces if p.state == "free"]
        days.append(
            AvailabilityDay(
                day=day,
                in_period=period.in_period(day),
                is_today=day == period.today,
                state="past"
                if day < period.today
                else "notice"
                if too_soon
                else _day_state(pieces, offering.booking_capacity),
                free_units=min(free) if free else 0,
                pieces=pieces,
                reasons=list(dict.fromkeys(p.reason for p in pieces if p.state == "blocked")),
            )
        )
    return days


def _clock(moment: datetime, day: date) -> str:
    local = to_local(moment)
    return "24:00" if local.date() > day else f"{local:%H:%M}"


def _day_state(pieces: list[Piece], capacity: int) -> str:
    if not pieces:
        return "closed"
    states = {p.state for p in pieces}
    if states == {"blocked"}:
        return "blocked"
    if "free" not in states:
        return "booked"
    if states == {"free"} and all(p.free_units >= capacity for p in pieces):
        return "free"
    return "partly"


def blocks_in(offering: Offering, period: Period) -> list[OfferingBlock]:
    return availability.blocks_between(offering, period.start, period.end)


# ---------------------------------------------------------------- schedules (who booked: the parties only)


@dataclass
class Entry:
    """A booking or a blocked period on one local day of a schedule."""

    start: datetime
    end: datetime
    title: str
    who: str  #: the firm (platform schedule) or the platform (firm calendar); '' for blocks
    status: str  #: the booking's state, or 'blocked'
    status_label: str
    url: str | None
    quantity: int = 1
    reason: str = ""

    def span_on(self, day: date) -> str:
        """'09:00–12:00', or '全天' when the entry covers the whole day."""
        a, b = local_midnight(day), local_midnight(day + timedelta(days=1))
        start, end = max(self.start, a), min(self.end, b)
        if start == a and end == b:
            return "全天"
        return f"{_clock(start, day)}–{_clock(end, day)}"


@dataclass
class ScheduleDay:
    day: date
    in_period: bool
    is_today: bool
    entries: list[Entry] = field(default_factory=list)


def _by_day(period: Period, entries: list[Entry]) -> list[ScheduleDay]:
    days = []
    for day in period.days:
        a, b = local_midnight(day), local_midnight(day + timedelta(days=1))
        days.append(
            ScheduleDay(
                day=day,
                in_period=period.in_period(day),
                is_today=day == period.today,
                entries=sorted(
                    (e for e in entries if e.start < b and e.end > a), key=lambda e: (e.start, e.title)
                ),
            )
        )
    return days


def _booking_entry(booking, who: str) -> Entry:
    return Entry(
        start=booking.start_at,
        end=booking.end_at,
        title=booking.title,
        who=who,
        status=booking.status,
        status_label=booking.status_label,
        url=url_for("bookings.detail", booking_id=booking.id),
        quantity=booking.quantity,
    )


def _block_entry(block: OfferingBlock) -> Entry:
    return Entry(
        start=block.start_at,
        end=block.end_at,
        title=block.offering.title,
        who="",
        status="blocked",
        status_label="停用",
        url=None,
        reason=block.reason,
    )


def can_see_schedule(user, platform: Platform) -> bool:
    return platform_services.can_manage(user, platform) or bool(
        user and user.is_authenticated and user.is_admin
    )


def get_schedule_platform(user, platform_id: int) -> Platform:
    """The platform whose schedule the user may see; LookupError or Forbidden (404 either way)."""
    platform = db.session.get(Platform, platform_id)
    if platform is None:
        raise LookupError(platform_id)
    if not can_see_schedule(user, platform):
        raise Forbidden()
    return platform


def _platform_bookings(platform: Platform, start: datetime, end: datetime, statuses=None):
    query = (
        select(Booking)
        .options(*with_related(Booking.organization, Booking.platform))
        .where(
            Booking.platform_id == platform.id,
            Booking.start_at.is_not(None),
            Booking.start_at < end,
            Booking.end_at > start,
        )
    )
    if statuses is not None:
        query = query.where(Booking.status.in_(statuses))
    return db.session.scalars(query.order_by(Booking.start_at).limit(FEED_MAX_EVENTS)).all()


def _platform_blocks(platform: Platform, start: datetime, end: datetime):
    return db.session.scalars(
        select(OfferingBlock)
        .join(Offering, OfferingBlock.offering_id == Offering.id)
        .options(*with_related(OfferingBlock.offering))
        .where(
            Offering.platform_id == platform.id, OfferingBlock.start_at < end, OfferingBlock.end_at > start
        )
        .order_by(OfferingBlock.start_at)
        .limit(FEED_MAX_EVENTS)
    ).all()


def platform_schedule(user, platform: Platform, period: Period) -> list[ScheduleDay]:
    """The platform's requested, accepted and in-progress bookings with the firms' names, and the blocked
    periods of its offerings, per day of the period."""
    if not can_see_schedule(user, platform):
        raise Forbidden()
    entries = [
        _booking_entry(b, b.organization.name)
        for b in _platform_bookings(platform, period.start, period.end, SCHEDULE_STATUSES)
    ]
    entries += [_block_entry(block) for block in _platform_blocks(platform, period.start, period.end)]
    return _by_day(period, entries)


def _firm_bookings(user, start: datetime, end: datetime, hidden=FIRM_HIDDEN_STATUSES):
    query = (
        select(Booking)
        .options(*with_related(Booking.platform))
        .where(
            Booking.org_id == user.org_id,
            Booking.start_at.is_not(None),
            Booking.start_at < end,
            Booking.end_at > start,
        )
    )
    if hidden:
        query = query.where(Booking.status.not_in(hidden))
    return db.session.scalars(query.order_by(Booking.start_at).limit(FEED_MAX_EVENTS)).all()


def firm_schedule(user, period: Period) -> list[ScheduleDay]:
    """The firm's own bookings and orders with windows (not refused, expired or cancelled ones)."""
    if not (user and user.is_authenticated and user.is_firm):
        raise Forbidden()
    entries = [_booking_entry(b, b.platform.name) for b in _firm_bookings(user, period.start, period.end)]
    return _by_day(period, entries)


# ---------------------------------------------------------------- feeds


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_targets(user) -> list[Platform | None]:
    """The feeds a user may have: their own (None: the events they registered for and, for a firm, its
    organisation's bookings); an operator also one per platform of its organisation (the platform's
    whole schedule)."""
    if not (user and user.is_authenticated):
        return []
    if user.is_operator:
        return [None, *platform_services.platforms_of(user)]
    return [None]


def _check_target(user, platform: Platform | None) -> None:
    if platform is None:
        if not (user and user.is_authenticated):
            raise Forbidden()
    elif not platform_services.can_manage(user, platform):
        raise Forbidden()


#: Other features' entries in the feeds (events): source(user, platform or None, since, until, host)
#: returns VEVENTs. Registered by the features' init_app (`add_feed_source`).
FEED_SOURCES: list[Callable[..., Iterable[icalendar.Event]]] = []


def add_feed_source(source: Callable[..., Iterable[icalendar.Event]]) -> None:
    if source not in FEED_SOURCES:
        FEED_SOURCES.append(source)


def active_feed(user, platform: Platform | None = None) -> CalendarFeed | None:
    query = select(CalendarFeed).where(CalendarFeed.user_id == user.id, CalendarFeed.revoked_at.is_(None))
    if platform is None:
        query = query.where(CalendarFeed.platform_id.is_(None))
    else:
        query = query.where(CalendarFeed.platform_id == platform.id)
    return db.session.scalar(query.order_by(CalendarFeed.id.desc()).limit(1))


def _revoke_all(user, platform: Platform | None) -> int:
    revoked = 0
    while (feed := active_feed(user, platform)) is not None:
        feed.revoked_at = utcnow()
        revoked += 1
        db.session.flush()
    return revoked


def create_feed(user, platform: Platform | None = None) -> str:
    """A new secret feed URL token for the user's bookings (or a platform's schedule); the previous one
    stops working. Returns the token: it is shown once and only its SHA-256 is kept."""
    _check_target(user, platform)
    _revoke_all(user, platform)
    token = secrets.token_urlsafe(32)
    db.session.add(
        CalendarFeed(
            user_id=user.id, platform_id=platform.id if platform else None, token_hash=token_hash(token)
        )
    )
    db.session.flush()
    return token


def feed_url(token: str) -> str:
    return url_for("calendar.feed", token=token, _external=True)


def revoke_feed(user, platform: Platform | None = None) -> None:
    _check_target(user, platform)
    if not _revoke_all(user, platform):
        raise DomainError(("feed", "该日历订阅链接尚未生成或已停用。"))


def feed_by_token(token: str) -> CalendarFeed:
    """The live feed of this token; LookupError when unknown, revoked, or its user may no longer see it
    (disabled, no longer a firm, no longer an operator of the platform)."""
    if not token or len(token) > 100:
        raise LookupError("token")
    feed = db.session.scalar(
        select(CalendarFeed).where(
            CalendarFeed.token_hash == token_hash(token), CalendarFeed.revoked_at.is_(None)
        )
    )
    if feed is None:
        raise LookupError("token")
    user: User = feed.user
    platform = db.session.get(Platform, feed.platform_id) if feed.platform_id else None
    if not user.is_enabled:
        raise LookupError("token")
    try:
        _check_target(user, platform)
    except Forbidden:
        raise LookupError("token") from None
    return feed


def feed_ical(feed: CalendarFeed, host: str) -> bytes:
    """The feed as an iCalendar document: one VEVENT per booking (UID `ref@host`, times in UTC, STATUS
    CONFIRMED, TENTATIVE or CANCELLED), and the blocked periods in a platform's feed."""
    now = utcnow()
    since = now - timedelta(days=FEED_PAST_DAYS)
    until = now + timedelta(days=RANGE_YEARS * 366)
    user = feed.user
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if feed.platform_id:
        platform = db.session.get(Platform, feed.platform_id)
        cal.add("x-wr-calname", f"{platform.name} 预约日程")
        bookings = _platform_bookings(platform, since, until)
        blocks = _platform_blocks(platform, since, until)
        who = {b.id: f" · {b.organization.name}" for b in bookings}
    else:
        platform = None
        cal.add("x-wr-calname", f"{user.organization.name} · {user.name} 的中试日程")
        bookings = _firm_bookings(user, since, until, hidden=()) if user.is_firm else []
        blocks = []
        who = {}
    cal.add("x-wr-caldesc", "山东省中试平台服务市场 · 时间为 UTC，日历软件会按本地时区显示")
    for booking in bookings:
        cal.add_component(_booking_event(booking, who.get(booking.id, ""), host))
    for block in blocks:
        cal.add_component(_block_event(block, host))
    for source in FEED_SOURCES:
        for item in source(user, platform, since, until, host):
            cal.add_component(item)
    return cal.to_ical()


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _location(platform: Platform) -> str:
    return f"{platform.city} · {platform.name}" if platform.city else platform.name


def _booking_event(booking, who: str, host: str) -> icalendar.Event:
    event = icalendar.Event()
    stamp = booking.status_changed_at or booking.created_at
    event.add("uid", f"{booking.ref}@{host}")
    event.add("dtstamp", _utc(stamp))
    event.add("last-modified", _utc(stamp))
    event.add("created", _utc(booking.created_at))
    event.add("dtstart", _utc(booking.start_at))
    event.add("dtend", _utc(booking.end_at))
    event.add("summary", f"{booking.title}{who}（{booking.status_label}）")
    event.add("location", _location(booking.platform))
    event.add("status", ICAL_STATUS.get(booking.status, "CONFIRMED"))
    url = url_for("bookings.detail", booking_id=booking.id, _external=True)
    event.add("url", url)
    kind = vocab.BOOKING_KINDS[BookingKind(booking.kind)]
    event.add(
        "description",
        f"{kind} {booking.ref}：{booking.status_label}，{booking.quantity} 台/套，"
        f"{booking.price_text}。\n{url}",
    )
    return event


def _block_event(block: OfferingBlock, host: str) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", f"block-{block.id}@{host}")
    event.add("dtstamp", _utc(block.created_at))
    event.add("dtstart", _utc(block.start_at))
    event.add("dtend", _utc(block.end_at))
    event.add("summary", f"停用：{block.offering.title}（{block.reason}）")
    event.add("location", _location(block.offering.platform))
    event.add("status", "CONFIRMED")
    return event
