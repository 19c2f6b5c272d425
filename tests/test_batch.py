"""Batch runs: parallel reports, failures recorded, index page, comparison workbook, skips."""
from __future__ import annotations

import html
import json
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from diagnostic import batch
from diagnostic.cli import main
from diagnostic.errors import DiagnosticError

MIRROR = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
pytestmark = pytest.mark.skipif(not MIRROR.is_dir(), reason=f"miroir absent : {MIRROR} (../shared/data)")

GOOD = ["61214", "61001"]
BAD = "99999"


@pytest.fixture(scope="module")
def lot(tmp_path_factory):
    """The CLI on two good codes and one bad one, in two worker processes."""
    out = tmp_path_factory.mktemp("lot")
    code = main(["lot", *GOOD, BAD, "--jobs", "2", "--sortie", str(out), "--nom", "essai"])
    return out, code


@pytest.mark.slow
def test_cli_lot_builds_good_reports_and_lists_the_failure(lot):
    out, code = lot
    assert code == 6  # one failure: a partial batch failure (README, codes de sortie)
    for slug in ("l-aigle-61214", "alencon-61001"):
        assert (out / slug / "rapport.html").is_file()
        assert (out / slug / "metadonnees.json").is_file()
    index = (out / "essai" / "index.html").read_text(encoding="utf-8")
    text = html.unescape(index)
    assert "L'Aigle" in text and "Alençon" in text
    assert 'href="../l-aigle-61214/rapport.html"' in index
    assert 'href="../alencon-61001/rapport.html"' in index
    assert "Échecs (1)" in text and BAD in text and "Aucune commune" in text
    # self-contained: inline script and style only
    assert not re.search(r"<(script|link)[^>]+(src|href)=", index)
    assert "<script>" in index
    workbook = out / "essai" / "comparaison.xlsx"
    sheets = pd.read_excel(workbook, sheet_name=None)
    assert set(sheets) == {"Indicateurs", "Territoires", "Échecs"}
    table = sheets["Indicateurs"]
    assert {"Thème", "Indicateur", "Unité", "Source", "Millésime"} <= set(table.columns)
    assert any("L'Aigle" in c for c in table.columns) and any("Alençon" in c for c in table.columns)
    population = table[table["Indicateur"] == "Population municipale"]
    assert population.filter(like="L'Aigle").iloc[0, 0] == pytest.approx(8019, abs=1)
    assert len(sheets["Échecs"]) == 1


@pytest.mark.slow
def test_rerun_skips_up_to_date_reports_and_force_rebuilds(lot):
    out, _ = lot
    meta = out / "l-aigle-61214" / "metadonnees.json"
    first = json.loads(meta.read_text(encoding="utf-8"))["genere_le"]
    mtime = (out / "l-aigle-61214" / "rapport.html").stat().st_mtime_ns
    outcome = batch.run([*GOOD, BAD], jobs=1, output_dir=out, name="essai")
    assert outcome.skipped == 2 and outcome.built == 0
    assert [spec for spec, _ in outcome.failures] == [BAD]
    assert (out / "l-aigle-61214" / "rapport.html").stat().st_mtime_ns == mtime
    assert "déjà à jour" in (out / "essai" / "index.html").read_text(encoding="utf-8")
    # --force rebuilds (one warm kernel for both reports)
    code = main(["lot", GOOD[0], "--force", "--jobs", "1", "--sortie", str(out), "--nom", "essai"])
    assert code == 0
    second = json.loads(meta.read_text(encoding="utf-8"))["genere_le"]
    assert (out / "l-aigle-61214" / "rapport.html").stat().st_mtime_ns != mtime
    assert second >= first


def test_expand_set_file_and_communes_of(tmp_path):
    path = tmp_path / "lot.yaml"
    path.write_text("nom: Mon lot\nterritoires: [61214, '61001']\ncommunes_de: 246100663\n", encoding="utf-8")
    name, specs, failures = batch.expand([str(path), "61214"])
    assert name == "Mon lot"
    assert specs[:2] == ["61214", "61001"] and len(specs) == 2 + 31 - 1  # 61001 is in the CU
    assert not failures
    name, specs, failures = batch.expand(["246100663"], communes_of=True)
    assert len(specs) == 31 and "61001" in specs
    assert name == "communes-cu-d-alencon-246100663"
    _, specs, failures = batch.expand(["nimporte-quoi-qui-n-existe-pas-zz"], communes_of=True)
    assert specs == [] and failures and "nimporte" in failures[0][0]


def test_build_one_never_raises_and_is_picklable(tmp_path):
    import pickle

    assert pickle.loads(pickle.dumps(batch.build_one)) is batch.build_one
    result = batch.build_one(BAD, {"output_dir": str(tmp_path), "reuse_kernel": False})
    assert result["ok"] is False and "99999" in result["reason"]
    pickle.dumps(result)


def test_unknown_engine_is_a_french_error():
    with pytest.raises(DiagnosticError, match="Moteur d'exécution inconnu"):
        batch.run(["61214"], engine="fusée")


#: Generation date and time of a report ("22 novembre 2026 à 14:05"), the only expected difference.
WHEN = re.compile(r"\d{1,2}(?:er)? [a-zéû]+ \d{4} à \d{2}:\d{2}")


@pytest.mark.slow
def test_report_built_in_a_batch_equals_the_report_built_alone(tmp_path):
    """A warm kernel (second report of the worker, caches and stored references in use)
    gives the same report as a single run in a fresh kernel, modulo the generation date."""
    from diagnostic import report

    alone = report.build("61214", output_dir=tmp_path / "seul")
    outcome = batch.run(["61001", "61214"], jobs=1, force=True, output_dir=tmp_path / "lot", name="essai")
    in_lot = next(r for r in outcome.successes if r["spec"] == "61214")
    page_alone = alone.html.read_text(encoding="utf-8")
    page_lot = Path(in_lot["html"]).read_text(encoding="utf-8")
    assert WHEN.search(page_alone)
    assert WHEN.sub("<date>", page_lot) == WHEN.sub("<date>", page_alone)
    for name in ("indicateurs.csv", "enjeux.csv"):
        assert (Path(in_lot["directory"]) / name).read_bytes() == (alone.directory / name).read_bytes()
    # The executed notebooks differ only by run-specific metadata (times, paths).
    nb_alone = nbformat.read(alone.notebook, as_version=4)
    nb_lot = nbformat.read(Path(in_lot["directory"]) / "rapport.ipynb", as_version=4)
    assert [c.execution_count for c in nb_lot.cells if c.cell_type == "code"] == \
        [c.execution_count for c in nb_alone.cells if c.cell_type == "code"]
    assert [c.source for c in nb_lot.cells if "injected-parameters" not in c.metadata.get("tags", [])] == \
        [c.source for c in nb_alone.cells if "injected-parameters" not in c.metadata.get("tags", [])]
    # Phases of the single run, for the benchmarks.
    assert {"noyau", "execution", "conversion", "total"} <= set(alone.timings)


def test_index_page_renders_the_catalogue_columns_and_escapes_reasons(tmp_path):
    """The index is the lot.html.j2 template: catalogue labels as headers, French numbers,
    « n.d. » for a missing value, links relative to the lot, failures escaped."""
    from diagnostic.catalogue import catalogue, id_list
    from diagnostic.report import assets

    lot_dir = tmp_path / "essai"
    lot_dir.mkdir()
    report = tmp_path / "l-aigle-61214" / "rapport.html"
    rows = [{"id": "population", "label": "Population municipale", "unit": "habitants", "decimals": 0,
             "value": 8019.0},
            {"id": "taux_chomage", "label": "Taux de chômage", "unit": "%", "decimals": 1, "value": 23.21}]
    outcome = batch.BatchOutcome(index=lot_dir / "index.html", workbook=lot_dir / "comparaison.xlsx",
                                 successes=[{"name": "L'Aigle", "code": "61214", "kind": "commune",
                                             "html": str(report), "indicators": rows, "skipped": True}],
                                 failures=[("<zz>", "Aucune commune « <zz> »")], name="essai", seconds=3.0)
    page = batch.write_index(outcome, lot_dir, jobs=2).read_text(encoding="utf-8")
    text = html.unescape(re.sub(r"<[^>]+>", " ", page))
    for ind_id in id_list("index_lot"):
        assert html.escape(catalogue()[ind_id].label, quote=True) in page, ind_id
    assert 'data-sort="8019.000000">8\u202f019<' in page
    assert 'data-sort="23.210000">23,2\xa0%<' in page
    assert 'data-sort="">n.d.<' in page  # the other figures are missing
    assert 'href="../l-aigle-61214/rapport.html"' in page and "(déjà à jour)" in text
    assert "&lt;zz&gt;" in page and "<zz>" not in page
    assert "Échecs (1)" in text and "2 processus" in text
    assert assets.read("lot.css") in page and assets.read("lot.js") in page
    assert not re.search(r"<(script|link)[^>]+(src|href)=", page)
