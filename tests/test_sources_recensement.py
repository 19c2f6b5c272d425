"""Census bases communales (base-cc-*), on synthetic files in INSEE's layouts.

Each test writes the files it needs in the empty ``isolated`` mirror: zips
holding ``<name>.CSV`` (``;``, ``.`` decimal) and ``meta_<name>.CSV``, and
workbooks with four title rows, a French label row and the code row.
"""
from __future__ import annotations

import math
import os
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from diagnostic import data, sources, store
from diagnostic.errors import MissingData, UnreadableData
from diagnostic.sources import REGISTRY, find
from diagnostic.sources.recensement import population_series

HEADER = "CODGEO;P19_POP;P19_POP0014;P19_POP65P;P19_POPH;C19_POP15P;C19_POP15P_CS1"
ROWS = [
    "01001;779.000000000001;150.5;s;380.25;610.125;12",
    "2A004;71361.2345678901;11000.75;15000.5;34000;60000;",
    "61001;25870.0144033004;4100.1;6500.2;12000.3;21000.4;3.5",
    "75056;2165423.00000001;300000;400000;1000000;1800000;100",
    "75101;15917.1234;1200;3000;7500;14000;0",
]


def write_zip(path: Path, members: dict[str, str | bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in members.items():
            zf.writestr(name, content.encode("utf-8") if isinstance(content, str) else content)
    sources.refresh()
    return path


def census_zip(mirror: Path, stem: str = "evol-struct-pop", year: int = 2019, header: str = HEADER,
               rows=ROWS, zip_name: str | None = None) -> Path:
    name = f"base-cc-{stem}-{year}"
    text = "\r\n".join([header, *rows]) + "\r\n"
    meta = "COD_VAR;LIB_VAR;LIB_VAR_LONG\r\nP19_POP;Population en 2019 (princ);Population\r\n"
    return write_zip(mirror / "recensement" / (zip_name or f"{name}.zip"),
                     {f"{name}.CSV": text, f"meta_{name}.CSV": meta})


def census_workbook(path: Path, com_rows, arm_rows) -> Path:
    """An INSEE workbook: sheets COM and ARM, 4 title rows, labels, codes, data."""
    codes = ["CODGEO", "REG", "DEP", "LIBGEO", "P19_POP", "P19_POPH", "C19_POP15P"]
    labels = ["Code géographique", "Région", "Département", "Libellé",
              "Population en 2019 (princ)", "Pop Hommes en 2019 (princ)", "Pop 15 ans ou plus en 2019 (compl)"]
    wb = Workbook()
    wb.remove(wb.active)
    for sheet, rows in (("COM", com_rows), ("ARM", arm_rows)):
        ws = wb.create_sheet(sheet)
        ws.append(["Évolution et structure de la population en 2019"])
        ws.append(["Recensement de la population - Base communale"])
        ws.append(["Zone géographique : France"])
        ws.append(["Mise en ligne le 28/06/2022 - Géographie au 01/01/2022"])
        ws.append(labels)
        ws.append(codes)
        for row in rows:
            ws.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    sources.refresh()
    return path


def only(key: str):
    found = find(key)
    assert len(found) == 1, found
    return found[0]


# --- discovery and exact values ------------------------------------------------


def test_zip_csv_is_found_read_and_stored_exactly(isolated):
    census_zip(isolated)
    ds = only("rp_population")
    assert (ds.vintage, ds.geo_year, ds.level) == (2019, 2022, "COM")
    assert ds.source_label == "Insee, RP 2019 – Évolution et structure de la population (géographie 2022)"

    df = store.load(ds)
    assert list(df["CODGEO"]) == ["01001", "2A004", "61001", "75056", "75101"]
    row = df.set_index("CODGEO")
    assert row.at["01001", "P19_POP"] == float("779.000000000001")
    assert row.at["2A004", "P19_POP"] == float("71361.2345678901")
    assert row.at["61001", "C19_POP15P_CS1"] == 3.5
    # Secret « s » and blank cells are missing, never 0.
    assert math.isnan(row.at["01001", "P19_POP65P"])
    assert math.isnan(row.at["2A004", "C19_POP15P_CS1"])
    assert row.at["75101", "C19_POP15P_CS1"] == 0.0

    # The stored Parquet gives back the same table.
    store.clear_memory()
    again = store.load(ds)
    pd.testing.assert_frame_equal(again, df)

    communes = ds.product.to_communes(df, ds)
    assert list(communes.columns) == ["CODGEO", "P19_POP", "P19_POP0014", "P19_POP65P", "P19_POPH",
                                      "C19_POP15P", "C19_POP15P_CS1"]
    # Paris is published whole: no second 75056 row is built from 75101.
    assert list(communes["CODGEO"]) == ["01001", "2A004", "61001", "75056", "75101"]
    table = data.commune_table("rp_population").table
    assert table.at["75056", "P19_POP"] == float("2165423.00000001")
    assert table.at["2A004", "P19_POPH"] == 34000.0


@pytest.mark.parametrize("key, file_name, member_stem, theme", [
    ("rp_population", "base-cc-evol-struct-pop-2019.zip", "evol-struct-pop",
     "Évolution et structure de la population"),
    ("rp_familles", "base-cc-coupl-fam-men-2019.zip", "coupl-fam-men", "Couples, familles, ménages"),
    ("rp_logement", "base-cc-logement-2019.zip", "logement", "Logement"),
    ("rp_activite", "base-ccc-emploi-pop-active-2019.zip", "emploi-pop-active", "Activité des résidents"),
    ("rp_series", "base-cc-serie-historique-2019_csv.zip", "serie-historique", "Séries historiques"),
])
def test_each_base_is_found_under_insee_names(isolated, key, file_name, member_stem, theme):
    header = {
        "rp_population": "CODGEO;P19_POP;P19_POP0014",
        "rp_familles": "CODGEO;C19_MEN;C19_MENPSEUL;C19_FAMMONO;P19_POP80P_PSEUL",
        "rp_logement": "CODGEO;P19_LOG;P19_RP;P19_LOGVAC;P19_RP_LOCHLMV",
        "rp_activite": "CODGEO;P19_POP1564;P19_ACT1564;C19_ACTOCC15P_VELO;P19_ACTOCC15P_ILT1",
        "rp_series": "CODGEO;P19_POP;P13_POP;D68_POP;NAIS1319",
    }[key]
    width = header.count(";")
    rows = ["2A004;" + ";".join(f"{10 * i}.5" for i in range(1, width + 1)),
            "01001;" + ";".join("s" for _ in range(width))]
    census_zip(isolated, stem=member_stem, header=header, rows=rows, zip_name=file_name)
    ds = only(key)
    assert (ds.vintage, ds.geo_year, ds.level) == (2019, 2022, "COM")
    assert ds.source_label == f"Insee, RP 2019 – {theme} (géographie 2022)"
    df = store.load(ds)
    second = header.split(";")[1]
    assert df.set_index("CODGEO").at["2A004", second] == 10.5
    assert df.set_index("CODGEO").loc["01001"].drop("CODGEO", errors="ignore").isna().all()
    # The other four products do not take this file.
    for other in ("rp_population", "rp_familles", "rp_logement", "rp_activite", "rp_series"):
        if other != key:
            assert REGISTRY[other].datasets() == []


def test_name_variants_and_census_year_from_name(isolated):
    pattern = REGISTRY["rp_logement"].pattern
    ok = ["base-cc-logement-2019.zip", "base-cc-logement-2019.CSV", "base-cc-logement-2019.xlsx",
          "base-cc-logement-2020_csv.zip", "BASE-CC-LOGEMENT-2021-geo2024_xlsx.zip"]
    ko = ["meta_base-cc-logement-2019.CSV", "base-ic-logement-2019.zip", "logement_61.csv",
          "base-cc-logement.zip", "base-cc-evol-struct-pop-2019.zip"]
    assert all(re.fullmatch(pattern, n, re.I) for n in ok)
    assert not any(re.fullmatch(pattern, n, re.I) for n in ko)

    census_zip(isolated, stem="logement", year=2020, header="CODGEO;P20_LOG", rows=["01001;12.5"],
               zip_name="base-cc-logement-2020-geo2023_csv.zip")
    ds = only("rp_logement")
    assert (ds.vintage, ds.geo_year) == (2020, 2023)


# --- workbook layout ------------------------------------------------------------------


def test_workbook_with_com_and_arm_sheets(isolated):
    com = [["01001", "84", "01", "L'Abergement-Clémencia", 779.5, 380.25, 610],
           [1002, "84", "01", "L'Abergement-de-Varey", 256, None, 200],   # code stored as a number
           ["2A004", "94", "2A", "Ajaccio", 71361.25, 34000.5, 60000]]
    arm = [[f"6938{n}", "84", "69", f"Lyon {n}e Arrondissement", 1000.5 + n, 500.0 + n, 800 + n]
           for n in range(1, 10)]
    arm[4][5] = "s"  # 69385: secret men count
    census_workbook(isolated / "recensement" / "base-cc-evol-struct-pop-2019.xlsx", com, arm)
    ds = only("rp_population")
    assert (ds.vintage, ds.geo_year) == (2019, 2022)
    df = store.load(ds)
    assert list(df["CODGEO"]) == ["01001", "01002", "2A004"] + [f"6938{n}" for n in range(1, 10)]
    row = df.set_index("CODGEO")
    assert row.at["01001", "P19_POP"] == 779.5
    assert row.at["01001", "LIBGEO"] == "L'Abergement-Clémencia"
    assert math.isnan(row.at["01002", "P19_POPH"])
    assert math.isnan(row.at["69385", "P19_POPH"])

    communes = ds.product.to_communes(df, ds).set_index("CODGEO")
    assert "LIBGEO" not in communes.columns
    # Lyon is only published by arrondissement here: its total is their sum...
    assert communes.at["69123", "P19_POP"] == sum(1000.5 + n for n in range(1, 10))  # 9049.5
    assert communes.at["69123", "C19_POP15P"] == 7245.0
    # ...and missing (not understated) when one arrondissement is secret.
    assert math.isnan(communes.at["69123", "P19_POPH"])


def test_zip_and_workbook_of_the_same_vintage_count_once(isolated):
    census_zip(isolated)
    census_workbook(isolated / "recensement" / "base-cc-evol-struct-pop-2019.xlsx",
                    [["01001", "84", "01", "X", 1, 1, 1]], [])
    found = find("rp_population")
    assert [d.path.name for d in found] == ["base-cc-evol-struct-pop-2019.zip"]
    table = data.commune_table("rp_population").table
    assert table.at["01001", "P19_POP"] == float("779.000000000001")


# --- freshness and errors ------------------------------------------------------------


def test_changed_file_is_ingested_again(isolated):
    path = census_zip(isolated)
    ds = only("rp_population")
    assert store.load(ds).set_index("CODGEO").at["61001", "P19_POP"] == float("25870.0144033004")
    rows = [r.replace("25870.0144033004", "25871.5") for r in ROWS]
    census_zip(isolated, rows=rows)
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 5))
    assert store.load(ds).set_index("CODGEO").at["61001", "P19_POP"] == 25871.5
    assert store.read_provenance(ds).sha256 == store.sha256(path)


@pytest.mark.parametrize("header, rows, words", [
    ("COM;P19_POP", ["01001;12"], ["CODGEO", "Couples"]),                     # not a base-cc
    ("CODGEO;P18_POP", ["01001;12"], ["2019", "P19_"]),                       # wrong vintage inside
    ("CODGEO;P19_POP;P19_POPH", ["01001;12;abc", "01002;1;2"], ["non numériques", "P19_POPH"]),
    ("CODGEO;P19_POP", ["01001;12;13;14"], ["structure attendue"]),          # extra fields
])
def test_malformed_file_raises_unreadable_data(isolated, header, rows, words):
    census_zip(isolated, stem="coupl-fam-men", header=header, rows=rows)
    ds = only("rp_familles")
    with pytest.raises(UnreadableData) as exc:
        store.load(ds)
    for word in words:
        assert word in str(exc.value)


def test_corrupt_archive_raises_unreadable_data(isolated):
    path = isolated / "recensement" / "base-cc-logement-2019.zip"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"PK\x03\x04 ceci n'est pas une archive")
    sources.refresh()
    ds = only("rp_logement")
    with pytest.raises(UnreadableData) as exc:
        store.load(ds)
    assert "base-cc-logement-2019.zip" in str(exc.value)


def test_missing_base_names_the_expected_file_and_folder(isolated):
    with pytest.raises(MissingData) as exc:
        find("rp_logement")
    message = str(exc.value)
    assert "base-cc-logement-2019.zip" in message
    assert str(isolated.resolve() / "recensement") in message
    assert "hors ligne" in message


# --- population since 1968 ---------------------------------------------------------------


def test_population_series_tidy_and_summed(isolated):
    header = "CODGEO;P19_POP;P13_POP;P08_POP;D99_POP;D90_POP;D82_POP;D75_POP;D68_POP;NAIS1319;P19_LOG"
    rows = ["01001;779.5;767;791;728;579;477;368;347;40;350",
            "01002;256;236;194;168;159;136;106;88;12;120",
            "2A004;71361;67000;64000;52880;58315;54089;51000;s;4000;38000"]
    census_zip(isolated, stem="serie-historique", header=header, rows=rows)
    df = store.load(only("rp_series")).set_index("CODGEO")

    one = population_series(df.loc["01001"])
    assert list(one["ANNEE"]) == [1968, 1975, 1982, 1990, 1999, 2008, 2013, 2019]
    assert list(one["POPULATION"]) == [347, 368, 477, 579, 728, 791, 767, 779.5]
    assert list(one["VARIABLE"])[:2] == ["D68_POP", "D75_POP"]
    assert one.set_index("ANNEE").at[1999, "NATURE"] == "dénombrement"
    assert one.set_index("ANNEE").at[2019, "NATURE"] == "exploitation principale"

    two = population_series(df.loc[["01001", "01002"]]).set_index("ANNEE")["POPULATION"]
    assert two[1968] == 435 and two[2019] == 1035.5
    three = population_series(df.loc[["01001", "2A004"]]).set_index("ANNEE")["POPULATION"]
    assert math.isnan(three[1968])  # one commune secret: missing, not understated
    assert three[1975] == 51368
