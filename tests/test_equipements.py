"""Équipements by family (BPE 2019 poi cuts), checked against the raw files (csv module)."""
from __future__ import annotations

import math

import pytest

import rawdata
from diagnostic import equipements
from diagnostic.sources.bpe import FAMILIES
from diagnostic.territory import resolve


def _raw_family_count(dep: str, communes, family: str) -> int:
    prefixes = FAMILIES[family][1]
    return sum(1 for r in rawdata.poi_rows(dep) if r["DEPCOM"] in communes and r["TYPEQU"].startswith(prefixes))


def test_laigle_counts_and_densities_with_the_orne_as_reference():
    table, notes = equipements.facilities(resolve("61214"))
    terr = table[table["level"] == "territoire"].set_index("family")
    pop = float(rawdata.comparateur()["61214"]["P18_POP"])
    for family in FAMILIES:
        expected = _raw_family_count("61", {"61214"}, family)
        assert terr.at[family, "count"] == expected, family
        assert terr.at[family, "per_1000"] == pytest.approx(expected / pop * 1000)
    assert terr.at["FAM_SANTE", "vintage"] == "2019 / 2018"
    orne = table[table["level"] == "departement"].set_index("family")
    orne_communes = {r["DEPCOM"] for r in rawdata.poi_rows("61")}
    assert orne.at["FAM_PETITE_ENFANCE", "count"] == _raw_family_count("61", orne_communes, "FAM_PETITE_ENFANCE")
    region = table[table["level"] == "region"]
    assert region["count"].isna().all() and region["note"].str.contains("ne couvre que").all()
    assert table[table["level"] == "france"]["count"].isna().all()


def test_epci_on_two_departements_is_covered_by_both_files():
    t = resolve("246100663")                       # CU d'Alençon: Orne and Sarthe
    table, _ = equipements.facilities(t)
    terr = table[table["level"] == "territoire"].set_index("family")
    codes = set(t.communes)
    expected = sum(_raw_family_count(dep, codes, "FAM_SANTE") for dep in ("61", "72"))
    assert terr.at["FAM_SANTE", "count"] == expected


def test_points_normalise_iris_and_keep_rows_without_coordinates():
    pts, notes = equipements.points(resolve("61214"))
    raw = [r for r in rawdata.poi_rows("61") if r["DEPCOM"] == "61214"]
    assert len(pts) == len(raw) == 398
    assert set(pts["DCIRIS"]) == {r["DCIRIS"].replace("_", "") for r in raw}
    assert all(len(c) == 9 for c in pts["DCIRIS"] if c != "61214")
    without = sum(1 for r in raw if not r["lng"] or not r["lat"])
    assert int((~pts["has_coordinates"]).sum()) == without
    if without:
        assert str(without) in notes[0]
    assert not math.isnan(pts.loc[pts["has_coordinates"], "lon"].max())
