"""Experts: conflicts of interest, and (later) their workspace."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from . import models  # noqa: F401  (tables)
