"""The search outbox: a row per changed document, written in the same transaction as the change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, event, insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..core.models import UTCDateTime, utcnow
from ..extensions import db


class SearchOutbox(db.Model):
    """Pending index work. Drained in id order by whichever process holds the index lock."""

    __tablename__ = "search_outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(20))  #: offering | platform | demand
    doc_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def _indexed_types() -> dict[type, str]:
    from ..demands.models import Demand
    from ..offerings.models import Offering
    from ..platforms.models import Platform

    return {Offering: "offering", Platform: "platform", Demand: "demand"}


@event.listens_for(Session, "after_flush")
def _enqueue(session: Session, flush_context) -> None:
    """Record every flushed change of an indexed object; a rollback discards these rows with it."""
    types = _indexed_types()
    keys = set()
    dirty = [obj for obj in session.dirty if session.is_modified(obj, include_collections=False)]
    for obj in list(session.new) + dirty + list(session.deleted):
        doc_type = types.get(type(obj))
        if doc_type and obj.id is not None:
            keys.add((doc_type, obj.id))
    if keys:
        now = utcnow()
        session.connection().execute(
            insert(SearchOutbox.__table__),
            [{"doc_type": t, "doc_id": i, "created_at": now} for t, i in sorted(keys)],
        )
        from .indexer import schedule_drain

        schedule_drain(session)
