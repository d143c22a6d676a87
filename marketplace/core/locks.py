"""Named locks held by the current database transaction, across processes and hosts: two runs of the
same job (two `flask import-data` at once) take turns instead of colliding on unique keys.

PostgreSQL: a transaction-level advisory lock (`pg_try_advisory_xact_lock`). SQLite has one writer
at a time anyway: the transaction starts with `BEGIN IMMEDIATE`, taking the database's write lock
before it reads, so it reads what the previous writer committed. Either way the lock goes with the
commit or rollback."""

from __future__ import annotations

import sqlite3
import time
import zlib
from collections.abc import Callable

from sqlalchemy import text

from ..extensions import db


class LockTimeout(Exception):
    """The lock stayed taken for the whole wait."""


def lock_for_transaction(name: str, wait: float, on_wait: Callable[[], None] | None = None) -> None:
    """Take the lock `name` for the rest of the session's transaction, waiting up to `wait` seconds
    (`on_wait()` is called once if it has to wait); raises LockTimeout after that.

    On SQLite, call it before the transaction writes: it begins the transaction (a transaction that
    has already written holds the database's write lock anyway)."""
    deadline = time.monotonic() + wait
    waited = False
    while not _try_lock(name):
        if time.monotonic() >= deadline:
            raise LockTimeout(name)
        if not waited and on_wait is not None:
            on_wait()
        waited = True
        time.sleep(0.2)


def _try_lock(name: str) -> bool:
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        key = zlib.crc32(name.encode())
        return bool(connection.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": key}).scalar())
    if connection.dialect.name == "sqlite":
        driver = connection.connection.driver_connection
        if driver.in_transaction:
            return True  # the driver begins a transaction at the first write: this one is the writer
        busy_timeout = driver.execute("PRAGMA busy_timeout").fetchone()[0]
        driver.execute("PRAGMA busy_timeout = 0")  # the caller's loop does the waiting
        try:
            driver.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc):
                return False
            raise
        finally:
            driver.execute(f"PRAGMA busy_timeout = {int(busy_timeout)}")
        return True
    return True  # other databases: no lock
