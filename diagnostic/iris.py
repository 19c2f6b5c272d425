"""Contrasts inside a territory: poverty rates and median niveau de vie by IRIS.

IRIS figures come from Filosofi by IRIS (:mod:`diagnostic.sources.filosofi_iris`);
they are medians and rates, so they are **never summed or averaged**: each IRIS
is shown with its own value, next to the commune's value read from the commune
file of the same Filosofi vintage. A secret IRIS stays secret (NaN, « secret
statistique » in ``note``).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import store
from .data import commune_table
from .sources import find
from .sources.filosofi_iris import iris_column
from .territory import Territory, geography

#: Columns of :func:`iris_incomes`.
COLUMNS = ["iris", "iris_name", "commune", "commune_name", "poverty_rate", "median",
           "commune_poverty_rate", "commune_median", "vintage", "source", "commune_source", "note"]


def _commune_values(vintage: int) -> tuple[pd.DataFrame | None, str, pd.DataFrame | None, str]:
    """Commune poverty rates and medians of the same Filosofi vintage as the IRIS file:
    the median from ``FILO20YY_DISP_COM``, the poverty rate from the comparateur
    (``TP60YY``, same Filosofi vintage) when its vintage matches."""
    med = commune_table("filosofi_disp", vintage=vintage, level="COM", required=False)
    rate = None
    comp = commune_table("comparateur", required=False)
    if comp is not None and f"TP60{vintage % 100:02d}" in comp.table.columns:
        rate = comp
    return (med.table if med is not None else None, med.citation if med is not None else "",
            rate.table if rate is not None else None,
            f"Insee, Filosofi {vintage} (comparateur de territoires)" if rate is not None else "")


def iris_incomes(territory: Territory, top: int = 15) -> tuple[pd.DataFrame, list[str]]:
    """IRIS poverty rates and medians of the territory, with their commune's values.

    Columns (:data:`COLUMNS`): ``iris`` (9-character code), ``iris_name``, ``commune``,
    ``commune_name``, ``poverty_rate`` (%, NaN = secret), ``median`` (€ per consumption
    unit, NaN = secret), ``commune_poverty_rate`` and ``commune_median`` (the commune's
    own published figures, same vintage; never derived from its IRIS), ``vintage``,
    ``source``, ``commune_source``, ``note`` (French: « secret statistique » for a
    secret IRIS). For a commune: all its IRIS, by decreasing poverty rate (secret IRIS
    last). For any other territory: the ``top`` IRIS with the highest poverty rates.
    Returns the table and French notes (e.g. communes not split into IRIS).
    """
    datasets = find("filosofi_iris", required=False)
    if not datasets:
        return pd.DataFrame(columns=COLUMNS), [
            "Revenus par IRIS non disponibles : ajoutez « BASE_TD_FILO_DISP_IRIS_2019.csv » au miroir."]
    ds = datasets[0]
    df = store.load(ds)
    rate_col, med_col = iris_column("TP60", ds.vintage), iris_column("MED", ds.vintage)
    codes = set(territory.communes_in(ds.geo_year))
    rows = df.loc[df["COM"].isin(codes)].copy()
    notes = []
    if rows.empty:
        return pd.DataFrame(columns=COLUMNS), [
            f"Aucune commune du territoire n'est découpée en IRIS dans {ds.path.name}."]
    geo = geography()
    med_table, med_source, rate_table, rate_source = _commune_values(ds.vintage)
    out = pd.DataFrame({
        "iris": rows["IRIS"], "iris_name": rows.get("LIBIRIS"), "commune": rows["COM"],
        "commune_name": rows["COM"].map(geo.commune_name),
        "poverty_rate": rows[rate_col] if rate_col in rows else np.nan,
        "median": rows[med_col] if med_col in rows else np.nan,
    })
    rate_key = f"TP60{ds.vintage % 100:02d}"
    med_key = f"Q2{ds.vintage % 100:02d}"
    out["commune_poverty_rate"] = out["commune"].map(
        rate_table[rate_key] if rate_table is not None else {}).astype("float64")
    out["commune_median"] = out["commune"].map(
        med_table[med_key] if med_table is not None and med_key in med_table else {}).astype("float64")
    out["vintage"] = ds.vintage
    out["source"] = ds.source_label
    out["commune_source"] = " ; ".join(s for s in (med_source, rate_source) if s)
    rate_secret, med_secret = out["poverty_rate"].isna(), out["median"].isna()
    out["note"] = np.select(
        [rate_secret & med_secret, rate_secret, med_secret],
        ["taux de pauvreté et médiane non diffusés (secret statistique).",
         "taux de pauvreté non diffusé (secret statistique).",
         "médiane non diffusée (secret statistique)."], "")
    for col in (rate_col, med_col):
        if col not in rows:
            notes.append(f"Variable {col} absente de {ds.path.name}.")
    split = set(out["commune"])
    unsplit = [c for c in territory.communes if c not in split]
    if territory.kind != "commune" and unsplit:
        notes.append(f"{len(unsplit)} commune(s) sur {len(territory.communes)} ne sont pas découpées "
                     f"en IRIS dans {ds.path.name} (petites communes).")
    out = out.sort_values(["poverty_rate", "iris"], ascending=[False, True], na_position="last",
                          kind="stable")
    if territory.kind != "commune":
        out = out.head(top)
    return out.reset_index(drop=True)[COLUMNS], notes
