"""Finding kinds, each registered once (``register``/``get``), and the Finding record."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import pandas as pd

from ..errors import ConfigurationError
from ..territory import Territory
from .thresholds import Thresholds

#: Status of a finding and its French label.
STATUS_FR = {"enjeu": "Enjeu", "atout": "Atout", "ecart": "Écart notable",
             "avertissement": "Effectif faible", "non_compare": "Comparaison impossible"}


@dataclass
class Finding:
    """One finding: a French sentence and the figures it states (as printed)."""

    kind: str
    indicator: str
    theme: str
    label: str
    status: str
    sentence: str
    value: float | None = None
    reference_level: str = ""
    reference_name: str = ""
    reference_value: float | None = None
    gap: float | None = None
    gap_unit: str = ""  # "points", "%", "fois", ""
    unit: str = ""
    source: str = ""
    vintage: str = ""
    subject: str = ""  # a commune, an IRIS, a QPV the finding is about ("" = the territory)
    catalogue_axes: tuple[str, ...] = ()
    axis: str = ""
    axis_label: str = ""
    secondary_axes: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """Unique key of the finding in a territory's list."""
        return ":".join(p for p in (self.kind, self.indicator, self.subject) if p)


@dataclass
class Context:
    """What every kind reads: the territory, its indicator table and the thresholds."""

    territory: Territory | None
    table: pd.DataFrame
    thresholds: Thresholds
    own: pd.DataFrame = field(init=False)
    #: Indicators compared with a reference (so « ne s'écarte pas » is said only of them).
    compared: set[str] = field(default_factory=set)
    #: Findings of the kinds run so far (a kind may read or amend them).
    findings: list[Finding] = field(default_factory=list)

    _references: dict[str, dict[str, dict]] = field(init=False, repr=False)

    def __post_init__(self):
        self.own = self.table[self.table["level"] == "territoire"].drop_duplicates("id").set_index("id")
        self._references = {}
        refs = self.table[self.table["level"].isin(["departement", "region", "france", "pair"])]
        for row in refs.to_dict("records"):  # indexed once: kinds ask for every indicator
            level = row["level"] if row["level"] != "pair" else f"pair:{row['code']}"
            self._references.setdefault(row["id"], {}).setdefault(level, row)

    def own_rows(self):
        """(indicator id, territory row as a dict), in catalogue order."""
        return ((r["id"], r) for r in self.own.reset_index().to_dict("records"))

    def reference_rows(self, ind_id: str) -> dict[str, dict]:
        """The département, région and France rows of an indicator, by level."""
        return {k: v for k, v in self._references.get(ind_id, {}).items() if not k.startswith("pair:")}

    def peer_rows(self, ind_id: str) -> list[dict]:
        """The rows of the comparison territories (``--pairs``) of an indicator."""
        return [v for k, v in self._references.get(ind_id, {}).items() if k.startswith("pair:")]


Kind = Callable[[Context], list[Finding]]
_KINDS: dict[str, tuple[Kind, str, int]] = {}


def register(name: str, label: str, stage: int = 0):
    """Decorator registering a finding kind once under ``name`` (French ``label``).

    Kinds run by ``stage`` then registration order; a later stage may amend the
    findings of earlier ones (``effectif_faible`` turns small-number gaps into warnings).
    """
    def decorator(fn: Kind) -> Kind:
        if name in _KINDS:
            raise ConfigurationError(f"Type de constat « {name} » enregistré deux fois.")
        _KINDS[name] = (fn, label, stage)
        return fn
    return decorator


def get(name: str) -> Kind:
    if name not in _KINDS:
        raise ConfigurationError(f"Type de constat inconnu « {name} ».",
                                 f"Types possibles : {', '.join(_KINDS)}.")
    return _KINDS[name][0]


def names() -> tuple[str, ...]:
    """Registered kinds, in the order they run."""
    return tuple(sorted(_KINDS, key=lambda k: _KINDS[k][2]))


def label(name: str) -> str:
    return _KINDS[name][1] if name in _KINDS else name
