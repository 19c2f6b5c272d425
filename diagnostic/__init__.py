"""Diagnostic territorial reproductible à partir des données officielles (INSEE, Cnaf).

The public API::

    import diagnostic as dg
    territory = dg.resolve("246100663")      # CU d'Alençon
"""
__version__ = "0.1.0"


def clear_caches() -> None:
    """Forget every in-process cache of the kit (mirror listing, tables, territories...)."""
    from .caches import clear_caches as clear  # lazy: `import diagnostic` stays instant

    clear()
