"""Experts: their workspace (评审工作台) listing every kind of assignment that features register
(`registry.register_assignments`), and their declarations of conflicts of interest."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from . import models  # noqa: F401  (tables)
    from .views import bp

    app.register_blueprint(bp)
