"""« Contraste interne »: where, inside the territory, needs concentrate.

A commune far from its territory (same thresholds as the gaps), among communes
large enough (``contraste_interne.population_minimale``); when the territory's own
value is not published (a median, a poverty rate), the spread between its
communes; and IRIS whose poverty rate is far above their commune's (Filosofi by
IRIS, :func:`diagnostic.iris.iris_incomes`). For a commune report, its place
within its intercommunalité (``position_epci``). Commune values come from
:func:`diagnostic.indicators.commune_values`, the same computation as the
report's per-commune tables.
"""
from __future__ import annotations

import pandas as pd

from .. import indicators, iris
from .. import catalogue as cat
from ..territory import Territory, resolve
from ..text import clean_vintage, format_number, join_fr, short_label, with_preposition
from .ecart import _missing, crosses
from .phrases import format_value, is_share, place, printed
from .registry import Context, Finding, register
from .thresholds import Thresholds


def at_commune(name: str) -> str:
    """« à Alès », « au Mans », « aux Andelys », « à L'Aigle »."""
    for article, contracted in (("Le ", "au "), ("Les ", "aux ")):
        if name.startswith(article):
            return contracted + name[len(article):]
    return f"à {name}"


def _communes(territory: Territory, ind_id: str, population: pd.Series, minimum: float) -> pd.DataFrame:
    """Communes with a value and at least ``minimum`` inhabitants: code, name, value, population."""
    values = indicators.commune_values(territory, ind_id)
    attrs = dict(values.attrs)
    values = values.assign(population=values["code"].map(population))
    values = values[values["value"].notna() & (values["population"] >= minimum)].copy()
    values.attrs.update(attrs)
    return values


def _population(territory: Territory) -> pd.Series:
    return indicators.commune_values(territory, "population").set_index("code")["value"]


def _unfavourable(polarity: str, gap: float) -> bool:
    if polarity == "hausse_defavorable":
        return gap > 0
    if polarity == "baisse_defavorable":
        return gap < 0
    return gap > 0  # neutral: where it concentrates (HLM in the ville-centre)


def _gap(v: float, r: float, unit: str, decimals: int) -> tuple[float, str]:
    if is_share(unit):
        return round(v - r, decimals), "points"
    return round((v / r - 1) * 100), "%"


def _head(ind, vintage: str) -> str:
    """« Taux de pauvreté en 2021 » (the year, so two vintages of one figure never look alike)."""
    return f"{short_label(ind.label)} en {vintage}" if str(vintage).isdigit() else short_label(ind.label)


def _status(polarity: str) -> str:
    return "ecart" if polarity == "neutre" else "enjeu"


def _finding(ind, kind, text, row, ref_level, ref_name, ref_value, source, vintage) -> Finding:
    v = printed(row["value"], ind.decimals)
    gap, gap_unit = _gap(v, ref_value, ind.unit, ind.decimals) if ref_value else (None, "")
    return Finding(kind=kind, indicator=ind.id, theme=ind.theme, label=ind.label, status=_status(ind.polarity),
                   sentence=text, value=v, reference_level=ref_level, reference_name=ref_name,
                   reference_value=ref_value, gap=gap, gap_unit=gap_unit, unit=ind.unit, source=source,
                   vintage=vintage, subject=str(row["code"]), catalogue_axes=ind.axes)


def _spread(ind, communes: pd.DataFrame, territory: Territory, th: Thresholds, kind: str,
            focus: str | None, source: str, vintage: str) -> Finding | None:
    """The spread between communes when the territory's own value is not published."""
    if len(communes) < 2:
        return None
    low, high = communes.loc[communes["value"].idxmin()], communes.loc[communes["value"].idxmax()]
    worst, best = (low, high) if ind.polarity == "baisse_defavorable" else (high, low)
    ranked = communes.sort_values("value", ascending=ind.polarity == "baisse_defavorable")
    if focus is not None:
        position = list(ranked["code"]).index(focus) + 1
        if position > 3:
            return None
        worst = ranked.iloc[position - 1]
    lv, hv = printed(low["value"], ind.decimals), printed(high["value"], ind.decimals)
    if not crosses(printed(worst["value"], ind.decimals), printed(best["value"], ind.decimals), ind.unit,
                   th.gap(ind.id)):
        return None
    minimum = th.contrast_population
    fmt = lambda v: format_value(v, ind.unit, ind.decimals)  # noqa: E731
    scope = (f"les {len(communes)} communes de {format_number(minimum)} habitants ou plus "
             f"{with_preposition(place(territory.kind, territory.name), 'de')} où l'indicateur est publié")
    if focus is None:
        text = (f"{_head(ind, vintage)} : {fmt(printed(worst['value'], ind.decimals))} "
                f"{at_commune(worst['name'])}, contre {fmt(printed(best['value'], ind.decimals))} "
                f"{at_commune(best['name'])} (valeurs extrêmes parmi {scope} ; la valeur de l'ensemble du "
                "territoire n'est pas publiée).")
    else:
        extreme = "la plus faible" if ind.polarity == "baisse_defavorable" else "la plus élevée"
        rank = "" if position == 1 else f"{position}e "
        text = (f"{_head(ind, vintage)} : {fmt(printed(worst['value'], ind.decimals))} "
                f"{at_commune(worst['name'])}, {rank}valeur {extreme} parmi {scope} (de {fmt(lv)} à {fmt(hv)}).")
    return _finding(ind, kind, text, worst, "communes", "autres communes",
                    printed(best["value"], ind.decimals), source, vintage)


def _far(ind, communes: pd.DataFrame, reference: float, th: Thresholds) -> pd.DataFrame:
    """Communes far from ``reference`` on the unfavourable side, farthest first."""
    gaps = communes["value"].map(lambda v: printed(v, ind.decimals) - reference)
    keep = [crosses(printed(v, ind.decimals), reference, ind.unit, th.gap(ind.id))
            and _unfavourable(ind.polarity, g) for v, g in zip(communes["value"], gaps)]
    far = communes[keep].assign(_gap=gaps[keep].abs())
    return far.sort_values("_gap", ascending=False)


@register("contraste_interne", "Contraste interne")
def contraste_interne(ctx: Context) -> list[Finding]:
    """Communes far from their territory, then IRIS far from their commune."""
    t = ctx.territory
    if t is None or t.kind in ("region", "france"):
        return []
    iris_findings = _iris_contrast(ctx)
    if len(t.communes) < 2:
        return iris_findings
    th = ctx.thresholds
    population = _population(t)
    out = []
    for ind_id in th.contrast_ids:
        ind = cat.catalogue()[ind_id]
        communes = _communes(t, ind_id, population, th.contrast_population)
        own = ctx.own.loc[ind_id] if ind_id in ctx.own.index else None
        source = str(communes.attrs.get("source") or (own["source"] if own is not None else ""))
        vintage = clean_vintage(own["vintage"]) if own is not None else ""
        if communes.empty:
            continue
        if own is None or _missing(own["value"]):
            found = _spread(ind, communes, t, th, "contraste_interne", None, source, vintage)
            out.extend([found] if found else [])
            continue
        reference = printed(own["value"], ind.decimals)
        far = _far(ind, communes, reference, th)
        if far.empty:
            continue
        listed = far.head(th.contrast_listed)
        values = [f"{format_value(printed(v, ind.decimals), ind.unit, ind.decimals)} {at_commune(n)}"
                  for v, n in zip(listed["value"], listed["name"])]
        more = (f" ({len(far)} communes de {format_number(th.contrast_population)} habitants ou plus "
                "dans ce cas)") if len(far) > len(listed) else ""
        text = (f"{_head(ind, vintage)} : {join_fr(values)}, contre "
                f"{format_value(reference, ind.unit, ind.decimals)} pour l'ensemble "
                f"{with_preposition(place(t.kind, t.name), 'de')}{more}.")
        out.append(_finding(ind, "contraste_interne", text, listed.iloc[0], "territoire", t.name, reference,
                            source, vintage))
    return out + iris_findings


@register("position_epci", "Place dans l'intercommunalité")
def position_epci(ctx: Context) -> list[Finding]:
    """A commune compared with its intercommunalité (or, when unpublished, its other communes)."""
    t = ctx.territory
    if t is None or t.kind != "commune" or not t.epci:
        return []
    th = ctx.thresholds
    epci = resolve(t.epci)
    if len(epci.communes) < 2:
        return []
    population = _population(epci)
    if population.get(t.code, 0) < th.contrast_population:
        return []
    own_epci = indicators.compute(epci, ids=list(th.contrast_ids), references=False).set_index("id")
    out = []
    for ind_id in th.contrast_ids:
        ind = cat.catalogue()[ind_id]
        communes = _communes(epci, ind_id, population, th.contrast_population)
        mine = communes[communes["code"] == t.code]
        if mine.empty:
            continue
        source = str(communes.attrs.get("source") or "")
        vintage = clean_vintage(own_epci.at[ind_id, "vintage"])
        epci_value = own_epci.at[ind_id, "value"]
        if _missing(epci_value):
            found = _spread(ind, communes, epci, th, "position_epci", t.code, source, vintage)
            out.extend([found] if found else [])
            continue
        reference = printed(epci_value, ind.decimals)
        if _far(ind, mine, reference, th).empty:
            continue
        row = mine.iloc[0]
        text = (f"{_head(ind, vintage)} : {format_value(printed(row['value'], ind.decimals), ind.unit, ind.decimals)} "
                f"{at_commune(row['name'])}, contre {format_value(reference, ind.unit, ind.decimals)} pour "
                f"l'ensemble {with_preposition(place(epci.kind, epci.name), 'de')}.")
        out.append(_finding(ind, "position_epci", text, row, "epci", epci.name, reference, source, vintage))
    return out


def _iris_contrast(ctx: Context) -> list[Finding]:
    """IRIS whose poverty rate is far above their commune's (Filosofi by IRIS, same vintage).

    IRIS figures are never summed: each is compared with its own commune's published rate.
    """
    t = ctx.territory
    if t is None or t.kind in ("region", "france", "departement"):
        return []
    table, _ = iris.iris_incomes(t)
    ind = cat.catalogue()["taux_pauvrete"]
    gap = ctx.thresholds.gap("taux_pauvrete")
    far = [r for r in table.to_dict("records")
           if pd.notna(r["poverty_rate"]) and pd.notna(r["commune_poverty_rate"])
           and r["poverty_rate"] > r["commune_poverty_rate"]
           and crosses(printed(r["poverty_rate"], 1), printed(r["commune_poverty_rate"], 1), "%", gap)]
    if not far:
        return []
    fmt = lambda v: format_value(printed(v, 1), "%", 1)  # noqa: E731
    listed = far[:ctx.thresholds.contrast_listed]
    parts = [f"{fmt(r['poverty_rate'])} dans l'IRIS {r['iris_name']} ({r['commune_name']} : "
             f"{fmt(r['commune_poverty_rate'])})" for r in listed]
    more = f" ; {len(far)} IRIS dans ce cas" if len(far) > len(listed) else ""
    first = listed[0]
    text = (f"Taux de pauvreté par IRIS (Filosofi {first['vintage']}) : {join_fr(parts)}, chaque IRIS "
            f"comparé au taux publié pour sa commune{more}.")
    v, r = printed(first["poverty_rate"], 1), printed(first["commune_poverty_rate"], 1)
    return [Finding(kind="contraste_interne", indicator="taux_pauvrete", theme=ind.theme, label=ind.label,
                    status="enjeu", sentence=text, value=v, reference_level="commune",
                    reference_name=first["commune_name"], reference_value=r, gap=round(v - r, 1),
                    gap_unit="points", unit="%", source=first["source"], vintage=str(first["vintage"]),
                    subject=str(first["iris"]), catalogue_axes=ind.axes)]
