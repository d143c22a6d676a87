"""Message threads between a firm and a platform about a booking, order, inquiry or proposal."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from . import models  # noqa: F401
