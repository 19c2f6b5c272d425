"""Synthèse par axe: paragraphs written from the findings, with their figures and references."""
import pytest

from diagnostic import findings, indicators, synthese
from conftest import ROOT

LAIGLE_AXES = ROOT / "territories" / "axes-ctg-pays-de-laigle.yaml"


@pytest.fixture(scope="module")
def laigle():
    table = indicators.compute("200068468")
    df = findings.compute(table, axes=LAIGLE_AXES)
    return table, df, synthese.build(df, table)


def test_one_synthesis_per_axis_in_file_order(laigle):
    _, df, syntheses = laigle
    titles = [s.titre for s in syntheses]
    assert titles[:3] == [a.titre for a in findings.load_axes(LAIGLE_AXES).axes]


def test_every_finding_is_in_exactly_one_paragraph(laigle):
    _, df, syntheses = laigle
    for sentence in df["sentence"]:
        assert sum(sentence in s.paragraph for s in syntheses) == 1, sentence


def test_paragraph_parts_and_vocabulary(laigle):
    _, df, syntheses = laigle
    services = next(s for s in syntheses if s.axis == "acces_services_proximite")
    text = services.paragraph
    assert text.startswith("Points de vigilance. ")
    assert "Taux de pauvreté en 2021 : 27,0\u00a0% à L'Aigle, contre 17,0\u00a0% à La Ferté-en-Ouche" in text
    assert "Données manquantes. " in text and "(raisons dans les notes des tableaux)" in text
    assert "1 autres" not in text and "point(s)" not in text and " caf" not in text


def test_key_figures_table_has_the_references(laigle):
    table, _, syntheses = laigle
    services = next(s for s in syntheses if s.axis == "acces_services_proximite")
    figures = services.figures
    assert list(figures.columns) == ["Indicateur", "Territoire", "Département", "Région", "France", "Source",
                                     "Millésime"]
    vacancy = figures[figures["Indicateur"] == "Part des logements vacants"].iloc[0]
    own = table.query("id == 'part_logements_vacants' and level == 'territoire'").iloc[0]["value"]
    dep = table.query("id == 'part_logements_vacants' and level == 'departement'").iloc[0]["value"]
    assert vacancy["Territoire"] == f"{own:.1f}".replace(".", ",") + "\u00a0%"
    assert vacancy["Département"] == f"{dep:.1f}".replace(".", ",") + "\u00a0%"
    assert vacancy["Millésime"] == "2018" and vacancy["Source"].startswith("Insee")
    assert len(figures) <= synthese.MAX_FIGURES


def test_axis_without_finding_says_so_without_claiming_closeness():
    table = indicators.compute("61214")
    df = findings.compute(table)
    for s in synthese.build(df, table):
        if not (s.vigilance or s.atouts or s.ecarts or s.prudence):
            assert s.paragraph.startswith("Aucun écart marqué")
            assert "ne s'écarte pas" not in s.paragraph


def test_sources_are_listed_once(laigle):
    _, df, syntheses = laigle
    lines = synthese.sources(df, syntheses)
    assert len(lines) == len(set(lines)) and any("Filosofi" in line for line in lines)
