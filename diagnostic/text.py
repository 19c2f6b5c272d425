"""French text helpers: name normalisation for search, slugs, number formatting."""
from __future__ import annotations

import re
import unicodedata

# Number formatting lives in the shared vocabulary; re-exported for the modules that import it here.
from .vocabulary import format_number, format_points  # noqa: F401

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
