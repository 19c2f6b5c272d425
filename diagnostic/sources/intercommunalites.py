"""Intercommunalités (EPCI) and the table d'appartenance géographique.

INSEE names: ``Intercommunalite-Metropole_au_01-01-2021.xlsx`` (sheets ``EPCI``
and ``Composition_communale``, header on row 6) and
``table-appartenance-geo-communes-22.xlsx`` (sheets ``COM`` and ``ARM``).
A CSV of the composition sheet (``EPCI_composition-communale.csv``) is read too
when it is the only copy available.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .base import Dataset, Product, register
from .invariants import check_communes
from .readers import read_csv, read_excel


class _Membership(Product):
    folder = "cog"

    def geo_year(self, vintage: int, path: Path) -> int:
        return vintage


@register
class EpciComposition(_Membership):
    key = "epci"
    label = "Intercommunalités (EPCI) : composition communale"
    pattern = r"Intercommunalite-Metropole_au_01-01-(?P<year>\d{4})\.xlsx|EPCI_composition-communale(_(?P<year2>\d{4}))?\.csv"
    example_name = "Intercommunalite-Metropole_au_01-01-2021.xlsx"
    url = "https://www.insee.fr/fr/information/2510634"

    def datasets_for(self, path, match):
        groups = match.groupdict()
        if groups.get("year"):
            year = int(groups["year"])
            return [Dataset(self.key, path, vintage=year, geo_year=year, level="COM")]
        # The CSV copy: only used when no official workbook is there.
        year = int(groups.get("year2") or 2021)
        return [Dataset(self.key, path, vintage=year, geo_year=year, level="COM", part="csv")]

    def citation(self, ds: Dataset) -> str:
        return f"Insee, Intercommunalités au 1er janvier {ds.vintage}"

    def read(self, ds: Dataset) -> pd.DataFrame:
        if ds.path.suffix.lower() == ".csv":
            df = read_csv(ds.path)
            df["NATURE_EPCI"] = pd.NA
        else:
            df = read_excel(ds.path, sheet="Composition_communale")
            epci = read_excel(ds.path, sheet="EPCI", header_marker="EPCI")
            df = df.merge(epci[["EPCI", "NATURE_EPCI"]], on="EPCI", how="left")
        check_communes(df["CODGEO"], ds.path)  # a truncated composition would drop EPCI members
        return df[["CODGEO", "LIBGEO", "EPCI", "LIBEPCI", "NATURE_EPCI", "DEP", "REG"]].astype("string")


@register
class Appartenance(_Membership):
    key = "appartenance"
    label = "Table d'appartenance géographique des communes"
    pattern = r"table-appartenance-geo-communes-(?P<year>\d{2,4})\.xlsx"
    example_name = "table-appartenance-geo-communes-22.xlsx"
    url = "https://www.insee.fr/fr/information/7671844"

    def datasets_for(self, path, match):
        year = int(match["year"])
        year = year + 2000 if year < 100 else year
        return [Dataset(self.key, path, vintage=year, geo_year=year, level=level, member=sheet)
                for level, sheet in (("COM", "COM"), ("ZONES", "Zones_supra_communales"))]

    def citation(self, ds: Dataset) -> str:
        return f"Insee, table d'appartenance géographique des communes au 1er janvier {ds.vintage}"

    def read(self, ds: Dataset) -> pd.DataFrame:
        if ds.level == "ZONES":  # names of EPCI, arrondissements, zones d'emploi...
            return read_excel(ds.path, sheet=ds.member, header_marker="NIVGEO").astype("string")
        com = read_excel(ds.path, sheet="COM").assign(TYPE="COM")
        try:
            arm = read_excel(ds.path, sheet="ARM").assign(TYPE="ARM")
        except Exception:  # older tables have no ARM sheet
            arm = com.iloc[0:0]
        check_communes(com["CODGEO"], ds.path)
        df = pd.concat([com, arm], ignore_index=True)
        return df.astype("string")
