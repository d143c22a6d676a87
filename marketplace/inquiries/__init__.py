"""Inquiries (咨询) from firms to platforms, and proposals and quotes (方案与报价) from platforms."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from . import models  # noqa: F401
