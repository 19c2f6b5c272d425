"""Coverage-aware values: counts with secret cells as lower bounds, rates over a field
holding enough of the population as estimates; recomputed from the raw files."""
import math

import pytest

from diagnostic import clear_caches, indicators
from diagnostic.errors import ConfigurationError

from conftest import MIRROR
from rawdata import caf_rows, epci_composition_2021, iris_rows

ALENCON_CU = "246100663"


def _caf_released(commune: str, column: str) -> tuple[float, int, int]:
    """(sum of the released IRIS values, IRIS rows, IRIS with no figure) of a commune."""
    rows = [r for r in caf_rows(2020) if r["CODGEO"][:5] == commune]
    released = [float(r[column]) for r in rows if r[column].strip()]
    blank = sum(1 for r in rows if not any(v.strip() for k, v in r.items() if k not in ("CODGEO", "NOTE")))
    return sum(released), len(rows), blank


def test_a_count_with_secret_iris_is_a_lower_bound():
    row = indicators.compute("61001", ids=["allocataires"], references=False).iloc[0]
    released, total, blank = _caf_released("61001", "A")
    assert math.isnan(row["value"])  # never the bare partial sum
    assert row["lower_bound"] == released == 6686
    assert f"au moins 6\u202f686 allocataires ; {blank} IRIS sur {total} non diffusés" in row["note"]
    assert (blank, total) == (4, 14)


def test_no_lower_bound_when_communes_are_absent_from_the_source():
    row = indicators.compute(ALENCON_CU, ids=["allocataires"], references=False).iloc[0]
    assert math.isnan(row["value"])
    assert row["lower_bound"] is None or math.isnan(row["lower_bound"])
    assert "au moins" not in row["note"]


def _iris_share(communes, numerator, denominator):
    extracts = sorted(p.stem.rsplit("_", 1)[1] for p in (MIRROR / "rp2019-iris").glob("evol_struc_pop_*.csv"))
    rows = [r for dep in extracts for r in iris_rows("evol_struc_pop", dep) if r["INSEE_COM"] in communes]
    covered = sorted({r["INSEE_COM"] for r in rows})
    return 100 * sum(float(r[numerator]) for r in rows) / sum(float(r[denominator]) for r in rows), covered


def test_a_share_over_96_percent_of_the_population_is_an_estimate_with_its_field():
    row = indicators.compute(ALENCON_CU, ids=["part_0_14_ans"], references=False).iloc[0]
    communes = epci_composition_2021()[ALENCON_CU]
    expected, covered = _iris_share(communes, "P19_POP0014", "P19_POP")
    assert math.isnan(row["value"])
    assert row["estimate"] == pytest.approx(expected, rel=1e-12)
    assert len(covered) == 24 and len(communes) == 31
    assert ("estimation : 16,5\u00a0% sur le champ couvert — champ : 24 communes sur 31, 96\u00a0% de la "
            "population") in row["note"]


def test_below_the_threshold_a_share_stays_unavailable(monkeypatch):
    monkeypatch.setenv("DIAGNOSTIC_SEUIL_ESTIMATION", "0,99")
    row = indicators.compute(ALENCON_CU, ids=["part_0_14_ans"], references=False).iloc[0]
    assert math.isnan(row["value"]) and (row["estimate"] is None or math.isnan(row["estimate"]))
    assert row["note"].startswith("couverture partielle : 24 communes sur 31")


def test_references_follow_the_same_rule():
    table = indicators.compute(ALENCON_CU, ids=["part_0_14_ans"]).set_index("level")
    # The Orne extract covers 83 % of the Orne's population: below 95 %, no estimate.
    assert math.isnan(table.loc["departement", "value"])
    assert table.loc["departement", "estimate"] is None or math.isnan(table.loc["departement", "estimate"])
    assert "couverture partielle" in table.loc["departement", "note"]


def test_a_wrong_threshold_is_a_french_error(monkeypatch):
    monkeypatch.setenv("DIAGNOSTIC_SEUIL_ESTIMATION", "cent")
    clear_caches()
    with pytest.raises(ConfigurationError, match="DIAGNOSTIC_SEUIL_ESTIMATION vaut « cent »"):
        indicators.compute("61214", ids=["part_0_14_ans"])
