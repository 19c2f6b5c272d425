"""Base permanente des équipements, on synthetic files in INSEE's two layouts."""
from __future__ import annotations

import math
import os
import re
import zipfile
from pathlib import Path

import pytest

from diagnostic import data, sources, store
from diagnostic.errors import MissingData, UnreadableData
from diagnostic.sources import REGISTRY, find
from diagnostic.sources.bpe import FACILITY_GROUPS, facility_groups, group_counts

COUNTS_HEADER = "REG;DEP;DEPCOM;DCIRIS;AN;TYPEQU;NB_EQUIP"
COUNTS_ROWS = [
    "84;01;01001;01001;2021;C101;1",
    "84;01;01001;01001;2021;D201;1",
    "84;01;01004;010040101;2021;D201;4",
    "84;01;01004;010040102;2021;D201;2",       # same commune and type, other IRIS: summed
    "84;01;01004;010040102;2021;C104;3",
    "84;01;01004;010040102;2021;C105;1",
    "84;01;01004;010040101;2021;D301;5",
    "94;2A;2A004;2A0040101;2021;D201;60",
    "94;2A;2A004;2A0040102;2021;C102;2",
    "94;2A;2A004;2A0040102;2021;D502;7",
    # Paris only by arrondissement: 75101 has 1 GP, ..., 75120 has 20.
    *[f"11;75;751{n:02d};751{n:02d}0101;2021;D201;{n}" for n in range(1, 21)],
    "11;75;75112;751124501;2021;C101;3",
]


def write(path: Path, text: str | None = None, members: dict[str, str] | None = None,
          encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if members is None:
        path.write_text(text, encoding=encoding)
    else:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, content in members.items():
                zf.writestr(name, content)
    sources.refresh()
    return path


def counts_zip(mirror: Path, rows=COUNTS_ROWS, header=COUNTS_HEADER, year: str = "21") -> Path:
    text = "\n".join([header, *rows]) + "\n"
    varmod = "COD_VAR;LIB_VAR;COD_MOD;LIB_MOD;TYPE_VAR;LONG_VAR\nTYPEQU;Type d'équipement;D201;Médecin généraliste;CHAR;4\n"
    return write(mirror / "bpe" / f"bpe{year}_ensemble_csv.zip",
                 members={f"bpe{year}_ensemble.csv": text, f"varmod_ensemble_20{year}.csv": varmod})


FACILITY_HEADER = ("AN;NOMRS;CNOMRS;NUMVOIE;INDREP;TYPVOIE;LIBVOIE;CADR;CODPOS;DEPCOM;DEP;REG;DOM;SDOM;"
                   "TYPEQU;SIRET;STATUT_DIFFUSION;LAMBERT_X;LAMBERT_Y;LONGITUDE;LATITUDE;QUALITE_XY;"
                   "EPSG;DCIRIS;QP;EPCI")


def facility(depcom: str, typequ: str, name: str = "CABINET MEDICAL", x: str = "851234.56") -> str:
    return (f"2023;{name};;12;;RUE;DE LA GARE;;01000;{depcom};{depcom[:2]};84;D;D2;{typequ};"
            f"12345678900012;O;{x};6543210.1;5.2245;46.2052;Acceptable;2154;{depcom}0000;CSZ;200040350")


FACILITY_ROWS = [
    facility("01004", "D265"), facility("01004", "D265", "DR MARTIN"), facility("01004", "D265"),
    facility("01004", "C101", "ÉCOLE MATERNELLE JEAN-JAURÈS"),
    facility("2A004", "D265", x=""), facility("2A004", "D307", "PHARMACIE DU PORT"),
    facility("75112", "D265"),
]


# --- counts layout ------------------------------------------------------------------


def test_counts_layout_found_stored_and_widened(isolated):
    counts_zip(isolated)
    [ds] = find("bpe")
    assert (ds.vintage, ds.geo_year, ds.level) == (2021, 2021, "COM")  # INSEE: COG of 1 January N
    assert ds.source_label == "Insee, Base permanente des équipements 2021 (géographie 2021)"

    df = store.load(ds)
    assert list(df.columns) == ["DEPCOM", "TYPEQU", "NB_EQUIP"]
    tidy = df.set_index(["DEPCOM", "TYPEQU"])["NB_EQUIP"]
    assert tidy[("01004", "D201")] == 6.0
    assert tidy[("2A004", "D502")] == 7.0
    assert tidy[("75112", "C101")] == 3.0
    assert len(df) == 10 + 20 + 1 - 1   # one (DEPCOM, TYPEQU) row each, 01004 D201 merged

    wide = ds.product.to_communes(df, ds).set_index("CODGEO")
    assert [c for c in wide.columns if not c.startswith("FAM_")] == [
        "C101", "C102", "C104", "C105", "D201", "D301", "D502"]
    assert wide.at["01004", "FAM_ENSEIGNEMENT"] == 4 and wide.at["01004", "FAM_SANTE"] == 11
    assert wide.at["01001", "D201"] == 1 and wide.at["01001", "C104"] == 0
    assert wide.at["01004", "D201"] == 6 and wide.at["01004", "D301"] == 5
    assert wide.at["2A004", "D201"] == 60 and wide.at["2A004", "C102"] == 2
    # Paris = sum of its 20 arrondissements; the arrondissements stay as rows.
    assert wide.at["75056", "D201"] == 210 and wide.at["75056", "C101"] == 3
    assert wide.at["75112", "D201"] == 12

    groups = group_counts(wide.reset_index(), ds.vintage).set_index("CODGEO")
    assert groups.at["01004", "Écoles élémentaires"] == 4        # C104 3 + C105 1
    assert groups.at["2A004", "Écoles maternelles"] == 2          # C102 (RPI dispersé)
    assert groups.at["2A004", "Crèches et accueil du jeune enfant"] == 7
    assert groups.at["01004", "Pharmacies"] == 5
    assert math.isnan(groups.at["01004", "Collèges"])             # C201 absent from the file

    table = data.commune_table("bpe")
    assert table.geo_year == 2021 and table.table.at["01004", "D201"] == 6


def test_facility_layout_counts_rows(isolated):
    # Accented names in Windows-1252: only DEPCOM and TYPEQU are decoded.
    write(isolated / "bpe" / "BPE23.csv", "\r\n".join([FACILITY_HEADER, *FACILITY_ROWS]) + "\r\n",
          encoding="cp1252")
    [ds] = find("bpe")
    assert (ds.vintage, ds.geo_year) == (2023, 2023)
    df = store.load(ds)
    tidy = df.set_index(["DEPCOM", "TYPEQU"])["NB_EQUIP"]
    assert tidy[("01004", "D265")] == 3.0
    assert tidy[("2A004", "D307")] == 1.0
    wide = ds.product.to_communes(df, ds).set_index("CODGEO")
    assert wide.at["01004", "C101"] == 1 and wide.at["2A004", "C101"] == 0
    assert "75056" not in wide.index  # one arrondissement only: no partial Paris total
    groups = group_counts(wide.reset_index(), ds.vintage).set_index("CODGEO")
    assert groups.at["01004", "Médecins généralistes"] == 3    # D265 in the 2023 nomenclature
    assert groups.at["2A004", "Pharmacies"] == 1
    assert "Infirmiers" not in groups.columns


def test_xy_zip_layout_and_one_file_per_vintage(isolated):
    xy_header = "REG;DEP;DEPCOM;DCIRIS;AN;TYPEQU;LAMBERT_X;LAMBERT_Y;QUALITE_XY;EPSG;QUALITE_GEOLOC"
    xy_rows = ["84;01;01004;010040101;2021;D201;870123.4;6543210.9;Bonne;2154;1",
               "84;01;01004;010040101;2021;D201;870123.5;6543210.8;Bonne;2154;1"]
    write(isolated / "bpe" / "bpe21_ensemble_xy_csv.zip",
          members={"bpe21_ensemble_xy.csv": "\n".join([xy_header, *xy_rows]) + "\n"})
    [ds] = find("bpe")
    assert ds.path.name == "bpe21_ensemble_xy_csv.zip"
    assert store.load(ds).set_index(["DEPCOM", "TYPEQU"])["NB_EQUIP"][("01004", "D201")] == 2.0

    counts_zip(isolated)  # the counts file of the same year is preferred, not added
    [ds] = find("bpe")
    assert ds.path.name == "bpe21_ensemble_csv.zip"
    assert data.commune_table("bpe").table.at["01004", "D201"] == 6


def test_names(isolated):
    pattern = REGISTRY["bpe"].pattern
    ok = ["bpe21_ensemble_csv.zip", "bpe21_ensemble.csv", "bpe21_ensemble_xy_csv.zip",
          "bpe21_ensemble_xy.csv", "bpe23.csv", "BPE23.csv", "bpe2023.csv"]
    ko = ["Contenu_bpe21_ensemble.zip", "bpe21_sport_loisir_xy_csv.zip", "bpe21_enseignement_xy.csv",
          "varmod_ensemble_2021.csv"]
    assert all(re.fullmatch(pattern, n, re.I) for n in ok)
    assert not any(re.fullmatch(pattern, n, re.I) for n in ko)


def test_groups_by_nomenclature():
    assert FACILITY_GROUPS["Écoles maternelles"] == ("C101", "C102")
    assert FACILITY_GROUPS["Lycées"] == ("C301", "C302", "C303")
    assert facility_groups(2021)["Médecins généralistes"] == ("D201",)
    assert facility_groups(2023)["Médecins généralistes"] == ("D265",)


# --- freshness and errors ---------------------------------------------------------------


def test_changed_file_is_ingested_again(isolated):
    path = counts_zip(isolated)
    [ds] = find("bpe")
    assert store.load(ds).set_index(["DEPCOM", "TYPEQU"])["NB_EQUIP"][("01001", "D201")] == 1
    counts_zip(isolated, rows=[r.replace("01001;2021;D201;1", "01001;2021;D201;11") for r in COUNTS_ROWS])
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 5))
    assert store.load(ds).set_index(["DEPCOM", "TYPEQU"])["NB_EQUIP"][("01001", "D201")] == 11


@pytest.mark.parametrize("header, rows, words", [
    ("REG;DEP;DEPCOM;DCIRIS;AN;NB_EQUIP", ["84;01;01001;01001;2021;1"], ["TYPEQU", "absente"]),
    (COUNTS_HEADER, ["84;01;01001;01001;2021;D201;un"], ["NB_EQUIP", "non numériques"]),
    (COUNTS_HEADER, ["84;01;01001;01001;2021;D201;1", "84;01;01001;01001;2021;D201;1;9"],
     ["8 champs au lieu de 7"]),
    (COUNTS_HEADER, ["84;01;01001;01001;2021;D201"], ["6 champs au lieu de 7"]),
])
def test_malformed_file_raises_unreadable_data(isolated, header, rows, words):
    counts_zip(isolated, rows=rows, header=header)
    [ds] = find("bpe")
    with pytest.raises(UnreadableData) as exc:
        store.load(ds)
    assert "bpe21_ensemble_csv.zip" in str(exc.value)
    for word in words:
        assert word in str(exc.value)


def test_missing_bpe_names_the_expected_file_and_folder(isolated):
    with pytest.raises(MissingData) as exc:
        find("bpe")
    assert "bpe21_ensemble_csv.zip" in str(exc.value)
    assert str(isolated.resolve() / "bpe") in str(exc.value)


# --- geolocated per-département cuts (poi_DD.csv), real files -----------------------------------
import rawdata  # noqa: E402


def _real_bpe():
    return data.commune_table("bpe")


def test_poi_cuts_count_every_row_per_commune_and_type(mirror):
    sources.refresh()
    table = _real_bpe()
    assert (table.vintage, table.geo_year) == (2019, 2019)
    assert sorted(d.part for d in table.datasets) == ["29", "30", "61", "72"]
    rows61 = rawdata.poi_rows("61")
    typequ = [c for c in table.table.columns if not c.startswith("FAM_")]
    for commune, expected in (("61001", 1124), ("61214", 398)):
        assert sum(1 for r in rows61 if r["DEPCOM"] == commune) == expected   # MANIFEST
        assert table.table.loc[commune, typequ].sum() == expected
    # Identical rows are distinct facilities: all counted (Gard: 5 713 identical rows).
    rows30 = rawdata.poi_rows("30")
    ales = [r for r in rows30 if r["DEPCOM"] == "30007"]
    assert table.table.loc["30007", typequ].sum() == len(ales) == 2068
    d502 = sum(1 for r in ales if r["TYPEQU"] == "D502")
    assert table.table.at["30007", "D502"] == d502 == table.table.at["30007", "FAM_PETITE_ENFANCE"]


def test_poi_commune_without_facility_counts_zero_and_other_departements_are_absent(mirror):
    table = _real_bpe().table
    in_file = {r["DEPCOM"] for r in rawdata.poi_rows("61")}
    assert len(in_file) == 354
    orne = [c for c in table.index if str(c).startswith("61")]
    assert len(orne) > 354                      # every Orne commune of COG 2019 is there
    empty = next(c for c in orne if c not in in_file)
    assert table.loc[empty].sum() == 0
    assert not any(str(c).startswith("14") for c in table.index)   # Calvados not covered


def test_poi_newer_cut_is_preferred_and_wrong_header_is_a_french_error(isolated):
    folder = isolated / "bpe"
    folder.mkdir()
    header = "REG;DEP;DEPCOM;DCIRIS;AN;TYPEQU;lng;lat\n"
    (folder / "poi_61.csv").write_text(header + "28;61;61214;61214_0104;2019;D502;0.61;48.76\n")
    (folder / "poi_2021_61.csv").write_text(header + "28;61;61214;61214_0104;2021;D502;0.61;48.76\n"
                                            "28;61;61214;61214_0104;2021;D502;0.61;48.76\n")
    sources.refresh()
    found = find("bpe")
    assert [(d.vintage, d.part) for d in found] == [(2021, "61"), (2019, "61")]
    assert data.commune_table("bpe").table.at["61214", "D502"] == 2
    (folder / "poi_72.csv").write_text("REG;DEP;COMMUNE;TYPE\n52;72;72181;D502\n")
    sources.refresh()
    bad = next(d for d in find("bpe") if d.part == "72")
    with pytest.raises(UnreadableData) as exc:
        store.load(bad)
    assert "poi_72.csv" in str(exc.value) and "DEPCOM" in str(exc.value)
