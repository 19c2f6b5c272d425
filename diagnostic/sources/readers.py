"""Reading INSEE and CAF files exactly as they are published.

INSEE writes CSVs with ``;`` or ``,`` separators, ``.`` or ``,`` decimals,
sometimes a UTF-8 BOM, thousands written with a (narrow) no-break space, and
secret statistique as ``s`` (or blanks). Codes are strings with leading zeros.
These helpers turn any of those layouts into a DataFrame whose identifier
columns are strings and whose figures are floats, markers kept as NaN.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from ..errors import UnreadableData
from ..vocabulary import ARRONDISSEMENT_PARENT, PLM

if TYPE_CHECKING:  # annotations only: base imports nothing from here, but keep readers standalone
    from .base import Dataset

#: Columns that hold codes or labels, never figures.
TEXT_COLUMNS = {
    "CODGEO", "LIBGEO", "COM", "DEPCOM", "INSEE_COM", "LIBCOM", "IRIS", "LIBIRIS",
    "LAB_IRIS", "TYP_IRIS", "MODIF_IRIS", "GRD_QUART", "TRIRIS", "DEP", "REG", "EPCI",
    "LIBEPCI", "NATURE_EPCI", "ARR", "CV", "UU", "UU2010", "UU2020", "TYPEQU", "DCLT",
    "DCFLT", "DCRAT", "CODGEO_DES", "ZE2020", "AAV2020", "BV2012", "DEPCOM_DES",
    "TYPECOM", "COMPARENT", "CAN", "CTCD", "NCC", "NCCENR", "LIBELLE", "TNCC",
    "COM_AV", "COM_AP", "TYPECOM_AV", "TYPECOM_AP", "MOD", "DATE_EFF", "DATE_DEBUT",
    "DATE_FIN", "CHEFLIEU", "LIBREG", "LIBDEP", "LIBARR", "LIBCV", "NOTE_TEXT",
    "codgeo", "libgeo", "an",
}

#: Values INSEE and the Cnaf use for secret statistique or "not applicable".
MISSING_MARKERS = {"", "s", "S", "nd", "ND", "n.d.", "so", "SO", "NA", "#N/D", "nc", "NC", "-"}

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]")


def open_text(path: Path, member: str | None = None) -> str:
    """Return the text of a file, or of a member of a zip archive."""
    try:
        if Path(path).suffix.lower() == ".zip" and not zipfile.is_zipfile(path):
            raise zipfile.BadZipFile("archive zip invalide ou tronquée")
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                name = member or _main_member(zf)
                raw = zf.read(name)
        else:
            raw = Path(path).read_bytes()
    except (OSError, zipfile.BadZipFile, KeyError) as exc:
        raise UnreadableData(
            f"Le fichier {path} ne peut pas être lu ({exc}).",
            "Remplacez-le par le fichier original publié par l'INSEE ou la Cnaf.",
        ) from exc
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableData(f"Encodage illisible : {path}.")  # pragma: no cover - latin-1 always decodes


def _main_member(zf: zipfile.ZipFile) -> str:
    """The data member of an INSEE zip: the largest CSV that is not metadata."""
    names = [n for n in zf.namelist() if n.lower().endswith((".csv", ".txt"))]
    data = [n for n in names if not Path(n).name.lower().startswith(("meta", "varmod"))]
    if not data:
        raise KeyError("aucun fichier CSV de données dans l'archive")
    return max(data, key=lambda n: zf.getinfo(n).file_size)


def departement_of(code: str) -> str:
    """Département of a commune or arrondissement code (``97411`` -> ``974``, ``2A004`` -> ``2A``)."""
    code = str(code)
    return code[:3] if code.startswith("97") else code[:2]


def sum_complete(values: pd.DataFrame, key, sort: bool = True) -> pd.DataFrame:
    """Sum rows by ``key``, column by column, never into a partial total.

    A group's total is NaN for a column as soon as one of its rows is NaN there
    (secret statistique, not released): a partial sum is never shown as a total.
    """
    totals = values.groupby(key, sort=sort).sum(min_count=1)
    return totals.mask(values.isna().groupby(key, sort=sort).any())


def sniff_separator(header: str) -> str:
    counts = {sep: header.count(sep) for sep in (";", ",", "\t", "|")}
    return max(counts, key=counts.get)


def to_number(series: pd.Series) -> pd.Series | None:
    """Convert a column of published figures; ``None`` when it is not numeric.

    Handles ``,`` decimals, thousands written with spaces (incl. U+202F) and
    secret-statistique markers, which become NaN (never 0).
    """
    text = series.astype("string").str.strip()
    missing = text.isna() | text.isin(MISSING_MARKERS)
    cleaned = text.str.replace(_SPACES, "", regex=True).str.replace(",", ".", regex=False)
    numbers = pd.to_numeric(cleaned.where(~missing), errors="coerce")
    failures = numbers.isna() & ~missing
    if failures.any():
        return None
    return numbers.astype("float64")


def normalise_code(series: pd.Series, width: int) -> pd.Series:
    """Codes as strings with their leading zeros (``1001`` -> ``01001``)."""
    s = series.astype("string").str.strip()
    numeric = s.str.fullmatch(r"\d+").fillna(False)
    s = s.where(~(numeric & (s.str.len() < width)), s.str.zfill(width))
    return s


def read_csv_text(
    text: str,
    *,
    sep: str | None = None,
    text_columns: set[str] | frozenset[str] = frozenset(),
    source: str = "",
) -> pd.DataFrame:
    """Parse published CSV text: identifiers stay strings, figures become floats."""
    first_line = text.split("\n", 1)[0]
    sep = sep or sniff_separator(first_line)
    try:
        df = pd.read_csv(
            io.StringIO(text), sep=sep, dtype=str, keep_default_na=False,
            na_values=[], quoting=csv.QUOTE_MINIMAL, skip_blank_lines=True,
        )
    except (pd.errors.ParserError, ValueError) as exc:
        raise UnreadableData(
            f"Le fichier {source} n'a pas la structure attendue ({exc}).",
            "Vérifiez qu'il s'agit bien du fichier original, non modifié.",
        ) from exc
    df.columns = [str(c).strip().lstrip("\ufeff") for c in df.columns]
    # Trailing empty lines (";;;") come out as rows of blanks.
    df = df.loc[~(df == "").all(axis=1)]
    return convert_columns(df, text_columns)


def convert_columns(df: pd.DataFrame, text_columns=frozenset()) -> pd.DataFrame:
    keep_text = TEXT_COLUMNS | set(text_columns)
    out = {}
    for col in df.columns:
        series = df[col]
        if isinstance(series, pd.DataFrame):  # duplicated header: keep the first
            continue
        if col in keep_text:
            out[col] = series.astype("string").str.strip().replace({"": pd.NA})
            continue
        numbers = to_number(series)
        out[col] = numbers if numbers is not None else series.astype("string").replace({"": pd.NA})
    result = pd.DataFrame(out, index=df.index)
    return result.reset_index(drop=True)


def read_csv(path: Path, member: str | None = None, **kwargs) -> pd.DataFrame:
    return read_csv_text(open_text(path, member), source=str(path), **kwargs)


def require_columns(df: pd.DataFrame, columns, source) -> pd.DataFrame:
    """Raise a French UnreadableData when a published column is missing."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise UnreadableData(
            f"Le fichier {source} n'a pas la structure attendue : colonne(s) {', '.join(missing)} absente(s).",
            "Vérifiez qu'il s'agit bien du fichier original, non modifié.")
    return df


def read_excel(path: Path, sheet: str | int = 0, header_marker: str = "CODGEO") -> pd.DataFrame:
    """Read an INSEE workbook whose header row follows a few title rows.

    The code row is found by looking for ``header_marker`` in the first column,
    so the reader does not depend on the exact number of title rows.
    """
    try:
        raw = pd.read_excel(path, sheet_name=sheet, header=None, dtype=str)
    except Exception as exc:  # xlrd/openpyxl raise many types
        raise UnreadableData(
            f"Le classeur {path} (onglet {sheet}) ne peut pas être lu ({exc}).",
            "Remplacez-le par le fichier original publié par l'INSEE.",
        ) from exc
    header_rows = np.flatnonzero(raw.iloc[:, 0].astype(str).str.strip() == header_marker)
    if len(header_rows) == 0:
        raise UnreadableData(
            f"Le classeur {path} (onglet {sheet}) n'a pas de ligne d'en-tête « {header_marker} ».")
    row = header_rows[0]
    df = raw.iloc[row + 1:].copy()
    df.columns = [str(c).strip() for c in raw.iloc[row]]
    df = df.loc[:, [c for c in df.columns if c and c != "nan"]]
    df = df.dropna(how="all").fillna("")
    return convert_columns(df)


# ---------------------------------------------------------------------------
# Large published CSVs read by column and by block (census, BPE, MOBPRO)
# ---------------------------------------------------------------------------

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
