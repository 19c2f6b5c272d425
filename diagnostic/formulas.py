"""Spreadsheet cells that cannot run: the OWASP defence against « CSV injection ».

Text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read
as a formula by spreadsheets; such a cell gets a leading apostrophe. Numbers,
negative ones included, and text that is a number stay as they are.
"""
from __future__ import annotations

import re

import pandas as pd

#: First characters that make a spreadsheet read a text cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d[\d\s\u00a0\u202f]*)([.,]\d+)?([eE][+-]?\d+)?%?")


def safe_cell(value):
    """``value`` made inert for a spreadsheet: formula-like text gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value.strip()):
        return "'" + value
    return value


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells and headers cannot run as formulas (numbers untouched)."""
    out = df.rename(columns={c: safe_cell(c) for c in df.columns if isinstance(c, str)})
    for column in out.columns:
        if not pd.api.types.is_numeric_dtype(out[column]):  # object or pandas "str" columns
            out[column] = out[column].map(safe_cell)
    return out
