"""Axes of a convention (CTG): the candidate axes, or a convention's own axes from a YAML file.

An axes file is a YAML list; each axis has an ``id``, a ``titre``, a short
``description`` and what it takes: ``themes`` (catalogue themes), ``indicateurs``
(catalogue ids) and ``kinds`` (finding kinds such as ``qpv``). A finding goes to
the axis that names its indicator, else its kind, else its theme (the first such
axis in the file); the other matching axes become secondary tags. What no axis
takes goes under « Autres constats ».

Use :func:`diagnostic.findings.load_axes` to read a file: it checks the kinds
against the registered finding kinds. Without a file, the candidate axes (``axes-candidats.yaml``) are used and a
finding goes to the first axis its indicator lists in the catalogue.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import catalogue as cat
from .errors import ConfigurationError
from .safe_yaml import load_yaml

CANDIDATES_PATH = Path(__file__).with_name("axes-candidats.yaml")
OTHER_ID = "autres_constats"
OTHER_TITLE = "Autres constats"
_KEYS = ("id", "titre", "description", "themes", "indicateurs", "kinds")
_HINT = "Modèles : territories/axes-ctg-4-axes.yaml et territories/axes-ctg-pays-de-laigle.yaml."


@dataclass(frozen=True)
class Axis:
    id: str
    titre: str
    description: str = ""
    themes: tuple[str, ...] = ()
    indicateurs: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()


OTHER = Axis(OTHER_ID, OTHER_TITLE, "Constats qu'aucun axe de la convention ne retient.")


@dataclass(frozen=True)
class AxisSet:
    """The axes findings are grouped under, in display order (« Autres constats » last)."""

    axes: tuple[Axis, ...]
    source: str = ""
    from_catalogue: bool = False

    def __deepcopy__(self, memo):
        # Immutable: pandas deep-copies a frame's attrs (where the findings keep their
        # AxisSet) on every operation, which this makes free.
        return self

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(a.id for a in self.axes) + (OTHER_ID,)

    def title(self, axis_id: str) -> str:
        return next((a.titre for a in self.axes if a.id == axis_id), OTHER_TITLE)

    def get(self, axis_id: str) -> Axis:
        return next((a for a in self.axes if a.id == axis_id), OTHER)

    def assign(self, indicator: str, theme: str, kind: str,
               catalogue_axes: tuple[str, ...] = ()) -> tuple[str, tuple[str, ...]]:
        """(primary axis id, secondary axis ids) of a finding."""
        if self.from_catalogue:
            known = [a for a in catalogue_axes if a in self.ids]
            return (known[0], tuple(known[1:])) if known else (OTHER_ID, ())
        scored = []
        for position, axis in enumerate(self.axes):
            score = 3 if indicator in axis.indicateurs else 2 if kind in axis.kinds else \
                1 if theme in axis.themes else 0
            if score:
                scored.append((-score, position, axis.id))
        if not scored:
            return OTHER_ID, ()
        ranked = [axis_id for *_, axis_id in sorted(scored)]
        return ranked[0], tuple(ranked[1:])


def _fail(path, where: str, message: str) -> ConfigurationError:
    return ConfigurationError(f"Fichier d'axes {path}, {where} : {message}", _HINT)


def _names(value, path, where: str, key: str, known, what: str) -> tuple[str, ...]:
    """Validated names; ``known`` is called only when names are given (the catalogue is lazy)."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(path, where, f"« {key} » doit être une liste de noms.")
    known = known() if value else ()
    unknown = [v for v in value if v not in known]
    if unknown:
        raise _fail(path, where, f"{what} inconnu(s) dans « {key} » : {', '.join(unknown)} "
                                 f"(possibles : {', '.join(sorted(known))[:400]}).")
    return tuple(value)


def parse(raw, path, kinds=(), require_content: bool = True) -> AxisSet:
    """Validate a list of axes read from ``path`` (``kinds``: the known finding kinds)."""
    if not isinstance(raw, list) or not raw:
        raise _fail(path, "racine", "une liste d'axes est attendue (au moins un axe, chacun avec "
                                    "id, titre, description, themes, indicateurs, kinds).")
    axes, seen = [], set()
    for position, entry in enumerate(raw, start=1):
        where = f"axe n° {position}"
        if not isinstance(entry, dict):
            raise _fail(path, where, "chaque axe doit être une table (id, titre…).")
        ident, title = entry.get("id"), entry.get("titre")
        if not isinstance(ident, str) or not ident.strip():
            raise _fail(path, where, "« id » manquant.")
        where = f"axe « {ident} »"
        if ident in seen or ident == OTHER_ID:
            raise _fail(path, where, "identifiant en double ou réservé.")
        seen.add(ident)
        if not isinstance(title, str) or not title.strip():
            raise _fail(path, where, "« titre » manquant.")
        unknown = sorted(str(k) for k in set(entry) - set(_KEYS))
        if unknown:
            raise _fail(path, where, f"clé(s) inconnue(s) : {', '.join(unknown)} (attendues : {', '.join(_KEYS)}).")
        axis = Axis(
            id=ident, titre=" ".join(title.split()), description=" ".join(str(entry.get("description") or "").split()),
            themes=_names(entry.get("themes"), path, where, "themes", lambda: cat.THEMES, "thème"),
            indicateurs=_names(entry.get("indicateurs"), path, where, "indicateurs", lambda: cat.catalogue(),
                               "indicateur"),
            kinds=_names(entry.get("kinds"), path, where, "kinds", lambda: kinds, "type de constat"),
        )
        if require_content and not (axis.themes or axis.indicateurs or axis.kinds):
            raise _fail(path, where, "l'axe ne retient aucun thème, indicateur ni type de constat.")
        axes.append(axis)
    return AxisSet(tuple(axes), str(path))


def read(path: str | Path):
    """The YAML content of an axes file, with French errors (bounded: :mod:`diagnostic.safe_yaml`)."""
    return load_yaml(path, ConfigurationError, "fichier d'axes", _HINT)


def load(path: str | Path, kinds=()) -> AxisSet:
    """Read and validate an axes file; its ``kinds`` must be among ``kinds``.

    :func:`diagnostic.findings.load_axes` passes the registered finding kinds (this module
    stays a leaf that the catalogue can import).
    """
    return parse(read(path), path, kinds)


def _candidates() -> AxisSet:
    axes = parse(read(CANDIDATES_PATH), CANDIDATES_PATH, kinds=(), require_content=False)
    return AxisSet(axes.axes, str(CANDIDATES_PATH), from_catalogue=True)


_DEFAULT = _candidates()

#: Candidate axis ids and titles (the keys catalogue.yaml's ``axes`` may use).
CANDIDATE_AXES = {a.id: a.titre for a in _DEFAULT.axes}


def default() -> AxisSet:
    """The candidate axes of a CTG (no file given)."""
    return _DEFAULT
