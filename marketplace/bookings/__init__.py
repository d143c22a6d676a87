"""Bookings (预约) and orders (服务订单): availability of bookable offerings, the booking life cycle,
reviews and outcomes, calendars and iCalendar feeds, and the platforms' and firms' dashboards."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from . import jobs  # noqa: F401  (declares the periodic jobs)
    from .calendar_views import bp as calendar_bp
    from .views import bp

    app.register_blueprint(bp)
    app.register_blueprint(calendar_bp)  # calendars and iCalendar feeds
