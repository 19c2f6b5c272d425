"""Indicator kinds (``kind:`` of a catalogue ``calcul``), each registered once.

A kind says which summed counts an indicator needs (its :class:`Term` objects)
and how its value follows from them. The same function makes the value of the
territory, of its references, of its peers and of each of its communes: it
takes floats (a territory) or aligned Series (one value per commune), so the
arithmetic, and its guards (a rate needs a positive base), are the same everywhere.

Adding a kind = one class decorated with :func:`register`; the catalogue
accepts its name at once. This module imports nothing from the kit but the
errors, so the catalogue can validate against it without a cycle.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from .errors import ConfigurationError

if TYPE_CHECKING:  # annotations only: the catalogue and data import this module
    from .catalogue import Expression, Method
    from .data import SourceTable

_KINDS: dict[str, "Kind"] = {}


def register(cls: type["Kind"]) -> type["Kind"]:
    """Class decorator: make the kind available to the catalogue under ``cls.name``."""
    if cls.name in _KINDS:
        raise ConfigurationError(f"Type de calcul « {cls.name} » déclaré deux fois.")
    _KINDS[cls.name] = cls()
    return cls


def get(name: str) -> "Kind":
    """The registered kind ``name``; a French error naming the known ones otherwise."""
    try:
        return _KINDS[name]
    except KeyError:
        raise ConfigurationError(
            f"Type de calcul inconnu « {name} » (attendu : {', '.join(sorted(_KINDS))}).",
            "Corrigez « kind » dans le catalogue des indicateurs.") from None


def names() -> tuple[str, ...]:
    return tuple(sorted(_KINDS))


@dataclass(frozen=True)
class Tables:
    """The source tables a method reads, as found in the mirror by the plan."""

    src: "SourceTable"
    den: "SourceTable | None" = None  # denominator from another product
    base: "SourceTable | None" = None  # earlier vintage (evolution)


@dataclass(frozen=True)
class Term:
    """One summed expression the value needs: ``role`` is ``num`` or ``den``."""

    role: str
    table: "SourceTable"
    expression: "Expression"

    @property
    def columns(self) -> list[str]:
        return self.expression.columns(self.table.vintage)


def _guarded(num, den, ok, formula):
    """``formula(num, den)`` where ``ok(den)``; None (a territory) or NaN (a commune) elsewhere."""
    if isinstance(den, pd.Series):
        with np.errstate(divide="ignore", invalid="ignore"):
            return formula(num, den.where(ok(den)))
    return formula(num, den) if ok(den) else None


class Kind:
    """Base of the kinds computed from counts summed over communes."""

    name: ClassVar[str]
    #: Computed from counts summed over communes (False: read from level files).
    additive: ClassVar[bool] = True
    #: Compared between territories of different sizes (counts are not).
    comparable: ClassVar[bool] = True
    #: The sum over the communes a source covers is a lower bound of the total.
    lower_bound: ClassVar[bool] = False
    #: Needs a denominator expression.
    needs_denominator: ClassVar[bool] = False
    #: Needs ``base_vintage`` (an earlier vintage of the same source).
    needs_base: ClassVar[bool] = False

    def terms(self, method: "Method", tables: Tables) -> list[Term]:
        return [Term("num", tables.src, method.numerator)]

    def value(self, num: Any, den: Any, method: "Method") -> Any:
        raise NotImplementedError

    def vintage(self, method: "Method", tables: Tables) -> str:
        return str(tables.src.vintage)

    def source(self, method: "Method", tables: Tables) -> str:
        return tables.src.citation


@register
class Count(Kind):
    """A sum of counts (population, births...)."""

    name = "count"
    comparable = False
    lower_bound = True

    def value(self, num, den, method):
        return num


@register
class Ratio(Kind):
    """numerator / denominator × scale (shares, densities, rates per 1 000)."""

    name = "ratio"
    needs_denominator = True

    def terms(self, method, tables):
        return [Term("num", tables.src, method.numerator),
                Term("den", tables.den or tables.src, method.denominator)]

    def value(self, num, den, method):
        return _guarded(num, den, lambda d: d != 0, lambda n, d: n / d * method.scale)

    def vintage(self, method, tables):
        if tables.den is None:
            return str(tables.src.vintage)
        return f"{tables.src.vintage} / {tables.den.vintage}"

    def source(self, method, tables):
        if tables.den is None:
            return tables.src.citation
        return f"{tables.src.citation} ; {tables.den.citation}"


@register
class AnnualRate(Kind):
    """Mean annual rate (%) between two columns of one file ``years`` apart."""

    name = "annual_rate"
    needs_denominator = True

    def terms(self, method, tables):
        return [Term("num", tables.src, method.numerator), Term("den", tables.src, method.denominator)]

    def value(self, num, den, method):
        return _guarded(num, den, lambda d: d > 0, lambda n, d: ((n / d) ** (1 / method.years) - 1) * 100)

    def vintage(self, method, tables):
        return f"{tables.src.vintage - method.years}-{tables.src.vintage}"


@register
class Evolution(Kind):
    """Change (%) of the numerator between ``base_vintage`` and the latest vintage."""

    name = "evolution"
    needs_base = True

    def terms(self, method, tables):
        return [Term("num", tables.src, method.numerator), Term("den", tables.base, method.numerator)]

    def value(self, num, den, method):
        return _guarded(num, den, lambda d: d > 0, lambda n, d: (n / d - 1) * 100)

    def vintage(self, method, tables):
        return f"{tables.base.vintage}-{tables.src.vintage}"

    def source(self, method, tables):
        return f"{tables.base.citation} ; {tables.src.citation}"


@register
class Level(Kind):
    """A non-additive figure (median, poverty rate) read in the file published at each level."""

    name = "level"
    additive = False
