"""« QPV »: a quartier prioritaire far from its commune (poverty, income, allocataires).

Registered now so that axes files may name the kind; the figures come from the
QPV tables of :mod:`diagnostic.quartiers` once that module is in the kit.
"""
from __future__ import annotations

from .registry import Context, Finding, register


@register("qpv", "Quartier prioritaire")
def qpv(ctx: Context) -> list[Finding]:
    return []
