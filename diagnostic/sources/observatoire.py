"""Observatoire des territoires (ANCT): indicators by level, exported as long tables.

``insee_rp_evol_1968_epci_2018.csv`` (and ``_departement_``, ``_region_``,
``_commune_``): the mortality rate (‰ per year, average) of each inter-censal
period since 1968, computed by the ANCT from INSEE's census and civil
registration. Rates are not additive: the kit reads them at the level of the
file only. The export is long (one row per territory × period, ``,`` decimals, a
trailing ``;;;`` line); it is stored wide, one column per period
(``TX_MORTA_2013_2018``).
"""
from __future__ import annotations

import pandas as pd

from .base import Dataset, Product, register
from .readers import read_csv, require_columns

LEVELS = {"commune": "COM", "epci": "EPCI", "departement": "DEP", "region": "REG"}


@register
class Mortalite(Product):
    key = "ot_mortalite"
    producer = "ANCT (Observatoire des territoires), d'après Insee"
    label = "Taux de mortalité par période intercensitaire"
    pattern = r"insee_rp_evol_1968_(?P<level>commune|epci|departement|region)_(?P<year>\d{4})\.csv"
    example_name = "insee_rp_evol_1968_epci_2018.csv"
    folder = "ot"
    url = "https://www.observatoire-des-territoires.gouv.fr/taux-de-mortalite"

    def datasets_for(self, path, match):
        year = int(match["year"])
        # Exported in the geography of the EPCI of about 2021 (COG of census year + 3).
        return [Dataset(self.key, path, vintage=year, geo_year=year + 3,
                        level=LEVELS[match["level"].lower()])]

    def level_file_name(self, level: str, vintage: int | None) -> str | None:
        names = {v: k for k, v in LEVELS.items()}
        return f"insee_rp_evol_1968_{names[level]}_{vintage or 2018}.csv" if level in names else None

    def citation(self, ds: Dataset) -> str:
        return f"ANCT, Observatoire des territoires, d'après Insee RP et état civil ({ds.vintage - 5}-{ds.vintage})"

    def read(self, ds: Dataset) -> pd.DataFrame:
        long = require_columns(read_csv(ds.path, text_columns={"codgeo", "libgeo", "an"}),
                               ["codgeo", "an", "tx_morta"], ds.path)
        long = long.dropna(subset=["codgeo", "an"])
        long = long.assign(col="TX_MORTA_" + long["an"].str.replace("-", "_", regex=False))
        wide = long.pivot_table(index="codgeo", columns="col", values="tx_morta", aggfunc="first")
        wide.columns.name = None
        return wide.reset_index().rename(columns={"codgeo": "CODGEO"})
