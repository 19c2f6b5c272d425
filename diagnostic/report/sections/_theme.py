"""What every theme section shows: its indicators beside the references, the values of
the covered communes, its charts (special ones, then comparison bars) and a comment."""
from __future__ import annotations

import pandas as pd

from ... import charts
from ..display import Html, charts_block, esc, message, safe, section_block
from ..formatting import source_line
from ..prose import comment, no_indicator_text
from ..special_charts import CHART_WIDTH
from ..tables import indicator_table

#: Comparison bars drawn at most per section.
MAX_BARS = 2


def render(dg, section) -> Html:
    """A theme section: key figures table, charts and comment (or why it is empty)."""
    ids = dg.theme_ids(section.themes)
    parts = []
    if not ids:
        parts.append(message(no_indicator_text(section)))
    else:
        if not any(dg.has_value(i) for i in ids):
            notes = sorted({dg.own.at[i, "note"] for i in ids if dg.own.at[i, "note"]})
            # Estimates or lower bounds over a partly covered field are figures, not « no data ».
            partial = any(pd.notna(dg.own.at[i, "estimate"]) or pd.notna(dg.own.at[i, "lower_bound"])
                          for i in ids if "estimate" in dg.own.columns)
            lead = ("Valeurs estimées sur le champ couvert par la source (*) ou minimums :"
                    if partial else "Données non disponibles pour ce thème.")
            parts.append(message(f"<strong>{lead}</strong> "
                                 + " ".join(esc(n[0].upper() + n[1:]) for n in notes)))
        parts.append(indicator_table(dg, ids))
        if any(dg.partially_covered(i) for i in ids):  # the communes' own values are in the annex
            parts.append(message("Valeurs des communes couvertes par la source : voir l'annexe "
                                 "« Valeurs par commune »."))
    drawn = section_charts(dg, section)
    if drawn:
        parts.append(charts_block(drawn))
    parts.append(comment(dg, ids))
    return section_block(section, parts)


def section_charts(dg, section) -> list[Html]:
    """The section's charts, each already embedded (or a French message)."""
    out = [safe(f"graphique du thème {section.title}", lambda b=build: b(dg)) for build in section.charts]
    drawn = 0
    for ind_id in section.bars:
        if drawn >= MAX_BARS:
            break
        if dg.has_value(ind_id):
            chart = safe(dg.own.at[ind_id, "label"], lambda i=ind_id: comparison_chart(dg, i))
            if chart:
                out.append(chart)
                drawn += 1
    return [h for h in out if h]


def comparison_chart(dg, ind_id: str):
    """Bars of the territory beside its references (None when no reference has a value)."""
    rows = dg.records(ind_id)
    own = next(r for r in rows if r["level"] == "territoire")
    if not any(pd.notna(r["value"]) for r in rows if r["level"] != "territoire"):
        return None  # nothing to compare with: the table says why
    values = pd.Series([r["value"] for r in rows], index=[r["name"] for r in rows], dtype=float)
    values = values[~values.index.duplicated()]
    unit = "%" if str(own["unit"]).startswith("%") else own["unit"]
    return charts.comparison_bars(values, own["label"], unit=unit, source=source_line(own),
                                  decimals=int(own["decimals"]), width=CHART_WIDTH)
