"""The public Python API: one function per verb of the ``diagnostic`` command.

``import diagnostic as dg`` gives analysts in JupyterLab the same vocabulary as
the command line (``dg.territoire``, ``dg.indicateurs``, ``dg.enjeux``…), plain
functions that return tidy pandas DataFrames, matplotlib figures or the paths
written, in the manner of pynsee. Columns keep the English keys of the JSON
output (``diagnostic indicateurs --format json``), which are the stable public
interface. Every function accepts a :class:`~diagnostic.territory.Territory` or
anything ``diagnostic territoire`` accepts (code, name, ``*.yaml`` file).

Errors are the kit's exceptions (:class:`~diagnostic.errors.DiagnosticError`)
with their French message; in a Jupyter kernel only that message is shown,
not a Python traceback (``DIAGNOSTIC_DEBUG=1`` shows it).

The examples below run on the mirror of official files (tests/test_api.py runs
them).
"""
from __future__ import annotations

import os
import warnings
from pathlib import Path

import pandas as pd

from . import config, findings, indicators, jupyter
from .catalogue import catalogue as indicator_catalogue
from .errors import DiagnosticError, PerimeterError, ReportError
from .paths import caller_dir, input_file, is_perimeter_spec, output_path
from .territory import Territory, is_set_file, resolve
from .text import normalise

#: Accepted spellings of the levels of an indicator table (normalised) -> ``level`` value.
LEVELS = {"territoire": "territoire", "departement": "departement", "region": "region",
          "france": "france", "pair": "pair", "pairs": "pair", "comparaison": "pair"}


# ---------------------------------------------------------------------------
# Territories
# ---------------------------------------------------------------------------
def territoire(spec, dossier=None) -> Territory:
    """The territory a code, a name or a perimeter file designates.

    ``spec``: a commune code (``"61214"``), an EPCI SIREN, ``"dep:61"``,
    ``"reg:28"``, ``"France"``, a name (accents and case ignored) or a
    ``*.yaml`` perimeter file. A relative file path is read from ``dossier``
    (default: the working directory), then its parent folders, then the kit's
    examples (see :mod:`diagnostic.paths`). In JupyterLab the territory
    displays its communes, départements and references.

    >>> import diagnostic as dg
    >>> t = dg.territoire("61214")
    >>> t.name, t.kind, t.departement
    ("L'Aigle", 'commune', '61')
    >>> dg.territoire("territories/cc-pays-de-laigle.yaml").name
    "CC des Pays de L'Aigle"
    >>> dg.territoire("Trifouillis-les-Oies")
    Traceback (most recent call last):
    ...
    diagnostic.errors.TerritoryNotFound: Aucun territoire ne s'appelle « Trifouillis-les-Oies ».
    ...
    """
    if isinstance(spec, Territory):
        return spec
    if is_perimeter_spec(spec):
        path = input_file(spec, dossier)
        if is_set_file(path):
            raise PerimeterError(f"{path.name} décrit un lot de territoires, pas un territoire.",
                                 f"Utilisez dg.lot(\"{spec}\") pour produire un rapport par territoire.")
        return resolve(str(path))
    return resolve(spec)


_as_territory = territoire  # for the functions whose ``territoire`` parameter hides it


def _territories(specs, dossier=None) -> list[Territory]:
    if isinstance(specs, (str, Territory, os.PathLike)):
        specs = [specs]
    return [territoire(s, dossier) for s in specs or ()]


def _ids(ids) -> list[str] | None:
    if ids is None:
        return None
    return [ids] if isinstance(ids, str) else list(ids)


def _levels(niveaux) -> list[str] | None:
    if niveaux is None:
        return None
    wanted = []
    for level in [niveaux] if isinstance(niveaux, str) else niveaux:
        key = normalise(level)
        if key not in LEVELS:
            raise DiagnosticError(f"Niveau inconnu « {level} ».",
                                  "Niveaux possibles : territoire, departement, region, france, pair.")
        wanted.append(LEVELS[key])
    return wanted


# ---------------------------------------------------------------------------
# Indicators and findings
# ---------------------------------------------------------------------------
def indicateurs(territoire, ids=None, niveaux=None, pairs=(), dossier=None) -> pd.DataFrame:
    """The indicators of a territory beside its département, région and France.

    One row per indicator × level, with the columns of ``diagnostic indicateurs
    --format json`` (``id``, ``label``, ``unit``, ``level``, ``name``,
    ``value``, ``source``, ``vintage``, ``note``…). ``value`` is NaN when a
    figure cannot be computed truthfully (missing file, secret statistique,
    partial coverage) and ``note`` says why. ``ids``: indicator ids (see
    :func:`liste_indicateurs`); ``niveaux``: keep only some levels (``"territoire"``,
    ``"departement"``, ``"region"``, ``"france"``, ``"pair"``); ``pairs``:
    territories to compare with (level ``"pair"``).

    >>> import diagnostic as dg
    >>> df = dg.indicateurs("61214", ids=["population"])
    >>> df[["level", "name", "value"]].head(2)
            level     name   value
    0  territoire  L'Aigle  8019.0
    1 departement     Orne  ...
    >>> two = dg.indicateurs("61214", ids="population", niveaux="pair", pairs=["61001"])
    >>> two[["name", "value"]].to_dict("records")
    [{'name': 'Alençon', 'value': 25775.0}]
    """
    table = indicators.compute(_as_territory(territoire, dossier), peers=_territories(pairs, dossier),
                               ids=_ids(ids))
    levels = _levels(niveaux)
    if levels is not None:
        table = table[table["level"].isin(levels)]
    return table.reset_index(drop=True)


def communes(territoire, ids, dossier=None) -> pd.DataFrame:
    """Indicators commune by commune: one row per indicator × commune.

    Columns: ``id``, ``label``, ``unit``, ``code``, ``name``, ``value``,
    ``source``, ``note``. A commune the source does not cover, or whose figures
    are secret, has no value (NaN), never 0.

    >>> import diagnostic as dg
    >>> df = dg.communes("territories/cc-pays-de-laigle.yaml", "population")
    >>> len(df), int(df["value"].isna().sum())
    (32, 0)
    >>> float(df.set_index("code").at["61214", "value"])
    8019.0
    """
    t = _as_territory(territoire, dossier)
    frames = []
    for ind_id in _ids(ids) or list(liste_indicateurs()["id"]):
        values = indicators.commune_values(t, ind_id)
        attrs = values.attrs
        frames.append(values.assign(id=ind_id, label=attrs["label"], unit=attrs["unit"],
                                    source=attrs["source"], note=attrs["note"]))
    columns = ["id", "label", "unit", "code", "name", "value", "source", "note"]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def liste_indicateurs() -> pd.DataFrame:
    """The indicators the kit computes: ``id``, ``theme``, ``label``, ``unit``, ``polarity``, ``axes``.

    >>> import diagnostic as dg
    >>> dg.liste_indicateurs().set_index("id").at["population", "label"]
    'Population municipale'
    """
    return pd.DataFrame([{"id": i.id, "theme": i.theme, "label": i.label, "unit": i.unit,
                          "polarity": i.polarity, "axes": ",".join(i.axes)}
                         for i in indicator_catalogue().values()])


def _axes(axes) -> list[str] | None:
    if axes is None:
        return None
    labels = {**findings.AXES, "hors_axe": "Autres constats"}
    known = {**{normalise(k): k for k in labels}, **{normalise(v): k for k, v in labels.items()}}
    wanted = []
    for axis in [axes] if isinstance(axes, str) else axes:
        key = normalise(axis)  # "petite_enfance" and "Petite enfance" alike
        if key not in known:
            raise DiagnosticError(f"Axe de la CTG inconnu « {axis} ».",
                                  "Axes possibles : " + ", ".join(findings.AXES) + ".")
        wanted.append(known[key])
    return wanted


def enjeux(territoire, axes=None, pairs=(), seuils=None, dossier=None) -> pd.DataFrame:
    """The findings: gaps to the references beyond the thresholds, by candidate CTG axis.

    One row per finding × axis, with the columns of ``diagnostic enjeux
    --format json`` (``axis``, ``status`` — ``enjeu``, ``atout`` or ``ecart`` —,
    ``sentence``, ``value``, ``reference_value``, ``source``, ``vintage``…).
    ``axes``: keep some axes (keys such as ``"logement"`` or their French
    labels); ``seuils``: a thresholds YAML file instead of the kit's.

    >>> import diagnostic as dg
    >>> df = dg.enjeux("61214", axes=["logement"])
    >>> sorted(set(df["axis"]))
    ['logement']
    >>> bool(df["sentence"].str.endswith(".").all())
    True
    """
    thresholds = None
    if seuils:
        path = Path(seuils).expanduser()
        thresholds = findings.load_thresholds(path if path.is_absolute() else caller_dir(dossier) / path)
    table = indicators.compute(_as_territory(territoire, dossier), peers=_territories(pairs, dossier))
    df = findings.compute(table, thresholds)
    wanted = _axes(axes)
    if wanted is not None:
        df = df[df["axis"].isin(wanted)]
    return df.reset_index(drop=True)


# ---------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------
def _source_line(row) -> str:
    source, vintage = str(row["source"] or ""), str(row["vintage"] or "")
    return f"{source}, millésime {vintage}" if vintage and vintage not in source else source


def graphique(territoire, indicateur: str, pairs=(), dossier=None):
    """Bars comparing one indicator across the territory, its references and ``pairs``.

    Returns a matplotlib Figure (displayed by itself in a notebook cell; save it
    with ``fig.savefig("graphique.png")``).

    >>> import diagnostic as dg
    >>> fig = dg.graphique("61214", "part_75_ans_et_plus")
    >>> type(fig).__name__, fig.axes[0].get_yticklabels()[0].get_text() != ""
    ('Figure', True)
    """
    from . import charts  # matplotlib: loaded only when a figure is asked for

    table = indicateurs(territoire, ids=[indicateur], pairs=pairs, dossier=dossier)
    own = table[table["level"] == "territoire"].iloc[0]
    if pd.isna(own["value"]):
        raise DiagnosticError(f"« {own['label']} » n'est pas disponible pour {own['name']} : "
                              f"{(own['note'] or 'valeur manquante').rstrip('.')}.",
                              "Choisissez un autre indicateur (dg.liste_indicateurs()).")
    values = pd.Series(table["value"].values, index=table["name"].values, dtype=float)
    values = values[~values.index.duplicated()]
    unit = "%" if str(own["unit"]).startswith("%") else own["unit"]
    return charts.comparison_bars(values, own["label"], unit=unit, source=_source_line(own),
                                  decimals=int(own["decimals"]))


def carte(territoire, indicateur: str, dossier=None):
    """Map of one indicator commune by commune over the territory, in classes.

    Returns a matplotlib Figure; communes without a value are hatched, never
    coloured as 0.

    >>> import diagnostic as dg
    >>> fig = dg.carte("territories/cc-pays-de-laigle.yaml", "part_75_ans_et_plus")
    >>> type(fig).__name__
    'Figure'
    """
    from . import maps  # geopandas: loaded only when a map is asked for

    t = _as_territory(territoire, dossier)
    values = indicators.commune_values(t, indicateur)
    attrs = values.attrs
    series = values.set_index("code")["value"]
    if series.notna().sum() == 0:
        raise DiagnosticError(f"« {attrs['label']} » n'a de valeur pour aucune commune de {t.label} "
                              f"({attrs.get('note') or 'source sans détail communal'}).",
                              "Choisissez un autre indicateur (dg.liste_indicateurs()).")
    unit = "%" if str(attrs["unit"]).startswith("%") else attrs["unit"]
    return maps.choropleth(t, series, f"{attrs['label']} par commune", unit, attrs["source"],
                           decimals=int(attrs.get("decimals", 1)))


# ---------------------------------------------------------------------------
# Files: exports, reports, batches
# ---------------------------------------------------------------------------
_FORMATS = {".xlsx": "xlsx", ".csv": "csv", ".json": "json"}


def exporter(tableau: pd.DataFrame, sortie, dossier=None) -> Path:
    """Write a table of :func:`indicateurs` or :func:`enjeux` as the CLI does (``--sortie``).

    The format follows the extension: ``.xlsx`` (one sheet per theme, French
    headers), ``.csv`` (``;`` and decimal comma, for a French spreadsheet) or
    ``.json``. A relative path is written under ``dossier`` (default: the
    working directory). Returns the path written.

    >>> import diagnostic as dg, tempfile, os
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = dg.exporter(dg.indicateurs("61214"), "laigle.xlsx", dossier=tmp)
    ...     path.name, path.stat().st_size > 0
    ('laigle.xlsx', True)
    """
    from . import export  # openpyxl: loaded only when a file is written

    path = output_path(sortie, dossier)
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise DiagnosticError(f"Extension inconnue pour « {sortie} ».",
                              "Extensions possibles : .xlsx, .csv, .json.")
    path.parent.mkdir(parents=True, exist_ok=True)
    export.write(tableau, fmt, path, kind="enjeux" if "sentence" in tableau.columns else "indicateurs")
    return path


def _spec(t: Territory) -> str:
    from .report import territory_spec  # report machinery: loaded only for reports

    return territory_spec(t)


def rapport(territoire, sortie=None, pairs=(), dossier=None) -> Path:
    """Produce the HTML report of a territory, as ``diagnostic rapport`` does.

    Written under ``<sortie>/<territoire>/`` (default ``reports/`` in the working
    directory): ``rapport.html``, ``rapport.ipynb``, ``indicateurs.xlsx``,
    ``indicateurs.csv``, ``enjeux.csv``, ``metadonnees.json``. Returns the path
    of ``rapport.html``; the other files are beside it.

    >>> import diagnostic as dg, tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     html = dg.rapport("61214", sortie=tmp)
    ...     html.name, sorted(p.name for p in html.parent.glob("*.csv"))
    ('rapport.html', ['enjeux.csv', 'indicateurs.csv'])
    """
    from . import report  # papermill and nbconvert: loaded only for reports

    t = _as_territory(territoire, dossier)
    out = output_path(sortie, dossier) if sortie else None
    result = report.build(t, output_dir=out, peers=[_spec(p) for p in _territories(pairs, dossier)])
    return Path(result.html)


def lot(territoires, sortie=None, jobs=None, force=False, nom=None, communes=False, pairs=(),
        dossier=None) -> list[Path]:
    """Produce the reports of several territories in parallel, as ``diagnostic lot`` does.

    ``territoires``: codes, names, perimeter files or a territory-set file
    (``territories/orne-communes.yaml``); ``communes=True`` makes one report per
    commune of the territories given. Returns the paths written: the lot's index
    page, its comparison workbook, then each report's ``rapport.html``. A report
    that fails is named in a warning and on the index page; if all fail,
    :class:`~diagnostic.errors.ReportError` is raised.

    >>> import diagnostic as dg, tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     paths = dg.lot(["61214", "61001"], sortie=tmp, jobs=1, nom="essai")
    ...     [p.name for p in paths]
    ['index.html', 'comparaison.xlsx', 'rapport.html', 'rapport.html']
    """
    from . import batch  # kernels and papermill: loaded only for batches

    specs = []
    for spec in [territoires] if isinstance(territoires, (str, Territory, os.PathLike)) else territoires:
        if isinstance(spec, Territory):
            specs.append(_spec(spec))
        elif is_perimeter_spec(spec):
            specs.append(str(input_file(spec, dossier)))
        else:
            specs.append(str(spec))
    out = output_path(sortie, dossier) if sortie else None
    outcome = batch.run(specs, jobs=jobs, force=force, output_dir=out, name=nom, communes_of=communes,
                        peers=[_spec(p) for p in _territories(pairs, dossier)])
    written = [Path(s["html"]) for s in outcome.successes if s.get("html")]
    if outcome.failures:
        listing = "\n".join(f"  - {spec} : {reason}" for spec, reason in outcome.failures[:10])
        if not written:
            raise ReportError(f"Aucun rapport du lot n'a pu être produit :\n{listing}",
                              f"Le détail est dans {outcome.index}.")
        warnings.warn(f"{len(outcome.failures)} rapport(s) du lot n'ont pas pu être produits :\n{listing}",
                      stacklevel=2)
    return [outcome.index, outcome.workbook, *written]


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------
DATA_COLUMNS = ["product", "label", "producer", "file", "member", "in_mirror", "in_store", "vintage",
                "geo_year", "level", "part", "rows", "ingested_at", "sha256", "path"]


def donnees(integrer: bool = False) -> pd.DataFrame:
    """The official files found in the mirror and the store, as ``diagnostic donnees`` lists them.

    One row per file (or archive member): ``product`` key, French ``label``,
    ``producer``, ``file``, ``vintage``, ``geo_year`` (the COG of its codes),
    ``level``, and the store's provenance: ``in_store``, ``rows``,
    ``ingested_at``, ``sha256`` (missing while the file is not yet in the
    store; ``integrer=True`` ingests it). A product absent from the mirror has
    one row with ``in_mirror`` False and, in ``file``, the name of the file to
    add. ``attrs`` holds the mirror and store folders.

    >>> import diagnostic as dg
    >>> df = dg.donnees()
    >>> row = df.set_index("file").loc["cc_filosofi_2021_COM.csv"]
    >>> int(row["vintage"]), row["level"], bool(row["in_mirror"])
    (2021, 'COM', True)
    """
    from . import store
    from .sources import REGISTRY

    rows = []
    for key, product in REGISTRY.items():
        base = {"product": key, "label": product.label, "producer": product.producer}
        datasets = product.datasets()
        if not datasets:
            rows.append({**base, "file": product.example_name, "in_mirror": False, "in_store": False})
        for ds in sorted(datasets, key=lambda d: (d.vintage, d.level, d.part)):
            prov = store.read_provenance(ds)
            if integrer and prov is None:
                store.load(ds)
                prov = store.read_provenance(ds)
            rows.append({**base, "file": ds.path.name, "member": ds.member, "in_mirror": True,
                         "in_store": prov is not None, "vintage": ds.vintage, "geo_year": ds.geo_year,
                         "level": ds.level, "part": ds.part, "rows": prov.rows if prov else None,
                         "ingested_at": prov.ingested_at if prov else None,
                         "sha256": prov.sha256 if prov else None, "path": str(ds.path)})
    df = pd.DataFrame(rows, columns=DATA_COLUMNS)
    df = df.astype({"vintage": "Int64", "geo_year": "Int64", "rows": "Int64", "in_mirror": bool,
                    "in_store": bool})
    df.attrs.update(miroir=str(config.mirror_dir()), stock=str(config.store_dir()))
    return df


jupyter.install()  # in a kernel: French errors without traceback, figures shown

__all__ = ["territoire", "indicateurs", "communes", "liste_indicateurs", "enjeux", "graphique", "carte",
           "exporter", "rapport", "lot", "donnees"]
