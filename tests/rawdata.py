"""Independent readers of the raw mirror files, for tests.

They use only the csv and zipfile modules, never the library, so that a test
comparing them with the library checks the library against the published file.
"""
from __future__ import annotations

import csv
import io
import zipfile
from functools import lru_cache

from conftest import MIRROR


@lru_cache(maxsize=None)
def comparateur() -> dict[str, dict[str, str]]:
    with zipfile.ZipFile(MIRROR / "comparateur" / "base_cc_comparateur_csv.zip") as zf:
        text = zf.read("base_cc_comparateur.CSV").decode("ascii")
    return {row["CODGEO"]: row for row in csv.DictReader(io.StringIO(text), delimiter=";")}


@lru_cache(maxsize=None)
def filosofi() -> dict[str, dict[str, str]]:
    with open(MIRROR / "filosofi" / "cc_filosofi_2021_COM.csv", encoding="ascii") as fh:
        return {row["CODGEO"]: row for row in csv.DictReader(fh, delimiter=";")}


@lru_cache(maxsize=None)
def epci_composition_2021() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    with open(MIRROR / "cog" / "EPCI_composition-communale.csv", encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh):
            out.setdefault(row["EPCI"], []).append(row["CODGEO"])
    return out


def comparateur_sum(codes, column: str) -> float:
    table = comparateur()
    return sum(float(table[c][column]) for c in codes)
