"""Bulk data in and out in the `zhongshi/v1` interchange format."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from .cli import export_command, import_command

    app.cli.add_command(import_command)
    app.cli.add_command(export_command)
