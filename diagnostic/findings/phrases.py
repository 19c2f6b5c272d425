"""French building blocks of the finding sentences: values as printed, places with articles.

A gap is always computed on the values *as printed* (rounded to the indicator's
decimals), so that « 9,4 % … 8,2 % … 1,2 point » always adds up.
"""
from __future__ import annotations

import functools

from ..territory import geography
from ..text import format_number, format_signed

#: Article of a département name from the COG's TNCC code.
_TNCC_ARTICLE = {"2": "le ", "3": "la ", "4": "les ", "5": "l'"}
_EPCI_FORMS = ("CC ", "CA ", "CU ", "Métropole", "Communauté", "Eurométropole")


def printed(value: float, decimals: int) -> float:
    """The value as the sentence prints it."""
    return round(float(value), int(decimals))


def is_share(unit: str) -> bool:
    """Shares and rates in %: their gaps are written in points."""
    return str(unit).startswith("%")


_PLURAL_UNITS = {"personnes", "habitants", "ménages", "logements", "emplois", "allocataires", "enfants",
                 "naissances"}


def format_value(value: float, unit: str, decimals: int, signed: bool = False) -> str:
    """« 9,4 % », « −0,25 % par an », « 18 700 € », « 1,84 personne »."""
    decimals = int(decimals)
    signed = signed or round(value, decimals) < 0  # a negative value gets the true minus sign
    fmt = format_signed if signed else format_number
    if unit == "% par an":
        return fmt(value, decimals, "%") + " par an"
    if unit in _PLURAL_UNITS and abs(round(value, decimals)) < 2:
        unit = unit[:-1]  # French: below 2 is singular (« 1,84 personne »)
    return fmt(value, decimals, unit if unit else "")


@functools.lru_cache(maxsize=None)
def departement_phrase(name: str) -> str:
    """« l'Orne », « la Sarthe », « le Finistère », « les Landes » (article from the COG)."""
    table = geography().departements
    row = table[table["LIBELLE"] == name]
    tncc = str(row["TNCC"].iloc[0]) if not row.empty else "0"
    return f"{_TNCC_ARTICLE.get(tncc, '')}{name}"


def place(level: str, name: str) -> str:
    """A reference or territory as a noun phrase with its article."""
    if level == "france":
        return "la France"
    if level == "region":
        return f"la région {name}"
    if level == "departement":
        return departement_phrase(name)
    if str(name).startswith(_EPCI_FORMS):
        return f"la {name}"
    return str(name)


def with_article(name: str) -> str:
    """Former ``findings._with_article``: a département name with its article."""
    return departement_phrase(name)
