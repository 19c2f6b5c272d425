"""The charts that are more than an indicator beside its references.

Age pyramid, family types, commuting modes, population since 1968 and the CAF
recipients' evolution: each sums raw census or CAF columns over the territory
and its fully covered references (never a partial sum), and returns a
matplotlib figure, or a French message saying which file is missing.
Each function takes the :class:`~diagnostic.report.diagnostic.Diagnostic`.
"""
from __future__ import annotations

import pandas as pd

from .. import charts, indicators
from ..data import commune_table
from ..sources import find
from ..sources.recensement import population_columns
from .display import esc, message

#: Width of the charts (inches): about 770 px at 110 dpi, readable without zoom.
CHART_WIDTH = 7.0


def aggregate(keys: tuple[str, ...], columns: list[str], territory, vintage=None):
    """Sums of ``columns`` over a territory from the first product that has them.

    Returns (sums or None, SourceTable or None, coverage or None): ``sums`` is
    None when the product does not cover every commune of the territory.
    """
    last = (None, None, None)
    for key in keys:
        for level in ("COM", "IRIS"):
            try:
                src = commune_table(key, vintage=vintage, level=level, required=False)
            except Exception:
                src = None
            if src is None:
                continue
            cols = [c.replace("{aa}", f"{src.vintage % 100:02d}") for c in columns]
            if not all(c in src.table.columns for c in cols):
                last = (None, src, None)
                continue
            sums, cov, _ = indicators.aggregate(src, territory, cols)
            if sums is not None:
                sums.index = columns
                return sums, src, cov
            last = (None, src, cov)
    return last


def unavailable_text(what: str, src, cov, example: str) -> str:
    """French reason why a chart cannot be drawn for the territory."""
    if src is None:
        return (f"{what} n'est pas disponible : aucun fichier du recensement ne la permet dans le "
                f"miroir (ajoutez « {example} » au dossier recensement).")
    if cov is not None and cov.total:
        return (f"{what} n'est pas disponible pour ce territoire : {esc(src.citation)} ne couvre que "
                f"{cov.covered} commune{'s' if cov.covered > 1 else ''} sur {cov.total} du territoire "
                f"(ajoutez la base communale complète, « {example} », au dossier recensement).")
    return (f"{what} n'est pas disponible : les variables nécessaires sont absentes de "
            f"{esc(src.citation)}.")


def pyramid(dg):
    """Age pyramid of the territory, outlined with its first fully covered reference."""
    bands = [("0014", "0-14 ans"), ("1529", "15-29 ans"), ("3044", "30-44 ans"),
             ("4559", "45-59 ans"), ("6074", "60-74 ans"), ("75P", "75 ans ou plus")]
    cols = [f"P{{aa}}_{sex}{b}" for sex in ("H", "F") for b, _ in bands]
    keys = ("rp_population", "rp_iris_population")
    sums, src, cov = aggregate(keys, cols, dg.territory)
    if sums is None:
        return message(unavailable_text("La pyramide des âges", src, cov, "base-cc-evol-struct-pop-2019.zip"))
    labels = [lab for _, lab in bands]
    men = pd.Series([sums[f"P{{aa}}_H{b}"] for b, _ in bands], index=labels)
    women = pd.Series([sums[f"P{{aa}}_F{b}"] for b, _ in bands], index=labels)
    ref_m = ref_w = None
    ref_label = "Référence"
    for ref in dg.references()[1:]:
        rs, _, _ = aggregate((src.key,), cols, ref, vintage=src.vintage)
        if rs is not None:
            ref_m = pd.Series([rs[f"P{{aa}}_H{b}"] for b, _ in bands], index=labels)
            ref_w = pd.Series([rs[f"P{{aa}}_F{b}"] for b, _ in bands], index=labels)
            ref_label = ref.name
            break
    source = f"{src.citation}, millésime {src.vintage}"
    if ref_m is None:
        source += (" ; aucun territoire de référence n'est entièrement couvert par les fichiers du "
                   "miroir : pas de contour de comparaison")
    return charts.age_pyramid(men, women, f"Pyramide des âges : {dg.territory.name} ({src.vintage})",
                              source, reference_men=ref_m, reference_women=ref_w,
                              reference_label=ref_label, territory_label=dg.territory.name,
                              width=CHART_WIDTH)


def _shares_frame(dg, keys, parts: dict[str, str], total: str, what: str, example: str,
                  remainder: str | None = None):
    """Shares (%) of ``parts`` in ``total`` for the territory and each fully covered reference."""
    cols = list(dict.fromkeys([*parts.values(), total]))
    sums, src, cov = aggregate(keys, cols, dg.territory)
    if sums is None:
        return None, message(unavailable_text(what, src, cov, example)), None
    rows, skipped = {}, []
    for t in dg.references():
        s = sums if t is dg.territory else aggregate((src.key,), cols, t, vintage=src.vintage)[0]
        if s is None or not s[total]:
            skipped.append(t.name)
            continue
        row = {label: s[col] / s[total] * 100 for label, col in parts.items()}
        if remainder:
            row[remainder] = max(0.0, 100 - sum(row.values()))
        rows[t.name] = row
    df = pd.DataFrame(rows).T
    source = f"{src.citation}, millésime {src.vintage}"
    if skipped:
        source += (f" ; non représenté{'s' if len(skipped) > 1 else ''}, faute de couverture "
                   f"complète dans le miroir : {', '.join(skipped)}")
    return df, None, source


def family_types(dg):
    """Couples with and without children, single-parent families: shares of the families."""
    parts = {"Couples avec enfant(s)": "C{aa}_COUPAENF", "Couples sans enfant": "C{aa}_COUPSENF",
             "Familles monoparentales": "C{aa}_FAMMONO"}
    df, msg, source = _shares_frame(dg, ("rp_familles", "rp_iris_familles"), parts, "C{aa}_FAM",
                                    "La répartition des familles par type",
                                    "base-cc-coupl-fam-men-2019.zip")
    if msg is not None:
        return msg
    return charts.stacked_shares(df, "Répartition des familles selon leur type", source, width=CHART_WIDTH)


def commuting_modes(dg):
    """Main means of transport of the employed to go to work."""
    keys = ("rp_activite", "rp_iris_activite")
    parts = {"Voiture, camion": "C{aa}_ACTOCC15P_VOIT",
             "Transports en commun": "C{aa}_ACTOCC15P_TCOM",
             "Marche à pied": "C{aa}_ACTOCC15P_MAR", "Vélo": "C{aa}_ACTOCC15P_VELO",
             "Deux-roues motorisé": "C{aa}_ACTOCC15P_2ROUESMOT",
             "Pas de transport": "C{aa}_ACTOCC15P_PAS"}
    remainder = None
    # The departmental extracts lack public transport: shown as an undetailed remainder.
    for key in keys:
        for level in ("COM", "IRIS"):
            try:
                src = commune_table(key, level=level, required=False)
            except Exception:
                src = None
            if src is not None:
                tcom = f"C{src.vintage % 100:02d}_ACTOCC15P_TCOM"
                if tcom not in src.table.columns:
                    parts.pop("Transports en commun")
                    remainder = "Autres, dont transports en commun"
                break
        else:
            continue
        break
    df, msg, source = _shares_frame(dg, keys, parts, "C{aa}_ACTOCC15P",
                                    "La répartition des modes de transport domicile-travail",
                                    "base-cc-emploi-pop-active-2019.zip", remainder)
    if msg is not None:
        return msg
    if remainder:
        source += (" ; « Autres, dont transports en commun » : part non détaillée par le fichier, "
                   "qui ne donne pas les transports en commun")
    return charts.stacked_shares(df, "Mode de transport principal des actifs occupés pour aller "
                                     "travailler", source, width=CHART_WIDTH)


def population_history(dg):
    """Population at each census since 1968 (séries historiques), base 100 in 1968."""
    try:
        src = commune_table("rp_series", required=False)
    except Exception:
        src = None
    if src is None:
        return message("La population depuis 1968 n'est pas disponible : la base « Séries "
                       "historiques » du recensement (« base-cc-serie-historique-2019.zip ») est "
                       "absente du miroir (dossier recensement).")
    cols = population_columns(src.table.columns)
    series, partial = {}, []
    for t in dg.references():
        sums, cov, _ = indicators.aggregate(src, t, list(cols))
        if sums is None:
            partial.append(t.name)
            continue
        years = {}
        for col, year in cols.items():  # a census year may have two columns: keep the first
            years.setdefault(year, float(sums[col]))
        series[t.name] = years
    if dg.territory.name not in series:
        return message("La population depuis 1968 ne peut pas être calculée pour ce territoire : "
                       "la base des séries historiques ne couvre pas toutes ses communes.")
    df = pd.DataFrame(series).sort_index()
    base100 = len(df.columns) > 1
    source = src.citation + (" ; non représenté(s) : " + ", ".join(partial) if partial else "")
    title = "Population depuis 1968" + (" (indice base 100 en 1968)" if base100 else "")
    return charts.evolution(df, title, unit="habitants", source=source, base100=base100,
                            width=CHART_WIDTH)


def caf_evolution(dg):
    """CAF recipient households at each December of the CAF IRIS files."""
    try:
        years = sorted({d.vintage for d in find("caf_iris", required=False)})
    except Exception:
        years = []
    if not years:
        return message("L'évolution des foyers allocataires de la CAF n'est pas disponible : les "
                       "fichiers « data_CAF_AAAA_IRIS.csv » (Cnaf) sont absents du miroir "
                       "(dossier caf).")
    series: dict[str, dict[int, float]] = {}
    citation, partial = "", []
    for t in dg.references():
        values, secret = {}, False
        for year in years:
            sums, src, cov = aggregate(("caf_iris",), ["A"], t, vintage=year)
            if src is not None:
                citation = src.citation.rsplit(",", 1)[0]
            if sums is not None:
                values[year] = float(sums["A"])
            elif cov is not None and cov.secret:
                secret = True
        if t is dg.territory and not values:
            if secret:
                return message(
                    "L'évolution des foyers allocataires de la CAF ne peut pas être calculée pour ce "
                    "territoire : une partie de ses IRIS est soumise au secret statistique dans les "
                    "données CAF à l'IRIS (valeurs non diffusées), et une somme partielle ne serait "
                    "pas un total.")
            return message(
                "L'évolution des foyers allocataires de la CAF ne peut pas être calculée pour ce "
                "territoire : les données CAF à l'IRIS ne couvrent que les communes découpées en "
                "IRIS (environ 10 000 habitants ou plus), et toutes les communes du territoire "
                "n'y figurent pas.")
        if values:
            series[t.name] = values
        elif t is not dg.territory:
            partial.append(t.name)
    df = pd.DataFrame(series)
    base100 = len(df.columns) > 1
    source = f"{citation or 'Cnaf, données CAF à l IRIS'}, décembre {years[0]} à {years[-1]}"
    if partial:
        source += (" ; " + ", ".join(partial) + " : non représenté(s), les données CAF à l'IRIS ne "
                   "couvrant pas toutes leurs communes")
    title = (f"Foyers allocataires de la CAF, {years[0]}-{years[-1]}"
             + (" (indice base 100)" if base100 else ""))
    return charts.evolution(df, title, unit="foyers allocataires", source=source, base100=base100,
                            width=CHART_WIDTH)
