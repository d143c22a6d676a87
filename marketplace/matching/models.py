"""The search outbox: a row per changed document, written in the same transaction as the change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..core.models import UTCDateTime, utcnow
from ..extensions import db


class SearchOutbox(db.Model):
    """Pending index work. Drained in id order by whichever process holds the index lock."""

    __tablename__ = "search_outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(20))  #: a registered DocumentSource's doc_type
    doc_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
