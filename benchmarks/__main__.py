"""``python -m benchmarks [ingestion indicateurs rapport lot dask]`` (all of them by default).

Each prints lines ``name: value unit``; the figures go to
``benchmarks/results/latest.json`` (merged with the previous ones, saved after
each benchmark). ``BENCH_ORNE=1``: the lot benchmark also makes the 385
communes of the Orne.
"""
from __future__ import annotations

import importlib
import os
import sys
import time
import traceback

from .common import machine, save

ALL = ["ingestion", "indicateurs", "rapport", "lot", "dask"]


def main(argv: list[str]) -> int:
    os.environ.setdefault("DIAGNOSTIC_HORS_LIGNE", "1")  # measured on the mirror, never the network
    names = argv or ALL
    info = machine()
    print(f"# machine : {info['cpus']} cœurs, Python {info['python']}, charge (1 min) {info['charge_1min']}",
          flush=True)
    failed = 0
    for name in names:
        try:
            module = importlib.import_module(f"benchmarks.bench_{name}")
        except ModuleNotFoundError:
            print(f"{name}: benchmark absent", flush=True)
            continue
        print(f"# {name}", flush=True)
        start = time.perf_counter()
        try:
            module.run()
        except Exception:  # the other benchmarks still run
            failed += 1
            traceback.print_exc()
            print(f"# {name} : échec", flush=True)
        print(f"# {name} : {time.perf_counter() - start:.0f} s", flush=True)
        save()
    path = save()
    print(f"Résultats : {path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
