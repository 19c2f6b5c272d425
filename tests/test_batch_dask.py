"""The Dask engine: the same lot submitted to a Dask cluster (here a LocalCluster on loopback)."""
from __future__ import annotations

import html
import re
import sys
from pathlib import Path

import pytest

from diagnostic import batch
from diagnostic.errors import DiagnosticError

MIRROR = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
pytestmark = pytest.mark.skipif(not MIRROR.is_dir(), reason=f"miroir absent : {MIRROR} (../shared/data)")

GOOD = ["61214", "61001"]
BAD = "99999"

#: Generation date and time of a report ("22 novembre 2026 à 14:05"), the only expected difference.
WHEN = re.compile(r"\d{1,2}(?:er)? [a-zéû]+ \d{4} à \d{2}:\d{2}")


def normalised(page: str) -> str:
    return WHEN.sub("<date>", page)


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, protocol="tcp://",
                                  host="127.0.0.1", dashboard_address=":0") as local:
        yield local


@pytest.fixture(scope="module")
def lots(tmp_path_factory, cluster):
    """The same lot built by the Dask engine and by the local engine."""
    out_dask = tmp_path_factory.mktemp("dask")
    out_local = tmp_path_factory.mktemp("local")
    on_dask = batch.run([*GOOD, BAD], engine="dask", scheduler=cluster.scheduler_address,
                        output_dir=out_dask, name="essai", force=True)
    local = batch.run(GOOD, jobs=1, output_dir=out_local, name="essai", force=True)
    return on_dask, local


@pytest.mark.slow
def test_dask_reports_are_the_local_reports(lots):
    on_dask, local = lots
    assert [r["spec"] for r in on_dask.successes] == GOOD, on_dask.failures
    for d, loc in zip(on_dask.successes, local.successes):
        page_dask = Path(d["html"]).read_text(encoding="utf-8")
        page_local = Path(loc["html"]).read_text(encoding="utf-8")
        assert normalised(page_dask) == normalised(page_local), d["spec"]
        for name in ("indicateurs.csv", "enjeux.csv"):
            assert (Path(d["directory"]) / name).read_bytes() == (Path(loc["directory"]) / name).read_bytes()


@pytest.mark.slow
def test_dask_failing_territory_is_listed(lots):
    on_dask, _ = lots
    assert [spec for spec, _ in on_dask.failures] == [BAD]
    assert "Aucune commune" in on_dask.failures[0][1] or BAD in on_dask.failures[0][1]
    index = html.unescape(on_dask.index.read_text(encoding="utf-8"))
    assert "Échecs (1)" in index and BAD in index
    assert on_dask.workbook.is_file()


@pytest.mark.slow
def test_dask_workers_kernels_are_shut_down(lots):
    assert batch._sessions == []


def test_unreachable_scheduler_is_a_french_error(monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.setattr(batch, "DASK_CONNECT_TIMEOUT", 1)
    with pytest.raises(DiagnosticError) as info:
        batch.run(["61214"], engine="dask", scheduler="tcp://127.0.0.1:9")
    assert "injoignable" in info.value.message
    assert "127.0.0.1:9" in info.value.message


def test_missing_scheduler_address_is_a_french_error():
    pytest.importorskip("distributed")
    with pytest.raises(DiagnosticError, match="planificateur"):
        batch.run(["61214"], engine="dask", scheduler=None)


def test_dask_not_installed_is_a_french_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(DiagnosticError) as info:
        batch.run(["61214"], engine="dask", scheduler="tcp://127.0.0.1:8786")
    assert "dask" in info.value.message and "absents" in info.value.message
