"""Access to official figures by commune, whatever file they come from.

:func:`commune_table` returns one product vintage as a table indexed by
commune code *in the file's own geography*, every per-département part and
IRIS row already summed to the commune. Indicators aggregate it over
``territory.communes_in(table.geo_year)``, so no figure is ever moved between
geographies except by summing whole communes.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from . import store
from .sources import Dataset, find


@dataclass
class SourceTable:
    key: str
    vintage: int
    geo_year: int
    level: str
    table: pd.DataFrame  # index: CODGEO (str); numeric columns
    datasets: list[Dataset] = field(default_factory=list)

    @property
    def citation(self) -> str:
        return self.datasets[0].source_label if self.datasets else self.key

    @property
    def files(self) -> list[str]:
        return sorted({d.path.name + (f" ({d.member})" if d.member else "") for d in self.datasets})

    def has(self, *columns: str) -> bool:
        return all(c in self.table.columns for c in columns)


_cache: dict[tuple, SourceTable] = {}


def commune_table(key: str, vintage: int | None = None, level: str = "COM",
                  required: bool = True) -> SourceTable | None:
    """One vintage of a product, by commune (or by ``level`` code), parts concatenated."""
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
    frames = []
    product = datasets[0].product
    for ds in datasets:
        frames.append(product.to_communes(store.load(ds), ds))
    df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    if df["CODGEO"].duplicated().any():
        numeric = [c for c in df.columns if c != "CODGEO" and pd.api.types.is_numeric_dtype(df[c])]
        df = df.groupby("CODGEO")[numeric].sum(min_count=1).reset_index()
    # Plain object codes: hash look-ups on them are much faster than on Arrow strings.
    table = df.assign(CODGEO=df["CODGEO"].astype(object)).set_index("CODGEO")
    result = SourceTable(key, datasets[0].vintage, datasets[0].geo_year, level, table, datasets)
    _cache[cache_key] = result
    return result


def clear_cache() -> None:
    _cache.clear()
    store.clear_memory()
