"""One module per official product; importing this package registers them all."""
from . import bpe, caf, cog, comparateur, filosofi, intercommunalites, mobpro, observatoire, recensement, rp_iris  # noqa: F401
from . import filosofi_iris, filosofi_niveaux, qpv  # noqa: F401
from .base import REGISTRY, Dataset, Product, find, refresh  # noqa: F401
