"""Indicator kinds: one registry, one arithmetic for territories and their communes.

Values are checked against the raw files read with the csv module (tests/rawdata.py).
"""
import math

import pandas as pd
import pytest

from diagnostic import catalogue, indicators, kinds
from diagnostic.errors import ConfigurationError

from rawdata import caf_sum, comparateur, epci_composition_2021

MORLAIX = "242900835"

#: Per-commune formulas over raw comparateur columns, one per additive kind.
COMMUNE_FORMULAS = {
    "population": lambda r: r("P18_POP"),  # count
    "densite": lambda r: r("P18_POP") / r("SUPERF"),  # ratio
    "part_logements_vacants": lambda r: 100 * r("P18_LOGVAC") / r("P18_LOG"),  # ratio with scale
    "population_evolution_annuelle": lambda r: 100 * ((r("P18_POP") / r("P13_POP")) ** 0.2 - 1),  # annual_rate
}


def test_every_documented_kind_is_registered_once():
    assert set(kinds.names()) == {"count", "ratio", "level", "annual_rate", "evolution"}
    assert kinds.get("ratio") is kinds.get("ratio")
    with pytest.raises(ConfigurationError, match="déclaré deux fois"):
        kinds.register(type("Again", (kinds.Kind,), {"name": "count"}))


def test_unknown_kind_is_a_french_error_naming_the_known_ones():
    with pytest.raises(ConfigurationError, match="Type de calcul inconnu « densite ».*annual_rate"):
        kinds.get("densite")


@pytest.mark.parametrize("name, den", [("annual_rate", 0.0), ("annual_rate", -3.0), ("evolution", 0.0),
                                       ("ratio", 0.0)])
def test_guards_are_the_same_for_a_territory_and_for_communes(name, den):
    method = catalogue.Method("comparateur", name, catalogue.Expression("A"), catalogue.Expression("B"))
    kind = kinds.get(name)
    assert kind.value(10.0, den, method) is None
    per_commune = kind.value(pd.Series([10.0, 12.0]), pd.Series([den, 10.0]), method)
    assert math.isnan(per_commune.iloc[0])
    assert per_commune.iloc[1] == pytest.approx(kind.value(12.0, 10.0, method))


@pytest.mark.parametrize("ident", list(COMMUNE_FORMULAS))
def test_commune_values_equal_the_raw_file_commune_by_commune(ident):
    values = indicators.commune_values(MORLAIX, ident).set_index("code")["value"]
    raw = comparateur()
    communes = epci_composition_2021()[MORLAIX]
    assert sorted(values.index) == sorted(communes)
    for code in communes:
        expected = COMMUNE_FORMULAS[ident](lambda col: float(raw[code][col]))
        assert values[code] == pytest.approx(expected, rel=1e-12), code


@pytest.mark.parametrize("ident", list(COMMUNE_FORMULAS))
def test_a_communes_map_value_is_its_own_territory_value(ident):
    commune = indicators.commune_values(MORLAIX, ident).set_index("code")["value"]["29151"]
    alone = indicators.compute("29151", ids=[ident], references=False)["value"].iloc[0]
    assert commune == pytest.approx(alone, rel=1e-12)


def test_evolution_gives_values_on_maps():
    table = indicators.commune_values(MORLAIX, "allocataires_evolution")
    assert "décembre 2016" in table.attrs["source"] and "décembre 2020" in table.attrs["source"]
    values = table.set_index("code")["value"]
    now, before = caf_sum(2020, "29151", "A"), caf_sum(2016, "29151", "A")
    assert values["29151"] == pytest.approx(100 * (now / before - 1))
    alone = indicators.compute("29151", ids=["allocataires_evolution"], references=False)["value"].iloc[0]
    assert values["29151"] == pytest.approx(alone)
    # Communes without CAF IRIS rows stay missing, never 0.
    assert values.drop("29151").isna().all()


def test_counts_are_not_comparable_and_rates_are():
    table = indicators.compute("61214", ids=["population", "densite"], references=False).set_index("id")
    assert not table.loc["population", "comparable"] and table.loc["densite", "comparable"]
