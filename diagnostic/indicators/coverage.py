"""What an indicator value is made of: its coverage of the territory and its result row."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..vocabulary import format_number


@dataclass
class Coverage:
    covered: int
    total: int
    population_share: float | None
    secret: int = 0
    excluded: tuple[str, ...] = ()  # whole départements absent from the source (France level)
    partial_sums: pd.Series | None = None  # sums over the rows present, for notes only

    @property
    def complete(self) -> bool:
        return self.covered == self.total and self.total > 0

    def note(self, hint: str = "", partial: float | None = None, unit: str = "") -> str:
        if self.covered == 0 and not self.secret:
            text = "non disponible : aucune commune du territoire n'est couverte par la source"
            return text + (f" ({hint})." if hint else ".")
        if self.total == 1 and self.secret:
            return ("non disponible : secret statistique (valeurs non diffusées pour une partie "
                    "de la commune, par exemple certains IRIS).")
        share = ("" if self.population_share is None
                 else f" ({format_number(100 * self.population_share, 0)} % de la population)")
        text = f"couverture partielle : {format_number(self.covered)} commune" \
               f"{'s' if self.covered > 1 else ''} sur {format_number(self.total)}{share}"
        if self.secret:
            text += f", dont {self.secret} non couverte{'s' if self.secret > 1 else ''} " \
                    f"par secret statistique (valeurs non diffusées)"
        text += " ; valeur non calculée pour ce niveau"
        if partial is not None and partial > 0:
            text += (f" (la somme des seules valeurs diffusées, {format_number(partial, 0)}"
                     f"{' ' + unit if unit else ''}, minore le total)")
        return text + "."


@dataclass
class Result:
    value: float | None
    source: str
    vintage: str
    geo_year: int | None
    note: str = ""
    coverage: Coverage | None = None
