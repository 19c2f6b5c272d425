"""One vintage per comparison row; a newer value of the territory alone on its own line.

Values are read again from the raw Filosofi files with the csv module (tests/rawdata.py).
"""
import math

import pytest

from diagnostic import indicators

from rawdata import filo_disp_value, filosofi

IDS = ["revenu_median", "part_prestations_sociales", "taux_pauvrete", "population"]


@pytest.fixture(scope="module")
def aigle():
    return indicators.compute("61214", peers=["61001"], ids=IDS)


def test_each_row_shares_one_vintage(aigle):
    compared = aigle[~aigle["id"].str.contains("@")]
    for ident, rows in compared.groupby("id"):
        shown = rows[rows["value"].notna()]
        assert shown["vintage"].nunique() <= 1, ident


def test_median_row_uses_the_latest_vintage_published_at_every_level(aigle):
    rows = aigle[aigle["id"] == "revenu_median"].set_index(["level", "code"])["value"]
    assert rows[("territoire", "61214")] == filo_disp_value(2019, "COM", "61214", "Q219")
    assert rows[("departement", "61")] == filo_disp_value(2019, "DEP", "61", "Q219")
    assert rows[("region", "28")] == filo_disp_value(2019, "REG", "28", "Q219")
    assert rows[("france", "FR")] == filo_disp_value(2019, "METROPOLE", "1", "Q219")
    assert rows[("pair", "61001")] == filo_disp_value(2019, "COM", "61001", "Q219")
    assert set(aigle.loc[aigle["id"] == "revenu_median", "vintage"]) == {"2019"}


def test_newer_commune_value_is_its_own_line_never_compared(aigle):
    line = aigle[aigle["id"] == "revenu_median@2021"].set_index("level")
    own = line.loc["territoire"]
    assert own["vintage"] == "2021" and own["value"] == float(filosofi()["61214"]["MED21"].replace(",", "."))
    assert not line["comparable"].any() and (line["axes"] == "").all()
    assert "2021" in own["label"] and "millésime que ne publient pas toutes les références" in own["label"]
    # The references have no 2021 file: their cells say so instead of holding 2019 figures.
    for level in ("departement", "region", "france"):
        assert math.isnan(line.loc[level, "value"]) and "absent du miroir" in line.loc[level, "note"]
    # It sits right after the compared row, so a table shows it beneath.
    ids = list(dict.fromkeys(aigle["id"]))
    assert ids[ids.index("revenu_median") + 1] == "revenu_median@2021"


def test_an_epci_absent_from_the_newer_file_has_no_extra_line():
    table = indicators.compute("246100663", ids=["revenu_median"])
    assert list(table["id"].unique()) == ["revenu_median"]
    own = table.query("level == 'territoire'").iloc[0]
    assert own["value"] == filo_disp_value(2019, "EPCI", "246100663", "Q219") and own["vintage"] == "2019"


def test_single_vintage_indicators_are_unchanged(aigle):
    own = aigle.query("level == 'territoire' and id == 'taux_pauvrete'").iloc[0]
    assert own["value"] == float(filosofi()["61214"]["TP6021"].replace(",", ".")) and own["vintage"] == "2021"
    assert not aigle["id"].str.startswith("taux_pauvrete@").any()
