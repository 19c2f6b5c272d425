"""Section 3 of the report: the territory's situation, then indicators commune by commune."""
from ... import maps
from ...catalogue import id_list
from ..display import Html, charts_block, esc, message, safe
from . import Section, register

#: Choropleths drawn at most.
MAX_MAPS = 4


def render(dg, section) -> Html:
    """Choropleths of the communes (EPCI, perimeter, département...) or the locator map."""
    t = dg.territory
    if t.kind in ("commune", "arrondissement"):
        return charts_block([safe("situation de la commune", lambda: maps.locator(t))])
    if t.kind == "france":
        return message("Pas de carte communale pour la France entière (près de 35 000 communes).")
    parts = [safe("situation du territoire", lambda: maps.locator(t))]
    chosen = map_indicators(dg)
    if not chosen:
        parts.append(message("Aucun indicateur n'est disponible commune par commune pour ce "
                             "territoire."))
    for ind_id in chosen:
        parts.append(safe(dg.own.at[ind_id, "label"], lambda i=ind_id: choropleth(dg, i)))
    return charts_block(parts)


def map_indicators(dg, limit: int = MAX_MAPS) -> list[str]:
    """The first indicators of the « cartes » list with a value (or some communes covered)."""
    known = set(dg.table["id"])
    chosen = []
    for ind_id in id_list("cartes"):
        if ind_id in known and (dg.has_value(ind_id) or dg.partially_covered(ind_id)):
            chosen.append(ind_id)
        if len(chosen) >= limit:
            break
    return chosen


def choropleth(dg, ind_id: str):
    values = dg.commune_values(ind_id)
    attrs = values.attrs
    series = values.set_index("code")["value"]
    if series.notna().sum() == 0:
        return message(f"« {esc(attrs.get('label', ind_id))} » : aucune valeur par commune "
                       f"({esc(attrs.get('note') or 'source sans détail communal')}).")
    unit = "%" if str(attrs.get("unit", "")).startswith("%") else attrs.get("unit", "")
    source = attrs.get("source", "")
    vint = dg.own.at[ind_id, "vintage"]
    title = f"{attrs.get('label', ind_id)} par commune"
    if source and vint and str(vint) not in source:
        source = f"{source}, millésime {vint}"
    return maps.choropleth(dg.territory, series, title, unit, source,
                           decimals=int(attrs.get("decimals", 1)))


SECTION = register(Section("cartes", "3", "Cartes", render))
