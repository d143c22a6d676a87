"""Yearly performance evaluation of platforms (绩效评价)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from ..api import register_blueprint
    from . import models  # noqa: F401  (tables)
    from .cli import evaluation_cli
    from .results_api import blp as results_api
    from .results_views import bp as results_bp

    app.register_blueprint(results_bp)  # public results, publication, corrections, export
    register_blueprint(results_api)
    app.cli.add_command(evaluation_cli)
