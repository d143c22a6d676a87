"""Subscriptions (订阅): saved searches, followed domains, cities and platforms, and the matcher's
default pushes, delivered in the notification centre and by mail (at once, daily or weekly digests);
and the Atom feeds that carry the same lists to feed readers."""

from __future__ import annotations

from flask import Flask

from .. import signals


def _on_state_changed(obj, *, workflow, action: str, **_) -> None:
    """A notice or an event published: its followers hear of it once the publication commits."""
    from ..core.jobs import enqueue_after_commit
    from ..extensions import db
    from .jobs import push_publication

    if action == "publish" and workflow.object_type in ("announcement", "event"):
        enqueue_after_commit(
            db.session(),
            push_publication,
            workflow.object_type,
            obj.id,
            key=f"publish:{workflow.object_type}:{obj.id}",
        )


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
    signals.state_changed.connect(_on_state_changed)
    app.cli.add_command(notify_cli)
    app.add_template_global(lambda kind, target: services.following(current_user, kind, target), "following")
    app.add_template_global(lambda args: services.saved_search(current_user, args), "saved_search")
