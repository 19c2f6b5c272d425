"""A batch of communes, as ``diagnostic lot`` makes it, with ``--jobs 1`` and ``--jobs 2``.

The 31 communes of the CU d'Alençon, each lot in a new process (``--force``:
every report is made): reports per minute, speed-up of ``--jobs 2``, and the
peak resident memory of the whole process tree (the command, its kernels),
sampled every 0.1 s.

The 385 communes of the Orne take about 6 minutes at ``--jobs 2``: run them with
``BENCH_ORNE=1 make bench`` (or ``BENCH_ORNE=1 python -m benchmarks lot``);
``BENCH_ORNE_JOBS=1,2`` for both job counts (default 2).

Naive way, side by side: papermill's defaults, a fresh kernel per notebook
(``pm.execute_notebook`` then nbconvert), one after the other, on the first
``NAIVE_COUNT`` communes of the lot.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

from .common import ROOT, TreeMemory, note, report, run_python

EPCI = "246100663"
NAIVE_COUNT = 4

NAIVE = """
import papermill as pm
from nbconvert import HTMLExporter
from pathlib import Path
from diagnostic.report import notebook_path
from diagnostic.territory import resolve
codes = resolve({epci!r}).communes[:{count}]
exporter = HTMLExporter(template_name="lab", exclude_input=True)
for code in codes:
    out = Path({out!r}) / code
    out.mkdir(parents=True, exist_ok=True)
    nb = pm.execute_notebook(str(notebook_path()), str(out / "rapport.ipynb"), progress_bar=False,
                             parameters={{"territoire": code, "pairs": [], "sortie": str(out)}})
    page, _ = exporter.from_notebook_node(nb)
    (out / "rapport.html").write_text(page, encoding="utf-8")
"""


def lot(spec: str, jobs: int, out: str) -> tuple[float, float, int]:
    """(seconds, peak MB of the process tree, reports) of ``diagnostic lot SPEC --communes``."""
    cmd = [sys.executable, "-m", "diagnostic.cli", "lot", spec, "--communes", "--force", "--jobs", str(jobs),
           "--sortie", out, "--nom", f"bench-{jobs}"]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with TreeMemory(proc.pid) as memory:
        _, err = proc.communicate()
    seconds = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"échec du lot ({proc.returncode}) :\n{err[-2000:]}")
    reports = len([p for p in os.listdir(out) if os.path.isfile(os.path.join(out, p, "rapport.html"))])
    return seconds, memory.peak_mb, reports


def _measure(name: str, spec: str, jobs_list: list[int]) -> dict[int, float]:
    rates = {}
    for jobs in jobs_list:
        with tempfile.TemporaryDirectory(prefix=f"bench-lot-{jobs}-") as out:
            seconds, peak, n = lot(spec, jobs, out)
        rates[jobs] = 60 * n / seconds
        report(f"lot_{name}_jobs{jobs}_rapports_par_minute", rates[jobs], "rapports/min",
               "≥ 60 à --jobs 2" if jobs == 2 else None)
        report(f"lot_{name}_jobs{jobs}_duree", seconds, "s")
        report(f"lot_{name}_jobs{jobs}_memoire_pic", peak, "Mo", "< 2 Go")
        report(f"lot_{name}_jobs{jobs}_rapports", n, "rapports")
    if 1 in rates and 2 in rates:
        report(f"lot_{name}_acceleration_jobs2", rates[2] / rates[1], "x")
    return rates


def run() -> None:
    rates = _measure("cu_alencon", EPCI, [1, 2])
    with tempfile.TemporaryDirectory(prefix="bench-lot-naif-") as out:
        seconds, _ = run_python(NAIVE.format(epci=EPCI, count=NAIVE_COUNT, out=out))
    naive_rate = 60 * NAIVE_COUNT / seconds
    report("lot_papermill_simple_rapports_par_minute", naive_rate, "rapports/min")
    report("lot_cu_alencon_ratio_papermill_jobs2", rates[2] / naive_rate, "x")
    if os.environ.get("BENCH_ORNE"):
        jobs = [int(j) for j in os.environ.get("BENCH_ORNE_JOBS", "2").split(",") if j.strip()]
        _measure("orne", "61", jobs)
    else:
        note("les 385 communes de l'Orne : BENCH_ORNE=1 (environ 6 min à --jobs 2)")
