"""Checks that a national file is complete in content, not only in shape.

A file cut in half still has its header and its columns: it would be read
without error and give France half its population. The readers of national
files call these checks when the file is first read (integration into the
store), and refuse an incomplete file with a French :class:`DamagedData`
naming it.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import DamagedData
from .readers import departement_of

#: Départements of metropolitan France and of the four oldest overseas départements.
DEPARTEMENTS_BASE = frozenset(
    [f"{n:02d}" for n in range(1, 96) if n != 20] + ["2A", "2B", "971", "972", "973", "974"])
#: Mayotte (a département since 2011), absent from some INSEE files.
MAYOTTE = "976"
#: Municipal arrondissements of Paris, Lyon and Marseille (counted in their commune too).
_ARRONDISSEMENT_PREFIXES = ("751", "6938", "132")


def _damaged(path: Path, detail: str) -> DamagedData:
    return DamagedData(
        f"Le fichier {path} est incomplet : {detail}.",
        "Il a sans doute été tronqué (téléchargement ou copie interrompus) : remplacez-le par "
        "le fichier original publié par l'INSEE, puis relancez.")


def check_communes(codes: pd.Series, path: Path, *, minimum: int = 30_000, maximum: int = 40_000,
                   with_mayotte: bool = False) -> None:
    """A national file by commune: a plausible number of communes, every département present."""
    codes = codes.dropna().astype(str)
    count = codes.nunique()
    if not minimum <= count <= maximum:
        raise _damaged(path, f"{count} communes au lieu de {minimum} à {maximum} attendues "
                             f"pour la France entière")
    expected = DEPARTEMENTS_BASE | ({MAYOTTE} if with_mayotte else set())
    missing = sorted(expected - set(codes.map(departement_of)))
    if missing:
        shown = ", ".join(missing[:10]) + (" …" if len(missing) > 10 else "")
        raise _damaged(path, f"aucune commune pour {len(missing)} département(s) ({shown})")


def check_total(values: pd.Series, codes: pd.Series, path: Path, what: str,
                minimum: float, maximum: float) -> None:
    """The national total of ``values`` (communes only, arrondissements left out) within a range."""
    communes = ~codes.astype(str).str.startswith(_ARRONDISSEMENT_PREFIXES)
    total = float(pd.to_numeric(values[communes], errors="coerce").sum())
    if not minimum <= total <= maximum:
        raise _damaged(path, f"{what} de la France = {total:,.0f}, hors de l'intervalle attendu "
                             f"({minimum:,.0f} à {maximum:,.0f})".replace(",", "\u202f"))
