"""Indicators recomputed independently from the raw INSEE files (csv module only)."""
import math

import pandas as pd
import pytest

from diagnostic import catalogue, indicators
from diagnostic.errors import ConfigurationError, UnknownIndicator

from rawdata import comparateur, comparateur_sum, epci_composition_2021, filo_disp_value, filosofi

PLM_ARRONDISSEMENTS = ("751", "6938", "132")


def _codes(prefixes):
    return [c for c in comparateur() if c.startswith(tuple(prefixes)) and not _is_arm(c)]


def _is_arm(code):
    return (code.startswith("751") and code != "75056") or code.startswith("6938") or \
        (code.startswith("132") and code != "13055" and len(code) == 5 and code[3:] <= "16")


def _france_codes():
    # France as INSEE publishes it: every commune, arrondissements excluded, Mayotte blank.
    return [c for c in comparateur() if not _is_arm(c) and comparateur()[c]["P18_POP"] != ""]


TERRITORIES = {
    "246100663": lambda: epci_composition_2021()["246100663"],
    "242900835": lambda: epci_composition_2021()["242900835"],
    "61214": lambda: ["61214"],
    "61": lambda: _codes(["61"]),
}

FORMULAS = {
    "population": lambda s: s("P18_POP"),
    "menages": lambda s: s("P18_MEN"),
    "logements": lambda s: s("P18_LOG"),
    "solde_naturel": lambda s: s("NAIS1318") - s("DECE1318"),
    "densite": lambda s: s("P18_POP") / s("SUPERF"),
    "part_logements_vacants": lambda s: 100 * s("P18_LOGVAC") / s("P18_LOG"),
    "part_proprietaires": lambda s: 100 * s("P18_RP_PROP") / s("P18_RP"),
    "part_residences_secondaires": lambda s: 100 * s("P18_RSECOCC") / s("P18_LOG"),
    "taux_chomage": lambda s: 100 * s("P18_CHOM1564") / s("P18_ACT1564"),
    "population_evolution_annuelle": lambda s: 100 * ((s("P18_POP") / s("P13_POP")) ** 0.2 - 1),
    "indicateur_concentration_emploi": lambda s: 100 * s("P18_EMPLT") / (s("P18_ACT1564") - s("P18_CHOM1564")),
}


@pytest.fixture(scope="module")
def tables():
    return {code: indicators.compute(code) for code in TERRITORIES}


@pytest.mark.parametrize("territory", list(TERRITORIES))
@pytest.mark.parametrize("ident", list(FORMULAS))
def test_territory_values_equal_a_hand_computation(tables, territory, ident):
    codes = TERRITORIES[territory]()
    expected = FORMULAS[ident](lambda col: comparateur_sum(codes, col))
    row = tables[territory].query("level == 'territoire' and id == @ident").iloc[0]
    assert row["value"] == pytest.approx(expected, rel=1e-9)
    assert "comparateur" in row["source"] and row["vintage"] in ("2018", "2013-2018")


@pytest.mark.parametrize("ident", ["population", "part_logements_vacants", "taux_chomage"])
def test_references_equal_a_hand_computation(tables, ident):
    table = tables["246100663"]
    normandie = _codes(["14", "27", "50", "61", "76"])
    for level, codes in (("departement", _codes(["61"])), ("region", normandie), ("france", _france_codes())):
        expected = FORMULAS[ident](lambda col: comparateur_sum(codes, col))
        row = table.query("level == @level and id == @ident").iloc[0]
        assert row["value"] == pytest.approx(expected, rel=1e-9), level


def test_known_published_figures(tables):
    value = lambda t, i: tables[t].query("level == 'territoire' and id == @i")["value"].iloc[0]
    assert value("61214", "population") == 8019
    morlaix = indicators.compute("29151", ids=["population"]).query("level == 'territoire'")
    assert morlaix["value"].iloc[0] == 14729
    assert round(value("61", "population")) == 281593
    france = tables["61"].query("level == 'france' and id == 'population'").iloc[0]
    assert round(france["value"]) == 66732538
    assert "hors Mayotte" in france["note"]


def test_median_income_is_read_in_the_file_of_each_level(tables):
    # One vintage per row: Filosofi 2019 is published at every level, 2021 for communes only.
    aigle = tables["61214"].query("id == 'revenu_median'").set_index("level")
    assert aigle.loc["territoire", "value"] == filo_disp_value(2019, "COM", "61214", "Q219")
    assert aigle.loc["departement", "value"] == filo_disp_value(2019, "DEP", "61", "Q219")
    assert set(aigle["vintage"]) == {"2019"}
    newer = tables["61214"].query("level == 'territoire' and id == 'revenu_median@2021'").iloc[0]
    assert newer["value"] == float(filosofi()["61214"]["MED21"]) and not newer["comparable"]
    epci = tables["246100663"].query("level == 'territoire'").set_index("id")
    assert epci.loc["revenu_median", "value"] == filo_disp_value(2019, "EPCI", "246100663", "Q219")
    # No poverty rate in the level files: never derived from the communes.
    assert math.isnan(epci.loc["taux_pauvrete", "value"])
    assert "cc_filosofi_2021_EPCI.csv" in epci.loc["taux_pauvrete", "note"]
    assert "ne se calcule pas à partir des communes" in epci.loc["taux_pauvrete", "note"]


def test_secret_statistique_stays_missing():
    # Poverty rates are published only for the larger communes: Aube (61008) has 's'.
    assert filosofi()["61008"]["TP6021"] == "s"
    row = indicators.compute("61008", ids=["taux_pauvrete"]).query("level == 'territoire'").iloc[0]
    assert math.isnan(row["value"]) and "secret statistique" in row["note"]


def test_unavailable_source_names_the_file_to_add(tables):
    row = tables["61214"].query("level == 'territoire' and id == 'part_0_2_ans'").iloc[0]
    assert math.isnan(row["value"])
    assert "non disponible" in row["note"]


def test_every_row_carries_source_and_vintage(tables):
    for table in tables.values():
        valued = table[table["value"].notna()]
        assert (valued["source"] != "").all() and (valued["vintage"] != "").all()
        assert valued["geo_year"].notna().all()


def test_peers_are_added():
    table = indicators.compute("61214", peers=["61001"], ids=["population"])
    peer = table.query("level == 'pair'").iloc[0]
    assert peer["code"] == "61001" and peer["value"] == comparateur_sum(["61001"], "P18_POP")


def test_commune_values_are_each_communes_own_ratio():
    values = indicators.commune_values("242900835", "part_logements_vacants").set_index("code")["value"]
    raw = comparateur()["29151"]
    assert values["29151"] == pytest.approx(100 * float(raw["P18_LOGVAC"]) / float(raw["P18_LOG"]))
    assert len(values) == 26


def test_unknown_indicator_id_is_a_french_error():
    with pytest.raises(UnknownIndicator, match="proches"):
        indicators.compute("61214", ids=["part_logement_vacants"])


def test_invalid_catalogue_entry_is_rejected():
    with pytest.raises(ConfigurationError, match="thème inconnu"):
        catalogue.parse([{"id": "x", "theme": "meteo", "label": "X", "calcul": [{"source": "a", "numerator": "B"}]}])
    with pytest.raises(ConfigurationError, match="dénominateur"):
        catalogue.parse([{"id": "x", "theme": "logement", "label": "X",
                          "calcul": [{"source": "a", "numerator": "B", "kind": "ratio"}]}])


def test_catalogue_has_the_public_ids():
    ids = set(catalogue.catalogue())
    for ident in ("population", "population_evolution_annuelle", "densite", "solde_naturel", "naissances",
                  "deces", "menages", "revenu_median", "taux_pauvrete", "part_prestations_sociales",
                  "part_prestations_familiales", "part_minima_sociaux", "part_prestations_logement",
                  "taux_chomage", "logements", "part_logements_vacants", "part_proprietaires",
                  "part_residences_secondaires", "emplois", "indicateur_concentration_emploi",
                  "part_familles_monoparentales", "part_familles_nombreuses"):
        assert ident in ids


def test_mortality_rate_is_read_at_each_published_level():
    table = indicators.compute("246100663", ids=["taux_mortalite"]).set_index("level")
    assert table.loc["territoire", "value"] == 9.4  # insee_rp_evol_1968_epci_2018.csv, 2013-2018
    assert table.loc["departement", "value"] == 11.6 and table.loc["region", "value"] == 9.8
    assert math.isnan(table.loc["france", "value"]) and "niveau France" in table.loc["france", "note"]
    assert "Observatoire des territoires" in table.loc["territoire", "source"]
