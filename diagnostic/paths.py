"""Paths a user gives (perimeter files, output folders), resolved the same way everywhere.

The CLI runs in the user's shell, papermill may run a notebook from another
folder, and JupyterLab starts a kernel in the notebook's own folder: a relative
path such as ``territories/mon-perimetre.yaml`` must mean the same file in all
three cases. So every relative path is read against the *caller's* folder
(``dossier``: the shell's working directory, passed as a notebook parameter),
then against that folder's parents (a notebook in ``notebooks/`` finds the
project's ``territories/``), then among the examples shipped with the kit.
A path found nowhere is a French :class:`PerimeterError` listing where it was
looked for.
"""
from __future__ import annotations

import os
from pathlib import Path

from . import config
from .errors import DiagnosticError, PerimeterError

#: The perimeter and territory-set files shipped with the kit.
EXAMPLES_DIR = config.PROJECT_ROOT / "territories"

PERIMETER_SUFFIXES = (".yaml", ".yml")


def is_perimeter_spec(spec) -> bool:
    """True when ``spec`` names a perimeter or territory-set file (``*.yaml``)."""
    return isinstance(spec, (str, os.PathLike)) and str(spec).strip().lower().endswith(PERIMETER_SUFFIXES)


def caller_dir(dossier: str | os.PathLike | None = None) -> Path:
    """The folder relative paths are read from: ``dossier`` if given, else the working directory."""
    if dossier is None or str(dossier).strip() == "":
        return Path.cwd()
    base = Path(dossier).expanduser()
    if not base.is_dir():
        raise PerimeterError(f"Le dossier de travail « {dossier} » n'existe pas.",
                             "Indiquez le dossier d'où les chemins relatifs sont donnés "
                             "(par exemple le dossier du projet), ou laissez-le vide.")
    return base.resolve()


def input_candidates(spec: str | os.PathLike, dossier=None) -> list[Path]:
    """Where a perimeter file is looked for, in order of precedence."""
    path = Path(str(spec).strip()).expanduser()
    if path.is_absolute():
        return [path]
    base = caller_dir(dossier)
    out = [base / path]
    out += [parent / path for parent in base.parents]          # the project above a notebooks/ folder
    out += [base / "territories" / path, EXAMPLES_DIR / path, EXAMPLES_DIR / path.name]
    return list(dict.fromkeys(out))


def input_file(spec: str | os.PathLike, dossier=None) -> Path:
    """The perimeter or territory-set file ``spec`` names, as an absolute path.

    >>> input_file("territories/cc-pays-de-laigle.yaml").name
    'cc-pays-de-laigle.yaml'
    >>> input_file("cc-pays-de-laigle.yaml") == input_file("territories/cc-pays-de-laigle.yaml")
    True
    """
    candidates = input_candidates(spec, dossier)
    for candidate in candidates:
        if candidate.is_file():
            return candidate.resolve()
    shown = "\n".join(f"  - {c}" for c in candidates[:4])
    raise PerimeterError(
        f"Fichier de périmètre introuvable : « {spec} ».",
        f"Chemins essayés :\n{shown}\nVérifiez le nom du fichier ; un chemin relatif se lit depuis "
        f"le dossier de travail (paramètre « dossier »), puis le dossier territories/ du projet, "
        f"puis les exemples du kit ({EXAMPLES_DIR}).")


def output_path(sortie: str | os.PathLike, dossier=None) -> Path:
    """An output file or folder the user names: absolute, or relative to the caller's folder.

    Its parent folder must exist or be creatable; nothing is written here.
    """
    text = str(sortie).strip()
    if not text:
        raise DiagnosticError("Aucun chemin de sortie indiqué.", "Donnez un fichier ou un dossier de sortie.")
    path = Path(text).expanduser()
    path = path if path.is_absolute() else caller_dir(dossier) / path
    existing = next((p for p in [path, *path.parents] if p.exists()), None)
    if existing is not None and not existing.is_dir() and existing != path:
        raise DiagnosticError(f"Impossible d'écrire dans « {sortie} » : {existing} est un fichier, "
                              "pas un dossier.", "Choisissez un autre chemin de sortie.")
    return path.resolve()
