"""Values over a partly covered territory, said for what they are.

* A count some of whose cells are secret (IRIS or communes not released), every commune
  being in the file, is given as a lower bound: « au moins 6 686 ; 4 IRIS sur 14 non
  diffusés ». Counts are never estimated.
* A rate (share, ratio, evolution) over a territory whose fully covered communes hold at
  least :func:`config.estimate_threshold` of its population (95 % by default) is
  computed on that field and given as an estimate with its field; below the threshold
  it stays unavailable.

The value column stays empty in both cases (a partial figure is never shown as a
total): the bound or the estimate has its own column and is written in the note.
References go through the same code, so they follow the same rule.
"""
from __future__ import annotations

import numpy as np

from .. import catalogue as cat
from .. import config
from ..data import released_table
from ..kinds import Term
from ..territory import Territory
from ..vocabulary import format_number, format_value
from .aggregation import aggregate, combine, combine_frame, reference_population
from .coverage import Coverage
from .plan import Plan

#: Columns of IRIS-based commune tables counting the IRIS and the unreleased ones.
IRIS_COLUMNS = ("IRIS_TOTAL", "IRIS_SECRET")


def _plural(n: int, word: str) -> str:
    return f"{format_number(n)} {word}{'s' if n > 1 else ''}"


def _value_text(value: float, ind: cat.Indicator) -> str:
    text = format_value(value, ind.decimals, ind.unit)
    return text if not ind.unit or str(ind.unit).startswith("%") else f"{text} {ind.unit}"


def _unreleased(term: Term, territory: Territory, cov: Coverage) -> str:
    """« 4 IRIS sur 14 non diffusés » when the table counts IRIS, else the communes."""
    if all(c in term.table.table.columns for c in IRIS_COLUMNS):
        sums = aggregate(term.table, territory, list(IRIS_COLUMNS))[0]
        if sums is not None and sums["IRIS_SECRET"] > 0:
            secret, total = int(sums["IRIS_SECRET"]), int(sums["IRIS_TOTAL"])
            return f"{format_number(secret)} IRIS sur {format_number(total)} non diffusé{'s' if secret > 1 else ''}"
    return (f"{_plural(cov.secret, 'commune')} sur {format_number(cov.total)} non "
            f"diffusée{'s' if cov.secret > 1 else ''}")


def lower_bound(ind: cat.Indicator, term: Term, cov: Coverage, territory: Territory
                ) -> tuple[float, str] | None:
    """(bound, note) of a count whose only gaps are secret cells, else None."""
    if not cov.secret or cov.covered + cov.secret != cov.total or cov.partial_sums is None:
        return None  # communes absent from the source: no bound is said
    released = released_table(term.table)
    sums = aggregate(released, territory, term.columns)[0] if released is not None else None
    bound = combine(sums if sums is not None else cov.partial_sums, term.expression, term.table.vintage)
    note = (f"au moins {_value_text(bound, ind)} ; {_unreleased(term, territory, cov)} "
            f"(secret statistique) : la somme des valeurs diffusées minore le total.")
    return bound, note


def estimate(ind: cat.Indicator, p: Plan, parts: dict[int, tuple], territory: Territory
             ) -> tuple[float, str] | None:
    """(estimate, note) of a rate over the communes covered by every table it reads, when
    they hold enough of the population; else None."""
    terms = p.terms()
    frames = [parts[id(t.table)][2] for t in terms]
    refs = list(territory.communes)
    field = frames[0].index
    for frame in frames[1:]:
        field = field.intersection(frame.index)
    if len(field) == 0 or len(field) == len(refs):
        return None
    population = reference_population().reindex(refs)
    total = float(np.nansum(population.to_numpy(dtype=float)))
    share = float(np.nansum(population.reindex(field).to_numpy(dtype=float))) / total if total else 0.0
    if share < config.estimate_threshold():
        return None
    summed = {t.role: float(combine_frame(f.loc[field], t.expression, t.table.vintage).sum())
              for t, f in zip(terms, frames)}
    value = p.kind.value(summed["num"], summed.get("den"), p.method)
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    note = (f"estimation : {_value_text(value, ind)} sur le champ couvert — champ : "
            f"{_plural(len(field), 'commune')} sur {format_number(len(refs))}, "
            f"{format_number(100 * share, 0, '%')} de la population (couverture partielle : valeurs "
            f"non diffusées ou absentes ailleurs).")
    return value, note

