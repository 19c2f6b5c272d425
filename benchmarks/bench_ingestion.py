"""Building the store from the mirror, cold (empty store directory).

Every dataset of every product is read as published and written to a new,
temporary store (``ingestion_<dataset>``, ``ingestion_totale``); then the
derived commune tables the indicators read are built from it
(``ingestion_tables_derivees``), and the whole store is read back
(``stock_relecture_totale``). The kit's usual store is left untouched.
"""
from __future__ import annotations

import tempfile
import time

from diagnostic import data, store
from diagnostic.sources import REGISTRY

from .common import cache_dir, report


def run() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-ingestion-") as tmp, cache_dir(tmp):
        total_rows, start = 0, time.perf_counter()
        for product in REGISTRY.values():
            for ds in product.datasets():
                t0 = time.perf_counter()
                df = store.load(ds)
                total_rows += len(df)
                report(f"ingestion_{ds.id}", time.perf_counter() - t0, "s")
        report("ingestion_totale", time.perf_counter() - start, "s")
        report("ingestion_lignes", total_rows, "lignes")
        t0 = time.perf_counter()
        data.warm()
        report("ingestion_tables_derivees", time.perf_counter() - t0, "s")
        store.clear_memory()
        data.clear_cache()
        t0 = time.perf_counter()
        for product in REGISTRY.values():
            for ds in product.datasets():
                store.load(ds)
        report("stock_relecture_totale", time.perf_counter() - t0, "s")
        t0 = time.perf_counter()
        data.warm()
        report("stock_relecture_tables_derivees", time.perf_counter() - t0, "s")
