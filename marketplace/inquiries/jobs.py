"""Periodic jobs of inquiries and proposals: proposals past their validity expire."""

from __future__ import annotations

import logging

from ..core.jobs import crontab, periodic_task
from ..extensions import db
from . import services

log = logging.getLogger("marketplace.inquiries")


@periodic_task(crontab(minute="7"))
def expire_proposals() -> None:
    """Hourly, so a proposal expires soon after local midnight whatever the server's zone."""
    count = services.expire_proposals()
    db.session.commit()
    if count:
        log.info("%d proposal(s) expired", count)
