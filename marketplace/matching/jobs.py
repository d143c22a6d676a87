"""Search jobs: apply the outbox to the index after each commit, and every minute as a safety net
(which also retries the dead letters whose delay has passed)."""

from __future__ import annotations

from flask import current_app

from ..core.jobs import crontab, periodic_task, task
from ..extensions import db
from . import indexer


def _drain() -> None:
    indexer.drain(current_app, wait=current_app.config.get("SEARCH_DRAIN_WAIT", 2.0))


@task()
def drain_outbox() -> None:
    """Apply the changes a commit left in the outbox (enqueued by `indexer.schedule_drain`)."""
    _drain()


@periodic_task(crontab(minute="*"))
def drain_outbox_periodically() -> None:
    """Every minute: queue the dead letters due for another try, then apply whatever waits in the
    outbox (also what a crash or a busy index left there)."""
    if indexer.requeue_dead_letters():
        db.session.commit()
    _drain()
