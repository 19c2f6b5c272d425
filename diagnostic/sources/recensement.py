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

import csv
import io
import re
import tempfile
import zipfile
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, ClassVar, Iterable, Iterator

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from ..errors import UnreadableData
from ..vocabulary import ARRONDISSEMENT_PARENT, PLM
from .base import Dataset, Product, register
from .readers import (TEXT_COLUMNS, _main_member, normalise_code, open_text, read_csv_text,
                      read_excel, sniff_separator)

# --- helpers shared with bpe and mobpro ---------------------------------------

#: A commune or arrondissement code (2A/2B for Corsica, 97x for the DOM).
COMMUNE_CODE = re.compile(r"\d[\dAB]\d{3}")


def prefer_one_per_vintage(datasets: Iterable[Dataset], rank: Callable[[Dataset], int]) -> list[Dataset]:
    """Keep one file per (vintage, level): the same product is often in the mirror
    twice (zip and unzipped CSV, CSV and workbook); summing both would double it."""
    best: dict[tuple[int, str], Dataset] = {}
    for ds in datasets:
        key = (ds.vintage, ds.level)
        current = best.get(key)
        if current is None or (rank(ds), ds.path.name) < (rank(current), current.path.name):
            best[key] = ds
    return list(best.values())


def parent_commune(codes: pd.Series) -> pd.Series:
    """The commune of each code: municipal arrondissements become Paris, Lyon, Marseille."""
    codes = codes.astype("string")
    return codes.map(ARRONDISSEMENT_PARENT).astype("string").fillna(codes)


def with_parent_communes(df: pd.DataFrame) -> pd.DataFrame:
    """Add Paris, Lyon and Marseille as whole communes when a file only has their
    arrondissements (all of them present). A total is missing, never partial,
    when one arrondissement's figure is secret."""
    numeric = [c for c in df.columns if c != "CODGEO" and pd.api.types.is_numeric_dtype(df[c])]
    present = set(df["CODGEO"].dropna())
    rows = []
    for parent, arms in PLM.items():
        if parent in present or not set(arms) <= present:
            continue
        part = df.loc[df["CODGEO"].isin(arms), numeric]
        total = part.sum(min_count=1).where(~part.isna().any())
        rows.append({"CODGEO": parent, **total.to_dict()})
    if not rows:
        return df
    extra = pd.DataFrame(rows, columns=["CODGEO", *numeric])
    extra["CODGEO"] = extra["CODGEO"].astype("string")
    extra[numeric] = extra[numeric].astype("float64")
    return pd.concat([df, extra], ignore_index=True)


def structure_error(path: Path, detail: str) -> UnreadableData:
    return UnreadableData(
        f"Le fichier {path.name} n'a pas la structure attendue ({detail}).",
        f"Remplacez {path} par le fichier original publié par l'Insee, non modifié.",
    )


@contextmanager
def _open_binary(path: Path, member: str | None = None):
    """The bytes of a file, or of the data member of a zip archive."""
    archive = None
    try:
        if path.suffix.lower() == ".zip" and not zipfile.is_zipfile(path):
            raise zipfile.BadZipFile("archive zip invalide ou tronquée")
        if path.suffix.lower() != ".xlsx" and zipfile.is_zipfile(path):
            archive = zipfile.ZipFile(path)
            fh = archive.open(member or _main_member(archive))
        else:
            fh = open(path, "rb")
    except (OSError, zipfile.BadZipFile, KeyError) as exc:
        if archive is not None:
            archive.close()
        raise UnreadableData(
            f"Le fichier {path} ne peut pas être lu ({exc}).",
            "Remplacez-le par le fichier original publié par l'Insee.",
        ) from exc
    try:
        yield fh
    finally:
        fh.close()
        if archive is not None:
            archive.close()


def _clean(name: str) -> str:
    return str(name).strip().lstrip("\ufeff").strip('"')


def csv_header(path: Path, member: str | None = None) -> tuple[list[str], str]:
    """Column names and separator of a (possibly zipped) published CSV."""
    with _open_binary(path, member) as fh:
        first = fh.readline().decode("utf-8-sig", "replace").rstrip("\r\n")
    if not first.strip():
        raise structure_error(path, "fichier vide")
    sep = sniff_separator(first)
    return [_clean(c) for c in first.split(sep)], sep


def read_csv_chunks(path: Path, required: Iterable[str], optional: Iterable[str] = (), *,
                    member: str | None = None, block_size: int = 1 << 24) -> Iterator[pd.DataFrame]:
    """Read only some columns of a large published CSV, as strings, block by block.

    Detail files (BPE one row per facility, MOBPRO) have millions of rows: they
    are aggregated block by block instead of being loaded whole. Arrow's CSV
    reader is used because it is fast and strict: a row with more or fewer
    fields than the header raises :class:`UnreadableData` (pandas would shift
    or truncate it silently). Unread columns are not decoded, so accented
    labels in any encoding do not matter.
    """
    columns, sep = csv_header(path, member)
    required = list(required)
    missing = [c for c in required if c not in columns]
    if missing:
        raise structure_error(path, "colonne(s) absente(s) : " + ", ".join(missing))
    wanted = list(dict.fromkeys(c for c in columns if c in {*required, *optional}))
    with _open_binary(path, member) as fh:
        try:
            reader = pacsv.open_csv(
                fh,
                read_options=pacsv.ReadOptions(column_names=_unique(columns), skip_rows=1,
                                               block_size=block_size),
                parse_options=pacsv.ParseOptions(delimiter=sep),
                convert_options=pacsv.ConvertOptions(
                    include_columns=wanted, column_types={c: pa.string() for c in wanted},
                    check_utf8=False, strings_can_be_null=False, quoted_strings_can_be_null=False),
            )
            for batch in reader:
                chunk = batch.to_pandas()
                yield chunk.astype({c: "string" for c in chunk.columns})
        except (zipfile.BadZipFile, EOFError) as exc:  # damaged member, found while reading
            raise structure_error(path, f"archive endommagée : {exc}") from exc
        except pa.ArrowInvalid as exc:
            wrong = re.search(r"Expected (\d+) columns, got (\d+): ?(.*)", str(exc))
            if wrong:
                row = wrong.group(3).strip()[:80]
                detail = (f"une ligne a {wrong.group(2)} champs au lieu de {wrong.group(1)}"
                          + (f" : « {row} »" if row else ""))
            else:
                detail = f"lecture impossible : {exc}"
            raise structure_error(path, detail) from exc


def _unique(names: list[str]) -> list[str]:
    """Header names made unique (``X``, ``X.1``...): the first one keeps its name."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        count = seen.get(name, 0)
        out.append(name if count == 0 else f"{name}.{count}")
        seen[name] = count + 1
    return out


def check_field_counts(text: str, path: Path) -> None:
    """Every row of a published CSV has the header's number of fields (a trailing
    empty field is tolerated); pandas would silently shift a longer row."""
    first = text.split("\n", 1)[0]
    sep = sniff_separator(first)
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    width = len(next(reader, []))
    for number, row in enumerate(reader, start=2):
        if len(row) == width or not any(cell.strip() for cell in row):
            continue
        if len(row) == width + 1 and not row[-1].strip():
            continue
        raise structure_error(path, f"ligne {number} : {len(row)} champs au lieu de {width}")


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
