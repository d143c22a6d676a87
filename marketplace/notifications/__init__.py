"""In-app notifications and mail to users, fed by the features' signals (no feature imports this)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from ..core.navigation import register_count
    from . import services
    from .views import bp

    app.register_blueprint(bp)
    register_count(
        app, lambda user: {"unread_notices": services.unread_expression(user)}, names=("unread_notices",)
    )
    services.subscribe()
