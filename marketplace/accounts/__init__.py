"""Accounts: organisations, users, sessions, password resets and API tokens."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from .cli import accounts_cli
    from .views import bp

    app.register_blueprint(bp)
    app.cli.add_command(accounts_cli)
