"""Theme section 2.3 of the report: children and young people by age band."""
from . import Section, register
from ._theme import render

SECTION = register(Section(
    "enfance_jeunesse", "2.3", "Petite enfance et enfance-jeunesse", render,
    themes=("enfance_jeunesse",),
    bars=("part_0_2_ans", "part_0_14_ans", "part_15_29_ans"),
    products=("rp_population",),
))
