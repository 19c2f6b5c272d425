"""Which way of computing an indicator the mirror allows: the first ``calcul`` whose
source files and columns are there, else the reason why none is."""
from __future__ import annotations

from dataclasses import dataclass

from .. import catalogue as cat
from .. import kinds
from ..data import SourceTable, commune_table
from ..errors import MissingData
from ..sources import REGISTRY, find


@dataclass(frozen=True)
class Plan:
    """The method chosen for an indicator and the tables it reads (None: ``reason``)."""

    method: cat.Method | None
    kind: kinds.Kind | None = None
    tables: kinds.Tables | None = None
    reason: str = ""

    def terms(self) -> list[kinds.Term]:
        return self.kind.terms(self.method, self.tables)


def source_table(key: str, vintage: int | None) -> SourceTable | None:
    """The commune table of a product vintage, None when it is not in the mirror."""
    if key not in REGISTRY:
        return None
    try:
        return commune_table(key, vintage=vintage, required=False)
    except MissingData:
        return None


def _missing_source_note(key: str, vintage: int | None) -> str:
    product = REGISTRY.get(key)
    if product is None:
        return f"non disponible : source « {key} » inconnue du kit."
    vint = f" {vintage}" if vintage else ""
    return (f"non disponible : {product.label}{vint} absent du miroir "
            f"(ajoutez « {product.example_name} » au dossier {product.folder or 'du miroir'}).")


def _tables(method: cat.Method, kind: kinds.Kind) -> tuple[kinds.Tables | None, str]:
    """The tables of an additive method, or the reason one is missing."""
    src = source_table(method.source, method.vintage)
    if src is None:
        return None, _missing_source_note(method.source, method.vintage)
    den = base = None
    if method.denominator_source:
        den = source_table(method.denominator_source, method.denominator_vintage)
        if den is None:
            return None, _missing_source_note(method.denominator_source, None)
    if kind.needs_base:
        base = source_table(method.source, method.base_vintage)
        if base is None:
            return None, (f"non disponible : millésime {method.base_vintage} de "
                          f"{REGISTRY[method.source].label} absent du miroir.")
    tables = kinds.Tables(src, den, base)
    missing: dict[str, None] = {}
    files: dict[str, None] = {}
    for term in kind.terms(method, tables):
        absent = [c for c in term.columns if c not in term.table.table.columns]
        missing.update(dict.fromkeys(absent))
        if absent:
            files.update(dict.fromkeys(term.table.files))
    if missing:
        return None, (f"non disponible : variable(s) {', '.join(missing)} absente(s) de "
                      f"{', '.join(files)}.")
    return tables, ""


def make_plan(ind: cat.Indicator) -> Plan:
    reasons = []
    for method in ind.methods:
        kind = kinds.get(method.kind)
        if not kind.additive:  # read per level by levels.compute_level
            if method.source in REGISTRY and find(method.source, vintage=method.vintage, required=False):
                return Plan(method, kind)
            reasons.append(_missing_source_note(method.source, method.vintage))
            continue
        tables, reason = _tables(method, kind)
        if tables is not None:
            return Plan(method, kind, tables)
        reasons.append(reason)
    if not reasons:
        return Plan(None, reason="non disponible.")
    detail = " ; ".join(r.removeprefix("non disponible : ").rstrip(".") for r in dict.fromkeys(reasons))
    return Plan(None, reason="non disponible : " + detail + ".")


_plans: dict[str, Plan] = {}


def plan(ind_id: str) -> Plan:
    """The plan of an indicator, made once per process (cleared with the caches)."""
    if ind_id not in _plans:
        _plans[ind_id] = make_plan(cat.catalogue()[ind_id])
    return _plans[ind_id]


def clear_cache() -> None:
    _plans.clear()
