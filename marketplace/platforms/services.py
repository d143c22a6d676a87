"""Platform use cases: create, edit, submit, review; every permission check lives here."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import select

from .. import signals, vocab
from ..accounts.models import Role, User
from ..attachments.services import Purpose, register_owner
from ..core.errors import DomainError, Forbidden, load_permitted, load_visible
from ..core.models import utcnow
from ..extensions import db
from .models import PLATFORM_WORKFLOW, REASON_REQUIRED, REVIEW_ACTIONS, Platform, PlatformStatus

EDITABLE_FIELDS = (
    "name",
    "level",
    "city",
    "domains",
    "description",
    "capabilities",
    "certifications",
    "address",
    "contact_name",
    "contact_phone",
    "contact_email",
    "sharing_rules",
    "fee_standard",
)


def can_manage(user, platform: Platform) -> bool:
    return bool(user and user.is_authenticated and user.is_operator and user.org_id == platform.org_id)


def can_view(user, platform: Platform) -> bool:
    if platform.is_public:
        return True
    return bool(user and user.is_authenticated and (user.is_admin or can_manage(user, platform)))


def can_read_certificates(user, platform: Platform) -> bool:
    """Certificate scans are for the platform's operators and the administrators reviewing it."""
    return can_manage(user, platform) or bool(user and user.is_authenticated and user.is_admin)


def can_manage_files(user, platform: Platform) -> bool:
    """Operators change logo, photos and certificates whenever they may edit the platform (not in review)."""
    return can_manage(user, platform) and platform.is_editable


def operators_of(platform: Platform) -> list[User]:
    """The platform's operators (enabled accounts): whom to tell about anything of the platform."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.org_id == platform.org_id, User.role == Role.OPERATOR, User.is_enabled.is_(True))
            .order_by(User.id)
        )
    )


def get_visible(user, platform_id: int) -> Platform | None:
    """The platform if this user may see it; None (answered 404) otherwise."""
    return load_visible(Platform, platform_id, lambda p: can_view(user, p))


def get_managed(user, platform_id: int) -> Platform:
    return load_permitted(Platform, platform_id, lambda p: can_manage(user, p))


def platforms_of(user) -> list[Platform]:
    return list(
        db.session.scalars(select(Platform).where(Platform.org_id == user.org_id).order_by(Platform.id))
    )


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
    if user.role != Role.OPERATOR:
        raise Forbidden()
    validate(data)
    platform = Platform(org_id=user.org_id, status=PlatformStatus.DRAFT)
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
    PLATFORM_WORKFLOW.apply(platform, "submit", by=user)
    platform.submitted_at = utcnow()
    signals.platform_submitted.send(platform, by=user)


def review_platform(user, platform: Platform, action: str, reason: str | None = None) -> None:
    """Administrator decision; returning or rejecting needs a reason the operator will read."""
    if not user.is_admin:
        raise Forbidden()
    check_review(action, reason)
    reason = (reason or "").strip() or None
    PLATFORM_WORKFLOW.apply(platform, action, by=user, reason=reason)
    signals.platform_reviewed.send(platform, action=action, reason=reason, by=user)


def check_review(action: str | None, reason: str | None) -> None:
    """A decision must be chosen, and returning, rejecting or suspending needs a reason."""
    errors = []
    if action not in REVIEW_ACTIONS:
        errors.append(("action", "请选择审核决定。"))
    if action in REASON_REQUIRED and not (reason or "").strip():
        errors.append(("reason", "退回、不予通过或暂停时必须填写意见。"))
    if errors:
        raise DomainError(*errors)


def review_actions(platform: Platform) -> list[str]:
    """The decisions an administrator can take on this platform now."""
    return PLATFORM_WORKFLOW.allowed_actions(platform.status, among=REVIEW_ACTIONS)


def review_queue() -> list[Platform]:
    """Submitted platforms, longest waiting first (即到即受理)."""
    return list(
        db.session.scalars(
            select(Platform)
            .where(Platform.status == PlatformStatus.SUBMITTED)
            .order_by(Platform.submitted_at, Platform.id)
        )
    )


def all_platforms() -> list[Platform]:
    """Every platform, for administrators, grouped by state."""
    return list(db.session.scalars(select(Platform).order_by(Platform.status, Platform.id.desc())))


#: A platform's files: its logo and photos are seen with the platform (public once approved); its
#: certificate scans (CNAS, CMA, GMP …) only by its operators and administrators.
FILE_PURPOSES = {
    "logo": Purpose(images_only=True, single=True),
    "photo": Purpose(images_only=True),
    "certificate": Purpose(can_view=can_read_certificates),
}

register_owner(
    Platform,
    can_view=can_view,
    can_manage=can_manage_files,
    url=lambda platform: url_for("platforms.manage", platform_id=platform.id),
    purposes=FILE_PURPOSES,
)
