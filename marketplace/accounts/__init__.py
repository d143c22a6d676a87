"""Accounts: organisations, users, sessions, password resets and API tokens."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from ..admin.views import add_menu_item
    from .admin_views import bp as admin_bp
    from .cli import accounts_cli
    from .views import bp

    app.register_blueprint(bp)
    app.register_blueprint(admin_bp)
    app.cli.add_command(accounts_cli)
    add_menu_item(
        app,
        "账户与单位",
        "accounts_admin.users",
        description="全部账户和单位的检索与筛选；停用违规或离职人员的账户（会话与 API 令牌随即失效）。",
        order=13,
    )
