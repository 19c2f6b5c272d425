"""Filosofi « revenu disponible », indicators for the whole population, at every level.

Files ``FILO20YY_DISP_{COM,EPCI,DEP,REG,METROPOLE}.csv`` (INSEE's « Structure et
distribution des revenus, inégalité des niveaux de vie », ensemble des ménages),
one per level and vintage (2014-2019 in the mirror; no COM file for 2017).
Columns: ``CODGEO;LIBGEO;NBMENYY;NBPERSYY;NBUCYY;Q1YY;Q2YY;Q3YY;Q3_Q1;D1YY…D9YY;
RD;S80S20YY;GIYY;PACTYY;PTSAYY;PCHOYY;PBENYY;PPENYY;PPATYY;PPSOCYY;PPFAMYY;
PPMINIYY;PPLOGTYY;PIMPOTYY`` (2014: ``PTSAC14`` instead of PACT/PTSA/PCHO).
``Q2YY`` is the median *niveau de vie* (revenu disponible par unité de
consommation), ``RD`` the D9/D1 inter-decile ratio, ``GIYY`` the Gini index.

As published: UTF-8 with BOM, CRLF, ``;`` separator, ``,`` decimal; secret
statistique is an empty cell (kept NaN, never 0); the 2017 files end every line
with 69 empty columns (dropped). **No poverty rate** in these files (INSEE
publishes TP60 in separate « pauvreté » files).

Levels: the ``METROPOLE`` file is **France métropolitaine** (one row, CODGEO
``1``), not France entière: its figures are labelled so. The EPCI file of a
vintage uses that vintage's EPCI perimeters: an EPCI created or merged later is
absent from older files (said so, never recomputed from communes).

Geography: checked against the COG's commune events, every commune code of the
2015, 2016, 2018 and 2019 files is valid on 1 January of the following year
(2019: valid in COG 2020, not in 2019 nor 2021), so Filosofi *N* is read in the
COG of 1 January *N* + 1.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .base import Dataset, Product, register
from .readers import normalise_code, read_csv, require_columns

#: Level of each file suffix (``METROPOLE`` is France métropolitaine).
LEVELS = {"COM": "COM", "EPCI": "EPCI", "DEP": "DEP", "REG": "REG", "METROPOLE": "FRANCE",
          "METRO": "FRANCE", "FRANCE": "FRANCE", "FE": "FRANCE"}

#: Width of the codes of each level (``1`` -> ``01`` for a département).
CODE_WIDTH = {"COM": 5, "DEP": 2, "REG": 2, "EPCI": 9}


def drop_empty_columns(df: pd.DataFrame) -> pd.DataFrame:
    """Drop the trailing unnamed columns some INSEE exports carry (``;;;`` at line ends)."""
    empty = [c for c in df.columns if (not str(c).strip() or str(c).startswith("Unnamed:"))
             and df[c].isna().all()]
    return df.drop(columns=empty)


@register
class FilosofiDisp(Product):
    key = "filosofi_disp"
    label = "Filosofi, revenu disponible et niveau de vie"
    pattern = (r"FILO(?P<year>\d{4})_DISP_(?P<level>COM|EPCI|DEP|REG|METROPOLE|METRO|FRANCE|FE)"
               r"\.csv")
    example_name = "FILO2019_DISP_EPCI.csv"
    folder = "filosofi/historique"
    url = "https://www.insee.fr/fr/statistiques/6036907"
    coverage_hint = "Filosofi : secret statistique pour les communes de moins de 50 ménages fiscaux."

    def datasets_for(self, path: Path, match) -> list[Dataset]:
        year = int(match["year"])
        level = LEVELS[match["level"].upper()]
        return [Dataset(self.key, path, year, self.geo_year(year, path), level=level)]

    def geo_year(self, vintage: int, path: Path) -> int:
        # Checked against the COG's commune events for 2015-2019 (module docstring).
        return vintage + 1

    def level_file_name(self, level: str, vintage: int | None) -> str | None:
        suffix = {"FRANCE": "METROPOLE"}.get(level, level)
        return f"FILO{vintage or 2019}_DISP_{suffix}.csv"

    def citation(self, ds: Dataset) -> str:
        where = " ; France métropolitaine" if ds.level == "FRANCE" else ""
        return f"Insee, Filosofi {ds.vintage}, revenu disponible (géographie {ds.geo_year}{where})"

    def read(self, ds: Dataset) -> pd.DataFrame:
        """The file as published; a missing indicator column is reported where it is used."""
        df = drop_empty_columns(read_csv(ds.path))
        require_columns(df, ["CODGEO"], ds.path.name)
        width = CODE_WIDTH.get(ds.level)
        if width:
            df["CODGEO"] = normalise_code(df["CODGEO"], width)
        return df.loc[df["CODGEO"].notna()].reset_index(drop=True)


def median_column(vintage: int) -> str:
    """``Q219`` for Filosofi 2019: the median niveau de vie."""
    return f"Q2{vintage % 100:02d}"
