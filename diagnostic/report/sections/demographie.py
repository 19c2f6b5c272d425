"""Theme section 2.1 of the report: population size, growth, births and deaths, age structure."""
from .. import special_charts
from . import Section, register
from ._theme import render

SECTION = register(Section(
    "demographie", "2.1", "Démographie", render,
    themes=("demographie",),
    bars=("population_evolution_annuelle", "taux_natalite"),
    products=("comparateur", "rp_population"),
    charts=(special_charts.pyramid, special_charts.population_history),
))
