"""Offering use cases: create, edit, pause and resume (operators), hold and release (administrators);
permission checked here."""

from __future__ import annotations

import re

from flask import url_for
from sqlalchemy import select

from .. import vocab
from ..attachments.services import register_owner
from ..core.errors import DomainError, Forbidden, load_permitted, load_visible
from ..core.models import AuditLog
from ..core.numbers import check_numbers
from ..extensions import db
from ..platforms import services as platform_services
from ..platforms.models import PlatformStatus
from .models import (
    ALL_KIND_FIELDS,
    BOOKING_FIELDS,
    KIND_FIELDS,
    MODERATION_ACTIONS,
    NUMBERS,
    OFFERING_WORKFLOW,
    OPERATOR_ACTIONS,
    REASON_REQUIRED,
    Offering,
    OfferingStatus,
)

COMMON_FIELDS = ("title", "description", "domains", "specs", "lead_time_days") + BOOKING_FIELDS
MAX_SPECS = 30
#: Price units booked by whole days (the same as bookings.availability.WHOLE_DAY_UNITS).
WHOLE_DAY_UNITS = ("day", "month")
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$|^24:00$")


def can_manage(user, offering: Offering) -> bool:
    return platform_services.can_manage(user, offering.platform)


def can_view(user, offering: Offering) -> bool:
    if offering.is_public:
        return True
    if not (user and user.is_authenticated):
        return False
    return user.is_admin or can_manage(user, offering)


def offerings_of(platform) -> list[Offering]:
    """All offerings of a platform, newest first (its operators' and administrators' view)."""
    return list(
        db.session.scalars(
            select(Offering).where(Offering.platform_id == platform.id).order_by(Offering.id.desc())
        )
    )


def get_visible(user, offering_id: int, options: tuple = ()) -> Offering | None:
    return load_visible(Offering, offering_id, lambda o: can_view(user, o), options)


def get_managed(user, offering_id: int) -> Offering:
    return load_permitted(Offering, offering_id, lambda o: can_manage(user, o))


def validate(data: dict) -> None:
    """Check a complete offering record (as a dict of model fields)."""
    errors = []
    if data.get("kind") not in vocab.OFFERING_KINDS:
        errors.append(("kind", "请选择有效的资源类型。"))
    if not (data.get("title") or "").strip():
        errors.append(("title", "请填写名称。"))
    elif len(data["title"]) > 200:
        errors.append(("title", "名称不能超过 200 个字符。"))
    domains = data.get("domains") or []
    if not domains or any(d not in vocab.DOMAINS for d in domains):
        errors.append(("domains", "请至少选择一个有效的领域。"))
    errors += check_numbers(data, NUMBERS)
    # A price needs its unit and a unit its price: neither is ever dropped to 面议 silently.
    amount, unit = data.get("price_amount"), data.get("price_unit") or None
    if unit is not None and unit not in vocab.PRICE_UNITS:
        errors.append(("price_unit", "请选择有效的计价单位。"))
    elif amount is not None and unit is None:
        errors.append(("price_unit", "填写了价格，请选择计价单位；价格面议请清空价格。"))
    elif amount is None and unit is not None:
        errors.append(("price_amount", "请填写价格，或将计价单位改为“面议”。"))
    specs = data.get("specs") or {}
    if not isinstance(specs, dict) or len(specs) > MAX_SPECS:
        errors.append(("specs", f"技术参数最多 {MAX_SPECS} 项。"))
    if (
        data.get("kind") == "service"
        and data.get("service_type")
        and data["service_type"] not in vocab.SERVICE_TYPES
    ):
        errors.append(("service_type", "请选择有效的服务类型。"))
    errors += validate_booking_settings(data)
    if errors:
        raise DomainError(*errors)


def validate_opening_hours(rules) -> list[tuple[str, str]]:
    """Check a weekly opening list [{"weekday": 0-6, "start": "HH:MM", "end": "HH:MM"}]."""
    if not isinstance(rules, list) or len(rules) > 70:
        return [("opening_hours", "开放时间应为列表，最多 70 段。")]
    for n, rule in enumerate(rules, 1):
        if not isinstance(rule, dict) or set(rule) != {"weekday", "start", "end"}:
            return [("opening_hours", f"第 {n} 段开放时间应包含 weekday、start、end。")]
        weekday, start, end = rule["weekday"], rule["start"], rule["end"]
        if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
            return [("opening_hours", f"第 {n} 段：星期应为 0（周一）到 6（周日）。")]
        if not (isinstance(start, str) and isinstance(end, str) and _HHMM.match(start) and _HHMM.match(end)):
            return [("opening_hours", f"第 {n} 段：时间格式应为 HH:MM（结束可为 24:00）。")]
        if start == "24:00" or minutes_of(end) <= minutes_of(start):
            return [("opening_hours", f"第 {n} 段（{vocab.WEEKDAYS[weekday]}）：结束时间应晚于开始时间。")]
    return []


def minutes_of(hhmm: str) -> int:
    """'08:30' → 510 minutes after midnight ('24:00' → 1440)."""
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def validate_booking_settings(data: dict) -> list[tuple[str, str]]:
    """Booking settings of an offering: only equipment, sites and process lines are bookable, and
    lengths must be consistent (without opening hours, `Offering.effective_opening_hours` applies)."""
    errors = validate_opening_hours(data.get("opening_hours") or [])
    hours_readable = not errors
    bookable = bool(data.get("is_bookable"))
    if bookable and data.get("kind") == "service":
        errors.append(("is_bookable", "中试服务通过咨询与报价对接，不支持按时段预约。"))
    if bookable:
        for name in ("booking_capacity", "min_notice_hours", "max_advance_days"):
            if name in data and data[name] is None:
                errors.append((name, f"可在线预约的资源请填写{NUMBERS[name].label}。"))
    # Offerings priced by the day or month are booked by whole local days (bookings.availability):
    # an opening that is not a whole day could never be booked.
    if bookable and hours_readable and data.get("price_unit") in WHOLE_DAY_UNITS:
        rules = data.get("opening_hours") or []
        partial = sorted({r["weekday"] for r in rules if (r["start"], r["end"]) != ("00:00", "24:00")})
        if partial:
            days = "、".join(vocab.WEEKDAYS[d] for d in partial)
            errors.append(
                ("opening_hours", f"按天或按月计价的资源按整天预约，开放时间只能是“全天”或“休息”（{days}）。")
            )
    low, high = data.get("min_hours"), data.get("max_hours")
    if low is not None and high is not None and high < low:
        errors.append(("max_hours", "最长预约时长不能短于最短预约时长。"))
    return errors


def _assign(offering: Offering, data: dict) -> None:
    for field in COMMON_FIELDS + ("price_amount", "price_unit"):
        if field in data:
            value = data[field]
            setattr(offering, field, value.strip() if isinstance(value, str) else value)
    if offering.price_amount is None:
        offering.price_unit = None
    own = KIND_FIELDS[offering.kind]
    for field in ALL_KIND_FIELDS:
        if field not in own:
            setattr(offering, field, None)  # fields of another kind never linger
        elif field in data:
            setattr(offering, field, data[field])


def _snapshot(offering: Offering) -> dict:
    return {
        f: getattr(offering, f)
        for f in ("kind",) + COMMON_FIELDS + ("price_amount", "price_unit") + ALL_KIND_FIELDS
    }


def create_offering(user, platform, data: dict) -> Offering:
    if not platform_services.can_manage(user, platform):
        raise Forbidden()
    validate(data)
    offering = Offering(platform=platform, kind=data["kind"], status=OfferingStatus.ACTIVE)
    _assign(offering, data)
    db.session.add(offering)
    db.session.flush()
    return offering


def update_offering(user, offering: Offering, data: dict) -> Offering:
    if not can_manage(user, offering):
        raise Forbidden()
    data = {k: v for k, v in data.items() if k != "kind" or v == offering.kind}
    validate({**_snapshot(offering), **data})
    _assign(offering, data)
    return offering


def _permitted_actions(user, offering: Offering) -> set[str]:
    """Its operators pause and resume an offering; administrators hold it and lift the hold."""
    permitted: set[str] = set()
    if can_manage(user, offering):
        permitted.update(OPERATOR_ACTIONS)
    if user and user.is_authenticated and user.is_admin:
        permitted.update(MODERATION_ACTIONS)
    return permitted


def publication_notice(offering: Offering) -> str:
    """What saving an offering did, truthfully: public now, or when it will be."""
    if offering.is_public:
        return "已保存，资源已对外展示。"
    if offering.status == OfferingStatus.PAUSED:
        return "已保存。资源已暂停，恢复后对外展示。"
    if offering.status == OfferingStatus.HELD:
        return "已保存。资源已被管理员暂停，解除并恢复后对外展示。"
    status = offering.platform.status
    if status == PlatformStatus.SUSPENDED:
        return "已保存。平台已被暂停，恢复后对外展示。"
    if status == PlatformStatus.REJECTED:
        return "已保存。平台未通过审核，资源不对外展示。"
    return "已保存。平台通过审核后对外展示。"


def offering_actions(user, offering: Offering) -> list[str]:
    """The status actions this user may take on this offering now (for the buttons shown)."""
    return OFFERING_WORKFLOW.allowed_actions(offering.status, among=_permitted_actions(user, offering))


def change_status(user, offering: Offering, action: str, reason: str | None = None) -> None:
    """Apply one status action (audited by the workflow). An administrator's hold needs a reason,
    which the operator reads on their pages; only an administrator lifts it."""
    if action not in _permitted_actions(user, offering):
        raise Forbidden()
    reason = (reason or "").strip() or None
    if action in REASON_REQUIRED and not reason:
        raise DomainError(("reason", "请填写暂停原因，运营方将看到该原因。"))
    OFFERING_WORKFLOW.apply(offering, action, by=user, reason=reason)


def pause_offering(user, offering: Offering, reason: str | None = None) -> None:
    """Its operator takes an offering off the catalogue and search."""
    change_status(user, offering, "pause", reason)


def resume_offering(user, offering: Offering) -> None:
    change_status(user, offering, "resume")


def hold_reasons(offerings) -> dict[int, str | None]:
    """Why each held offering among `offerings` is held: the reason of its latest hold."""
    held = [o.id for o in offerings if o.is_held]
    if not held:
        return {}
    rows = db.session.execute(
        select(AuditLog.object_id, AuditLog.reason)
        .where(
            AuditLog.object_type == OFFERING_WORKFLOW.object_type,
            AuditLog.object_id.in_(held),
            AuditLog.new_state == OfferingStatus.HELD,
        )
        .order_by(AuditLog.id)
    )
    return {offering_id: reason for offering_id, reason in rows}  # the latest hold wins


# Operators attach images and documents to their offerings; whoever may see the offering sees them.
register_owner(
    Offering,
    can_view=can_view,
    can_manage=can_manage,
    url=lambda offering: url_for("offerings.edit", offering_id=offering.id),
)
