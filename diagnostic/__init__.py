"""Diagnostic territorial reproductible à partir des données officielles (INSEE, Cnaf).

The public API (:mod:`diagnostic.api`), one function per verb of the command line::

    import diagnostic as dg
    t = dg.territoire("246100663")            # CU d'Alençon
    dg.indicateurs(t)                         # tidy DataFrame: indicator × level
    dg.enjeux(t, axes=["logement"])           # findings by CTG axis
    dg.carte(t, "part_75_ans_et_plus")        # matplotlib Figure
    dg.rapport(t)                             # path of reports/<territoire>/rapport.html

The API is loaded on first use, so that ``import diagnostic`` (done by the CLI
and by every report kernel) stays as fast as importing this file.
"""
__version__ = "0.1.0"

#: The public functions, all defined in :mod:`diagnostic.api`.
__all__ = ["territoire", "indicateurs", "communes", "liste_indicateurs", "enjeux", "graphique", "carte",
           "exporter", "rapport", "lot", "donnees", "clear_caches"]


def __getattr__(name: str):
    if name in __all__ and name != "clear_caches":
        from . import api  # deferred: pandas and the data layer only when the API is used

        return getattr(api, name)
    raise AttributeError(f"module 'diagnostic' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])

def clear_caches() -> None:
    """Forget every in-process cache of the kit (mirror listing, tables, territories...).

    Call it after changing the mirror or the store behind a running session:

    >>> import diagnostic as dg
    >>> dg.clear_caches()
    """
    from .caches import clear_caches as clear  # lazy: `import diagnostic` stays instant

    clear()
