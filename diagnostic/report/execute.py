"""Running the report notebook with papermill, in a fresh or a reused kernel.

A reused kernel first runs a cell that empties its namespace (``%reset -f``),
removed from the executed notebook with the execution counts renumbered, and
the injected parameters cell has a fixed id: a report made in a warm kernel is
the same as one made alone. A failing cell becomes a :class:`Failure` naming
its report section.

papermill and nbformat are imported in the functions that use them: together about a
second of imports, which a fresh report spends while its kernel starts (pipeline.build).
"""
from __future__ import annotations

import copy
import logging
import subprocess
import sys
from pathlib import Path

from ..resources import notebook_path
from .kernel import KERNEL_NAME, KernelSession

EXECUTED_NAME = "rapport.ipynb"

#: Longest a notebook cell may run (seconds) before the report is declared failed.
CELL_TIMEOUT = 900

#: Tag of the cell inserted first when a kernel is reused across reports.
RESET_TAG = "reinitialisation-noyau"


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


def error_detail(exc) -> str:
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = str(getattr(exc, "evalue", exc)).strip()
    return f"{ename} : {evalue}" if evalue else ename


def light_imports() -> None:
    """Keep an optional, slow import out of nbformat's: jsonschema imports
    ``rfc3987_syntax``, when installed, for its "iri" formats, and building that
    grammar takes most of a second; notebooks never use those formats."""
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # import then fails: format skipped


_notebooks: dict[tuple, object] = {}


def _read_notebook(path: Path):
    """The notebook at ``path`` (a fresh copy; parsed once per process and file version)."""
    light_imports()
    import nbformat

    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _notebooks:
        _notebooks[key] = nbformat.read(path, as_version=4)
    return copy.deepcopy(_notebooks[key])


def execute(territory, peers, workdir: Path, notebook: Path | None = None, session: KernelSession | None = None,
            parameters: dict | None = None, kernel_name: str = KERNEL_NAME):
    """Run the notebook into ``workdir`` (executed notebook and side files); return the nb node."""
    light_imports()
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
        raise Failure(section, error_detail(exc), out_path) from exc
    except Exception as exc:  # kernel died, timeout...
        raise Failure("exécution du notebook", error_detail(exc),
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


class Failure(Exception):
    """A notebook that failed in the report section ``section`` (its executed copy: ``notebook``)."""

    def __init__(self, section: str, detail: str, notebook: Path | None):
        super().__init__(detail)
        self.section, self.detail, self.notebook = section, detail, notebook
