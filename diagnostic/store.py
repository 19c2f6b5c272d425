"""Local columnar store: each dataset is ingested once into Parquet.

``store/<dataset id>.parquet`` holds the table, ``store/<dataset id>.json`` its
provenance (source file, size, mtime, SHA-256, vintage, geography year, ingest
date, rows). A source file whose size or mtime changed is re-hashed and, if its
content changed, re-ingested; a Parquet file that cannot be read is rebuilt.
Writes are atomic (temporary file + rename) and serialised by a lock file, so
parallel batch workers never see a half-written table.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from . import __version__, config
from .atomic import atomic_path, file_lock, sha256  # noqa: F401 (sha256 is re-exported)
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: sources import the store, not the reverse
    from .sources.base import Dataset

#: Bumped when readers change the shape of what they store.
SCHEMA_VERSION = 3

_memory: dict[str, tuple[str, pd.DataFrame]] = {}


@dataclass
class Provenance:
    dataset_id: str
    product: str
    source_file: str
    member: str | None
    size: int
    mtime: float
    sha256: str
    vintage: int
    geo_year: int
    level: str
    part: str
    rows: int
    ingested_at: str
    schema_version: int = SCHEMA_VERSION
    kit_version: str = __version__


def _paths(ds: Dataset) -> tuple[Path, Path]:
    base = config.store_dir() / ds.id
    return base.with_suffix(".parquet"), base.with_suffix(".json")


def read_provenance(ds: Dataset) -> Provenance | None:
    _, meta = _paths(ds)
    try:
        return Provenance(**json.loads(meta.read_text()))
    except (OSError, ValueError, TypeError):
        return None


def _is_current(ds: Dataset, prov: Provenance | None) -> bool:
    if prov is None or prov.schema_version != SCHEMA_VERSION:
        return False
    if prov.source_file != str(ds.path.resolve()):
        return False
    stat = ds.path.stat()
    if stat.st_size == prov.size and abs(stat.st_mtime - prov.mtime) < 1e-3:
        return True
    # Touched, or copied elsewhere: compare content before re-ingesting.
    return stat.st_size == prov.size and sha256(ds.path) == prov.sha256


def _lock(ds: Dataset):
    return file_lock(config.store_dir() / ds.id)


def _atomic_write_bytes(dest: Path, write) -> None:
    with atomic_path(dest) as tmp:
        write(str(tmp))


def ingest(ds: Dataset) -> pd.DataFrame:
    """Read the original file and write it, with its provenance, to the store."""
    df = ds.read()
    parquet, meta = _paths(ds)
    table = pa.Table.from_pandas(df, preserve_index=False)
    _atomic_write_bytes(parquet, lambda tmp: pq.write_table(table, tmp))
    stat = ds.path.stat()
    prov = Provenance(
        dataset_id=ds.id, product=ds.product_key, source_file=str(ds.path.resolve()),
        member=ds.member, size=stat.st_size, mtime=stat.st_mtime, sha256=sha256(ds.path),
        vintage=ds.vintage, geo_year=ds.geo_year, level=ds.level, part=ds.part, rows=len(df),
        ingested_at=dt.datetime.now().isoformat(timespec="seconds"),
    )
    _atomic_write_bytes(meta, lambda tmp: Path(tmp).write_text(json.dumps(asdict(prov), indent=1)))
    return df


def load(ds: Dataset) -> pd.DataFrame:
    """The dataset's table, from memory, the store, or the original file (in that order)."""
    cached = _memory.get(ds.id)
    prov = read_provenance(ds)
    if cached is not None and prov is not None and cached[0] == prov.sha256 and _is_current(ds, prov):
        return cached[1]
    parquet, _ = _paths(ds)
    df = None
    if _is_current(ds, prov):
        try:
            df = pq.read_table(parquet).to_pandas()
        except (OSError, pa.ArrowException):
            df = None  # corrupt store: rebuilt below
    if df is None:
        with _lock(ds):
            prov = read_provenance(ds)
            if _is_current(ds, prov):
                try:
                    df = pq.read_table(parquet).to_pandas()
                except (OSError, pa.ArrowException):
                    df = None
            if df is None:
                df = ingest(ds)
                prov = read_provenance(ds)
    _memory[ds.id] = (prov.sha256 if prov else "", df)
    return df


def clear_memory() -> None:
    _memory.clear()


def _current_file(ds: Dataset) -> Path | None:
    """The store's Parquet file of ``ds`` when it is current and the table not in memory."""
    return _paths(ds)[0] if ds.id not in _memory and _is_current(ds, read_provenance(ds)) else None


def load_columns(ds: Dataset, columns: list[str]) -> pd.DataFrame:
    """Some columns of the dataset's table: read alone from the store when it is current
    (a fraction of the whole table's reading), else taken from :func:`load`."""
    parquet = _current_file(ds)
    if parquet is not None:
        try:
            return pq.read_table(parquet, columns=list(columns)).to_pandas()
        except (OSError, pa.ArrowException, KeyError):
            pass  # a missing column or a corrupt store: load() says why, or rebuilds it
    return load(ds)[list(columns)]


def column_names(ds: Dataset) -> list[str]:
    """The dataset's column names (from the store's schema when it is current)."""
    parquet = _current_file(ds)
    if parquet is not None:
        try:
            return list(pq.read_schema(parquet).names)
        except (OSError, pa.ArrowException):
            pass
    return list(load(ds).columns)
