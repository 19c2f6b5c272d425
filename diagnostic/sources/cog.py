"""Code officiel géographique (COG): communes, départements, régions, events.

INSEE names: ``v_commune_2023.csv`` (``commune2021.csv``, ``communes2020.csv``
in earlier years), ``v_departement_2023.csv``, ``v_region_2023.csv``,
``v_mvtcommune_2023.csv``, ``v_commune_depuis_1943.csv``.
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .base import Dataset, Product, register
from .invariants import check_communes
from .readers import read_csv, require_columns

COG_URL = "https://www.insee.fr/fr/information/2560452"


class _CogFile(Product):
    producer = "Insee"
    folder = "cog"
    url = COG_URL
    columns: tuple[str, ...] = ()

    def geo_year(self, vintage: int, path: Path) -> int:
        return vintage

    def citation(self, ds: Dataset) -> str:
        return f"Insee, Code officiel géographique {ds.vintage}"

    def read(self, ds: Dataset) -> pd.DataFrame:
        df = read_csv(ds.path, text_columns=set(self.columns))
        require_columns(df, self.columns[:2], ds.path)
        # Keep INSEE's columns only (third-party copies add some, e.g. indic_oe).
        keep = [c for c in df.columns if c in self.columns] if self.columns else list(df.columns)
        return df[keep]


@register
class CogCommunes(_CogFile):
    key = "cog_communes"
    label = "COG : communes, arrondissements municipaux, communes déléguées et associées"
    pattern = r"(v_)?communes?_?(?P<year>\d{4})\.csv"
    example_name = "v_commune_2023.csv"
    columns = ("TYPECOM", "COM", "REG", "DEP", "CTCD", "ARR", "TNCC", "NCC", "NCCENR",
               "LIBELLE", "CAN", "COMPARENT")

    def read(self, ds: Dataset) -> pd.DataFrame:
        df = super().read(ds)
        # A truncated COG would silently shrink France: refuse it (Mayotte is in every COG since 2011).
        check_communes(df.loc[df["TYPECOM"] == "COM", "COM"], ds.path, with_mayotte=ds.vintage >= 2012)
        return df


@register
class CogDepartements(_CogFile):
    key = "cog_departements"
    label = "COG : départements"
    pattern = r"(v_)?departements?_?(?P<year>\d{4})\.csv"
    example_name = "v_departement_2023.csv"
    columns = ("DEP", "REG", "CHEFLIEU", "TNCC", "NCC", "NCCENR", "LIBELLE")


@register
class CogRegions(_CogFile):
    key = "cog_regions"
    label = "COG : régions"
    pattern = r"(v_)?regions?_?(?P<year>\d{4})\.csv"
    example_name = "v_region_2023.csv"
    columns = ("REG", "CHEFLIEU", "TNCC", "NCC", "NCCENR", "LIBELLE")


@register
class CogEvents(_CogFile):
    key = "cog_evenements"
    label = "COG : événements sur les communes depuis 1943"
    pattern = r"(v_)?mvt_?communes?_?(?P<year>\d{4})\.csv"
    example_name = "v_mvtcommune_2023.csv"
    columns = ("MOD", "DATE_EFF", "TYPECOM_AV", "COM_AV", "TNCC_AV", "NCC_AV", "NCCENR_AV",
               "LIBELLE_AV", "TYPECOM_AP", "COM_AP", "TNCC_AP", "NCC_AP", "NCCENR_AP",
               "LIBELLE_AP")


@register
class CogHistory(_CogFile):
    key = "cog_historique"
    label = "COG : communes depuis 1943"
    pattern = r"(v_)?communes?_depuis_1943(_(?P<year>\d{4}))?\.csv"
    example_name = "v_commune_depuis_1943.csv"
    columns = ("COM", "TNCC", "NCC", "NCCENR", "LIBELLE", "DATE_DEBUT", "DATE_FIN")

    def default_vintage(self, path: Path) -> int:
        # The file's name carries no year: its latest date tells the COG vintage.
        dates = re.findall(r"(\d{4})-01-01", path.read_text(encoding="utf-8-sig"))
        return max(int(y) for y in dates)
