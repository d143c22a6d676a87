"""Favourites (收藏): offerings, platforms and demands a user keeps, and the comparison of offerings."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from .views import bp

    app.register_blueprint(bp)
