"""Findings: gaps to references, thresholds from a file, French sentences, CTG axes."""
import pytest

from diagnostic import findings, indicators
from diagnostic.errors import ConfigurationError


@pytest.fixture(scope="module")
def alencon():
    return indicators.compute("246100663")


def test_vacancy_sentence_has_the_figures(alencon):
    df = findings.compute(alencon)
    row = df.query("id == 'part_logements_vacants' and reference_level == 'departement'").iloc[0]
    assert row["status"] == "atout"  # 9,4 % against 11,2 % in the Orne
    assert row["sentence"] == ("La part des logements vacants (9,4\u00a0%) est inférieure à celle "
                               "de l'Orne (11,2\u00a0%) de 1,8 point.")
    assert row["axis_label"] == "Logement"


def test_counts_are_never_compared(alencon):
    df = findings.compute(alencon)
    assert not df["id"].isin(["population", "naissances", "deces", "solde_naturel", "menages"]).any()


def test_findings_follow_axis_order(alencon):
    df = findings.compute(alencon)
    axes = list(dict.fromkeys(df["axis"]))
    order = list(findings.AXES) + ["hors_axe"]
    assert axes == sorted(axes, key=order.index)


def test_thresholds_come_from_the_file(alencon, tmp_path):
    strict = tmp_path / "seuils.yaml"
    strict.write_text("defaut: {ecart_points: 50, ecart_relatif: 5}\n", encoding="utf-8")
    assert findings.compute(alencon, findings.load_thresholds(strict)).empty
    loose = tmp_path / "seuils2.yaml"
    loose.write_text("defaut: {ecart_points: 0, ecart_relatif: 0}\n", encoding="utf-8")
    assert len(findings.compute(alencon, findings.load_thresholds(loose))) > len(findings.compute(alencon))


@pytest.mark.parametrize("text, message", [
    ("defaut: {ecart_points: -1, ecart_relatif: 0.1}\n", "nombre positif"),
    ("indicateurs: {}\n", "defaut"),
    ("defaut: {ecart_points: 1, ecart_relatif: 0.1}\nindicateurs: {inconnu: {ecart_points: 1}}\n", "inconnu"),
    ("defaut: [\n", "YAML valide"),
])
def test_invalid_threshold_file(tmp_path, text, message):
    path = tmp_path / "seuils.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigurationError, match=message):
        findings.load_thresholds(path)


def test_article_contracts_with_de():
    df = findings.compute(indicators.compute("242900835", ids=["part_logements_vacants"]))
    sentences = set(df["sentence"])
    assert ("La part des logements vacants (9,7\u00a0%) dépasse celle du Finistère (7,5\u00a0%) "
            "de 2,2 points.") in sentences
    assert any("celle de la région Bretagne" in s for s in sentences)
