"""The indicator catalogue (``catalogue.yaml``): loading and validation."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import ConfigurationError, UnknownIndicator

CATALOGUE_PATH = Path(__file__).with_name("catalogue.yaml")

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

KINDS = {"ratio", "count", "level", "annual_rate", "evolution"}
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

    @property
    def is_share(self) -> bool:
        return self.unit.startswith("%")


def _method(raw: dict, where: str) -> Method:
    if "source" not in raw or "numerator" not in raw:
        raise ConfigurationError(f"{where} : chaque calcul doit indiquer « source » et « numerator ».")
    kind = raw.get("kind") or ("ratio" if raw.get("denominator") else "count")
    if kind not in KINDS:
        raise ConfigurationError(f"{where} : type de calcul inconnu « {kind} » (attendu : {', '.join(sorted(KINDS))}).")
    if kind in ("ratio", "annual_rate") and not raw.get("denominator"):
        raise ConfigurationError(f"{where} : un calcul « {kind} » demande un dénominateur.")
    if kind == "evolution" and not raw.get("base_vintage"):
        raise ConfigurationError(f"{where} : un calcul « evolution » demande « base_vintage ».")
    den = raw.get("denominator")
    return Method(
        source=str(raw["source"]), kind=kind, numerator=Expression(str(raw["numerator"])),
        denominator=Expression(str(den)) if den else None,
        denominator_source=raw.get("denominator_source"),
        denominator_vintage=raw.get("denominator_vintage"), vintage=raw.get("vintage"),
        scale=float(raw.get("scale", 1)), years=int(raw.get("years", 5)),
        base_vintage=raw.get("base_vintage"), note=str(raw.get("note", "")).strip(),
    )


def parse(entries: list, origin: str = "catalogue") -> dict[str, Indicator]:
    from .findings import AXES  # the axes are defined with the findings

    if not isinstance(entries, list):
        raise ConfigurationError(f"{origin} : le catalogue doit être une liste d'indicateurs.")
    out: dict[str, Indicator] = {}
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
        polarity = raw.get("polarity", "neutre")
        if polarity not in POLARITIES:
            raise ConfigurationError(f"{where} : polarité inconnue « {polarity} ».")
        axes = tuple(raw.get("axes") or ())
        unknown = [a for a in axes if a not in AXES]
        if unknown:
            raise ConfigurationError(f"{where} : axe(s) CTG inconnu(s) : {', '.join(unknown)}.")
        methods = tuple(_method(m, where) for m in raw.get("calcul") or ())
        if not methods:
            raise ConfigurationError(f"{where} : aucun « calcul ».")
        out[ident] = Indicator(
            id=ident, theme=theme, label=str(raw["label"]), unit=str(raw.get("unit", "")),
            decimals=int(raw.get("decimals", 1)), polarity=polarity, axes=axes, methods=methods,
            note=" ".join(str(raw.get("note", "")).split()),
        )
    return out


@functools.lru_cache(maxsize=1)
def catalogue() -> dict[str, Indicator]:
    """All indicators, by id, in catalogue order."""
    return parse(yaml.safe_load(CATALOGUE_PATH.read_text(encoding="utf-8")), CATALOGUE_PATH.name)


def get(ids=None) -> list[Indicator]:
    cat = catalogue()
    if ids is None:
        return list(cat.values())
    missing = [i for i in ids if i not in cat]
    if missing:
        from rapidfuzz import process

        hints = {m: [c for c, *_ in process.extract(m, list(cat), limit=3)] for m in missing}
        detail = " ; ".join(f"« {m} » (proches : {', '.join(h)})" for m, h in hints.items())
        raise UnknownIndicator(f"Indicateur(s) inconnu(s) : {detail}.",
                               "La liste des indicateurs : diagnostic indicateurs --liste.")
    return [cat[i] for i in ids]


# --- TEMPORARY (arch-report, issue 9): replaced at merge by arch-engine's id lists, which live in
# a YAML file validated at load. Same names and signatures; the lists are the report's current ones.
_ID_LISTS = {
    "chiffres_cles": ("population", "population_evolution_annuelle", "densite", "part_0_14_ans",
                      "part_75_ans_et_plus", "part_familles_monoparentales", "revenu_median",
                      "taux_pauvrete", "taux_chomage", "part_logements_vacants", "allocataires",
                      "part_allocataires_rsa"),
    "cartes": ("taux_chomage", "part_logements_vacants", "population_evolution_annuelle",
               "part_familles_monoparentales", "part_75_ans_et_plus", "taux_pauvrete",
               "part_menages_sans_voiture", "part_allocataires_rsa"),
    "index_lot": ("population", "population_evolution_annuelle", "part_0_14_ans", "part_75_ans_et_plus",
                  "part_familles_monoparentales", "taux_chomage", "revenu_median", "taux_pauvrete",
                  "part_logements_vacants"),
}


def id_list(name: str) -> tuple[str, ...]:
    """The indicator ids of the list ``name`` (« chiffres_cles », « cartes », « index_lot »)."""
    if name not in _ID_LISTS:
        raise ConfigurationError(f"Liste d'indicateurs inconnue : « {name} ».",
                                 "Listes connues : " + ", ".join(_ID_LISTS) + ".")
    return check_ids(_ID_LISTS[name], f"la liste « {name} »")


def check_ids(ids, where: str) -> tuple[str, ...]:
    """``ids`` as a tuple, or a French error naming ``where`` and the ids absent from the catalogue."""
    ids = tuple(ids)
    unknown = [i for i in ids if i not in catalogue()]
    if unknown:
        raise ConfigurationError(f"Indicateur(s) absent(s) du catalogue dans {where} : {', '.join(unknown)}.",
                                 "Corrigez l'identifiant ou ajoutez l'indicateur à catalogue.yaml.")
    return ids
# --- END TEMPORARY
