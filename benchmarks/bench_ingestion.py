"""Building the store from the mirror, cold (empty store directory)."""
from __future__ import annotations

import os
import tempfile
import time

from diagnostic import config, data, store
from diagnostic.sources import REGISTRY

from .common import report


def run() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        config.set_cache(tmp)
        store.clear_memory()
        data.clear_cache()
        total_rows, start = 0, time.perf_counter()
        for product in REGISTRY.values():
            for ds in product.datasets():
                t0 = time.perf_counter()
                df = store.load(ds)
                total_rows += len(df)
                report(f"ingestion_{ds.id}", time.perf_counter() - t0, "s")
        report("ingestion_totale", time.perf_counter() - start, "s")
        report("ingestion_lignes", total_rows, "lignes")
        store.clear_memory()
        t0 = time.perf_counter()
        for product in REGISTRY.values():
            for ds in product.datasets():
                store.load(ds)
        report("stock_relecture_totale", time.perf_counter() - t0, "s")
    config.set_cache(os.environ.get("DIAGNOSTIC_CACHE_SAVED"))
