"""Section 2.5.2 of the report: contrasts inside the territory, poverty rate and median by IRIS.

IRIS figures are shown IRIS by IRIS beside their commune's published value, never
summed or averaged; a secret IRIS is shown as such (table and chart).
"""
from __future__ import annotations

import numpy as np

from ... import charts, iris
from ..display import Html, charts_block, esc, message, safe, section_block
from ..special_charts import CHART_WIDTH
from . import Section, register
from ._data_tables import Notes, cell, guarded, table

#: IRIS listed for an EPCI, a perimeter or a département (the highest poverty rates).
TOP = 15


@guarded
def render(dg, section) -> Html:
    t = dg.territory
    if t.kind in ("region", "france"):
        return message("Les revenus par IRIS sont détaillés dans les rapports des communes et des "
                       "intercommunalités.")
    frame, notes = iris.iris_incomes(t, top=TOP)
    parts = [message(esc(n)) for n in notes]
    if frame.empty:
        return section_block(section, parts)
    parts.append(charts_block([safe("taux de pauvreté par IRIS", lambda: iris_chart(frame, t))]))
    parts.append(_table(frame, t))
    return section_block(section, parts)


def _table(frame, t) -> Html:
    notes = Notes()
    several = frame["commune"].nunique() > 1
    head = ["IRIS"] + (["Commune"] if several else []) + [
        "Taux de pauvreté", "Niveau de vie médian (€)", "Taux de pauvreté de la commune",
        "Niveau de vie médian de la commune (€)"]
    rows = []
    for r in frame.itertuples():
        line = [f"{esc(r.iris_name)} ({esc(r.iris)})" + notes.ref(r.note)]
        if several:
            line.append(esc(r.commune_name))
        line += [cell(r.poverty_rate, "%") if not np.isnan(r.poverty_rate) else "secret",
                 cell(r.median, "€") if not np.isnan(r.median) else "secret",
                 cell(r.commune_poverty_rate, "%"), cell(r.commune_median, "€")]
        rows.append(line)
    first = frame.iloc[0]
    what = "IRIS de la commune" if t.kind == "commune" else f"les {len(frame)} IRIS les plus pauvres"
    caption = (f"Taux de pauvreté et niveau de vie médian, {what} — {first['source']} ; "
               f"valeurs de la commune : {first['commune_source']}")
    return table(head, rows, caption=caption, numeric_from=2 if several else 1, notes=notes)


def iris_chart(frame, t):
    """Horizontal bars of the IRIS poverty rates; secret IRIS named, without a bar; the
    commune's published rate as a line when there is one commune."""
    data = frame.iloc[::-1]
    labels = [f"{n} ({c})" if frame["commune"].nunique() > 1 else str(n)
              for n, c in zip(data["iris_name"], data["commune_name"])]
    fig = charts.new_figure(CHART_WIDTH, max(3.0, 0.32 * len(data) + 1.6))
    ax = fig.add_subplot()
    values = data["poverty_rate"].to_numpy(dtype=float)
    y = np.arange(len(data))
    ax.barh(y, np.nan_to_num(values), color=charts.ACCENT, height=0.7)
    for yi, v in zip(y, values):
        ax.text((0 if np.isnan(v) else v) + 0.6, yi, "secret statistique" if np.isnan(v)
                else charts.format_number(v, 1, "%"), va="center", fontsize=charts.BASE_FONT_SIZE - 1.5,
                color=charts.MUTED if np.isnan(v) else charts.INK)
    ax.set_yticks(y, labels, fontsize=charts.BASE_FONT_SIZE - 1)
    communes = frame["commune"].unique()
    rate = frame["commune_poverty_rate"].iloc[0]
    if len(communes) == 1 and not np.isnan(rate):
        ax.axvline(rate, color=charts.INK, linestyle="--", linewidth=1)
        ax.text(rate, len(data) - 0.4, f" {frame['commune_name'].iloc[0]} : "
                f"{charts.format_number(rate, 1, '%')}", fontsize=charts.BASE_FONT_SIZE - 1.5,
                color=charts.INK, va="bottom")
    ax.set_xlim(0, max(np.nanmax(values) if np.isfinite(values).any() else 10, 10) * 1.18)
    ax.set_xlabel("Taux de pauvreté (%)")
    ax.spines[["top", "right"]].set_visible(False)
    charts.add_title(fig, "Taux de pauvreté par IRIS" + (f" — {t.name}" if t.kind == "commune" else
                                                          " (les IRIS les plus pauvres)"))
    charts.add_source(fig, f"{frame['source'].iloc[0]} ; ligne : valeur publiée de la commune")
    return fig


SECTION = register(Section(
    "revenus_iris", "2.5.2", "Revenus par IRIS : les contrastes internes", render,
    products=("filosofi_iris",),
))
