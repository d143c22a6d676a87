"""Demand jobs: close overdue demands every hour (the same as `flask demands expire`)."""

from __future__ import annotations

import logging

from ..core.jobs import crontab, periodic_task
from ..extensions import db
from .services import expire_overdue

log = logging.getLogger("marketplace.demands")


@periodic_task(crontab(minute="0"))
def expire_overdue_demands() -> None:
    """Every hour: move open demands past their deadline to 'expired' (idempotent)."""
    count = expire_overdue()
    db.session.commit()
    if count:
        log.info("%d overdue demand(s) expired", count)
