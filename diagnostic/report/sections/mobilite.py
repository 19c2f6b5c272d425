"""Theme section 2.9 of the report: commuting and car ownership of the households."""
from .. import special_charts
from . import Section, register
from ._theme import render

SECTION = register(Section(
    "mobilite", "2.9", "Mobilité", render,
    themes=("mobilite",),
    bars=("part_menages_sans_voiture", "part_actifs_travaillant_hors_commune"),
    products=("rp_activite", "mobpro"),
    charts=(special_charts.commuting_modes,),
))
