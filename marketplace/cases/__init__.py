"""Typical cases (典型案例遴选) and their public showcase."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from . import models  # noqa: F401  (tables)
