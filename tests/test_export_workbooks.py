"""xlsx for people: number formats, frozen headers, per-commune sheets, a lot's workbook and index."""
import html
import re
from pathlib import Path

import openpyxl
import pandas as pd

from diagnostic import export, indicators
from diagnostic.batch import BatchOutcome
from diagnostic.comparison import write_workbook_of_lot
from diagnostic.report.index_page import write_index
from diagnostic.territory import resolve
from diagnostic.workbook import number_format
from rawdata import comparateur, epci_composition_2021

LAIGLE_EPCI = "200068468"  # CC des Pays de L'Aigle


def test_number_formats():
    assert number_format(0) == "#,##0" and number_format(2) == "#,##0.00"
    assert number_format(1, "% par an") == '#,##0.0" %"' and number_format(None) is None


def test_indicators_workbook_formats_and_per_commune_sheets(tmp_path):
    table = indicators.compute(LAIGLE_EPCI)
    path = export.write(table, "xlsx", tmp_path / "cc.xlsx", territory=LAIGLE_EPCI) or tmp_path / "cc.xlsx"
    book = openpyxl.load_workbook(path)
    demo = book["Démographie"]
    assert demo.freeze_panes == "D2" and demo["A1"].font.bold
    header = [c.value for c in demo[1]]
    population = next(row for row in demo.iter_rows(min_row=2) if row[0].value == "population")
    cell = population[header.index("CC des Pays de L'Aigle")]
    members = epci_composition_2021()[LAIGLE_EPCI]
    assert cell.value == sum(float(comparateur()[c]["P18_POP"]) for c in members)
    assert cell.number_format == "#,##0"
    communes = book["Communes - Démographie"]
    assert communes.freeze_panes == "C2"
    rows = {r[0].value: r for r in communes.iter_rows(min_row=2)}
    assert set(rows) == set(resolve(LAIGLE_EPCI).communes)
    pop_col = [c.value for c in communes[1]].index("Population municipale (habitants)")
    assert rows["61214"][pop_col].value == float(comparateur()["61214"]["P18_POP"])
    assert "Sources et notes" in book.sheetnames and "Données (format long)" in book.sheetnames


def test_single_commune_has_no_per_commune_sheet(tmp_path):
    export.write(indicators.compute("61214"), "xlsx", tmp_path / "c.xlsx", territory="61214")
    assert not [s for s in openpyxl.load_workbook(tmp_path / "c.xlsx").sheetnames if s.startswith("Communes")]


def _success(tmp_path, label, name, code, value, reference, dep):
    report = tmp_path / f"{code}" / "rapport.html"
    return {"label": label, "name": name, "code": code, "kind": "commune", "communes": 1, "html": str(report),
            "indicators": [{"id": "population", "theme": "demographie", "label": "Population municipale",
                            "unit": "habitants", "decimals": 0, "value": value, "source": "Insee", "vintage": 2018}],
            "departement": [{"id": "population", "name": dep, "value": reference, "decimals": 0,
                             "unit": "habitants"}]}


def test_lot_workbook_and_index_show_the_departement_beside_each_figure(tmp_path):
    lot_dir = tmp_path / "lot"
    lot_dir.mkdir()
    successes = [_success(tmp_path, "L'Aigle (commune 61214)", "L'Aigle", "61214", 8019.0, 281593.0, "Orne"),
                 _success(tmp_path, "Morlaix (commune 29151)", "Morlaix", "29151", 14804.0, 915090.0, "Finistère")]
    outcome = BatchOutcome(index=lot_dir / "index.html", workbook=lot_dir / "comparaison.xlsx",
                           successes=successes, failures=[("99999", "Aucune commune")], name="essai")
    write_workbook_of_lot(outcome, lot_dir)
    book = openpyxl.load_workbook(outcome.workbook)
    sheet = book["Indicateurs"]
    header = [c.value for c in sheet[1]]
    assert header[3:7] == ["L'Aigle (commune 61214)", "L'Aigle (commune 61214) : Orne",
                           "Morlaix (commune 29151)", "Morlaix (commune 29151) : Finistère"]
    assert [c.value for c in sheet[2]][3:7] == [8019, 281593, 14804, 915090]
    assert sheet.cell(row=2, column=5).number_format == "#,##0" and sheet.freeze_panes == "D2"
    listing = book["Territoires"]
    link = listing.cell(row=2, column=[c.value for c in listing[1]].index("Rapport") + 1)
    # A relative file link, stored as Excel stores it (Windows separators, which every spreadsheet reads).
    assert link.value == "../61214/rapport.html" and link.hyperlink.target == r"..\61214\rapport.html"
    write_index(outcome, lot_dir)
    page = outcome.index.read_text(encoding="utf-8")
    text = html.unescape(re.sub(r"<[^>]+>", " ", page))
    assert "Population municipale : département de référence" in text
    assert re.search(r"8\s019\s+281\s593", text) and re.search(r"14\s804\s+915\s090", text)
