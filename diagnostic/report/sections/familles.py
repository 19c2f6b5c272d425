"""Theme section 2.2 of the report: households and families (single people, couples, single-parent families)."""
from .. import special_charts
from . import Section, register
from ._theme import render

SECTION = register(Section(
    "familles", "2.2", "Familles et ménages", render,
    themes=("familles",),
    bars=("part_familles_monoparentales", "part_menages_une_personne"),
    products=("rp_familles",),
    charts=(special_charts.family_types,),
))
