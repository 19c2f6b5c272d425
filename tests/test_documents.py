"""synthese.docx: written with python-docx, read back, headings are the convention's axes."""
import datetime as dt
import shutil
import subprocess

import docx
import pytest

from diagnostic import documents, findings, indicators, synthese
from conftest import ROOT

LAIGLE_AXES = ROOT / "territories" / "axes-ctg-pays-de-laigle.yaml"


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    table = indicators.compute("200068468")
    df = findings.compute(table, axes=LAIGLE_AXES)
    syntheses = synthese.build(df, table)
    path = tmp_path_factory.mktemp("docx") / "synthese.docx"
    documents.write_synthese_docx(path, "CC des Pays de L'Aigle (EPCI 200068468)", syntheses,
                                  synthese.sources(df, syntheses), when=dt.date(2026, 12, 1))
    return path, syntheses


def test_docx_reads_back_with_axes_as_headings(written):
    path, syntheses = written
    doc = docx.Document(str(path))
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == [s.titre for s in syntheses]
    assert headings[:3] == [a.titre for a in findings.load_axes(LAIGLE_AXES).axes]
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == "Diagnostic territorial : synthèse par axe"
    assert "CC des Pays de L'Aigle (EPCI 200068468)" in texts
    assert "Document généré le 1er décembre 2026 par le kit « diagnostic »." in texts
    assert all(s.paragraph in texts for s in syntheses)


def test_docx_tables_hold_the_key_figures(written):
    path, syntheses = written
    doc = docx.Document(str(path))
    with_figures = [s for s in syntheses if not s.figures.empty]
    assert len(doc.tables) == len(with_figures)
    first, expected = doc.tables[0], with_figures[0].figures
    assert [c.text for c in first.rows[0].cells] == list(expected.columns)
    assert [c.text for c in first.rows[1].cells] == [str(v) for v in expected.iloc[0]]


@pytest.mark.skipif(not (shutil.which("soffice") or shutil.which("libreoffice")),
                    reason="LibreOffice absent : conversion non vérifiée")
def test_libreoffice_converts_it(written, tmp_path):
    path, _ = written
    office = shutil.which("soffice") or shutil.which("libreoffice")
    subprocess.run([office, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
                   check=True, timeout=180, capture_output=True)
    assert (tmp_path / "synthese.pdf").stat().st_size > 1000
