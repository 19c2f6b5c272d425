"""« Écart aux références »: one rule for every indicator and territory.

The territory is compared with its département (the CTG's reference scale); if
the département value is unavailable, with the next level, and the sentence says
so. The same sentence says whether the région and France agree. Counts are never
compared; evolutions are trends (``tendance``). Indicators that have a value but
no reference are listed per theme (``comparaison_impossible``), so that a blind
theme never reads « ne s'écarte pas ».
"""
from __future__ import annotations

import math

from .. import catalogue as cat
from ..text import agree, clean_vintage, format_number, format_points, join_fr, subject, \
    with_preposition
from .phrases import format_value, is_share, place, printed
from .registry import Context, Finding, register
from .thresholds import Gap

LEVELS = ("departement", "region", "france")
TREND_KINDS = ("evolution", "annual_rate")
_RATIO_FROM = 1.5  # above this ratio, a non-share is written « 2,6 fois … »


def is_trend(ind_id: str) -> bool:
    return cat.catalogue()[ind_id].methods[0].kind in TREND_KINDS


def _available(row) -> bool:
    return row is not None and not _missing(row["value"]) and row["value"] != 0


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def crosses(value: float, reference: float, unit: str, gap: Gap) -> bool:
    """Whether two printed values are far enough apart to make a finding."""
    if reference == 0:
        return False
    relative = abs(value / reference - 1)
    if is_share(unit):
        return abs(value - reference) >= gap.points - 1e-9 and relative >= gap.relative - 1e-9
    return relative >= gap.relative - 1e-9


def status_of(polarity: str, higher: bool) -> str:
    if polarity == "neutre":
        return "ecart"
    return "enjeu" if (polarity == "hausse_defavorable") == higher else "atout"


def choose_reference(ctx: Context, ind_id: str):
    """(reference row, levels skipped because unavailable, other rows) for one indicator."""
    refs = ctx.reference_rows(ind_id)
    present = [lvl for lvl in LEVELS if lvl in refs]
    for i, level in enumerate(present):
        if _available(refs[level]):
            return refs[level], [refs[x] for x in present[:i]], [refs[x] for x in present[i + 1:]]
    return None, [refs[x] for x in present], []


def dated(shown: str, vintage) -> str:
    """« 9,4 % en 2018 », « 5,7 pour 1 000 hab. de 75 ans ou plus, 2019 / 2017 »."""
    vintage = clean_vintage(vintage)
    if not vintage:
        return shown
    return f"{shown} en {vintage}" if vintage.isdigit() else f"{shown}, {vintage}"


def compare_text(label: str, unit: str, decimals: int, value: float, ref: dict,
                 vintage: str = "") -> tuple[str, float, str]:
    """« La part … (9,4 % en 2018) est inférieure de 1,8 point à celle de l'Orne (11,2 %) », gap, gap unit."""
    subj, feminine = subject(label)
    pronoun = "celle" if feminine else "celui"
    v, r = printed(value, decimals), printed(ref["value"], decimals)
    where = with_preposition(place(ref["level"], ref["name"]), "de")
    shown = f"{subj} ({dated(format_value(v, unit, decimals), vintage)})"
    rshown = f"({format_value(r, unit, decimals)})"
    adjective = agree("supérieur" if v > r else "inférieur", feminine)
    if is_share(unit):
        gap = round(v - r, decimals)
        return (f"{shown} est {adjective} de {format_points(gap, decimals)} à {pronoun} {where} {rshown}",
                gap, "points")
    ratio = v / r
    if ratio >= _RATIO_FROM:
        ratio = round(ratio, 1)
        return f"{shown} représente {format_number(ratio, 1)} fois {pronoun} {where} {rshown}", ratio, "fois"
    pct = round((ratio - 1) * 100)
    return f"{shown} est {adjective} de {format_number(abs(pct), 0, '%')} à {pronoun} {where} {rshown}", pct, "%"


def _agreement(ctx: Context, ind, value: float, higher: bool, others: list[dict]) -> str:
    """« ; même constat face à la région Normandie (10,1 %) et à la France (8,2 %) », or the reverse."""
    same, opposite, differ, missing = [], [], [], []
    gap = ctx.thresholds.gap(ind.id)
    v = printed(value, ind.decimals)
    _, feminine = subject(ind.label)
    for row in others:
        name = place(row["level"], row["name"])
        if not _available(row):
            missing.append(with_preposition(name, "de"))
            continue
        r = printed(row["value"], ind.decimals)
        shown = f"({format_value(r, ind.unit, ind.decimals)})"
        if not crosses(v, r, ind.unit, gap):
            differ.append(f"{with_preposition(name, 'à')} {shown}")
        elif (v > r) == higher:
            same.append(f"{with_preposition(name, 'à')} {shown}")
        else:
            opposite.append(f"à {'celle' if feminine else 'celui'} {with_preposition(name, 'de')} {shown}")
    parts = []
    if same and differ:
        parts.append(f"même constat face {join_fr(same)}, mais pas face {join_fr(differ, 'ni')}")
    elif same:
        parts.append(f"même constat face {join_fr(same)}")
    elif differ:
        parts.append(f"l'écart n'est pas marqué face {join_fr(differ, 'ni')}")
    if opposite:
        adjective = agree("inférieur" if higher else "supérieur", feminine)
        parts.append(f"à l'inverse, {'elle' if feminine else 'il'} est {adjective} {join_fr(opposite)}")
    if missing:
        plural = len(missing) > 1
        parts.append(f"valeur{'s' if plural else ''} {join_fr(missing)} non disponible{'s' if plural else ''}")
    return "".join(f" ; {p}" for p in parts)


def _peers(ctx: Context, ind) -> str:
    """« ; à titre de comparaison : Morlaix (12,3 %) » for the territories given with --pairs."""
    shown = [f"{row['name']} ({format_value(printed(row['value'], ind.decimals), ind.unit, ind.decimals)})"
             for row in ctx.peer_rows(ind.id) if _available(row)]
    return f" ; à titre de comparaison : {join_fr(shown)}" if shown else ""


def _vintage(own, ref) -> str:
    mine, theirs = clean_vintage(own["vintage"]), clean_vintage(ref["vintage"])
    return mine if not theirs or theirs == mine else f"{mine} (référence {theirs})"


@register("ecart_reference", "Écart aux références")
def ecart_reference(ctx: Context) -> list[Finding]:
    out = []
    for ind_id, own in ctx.own_rows():
        ind = cat.catalogue().get(ind_id)
        if ind is None or not own["comparable"] or _missing(own["value"]) or is_trend(ind_id):
            continue
        ref, skipped, others = choose_reference(ctx, ind_id)
        if ref is None:
            continue
        ctx.compared.add(ind_id)
        v, r = printed(own["value"], ind.decimals), printed(ref["value"], ind.decimals)
        if not crosses(v, r, ind.unit, ctx.thresholds.gap(ind_id)):
            continue
        text, gap, gap_unit = compare_text(ind.label, ind.unit, ind.decimals, own["value"], ref, own["vintage"])
        if skipped:
            names = [with_preposition(place(s["level"], s["name"]), "de") for s in skipped]
            text += f", la valeur {join_fr(names)} n'étant pas disponible"
        text += _agreement(ctx, ind, own["value"], v > r, others) + _peers(ctx, ind) + "."
        out.append(Finding(
            kind="ecart_reference", indicator=ind_id, theme=ind.theme, label=ind.label,
            status=status_of(ind.polarity, v > r), sentence=text, value=v,
            reference_level=ref["level"], reference_name=ref["name"], reference_value=r,
            gap=gap, gap_unit=gap_unit, unit=ind.unit, source=own["source"] or ref["source"],
            vintage=_vintage(own, ref), catalogue_axes=ind.axes))
    return out


def _reason(rows: list[dict]) -> str:
    """Why no reference is available: the département's note (the key reference) first."""
    for row in rows:
        note = str(row.get("note") or "").strip()
        if note:
            note = note.removeprefix("non disponible : ").rstrip(". ")
            return f"la valeur {with_preposition(place(row['level'], row['name']), 'de')} n'est pas " \
                   f"disponible ({note})"
    return "aucune valeur de référence n'est disponible"


@register("comparaison_impossible", "Comparaison impossible")
def comparaison_impossible(ctx: Context) -> list[Finding]:
    """Per theme, the indicators with a value but no reference, and why."""
    by_theme: dict[str, dict[str, list]] = {}
    for ind_id, own in ctx.own_rows():
        ind = cat.catalogue().get(ind_id)
        if ind is None or not own["comparable"] or _missing(own["value"]):
            continue
        ref, skipped, _ = choose_reference(ctx, ind_id)
        if ref is None and skipped:
            by_theme.setdefault(ind.theme, {}).setdefault(_reason(skipped), []).append((ind, own))
    out = []
    for theme, reasons in by_theme.items():
        sentences, first = [], None
        for reason, items in reasons.items():
            first = first or items[0]
            names = []
            for ind, own in items:
                subj, _ = subject(ind.label)
                shown = dated(format_value(printed(own["value"], ind.decimals), ind.unit, ind.decimals,
                                           signed=is_trend(ind.id)), own["vintage"])
                names.append(f"{subj[0].lower() + subj[1:]} ({shown})")
            feminine = all(subject(ind.label)[1] for ind, _ in items)
            verb = "ne peuvent pas être" if len(items) > 1 else "ne peut pas être"
            participle = agree("comparé", feminine) + ("s" if len(items) > 1 else "")
            text = f"{join_fr(names)} {verb} {participle} aux références : {reason}."
            sentences.append(text[0].upper() + text[1:])
        # The theme's finding goes where its first indicator with a CTG axis goes.
        ind, own = next(((i, o) for items in reasons.values() for i, o in items if i.axes), first)
        out.append(Finding(
            kind="comparaison_impossible", indicator=ind.id, theme=theme, label=cat.THEMES[theme],
            status="non_compare", sentence=" ".join(sentences), unit="", source=own["source"],
            vintage=clean_vintage(own["vintage"]), subject=theme, catalogue_axes=ind.axes))
    return out


@register("effectif_faible", "Effectif faible", stage=1)
def effectif_faible(ctx: Context) -> list[Finding]:
    """Gaps whose denominator is below the configured minimum become warnings, never enjeux.

    Runs after the other kinds: it turns their findings into warnings in place.
    """
    th = ctx.thresholds
    for finding in ctx.findings:
        if finding.kind not in ("ecart_reference", "tendance") or finding.subject:
            continue
        den_id = th.denominator(finding.indicator)
        minimum = th.small_minimum.get(den_id)
        if minimum is None or den_id not in ctx.own.index:
            continue
        count = ctx.own.at[den_id, "value"]
        if _missing(count):
            continue
        if count < minimum:
            what = f"{format_number(count)} {cat.catalogue()[den_id].unit}, moins de {format_number(minimum)}"
        elif finding.unit == "pour 1 000 hab." and finding.value is not None \
                and round(finding.value * count / 1000) < th.small_numerator:
            facilities = round(finding.value * count / 1000)
            what = (f"{facilities} équipement{'s' if facilities > 1 else ''} sur le territoire, moins de "
                    f"{format_number(th.small_numerator)}")
        else:
            continue
        finding.kind, finding.status = "effectif_faible", "avertissement"
        finding.sentence = (f"{finding.sentence[:-1]}. Effectif faible ({what}) : écart à lire avec "
                            "prudence, non retenu comme enjeu.")
    return []
