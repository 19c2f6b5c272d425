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


def iris_rows(name: str, dep: str) -> list[dict[str, str]]:
    """Rows of a per-département RP IRIS extract (first occurrence of duplicated columns)."""
    with open(MIRROR / "rp2019-iris" / f"{name}_{dep}.csv", encoding="utf-8") as fh:
        reader = csv.reader(fh, delimiter=";")
        header = next(reader)
        first = {}
        for i, col in enumerate(header):
            first.setdefault(col, i)
        return [{col: row[i] for col, i in first.items()} for row in reader]


def iris_sum(name: str, dep: str, commune: str, column: str, commune_column: str = "INSEE_COM") -> float:
    return sum(float(r[column]) for r in iris_rows(name, dep) if r[commune_column] == commune)


def caf_rows(year: int) -> list[dict[str, str]]:
    with open(MIRROR / "caf" / f"data_CAF_{year}_IRIS.csv", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


def caf_sum(year: int, commune: str, column: str) -> float | None:
    """Commune total, or None when an IRIS of the commune is blank (secret)."""
    values = [r[column].replace("\u202f", "") for r in caf_rows(year) if r["CODGEO"][:5] == commune]
    if not values or any(v.strip() == "" for v in values):
        return None
    return sum(float(v) for v in values)


# --- second round: Filosofi level files, Filosofi IRIS, QPV, BPE geolocated cuts ---------------
def _number(text: str) -> float | None:
    """A published figure: ``,`` decimal, U+202F thousands; None when empty (secret)."""
    text = text.replace("\u202f", "").replace("\u00a0", "").replace(",", ".").strip()
    return float(text) if text else None


@lru_cache(maxsize=None)
def filo_disp(year: int, level: str) -> dict[str, dict[str, str]]:
    """``FILO{year}_DISP_{level}.csv`` rows by CODGEO (level COM, EPCI, DEP, REG, METROPOLE)."""
    path = MIRROR / "filosofi" / "historique" / f"FILO{year}_DISP_{level}.csv"
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return {row["CODGEO"]: row for row in csv.DictReader(fh, delimiter=";")}


def filo_disp_value(year: int, level: str, code: str, column: str) -> float | None:
    return _number(filo_disp(year, level)[code][column])


@lru_cache(maxsize=None)
def filo_iris() -> list[dict[str, str]]:
    path = MIRROR / "filosofi" / "iris" / "BASE_TD_FILO_DISP_IRIS_2019.csv"
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


@lru_cache(maxsize=None)
def qpv(theme: str, year: int) -> dict[str, dict[str, str]]:
    """``{theme}_{year}.csv`` of the QPV folder, rows by CODGEO (``Ensemble`` included)."""
    with open(MIRROR / "qpv" / f"{theme}_{year}.csv", encoding="utf-8-sig", newline="") as fh:
        return {row["CODGEO"]: row for row in csv.DictReader(fh, delimiter=";")}


def qpv_value(theme: str, year: int, code: str, column: str) -> float | None:
    return _number(qpv(theme, year)[code][column])


@lru_cache(maxsize=None)
def poi_rows(dep: str) -> list[dict[str, str]]:
    """Rows of ``bpe/poi_{dep}.csv`` (one facility each; identical rows kept)."""
    with open(MIRROR / "bpe" / f"poi_{dep}.csv", encoding="ascii", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=";"))
