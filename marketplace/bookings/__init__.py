"""Bookings (预约) and orders (服务订单): availability of bookable offerings, the booking life cycle,
reviews and outcomes, calendars and iCalendar feeds, and the platforms' and firms' dashboards."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from ..api import register_blueprint
    from . import jobs  # noqa: F401  (declares the periodic jobs)
    from .api import blp, offering_blp
    from .calendar_views import bp as calendar_bp
    from .dashboard_views import init_app as init_dashboards  # blueprint `dashboards`, admin menu
    from .views import bp

    app.register_blueprint(bp)
    register_blueprint(blp)
    register_blueprint(offering_blp)
    init_dashboards(app)
    app.register_blueprint(calendar_bp)  # calendars and iCalendar feeds
