"""Quartiers prioritaires of a territory, checked against the raw QPV files (csv module)."""
from __future__ import annotations

import math

import pytest

import rawdata
from diagnostic import quartiers, sources
from diagnostic.territory import resolve


def _values(table, qpv):
    rows = table[table["qpv"] == qpv]
    return rows.set_index("indicator")


def test_la_madeleine_in_laigle_with_its_figures():
    table, notes = quartiers.qpv_table(resolve("61214"))
    assert set(table["qpv"]) == {"QP061005"} and not notes
    v = _values(table, "QP061005")
    assert v.at["taux_pauvrete", "value"] == rawdata.qpv_value("REVN", 2022, "QP061005", "TP60")
    assert v.at["niveau_vie_median", "value"] == rawdata.qpv_value("REVN", 2022, "QP061005", "DISP_Q2")
    assert v.at["taux_emploi", "value"] == rawdata.qpv_value("IPRO", 2022, "QP061005", "TX_TOT_EMPL")
    assert v.at["demandeurs_emploi", "value"] == rawdata.qpv_value("IPRO", 2022, "QP061005", "ABCDE")
    assert v.at["taux_pauvrete", "edition"] == 2022 and "REVN_2022.csv" in v.at["taux_pauvrete", "source"]
    # Allocataires are secret in 2022: missing with a note, never 0.
    assert math.isnan(v.at["allocataires", "value"]) and "secret" in v.at["allocataires", "note"]
    share = rawdata.qpv_value("DEMO", 2022, "QP061005", "POP_MUN") / float(
        rawdata.comparateur()["61214"]["P18_POP"]) * 100
    assert v.at["part_population_commune", "value"] == pytest.approx(share, abs=0.01)


def test_allocataires_of_an_edition_with_caf_figures():
    table, _ = quartiers.qpv_table(resolve("200068468"), edition=2019)
    v = _values(table, "QP061005")
    assert v.at["allocataires", "value"] == rawdata.qpv_value("DEMO", 2019, "QP061005", "A") == 447
    assert v.at["allocataires_rsa", "value"] == rawdata.qpv_value("REVN", 2019, "QP061005", "ARSAS")
    assert v.at["allocataires_aah", "value"] == rawdata.qpv_value("REVN", 2019, "QP061005", "AAAH")
    assert v.at["enfants_moins_3_ans", "value"] == rawdata.qpv_value("DEMO", 2019, "QP061005", "ENF_2")
    assert set(table["edition"]) == {2019}


def test_alencon_has_perseigne_and_courteille_and_morlaix_none():
    table, _ = quartiers.qpv_table(resolve("246100663"))
    assert set(table["qpv"]) == {"QP061006", "QP061007"}
    assert set(table["commune"]) == {"61001"}
    assert quartiers.qpv_table(resolve("242900835"))[0].empty


def test_a_qpv_on_several_communes_belongs_to_each():
    raw = rawdata.qpv("DEMO", 2022)
    code = next(c for c, r in raw.items() if r["LIB_COM"] == "Bron, Vaulx-en-Velin")
    for commune in ("69029", "69256"):  # Bron, Vaulx-en-Velin
        table, _ = quartiers.qpv_table(resolve(commune))
        assert code in set(table["qpv"])
        share = _values(table, code).loc["part_population_commune"]
        assert math.isnan(share["value"]) and "plusieurs communes" in share["note"]


def test_marseille_arrondissement_names_link_to_marseille():
    table, notes = quartiers.qpv_table(resolve("13055"))
    assert len(set(table["qpv"])) > 30 and not notes


def test_comparison_side_by_side():
    comp, _ = quartiers.qpv_comparison(resolve("61214"), edition=2019)
    rows = comp[(comp["qpv"] == "QP061005") & (comp["indicator"] == "niveau_vie_median")].set_index("level")
    assert rows.at["quartier", "value"] == rawdata.qpv_value("REVN", 2019, "QP061005", "DISP_Q2")
    assert rows.at["commune", "value"] == rawdata.filo_disp_value(2019, "COM", "61214", "Q219")
    assert rows.at["epci", "value"] == 20190 and rows.at["epci", "vintage"] == 2019
    assert rows.at["departement", "value"] == rawdata.filo_disp_value(2019, "DEP", "61", "Q219")
    assert rows.at["ensemble_qpv", "value"] == rawdata.qpv_value("REVN", 2019, "Ensemble", "DISP_Q2")
    assert rows.at["ensemble_qpv", "vintage"] == 2019


def test_comparison_without_ensemble_row_says_so():
    comp, _ = quartiers.qpv_comparison(resolve("61214"))
    ens = comp[(comp["indicator"] == "taux_pauvrete") & (comp["level"] == "ensemble_qpv")].iloc[0]
    assert "Ensemble" not in rawdata.qpv("REVN", 2022)
    assert math.isnan(ens["value"]) and "absente de REVN_2022.csv" in ens["note"]


def test_evolution_keeps_one_edition_per_row():
    evo = quartiers.qpv_evolution(resolve("61214"))
    rate = evo[evo["indicator"] == "taux_pauvrete"].set_index("edition")["value"]
    for year in (2017, 2018, 2019, 2021, 2022):
        assert rate[year] == rawdata.qpv_value("REVN", year, "QP061005", "TP60")


def test_unmatched_commune_name_is_a_note_not_a_crash(mirror_with):
    folder = mirror_with / "qpv"
    folder.mkdir()
    header = "\ufeffCODGEO;LIBGEO;POP_MUN;POP_COM_QP;POP_COM;LIB_COM;TX_TOT_0A24\r\n"
    rows = ["QP061005;La Madeleine;1\u202f118;1\u202f118;8\u202f019;L'AIGLE;36,2",  # case and accents ignored
            "QP061099;Quartier fictif;900;900;5\u202f000;Villebidon-sur-Risle",
            "QP061098;Autre quartier;800;800;5\u202f000;L'Aigle, Villebidon-sur-Risle"]
    (folder / "DEMO_2022.csv").write_bytes((header + "\r\n".join(rows) + "\r\n").encode())
    sources.refresh()
    table, notes = quartiers.qpv_table(resolve("61214"))
    assert set(table["qpv"]) == {"QP061005", "QP061098"}
    assert any("Villebidon-sur-Risle" in n and "QP061099" in n for n in notes)
    # Themes absent from the mirror: missing values with a note.
    rate = _values(table, "QP061005").loc["taux_pauvrete"]
    assert math.isnan(rate["value"]) and "REVN" in rate["note"]
