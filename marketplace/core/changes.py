"""Count the committed changes of private rows per organisation: the version keying the pages kept for
signed-in users (`core.cache.member_page`), beside the public content's version (`matching.outbox`).

Private rows are those of `PRIVATE_TABLES` (messages, notifications, inquiries …): no page for anonymous
visitors shows them. Each private model says whose pages its rows may change (`__change_scopes__`: kinds
of scope and the columns holding their ids, such as ("org", "org_id"), ("user", "user_id"),
("thread", ("thread_type", "thread_id"))); the features register how a kind of scope names its
organisations (`register_resolver`). Just before each commit, the counters of
those organisations (`org:<id>`) go up in the transaction, with `all` (an administrator's pages show
everyone's rows). A private model without `__change_scopes__`, or a bulk statement on a private table that
has scopes, bumps `*`, which every signed-in page's key reads: when whose rows changed is unknown, every
page is new.

A change of any other table bumps the public version, which keys the signed-in pages too."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable

from sqlalchemy import BigInteger, String, bindparam, event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..extensions import db

#: Tables whose rows no page for anonymous visitors shows, nor any count or page of public rows: their
#: changes (messages, sign-ins, the index's own bookkeeping …) leave the public version alone and count
#: here, per organisation. Every other table, including any added later, counts as public content.
PRIVATE_TABLES = frozenset(
    {
        "api_tokens",
        "audit_log",
        "calendar_feeds",
        "change_counters",
        "demand_contacts",
        "event_registrations",
        "favourites",
        "inquiries",
        "login_throttles",
        "messages",
        "notifications",
        "outbox_readers",
        "outgoing_mail",
        "proposals",
        "search_dead_letters",
        "search_hosts",
        "search_outbox",
        "search_version",
        "subscription_hits",
        "subscriptions",
        "thread_reads",
        "unread_message_counts",
    }
)

#: Private tables whose rows no signed-in page shows (the index's and these counters' bookkeeping,
#: sign-in throttles), or that are counted with the row they go with (an audit row is written with its
#: object's change of state). Every other private table's model says whose pages its rows change.
UNCOUNTED_TABLES = frozenset(
    {
        "audit_log",
        "change_counters",
        "login_throttles",
        "outbox_readers",
        "search_dead_letters",
        "search_hosts",
        "search_outbox",
        "search_version",
    }
)
#: Every signed-in page's key reads this counter: bumped when whose rows changed is unknown.
EVERYONE = "*"
#: Bumped by every change of a private row: the key of administrators' pages.
ANY = "all"

_SCOPES = "private_change_scopes"
#: scope kind -> (session, ids) -> the organisations those scopes name
_RESOLVERS: dict[str, Callable[[Session, set], Iterable[int]]] = {}


class ChangeCounter(db.Model):
    """How many committed transactions changed the private rows of one scope (`org:<id>`, `all`, `*`)."""

    __tablename__ = "change_counters"
    scope: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


def register_resolver(kind: str, resolve: Callable[[Session, set], Iterable[int]]) -> None:
    """`resolve(session, ids)`: the organisations whose pages show rows of the scopes (kind, id); it
    raises LookupError when it cannot tell (every page is then new)."""
    _RESOLVERS[kind] = resolve


def register_owner(kind: str, model) -> None:
    """Scopes (kind, id) name the organisation of the row of `model` with that id (its `org_id`)."""
    register_resolver(
        kind, lambda session, ids: session.scalars(select(model.org_id).where(model.id.in_(ids)))
    )


def scopes_of(obj) -> set:
    """The scopes of a changed private row, from its model's `__change_scopes__`: (kind, column) pairs,
    a tuple of columns naming a composite id; `*` when the model does not say."""
    declared = getattr(type(obj), "__change_scopes__", None)
    if declared is None:
        return {(EVERYONE, None)}
    return {(kind, _value(obj, columns)) for kind, columns in declared}


def _value(obj, columns):
    if isinstance(columns, tuple):
        return tuple(getattr(obj, c) for c in columns)
    return getattr(obj, columns)


def note(session: Session, scopes: Iterable) -> None:
    """Count `scopes` with the session's transaction."""
    session.info.setdefault(_SCOPES, set()).update(scopes)


@event.listens_for(Session, "after_flush")
def _collect(session: Session, flush_context) -> None:
    changed = [*session.new, *session.deleted, *(obj for obj in session.dirty if session.is_modified(obj))]
    scopes: set = set()
    for obj in changed:
        name = type(obj).__table__.name
        if name in PRIVATE_TABLES and name not in UNCOUNTED_TABLES:
            scopes |= scopes_of(obj) or {(ANY, None)}  # (): shown on administrators' pages only
    if scopes:
        note(session, scopes)


@event.listens_for(Session, "do_orm_execute")
def _collect_statement(state) -> None:
    """A bulk INSERT / UPDATE / DELETE on a private table: whose rows it changed is unknown."""
    if state.is_insert or state.is_update or state.is_delete:
        name = getattr(state.statement.table, "name", None)
        if name in PRIVATE_TABLES and name not in UNCOUNTED_TABLES:
            note(state.session, {(EVERYONE, None)})


@event.listens_for(Session, "before_commit")
def _write(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: counted with the outer transaction
    session.flush()  # the commit's own flush comes after this event: collect its changes first
    scopes = session.info.pop(_SCOPES, None)
    if not scopes:
        return
    names = {ANY}
    by_kind: dict[str, set] = {}
    for kind, value in scopes:
        if kind == EVERYONE:
            names.add(EVERYONE)
        elif kind == "org":
            names.add(f"org:{value}")
        elif kind != ANY:
            by_kind.setdefault(kind, set()).add(value)
    for kind, values in by_kind.items():
        try:
            with session.no_autoflush:
                orgs = set(_RESOLVERS[kind](session, values))
        except LookupError:  # no resolver for the kind, or it cannot tell (an unregistered thread type)
            names.add(EVERYONE)
        else:
            names.update(f"org:{org_id}" for org_id in orgs if org_id is not None)
    _bump(session.connection(), sorted(names))


@event.listens_for(Session, "after_soft_rollback")
def _discard(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_SCOPES, None)


def _bump(connection, names: list[str]) -> None:
    """One upsert per counter, in name order (concurrent committers lock them in the same order)."""
    table = ChangeCounter.__table__
    for name in names:
        increment(connection, table.c.scope, name, table.c.value)


def increment(connection, key, key_value, counter) -> None:
    """Add one to the `counter` column of the row whose `key` column is `key_value`, in the transaction
    (one upsert: concurrent committers take turns on the row). A row's first value is random, so a
    counter whose row was removed never repeats the numbers (and cached values) of its former life."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    upsert = dialect.insert(key.table).values({key.name: key_value, counter.name: secrets.randbits(62)})
    connection.execute(upsert.on_conflict_do_update(index_elements=[key], set_={counter.name: counter + 1}))


def versions(names: Iterable[str]) -> tuple:
    """The counters `names` (0 for one never bumped), in the order given: one statement, run on the
    session's connection (every signed-in page kept reads it: no ORM work)."""
    names = list(names)
    found = dict(db.session.connection().execute(_VERSIONS, {"names": names}).all())
    return tuple(found.get(name, 0) for name in names)


_VERSIONS = select(ChangeCounter.scope, ChangeCounter.value).where(
    ChangeCounter.scope.in_(bindparam("names", expanding=True))
)


def scope_names(user) -> tuple[str, ...]:
    """The counters keying the pages kept for `user`: everyone's for administrators, else the user's
    organisation's; `*` for all."""
    if user.is_admin:
        return (ANY, EVERYONE)
    return (f"org:{user.org_id}", EVERYONE)
