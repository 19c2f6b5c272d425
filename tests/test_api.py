"""The public Python API (``import diagnostic as dg``): same figures as the CLI, French errors,
examples of every docstring run on the mirror, paths resolved from any folder."""
import doctest
import json
import os
import subprocess
import sys

import openpyxl
import pandas as pd
import pytest

import rawdata
from conftest import ROOT

import diagnostic as dg
from diagnostic import api, export, paths
from diagnostic.errors import DiagnosticError, PerimeterError, TerritoryNotFound, UnknownIndicator

SLOW_EXAMPLES = {"rapport", "lot"}  # they run notebooks


def _doctests():
    finder = doctest.DocTestFinder()
    out = []
    for module in (api, paths):
        for test in finder.find(module):
            if test.examples:
                name = test.name.rsplit(".", 1)[-1]
                marks = [pytest.mark.slow] if name in SLOW_EXAMPLES else []
                out.append(pytest.param(test, id=test.name, marks=marks))
    return out


@pytest.mark.parametrize("test", _doctests())
def test_docstring_examples_run_on_the_mirror(test, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)  # the examples name the shipped territories/ as a user of the project would
    monkeypatch.setenv("DIAGNOSTIC_RAPPORTS", str(tmp_path))
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    result = runner.run(test, out=lambda text: print(text, end=""))
    assert result.failed == 0, f"{result.failed} exemple(s) en échec dans {test.name}"


def test_every_public_function_has_an_example():
    for name in dg.__all__:
        doc = getattr(dg, name).__doc__
        assert doc and ">>> " in doc, name


def test_import_is_light_and_works_from_any_folder(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    light = subprocess.run([sys.executable, "-c", "import sys, diagnostic; print('pandas' in sys.modules)"],
                           capture_output=True, text=True, cwd=tmp_path, env=env)
    assert light.stdout.strip() == "False", light.stderr
    code = ("import diagnostic as dg; t = dg.territoire('61214'); "
            "print(dg.indicateurs(t).shape, dg.enjeux(t).shape)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    t = dg.territoire("61214")
    assert proc.stdout.strip() == f"{dg.indicateurs(t).shape} {dg.enjeux(t).shape}"


def _cli_json(tmp_path, *args) -> list[dict]:
    out = tmp_path / "sortie.json"
    proc = subprocess.run([sys.executable, "-m", "diagnostic.cli", *args, "--format", "json", "--sortie", str(out)],
                          capture_output=True, text=True, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    return json.loads(out.read_text(encoding="utf-8"))


def test_indicators_equal_the_cli_json(tmp_path):
    cli = _cli_json(tmp_path, "indicateurs", "61214", "--pairs", "61001")
    df = dg.indicateurs("61214", pairs=["61001"])
    assert list(df.columns) == list(cli[0])
    assert export.to_records(df) == cli
    own = df[(df["id"] == "population") & (df["level"] == "territoire")]["value"].item()
    pair = df[(df["id"] == "population") & (df["level"] == "pair")]["value"].item()
    assert own == float(rawdata.comparateur()["61214"]["P18_POP"])
    assert pair == float(rawdata.comparateur()["61001"]["P18_POP"])


def test_findings_equal_the_cli_json(tmp_path):
    perimeter = str(ROOT / "territories" / "cc-pays-de-laigle.yaml")
    cli = _cli_json(tmp_path, "enjeux", perimeter)
    df = dg.enjeux(perimeter)
    assert len(df) > 0 and list(df.columns) == list(cli[0])
    assert export.to_records(df) == cli


def test_filters_keep_the_cli_rows():
    full = dg.indicateurs("61214")
    some = dg.indicateurs("61214", ids=["population", "taux_pauvrete"], niveaux=["territoire", "Département"])
    assert set(some["id"]) == {"population", "taux_pauvrete"}
    assert set(some["level"]) == {"territoire", "departement"}
    expected = full[full["id"].isin(some["id"]) & full["level"].isin(some["level"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(some, expected)
    findings = dg.enjeux("61214")
    housing = dg.enjeux("61214", axes="Logement")
    assert set(housing["axis"]) == {"logement"}
    assert len(housing) == (findings["axis"] == "logement").sum()


def test_unknown_territory_raises_the_french_error():
    with pytest.raises(TerritoryNotFound) as err:
        dg.territoire("Trifouillis-les-Oies")
    assert err.value.message == "Aucun territoire ne s'appelle « Trifouillis-les-Oies »."
    with pytest.raises(TerritoryNotFound, match="Aucune commune n'a le code 61999"):
        dg.indicateurs("61999")
    with pytest.raises(UnknownIndicator, match="Indicateur\\(s\\) inconnu\\(s\\)"):
        dg.indicateurs("61214", ids="popullation")
    with pytest.raises(DiagnosticError, match="Niveau inconnu « canton »"):
        dg.indicateurs("61214", niveaux="canton")
    with pytest.raises(DiagnosticError, match="Axe de la CTG inconnu « culture »"):
        dg.enjeux("61214", axes=["culture"])


def test_a_set_file_is_not_a_territory():
    with pytest.raises(PerimeterError, match="décrit un lot de territoires") as err:
        dg.territoire("territories/orne-communes.yaml")
    assert "dg.lot" in err.value.hint


def test_communes_sum_to_the_territory():
    df = dg.communes("200068468", ["population", "part_75_ans_et_plus"])
    members = rawdata.epci_composition_2021()["200068468"]
    pop = df[df["id"] == "population"].set_index("code")["value"]
    assert sorted(pop.index) == sorted(members)
    assert pop.sum() == rawdata.comparateur_sum(members, "P18_POP")
    assert pop.sum() == dg.indicateurs("200068468", ids="population", niveaux="territoire")["value"].item()
    assert set(df["unit"]) == {"habitants", "%"} and (df["source"] != "").all()


def test_chart_compares_the_territory_with_its_references():
    fig = dg.graphique("61214", "population", pairs=["61001"])
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["L'Aigle", "Orne", "Normandie", "France", "Alençon"]
    texts = " ".join(t.get_text() for t in fig.texts)
    assert "Population municipale" in texts and "Insee" in texts


def test_map_and_its_french_errors():
    fig = dg.carte("200068468", "part_75_ans_et_plus")
    assert fig.axes and "par commune" in " ".join(t.get_text() for t in fig.texts)
    with pytest.raises(UnknownIndicator):
        dg.carte("200068468", "inconnu")


def test_exports_follow_the_extension(tmp_path):
    table = dg.indicateurs("61214")
    xlsx = dg.exporter(table, "sous-dossier/laigle.xlsx", dossier=tmp_path)
    assert xlsx == tmp_path / "sous-dossier" / "laigle.xlsx"
    assert "Démographie" in openpyxl.load_workbook(xlsx).sheetnames
    csv_path = dg.exporter(dg.enjeux("61214"), tmp_path / "enjeux.csv")
    assert csv_path.read_text(encoding="utf-8-sig").startswith("axis;axis_label;")
    with pytest.raises(DiagnosticError, match="Extension inconnue"):
        dg.exporter(table, tmp_path / "laigle.ods")


def test_data_sources_carry_vintage_geography_and_provenance():
    dg.indicateurs("61214", ids="revenu_median")  # filosofi in the store
    df = dg.donnees()
    row = df[df["file"] == "cc_filosofi_2021_COM.csv"].iloc[0]
    with open(rawdata.MIRROR / "filosofi" / "cc_filosofi_2021_COM.csv", encoding="ascii") as fh:
        lines = sum(1 for _ in fh) - 1
    assert (row["vintage"], row["level"], row["producer"]) == (2021, "COM", "Insee")
    assert row["in_mirror"] and row["in_store"] and row["rows"] == lines and len(row["sha256"]) == 64
    missing = df[~df["in_mirror"]]
    assert (missing["file"] != "").all() and missing["vintage"].isna().all()
    assert df.attrs["miroir"] == str(rawdata.MIRROR.resolve())


def test_territory_displays_as_html():
    page = dg.territoire("territories/cu-alencon.yaml")._repr_html_()
    for text in ("CU d&#x27;Alençon", "31 : Alençon", "… et 23 autres", "Orne (61), Sarthe (72)",
                 "Orne, Normandie, France", "plusieurs départements"):
        assert text in page, text
    commune = dg.territoire("61214")._repr_html_()
    assert "commune (61214)" in commune and "CC des Pays de L&#x27;Aigle (200068468)" in commune
    assert "<script" not in page and "style=" in page  # the styles travel with the output


# ---------------------------------------------------------------------------
# Paths
# ---------------------------------------------------------------------------
def test_paths_are_read_from_the_callers_folder_then_the_project(tmp_path):
    shipped = ROOT / "territories" / "cc-pays-de-laigle.yaml"
    notebooks = tmp_path / "projet" / "notebooks"
    notebooks.mkdir(parents=True)
    own = tmp_path / "projet" / "territories" / "cc-pays-de-laigle.yaml"
    own.parent.mkdir()
    own.write_text("nom: Mon périmètre\ncommunes: ['61214', '61001']\n", encoding="utf-8")
    # from the project folder (the CLI), from notebooks/ (JupyterLab), by the bare name
    for dossier, spec in ((tmp_path / "projet", "territories/cc-pays-de-laigle.yaml"),
                          (notebooks, "territories/cc-pays-de-laigle.yaml"),
                          (tmp_path / "projet", "cc-pays-de-laigle.yaml")):
        assert paths.input_file(spec, dossier) == own.resolve()
    assert dg.territoire("territories/cc-pays-de-laigle.yaml", dossier=notebooks).name == "Mon périmètre"
    # elsewhere: the kit's examples
    assert paths.input_file("territories/cc-pays-de-laigle.yaml", tmp_path) == shipped.resolve()
    assert paths.output_path("rapports", notebooks) == notebooks / "rapports"


def test_wrong_paths_are_french_errors(tmp_path):
    with pytest.raises(PerimeterError) as err:
        dg.territoire("territories/absent.yaml", dossier=tmp_path)
    assert err.value.message == "Fichier de périmètre introuvable : « territories/absent.yaml »."
    assert str(tmp_path / "territories" / "absent.yaml") in err.value.hint
    with pytest.raises(PerimeterError, match="Le dossier de travail « /nulle/part » n'existe pas"):
        dg.territoire("x.yaml", dossier="/nulle/part")
    (tmp_path / "fichier").write_text("x")
    with pytest.raises(DiagnosticError, match="est un fichier, pas un dossier"):
        paths.output_path("fichier/rapports", tmp_path)
