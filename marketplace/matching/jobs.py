"""Search jobs: apply the outbox to the index after each commit, and every minute as a safety net
(which also retries the dead letters whose delay has passed).

Jobs go through one broker shared by every host (Redis), so a job runs on whichever host's worker
takes it and drains that host's index. Each host's `flask jobs worker` therefore also runs
`follow_outbox`, a loop that drains its own host every SEARCH_HOST_DRAIN_INTERVAL seconds: every
replica follows the log within seconds whoever wrote, and a search drains its host first anyway."""

from __future__ import annotations

import logging
import threading

from flask import Flask, current_app

from ..core.jobs import crontab, periodic_task, task
from ..extensions import db
from . import indexer

log = logging.getLogger("marketplace.search")


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


def follow_outbox(app: Flask, stop: threading.Event) -> threading.Thread | None:
    """Start a thread draining this host's index every SEARCH_HOST_DRAIN_INTERVAL seconds (0: none)
    until `stop` is set. `flask jobs worker` runs it: one per host."""
    interval = float(app.config["SEARCH_HOST_DRAIN_INTERVAL"])
    if interval <= 0:
        return None

    def run() -> None:
        while not stop.wait(interval):
            try:
                with app.app_context():
                    _drain()
            except Exception:  # the loop outlives any one failure; the outbox keeps the work
                log.exception("search host drain failed")

    thread = threading.Thread(target=run, name="search-host-drain", daemon=True)
    thread.start()
    return thread
