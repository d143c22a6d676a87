"""Demands (中试需求): firms post technology-conversion needs; platforms see the open ones."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from ..admin.views import add_menu_item
    from ..api import register_blueprint
    from . import jobs, search  # noqa: F401  (declare the expiry job; register open demands as documents)
    from .api import blp
    from .cli import demands_cli, match_command
    from .views import bp

    app.register_blueprint(bp)
    register_blueprint(blp)
    app.cli.add_command(demands_cli)
    app.cli.add_command(match_command)
    add_menu_item(
        app,
        "需求管理",
        "demands.admin_list",
        description="全部已发布需求的检索与筛选；隐藏违反规则的需求（企业会收到原因），或恢复展示。",
        order=12,
    )
    add_menu_item(
        app,
        "匹配反馈",
        "demands.feedback_list",
        description="企业对匹配结果的“有用/不相关”评价及原因，可导出供评测匹配效果。",
        order=85,
    )
