"""Public catalogue: home page, platform and offering lists with filters, detail pages."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from .views import bp

    app.register_blueprint(bp)
