"""Theme section 2.5 of the report: standard of living, poverty (Filosofi) and CAF recipients."""
from .. import special_charts
from . import Section, register
from ._theme import render

SECTION = register(Section(
    "revenus", "2.5", "Revenus, précarité et accès aux droits", render,
    themes=("revenus", "caf"),
    bars=("taux_pauvrete", "part_allocataires_rsa", "part_allocataires_aide_logement"),
    products=("filosofi", "caf_iris"),
    charts=(special_charts.caf_evolution,),
))
