"""Reports of many territories: parallel workers, index page and comparison workbook.

``run(["territories/normandie.yaml", "61001"], jobs=4)`` builds one report per
territory (:func:`diagnostic.report.build`) in ``jobs`` worker processes, shows
a French progress bar on stderr, and writes under ``reports/<lot>/``:

* ``index.html`` — one self-contained page (inline CSS and a few lines of
  inline JavaScript to sort the columns, no request) listing every territory
  with key figures and a link to its report, then the failures with their
  reason;
* ``comparaison.xlsx`` — every territory's indicators side by side.

A failing territory (unknown code, invalid perimeter file, notebook error…) never
stops the others: its reason is recorded in French. Each report gets its own
folder (two perimeters with the same ``nom`` are told apart by their file name),
and the lot's folder is never one a report would replace (it is marked, and
renamed ``lot-<nom>`` when its name is a report's). A report whose fingerprint (territory, kit
version, notebook, code and input checksums) is unchanged is not rebuilt unless
``force``.

Workers are warm: each keeps one Jupyter kernel (:class:`report.KernelSession`)
across its territories — the namespace is reset before each notebook, while the
imported kit keeps its caches (store tables, reference values of the
département, région and France, commune contours) — so only the first report
of a worker pays the start-up. With ``jobs`` > 1 the workers are threads of
this process, each driving its own kernel process: the reports are computed in
the kernels, in parallel, while one process holds papermill, nbconvert and the
reference geography for all of them (a worker process per job would hold them
once each, for 300 MB and a second of start-up apiece). The kernels are started
first, then the store is warmed and the reference values of the lot
(départements, régions, France) are computed once and kept in the store while
they boot, so no kernel computes them again.

:func:`build_one` is a plain picklable function: ``engine="dask"`` submits it,
once per territory, to an existing Dask distributed cluster (``scheduler``: the
address of its scheduler); the workers must see the same mirror, store and
output folder (a shared file system). Progress bar, failures, index page and
workbook are the same.
"""
from __future__ import annotations

import contextlib
import contextvars
import gc
import os
import sys
import threading
import time
import traceback
import uuid
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path


from . import config
from .atomic import LOT_MARKER, is_lot_folder  # noqa: F401 (re-exported)
from .comparison import report_rows, write_workbook_of_lot
from .errors import DiagnosticError
from .lot_specs import (check_scheduler_address, distinct_folders, expand, lot_folder,  # noqa: F401
                        mark_lot)
from .report.index_page import write_index
from .text import format_number, slugify

@dataclass
class BatchOutcome:
    index: Path
    workbook: Path
    successes: list[dict] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)
    name: str = ""
    seconds: float = 0.0

    @property
    def skipped(self) -> int:
        return sum(1 for s in self.successes if s.get("skipped"))

    @property
    def built(self) -> int:
        return len(self.successes) - self.skipped


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


# ---------------------------------------------------------------------------
# The worker
# ---------------------------------------------------------------------------
_local = threading.local()
_sessions: list = []
_sessions_lock = threading.Lock()


def _kernel_session():
    """This thread's reusable kernel (shut down by :func:`shutdown_worker` or at exit)."""
    session = getattr(_local, "session", None)
    if session is None:
        from .report import KernelSession

        session = KernelSession()
        _adopt(session)
    else:
        _register(session)  # again, if a shutdown_worker() let it go
    return session


def _adopt(session) -> None:
    """Make ``session`` this thread's kernel."""
    _local.session = session
    _register(session)


def _register(session) -> None:
    """Shut ``session`` down with the others (:func:`shutdown_worker`, or at exit)."""
    with _sessions_lock:
        if not _sessions:
            import atexit

            atexit.register(shutdown_worker)
        if not any(s is session for s in _sessions):
            _sessions.append(session)


def shutdown_worker(idle_only: bool = False) -> None:
    """Shut down the kernels of this process's workers (every thread).

    ``idle_only``: leave those making a report (another lot on the same Dask
    cluster); a thread whose kernel was shut down starts a new one when needed.
    """
    with _sessions_lock:
        sessions = list(_sessions)
        _sessions.clear()
    kept = []
    for session in sessions:
        if idle_only:
            if not session.lock.acquire(blocking=False):
                kept.append(session)
                continue
            try:
                session.shutdown()
            finally:
                session.lock.release()
        else:
            session.shutdown()
    if kept:
        with _sessions_lock:
            _sessions.extend(kept)
    if not idle_only:
        _local.session = None


def build_one(spec: str, options: dict) -> dict:
    """Build (or skip) the report of one territory; never raises.

    ``options``: ``output_dir``, ``force``, ``peers``, ``reuse_kernel``. Returns
    a plain dict: ``ok``, ``reason`` (French, on failure), ``slug``, ``label``,
    ``html``, ``skipped``, ``seconds`` and the territory's ``indicators``.

    Runs in this thread's own context: Jupyter's client keeps its event loop in
    a context variable, and a pool that copies its caller's context into its
    threads (Dask's does) would otherwise give two threads the same loop.
    """
    context = getattr(_local, "context", None)
    if context is None:
        context = _local.context = contextvars.Context()
    return context.run(_build_one, spec, options)


def _build_one(spec: str, options: dict) -> dict:
    from . import report
    from .territory import resolve

    started = time.perf_counter()
    out = {"spec": spec, "ok": False, "reason": None, "skipped": False, "pid": os.getpid()}
    try:
        # A Dask worker learns the lot's folders; a local worker already has them (setting them
        # again would pin this process's configuration for good).
        if options.get("mirror") and Path(options["mirror"]) != config.mirror_dir():
            config.set_mirror(options["mirror"])
        if options.get("cache") and Path(options["cache"]) != config.cache_dir():
            config.set_cache(options["cache"])
        territory = resolve(spec)
        out.update(code=territory.code, name=territory.name, label=territory.label,
                   kind=territory.kind_label, slug=territory.slug, communes=len(territory.communes))
        session = _kernel_session() if options.get("reuse_kernel", True) else None
        with session.lock if session is not None else contextlib.nullcontext():
            result = report.build(territory, output_dir=options.get("output_dir"),
                                  peers=options.get("peers") or (), kernel=session,
                                  force=bool(options.get("force")), pdf=bool(options.get("pdf")),
                                  axes=options.get("axes"))
        out.update(ok=True, html=str(result.html), directory=str(result.directory),
                   skipped=result.skipped)
        try:
            rows = report_rows(result.directory / "indicateurs.csv")
            out["indicators"], out["departement"] = rows["territoire"], rows["departement"]
        except Exception:  # the index loses its figures, not the report
            out["indicators"], out["departement"] = [], []
    except DiagnosticError as exc:
        out["reason"] = exc.message
    except KeyboardInterrupt:
        raise
    except Exception as exc:
        if os.environ.get("DIAGNOSTIC_DEBUG"):
            traceback.print_exc()
        out["reason"] = f"erreur inattendue ({type(exc).__name__} : {exc})"
    out["seconds"] = round(time.perf_counter() - started, 2)
    return out


def _thread_worker(spec: str, options: dict, sessions) -> dict:
    """:func:`build_one` in a worker thread, with a kernel started beforehand when one is left."""
    if getattr(_local, "session", None) is None:
        try:
            _adopt(sessions.pop())
        except IndexError:
            pass
    return build_one(spec, options)


def prepare(territories: list[str]) -> None:
    """Warm the store for a lot: derived tables, and the reference values (département,
    région, France) of its territories computed once and kept in the store, where every
    kernel then reads them. Never raises: a kernel computes what is missing."""
    from . import data, indicators
    from .territory import resolve

    try:
        data.warm()
        resolved = []
        for spec in territories:
            try:
                resolved.append(resolve(spec))
            except DiagnosticError:
                continue  # reported by its worker
        indicators.warm_references(resolved)
    except Exception:  # pragma: no cover - a warm-up, never a failure
        if os.environ.get("DIAGNOSTIC_DEBUG"):
            traceback.print_exc()


# ---------------------------------------------------------------------------
# run()
# ---------------------------------------------------------------------------
def _progress(total: int):
    from tqdm import tqdm

    return tqdm(total=total, desc="Rapports", unit=" rapport", file=sys.stderr, dynamic_ncols=True,
                bar_format="{desc} : {n_fmt}/{total_fmt} |{bar}| {percentage:3.0f} % "
                           "[écoulé {elapsed}, reste {remaining}]{postfix}",
                disable=total == 0)


#: Seconds to reach a Dask scheduler before giving up.
DASK_CONNECT_TIMEOUT = 10


def run(specs, jobs: int | None = None, force: bool = False, output_dir=None, name: str | None = None,
        engine: str = "local", scheduler: str | None = None, communes_of: bool = False,
        peers=(), axes=None) -> BatchOutcome:
    """Build the reports of ``specs`` in parallel, then the lot's index and workbook."""
    if engine not in ("local", "dask"):
        raise DiagnosticError(f"Moteur d'exécution inconnu « {engine} ».", "Moteurs possibles : local, dask.")
    client = _dask_client(scheduler) if engine == "dask" else None
    try:
        return _run(specs, jobs, force, output_dir, name, client, communes_of, peers, axes)
    finally:
        if client is not None:
            client.close()


def _run(specs, jobs, force, output_dir, name, client, communes_of, peers, axes=None) -> BatchOutcome:
    started = time.perf_counter()
    # Local kernels start first (seconds to boot and warm up, on the other core) while the lot is
    # read; those a smaller lot does not need are stopped once it is known.
    early = _start_kernels(jobs or default_jobs()) if client is None else []
    try:
        set_name, territories, failures = expand(specs, communes_of=communes_of)
    except BaseException:
        for session in early:
            session.shutdown()
        raise
    territories = distinct_folders(territories)
    lot = slugify(name or set_name or "lot")
    out_dir = (Path(output_dir) if output_dir else config.reports_dir()).resolve()
    jobs = max(1, min(jobs or default_jobs(), max(1, len(territories))))
    options = {"output_dir": str(out_dir), "force": force, "peers": [str(p) for p in peers],
               "reuse_kernel": True, "mirror": str(config.mirror_dir()), "cache": str(config.cache_dir()),
               "axes": str(Path(axes).resolve()) if axes else None}
    results: list[dict] = []
    bar = _progress(len(territories))
    try:
        if client is not None:
            jobs = _run_dask(client, territories, options, bar, results)
        else:
            _run_local(territories, options, jobs, force, bar, results, early)
    finally:
        bar.close()
    order = {spec: i for i, spec in enumerate(territories)}
    results.sort(key=lambda r: order.get(r["spec"], 0))
    successes = [r for r in results if r.get("ok")]
    failures += [(str(r["spec"]), r.get("reason") or "raison inconnue") for r in results if not r.get("ok")]
    lot_dir, notice = lot_folder(out_dir, lot, [r.get("slug") for r in successes])
    if notice:
        print(notice, file=sys.stderr)
    lot = lot_dir.name
    mark_lot(lot_dir)
    seconds = time.perf_counter() - started
    outcome = BatchOutcome(index=lot_dir / "index.html", workbook=lot_dir / "comparaison.xlsx",
                           successes=successes, failures=failures, name=lot, seconds=seconds)
    write_workbook(outcome)
    write_index(outcome, lot_dir, jobs)
    _summary(outcome, len(territories))
    return outcome


def _start_kernels(count: int) -> list:
    """``count`` kernels, started without waiting for them (shut down with the workers)."""
    from .report import KernelSession  # the batch module stays importable without jupyter_client

    sessions = [KernelSession() for _ in range(count)]
    for session in sessions:
        _register(session)
        session.try_start()
    return sessions


def _run_local(territories, options, jobs, force, bar, results, early) -> None:
    """The worker pool of this machine: ``jobs`` kernels (of ``early``, started already: at
    least ``jobs``), driven by as many threads."""
    try:
        todo = territories if force else [t for t in territories if _needs_build(t, options)]
        wanted = min(jobs, len(todo))
        sessions = list(early[:wanted])
        for session in early[wanted:]:  # more than the lot needs
            session.shutdown()
        if todo:
            prepare(todo)
        # The geography, tables and libraries loaded so far live for the whole lot: out of the
        # garbage collector's sight while the reports are produced (given back at the end).
        gc.collect()
        gc.freeze()
        if jobs == 1:
            if sessions:
                _adopt(sessions.pop())
            for spec in territories:
                results.append(build_one(spec, options))
                _tick(bar, results)
            return
        with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="rapport") as pool:
            futures = {pool.submit(_thread_worker, spec, options, sessions): spec for spec in territories}
            try:
                for future in as_completed(futures):
                    try:
                        results.append(future.result())
                    except Exception as exc:  # build_one never raises: a bug
                        results.append({"spec": futures[future], "ok": False,
                                        "reason": f"erreur inattendue ({type(exc).__name__} : {exc})"})
                    _tick(bar, results)
            except KeyboardInterrupt:
                pool.shutdown(wait=False, cancel_futures=True)
                raise
    finally:
        gc.unfreeze()
        shutdown_worker()


def _needs_build(spec: str, options: dict) -> bool:
    """False when the report of ``spec`` is up to date (a failure is left to the worker)."""
    from . import report
    from .territory import resolve

    try:
        territory = resolve(spec)
        dest = Path(options["output_dir"]) / territory.slug
        expected = report.fingerprint(territory, options.get("peers") or (), axes=options.get("axes"))
        return not report.is_up_to_date(dest, expected)
    except Exception:
        return True


def _dask_client(scheduler: str | None):
    """A client of the Dask cluster at ``scheduler``, or a French error saying what to do."""
    try:
        import distributed
    except ImportError:
        raise DiagnosticError(
            "Le moteur Dask demande les paquets « dask » et « distributed », absents de cet "
            "environnement.",
            "Installez-les (pip install 'diagnostic[dask]'), ou utilisez le moteur local "
            "(par défaut).") from None
    if scheduler:
        scheduler = check_scheduler_address(scheduler)
    if not scheduler:
        raise DiagnosticError("Le moteur Dask demande l'adresse de son planificateur.",
                              "Indiquez-la avec --planificateur ADRESSE (par exemple "
                              "tcp://10.0.0.5:8786), ou utilisez le moteur local (par défaut).")
    try:
        return distributed.Client(scheduler, timeout=DASK_CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DiagnosticError(
            f"Le planificateur Dask « {scheduler} » est injoignable ({detail}).",
            "Vérifiez l'adresse et que le planificateur est démarré (dask scheduler), "
            "ou utilisez le moteur local (par défaut).") from None


def _run_dask(client, territories, options, bar, results) -> int:
    """Submit :func:`build_one` per territory to the cluster; return its number of threads."""
    import distributed

    try:
        threads = sum(client.nthreads().values()) or 1
    except Exception:
        threads = 1
    prepare(territories)  # the store is shared: reference values computed once, here
    lot = uuid.uuid4().hex[:8]
    futures = {client.submit(build_one, spec, options, key=f"rapport-{slugify(str(spec))[-40:]}-{lot}-{i}",
                             pure=False): spec for i, spec in enumerate(territories)}
    try:
        for future in distributed.as_completed(futures, loop=client.loop):
            try:
                results.append(future.result())
            except Exception as exc:  # the task itself failed (a worker died...)
                results.append({"spec": futures[future], "ok": False,
                                "reason": f"tâche Dask en échec ({type(exc).__name__} : {exc})"})
            _tick(bar, results)
    except KeyboardInterrupt:
        client.cancel(list(futures))
        raise
    finally:
        try:  # the workers' kernels: not left running on the cluster after the lot
            client.run(shutdown_worker, True)
        except Exception:
            pass
    return threads


def _tick(bar, results: list[dict]) -> None:
    bar.update(1)
    failed = sum(1 for r in results if not r.get("ok"))
    skipped = sum(1 for r in results if r.get("skipped"))
    post = []
    if skipped:
        post.append(f"{skipped} à jour")
    if failed:
        post.append(f"{failed} échec{'s' if failed > 1 else ''}")
    bar.set_postfix_str(", ".join(post), refresh=True)


def _summary(outcome: BatchOutcome, total: int) -> None:
    minutes = outcome.seconds / 60
    rate = outcome.built / minutes if minutes and outcome.built else 0
    lines = [f"Lot « {outcome.name} » : {len(outcome.successes)} rapport(s) disponible(s), "
             f"dont {outcome.built} produit(s) et {outcome.skipped} déjà à jour ; "
             f"{len(outcome.failures)} échec(s) ; {format_number(outcome.seconds, 0)} s"
             + (f" ({format_number(rate, 1)} rapports par minute)" if rate else "") + "."]
    for spec, reason in outcome.failures:
        lines.append(f"  Échec {spec} : {reason}")
    lines.append(f"Index : {outcome.index}")
    lines.append(f"Comparaison : {outcome.workbook}")
    print("\n".join(lines), file=sys.stderr)


def write_workbook(outcome: BatchOutcome) -> Path:
    """``comparaison.xlsx`` (:mod:`diagnostic.comparison`)."""
    return write_workbook_of_lot(outcome, outcome.workbook.parent)


__all__ = ["run", "build_one", "expand", "BatchOutcome", "write_index", "write_workbook", "default_jobs",
           "distinct_folders", "is_lot_folder", "lot_folder", "check_scheduler_address", "LOT_MARKER"]
