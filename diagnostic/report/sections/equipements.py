"""Theme section 2.8 of the report: facilities and services (Base permanente des équipements)."""
from . import Section, register
from ._theme import render

SECTION = register(Section(
    "equipements", "2.8", "Équipements et services", render,
    themes=("equipements",),
    products=("bpe",),
))
