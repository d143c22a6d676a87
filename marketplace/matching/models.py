"""The search outbox (a log: a row per changed document, written in the same transaction as the
change), the application hosts that each apply it to their own index replica, and the dead letters
(documents the index could not take)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..core.models import UTCDateTime, utcnow
from ..extensions import db


class SearchOutbox(db.Model):
    """Index work, a log read in id order: each host applies the rows after its cursor to its own
    index; a row is deleted once every registered host has passed it.

    Ids are never reused (SQLite: AUTOINCREMENT; PostgreSQL: its sequence) and are committed in
    increasing order (`outbox.py` inserts them at commit under a lock), so a cursor never skips a row."""

    __tablename__ = "search_outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(20))  #: a registered DocumentSource's doc_type
    doc_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = ({"sqlite_autoincrement": True},)


class SearchHost(db.Model):
    """An application host with its own index replica (SEARCH_HOST_ID), and how far it has applied
    the outbox. Registered by its first rebuild (or drain); unregistered by an administrator
    (`flask search forget-host`) once it is gone for good, so it no longer holds outbox rows back."""

    __tablename__ = "search_hosts"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)  #: SEARCH_HOST_ID
    #: The last outbox id applied to this host's index (and committed there).
    cursor: Mapped[int] = mapped_column("outbox_cursor", Integer, default=0)
    #: The index generation the cursor describes (a rebuild starts a new one).
    generation: Mapped[str | None] = mapped_column(String(100))
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OutboxReader(db.Model):
    """A consumer of the outbox log that is not an index (e.g. the subscriptions' push): its own
    cursor, read up to what this host's index holds, so what it reads is searchable. Rows are kept
    until every host and every reader has passed them."""

    __tablename__ = "outbox_readers"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    cursor: Mapped[int] = mapped_column("outbox_cursor", Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SearchDeadLetter(db.Model):
    """A document the index could not take: building it from its row, or writing it, failed.

    The drain (or a rebuild) sets it aside here with the error and goes on with the rest; the
    periodic drain retries it after a doubling delay; administrators see it (/admin/search, with a
    retry button) and so does `flask search check`. The row goes once the document indexes fine,
    or is no longer public. One table for every host: a document fails the same way on each
    replica (its attempts count every host's try)."""

    __tablename__ = "search_dead_letters"
    id: Mapped[int] = mapped_column(primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(20))
    doc_id: Mapped[int] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(Text)  #: the last failure: exception type and message
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    first_failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When the periodic drain tries again; None while a retry waits in the outbox.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    __table_args__ = (UniqueConstraint("doc_type", "doc_id"),)

    @property
    def key(self) -> str:
        return f"{self.doc_type}:{self.doc_id}"


class SearchVersion(db.Model):
    """Counters of committed changes: row 1 of public rows (`outbox.latest_change`), row 2 of offerings'
    search documents (`outbox.offerings_change`).

    Bumped in the transaction of the change, just before its commit, so a reader that sees the new
    number sees the change too; caches of public pages and of demands' matches are keyed by them."""

    __tablename__ = "search_version"
    id: Mapped[int] = mapped_column(primary_key=True)  #: `outbox.PUBLIC_ROW` or `outbox.OFFERINGS_ROW`
    value: Mapped[int] = mapped_column(BigInteger)
