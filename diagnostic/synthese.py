"""Synthèse par axe: a paste-ready French paragraph per axis of the convention.

Each paragraph is written from the findings by templates: points de vigilance
(enjeux, small-number warnings), atouts, other marked differences, then the
missing data (comparisons impossible, indicators not available), every figure
with its reference. Each axis also gets its key-figures table.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from . import axes as axes_mod
from . import catalogue as cat
from .findings.phrases import format_value
from .text import clean_vintage, join_fr, short_label

#: Rows of an axis's key-figures table.
MAX_FIGURES = 8
LEVEL_COLUMNS = {"territoire": "Territoire", "departement": "Département", "region": "Région",
                 "france": "France"}


@dataclass
class AxisSynthesis:
    axis: str
    titre: str
    description: str
    vigilance: list[str] = field(default_factory=list)
    atouts: list[str] = field(default_factory=list)
    ecarts: list[str] = field(default_factory=list)
    prudence: list[str] = field(default_factory=list)
    manquantes: list[str] = field(default_factory=list)
    figures: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: Catalogue ids of the key-figures rows, in order.
    figure_ids: list[str] = field(default_factory=list)

    def parts(self) -> list[tuple[str, str]]:
        """(lead-in, text) pieces of the paragraph: « Points de vigilance. », « Atouts. »…"""
        parts = []
        if not (self.vigilance or self.atouts or self.ecarts or self.prudence):
            parts.append(("", "Aucun écart marqué n'est relevé sur cet axe au regard des seuils retenus"
                              + (" parmi les indicateurs comparables." if not self.manquantes else
                                 " ; plusieurs comparaisons restent impossibles.")))
        for lead, sentences in (("Points de vigilance.", self.vigilance), ("Atouts.", self.atouts),
                                ("Autres écarts notables.", self.ecarts),
                                ("À lire avec prudence.", self.prudence),
                                ("Données manquantes.", self.manquantes)):
            if sentences:
                parts.append((lead, " ".join(sentences)))
        return parts

    @property
    def paragraph(self) -> str:
        """The paragraph to paste into the convention."""
        return " ".join(f"{lead} {text}".strip() for lead, text in self.parts())


def _lower_first(text: str) -> str:
    """« Part des… » -> « part des… », acronyms kept (« CAF », « RSA »)."""
    return text[:1].lower() + text[1:]


def _axis_indicators(axis_set: axes_mod.AxisSet, axis_id: str) -> list[str]:
    """Catalogue indicators whose findings this axis takes first."""
    return [i.id for i in cat.catalogue().values()
            if axis_set.assign(i.id, i.theme, "ecart_reference", i.axes)[0] == axis_id]


def key_figures(table: pd.DataFrame, ids: list[str]) -> pd.DataFrame:
    """Indicateur, Territoire, Département, Région, France, Source, Millésime (formatted)."""
    return _key_figures(_FirstRows(table), ids)


class _FirstRows:
    """Each (indicator, level)'s first row of a table, and the indicators the territory has a value for."""

    def __init__(self, table: pd.DataFrame):
        self.rows = table.drop_duplicates(["id", "level"]).set_index(["id", "level"])
        self.shown = set(table.loc[(table["level"] == "territoire") & table["value"].notna(), "id"])


def _key_figures(first: _FirstRows, ids: list[str]) -> pd.DataFrame:
    rows = []
    for ind_id in ids:
        if ind_id not in first.shown:
            continue
        own = first.rows.loc[(ind_id, "territoire")]
        ind = cat.catalogue()[ind_id]
        row = {"Indicateur": short_label(ind.label)}
        for level, column in LEVEL_COLUMNS.items():
            key = (ind_id, level)
            row[column] = format_value(first.rows.at[key, "value"], ind.unit, ind.decimals) \
                if key in first.rows.index else "n.d."
        row["Source"] = str(own["source"])
        row["Millésime"] = clean_vintage(own["vintage"])
        rows.append(row)
    return pd.DataFrame(rows, columns=["Indicateur", *LEVEL_COLUMNS.values(), "Source", "Millésime"])


def build(findings: pd.DataFrame, table: pd.DataFrame, axes=None) -> list[AxisSynthesis]:
    """One synthesis per axis (the axes the findings were grouped with, « Autres constats » last)."""
    axis_set = axes if isinstance(axes, axes_mod.AxisSet) else findings.attrs.get("axes") or axes_mod.default()
    first = _FirstRows(table)
    own = first.rows.xs("territoire", level="level")  # each indicator's first row for the territory
    out = []
    for axis_id in axis_set.ids:
        axis = axis_set.get(axis_id)
        mine = findings[findings["axis"] == axis_id]
        ids = _axis_indicators(axis_set, axis_id)
        if mine.empty and not ids:
            continue
        s = AxisSynthesis(axis_id, axis.titre, axis.description)
        for _, f in mine.iterrows():
            bucket = {"enjeu": s.vigilance, "avertissement": s.prudence, "atout": s.atouts,
                      "ecart": s.ecarts, "non_compare": s.manquantes}[f["status"]]
            bucket.append(f["sentence"])
        missing = [i for i in ids if i in own.index and pd.isna(own.at[i, "value"])]
        if missing:
            labels = [_lower_first(short_label(cat.catalogue()[i].label)) for i in missing[:6]]
            rest = len(missing) - len(labels)
            labels += [f"{rest} autre{'s' if rest > 1 else ''} indicateur{'s' if rest > 1 else ''}"] if rest else []
            s.manquantes.append(f"Non disponibles pour ce territoire : {join_fr(labels)} "
                                "(raisons dans les notes des tableaux).")
        cited = list(dict.fromkeys(mine["id"]))
        candidates = [i for i in cited + [i for i in ids if i not in cited]
                      if i in own.index and pd.notna(own.at[i, "value"])]
        s.figure_ids = candidates[:MAX_FIGURES]
        s.figures = _key_figures(first, s.figure_ids)
        if mine.empty and s.figures.empty and not missing:
            continue
        out.append(s)
    return out


def sources(findings: pd.DataFrame, syntheses: list[AxisSynthesis]) -> list[str]:
    """« Source, millésime » lines cited by the syntheses, without duplicates."""
    lines = []
    for s in syntheses:
        for _, r in s.figures.iterrows():
            lines.append(f"{r['Source']} ({r['Millésime']})" if r["Millésime"] else r["Source"])
    for _, r in findings.iterrows():
        if r["source"]:
            lines.append(f"{r['source']} ({r['vintage']})" if r["vintage"] else r["source"])
    return list(dict.fromkeys(lines))
