"""Events (活动) that platforms host: 大赛, 前沿技术讲座, 开放日 (plan 五(五)), with registration under a
capacity, reminders before the start, and the events in iCalendar (one event, and the users' and
platforms' calendar feeds)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from ..admin.views import add_menu_item
    from ..bookings.calendar import add_feed_source
    from . import (
        jobs,  # noqa: F401  (declare the reminder job)
        services,
    )
    from .views import bp

    app.register_blueprint(bp)
    add_menu_item(
        app,
        "活动",
        "events.admin_list",
        description="各平台举办的大赛、讲座、开放日：草稿、报名中与已取消的活动，报名名单，必要时取消。",
        order=18,
    )
    add_feed_source(services.feed_entries)
