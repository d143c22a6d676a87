"""Periodic job of events: remind the registrants of events that start soon."""

from __future__ import annotations

import logging

from ..core.jobs import crontab, periodic_task
from . import services

log = logging.getLogger("marketplace.events")


@periodic_task(crontab(minute="*/15"))
def remind_registrants() -> None:
    if sent := services.send_reminders():
        log.info("%d event reminder(s) sent", sent)
