"""One message thread per booking, order, inquiry or proposal, between the firm and the platform.

A thread is named by its subject (`thread_type`, `thread_id`), like attachments name their owner;
the feature owning the subject says who may read and write (messaging/services.register_thread)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..attachments.models import HasAttachments
from ..core.models import UTCDateTime, utcnow
from ..extensions import db


class Message(HasAttachments, db.Model):
    __tablename__ = "messages"
    __change_scopes__ = (("thread", ("thread_type", "thread_id")),)  #: its thread's parties (core.changes)
    __attachment_owner__ = "message"
    id: Mapped[int] = mapped_column(primary_key=True)
    thread_type: Mapped[str] = mapped_column(String(20))  #: booking | inquiry | proposal
    thread_id: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship()

    __table_args__ = (db.Index("ix_messages_thread", "thread_type", "thread_id", "id"),)


class ThreadRead(db.Model):
    """How far one user has read one thread (unread counts in the navigation)."""

    __tablename__ = "thread_reads"
    __change_scopes__ = (("user", "user_id"),)  #: whose signed-in pages its rows change (core.changes)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    thread_type: Mapped[str] = mapped_column(String(20))
    thread_id: Mapped[int] = mapped_column(Integer)
    last_read_id: Mapped[int] = mapped_column(Integer, default=0)  #: the last message id seen

    __table_args__ = (UniqueConstraint("user_id", "thread_type", "thread_id"),)


class UnreadCount(db.Model):
    """A user's unread messages, kept exact in every transaction that may change them (messaging/unread)."""

    __tablename__ = "unread_message_counts"
    __change_scopes__ = (("user", "user_id"),)  #: whose signed-in pages its rows change (core.changes)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
