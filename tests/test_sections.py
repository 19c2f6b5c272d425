"""Report sections: the registry, the notebook that calls it, and the sections' content.

Figures are checked against the raw mirror files (tests/rawdata.py); the content of a
section is compared with its rendering before the sections became modules.
"""
from __future__ import annotations

import html
import os
import re
from pathlib import Path

import nbformat
import pytest
from matplotlib.figure import Figure

import rawdata
from diagnostic import sources
from diagnostic.catalogue import THEMES, catalogue, check_ids, id_list
from diagnostic.errors import ConfigurationError, DiagnosticError
from diagnostic.report import assets, sections, special_charts
from diagnostic.report.diagnostic import Diagnostic
from diagnostic.resources import notebook_path
from diagnostic.text import format_number

GOLDEN = Path(__file__).with_name("golden")
CALL = re.compile(r'dg\.section\("([^"]+)"')


def _notebook_calls() -> list[tuple[str, str, str]]:
    """(section key, cell's section metadata, heading of the markdown cell before) per call."""
    nb = nbformat.read(notebook_path(), as_version=4)
    out, heading = [], ""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            titles = [line.lstrip("#").strip() for line in cell.source.splitlines() if line.startswith("#")]
            heading = titles[0] if titles else heading
        for key in CALL.findall(cell.source):
            out.append((key, cell.metadata.get("diagnostic", {}).get("section", ""), heading))
    return out


def visible_text(fragment: str) -> str:
    fragment = re.sub(r"<(style|script)\b.*?</\1>", " ", fragment, flags=re.S | re.I)
    text = html.unescape(re.sub(r"<[^>]+>", " ", fragment))
    return re.sub(r"[ \t\r\n]+", " ", text).strip()  # French narrow spaces kept


# -- registry ------------------------------------------------------------------------
def test_every_catalogue_theme_has_a_section():
    covered = {theme for s in sections.all() for theme in s.themes}
    themes = set(THEMES) | {ind.theme for ind in catalogue().values()}
    assert themes <= covered, f"thèmes sans section : {sorted(themes - covered)}"


def test_every_section_has_its_notebook_cell_in_the_registry_order():
    calls = _notebook_calls()
    assert [key for key, _, _ in calls] == [s.key for s in sections.all()]
    for key, meta, heading in calls:
        section = sections.get(key)
        if section.number:  # numbered sections: the heading of the report is the registry's
            assert heading == section.heading, (key, heading)
            assert meta == section.heading, (key, meta)


def test_unknown_section_is_a_french_error_listing_the_known_ones():
    with pytest.raises(DiagnosticError) as info:
        sections.get("inconnue")
    assert "Section du rapport inconnue : « inconnue »" in info.value.message
    assert "demographie" in str(info.value) and "methodologie" in str(info.value)


def test_registration_checks_bar_ids_and_duplicates():
    with pytest.raises(ConfigurationError, match="pas_un_indicateur"):
        sections.register(sections.Section("essai", "9", "Essai", lambda dg, s: "",
                                           themes=("logement",), bars=("pas_un_indicateur",)))
    with pytest.raises(DiagnosticError, match="déclarée deux fois"):
        sections.register(sections.Section("logement", "2.6", "Logement", lambda dg, s: ""))
    assert "essai" not in [s.key for s in sections.all()]


def test_every_section_module_is_registered():
    folder = Path(sections.__file__).parent
    modules = {p.stem for p in folder.glob("*.py") if not p.stem.startswith("_")}
    assert modules == {s.key for s in sections.all()}


def test_id_lists_name_catalogue_ids():
    for name in ("chiffres_cles", "cartes", "index_lot"):
        ids = id_list(name)
        assert ids and set(ids) <= set(catalogue())
    with pytest.raises(ConfigurationError, match="la liste de test : inconnu_zz"):
        check_ids(["population", "inconnu_zz"], "la liste de test")
    with pytest.raises(ConfigurationError, match="Liste d'indicateurs inconnue"):
        id_list("nulle_part")


# -- styles travel with the output -----------------------------------------------------
def test_report_css_is_scoped_to_the_kit_classes():
    """The blocks' CSS is displayed in JupyterLab: no rule may restyle the application."""
    css = re.sub(r"/\*.*?\*/", "", assets.report_css(), flags=re.S)
    for selector_group in re.findall(r"([^{}]+)\{", css):
        if selector_group.strip().startswith("@media"):  # print rules: their selectors are checked too
            continue
        for selector in selector_group.split(","):
            selector = selector.strip()
            assert selector == ":root" or "dg-" in selector, selector
    assert ".dg-badge.dg-enjeu" in css and ".dg-badge.dg-atout" in css


@pytest.fixture(scope="module")
def laigle():
    return Diagnostic("61214")


def test_title_carries_the_blocks_styles_once(laigle):
    title = str(laigle.title())
    assert title.startswith('<style type="text/css">')
    assert title.count("<style") == 1 and assets.report_css() in title
    assert assets.page_css() not in title  # the page layout stays in the exported page
    assert "<style" not in str(laigle.section("synthese"))


# -- content -------------------------------------------------------------------------
def test_synthesis_shows_key_figures_from_the_raw_files(laigle):
    text = visible_text(laigle.section("synthese"))
    population = rawdata.comparateur()["61214"]["P18_POP"]
    assert f"Population municipale (habitants) {format_number(float(population), 0)}" in text
    row = rawdata.comparateur()["61214"]
    rate = float(row["P18_CHOM1564"]) / float(row["P18_ACT1564"]) * 100
    assert f"Taux de chômage des 15-64 ans, au sens du recensement {format_number(rate, 1, '%')}" in text
    assert "Points de vigilance." in text and "Données manquantes." in text  # the synthèse of each axis
    assert "<h3>Accès aux droits et aux services</h3>" in laigle.section("synthese")


def test_theme_section_text_is_unchanged_by_the_refactor(laigle):
    """Visible text of « 2.6 Logement » for L'Aigle, as the pre-refactor sections.py rendered it.
    After a deliberate change of the section, regenerate: DIAGNOSTIC_REGENERER_REFERENCES=1."""
    golden = GOLDEN / "section-logement-61214.txt"
    text = visible_text(laigle.section("logement"))
    if os.environ.get("DIAGNOSTIC_REGENERER_REFERENCES"):
        golden.write_text(text + "\n", encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8").strip()


def test_annexes_write_the_side_files(laigle, tmp_path):
    assert laigle.section("annexes", sortie="") is None
    laigle.section("annexes", sortie=str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["enjeux.csv", "indicateurs.csv", "indicateurs.xlsx",
                                                          "synthese.docx"]
    head = (tmp_path / "indicateurs.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert head.startswith("id;") or "id" in head.split(";")


def test_sections_rendered_ahead_are_taken_only_for_their_report(laigle, tmp_path, monkeypatch):
    """The maps a single report's command renders ahead (report/ahead.py): the kernel takes the
    file of its own report, the same HTML as rendering it; any other report renders its own."""
    from diagnostic.report import ahead

    own = str(laigle.section("cartes"))
    ahead.render(laigle, tmp_path)
    assert [p.read_text(encoding="utf-8") for p in tmp_path.iterdir()] == [own]
    monkeypatch.setenv(ahead.ENV, str(tmp_path))
    (next(tmp_path.iterdir())).write_text("<p>rendue d'avance</p>", encoding="utf-8")
    assert str(laigle.section("cartes")) == "<p>rendue d'avance</p>"
    other = Diagnostic("61001")
    assert "rendue d'avance" not in str(other.section("cartes"))
    assert "rendue d'avance" not in str(laigle.section("logement"))  # only the sections of ahead.AHEAD


def test_folders_of_sections_left_by_a_killed_command_are_removed(tmp_path, monkeypatch):
    import subprocess
    import tempfile

    from diagnostic.report import ahead

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    ended = subprocess.Popen(["true"])
    ended.wait()  # a process id that no longer runs
    left = tmp_path / f"{ahead.PREFIX}{ended.pid}-abcd"
    left.mkdir()
    running = tmp_path / f"{ahead.PREFIX}{os.getpid()}-efgh"
    running.mkdir()
    made = ahead.new_folder()
    assert made.parent == tmp_path and made.name.startswith(f"{ahead.PREFIX}{os.getpid()}-")
    assert not left.exists() and running.exists()


def test_empty_theme_names_the_file_to_add(laigle):
    section = sections.get("equipements")
    text = visible_text(laigle.section("equipements"))
    ids = laigle.theme_ids(section.themes)
    if not ids:  # no BPE indicator in the catalogue: the section says so, never vanishes
        assert "Thème « Équipements et services » non disponible" in text
    else:
        assert "Indicateur" in text


# -- special charts, with files dropped into the mirror later ------------------------------
def test_population_since_1968_chart_when_series_are_in_the_mirror(mirror_with):
    folder = mirror_with / "recensement"
    folder.mkdir()
    (folder / "base-cc-serie-historique-2019.CSV").write_text(
        "CODGEO;P19_POP;P13_POP;P08_POP;D99_POP;D90_POP;D82_POP;D75_POP;D68_POP\n"
        "61214;7961;8046;8241;8815;9466;9390;9228;8540\n", encoding="ascii")
    sources.refresh()
    chart = special_charts.population_history(Diagnostic("61214"))
    assert isinstance(chart, Figure)
    assert "Population depuis 1968" in chart.axes[0].get_title() or any(
        "Population depuis 1968" in t.get_text() for t in chart.texts)
    # The references are not covered by a one-commune file: they are named, not drawn.
    assert "Orne" in " ".join(t.get_text() for t in chart.texts)


def test_population_since_1968_says_which_file_is_missing(laigle):
    text = str(special_charts.population_history(laigle))
    assert "base-cc-serie-historique-2019.zip" in text
