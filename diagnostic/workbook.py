"""xlsx workbooks for people: French headers, frozen header row, rounded display, inert cells.

Every workbook of the kit (``indicateurs.xlsx``, ``enjeux`` as xlsx, a lot's
``comparaison.xlsx``) is written through :func:`write_workbook`: numbers stay
full-precision numbers and are *displayed* rounded through a number format (the
indicator's decimals, « % » for percentages), the header row is bold and frozen
(with the label columns when asked), columns are sized to their content, links
are relative hyperlinks, and text that a spreadsheet would run as a formula is
neutralised (:func:`diagnostic.export.neutralise_formulas`). The file is written
atomically.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .atomic import atomic_path
from .formulas import neutralise_formulas
from .vocabulary import is_missing

MAX_WIDTH = 60
#: Rows looked at to size a column (a département has up to 900 communes).
WIDTH_SAMPLE = 300


@dataclass
class Sheet:
    """One worksheet: its frame, the cell that freezes panes, formats and links by column.

    ``decimals``: column -> decimals (one int for the column, or one per row; None = as is).
    ``units``: column -> unit (one, or one per row), « % » units shown with a percent sign.
    ``links``: column -> one relative target per row (None = no link).
    """
    name: str
    frame: pd.DataFrame
    freeze: str = "A2"
    decimals: dict = field(default_factory=dict)
    units: dict = field(default_factory=dict)
    links: dict = field(default_factory=dict)


def number_format(decimals, unit=None) -> str | None:
    """Excel format showing ``decimals`` digits with thousands grouped, and « % » for percentages."""
    if decimals is None or (isinstance(decimals, float) and math.isnan(decimals)):
        return None
    decimals = max(0, int(decimals))
    fmt = "#,##0" + ("." + "0" * decimals if decimals else "")
    if str(unit or "").startswith("%"):
        fmt += '" %"'  # the value is already in percent (12,5 means 12,5 %)
    return fmt


def _per_row(value, rows: int) -> list:
    if isinstance(value, (list, tuple, pd.Series)):
        return list(value)
    return [value] * rows


def _is_blank(value) -> bool:
    """An empty cell: missing values (never 0) and empty texts."""
    return is_missing(value) or (isinstance(value, str) and not value)


def _width(name, sample) -> float:
    width = max([len(str(name)) // 2 + 1] + [len(str(v)) for v in sample if not _is_blank(v)])
    return min(max(10, width + 2), MAX_WIDTH)


def _write_sheet(book, ws, sheet: Sheet, styles: dict) -> None:
    """The frame's header and cells, with their number formats, links, widths and frozen panes."""
    frame = neutralise_formulas(sheet.frame)
    columns = list(frame.columns)
    rows = len(frame)

    def style(fmt: str | None, link: bool = False):
        key = (fmt, link)
        if key not in styles:
            props = {"num_format": fmt} if fmt else {}
            if link:
                props.update(font_color="blue", underline=1)
            styles[key] = book.add_format(props) if props else None
        return styles[key]

    for col, name in enumerate(columns):
        ws.write_string(0, col, str(name), styles["header"])
        values = frame[name].tolist()
        formats = [None] * rows
        if name in sheet.decimals:
            units = _per_row(sheet.units.get(name), rows)
            formats = [number_format(d, units[i]) for i, d in enumerate(_per_row(sheet.decimals[name], rows))]
        targets = sheet.links.get(name) or [None] * rows
        for i, value in enumerate(values):
            row = i + 1
            if _is_blank(value):
                continue
            if targets[i]:
                ws.write_url(row, col, f"external:{targets[i]}", style(None, link=True), string=str(value))
            elif isinstance(value, (bool, np.bool_)):
                ws.write_boolean(row, col, bool(value))
            elif isinstance(value, (int, float, np.integer, np.floating)):
                ws.write_number(row, col, value, style(formats[i]))
            else:
                ws.write_string(row, col, str(value))
        ws.set_column(col, col, _width(name, values[:WIDTH_SAMPLE]))
    ws.freeze_panes(sheet.freeze)


def write_workbook(path: str | Path, sheets: list[Sheet]) -> Path:
    """Write ``sheets`` to the xlsx ``path`` atomically (names cut to Excel's 31 characters).

    Written with XlsxWriter (several times faster than openpyxl, which still reads
    xlsx files): every cell is written with its type, so no text becomes a formula,
    a link or a number by itself.
    """
    import xlsxwriter  # imported when a workbook is written, not by every report kernel at its start

    path = Path(path)
    with atomic_path(path, suffix=".xlsx") as tmp:
        book = xlsxwriter.Workbook(str(tmp), {"strings_to_numbers": False, "strings_to_formulas": False,
                                              "strings_to_urls": False, "nan_inf_to_errors": True})
        styles = {"header": book.add_format({"bold": True, "text_wrap": True, "valign": "top", "border": 1})}
        for sheet in sheets:
            _write_sheet(book, book.add_worksheet(sheet.name[:31]), sheet, styles)
        book.close()
    return path
