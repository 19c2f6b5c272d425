"""Shared vocabulary of the kit: level labels, Paris/Lyon/Marseille arrondissements,
« n.d. » and number formatting, French dates, colour palette.

Defined once here and imported everywhere else: this module imports nothing
from the kit, so any module (sources included) can use it without a cycle.
"""
from __future__ import annotations

import datetime as dt

# ---------------------------------------------------------------------------
# Levels of comparison
# ---------------------------------------------------------------------------
#: French label of each comparison level of an indicator table.
LEVEL_FR = {"territoire": "Territoire", "departement": "Département", "region": "Région",
            "france": "France", "pair": "Comparaison"}
#: Display order of the levels (territory first, peers last).
LEVEL_ORDER = {"territoire": 0, "departement": 1, "region": 2, "france": 3, "pair": 4}

# ---------------------------------------------------------------------------
# Paris, Lyon, Marseille
# ---------------------------------------------------------------------------
#: Municipal arrondissements of Paris, Lyon and Marseille, by parent commune.
PLM = {
    "75056": tuple(f"751{n:02d}" for n in range(1, 21)),
    "69123": tuple(f"6938{n}" for n in range(1, 10)),
    "13055": tuple(f"132{n:02d}" for n in range(1, 17)),
}
#: Parent commune of each municipal arrondissement.
ARRONDISSEMENT_PARENT = {arm: parent for parent, arms in PLM.items() for arm in arms}

# ---------------------------------------------------------------------------
# Missing values and numbers
# ---------------------------------------------------------------------------
#: Text shown for a value that is not available (secret, missing file...).
NOT_AVAILABLE = "n.d."


def is_missing(value) -> bool:
    """``None`` or NaN (pandas' NA included)."""
    if value is None:
        return True
    try:
        return bool(value != value)
    except TypeError:  # pd.NA refuses bool()
        return True


def format_number(value, decimals: int = 0, unit: str = "") -> str:
    """French formatting: ``12345.6`` -> ``12 345,6`` (narrow no-break space); « n.d. » if missing."""
    if is_missing(value):
        return NOT_AVAILABLE
    text = f"{value:,.{decimals}f}".replace(",", "\u202f").replace(".", ",")
    if unit:
        text = f"{text}\u00a0{unit}"
    return text


def format_value(value, decimals=0, unit="") -> str:
    """A catalogue value as shown in tables: ``%`` kept, other units left to the column header."""
    if is_missing(value):
        return NOT_AVAILABLE
    return format_number(value, int(decimals), "%" if str(unit or "").startswith("%") else "")


def format_points(value, decimals: int = 1) -> str:
    """A gap in percentage points: ``2,5 points``, ``1 point``."""
    value = abs(value)
    return f"{format_number(value, decimals)} point" + ("s" if round(value, decimals) >= 2 else "")


# ---------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------
MONTHS_FR = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
             "septembre", "octobre", "novembre", "décembre"]


def date_fr(when: dt.date | dt.datetime) -> str:
    """``1er janvier 2024``, ``12 mars 2025``."""
    day = "1er" if when.day == 1 else str(when.day)
    return f"{day} {MONTHS_FR[when.month - 1]} {when.year}"


# ---------------------------------------------------------------------------
# Colours (charts, maps and the report/index CSS)
# ---------------------------------------------------------------------------
#: Colour of the territory of the report (and accent of the HTML pages).
ACCENT = "#1b5e9b"
#: Colour of the comparison territories (département, région, France).
NEUTRAL = "#9aa7b4"
#: Dark grey of the texts and reference outlines.
INK = "#2b2b2b"
#: Light grey of the source line and of missing values.
MUTED = "#6b6b6b"
#: Colour-blind safe qualitative palette (Okabe-Ito, reordered), the accent first.
PALETTE = ["#1b5e9b", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00",
           "#8c6d31", "#999999", "#f0e442", "#000000"]
#: Palette of evolution lines: the territory, then its references.
LINE_PALETTE = ["#1b5e9b", "#d55e00", "#009e73", "#6b6b6b", "#cc79a7", "#e69f00"]
#: Colours of the HTML pages (report and batch index), as CSS custom properties.
CSS_COLOURS = {"accent": ACCENT, "ink": INK, "muted": "#60656b", "line": "#dfe3e8",
               "page": "#eef1f4", "head": "#f1f4f7", "head-rule": "#c5ccd4", "hover": "#f7f9fb",
               "own": "#eaf1f8", "error": "#c0392b", "error-bg": "#fdecea", "notice": "#fff7e0",
               "warning": "#e69f00", "enjeu": "#b83227", "atout": "#237a4b", "ecart": "#6b7580",
               "avertissement": "#9a6a00", "non_compare": "#8a8f96"}
