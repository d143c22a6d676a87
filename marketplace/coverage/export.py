"""The coverage dashboard's tables as downloads: CSV (UTF-8 with a BOM, so Excel reads the Chinese) and
an Excel workbook, one sheet per table."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook

from ..core.spreadsheets import sheet
from . import services

CELL_FIELDS = ("domain", "city", *services.ROW_FIELDS, *services.EXTRA_FIELDS)
TREND_HEADER = ["月份", "新发布需求", "其中无良好匹配", "新开放资源", "完成服务"]
TREND_KEYS = ("months", "demands", "unmet", "offerings", "bookings")


def tables(period: services.Period) -> dict[str, tuple[list[str], list[list]]]:
    """{table name: (header, rows)}: the domain × city figures and the monthly trends."""
    rows = services.coverage(period)
    trend = services.trends(period)
    return {
        "cells": (
            [services.LABELS[f] for f in CELL_FIELDS],
            [[row[f] if row[f] is not None else "" for f in CELL_FIELDS] for row in rows],
        ),
        "trends": (
            TREND_HEADER,
            [list(values) for values in zip(*(trend[k] for k in TREND_KEYS), strict=True)],
        ),
    }


def xlsx_bytes(period: services.Period) -> bytes:
    wb = Workbook(write_only=True)
    for title, (header, rows) in zip(("领域×城市", "月度趋势"), tables(period).values(), strict=True):
        sheet(wb, title, header, rows)
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
