"""Filosofi by IRIS, revenu disponible: ``BASE_TD_FILO_DISP_IRIS_2019.csv``.

One row per IRIS of the communes split into IRIS: ``IRIS;LIBIRIS;COM;LIBCOM;
DISP_TP6019`` (poverty rate at 60 % of the median), ``DISP_Q119``,
``DISP_MED19`` (median niveau de vie), ``DISP_Q319``, deciles, ``DISP_RD19``,
``DISP_GI19``, income shares and ``DISP_NOTE19``. UTF-8 with BOM, CRLF, ``;``,
``,`` decimal; an empty cell is secret statistique (2 827 IRIS have no poverty
rate in 2019) and stays NaN.

IRIS medians and rates are not additive: they are shown IRIS by IRIS, never
summed or averaged into a commune value (the commune's own figure comes from
the commune file). Geography: the IRIS of Filosofi *N* are read in the COG of
1 January *N* + 1, like the commune file (every commune code of the 2019 file
is valid in COG 2020).
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .base import Dataset, Product, register
from .filosofi_niveaux import drop_empty_columns
from .readers import normalise_code, read_csv, require_columns


@register
class FilosofiIris(Product):
    key = "filosofi_iris"
    label = "Filosofi, revenu disponible par IRIS"
    pattern = r"BASE_TD_FILO_DISP_IRIS_(?P<year>\d{4})\.csv"
    example_name = "BASE_TD_FILO_DISP_IRIS_2019.csv"
    folder = "filosofi/iris"
    url = "https://www.insee.fr/fr/statistiques/6049648"
    code_column = "IRIS"

    def datasets_for(self, path: Path, match) -> list[Dataset]:
        year = int(match["year"])
        return [Dataset(self.key, path, year, self.geo_year(year, path), level="IRIS")]

    def geo_year(self, vintage: int, path: Path) -> int:
        return vintage + 1

    def citation(self, ds: Dataset) -> str:
        return f"Insee, Filosofi {ds.vintage} par IRIS, revenu disponible (géographie {ds.geo_year})"

    def read(self, ds: Dataset) -> pd.DataFrame:
        df = drop_empty_columns(read_csv(ds.path, text_columns={"IRIS", "COM", "LIBIRIS", "LIBCOM"}))
        require_columns(df, ["IRIS", "COM"], ds.path.name)
        df["IRIS"] = normalise_code(df["IRIS"], 9)
        df["COM"] = normalise_code(df["COM"], 5)
        return df.loc[df["IRIS"].notna()].reset_index(drop=True)

    def to_communes(self, df: pd.DataFrame, ds: Dataset) -> pd.DataFrame:
        # Medians and rates of IRIS never add up to a commune figure.
        return pd.DataFrame({"CODGEO": pd.Series(dtype="string")})


def iris_column(stem: str, vintage: int) -> str:
    """``DISP_TP6019`` from ``TP60`` and 2019; ``DISP_MED19`` from ``MED``."""
    return f"DISP_{stem}{vintage % 100:02d}"


#: An IRIS code as INSEE writes it (9 characters, 2A/2B for Corsica).
IRIS_CODE = re.compile(r"\d[\dAB]\d{7}")
