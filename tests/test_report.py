"""Reports: papermill runs the notebook on real territories, nbconvert exports one HTML file."""
from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

from diagnostic import report
from diagnostic.errors import ReportError

MIRROR = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not MIRROR.is_dir(), reason=f"miroir absent : {MIRROR} (../shared/data)")]

SECTION_TITLES = ["1. Synthèse", "2. Portrait thématique", "2.1 Démographie", "2.2 Familles et ménages",
                  "2.3 Petite enfance et enfance-jeunesse", "2.4 Vieillissement",
                  "2.5 Revenus, précarité et accès aux droits", "2.6 Logement", "2.7 Emploi",
                  "2.8 Équipements et services", "2.9 Mobilité", "3. Cartes",
                  "4. Méthodologie et sources"]


@pytest.fixture(scope="module")
def session():
    """One kernel for the module: the batch's warm path, and faster tests."""
    with report.KernelSession() as s:
        yield s


@pytest.fixture(scope="module")
def built(tmp_path_factory, session):
    out = tmp_path_factory.mktemp("rapports")
    return {code: report.build(code, output_dir=out, kernel=session) for code in ("61214", "246100663")}


def _text(html: str) -> str:
    import html as h

    return h.unescape(re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize("code,name", [("61214", "L'Aigle"), ("246100663", "CU d'Alençon")])
def test_report_is_one_self_contained_html_file(built, code, name):
    result = built[code]
    page = result.html.read_text(encoding="utf-8")
    text = _text(page)
    assert result.directory.name == result.html.parent.name
    assert name in text
    for title in SECTION_TITLES:
        assert title in text, title
    # no code cell input
    assert not re.search(r"<div[^>]+class=\"[^\"]*(jp-CodeMirrorEditor|cm-editor|highlight)", page)
    assert "dg.section(" not in page and "Diagnostic(territoire" not in page
    # images embedded, nothing fetched from the network
    assert page.count("data:image/png;base64,") >= 4
    assert report.external_references(page) == []
    assert not re.search(r"<script[^>]+src=[\"']?https?:", page, re.I)
    assert not re.search(r"<link[^>]+href=[\"']?https?:", page, re.I)
    assert "require.js" not in page and "mathjax" not in page.lower().replace("mathjax_", "")
    assert '<html lang="fr"' in page
    # French numbers and the vintages shown beside the figures
    assert re.search(r"\d\u202f\d{3}", text)
    assert "Millésime" in text and "Source" in text
    assert "Mayotte" in text or "2018" in text


def test_side_files_and_metadata(built):
    result = built["246100663"]
    for path in (result.notebook, result.xlsx, result.csv, result.directory / "indicateurs.csv"):
        assert path.is_file() and path.stat().st_size > 0, path
    meta = json.loads(result.metadata.read_text(encoding="utf-8"))
    assert meta["territoire"] == "246100663"
    assert meta["version_kit"] and meta["notebook_sha256"] and meta["code_sha256"]
    assert any(k.startswith("comparateur") for k in meta["entrees"])
    assert report.is_up_to_date(result.directory, report.fingerprint(
        __import__("diagnostic.territory", fromlist=["resolve"]).resolve("246100663")))
    nb = nbformat.read(result.notebook, as_version=4)
    assert not any(report.RESET_TAG in c.metadata.get("tags", []) for c in nb.cells)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and "246100663" in injected[0].source


def test_commune_report_shows_pyramid_and_locator(built):
    import html

    page = html.unescape(built["61214"].html.read_text(encoding="utf-8"))
    assert 'alt="Pyramide des âges : L\'Aigle' in page
    assert "situation dans son intercommunalité" in page


def test_epci_report_has_maps_and_says_what_is_missing(built):
    import html

    page = html.unescape(built["246100663"].html.read_text(encoding="utf-8"))
    text = _text(page)
    assert len(re.findall(r'alt="[^"]+ par commune"', page)) >= 2  # choropleths
    # a section without data says so and names the file to add, never vanishes
    assert "Équipements et services" in text
    assert "ajoutez" in text


def test_failing_section_keeps_notebook_and_previous_report(tmp_path, session, built):
    # A previous report in place.
    previous = built["61214"].directory
    out = tmp_path / "rapports"
    dest = out / previous.name
    import shutil

    shutil.copytree(previous, dest)
    before = (dest / "rapport.html").read_bytes()
    # A notebook whose section 2.3 fails.
    nb = nbformat.read(report.notebook_path(), as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("diagnostic", {}).get("section", "").startswith("2.3"))
    cell.source = 'raise RuntimeError("panne simulée")'
    broken = tmp_path / "casse.ipynb"
    nbformat.write(nb, broken)
    with pytest.raises(ReportError) as info:
        report.build("61214", output_dir=out, notebook=broken, kernel=session)
    message = str(info.value)
    assert "2.3 Petite enfance et enfance-jeunesse" in message
    assert "panne simulée" in message
    kept = dest / "echec" / "rapport.ipynb"
    assert kept.is_file()
    assert "panne simulée" in kept.read_text(encoding="utf-8")
    assert (dest / "rapport.html").read_bytes() == before  # previous report intact
    assert not any(p.name.startswith(".") for p in out.iterdir())  # no temporary directory left


def test_invalid_territory_parameter_names_the_section(tmp_path, session):
    with pytest.raises(ReportError) as info:
        report.build("61214", output_dir=tmp_path, kernel=session, parameters={"territoire": "99999"})
    message = str(info.value)
    assert "Préparation du diagnostic" in message
    assert "99999" in message
    assert (tmp_path / "l-aigle-61214" / "echec" / "rapport.ipynb").is_file()
    assert not (tmp_path / "l-aigle-61214" / "rapport.html").exists()


def test_interrupted_build_leaves_previous_report(tmp_path, monkeypatch):
    dest = tmp_path / "l-aigle-61214"
    dest.mkdir()
    (dest / "rapport.html").write_text("ancien rapport", encoding="utf-8")

    def interrupted(territory, peers, workdir, *args, **kwargs):
        (Path(workdir) / "rapport.ipynb").write_text("{}", encoding="utf-8")
        raise KeyboardInterrupt

    monkeypatch.setattr("diagnostic.report.execute.execute", interrupted)
    with pytest.raises(KeyboardInterrupt):
        report.build("61214", output_dir=tmp_path)
    assert (dest / "rapport.html").read_text(encoding="utf-8") == "ancien rapport"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["l-aigle-61214"]


def test_side_files_failing_in_this_process_name_their_step(tmp_path, monkeypatch, built):
    """A report of its own kernel writes its side files in this process, while the kernel runs
    the notebook: their failure is a French error naming that step, the previous report stays
    and no temporary folder is left."""
    import shutil

    from diagnostic.report.diagnostic import Diagnostic

    previous = built["61214"].directory
    dest = tmp_path / previous.name
    shutil.copytree(previous, dest)
    before = (dest / "rapport.html").read_bytes()

    def full_disk(self, directory):
        raise OSError(28, "Aucun espace disponible sur le périphérique")

    monkeypatch.setattr(Diagnostic, "write_files", full_disk)
    with pytest.raises(ReportError) as info:
        report.build("61214", output_dir=tmp_path, pdf=False)
    assert "Fichiers annexes" in str(info.value) and "Aucun espace disponible" in str(info.value)
    assert (dest / "rapport.html").read_bytes() == before
    assert (dest / "echec" / "rapport.ipynb").is_file()
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())


def test_report_page_styles_come_from_the_template_files(built):
    """The page CSS and TOC script are the templates' files; the blocks' CSS comes once, with
    the first output (no second copy in the page head)."""
    from diagnostic.report import assets

    page = built["61214"].html.read_text(encoding="utf-8")
    assert assets.page_css() in page and assets.read("toc.js") in page
    assert page.count(assets.report_css()) == 1
    assert page.index(assets.page_css()) < page.index(assets.report_css())  # head, then body


def test_notebook_is_found_from_any_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = report.notebook_path()
    assert path.is_file()
    nb = nbformat.read(path, as_version=4)
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    assert 'territoire = "246100663"' in params[0].source
