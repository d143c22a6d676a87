"""Shared column types (labels, UTC timestamps) and the audit log."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, TypeDecorator
from sqlalchemy.orm import Mapped, mapped_column, selectinload

from ..extensions import db
from .timeutil import utcnow  # also imported from here by column defaults and services


class UTCDateTime(TypeDecorator):
    """A timestamp: aware UTC in Python, stored as UTC without zone (SQLite DATETIME, PostgreSQL
    TIMESTAMP WITHOUT TIME ZONE), as before, so existing rows need no migration.

    Any aware value is converted to UTC on the way in; a naive value is refused (its zone is
    unknown, and guessing hides bugs). Values read back always carry tzinfo=UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"UTCDateTime expects a datetime, not {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r} refused: use an aware value (core.timeutil.utcnow())")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def with_related(*relationships) -> tuple:
    """Loader options for a list of rows that shows related ones (a booking's platform and firm):
    each relationship in one query for the whole list, never one per row. The related rows' own
    relationships (label lists) load only when read, since lists show their names."""
    return tuple(selectinload(relationship).lazyload("*") for relationship in relationships)


def with_names(relationship, *columns) -> tuple:
    """`with_related` for a list that shows only a few columns of the related rows (a platform's name, an
    offering's title): only those are read, not the long texts the whole rows carry."""
    return (selectinload(relationship).load_only(*columns).lazyload("*"),)


def new_ref(prefix: str):
    """Default for `ref` columns: every record has a stable external key, so export → import round-trips."""
    return lambda: f"{prefix}-{secrets.token_hex(6)}"


class AuditLog(db.Model):
    """One state change: who, when, which object, old → new, and why."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int] = mapped_column(Integer)
    old_state: Mapped[str | None] = mapped_column(String(40))
    new_state: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict | None] = mapped_column(JSON)

    __table_args__ = (db.Index("ix_audit_object", "object_type", "object_id"),)


class StrEnumColumn(TypeDecorator):
    """A StrEnum stored as its plain string value (VARCHAR on every database, no native enum type,
    so adding a state never needs an ALTER TYPE); rows come back as enum members."""

    impl = String
    cache_ok = True

    def __init__(self, enum_type: type[StrEnum], length: int = 20):
        super().__init__(length)
        self.enum_type = enum_type

    def process_bind_param(self, value, dialect):
        return None if value is None else self.enum_type(value).value

    def process_result_value(self, value, dialect):
        return None if value is None else self.enum_type(value)


class OutgoingMail(db.Model):
    """A mail to send, written in the transaction that decided to send it and delivered by a job
    (core/mail.py), so a crash, a failing SMTP server or a lost job never loses it."""

    __tablename__ = "outgoing_mail"
    __change_scopes__ = ()  #: shown on administrators' pages only (core.changes)
    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    #: extra headers ({"List-Unsubscribe": …}); None for most mail
    headers: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When the next delivery attempt is due (UTC); None once sent or given up.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: A worker holds the mail until then while it sends it; nobody else may send it meanwhile.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
