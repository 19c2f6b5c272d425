"""Données CAF à l'IRIS (Cnaf): ``data_CAF_2020_IRIS.csv``.

One file per year: foyers allocataires, personnes couvertes and the main
benefits (aides au logement, AAH, prime d'activité, RSA...) paid in December of
that year, by IRIS. Only IRIS of communes split into IRIS (about 10 000
inhabitants and more) are published, so commune totals exist for about a
thousand communes only (e.g. L'Aigle 61214 is absent).

Layout, as published (``;`` separator, CRLF):

* 2016-2018: ``CODGEO;LIBGEO;DEPCOM;LIBCOM;EPCI;[UU;]REG;NOTE;A;PERCOU;...``
  (no ``UU`` in 2016); 2016-2017 also ``APRES50;APRES100``;
* 2019-2020: ``CODGEO;NOTE;A;PERCOU;...`` (codes only);
* 2016 and 2017 start with a UTF-8 BOM and write thousands with a narrow
  no-break space (U+202F, ``1 045``);
* blank cells are secret statistique / not released: rows with ``NOTE = 3``
  are entirely blank, and other rows have single blank cells. They stay NaN
  (never 0), and a commune total built from a blank IRIS is NaN too.

``CODGEO`` is the 9-character IRIS code; the commune is its first 5
characters (``DEPCOM`` when the file has it; they agree in every file).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import UnreadableData
from .base import Dataset, Product, register
from .readers import normalise_code, read_csv, sum_complete

#: Columns of the CAF files that are codes, labels or flags, never figures.
CAF_ID_COLUMNS = ("CODGEO", "LIBGEO", "DEPCOM", "LIBCOM", "EPCI", "UU", "REG", "NOTE")

#: NOTE value of the IRIS whose figures are not released (entirely blank rows).
NOTE_SECRET = 3

#: IRIS geography (COG year) of each CAF file, checked against the commune
#: events of the COG:
#: * the December 2016 file still has Équeurdreville-Hainneville (50173) and
#:   Tourlaville (50602), merged into Cherbourg-en-Cotentin on 1 January 2016,
#:   and Annecy-le-Vieux, Cran-Gevrier, Seynod (merged on 1 January 2017):
#:   it uses the 2015 IRIS geography;
#: * the December 2017 file has dropped the 2017 Annecy merger and already puts
#:   Léhon's IRIS in Dinan (merged on 1 January 2018), but still has
#:   Château-d'Olonne, Olonne-sur-Mer and Courcouronnes (merged on 1 January
#:   2019): 2018 geography;
#: * the December 2018 file has Les Sables-d'Olonne, Montaigu-Vendée,
#:   Évry-Courcouronnes as merged on 1 January 2019: 2019 geography.
#: Other years: assumed to be the IRIS geography of the following January
#: (not contradicted by the 2019 and 2020 files, but not provable from them).
GEO_YEARS = {2016: 2015, 2017: 2018, 2018: 2019}


def sum_to_communes(df: pd.DataFrame, commune: pd.Series, columns: list[str]) -> pd.DataFrame:
    """Sum IRIS rows to their commune, column by column, without partial totals.

    A commune total is NaN for a column as soon as one of its IRIS is NaN
    (secret or not released) for that column: a partial sum is never presented
    as a total. Returns a frame indexed by commune code (sorted).
    """
    return sum_complete(df[columns].astype("float64"), commune.astype(str).to_numpy())


@register
class CafIris(Product):
    coverage_hint = ("les données CAF à l'IRIS ne couvrent que les communes découpées en IRIS "
                     "(environ 10 000 habitants ou plus)")
    key = "caf_iris"
    label = "Données CAF à l'IRIS"
    producer = "Cnaf"
    pattern = r"data_CAF_(?P<year>\d{4})_IRIS\.csv"
    example_name = "data_CAF_2020_IRIS.csv"
    folder = "caf"
    #: The Cnaf open data portal (no stable file URL: nothing is downloaded).
    url = "https://data.caf.fr"
    code_column = "CODGEO"

    def datasets_for(self, path: Path, match) -> list[Dataset]:
        year = int(match["year"])
        # Vintage: the year of the file (benefits paid in December of that year).
        return [Dataset(self.key, path, vintage=year, geo_year=self.geo_year(year, path),
                        level="IRIS")]

    def geo_year(self, vintage: int, path: Path) -> int:
        return GEO_YEARS.get(vintage, vintage + 1)

    def citation(self, ds: Dataset) -> str:
        return f"Cnaf, données CAF à l'IRIS, décembre {ds.vintage}"

    def read(self, ds: Dataset) -> pd.DataFrame:
        """The file as published: codes and labels as strings, NOTE and figures as floats."""
        df = read_csv(ds.path, member=ds.member, sep=";")
        if "CODGEO" not in df.columns or "NOTE" not in df.columns:
            raise UnreadableData(
                f"Le fichier {ds.path.name} n'a pas les colonnes CODGEO et NOTE des données CAF à l'IRIS.",
                "Remplacez-le par le fichier original publié par la Cnaf.")
        not_numeric = [c for c in df.columns
                       if c not in CAF_ID_COLUMNS and not pd.api.types.is_numeric_dtype(df[c])]
        if not_numeric or not pd.api.types.is_numeric_dtype(df["NOTE"]):
            raise UnreadableData(
                f"Le fichier {ds.path.name} contient des valeurs non numériques dans les colonnes "
                f"{', '.join(not_numeric or ['NOTE'])}.",
                "Vérifiez qu'il s'agit bien du fichier original de la Cnaf, non modifié.")
        df["CODGEO"] = normalise_code(df["CODGEO"], 9)
        if "DEPCOM" in df.columns:
            df["DEPCOM"] = normalise_code(df["DEPCOM"], 5)
        bad = df["CODGEO"].isna() | (df["CODGEO"].str.len() != 9)
        if bad.any():
            raise UnreadableData(
                f"Le fichier {ds.path.name} contient {int(bad.sum())} code(s) IRIS invalides "
                f"(9 caractères attendus).",
                "Vérifiez qu'il s'agit bien du fichier original de la Cnaf, non modifié.")
        return df

    @staticmethod
    def figure_columns(df: pd.DataFrame) -> list[str]:
        """The count columns of a CAF table (A, PERCOU, ..., ARSAS[, APRES50, APRES100])."""
        return [c for c in df.columns
                if c not in CAF_ID_COLUMNS and pd.api.types.is_numeric_dtype(df[c])]

    @staticmethod
    def commune_codes(df: pd.DataFrame) -> pd.Series:
        """Commune of each IRIS row: DEPCOM when present, else the first 5 characters of CODGEO."""
        from_iris = df["CODGEO"].astype(str).str[:5]
        if "DEPCOM" in df.columns:
            depcom = df["DEPCOM"].astype(object)
            return depcom.where(depcom.notna(), from_iris).astype(str)
        return from_iris

    def to_communes(self, df: pd.DataFrame, ds: Dataset) -> pd.DataFrame:
        """Commune totals: ``CODGEO``, the figures, ``IRIS_TOTAL`` and ``IRIS_SECRET``.

        A figure is NaN for a commune when any of its IRIS is blank for it.
        ``IRIS_TOTAL`` counts the commune's IRIS rows, ``IRIS_SECRET`` those
        with ``NOTE = 3`` or no figure at all (not released).
        """
        figures = self.figure_columns(df)
        commune = self.commune_codes(df)
        totals = sum_to_communes(df, commune, figures)
        key = commune.to_numpy()
        secret = (df["NOTE"] == NOTE_SECRET) | df[figures].isna().all(axis=1)
        totals["IRIS_TOTAL"] = pd.Series(1, index=df.index).groupby(key, sort=True).sum()
        totals["IRIS_SECRET"] = secret.astype("int64").groupby(key, sort=True).sum()
        out = totals.rename_axis("CODGEO").reset_index()
        out["CODGEO"] = out["CODGEO"].astype(str)
        return out
