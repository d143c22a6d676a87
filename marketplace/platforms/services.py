"""Platform use cases: create, edit, submit, review; every permission check lives here."""

from __future__ import annotations

from sqlalchemy import select

from .. import signals, vocab
from ..core.errors import DomainError, Forbidden, load_permitted, load_visible
from ..core.models import utcnow
from ..core.state import TransitionError
from ..extensions import db
from .models import PLATFORM_WORKFLOW, Platform

EDITABLE_FIELDS = (
    "name", "level", "city", "domains", "description", "capabilities", "certifications", "address",
    "contact_name", "contact_phone", "contact_email", "sharing_rules", "fee_standard",
)


def can_manage(user, platform: Platform) -> bool:
    return bool(user and user.is_authenticated and user.role == "operator" and user.org_id == platform.org_id)


def can_view(user, platform: Platform) -> bool:
    if platform.is_public:
        return True
    return bool(user and user.is_authenticated and (user.is_admin or can_manage(user, platform)))


def get_visible(user, platform_id: int) -> Platform | None:
    """The platform if this user may see it; None (answered 404) otherwise."""
    return load_visible(Platform, platform_id, lambda p: can_view(user, p))


def get_managed(user, platform_id: int) -> Platform:
    return load_permitted(Platform, platform_id, lambda p: can_manage(user, p))


def platforms_of(user) -> list[Platform]:
    return list(db.session.scalars(select(Platform).where(Platform.org_id == user.org_id).order_by(Platform.id)))


def validate(data: dict) -> None:
    errors = []
    if not (data.get("name") or "").strip():
        errors.append(("name", "请填写平台名称。"))
    if data.get("level") not in vocab.PLATFORM_LEVELS:
        errors.append(("level", "请选择有效的平台级别。"))
    if data.get("city") not in vocab.ALL_CITIES:
        errors.append(("city", "请选择有效的城市。"))
    domains = data.get("domains") or []
    if not domains or any(d not in vocab.DOMAINS for d in domains):
        errors.append(("domains", "请至少选择一个有效的领域。"))
    if errors:
        raise DomainError(*errors)


def _assign(platform: Platform, data: dict) -> None:
    for field in EDITABLE_FIELDS:
        if field in data:
            value = data[field]
            setattr(platform, field, value.strip() if isinstance(value, str) else value)


def create_platform(user, data: dict) -> Platform:
    if user.role != "operator":
        raise Forbidden()
    validate(data)
    platform = Platform(org_id=user.org_id, status="draft")
    _assign(platform, data)
    db.session.add(platform)
    db.session.flush()
    return platform


def update_platform(user, platform: Platform, data: dict) -> Platform:
    if not can_manage(user, platform):
        raise Forbidden()
    if not platform.is_editable:
        raise DomainError(("status", "审核中的平台不能修改，请等待审核结果。"))
    validate({**{f: getattr(platform, f) for f in EDITABLE_FIELDS}, **data})
    _assign(platform, data)
    return platform


def submit_platform(user, platform: Platform) -> None:
    if not can_manage(user, platform):
        raise Forbidden()
    try:
        PLATFORM_WORKFLOW.apply(platform, "submit", by=user)
    except TransitionError as exc:
        raise DomainError((exc.field, exc.message)) from exc
    platform.submitted_at = utcnow()


def review_platform(user, platform: Platform, action: str, reason: str | None = None) -> None:
    """Administrator decision; returning or rejecting needs a reason the operator will read."""
    if not user.is_admin:
        raise Forbidden()
    reason = (reason or "").strip() or None
    if action in ("return", "reject", "suspend") and not reason:
        raise DomainError(("reason", "退回、不予通过或暂停时必须填写意见。"))
    try:
        PLATFORM_WORKFLOW.apply(platform, action, by=user, reason=reason)
    except TransitionError as exc:
        raise DomainError((exc.field, exc.message)) from exc
    signals.platform_reviewed.send(platform, action=action, reason=reason)


def review_queue() -> list[Platform]:
    """Submitted platforms, longest waiting first (即到即受理)."""
    return list(db.session.scalars(
        select(Platform).where(Platform.status == "submitted").order_by(Platform.submitted_at, Platform.id)
    ))
