"""Filosofi, revenus disponibles et pauvreté: ``cc_filosofi_2021_COM.csv``.

INSEE publishes one file per level (COM, ARR, EPCI, DEP, REG, METRO...) inside
``base-cc-filosofi-2021-geo2024_csv.zip``. Medians, deciles, poverty rates and
income shares are not additive: the kit only uses them at the level of the
file they come from. Secret statistique is written ``s``.
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pandas as pd

from .base import Dataset, Product, register
from .readers import normalise_code, read_csv, require_columns

LEVELS = {"COM": "COM", "ARR": "ARR", "EPCI": "EPCI", "DEP": "DEP", "REG": "REG",
          "METRO": "FRANCE", "FE": "FRANCE", "FRANCE": "FRANCE"}

_MEMBER = re.compile(r"(?:.*/)?cc_filosofi_(?P<year>\d{4})_(?P<level>[A-Z]+)\.csv", re.I)


@register
class Filosofi(Product):
    key = "filosofi"
    label = "Filosofi, revenus et pauvreté des ménages"
    pattern = (r"cc_filosofi_(?P<year>\d{4})_(?P<level>[A-Z]+)\.csv"
               r"|base-cc-filosofi-(?P<zyear>\d{4})(-geo(?P<geo>\d{4}))?_csv\.zip")
    example_name = "cc_filosofi_2021_COM.csv"
    folder = "filosofi"
    url = "https://www.insee.fr/fr/statistiques/fichier/7756729/base-cc-filosofi-2021-geo2024_csv.zip"

    def geo_year(self, vintage: int, path: Path) -> int:
        geo = re.search(r"geo(\d{4})", path.name)
        # Filosofi 2021 is published in the geography of 1 January 2024.
        return int(geo.group(1)) if geo else vintage + 3

    def datasets_for(self, path: Path, match):
        groups = match.groupdict()
        if groups.get("year"):
            level = LEVELS.get(groups["level"].upper(), groups["level"].upper())
            year = int(groups["year"])
            return [Dataset(self.key, path, year, self.geo_year(year, path), level=level)]
        out = []
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                m = _MEMBER.fullmatch(name)
                if m:
                    level = LEVELS.get(m["level"].upper(), m["level"].upper())
                    year = int(m["year"])
                    out.append(Dataset(self.key, path, year, self.geo_year(year, path),
                                       level=level, member=name))
        return out

    def level_file_name(self, level: str, vintage: int | None) -> str | None:
        # INSEE names the national file "…_METRO" (France métropolitaine).
        suffix = {"FRANCE": "METRO"}.get(level, level)
        return f"cc_filosofi_{vintage or 2021}_{suffix}.csv"

    def citation(self, ds: Dataset) -> str:
        return f"Insee, Filosofi {ds.vintage} (géographie {ds.geo_year})"

    def read(self, ds: Dataset) -> pd.DataFrame:
        df = read_csv(ds.path, member=ds.member)
        if ds.level == "FRANCE" and "CODGEO" not in df.columns:
            df.insert(0, "CODGEO", "FR")
        require_columns(df, ["CODGEO"], ds.path)
        if ds.level in ("COM", "ARR"):
            df["CODGEO"] = normalise_code(df["CODGEO"], 5)
        return df
