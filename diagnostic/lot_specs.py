"""What a lot contains and where it goes: specs expanded, folders kept distinct, lot folder named.

* :func:`expand`: codes, names and ``territories/*.yaml`` files (perimeters or lots) into
  territory specs; a bad file or an empty spec is one failure among the others.
* :func:`distinct_folders`: two perimeters with the same ``nom`` get two report folders.
* :func:`lot_folder` / :func:`mark_lot`: the lot's folder is never one a report would replace.
* :func:`check_scheduler_address`: a Dask address checked before any connection.
"""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from .atomic import LOT_MARKER, output_error
from .errors import DiagnosticError, UsageError
from .territory import is_set_file, load_set, perimeter_path, resolve


def expand(specs, communes_of: bool = False) -> tuple[str | None, list[str], list[tuple[str, str]]]:
    """(set name, territory specs, failures) from codes and territories/*.yaml set files.

    A set file contributes its ``territoires`` and ``communes_de``; a perimeter
    file stays one territory. ``communes_of`` replaces each territory by its
    communes.
    """
    if isinstance(specs, (str, Path)):
        specs = [specs]
    name, out, failures = None, [], []
    for spec in specs:
        spec = str(spec).strip()
        if not spec:
            failures.append(("(vide)", "territoire vide : donnez un code, un nom ou un fichier"))
            continue
        try:  # a bad file is one failure among the others, as inside a lot file
            path = perimeter_path(spec)
            if path is not None and is_set_file(path):
                set_name, members = load_set(path)
                name = name or set_name
                out.extend(members)
            else:
                out.append(str(path.resolve()) if path is not None else spec)
        except DiagnosticError as exc:
            failures.append((spec, exc.message))
    if communes_of:
        expanded = []
        for spec in out:
            try:
                territory = resolve(spec)
            except DiagnosticError as exc:
                failures.append((spec, exc.message))
                continue
            expanded.extend(territory.communes)
            if name is None and len(out) == 1:
                name = f"communes-{territory.slug}"
        out = expanded
    return name, list(dict.fromkeys(out)), failures


def distinct_folders(specs: list) -> list:
    """``specs`` where perimeters sharing a folder name (same ``nom``) get a distinct one.

    The first keeps its name; the others are resolved here and renamed « nom (fichier) »,
    so that no report overwrites another in the lot.
    """
    seen: set[str] = set()
    out = []
    for spec in specs:
        if isinstance(spec, str) and spec.lower().endswith((".yaml", ".yml")):
            try:
                territory = resolve(spec)
            except DiagnosticError:
                out.append(spec)  # its worker reports the failure
                continue
            if territory.slug in seen:
                territory = replace(territory, name=f"{territory.name} ({Path(spec).stem})")
                spec = territory
            seen.add(territory.slug)
        out.append(spec)
    return out


def lot_folder(out_dir: Path, lot: str, report_slugs) -> tuple[Path, str | None]:
    """The lot's folder, and a French notice when its name had to change.

    A lot named like one of its reports' folders (``--nom l-aigle-61214``), or like a
    report folder already there, goes to ``lot-<nom>``: a later ``rapport`` would replace it.
    """
    folder = out_dir / lot
    if lot in set(report_slugs) or (folder / "metadonnees.json").exists():
        renamed = out_dir / f"lot-{lot}"
        return renamed, (f"Le nom du lot « {lot} » est celui du dossier d'un rapport : l'index du lot "
                         f"est écrit dans « {renamed.name} ».")
    return folder, None


_SCHEDULER = re.compile(r"((tcp|tls|ucx|ws|wss|inproc)://)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+)(:\d{1,5})?/?")


def check_scheduler_address(address: str) -> str:
    """``address`` if it looks like a Dask scheduler address, else a French usage error (no connection)."""
    text = str(address).strip()
    if not text or not _SCHEDULER.fullmatch(text):
        raise UsageError(f"« {address} » n'est pas une adresse de planificateur Dask.",
                         "Forme attendue : tcp://HÔTE:PORT (par exemple tcp://10.0.0.5:8786), "
                         "ou HÔTE:PORT.")
    return text


def mark_lot(lot_dir: Path) -> None:
    """Create the lot's folder with its marker (:data:`diagnostic.atomic.LOT_MARKER`)."""
    try:
        lot_dir.mkdir(parents=True, exist_ok=True)
        (lot_dir / LOT_MARKER).touch()
    except OSError as exc:
        raise output_error(exc, lot_dir) from None
