"""Typical cases (典型案例遴选) and their public showcase."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from ..admin.views import add_menu_item
    from ..api import register_blueprint
    from . import models, services  # noqa: F401  (models: tables)
    from .api import blp, expert_blp
    from .views import bp

    app.register_blueprint(bp)
    register_blueprint(blp)
    register_blueprint(expert_blp)
    services.register_expert_work()
    add_menu_item(
        app,
        "典型案例遴选",
        "cases.rounds",
        description="开启年度遴选、分配专家评审、按类别排名并在名额内确定入选案例。",
        order=60,
    )
