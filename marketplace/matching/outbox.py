"""Feed the outbox: every flushed change of a `Searchable` row queues index work in the same
transaction (a rollback discards it with the change), and a drain is scheduled after the commit.
Count the public content's changes: every commit that changes a row anonymous visitors may see (any
table but `core.changes.PRIVATE_TABLES`) bumps the version (`latest_change`) keying the caches of public
values and pages; a commit that changes what an offering's search document is made of also bumps a second
number (`offerings_change`), keying the demands' kept matches (what a booking, a review or another firm's
demand changes cannot change).

The rows are written when the transaction commits, under a lock held until the commit ends, so their
ids are committed in increasing order: a host that has applied the log up to id N never meets a row
below N later (PostgreSQL hands out sequence values at insert, not at commit; SQLite has one writer
at a time anyway)."""

from __future__ import annotations

import zlib
from collections.abc import Hashable, Iterable
from typing import Any

from flask import g
from sqlalchemy import bindparam, event, select, text
from sqlalchemy.orm import Session

from ..core import bulk
from ..core.cache import member_page, versioned_cache, visitor_page
from ..core.changes import PRIVATE_TABLES, increment
from ..core.models import utcnow
from ..core.pagination import Remember
from ..core.timeutil import local_hour
from ..extensions import db
from . import indexer, registry
from .models import SearchOutbox, SearchVersion

_KEYS = "search_outbox_keys"
_PUBLIC = "public_content_changed"
#: The PostgreSQL advisory lock that orders the outbox's commits (held for the end of one commit).
LOCK_KEY = zlib.crc32(b"search-outbox")


def queue(session: Session, keys: Iterable[tuple[str, int]]) -> None:
    """Queue index work for (doc_type, id) keys: written with the transaction, drained after it."""
    pending = session.info.setdefault(_KEYS, set())
    before = len(pending)
    pending.update(keys)
    if len(pending) > before:
        indexer.schedule_drain(session)


@event.listens_for(Session, "after_flush")
def _collect(session: Session, flush_context) -> None:
    dirty = [obj for obj in session.dirty if session.is_modified(obj, include_collections=False)]
    queue(
        session,
        [
            (doc_type, obj.id)
            for obj in list(session.new) + dirty + list(session.deleted)
            if (doc_type := registry.search_type(obj)) and obj.id is not None
        ],
    )
    # a collection's change (e.g. rows of an association table) counts here, not for the index
    changed = [*session.new, *session.deleted, *(obj for obj in session.dirty if session.is_modified(obj))]
    if any(type(obj).__table__.name not in PRIVATE_TABLES for obj in changed):
        session.info[_PUBLIC] = True


def mark_public(session: Session) -> None:
    """Rows written past the session (`core.bulk`'s COPY) changed public rows."""
    session.info[_PUBLIC] = True


@event.listens_for(Session, "do_orm_execute")
def _collect_statement(state) -> None:
    """Bulk INSERT / UPDATE / DELETE statements run through the session change public rows too."""
    if (state.is_insert or state.is_update or state.is_delete) and (
        getattr(state.statement.table, "name", None) not in PRIVATE_TABLES
    ):
        state.session.info[_PUBLIC] = True


@event.listens_for(Session, "before_commit")
def _write(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the work is written with the outer transaction
    session.flush()  # the commit's own flush comes after this event: collect its changes first
    keys = session.info.pop(_KEYS, None)
    public = session.info.pop(_PUBLIC, False)
    if not keys and not public:
        return
    connection = session.connection()
    if keys:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
        now = utcnow()
        rows = [{"doc_type": t, "doc_id": i, "created_at": now} for t, i in sorted(keys)]
        bulk.insert_rows(SearchOutbox.__table__, rows, session=connection)
    _bump_version(connection)
    if keys and {doc_type for doc_type, _id in keys} & _offering_sources():
        _bump_version(connection, OFFERINGS_ROW)


@event.listens_for(Session, "after_soft_rollback")
def _discard(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_KEYS, None)
        session.info.pop(_PUBLIC, None)


#: The rows of `search_version`: every public change; changes of what offerings' documents are made of.
PUBLIC_ROW, OFFERINGS_ROW = 1, 2


def _offering_sources() -> set[str]:
    """The document types whose change changes offerings' documents: offerings, and what they are built
    from (their platform's name, city and level)."""
    source = registry.source("offering")
    return {"offering", *(source.built_from if source else ())}


def _bump_version(connection, row: int = PUBLIC_ROW) -> None:
    """Count the transaction's changes in a row of `search_version`, in the transaction.

    One upsert of the row (after the outbox's lock when there are outbox rows): concurrent
    committers take turns on the row, so the numbers follow the commits' order (`changes.increment`)."""
    table = SearchVersion.__table__
    increment(connection, table.c.id, row, table.c.value)


def latest_change() -> int:
    """A number that changes with every committed change of a public row (any table but
    `PRIVATE_TABLES`) and never comes back: the key of caches of what those rows show (counts, pages).

    Read it before the values it keys, in the same transaction: the values are then at least as new.
    Run on the session's connection: every kept page reads it (no ORM work)."""
    return db.session.connection().execute(_LATEST, {"row": PUBLIC_ROW}).scalar() or 0


def offerings_change() -> int:
    """A number that changes with every committed change of an offering's search document (the offering,
    or its platform's name, city, level or approval) and never comes back: what a demand's matches are
    computed from, besides the demand itself. Read it before matching, like `latest_change`."""
    return db.session.connection().execute(_LATEST, {"row": OFFERINGS_ROW}).scalar() or 0


_LATEST = select(SearchVersion.value).where(SearchVersion.id == bindparam("row"))


def memo() -> Remember:
    """`memo()(key, compute)`: a value derived only from public rows (public counts, the ids of a
    page of a public list), computed once per process and version of the public content. Take it at
    the start of a request, before reading anything it keys: one statement reads the version for every
    value."""
    version = g.get("page_version")  # read by `public_page` as this request began
    version, cache = latest_change() if version is None else version, versioned_cache("search")

    def remember(key: Hashable, compute) -> Any:
        return cache.get(version, key, compute)

    return remember


#: Decorates a public view: its pages for anonymous visitors are kept at the public content's version.
public_page = visitor_page(latest_change)
#: The same for a page that also changes on the hour (an offering's calendar: the days its notice,
#: in whole hours, still allows change when now + notice passes a local midnight, which is on the hour).
hourly_public_page = visitor_page(latest_change, period=local_hour)
#: Decorates a view of signed-in users (below its access checks): its pages are kept for the user's
#: session at the public and the private content's versions and the minute (`core.cache.member_page`).
signed_in_page = member_page(latest_change)
