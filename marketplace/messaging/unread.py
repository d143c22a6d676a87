"""Each user's unread-message count, stored (`unread_message_counts`) so that the navigation reads one
row instead of counting every message of every thread the user is party to (thousands of index
lookups for a firm with thousands of bookings).

The stored number is never stale: a flush that may change some users' counts recounts them (with
the query that counts them live, `live_expression`) in the same transaction, under a lock of their
rows; a user without a row is counted live. What may change a user's count, and whose:
- a message written or removed: the parties of its thread (the users of the firm's and the
  platform's organisations, through the feature's `party_users`);
- a read mark: its user; a user's role or organisation: that user;
- a subject created, removed or moved to another firm or platform, a platform moved to another
  organisation (`watch`): the users on either side, before and after.
A bulk INSERT / UPDATE / DELETE statement on those tables, which the flush does not see, removes
every stored count in its transaction (everyone is counted live until `flask messages recount`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import delete, event, func, inspect, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..core import changes
from ..core.navigation import PARAMS, ParamUser
from .models import Message, ThreadRead, UnreadCount

#: session.info keys: users to recount after this flush, conditions on User selecting more of them
_USERS = "unread_users"
_WHERE = "unread_where"
_THREADS = "unread_threads"


@dataclass(frozen=True)
class _Watched:
    model: type
    columns: tuple[str, ...]
    users: Callable[[object], object]  #: obj → SQL condition on User: whose count it may change


_WATCHED: list[_Watched] = []
#: thread type → (subject model, subject → SQL condition on User: the thread's parties)
_PARTIES: dict[str, tuple[type, Callable[[object], object]]] = {}
_LIVE: dict[str, object] = {}


def watch(model: type, columns: Iterable[str], users: Callable[[object], object]) -> None:
    """Recount the users `users(obj)` (an SQL condition on User, covering the values before and after
    the flush: `attribute_values`) when an object of `model` is created, removed or changes one of
    `columns`."""
    _WATCHED.append(_Watched(model, tuple(columns), users))


def watch_threads(
    type_name: str, model: type, party_users: Callable[[object], object], columns: Iterable[str]
) -> None:
    """The subjects of a thread type: messages in their threads change their parties' counts, and so
    does a subject created, removed or changing one of `columns` (those its `mine` condition reads)."""
    _PARTIES[type_name] = (model, party_users)
    watch(model, columns, party_users)


def thread_orgs(session: Session, threads: set[tuple[str, int]]):
    """The organisations of the parties of threads (type name, subject id): whose pages a message in
    them changes (`core.changes`)."""
    where = []
    for type_name, subject_id in threads:
        model, party_users = _PARTIES[type_name]  # KeyError (a LookupError) for an unwatched type
        subject = session.get(model, subject_id)
        if subject is not None:
            where.append(party_users(subject))
    return session.scalars(select(User.org_id).where(or_(*where)).distinct()) if where else ()


changes.register_resolver("thread", thread_orgs)


def attribute_values(obj, name: str) -> set:
    """The values of an attribute before and after the changes being flushed (None left out): called
    before the flush for changed rows (the old value read from the database when it was not loaded)
    and after it for new ones."""
    state = inspect(obj)
    history = state.attrs[name].load_history()  # an expired attribute is loaded
    values = {*history.added, *history.unchanged, *history.deleted}
    if history.added and not history.deleted and state.has_identity:  # set without loading the old value
        mapper = state.mapper
        column = mapper.columns[name]
        key = [c == v for c, v in zip(mapper.primary_key, state.identity, strict=True)]
        with state.session.no_autoflush:
            values.add(state.session.execute(select(column).where(*key)).scalar())
    return {v for v in values if v is not None}


# ---------------------------------------------------------------- reading


def live_expression(user):
    """The count computed from the messages and read marks (scalar subquery)."""
    from .services import unread_expression

    return unread_expression(user)


def expression(user):
    """The user's count: the stored one, else counted live (scalar subquery)."""
    stored = select(UnreadCount.count).where(UnreadCount.user_id == user.id).scalar_subquery()
    return func.coalesce(stored, live_expression(user))


# ---------------------------------------------------------------- keeping them


def _live_statement(role: str):
    if role not in _LIVE:
        _LIVE[role] = select(live_expression(ParamUser(role)))
    return _LIVE[role]


def recount(session: Session, user_ids: Iterable[int]) -> int:
    """Store the exact counts of these users (their rows locked first, in id order). Returns how many."""
    ids = sorted(set(user_ids))
    if not ids:
        return 0
    connection = session.connection()
    table = UnreadCount.__table__
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    found: set[int] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        connection.execute(
            dialect.insert(table).on_conflict_do_nothing(index_elements=[table.c.user_id]),
            [{"user_id": i, "count": 0} for i in chunk],
        )
        locked = select(table.c.user_id).where(table.c.user_id.in_(chunk)).order_by(table.c.user_id)
        if connection.dialect.name == "postgresql":  # SQLite: this transaction holds the write lock
            connection.execute(locked.with_for_update()).all()
        users = connection.execute(select(User.id, User.role, User.org_id).where(User.id.in_(chunk))).all()
        for user_id, role, org_id in users:
            found.add(user_id)
            count = connection.execute(
                _live_statement(str(role)), {PARAMS[0]: user_id, PARAMS[1]: org_id}
            ).scalar()
            connection.execute(update(table).where(table.c.user_id == user_id).values(count=count or 0))
    gone = set(ids) - found
    if gone:  # removed users (SQLite does not cascade)
        connection.execute(delete(table).where(table.c.user_id.in_(gone)))
    return len(ids)


def recount_all(session: Session) -> int:
    """Store every user's count (`flask messages recount`)."""
    return recount(session, session.scalars(select(User.id)))


def _changed(session: Session, obj, columns: tuple[str, ...]) -> bool:
    """New, removed, or one of `columns` changed (directly or by a relationship over them)."""
    if obj in session.new or obj in session.deleted:
        return True
    state = inspect(obj)
    names = set(columns)
    for relationship in state.mapper.relationships:
        if {c.key for c in relationship.local_columns} & set(columns):
            names.add(relationship.key)
    return any(state.attrs[name].history.has_changes() for name in names)


def _note(session: Session, objects) -> None:
    users: set[int] = session.info.setdefault(_USERS, set())
    where: list = session.info.setdefault(_WHERE, [])
    threads: set[tuple[str, int]] = session.info.setdefault(_THREADS, set())
    for obj in objects:
        if isinstance(obj, Message):
            if _changed(session, obj, ("thread_type", "thread_id", "author_id")):
                threads.update(
                    (t, i)
                    for t in attribute_values(obj, "thread_type")
                    for i in attribute_values(obj, "thread_id")
                )
        elif isinstance(obj, ThreadRead):
            users.update(attribute_values(obj, "user_id"))
        elif isinstance(obj, User) and obj.id is not None and _changed(session, obj, ("role", "org_id")):
            users.add(obj.id)
        for watched in _WATCHED:
            if isinstance(obj, watched.model) and _changed(session, obj, watched.columns):
                where.append(watched.users(obj))


@event.listens_for(Session, "before_flush")
def _collect_changed(session: Session, flush_context, instances) -> None:
    """Changed and removed rows, while the database still has their old values."""
    with session.no_autoflush:
        _note(session, [*session.dirty, *session.deleted])


@event.listens_for(Session, "after_flush")
def _collect_new(session: Session, flush_context) -> None:
    """New rows, once they have their ids; changed ones again, with the values the flush gave their
    columns (a relationship set before the flush)."""
    _note(session, [*session.new, *session.dirty])


@event.listens_for(Session, "after_flush_postexec")
def _recount(session: Session, flush_context) -> None:
    users = session.info.pop(_USERS, set())
    where = session.info.pop(_WHERE, [])
    for type_name, thread_id in session.info.pop(_THREADS, set()):
        if type_name in _PARTIES:
            model, party_users = _PARTIES[type_name]
            subject = session.get(model, thread_id)
            if subject is not None:
                where.append(party_users(subject))
    if where:
        users |= set(session.connection().scalars(select(User.id).where(or_(*where))))
    recount(session, users)


_BULK_TABLES = {"messages", "thread_reads"}


@event.listens_for(Session, "do_orm_execute")
def _forget_on_bulk_statements(state) -> None:
    """A bulk statement the flush does not see: every count is taken live again (exact) until recounted."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    name = getattr(state.statement.table, "name", None)
    watched = {"users", *(w.model.__table__.name for w in _WATCHED)}
    if name in _BULK_TABLES or (name in watched and not state.is_insert):
        state.session.connection().execute(delete(UnreadCount.__table__))


@event.listens_for(Session, "after_soft_rollback")
def _discard(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_USERS, None)
        session.info.pop(_WHERE, None)
        session.info.pop(_THREADS, None)
