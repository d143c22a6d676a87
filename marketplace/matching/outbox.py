"""Feed the outbox: every flushed change of a `Searchable` row queues index work in the same
transaction (a rollback discards it with the change), and a drain is scheduled after the commit.
Such a transaction also bumps the search version (`latest_change`) as it commits."""

from __future__ import annotations

import secrets
from collections.abc import Hashable
from typing import Any

from sqlalchemy import event, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..core.cache import versioned_cache
from ..core.models import utcnow
from ..core.pagination import Remember
from ..extensions import db
from . import indexer
from .models import SearchOutbox, SearchVersion
from .registry import search_type

#: `session.info` flag: the current transaction changed a searchable row.
_CHANGED = "search_changed"


@event.listens_for(Session, "after_flush")
def _enqueue(session: Session, flush_context) -> None:
    keys = set()
    dirty = [obj for obj in session.dirty if session.is_modified(obj, include_collections=False)]
    for obj in list(session.new) + dirty + list(session.deleted):
        doc_type = search_type(obj)
        if doc_type and obj.id is not None:
            keys.add((doc_type, obj.id))
    if keys:
        now = utcnow()
        session.connection().execute(
            insert(SearchOutbox.__table__),
            [{"doc_type": t, "doc_id": i, "created_at": now} for t, i in sorted(keys)],
        )
        indexer.schedule_drain(session)
        session.info[_CHANGED] = True


@event.listens_for(Session, "before_commit")
def _bump_version(session: Session) -> None:
    """Count the transaction's changes of searchable rows in `search_version`, in the transaction.

    One upsert: PostgreSQL makes concurrent committers take turns on the row, so the numbers follow
    the commits' order. The first bump on an empty table starts at a random number, so a counter
    whose row was removed never repeats the numbers (and cached values) of its former life."""
    session.flush()  # the commit flushes after this hook: the transaction's last changes first
    if not session.info.pop(_CHANGED, False):
        return
    table = SearchVersion.__table__
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    upsert = dialect.insert(table).values(id=1, value=secrets.randbits(62))
    upsert = upsert.on_conflict_do_update(index_elements=[table.c.id], set_={"value": table.c.value + 1})
    session.connection().execute(upsert)


@event.listens_for(Session, "after_soft_rollback")
def _forget_change(session: Session, previous_transaction) -> None:
    session.info.pop(_CHANGED, None)


def latest_change() -> int:
    """A number that changes with every committed change of a searchable (public catalogue) row and
    never comes back: the key of caches of what those rows show (counts, facets).

    Read it before the values it keys, in the same transaction: the values are then at least as new."""
    return db.session.scalar(select(SearchVersion.value).where(SearchVersion.id == 1)) or 0


def memo() -> Remember:
    """`memo()(key, compute)`: a value derived only from searchable rows (public counts, the ids of a
    page of a public list), computed once per process and search version. Take it at the start of a
    request, before reading anything it keys: one statement reads the version for every value."""
    version, cache = latest_change(), versioned_cache("search")

    def remember(key: Hashable, compute) -> Any:
        return cache.get(version, key, compute)

    return remember
