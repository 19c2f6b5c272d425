"""RP bases infracommunales (IRIS), checked against the raw files of the real mirror.

Expected values are recomputed from the CSV text with the ``csv`` module (or
plain pandas on strings), never through the library. The synthetic files of
the last tests are written at run time (never copies of the mirror).
"""
from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from diagnostic import data, store
from diagnostic.errors import MissingData, UnreadableData
from diagnostic.sources import REGISTRY, find
from diagnostic.sources.rp_iris import covered_departements, is_third_party

MIRROR = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
FOLDER = MIRROR / "rp2019-iris"

_raw: dict[str, tuple[list[str], list[list[str]]]] = {}


def raw(name: str) -> tuple[list[str], list[list[str]]]:
    """Header and rows of an extract, with the csv module (duplicated names kept)."""
    if name not in _raw:
        with open(FOLDER / name, encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh, delimiter=";"))
        _raw[name] = (rows[0], rows[1:])
    return _raw[name]


def raw_commune_sum(name: str, column: str, commune: str) -> float:
    header, rows = raw(name)
    com = header.index("INSEE_COM") if "INSEE_COM" in header else header.index("COM")
    col = header.index(column)
    return sum(float(r[col]) for r in rows if r[com] == commune)


def communes(key: str, **kw) -> pd.DataFrame:
    return data.commune_table(key, level="IRIS", **kw).table


def one(key: str, part: str):
    (ds,) = find(key, level="IRIS", part=part)
    return ds


mirror_only = pytest.mark.skipif(not FOLDER.is_dir(), reason=f"miroir absent : {FOLDER}")


# --- discovery ------------------------------------------------------------------

@mirror_only
def test_products_parts_vintages_and_flags():
    expected = {
        "rp_iris_population": ({"29", "30", "61", "72"}, 2019),
        "rp_iris_familles": ({"29", "30", "61", "72"}, 2019),
        "rp_iris_activite": ({"29", "61", "72"}, 2019),  # no Gard file
        "rp_iris_logement": ({"29", "30", "61", "72"}, 2017),  # RP 2017 in rp2019-iris/
    }
    for key, (parts, vintage) in expected.items():
        datasets = find(key)
        assert {d.part for d in datasets} == parts, key
        assert {d.vintage for d in datasets} == {vintage}, key
        assert {d.geo_year for d in datasets} == {vintage + 2}, key
        assert {d.level for d in datasets} == {"IRIS"}
        assert all(is_third_party(d) and d.third_party for d in datasets)
        assert covered_departements(key, vintage) == parts
    assert covered_departements("rp_iris_population", 2017) == set()
    assert one("rp_iris_familles", "61").source_label == (
        "Insee, RP 2019, base infracommunale (IRIS) – Couples, familles, ménages "
        "(extrait départemental non officiel)")
    assert one("rp_iris_logement", "29").source_label.startswith("Insee, RP 2017,")


# --- population -----------------------------------------------------------------

@mirror_only
def test_population_known_communes():
    table = communes("rp_iris_population")
    for commune, pop in (("61001", 25870), ("61214", 7961), ("29151", 14845), ("30007", 41837)):
        assert round(raw_commune_sum(f"evol_struc_pop_{commune[:2]}.csv", "P19_POP", commune)) == pop
        assert round(table.at[commune, "P19_POP"]) == pop
        assert table.at[commune, "P19_POP"] == pytest.approx(pop, abs=1e-6)


@mirror_only
@pytest.mark.parametrize("dep", ["61", "29"])
def test_population_every_commune_and_column(dep):
    header, rows = raw(f"evol_struc_pop_{dep}.csv")
    frame = pd.DataFrame(rows, columns=header)
    figures = [c for c in header if c[:4] in ("P19_", "C19_")]
    expected = frame[figures].astype(float).groupby(frame["INSEE_COM"]).sum()
    got = store.load(one("rp_iris_population", dep))
    got = REGISTRY["rp_iris_population"].to_communes(got, one("rp_iris_population", dep))
    assert list(got.columns) == ["CODGEO"] + figures
    assert got["CODGEO"].tolist() == sorted(expected.index)
    np.testing.assert_allclose(got[figures].to_numpy(), expected.loc[got["CODGEO"]].to_numpy(),
                               rtol=0, atol=1e-6)


@mirror_only
def test_read_normalises_commune_column_and_keeps_iris():
    df = store.load(one("rp_iris_population", "61"))
    header, rows = raw("evol_struc_pop_61.csv")
    assert list(df.columns) == ["COM"] + header[1:]  # INSEE_COM -> COM, nothing else changed
    assert df["IRIS"].tolist() == [r[header.index("IRIS")] for r in rows]
    assert (df["IRIS"].str.len() == 9).all() and (df["COM"].str.len() == 5).all()


@mirror_only
def test_orne_extract_covers_185_communes_only():
    header, rows = raw("evol_struc_pop_61.csv")
    assert len({r[0] for r in rows}) == 185
    table = communes("rp_iris_population")
    orne = [c for c in table.index if c.startswith("61")]
    assert len(orne) == 185  # missing communes are not filled in
    logement = communes("rp_iris_logement")
    assert sum(c.startswith("61") for c in logement.index) == 385
    # A commune of the logement file missing from the population extract stays absent.
    absent = sorted(set(c for c in logement.index if c.startswith("61")) - set(orne))
    assert len(absent) == 200 and absent[0] not in table.index


# --- couples, familles, ménages -------------------------------------------------

@mirror_only
def test_familles_duplicated_columns_dropped():
    header, rows = raw("couples_familles_menages_61.csv")
    assert len(header) == 35 and len(set(header)) == 27
    # The repeated columns are identical to the first ones in the raw file.
    for pos, name in enumerate(header):
        first = header.index(name)
        if first != pos:
            assert all(r[pos] == r[first] for r in rows), name
    df = store.load(one("rp_iris_familles", "61"))
    unique = list(dict.fromkeys(header))
    assert list(df.columns) == ["COM"] + unique[1:]
    assert "LAB_IRIS" in df.columns and df.columns.is_unique
    table = communes("rp_iris_familles")
    assert round(raw_commune_sum("couples_familles_menages_61.csv", "C19_MEN", "61001")) == 13313
    assert round(table.at["61001", "C19_MEN"]) == 13313
    assert round(table.at["29151", "C19_MEN"]) == 7881
    assert "LAB_IRIS" not in table.columns and "C19_COUPAENF" in table.columns


# --- activité des résidents -----------------------------------------------------

@mirror_only
@pytest.mark.parametrize("dep", ["61", "72", "29"])
def test_activite_iris_taken_by_row_position(dep):
    act_header, act_rows = raw(f"activite_residents_{dep}.csv")
    pop_header, pop_rows = raw(f"evol_struc_pop_{dep}.csv")
    assert "IRIS" not in act_header
    assert [(r[0], r[act_header.index("TYP_IRIS")]) for r in act_rows] == \
           [(r[0], r[pop_header.index("TYP_IRIS")]) for r in pop_rows]
    df = store.load(one("rp_iris_activite", dep))
    assert df["IRIS"].tolist() == [r[pop_header.index("IRIS")] for r in pop_rows]
    assert list(df.columns[:2]) == ["COM", "IRIS"]
    assert "C19_ACTOCC15P_TCOM" not in df.columns  # not invented


@mirror_only
def test_activite_commune_totals():
    table = communes("rp_iris_activite")
    assert "C19_ACTOCC15P_TCOM" not in table.columns
    assert round(table.at["29151", "P19_POP1564"]) == 9266
    assert round(table.at["29151", "P19_POP1564"]) == round(
        raw_commune_sum("activite_residents_29.csv", "P19_POP1564", "29151"))
    assert "30007" not in table.index  # no Gard extract
    assert round(table.loc[[c for c in table.index if c.startswith("61")], "P19_POP1564"].sum()) == 133213


# --- logement (RP 2017) ---------------------------------------------------------

@mirror_only
def test_logement_is_rp_2017():
    header, _ = raw("logement_29.csv")
    assert any(c.startswith("P17_") for c in header) and not any(c.startswith("P19_") for c in header)
    st = data.commune_table("rp_iris_logement", level="IRIS")
    assert (st.vintage, st.geo_year) == (2017, 2019)
    assert raw_commune_sum("logement_29.csv", "P17_RP", "29151") == 7772
    assert st.table.at["29151", "P17_RP"] == 7772
    assert st.table.at["61001", "P17_RP"] == 13126
    assert st.table.at["30007", "P17_RP"] == 20884
    assert all(c[:4] in ("P17_", "C17_") for c in st.table.columns)


# --- synthetic files: official INSEE layout, broken extracts --------------------

POP_HEADER = "INSEE_COM;DEP;IRIS;TYP_IRIS;P19_POP;P19_POPH\n"
POP_ROWS = "99001;99;990010101;H;100.5;50.25\n99001;99;990010102;H;200.5;99.75\n99002;99;990020000;Z;40;20\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_activite_rows_must_match_population(isolated):
    write(isolated / "x" / "evol_struc_pop_99.csv", POP_HEADER + POP_ROWS)
    act = write(isolated / "x" / "activite_residents_99.csv",
                "INSEE_COM;DEP;TYP_IRIS;MODIF_IRIS;P19_POP1564\n"
                "99001;99;H;0;60\n99001;99;H;0;120\n99002;99;Z;0;25\n")
    (ds,) = find("rp_iris_activite")
    df = ds.read()
    assert df["IRIS"].tolist() == ["990010101", "990010102", "990020000"]
    assert REGISTRY["rp_iris_activite"].to_communes(df, ds)["P19_POP1564"].tolist() == [180, 25]
    act.write_text("INSEE_COM;DEP;TYP_IRIS;MODIF_IRIS;P19_POP1564\n"
                   "99001;99;H;0;60\n99001;99;A;0;120\n99002;99;Z;0;25\n", encoding="utf-8")
    with pytest.raises(UnreadableData, match="TYP_IRIS diffère à la ligne 3"):
        ds.read()


def test_activite_without_population_file(isolated):
    write(isolated / "activite_residents_99.csv",
          "INSEE_COM;DEP;TYP_IRIS;MODIF_IRIS;P19_POP1564\n99001;99;H;0;60\n")
    (ds,) = find("rp_iris_activite")
    with pytest.raises(MissingData, match="evol_struc_pop_99.csv"):
        ds.read()


def test_nan_iris_makes_commune_total_nan(isolated):
    write(isolated / "evol_struc_pop_99.csv", POP_HEADER
          + "99001;99;990010101;H;100;s\n99001;99;990010102;H;200;99\n99002;99;990020000;Z;40;20\n")
    (ds,) = find("rp_iris_population")
    out = REGISTRY["rp_iris_population"].to_communes(ds.read(), ds).set_index("CODGEO")
    assert out.at["99001", "P19_POP"] == 300 and np.isnan(out.at["99001", "P19_POPH"])
    assert out.at["99002", "P19_POPH"] == 20


def test_official_file_is_preferred_and_flagged(isolated):
    write(isolated / "rp2019-iris" / "evol_struc_pop_99.csv", POP_HEADER + POP_ROWS)
    official = ("IRIS;REG;DEP;UU2020;COM;LIBCOM;TRIRIS;GRD_QUART;LIBIRIS;TYP_IRIS;MODIF_IRIS;"
                "LAB_IRIS;P19_POP;P19_POPH\n"
                "990010101;99;99;99000;99001;Une;990011;9900101;Nord;H;00;1;100.5;50.25\n"
                "990010102;99;99;99000;99001;Une;990011;9900101;Sud;H;00;1;200.5;99.75\n"
                "990020000;99;99;99000;99002;Deux;ZZZZZZ;9900200;Deux;Z;00;5;40;20\n"
                "980010000;98;98;98000;98001;Trois;ZZZZZZ;9800100;Trois;Z;00;5;7;3\n")
    with zipfile.ZipFile(isolated / "base-ic-evol-struct-pop-2019_csv.zip", "w") as zf:
        zf.writestr("base-ic-evol-struct-pop-2019.CSV", official)
        zf.writestr("meta_base-ic-evol-struct-pop-2019.CSV", "COD_VAR;LIB_VAR\n")
    (ds,) = find("rp_iris_population")  # the extract of the same vintage is set aside
    assert not ds.third_party and ds.part == "" and ds.member == "base-ic-evol-struct-pop-2019.CSV"
    assert (ds.vintage, ds.geo_year) == (2019, 2021)
    assert ds.source_label == ("Insee, RP 2019, base infracommunale (IRIS) – "
                               "Évolution et structure de la population")
    table = data.commune_table("rp_iris_population", level="IRIS").table
    assert table["P19_POP"].to_dict() == {"98001": 7, "99001": 301, "99002": 40}
    assert covered_departements("rp_iris_population", 2019) == {"98", "99"}


def test_vintage_comes_from_columns_not_folder(isolated):
    write(isolated / "rp2019-iris" / "logement_99.csv",
          "IRIS;REG;DEP;COM;TYP_IRIS;P17_LOG;P17_RP;P17_RP_SDB\n990010000;99;99;99001;Z;10;8;8.0\n")
    (ds,) = find("rp_iris_logement")
    assert (ds.vintage, ds.geo_year, ds.part) == (2017, 2019, "99")
