"""Platform registry (平台): operators register platforms, administrators review them."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from ..admin.views import add_menu_item
    from ..api import register_blueprint
    from . import search  # noqa: F401  (registers platforms as search documents)
    from .api import blp
    from .views import bp

    app.register_blueprint(bp)
    register_blueprint(blp)
    add_menu_item(
        app,
        "平台审核队列",
        "platforms.review_queue",
        description="即到即受理：等待最久的排在最前。",
        order=10,
    )
    add_menu_item(
        app, "全部平台", "platforms.all_platforms", description="按状态查看、暂停或恢复平台。", order=20
    )
