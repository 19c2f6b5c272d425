"""Section 4 of the report: products, vintages, geographies, notes, files and generation."""
import platform

from ... import __version__
from ... import findings as findings_mod
from ...sources import geometries
from ...territory import geography
from ...text import clean_vintage, format_number
from ..display import Html, esc
from ..formatting import date_fr
from ..tables import files_table, notes_table, sources_table
from . import Section, register
from . import all as all_sections

#: Communes listed at most in the composition of the territory.
MAX_LISTED = 400


def render(dg, section) -> Html:
    t = dg.territory
    geo = geography()
    vintages = sorted({clean_vintage(v) for v in dg.table["vintage"] if v})
    mixed = ("<p><strong>Millésimes mixtes.</strong> Les indicateurs ne sont pas tous du même "
             "millésime : " + esc(", ".join(vintages)) + ". Chaque tableau indique la source et le "
             "millésime de chaque ligne ; un écart entre deux indicateurs de millésimes différents "
             "doit être lu avec prudence. Les fichiers sont exploités dans leur propre géographie "
             "communale (année du COG) : les communes fusionnées depuis sont additionnées, jamais "
             "réparties.</p>") if len(vintages) > 1 else ""
    communes = ""
    if len(t.communes) > 1:
        listing = ", ".join(f"{esc(geo.commune_name(c))} ({esc(c)})" for c in t.communes[:MAX_LISTED])
        more = f" … et {len(t.communes) - MAX_LISTED} autres" if len(t.communes) > MAX_LISTED else ""
        communes = (f"<details><summary>Composition : {len(t.communes)} communes (COG {t.geo_year})"
                    f"</summary><p>{listing}{more}.</p></details>")
    refs = ", ".join(esc(r.label) for r in t.references())
    return Html(
        f"<h3>Territoire et références</h3><p>{esc(t.label)}. Références de comparaison : {refs}.</p>"
        f"{communes}<h3>Sources et millésimes</h3>{mixed}"
        f'<div class="dg-screen-only">{sources_table(dg)}</div>'
        '<p class="dg-print-only">Chaque tableau de ce document donne la source et le millésime de '
        "chacune de ses lignes ; le tableau récapitulatif des produits, de leurs géographies et des "
        "indicateurs qu'ils alimentent figure dans la version HTML du rapport.</p>"
        f"<h3>Secret statistique, couverture et notes de méthode</h3>"
        "<p>« n.d. » signale une valeur non disponible : la note numérotée sous chaque tableau en donne "
        "la raison (fichier absent du miroir, secret statistique, couverture partielle). Une somme "
        "partielle n'est jamais présentée comme un total.</p>"
        f'<div class="dg-screen-only">{notes_table(dg)}</div>'
        '<p class="dg-print-only">Les notes numérotées sous chaque tableau donnent ces raisons ; '
        "leur liste complète figure dans la version HTML du rapport.</p>"
        f"{_thresholds()}<h3>Fichiers utilisés</h3>"
        f'<div class="dg-screen-only">{files_table(dg, _section_products())}</div>'
        '<p class="dg-print-only">La liste des fichiers lus, avec leur empreinte SHA-256, figure dans '
        "la version HTML du rapport et dans metadonnees.json.</p>"
        f"<h3>Génération du rapport</h3>{_generation(dg, geo)}")


def _section_products() -> set[str]:
    """Products the sections read themselves (beyond the catalogue): their files are listed too."""
    return {p for s in all_sections() for p in s.products}


def _thresholds() -> str:
    """How the findings are chosen (default thresholds of seuils.yaml)."""
    try:
        th = findings_mod.load_thresholds()
    except Exception:  # the section still shows the rest
        return ""
    adjusted = f", ajustés pour {len(th['indicateurs'])} indicateurs" if th["indicateurs"] else ""
    return (f"<p><strong>Repérage des enjeux.</strong> Un écart est retenu quand il dépasse "
            f"{format_number(th['defaut']['ecart_points'], 1)} point(s) pour une part et "
            f"{format_number(100 * th['defaut']['ecart_relatif'], 0)} % en valeur relative "
            f"(seuils par défaut du fichier seuils.yaml{adjusted}). Les effectifs (population, "
            "naissances…) ne sont pas comparés entre territoires de tailles différentes.</p>")


def _generation(dg, geo) -> str:
    try:
        background = f"<li>Fonds de carte : {esc(geometries.geometry_source())}.</li>"
    except Exception:
        background = ""
    return ("<ul>"
            f"<li>Date de génération : {date_fr(dg.generated_at)} à {dg.generated_at:%H:%M}.</li>"
            f"<li>Version du kit « diagnostic » : {esc(__version__)} (Python {platform.python_version()}).</li>"
            f"<li>Géographie de référence : COG {geo.year} ; intercommunalités : {esc(geo.epci_source)}.</li>"
            f"{background}</ul>")


SECTION = register(Section("methodologie", "4", "Méthodologie et sources", render))
