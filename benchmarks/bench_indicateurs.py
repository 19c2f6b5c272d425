"""Every indicator with its references, for a commune, an EPCI and a département.

Kit: from the store (Parquet), in a fresh process state each time (``cold``) and
with the references shared in-process as in a batch (``warm``). Naive way: read
the original INSEE files with pandas for each territory and compute the same
comparateur and Filosofi figures.
"""
from __future__ import annotations

import zipfile

import pandas as pd

from diagnostic import data, indicators
from diagnostic.config import mirror_dir
from diagnostic.territory import resolve

from .common import median, p95, report, timed

TERRITORIES = {"commune": "61214", "epci": "246100663", "departement": "61"}
REPEAT = 15


def naive(territory) -> dict:
    """What a script would do: read the published files and sum by hand."""
    mirror = mirror_dir()
    with zipfile.ZipFile(mirror / "comparateur" / "base_cc_comparateur_csv.zip") as zf:
        comp = pd.read_csv(zf.open("base_cc_comparateur.CSV"), sep=";", dtype={"CODGEO": str})
    filo = pd.read_csv(mirror / "filosofi" / "cc_filosofi_2021_COM.csv", sep=";", decimal=",",
                       dtype={"CODGEO": str}, na_values=["s"])
    out = {}
    for t in [territory, *territory.references()]:
        rows = comp[comp["CODGEO"].isin(t.communes)]
        s = rows.sum(numeric_only=True)
        out[t.code] = {
            "population": s["P18_POP"], "vacants": 100 * s["P18_LOGVAC"] / s["P18_LOG"],
            "chomage": 100 * s["P18_CHOM1564"] / s["P18_ACT1564"],
            "proprietaires": 100 * s["P18_RP_PROP"] / s["P18_RP"],
            "mediane": filo.loc[filo["CODGEO"] == t.code, "MED21"].tolist(),
        }
    return out


def run() -> None:
    for kind, code in TERRITORIES.items():
        territory = resolve(code)
        indicators.compute(territory)  # store warm

        def cold():
            indicators.clear_cache()
            data.clear_cache()
            indicators.compute(territory)

        warm_times = timed(lambda: indicators.compute(territory), REPEAT)
        cold_times = timed(cold, REPEAT)
        naive_times = timed(lambda: naive(territory), 3)
        report(f"indicateurs_{kind}_median", 1000 * median(cold_times), "ms", "≤ 100 ms")
        report(f"indicateurs_{kind}_p95", 1000 * p95(cold_times), "ms")
        report(f"indicateurs_{kind}_lot_median", 1000 * median(warm_times), "ms")
        report(f"indicateurs_{kind}_naif_median", 1000 * median(naive_times), "ms")
        report(f"indicateurs_{kind}_ratio_naif", median(naive_times) / median(cold_times), "x", "≥ 50 x")
