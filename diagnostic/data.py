"""Access to official figures by commune, whatever file they come from.

:func:`commune_table` returns one product vintage as a table indexed by
commune code *in the file's own geography*, every per-département part and
IRIS row already summed to the commune. Indicators aggregate it over
``territory.communes_in(table.geo_year)``, so no figure is ever moved between
geographies except by summing whole communes.

Derived tables (the commune tables, and other tables computed from the store
such as the reference population) are persisted in the store too, under
``store/derive/`` (uncompressed Arrow files, read in a few milliseconds), keyed by the SHA-256 of every source file they come from
and by the code that derives them (:func:`derived`). A fresh process reads
them in a few milliseconds instead of re-aggregating IRIS rows; a source file
that changes, or a new version of the kit, gives a new key and the table is
derived again.
"""
from __future__ import annotations

import hashlib
import inspect
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather

from . import __version__, config, sources, store
from .atomic import atomic_path, write_text
from .atomic import file_lock as _lock
from .catalogue import catalogue
from .errors import MissingData
from .sources import REGISTRY, Dataset, find
from .sources.base import mirror_files
from .sources.readers import sum_complete

#: Bumped when the way derived tables are built or stored changes.
DERIVED_VERSION = 1

#: Sub-folder of the store holding the derived tables.
DERIVED_DIR = "derive"


@dataclass
class SourceTable:
    key: str
    vintage: int
    geo_year: int
    level: str
    table: pd.DataFrame  # index: CODGEO (str); numeric columns
    datasets: list[Dataset] = field(default_factory=list)
    #: Float arrays of the table's columns, taken once (aggregations read them often).
    _arrays: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def citation(self) -> str:
        return self.datasets[0].source_label if self.datasets else self.key

    @property
    def files(self) -> list[str]:
        return sorted({d.path.name + (f" ({d.member})" if d.member else "") for d in self.datasets})

    def has(self, *columns: str) -> bool:
        return all(c in self.table.columns for c in columns)

    def array(self, column: str):
        """The column as a float64 numpy array (cached; never modify it)."""
        out = self._arrays.get(column)
        if out is None:
            out = self._arrays[column] = self.table[column].to_numpy(dtype=float)
        return out


# ---------------------------------------------------------------------------
# Derived tables persisted in the store
# ---------------------------------------------------------------------------
_code_digests: dict[str, str] = {}


def code_digest(*objects) -> str:
    """SHA-256 of the source files defining ``objects`` (modules, classes, functions, or paths)."""
    h = hashlib.sha256()
    for obj in objects:
        try:
            path = str(obj) if isinstance(obj, Path) else inspect.getsourcefile(
                obj if inspect.ismodule(obj) or inspect.isclass(obj) or inspect.isfunction(obj) else type(obj))
        except TypeError:
            path = None
        if not path:
            h.update(repr(obj).encode())
            continue
        if path not in _code_digests:
            _code_digests[path] = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        h.update(_code_digests[path].encode())
    return h.hexdigest()


def source_digest(datasets) -> str | None:
    """SHA-256 of the datasets' contents (from their store provenance), or None when one
    of them is not (or no longer) in the store as it is in the mirror."""
    parts = []
    for ds in datasets:
        prov = store.read_provenance(ds)
        try:
            current = prov is not None and store._is_current(ds, prov)
        except OSError:
            current = False
        if not current:
            return None
        parts.append(f"{ds.id}={prov.sha256}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _derived_path(name: str) -> Path:
    return config.store_dir() / DERIVED_DIR / f"{name}.arrow"


def _read_derived(path: Path, key: str) -> pd.DataFrame | None:
    try:
        table = feather.read_table(path, memory_map=True)
    except (OSError, pa.ArrowException):
        return None
    meta = table.schema.metadata or {}
    if meta.get(b"diagnostic_key", b"").decode() != key:
        return None
    return table.to_pandas()


def _write_derived(path: Path, key: str, df: pd.DataFrame, sources: list[str]) -> None:
    table = pa.Table.from_pandas(df, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[b"diagnostic_key"] = key.encode()
    meta[b"diagnostic_sources"] = json.dumps(sources).encode()
    table = table.replace_schema_metadata(meta)
    with atomic_path(path) as tmp:
        feather.write_feather(table, str(tmp), compression="uncompressed")
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


def derived(name: str, datasets, build, code=()) -> pd.DataFrame:
    """A table computed from ``datasets`` by ``build()``, persisted in the store.

    The table is read back from ``store/derive/<name>.arrow`` when it was
    derived from the same source contents (SHA-256 of every dataset) by the
    same code (``code``: modules or functions whose source is hashed, plus
    :data:`DERIVED_VERSION` and the kit's version); otherwise ``build()`` is
    called (loading the datasets from the store as usual) and the result
    written atomically for the next process. ``build`` must return a frame
    with a plain RangeIndex.
    """
    datasets = list(datasets)
    digest = source_digest(datasets)
    key = None
    path = _derived_path(name)
    if digest is not None:
        key = f"{DERIVED_VERSION}:{__version__}:{digest}:{code_digest(sys.modules[__name__], *code)}"
        hit = _read_derived(path, key) if path.exists() else None
        if hit is not None:
            return hit
    df = build()
    if key is None:  # the datasets were (re-)ingested by build()
        digest = source_digest(datasets)
        if digest is None:
            return df
        key = f"{DERIVED_VERSION}:{__version__}:{digest}:{code_digest(sys.modules[__name__], *code)}"
    try:
        with _lock(path):
            _write_derived(path, key, df, [d.id for d in datasets])
    except OSError:  # a read-only store still works, only slower
        pass
    return df


_package_digest: list[str] = []


def package_digest() -> str:
    """SHA-256 of the kit's code and configuration (``diagnostic/**/*.py|yaml``), once per process."""
    if not _package_digest:
        h = hashlib.sha256()
        root = Path(__file__).parent
        for path in sorted(root.rglob("*")):
            if path.suffix in (".py", ".yaml") and "__pycache__" not in path.parts:
                h.update(str(path.relative_to(root)).encode())
                h.update(path.read_bytes())
        _package_digest.append(h.hexdigest())
    return _package_digest[0]


def mirror_digest() -> str:
    """SHA-256 of what the mirror holds, as the kit sees it: every file's path, size and
    modification time (a file added, removed or modified changes it)."""
    mirror = config.mirror_dir()
    h = hashlib.sha256(str(mirror).encode())
    for path in mirror_files(mirror):
        try:
            stat = path.stat()
        except OSError:
            continue
        h.update(f"\n{path}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    return h.hexdigest()


def read_derived_json(name: str, key: str):
    """The value stored by :func:`write_derived_json` under ``name`` with this ``key``, or None."""
    path = config.store_dir() / DERIVED_DIR / f"{name}.json"
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(stored, dict) or stored.get("key") != key:
        return None
    return stored.get("value")


def write_derived_json(name: str, key: str, value) -> None:
    """Persist a JSON value in the store's derived tables (atomic; ignored if read-only)."""
    path = config.store_dir() / DERIVED_DIR / f"{name}.json"
    try:
        write_text(path, json.dumps({"key": key, "value": value}, ensure_ascii=False))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(path, 0o666 & ~umask)
    except OSError:
        pass


# ---------------------------------------------------------------------------
# Commune tables
# ---------------------------------------------------------------------------
_cache: dict[tuple, SourceTable] = {}
_requests: dict[tuple, SourceTable] = {}


def _build_communes(datasets: list[Dataset]) -> pd.DataFrame:
    frames = []
    product = datasets[0].product
    for ds in datasets:
        frames.append(product.to_communes(store.load(ds), ds))
    df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    if df["CODGEO"].duplicated().any():
        numeric = [c for c in df.columns if c != "CODGEO" and pd.api.types.is_numeric_dtype(df[c])]
        df = sum_complete(df[numeric], df["CODGEO"]).rename_axis("CODGEO").reset_index()
    return df.reset_index(drop=True)


def _source_files() -> tuple:
    """Every file of the sources package: the same key in every process, whichever source
    modules it happens to have imported (the report kernels import the contours, a
    batch's parent process does not; keyed on the imported modules, each overwrote the
    other's derived tables and built them again at its next start)."""
    return tuple(sorted(Path(sources.__file__).parent.glob("*.py")))


def commune_table(key: str, vintage: int | None = None, level: str = "COM",
                  required: bool = True) -> SourceTable | None:
    """One vintage of a product, by commune (or by ``level`` code), parts concatenated."""
    # Keyed on what selects the mirror (config.mirror_dir() itself stats directories).
    request = (key, vintage, level, config.mirror_key())
    hit = _requests.get(request)
    if hit is not None:
        return hit
    result = _commune_table(key, vintage, level, required)
    if result is not None:
        _requests[request] = result
    return result


def _commune_table(key: str, vintage: int | None, level: str, required: bool) -> SourceTable | None:
    datasets = find(key, vintage=vintage, required=required)
    # Products published by IRIS are summed to the commune by their own to_communes.
    wanted = {level, "IRIS"} if level == "COM" else {level}
    datasets = [d for d in datasets if d.level in wanted]
    if not datasets:
        return None
    datasets = [d for d in datasets if d.vintage == datasets[0].vintage]
    # A third-party CSV copy is only used when no official file is there.
    official = [d for d in datasets if d.part != "csv"]
    datasets = official or datasets
    cache_key = (key, tuple(d.id for d in datasets))
    hit = _cache.get(cache_key)
    if hit is not None:
        return hit
    name = f"communes-{key}-{datasets[0].vintage}-{level}"
    # The readers and to_communes of every product (sources/*.py) derive the table.
    df = derived(name, datasets, lambda: _build_communes(datasets), code=_source_files())
    # Plain object codes: hash look-ups on them are much faster than on Arrow strings.
    table = df.assign(CODGEO=df["CODGEO"].astype(object)).set_index("CODGEO")
    result = SourceTable(key, datasets[0].vintage, datasets[0].geo_year, level, table, datasets)
    _cache[cache_key] = result
    return result


def released_table(src: SourceTable) -> SourceTable | None:
    """Commune sums of the released cells only (a secret IRIS counted as 0) of a product
    published by IRIS, or None for other products.

    Only for lower bounds: « au moins … » where some IRIS of a commune are not released
    (:mod:`diagnostic.indicators.partial`); never a total.
    """
    datasets = [d for d in src.datasets if d.level == "IRIS"]
    if not datasets or len(datasets) != len(src.datasets):
        return None
    product = datasets[0].product

    def build() -> pd.DataFrame:
        frames = []
        for ds in datasets:
            df = store.load(ds)
            numbers = df.select_dtypes("number").columns
            frames.append(product.to_communes(df.fillna({c: 0.0 for c in numbers}), ds))
        df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        numeric = [c for c in df.columns if c != "CODGEO" and pd.api.types.is_numeric_dtype(df[c])]
        return df.groupby("CODGEO", sort=True)[numeric].sum().reset_index()

    cache_key = ("released", src.key, tuple(d.id for d in datasets))
    hit = _cache.get(cache_key)
    if hit is None:
        df = derived(f"communes-diffusees-{src.key}-{src.vintage}", datasets, build, code=_source_files())
        table = df.assign(CODGEO=df["CODGEO"].astype(object)).set_index("CODGEO")
        hit = _cache[cache_key] = SourceTable(src.key, src.vintage, src.geo_year, src.level, table, datasets)
    return hit


def warm(keys=None) -> None:
    """Derive (or load) the commune table of every product used by the catalogue.

    Run once before a batch starts its workers, so that they find every derived
    table in the store instead of building the same ones side by side.
    """
    if keys is None:
        keys = []
        for ind in catalogue().values():
            for m in ind.methods:
                keys.append((m.source, m.vintage))
                if m.denominator_source:
                    keys.append((m.denominator_source, m.denominator_vintage))
                if m.kind == "evolution" and m.base_vintage:
                    keys.append((m.source, m.base_vintage))
    for key, vintage in dict.fromkeys(keys):
        if key not in REGISTRY:
            continue
        try:
            commune_table(key, vintage=vintage, required=False)
        except MissingData:
            continue


def clear_cache() -> None:
    _cache.clear()
    _requests.clear()
    store.clear_memory()
