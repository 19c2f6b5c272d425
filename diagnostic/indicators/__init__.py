"""Indicators of a territory beside its references, computed from the catalogue.

Rules that make the figures true:

* counts are summed over the territory's communes (in each file's own
  geography) before any ratio is taken; commune ratios are never averaged;
* non-additive figures (medians, poverty rates, income shares) are read from the
  file published at the territory's level, or reported unavailable with the reason;
* a source that does not cover every commune of a level (IRIS extracts, CAF
  files limited to large communes, secret statistique) gives no value for that
  level, but a coverage note: a partial sum is never shown as a total.

Modules: ``coverage`` (Coverage, Result), ``aggregation`` (sums over communes),
``plan`` (which ``calcul`` the mirror allows), ``levels`` (level files),
``values`` (one indicator through its kind, see :mod:`diagnostic.kinds`),
``table`` (the tidy table of a territory, its references and peers).
"""
from .aggregation import aggregate, reference_population, source_pairs
from .aggregation import clear_cache as _clear_aggregation
from .coverage import Coverage, Result
from .plan import Plan, plan
from .plan import clear_cache as _clear_plans
from .table import COLUMNS, compute, warm_references
from .table import clear_cache as _clear_table
from .values import commune_values, compute_one

__all__ = ["COLUMNS", "Coverage", "Plan", "Result", "aggregate", "clear_cache", "commune_values",
           "compute", "compute_one", "plan", "reference_population", "source_pairs", "warm_references"]


def clear_cache() -> None:
    """Forget every computed plan, aggregation and reference row of this process."""
    _clear_plans()
    _clear_aggregation()
    _clear_table()
