"""IRIS-based indicators (RP 2019 IRIS extracts, CAF IRIS): hand computation and coverage."""
import math

import pytest

from diagnostic import indicators

from rawdata import caf_sum, iris_sum

COMMUNES = {"61214": "61", "61001": "61", "29151": "29"}


@pytest.fixture(scope="module")
def tables():
    return {c: indicators.compute(c).query("level == 'territoire'").set_index("id") for c in COMMUNES}


@pytest.mark.parametrize("commune", list(COMMUNES))
def test_age_family_commuting_shares_equal_hand_computation(tables, commune):
    dep = COMMUNES[commune]
    pop = lambda col: iris_sum("evol_struc_pop", dep, commune, col)
    fam = lambda col: iris_sum("couples_familles_menages", dep, commune, col)
    act = lambda col: iris_sum("activite_residents", dep, commune, col)
    log = lambda col: iris_sum("logement", dep, commune, col, commune_column="COM")
    expected = {
        "part_0_14_ans": 100 * pop("P19_POP0014") / pop("P19_POP"),
        "part_15_29_ans": 100 * pop("P19_POP1529") / pop("P19_POP"),
        "part_60_74_ans": 100 * pop("P19_POP6074") / pop("P19_POP"),
        "part_75_ans_et_plus": 100 * pop("P19_POP75P") / pop("P19_POP"),
        "part_menages_une_personne": 100 * fam("C19_MENPSEUL") / fam("C19_MEN"),
        "part_couples_avec_enfants": 100 * fam("C19_COUPAENF") / fam("C19_FAM"),
        "part_familles_monoparentales": 100 * fam("C19_FAMMONO") / fam("C19_FAM"),
        "part_familles_nombreuses": 100 * (fam("C19_NE24F3") + fam("C19_NE24F4P")) / fam("C19_FAM"),
        "part_actifs_travaillant_hors_commune": 100 * act("P19_ACTOCC15P_ILT2P") / act("P19_ACTOCC15P"),
        "part_trajets_voiture": 100 * act("C19_ACTOCC15P_VOIT") / act("C19_ACTOCC15P"),
        "part_trajets_modes_doux": 100 * (act("C19_ACTOCC15P_MAR") + act("C19_ACTOCC15P_VELO")) / act("C19_ACTOCC15P"),
        "part_menages_sans_voiture": 100 * (log("P17_RP") - log("P17_RP_VOIT1P")) / log("P17_RP"),
    }
    table = tables[commune]
    for ident, value in expected.items():
        assert table.loc[ident, "value"] == pytest.approx(value, rel=1e-9), ident
    assert table.loc["part_menages_sans_voiture", "vintage"] == "2017"
    assert table.loc["part_familles_monoparentales", "vintage"] == "2019"
    assert "IRIS" in table.loc["part_familles_monoparentales", "source"]


def test_public_transport_share_is_unavailable_and_says_why(tables):
    note = tables["29151"].loc["part_trajets_transports_communs", "note"]
    assert "C19_ACTOCC15P_TCOM" in note and "base-cc-emploi-pop-active-2019.zip" in note


def test_caf_indicators_for_morlaix_equal_hand_computation(tables):
    t = tables["29151"]
    a = caf_sum(2020, "29151", "A")
    assert a == 4406
    assert t.loc["allocataires", "value"] == a
    assert t.loc["part_allocataires_rsa", "value"] == pytest.approx(100 * caf_sum(2020, "29151", "ARSAS") / a)
    assert t.loc["part_allocataires_monoparents", "value"] == pytest.approx(100 * caf_sum(2020, "29151", "AM") / a)
    assert t.loc["enfants_moins_3_ans_allocataires", "value"] == caf_sum(2020, "29151", "ENF_2")
    assert t.loc["allocataires_evolution", "value"] == pytest.approx(100 * (a / caf_sum(2016, "29151", "A") - 1))
    # Coverage rate: December 2018 persons covered over the 2018 census population (aligned vintages).
    from rawdata import comparateur
    expected = 100 * caf_sum(2018, "29151", "PERCOU") / float(comparateur()["29151"]["P18_POP"])
    assert t.loc["taux_couverture_caf", "value"] == pytest.approx(expected)
    assert "2018" in t.loc["taux_couverture_caf", "vintage"]


def test_caf_small_commune_and_secret_iris(tables):
    laigle = tables["61214"].loc["allocataires"]
    assert math.isnan(laigle["value"]) and "10 000 habitants" in laigle["note"]
    alencon = tables["61001"].loc["allocataires"]  # 4 of its 14 IRIS are not released
    assert caf_sum(2020, "61001", "A") is None
    assert math.isnan(alencon["value"]) and "secret statistique" in alencon["note"]


@pytest.mark.parametrize("epci, communes", [("246100663", 31), ("200068468", 32)])
def test_epci_iris_indicators_are_complete_or_say_their_coverage(epci, communes):
    table = indicators.compute(epci)
    iris_based = table[table["source"].str.contains("IRIS|CAF", regex=True) & (table["level"] == "territoire")]
    assert len(iris_based) > 10
    for _, row in iris_based.iterrows():
        if math.isnan(row["value"]):
            assert ("couverture partielle" in row["note"] or "aucune commune" in row["note"]
                    or "secret" in row["note"]), row["id"]
        else:
            assert row["coverage_communes"] == communes, row["id"]
    shares = iris_based.set_index("id")
    # 24 of the 31 communes of the CU d'Alençon are in the Orne/Sarthe RP 2019 extracts.
    if epci == "246100663":
        assert "24 communes sur 31" in shares.loc["part_familles_monoparentales", "note"]
        assert shares.loc["part_locataires_hlm", "coverage_communes"] == 31  # logement covers all
