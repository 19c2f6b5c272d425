"""The report's sections, one module each, registered once (papermill-engine style).

A section module creates its :class:`Section` and calls :func:`register`; every
module of this folder is imported below, so a new module is registered without
touching any list. The notebook calls ``dg.section(key)`` for each section, in
the order of :func:`all`; tests check that every catalogue theme has a section,
that every section has its notebook cell and that every cell names a section.

Adding a section = one module here (its :class:`Section` and ``render``) + its
cell (heading and ``dg.section("clé")``) in ``notebooks/diagnostic.ipynb``.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import Callable

from ...catalogue import check_ids
from ...errors import DiagnosticError


@dataclass(frozen=True)
class Section:
    key: str
    #: Number in the report ("1", "2.3"...): the order of the sections and of the notebook cells.
    number: str
    title: str
    #: ``render(dg) -> Html``: the section's content (never raises for missing data).
    render: Callable
    #: Catalogue themes whose indicators the section shows (theme sections only).
    themes: tuple[str, ...] = ()
    #: Share indicators drawn as comparison bars (the first two with a value).
    bars: tuple[str, ...] = ()
    #: Products whose absence from the mirror explains an empty section.
    products: tuple[str, ...] = ()
    #: Special charts drawn before the bars: ``build(dg) -> Figure | Html``.
    charts: tuple[Callable, ...] = ()

    @property
    def heading(self) -> str:
        """Heading of the section in the report and the notebook (« 2.1 Démographie »)."""
        if not self.number:
            return self.title
        return f"{self.number}. {self.title}" if "." not in self.number else f"{self.number} {self.title}"

    @property
    def sort_key(self) -> tuple[int, ...]:
        return tuple(int(p) for p in self.number.split(".")) if self.number else (99,)


_REGISTRY: dict[str, Section] = {}


def register(section: Section) -> Section:
    """Add ``section`` to the report (its bar ids must be catalogue ids)."""
    if section.key in _REGISTRY and _REGISTRY[section.key] is not section:
        raise DiagnosticError(f"La section « {section.key} » est déclarée deux fois.",
                              "Chaque section du rapport a un seul module dans diagnostic/report/sections/.")
    check_ids(section.bars, f"les barres de la section « {section.key} »")
    _REGISTRY[section.key] = section
    return section


def get(key: str) -> Section:
    """The section ``key``, or a French error listing the known ones."""
    try:
        return _REGISTRY[key]
    except KeyError:
        raise DiagnosticError(f"Section du rapport inconnue : « {key} ».",
                              "Sections connues : " + ", ".join(s.key for s in all()) + ".") from None


def all() -> list[Section]:  # noqa: A001 - the registry's verb, as papermill's engines
    """Every section, in the report's order."""
    return sorted(_REGISTRY.values(), key=lambda s: s.sort_key)


def themed() -> list[Section]:
    """The sections that show catalogue themes (the « Portrait thématique »)."""
    return [s for s in all() if s.themes]


def _discover() -> None:
    """Import every section module of this folder (each registers itself)."""
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")


_discover()
