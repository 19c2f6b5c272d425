"""« QPV »: a quartier prioritaire far from its commune (poverty, income, employment, isolation).

Figures come from :func:`diagnostic.quartiers.qpv_comparison`: the quartier's value
(QPV files, their edition) beside its commune's published value (Filosofi at the
commune level, its own vintage), else the EPCI's, else « Ensemble des QPV ». A
difference of vintage is said in the sentence.
"""
from __future__ import annotations

import math

from .. import catalogue as cat
from .. import quartiers
from ..text import clean_vintage, format_points, short_label
from .ecart import crosses
from .phrases import format_value, printed
from .registry import Context, Finding, register

#: QPV indicator -> (catalogue indicator giving thresholds, axes and polarity, decimals).
COMPARED = {
    "taux_pauvrete": ("taux_pauvrete", 1),
    "niveau_vie_median": ("revenu_median", 0),
    "taux_emploi": ("taux_activite", 1),
    "part_menages_1_personne": ("part_menages_une_personne", 1),
}
_REFERENCE_ORDER = ("commune", "epci", "departement", "ensemble_qpv")


def _available(value) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def _reference(rows):
    for level in _REFERENCE_ORDER:
        for row in rows:
            if row["level"] == level and _available(row["value"]) and row["value"]:
                return row
    return None


def _unfavourable(polarity: str, higher: bool) -> bool:
    return higher if polarity == "hausse_defavorable" else not higher


@register("qpv", "Quartier prioritaire")
def qpv(ctx: Context) -> list[Finding]:
    t = ctx.territory
    if t is None or t.kind in ("region", "france", "departement"):
        return []
    table, _ = quartiers.qpv_comparison(t)
    out = []
    for (code, ind_id), group in table.groupby(["qpv", "indicator"], sort=False):
        if ind_id not in COMPARED:
            continue
        rows = group.to_dict("records")
        mine = next((r for r in rows if r["level"] == "quartier" and _available(r["value"])), None)
        ref = _reference(rows)
        if mine is None or ref is None:
            continue
        cat_id, decimals = COMPARED[ind_id]
        ind = cat.catalogue()[cat_id]
        unit = mine["unit"]
        v, r = printed(mine["value"], decimals), printed(ref["value"], decimals)
        if not crosses(v, r, unit, ctx.thresholds.gap(cat_id)) or not _unfavourable(ind.polarity, v > r):
            continue
        communes = ", ".join(dict.fromkeys(x["name"] for x in rows if x["level"] == "commune"))
        where = f"{mine['name']}" + (f" ({communes})" if communes else "")
        edition, ref_vintage = clean_vintage(mine["vintage"]), clean_vintage(ref["vintage"])
        label = short_label(mine["label"])
        gap = (f"{format_points(round(v - r, decimals), decimals)} de {'plus' if v > r else 'moins'}"
               if unit.startswith("%") else f"{abs(round((v / r - 1) * 100))} % de {'plus' if v > r else 'moins'}")
        caution = " ; millésimes différents, à comparer avec prudence" if ref_vintage and ref_vintage != edition else ""
        product = "Filosofi " if "Filosofi" in str(ref["source"]) else ""
        text = (f"Quartier prioritaire {where} : {label[0].lower() + label[1:]} de "
                f"{format_value(v, unit, decimals)} (données des QPV, édition {edition}), contre "
                f"{format_value(r, unit, decimals)} pour {ref['name']} ({product}{ref_vintage}), soit "
                f"{gap}{caution}.")
        out.append(Finding(
            kind="qpv", indicator=cat_id, theme=ind.theme, label=mine["label"], status="enjeu", sentence=text,
            value=v, reference_level=ref["level"], reference_name=ref["name"], reference_value=r,
            gap=round(v - r, decimals) if unit.startswith("%") else round((v / r - 1) * 100),
            gap_unit="points" if unit.startswith("%") else "%", unit=unit, source=mine["source"],
            vintage=edition, subject=code, catalogue_axes=ind.axes))
    return out
