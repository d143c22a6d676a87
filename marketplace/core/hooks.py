"""Run work after the surrounding transaction commits (mail, index drain), never after a rollback."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

_KEY = "after_commit_callbacks"


def after_commit(session: Session, callback: Callable[[], None], key: str | None = None) -> None:
    """Queue `callback` to run once the session's current transaction commits.

    Callbacks with the same `key` are queued once per transaction."""
    queue = session.info.setdefault(_KEY, {})
    queue.setdefault(key or id(callback), callback)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    callbacks = session.info.pop(_KEY, {})
    for callback in callbacks.values():
        callback()


@event.listens_for(Session, "after_soft_rollback")
def _drop_after_rollback(session: Session, previous_transaction) -> None:
    session.info.pop(_KEY, None)
