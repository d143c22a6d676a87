"""Downloads as spreadsheets: Excel sheets written as streams (openpyxl's write-only mode), for the
evaluation's score sheet and the coverage dashboard, and CSV (UTF-8 with a BOM, so Excel reads the
Chinese) for the coverage tables and events' registrations. A bold header, then rows; text never
becomes a formula."""

from __future__ import annotations

import csv
from io import StringIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter


def sheet(wb: Workbook, title: str, header: list, rows, first: bool = False):
    """One sheet of the write-only (streamed) workbook: a bold header, then `rows` (any iterable);
    `first`: the results sheet, its ref and name columns frozen."""
    ws = wb.create_sheet(title)
    ws.freeze_panes = "C2" if first else "A2"
    for index, title_ in enumerate(header, start=1):
        ws.column_dimensions[get_column_letter(index)].width = max(10, min(40, len(str(title_)) * 2 + 2))
    bold = Font(bold=True)
    ws.append([text_cell(ws, title_, bold) for title_ in header])
    for row in rows:
        ws.append(
            [
                text_cell(ws, value) if isinstance(value, str) and value.startswith("=") else value
                for value in row
            ]
        )
    return ws


def text_cell(ws, value, font: Font | None = None) -> WriteOnlyCell:
    """A cell whose text stays text: never a formula (no formula injection through a platform's name)."""
    cell = WriteOnlyCell(ws, value=value)
    if cell.data_type == "f":
        cell.data_type = "s"
    if font is not None:
        cell.font = font
    return cell


def _safe(value):
    """Text that a spreadsheet would run as a formula starts with an apostrophe (CSV injection)."""
    return f"'{value}" if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") else value


def csv_bytes(header: list[str], rows: list[list]) -> bytes:
    out = StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([_safe(v) for v in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")
