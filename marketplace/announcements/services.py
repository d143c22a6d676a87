"""通知公告 use cases: administrators write, publish and withdraw notices; everyone reads the published
ones (pinned first, then newest). Permission checked here."""

from __future__ import annotations

from sqlalchemy import Select, or_, select

from .. import vocab
from ..core.errors import DomainError, Forbidden, load_visible
from ..core.models import utcnow
from ..core.timeutil import local_today
from ..extensions import db
from .models import ANNOUNCEMENT_WORKFLOW, Announcement, AnnouncementStatus

FIELDS = ("kind", "title", "body", "issuer", "deadline", "source_url", "pinned")
DEFAULT_ISSUER = "山东省中试平台服务市场"


def _is_admin(user) -> bool:
    return bool(user and user.is_authenticated and user.is_admin)


def can_view(user, announcement: Announcement) -> bool:
    return announcement.status == AnnouncementStatus.PUBLISHED or _is_admin(user)


def get_visible(user, announcement_id: int) -> Announcement | None:
    return load_visible(Announcement, announcement_id, lambda a: can_view(user, a))


def validate(data: dict, announcement: Announcement | None = None) -> None:
    errors = []
    if data.get("kind") not in vocab.ANNOUNCEMENT_KINDS:
        errors.append(("kind", "请选择公告类别。"))
    deadline = data.get("deadline")
    if data.get("kind") == "call" and deadline is None:
        errors.append(("deadline", "申报通知请填写申报截止日期。"))
    unchanged = announcement is not None and deadline == announcement.deadline
    if deadline is not None and not unchanged and deadline < local_today():
        errors.append(("deadline", "申报截止日期不能早于今天。"))
    if not (data.get("title") or "").strip():
        errors.append(("title", "请填写标题。"))
    if not (data.get("body") or "").strip():
        errors.append(("body", "请填写正文。"))
    url = (data.get("source_url") or "").strip()
    if url and not url.lower().startswith(("http://", "https://")):
        errors.append(("source_url", "原文链接须以 http:// 或 https:// 开头。"))
    if errors:
        raise DomainError(*errors)


def _assign(announcement: Announcement, data: dict) -> None:
    for name in FIELDS:
        setattr(announcement, name, data.get(name))
    announcement.title = announcement.title.strip()
    announcement.issuer = (announcement.issuer or "").strip() or DEFAULT_ISSUER
    announcement.source_url = (announcement.source_url or "").strip()
    announcement.pinned = bool(announcement.pinned)


def _require_admin(user) -> None:
    if not _is_admin(user):
        raise Forbidden()


def create(user, data: dict) -> Announcement:
    """A draft notice (published by `change_status`)."""
    _require_admin(user)
    validate(data)
    announcement = Announcement(created_by_id=user.id)
    _assign(announcement, data)
    db.session.add(announcement)
    db.session.flush()
    return announcement


def update(user, announcement: Announcement, data: dict) -> Announcement:
    _require_admin(user)
    validate(data, announcement)
    _assign(announcement, data)
    return announcement


def change_status(user, announcement: Announcement, action: str) -> None:
    """Publish (the subscribers of notices hear of its first publication) or withdraw."""
    _require_admin(user)
    ANNOUNCEMENT_WORKFLOW.apply(announcement, action, by=user)
    if action == "publish" and announcement.published_at is None:
        announcement.published_at = utcnow()


def actions(announcement: Announcement) -> list[str]:
    return ANNOUNCEMENT_WORKFLOW.allowed_actions(announcement.status)


def published(*, kind: str | None = None, q: str = "") -> Select:
    """Published notices, pinned first, then newest; of a kind, and with words in the title or the text."""
    query = select(Announcement).where(Announcement.status == AnnouncementStatus.PUBLISHED)
    if kind in vocab.ANNOUNCEMENT_KINDS:
        query = query.where(Announcement.kind == kind)
    for word in q.split()[:5]:
        word = word[:50]
        query = query.where(
            or_(
                Announcement.title.icontains(word, autoescape=True),
                Announcement.body.icontains(word, autoescape=True),
            )
        )
    return query.order_by(
        Announcement.pinned.desc(), Announcement.published_at.desc(), Announcement.id.desc()
    )


def latest(limit: int) -> list[Announcement]:
    return list(db.session.scalars(published().limit(limit)))


def all_for_admin(user, *, status: str | None = None) -> Select:
    _require_admin(user)
    query = select(Announcement)
    if status in vocab.ANNOUNCEMENT_STATUSES:
        query = query.where(Announcement.status == status)
    return query.order_by(Announcement.id.desc())
