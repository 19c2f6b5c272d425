"""The median niveau de vie from 2014 to 2019 (Filosofi files of each level), a chart of the
« Revenus » section: each level's line comes from its own published file, never from communes;
a year where the territory is absent (an EPCI created since) leaves a gap, said in the source."""
from __future__ import annotations

import numpy as np

from ... import charts, revenus
from ...sources import find
from ..display import message
from ..special_charts import CHART_WIDTH


def median_trend(dg):
    """Line chart of the median niveau de vie, territory and references, every Filosofi vintage."""
    vintages = sorted({d.vintage for d in find("filosofi_disp", required=False)})
    if len(vintages) < 2:
        return message("Évolution du niveau de vie médian non disponible : il faut au moins deux "
                       "millésimes des fichiers Filosofi « FILO20AA_DISP » dans le miroir.")
    t = dg.territory
    if revenus.LEVEL_OF_KIND.get(t.kind) is None:
        return None  # a perimeter: no published median (the indicator table says why)
    fig = charts.new_figure(CHART_WIDTH, 4.2)
    ax = fig.add_subplot()
    absent = []
    for i, ref in enumerate([t, *t.references()]):
        values = np.array([revenus.published_median(ref, v)[0] for v in vintages], dtype=float)
        if np.isnan(values).all():
            absent.append(ref.name)
            continue
        missing = [str(v) for v, x in zip(vintages, values) if np.isnan(x)]
        if missing:
            absent.append(f"{ref.name} en {', '.join(missing)}")
        ax.plot(vintages, values, marker="o", color=charts.LINE_PALETTE[i % len(charts.LINE_PALETTE)],
                linewidth=2.2 if i == 0 else 1.4,
                label="France métropolitaine" if ref.kind == "france" else ref.name)
    ax.set_xticks(vintages, [str(v) for v in vintages])
    ax.yaxis.set_major_formatter(lambda x, _pos: charts.format_number(x, 0))
    ax.set_ylabel("€ par unité de consommation et par an")
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(frameon=False, fontsize=charts.BASE_FONT_SIZE - 1.5)
    charts.add_title(fig, f"Niveau de vie médian, {vintages[0]}-{vintages[-1]}")
    note = (" ; absent du fichier : " + " ; ".join(absent) + " (territoire créé ou modifié depuis)"
            if absent else "")
    charts.add_source(fig, f"Insee, Filosofi {vintages[0]} à {vintages[-1]}, revenu disponible, fichier "
                           f"publié à chaque niveau (euros courants){note}")
    return fig
