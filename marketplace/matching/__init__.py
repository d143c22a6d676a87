"""Search and matching behind a small interface (services.py); Whoosh is used only inside this package.

Features put their models in the index through `registry` (see registry.py)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from ..api import register_blueprint
    from . import outbox  # noqa: F401  (queues index work for every flushed change of a Searchable row)
    from .api import blp
    from .cli import search_cli
    from .views import bp

    app.register_blueprint(bp)
    register_blueprint(blp)
    app.cli.add_command(search_cli)
