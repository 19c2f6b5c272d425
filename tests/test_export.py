"""Exports: one column per level and code (homonyms kept apart), inert spreadsheet cells."""
import csv
import io
import os
import stat

import openpyxl
import pandas as pd
import pytest

from diagnostic import export, indicators
from diagnostic.errors import OutputError
from rawdata import comparateur


def _population_row(sheet: pd.DataFrame) -> pd.Series:
    return sheet[sheet["Identifiant"] == "population"].iloc[0]


def test_paris_commune_and_departement_are_two_columns(tmp_path):
    table = indicators.compute("75056")
    path = export.indicators_workbook(table, tmp_path / "paris.xlsx")
    row = _population_row(pd.read_excel(path, sheet_name="Démographie"))
    paris = float(comparateur()["75056"]["P18_POP"])
    assert row["Paris"] == paris
    # Paris the département has the same communes, hence the same population, in its own column.
    assert row["Paris (département)"] == paris
    assert "Île-de-France" in row.index and "France" in row.index


def test_reunion_departement_and_region_are_two_columns(tmp_path):
    table = indicators.compute("97411")
    path = export.indicators_workbook(table, tmp_path / "reunion.xlsx")
    row = _population_row(pd.read_excel(path, sheet_name="Démographie"))
    assert row["Saint-Denis"] == float(comparateur()["97411"]["P18_POP"])
    reunion = sum(float(r["P18_POP"]) for code, r in comparateur().items() if code.startswith("974"))
    assert row["La Réunion (département)"] == reunion == row["La Réunion (région)"]


def test_two_saint_denis_in_workbook_and_text(tmp_path):
    table = indicators.compute("93066", peers=["11339"])
    path = export.indicators_workbook(table, tmp_path / "sd.xlsx")
    row = _population_row(pd.read_excel(path, sheet_name="Démographie"))
    assert row["Saint-Denis"] == float(comparateur()["93066"]["P18_POP"])
    assert row["Saint-Denis (comparaison)"] == float(comparateur()["11339"]["P18_POP"])
    wide = export.wide_display(table)
    assert {"Saint-Denis", "Saint-Denis (comparaison)"} <= set(wide.columns)


def test_same_name_and_level_fall_back_to_codes():
    df = pd.DataFrame({"level": ["territoire", "pair", "pair"], "code": ["61214", "11339", "30247"],
                       "name": ["L'Aigle", "Saint-Denis", "Saint-Denis"]})
    assert list(export.level_columns(df).values()) == ["L'Aigle", "Saint-Denis (11339)", "Saint-Denis (30247)"]


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\",\"clic\")", "+1+2", "-2+3", "@SUM(A1)",
                                  "\tcmd", "\r=1"])
def test_formula_like_text_is_neutralised(text):
    assert export.safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["-12,5", "-3", "+4.5", "Alençon", "", -2.5, 7])
def test_numbers_and_plain_text_are_kept(value):
    assert export.safe_cell(value) == value


def _hostile_frame() -> pd.DataFrame:
    return pd.DataFrame({"id": ["population", "population"], "theme": ["demographie"] * 2,
                         "label": ["Population", "Population"], "unit": ["habitants"] * 2,
                         "decimals": [0, 0], "level": ["territoire", "france"], "code": ["p", "FR"],
                         "name": ['=HYPERLINK("http://x","clic")', "France"], "value": [-1200.0, 5.0],
                         "source": ["Insee"] * 2, "vintage": [2018, 2018], "geo_year": [2021, 2021],
                         "note": ["@note", ""]})


def test_csv_and_xlsx_hold_no_live_formula(tmp_path):
    df = _hostile_frame()
    export.write(df, "csv", tmp_path / "i.csv")
    rows = list(csv.reader(io.StringIO((tmp_path / "i.csv").read_text(encoding="utf-8-sig")), delimiter=";"))
    header = rows[0]
    first = dict(zip(header, rows[1]))
    assert first["name"] == "'=HYPERLINK(\"http://x\",\"clic\")" and first["note"] == "'@note"
    assert first["value"] == "-1200,0"  # a real negative number stays a number
    export.write(df, "xlsx", tmp_path / "i.xlsx")
    book = openpyxl.load_workbook(tmp_path / "i.xlsx")
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert any(c.value == -1200 and c.data_type == "n" for c in cells)
    assert any(str(c.value).startswith("'=HYPERLINK") for c in cells)


def test_outputs_get_the_umask_mode(tmp_path):
    df = _hostile_frame()
    for name, fmt in (("a.csv", "csv"), ("a.json", "json"), ("a.xlsx", "xlsx")):
        export.write(df, fmt, tmp_path / name)
        mode = stat.S_IMODE(os.stat(tmp_path / name).st_mode)
        assert mode == 0o666 & ~_umask(), (name, oct(mode))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_output_through_a_symlink_keeps_the_link(tmp_path):
    target = tmp_path / "reel.csv"
    target.write_text("ancien")
    link = tmp_path / "lien.csv"
    link.symlink_to(target)
    export.write(_hostile_frame(), "csv", link)
    assert link.is_symlink() and "HYPERLINK" in target.read_text(encoding="utf-8-sig")


def test_special_targets_are_refused(tmp_path):
    fifo = tmp_path / "tube"
    os.mkfifo(fifo)
    for target in (fifo, tmp_path, "/dev/full"):
        with pytest.raises(OutputError):
            export.write(_hostile_frame(), "csv", target)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_mayotte_departement_and_region_are_two_columns(tmp_path):
    table = indicators.compute("976")
    path = export.indicators_workbook(table, tmp_path / "mayotte.xlsx")
    row = _population_row(pd.read_excel(path, sheet_name="Démographie"))
    # The comparateur publishes no RP 2018 population for Mayotte: missing, never 0, in both columns.
    assert {r["P18_POP"] for code, r in comparateur().items() if code.startswith("976")} == {""}
    assert pd.isna(row["Mayotte"]) and pd.isna(row["Mayotte (région)"])
    assert row["France"] == sum(float(r["P18_POP"]) for code, r in comparateur().items()
                                if r["P18_POP"] and not code.startswith(("751", "6938", "132")))
