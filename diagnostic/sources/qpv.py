"""Données des quartiers prioritaires de la politique de la ville (QPV), Insee.

Three themes, one file per edition: ``DEMO_YYYY.csv`` (population, ages,
households, CAF allocataires and covered children), ``REVN_YYYY.csv`` (income
per consumption unit, poverty rate ``TP60``, income shares, CMU-C/C2S, CAF
allocataires of RSA, AAH, prime d'activité) and ``IPRO_YYYY.csv`` (employment
rates, subsidised contracts, job seekers). One row per QPV (``CODGEO`` =
``QPDDDnnn``, its first digits are the département), plus, in the 2017-2019
editions, a first row ``Ensemble`` « Ensemble des QPV », the national reference.

As published: UTF-8 with BOM, CRLF, ``;``, ``,`` decimal, **thousands written
with a narrow no-break space U+202F** (``14 036``), up to ~1 000 trailing
empty columns (dropped), empty cell = secret (NaN, never 0). Some columns are
renamed between editions (``EPREC`` → ``EDLIM`` in 2021; a header may carry a
trailing space, stripped).

No vintage column: the year in the file name is the **edition label** of the
source repository. The population behind the DEMO files was checked against
the census (MANIFEST): ``POP_COM`` equals the RP 2013 population in the
2017-2019 editions and the RP 2018 population in 2021-2022
(:data:`CENSUS_OF_EDITION`). The commune is given only by name (``LIB_COM``;
several names for a QPV on several communes): :mod:`diagnostic.quartiers`
links them to commune codes.

Geography: these files describe the QPVs of the 2015 « géographie
prioritaire »; files of the 2024 geography are recognised by a
``_2024``/``QP2024`` marker in their name or by their ``QN…`` codes, and are
preferred when their edition is the latest. ``Dataset.geo_year`` holds the
year of the géographie prioritaire (2015 or 2024), not a COG year.
"""
from __future__ import annotations

import functools
import re
from pathlib import Path

import pandas as pd

from .base import Dataset, Product, register
from .filosofi_niveaux import drop_empty_columns
from .readers import read_csv, require_columns

THEMES = {"DEMO": "démographie et allocataires CAF", "REVN": "revenus et prestations",
          "IPRO": "insertion professionnelle"}

#: Census behind the population figures of each edition, where the MANIFEST verified it.
CENSUS_OF_EDITION = {2017: 2013, 2018: 2013, 2019: 2013, 2021: 2018, 2022: 2018}

#: Code of the national row « Ensemble des QPV ».
ENSEMBLE = "Ensemble"

#: A QPV code: ``QP061005`` (2015 geography) or ``QN…`` (2024 geography).
QPV_CODE = re.compile(r"Q[PN][0-9][0-9AB][0-9]\w*")


def qpv_departement(code: str) -> str:
    """Département of a QPV code: ``QP061005`` -> ``61``, ``QP02A001`` -> ``2A``, ``QP971002`` -> ``971``."""
    dep = str(code)[2:5]
    return dep if dep.startswith("97") else dep[1:]


@register
class Qpv(Product):
    key = "qpv"
    label = "Données des quartiers prioritaires de la politique de la ville"
    pattern = (r"(?P<part>DEMO|REVN|IPRO)_(?P<year>20\d{2})"
               r"(?:_(?:QPV|QP|GEO|geo)?_?(?P<geo>20\d{2}))?\.csv")
    example_name = "DEMO_2022.csv"
    folder = "qpv"
    url = "https://www.insee.fr/fr/statistiques/2500477"

    def datasets_for(self, path: Path, match) -> list[Dataset]:
        year = int(match["year"])
        return [Dataset(self.key, path, year, self.geo_year(year, path), level="QPV",
                        part=match["part"].upper())]

    def geo_year(self, vintage: int, path: Path) -> int:
        """Year of the géographie prioritaire: 2024 when the name says so, else 2015."""
        geo = re.search(r"(?:QPV|QP|GEO)_?(20\d{2})", path.stem, re.IGNORECASE)
        if geo:
            return int(geo.group(1))
        return 2024 if _has_2024_codes(path) else 2015

    def citation(self, ds: Dataset) -> str:
        census = CENSUS_OF_EDITION.get(ds.vintage)
        pop = f" ; population RP {census}" if census and ds.part == "DEMO" else ""
        return (f"Insee, quartiers de la politique de la ville, {THEMES.get(ds.part, ds.part)}, "
                f"édition {ds.vintage} ({ds.path.name}{pop})")

    def read(self, ds: Dataset) -> pd.DataFrame:
        df = drop_empty_columns(read_csv(ds.path, text_columns={"LIB_COM", "LIBGEO"}))
        require_columns(df, ["CODGEO", "LIBGEO"] + (["LIB_COM"] if ds.part == "DEMO" else []),
                        ds.path.name)
        return df.loc[df["CODGEO"].notna()].reset_index(drop=True)

    def to_communes(self, df: pd.DataFrame, ds: Dataset) -> pd.DataFrame:
        # QPV figures are not commune figures: see diagnostic.quartiers.
        return pd.DataFrame({"CODGEO": pd.Series(dtype="string")})


def _has_2024_codes(path: Path) -> bool:
    """True when the first QPV code of the file is of the 2024 geography (``QN…``)."""
    try:
        return _starts_with_2024_codes(str(path), path.stat().st_mtime_ns)
    except OSError:
        return False


@functools.lru_cache(maxsize=256)
def _starts_with_2024_codes(path: str, mtime_ns: int) -> bool:
    """Read once per file version (discovery runs at every look-up)."""
    del mtime_ns  # part of the cache key only
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as fh:
            for _, line in zip(range(5), fh):
                if line.startswith("QN"):
                    return True
    except OSError:
        return False
    return False
