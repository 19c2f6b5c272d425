"""Files the kit ships beside its code: the report notebook and the example territories.

In a checkout they live at the top of the project (``notebooks/``, ``territories/``,
where JupyterLab users open them); an installed kit carries a copy of the same files
under ``diagnostic/shipped/`` (copied by ``setup.py`` when the wheel is built), so
that a ``pip install`` works from any folder. The checkout's files win when both
exist: they are the single source of truth.
"""
from __future__ import annotations

from pathlib import Path

from . import config
from .errors import ReportError

NOTEBOOK_NAME = "diagnostic.ipynb"
#: Copies made at build time (see setup.py), inside the installed package.
SHIPPED_DIR = Path(__file__).with_name("shipped")


def notebook_path() -> Path:
    """The report notebook: the checkout's ``notebooks/``, else the installed copy."""
    for candidate in (config.PROJECT_ROOT / "notebooks" / NOTEBOOK_NAME,
                      SHIPPED_DIR / "notebooks" / NOTEBOOK_NAME):
        if candidate.is_file():
            return candidate
    raise ReportError(f"Notebook du rapport introuvable ({NOTEBOOK_NAME}).",
                      f"Il doit se trouver dans {config.PROJECT_ROOT / 'notebooks'} ou être installé "
                      "avec le kit ; réinstallez le kit (pip install .).")


def territories_dir() -> Path:
    """The example territories and lots: the checkout's ``territories/``, else the installed copy."""
    checkout = config.PROJECT_ROOT / "territories"
    if checkout.is_dir() or not (SHIPPED_DIR / "territories").is_dir():
        return checkout
    return SHIPPED_DIR / "territories"
