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


def test_axes_key_of_a_perimeter_file(tmp_path):
    from diagnostic.territory import resolve

    perimeter = tmp_path / "ctg.yaml"
    perimeter.write_text(f"nom: CTG du Pays de L'Aigle\nbase: \"200068468\"\naxes: {LAIGLE_AXES}\n",
                         encoding="utf-8")
    chosen = findings.axes_for(resolve(str(perimeter)))
    assert [a.id for a in chosen.axes] == ["attractivite_services", "soutien_parentalite",
                                           "acces_services_proximite"]
    assert findings.axes_for(resolve("200068468")).from_catalogue  # no file: candidate axes
    perimeter.write_text("nom: X\nbase: \"200068468\"\naxes: [1]\n", encoding="utf-8")
    with pytest.raises(Exception, match="« axes » doit être le chemin"):
        findings.axes_for(resolve(str(perimeter)))


def test_report_side_files(tmp_path):
    import csv
    import io

    from diagnostic.report.diagnostic import Diagnostic

    dg = Diagnostic("200068468", axes=str(LAIGLE_AXES))
    written = dg.write_files(tmp_path)
    assert {p.name for p in written} >= {"enjeux.csv", "synthese.docx"}
    rows = list(csv.DictReader(io.StringIO((tmp_path / "enjeux.csv").read_text(encoding="utf-8-sig")),
                               delimiter=";"))
    assert [r["Constat"] for r in rows] == list(dg.findings["sentence"])
    assert [r["Axe"] for r in rows] == list(dg.findings["axis"])
    doc = docx.Document(str(tmp_path / "synthese.docx"))
    assert [p.text for p in doc.paragraphs if p.style.name == "Heading 1"][:3] == \
        [a.titre for a in findings.load_axes(LAIGLE_AXES).axes]
    section = dg.section("synthese")
    for axis in findings.load_axes(LAIGLE_AXES).axes:
        assert f"<h3>{axis.titre.replace(chr(39), '&#x27;')}</h3>" in section


def _cli(*args, cwd=ROOT):
    import sys

    return subprocess.run([sys.executable, "-m", "diagnostic.cli", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=600)


def test_rapport_with_the_convention_axes(tmp_path):
    run = _cli("rapport", "200068468", "--axes", str(LAIGLE_AXES), "--sortie", str(tmp_path))
    assert run.returncode == 0, run.stderr
    folder = next(tmp_path.iterdir())
    doc = docx.Document(str(folder / "synthese.docx"))
    assert [p.text for p in doc.paragraphs if p.style.name == "Heading 1"][:3] == \
        [a.titre for a in findings.load_axes(LAIGLE_AXES).axes]
    assert (folder / "enjeux.csv").read_text(encoding="utf-8-sig").startswith("Indicateur;Type de constat;Axe;")


def test_rapport_with_a_bad_axes_file(tmp_path):
    bad = tmp_path / "axes.yaml"
    bad.write_text("- id: a\n  titre: A\n  indicateurs: [absent]\n", encoding="utf-8")
    for command in (["rapport", "61214"], ["lot", "61214"]):
        run = _cli(*command, "--axes", str(bad), "--sortie", str(tmp_path / "out"))
        assert run.returncode != 0 and "Traceback" not in run.stderr
        assert "indicateur inconnu" in run.stderr and str(bad) in run.stderr
