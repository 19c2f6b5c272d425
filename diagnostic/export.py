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
from pathlib import Path

import pandas as pd

from .atomic import write_text
from .catalogue import THEMES, catalogue
from .errors import DiagnosticError
from .findings import HEADERS_FR as FINDINGS_HEADERS_FR
from .findings import STATUS_FR
from .findings import to_text as findings_to_text
from .findings import to_records  # noqa: F401  (JSON-ready rows, the same for every table)
from .formulas import FORMULA_STARTS, neutralise_formulas, safe_cell  # noqa: F401 (public here too)
from .workbook import Sheet, write_workbook
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
#: Worksheet names (Excel allows 31 characters).
SHEETS = {"demographie": "Démographie", "familles": "Familles et ménages",
          "enfance_jeunesse": "Enfance-jeunesse", "vieillissement": "Vieillissement",
          "revenus": "Revenus et précarité", "caf": "Allocataires CAF", "logement": "Logement",
          "emploi": "Emploi", "equipements": "Équipements", "mobilite": "Mobilité"}
LEVEL_FR = {"territoire": "Territoire", "departement": "Département", "region": "Région",
            "france": "France", "pair": "Comparaison"}


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


def write(df: pd.DataFrame, fmt: str, path: str | Path | None, kind: str = "indicateurs",
          territory=None) -> str | None:
    """Write ``df`` in ``fmt`` to ``path`` (or return the text when ``path`` is None).

    ``territory``: per-commune sheets in an indicators workbook (several communes)."""
    if fmt not in FORMATS:
        raise DiagnosticError(f"Format inconnu « {fmt} ».", f"Formats possibles : {', '.join(FORMATS)}.")
    if fmt == "xlsx":
        if path is None:
            raise DiagnosticError("Le format xlsx demande un fichier de sortie.",
                                  "Ajoutez --sortie FICHIER.xlsx.")
        if kind == "indicateurs":
            indicators_workbook(df, path, territory=territory)
        else:
            findings_workbook(df, path)
        return None
    if fmt == "json":
        text = json.dumps(to_records(df), ensure_ascii=False, indent=1)
    elif fmt == "csv":
        text = neutralise_formulas(df).to_csv(sep=";", decimal=",", index=False)
    else:
        text = indicators_text(df) if kind == "indicateurs" else findings_to_text(df)
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


# ---------------------------------------------------------------------------
# Workbooks
# ---------------------------------------------------------------------------
#: Territories whose communes get per-commune sheets (a département has up to 900 communes).
MAX_COMMUNE_SHEETS = 1000
_FIXED = ("Identifiant", "Indicateur", "Unité")


def _theme_sheet(theme: str, group: pd.DataFrame, names: list[str]) -> Sheet:
    own = group[group["level"] == "territoire"].set_index("id")
    values = group.pivot(index="id", columns="column", values="value")
    frame = pd.DataFrame({"Identifiant": own.index, "Indicateur": own["label"].values,
                          "Unité": own["unit"].values})
    levels = [name for name in names if name in values.columns]
    for name in levels:
        frame[name] = values[name].reindex(own.index).values
    frame["Source"] = own["source"].values
    frame["Millésime"] = own["vintage"].values
    frame["Note"] = own["note"].values
    decimals = list(own["decimals"].values)
    units = list(own["unit"].values)
    return Sheet(SHEETS.get(theme, theme), frame, freeze="D2", decimals={n: decimals for n in levels},
                 units={n: units for n in levels})


def commune_sheets(df: pd.DataFrame, territory, values_of=None) -> list[Sheet]:
    """One sheet per theme: the territory's communes (rows) × the theme's indicators (columns).

    Only for a territory of 2 to :data:`MAX_COMMUNE_SHEETS` communes; a commune the source
    does not cover, or whose figures are secret, stays empty (never 0). ``values_of``:
    indicator id -> its per-commune frame, when the caller has them already (the report).
    """
    from .indicators.values import commune_values  # the engine, only for multi-commune workbooks
    from .territory import resolve

    territory = resolve(territory)
    if not 1 < len(territory.communes) <= MAX_COMMUNE_SHEETS:
        return []
    values_of = values_of or (lambda ind_id: commune_values(territory, ind_id))
    own = df[df["level"] == "territoire"]
    sheets = []
    for theme, group in own.groupby("theme", sort=False):
        frame, decimals, units = None, {}, {}
        for _, row in group.iterrows():
            values = values_of(row["id"])
            if frame is None:
                frame = pd.DataFrame({"Code": values["code"], "Commune": values["name"]})
            header = f"{row['label']} ({row['unit']})" if row["unit"] else str(row["label"])
            frame[header] = values["value"].to_numpy()
            decimals[header], units[header] = row["decimals"], row["unit"]
        if frame is not None:
            sheets.append(Sheet(f"Communes - {SHEETS.get(theme, theme)}", frame, freeze="C2",
                                decimals=decimals, units=units))
    return sheets


def indicators_workbook(df: pd.DataFrame, path: str | Path, territory=None, values_of=None) -> Path:
    """One sheet per theme (indicators × levels), per-commune sheets, sources and notes, long data.

    Numbers stay numbers, displayed with the indicator's decimals; headers are French and
    frozen. ``territory``: per-commune sheets for a territory of several communes (``values_of``:
    see :func:`commune_sheets`).
    """
    df = _with_column(df)
    names = list(dict.fromkeys(df["column"]))
    sheets = [_theme_sheet(theme, group, names) for theme, group in df.groupby("theme", sort=False)]
    if territory is not None:
        sheets += commune_sheets(df, territory, values_of)
    notes = df[["label", "level", "name", "source", "vintage", "geo_year", "note"]]
    notes = notes.assign(level=notes["level"].map(LEVEL_FR)).rename(columns=INDICATOR_HEADERS_FR)
    sheets.append(Sheet("Sources et notes", notes, freeze="B2"))
    long = df[[c for c in INDICATOR_HEADERS_FR if c in df.columns]].rename(columns=INDICATOR_HEADERS_FR)
    sheets.append(Sheet("Données (format long)", long, freeze="D2",
                        decimals={"Valeur": list(df["decimals"].values)}, units={"Valeur": list(df["unit"].values)}))
    return write_workbook(path, sheets)


def findings_workbook(df: pd.DataFrame, path: str | Path) -> Path:
    """The findings with the columns and French headers of ``enjeux.csv``; values shown with their
    indicator's decimals, gaps in points or in percent as stated."""
    headers = FINDINGS_HEADERS_FR if "status_label" in df.columns else FINDING_HEADERS_FR
    cols = [c for c in headers if c in df.columns]
    out = df[cols].rename(columns=headers).map(
        lambda v: "; ".join(map(str, v)) if isinstance(v, (list, tuple)) else v)  # secondary axes
    if "status_label" not in df.columns and "status" in cols:
        out[headers["status"]] = df["status"].map(STATUS_FR).values
    indicators = catalogue()
    ids = df["id"] if "id" in df.columns else pd.Series([None] * len(df))
    decimals = [indicators[i].decimals if i in indicators else 1 for i in ids]
    formats, units = {}, {}
    for column in ("value", "reference_value"):
        if column in cols:
            formats[headers[column]] = decimals
            units[headers[column]] = list(df["unit"].values) if "unit" in df.columns else None
    if "gap" in cols:
        relative = [str(u) == "%" for u in (df["gap_unit"] if "gap_unit" in df.columns else [""] * len(df))]
        formats[headers["gap"]] = [0 if r else d for r, d in zip(relative, decimals)]
        units[headers["gap"]] = ["%" if r else None for r in relative]
    return write_workbook(path, [Sheet("Enjeux", out, freeze="A2", decimals=formats, units=units)])
