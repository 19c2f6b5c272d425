"""Theme section 2.6 of the report: housing stock, vacancy, tenure and social housing."""
from . import Section, register
from ._theme import render

SECTION = register(Section(
    "logement", "2.6", "Logement", render,
    themes=("logement",),
    bars=("part_logements_vacants", "part_locataires_hlm", "part_proprietaires"),
    products=("comparateur", "rp_logement"),
))
