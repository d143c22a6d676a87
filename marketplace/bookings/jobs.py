"""Periodic jobs of bookings: expire unanswered requests, confirm completed work the firm left."""

from __future__ import annotations

from ..core.jobs import crontab, periodic_task
from ..extensions import db
from . import services


@periodic_task(crontab(minute="*/15"))
def expire_and_auto_confirm() -> None:
    services.expire_unanswered()
    services.auto_confirm_completed()
    db.session.commit()
