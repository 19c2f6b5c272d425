"""IRIS incomes (Filosofi 2019 by IRIS), checked against the raw file (csv module)."""
from __future__ import annotations

import math

import rawdata
from diagnostic import iris
from diagnostic.territory import resolve


def _raw_rates(commune: str) -> dict[str, float | None]:
    return {r["IRIS"]: rawdata._number(r["DISP_TP6019"]) for r in rawdata.filo_iris() if r["COM"] == commune}


def test_ales_iris_contrasts():
    table, notes = iris.iris_incomes(resolve("30007"))
    raw = _raw_rates("30007")
    assert len(table) == len(raw) == 15 and not notes
    rates = table.set_index("iris")["poverty_rate"]
    for code, value in raw.items():
        assert (math.isnan(rates[code]) if value is None else rates[code] == value)
    released = [v for v in raw.values() if v is not None]
    assert (min(released), max(released)) == (11.9, 66.1)           # MANIFEST
    assert table["poverty_rate"].iloc[0] == 66.1                      # highest first
    # The secret IRIS stays secret, listed last with a note.
    last = table.iloc[-1]
    assert math.isnan(last["poverty_rate"]) and "secret" in last["note"]


def test_commune_value_is_the_published_one_not_a_mean_of_iris():
    table, _ = iris.iris_incomes(resolve("30007"))
    comp = rawdata.comparateur()["30007"]
    assert (table["commune_poverty_rate"] == float(comp["TP6019"])).all()
    assert (table["commune_median"] == rawdata.filo_disp_value(2019, "COM", "30007", "Q219")).all()
    assert table["vintage"].eq(2019).all()


def test_epci_shows_the_iris_with_the_highest_poverty_rates():
    table, notes = iris.iris_incomes(resolve("200066918"), top=5)
    assert list(table["poverty_rate"]) == [66.1, 65.4, 40.6, 40.5, 36.6]
    assert any("ne sont pas découpées en IRIS" in n for n in notes)


def test_commune_without_iris_gives_a_note():
    table, notes = iris.iris_incomes(resolve("61214"))
    assert table.empty and "découpée en IRIS" in notes[0]
