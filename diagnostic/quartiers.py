"""Quartiers prioritaires de la politique de la ville (QPV) of a territory.

The QPV files (:mod:`diagnostic.sources.qpv`) name the commune(s) of each QPV
only by name (``LIB_COM``, « Coulaines, Le Mans » for a QPV on two communes).
They are linked to commune codes through the names of the reference COG within
the QPV's département (accents, case, hyphens and apostrophes ignored), then
through former names of merged communes (COG events); a municipal
arrondissement also links to its city. A QPV on several communes belongs to
each of them. A name that matches nothing is reported in a French note, never
an error.

Every figure carries its source (file) and edition; figures of different
editions are never put in the same row.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import store
from .geography import history
from .sources import find
from .sources.qpv import CENSUS_OF_EDITION, ENSEMBLE, QPV_CODE, qpv_departement
from .sources.readers import departement_of
from .territory import Territory, geography
from .text import normalise
from .vocabulary import ARRONDISSEMENT_PARENT


@dataclass(frozen=True)
class QpvIndicator:
    id: str
    theme: str  # DEMO, REVN or IPRO
    column: str
    label: str  # French
    unit: str


#: The figures shown for each QPV, in display order.
INDICATORS = (
    QpvIndicator("population", "DEMO", "POP_MUN", "Population du quartier", "habitants"),
    QpvIndicator("taux_pauvrete", "REVN", "TP60", "Taux de pauvreté (seuil de 60 %)", "%"),
    QpvIndicator("niveau_vie_median", "REVN", "DISP_Q2",
                 "Revenu disponible médian par unité de consommation", "€"),
    QpvIndicator("part_0_24", "DEMO", "TX_TOT_0A24", "Part des moins de 25 ans", "%"),
    QpvIndicator("part_60_plus", "DEMO", "TX_TOT_60ETPLUS", "Part des 60 ans ou plus", "%"),
    QpvIndicator("part_menages_1_personne", "DEMO", "TX_TOT_MEN1", "Part des ménages d'une personne", "%"),
    QpvIndicator("allocataires", "DEMO", "A", "Allocataires de la CAF", "allocataires"),
    QpvIndicator("allocataires_rsa", "REVN", "ARSAS", "Allocataires du RSA (socle)", "allocataires"),
    QpvIndicator("allocataires_aah", "REVN", "AAAH", "Allocataires de l'AAH", "allocataires"),
    QpvIndicator("allocataires_prime_activite", "REVN", "APPA", "Allocataires de la prime d'activité",
                 "allocataires"),
    QpvIndicator("allocataires_monoparents", "DEMO", "AM", "Allocataires monoparents", "allocataires"),
    QpvIndicator("enfants_moins_3_ans", "DEMO", "ENF_2", "Enfants de moins de 3 ans couverts par la CAF",
                 "enfants"),
    QpvIndicator("taux_emploi", "IPRO", "TX_TOT_EMPL", "Taux d'emploi des 15-64 ans", "%"),
    QpvIndicator("demandeurs_emploi", "IPRO", "ABCDE", "Demandeurs d'emploi (catégories A à E)",
                 "demandeurs"),
)

#: Columns of :func:`qpv_table`.
TABLE_COLUMNS = ["qpv", "qpv_name", "commune", "commune_name", "indicator", "label", "unit", "value",
                 "edition", "source", "note"]


def _editions(theme: str) -> list:
    """Datasets of one QPV theme, newest edition first."""
    return find("qpv", part=theme, required=False)


@functools.lru_cache(maxsize=16)
def _load(dataset) -> pd.DataFrame:
    return store.load(dataset).set_index("CODGEO")


@functools.lru_cache(maxsize=None)
def _name_index(dep: str) -> dict[str, tuple[str, ...]]:
    """Normalised name -> commune codes of the reference geography, in one département."""
    geo = geography()
    index: dict[str, set[str]] = {}
    for table in (geo.communes, geo.arrondissements):
        # Plain lists: iterating an Arrow-backed column item by item is slow. A commune's code
        # starts with its département's (2A, 971...), which skips most of France at once.
        for code, name in zip(table.index.tolist(), table["LIBELLE"].tolist()):
            if code.startswith(dep) and departement_of(code) == dep:
                index.setdefault(normalise(name), set()).add(code)
    return {k: tuple(sorted(v)) for k, v in index.items()}


@functools.lru_cache(maxsize=None)
def _former_name(dep: str, key: str) -> tuple[str, ...]:
    """Reference codes of a former commune of ``dep`` named ``key`` (merged since), if any.
    Only asked for names that match no current commune: the COG events are replayed then."""
    hist = history()
    events = hist.events
    olds = [old for old, name in zip(events["COM_AV"], events["LIBELLE_AV"])
            if departement_of(old) == dep and normalise(name) == key]
    codes: set[str] = set()
    for old in dict.fromkeys(olds):
        codes.update(hist.successors(old))
    return tuple(sorted(codes))


def link_communes(lib_com: str, qpv_code: str) -> tuple[tuple[str, ...], list[str]]:
    """Commune codes of a QPV from its ``LIB_COM`` names, and the names left unmatched."""
    dep = qpv_departement(qpv_code)
    codes: list[str] = []
    unmatched = []
    text = "" if lib_com is None or pd.isna(lib_com) else str(lib_com)
    for name in text.split(","):
        name = name.strip()
        if not name:
            continue
        key = normalise(name)
        hit = _name_index(dep).get(key) or _former_name(dep, key)
        if hit:
            codes.extend(hit)
        else:
            unmatched.append(name)
    return tuple(dict.fromkeys(codes)), unmatched


def qpv_of(territory: Territory, demo: pd.DataFrame | None = None) -> tuple[pd.DataFrame, list[str]]:
    """QPVs of the territory's communes: ``qpv``, ``qpv_name``, ``communes`` (codes in the
    territory), ``lib_com``; plus French notes for names that match no commune."""
    if demo is None:
        editions = _editions("DEMO")
        if not editions:
            return pd.DataFrame(columns=["qpv", "qpv_name", "communes", "lib_com"]), []
        demo = _load(editions[0])
    mine = set(territory.communes) | {territory.code}
    deps = set(territory.departements) | {departement_of(c) for c in territory.communes}
    rows, notes = [], []
    codes = pd.Series(demo.index.astype(str), index=demo.index)
    wanted = codes.str.fullmatch(QPV_CODE.pattern) & codes.map(qpv_departement).isin(deps)
    subset = demo.loc[wanted.to_numpy()]
    lib_com = subset["LIB_COM"] if "LIB_COM" in subset.columns else pd.Series(None, index=subset.index)
    for code, names, libgeo in zip(subset.index, lib_com, subset["LIBGEO"]):
        linked, unmatched = link_communes(names, code)
        for name in unmatched:
            notes.append(f"Quartier {libgeo} ({code}) : commune « {name} » introuvable dans "
                         f"le Code officiel géographique du département ; quartier non rattaché.")
        inside = [c for c in linked if c in mine or ARRONDISSEMENT_PARENT.get(c) in mine]
        if inside:
            rows.append({"qpv": code, "qpv_name": libgeo, "communes": tuple(inside), "lib_com": names})
    return pd.DataFrame(rows, columns=["qpv", "qpv_name", "communes", "lib_com"]), notes


def _value(table: pd.DataFrame, code: str, column: str) -> float:
    if code not in table.index or column not in table.columns:
        return np.nan
    value = table.at[code, column]
    return float(value) if pd.notna(value) else np.nan


def _cell_note(table: pd.DataFrame, ds, code: str, column: str, value: float) -> str:
    if column not in table.columns:
        return f"variable {column} absente de {ds.path.name}."
    if np.isnan(value):
        return "secret statistique (valeur non diffusée)."
    return ""


def qpv_table(territory: Territory, edition: int | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Each QPV of the territory's communes with its figures, one row per QPV × commune × indicator.

    Columns (:data:`TABLE_COLUMNS`): ``qpv`` (code ``QPDDDnnn``), ``qpv_name``,
    ``commune`` (code of the territory's commune it lies on), ``commune_name``,
    ``indicator`` (id in :data:`INDICATORS`, plus ``part_population_commune``: the
    QPV's population as a % of its commune's, same file and census), ``label``
    (French), ``unit``, ``value`` (NaN = secret or absent), ``edition`` (year of the
    file name), ``source`` (French citation naming the file), ``note`` (French,
    empty when the value is there). Each theme's latest edition is used (or
    ``edition``). Returns the table and French notes (unmatched commune names).
    """
    geo = geography()
    data = {}
    for theme in ("DEMO", "REVN", "IPRO"):
        editions = [d for d in _editions(theme) if edition is None or d.vintage == edition]
        if editions:
            data[theme] = (editions[0], _load(editions[0]))
    if "DEMO" not in data:
        return pd.DataFrame(columns=TABLE_COLUMNS), [
            "Données des quartiers prioritaires absentes du miroir (fichier DEMO_AAAA.csv)."]
    # The comparison and the evolution ask for the same tables: built once per process.
    memo_key = (territory.code, tuple(territory.communes), tuple(ds for ds, _ in data.values()))
    if memo_key in _TABLES:
        table, notes = _TABLES[memo_key]
        return table.copy(), list(notes)
    qpvs, notes = qpv_of(territory, data["DEMO"][1])
    rows = []
    for q in qpvs.itertuples():
        for commune in q.communes:
            base = {"qpv": q.qpv, "qpv_name": q.qpv_name, "commune": commune,
                    "commune_name": geo.commune_name(commune)}
            for ind in INDICATORS:
                if ind.theme not in data:
                    rows.append({**base, "indicator": ind.id, "label": ind.label, "unit": ind.unit,
                                 "value": np.nan, "edition": None, "source": "",
                                 "note": f"fichier {ind.theme}_AAAA.csv absent du miroir."})
                    continue
                ds, table = data[ind.theme]
                value = _value(table, q.qpv, ind.column)
                rows.append({**base, "indicator": ind.id, "label": ind.label, "unit": ind.unit,
                             "value": value, "edition": ds.vintage, "source": ds.source_label,
                             "note": _cell_note(table, ds, q.qpv, ind.column, value)})
            rows.append({**base, **_population_share(q, data["DEMO"])})
    table = pd.DataFrame(rows, columns=TABLE_COLUMNS)
    _TABLES[memo_key] = (table, notes)
    return table.copy(), list(notes)


#: Tables already built in this process, by territory and files (see :func:`qpv_table`).
_TABLES: dict[tuple, tuple[pd.DataFrame, list[str]]] = {}


def _population_share(q, demo) -> dict:
    ds, table = demo
    census = CENSUS_OF_EDITION.get(ds.vintage)
    out = {"indicator": "part_population_commune", "label": "Part de la population de la commune",
           "unit": "%", "edition": ds.vintage, "source": ds.source_label, "value": np.nan, "note": ""}
    if len(str(q.lib_com).split(",")) > 1:
        out["note"] = "quartier sur plusieurs communes : part non calculée."
        return out
    pop, pop_com = _value(table, q.qpv, "POP_MUN"), _value(table, q.qpv, "POP_COM")
    if np.isnan(pop) or np.isnan(pop_com) or not pop_com:
        out["note"] = "population du quartier ou de la commune non diffusée."
        return out
    out["value"] = pop / pop_com * 100
    if census:
        out["note"] = f"population municipale du recensement {census} (quartier et commune)."
    return out


def qpv_evolution(territory: Territory) -> pd.DataFrame:
    """The figures of :func:`qpv_table` for every edition in the mirror (``edition`` column),
    one row per QPV × commune × indicator × edition, to follow a QPV between files.
    Editions are never mixed in a row; a column renamed between editions is NaN with a note."""
    editions = sorted({d.vintage for d in find("qpv", required=False)})
    frames = [qpv_table(territory, edition=e)[0] for e in editions]
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=TABLE_COLUMNS)
    return pd.concat(frames, ignore_index=True).sort_values(["qpv", "commune", "indicator", "edition"],
                                                            kind="stable").reset_index(drop=True)


def ensemble_qpv(indicator: str, edition: int | None = None) -> dict:
    """« Ensemble des QPV » (national reference) for one indicator of :data:`INDICATORS`, from
    the latest edition (or ``edition``): ``value``, ``edition``, ``source``, ``note``. The row
    exists only in some editions (2017-2019 in the mirror): when absent, NaN and a note."""
    ind = next(i for i in INDICATORS if i.id == indicator)
    for ds in _editions(ind.theme):
        if edition is not None and ds.vintage != edition:
            continue
        table = _load(ds)
        if ENSEMBLE not in table.index:
            return {"value": np.nan, "edition": ds.vintage, "source": ds.source_label,
                    "note": f"ligne « Ensemble des QPV » absente de {ds.path.name}."}
        value = _value(table, ENSEMBLE, ind.column)
        return {"value": value, "edition": ds.vintage, "source": ds.source_label,
                "note": _cell_note(table, ds, ENSEMBLE, ind.column, value)}
    return {"value": np.nan, "edition": None, "source": "", "note": "fichier absent du miroir."}


#: Columns of :func:`qpv_comparison`.
COMPARISON_COLUMNS = ["qpv", "qpv_name", "indicator", "label", "unit", "level", "name", "value",
                      "vintage", "source", "note"]

#: Indicators compared with the commune, the EPCI and the département: the QPV column and
#: the Filosofi product/column of the published level files. Others are compared with
#: « Ensemble des QPV » only (no commune figure of the same definition in the mirror).
_FILOSOFI_EQUIVALENT = {
    "niveau_vie_median": [("filosofi_disp", "Q2{aa}", ("COM", "EPCI", "DEP"))],
    "taux_pauvrete": [("filosofi", "TP60{aa}", ("COM",))],
}
_COMPARED = ("taux_pauvrete", "niveau_vie_median", "part_0_24", "part_60_plus",
             "part_menages_1_personne", "taux_emploi")


def qpv_comparison(territory: Territory, edition: int | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Each QPV side by side with its commune, the EPCI, the département and « Ensemble des QPV ».

    One row per QPV × indicator × level (:data:`COMPARISON_COLUMNS`): ``level`` is
    ``quartier``, ``commune``, ``epci``, ``departement`` or ``ensemble_qpv``; ``name``
    the French name; ``value`` (NaN when not available, with the reason in ``note``);
    ``vintage`` and ``source`` of that very value. The QPV and « Ensemble des QPV »
    come from the same file (edition); commune, EPCI and département medians come
    from the Filosofi file published at their level (never from communes), with
    their own vintage: a difference of vintage is said in ``note``.
    """
    from .data import commune_table  # late: data imports the sources and the store

    table, notes = qpv_table(territory, edition)
    geo = geography()
    rows = []
    for (qpv, commune), group in table.groupby(["qpv", "commune"], sort=False):
        by_id = group.set_index("indicator")
        name = by_id["qpv_name"].iloc[0]
        epci = geo.commune_epci.get(commune)
        dep = departement_of(commune)
        for ind_id in _COMPARED:
            cell = by_id.loc[ind_id]
            common = {"qpv": qpv, "qpv_name": name, "indicator": ind_id, "label": cell["label"],
                      "unit": cell["unit"]}
            rows.append({**common, "level": "quartier", "name": name, "value": cell["value"],
                         "vintage": cell["edition"], "source": cell["source"], "note": cell["note"]})
            for key, column, levels in _FILOSOFI_EQUIVALENT.get(ind_id, []):
                for level, code, label in (("COM", commune, geo.commune_name(commune)),
                                           ("EPCI", epci, geo.epci_name(epci) if epci else ""),
                                           ("DEP", dep, geo.departement_name(dep))):
                    if level not in levels or not code:
                        continue
                    rows.append({**common, **_published(commune_table, key, column, level, code, label,
                                                        cell["edition"])})
            ens = ensemble_qpv(ind_id, cell["edition"])
            rows.append({**common, "level": "ensemble_qpv", "name": "Ensemble des QPV",
                         "value": ens["value"], "vintage": ens["edition"], "source": ens["source"],
                         "note": ens["note"]})
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS), notes


_LEVEL_KEYS = {"COM": "commune", "EPCI": "epci", "DEP": "departement"}


def _published(commune_table, key, column, level, code, label, edition) -> dict:
    """A figure read from the file published at ``level`` (latest vintage)."""
    out = {"level": _LEVEL_KEYS[level], "name": label, "value": np.nan, "vintage": None, "source": "",
           "note": ""}
    try:
        src = commune_table(key, level=level, required=False)
    except Exception:  # noqa: BLE001 - a missing or unreadable file leaves the cell n.d.
        src = None
    if src is None:
        out["note"] = "fichier Filosofi de ce niveau absent du miroir."
        return out
    col = column.replace("{aa}", f"{src.vintage % 100:02d}")
    out.update(vintage=src.vintage, source=src.citation)
    if col not in src.table.columns or code not in src.table.index or pd.isna(src.table.at[code, col]):
        out["note"] = f"non disponible dans {', '.join(src.files)} (secret statistique ou absent)."
        return out
    out["value"] = float(src.table.at[code, col])
    if edition and src.vintage != edition:
        out["note"] = (f"Filosofi {src.vintage}, quartier : édition {edition} du fichier des QPV "
                       f"(millésimes différents, à comparer avec prudence).")
    return out
