"""Message threads: the owning feature registers its subject type once, beside its own permission
checks, like attachments::

    register_thread(Booking, can_view=can_view, parties=lambda b: [...users...],
                    url=lambda b: url_for("bookings.detail", booking_id=b.id))

so messaging never imports a feature. Whoever may view the subject reads and writes its thread;
each new message is told to the subject's other parties (signals.notice)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select

from .. import signals
from ..core.errors import DomainError, Forbidden
from ..extensions import db
from .models import Message, ThreadRead

BODY_MAX = 5000


@dataclass(frozen=True)
class ThreadRules:
    model: type
    type_name: str
    can_view: Callable[[object, object], bool]  #: (user, subject) → may read and write the thread
    parties: Callable[[object], list]  #: subject → the users on both sides (told of new messages)
    url: Callable[[object], str]  #: the subject's page, where its thread is shown
    title: Callable[[object], str]  #: subject → how notices name it


_THREADS: dict[str, ThreadRules] = {}


def register_thread(model: type, type_name: str, *, can_view, parties, url, title) -> None:
    _THREADS[type_name] = ThreadRules(model, type_name, can_view, parties, url, title)


def _rules_for(subject) -> ThreadRules:
    for rules in _THREADS.values():
        if isinstance(subject, rules.model):
            return rules
    raise LookupError(type(subject).__name__)


def subject_of(type_name: str, subject_id: int):
    """The subject of a thread by its type name and id (LookupError when unknown)."""
    rules = _THREADS.get(type_name)
    if rules is None:
        raise LookupError(type_name)
    subject = db.session.get(rules.model, subject_id)
    if subject is None:
        raise LookupError(subject_id)
    return subject


def thread_key(subject) -> tuple[str, int]:
    return _rules_for(subject).type_name, subject.id


def can_use(user, subject) -> bool:
    return bool(user and user.is_authenticated and _rules_for(subject).can_view(user, subject))


def messages_of(user, subject) -> list[Message]:
    """The thread, oldest first (Forbidden unless the user may view the subject)."""
    if not can_use(user, subject):
        raise Forbidden()
    type_name, subject_id = thread_key(subject)
    return list(
        db.session.scalars(
            select(Message)
            .where(Message.thread_type == type_name, Message.thread_id == subject_id)
            .order_by(Message.id)
        )
    )


def post_message(user, subject, body: str) -> Message:
    """Write to the subject's thread; the other parties are told in the app and by mail."""
    if not can_use(user, subject):
        raise Forbidden()
    body = (body or "").strip()
    if not body:
        raise DomainError(("body", "请填写消息内容。"))
    if len(body) > BODY_MAX:
        raise DomainError(("body", f"消息不能超过 {BODY_MAX} 个字符。"))
    rules = _rules_for(subject)
    message = Message(thread_type=rules.type_name, thread_id=subject.id, author_id=user.id, body=body)
    db.session.add(message)
    db.session.flush()
    mark_read(user, subject, message.id)
    others = [u for u in rules.parties(subject) if u is not None and u.id != user.id]
    signals.notice.send(
        message,
        users=others,
        message=f"{user.name}（{user.organization.name}）就“{rules.title(subject)}”发来消息：{body[:80]}",
        link=rules.url(subject),
    )
    return message


def mark_read(user, subject, up_to: int | None = None) -> None:
    """Remember that the user has read the thread up to message `up_to` (default: its last one)."""
    type_name, subject_id = thread_key(subject)
    if up_to is None:
        up_to = (
            db.session.scalar(
                select(func.max(Message.id)).where(
                    Message.thread_type == type_name, Message.thread_id == subject_id
                )
            )
            or 0
        )
    row = db.session.scalar(
        select(ThreadRead).where(
            ThreadRead.user_id == user.id,
            ThreadRead.thread_type == type_name,
            ThreadRead.thread_id == subject_id,
        )
    )
    if row is None:
        db.session.add(
            ThreadRead(user_id=user.id, thread_type=type_name, thread_id=subject_id, last_read_id=up_to)
        )
    elif up_to > row.last_read_id:
        row.last_read_id = up_to
