"""Theme section 2.4 of the report: older people and their isolation."""
from . import Section, register
from ._theme import render

SECTION = register(Section(
    "vieillissement", "2.4", "Vieillissement", render,
    themes=("vieillissement",),
    bars=("part_75_ans_et_plus", "part_60_ans_et_plus", "part_80_ans_et_plus_seuls"),
    products=("rp_population",),
))
