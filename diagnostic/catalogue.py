"""The indicator catalogue (``catalogue.yaml``) and the id lists (``listes.yaml``):
loading and validation.

Every entry is checked at load: theme, kind (:mod:`diagnostic.kinds`), source
(a product registered by a module of :mod:`diagnostic.sources`), unit (declared in
``listes.yaml``), CTG axes; every id list must name catalogue ids. An error is
French and names the file and the entry.

Extra entries (a local indicator, a test) come from the YAML files listed in
``$DIAGNOSTIC_CATALOGUE`` (separated by ``os.pathsep``) or passed to
:func:`load`: they are appended to the shipped catalogue, with the same checks.
"""
from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from rapidfuzz import process

from . import kinds
from .errors import ConfigurationError, UnknownIndicator
from . import axes as axes_mod
from .sources import REGISTRY

CATALOGUE_PATH = Path(__file__).with_name("catalogue.yaml")
LISTS_PATH = Path(__file__).with_name("listes.yaml")
#: Environment variable listing extra catalogue files.
EXTRA_ENV = "DIAGNOSTIC_CATALOGUE"
#: The id lists of listes.yaml, by name.
ID_LISTS = ("chiffres_cles", "cartes", "index_lot")

THEMES = {
    "demographie": "Démographie",
    "familles": "Familles et ménages",
    "enfance_jeunesse": "Petite enfance et enfance-jeunesse",
    "vieillissement": "Vieillissement",
    "revenus": "Revenus, précarité et accès aux droits",
    "caf": "Allocataires de la CAF",
    "logement": "Logement",
    "emploi": "Emploi",
    "equipements": "Équipements et services",
    "mobilite": "Mobilité",
}

POLARITIES = {"hausse_defavorable", "baisse_defavorable", "neutre"}
_TERM = re.compile(r"\s*([+-]?)\s*([A-Za-z0-9_{}]+)")


@dataclass(frozen=True)
class Expression:
    """A linear combination of source columns, e.g. ``P{aa}_RP - P{aa}_RP_VOIT1P``."""

    text: str

    def terms(self, vintage: int) -> list[tuple[int, str]]:
        out = []
        for sign, name in _TERM.findall(self.text):
            out.append((-1 if sign == "-" else 1, expand(name, vintage)))
        return out

    def columns(self, vintage: int) -> list[str]:
        return [c for _, c in self.terms(vintage)]


def expand(name: str, vintage: int) -> str:
    aa = vintage % 100
    return name.replace("{aa5}", f"{(aa - 5) % 100:02d}").replace("{aa}", f"{aa:02d}")


@dataclass(frozen=True)
class Method:
    """One way of computing an indicator from one source (an alternative of ``calcul``)."""

    source: str
    kind: str
    numerator: Expression
    denominator: Expression | None = None
    denominator_source: str | None = None
    denominator_vintage: int | None = None
    vintage: int | None = None
    scale: float = 1.0
    years: int = 5
    base_vintage: int | None = None
    note: str = ""


@dataclass(frozen=True)
class Indicator:
    id: str
    theme: str
    label: str
    unit: str
    decimals: int
    polarity: str
    axes: tuple[str, ...]
    methods: tuple[Method, ...]
    note: str = ""

    @property
    def theme_label(self) -> str:
        return THEMES[self.theme]


def _method(raw: dict, where: str) -> Method:
    if "source" not in raw or "numerator" not in raw:
        raise ConfigurationError(f"{where} : chaque calcul doit indiquer « source » et « numerator ».")
    kind = raw.get("kind") or ("ratio" if raw.get("denominator") else "count")
    if kind not in kinds.names():
        raise ConfigurationError(f"{where} : type de calcul inconnu « {kind} » "
                                 f"(attendu : {', '.join(kinds.names())}).")
    spec = kinds.get(kind)
    if spec.needs_denominator and not raw.get("denominator"):
        raise ConfigurationError(f"{where} : un calcul « {kind} » demande un dénominateur.")
    if spec.needs_base and not raw.get("base_vintage"):
        raise ConfigurationError(f"{where} : un calcul « {kind} » demande « base_vintage ».")
    for key in ("source", "denominator_source"):
        if raw.get(key) is not None and str(raw[key]) not in REGISTRY:
            raise ConfigurationError(
                f"{where} : source « {raw[key]} » inconnue (aucun module de diagnostic/sources ne "
                f"l'enregistre ; sources connues : {', '.join(sorted(REGISTRY))}).")
    den = raw.get("denominator")
    return Method(
        source=str(raw["source"]), kind=kind, numerator=Expression(str(raw["numerator"])),
        denominator=Expression(str(den)) if den else None,
        denominator_source=raw.get("denominator_source"),
        denominator_vintage=raw.get("denominator_vintage"), vintage=raw.get("vintage"),
        scale=float(raw.get("scale", 1)), years=int(raw.get("years", 5)),
        base_vintage=raw.get("base_vintage"), note=str(raw.get("note", "")).strip(),
    )


def parse(entries: list, origin: str = "catalogue", known: dict[str, Indicator] | None = None
          ) -> dict[str, Indicator]:
    """Validated indicators of a YAML list, appended to ``known`` (ids must stay unique)."""
    if not isinstance(entries, list):
        raise ConfigurationError(f"{origin} : le catalogue doit être une liste d'indicateurs.")
    out: dict[str, Indicator] = dict(known or {})
    units = declared_units()
    for raw in entries:
        ident = raw.get("id") if isinstance(raw, dict) else None
        if not ident:
            raise ConfigurationError(f"{origin} : un indicateur n'a pas d'« id ».")
        where = f"{origin}, indicateur « {ident} »"
        if ident in out:
            raise ConfigurationError(f"{where} : identifiant en double.")
        theme = raw.get("theme")
        if theme not in THEMES:
            raise ConfigurationError(f"{where} : thème inconnu « {theme} ».")
        unit = str(raw.get("unit", ""))
        if unit not in units:
            raise ConfigurationError(f"{where} : unité inconnue « {unit} ».",
                                     f"Unités déclarées dans {LISTS_PATH.name} : « "
                                     + " », « ".join(units) + " ».")
        polarity = raw.get("polarity", "neutre")
        if polarity not in POLARITIES:
            raise ConfigurationError(f"{where} : polarité inconnue « {polarity} ».")
        axes = tuple(raw.get("axes") or ())
        unknown = [a for a in axes if a not in axes_mod.CANDIDATE_AXES]
        if unknown:
            raise ConfigurationError(f"{where} : axe(s) CTG inconnu(s) : {', '.join(unknown)}.")
        methods = tuple(_method(m, where) for m in raw.get("calcul") or ())
        if not methods:
            raise ConfigurationError(f"{where} : aucun « calcul ».")
        out[ident] = Indicator(
            id=ident, theme=theme, label=str(raw["label"]), unit=unit,
            decimals=int(raw.get("decimals", 1)), polarity=polarity, axes=axes, methods=methods,
            note=" ".join(str(raw.get("note", "")).split()),
        )
    return out


#: libyaml's safe loader when PyYAML has it: the same documents, read 8 times faster (every
#: process, each report kernel included, reads the catalogue at its start).
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path):
    try:
        return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_SAFE_LOADER)  # noqa: S506 - safe loader
    except OSError as exc:
        raise ConfigurationError(f"Catalogue illisible : {path} ({exc.strerror}).",
                                 f"Vérifiez le chemin donné dans ${EXTRA_ENV}.") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"{Path(path).name} n'est pas un YAML valide : "
                                 f"{str(exc).splitlines()[0]}.") from None


def _extra_paths() -> tuple[str, ...]:
    return tuple(p for p in os.environ.get(EXTRA_ENV, "").split(os.pathsep) if p.strip())


@functools.lru_cache(maxsize=8)
def load(extra: tuple[str, ...] = ()) -> dict[str, Indicator]:
    """The shipped catalogue followed by the entries of the ``extra`` YAML files."""
    out = parse(_read_yaml(CATALOGUE_PATH), CATALOGUE_PATH.name)
    for path in extra:
        out = parse(_read_yaml(Path(path)), Path(path).name, known=out)
    for name in ID_LISTS:  # every id list names catalogue ids, checked once here
        unknown = [i for i, _ in _list_items(name) if i not in out]
        if unknown:
            raise ConfigurationError(f"{LISTS_PATH.name}, liste « {name} » : indicateur(s) absent(s) du "
                                     f"catalogue : {', '.join(unknown)}.",
                                     "Corrigez l'identifiant ou ajoutez l'indicateur à catalogue.yaml.")
    return out


def catalogue() -> dict[str, Indicator]:
    """All indicators, by id, in catalogue order (extra files of ``$DIAGNOSTIC_CATALOGUE`` last)."""
    return load(_extra_paths())


def get(ids=None) -> list[Indicator]:
    cat = catalogue()
    if ids is None:
        return list(cat.values())
    missing = [i for i in ids if i not in cat]
    if missing:
        hints = {m: [c for c, *_ in process.extract(m, list(cat), limit=3)] for m in missing}
        detail = " ; ".join(f"« {m} » (proches : {', '.join(h)})" for m, h in hints.items())
        raise UnknownIndicator(f"Indicateur(s) inconnu(s) : {detail}.",
                               "La liste des indicateurs : diagnostic indicateurs --liste.")
    return [cat[i] for i in ids]


# ---------------------------------------------------------------------------
# Id lists (listes.yaml)
# ---------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _lists() -> dict:
    raw = _read_yaml(LISTS_PATH)
    if not isinstance(raw, dict):
        raise ConfigurationError(f"{LISTS_PATH.name} : une liste nommée par clé est attendue.")
    return raw


def declared_units() -> tuple[str, ...]:
    """The units an indicator may declare (``unites`` of listes.yaml)."""
    units = _lists().get("unites")
    if not isinstance(units, list):
        raise ConfigurationError(f"{LISTS_PATH.name} : la liste « unites » manque.")
    return tuple("" if u is None else str(u) for u in units)


def _list_items(name: str) -> list[tuple[str, str | None]]:
    """(id, title or None) of each item of the list ``name``."""
    if name not in ID_LISTS:
        raise ConfigurationError(f"Liste d'indicateurs inconnue : « {name} ».",
                                 "Listes connues : " + ", ".join(ID_LISTS) + ".")
    raw = _lists().get(name)
    if not isinstance(raw, list) or not raw:
        raise ConfigurationError(f"{LISTS_PATH.name} : la liste « {name} » manque ou est vide.")
    items = []
    for item in raw:
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            items.append((item["id"], str(item["titre"]) if item.get("titre") else None))
        elif isinstance(item, str):
            items.append((item, None))
        else:
            raise ConfigurationError(f"{LISTS_PATH.name}, liste « {name} » : élément invalide « {item} » "
                                     "(un identifiant ou {id: ..., titre: ...} attendu).")
    return items


def id_list(name: str) -> tuple[str, ...]:
    """The indicator ids of the list ``name`` (« chiffres_cles », « cartes », « index_lot »),
    each checked against the catalogue."""
    ids = tuple(i for i, _ in _list_items(name))
    return check_ids(ids, f"la liste « {name} » de {LISTS_PATH.name}")


def list_titles(name: str) -> dict[str, str]:
    """Column title of each id of the list ``name`` (its catalogue label when none is given)."""
    cat = catalogue()
    check_ids([i for i, _ in _list_items(name)], f"la liste « {name} » de {LISTS_PATH.name}")
    return {i: title or cat[i].label for i, title in _list_items(name)}


def check_ids(ids, where: str) -> tuple[str, ...]:
    """``ids`` as a tuple, or a French error naming ``where`` and the ids absent from the catalogue."""
    ids = tuple(ids)
    unknown = [i for i in ids if i not in catalogue()]
    if unknown:
        raise ConfigurationError(f"Indicateur(s) absent(s) du catalogue dans {where} : {', '.join(unknown)}.",
                                 "Corrigez l'identifiant ou ajoutez l'indicateur à catalogue.yaml.")
    return ids


def clear_cache() -> None:
    load.cache_clear()
    _lists.cache_clear()
