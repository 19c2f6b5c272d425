"""The indicator table: every indicator for a territory, its references and peers.

Reference rows (département, région, France) are stored once computed: a fresh
process does not aggregate the 35 000 communes of France again.
"""
from __future__ import annotations

import hashlib
import json
import math

import pandas as pd

from .. import catalogue as cat
from .. import data, kinds
from ..territory import Territory, resolve
from .aggregation import territory_key
from .values import compute_one

COLUMNS = ["id", "theme", "label", "unit", "decimals", "level", "code", "name", "value",
           "source", "vintage", "geo_year", "note", "coverage_communes", "communes",
           "coverage_population", "polarity", "axes", "comparable"]

_reference_rows: dict[tuple, list[dict]] = {}

def _rows_for(territory: Territory, level: str, indicators: list[cat.Indicator]) -> list[dict]:
    rows = []
    for ind in indicators:
        res = compute_one(ind, territory)
        note = res.note
        if ind.note and res.value is not None:
            note = (ind.note + (" " + note if note and note != ind.note else "")).strip()
        cov = res.coverage
        rows.append({
            "id": ind.id, "theme": ind.theme, "label": ind.label, "unit": ind.unit,
            "decimals": ind.decimals, "level": level, "code": territory.code,
            "name": territory.name, "value": None if res.value is None or
            (isinstance(res.value, float) and math.isnan(res.value)) else float(res.value),
            "source": res.source, "vintage": res.vintage, "geo_year": res.geo_year,
            "note": note or "", "coverage_communes": cov.covered if cov else None,
            "communes": cov.total if cov else len(territory.communes),
            "coverage_population": cov.population_share if cov else None,
            "polarity": ind.polarity, "axes": ",".join(ind.axes),
            # Counts (population, births...) are not compared between territories of different sizes.
            "comparable": kinds.get(ind.methods[0].kind).comparable,
        })
    return rows

def _stored_reference_rows(ref: Territory, indicators: list[cat.Indicator], inputs: list[str]) -> list[dict]:
    """The rows of a reference territory (département, région, France), read from the store
    when they were computed from the same mirror files by the same code, else computed
    and stored: a fresh process does not aggregate the 35 000 communes of France again."""
    if not inputs:
        inputs.append(f"{data.DERIVED_VERSION}|{data.package_digest()}|{data.mirror_digest()}")
    ids = [i.id for i in indicators]
    what = json.dumps([inputs[0], ref.kind, ref.code, list(ref.communes), ids])
    key = hashlib.sha256(what.encode()).hexdigest()
    name = f"references-{ref.kind}-{ref.code}-{hashlib.sha256(' '.join(ids).encode()).hexdigest()[:12]}"
    rows = data.read_derived_json(name, key)
    if rows is None:
        rows = _rows_for(ref, _level_of(ref), indicators)
        data.write_derived_json(name, key, rows)
    return rows

def warm_references(territories, ids=None) -> int:
    """Compute (or read from the store) once the reference rows (département, région,
    France) of ``territories``, and keep them in the store: a batch does it before its
    kernels need them, so each reference is computed once per lot. Returns how many
    distinct references there were."""
    indicators = cat.get(ids)
    ids_key = tuple(i.id for i in indicators)
    inputs: list[str] = []
    seen = set()
    for territory in territories:
        for ref in resolve(territory).references():
            key = (territory_key(ref), ids_key)
            if key in seen:
                continue
            seen.add(key)
            if key not in _reference_rows:
                _reference_rows[key] = _stored_reference_rows(ref, indicators, inputs)
    return len(seen)

def _level_of(ref: Territory) -> str:
    return {"departement": "departement", "region": "region", "france": "france"}[ref.kind]

def compute(territory, peers=(), ids=None, references: bool = True) -> pd.DataFrame:
    """Every indicator (or ``ids``) for the territory, its references and peers.

    Returns a tidy DataFrame, one row per indicator × level, with the columns
    :data:`COLUMNS`. ``value`` is NaN where a figure cannot be computed
    truthfully; ``note`` then says why.
    """
    territory = resolve(territory)
    indicators = cat.get(ids)
    ids_key = tuple(i.id for i in indicators)
    rows = _rows_for(territory, "territoire", indicators)
    if references:
        inputs: list[str] = []  # what the stored reference rows must match, computed once
        for ref in territory.references():
            key = (territory_key(ref), ids_key)
            if key not in _reference_rows:  # shared across a batch
                _reference_rows[key] = _stored_reference_rows(ref, indicators, inputs)
            rows.extend(_reference_rows[key])
    for peer in peers:
        rows.extend(_rows_for(resolve(peer), "pair", indicators))
    df = pd.DataFrame(rows, columns=COLUMNS)
    df["value"] = df["value"].astype(float)
    return df


def clear_cache() -> None:
    _reference_rows.clear()
