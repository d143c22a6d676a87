"""通知公告 (plan 四(六)): policies, calls for applications and results that administrators publish,
read by everyone, and pushed to those who follow them (subscriptions)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from ..admin.views import add_menu_item
    from .views import bp

    app.register_blueprint(bp)
    add_menu_item(
        app,
        "通知公告",
        "announcements.manage",
        description="发布政策、申报通知和结果公示；置顶、撤回；关注者会收到推送。",
        order=17,
    )
