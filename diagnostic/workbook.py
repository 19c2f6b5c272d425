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

import pandas as pd
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from .atomic import atomic_path
from .formulas import neutralise_formulas

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


def _format(ws, sheet: Sheet) -> None:
    frame = sheet.frame
    columns = list(frame.columns)
    rows = len(frame)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for name, decimals in sheet.decimals.items():
        if name not in columns:
            continue
        col = columns.index(name) + 1
        units = _per_row(sheet.units.get(name), rows)
        for i, d in enumerate(_per_row(decimals, rows)):
            fmt = number_format(d, units[i])
            cell = ws.cell(row=i + 2, column=col)
            if fmt and isinstance(cell.value, (int, float)):
                cell.number_format = fmt
    for name, targets in sheet.links.items():
        if name not in columns:
            continue
        col = columns.index(name) + 1
        for i, target in enumerate(targets):
            if target:
                cell = ws.cell(row=i + 2, column=col)
                cell.hyperlink = target
                cell.style = "Hyperlink"
    for i, name in enumerate(columns, start=1):
        sample = frame[name].head(WIDTH_SAMPLE)
        width = max([len(str(name)) // 2 + 1] + [len(str(v)) for v in sample if v is not None])
        ws.column_dimensions[get_column_letter(i)].width = min(max(10, width + 2), MAX_WIDTH)
    ws.freeze_panes = sheet.freeze


def write_workbook(path: str | Path, sheets: list[Sheet]) -> Path:
    """Write ``sheets`` to the xlsx ``path`` atomically (names cut to Excel's 31 characters)."""
    path = Path(path)
    with atomic_path(path, suffix=".xlsx") as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            for sheet in sheets:
                name = sheet.name[:31]
                neutralise_formulas(sheet.frame).to_excel(writer, sheet_name=name, index=False)
                _format(writer.sheets[name], sheet)
    return path
