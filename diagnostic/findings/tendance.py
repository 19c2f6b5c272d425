"""« Tendance »: evolutions (CAF 2016-2020, population 2013-2018, incomes 2014-2019…).

An evolution is compared with the same reference as the gaps (département, else
the next level); without a reference it is stated when it is large enough
(``tendance`` in the thresholds file).
"""
from __future__ import annotations

import pandas as pd

from .. import catalogue as cat
from .. import revenus
from ..text import clean_vintage, format_points, with_preposition
from .ecart import _missing, choose_reference, crosses, is_trend, status_of
from .phrases import format_value, place, printed
from .registry import Context, Finding, register


def _period(own) -> str:
    vintage = clean_vintage(own["vintage"])
    return f" ({vintage})" if vintage else ""


@register("tendance", "Tendance")
def tendance(ctx: Context) -> list[Finding]:
    out = []
    for ind_id, own in ctx.own_rows():
        ind = cat.catalogue().get(ind_id)
        if ind is None or _missing(own["value"]) or not is_trend(ind_id):
            continue
        v = printed(own["value"], ind.decimals)
        head = f"{ind.label} : {format_value(v, ind.unit, ind.decimals, signed=True)}{_period(own)}"
        ref, skipped, _ = choose_reference(ctx, ind_id)
        if ref is not None:
            ctx.compared.add(ind_id)
            r = printed(ref["value"], ind.decimals)
            if not crosses(v, r, ind.unit, ctx.thresholds.gap(ind_id)):
                continue
            gap = round(v - r, ind.decimals)
            where = place(ref["level"], ref["name"])
            text = (f"{head}, contre {format_value(r, ind.unit, ind.decimals, signed=True)} pour {where}, "
                    f"soit {format_points(gap, ind.decimals)} de {'plus' if gap > 0 else 'moins'}.")
            out.append(Finding(
                kind="tendance", indicator=ind_id, theme=ind.theme, label=ind.label,
                status=status_of(ind.polarity, v > r), sentence=text, value=v,
                reference_level=ref["level"], reference_name=ref["name"], reference_value=r, gap=gap,
                gap_unit="points", unit=ind.unit, source=own["source"], vintage=clean_vintage(own["vintage"]),
                catalogue_axes=ind.axes))
            continue
        minimum = ctx.thresholds.annual_trend_minimum if ind.unit == "% par an" else ctx.thresholds.trend_minimum
        if abs(v) < minimum:
            continue
        missing = [with_preposition(place(s["level"], s["name"]), "de") for s in skipped[:1]]
        tail = f" ; pas de référence comparable (valeur {missing[0]} non disponible)" if missing else ""
        out.append(Finding(
            kind="tendance", indicator=ind_id, theme=ind.theme, label=ind.label,
            status=status_of(ind.polarity, v > 0), sentence=f"{head}{tail}.", value=v, unit=ind.unit,
            source=own["source"], vintage=clean_vintage(own["vintage"]), catalogue_axes=ind.axes))
    return out + _median_trend(ctx)


def _median_trend(ctx: Context) -> list[Finding]:
    """The median niveau de vie between the oldest and latest Filosofi vintages, against the
    département's (each level read from the file published at that level)."""
    t = ctx.territory
    if t is None or t.kind == "france":
        return []
    trend = revenus.median_trend(t)
    if len(trend) < 2 or pd.isna(trend["change_pct"].iloc[0]):
        return []
    own, ref = trend.iloc[0], next((r for _, r in trend.iloc[1:].iterrows() if pd.notna(r["change_pct"])), None)
    if ref is None:
        return []
    ind = cat.catalogue()["revenu_median"]
    v, r = printed(own["change_pct"], 1), printed(ref["change_pct"], 1)
    if not crosses(v, r, "%", ctx.thresholds.gap("revenu_median")):
        return []
    gap = round(v - r, 1)
    period = f"entre {own['start_vintage']} et {own['end_vintage']}"
    where = place(_LEVELS.get(ref["level"], ""), ref["name"].split(" (")[0])
    text = (f"Niveau de vie médian : {format_value(v, '%', 1, signed=True)} {period} "
            f"({format_value(own['start'], '€', 0)} puis {format_value(own['end'], '€', 0)}), contre "
            f"{format_value(r, '%', 1, signed=True)} pour {where}, soit {format_points(gap, 1)} "
            f"de {'plus' if gap > 0 else 'moins'}.")
    return [Finding(kind="tendance", indicator="revenu_median", theme=ind.theme, label=ind.label,
                    status=status_of(ind.polarity, v > r), sentence=text, value=v,
                    reference_level=_LEVELS.get(ref["level"], ""), reference_name=ref["name"].split(" (")[0],
                    reference_value=r, gap=gap, gap_unit="points", unit="%", source=own["source"],
                    vintage=f"{own['start_vintage']}-{own['end_vintage']}", subject="evolution",
                    catalogue_axes=ind.axes)]


_LEVELS = {"département": "departement", "région": "region", "France": "france"}
