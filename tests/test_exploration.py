"""notebooks/exploration.ipynb, run as an analyst would: by papermill from another folder, and
from the notebooks/ folder as JupyterLab starts its kernel; a wrong path is a French message."""
import base64

import nbformat
import openpyxl
import papermill as pm
import pytest
from papermill.exceptions import PapermillExecutionError

from conftest import ROOT

NOTEBOOK = ROOT / "notebooks" / "exploration.ipynb"

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def kernel_imports_this_checkout(monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # the kernel inherits it


def _run(tmp_path, cwd, **parameters):
    out = tmp_path / "execute.ipynb"
    pm.execute_notebook(str(NOTEBOOK), str(out), parameters=parameters, cwd=str(cwd), kernel_name="python3",
                        progress_bar=False, log_output=False)
    return nbformat.read(out, as_version=4)


def _outputs(nb, needle: str) -> list:
    cell = next(c for c in nb.cells if c.cell_type == "code" and needle in c.source)
    return cell.outputs


def test_exploration_runs_from_another_folder(tmp_path):
    elsewhere = tmp_path / "ailleurs"
    elsewhere.mkdir()
    nb = _run(tmp_path, cwd=elsewhere, territoire="territories/cu-alencon.yaml", dossier=str(ROOT),
              sortie=str(tmp_path / "exploration.xlsx"))
    territory = _outputs(nb, "dg.territoire(")[0]["data"]
    assert "CU d&#x27;Alençon" in territory["text/html"] and "Orne (61), Sarthe (72)" in territory["text/html"]
    table = _outputs(nb, "df = dg.indicateurs(t)")[0]["data"]["text/plain"]
    assert "Population municipale" in table and "CU d'Alençon" in table
    comparison = _outputs(nb, "comparatif")[0]["data"]["text/plain"]
    assert "CC des Pays de L'Aigle" in comparison and "écart (points)" in comparison
    for needle in ("dg.graphique(", "dg.carte("):  # figures shown as images, not « <Figure size…> »
        png = _outputs(nb, needle)[0]["data"]["image/png"]
        assert base64.b64decode(png).startswith(b"\x89PNG")
    findings = _outputs(nb, "dg.enjeux(t)")[0]["data"]["text/plain"]
    assert "Enjeu" in findings or "Atout" in findings
    book = openpyxl.load_workbook(tmp_path / "exploration.xlsx")
    assert "Démographie" in book.sheetnames
    assert "exploration.xlsx" in _outputs(nb, "dg.exporter(")[0]["text"]


def test_exploration_from_its_folder_finds_the_project_files_and_explains_wrong_paths(tmp_path):
    # JupyterLab starts the kernel in notebooks/: "territories/..." is the project's folder
    nb = _run(tmp_path, cwd=ROOT / "notebooks", territoire="territories/cc-pays-de-laigle.yaml",
              comparaison="61214", sortie=str(tmp_path / "laigle.xlsx"))
    assert "CC des Pays de L&#x27;Aigle" in _outputs(nb, "dg.territoire(")[0]["data"]["text/html"]
    assert (tmp_path / "laigle.xlsx").is_file()
    with pytest.raises(PapermillExecutionError) as err:
        _run(tmp_path, cwd=tmp_path, territoire="territories/absent.yaml", sortie=str(tmp_path / "x.xlsx"))
    assert err.value.ename == "PerimeterError"
    failed = nbformat.read(tmp_path / "execute.ipynb", as_version=4)
    error = next(o for o in _outputs(failed, "dg.territoire(") if o["output_type"] == "error")
    text = "\n".join(error["traceback"])
    assert text.startswith("Erreur : Fichier de périmètre introuvable : « territories/absent.yaml ».")
    assert "Traceback" not in text and "File " not in text  # the French message only


# ---------------------------------------------------------------------------
# The report notebook: the same path rules when papermill runs it from another folder
# ---------------------------------------------------------------------------
def _run_report(tmp_path, cwd, **parameters):
    from diagnostic.resources import notebook_path

    out = tmp_path / "rapport-execute.ipynb"
    try:
        pm.execute_notebook(str(notebook_path()), str(out), parameters=parameters, cwd=str(cwd),
                            kernel_name="python3", progress_bar=False, log_output=False)
    finally:
        executed = nbformat.read(out, as_version=4) if out.exists() else None
    return executed


def test_report_notebook_reads_relative_paths_from_dossier(tmp_path):
    project, elsewhere = tmp_path / "projet", tmp_path / "ailleurs"
    (project / "territories").mkdir(parents=True)
    elsewhere.mkdir()
    (project / "territories" / "aigle-alencon.yaml").write_text(
        "nom: L'Aigle et Alençon\ncommunes: ['61214', '61001']\n", encoding="utf-8")
    nb = _run_report(tmp_path, elsewhere, territoire="territories/aigle-alencon.yaml", pairs=["61214"],
                     sortie="annexes", dossier=str(project))
    title = _outputs(nb, "Diagnostic(")[0]["data"]["text/html"]
    assert "L&#x27;Aigle et Alençon" in title or "L'Aigle et Alençon" in title
    assert sorted(p.name for p in (project / "annexes").iterdir()) == \
        ["enjeux.csv", "indicateurs.csv", "indicateurs.xlsx", "synthese.docx", "valeurs-par-commune.csv"]
    assert not (elsewhere / "annexes").exists()


def test_report_notebook_wrong_path_is_a_french_message(tmp_path):
    with pytest.raises(PapermillExecutionError):
        _run_report(tmp_path, tmp_path, territoire="territories/absent.yaml")
    failed = nbformat.read(tmp_path / "rapport-execute.ipynb", as_version=4)
    error = next(o for o in _outputs(failed, "Diagnostic(") if o["output_type"] == "error")
    assert error["traceback"][0] == "Erreur : Fichier de périmètre introuvable : « territories/absent.yaml »."
    assert not any("Traceback" in line or "File " in line for line in error["traceback"])
