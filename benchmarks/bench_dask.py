"""The same batch (31 communes of the CU d'Alençon) on a Dask cluster, beside the local pool.

A ``distributed.LocalCluster`` on loopback (one worker process, two threads:
as many reports at a time as ``--jobs 2``) receives one :func:`batch.build_one`
task per commune (``batch.run(engine="dask")``, what ``diagnostic lot
--moteur dask --planificateur ADRESSE`` does); the local pool with ``--jobs 2``
is measured in the same run. Peak memory: this process and all its descendants
(the cluster's worker, its kernels).
"""
from __future__ import annotations

import contextlib
import io
import tempfile
import time

from .bench_lot import EPCI, lot
from .common import TreeMemory, note, report

THREADS = 2


def run() -> None:
    try:
        import distributed
    except ImportError:
        note("dask absent : pip install '.[dask]'")
        return
    from diagnostic import batch

    with tempfile.TemporaryDirectory(prefix="bench-dask-") as out:
        with TreeMemory() as memory:
            with distributed.LocalCluster(n_workers=1, threads_per_worker=THREADS, processes=True,
                                          protocol="tcp://", host="127.0.0.1", dashboard_address=":0") as cluster:
                start = time.perf_counter()
                with contextlib.redirect_stderr(io.StringIO()):  # the progress bar
                    outcome = batch.run([EPCI], communes_of=True, engine="dask", force=True, output_dir=out,
                                        scheduler=cluster.scheduler_address, name="bench-dask")
                seconds = time.perf_counter() - start
    dask_rate = 60 * outcome.built / seconds
    with tempfile.TemporaryDirectory(prefix="bench-dask-local-") as out:
        local_seconds, _, n = lot(EPCI, THREADS, out)
    local_rate = 60 * n / local_seconds
    report("dask_cu_alencon_rapports_par_minute", dask_rate, "rapports/min")
    report("dask_cu_alencon_duree", seconds, "s")
    report("dask_cu_alencon_echecs", len(outcome.failures), "territoires")
    report("dask_cu_alencon_memoire_pic", memory.peak_mb, "Mo")
    report("dask_local_jobs2_rapports_par_minute", local_rate, "rapports/min")
    report("dask_ratio_local", dask_rate / local_rate, "x")
    note(f"cluster local : 1 processus de calcul, {THREADS} fils, un noyau Jupyter par fil ; "
         "le démarrage du cluster n'est pas compté")
