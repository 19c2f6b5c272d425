"""The index page of a batch (``index.html``): one row per report, key figures, failures.

Rendered from ``templates/lot.html.j2`` (with ``lot.css`` and ``lot.js``, a
sortable table without any request); its columns are the catalogue's « index_lot » list.
"""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from .. import __version__
from ..atomic import write_text
from ..catalogue import catalogue, id_list
from ..comparison import find_row
from ..text import format_number
from . import assets
from .formatting import date_fr, unit_suffix, value_text


def write_index(outcome, lot_dir: Path, jobs: int = 1) -> Path:
    """``index.html``: sortable table of the territories, links to the reports, failures.

    The page is ``templates/lot.html.j2`` with its ``lot.css`` and ``lot.js``; its
    columns are the catalogue's « index_lot » list, each followed by the value of the
    territory's reference département (as in ``comparaison.xlsx``)."""
    figures = id_list("index_lot")
    successes = []
    for t in outcome.successes:
        cells = []
        for ind_id in figures:  # the territory's value, then its reference département's
            for rows in (t.get("indicators"), t.get("departement")):
                r = find_row(rows, ind_id) or {}
                value = r.get("value")
                cells.append({"sort": "" if value is None else f"{value:.6f}",
                              "text": value_text(value, r.get("decimals") or 0, r.get("unit"))})
        successes.append({**t, "cells": cells, "link": os.path.relpath(t["html"], lot_dir)})
    indicators = catalogue()
    now = dt.datetime.now()
    title = ("Diagnostics territoriaux" if outcome.name == "lot"
             else f"Diagnostics territoriaux : lot « {outcome.name} »")
    page = assets.render(assets.INDEX_TEMPLATE, title=title, css=assets.lot_css(),
                         js=assets.read("lot.js"), successes=successes, failures=outcome.failures,
                         figures=[header for i in figures for header in (
                             indicators[i].label + unit_suffix(indicators[i].unit),
                             f"{indicators[i].label} : département de référence")],
                         date=date_fr(now),
                         time=f"{now:%H:%M}", version=__version__, jobs=jobs,
                         seconds=format_number(outcome.seconds, 0))
    return write_text(outcome.index, page)
