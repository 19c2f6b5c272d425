"""``python -m benchmarks [indicateurs ingestion rapport lot dask]``."""
from __future__ import annotations

import importlib
import sys

from .common import save

ALL = ["ingestion", "indicateurs", "rapport", "lot", "dask"]


def main(argv: list[str]) -> int:
    names = argv or ALL
    for name in names:
        try:
            module = importlib.import_module(f"benchmarks.bench_{name}")
        except ModuleNotFoundError:
            print(f"{name}: benchmark absent", flush=True)
            continue
        print(f"# {name}", flush=True)
        module.run()
    path = save()
    print(f"Résultats : {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
