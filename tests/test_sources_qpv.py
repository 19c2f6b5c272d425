"""QPV files read as published, checked against the raw files (csv module)."""
from __future__ import annotations

import math

from diagnostic import sources, store
from diagnostic.sources import find
from diagnostic.sources.qpv import qpv_departement

import rawdata


def _table(theme: str, year: int):
    [ds] = find("qpv", vintage=year, part=theme)
    return ds, store.load(ds).set_index("CODGEO")


def test_editions_and_themes_are_found():
    found = {(d.part, d.vintage) for d in find("qpv")}
    assert {("DEMO", 2022), ("REVN", 2019), ("IPRO", 2020)} <= found
    assert ("DEMO", 2020) not in found
    ds = find("qpv", part="DEMO")[0]
    assert ds.vintage == 2022 and ds.geo_year == 2015
    assert "édition 2022" in ds.source_label and "RP 2018" in ds.source_label
    assert store.read_provenance(ds) is None or store.read_provenance(ds).part == "DEMO"


def test_la_madeleine_poverty_rate_and_allocataires():
    _, revn = _table("REVN", 2022)
    assert revn.at["QP061005", "TP60"] == rawdata.qpv_value("REVN", 2022, "QP061005", "TP60") == 63.1
    assert revn.at["QP061005", "DISP_Q2"] == rawdata.qpv_value("REVN", 2022, "QP061005", "DISP_Q2")
    _, demo = _table("DEMO", 2019)
    assert demo.at["QP061005", "A"] == rawdata.qpv_value("DEMO", 2019, "QP061005", "A") == 447
    # 2022: the CAF counts of La Madeleine are blank (secret), never 0.
    _, demo22 = _table("DEMO", 2022)
    assert rawdata.qpv("DEMO", 2022)["QP061005"]["A"] == ""
    assert math.isnan(demo22.at["QP061005", "A"])


def test_thousands_with_narrow_no_break_space_and_trailing_columns():
    ds, demo = _table("DEMO", 2022)
    assert "\u202f" in rawdata.qpv("DEMO", 2022)["QP030001"]["POP_MUN"]
    assert demo.at["QP030001", "POP_MUN"] == 14036
    assert not [c for c in demo.columns if c.startswith("Unnamed")]
    assert len(demo) == len(rawdata.qpv("DEMO", 2022))
    _, ipro = _table("IPRO", 2022)
    assert "EVOL_CA_N_E" in ipro.columns  # header written « EVOL_CA_N_E  » in the file


def test_ensemble_row_is_kept_as_national_reference():
    _, demo = _table("DEMO", 2019)
    assert demo.at["Ensemble", "POP_MUN"] == rawdata.qpv_value("DEMO", 2019, "Ensemble", "POP_MUN")
    assert demo.at["Ensemble", "LIBGEO"] == "Ensemble des QPV"


def test_population_is_the_census_of_the_edition():
    # MANIFEST: POP_COM = RP 2013 in 2017-2019, RP 2018 in 2021-2022 (comparateur).
    comp = rawdata.comparateur()
    _, d19 = _table("DEMO", 2019)
    _, d22 = _table("DEMO", 2022)
    assert d19.at["QP061005", "POP_COM"] == round(float(comp["61214"]["P13_POP"]))
    assert d22.at["QP061005", "POP_COM"] == round(float(comp["61214"]["P18_POP"]))


def test_departement_of_a_qpv_code():
    assert qpv_departement("QP061005") == "61"
    assert qpv_departement("QP02A001") == "2A"
    assert qpv_departement("QP971002") == "971"


def test_newer_edition_and_2024_geography_are_recognised(isolated):
    folder = isolated / "qpv"
    folder.mkdir()
    header = "\ufeffCODGEO;LIBGEO;POP_MUN;POP_COM_QP;POP_COM;LIB_COM;TX_TOT_0A24;A;;\r\n"
    (folder / "DEMO_2022.csv").write_bytes((header + "QP061005;La Madeleine;1\u202f118;;8\u202f019;L'Aigle;36,2;;;\r\n")
                                           .encode())
    (folder / "DEMO_2025.csv").write_bytes((header + "QN06101M;La Madeleine;1\u202f050;;7\u202f900;L'Aigle;35,0;12;;\r\n")
                                           .encode())
    sources.refresh()
    found = find("qpv", part="DEMO")
    assert [(d.vintage, d.geo_year) for d in found] == [(2025, 2024), (2022, 2015)]
    df = store.load(found[0]).set_index("CODGEO")
    assert df.at["QN06101M", "POP_MUN"] == 1050 and df.at["QN06101M", "A"] == 12


def test_file_without_commune_names_is_a_french_error(isolated):
    import pytest

    from diagnostic.errors import UnreadableData

    folder = isolated / "qpv"
    folder.mkdir()
    (folder / "DEMO_2022.csv").write_text("CODGEO;LIBGEO;POP_MUN\nQP061005;La Madeleine;1118\n")
    sources.refresh()
    with pytest.raises(UnreadableData) as exc:
        store.load(find("qpv", part="DEMO")[0])
    assert "DEMO_2022.csv" in str(exc.value) and "LIB_COM" in str(exc.value)
