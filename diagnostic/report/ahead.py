"""Sections a single report's command renders ahead, for its own kernel.

While the kernel of ``diagnostic rapport`` runs the notebook, the command's process
would only wait: it renders meanwhile the costly sections that come late in the
notebook (:data:`AHEAD`: the maps) and leaves each one, whole, in a folder that the
kernel knows from ``$DIAGNOSTIC_SECTIONS_PRETES``. When the notebook reaches such a
section, :meth:`Diagnostic.section <diagnostic.report.diagnostic.Diagnostic.section>`
takes the file if it is there — the same kit, data and territory make the same HTML —
and renders the section itself otherwise. A batch's kernels never get the variable:
there both cores are busy with reports.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

#: Environment variable of a report kernel: the folder of the sections rendered ahead.
ENV = "DIAGNOSTIC_SECTIONS_PRETES"
#: Sections rendered ahead, in this order: late in the notebook and costly.
AHEAD = ("cartes",)
#: Prefix of the folders (then the process id): ``diagnostic-sections-<pid>-…``.
PREFIX = "diagnostic-sections-"


def new_folder() -> Path | None:
    """A private temporary folder for one report's sections (None if none can be made: then
    the kernel renders everything). Folders left by a command that was killed are removed."""
    try:
        for old in Path(tempfile.gettempdir()).glob(PREFIX + "*-*"):
            pid = old.name[len(PREFIX):].split("-")[0]
            if pid.isdigit() and not _alive(int(pid)):
                shutil.rmtree(old, ignore_errors=True)
        return Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))
    except OSError:
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process
        return True
    return True


def _file_name(dg, key: str) -> str:
    """One name per section and per report (territory, its communes, peers and axes)."""
    t = dg.territory
    what = "\n".join([key, t.kind, t.code, ",".join(t.communes), ",".join(p.code for p in dg.peers),
                      repr(dg.axes)])
    return f"{key}-{hashlib.sha256(what.encode('utf-8')).hexdigest()[:24]}.html"


def lookup(dg, key: str) -> str | None:
    """The HTML of the section ``key`` of this report as rendered ahead, if it is ready."""
    folder = os.environ.get(ENV)
    if not folder or key not in AHEAD:
        return None
    try:
        return (Path(folder) / _file_name(dg, key)).read_text(encoding="utf-8")
    except OSError:  # not there (yet): the kernel renders it
        return None


def render(dg, folder: Path) -> None:
    """Render the sections of :data:`AHEAD` into ``folder`` (each file appears whole)."""
    for key in AHEAD:
        html = dg.section(key)
        path = Path(folder) / _file_name(dg, key)
        tmp = path.with_name("." + path.name + ".tmp")
        tmp.write_text(html, encoding="utf-8")
        os.replace(tmp, path)
