"""Feed the outbox: every flushed change of a `Searchable` row queues index work in the same
transaction (a rollback discards it with the change), and a drain is scheduled after the commit."""

from __future__ import annotations

from sqlalchemy import event, insert
from sqlalchemy.orm import Session

from ..core.models import utcnow
from . import indexer
from .models import SearchOutbox
from .registry import search_type


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
