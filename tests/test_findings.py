"""Findings: one reference rule, each finding once, gaps that add up, correct French."""
import csv
import io
import re

import pytest

from diagnostic import findings, indicators
from diagnostic.errors import ConfigurationError
from rawdata import comparateur, epci_composition_2021, filosofi

TERRITORIES = ["246100663", "200068468", "242900835", "200066918", "61214", "30007"]
NUMBER = r"(−?\d[\d\u202f]*(?:,\d+)?)"


@pytest.fixture(scope="module")
def computed():
    return {code: findings.compute(indicators.compute(code)) for code in TERRITORIES}


def _num(text: str) -> float:
    return float(text.replace("\u202f", "").replace(",", ".").replace("−", "-"))


@pytest.mark.parametrize("code", TERRITORIES)
def test_each_finding_once_one_reference_level(computed, code):
    df = computed[code]
    assert df["key"].is_unique and df["sentence"].is_unique
    levels = set(df.loc[df["kind"] == "ecart_reference", "reference_level"])
    assert len(levels) == 1, levels


@pytest.mark.parametrize("code", TERRITORIES)
def test_stated_gaps_equal_the_printed_values(computed, code):
    df = computed[code]
    checked = 0
    for _, r in df[df["kind"] == "ecart_reference"].iterrows():
        values = re.findall(rf"\({NUMBER}[\s,)]", r["sentence"])  # the territory's, then the reference's
        v, ref = _num(values[0]), _num(values[1])
        assert (v, ref) == (r["value"], r["reference_value"])
        if r["gap_unit"] == "points":
            stated = _num(re.search(rf"de {NUMBER} points?", r["sentence"]).group(1))
            assert stated == pytest.approx(abs(round(v - ref, 2)), abs=1e-9), r["sentence"]
        elif r["gap_unit"] == "fois":
            stated = _num(re.search(rf"{NUMBER} fois", r["sentence"]).group(1))
            assert stated == round(v / ref, 1)
        else:
            stated = _num(re.search(rf"de {NUMBER}\u00a0%", r["sentence"]).group(1))
            assert stated == abs(round((v / ref - 1) * 100))
        checked += 1
    assert checked


@pytest.mark.parametrize("code", TERRITORIES)
def test_a_finding_on_income_or_precarity(computed, code):
    df = computed[code]
    income = df[df["theme"].isin(["revenus", "caf"]) & (df["status"] != "non_compare")]
    assert not income.empty


def test_poverty_spread_in_the_cc_of_laigle_is_read_from_filosofi(computed):
    """The contrast quotes the published commune rates (Filosofi 2021, TP6021)."""
    row = computed["200068468"].query("kind == 'contraste_interne' and id == 'taux_pauvrete'").iloc[0]
    published = {c: filosofi()[c]["TP6021"] for c in epci_composition_2021()["200068468"]
                 if c in filosofi() and filosofi()[c]["TP6021"] not in ("", "s")
                 and float(comparateur()[c]["P18_POP"]) >= 2000}
    laigle = _num(published["61214"])
    assert row["subject"] == "61214" and row["value"] == laigle == 27.0
    assert row["reference_value"] == min(float(v.replace(",", ".")) for v in published.values())
    assert f"valeurs extrêmes parmi les {len(published)} communes" in row["sentence"]


def test_vacancy_sentence_says_whether_region_and_france_agree(computed):
    row = computed["242900835"].query("id == 'part_logements_vacants' and kind == 'ecart_reference'").iloc[0]
    assert row["sentence"] == ("La part des logements vacants (9,7\u00a0% en 2018) est supérieure de 2,2 points à celle "
                               "du Finistère (7,5\u00a0%) ; même constat face à la région Bretagne (7,5\u00a0%) "
                               "et à la France (8,2\u00a0%).")
    assert row["status"] == "enjeu" and row["axis"] == "logement" and row["gap"] == 2.2


def test_a_reference_going_the_other_way_is_said(computed):
    row = computed["246100663"].query("id == 'taux_natalite'").iloc[0]
    assert row["sentence"] == ("Le taux de natalité annuel moyen (10,6\u00a0‰ en 2018) est supérieur de 10\u00a0% à celui "
                               "de l'Orne (9,6\u00a0‰) ; l'écart n'est pas marqué face à la région Normandie "
                               "(11,0\u00a0‰) ; à l'inverse, il est inférieur à celui de la France (11,8\u00a0‰).")


def test_densities_compare_as_ratios(computed):
    row = computed["246100663"].query("id == 'densite'").iloc[0]
    assert "représente 2,6 fois celle de l'Orne" in row["sentence"] and row["gap_unit"] == "fois"
    assert not any("865" in s for df in computed.values() for s in df["sentence"])


def test_french_agreement_and_no_slips(computed):
    text = " ".join(s for df in computed.values() for s in df["sentence"])
    assert "point(s)" not in text and "2019 / 2019" not in text and " 1 communes" not in text
    assert "Le taux de chômage des 15-64 ans (23,2\u00a0% en 2018) est supérieur" in text
    assert "La part des logements vacants (12,7\u00a0% en 2018) est supérieure" in text
    assert "Le médecins" not in text and "Le pharmacies" not in text


def test_blind_themes_say_why(computed):
    df = computed["61214"]
    blind = df[(df["kind"] == "comparaison_impossible") & (df["theme"] == "revenus")].iloc[0]
    assert "taux de pauvreté (27,0\u00a0% en 2021)" in blind["sentence"]
    assert "la valeur de l'Orne n'est pas disponible" in blind["sentence"]
    table = indicators.compute("61214")
    assert "ne s'écarte pas" not in findings.theme_summary(df, table, "revenus")


def test_counts_are_never_compared(computed):
    for df in computed.values():
        assert not df["id"].isin(["population", "naissances", "deces", "solde_naturel", "menages"]).any()


def test_trend_against_the_departement(computed):
    row = computed["61214"].query("kind == 'tendance'").iloc[0]
    raw = comparateur()["61214"]
    rate = ((float(raw["P18_POP"]) / float(raw["P13_POP"])) ** (1 / 5) - 1) * 100
    assert row["value"] == round(rate, 2)
    assert row["sentence"].startswith("Évolution annuelle moyenne de la population : +0,09\u00a0% par an "
                                      "(2013-2018), contre −0,51\u00a0% par an pour l'Orne")


def test_small_denominators_are_warnings_not_enjeux():
    """A commune of a few hundred inhabitants: its gaps are « effectif faible », never enjeux."""
    table = indicators.compute("61002")
    population = float(comparateur()["61002"]["P18_POP"])
    assert population < 2000
    df = findings.compute(table)
    gaps = df[df["kind"].isin(["ecart_reference", "effectif_faible"])]
    assert not gaps.empty and set(gaps["status"]) == {"avertissement"}
    assert all("Effectif faible" in s for s in gaps["sentence"])


def test_kinds_are_registered_once():
    assert {"ecart_reference", "tendance", "contraste_interne", "effectif_faible", "qpv"} <= set(findings.names())
    with pytest.raises(ConfigurationError, match="deux fois"):
        findings.register("tendance", "x")(lambda ctx: [])
    with pytest.raises(ConfigurationError, match="inconnu"):
        findings.get("absent")


def test_thresholds_come_from_the_file(tmp_path):
    table = indicators.compute("246100663")
    strict = tmp_path / "seuils.yaml"
    strict.write_text("defaut: {ecart_points: 50, ecart_relatif: 5}\n", encoding="utf-8")
    df = findings.compute(table, findings.load_thresholds(strict))
    assert df[df["kind"] == "ecart_reference"].empty
    loose = tmp_path / "seuils2.yaml"
    loose.write_text("defaut: {ecart_points: 0.1, ecart_relatif: 0.01}\n", encoding="utf-8")
    gaps = lambda df: (df["kind"] == "ecart_reference").sum()  # noqa: E731
    assert gaps(findings.compute(table, loose)) > gaps(findings.compute(table))


@pytest.mark.parametrize("text, message", [
    ("defaut: {ecart_points: -1, ecart_relatif: 0.1}\n", "defaut.ecart_points"),
    ("defaut: 5\n", "« defaut »"),
    ("defaut: {ecart_points: 1, ecart_relatif: 0.1}\nindicateurs: [1, 2]\n", "« indicateurs »"),
    ("defaut: {ecart_points: 1, ecart_relatif: 0.1}\nindicateurs: {inconnu: {ecart_points: 1}}\n", "inconnu"),
    ("defaut: {ecart_points: '1', ecart_relatif: 0.1}\n", "nombre positif"),
    ("defaut: {ecart_points: true, ecart_relatif: 0.1}\n", "nombre positif"),
    ("indicateurs: {}\n", "defaut"),
    ("defaut: [\n", "YAML valide"),
])
def test_invalid_threshold_file(tmp_path, text, message):
    path = tmp_path / "seuils.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigurationError, match=re.escape(message)) as exc:
        findings.load_thresholds(path)
    assert str(path) in str(exc.value)


def test_binary_threshold_file(tmp_path):
    path = tmp_path / "seuils.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff\xfe")
    with pytest.raises(ConfigurationError, match="pas un fichier texte"):
        findings.load_thresholds(path)


def test_enjeux_csv_has_french_headers_and_one_row_per_finding(computed, tmp_path):
    df = computed["200068468"]
    path = findings.write_csv(df, tmp_path / "enjeux.csv")
    text = path.read_text(encoding="utf-8-sig")
    header = text.splitlines()[0].split(";")
    assert header[:6] == ["Indicateur", "Type de constat", "Axe", "Axes secondaires", "Nature", "Constat"]
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert len(rows) == len(df) and [r["Constat"] for r in rows] == list(df["sentence"])


def test_peers_are_quoted_not_used_as_reference():
    table = indicators.compute("61214", peers=["29151"], ids=["part_logements_vacants", "population"])
    row = findings.compute(table, kinds=["ecart_reference"]).iloc[0]
    raw = comparateur()["29151"]
    morlaix = round(float(raw["P18_LOGVAC"]) / float(raw["P18_LOG"]) * 100, 1)
    assert row["reference_level"] == "departement"
    assert row["sentence"].endswith(f"; à titre de comparaison : Morlaix ({f'{morlaix:.1f}'.replace('.', ',')}\u00a0%).")


def test_laigle_has_a_finding_on_its_qpv(computed):
    """La Madeleine (QP061005): poverty rate of the QPV file against L'Aigle's Filosofi rate."""
    from rawdata import qpv_value

    for code in ("61214", "200068468"):
        row = computed[code].query("kind == 'qpv' and id == 'taux_pauvrete'").iloc[0]
        quartier = qpv_value("REVN", 2022, "QP061005", "TP60")
        commune = _num(filosofi()["61214"]["TP6021"])
        assert row["subject"] == "QP061005" and (row["value"], row["reference_value"]) == (quartier, commune)
        assert row["sentence"].startswith(
            f"Quartier prioritaire La Madeleine (L'Aigle) : taux de pauvreté de 63,1\u00a0% (données des QPV, "
            f"édition 2022), contre 27,0\u00a0% pour L'Aigle (Filosofi 2021), soit 36,1 points de plus")
        assert row["status"] == "enjeu" and row["gap"] == round(quartier - commune, 1)


def test_iris_contrast_in_ales(computed):
    from rawdata import filo_iris

    row = computed["30007"].query("kind == 'contraste_interne' and id == 'taux_pauvrete'").iloc[0]
    rates = {r["IRIS"]: _num(r["DISP_TP6019"]) for r in filo_iris()
             if r["IRIS"].startswith("30007") and r.get("DISP_TP6019") not in ("", None, "s", "ns", "nd")}
    top = max(rates, key=rates.get)
    assert row["subject"] == top and row["value"] == rates[top] == 66.1
    assert row["sentence"].startswith("Taux de pauvreté par IRIS (Filosofi 2019) : 66,1\u00a0% dans l'IRIS "
                                      "Prés Saint-Jean (Alès : 29,0\u00a0%)")


def test_income_finding_from_the_filosofi_level_files(computed):
    """Alès Agglomération's share of minima sociaux is read from FILO2019_DISP_EPCI, the Gard's from
    FILO2019_DISP_DEP (never from communes)."""
    from rawdata import filo_disp_value

    row = computed["200066918"].query("kind == 'ecart_reference' and id == 'part_minima_sociaux'").iloc[0]
    assert row["value"] == filo_disp_value(2019, "EPCI", "200066918", "PPMINI19") == 4.7
    assert row["reference_value"] == filo_disp_value(2019, "DEP", "30", "PPMINI19")
    assert row["reference_level"] == "departement" and row["status"] == "enjeu"
    assert "(4,7\u00a0% en 2019) est supérieure de 1,1 point à celle du Gard (3,6\u00a0%)" in row["sentence"]
