"""Section 5 of the report (annex): each indicator commune by commune.

For an EPCI or a perimeter, one table per theme lists every commune with the
indicators that have commune values (at most :data:`COLUMNS` per table, so that a
printed page holds them), then the territory itself. Beyond :data:`MAX_ROWS`
communes (a département), each indicator shows its highest and lowest communes;
the full detail is in the report's ``valeurs-par-commune.csv``.
"""
from ..display import Html, esc, message, section_block
from ..tables import commune_detail_table, commune_extremes_table
from . import Section, register, themed

#: Indicators per table (columns), for an A4 page.
COLUMNS = 8
#: Communes listed in full up to this count; beyond it, highest and lowest only.
MAX_ROWS = 60
#: Highest and lowest communes shown for a long list.
EXTREMES = 5


def render(dg, section) -> Html:
    t = dg.territory
    if t.kind == "france":
        return message("Pas de détail communal pour la France entière (près de 35 000 communes).")
    if len(t.communes) <= 1:
        return message("Le territoire est une seule commune : ses valeurs figurent dans les tableaux "
                       "des sections précédentes.")
    ids = set(dg.commune_detail_ids())
    if not ids:
        return message("Aucun indicateur n'est disponible commune par commune pour ce territoire.")
    long = len(t.communes) > MAX_ROWS
    parts = [Html(f"<p>{_intro(len(t.communes), long)}</p>")]
    for theme_section in themed():
        theme_ids = [i for i in dg.theme_ids(theme_section.themes) if i in ids]
        if not theme_ids:
            continue
        parts.append(f"<h4>{esc(theme_section.title)}</h4>")
        if long:
            parts.append(commune_extremes_table(dg, theme_ids, EXTREMES))
            continue
        tables = -(-len(theme_ids) // COLUMNS)
        width = -(-len(theme_ids) // tables)  # balanced tables: 7 indicators give 4 + 3 columns
        for start in range(0, len(theme_ids), width):
            parts.append(commune_detail_table(dg, theme_ids[start:start + width]))
    return section_block(section, parts, css="dg-annex")


def _intro(count: int, long: bool) -> str:
    if long:
        return (f"Le territoire compte {count} communes : pour chaque indicateur disponible commune par "
                f"commune, les {EXTREMES} valeurs les plus élevées et les {EXTREMES} plus faibles. Le détail "
                "complet figure dans le fichier « valeurs-par-commune.csv » joint au rapport.")
    return (f"Valeurs des {count} communes du territoire pour chaque indicateur disponible commune par "
            "commune, puis celle du territoire. « n.d. » : commune non couverte par la source ou "
            "valeur soumise au secret statistique.")


SECTION = register(Section("communes", "5", "Annexe : valeurs par commune", render))
