"""French numbers on charts: tick formatters (``12 345,5``), decimals of value labels,
unit labels of axes."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter

from .vocabulary import format_number


def decimals_for(values, max_decimals: int = 3) -> int:
    """Fewest decimals that write all ``values`` exactly (0 for 1 000 and 2,5 -> 1)."""
    finite = [float(v) for v in np.ravel(np.asarray(values, dtype=float)) if math.isfinite(v)]
    for d in range(max_decimals + 1):
        if all(abs(round(v, d) - v) <= 1e-9 * max(1.0, abs(v)) for v in finite):
            return d
    return max_decimals


class FrenchFormatter(FuncFormatter):
    """Tick formatter writing numbers the French way, e.g. ``12 345,5``.

    With ``decimals=None`` all the ticks of an axis share the fewest decimals
    that write them exactly (``0 ; 0,5 ; 1,0``); called directly on one value it
    uses the decimals that value needs (``formatter(12345.5) == "12 345,5"``).
    """

    def __init__(self, decimals: int | None = None, unit: str = ""):
        self.decimals = decimals
        self.unit = unit
        self._tick_decimals: int | None = None
        super().__init__(self._format)

    def set_locs(self, locs):
        super().set_locs(locs)
        self._tick_decimals = decimals_for(locs) if self.decimals is None and len(locs) else None

    def _format(self, x, pos=None) -> str:
        if self.decimals is not None:
            d = self.decimals
        elif pos is not None and self._tick_decimals is not None:
            d = self._tick_decimals
        else:
            d = decimals_for([x])
        x = 0.0 if abs(x) < 0.5 * 10 ** -(d + 1) else x  # never "-0"
        return format_number(x, d, self.unit)


def number_formatter(decimals: int | None = None, unit: str = "") -> FrenchFormatter:
    """A :class:`~matplotlib.ticker.FuncFormatter` with space thousands and decimal comma."""
    return FrenchFormatter(decimals, unit)


def absolute_formatter(decimals: int | None = None, unit: str = "") -> FrenchFormatter:
    """Like :func:`number_formatter`, without the sign (both sides of a pyramid)."""
    fmt = FrenchFormatter(decimals, unit)
    inner = fmt._format
    fmt.func = lambda x, pos=None: inner(abs(x), pos)
    return fmt


#: Years on a time axis: never a thousands separator ("1968", not "1 968").
YEAR_FORMATTER = FuncFormatter(lambda x, pos=None: f"{int(round(x))}")


def label_decimals(values) -> int:
    """Decimals of the value labels: 0 for large or whole numbers, else 1."""
    arr = np.asarray(pd.Series(values, dtype=float).dropna())
    if arr.size == 0:
        return 0
    if np.all(np.abs(arr - np.round(arr)) < 1e-9) or np.nanmax(np.abs(arr)) >= 1000:
        return 0
    return 1


def unit_label(unit: str) -> str:
    """Axis label of a unit: ``"%"`` -> ``"Unité : %"``."""
    return f"Unité : {unit}" if unit else ""
