"""Yearly performance evaluation of platforms (绩效评价)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from . import models  # noqa: F401  (tables)
    from .self_report_api import init_app as init_self_report_api
    from .self_report_views import init_app as init_self_report_views

    init_self_report_views(app)  # the platforms' self-report: pages, evidence files, admin menu
    init_self_report_api(app)
