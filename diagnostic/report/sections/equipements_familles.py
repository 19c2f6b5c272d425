"""Section 2.8.1 of the report: facilities by family, counts and densities, and their map.

Counts come from the BPE (one row of a geolocated file = one facility); the
département is a reference only when its BPE file covers it entirely, région and
France are « n.d. » with the reason when the mirror holds only some départements.
The map draws the facilities of an intercommunalité or a perimeter over its
communes; facilities without coordinates are counted, not drawn.
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib.collections import PolyCollection

from ... import charts, equipements
from ...sources import geometries as geo_src
from ...sources.bpe import FAMILIES
from ..display import Html, charts_block, esc, message, safe, section_block
from ..special_charts import CHART_WIDTH
from . import Section, register
from ._data_tables import Notes, cell, guarded, table

#: Columns of the table, in this order.
_LEVELS = ("territoire", "departement", "region", "france")


@guarded
def render(dg, section) -> Html:
    t = dg.territory
    frame, notes = equipements.facilities(t)
    parts = [message(esc(n)) for n in notes]
    if frame.empty:
        return section_block(section, parts)
    parts.append(_table(frame))
    if t.kind in ("epci", "perimetre"):
        pts, pnotes = equipements.points(t)
        parts += [message(esc(n)) for n in pnotes]
        if not pts.empty:
            parts.append(charts_block([safe("carte des équipements", lambda: points_map(t, pts))]))
    return section_block(section, parts)



def _table(frame: pd.DataFrame) -> Html:
    notes = Notes()
    columns = []
    for level in _LEVELS:
        sub = frame[frame["level"] == level]
        if not sub.empty:
            columns.append((level, sub["name"].iloc[0], sub.set_index("family")))
    head = ["Famille d'équipements"]
    for _, name, _ in columns:
        head += [f"{name} : nombre", f"{name} : pour 1 000 hab."]
    rows = []
    for family, (label, _) in FAMILIES.items():
        line = [esc(label)]
        for level, _, sub in columns:
            r = sub.loc[family]
            mark = notes.ref(r["note"]) if pd.isna(r["count"]) else ""
            line += [cell(r["count"]) + mark, cell(r["per_1000"], "", 2)]
        rows.append(line)
    first = frame.iloc[0]
    caption = (f"Équipements par famille — {first['source']} (millésimes {first['vintage']} : BPE / "
               "population) ; un équipement par ligne du fichier, lignes identiques comprises")
    return table(head, rows, caption=caption, notes=notes)


def _polygons(geometries) -> list:
    """Exterior rings of (multi)polygons as vertex arrays, for one PolyCollection (fast:
    no geopandas plotting, which redraws the whole figure at each call)."""
    rings = []
    for geom in geometries:
        if geom is None or geom.is_empty:
            continue
        for part in getattr(geom, "geoms", [geom]):
            if hasattr(part, "exterior"):
                rings.append(np.asarray(part.exterior.coords))
    return rings


def points_map(t, pts: pd.DataFrame):
    """The facilities of the territory as points over its communes, coloured by family."""
    crs = geo_src.local_crs(list(t.communes))
    communes = geo_src.territory_geometries(t).to_crs(crs)
    drawn = pts[pts["has_coordinates"]]
    points = gpd.GeoSeries(gpd.points_from_xy(drawn["lon"], drawn["lat"]), crs="EPSG:4326").to_crs(crs)
    x, y = points.x.to_numpy(), points.y.to_numpy()
    # Source errors (a few points far away): only the points inside the territory's box are drawn.
    minx, miny, maxx, maxy = communes.total_bounds
    inside = (x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy)
    ratio = (maxy - miny) / (maxx - minx) if maxx > minx else 1.0
    fig = charts.new_figure(CHART_WIDTH, min(max(CHART_WIDTH * 0.8 * ratio + 2.4, 4.6), 10.0))
    ax = fig.add_subplot()
    ax.add_collection(PolyCollection(_polygons(communes.geometry), facecolors="#f4f4f4",
                                     edgecolors="#9a9a9a", linewidths=0.5))
    palette = list(charts.PALETTE) + list(charts.LINE_PALETTE)
    families = drawn["family"].to_numpy()
    for i, (family, (label, _)) in enumerate(FAMILIES.items()):
        keep = inside & (families == family)
        if keep.any():
            ax.scatter(x[keep], y[keep], s=9, color=palette[i % len(palette)], alpha=0.85, zorder=3,
                       label=f"{label} ({int(keep.sum())})")
    ax.set_xlim(minx, maxx)
    ax.set_ylim(miny, maxy)
    ax.set_aspect("equal")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2, frameon=False,
              fontsize=charts.BASE_FONT_SIZE - 2, markerscale=1.6, title="Équipements placés sur la carte",
              title_fontsize=charts.BASE_FONT_SIZE - 1.5)
    ax.set_axis_off()
    not_drawn = int((~pts["has_coordinates"]).sum()) + int((~inside).sum())
    charts.add_title(fig, f"Équipements de {t.name}")
    note = (f" ; {not_drawn} équipement(s) sans coordonnées exploitables, comptés mais non placés"
            if not_drawn else "")
    charts.add_source(fig, f"Insee, Base permanente des équipements (fichiers géolocalisés par "
                           f"département){note} ; fond de carte : {geo_src.geometry_source()}")
    return fig


SECTION = register(Section(
    "equipements_familles", "2.8.1", "Équipements par famille", render,
    products=("bpe",),
))
