"""Indicators of a territory beside its references, computed from the catalogue.

Rules that make the figures true:

* counts are summed over the territory's communes (in each file's own
  geography) before any ratio is taken; commune ratios are never averaged;
* non-additive figures (medians, poverty rates, income shares) are read from the
  file published at the territory's level, or reported unavailable with the reason;
* a source that does not cover every commune of a level (IRIS extracts, CAF
  files limited to large communes, secret statistique) gives no value for that
  level, but a coverage note: a partial sum is never shown as a total.
"""
from __future__ import annotations

import functools
import hashlib
import json
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import catalogue as cat
from .data import SourceTable, commune_table
from .errors import MissingData
from .geography import PLM, harmonise, history
from .sources import REGISTRY, find
from .territory import Territory, geography, resolve
from .text import format_number

COLUMNS = ["id", "theme", "label", "unit", "decimals", "level", "code", "name", "value",
           "source", "vintage", "geo_year", "note", "coverage_communes", "communes",
           "coverage_population", "polarity", "axes", "comparable"]

@dataclass
class Coverage:
    covered: int
    total: int
    population_share: float | None
    secret: int = 0
    excluded: tuple[str, ...] = ()  # whole départements absent from the source (France level)
    partial_sums: pd.Series | None = None  # sums over the rows present, for notes only

    @property
    def complete(self) -> bool:
        return self.covered == self.total and self.total > 0

    def note(self, hint: str = "", partial: float | None = None, unit: str = "") -> str:
        if self.covered == 0 and not self.secret:
            text = "non disponible : aucune commune du territoire n'est couverte par la source"
            return text + (f" ({hint})." if hint else ".")
        if self.total == 1 and self.secret:
            return ("non disponible : secret statistique (valeurs non diffusées pour une partie "
                    "de la commune, par exemple certains IRIS).")
        share = ("" if self.population_share is None
                 else f" ({format_number(100 * self.population_share, 0)} % de la population)")
        text = f"couverture partielle : {format_number(self.covered)} commune" \
               f"{'s' if self.covered > 1 else ''} sur {format_number(self.total)}{share}"
        if self.secret:
            text += f", dont {self.secret} non couverte{'s' if self.secret > 1 else ''} " \
                    f"par secret statistique (valeurs non diffusées)"
        text += " ; valeur non calculée pour ce niveau"
        if partial is not None and partial > 0:
            text += (f" (la somme des seules valeurs diffusées, {format_number(partial, 0)}"
                     f"{' ' + unit if unit else ''}, minore le total)")
        return text + "."

@dataclass
class Result:
    value: float | None
    source: str
    vintage: str
    geo_year: int | None
    note: str = ""
    coverage: Coverage | None = None
    commune_values: pd.Series | None = field(default=None, repr=False)

# ---------------------------------------------------------------------------
# Aggregation of a source over a territory
# ---------------------------------------------------------------------------
def _key(t: Territory) -> tuple:
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
    key = (geo_year, _key(territory))
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
        same = _refs_cache.get(_key(territory))
        if same is None:
            same = _refs_cache[_key(territory)] = np.array(refs, dtype=object)
        hit = _rows_cache[key] = (codes, ids.astype(np.int64), same)
    return hit

def source_pairs(src: SourceTable, territory: Territory) -> Pairs:
    key = (id(src.table), src.geo_year, _key(territory))
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
    import sys

    from . import geography as geography_mod
    from .data import derived

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

# ---------------------------------------------------------------------------
# One indicator, one level
# ---------------------------------------------------------------------------
def _source_table(key: str, vintage: int | None) -> SourceTable | None:
    if key not in REGISTRY:
        return None
    try:
        return commune_table(key, vintage=vintage, required=False)
    except MissingData:
        return None

def _missing_source_note(method: cat.Method) -> str:
    product = REGISTRY.get(method.source)
    if product is None:
        return f"non disponible : source « {method.source} » inconnue du kit."
    vint = f" {method.vintage}" if method.vintage else ""
    return (f"non disponible : {product.label}{vint} absent du miroir "
            f"(ajoutez « {product.example_name} » au dossier {product.folder or 'du miroir'}).")

def _combine(sums: pd.Series, expr: cat.Expression, vintage: int) -> float:
    return float(sum(sign * sums[col] for sign, col in expr.terms(vintage)))

def _combine_frame(df: pd.DataFrame, expr: cat.Expression, vintage: int) -> pd.Series:
    out = None
    for sign, col in expr.terms(vintage):
        out = sign * df[col] if out is None else out + sign * df[col]
    return out

def _plan(ind: cat.Indicator):
    """The first method whose source (and columns) are in the mirror, else a reason."""
    reasons = []
    for method in ind.methods:
        if method.kind == "level":  # read per level in _compute_level
            if method.source in REGISTRY and find(method.source, vintage=method.vintage, required=False):
                return method, None, None, None, None
            reasons.append(_missing_source_note(method))
            continue
        src = _source_table(method.source, method.vintage)
        if src is None:
            reasons.append(_missing_source_note(method))
            continue
        cols = method.numerator.columns(src.vintage)
        den_src = src
        if method.denominator_source:
            den_src = _source_table(method.denominator_source, method.denominator_vintage)
            if den_src is None:
                reasons.append(_missing_source_note(cat.Method(method.denominator_source, "count",
                                                               cat.Expression(""))))
                continue
        den_cols = method.denominator.columns(den_src.vintage) if method.denominator else []
        if method.kind in ("annual_rate",):
            cols = cols + den_cols
        missing = [c for c in cols if c not in src.table.columns] + \
                  [c for c in den_cols if c not in den_src.table.columns]
        if method.kind == "level":
            missing = []  # checked per level file
        if missing:
            reasons.append(f"non disponible : variable(s) {', '.join(missing)} absente(s) de "
                           f"{', '.join(src.files)}.")
            continue
        base = None
        if method.kind == "evolution":
            base = _source_table(method.source, method.base_vintage)
            if base is None:
                reasons.append(f"non disponible : millésime {method.base_vintage} de "
                               f"{REGISTRY[method.source].label} absent du miroir.")
                continue
        return method, src, den_src, base, None
    if not reasons:
        return None, None, None, None, "non disponible."
    detail = " ; ".join(r.removeprefix("non disponible : ").rstrip(".") for r in dict.fromkeys(reasons))
    return None, None, None, None, "non disponible : " + detail + "."

def _vintage_label(src: SourceTable) -> str:
    return str(src.vintage)

def _excluded_note(cov: Coverage, note: str) -> str:
    if not cov.excluded:
        return note
    geo = geography()
    names = ", ".join(geo.departement_name(d) for d in cov.excluded)
    return (note + " " if note else "") + f"France hors {names} (absent de la source)."

def _compute_additive(ind, method, src, den_src, base, territory) -> Result:
    num_cols = method.numerator.columns(src.vintage)
    vint = _vintage_label(src)
    source = src.citation
    note = method.note
    hint = REGISTRY[method.source].coverage_hint
    if method.kind == "annual_rate":
        den_cols = method.denominator.columns(src.vintage)
        sums, cov, per_ref = aggregate(src, territory, sorted(set(num_cols + den_cols)))
        if sums is None:
            return Result(None, source, vint, src.geo_year, cov.note(hint), cov)
        note = _excluded_note(cov, note)
        now, before = _combine(sums, method.numerator, src.vintage), _combine(sums, method.denominator, src.vintage)
        value = ((now / before) ** (1 / method.years) - 1) * 100 if before > 0 else None
        return Result(value, source, f"{src.vintage - method.years}-{src.vintage}", src.geo_year, note, cov)
    sums, cov, per_ref = aggregate(src, territory, num_cols)
    note = _excluded_note(cov, note)
    if method.kind == "evolution":
        base_sums, base_cov, _ = aggregate(base, territory, method.numerator.columns(base.vintage))
        vint = f"{base.vintage}-{src.vintage}"
        source = f"{base.citation} ; {src.citation}"
        if sums is None or base_sums is None:
            worst = cov if sums is None else base_cov
            return Result(None, source, vint, src.geo_year, worst.note(hint), worst)
        now = _combine(sums, method.numerator, src.vintage)
        before = _combine(base_sums, method.numerator, base.vintage)
        value = (now / before - 1) * 100 if before else None
        return Result(value, source, vint, src.geo_year, note, cov)
    if sums is None:
        partial = None
        if method.kind == "count" and cov.partial_sums is not None:
            partial = _combine(cov.partial_sums, method.numerator, src.vintage)
        return Result(None, source, vint, src.geo_year, cov.note(hint, partial, ind.unit), cov)
    num = _combine(sums, method.numerator, src.vintage)
    if method.kind == "count":
        return Result(num, source, vint, src.geo_year, note, cov)
    den_cols = method.denominator.columns(den_src.vintage)
    if den_src is src:
        den_sums, den_cov = (sums, cov) if set(den_cols) <= set(num_cols) else aggregate(src, territory, den_cols)[:2]
    else:
        den_sums, den_cov = aggregate(den_src, territory, den_cols)[:2]
        source = f"{src.citation} ; {den_src.citation}"
        vint = f"{src.vintage} / {den_src.vintage}"
    if den_sums is None:
        den_hint = REGISTRY[den_src.key].coverage_hint
        return Result(None, source, vint, src.geo_year, den_cov.note(den_hint), den_cov)
    den = _combine(den_sums, method.denominator, den_src.vintage)
    value = num / den * method.scale if den else None
    return Result(value, source, vint, src.geo_year, note, cov)

LEVEL_NAMES_FR = {"COM": "commune", "EPCI": "EPCI", "DEP": "département", "REG": "région",
                  "FRANCE": "France"}

_LEVEL_OF_KIND = {"commune": "COM", "arrondissement": "COM", "epci": "EPCI", "departement": "DEP",
                  "region": "REG", "france": "FRANCE"}

def _compute_level(ind, method, territory) -> Result:
    """Non-additive figure: read from the file published at the territory's level."""
    product = REGISTRY[method.source]
    level = _LEVEL_OF_KIND.get(territory.kind)
    latest = find(method.source, vintage=method.vintage, required=False)
    vintage = latest[0].vintage if latest else None
    if level is None:
        return Result(None, product.label, str(vintage or ""), None,
                      "non disponible : une médiane ou un taux ne s'obtient pas en agrégeant des "
                      "communes, et l'Insee ne publie pas ce périmètre.")
    src = _source_table(method.source, vintage) if level == "COM" else None
    if level != "COM":
        try:
            src = commune_table(method.source, vintage=vintage, level=level, required=False)
        except MissingData:
            src = None
    if src is None:
        name = product.level_file_name(level, vintage)
        where = (f"fichier de niveau {LEVEL_NAMES_FR[level]} absent du miroir (ajoutez « {name} »)"
                 if name else f"pas de fichier publié au niveau {LEVEL_NAMES_FR[level]}")
        return Result(None, f"{product.producer}, {product.label}", str(vintage or ""), None,
                      f"non disponible : {product.label} {vintage or ''} : {where}"
                      + (" ; cette valeur ne se calcule pas à partir des communes." if level != "COM" else "."))
    col = method.numerator.columns(src.vintage)[0]
    vint = str(src.vintage)
    if col not in src.table.columns:
        return Result(None, src.citation, vint, src.geo_year,
                      f"non disponible : variable {col} absente de {', '.join(src.files)}.")
    code = territory.code
    if level == "COM":
        mapped = territory.communes_in(src.geo_year) if src.geo_year < territory.geo_year else (code,)
        if mapped != (code,):
            return Result(None, src.citation, vint, src.geo_year,
                          f"non disponible : la commune a changé de contour depuis la géographie "
                          f"{src.geo_year} du fichier ; valeur non additive non recalculable.")
    if level == "FRANCE":
        code = src.table.index[0]
    if code not in src.table.index:
        return Result(None, src.citation, vint, src.geo_year,
                      f"non disponible : {territory.label} absent de {', '.join(src.files)} "
                      f"(géographie {src.geo_year}).")
    value = src.table.at[code, col]
    if pd.isna(value):
        return Result(None, src.citation, vint, src.geo_year,
                      "non disponible : secret statistique (valeur non diffusée par l'Insee).")
    note = method.note
    if level == "FRANCE" and "METRO" in " ".join(src.files).upper():
        note = (note + " " if note else "") + "France métropolitaine."
    return Result(float(value), src.citation, vint, src.geo_year, note)

def compute_one(ind: cat.Indicator, territory: Territory) -> Result:
    method, src, den_src, base, reason = _plan_cached(ind.id)
    if method is None:
        return Result(None, "", "", None, reason)
    if method.kind == "level":
        return _compute_level(ind, method, territory)
    return _compute_additive(ind, method, src, den_src, base, territory)

_plans: dict[str, tuple] = {}

def _plan_cached(ind_id: str):
    if ind_id not in _plans:
        _plans[ind_id] = _plan(cat.catalogue()[ind_id])
    return _plans[ind_id]

def clear_cache() -> None:
    _plans.clear()
    _pairs_cache.clear()
    _rows_cache.clear()
    _refs_cache.clear()
    _references.clear()
    _reference_rows.clear()
    reference_population.cache_clear()

# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------
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
            "comparable": ind.methods[0].kind != "count",
        })
    return rows

def _stored_reference_rows(ref: Territory, indicators: list[cat.Indicator], inputs: list[str]) -> list[dict]:
    """The rows of a reference territory (département, région, France), read from the store
    when they were computed from the same mirror files by the same code, else computed
    and stored: a fresh process does not aggregate the 35 000 communes of France again."""
    from . import data

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
            key = (_key(ref), ids_key)
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
            key = (_key(ref), ids_key)
            if key not in _reference_rows:  # shared across a batch
                _reference_rows[key] = _stored_reference_rows(ref, indicators, inputs)
            rows.extend(_reference_rows[key])
    for peer in peers:
        rows.extend(_rows_for(resolve(peer), "pair", indicators))
    df = pd.DataFrame(rows, columns=COLUMNS)
    df["value"] = df["value"].astype(float)
    return df

def wide(table: pd.DataFrame) -> pd.DataFrame:
    """One row per indicator, one column per level (territory name), for display."""
    order = list(dict.fromkeys(table["name"] + "|" + table["level"]))
    out = table.assign(col=table["name"] + "|" + table["level"]).pivot_table(
        index=["theme", "id", "label", "unit"], columns="col", values="value", aggfunc="first",
        sort=False, dropna=False)
    return out.reindex(columns=order)

def commune_values(territory, ind_id: str) -> pd.DataFrame:
    """The indicator for each commune of the territory (tables and maps).

    Additive indicators are computed commune by commune from the same counts;
    non-additive ones are read from the commune file. A commune the source does
    not cover, or whose figures are secret, has no value (NaN), never 0.
    """
    territory = resolve(territory)
    ind = cat.get([ind_id])[0]
    method, src, den_src, base, reason = _plan_cached(ind_id)
    geo = geography()
    names = pd.Series({c: geo.commune_name(c) for c in territory.communes}, name="name")
    values = pd.Series(np.nan, index=list(territory.communes), dtype=float)
    source = ""
    if method is not None and method.kind == "level":
        src = _source_table(method.source, method.vintage)
        col = method.numerator.columns(src.vintage)[0]
        if col in src.table.columns:
            values = src.table[col].reindex(values.index).astype(float)
        source = src.citation
    elif method is not None and method.kind in ("ratio", "count", "annual_rate"):
        cols = method.numerator.columns(src.vintage)
        if method.denominator is not None and den_src is src:
            cols = sorted(set(cols + method.denominator.columns(src.vintage)))
        _, _, per_ref = aggregate(src, territory, cols)
        num = _combine_frame(per_ref, method.numerator, src.vintage)
        source = src.citation
        if method.kind == "count":
            values = num
        elif method.kind == "annual_rate":
            den = _combine_frame(per_ref, method.denominator, src.vintage)
            values = ((num / den) ** (1 / method.years) - 1) * 100
        else:
            if den_src is src:
                den = _combine_frame(per_ref, method.denominator, src.vintage)
            else:
                _, _, den_ref = aggregate(den_src, territory, method.denominator.columns(den_src.vintage))
                den = _combine_frame(den_ref, method.denominator, den_src.vintage)
                source = f"{src.citation} ; {den_src.citation}"
            values = num / den.replace(0, np.nan) * method.scale
        values = values.reindex(list(territory.communes)).astype(float)
    out = pd.DataFrame({"code": list(territory.communes), "name": names.reindex(list(territory.communes)).values,
                        "value": values.reindex(list(territory.communes)).values})
    out.attrs.update(id=ind_id, label=ind.label, unit=ind.unit, source=source,
                     note=reason or "", decimals=ind.decimals)
    return out
