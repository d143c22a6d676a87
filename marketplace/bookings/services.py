"""Booking and order use cases: request, accept (never beyond capacity), decline, cancel, start,
complete, confirm, no-show; expiry and auto-confirmation; reviews and outcomes; blocked periods.
Permissions are checked here; views, the API and jobs call these functions."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, url_for
from sqlalchemy import func, select

from ..accounts.models import User
from ..attachments.services import add_attachment, register_owner
from ..core.errors import Conflict, DomainError, Forbidden, load_permitted, load_visible
from ..core.locks import LockTimeout, lock_for_transaction
from ..core.models import utcnow, with_related
from ..core.timeutil import format_datetime, to_local
from ..core.urls import external_url
from ..demands.models import Demand
from ..extensions import db
from ..messaging.services import register_thread
from ..offerings.models import Offering
from ..platforms import parties
from ..platforms import services as platform_services
from ..platforms.models import Platform
from ..platforms.parties import (
    dealt_with_by,
    is_firm_party,
    is_party,
    is_platform_party,
    side_actions,
)
from . import availability
from .models import (
    BOOKING_WORKFLOW,
    DONE,
    FIRM_ACTIONS,
    HOLDING,
    PLATFORM_ACTIONS,
    REASON_REQUIRED,
    Booking,
    BookingKind,
    BookingStatus,
    OfferingBlock,
    Outcome,
    Review,
)

NOTE_MAX = 2000
#: States after which a booking's files no longer change.
FILES_CLOSED = (
    BookingStatus.CONFIRMED,
    BookingStatus.DECLINED,
    BookingStatus.EXPIRED,
    BookingStatus.CANCELLED,
    BookingStatus.NO_SHOW,
)
#: The cancellation rule, shown on the request form and on every booking.
CANCELLATION_RULE = "开始前双方均可取消（须说明原因，对方会收到通知）；开始后不能取消，如有变化请与对方沟通。"
ORDER_CANCELLATION_RULE = "服务开始前双方均可取消（须说明原因，对方会收到通知）。"

# ---------------------------------------------------------------- who may do what


def can_view(user, booking: Booking) -> bool:
    return is_party(user, booking) or bool(user and user.is_authenticated and user.is_admin)


def get_visible(user, booking_id: int) -> Booking | None:
    return load_visible(Booking, booking_id, lambda b: can_view(user, b))


def get_by_ref(user, ref: str) -> Booking:
    """The booking with this ref if the user may see it; LookupError otherwise (404 either way)."""
    booking = db.session.scalar(select(Booking).where(Booking.ref == ref))
    if booking is None or not can_view(user, booking):
        raise LookupError(ref)
    return booking


def bookings_for(user, *, kind: str | None = None, statuses=None):
    """A SELECT of the bookings this user deals with: a firm's own, an operator's platforms',
    everything for administrators; newest first."""
    query = dealt_with_by(select(Booking), Booking, user).options(
        *with_related(Booking.platform, Booking.organization)
    )
    if kind:
        query = query.where(Booking.kind == kind)
    if statuses:
        query = query.where(Booking.status.in_(statuses))
    return query.order_by(Booking.created_at.desc(), Booking.id.desc())


def allowed_actions(user, booking: Booking) -> list[str]:
    """The buttons this user sees: what the workflow allows now among what their side may do."""
    permitted = side_actions(user, booking, FIRM_ACTIONS, PLATFORM_ACTIONS)
    now = utcnow()
    actions = BOOKING_WORKFLOW.allowed_actions(booking.status, among=permitted)
    return [a for a in actions if _timing_refusal(booking, a, now) is None]


def open_demands_of(user) -> list[Demand]:
    """The firm's open demands a request may be linked to, newest first."""
    if not (user and user.is_authenticated and user.is_firm):
        return []
    return list(
        db.session.scalars(
            select(Demand).where(Demand.org_id == user.org_id, Demand.is_open).order_by(Demand.id.desc())
        )
    )


def rules_of(offering: Offering) -> list[tuple[str, str]]:
    """The offering's booking rules as (name, text) pairs for the request page."""
    whole_days = offering.price_unit in availability.WHOLE_DAY_UNITS
    lengths = []
    if offering.min_hours:
        lengths.append(f"至少 {offering.min_hours:g} 小时")
    if offering.max_hours:
        lengths.append(f"最多 {offering.max_hours:g} 小时")
    return [
        ("预约方式", "按整天预约（从当天 00:00 到结束日次日 00:00）" if whole_days else "按时段预约"),
        (
            "开放时间",
            "；".join(availability.describe_opening_hours(offering.effective_opening_hours)) or "未设置",
        ),
        ("提前预约", f"至少提前 {offering.min_notice_hours} 小时，最多提前 {offering.max_advance_days} 天"),
        ("预约时长", "，".join(lengths) or "不限"),
        ("可同时预约", f"{offering.booking_capacity} 台/套"),
        ("确认方式", "即时预约：提交即确认" if offering.auto_confirm else "提交后由平台受理确认"),
        ("取消规则", CANCELLATION_RULE),
    ]


def cancellation_rule(booking: Booking) -> str:
    return CANCELLATION_RULE if booking.kind == BookingKind.BOOKING else ORDER_CANCELLATION_RULE


def contacts_open(booking: Booking) -> bool:
    """Both sides see each other's contact person once the platform has accepted."""
    return booking.status in (*HOLDING, *DONE, BookingStatus.NO_SHOW) or (
        booking.status == BookingStatus.CANCELLED and booking.responded_at is not None
    )


def contact_people(user, booking: Booking) -> list[dict]:
    """The other side's contact person(s) this user may see now: the firm sees the platform's contact,
    the platform sees the requester; administrators see both. Empty before acceptance."""
    if not contacts_open(booking):
        return []
    people = []
    firm_side = is_firm_party(user, booking)
    platform_side = is_platform_party(user, booking)
    admin = bool(user and user.is_authenticated and user.is_admin)
    if firm_side or admin:
        p = booking.platform
        people.append(
            {
                "side": "平台",
                "name": p.contact_name,
                "organization": p.name,
                "email": p.contact_email,
                "phone": p.contact_phone,
            }
        )
    if platform_side or admin:
        person = firm_users(booking)[:1]
        people.append(
            {
                "side": "企业",
                "name": person[0].name if person else "",
                "organization": booking.organization.name,
                "email": person[0].email if person else "",
                "phone": (person[0].phone or "") if person else "",
            }
        )
    return people


def waiting_hours(booking: Booking, now: datetime | None = None) -> float | None:
    """How long a request has waited for the platform's answer (None once answered)."""
    if booking.status != BookingStatus.REQUESTED:
        return None
    return ((now or utcnow()) - booking.created_at).total_seconds() / 3600


def is_overdue(booking: Booking, now: datetime | None = None) -> bool:
    waited = waiting_hours(booking, now)
    return waited is not None and waited > current_app.config["RESPONSE_TARGET_HOURS"]


# ---------------------------------------------------------------- parties and notices


def firm_users(booking: Booking) -> list[User]:
    """Whom the firm side is: the requester, or the firm's users when the requester is gone."""
    return parties.firm_users(booking, booking.requested_by)


def _tell_other_side(booking: Booking, by, message: str) -> None:
    """Announce to the side that did not act (both sides when the system acted)."""
    parties.tell_other_side(
        booking,
        by,
        message,
        requester=booking.requested_by,
        link=lambda: external_url("bookings.detail", booking_id=booking.id),
    )


# ---------------------------------------------------------------- requesting


def lock_offering(offering: Offering) -> None:
    """Serialise every capacity decision of one offering: taken before the check, held until the
    commit (PostgreSQL: an advisory lock for the offering; SQLite: the database's write lock)."""
    try:
        lock_for_transaction(f"offering-bookings:{offering.id}", current_app.config["BOOKING_LOCK_WAIT"])
    except LockTimeout:
        raise Conflict(("start", "系统繁忙，请稍后再试。")) from None


def quote(offering: Offering, start: datetime | None, end: datetime | None, quantity: int):
    """(amount or None, basis) shown to the firm before it sends a request."""
    return availability.price_for(offering, start, end, quantity)


def validate_request(offering: Offering, start, end, quantity: int, note: str = "") -> None:
    """The offering's rules for this window (422), then whether the window can still be had (409)."""
    errors = availability.check_request(offering, start, end, quantity)
    if len(note or "") > NOTE_MAX:
        errors.append(("note", f"备注不能超过 {NOTE_MAX} 个字符。"))
    if errors:
        raise DomainError(*errors)
    availability.check_capacity(offering, start, end, quantity)


def request_booking(
    user, offering: Offering, start: datetime, end: datetime, quantity: int = 1, note: str = "", demand=None
) -> Booking:
    """A firm asks for a window; accepted at once when the offering confirms automatically (即时预约),
    else it waits for the operator. Pending requests hold no capacity."""
    if not (user and user.is_authenticated and user.is_firm):
        raise Forbidden()
    if demand is not None and demand.org_id != user.org_id:
        raise Forbidden()
    if offering.auto_confirm:
        lock_offering(offering)  # before any check, so the check and the grant are one step
    validate_request(offering, start, end, quantity, note)
    amount, basis = quote(offering, start, end, quantity)
    booking = Booking(
        kind=BookingKind.BOOKING,
        offering=offering,
        platform_id=offering.platform_id,
        org_id=user.org_id,
        requested_by=user,
        demand_id=demand.id if demand is not None else None,
        title=offering.title,
        start_at=start,
        end_at=end,
        quantity=quantity,
        note=(note or "").strip(),
        price_amount=amount,
        price_unit=offering.price_unit,
        price_basis=basis,
    )
    BOOKING_WORKFLOW.enter(booking, BookingStatus.REQUESTED)
    db.session.add(booking)
    db.session.flush()
    BOOKING_WORKFLOW.record_entry(booking, by=user)
    if offering.auto_confirm:
        _apply(booking, "accept", by=None, reason="即时预约，自动确认")
        _tell_other_side(
            booking, user, f"{booking.organization.name} 预约了“{booking.title}”（即时预约，已自动确认）。"
        )
    else:
        _tell_other_side(
            booking, user, f"{booking.organization.name} 申请预约“{booking.title}”，请及时受理。"
        )
    return booking


def create_order(
    user,
    *,
    platform: Platform,
    org_id: int,
    title: str,
    price_amount,
    terms: str,
    demand_id=None,
    proposal=None,
    offering=None,
    reason: str = "接受方案与报价",
) -> Booking:
    """An order from an accepted proposal or quote: accepted at once, price and terms frozen now."""
    booking = Booking(
        kind=BookingKind.ORDER,
        offering=offering,
        platform=platform,
        org_id=org_id,
        requested_by=user,
        demand_id=demand_id,
        proposal_id=proposal.id if proposal is not None else None,
        title=title,
        quantity=1,
        price_amount=price_amount,
        price_unit="project" if price_amount is not None else None,
        price_basis="按方案报价" if price_amount is not None else "面议",
        terms=terms,
        responded_at=utcnow(),
    )
    BOOKING_WORKFLOW.enter(booking, BookingStatus.ACCEPTED)
    db.session.add(booking)
    db.session.flush()
    BOOKING_WORKFLOW.record_entry(booking, by=user, reason=reason)
    _tell_other_side(booking, user, f"{booking.organization.name} 接受了您的方案，订单“{title}”已生成。")
    return booking


# ---------------------------------------------------------------- the life cycle


def transition(user, booking: Booking, action: str, reason: str | None = None) -> None:
    """One action of the firm or the platform (audited, the other side told). An accept takes the
    offering's lock and checks capacity and blocked periods inside this transaction; `complete`
    takes the completion report as its reason."""
    if action not in side_actions(user, booking, FIRM_ACTIONS, PLATFORM_ACTIONS):
        raise Forbidden()
    reason = (reason or "").strip() or None
    if action in REASON_REQUIRED and not reason:
        raise DomainError(("reason", "请填写原因，对方将看到该原因。"))
    if reason and len(reason) > NOTE_MAX:
        raise DomainError(("reason", f"不能超过 {NOTE_MAX} 个字符。"))
    _apply(booking, action, by=user, reason=reason)
    label = BOOKING_WORKFLOW.action_labels[action]
    side = booking.organization.name if is_firm_party(user, booking) else booking.platform.name
    message = f"{side} 对“{booking.title}”执行了“{label}”，当前状态：{booking.status_label}。"
    if reason:
        message += f"说明：{reason}"
    _tell_other_side(booking, user, message)


def _timing_refusal(booking: Booking, action: str, now: datetime) -> str | None:
    """Rules of time: a booking is cancelled only before it starts, started no earlier than the local
    day before its window (setting up, receiving samples), marked no-show only after it started."""
    if booking.kind != BookingKind.BOOKING or booking.start_at is None:
        return None
    if action == "start" and to_local(now).date() < to_local(booking.start_at).date() - timedelta(days=1):
        return f"预约从 {format_datetime(booking.start_at)} 开始，最早可在前一天开始服务。"
    if action == "cancel" and now >= booking.start_at:
        return "预约开始后不能取消；如有变化请与对方沟通。"
    if action == "no_show" and now < booking.start_at:
        return "预约开始后才能记为未到场。"
    return None


def _apply(booking: Booking, action: str, *, by, reason: str | None) -> None:
    if action == "accept" and booking.kind == BookingKind.BOOKING:
        lock_offering(booking.offering)
        db.session.refresh(booking)  # another request may have changed it before we held the lock

    def timing(b, _by):
        refusal = _timing_refusal(b, action, utcnow())
        if refusal:
            raise Conflict(("status", refusal))  # not allowed now, like a state that forbids it
        return None

    def capacity(b, _by):
        if action == "accept" and b.kind == BookingKind.BOOKING:
            availability.check_capacity(b.offering, b.start_at, b.end_at, b.quantity, exclude_id=b.id)
        return None

    BOOKING_WORKFLOW.apply(booking, action, by=by, reason=reason, guards=[timing, capacity])
    now = utcnow()
    if action in ("accept", "decline") and booking.responded_at is None:
        booking.responded_at = now
    elif action == "complete":
        booking.completed_at = now
        if reason:
            booking.completion_report = reason
    elif action == "confirm":
        booking.confirmed_at = now


def complete(user, booking: Booking, report: str) -> None:
    """The platform reports the work done, with a short completion report (files: attachments)."""
    if not (report or "").strip():
        raise DomainError(("report", "请填写完成情况说明。"))
    transition(user, booking, "complete", report)


def no_show_count(booking: Booking) -> int:
    """How often this firm did not turn up at this platform (shown to the platform on new requests)."""
    return db.session.scalar(
        select(func.count(Booking.id)).where(
            Booking.org_id == booking.org_id,
            Booking.platform_id == booking.platform_id,
            Booking.status == BookingStatus.NO_SHOW,
        )
    )


def expire_unanswered(now: datetime | None = None) -> int:
    """Requests unanswered for BOOKING_EXPIRE_DAYS, or whose start has passed, expire (a job)."""
    now = now or utcnow()
    cutoff = now - timedelta(days=current_app.config["BOOKING_EXPIRE_DAYS"])
    stale = db.session.scalars(
        select(Booking).where(
            Booking.status == BookingStatus.REQUESTED,
            (Booking.created_at < cutoff) | (Booking.start_at <= now),
        )
    ).all()
    for booking in stale:
        _apply(booking, "expire", by=None, reason="平台未在规定时间内受理")
        _tell_other_side(booking, None, f"预约申请“{booking.title}”未在规定时间内受理，已自动过期。")
    return len(stale)


def auto_confirm_completed(now: datetime | None = None) -> int:
    """Completed work the firm has not confirmed within BOOKING_AUTO_CONFIRM_DAYS is confirmed (a job)."""
    now = now or utcnow()
    cutoff = now - timedelta(days=current_app.config["BOOKING_AUTO_CONFIRM_DAYS"])
    waiting = db.session.scalars(
        select(Booking).where(Booking.status == BookingStatus.COMPLETED, Booking.completed_at < cutoff)
    ).all()
    for booking in waiting:
        _apply(booking, "confirm", by=None, reason="企业逾期未确认，系统自动验收")
        _tell_other_side(booking, None, f"“{booking.title}”已完成且企业逾期未确认，系统已自动验收。")
    return len(waiting)


# ---------------------------------------------------------------- blocked periods


def add_block(user, offering: Offering, start: datetime, end: datetime, reason: str) -> OfferingBlock:
    """An operator blocks a period (maintenance, internal use); refused over accepted bookings."""
    if not platform_services.can_manage(user, offering.platform):
        raise Forbidden()
    errors = []
    reason = (reason or "").strip()
    if not reason:
        errors.append(("reason", "请填写停用原因（如设备维护、内部使用）。"))
    elif len(reason) > 200:
        errors.append(("reason", "原因不能超过 200 个字符。"))
    if start.tzinfo is None or end.tzinfo is None:
        errors.append(("start", "时间须带时区。"))
    elif end <= start:
        errors.append(("end", "结束时间应晚于开始时间。"))
    if errors:
        raise DomainError(*errors)
    lock_offering(offering)
    taken = availability.holding_between(offering, start, end)
    if taken:
        first = taken[0]
        raise Conflict(
            (
                "start",
                f"该时段已有确认的预约（{format_datetime(first.start_at)} 至 "
                f"{format_datetime(first.end_at)}），请先与企业协商取消后再设置停用。",
            )
        )
    block = OfferingBlock(offering=offering, start_at=start, end_at=end, reason=reason, created_by_id=user.id)
    db.session.add(block)
    db.session.flush()
    return block


def blocks_of(offering: Offering, now: datetime | None = None) -> list[OfferingBlock]:
    """The offering's blocked periods that have not ended, soonest first."""
    return list(
        db.session.scalars(
            select(OfferingBlock)
            .where(OfferingBlock.offering_id == offering.id, OfferingBlock.end_at > (now or utcnow()))
            .order_by(OfferingBlock.start_at)
        )
    )


def remove_block(user, block: OfferingBlock) -> None:
    if not platform_services.can_manage(user, block.offering.platform):
        raise Forbidden()
    db.session.delete(block)


def get_block(user, block_id: int) -> OfferingBlock:
    return load_permitted(
        OfferingBlock, block_id, lambda b: platform_services.can_manage(user, b.offering.platform)
    )


# ---------------------------------------------------------------- reviews and outcomes


def review(user, booking: Booking, rating: int, comment: str = "") -> Review:
    """The firm rates completed work once, 1-5 with a comment."""
    if not is_firm_party(user, booking):
        raise Forbidden()
    if booking.status not in DONE:
        raise Conflict(("rating", "服务完成后才能评价。"))
    if booking.review is not None:
        raise Conflict(("rating", "已评价过，每项服务只能评价一次。"))
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise DomainError(("rating", "评分应为 1 到 5 分。"))
    if len(comment or "") > NOTE_MAX:
        raise DomainError(("comment", f"评价不能超过 {NOTE_MAX} 个字符。"))
    entry = Review(
        booking=booking,
        offering_id=booking.offering_id,
        platform_id=booking.platform_id,
        author_id=user.id,
        rating=rating,
        comment=(comment or "").strip(),
    )
    db.session.add(entry)
    db.session.flush()
    _tell_other_side(booking, user, f"{booking.organization.name} 评价了“{booking.title}”：{rating} 分。")
    return entry


def reply_to_review(user, entry: Review, text: str) -> None:
    """The platform answers a review once, publicly."""
    if not is_platform_party(user, entry.booking):
        raise Forbidden()
    if entry.reply is not None:
        raise Conflict(("reply", "已回复过该评价，每条评价只能回复一次。"))
    text = (text or "").strip()
    if not text:
        raise DomainError(("reply", "请填写回复内容。"))
    if len(text) > NOTE_MAX:
        raise DomainError(("reply", f"回复不能超过 {NOTE_MAX} 个字符。"))
    entry.reply, entry.replied_at, entry.replied_by_id = text, utcnow(), user.id


def record_outcome(user, booking: Booking, outcome: str, note: str = "") -> None:
    """The firm records (and may later update) what became of its result after completed work."""
    if not is_firm_party(user, booking):
        raise Forbidden()
    if booking.status not in DONE:
        raise Conflict(("outcome", "服务完成后才能填写转化成效。"))
    if outcome not in set(Outcome):
        raise DomainError(("outcome", "请选择有效的转化成效。"))
    if len(note or "") > NOTE_MAX:
        raise DomainError(("outcome_note", f"说明不能超过 {NOTE_MAX} 个字符。"))
    booking.outcome, booking.outcome_note, booking.outcome_at = (
        Outcome(outcome),
        (note or "").strip(),
        utcnow(),
    )


def latest_reviews(*, platform_id: int | None = None, offering_id: int | None = None, limit: int = 5):
    """The newest reviews of a platform or an offering (public, with the platform's replies)."""
    query = select(Review).order_by(Review.created_at.desc(), Review.id.desc()).limit(limit)
    if platform_id is not None:
        query = query.where(Review.platform_id == platform_id)
    if offering_id is not None:
        query = query.where(Review.offering_id == offering_id)
    return list(db.session.scalars(query))


def rating_summary(*, platform_id: int | None = None, offering_id: int | None = None) -> dict:
    """{'average', 'count', 'distribution': {5: n, …, 1: n}} of a platform's or an offering's reviews."""
    query = select(Review.rating, func.count(Review.id)).group_by(Review.rating)
    if platform_id is not None:
        query = query.where(Review.platform_id == platform_id)
    if offering_id is not None:
        query = query.where(Review.offering_id == offering_id)
    counts = dict(db.session.execute(query).all())
    total = sum(counts.values())
    average = sum(r * n for r, n in counts.items()) / total if total else None
    return {
        "average": average,
        "count": total,
        "distribution": {r: counts.get(r, 0) for r in range(5, 0, -1)},
    }


def attach_files(user, booking: Booking, files) -> None:
    """Store the uploaded files (request documents, completion report) on the booking."""
    for file in files or ():
        if file and getattr(file, "filename", ""):
            add_attachment(user, booking, file)


# Both sides attach files to a booking (request documents, completion report); only they see them.
# Each side deletes only its own files, and none once the work is confirmed or the booking ended
# otherwise: what was reported stays on the record.
register_owner(
    Booking,
    can_view=can_view,
    can_manage=lambda user, booking: is_party(user, booking) and booking.status not in FILES_CLOSED,
    url=lambda booking: url_for("bookings.detail", booking_id=booking.id),
    uploader_only=True,
)


# One message thread per booking or order, between the firm and the platform (administrators see
# the booking, not the conversation).
register_thread(
    Booking,
    "booking",
    url=lambda b: url_for("bookings.detail", booking_id=b.id),
    title=lambda b: b.title,
    **parties.thread_rules(Booking, firm_users),
)
