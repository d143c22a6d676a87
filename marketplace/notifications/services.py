"""Notify users in the app and by mail; subscribed to the features' signals."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import Select, func, select, update

from .. import signals, vocab
from ..core.errors import load_permitted
from ..core.mail import send_email
from ..core.models import utcnow
from ..extensions import db
from ..platforms.services import operators_of
from .models import Notification


def notify(
    user, message: str, link: str | None = None, *, email: bool = True, category: str = "service"
) -> Notification:
    """Tell the user in the app (and by mail unless `email` is false: the subscriptions mail their own
    way, at once or in digests)."""
    note = Notification(user_id=user.id, message=message, link=link, category=category)
    db.session.add(note)
    if email:
        send_email(user.email, "中试平台服务市场通知", f"{user.name}，您好：\n\n{message}\n\n{link or ''}\n")
    return note


def unread_count(user) -> int:
    return db.session.scalar(select(unread_expression(user))) or 0


def unread_expression(user):
    """The user's unread notices as a scalar subquery (the navigation's badge)."""
    return (
        select(func.count(Notification.id))
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .scalar_subquery()
    )


def notices_of(user, *, category: str | None = None, unread_only: bool = False) -> Select:
    """The user's notices, newest first, of one category (vocab.NOTIFICATION_CATEGORIES) and/or unread."""
    query = select(Notification).where(Notification.user_id == user.id)
    if category in vocab.NOTIFICATION_CATEGORIES:
        query = query.where(Notification.category == category)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return query.order_by(Notification.id.desc())


def open_notice(user, notice_id: int) -> Notification:
    """The user's own notice, marked read (another user's, or none: 404)."""
    note = load_permitted(Notification, notice_id, lambda n: n.user_id == user.id)
    if note.read_at is None:
        note.read_at = utcnow()
    return note


def mark_all_read(user, *, category: str | None = None) -> int:
    """Mark the user's unread notices read (of one category when given); returns how many."""
    statement = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if category in vocab.NOTIFICATION_CATEGORIES:
        statement = statement.where(Notification.category == category)
    return db.session.execute(statement.values(read_at=utcnow())).rowcount


def _on_platform_reviewed(platform, *, action: str, reason: str | None, **_) -> None:
    message = f"您的平台“{platform.name}”审核结果：{platform.status_label}。"
    if reason:
        message += f"意见：{reason}"
    link = url_for("platforms.manage", platform_id=platform.id, _external=True)
    for user in operators_of(platform):
        notify(user, message, link, category="review")


#: Moderation of an offering, told to the platform's operators: {action: message template}.
OFFERING_MODERATION = {
    "hold": "管理员暂停展示了您的资源“{title}”。原因：{reason}",
    "release": "管理员已解除对资源“{title}”的暂停；如需对外展示，请在平台页点击“恢复”。",
}


def _on_state_changed(obj, *, workflow, action: str, reason: str | None, **_) -> None:
    if workflow.object_type == "offering" and action in OFFERING_MODERATION:
        message = OFFERING_MODERATION[action].format(title=obj.title, reason=reason or "")
        link = url_for("offerings.edit", offering_id=obj.id, _external=True)
        for user in operators_of(obj.platform):
            notify(user, message, link, category="review")


def _on_notice(
    _sender,
    *,
    users,
    message: str,
    link: str | None = None,
    email: bool = True,
    category: str = "service",
    **_,
) -> None:
    for user in {u.id: u for u in users if u is not None}.values():
        notify(user, message, link, email=email, category=category)


def subscribe() -> None:
    """Connect the handlers to the features' signals (called by init_app; connecting twice is a no-op)."""
    signals.platform_reviewed.connect(_on_platform_reviewed)
    signals.state_changed.connect(_on_state_changed)
    signals.notice.connect(_on_notice)
