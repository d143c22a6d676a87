"""Search and matching behind a small interface (services.py); Whoosh is used only inside this package.

Features put their models in the index through `registry` (see registry.py)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from ..admin.views import add_menu_item
    from ..api import register_blueprint
    from . import jobs, outbox  # noqa: F401  (drain jobs; index work queued for every flushed Searchable change)
    from .api import blp
    from .cli import search_cli
    from .views import bp

    app.register_blueprint(bp)
    register_blueprint(blp)
    app.cli.add_command(search_cli)
    add_menu_item(
        app,
        "搜索索引",
        "search.dead_letters",
        description="无法写入索引的文档（死信）及其错误，可重试。",
        order=90,
    )
