"""Offering use cases: create, edit, pause, resume; permission checked here."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import select

from .. import vocab
from ..attachments.services import register_owner
from ..core.errors import DomainError, Forbidden, load_permitted, load_visible
from ..extensions import db
from ..platforms import services as platform_services
from ..platforms.models import PlatformStatus
from .models import KIND_FIELDS, OFFERING_WORKFLOW, Offering, OfferingStatus

COMMON_FIELDS = ("title", "description", "domains", "specs", "lead_time_days", "is_bookable")
ALL_KIND_FIELDS = tuple(f for fields in KIND_FIELDS.values() for f in fields)
MAX_SPECS = 30


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


def get_visible(user, offering_id: int) -> Offering | None:
    return load_visible(Offering, offering_id, lambda o: can_view(user, o))


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
    # A price needs its unit and a unit its price: neither is ever dropped to 面议 silently.
    amount, unit = data.get("price_amount"), data.get("price_unit") or None
    if amount is not None and amount < 0:
        errors.append(("price_amount", "价格不能为负数。"))
    if unit is not None and unit not in vocab.PRICE_UNITS:
        errors.append(("price_unit", "请选择有效的计价单位。"))
    elif amount is not None and unit is None:
        errors.append(("price_unit", "填写了价格，请选择计价单位；价格面议请清空价格。"))
    elif amount is None and unit is not None:
        errors.append(("price_amount", "请填写价格，或将计价单位改为“面议”。"))
    specs = data.get("specs") or {}
    if not isinstance(specs, dict) or len(specs) > MAX_SPECS:
        errors.append(("specs", f"技术参数最多 {MAX_SPECS} 项。"))
    lead = data.get("lead_time_days")
    if lead is not None and not 0 <= lead <= 3650:
        errors.append(("lead_time_days", "交付周期应在 0 到 3650 天之间。"))
    if (
        data.get("kind") == "service"
        and data.get("service_type")
        and data["service_type"] not in vocab.SERVICE_TYPES
    ):
        errors.append(("service_type", "请选择有效的服务类型。"))
    if data.get("quantity") is not None and data["quantity"] < 1:
        errors.append(("quantity", "数量至少为 1。"))
    if data.get("area_m2") is not None and data["area_m2"] <= 0:
        errors.append(("area_m2", "面积必须大于 0。"))
    if errors:
        raise DomainError(*errors)


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


def publication_notice(offering: Offering) -> str:
    """What saving an offering did, truthfully: public now, or when it will be."""
    if offering.is_public:
        return "已保存，资源已对外展示。"
    if offering.status == OfferingStatus.PAUSED:
        return "已保存。资源已暂停，恢复后对外展示。"
    status = offering.platform.status
    if status == PlatformStatus.SUSPENDED:
        return "已保存。平台已被暂停，恢复后对外展示。"
    if status == PlatformStatus.REJECTED:
        return "已保存。平台未通过审核，资源不对外展示。"
    return "已保存。平台通过审核后对外展示。"


def pause_offering(user, offering: Offering, reason: str | None = None) -> None:
    """Take an offering off the catalogue and search. Operators pause their own; administrators any."""
    if not (can_manage(user, offering) or user.is_admin):
        raise Forbidden()
    OFFERING_WORKFLOW.apply(offering, "pause", by=user, reason=reason)


def resume_offering(user, offering: Offering) -> None:
    if not can_manage(user, offering):
        raise Forbidden()
    OFFERING_WORKFLOW.apply(offering, "resume", by=user)


def offering_actions(user, offering: Offering) -> list[str]:
    """The status actions this user may take on this offering now (for the buttons shown)."""
    mine = can_manage(user, offering)
    permitted = {"pause"} if (mine or user.is_admin) else set()
    if mine:
        permitted.add("resume")
    return OFFERING_WORKFLOW.allowed_actions(offering.status, among=permitted)


# Operators attach images and documents to their offerings; whoever may see the offering sees them.
register_owner(
    Offering,
    can_view=can_view,
    can_manage=can_manage,
    url=lambda offering: url_for("offerings.edit", offering_id=offering.id),
)
