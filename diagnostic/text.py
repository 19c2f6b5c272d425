"""French text helpers: name normalisation for search, slugs, number formatting."""
from __future__ import annotations

import math
import re
import unicodedata

_NON_ALNUM = re.compile(r"[^a-z0-9]+")

#: Legal-form prefixes of EPCI names, removed to build search aliases.
_EPCI_PREFIX = re.compile(
    r"^(cc|ca|cu|ct|metropole|communaute (de communes|d agglomeration|urbaine)|"
    r"communaute d agglo)( (de la|de l|des|du|de|d))? ")


def normalise(name: str) -> str:
    """``"Pays de L'Aigle"`` -> ``"pays de l aigle"`` (accents, case, punctuation)."""
    text = unicodedata.normalize("NFKD", str(name))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = text.replace("œ", "oe").replace("æ", "ae")
    text = _NON_ALNUM.sub(" ", text).strip()
    text = re.sub(r"\bst\b", "saint", text)
    text = re.sub(r"\bste\b", "sainte", text)
    return text


def epci_alias(name: str) -> str:
    """Name of an EPCI without its legal form (``CC des Pays de L'Aigle`` -> ``pays de l aigle``)."""
    return _EPCI_PREFIX.sub("", normalise(name))


def slugify(name: str) -> str:
    return normalise(name).replace(" ", "-")[:80] or "territoire"


def format_number(value, decimals: int = 0, unit: str = "") -> str:
    """French formatting: ``12345.6`` -> ``12 345,6`` (narrow no-break space)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n.d."
    text = f"{value:,.{decimals}f}".replace(",", "\u202f").replace(".", ",")
    if unit:
        sep = "\u00a0" if unit in ("%", "€", "‰") or unit[0].isalpha() else "\u00a0"
        text = f"{text}{sep}{unit}"
    return text


def format_points(value, decimals: int = 1) -> str:
    value = abs(value)
    return f"{format_number(value, decimals)} point" + ("s" if round(value, decimals) >= 2 else "")
