"""Données CAF à l'IRIS, checked against the raw files of the real mirror.

Expected values are recomputed here from the CSV text with the ``csv`` module
(or plain pandas on strings), never through the library.
"""
from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from diagnostic import data, store
from diagnostic.errors import UnreadableData
from diagnostic.sources import REGISTRY, find
from diagnostic.sources.caf import CAF_ID_COLUMNS

MIRROR = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
if not (MIRROR / "caf").is_dir():
    pytest.skip(f"miroir absent : {MIRROR}", allow_module_level=True)

YEARS = (2016, 2017, 2018, 2019, 2020)


def raw_path(mirror: Path, year: int) -> Path:
    return mirror / "caf" / f"data_CAF_{year}_IRIS.csv"


_raw_cache: dict[int, tuple[list[str], list[dict]]] = {}


def raw_rows(mirror: Path, year: int) -> tuple[list[str], list[dict]]:
    """Header and rows of a CAF file, read with the csv module (cells as published)."""
    if year not in _raw_cache:
        with open(raw_path(mirror, year), encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh, delimiter=";")
            rows = list(reader)
            _raw_cache[year] = (list(reader.fieldnames), rows)
    return _raw_cache[year]


def raw_number(cell: str) -> float | None:
    cell = cell.replace("\u202f", "").strip()
    return None if cell == "" else float(cell)


def raw_figures(header: list[str]) -> list[str]:
    return [c for c in header if c not in CAF_ID_COLUMNS]


def raw_released_sum(mirror, year, commune, column="A") -> float:
    """Sum of a column over a commune's IRIS, blanks skipped (the manifest's check)."""
    _, rows = raw_rows(mirror, year)
    return sum(raw_number(r[column]) or 0 for r in rows if r["CODGEO"][:5] == commune)


def dataset(year):
    (ds,) = find("caf_iris", vintage=year, level="IRIS")
    return ds


def table(year):
    return data.commune_table("caf_iris", vintage=year, level="IRIS").table


# --- discovery ------------------------------------------------------------------

def test_one_dataset_per_year_with_geography():
    datasets = find("caf_iris")
    assert [d.vintage for d in datasets] == [2020, 2019, 2018, 2017, 2016]
    assert {d.level for d in datasets} == {"IRIS"}
    assert {d.vintage: d.geo_year for d in datasets} == {
        2016: 2015, 2017: 2018, 2018: 2019, 2019: 2020, 2020: 2021}
    assert REGISTRY["caf_iris"].producer == "Cnaf"
    assert dataset(2020).source_label == "Cnaf, données CAF à l'IRIS, décembre 2020"


def test_geography_years_match_commune_events(mirror):
    """The raw codes show the IRIS geography: 2016 still has the communes merged
    into Cherbourg-en-Cotentin on 1/1/2016; 2017 has Léhon in Dinan (1/1/2018)
    but still Château-d'Olonne (merged 1/1/2019); 2018 no longer has it."""
    communes = {y: {r["CODGEO"][:5] for r in raw_rows(mirror, y)[1]} for y in YEARS}
    assert {"50173", "50602", "74011"} <= communes[2016]
    assert not {"74011", "74093", "74268"} & communes[2017]
    assert "85060" in communes[2017] and "85060" not in communes[2018]
    dinan = {y: sum(r["CODGEO"][:5] == "22050" for r in raw_rows(mirror, y)[1]) for y in (2016, 2017)}
    assert dinan[2017] == dinan[2016] + 1


# --- reading as published -------------------------------------------------------

@pytest.mark.parametrize("year", YEARS)
def test_read_keeps_the_file_as_published(mirror, year):
    header, rows = raw_rows(mirror, year)
    df = store.load(dataset(year))
    assert list(df.columns) == header  # columns vary by year: kept as they are
    assert df["CODGEO"].tolist() == [r["CODGEO"] for r in rows]
    assert (df["CODGEO"].str.len() == 9).all()
    for column in ["NOTE"] + raw_figures(header):
        expected = np.array([np.nan if (v := raw_number(r[column])) is None else v for r in rows])
        np.testing.assert_array_equal(df[column].to_numpy(dtype=float), expected, err_msg=column)


def test_columns_vary_by_year(mirror):
    cols = {y: set(store.load(dataset(y)).columns) for y in YEARS}
    assert {"LIBGEO", "DEPCOM", "LIBCOM", "EPCI", "REG", "APRES50", "APRES100"} <= cols[2016]
    assert "UU" not in cols[2016] and "UU" in cols[2017] and "UU" in cols[2018]
    assert "APRES50" in cols[2017] and "APRES50" not in cols[2018]
    assert not {"LIBGEO", "DEPCOM", "LIBCOM", "EPCI", "UU", "REG"} & cols[2019]


def test_narrow_no_break_space_thousands_2016(mirror):
    header, rows = raw_rows(mirror, 2016)
    assert header[0] == "CODGEO"  # the BOM does not leak into the first name
    row = next(r for r in rows if r["CODGEO"] == "010040102")
    assert row["PERCOU"] == "2\u202f256"
    df = store.load(dataset(2016)).set_index("CODGEO")
    assert df.at["010040102", "PERCOU"] == 2256
    # Every cell written with U+202F comes out as its full value (> 999).
    cells = [(r["CODGEO"], c, r[c]) for r in rows for c in raw_figures(header) if "\u202f" in r[c]]
    assert len(cells) > 10_000
    for code, column, cell in cells[::97]:
        value = df.at[code, column]
        assert value == int(cell.replace("\u202f", "")) and value > 999


def test_note_3_row_is_nan_not_zero(mirror):
    header, rows = raw_rows(mirror, 2020)
    secret = next(r for r in rows if r["NOTE"] == "3")
    assert all(secret[c] == "" for c in raw_figures(header))
    df = store.load(dataset(2020)).set_index("CODGEO")
    figures = raw_figures(header)
    assert df.loc[secret["CODGEO"], figures].isna().all()
    communes = table(2020)
    commune = secret["CODGEO"][:5]
    assert communes.loc[commune, figures].isna().all()
    assert communes.at[commune, "IRIS_SECRET"] >= 1


# --- commune totals -------------------------------------------------------------

def test_known_commune_totals_2020(mirror):
    communes = table(2020)
    # The manifest's checks (sum of A over the IRIS, blanks skipped), from the raw file.
    assert raw_released_sum(mirror, 2020, "61001") == 6686
    assert raw_released_sum(mirror, 2020, "29151") == 4406
    assert raw_released_sum(mirror, 2020, "30007") == 12673
    # Morlaix and Alès: every IRIS released, the commune total is that sum.
    assert communes.at["29151", "A"] == 4406
    assert communes.at["30007", "A"] == 12673
    assert communes.at["29151", "IRIS_TOTAL"] == 7 and communes.at["29151", "IRIS_SECRET"] == 0
    assert communes.at["30007", "IRIS_TOTAL"] == 15 and communes.at["30007", "IRIS_SECRET"] == 0
    # Alençon: 4 of its 14 IRIS are blank (NOTE 3, 5, 5, 3), so 6686 is only a
    # partial sum and is not presented as the commune's total.
    _, rows = raw_rows(mirror, 2020)
    alencon = [r for r in rows if r["CODGEO"][:5] == "61001"]
    assert len(alencon) == 14 and sum(r["A"] == "" for r in alencon) == 4
    assert math.isnan(communes.at["61001", "A"])
    assert communes.at["61001", "IRIS_TOTAL"] == 14 and communes.at["61001", "IRIS_SECRET"] == 4
    # ...while the library's IRIS rows still add up to the released part.
    iris = store.load(dataset(2020))
    assert iris.loc[iris["CODGEO"].str[:5] == "61001", "A"].sum() == 6686


def test_l_aigle_absent_every_year(mirror):
    for year in YEARS:
        assert not any(r["CODGEO"].startswith("61214") for r in raw_rows(mirror, year)[1])
        assert "61214" not in table(year).index


@pytest.mark.parametrize("year", (2016, 2020))
def test_every_commune_total_follows_the_nan_rule(mirror, year):
    header, rows = raw_rows(mirror, year)
    figures = raw_figures(header)
    raw = pd.DataFrame(rows)
    commune = raw["DEPCOM"] if "DEPCOM" in raw else raw["CODGEO"].str[:5]
    blank = raw[figures] == ""
    values = raw[figures].apply(lambda s: pd.to_numeric(s.str.replace("\u202f", ""), errors="coerce"))
    expected = values.groupby(commune).sum().where(~blank.groupby(commune).any())
    secret = (raw["NOTE"] == "3") | blank.all(axis=1)
    got = table(year)
    assert list(got.columns) == figures + ["IRIS_TOTAL", "IRIS_SECRET"]
    assert sorted(got.index) == sorted(expected.index)
    got = got.loc[expected.index]
    np.testing.assert_array_equal(got[figures].to_numpy(dtype=float), expected.to_numpy(dtype=float))
    assert got["IRIS_TOTAL"].tolist() == commune.value_counts().loc[expected.index].tolist()
    assert got["IRIS_SECRET"].tolist() == secret.groupby(commune).sum().loc[expected.index].tolist()


def test_commune_from_depcom_matches_iris_prefix(mirror):
    _, rows = raw_rows(mirror, 2018)
    assert all(r["DEPCOM"] == r["CODGEO"][:5] for r in rows)
    assert len(table(2018)) == len({r["DEPCOM"] for r in rows}) == 987


def test_to_communes_columns_2020():
    assert list(table(2020).columns) == [
        "A", "PERCOU", "AI", "AM", "ACSSENF", "ACAVENF", "AC3ENF", "ENF", "ENF_2", "ENF_3_5",
        "ENF_6_10", "ENF_11_14", "ENF_15_17", "ENF_18_24", "A_ETUD", "A_NETUD_24", "AAL",
        "AAPL", "AAAH", "APPA", "ARSAS", "IRIS_TOTAL", "IRIS_SECRET"]
    assert len(table(2020)) == 1012


# --- damaged file (synthetic, not a copy of the mirror) -------------------------

def test_non_numeric_figure_is_refused(isolated):
    folder = isolated / "caf"
    folder.mkdir()
    (folder / "data_CAF_2020_IRIS.csv").write_text(
        "CODGEO;NOTE;A;PERCOU\r\n610010101;0;12;x7\r\n", encoding="ascii")
    (ds,) = find("caf_iris", level="IRIS")
    with pytest.raises(UnreadableData, match="non numériques"):
        ds.read()
