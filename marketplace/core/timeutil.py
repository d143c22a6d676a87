"""Time: aware UTC inside the application, the configured zone (TIMEZONE) for people.

Timestamps are aware UTC datetimes everywhere in Python and stored as UTC (`core.models.UTCDateTime`).
What a person calls "today" (deadlines, expiry) and every time shown on a page use the local zone,
`Asia/Shanghai` by default: a deadline of 1 March has passed at 00:00 Beijing time, 16:00 UTC.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask.globals import _cv_app

DEFAULT_TIMEZONE = "Asia/Shanghai"
#: How a zone is named on pages; other zones are shown by their IANA name.
ZONE_LABELS = {"Asia/Shanghai": "北京时间", "UTC": "UTC"}


def _system_clock() -> datetime:
    return datetime.now(UTC)


#: The application's only clock. Tests freeze time by replacing it (tests/conftest.py `freeze_now`).
clock: Callable[[], datetime] = _system_clock


@contextmanager
def clock_at(moment: datetime) -> Iterator[None]:
    """Run a block as if it were `moment` (aware): every "now" of the application follows. For
    replaying history (the demo's year of bookings); tests use the `freeze_now` fixture instead."""
    global clock
    if moment.tzinfo is None:
        raise ValueError("clock_at needs an aware moment")
    previous, clock = clock, (lambda: moment)
    try:
        yield
    finally:
        clock = previous


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return clock().astimezone(UTC)


def zone_name() -> str:
    """The setting TIMEZONE (an IANA name); the default outside an application context.

    Read on every call (a test may change the setting), straight from the application context's
    variable: pages convert hundreds of times each, and the `current_app` proxy costs more than the
    conversion."""
    context = _cv_app.get(None)
    if context is None:
        return DEFAULT_TIMEZONE
    return context.app.config.get("TIMEZONE") or DEFAULT_TIMEZONE


#: {IANA name: zone}: a zone is configuration, and ZoneInfo's own cache is slower to ask.
_ZONES: dict[str, ZoneInfo] = {}


def local_zone() -> ZoneInfo:
    """The zone of the people using the marketplace (setting TIMEZONE)."""
    name = zone_name()
    zone = _ZONES.get(name)
    if zone is None:
        zone = _ZONES[name] = ZoneInfo(name)
    return zone


def zone_label() -> str:
    name = zone_name()
    return ZONE_LABELS.get(name, name)


def to_local(value: datetime) -> datetime:
    """An aware datetime in the local zone. A naive value is refused: its zone is unknown."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value!r}: use aware values (core.timeutil.utcnow())")
    return value.astimezone(local_zone())


def local_now() -> datetime:
    return to_local(utcnow())


def local_today() -> date:
    """Today's date in the local zone: the day deadlines and expiry are measured against."""
    return local_now().date()


def local_hour() -> datetime:
    """The current local hour (local time, minutes cut off): what pages that hide what is too close
    to come (a notice in whole hours) are measured against."""
    return local_now().replace(minute=0, second=0, microsecond=0)


def this_minute() -> datetime:
    """The current time with the seconds cut off (UTC): what signed-in pages kept for a minute
    (`cache.member_page`) show the time as of."""
    return utcnow().replace(second=0, microsecond=0)


def format_datetime(value: datetime | None) -> str:
    """'2026-03-01 08:00' in local time (Jinja filter `dt`)."""
    return to_local(value).strftime("%Y-%m-%d %H:%M") if value else ""


def format_date(value: date | datetime | None) -> str:
    """'2026-03-01': a calendar date as is, a timestamp as its local date (Jinja filter `d`)."""
    if not value:
        return ""
    if isinstance(value, datetime):
        value = to_local(value)
    return value.strftime("%Y-%m-%d")
