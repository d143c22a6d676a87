"""A user's favourites: offerings, platforms and demands kept to come back to (and offerings to compare)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..core.models import UTCDateTime, utcnow
from ..extensions import db


class Favourite(db.Model):
    __tablename__ = "favourites"
    __change_scopes__ = (("user", "user_id"),)  #: the user's own pages (core.changes)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    item_type: Mapped[str] = mapped_column(String(20))  #: vocab.FAVOURITE_KINDS
    item_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("user_id", "item_type", "item_id"),)
