"""Thresholds of the findings: ``seuils.yaml`` or a user file, validated entry by entry.

Every mistake (not YAML, binary file, a number written as a list, an unknown
indicator) is a :class:`ConfigurationError` naming the file and the entry.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .. import catalogue as cat
from ..errors import ConfigurationError
from ..safe_yaml import load_yaml

THRESHOLDS_PATH = Path(__file__).resolve().parent.parent / "seuils.yaml"
_GAP_KEYS = ("ecart_points", "ecart_relatif")
_HINT = "Voir diagnostic/seuils.yaml pour un modèle commenté."


@dataclass(frozen=True)
class Gap:
    """Gap thresholds of one indicator: points (shares) and relative gap (0.10 = 10 %)."""

    points: float
    relative: float


@dataclass(frozen=True)
class Thresholds:
    """All thresholds of the findings, as read from one file."""

    path: str
    default: Gap
    per_indicator: dict[str, Gap] = field(default_factory=dict)
    trend_minimum: float = 10.0
    annual_trend_minimum: float = 0.5
    contrast_ids: tuple[str, ...] = ()
    contrast_population: float = 2000.0
    contrast_listed: int = 3
    small_minimum: dict[str, float] = field(default_factory=dict)
    small_denominators: dict[str, str] = field(default_factory=dict)
    #: Below this many facilities, a density « pour 1 000 hab. » is a warning.
    small_numerator: float = 5.0

    def gap(self, ind_id: str) -> Gap:
        return self.per_indicator.get(ind_id, self.default)

    def denominator(self, ind_id: str) -> str:
        return self.small_denominators.get(ind_id, "population")

    # Compatibility with the former dict form (``th["defaut"]["ecart_points"]``).
    def __getitem__(self, key: str):
        if key == "defaut":
            return {"ecart_points": self.default.points, "ecart_relatif": self.default.relative}
        if key == "indicateurs":
            return {k: {"ecart_points": g.points, "ecart_relatif": g.relative}
                    for k, g in self.per_indicator.items()}
        raise KeyError(key)


class _Checker:
    """Type checks that name the file and the entry in their French message."""

    def __init__(self, path: Path):
        self.path = path

    def fail(self, where: str, message: str) -> ConfigurationError:
        return ConfigurationError(f"Fichier de seuils {self.path}, entrée « {where} » : {message}", _HINT)

    def table(self, value, where: str, required: bool = False) -> dict:
        if value is None and not required:
            return {}
        if not isinstance(value, dict):
            raise self.fail(where, f"une table (clé: valeur) est attendue, pas « {value!r} ».")
        return value

    def number(self, value, where: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise self.fail(where, f"un nombre positif est attendu, pas « {value!r} ».")
        return float(value)

    def known(self, section: dict, keys, where: str) -> None:
        unknown = sorted(str(k) for k in set(section) - set(keys))
        if unknown:
            raise self.fail(where, f"clé(s) inconnue(s) : {', '.join(unknown)} "
                                   f"(attendues : {', '.join(keys)}).")

    def indicator(self, ident, where: str) -> str:
        if not isinstance(ident, str) or ident not in cat.catalogue():
            raise self.fail(where, f"indicateur inconnu « {ident} » (voir diagnostic indicateurs --liste).")
        return ident

    def gap(self, section, where: str, base: Gap | None) -> Gap:
        section = self.table(section, where, required=base is None)
        self.known(section, _GAP_KEYS, where)
        if base is None and not set(_GAP_KEYS) <= set(section):
            raise self.fail(where, "la section doit fixer ecart_points et ecart_relatif.")
        points = self.number(section["ecart_points"], f"{where}.ecart_points") if "ecart_points" in section \
            else base.points
        relative = self.number(section["ecart_relatif"], f"{where}.ecart_relatif") \
            if "ecart_relatif" in section else base.relative
        return Gap(points, relative)


def _read(path: Path):
    """The YAML content of a thresholds file, French errors (bounded: :mod:`diagnostic.safe_yaml`)."""
    return load_yaml(path, ConfigurationError, "fichier de seuils", _HINT)


def load_thresholds(path: str | Path | None = None) -> Thresholds:
    """Read and validate a thresholds file (default: the kit's ``seuils.yaml``)."""
    path = Path(path) if path else THRESHOLDS_PATH
    raw = _read(path)
    check = _Checker(path)
    if not isinstance(raw, dict) or "defaut" not in raw:
        raise ConfigurationError(f"Le fichier de seuils {path} doit contenir une section « defaut ».", _HINT)
    check.known(raw, ("defaut", "indicateurs", "tendance", "contraste_interne", "effectif_faible"), "racine")
    default = check.gap(raw["defaut"], "defaut", None)
    per_indicator = {}
    for ident, section in check.table(raw.get("indicateurs"), "indicateurs").items():
        where = f"indicateurs.{ident}"
        per_indicator[check.indicator(ident, where)] = check.gap(section or {}, where, default)

    trend = check.table(raw.get("tendance"), "tendance")
    check.known(trend, ("evolution_minimale", "evolution_annuelle_minimale"), "tendance")
    contrast = check.table(raw.get("contraste_interne"), "contraste_interne")
    check.known(contrast, ("population_minimale", "communes_citees", "indicateurs"), "contraste_interne")
    ids = contrast.get("indicateurs") or []
    if not isinstance(ids, list):
        raise check.fail("contraste_interne.indicateurs", "une liste d'identifiants est attendue.")
    small = check.table(raw.get("effectif_faible"), "effectif_faible")
    check.known(small, ("minimum", "denominateurs", "numerateur_minimum"), "effectif_faible")
    minimum = {check.indicator(k, f"effectif_faible.minimum.{k}"):
               check.number(v, f"effectif_faible.minimum.{k}")
               for k, v in check.table(small.get("minimum"), "effectif_faible.minimum").items()}
    denominators = {}
    for k, v in check.table(small.get("denominateurs"), "effectif_faible.denominateurs").items():
        where = f"effectif_faible.denominateurs.{k}"
        denominators[check.indicator(k, where)] = check.indicator(v, where)
    return Thresholds(
        path=str(path), default=default, per_indicator=per_indicator,
        trend_minimum=check.number(trend.get("evolution_minimale", 10.0), "tendance.evolution_minimale"),
        annual_trend_minimum=check.number(trend.get("evolution_annuelle_minimale", 0.5),
                                          "tendance.evolution_annuelle_minimale"),
        contrast_ids=tuple(check.indicator(i, "contraste_interne.indicateurs") for i in ids),
        contrast_population=check.number(contrast.get("population_minimale", 2000),
                                         "contraste_interne.population_minimale"),
        contrast_listed=int(check.number(contrast.get("communes_citees", 3), "contraste_interne.communes_citees")),
        small_minimum=minimum, small_denominators=denominators,
        small_numerator=check.number(small.get("numerateur_minimum", 5), "effectif_faible.numerateur_minimum"),
    )
