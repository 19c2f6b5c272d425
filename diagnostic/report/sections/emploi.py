"""Theme section 2.7 of the report: activity and unemployment of the inhabitants, jobs of the territory."""
from . import Section, register
from ._theme import render

SECTION = register(Section(
    "emploi", "2.7", "Emploi", render,
    themes=("emploi",),
    bars=("taux_chomage", "taux_activite"),
    products=("comparateur",),
))
