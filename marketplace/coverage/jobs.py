"""Coverage job: every night, match again the open demands never or long ago matched (04:20 Beijing)."""

from __future__ import annotations

import logging

from flask import current_app

from ..core.jobs import crontab, periodic_task
from . import services

log = logging.getLogger("marketplace.coverage")


@periodic_task(crontab(hour="20", minute="20"))
def refresh_coverage() -> None:
    count = services.refresh(current_app.config["COVERAGE_REFRESH_LIMIT"])
    log.info("coverage: %d open demand(s) matched again", count)
