"""Theme section 2.5 of the report: standard of living, poverty (Filosofi) and CAF recipients."""
from .. import special_charts
from . import Section, register
from ._revenus_tendance import median_trend
from ._theme import render

SECTION = register(Section(
    "revenus", "2.5", "Revenus, précarité et accès aux droits", render,
    themes=("revenus", "caf"),
    bars=("taux_pauvrete", "part_allocataires_rsa", "part_allocataires_aide_logement"),
    products=("filosofi", "filosofi_disp", "caf_iris"),
    charts=(median_trend, special_charts.caf_evolution),
))
