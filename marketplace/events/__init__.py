"""Events (活动) that platforms host: 大赛, 前沿技术讲座, 开放日 (plan 五(五)), with registration under a
capacity, reminders before the start, and the events in iCalendar (one event, and the users' and
platforms' calendar feeds)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from ..bookings.calendar import add_feed_source
    from . import (
        jobs,  # noqa: F401  (declare the reminder job)
        services,
    )
    from .views import bp

    app.register_blueprint(bp)
    add_feed_source(services.feed_entries)
