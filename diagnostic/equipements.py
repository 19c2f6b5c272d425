"""Équipements et services by family (BPE): counts, densities and points for a map.

Counts come from the BPE commune table (:mod:`diagnostic.sources.bpe`: one row
of a geolocated file = one facility, never de-duplicated; families in
:data:`~diagnostic.sources.bpe.FAMILIES`). The mirror may hold only some
départements (``poi_DD.csv``): a territory or a reference is computed only when
every département it touches is covered; otherwise its row is n.d. with the
reason (région and France, typically). Densities divide by the municipal
population of the comparateur (RP 2018): two vintages, both stated.
"""
from __future__ import annotations

import functools
import re

import numpy as np
import pandas as pd

from .data import SourceTable, commune_table
from .sources import find
from .sources.bpe import FAMILIES, POI_PATTERN, family_codes
from .sources.readers import departement_of
from .sources.readers import read_csv_chunks
from .territory import Territory

#: Columns of :func:`facilities`.
COLUMNS = ["family", "label", "level", "code", "name", "count", "population", "per_1000",
           "vintage", "source", "note"]

#: Columns of :func:`points`.
POINT_COLUMNS = ["DEPCOM", "DCIRIS", "TYPEQU", "family", "lon", "lat", "has_coordinates"]

_LEVEL = {"commune": "territoire", "arrondissement": "territoire", "epci": "territoire",
          "perimetre": "territoire", "departement": "departement", "region": "region",
          "france": "france"}


def covered_departements(table: SourceTable) -> set[str] | None:
    """Départements covered by the BPE table (None: all, a national file)."""
    parts = {d.part for d in table.datasets}
    return None if "" in parts else parts


def _population(communes: tuple[str, ...]) -> tuple[float, str, int]:
    comp = commune_table("comparateur", required=False)
    if comp is None:
        return np.nan, "", 0
    col = f"P{comp.vintage % 100:02d}_POP"
    values = comp.table[col].reindex(list(communes))
    return float(values.sum(min_count=1)), comp.citation, comp.vintage


def _rows_for(t: Territory, level: str, bpe: SourceTable, covered: set[str] | None) -> list[dict]:
    deps = set(t.departements) or {departement_of(c) for c in t.communes}
    missing = sorted(deps - covered) if covered is not None else []
    pop, pop_source, pop_vintage = _population(t.communes_in(commune_table("comparateur").geo_year)
                                               if commune_table("comparateur", required=False)
                                               else t.communes)
    rows = []
    for family, (label, _) in FAMILIES.items():
        row = {"family": family, "label": label, "level": level, "code": t.code, "name": t.label,
               "count": np.nan, "population": pop, "per_1000": np.nan,
               "vintage": f"{bpe.vintage} / {pop_vintage}" if pop_vintage else str(bpe.vintage),
               "source": f"{bpe.citation} ; {pop_source}" if pop_source else bpe.citation, "note": ""}
        if t.kind == "france" and covered is not None or missing:
            names = ", ".join(sorted(covered or ())) or "aucun"
            row["note"] = (f"non disponible : la BPE du miroir ne couvre que les départements {names} "
                           f"(fichiers poi_DD.csv) ; il manque {len(missing) if missing else 'les autres'}"
                           f" département(s).")
            rows.append(row)
            continue
        codes = [c for c in t.communes_in(bpe.geo_year) if c in bpe.table.index]
        count = float(bpe.table.loc[codes, family].sum()) if family in bpe.table.columns else np.nan
        row["count"] = count
        if pop and not np.isnan(pop) and not np.isnan(count):
            row["per_1000"] = count / pop * 1000
        row["note"] = ("Équipements de la BPE rapportés à la population du recensement "
                       "(millésimes différents).")
        rows.append(row)
    return rows


def facilities(territory: Territory) -> tuple[pd.DataFrame, list[str]]:
    """Counts and densities by family for the territory and its references.

    One row per family × level (:data:`COLUMNS`): ``family`` (column of
    :data:`~diagnostic.sources.bpe.FAMILIES`), ``label`` (French), ``level``
    (``territoire``, ``departement``, ``region``, ``france``), ``code``, ``name``,
    ``count`` (facilities, NaN when the BPE files do not cover the whole level),
    ``population`` (comparateur), ``per_1000`` (facilities per 1 000 inhabitants),
    ``vintage`` (« 2019 / 2018 »: BPE / census), ``source``, ``note`` (the reason of an
    n.d., or the vintage caveat). Returns the table and French notes.
    """
    bpe = commune_table("bpe", required=False)
    if bpe is None:
        return pd.DataFrame(columns=COLUMNS), [
            "Équipements non disponibles : aucun fichier de la BPE dans le miroir (bpe/poi_DD.csv…)."]
    covered = covered_departements(bpe)
    rows = _rows_for(territory, _LEVEL.get(territory.kind, "territoire"), bpe, covered)
    for ref in territory.references():
        rows.extend(_rows_for(ref, _LEVEL.get(ref.kind, ref.kind), bpe, covered))
    notes = []
    if covered is not None:
        notes.append(f"BPE {bpe.vintage} : départements couverts par le miroir : "
                     f"{', '.join(sorted(covered))}.")
    return pd.DataFrame(rows, columns=COLUMNS), notes


def normalise_iris(codes: pd.Series) -> pd.Series:
    """``61001_0101`` -> ``610010101`` (INSEE's form); a commune code stays as it is."""
    return codes.astype("string").str.strip().str.replace("_", "", regex=False)


@functools.lru_cache(maxsize=32)
def _points_of(ds) -> pd.DataFrame:
    parts = []
    for chunk in read_csv_chunks(ds.path, ["DEPCOM", "TYPEQU"], optional=["DCIRIS", "lng", "lat"]):
        frame = pd.DataFrame({
            "DEPCOM": chunk["DEPCOM"].str.strip(),
            "DCIRIS": normalise_iris(chunk["DCIRIS"]) if "DCIRIS" in chunk else pd.NA,
            "TYPEQU": chunk["TYPEQU"].str.strip().str.upper(),
            "lon": pd.to_numeric(chunk.get("lng"), errors="coerce"),
            "lat": pd.to_numeric(chunk.get("lat"), errors="coerce"),
        })
        parts.append(frame)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=POINT_COLUMNS)


def points(territory: Territory) -> tuple[pd.DataFrame, list[str]]:
    """Facilities of the territory as points for a map, one row per facility.

    Columns (:data:`POINT_COLUMNS`): ``DEPCOM``, ``DCIRIS`` (IRIS code normalised to
    INSEE's 9 characters, ``61001_0101`` -> ``610010101``; the commune code for a
    commune not split into IRIS), ``TYPEQU``, ``family`` (column of
    :data:`~diagnostic.sources.bpe.FAMILIES`, empty when in none), ``lon``/``lat``
    (WGS84; NaN when the file has no coordinates), ``has_coordinates``. Rows without
    coordinates are kept (they are counted) but cannot be drawn: the notes say how many.
    Only the geolocated cuts (``poi_DD.csv``) have points.
    """
    regex = re.compile(POI_PATTERN, re.IGNORECASE)
    datasets = [d for d in find("bpe", required=False) if d.part and regex.fullmatch(d.path.name)]
    if not datasets:
        return pd.DataFrame(columns=POINT_COLUMNS), [
            "Carte des équipements non disponible : aucun fichier géolocalisé (poi_DD.csv) dans le miroir."]
    latest = max(d.vintage for d in datasets)
    deps = set(territory.departements) or {departement_of(c) for c in territory.communes}
    chosen = [d for d in datasets if d.vintage == latest and d.part in deps]
    codes = set(territory.communes_in(latest))
    frames = [_points_of(d) for d in chosen]
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=POINT_COLUMNS)
    df = df.loc[df["DEPCOM"].isin(codes)].copy()
    family_of = {}
    for family, (_, prefixes) in FAMILIES.items():
        for code in family_codes(prefixes, set(df["TYPEQU"])):
            family_of[code] = family
    df["family"] = df["TYPEQU"].map(family_of).fillna("")
    df["has_coordinates"] = df["lon"].notna() & df["lat"].notna()
    notes = []
    missing = int((~df["has_coordinates"]).sum())
    if missing:
        notes.append(f"{missing} équipement(s) sans coordonnées dans la BPE {latest} : comptés, "
                     f"mais non placés sur la carte.")
    uncovered = sorted(deps - {d.part for d in chosen})
    if uncovered:
        notes.append("Départements sans fichier géolocalisé dans le miroir : " + ", ".join(uncovered) + ".")
    return df[POINT_COLUMNS].reset_index(drop=True), notes
