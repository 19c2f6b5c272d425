"""Recensement de la population, bases infracommunales (IRIS).

Four themes, each read from either of two kinds of file:

* INSEE's national files, e.g. ``base-ic-evol-struct-pop-2019_csv.zip`` (or the
  ``.csv``/``.CSV`` member, or the ``.xlsx`` workbook): faithful originals;
* third-party per-département extracts, e.g. ``evol_struc_pop_61.csv``
  (klopstock-dviz/immo_vis): column subsets, the commune column renamed
  ``INSEE_COM``, and theme-specific defects handled here:

  - ``couples_familles_menages_DD.csv`` has an extra ``LAB_IRIS`` column and
    repeats its last 8 columns (same names, same values): the repeats are
    dropped after checking that they are identical;
  - ``activite_residents_DD.csv`` has **no IRIS column**; its rows match
    one-to-one, in the same order, those of ``evol_struc_pop_DD.csv``: the
    IRIS code is taken from there by row position, after checking that the
    commune and ``TYP_IRIS`` agree row by row. It lacks
    ``C19_ACTOCC15P_TCOM`` (public transport), which is not invented;
  - ``logement_DD.csv`` is RP **2017** (``P17_`` columns) although it sits in
    an ``rp2019-iris`` folder; its values are rounded to integers.

  The extracts do not cover every commune of their département (e.g. 185 of
  the 385 Orne communes): missing communes are missing, never zero.

The vintage is read from the column prefixes (``P19_``/``C19_`` -> RP 2019),
never from the folder. INSEE publishes RP N in the geography of 1 January
N + 2 (RP 2019 -> COG 2021, RP 2017 -> COG 2019).

When an official national file and extracts of the same vintage are both in
the mirror, only the official file is used (summing both would double count).
"""
from __future__ import annotations

import csv
import functools
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pandas as pd

from .. import store
from ..errors import MissingData, UnreadableData
from .base import REGISTRY, Dataset, Product, register
from .caf import sum_to_communes
from .readers import (departement_of, normalise_code, open_text, read_csv, read_csv_text, read_excel,
                      sniff_separator)

#: Census figures: ``P19_POP``, ``C19_MEN``, ``P17_RP_VOIT1P``...
FIGURE = re.compile(r"[PC](\d{2})_\w+")

#: Names of the commune column, in order of preference (``CODGEO`` only when 5 characters).
COMMUNE_ALIASES = ("COM", "INSEE_COM", "DEPCOM", "CODGEO")


@dataclass(frozen=True)
class IrisDataset(Dataset):
    """A file of an RP IRIS base; ``third_party`` is True for a per-département
    extract made by a third party (``part`` = its département), False for
    INSEE's original file."""

    third_party: bool = False


def is_third_party(ds: Dataset) -> bool:
    """True when the dataset is not a faithful original (works for any Dataset)."""
    return bool(getattr(ds, "third_party", False))


def vintage_of_columns(columns) -> int:
    """Census year from the variable names (``P19_POP`` -> 2019; latest year if several)."""
    years = [int(m.group(1)) for c in columns if (m := FIGURE.fullmatch(str(c).strip()))]
    return 2000 + max(years) if years else 0


def _split_header(line: str) -> list[str]:
    line = line.lstrip("\ufeff").rstrip("\r\n")
    sep = sniff_separator(line)
    return [c.strip().lstrip("\ufeff") for c in next(csv.reader([line], delimiter=sep))]


@functools.lru_cache(maxsize=256)
def _header(path: str, member: str | None, size: int, mtime: float) -> tuple[str, ...]:
    """Column names of a CSV file or zip member (size and mtime key the cache)."""
    if member:
        with zipfile.ZipFile(path) as zf, zf.open(member) as fh:
            line = fh.readline().decode("utf-8-sig", "replace")
    else:
        with open(path, encoding="utf-8-sig", errors="replace") as fh:
            line = fh.readline()
    return tuple(_split_header(line))


def header(path: Path, member: str | None = None) -> tuple[str, ...]:
    stat = path.stat()
    return _header(str(path), member, stat.st_size, stat.st_mtime)


class RpIris(Product):
    coverage_hint = ("les extraits départementaux de la base infracommunale ne couvrent pas toutes "
                     "les communes ; la base officielle de l'Insee les couvrirait")
    """One theme of the RP IRIS bases; subclasses only name the theme and files."""

    producer = "Insee"
    folder = "rp2019-iris"
    code_column = "IRIS"
    #: French name of the theme, e.g. « Couples, familles, ménages ».
    theme: ClassVar[str]
    #: Name stem of the third-party extracts (``<stem>_61.csv``).
    extract_stem: ClassVar[str]
    #: Name stem of INSEE's files (``base-ic-<stem>-2019_csv.zip``).
    insee_stem: ClassVar[str]
    #: INSEE's statistiques page id of the RP 2019 file.
    insee_page: ClassVar[str]

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "theme" not in cls.__dict__:
            return
        cls.label = f"Recensement de la population, base infracommunale (IRIS) – {cls.theme}"
        cls.pattern = (rf"(?P<stem>{cls.extract_stem})_(?P<part>\d{{2,3}}|2[AB])\.csv"
                       rf"|base-ic-{cls.insee_stem}-(?P<year>\d{{4}})(?P<com>-com)?(_csv)?\.(zip|csv|xlsx)")
        cls.example_name = f"base-ic-{cls.insee_stem}-2019_csv.zip"
        cls.url = (f"https://www.insee.fr/fr/statistiques/fichier/{cls.insee_page}/"
                   f"base-ic-{cls.insee_stem}-2019_csv.zip")

    # --- discovery ----------------------------------------------------------
    def datasets(self, mirror: Path | None = None) -> list[Dataset]:
        found: dict[str, Dataset] = {}
        for ds in super().datasets(mirror):
            found.setdefault(ds.id, ds)  # same file as zip and csv: keep one
        official = {d.vintage for d in found.values() if not is_third_party(d)}
        return [d for d in found.values() if not (is_third_party(d) and d.vintage in official)]

    def datasets_for(self, path: Path, match) -> list[Dataset]:
        groups = match.groupdict()
        if groups.get("part"):
            vintage = self._vintage(path, None)
            return [self._dataset(path, vintage, part=groups["part"].upper(), third_party=True)]
        part = "com" if groups.get("com") else ""
        suffix = path.suffix.lower()
        if suffix == ".xlsx":  # reading a workbook's header is slow: trust INSEE's name
            return [self._dataset(path, int(groups["year"]), part=part)]
        if suffix == ".zip":
            member_re = re.compile(rf"(?:.*/)?base-ic-{self.insee_stem}-\d{{4}}(?P<com>-com)?\.csv", re.I)
            out = []
            try:
                with zipfile.ZipFile(path) as zf:
                    names = zf.namelist()
            except zipfile.BadZipFile as exc:
                raise UnreadableData(f"L'archive {path} est illisible ({exc}).",
                                     "Remplacez-la par le fichier original publié par l'INSEE.") from exc
            for name in names:
                m = member_re.fullmatch(name)
                if m:
                    out.append(self._dataset(path, self._vintage(path, name),
                                             part="com" if m["com"] else "", member=name))
            return out
        return [self._dataset(path, self._vintage(path, None), part=part)]

    def _dataset(self, path: Path, vintage: int, *, part: str = "", member: str | None = None,
                 third_party: bool = False) -> IrisDataset:
        return IrisDataset(self.key, path, vintage=vintage, geo_year=self.geo_year(vintage, path),
                           level="IRIS", part=part, member=member, third_party=third_party)

    def _vintage(self, path: Path, member: str | None) -> int:
        try:
            vintage = vintage_of_columns(header(path, member))
        except (OSError, zipfile.BadZipFile, KeyError) as exc:
            raise UnreadableData(f"Le fichier {path} ne peut pas être lu ({exc}).") from exc
        if not vintage:
            raise UnreadableData(
                f"Le fichier {path.name}{f' ({member})' if member else ''} n'a aucune colonne "
                f"du recensement (P19_…, C19_…) : millésime introuvable.",
                "Remplacez-le par le fichier original publié par l'INSEE.")
        return vintage

    def geo_year(self, vintage: int, path: Path) -> int:
        # INSEE publishes RP N in the geography of 1 January N + 2.
        return vintage + 2

    def is_third_party(self, ds: Dataset) -> bool:
        return is_third_party(ds)

    def citation(self, ds: Dataset) -> str:
        text = f"Insee, RP {ds.vintage}, base infracommunale (IRIS) – {self.theme}"
        if is_third_party(ds):
            text += " (extrait départemental non officiel)"
        return text

    # --- reading ------------------------------------------------------------
    def read(self, ds: Dataset) -> pd.DataFrame:
        """The file as published, with the commune column named ``COM`` and
        ``IRIS`` (9 characters); figures as floats."""
        if ds.path.suffix.lower() == ".xlsx":
            df = read_excel(ds.path, header_marker="IRIS")
        else:
            text = open_text(ds.path, ds.member)
            df = read_csv_text(text, source=str(ds.path))
            df = self._drop_repeated_columns(df, _split_header(text.split("\n", 1)[0]), ds)
        df = self._normalise_codes(df, ds)
        if "IRIS" not in df.columns:
            df = self._iris_from_population(df, ds)
        found = vintage_of_columns(df.columns)
        if found != ds.vintage:
            raise UnreadableData(
                f"Le fichier {ds.path.name} contient des variables du RP {found}, "
                f"alors que le RP {ds.vintage} était attendu.",
                "Vérifiez qu'il s'agit bien du fichier original publié par l'INSEE.")
        return df

    @staticmethod
    def _drop_repeated_columns(df: pd.DataFrame, names: list[str], ds: Dataset) -> pd.DataFrame:
        """Drop columns whose name repeats an earlier one, if their values are identical."""
        if len(names) != df.shape[1] or len(set(names)) == len(names):
            return df
        first: dict[str, int] = {}
        keep = []
        for pos, name in enumerate(names):
            if name not in first:
                first[name] = pos
                keep.append(pos)
                continue
            a, b = df.iloc[:, first[name]], df.iloc[:, pos]
            same = (a == b) | (a.isna() & b.isna())
            if not bool(same.all()):
                raise UnreadableData(
                    f"Le fichier {ds.path.name} contient deux colonnes « {name} » aux valeurs "
                    f"différentes : impossible de savoir laquelle est la bonne.",
                    "Remplacez-le par le fichier original publié par l'INSEE.")
        out = df.iloc[:, keep].copy()
        out.columns = [names[p] for p in keep]
        return out

    @staticmethod
    def _normalise_codes(df: pd.DataFrame, ds: Dataset) -> pd.DataFrame:
        if "COM" not in df.columns:
            for alias in COMMUNE_ALIASES[1:]:
                if alias not in df.columns:
                    continue
                lengths = df[alias].dropna().astype(str).str.len()
                if alias == "CODGEO" and not (lengths == 5).all():
                    continue
                df = df.rename(columns={alias: "COM"})
                break
        if "IRIS" not in df.columns and "CODGEO" in df.columns:
            if (df["CODGEO"].dropna().astype(str).str.len() == 9).all():
                df = df.rename(columns={"CODGEO": "IRIS"})
        if "IRIS" in df.columns:
            df["IRIS"] = normalise_code(df["IRIS"], 9)
            if "COM" not in df.columns:
                df.insert(0, "COM", df["IRIS"].str[:5])
        if "COM" not in df.columns:
            raise UnreadableData(
                f"Le fichier {ds.path.name} n'a pas de colonne commune "
                f"({', '.join(COMMUNE_ALIASES)}) ni de colonne IRIS.",
                "Remplacez-le par le fichier original publié par l'INSEE.")
        df["COM"] = normalise_code(df["COM"], 5)
        return df

    def _iris_from_population(self, df: pd.DataFrame, ds: Dataset) -> pd.DataFrame:
        """IRIS codes of a third-party extract that lacks them, taken by row
        position from the population extract of the same département.

        The store keys the result on the extract's own file: replacing only the
        population extract does not re-ingest it (clear the store if you do).
        """
        name = ds.path.name
        if not is_third_party(ds):
            raise UnreadableData(f"Le fichier {name} n'a pas de colonne IRIS.",
                                 "Remplacez-le par le fichier original publié par l'INSEE.")
        population = REGISTRY[RpIrisPopulation.key]
        candidates = [d for d in population.datasets()
                      if is_third_party(d) and d.part == ds.part and d.vintage == ds.vintage]
        candidates.sort(key=lambda d: d.path.parent != ds.path.parent)  # same folder first
        expected = f"{population.extract_stem}_{ds.part}.csv"
        if not candidates:
            raise MissingData(
                f"Le fichier {name} n'a pas de colonne IRIS : elle est reprise, ligne à ligne, "
                f"du fichier {expected} du même département (RP {ds.vintage}), absent du miroir.",
                f"Placez {expected} à côté de {name}, puis relancez.")
        ref_ds = candidates[0]
        ref = self._normalise_codes(read_csv(ref_ds.path), ref_ds)
        problem = None
        if len(ref) != len(df):
            problem = f"{len(df)} lignes contre {len(ref)}"
        else:
            for column in ("COM", "TYP_IRIS"):
                if column not in df.columns or column not in ref.columns:
                    problem = f"colonne {column} absente"
                    break
                differ = (df[column].astype(str).to_numpy() != ref[column].astype(str).to_numpy())
                if differ.any():
                    row = int(differ.argmax())
                    problem = (f"{column} diffère à la ligne {row + 2} "
                               f"({df[column].iloc[row]} contre {ref[column].iloc[row]})")
                    break
        if problem:
            raise UnreadableData(
                f"Le fichier {name} n'a pas de colonne IRIS et ses lignes ne correspondent pas "
                f"à celles de {ref_ds.path.name} ({problem}) : les codes IRIS ne peuvent pas "
                f"être repris par position.",
                "Utilisez les fichiers originaux de l'INSEE (base-ic-…), qui contiennent la colonne IRIS.")
        df = df.copy()
        df.insert(df.columns.get_loc("COM") + 1, "IRIS", ref["IRIS"].to_numpy())
        return df

    # --- aggregation ----------------------------------------------------------
    @staticmethod
    def figure_columns(df: pd.DataFrame) -> list[str]:
        """Census figures of a table (``P19_…``, ``C19_…``)."""
        return [c for c in df.columns
                if FIGURE.fullmatch(str(c)) and pd.api.types.is_numeric_dtype(df[c])]

    def to_communes(self, df: pd.DataFrame, ds: Dataset) -> pd.DataFrame:
        """``CODGEO`` (commune) and the census figures summed over its IRIS.

        Only the communes present in the file are returned; a figure is NaN for
        a commune when any of its IRIS is NaN for it.
        """
        figures = self.figure_columns(df)
        totals = sum_to_communes(df, df["COM"].astype(str), figures)
        out = totals.rename_axis("CODGEO").reset_index()
        out["CODGEO"] = out["CODGEO"].astype(str)
        return out


@register
class RpIrisPopulation(RpIris):
    key = "rp_iris_population"
    theme = "Évolution et structure de la population"
    extract_stem = "evol_struc_pop"
    insee_stem = "evol-struct-pop"
    insee_page = "6543200"


@register
class RpIrisFamilles(RpIris):
    key = "rp_iris_familles"
    theme = "Couples, familles, ménages"
    extract_stem = "couples_familles_menages"
    insee_stem = "couples-familles-menages"
    insee_page = "6543224"


@register
class RpIrisActivite(RpIris):
    key = "rp_iris_activite"
    theme = "Activité des résidents"
    extract_stem = "activite_residents"
    insee_stem = "activite-residents"
    insee_page = "6543289"


@register
class RpIrisLogement(RpIris):
    key = "rp_iris_logement"
    theme = "Logement"
    extract_stem = "logement"
    insee_stem = "logement"
    insee_page = "6543302"


def covered_departements(key: str, vintage: int) -> set[str]:
    """Départements for which the mirror holds a file of ``key`` for RP ``vintage``.

    A per-département extract covers its département (even though it may lack
    some of its communes); an official national file covers the départements
    of the communes it lists. Lets a report tell « the file for département X
    is missing » from « the commune is absent from the extract ».
    """
    out: set[str] = set()
    for ds in REGISTRY[key].datasets():
        if ds.vintage != vintage:
            continue
        if is_third_party(ds):
            out.add(ds.part)
            continue
        table = store.load(ds)
        column = "COM" if "COM" in table.columns else "CODGEO"
        out |= {departement_of(c) for c in table[column].dropna().astype(str).unique()}
    return out
