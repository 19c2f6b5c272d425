"""Census "bases communales" (chiffres détaillés): ``base-cc-<thème>-<année>``.

INSEE publishes, for each census vintage (RP 2019 in June 2022...), one base
per theme with one row per commune and per municipal arrondissement:

* ``base-cc-evol-struct-pop-2019`` – évolution et structure de la population;
* ``base-cc-coupl-fam-men-2019`` – couples, familles, ménages;
* ``base-cc-logement-2019`` – logement;
* ``base-cc-emploi-pop-active-2019`` – activité des résidents (the 2019 zip
  is published as ``base-ccc-emploi-pop-active-2019.zip``, sic);
* ``base-cc-serie-historique-2019`` – séries historiques (1968 to 2019).

Each comes as a zip holding ``<name>.CSV`` (``;`` separator, ``.`` decimal,
counts are weighted estimates with decimals) and ``meta_<name>.CSV``, and as
an ``.xlsx`` workbook with sheets ``COM`` and ``ARM`` (four title rows, a row
of French labels, then the row of codes starting with ``CODGEO``). The
unzipped CSV is accepted too. The census year comes from the file name.

Geography: the detailed results of RP *N* are published in the COG of
1 January *N* + 3 (RP 2019: « géographie au 01/01/2022 », as INSEE's dossiers
complets state; the comparateur RP 2018 of the mirror is in COG 2021 too). A
``-geoYYYY`` suffix in the file name, when present, wins.

This module also holds small helpers shared with :mod:`.bpe` and
:mod:`.mobpro` (one file per vintage, Paris/Lyon/Marseille totals, chunked
reading of large CSVs).
"""
from __future__ import annotations

import re
import tempfile
import zipfile
from pathlib import Path
from typing import ClassVar, Iterable

import pandas as pd

from ..errors import UnreadableData
from .base import Dataset, Product, register
from .readers import (COMMUNE_CODE, TEXT_COLUMNS, check_field_counts, normalise_code, open_text,
                      prefer_one_per_vintage, read_csv_text, read_excel, with_parent_communes)

def suffix_rank(ds: Dataset) -> int:
    """Plain CSV first (fastest), then zip, then workbook."""
    return {".csv": 0, ".txt": 0, ".zip": 1}.get(ds.path.suffix.lower(), 2)


# --- census bases communales ----------------------------------------------------


def census_pattern(stem: str) -> str:
    """INSEE's names of a base communale: zip, CSV or workbook, ``_csv``/``-xlsx``
    and ``-geoYYYY`` variants, and the 2019 ``base-ccc-`` misspelling."""
    return (rf"base-ccc?-{stem}-(?P<year>\d{{4}})(?:-geo(?P<geo>\d{{4}}))?"
            rf"(?:[_-](?:csv|xlsx))?\.(?:zip|csv|xlsx)")


class CensusBase(Product):
    """A census base communale; subclasses only set names, labels and URLs."""

    folder = "recensement"
    #: French theme, as in INSEE's title (used in citations).
    theme: ClassVar[str]
    #: Official file URLs tried by :meth:`fetch` (the page is ``url``).
    files: ClassVar[tuple[str, ...]] = ()

    def datasets(self, mirror: Path | None = None) -> list[Dataset]:
        return prefer_one_per_vintage(super().datasets(mirror), suffix_rank)

    def geo_year(self, vintage: int, path: Path) -> int:
        geo = re.search(r"-geo(\d{4})", path.name, re.IGNORECASE)
        # RP N detailed results are published in the COG of 1 January N + 3.
        return int(geo.group(1)) if geo else vintage + 3

    def citation(self, ds: Dataset) -> str:
        return f"Insee, RP {ds.vintage} – {self.theme} (géographie {ds.geo_year})"

    def download_urls(self) -> list[str]:
        return list(self.files)

    # --- reading ------------------------------------------------------------
    def read(self, ds: Dataset) -> pd.DataFrame:
        df = read_table(ds.path)
        return self.check(df, ds)

    def check(self, df: pd.DataFrame, ds: Dataset) -> pd.DataFrame:
        """Refuse what is not this base as INSEE publishes it; normalise codes."""
        name = ds.path.name
        if "CODGEO" not in df.columns:
            raise UnreadableData(
                f"Le fichier {name} n'a pas de colonne CODGEO : ce n'est pas la base communale "
                f"« {self.theme} » du recensement telle que publiée par l'Insee.",
                f"Remplacez {ds.path} par le fichier original ({self.example_name}).")
        yy = f"{ds.vintage % 100:02d}"
        if not any(re.match(rf"[PC]{yy}_", str(c)) for c in df.columns):
            raise UnreadableData(
                f"Le fichier {name} ne contient aucune variable du recensement {ds.vintage} "
                f"(P{yy}_…, C{yy}_…) : son nom ne correspond pas à son contenu.",
                f"Remplacez {ds.path} par le fichier original ({self.example_name}).")
        text = [c for c in df.columns
                if c not in TEXT_COLUMNS and not pd.api.types.is_numeric_dtype(df[c])]
        if text:
            raise UnreadableData(
                f"Le fichier {name} contient des valeurs non numériques dans les colonnes "
                f"{', '.join(text[:5])}{' …' if len(text) > 5 else ''}.",
                f"Remplacez {ds.path} par le fichier original publié par l'Insee, non modifié.")
        df = df.copy()
        df["CODGEO"] = normalise_code(df["CODGEO"], 5)
        keep = df["CODGEO"].str.fullmatch(COMMUNE_CODE.pattern).fillna(False).astype(bool)
        df = df.loc[keep].drop_duplicates("CODGEO", keep="first").reset_index(drop=True)
        if df.empty:
            raise UnreadableData(f"Le fichier {name} ne contient aucune commune.",
                                 f"Remplacez {ds.path} par le fichier original publié par l'Insee.")
        return df

    def to_communes(self, df: pd.DataFrame, ds: Dataset) -> pd.DataFrame:
        numeric = [c for c in df.columns if c != "CODGEO" and pd.api.types.is_numeric_dtype(df[c])]
        return with_parent_communes(df[["CODGEO", *numeric]])


def read_table(path: Path) -> pd.DataFrame:
    """A base communale as published: CSV, zipped CSV, workbook or zipped workbook."""
    if path.suffix.lower() == ".xlsx":
        return read_workbook(path)
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            data = [n for n in names if n.lower().endswith((".csv", ".txt"))
                    and not Path(n).name.lower().startswith(("meta", "varmod"))]
            books = [n for n in names if n.lower().endswith(".xlsx")]
            if not data and books:
                member = max(books, key=lambda n: zf.getinfo(n).file_size)
                with tempfile.TemporaryDirectory() as tmp:
                    target = Path(tmp) / Path(member).name
                    target.write_bytes(zf.read(member))
                    return read_workbook(target, shown=path)
    text = open_text(path)
    check_field_counts(text, path)
    return read_csv_text(text, source=str(path))


def read_workbook(path: Path, shown: Path | None = None) -> pd.DataFrame:
    """The ``COM`` and ``ARM`` sheets of an INSEE workbook (``COM_2019``... too)."""
    shown = shown or path
    try:
        with pd.ExcelFile(path) as book:
            sheets = list(book.sheet_names)
    except Exception as exc:  # openpyxl raises many types
        raise UnreadableData(
            f"Le classeur {shown.name} ne peut pas être lu ({exc}).",
            f"Remplacez {shown} par le fichier original publié par l'Insee.") from exc
    chosen = [s for s in sheets if re.fullmatch(r"(COM|ARM)(_?\d{2,4})?", s.strip(), re.IGNORECASE)]
    frames = [read_excel(path, sheet=s) for s in (chosen or sheets[:1])]
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


# --- the five bases ------------------------------------------------------------


@register
class Population(CensusBase):
    key = "rp_population"
    theme = "Évolution et structure de la population"
    label = "Recensement de la population, base communale « Évolution et structure de la population »"
    pattern = census_pattern("evol-struct-pop")
    example_name = "base-cc-evol-struct-pop-2019.zip"
    url = "https://www.insee.fr/fr/statistiques/6456153?sommaire=6456166"


@register
class Familles(CensusBase):
    key = "rp_familles"
    theme = "Couples, familles, ménages"
    label = "Recensement de la population, base communale « Couples – Familles – Ménages »"
    pattern = census_pattern("coupl-fam-men")
    example_name = "base-cc-coupl-fam-men-2019.zip"
    # Page number not verified offline: INSEE's search finds the base by its name.
    url = "https://www.insee.fr/fr/recherche?q=base-cc-coupl-fam-men-2019"


@register
class Logement(CensusBase):
    key = "rp_logement"
    theme = "Logement"
    label = "Recensement de la population, base communale « Logement »"
    pattern = census_pattern("logement")
    example_name = "base-cc-logement-2019.zip"
    url = "https://www.insee.fr/fr/statistiques/6454155?sommaire=6454268"


@register
class Activite(CensusBase):
    key = "rp_activite"
    theme = "Activité des résidents"
    label = "Recensement de la population, base communale « Emploi – Population active »"
    pattern = census_pattern("emploi-pop-active")
    example_name = "base-cc-emploi-pop-active-2019.zip"
    url = "https://www.insee.fr/fr/statistiques/6454652"
    files = ("https://www.insee.fr/fr/statistiques/fichier/6454652/base-ccc-emploi-pop-active-2019.zip",)


@register
class SeriesHistoriques(CensusBase):
    key = "rp_series"
    theme = "Séries historiques"
    label = "Recensement de la population, base communale « Séries historiques »"
    pattern = census_pattern("serie-historique")
    example_name = "base-cc-serie-historique-2019.zip"
    # Page number not verified offline: INSEE's search finds the base by its name.
    url = "https://www.insee.fr/fr/recherche?q=base-cc-serie-historique-2019"


# --- population since 1968 --------------------------------------------------------

#: Population columns of the séries historiques: ``D68_POP`` … ``D99_POP`` are the
#: dénombrements (population sans doubles comptes) of 1968, 1975, 1982, 1990 and
#: 1999; ``P08_POP``, ``P13_POP``, ``P19_POP`` the exploitations principales of the
#: censuses 11, 6 and 0 years before the vintage (``Pyy_POP``).
POPULATION_COLUMN = re.compile(r"(?P<kind>[DP])(?P<yy>\d{2})_POP")


def census_year(yy: str | int) -> int:
    """Two-digit census year of a column name: ``68`` -> 1968, ``08`` -> 2008."""
    y = int(yy)
    return 1900 + y if y >= 50 else 2000 + y


def population_columns(columns: Iterable[str]) -> dict[str, int]:
    """``{column: census year}`` for the population columns of the séries historiques."""
    out = {}
    for col in columns:
        m = POPULATION_COLUMN.fullmatch(str(col))
        if m:
            out[str(col)] = census_year(m["yy"])
    return out


def population_series(data: pd.Series | pd.DataFrame) -> pd.DataFrame:
    """Population since 1968, tidy: one row per census year.

    ``data`` is one row of the séries historiques (a Series) or several rows
    (the communes of a territory), which are summed; a year where one commune
    is missing stays missing rather than being understated. Columns:
    ``ANNEE`` (int), ``POPULATION`` (float), ``VARIABLE`` (``D68_POP``…) and
    ``NATURE`` (« dénombrement » or « exploitation principale »).
    """
    cols = population_columns(data.index if isinstance(data, pd.Series) else data.columns)
    if isinstance(data, pd.Series):
        values = pd.to_numeric(data[list(cols)], errors="coerce")
    else:
        block = data[list(cols)].apply(pd.to_numeric, errors="coerce")
        values = block.sum(min_count=1).where(~block.isna().any())
    out = pd.DataFrame({
        "ANNEE": [cols[c] for c in cols],
        "POPULATION": [float(values[c]) for c in cols],
        "VARIABLE": list(cols),
        "NATURE": ["dénombrement" if c.startswith("D") else "exploitation principale" for c in cols],
    })
    out = out.sort_values(["ANNEE", "NATURE"], ascending=[True, False], kind="stable")
    return out.drop_duplicates("ANNEE", keep="first").reset_index(drop=True)
