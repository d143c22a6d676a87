"""Yearly performance evaluation of platforms (绩效评价)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from ..admin.views import add_menu_item
    from . import models  # noqa: F401  (tables)
    from .cli import evaluation_cli
    from .views import bp

    app.register_blueprint(bp)
    app.cli.add_command(evaluation_cli)
    add_menu_item(
        app,
        "绩效评价",
        "evaluation.index",
        description="年度绩效评价：指标体系、自评填报、专家评审和结果计算。",
        order=50,
    )
