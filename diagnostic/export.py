"""Exports of indicator and finding tables: terminal table, CSV, JSON, xlsx.

CSV files use ``;`` and a decimal comma with a UTF-8 BOM, so that they open
straight in a French spreadsheet; JSON keeps the tidy English keys of the
public interface. Workbooks have one sheet per theme with French headers and a
sheet of sources and notes. Every file is written atomically.

Spreadsheet outputs (CSV and xlsx) neutralise text cells that a spreadsheet
would run as a formula (OWASP « CSV injection »: text starting with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return gets a leading apostrophe),
while numbers, negative ones included, stay numbers. Columns of levels are
keyed by level and code, never by name alone: Paris the commune and Paris the
département, or two Saint-Denis, are two columns.
"""
from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pandas as pd

from .atomic import atomic_path, write_text
from .catalogue import THEMES
from .errors import DiagnosticError
from .text import format_number

FORMATS = ("table", "csv", "json", "xlsx")

INDICATOR_HEADERS_FR = {
    "id": "Identifiant", "theme": "Thème", "label": "Indicateur", "unit": "Unité",
    "level": "Niveau", "code": "Code", "name": "Territoire", "value": "Valeur",
    "source": "Source", "vintage": "Millésime", "geo_year": "Géographie (COG)", "note": "Note",
    "coverage_communes": "Communes couvertes", "communes": "Communes du territoire",
    "coverage_population": "Part de la population couverte",
}
FINDING_HEADERS_FR = {
    "axis_label": "Axe CTG candidat", "status": "Nature", "sentence": "Constat",
    "label": "Indicateur", "reference_name": "Référence", "value": "Valeur du territoire",
    "reference_value": "Valeur de référence", "gap_points": "Écart (points)",
    "gap_relative": "Écart relatif", "source": "Source", "vintage": "Millésime",
}
STATUS_FR = {"enjeu": "Enjeu", "atout": "Atout", "ecart": "Écart notable"}
#: Worksheet names (Excel allows 31 characters).
SHEETS = {"demographie": "Démographie", "familles": "Familles et ménages",
          "enfance_jeunesse": "Enfance-jeunesse", "vieillissement": "Vieillissement",
          "revenus": "Revenus et précarité", "caf": "Allocataires CAF", "logement": "Logement",
          "emploi": "Emploi", "equipements": "Équipements", "mobilite": "Mobilité"}
LEVEL_FR = {"territoire": "Territoire", "departement": "Département", "region": "Région",
            "france": "France", "pair": "Comparaison"}


#: First characters that make a spreadsheet read a text cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d[\d\s\u00a0\u202f]*)([.,]\d+)?([eE][+-]?\d+)?%?")


def safe_cell(value):
    """``value`` made inert for a spreadsheet: formula-like text gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value.strip()):
        return "'" + value
    return value


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells and headers cannot run as formulas (numbers untouched)."""
    out = df.rename(columns={c: safe_cell(c) for c in df.columns if isinstance(c, str)})
    for column in out.columns:
        if not pd.api.types.is_numeric_dtype(out[column]):  # object or pandas "str" columns
            out[column] = out[column].map(safe_cell)
    return out


def level_columns(df: pd.DataFrame) -> dict[tuple[str, str], str]:
    """A distinct header for each (level, code) of ``df``, in order of appearance.

    The name when it is unique (or for the territory itself); otherwise the name and its
    level (« Paris (département) »), or its code when two columns share name and level
    (two comparison communes).
    """
    keys = list(dict.fromkeys(zip(df["level"], df["code"].astype(str), df["name"])))
    names = [name for _, _, name in keys]
    by_level = [(name, level) for level, _, name in keys]
    out = {}
    for level, code, name in keys:
        label = str(name)
        if names.count(name) > 1 and level != "territoire":
            label = (f"{name} ({LEVEL_FR.get(level, level).lower()})" if by_level.count((name, level)) == 1
                     else f"{name} ({code})")
        out[(level, code)] = label
    return out


def _with_column(df: pd.DataFrame) -> pd.DataFrame:
    labels = level_columns(df)
    return df.assign(column=[labels[(lv, str(c))] for lv, c in zip(df["level"], df["code"])])


def _clean(value):
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def to_records(df: pd.DataFrame) -> list[dict]:
    return [{k: _clean(v) for k, v in row.items()} for row in df.to_dict(orient="records")]


def write(df: pd.DataFrame, fmt: str, path: str | Path | None, kind: str = "indicateurs") -> str | None:
    """Write ``df`` in ``fmt`` to ``path`` (or return the text when ``path`` is None)."""
    if fmt not in FORMATS:
        raise DiagnosticError(f"Format inconnu « {fmt} ».", f"Formats possibles : {', '.join(FORMATS)}.")
    if fmt == "xlsx":
        if path is None:
            raise DiagnosticError("Le format xlsx demande un fichier de sortie.",
                                  "Ajoutez --sortie FICHIER.xlsx.")
        (indicators_workbook if kind == "indicateurs" else findings_workbook)(df, path)
        return None
    if fmt == "json":
        text = json.dumps(to_records(df), ensure_ascii=False, indent=1)
    elif fmt == "csv":
        text = neutralise_formulas(df).to_csv(sep=";", decimal=",", index=False)
    else:
        text = indicators_text(df) if kind == "indicateurs" else findings_text(df)
    if path is None:
        return text
    if fmt == "csv":
        text = "\ufeff" + text
    write_text(path, text)
    return None


# ---------------------------------------------------------------------------
# Display
# ---------------------------------------------------------------------------
def _fmt_value(value, decimals, unit) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n.d."
    return format_number(value, int(decimals), "%" if str(unit).startswith("%") else "")


def wide_display(df: pd.DataFrame) -> pd.DataFrame:
    """Indicators as rows, levels as columns, values formatted in French."""
    df = _with_column(df)
    columns = list(dict.fromkeys(df["column"]))
    rows = []
    for ident, group in df.groupby("id", sort=False):
        first = group.iloc[0]
        row = {"Thème": THEMES.get(first["theme"], first["theme"]), "Indicateur": first["label"],
               "Unité": first["unit"]}
        for _, r in group.iterrows():
            row[r["column"]] = _fmt_value(r["value"], r["decimals"], r["unit"])
        own = group[group["level"] == "territoire"].iloc[0]
        row["Source"] = f"{own['source']}".strip()
        row["Note"] = own["note"]
        rows.append(row)
    out = pd.DataFrame(rows)
    return out[["Thème", "Indicateur", "Unité", *columns, "Source", "Note"]]


def indicators_text(df: pd.DataFrame) -> str:
    wide = wide_display(df)
    lines = []
    names = [c for c in wide.columns if c not in ("Thème", "Indicateur", "Unité", "Source", "Note")]
    width = max(len(x) for x in wide["Indicateur"]) if len(wide) else 20
    width = min(width, 60)
    for theme, group in wide.groupby("Thème", sort=False):
        lines.append("")
        lines.append(theme.upper())
        lines.append(" " * (width + 2) + "".join(f"{n[:16]:>18}" for n in names))
        for _, r in group.iterrows():
            label = r["Indicateur"] if len(r["Indicateur"]) <= width else r["Indicateur"][: width - 1] + "…"
            unit = f" ({r['Unité']})" if r["Unité"] and not str(r["Unité"]).startswith("%") else ""
            lines.append(f"  {label:<{width}}" + "".join(f"{str(r[n]):>18}" for n in names))
            if r["Note"] and r[names[0]] == "n.d.":
                lines.append(f"      ↳ {r['Note']}")
            elif unit:
                pass
    sources = sorted({s for s in df["source"] if s})
    lines.append("")
    lines.append("Sources : " + " ; ".join(sources))
    return "\n".join(lines).lstrip("\n") + "\n"


def findings_text(df: pd.DataFrame) -> str:
    if df.empty:
        return "Aucun écart marqué avec les territoires de référence au regard des seuils.\n"
    lines = []
    for axis, group in df.groupby("axis_label", sort=False):
        lines.append(axis.upper())
        seen = set()
        for _, r in group.iterrows():
            if r["sentence"] in seen:
                continue
            seen.add(r["sentence"])
            lines.append(f"  [{STATUS_FR.get(r['status'], r['status'])}] {r['sentence']}")
        lines.append("")
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# Workbooks
# ---------------------------------------------------------------------------
def _autosize(ws) -> None:
    for column in ws.columns:
        length = max((len(str(c.value)) if c.value is not None else 0) for c in column)
        ws.column_dimensions[column[0].column_letter].width = min(max(10, length + 2), 70)


def indicators_workbook(df: pd.DataFrame, path: str | Path) -> Path:
    """One sheet per theme (indicators × levels, numbers kept numeric), plus sources and data."""
    path = Path(path)
    df = _with_column(df)
    names = list(dict.fromkeys(df["column"]))
    with atomic_path(path, suffix=".xlsx") as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            for theme, group in df.groupby("theme", sort=False):
                own = group[group["level"] == "territoire"].set_index("id")
                values = group.pivot(index="id", columns="column", values="value")
                sheet_df = pd.DataFrame({"Identifiant": own.index, "Indicateur": own["label"].values,
                                         "Unité": own["unit"].values})
                for name in names:
                    if name in values.columns:
                        sheet_df[name] = values[name].reindex(own.index).values
                sheet_df["Source"] = own["source"].values
                sheet_df["Millésime"] = own["vintage"].values
                sheet_df["Note"] = own["note"].values
                sheet = SHEETS.get(theme, theme)[:31]
                neutralise_formulas(sheet_df).to_excel(writer, sheet_name=sheet, index=False)
                _autosize(writer.sheets[sheet])
            notes = df[["label", "level", "name", "source", "vintage", "geo_year", "note"]]
            notes = notes.assign(level=notes["level"].map(LEVEL_FR))
            neutralise_formulas(notes.rename(columns=INDICATOR_HEADERS_FR)).to_excel(writer, sheet_name="Sources et notes",
                                                                index=False)
            _autosize(writer.sheets["Sources et notes"])
            long = df[[c for c in INDICATOR_HEADERS_FR if c in df.columns]].rename(columns=INDICATOR_HEADERS_FR)
            neutralise_formulas(long).to_excel(writer, sheet_name="Données (format long)", index=False)
    return path


def findings_workbook(df: pd.DataFrame, path: str | Path) -> Path:
    path = Path(path)
    cols = [c for c in FINDING_HEADERS_FR if c in df.columns]
    out = df[cols].assign(status=df["status"].map(STATUS_FR)).rename(columns=FINDING_HEADERS_FR)
    with atomic_path(path, suffix=".xlsx") as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            neutralise_formulas(out).to_excel(writer, sheet_name="Enjeux", index=False)
            _autosize(writer.sheets["Enjeux"])
    return path
