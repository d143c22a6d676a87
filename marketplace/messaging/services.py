"""Message threads: the owning feature registers its subject type once, beside its own permission
checks, like attachments::

    register_thread(Booking, "booking", can_view=can_view, parties=lambda b: [...users...],
                    url=lambda b: url_for("bookings.detail", booking_id=b.id), title=lambda b: b.title,
                    mine=lambda user: <SQL condition on Booking: the subjects this user is party to>)

so messaging never imports a feature. Whoever may view the subject reads and writes its thread;
each new message is told to the subject's other parties (signals.notice). `mine` lets the unread
count and the list of threads run as one SQL statement each, whatever the number of threads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import and_, case, false, func, or_, select
from sqlalchemy.orm import aliased

from .. import signals
from ..attachments import services as attachments
from ..core.errors import DomainError, Forbidden
from ..core.pagination import Page, last_page
from ..core.urls import absolute
from ..extensions import db
from . import unread
from .models import Message, ThreadRead

BODY_MAX = 5000
#: Files one message may carry.
FILES_MAX = 5


@dataclass(frozen=True)
class ThreadRules:
    model: type
    type_name: str
    can_view: Callable[[object, object], bool]  #: (user, subject) → may read and write the thread
    parties: Callable[[object], list]  #: subject → the users on both sides (told of new messages)
    url: Callable[[object], str]  #: the subject's page, where its thread is shown
    title: Callable[[object], str]  #: subject → how notices name it
    #: user → SQL condition on `model` selecting the subjects whose threads the user is party to
    #: (firms: their organisation's; operators: their platforms'). Without it the type's threads are
    #: not counted in the navigation nor listed on "我的消息".
    mine: Callable[[object], Any] | None = None
    #: (user, subject) → who is on the other side, for the list of threads (default: the other
    #: parties' organisations)
    counterpart: Callable[[object, object], str] | None = None
    #: subject → SQL condition on User: who may be party to its thread, before and after the changes
    #: being flushed (required with `mine`: the stored unread counts follow it, messaging/unread)
    party_users: Callable[[object], Any] | None = None
    #: the subject's columns `mine` reads (a change recounts its parties)
    party_columns: tuple[str, ...] = ()


_THREADS: dict[str, ThreadRules] = {}


def register_thread(
    model: type,
    type_name: str,
    *,
    can_view,
    parties,
    url,
    title,
    mine=None,
    counterpart=None,
    party_users=None,
    party_columns=(),
) -> None:
    if mine is not None and party_users is None:
        raise ValueError(f"thread type {type_name!r}: `mine` needs `party_users` (stored unread counts)")
    _THREADS[type_name] = ThreadRules(
        model, type_name, can_view, parties, url, title, mine, counterpart, party_users, tuple(party_columns)
    )
    if party_users is not None:
        unread.watch_threads(type_name, model, party_users, party_columns)


def registered(type_name: str) -> ThreadRules | None:
    return _THREADS.get(type_name)


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


def get_usable(user, type_name: str, subject_id: int):
    """The subject if the user may use its thread; LookupError when unknown, Forbidden otherwise."""
    subject = subject_of(type_name, subject_id)
    if not can_use(user, subject):
        raise Forbidden()
    return subject


def get_usable_by_ref(user, type_name: str, ref: str):
    """The subject with this ref (its `ref` column) if the user may use its thread; LookupError when
    unknown, Forbidden otherwise (the API answers 404 either way)."""
    rules = _THREADS.get(type_name)
    if rules is None:
        raise LookupError(type_name)
    subject = db.session.scalar(select(rules.model).where(rules.model.ref == ref))
    if subject is None:
        raise LookupError(ref)
    if not can_use(user, subject):
        raise Forbidden()
    return subject


def thread_key(subject) -> tuple[str, int]:
    return _rules_for(subject).type_name, subject.id


def can_use(user, subject) -> bool:
    return bool(user and user.is_authenticated and _rules_for(subject).can_view(user, subject))


def subject_url(subject) -> str:
    """The subject's page at its thread, as a path of this site for links and redirects on pages: the
    registered url is absolute (notices and mail) and names SITE_URL's host, not the one the browser
    is on (behind a proxy, on another port), so a redirect to it would leave the site."""
    parts = urlsplit(_rules_for(subject).url(subject))
    return urlunsplit(("", "", parts.path, parts.query, "thread"))


def subject_title(subject) -> str:
    return _rules_for(subject).title(subject)


def thread_statement(user, subject):
    """A SELECT of the thread's messages, oldest first (Forbidden unless the user may view the
    subject): the API pages through it."""
    if not can_use(user, subject):
        raise Forbidden()
    type_name, subject_id = thread_key(subject)
    return (
        select(Message)
        .where(Message.thread_type == type_name, Message.thread_id == subject_id)
        .order_by(Message.id)
    )


def messages_of(user, subject) -> list[Message]:
    """The thread, oldest first (Forbidden unless the user may view the subject)."""
    return list(db.session.scalars(thread_statement(user, subject)))


def validate_message(body: str | None, files=()) -> None:
    """The rules of a message (raises DomainError, changes nothing): text required, bounded; a few files."""
    errors = []
    body = (body or "").strip()
    if not body:
        errors.append(("body", "请填写消息内容。"))
    elif len(body) > BODY_MAX:
        errors.append(("body", f"消息不能超过 {BODY_MAX} 个字符（现有 {len(body)} 个）。"))
    if len([f for f in files if f]) > FILES_MAX:
        errors.append(("files", f"每条消息最多附 {FILES_MAX} 个文件。"))
    if errors:
        raise DomainError(*errors)


def post_message(user, subject, body: str, files=()) -> Message:
    """Write to the subject's thread, with optional files (images or PDFs); the other parties are told
    in the app and by mail."""
    if not can_use(user, subject):
        raise Forbidden()
    files = [f for f in files if f and getattr(f, "filename", None)]
    validate_message(body, files)
    body = body.strip()
    rules = _rules_for(subject)
    message = Message(thread_type=rules.type_name, thread_id=subject.id, author_id=user.id, body=body)
    db.session.add(message)
    db.session.flush()
    for file in files:
        try:
            attachments.add_attachment(user, message, file)
        except DomainError as exc:
            name = getattr(file, "filename", "") or "附件"
            raise DomainError(*[("files", f"{name}：{text}") for _field, text in exc.errors]) from None
    mark_read(user, subject, message.id)
    others = [u for u in rules.parties(subject) if u is not None and u.id != user.id]
    org = f"（{user.organization.name}）" if user.organization else ""
    signals.notice.send(
        message,
        users=others,
        message=f"{user.name}{org}就“{rules.title(subject)}”发来消息：{body[:80]}",
        link=absolute(lambda: subject_url(subject)),
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


# ---------------------------------------------------------------- the user's threads


def _my_threads(user):
    """SQL condition on Message: in a thread of a subject the user is party to (registered `mine`)."""
    conditions = [
        and_(
            Message.thread_type == rules.type_name,
            Message.thread_id.in_(select(rules.model.id).where(rules.mine(user))),
        )
        for rules in _THREADS.values()
        if rules.mine is not None
    ]
    return or_(*conditions) if conditions else false()


def _unread_condition(user, read):
    """SQL condition on Message (outer-joined to the user's ThreadRead `read`): written by someone
    else after the user's last read message."""
    return and_(
        or_(Message.author_id.is_(None), Message.author_id != user.id),
        Message.id > func.coalesce(read.last_read_id, 0),
    )


def _read_join(user, read):
    return and_(
        read.user_id == user.id,
        read.thread_type == Message.thread_type,
        read.thread_id == Message.thread_id,
    )


def unread_count(user) -> int:
    """Messages by others, in threads the user is party to, after the user's read mark (one statement:
    the stored count, messaging/unread)."""
    if not (user and user.is_authenticated):
        return 0
    return db.session.scalar(select(unread.expression(user))) or 0


def unread_expression(user):
    """The unread count as a scalar subquery, counted from the messages and read marks (the
    navigation reads the stored count, `unread.expression`, with its other counts)."""
    read = aliased(ThreadRead)
    return (
        select(func.count(Message.id))
        .outerjoin(read, _read_join(user, read))
        .where(_my_threads(user), _unread_condition(user, read))
        .scalar_subquery()
    )


@dataclass
class ThreadSummary:
    """One line of "我的消息"."""

    subject: object
    title: str
    url: str
    counterpart: str
    last: Message
    count: int
    unread: int


def threads_statement(user):
    """(thread_type, thread_id, last message id, messages, unread) of the user's threads with messages,
    latest activity first: one statement, paginated by the caller."""
    read = aliased(ThreadRead)
    unread = func.sum(case((_unread_condition(user, read), 1), else_=0))
    return (
        select(
            Message.thread_type,
            Message.thread_id,
            func.max(Message.id).label("last_id"),
            func.count(Message.id).label("count"),
            unread.label("unread"),
        )
        .outerjoin(read, _read_join(user, read))
        .where(_my_threads(user))
        .group_by(Message.thread_type, Message.thread_id)
        .order_by(func.max(Message.id).desc())
    )


def summaries(user, rows) -> list[ThreadSummary]:
    """The lines of "我的消息" for rows of `threads_statement` (subjects the user may no longer use are
    left out)."""
    rows = list(rows)
    last = {m.id: m for m in db.session.scalars(select(Message).where(Message.id.in_([r[2] for r in rows])))}
    result = []
    for type_name, thread_id, last_id, count, unread_here in rows:
        rules = _THREADS[type_name]
        subject = db.session.get(rules.model, thread_id)
        if subject is None or not can_use(user, subject):
            continue
        result.append(
            ThreadSummary(
                subject=subject,
                title=rules.title(subject),
                url=subject_url(subject),
                counterpart=_counterpart(rules, user, subject),
                last=last[last_id],
                count=count,
                unread=int(unread_here or 0),
            )
        )
    return result


def _counterpart(rules: ThreadRules, user, subject) -> str:
    if rules.counterpart is not None:
        return rules.counterpart(user, subject)
    names = {
        u.organization.name
        for u in rules.parties(subject)
        if u is not None and u.org_id != user.org_id and u.organization is not None
    }
    return "、".join(sorted(names))


def can_view_message(user, message: Message) -> bool:
    """Who may see a message (and its files): whoever may use its thread."""
    rules = _THREADS.get(message.thread_type)
    if rules is None:
        return False
    subject = db.session.get(rules.model, message.thread_id)
    return subject is not None and can_use(user, subject)


def can_manage_message(user, message: Message) -> bool:
    """Its author, while still party to the thread, manages a message's files."""
    return bool(user and user.is_authenticated and message.author_id == user.id) and can_view_message(
        user, message
    )


def _message_url(message: Message) -> str:
    subject = subject_of(message.thread_type, message.thread_id)
    return subject_url(subject)


attachments.register_owner(
    Message, can_view=can_view_message, can_manage=can_manage_message, url=_message_url
)


def threads_page(user, page: int, per_page: int) -> Page:
    """One page of the user's threads ("我的消息"), latest activity first."""
    stmt = threads_statement(user)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    page = max(1, min(page, last_page(total, per_page)))
    rows = db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(items=summaries(user, rows), total=total, page=page, per_page=per_page)
