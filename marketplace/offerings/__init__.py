"""Offerings (中试资源与服务): equipment, sites, services and processes of a platform."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from ..api import register_blueprint
    from . import search  # noqa: F401  (registers offerings as search documents)
    from .api import blp
    from .views import bp

    app.register_blueprint(bp)
    register_blueprint(blp)
