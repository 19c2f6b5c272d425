"""One vintage per comparison row.

A figure published at each level (median income, poverty rate...) may exist in several
vintages, and not at every level in each: Filosofi 2021 gives communes only, Filosofi
2019 every level. A row compares the territory with its references and peers, so all
its cells come from one vintage: the latest in which every territory of the row has a
published value (else the one that gives the most values, the latest first). A newer
value that exists for the territory alone is added on its own line, id
``<indicator>@<vintage>``, not comparable: it is never set against older references
(their cells on that line say why they have no value of that vintage).
"""
from __future__ import annotations

from typing import Callable

from .. import catalogue as cat
from ..territory import Territory
from .coverage import Result
from .plan import Plan, level_candidates
from .values import compute_one

#: Separator between an indicator id and the vintage of its territory-alone line.
ALONE = "@"


def _best(ind: cat.Indicator, candidates: list[Plan], entities: list[Territory]
          ) -> tuple[Plan, list[Result], list[tuple[Plan, list[Result]]]]:
    """The chosen candidate, its results, and every candidate evaluated (latest first)."""
    tried = []
    for p in candidates:
        results = [compute_one(ind, entity, p) for entity in entities]
        tried.append((p, results))
        if all(r.value is not None for r in results):
            return p, results, tried
    p, results = max(tried, key=lambda t: sum(r.value is not None for r in t[1]))  # first max: latest
    return p, results, tried


def _alone_label(ind: cat.Indicator, vintage: int) -> str:
    return f"{ind.label} — {vintage} (millésime que ne publient pas toutes les références)"


def one_vintage_per_row(rows: list[dict], entities: list[tuple[str, Territory]],
                        indicators: list[cat.Indicator], make_row: Callable) -> list[dict]:
    """``rows`` (indicator × entity, entity by entity as :func:`table.compute` builds them) with
    each multi-vintage indicator's cells taken from one vintage, plus territory-alone lines."""
    positions: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        positions.setdefault(row["id"], []).append(i)
    out = list(rows)
    alone: dict[int, dict] = {}  # row position -> the same territory's row on the newer line
    territories = [entity for _, entity in entities]
    for ind in indicators:
        candidates = level_candidates(ind)
        where = positions.get(ind.id, [])
        if len(candidates) < 2 or len(where) != len(entities):
            continue
        chosen, results, tried = _best(ind, candidates, territories)
        for i, (level, entity), res in zip(where, entities, results):
            out[i] = make_row(ind, entity, level, res)
        newest = next(((p, r) for p, r in tried if r[0].value is not None), None)
        if newest is not None and newest[0].vintage > chosen.vintage:
            vintage, label = newest[0].vintage, _alone_label(ind, newest[0].vintage)
            for i, (level, entity), res in zip(where, entities, newest[1]):
                line = make_row(ind, entity, level, res)
                line.update(id=f"{ind.id}{ALONE}{vintage}", label=label, comparable=False, axes="")
                alone[i] = line
    if not alone:
        return out
    merged = []
    for i, row in enumerate(out):
        merged.append(row)
        if i in alone:
            merged.append(alone[i])
    return merged
