"""The engine picks the first source in the mirror: census bases before IRIS extracts."""
import math

import pytest

from diagnostic import indicators, sources


def test_census_base_is_used_when_dropped_into_the_mirror(mirror_with):
    # INSEE layout of base-cc-coupl-fam-men-2019 (a few columns), for L'Aigle only.
    folder = mirror_with / "recensement"
    folder.mkdir()
    (folder / "base-cc-coupl-fam-men-2019.CSV").write_text(
        "CODGEO;C19_MEN;C19_MENPSEUL;C19_FAM;C19_COUPAENF;C19_FAMMONO;C19_NE24F3;C19_NE24F4P;"
        "P19_POP80P;P19_POP80P_PSEUL\n"
        "61214;3977,5;2093,1;1925,2;548,4;497,6;120,3;95,1;603,2;301,7\n", encoding="ascii")
    sources.refresh()
    table = indicators.compute("61214", ids=["part_familles_monoparentales", "part_80_ans_et_plus_seuls",
                                              "part_familles_nombreuses"])
    own = table.query("level == 'territoire'").set_index("id")
    assert own.loc["part_familles_monoparentales", "value"] == pytest.approx(100 * 497.6 / 1925.2)
    assert own.loc["part_80_ans_et_plus_seuls", "value"] == pytest.approx(100 * 301.7 / 603.2)
    assert own.loc["part_familles_nombreuses", "value"] == pytest.approx(100 * (120.3 + 95.1) / 1925.2)
    assert "Couples, familles, ménages" in own.loc["part_familles_monoparentales", "source"]
    # The Orne is covered by one commune out of 385: no département value, a coverage note.
    orne = table.query("level == 'departement' and id == 'part_familles_monoparentales'").iloc[0]
    assert math.isnan(orne["value"]) and "1 commune sur 385" in orne["note"]


def test_bpe_counts_per_inhabitant(mirror_with):
    folder = mirror_with / "bpe"
    folder.mkdir()
    (folder / "bpe21_ensemble.csv").write_text(
        "REG;DEP;DEPCOM;DCIRIS;AN;TYPEQU;NB_EQUIP\n"
        "28;61;61214;61214_0001;2021;D201;6\n28;61;61214;61214_0002;2021;D201;3\n"
        "28;61;61214;61214_0001;2021;D502;2\n", encoding="ascii")
    sources.refresh()
    table = indicators.compute("61214", ids=["medecins_generalistes_pour_1000_habitants",
                                              "eaje_pour_1000_habitants"])
    own = table.query("level == 'territoire'").set_index("id")
    assert own.loc["medecins_generalistes_pour_1000_habitants", "value"] == pytest.approx(9 / 8019 * 1000)
    assert own.loc["eaje_pour_1000_habitants", "value"] == pytest.approx(2 / 8019 * 1000)
    assert "2021 / 2018" == own.loc["eaje_pour_1000_habitants", "vintage"]
