"""Niveau de vie médian at every level and its trend, from the Filosofi file of each level.

The median of an EPCI, a département, a région or France is read in the file
published at that level (``FILO20YY_DISP_{EPCI,DEP,REG,METROPOLE}.csv``), never
computed from communes. A trend compares two vintages of the same level file;
a territory absent from the older file (an EPCI created or merged since) is said
absent, and a commune whose code changed is not compared.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .data import commune_table
from .errors import DiagnosticError
from .sources import find
from .sources.filosofi_niveaux import median_column
from .territory import Territory

#: Level of each kind of territory in the Filosofi files.
LEVEL_OF_KIND = {"commune": "COM", "arrondissement": "COM", "epci": "EPCI", "departement": "DEP",
                 "region": "REG", "france": "FRANCE"}

#: Columns of :func:`median_trend`.
TREND_COLUMNS = ["level", "code", "name", "start_vintage", "start", "end_vintage", "end", "change_pct",
                 "source", "note"]


def published_median(territory: Territory, vintage: int) -> tuple[float, str, str]:
    """The territory's median niveau de vie in Filosofi ``vintage``: value (NaN if not
    available), citation, French note (the reason of an n.d.)."""
    level = LEVEL_OF_KIND.get(territory.kind)
    if level is None:
        return np.nan, "", "non disponible : l'Insee ne publie pas de médiane pour ce périmètre."
    try:
        src = commune_table("filosofi_disp", vintage=vintage, level=level, required=False)
    except DiagnosticError as exc:  # an unreadable file: a note naming it, not a crash
        return np.nan, "", f"non disponible : {exc.message}"
    if src is None:
        return np.nan, "", f"non disponible : fichier FILO{vintage}_DISP_{level} absent du miroir."
    col = median_column(vintage)
    code = src.table.index[0] if level == "FRANCE" else territory.code
    if col not in src.table.columns:
        return np.nan, src.citation, f"non disponible : variable {col} absente de {', '.join(src.files)}."
    if code not in src.table.index:
        return np.nan, src.citation, (f"{territory.label} absent de {', '.join(src.files)} "
                                      f"(territoire créé ou modifié depuis).")
    if level == "COM" and territory.communes_in(src.geo_year) != (territory.code,):
        return np.nan, src.citation, (f"la commune a changé de contour depuis la géographie "
                                      f"{src.geo_year} du fichier : médiane non comparable.")
    value = src.table.at[code, col]
    if pd.isna(value):
        return np.nan, src.citation, "secret statistique (valeur non diffusée par l'Insee)."
    return float(value), src.citation, ""


def median_trend(territory: Territory, start: int | None = None, end: int | None = None) -> pd.DataFrame:
    """Median niveau de vie between two Filosofi vintages (default: the oldest and the latest
    in the mirror, 2014 -> 2019), for the territory and its references.

    One row per level (:data:`TREND_COLUMNS`): ``level`` (territoire, département,
    région, France), ``code``, ``name``, ``start_vintage``/``start``, ``end_vintage``/
    ``end`` (€), ``change_pct`` (% change, NaN when one end is missing), ``source``,
    ``note`` (why a value is missing; « France métropolitaine » for France).
    """
    vintages = sorted({d.vintage for d in find("filosofi_disp", required=False)})
    if not vintages:
        return pd.DataFrame(columns=TREND_COLUMNS)
    start, end = start or vintages[0], end or vintages[-1]
    rows = []
    for t in [territory, *territory.references()]:
        v0, s0, n0 = published_median(t, start)
        v1, s1, n1 = published_median(t, end)
        notes = [f"{start} : {n0}" if n0 else "", f"{end} : {n1}" if n1 else ""]
        if t.kind == "france":
            notes.append("France métropolitaine.")
        if t.kind == "epci":
            notes.append("Périmètre de l'EPCI propre à chaque millésime.")
        change = (v1 / v0 - 1) * 100 if v0 and not np.isnan(v0) and not np.isnan(v1) else np.nan
        rows.append({"level": t.kind_label, "code": t.code, "name": t.label, "start_vintage": start,
                     "start": v0, "end_vintage": end, "end": v1, "change_pct": change,
                     "source": " ; ".join(dict.fromkeys(s for s in (s0, s1) if s)),
                     "note": " ".join(n for n in notes if n)})
    return pd.DataFrame(rows, columns=TREND_COLUMNS)
