"""Section 1 of the report: the synthèse of each axis of the convention, then the key figures.

Each axis opens with its paste-ready paragraph (atouts, points de vigilance, données
manquantes: :mod:`diagnostic.synthese`) and the table of its key figures beside the
references; every finding of the territory appears once, under its axis. The same
text is written to ``synthese.docx``.
"""
from ...catalogue import id_list
from ..display import Html, esc
from ..tables import indicator_table
from . import Section, register


def _axis_block(dg, s) -> str:
    text = " ".join((f"<strong>{esc(lead)}</strong> " if lead else "") + esc(body) for lead, body in s.parts())
    description = f'<p class="dg-muted">{esc(s.description)}</p>' if s.description else ""
    figures = indicator_table(dg, s.figure_ids, f"Chiffres clés – {s.titre}") if s.figure_ids else ""
    return f'<div class="dg-axis"><h3>{esc(s.titre)}</h3>{description}<p>{text}</p>{figures}</div>'


def render(dg, section) -> Html:
    source = dg.axes.source if not dg.axes.from_catalogue else ""
    intro = ("<p>Pour chaque axe de la convention"
             + (f" (fichier d'axes {esc(source.rsplit('/', 1)[-1])})" if source else
                " (axes candidats d'une convention territoriale globale)")
             + ", la synthèse du diagnostic rassemble les points de vigilance, les atouts et les données "
             "manquantes, chaque chiffre avec sa référence ; le même texte figure dans « synthese.docx », "
             "prêt à être repris dans la convention. Les constats sont établis par rapport au département, "
             "référence de la convention ; ils sont une base de discussion avec les partenaires.</p>")
    known = set(dg.table["id"])
    key_figures = [i for i in id_list("chiffres_cles") if i in known]
    return Html(intro + "".join(_axis_block(dg, s) for s in dg.syntheses)
                + indicator_table(dg, key_figures, "Chiffres clés du territoire et de ses références"))


SECTION = register(Section("synthese", "1", "Synthèse", render))
