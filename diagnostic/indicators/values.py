"""One indicator for one territory, or for each of its communes, through its kind.

Every table a kind's terms read is aggregated once over the territory (the union of
its columns, so numerator and denominator cover the same communes); the kind then
makes the value from the summed expressions, with floats for the territory and
aligned Series for the communes: one arithmetic for both.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import catalogue as cat
from ..sources import REGISTRY
from ..territory import Territory, geography, resolve
from .aggregation import aggregate
from .coverage import Coverage, Result
from .levels import compute_level
from .plan import Plan, plan, source_table


def _combine(sums: pd.Series, expr: cat.Expression, vintage: int) -> float:
    return float(sum(sign * sums[col] for sign, col in expr.terms(vintage)))


def _combine_frame(df: pd.DataFrame, expr: cat.Expression, vintage: int) -> pd.Series:
    out = None
    for sign, col in expr.terms(vintage):
        out = sign * df[col] if out is None else out + sign * df[col]
    return out


def _excluded_note(cov: Coverage, note: str) -> str:
    if not cov.excluded:
        return note
    geo = geography()
    names = ", ".join(geo.departement_name(d) for d in cov.excluded)
    return (note + " " if note else "") + f"France hors {names} (absent de la source)."


def _aggregated(p: Plan, territory: Territory) -> dict[int, tuple]:
    """(sums, coverage, per-commune frame) of every table the plan reads, by ``id(table)``."""
    columns: dict[int, tuple] = {}
    for term in p.terms():
        table, cols = columns.setdefault(id(term.table), (term.table, {}))
        cols.update(dict.fromkeys(term.columns))
    return {key: aggregate(table, territory, list(cols)) for key, (table, cols) in columns.items()}


def _additive(ind: cat.Indicator, p: Plan, territory: Territory) -> Result:
    method, kind, tables = p.method, p.kind, p.tables
    terms = p.terms()
    parts = _aggregated(p, territory)
    source, vintage, geo_year = kind.source(method, tables), kind.vintage(method, tables), tables.src.geo_year
    for term in terms:  # the first incomplete table explains the missing value
        sums, cov, _ = parts[id(term.table)]
        if sums is None:
            partial = None
            if kind.lower_bound and cov.partial_sums is not None:
                partial = _combine(cov.partial_sums, term.expression, term.table.vintage)
            hint = REGISTRY[term.table.key].coverage_hint
            if term.role == "num" and tables.den is not None:  # the other product was not read
                source, vintage = term.table.citation, str(term.table.vintage)
            return Result(None, source, vintage, geo_year, cov.note(hint, partial, ind.unit), cov)
    summed = {t.role: _combine(parts[id(t.table)][0], t.expression, t.table.vintage) for t in terms}
    value = kind.value(summed["num"], summed.get("den"), method)
    cov = parts[id(terms[0].table)][1]
    return Result(value, source, vintage, geo_year, _excluded_note(cov, method.note), cov)


def compute_one(ind: cat.Indicator, territory: Territory) -> Result:
    """The indicator's value for one territory, with its source, vintage and note."""
    p = plan(ind.id)
    if p.method is None:
        return Result(None, "", "", None, p.reason)
    if not p.kind.additive:
        return compute_level(ind, p.method, territory)
    return _additive(ind, p, territory)


def _per_commune(p: Plan, territory: Territory, communes: list[str]) -> pd.Series:
    """The kind's value for each commune, from each commune's own sums."""
    parts = _aggregated(p, territory)
    summed = {t.role: _combine_frame(parts[id(t.table)][2], t.expression, t.table.vintage).reindex(communes)
              for t in p.terms()}
    return p.kind.value(summed["num"], summed.get("den"), p.method)


def commune_values(territory, ind_id: str) -> pd.DataFrame:
    """The indicator for each commune of the territory (tables and maps).

    Additive indicators are computed commune by commune from the same counts and
    the same kind as the territory; non-additive ones are read from the commune
    file. A commune the source does not cover, or whose figures are secret, has no
    value (NaN), never 0.
    """
    territory = resolve(territory)
    ind = cat.get([ind_id])[0]
    p = plan(ind_id)
    communes = list(territory.communes)
    geo = geography()
    values = pd.Series(np.nan, index=communes, dtype=float)
    source = ""
    if p.method is not None and not p.kind.additive:
        src = source_table(p.method.source, p.method.vintage)
        col = p.method.numerator.columns(src.vintage)[0] if src is not None else None
        if col is not None and col in src.table.columns:
            values = src.table[col].reindex(communes).astype(float)
        source = src.citation if src is not None else ""
    elif p.method is not None:
        values = _per_commune(p, territory, communes).astype(float)
        source = p.kind.source(p.method, p.tables)
    out = pd.DataFrame({"code": communes, "name": [geo.commune_name(c) for c in communes],
                        "value": values.reindex(communes).to_numpy()})
    out.attrs.update(id=ind_id, label=ind.label, unit=ind.unit, source=source,
                     note=p.reason, decimals=ind.decimals)
    return out
