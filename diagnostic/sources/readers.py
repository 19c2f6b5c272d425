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
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import UnreadableData

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
