"""Message threads between a firm and a platform about a booking, order, inquiry or proposal."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from ..api import register_blueprint
    from . import services  # noqa: F401  (registers messages as owners of attachments)
    from .api import blp
    from .views import bp

    app.register_blueprint(bp)
    register_blueprint(blp)
