"""Event use cases: operators of an approved platform create, publish, edit and cancel events; signed-in
users register and cancel; reminders before the start; the events in iCalendar. Permission checked here.

Seats: `Event.registered_count` moves only by a conditional UPDATE (`_take_seat`, `_free_seat`) in the
transaction that writes the registration. On PostgreSQL the UPDATE locks the event's row and re-reads it,
on SQLite the write lock serialises writers: either way two people never get the last seat, and a
refused registration leaves no row (the view rolls the whole transaction back)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import icalendar
from flask import current_app
from sqlalchemy import Select, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from .. import signals, vocab
from ..accounts.models import User
from ..core.errors import Conflict, DomainError, Forbidden, load_permitted, load_visible
from ..core.models import utcnow
from ..core.numbers import Bounds, check_numbers
from ..core.timeutil import format_datetime
from ..core.urls import external_url
from ..extensions import db
from ..platforms import services as platform_services
from ..platforms.models import Platform, PlatformStatus
from .models import EVENT_WORKFLOW, Event, EventRegistration, EventStatus, RegistrationStatus

NUMBERS = {"capacity": Bounds("名额", 1, 100_000, " 人", integer=True)}
#: The longest event (a competition's final round may take days, not months).
LONGEST = timedelta(days=31)
FIELDS = ("kind", "title", "description", "starts_at", "ends_at", "city", "place", "capacity")
#: Changes that registrants are told of.
TOLD_FIELDS = ("starts_at", "ends_at", "city", "place")
_PHONE = re.compile(r"^[0-9+\-() ]{5,30}$")


# --- who may do what ----------------------------------------------------------------------------------


def can_manage(user, event: Event) -> bool:
    return platform_services.can_manage(user, event.platform)


def can_view(user, event: Event) -> bool:
    if event.status != EventStatus.DRAFT:
        return True
    return bool(user and user.is_authenticated and (user.is_admin or can_manage(user, event)))


def get_visible(user, event_id: int) -> Event | None:
    return load_visible(Event, event_id, lambda e: can_view(user, e))


def get_managed(user, event_id: int) -> Event:
    return load_permitted(Event, event_id, lambda e: can_manage(user, e))


def hosts_of(user) -> list[Platform]:
    """The platforms whose events the user manages."""
    return platform_services.platforms_of(user) if user.is_operator else []


# --- operators ----------------------------------------------------------------------------------------


def validate(data: dict, event: Event | None = None) -> None:
    errors = check_numbers(data, NUMBERS)
    if data.get("kind") not in vocab.EVENT_KINDS:
        errors.append(("kind", "请选择活动类型。"))
    if not (data.get("title") or "").strip():
        errors.append(("title", "请填写活动名称。"))
    if data.get("city") not in vocab.ALL_CITIES:
        errors.append(("city", "请选择城市。"))
    if not (data.get("place") or "").strip():
        errors.append(("place", "请填写活动地点（线上活动请写“线上”和会议平台）。"))
    starts, ends, deadline = data.get("starts_at"), data.get("ends_at"), data.get("registration_deadline")
    if starts and ends:
        if ends <= starts:
            errors.append(("ends_at", "结束时间须晚于开始时间。"))
        elif ends - starts > LONGEST:
            errors.append(("ends_at", "一场活动最长 31 天。"))
    if starts and (event is None or starts != event.starts_at) and starts <= utcnow():
        errors.append(("starts_at", "开始时间须晚于现在。"))
    if deadline and starts and deadline > starts:
        errors.append(("registration_deadline", "报名截止时间不能晚于活动开始时间。"))
    capacity = data.get("capacity")
    if event is not None and isinstance(capacity, int) and capacity < event.registered_count:
        errors.append(("capacity", f"已有 {event.registered_count} 人报名，名额不能少于此数。"))
    if errors:
        raise DomainError(*errors)


def _assign(event: Event, data: dict) -> None:
    for name in FIELDS:
        setattr(event, name, data.get(name))
    event.title = event.title.strip()
    event.place = event.place.strip()
    event.description = (event.description or "").strip()
    event.registration_deadline = data.get("registration_deadline")


def create_event(user, platform: Platform, data: dict) -> Event:
    """A draft event of the platform (published by `change_status`)."""
    if not platform_services.can_manage(user, platform):
        raise Forbidden()
    validate(data)
    event = Event(platform_id=platform.id, platform=platform, created_by_id=user.id)
    _assign(event, data)
    db.session.add(event)
    db.session.flush()
    return event


def update_event(user, event: Event, data: dict) -> Event:
    """Edit an event that is not cancelled; registrants hear of a new time or place."""
    if not can_manage(user, event):
        raise Forbidden()
    if event.status == EventStatus.CANCELLED:
        raise Conflict(("status", "活动已取消，不能再修改。"))
    validate(data, event)
    before = {name: getattr(event, name) for name in TOLD_FIELDS}
    _assign(event, data)
    if event.status == EventStatus.PUBLISHED and any(getattr(event, n) != v for n, v in before.items()):
        _tell_registrants(
            event,
            f"您报名的活动“{event.title}”时间或地点有变更：{_when_where(event)}。",
        )
    return event


def _platform_approved(event: Event, _by) -> str | None:
    if event.platform.status != PlatformStatus.APPROVED:
        return "平台通过审核后才能发布活动。"
    return None


def _not_started(event: Event, _by) -> str | None:
    return "活动开始时间已过，请先修改时间。" if event.starts_at <= utcnow() else None


def event_actions(user, event: Event) -> list[str]:
    return EVENT_WORKFLOW.allowed_actions(event.status) if can_manage(user, event) or user.is_admin else []


def change_status(user, event: Event, action: str, reason: str | None = None) -> None:
    """Publish (operators) or cancel (operators, administrators: a reason the registrants read)."""
    if not (can_manage(user, event) or (user.is_admin and action == "cancel")):
        raise Forbidden()
    reason = (reason or "").strip()
    if action == "cancel" and event.status == EventStatus.PUBLISHED and not reason:
        raise DomainError(("reason", "请填写取消原因，报名者会收到。"))
    guards = (_platform_approved, _not_started) if action == "publish" else ()
    EVENT_WORKFLOW.apply(event, action, by=user, reason=reason or None, guards=guards)
    if action == "publish" and event.published_at is None:
        event.published_at = utcnow()
    if action == "cancel":
        event.cancel_reason = reason[:500]
        _tell_registrants(event, f"您报名的活动“{event.title}”已取消。原因：{reason}")


def _when_where(event: Event) -> str:
    return (
        f"{format_datetime(event.starts_at)} 至 {format_datetime(event.ends_at)}，{event.city} {event.place}"
    )


def _registered(event: Event) -> Select:
    """The event's live registrations with their users and organisations (notices, the list, the CSV)."""
    return (
        select(EventRegistration)
        .where(
            EventRegistration.event_id == event.id, EventRegistration.status == RegistrationStatus.REGISTERED
        )
        .options(selectinload(EventRegistration.user).selectinload(User.organization))
    )


def _tell_registrants(event: Event, message: str) -> None:
    users = [r.user for r in db.session.scalars(_registered(event))]
    link = external_url("events.detail", event_id=event.id)
    signals.notice.send("events", users=users, message=message, link=link, category="event")


def registrations_of(user, event: Event) -> list[EventRegistration]:
    """Who registered (the host's operators and administrators), in the order they did."""
    if not (can_manage(user, event) or user.is_admin):
        raise Forbidden()
    return list(db.session.scalars(_registered(event).order_by(EventRegistration.id)))


def all_events(user, *, status: str | None = None) -> Select:
    """Every event, drafts and cancelled ones too, newest first (administrators)."""
    if not user.is_admin:
        raise Forbidden()
    query = select(Event)
    if status in vocab.EVENT_STATUSES:
        query = query.where(Event.status == status)
    return query.order_by(Event.id.desc())


def events_of(platform: Platform) -> list[Event]:
    return list(
        db.session.scalars(
            select(Event).where(Event.platform_id == platform.id).order_by(Event.starts_at.desc())
        )
    )


# --- everyone -----------------------------------------------------------------------------------------


def listing(*, kind: str | None = None, city: str | None = None, past: bool = False) -> Select:
    """Published and cancelled events (a cancelled one stays listed, marked), upcoming soonest first or
    past latest first, of a kind and a city when given."""
    now = utcnow()
    query = select(Event).where(Event.status != EventStatus.DRAFT)
    if kind in vocab.EVENT_KINDS:
        query = query.where(Event.kind == kind)
    if city in vocab.ALL_CITIES:
        query = query.where(Event.city == city)
    if past:
        return query.where(Event.ends_at <= now).order_by(Event.starts_at.desc(), Event.id.desc())
    return query.where(Event.ends_at > now).order_by(Event.starts_at, Event.id)


def upcoming(limit: int, platform: Platform | None = None) -> list[Event]:
    """The next published events (the home page), or one platform's (its public page)."""
    query = listing().where(Event.status == EventStatus.PUBLISHED).limit(limit)
    if platform is not None:
        query = query.where(Event.platform_id == platform.id)
    return list(db.session.scalars(query))


def registration_of(user, event: Event) -> EventRegistration | None:
    if not (user and user.is_authenticated):
        return None
    return db.session.scalar(
        select(EventRegistration).where(
            EventRegistration.event_id == event.id, EventRegistration.user_id == user.id
        )
    )


def registered_among(user, event_ids: list[int]) -> set[int]:
    """Which of these events the user has a seat for (the list's 已报名 tags)."""
    if not (user and user.is_authenticated and event_ids):
        return set()
    return set(
        db.session.scalars(
            select(EventRegistration.event_id).where(
                EventRegistration.user_id == user.id,
                EventRegistration.event_id.in_(event_ids),
                EventRegistration.status == RegistrationStatus.REGISTERED,
            )
        )
    )


def check_registration(data: dict) -> None:
    errors = []
    if not _PHONE.match((data.get("phone") or "").strip()):
        errors.append(("phone", "请填写有效的联系电话。"))
    if len(data.get("note") or "") > 300:
        errors.append(("note", "备注不能超过 300 个字符。"))
    if errors:
        raise DomainError(*errors)


def _take_seat(event: Event) -> bool:
    """One seat, if any is left: a single conditional UPDATE (see the module's docstring)."""
    taken = db.session.execute(
        update(Event)
        .where(
            Event.id == event.id,
            Event.status == EventStatus.PUBLISHED,
            or_(Event.capacity.is_(None), Event.registered_count < Event.capacity),
        )
        .values(registered_count=Event.registered_count + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(event)
    return taken == 1


def _free_seat(event: Event) -> None:
    db.session.execute(
        update(Event)
        .where(Event.id == event.id, Event.registered_count > 0)
        .values(registered_count=Event.registered_count - 1)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(event)


def register(user, event: Event, data: dict) -> EventRegistration:
    """Take a seat for the user. Refused (Conflict) when registration is closed, the user has a seat,
    or none is left; the caller rolls back then."""
    if not can_view(user, event):
        raise LookupError(event.id)
    check_registration(data)
    if event.status != EventStatus.PUBLISHED:
        raise Conflict(("event", "该活动不接受报名。"))
    if not event.is_open_for_registration:
        raise Conflict(("event", "报名已截止。"))
    existing = registration_of(user, event)
    if existing is not None and existing.status == RegistrationStatus.REGISTERED:
        raise Conflict(("event", "您已报名该活动。"))
    if not _take_seat(event):
        raise Conflict(("event", "名额已满。"))
    fields = {"phone": data["phone"].strip(), "note": (data.get("note") or "").strip()}
    if existing is None:
        registration = EventRegistration(event_id=event.id, user_id=user.id, **fields)
        try:
            with db.session.begin_nested():
                db.session.add(registration)
        except IntegrityError:  # the same user, at the same moment, in another request
            raise Conflict(("event", "您已报名该活动。")) from None
    else:
        reopened = db.session.execute(
            update(EventRegistration)
            .where(
                EventRegistration.id == existing.id,
                EventRegistration.status == RegistrationStatus.CANCELLED,
            )
            .values(status=RegistrationStatus.REGISTERED, reminded_at=None, **fields)
            .execution_options(synchronize_session=False)
        ).rowcount
        if reopened != 1:
            raise Conflict(("event", "您已报名该活动。"))
        db.session.refresh(existing)
        registration = existing
    link = external_url("events.detail", event_id=event.id)
    signals.notice.send(
        "events",
        users=[user],
        message=f"您已报名“{event.title}”：{_when_where(event)}。活动开始前会提醒您。",
        link=link,
        category="event",
    )
    return registration


def cancel_registration(user, event: Event) -> None:
    """The user gives their seat back (before the event starts)."""
    registration = registration_of(user, event)
    if registration is None or registration.status != RegistrationStatus.REGISTERED:
        raise Conflict(("event", "您尚未报名该活动。"))
    if event.starts_at <= utcnow():
        raise Conflict(("event", "活动已开始，不能取消报名。"))
    cancelled = db.session.execute(
        update(EventRegistration)
        .where(
            EventRegistration.id == registration.id,
            EventRegistration.status == RegistrationStatus.REGISTERED,
        )
        .values(status=RegistrationStatus.CANCELLED)
        .execution_options(synchronize_session=False)
    ).rowcount
    if cancelled == 1:
        _free_seat(event)
    db.session.refresh(registration)


def registrations_for(user, *, past: bool = False) -> list[EventRegistration]:
    """The user's live registrations: events to come (soonest first) or past ones (latest first)."""
    now = utcnow()
    query = (
        select(EventRegistration)
        .join(Event)
        .where(
            EventRegistration.user_id == user.id, EventRegistration.status == RegistrationStatus.REGISTERED
        )
    )
    if past:
        query = query.where(Event.ends_at <= now).order_by(Event.starts_at.desc())
    else:
        query = query.where(Event.ends_at > now).order_by(Event.starts_at)
    return list(db.session.scalars(query))


# --- reminders ----------------------------------------------------------------------------------------


def send_reminders() -> int:
    """Remind everyone registered for a published event that starts within EVENT_REMINDER_HOURS. Each
    registration is claimed by a conditional UPDATE before its notice is written, in the same
    transaction: running twice, or two workers at once, reminds nobody twice. Returns how many."""
    now = utcnow()
    soon = now + timedelta(hours=current_app.config["EVENT_REMINDER_HOURS"])
    due = db.session.scalars(
        select(EventRegistration)
        .join(Event)
        .where(
            EventRegistration.status == RegistrationStatus.REGISTERED,
            EventRegistration.reminded_at.is_(None),
            Event.status == EventStatus.PUBLISHED,
            Event.starts_at > now,
            Event.starts_at <= soon,
        )
        .order_by(EventRegistration.id)
    ).all()
    sent = 0
    for registration in due:
        claimed = db.session.execute(
            update(EventRegistration)
            .where(EventRegistration.id == registration.id, EventRegistration.reminded_at.is_(None))
            .values(reminded_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:
            continue
        event = registration.event
        signals.notice.send(
            "events",
            users=[registration.user],
            message=f"活动提醒：您报名的“{event.title}”将于 {_when_where(event)} 举行。",
            link=external_url("events.detail", event_id=event.id),
            category="event",
        )
        sent += 1
    db.session.commit()
    return sent


# --- iCalendar ----------------------------------------------------------------------------------------


def ical_event(event: Event, host: str) -> icalendar.Event:
    """The event as a VEVENT: UID `event-<id>@host`, times in UTC, STATUS CONFIRMED or CANCELLED."""
    item = icalendar.Event()
    stamp = event.updated_at or event.created_at
    url = external_url("events.detail", event_id=event.id)
    item.add("uid", f"event-{event.id}@{host}")
    item.add("dtstamp", stamp)
    item.add("last-modified", stamp)
    item.add("dtstart", event.starts_at)
    item.add("dtend", event.ends_at)
    item.add("summary", event.title)
    item.add("location", f"{event.city} · {event.place}")
    item.add("status", "CANCELLED" if event.status == EventStatus.CANCELLED else "CONFIRMED")
    item.add("url", url)
    host_line = f"{event.kind_label} · 主办：{event.platform.name}"
    item.add("description", f"{host_line}\n{event.description[:1000]}\n{url}")
    return item


def event_ical(event: Event, host: str) -> bytes:
    """One event as an iCalendar document (the 添加到日历 link)."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//山东省中试平台服务市场//活动//ZH")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    cal.add_component(ical_event(event, host))
    return cal.to_ical()


def feed_events(user, platform: Platform | None, since: datetime, until: datetime) -> list[Event]:
    """The events in a calendar feed: a platform's own (published or cancelled), or those the user
    registered for."""
    query = select(Event).where(Event.ends_at >= since, Event.starts_at <= until)
    if platform is not None:
        query = query.where(Event.platform_id == platform.id, Event.status != EventStatus.DRAFT)
    else:
        query = query.join(EventRegistration).where(
            EventRegistration.user_id == user.id,
            EventRegistration.status == RegistrationStatus.REGISTERED,
        )
    return list(db.session.scalars(query.order_by(Event.starts_at)))


def feed_entries(user, platform: Platform | None, since: datetime, until: datetime, host: str):
    """The VEVENTs of `feed_events` (a calendar feed's source, bookings.calendar.FEED_SOURCES)."""
    return [ical_event(event, host) for event in feed_events(user, platform, since, until)]
