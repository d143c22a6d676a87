"""Shared column types, the audit log and time helpers."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, TypeDecorator
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


def utcnow() -> datetime:
    """Current time, UTC, without tzinfo (stored naive; SQLite has no time zones)."""
    return datetime.now(UTC).replace(tzinfo=None)


def new_ref(prefix: str):
    """Default for `ref` columns: every record has a stable external key, so export → import round-trips."""
    return lambda: f"{prefix}-{secrets.token_hex(6)}"


class AuditLog(db.Model):
    """One state change: who, when (UTC), which object, old → new, and why."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
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
