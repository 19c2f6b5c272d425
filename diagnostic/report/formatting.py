"""French wording helpers shared by the report's tables, prose and index page."""
from __future__ import annotations

import datetime as dt
import math

import pandas as pd

from ..text import format_number

MONTHS_FR = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
             "septembre", "octobre", "novembre", "décembre"]

#: Column order of the report's tables: the territory, its references, then its peers.
LEVEL_ORDER = {"territoire": 0, "departement": 1, "region": 2, "france": 3, "pair": 4}
LEVEL_FR = {"territoire": "Territoire", "departement": "Département", "region": "Région",
            "france": "France", "pair": "Comparaison"}


def date_fr(when: dt.date | dt.datetime) -> str:
    day = "1er" if when.day == 1 else str(when.day)
    return f"{day} {MONTHS_FR[when.month - 1]} {when.year}"


def value_text(value, decimals, unit) -> str:
    """A table cell: French number, « % » for shares, « n.d. » when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n.d."
    unit = str(unit or "")
    return format_number(value, int(decimals), "%" if unit.startswith("%") else "")


def unit_suffix(unit: str) -> str:
    """`` (unit)`` after an indicator's label; nothing for a plain share."""
    unit = str(unit or "")
    if not unit or unit == "%":
        return ""
    return f" ({unit})"


def same(a, b) -> bool:
    """Equal as drop_duplicates sees it (two missing values are the same)."""
    return (pd.isna(a) and pd.isna(b)) if (pd.isna(a) or pd.isna(b)) else a == b


def join_fr(items: list[str]) -> str:
    """« a, b et c »."""
    items = list(dict.fromkeys(items))
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " et " + items[-1]


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
