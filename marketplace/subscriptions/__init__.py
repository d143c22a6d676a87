"""Subscriptions (订阅): saved searches, followed domains, cities and platforms, and the matcher's
default pushes, delivered in the notification centre and by mail (at once, daily or weekly digests);
and the Atom feeds that carry the same lists to feed readers."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from flask_login import current_user

    from . import (
        jobs,  # noqa: F401  (declare the scan and digest jobs)
        services,
    )
    from .cli import notify_cli
    from .feeds import bp as feeds_bp
    from .views import bp

    app.register_blueprint(bp)
    app.register_blueprint(feeds_bp)
    app.cli.add_command(notify_cli)
    app.add_template_global(lambda kind, target: services.following(current_user, kind, target), "following")
    app.add_template_global(lambda args: services.saved_search(current_user, args), "saved_search")
