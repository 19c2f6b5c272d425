"""Batch runs: parallel reports, failures recorded, index page, comparison workbook, skips."""
from __future__ import annotations

import html
import json
import re
from pathlib import Path

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
    assert code == 1  # one failure
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


def test_dask_engine_not_yet_available():
    with pytest.raises(DiagnosticError, match="pas encore disponible"):
        batch.run(["61214"], engine="dask")
