"""Feed the outbox: every flushed change of a `Searchable` row queues index work in the same
transaction (a rollback discards it with the change), and a drain is scheduled after the commit.

The rows are written when the transaction commits, under a lock held until the commit ends, so their
ids are committed in increasing order: a host that has applied the log up to id N never meets a row
below N later (PostgreSQL hands out sequence values at insert, not at commit; SQLite has one writer
at a time anyway)."""

from __future__ import annotations

import zlib
from collections.abc import Iterable

from sqlalchemy import event, insert, text
from sqlalchemy.orm import Session

from ..core.models import utcnow
from . import indexer
from .models import SearchOutbox
from .registry import search_type

_KEYS = "search_outbox_keys"
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
            if (doc_type := search_type(obj)) and obj.id is not None
        ],
    )


@event.listens_for(Session, "before_commit")
def _write(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the work is written with the outer transaction
    session.flush()  # the commit's own flush comes after this event: collect its changes first
    keys = session.info.pop(_KEYS, None)
    if not keys:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    now = utcnow()
    connection.execute(
        insert(SearchOutbox.__table__),
        [{"doc_type": t, "doc_id": i, "created_at": now} for t, i in sorted(keys)],
    )


@event.listens_for(Session, "after_soft_rollback")
def _discard(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_KEYS, None)
