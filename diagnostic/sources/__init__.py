"""One module per official product; importing this package registers them all."""
from . import cog, comparateur, filosofi, intercommunalites  # noqa: F401
from .base import REGISTRY, Dataset, Product, find, refresh  # noqa: F401
