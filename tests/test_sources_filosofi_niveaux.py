"""Filosofi « DISP » files at every level, checked against the raw files (csv module)."""
from __future__ import annotations

import math

import pytest

import rawdata
from diagnostic import catalogue, indicators, revenus, sources, store
from diagnostic.sources import find
from diagnostic.territory import resolve

#: MANIFEST: FILO2019_DISP_EPCI Q219 of the four seed EPCIs.
EPCI_MEDIANS_2019 = {"200068468": 20190, "246100663": 20970, "242900835": 21490, "200066918": 18940}


def test_ales_agglomeration_code_is_the_one_of_the_cog():
    assert "30007" in rawdata.epci_composition_2021()["200066918"]


@pytest.mark.parametrize("code, expected", sorted(EPCI_MEDIANS_2019.items()))
def test_epci_median_read_from_the_epci_file(code, expected):
    assert rawdata.filo_disp_value(2019, "EPCI", code, "Q219") == expected
    result = indicators.compute_one(catalogue.catalogue()["niveau_vie_median"], resolve(code))
    assert result.value == expected
    assert result.vintage == "2019"
    assert "FILO2019_DISP_EPCI" not in result.source  # a citation, not a file name
    assert result.source == "Insee, Filosofi 2019, revenu disponible (géographie 2020)"


@pytest.mark.parametrize("code, level", [("61214", "COM"), ("30007", "COM"), ("61", "DEP"),
                                         ("30", "DEP"), ("28", "REG"), ("76", "REG")])
def test_commune_departement_region_medians(code, level):
    expected = rawdata.filo_disp_value(2019, level, code, "Q219")
    result = indicators.compute_one(catalogue.catalogue()["niveau_vie_median"], resolve(
        f"reg:{code}" if level == "REG" else code))
    assert result.value == expected and result.vintage == "2019"


def test_france_is_france_metropolitaine():
    expected = rawdata.filo_disp_value(2019, "METROPOLE", "1", "Q219")
    result = indicators.compute_one(catalogue.catalogue()["niveau_vie_median"], resolve("France"))
    assert result.value == expected == 21930
    assert "France métropolitaine" in result.note


def test_deciles_ratio_and_shares_at_epci_level():
    t = resolve("246100663")
    cat = catalogue.catalogue()
    for ind, col in [("niveau_vie_d1", "D119"), ("niveau_vie_d9", "D919"), ("rapport_interdecile", "RD"),
                     ("part_prestations_sociales_disp", "PPSOC19"), ("part_pensions_retraites_disp", "PPEN19")]:
        assert indicators.compute_one(cat[ind], t).value == pytest.approx(
            rawdata.filo_disp_value(2019, "EPCI", "246100663", col)), ind


def test_store_keeps_vintage_geography_and_level_in_provenance():
    [ds] = find("filosofi_disp", vintage=2017, level="DEP")
    df = store.load(ds)
    prov = store.read_provenance(ds)
    assert (prov.vintage, prov.geo_year, prov.level) == (2017, 2018, "DEP")
    assert not [c for c in df.columns if c.startswith("Unnamed")]  # 69 trailing columns dropped
    assert len(df) == len(rawdata.filo_disp(2017, "DEP"))
    assert df.set_index("CODGEO").at["61", "Q217"] == rawdata.filo_disp_value(2017, "DEP", "61", "Q217")


def test_secret_commune_median_stays_missing():
    raw = rawdata.filo_disp(2019, "COM")
    # Small communes have their median only: the deciles are empty (secret), never 0.
    secret = raw["01001"]
    assert secret["D119"] == "" and secret["Q219"] == "23970"
    table = store.load(find("filosofi_disp", vintage=2019, level="COM")[0]).set_index("CODGEO")
    assert math.isnan(table.at["01001", "D119"]) and table.at["01001", "Q219"] == 23970


def test_trend_says_an_epci_created_since_is_absent():
    trend = revenus.median_trend(resolve("200068468")).set_index("code")
    assert "200068468" not in rawdata.filo_disp(2014, "EPCI")
    row = trend.loc["200068468"]
    assert math.isnan(row["start"]) and row["end"] == 20190
    assert "absent de FILO2014_DISP_EPCI.csv" in row["note"]
    dep = trend.loc["61"]
    assert dep["start"] == rawdata.filo_disp_value(2014, "DEP", "61", "Q214")
    assert dep["change_pct"] == pytest.approx((20350 / dep["start"] - 1) * 100)


def test_trend_of_morlaix_communaute():
    row = revenus.median_trend(resolve("242900835")).set_index("code").loc["242900835"]
    assert row["start"] == rawdata.filo_disp_value(2014, "EPCI", "242900835", "Q214")
    assert row["end"] == 21490 and row["start_vintage"] == 2014 and row["end_vintage"] == 2019


# --- newer vintages and broken files (synthetic) ----------------------------------------------
HEADER = "\ufeffCODGEO;LIBGEO;NBMEN21;Q221;D121;D921;RD;;;\r\n"  # trailing empty columns, as in 2017


def _write(mirror, name, text):
    path = mirror / "filosofi" / "historique" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    sources.refresh()
    return path


def test_newer_vintage_is_preferred(isolated):
    _write(isolated, "FILO2019_DISP_EPCI.csv", HEADER.replace("21", "19")
           + "246100663;CU d'Alençon;1\u202f000;20\u202f970;11\u202f000;35\u202f000;3,2;;;\r\n")
    _write(isolated, "FILO2021_DISP_EPCI.csv", HEADER + "246100663;CU d'Alençon;1\u202f010;21\u202f500;;36\u202f000;3,3;;;\r\n")
    found = find("filosofi_disp")
    assert [d.vintage for d in found] == [2021, 2019]
    assert (found[0].level, found[0].geo_year) == ("EPCI", 2022)
    df = store.load(found[0]).set_index("CODGEO")
    assert df.at["246100663", "Q221"] == 21500            # U+202F thousands
    assert math.isnan(df.at["246100663", "D121"])          # empty = secret
    assert df.at["246100663", "RD"] == 3.3                 # decimal comma
    assert list(df.columns) == ["LIBGEO", "NBMEN21", "Q221", "D121", "D921", "RD"]


def test_missing_column_is_a_note_naming_the_file(mirror_with):
    # The real files (2014-2019) are linked in; a newer EPCI file lacks the median column.
    path = mirror_with / "extra" / "FILO2021_DISP_EPCI.csv"
    path.parent.mkdir()
    path.write_bytes("\ufeffCODGEO;LIBGEO;NBMEN21\r\n246100663;CU d'Alençon;1\r\n".encode())
    sources.refresh()
    value, _, note = revenus.published_median(resolve("246100663"), 2021)
    assert math.isnan(value)
    assert "Q221" in note and "FILO2021_DISP_EPCI.csv" in note
    # The 2019 file still gives its value: the rest of the report builds.
    assert revenus.published_median(resolve("246100663"), 2019)[0] == 20970
