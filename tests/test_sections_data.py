"""The data sections of the report (quartiers, revenus par IRIS, équipements par famille, niveau de
vie 2014-2019) built on the real mirror, checked against the raw files (csv module)."""
from __future__ import annotations

import re
from html import unescape

import pytest

import rawdata
from diagnostic.report.diagnostic import Diagnostic
from diagnostic.report.sections import _revenus_tendance


def _text(html: str) -> str:
    """Visible text of an HTML block (tags and embedded images dropped)."""
    text = re.sub(r"<[^>]+>", " ", re.sub(r'src="data:[^"]+"', "", html))
    return re.sub(r"[\s\u00a0\u202f]+", " ", unescape(text))


@pytest.fixture(scope="module")
def laigle():
    return Diagnostic("61214")


@pytest.fixture(scope="module")
def pays_de_laigle():
    return Diagnostic("200068468")


def test_laigle_shows_la_madeleine_next_to_laigle(laigle):
    text = _text(laigle.section("quartiers"))
    assert "La Madeleine" in text and "QP061005" in text
    rate = rawdata.qpv_value("REVN", 2022, "QP061005", "TP60")
    assert f"{rate:.1f}".replace(".", ",") + " %" in text            # 63,1 %
    median = int(rawdata.filo_disp_value(2019, "COM", "61214", "Q219"))
    assert f"{median:,}".replace(",", " ") in text               # L'Aigle 18 060
    assert "CC des Pays de L'Aigle (intercommunalité)" in text and "20 190" in text
    assert "absente des fichiers de l'édition 2022" in text
    assert "Édition 2017" in text and "Édition 2022" in text         # evolution by edition


def test_commune_without_qpv_says_so():
    text = _text(Diagnostic("29151").section("quartiers"))
    assert "Aucun quartier prioritaire" in text


def test_ales_iris_contrasts_and_secret_iris():
    dg = Diagnostic("30007")
    html = dg.section("revenus_iris")
    text = _text(html)
    assert "66,1 %" in text and "11,9 %" in text and "Prés Saint-Jean" in text
    assert "secret" in text                                          # Chantilly
    assert "data:image/png;base64," in html                          # the chart


def test_pays_de_laigle_facilities_with_the_orne_as_reference(pays_de_laigle):
    html = pays_de_laigle.section("equipements_familles")
    text = _text(html)
    assert "Orne" in text and "Normandie" in text and "n.d." in text
    t = pays_de_laigle.territory
    health = sum(1 for r in rawdata.poi_rows("61") if r["DEPCOM"] in set(t.communes)
                 and r["TYPEQU"].startswith(("D1", "D2", "D3")))
    assert f"{health:,}".replace(",", " ") in text
    assert "data:image/png;base64," in html                          # the map of the EPCI


def test_median_trend_chart_names_the_epci_absent_from_2014(pays_de_laigle):
    fig = _revenus_tendance.median_trend(pays_de_laigle)
    from diagnostic import charts

    texts = " ".join(charts.figure_texts(fig))
    assert "2014" in texts and "France métropolitaine" in texts
    assert "CC des Pays de L'Aigle en 2014" in texts.replace("\n", " ")


def test_broken_files_give_a_french_notice_and_the_rest_builds(mirror_with):
    """A BPE cut with a wrong header and a QPV file without commune names: each section says
    which file, in French, instead of stopping the report."""
    from types import SimpleNamespace

    from diagnostic import sources
    from diagnostic.report import sections
    from diagnostic.territory import resolve

    (mirror_with / "bpe").mkdir()
    (mirror_with / "bpe" / "poi_61.csv").write_text("REG;DEP;COMMUNE;TYPE;AN\n28;61;61214;D502;2019\n")
    (mirror_with / "qpv").mkdir()
    (mirror_with / "qpv" / "DEMO_2022.csv").write_text("CODGEO;LIBGEO;POP_MUN\nQP061005;La Madeleine;1118\n")
    sources.refresh()
    dg = SimpleNamespace(territory=resolve("200068468"))
    for key, name in (("equipements_familles", "poi_61.csv"), ("quartiers", "DEMO_2022.csv")):
        text = _text(sections.get(key).render(dg, sections.get(key)))
        assert "Section non produite" in text and name in text, key
    # The IRIS section does not depend on those files and still builds.
    assert "IRIS" in _text(sections.get("revenus_iris").render(dg, sections.get("revenus_iris")))


def test_methodology_lists_the_files_the_data_sections_read(laigle):
    html = laigle.section("methodologie")
    for name in ("DEMO_2022.csv", "REVN_2022.csv", "BASE_TD_FILO_DISP_IRIS_2019.csv", "poi_61.csv",
                 "FILO2014_DISP_EPCI.csv"):
        assert name in html, name
