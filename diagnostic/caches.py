"""One switch for every in-process cache of the kit (:func:`clear_caches`).

Needed after the mirror or the store changes under a running process (a notebook,
a test): the mirror listing, the commune tables, the catalogue, the geography, the
resolved territories, the indicator plans and aggregations, the contours... are
all forgotten. Modules are found in ``sys.modules`` rather than imported: a module
never imported has nothing cached, and importing the map stack (geopandas) only to
clear it would cost seconds.
"""
from __future__ import annotations

import inspect
import sys


def _lru_functions(module) -> list:
    """The functools caches defined in ``module``: functions and methods of its classes."""
    out = []
    for value in vars(module).values():
        if getattr(value, "__module__", None) != module.__name__:
            continue
        if hasattr(value, "cache_clear"):
            out.append(value)
        elif inspect.isclass(value):
            out.extend(v for v in vars(value).values() if hasattr(v, "cache_clear"))
    return out


def clear_caches() -> None:
    """Forget every cached table, territory, plan and listing of this process."""
    package = __name__.rpartition(".")[0]
    modules = [m for name, m in sorted(sys.modules.items())
               if m is not None and (name == package or name.startswith(package + "."))]
    for module in modules:
        for function in _lru_functions(module):
            function.cache_clear()
        for name in ("clear_cache", "clear_memory", "refresh"):
            clear = vars(module).get(name)
            if callable(clear) and getattr(clear, "__module__", None) == module.__name__:
                clear()
