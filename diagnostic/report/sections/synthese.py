"""Section 1 of the report: key figures beside the references, then the findings by CTG axis."""
from ...catalogue import id_list
from ..display import Html
from ..prose import findings_by_axis
from ..tables import indicator_table
from . import Section, register


def render(dg, section) -> Html:
    known = set(dg.table["id"])
    key_figures = [i for i in id_list("chiffres_cles") if i in known]
    return Html(indicator_table(dg, key_figures, "Chiffres clés du territoire et de ses références")
                + "<h3>Enjeux par axe de la convention</h3>" + findings_by_axis(dg))


SECTION = register(Section("synthese", "1", "Synthèse", render))
