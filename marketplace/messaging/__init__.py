"""Message threads between a firm and a platform about a booking, order, inquiry or proposal."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from ..accounts.models import Role
    from ..api import register_blueprint
    from ..core.navigation import register_count
    from . import services, unread  # noqa: F401  (services registers messages as owners of attachments)
    from .api import blp
    from .cli import messages_cli
    from .views import bp

    app.register_blueprint(bp)
    app.cli.add_command(messages_cli)
    register_blueprint(blp)
    # the navigation's badge, for those whose navigation has the messages link
    register_count(
        app,
        lambda user: {"unread_messages": unread.expression(user)},
        names=("unread_messages",),
        roles=(Role.FIRM, Role.OPERATOR),
    )
