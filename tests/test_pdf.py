"""rapport.pdf: the report printed by headless Chromium with its print stylesheet (A4, a page
break before each part, tables that fit the page, per-commune tables in an annex).

A page of each PDF is kept as a PNG in tests/artefacts/ (pdftoppm, from poppler-utils,
installed by .ci/run) for a look.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from diagnostic.report import pdf

MIRROR = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
ARTEFACTS = Path(__file__).resolve().parent / "artefacts"
#: At most this many pages for an EPCI (issue 12).
MAX_PAGES = 30

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not MIRROR.is_dir(), reason=f"miroir absent : {MIRROR} (../shared/data)")]


def page_count(path: Path) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", path.read_bytes()))


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    if pdf.chromium() is None:
        pytest.skip("chromium absent : installez le paquet Debian chromium (fait par .ci/run)")
    from diagnostic import report

    out = tmp_path_factory.mktemp("pdf")
    with report.KernelSession() as session:
        return {code: report.build(code, output_dir=out, kernel=session) for code in ("200068468", "246100663")}


@pytest.mark.parametrize("code", ["200068468", "246100663"])
def test_epci_pdf_is_a4_at_most_30_pages_with_its_annex(printed, code):
    result = printed[code]
    assert result.pdf is not None and result.pdf.is_file() and not result.notes
    data = result.pdf.read_bytes()
    assert data.startswith(b"%PDF")
    assert 15 <= page_count(result.pdf) <= MAX_PAGES
    boxes = {(round(float(w)), round(float(h)))
             for w, h in re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", data)}
    assert boxes == {(595, 842)}  # A4 portrait, every page
    meta = (result.directory / "metadonnees.json").read_text(encoding="utf-8")
    assert '"rapport.pdf"' in meta and '"valeurs-par-commune.csv"' in meta


def test_pdf_tables_are_not_cut(printed):
    """Every indicator table keeps its last columns (Source, Millésime) on the page: the
    text of the PDF holds as many « Millésime » headers as the HTML has tables, and the
    annex's territory row."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext absent : installez poppler-utils (fait par .ci/run)")
    result = printed["246100663"]
    page = result.html.read_text(encoding="utf-8")
    text = subprocess.run(["pdftotext", "-layout", str(result.pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert text.count("Millésime") >= page.count("<th>Millésime</th>") > 5
    assert "5. Annexe : valeurs par commune" in text
    annex = text[text.index("5. Annexe : valeurs par commune"):]
    assert "Alençon (61001)" in annex and "Saint-Paterne - Le Chevain (72308)" in annex
    # the last column of the last annex table is printed (not cut at the page's right edge)
    assert annex.count("CU d'Alençon") >= 4


def test_a_pdf_page_is_kept_as_an_artefact(printed):
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm absent : installez poppler-utils (fait par .ci/run)")
    ARTEFACTS.mkdir(exist_ok=True)
    for code, result in printed.items():
        prefix = ARTEFACTS / f"rapport-pdf-{code}"
        subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "3", "-l", "3", str(result.pdf), str(prefix)],
                       check=True, capture_output=True)
        shot = next(ARTEFACTS.glob(f"rapport-pdf-{code}-*3.png"))
        assert shot.stat().st_size > 10_000


def test_without_chromium_the_report_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv(pdf.CHROMIUM_ENV, "chromium-qui-n-existe-pas")
    html = tmp_path / "rapport.html"
    html.write_text("<html><body>essai</body></html>", encoding="utf-8")
    note = pdf.write_pdf(html, tmp_path / "rapport.pdf")
    assert note.startswith("PDF non produit : Chromium est introuvable")
    assert pdf.CHROMIUM_ENV in note and not (tmp_path / "rapport.pdf").exists()


def test_report_without_chromium_writes_everything_else(tmp_path, monkeypatch):
    from diagnostic import report

    monkeypatch.setenv(pdf.CHROMIUM_ENV, "chromium-qui-n-existe-pas")
    result = report.build("61214", output_dir=tmp_path)
    assert result.pdf is None and not (result.directory / "rapport.pdf").exists()
    assert result.notes and result.notes[0].startswith("PDF non produit")
    for name in ("rapport.html", "rapport.ipynb", "indicateurs.xlsx", "indicateurs.csv", "enjeux.csv"):
        assert (result.directory / name).is_file(), name
    meta = (result.directory / "metadonnees.json").read_text(encoding="utf-8")
    assert "PDF non produit" in meta
