"""Shared column types (labels, UTC timestamps) and the audit log."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, TypeDecorator, cast
from sqlalchemy.orm import Mapped, mapped_column

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


def new_ref(prefix: str):
    """Default for `ref` columns: every record has a stable external key, so export → import round-trips."""
    return lambda: f"{prefix}-{secrets.token_hex(6)}"


class LabelList(TypeDecorator):
    """A list of short labels stored as '|a|b|', so 'has label' is a portable LIKE '%|a|%'."""

    impl = String(500)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return "|"
        return "|" + "|".join(str(v) for v in value) + "|"

    def process_result_value(self, value, dialect):
        if not value:
            return []
        return [v for v in value.split("|") if v]


def has_label(column, label: str):
    """SQL condition: a LabelList column contains `label`."""
    escaped = label.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return cast(column, String).like(f"%|{escaped}|%", escape="\\")


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
