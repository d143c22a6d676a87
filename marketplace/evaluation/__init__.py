"""Yearly performance evaluation of platforms (绩效评价)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from . import models  # noqa: F401  (tables)
