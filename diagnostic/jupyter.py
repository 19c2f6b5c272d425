"""The kit in a Jupyter kernel: its errors as French messages, its figures shown.

Installed by :mod:`diagnostic.api` when it is imported in a kernel (``import
diagnostic as dg`` then any ``dg.…`` call); outside a kernel it does nothing and
never imports IPython.
"""
from __future__ import annotations

import os
import sys

from .errors import DiagnosticError


def _show_french_error(shell, etype, value, tb, tb_offset=None):
    """IPython's custom handler for the kit's exceptions (``set_custom_exc``)."""
    if os.environ.get("DIAGNOSTIC_DEBUG"):
        return shell.showtraceback((etype, value, tb), tb_offset=tb_offset, running_compiled_code=True)
    lines = [f"Erreur : {value.message}"] + ([value.hint] if value.hint else [])
    # The kernel's own error message (ename, evalue), with the French text as its only "traceback":
    # papermill and the report still see a failed cell.
    shell._showtraceback(etype, value, lines)
    return None


def _figure_png(fig) -> bytes:
    from .charts import figure_to_png_bytes  # matplotlib is loaded once a figure exists

    return figure_to_png_bytes(fig)


def install() -> bool:
    """In a Jupyter kernel: the kit's errors as their French message only, and figures shown.

    The figures of ``dg.graphique`` and ``dg.carte`` are not managed by
    pyplot; without the inline backend (``MPLBACKEND=Agg``, papermill) IPython
    would print ``<Figure size …>``. Registered by name, as a fallback: the
    inline backend's own PNG formatter, when active, comes first.
    """
    ipython = sys.modules.get("IPython")  # never import IPython outside a kernel
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None or not hasattr(shell, "set_custom_exc"):
        return False
    shell.set_custom_exc((DiagnosticError,), _show_french_error)
    png = shell.display_formatter.formatters["image/png"]
    png.for_type_by_name("matplotlib.figure", "Figure", _figure_png)
    return True
