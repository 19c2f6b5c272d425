"""French wording helpers shared by the report's tables, prose and index page."""
from __future__ import annotations

import pandas as pd

from ..vocabulary import LEVEL_FR, LEVEL_ORDER, MONTHS_FR, date_fr  # noqa: F401  (re-exported)
from ..vocabulary import format_value as value_text  # noqa: F401  (a table cell, « n.d. » when missing)


def unit_suffix(unit: str) -> str:
    """`` (unit)`` after an indicator's label; nothing for a plain share."""
    unit = str(unit or "")
    if not unit or unit == "%":
        return ""
    return f" ({unit})"


def same(a, b) -> bool:
    """Equal as drop_duplicates sees it (two missing values are the same)."""
    return (pd.isna(a) and pd.isna(b)) if (pd.isna(a) or pd.isna(b)) else a == b


def shorten(labels: list[str], n: int = 6) -> str:
    if len(labels) <= n:
        return ", ".join(labels)
    return ", ".join(labels[:n]) + f"… (+{len(labels) - n})"


def source_line(row) -> str:
    """« source, millésime N » unless the source already names its vintage."""
    source = str(row["source"] or "")
    vint = str(row["vintage"] or "")
    if vint and vint not in source:
        source = f"{source}, millésime {vint}"
    return source
