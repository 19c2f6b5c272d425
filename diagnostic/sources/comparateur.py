"""Comparateur de territoires, base communale (``base_cc_comparateur.zip``).

Holds, per commune and municipal arrondissement, the main census counts (RP of
the vintage and five years earlier), births and deaths, Filosofi median and
poverty rate, jobs and establishments. The census vintage is read from the
column names (``P18_POP`` -> RP 2018).
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pandas as pd

from .base import Dataset, Product, register
from .invariants import check_communes, check_total
from .readers import normalise_code, open_text, read_csv_text, require_columns


@register
class Comparateur(Product):
    key = "comparateur"
    label = "Comparateur de territoires, base communale"
    pattern = r"base_cc_comparateur(_csv)?(_(?P<year>\d{4}))?\.(zip|csv)"
    example_name = "base_cc_comparateur_csv.zip"
    folder = "comparateur"
    url = "https://www.insee.fr/fr/statistiques/fichier/2521169/base_cc_comparateur_csv.zip"

    def datasets_for(self, path: Path, match):
        census = self.census_year(path)
        # INSEE publishes it in COG of census year + 3 (RP 2018 -> COG 2021).
        return [Dataset(self.key, path, vintage=census, geo_year=census + 3, level="COM")]

    @staticmethod
    def census_year(path: Path) -> int:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                name = next(n for n in zf.namelist() if "meta" not in n.lower())
                with zf.open(name) as fh:
                    header = fh.readline().decode("utf-8-sig", "replace")
        else:
            with open(path, encoding="utf-8-sig", errors="replace") as fh:
                header = fh.readline()
        match = re.search(r"P(\d{2})_POP\b", header)
        return 2000 + int(match.group(1)) if match else 0

    def citation(self, ds: Dataset) -> str:
        return f"Insee, comparateur de territoires (RP {ds.vintage}, géographie {ds.geo_year})"

    def read(self, ds: Dataset) -> pd.DataFrame:
        df = require_columns(read_csv_text(open_text(ds.path), source=str(ds.path)), ["CODGEO"], ds.path)
        df["CODGEO"] = normalise_code(df["CODGEO"], 5)
        check_communes(df["CODGEO"], ds.path)  # a truncated file would shrink every total
        pop = next((c for c in df.columns if re.fullmatch(r"P\d{2}_POP", c)), None)
        if pop is not None:
            check_total(df[pop], df["CODGEO"], ds.path, "la population", 60e6, 75e6)
        return df
