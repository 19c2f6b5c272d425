"""The HTML report: papermill runs the thin notebook, nbconvert exports one page.

* :mod:`.pipeline` — ``build(territory)``: atomic output folder, metadata, fingerprint;
* :mod:`.kernel` — warm Jupyter kernels reused across reports;
* :mod:`.execute` — the papermill engine, the failing section of a notebook;
* :mod:`.convert` — nbconvert to one self-contained HTML page;
* :mod:`.assets` — the package files of ``templates/`` (Jinja, CSS, JS);
* :mod:`.diagnostic` — the :class:`Diagnostic` the notebook calls, whose sections
  are the modules of :mod:`.sections` (registered once), built from
  :mod:`.tables`, :mod:`.prose` and :mod:`.special_charts`.

Only the build side is imported here: the notebook side (pandas, matplotlib,
the kit's tables) lives in the kernel, ``from diagnostic.report.diagnostic import Diagnostic``.
"""
from ..resources import notebook_path
from .convert import external_references, to_html
from .execute import RESET_TAG, territory_spec
from .kernel import KernelSession
from .pipeline import ReportResult, build, fingerprint, is_up_to_date, write_metadata

__all__ = ["build", "ReportResult", "KernelSession", "fingerprint", "is_up_to_date", "notebook_path",
           "to_html", "external_references", "write_metadata", "territory_spec", "RESET_TAG"]
