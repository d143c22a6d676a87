"""Subscription jobs: deliver what changed every minute, and each notice or event as it is published;
daily and weekly digests (08:05 and Monday
08:10, Beijing time: the queue's schedule is in UTC)."""

from __future__ import annotations

import logging

from ..core.jobs import crontab, periodic_task, task
from . import services
from .models import Frequency

log = logging.getLogger("marketplace.subscriptions")


@periodic_task(crontab(minute="*"))
def scan_subscriptions() -> None:
    """Every minute: push new and changed offerings and demands to their subscribers."""
    if delivered := services.scan():
        log.info("%d subscription item(s) delivered", delivered)


@task()
def push_publication(item_type: str, item_id: int) -> None:
    """A notice or an event was published: tell its followers."""
    if delivered := services.push_publication(item_type, item_id):
        log.info("%s %d delivered to %d follower(s)", item_type, item_id, delivered)


@periodic_task(crontab(hour="0", minute="5"))
def daily_digests() -> None:
    log.info("%d daily digest(s) sent", services.send_digests(Frequency.DAILY))


@periodic_task(crontab(day_of_week="1", hour="0", minute="10"))
def weekly_digests() -> None:
    log.info("%d weekly digest(s) sent", services.send_digests(Frequency.WEEKLY))
