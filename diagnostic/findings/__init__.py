"""Findings (« enjeux »): what the figures say, as French sentences, grouped by axis.

Kinds of findings are registered once (:func:`register`, :func:`get`):
``ecart_reference`` (the territory against its département, région and France
said to agree or not), ``tendance`` (evolutions, median niveau de vie 2014-2019),
``contraste_interne`` (a commune far from its territory, an IRIS far from its
commune), ``position_epci`` (a commune within its intercommunalité), ``qpv`` (a
quartier prioritaire against its commune), ``comparaison_impossible`` (values
without reference, and why) and ``effectif_faible`` (small numbers: a warning,
never an enjeu).
Thresholds live in ``seuils.yaml``; axes in ``axes-candidats.yaml`` or a
convention's own file (:mod:`diagnostic.axes`). Each finding appears once, under
one primary axis.
"""
from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from .. import axes as axes_mod
from . import contraste, ecart, qpv, tendance  # noqa: F401  (register the kinds)
from ..atomic import write_text
from ..errors import DiagnosticError
from ..formulas import neutralise_formulas
from ..territory import Territory, read_yaml, resolve
from .phrases import with_article as _with_article  # noqa: F401  (used by the report sections)
from .registry import STATUS_FR, Context, Finding, get, names, register  # noqa: F401
from .thresholds import THRESHOLDS_PATH, Thresholds, load_thresholds  # noqa: F401

#: Columns of :func:`compute` (the public ones first, as ``diagnostic enjeux --format json``).
COLUMNS = ["id", "kind", "axis", "secondary_axes", "status", "sentence", "value", "reference_level",
           "reference_value", "gap", "unit", "source", "vintage",
           "axis_label", "status_label", "gap_unit", "reference_name", "label", "theme", "subject", "key"]

#: French headers of ``enjeux.csv`` (same content as the JSON).
HEADERS_FR = {
    "id": "Indicateur", "kind": "Type de constat", "axis": "Axe", "secondary_axes": "Axes secondaires",
    "status": "Nature", "sentence": "Constat", "value": "Valeur", "reference_level": "Niveau de référence",
    "reference_value": "Valeur de référence", "gap": "Écart", "unit": "Unité", "source": "Source",
    "vintage": "Millésime", "axis_label": "Intitulé de l'axe", "status_label": "Nature (libellé)",
    "gap_unit": "Unité de l'écart", "reference_name": "Référence", "label": "Libellé de l'indicateur",
    "theme": "Thème", "subject": "Objet", "key": "Clé du constat",
}
_STATUS_ORDER = ["enjeu", "atout", "ecart", "avertissement", "non_compare"]


#: Former name of the candidate axes (id -> title); the source is :data:`diagnostic.axes.CANDIDATE_AXES`.
AXES = axes_mod.CANDIDATE_AXES


def load_axes(path: str | Path) -> axes_mod.AxisSet:
    """Read an axes file (:func:`diagnostic.axes.load`), its kinds checked against the registry."""
    return axes_mod.load(path, names())


def axes_for(territory: Territory, axes=None) -> axes_mod.AxisSet:
    """The axes of a report: ``axes`` (a file or an AxisSet), else the ``axes:`` key of the
    territory's YAML file (a path relative to that file), else the candidate axes."""
    if axes is not None and str(axes).strip():
        return _axis_set(axes)
    spec = Path(str(territory.spec or ""))
    if territory.kind == "perimetre" and spec.suffix.lower() in (".yaml", ".yml") and spec.is_file():
        named = read_yaml(spec).get("axes")
        if named is not None:
            if not isinstance(named, str) or not named.strip():
                raise DiagnosticError(f"Dans {spec}, « axes » doit être le chemin d'un fichier d'axes YAML.",
                                      "Exemple : axes: axes-ctg-pays-de-laigle.yaml")
            path = Path(named)
            return load_axes(path if path.is_absolute() else spec.parent / path)
    return axes_mod.default()


def _territory_of(table: pd.DataFrame) -> Territory | None:
    codes = table.loc[table["level"] == "territoire", "code"].dropna().unique()
    if len(codes) != 1:
        return None
    try:
        return resolve(str(codes[0]))
    except DiagnosticError:
        return None  # a perimeter: kinds that need the communes are skipped


def _axis_set(axes) -> axes_mod.AxisSet:
    if axes is None:
        return axes_mod.default()
    if isinstance(axes, (str, Path)):
        return load_axes(axes)
    return axes


def compute(indicators: pd.DataFrame, thresholds: Thresholds | str | Path | None = None, axes=None,
            territory: Territory | str | None = None, kinds=None) -> pd.DataFrame:
    """Findings from an indicator table (:func:`diagnostic.indicators.compute`).

    ``thresholds``: a :class:`Thresholds` or a file (default ``seuils.yaml``); ``axes``: an
    :class:`~diagnostic.axes.AxisSet`, an axes file or None (candidate axes); ``territory``:
    needed by the kinds that look inside it (resolved from the table's code when omitted).
    One row per finding (columns :data:`COLUMNS`), ordered by axis then status.
    ``df.attrs["compared"]`` lists the indicators compared with a reference.
    """
    th = thresholds if isinstance(thresholds, Thresholds) else load_thresholds(thresholds)
    axis_set = _axis_set(axes)
    if territory is not None and not isinstance(territory, Territory):
        territory = resolve(territory)
    ctx = Context(territory if territory is not None else _territory_of(indicators), indicators, th)
    for kind in (kinds or names()):
        ctx.findings.extend(get(kind)(ctx))
    seen, rows = set(), []
    for f in ctx.findings:  # once: same key, or two indicators saying the same thing
        if f.key in seen or f.sentence in seen:
            continue
        seen.update((f.key, f.sentence))
        f.axis, f.secondary_axes = axis_set.assign(f.indicator, f.theme, f.kind, f.catalogue_axes)
        f.axis_label = axis_set.title(f.axis)
        rows.append(_row(f))
    df = pd.DataFrame(rows, columns=COLUMNS)
    if not df.empty:
        order = {a: i for i, a in enumerate(axis_set.ids)}
        kind_order = {k: i for i, k in enumerate(names())}
        df = (df.assign(_a=df["axis"].map(order), _s=df["status"].map(_STATUS_ORDER.index),
                        _k=df["kind"].map(kind_order))
              .sort_values(["_a", "_s", "_k"], kind="stable").drop(columns=["_a", "_s", "_k"]))
    df = df.reset_index(drop=True)
    df.attrs["compared"] = sorted(ctx.compared)
    df.attrs["axes"] = axis_set
    return df


def _row(f: Finding) -> dict:
    return {"id": f.indicator, "kind": f.kind, "axis": f.axis, "secondary_axes": list(f.secondary_axes),
            "status": f.status, "sentence": f.sentence, "value": f.value,
            "reference_level": f.reference_level, "reference_value": f.reference_value, "gap": f.gap,
            "unit": f.unit, "source": f.source, "vintage": f.vintage, "axis_label": f.axis_label,
            "status_label": STATUS_FR.get(f.status, f.status), "gap_unit": f.gap_unit,
            "reference_name": f.reference_name, "label": f.label, "theme": f.theme, "subject": f.subject,
            "key": f.key}


def _clean(value):
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def to_records(df: pd.DataFrame) -> list[dict]:
    """The rows of a table (findings, indicators) as JSON-ready objects (None for missing numbers)."""
    return [{k: _clean(v) for k, v in row.items()} for row in df.to_dict(orient="records")]


def to_csv_text(df: pd.DataFrame) -> str:
    """``enjeux.csv``: the same content as the JSON, French headers, ``;`` and decimal comma."""
    out = df.assign(secondary_axes=df["secondary_axes"].map(lambda a: ", ".join(a) if isinstance(a, list) else a))
    # Names come from user files: no cell may run as a spreadsheet formula.
    return neutralise_formulas(out[COLUMNS].rename(columns=HEADERS_FR)).to_csv(sep=";", decimal=",", index=False)


def to_text(df: pd.DataFrame) -> str:
    """The findings for a terminal: by axis, each once, with its French status."""
    if df.empty:
        return "Aucun constat : aucun indicateur n'a pu être comparé ou aucun écart ne dépasse les seuils.\n"
    lines = []
    for label, group in df.groupby("axis_label", sort=False):
        lines.append(label.upper())
        lines.extend(f"  [{r['status_label']}] {r['sentence']}" for _, r in group.iterrows())
        lines.append("")
    return "\n".join(lines)


def write_csv(df: pd.DataFrame, path: str | Path) -> Path:
    """Write ``enjeux.csv`` (UTF-8 with BOM, so a French spreadsheet opens it as is)."""
    write_text(path, "\ufeff" + to_csv_text(df))
    return Path(path)


def theme_summary(df: pd.DataFrame, table: pd.DataFrame, theme: str) -> str:
    """What a theme's findings allow one to say, never « ne s'écarte pas » when nothing was compared."""
    return summary(df, table, list(table.loc[table["theme"] == theme, "id"].unique()))


def summary(df: pd.DataFrame, table: pd.DataFrame, ids: list[str]) -> str:
    """The « À retenir » of a group of indicators (a theme, a report section)."""
    own = table[(table["level"] == "territoire") & table["id"].isin(ids)]
    if own["value"].notna().sum() == 0:
        return "Aucun indicateur de ce thème n'est disponible pour ce territoire (voir les notes du tableau)."
    mine = df[df["id"].isin(ids)]
    blind = " ".join(mine.loc[mine["status"] == "non_compare", "sentence"])
    marked = mine[mine["status"] != "non_compare"]
    compared = set(df.attrs.get("compared", ())) & set(own["id"])
    if not marked.empty:
        n = int((marked["status"] == "enjeu").sum())
        lead = f"{n} enjeu{'x' if n > 1 else ''} repéré{'s' if n > 1 else ''} sur ce thème." if n else \
            "Pas d'enjeu repéré sur ce thème ; constats notables ci-dessous."
        return f"{lead} {blind}".strip()
    if compared:
        n = len(compared)
        return (f"Sur ce thème, le territoire ne s'écarte pas nettement de ses références au regard des seuils "
                f"retenus ({n} indicateur{'s' if n > 1 else ''} comparé{'s' if n > 1 else ''}). {blind}").strip()
    return (blind or "Aucune comparaison n'est possible sur ce thème : les indicateurs disponibles sont des "
            "effectifs, qui ne se comparent pas entre territoires de tailles différentes.")
