"""Sums of source columns over a territory's communes, in each file's own geography.

A source that does not cover every commune of a level (IRIS extracts, CAF files
limited to large communes, secret statistique) gives no sums for that level but a
:class:`Coverage`: a partial sum is never shown as a total.
"""
from __future__ import annotations

import functools
import sys
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import catalogue as cat
from .. import geography as geography_mod
from ..data import SourceTable, commune_table, derived
from ..geography import harmonise, history
from ..sources import find
from ..territory import Territory
from ..vocabulary import PLM
from .coverage import Coverage


def territory_key(t: Territory) -> tuple:
    return (t.kind, t.code, t.communes if t.kind == "perimetre" else ())

@dataclass
class Pairs:
    """Which source rows make each reference commune of a territory."""

    src: np.ndarray  # source codes
    ref_ids: np.ndarray  # position of the reference commune in ``refs``
    refs: np.ndarray  # reference commune codes (territory.communes)
    pos: np.ndarray  # row of each source code in the source table, -1 if absent

    @functools.cached_property
    def present(self) -> np.ndarray:
        return self.pos >= 0

    @functools.cached_property
    def rows(self) -> np.ndarray:
        """Source table rows of the present codes (in pair order)."""
        return self.pos[self.present]

    @functools.cached_property
    def row_refs(self) -> np.ndarray:
        """Reference commune of each present row."""
        return self.ref_ids[self.present]

    @functools.cached_property
    def has_row(self) -> np.ndarray:
        return np.bincount(self.row_refs, minlength=len(self.refs)) > 0

    @functools.cached_property
    def ref_index(self) -> pd.Index:
        """``refs`` as an index, built once (per-commune frames take slices of it)."""
        return _references_of(self.refs).index

    @property
    def ref_population(self) -> np.ndarray:
        return _references_of(self.refs).population

    @property
    def ref_departement(self) -> np.ndarray:
        return _references_of(self.refs).departement

class _References:
    """What every source's pairs of one territory share: its reference communes."""

    def __init__(self, refs: np.ndarray):
        self.refs = refs

    @functools.cached_property
    def index(self) -> pd.Index:
        return pd.Index(self.refs)

    @functools.cached_property
    def population(self) -> np.ndarray:
        return reference_population().reindex(self.refs).to_numpy(dtype=float)

    @functools.cached_property
    def departement(self) -> np.ndarray:
        refs = self.refs.astype(str)
        overseas = np.char.startswith(refs, "97")
        return np.where(overseas, np.char.ljust(refs, 3).astype("<U3"),
                        refs.astype("<U2")).astype(object)

_references: dict[int, _References] = {}

def _references_of(refs: np.ndarray) -> _References:
    hit = _references.get(id(refs))
    if hit is None or hit.refs is not refs:
        hit = _references[id(refs)] = _References(refs)
    return hit

_pairs_cache: dict[tuple, Pairs] = {}

_rows_cache: dict[tuple, tuple] = {}
_refs_cache: dict[tuple, np.ndarray] = {}

def _territory_rows(territory: Territory, geo_year: int) -> tuple:
    """(source codes, reference positions, references) in the geography of ``geo_year``."""
    key = (geo_year, territory_key(territory))
    hit = _rows_cache.get(key)
    if hit is None:
        trans = history().translation(geo_year)
        refs = list(territory.communes)
        ref_pos = {c: i for i, c in enumerate(refs)}
        extra = [(old, ref_pos[new[0]]) for old, new in trans.mapping.items()
                 if len(new) == 1 and new[0] in ref_pos and old != new[0]]
        codes = np.array(refs + [o for o, _ in extra], dtype=object)
        ids = np.concatenate([np.arange(len(refs)), np.array([i for _, i in extra], dtype=np.int64)])
        # One array of reference communes per territory, whatever the geography: what
        # depends on them only (population, index) is computed once.
        same = _refs_cache.get(territory_key(territory))
        if same is None:
            same = _refs_cache[territory_key(territory)] = np.array(refs, dtype=object)
        hit = _rows_cache[key] = (codes, ids.astype(np.int64), same)
    return hit

def source_pairs(src: SourceTable, territory: Territory) -> Pairs:
    key = (id(src.table), src.geo_year, territory_key(territory))
    hit = _pairs_cache.get(key)
    if hit is not None:
        return hit
    codes, ids, refs = _territory_rows(territory, src.geo_year)
    index = src.table.index
    # Paris, Lyon, Marseille: some files publish only their arrondissements.
    for parent, arms in PLM.items():
        if parent in index or not all(a in index for a in arms):
            continue
        where = np.flatnonzero(codes == parent)
        if len(where):
            ref_id = ids[where[0]]
            keep = codes != parent
            codes = np.concatenate([codes[keep], np.array(arms, dtype=object)])
            ids = np.concatenate([ids[keep], np.full(len(arms), ref_id, dtype=np.int64)])
    pairs = Pairs(src=codes, ref_ids=ids, refs=refs, pos=index.get_indexer(codes))
    if len(_pairs_cache) > 4096:
        _pairs_cache.clear()
    _pairs_cache[key] = pairs
    return pairs

@functools.lru_cache(maxsize=4)
def reference_population() -> pd.Series:
    """Population by reference commune, to weigh coverage (latest complete census).

    Derived once from the comparateur and the COG events, then kept in the store.
    """
    ds = find("comparateur", required=False)
    if not ds:
        return pd.Series(dtype=float)
    src = commune_table("comparateur")
    col = cat.expand("P{aa}_POP", src.vintage)

    def build() -> pd.DataFrame:
        df, _ = harmonise(src.table[[col]].reset_index(), "CODGEO", src.geo_year, [col])
        return pd.DataFrame({"CODGEO": df["CODGEO"].astype(str).to_numpy(),
                             "population": df[col].to_numpy(dtype=float)})

    events = find("cog_evenements", required=False)[:1]
    df = derived(f"population-reference-{src.vintage}", [*src.datasets, *events], build,
                 code=(geography_mod, sys.modules[__name__]))
    return pd.Series(df["population"].to_numpy(dtype=float), index=df["CODGEO"].astype(object).to_numpy())

def _column_sums(p: Pairs, src: SourceTable, column: str) -> tuple[np.ndarray, np.ndarray]:
    """(sum of the column's present rows per reference commune, reference communes with a
    missing value in that column)."""
    values = src.array(column)[p.rows]
    n_refs = len(p.refs)
    missing = np.isnan(values)
    # Same order of additions as summing the rows one by one: identical floats.
    sums = np.bincount(p.row_refs, weights=np.nan_to_num(values), minlength=n_refs)
    bad = (np.bincount(p.row_refs[missing], minlength=n_refs) > 0) if missing.any() \
        else np.zeros(n_refs, dtype=bool)
    return sums, bad

@functools.lru_cache(maxsize=2048)
def _column_index(columns: tuple) -> pd.Index:
    """The index of these column names (built once: indexes are immutable)."""
    return pd.Index(list(columns))

def aggregate(src: SourceTable, territory: Territory, columns: list[str]):
    """Sum ``columns`` over the territory: (sums or None, Coverage, per-commune frame).

    ``sums`` is None unless every commune of the territory is covered with no
    secret cell; the per-commune frame holds the covered communes only.
    """
    p = source_pairs(src, territory)
    n_refs = len(p.refs)
    parts = [_column_sums(p, src, c) for c in columns]
    has_bad = np.zeros(n_refs, dtype=bool)
    for _, bad in parts:
        has_bad |= bad
    covered = p.has_row & ~has_bad
    summed = np.column_stack([s for s, _ in parts]) if parts else np.zeros((n_refs, 0))
    n_cov, n_total = int(covered.sum()), n_refs
    index = p.ref_index if n_cov == n_total else p.ref_index[covered]
    names = _column_index(tuple(columns))
    per_ref = pd.DataFrame(summed[covered], index=index, columns=names)
    if n_cov == n_total:
        return pd.Series(per_ref.sum().to_numpy(), index=names), Coverage(n_cov, n_total, 1.0), per_ref
    if territory.kind == "france":
        # INSEE's own convention: "France hors Mayotte" when a whole overseas département
        # is absent from a source; any other gap leaves France without a value.
        deps = p.ref_departement
        absent = set(deps[~covered])
        overseas_only = len(absent) and all(d.startswith("97") for d in absent)
        if overseas_only and all((~covered[deps == d]).all() for d in absent):
            cov = Coverage(n_cov, n_total, None, excluded=tuple(sorted(absent)))
            return pd.Series(per_ref.sum().to_numpy(), index=names), cov, per_ref
    pop = p.ref_population
    total = np.nansum(pop)
    share = float(np.nansum(pop[covered]) / total) if total else None
    secret = int((p.has_row & has_bad).sum())
    cov = Coverage(n_cov, n_total, share, secret)
    values = np.column_stack([src.array(c)[p.rows] for c in columns]) if columns \
        else np.zeros((len(p.rows), 0))
    cov.partial_sums = pd.Series(np.nansum(values, axis=0), index=columns)
    return None, cov, per_ref


def clear_cache() -> None:
    """Forget the pairs, rows and reference populations (another mirror, a test)."""
    _pairs_cache.clear()
    _rows_cache.clear()
    _refs_cache.clear()
    _references.clear()
    reference_population.cache_clear()
