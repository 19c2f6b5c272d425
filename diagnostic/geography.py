"""Commune codes across COG vintages.

Communes merge (communes nouvelles), split (rétablissements) or change code
almost every year, and each official file uses the geography of its own
1 January. :class:`CommuneHistory` replays INSEE's commune events
(``v_mvtcommune``) to map the codes of any past geography to the kit's
reference geography (the latest COG in the mirror), so that counts published
in different geographies can be summed over the same territory.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

import pandas as pd

from . import store
from .sources import find
from .sources.readers import sum_complete
from .vocabulary import ARRONDISSEMENT_PARENT, PLM  # noqa: F401  (re-exported)



@dataclass
class Translation:
    """How the codes of one geography map onto the reference geography."""

    from_year: int
    to_year: int
    mapping: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def target(self, code: str) -> tuple[str, ...]:
        return self.mapping.get(code, (code,))


class CommuneHistory:
    """Commune events of the COG, replayed to translate codes between vintages."""

    def __init__(self, events: pd.DataFrame, reference_year: int):
        ev = events[(events["TYPECOM_AV"] == "COM") & (events["TYPECOM_AP"] == "COM")]
        ev = ev[["MOD", "DATE_EFF", "COM_AV", "COM_AP", "LIBELLE_AV", "LIBELLE_AP"]].copy()
        ev = ev[ev["MOD"] != "10"]  # a change of name keeps the code
        self.events = ev.sort_values("DATE_EFF", kind="stable").reset_index(drop=True)
        self.reference_year = reference_year
        self._names = dict(zip(ev["COM_AV"], ev["LIBELLE_AV"]))

    def forward(self, codes, since: str) -> dict[str, tuple[str, ...]]:
        """Map ``codes`` valid just before date ``since`` (ISO) to reference codes.

        Only codes touched by an event are in the result; others keep their code.
        """
        state: dict[str, set[str]] = {c: {c} for c in codes}
        later = self.events[self.events["DATE_EFF"] >= since]
        for _, day in later.groupby("DATE_EFF", sort=True):
            moves: dict[str, set[str]] = {}
            for av, ap in zip(day["COM_AV"], day["COM_AP"]):
                moves.setdefault(av, set()).add(ap)
            for origin, current in state.items():
                if current & moves.keys():
                    new = set()
                    for code in current:
                        new |= moves.get(code, {code})
                    state[origin] = new
        return {c: tuple(sorted(v)) for c, v in state.items() if v != {c}}

    @functools.lru_cache(maxsize=32)
    def translation(self, geo_year: int) -> Translation:
        """Mapping from the geography of 1 January ``geo_year`` to the reference one."""
        if geo_year >= self.reference_year:
            return Translation(geo_year, self.reference_year)
        since = f"{geo_year}-01-02"  # events of 1 January are in that year's COG already
        touched = self.events.loc[self.events["DATE_EFF"] >= since, "COM_AV"].unique()
        return Translation(geo_year, self.reference_year, self.forward(touched, since))

    def successors(self, code: str) -> tuple[str, ...]:
        """Reference codes that a former commune code became (empty if never touched)."""
        mapping = self.forward([code], "1943-01-01")
        return mapping.get(code, ())

    def former_name(self, code: str) -> str | None:
        return self._names.get(code)


@functools.lru_cache(maxsize=1)
def history() -> CommuneHistory:
    ds = find("cog_evenements")[0]
    return CommuneHistory(store.load(ds), reference_year=ds.vintage)


def harmonise(df: pd.DataFrame, code_column: str, geo_year: int, value_columns=None,
              additive: bool = True) -> tuple[pd.DataFrame, list[str]]:
    """Re-express commune rows of geography ``geo_year`` in the reference geography.

    Additive counts of merged communes are summed (exact). A commune split
    since then cannot be apportioned: its rows are dropped and reported. For
    non-additive figures (medians, rates) only communes whose code maps one to
    one are kept. Returns the harmonised frame and French notes of what was
    dropped.
    """
    trans = history().translation(geo_year)
    if not trans.mapping:
        return df, []
    codes = df[code_column].astype("string")
    targets = codes.map(lambda c: trans.target(c) if pd.notna(c) else (c,))
    split = targets.map(len) > 1
    notes = []
    if split.any():
        notes.append("Communes scindées depuis la géographie {} non réparties : {}.".format(
            geo_year, ", ".join(sorted(codes[split].dropna().unique()))))
    out = df.loc[~split].copy()
    out[code_column] = targets[~split].map(lambda t: t[0])
    merged = out[code_column].duplicated(keep=False)
    if not merged.any():
        return out, notes
    if not additive:
        return out.loc[~merged], notes + [
            f"{merged.sum()} communes fusionnées depuis {geo_year} : valeur non additive non calculée."]
    value_columns = value_columns or [c for c in out.columns
                                      if c != code_column and pd.api.types.is_numeric_dtype(out[c])]
    # A merged commune one of whose parts is secret stays missing, never a low total.
    agg = sum_complete(out[value_columns], out[code_column], sort=False)
    others = [c for c in out.columns if c not in value_columns and c != code_column]
    first = out.groupby(code_column, sort=False)[others].first() if others else None
    result = agg if first is None else first.join(agg)
    return result.reset_index()[out.columns], notes
