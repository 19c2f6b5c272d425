"""The kit's reference geography and commune codes across COG vintages.

:class:`Geography` (through :func:`geography`) holds the reference COG (the latest in
the mirror): communes, arrondissements, départements, régions, EPCI membership and
names, and the index of searchable names.

Commune codes across COG vintages:

Communes merge (communes nouvelles), split (rétablissements) or change code
almost every year, and each official file uses the geography of its own
1 January. :class:`CommuneHistory` replays INSEE's commune events
(``v_mvtcommune``) to map the codes of any past geography to the kit's
reference geography (the latest COG in the mirror), so that counts published
in different geographies can be summed over the same territory.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

import pandas as pd

from . import store
from .sources import find
from .sources.readers import sum_complete
from .text import epci_alias, normalise


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
        self._names = dict(zip(ev["COM_AV"].tolist(), ev["LIBELLE_AV"].tolist()))

    def forward(self, codes, since: str) -> dict[str, tuple[str, ...]]:
        """Map ``codes`` valid just before date ``since`` (ISO) to reference codes.

        Only codes touched by an event are in the result; others keep their code.
        """
        state: dict[str, set[str]] = {c: {c} for c in codes}
        later = self.events[self.events["DATE_EFF"] >= since]
        for _, day in later.groupby("DATE_EFF", sort=True):
            moves: dict[str, set[str]] = {}
            for av, ap in zip(day["COM_AV"].tolist(), day["COM_AP"].tolist()):
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


# ---------------------------------------------------------------------------
# Reference tables
# ---------------------------------------------------------------------------
class Geography:
    """The reference geography: communes, départements, régions and EPCI."""

    def __init__(self):
        cog = find("cog_communes")[0]
        self.year = cog.vintage
        self.cog_source = cog.source_label
        communes = store.load(cog)
        self.communes = communes[communes["TYPECOM"] == "COM"].set_index("COM")
        self.arrondissements = communes[communes["TYPECOM"] == "ARM"].set_index("COM")
        self.delegated = communes[communes["TYPECOM"].isin(["COMD", "COMA"])]
        self.departements = store.load(find("cog_departements")[0]).set_index("DEP")
        self.regions = store.load(find("cog_regions")[0]).set_index("REG")
        self._load_epci()

    def _load_epci(self) -> None:
        """EPCI membership from the most recent file, expressed in the reference COG."""
        candidates = [(d.geo_year, 1, d) for d in find("appartenance", level="COM", required=False)]
        candidates += [(d.geo_year, 0 if d.part else 0.5, d) for d in find("epci", required=False)]
        if not candidates:
            find("epci")  # raises the French "missing file" error
        _, _, ds = max(candidates, key=lambda t: (t[0], t[1]))
        self.epci_source = ds.source_label
        self.epci_year = ds.geo_year
        table = store.load(ds)
        if "TYPE" in table.columns:
            table = table[table["TYPE"] == "COM"]
        table = table[["CODGEO", "EPCI"]].dropna()
        trans = history().translation(ds.geo_year)
        # Plain lists throughout: iterating Arrow-backed columns item by item is slow.
        table = table.assign(CODGEO=[trans.target(c)[0] for c in table["CODGEO"].tolist()])
        table = table[table["EPCI"] != "ZZZZZZZZZ"].drop_duplicates("CODGEO")
        self.commune_epci = dict(zip(table["CODGEO"].tolist(), table["EPCI"].tolist()))
        members: dict[str, list[str]] = {}
        for com, epci in self.commune_epci.items():
            if com in self.communes.index:
                members.setdefault(epci, []).append(com)
        self.epci_members = {k: tuple(sorted(v)) for k, v in members.items()}
        self.epci_names = self._epci_names()

    def _epci_names(self) -> dict[str, str]:
        names: dict[str, str] = {}
        for ds in sorted(find("epci", required=False), key=lambda d: d.geo_year):
            t = store.load(ds)
            names.update(zip(t["EPCI"].tolist(), t["LIBEPCI"].tolist()))
        for ds in sorted(find("appartenance", level="ZONES", required=False), key=lambda d: d.geo_year):
            t = store.load(ds)
            t = t[t["NIVGEO"] == "EPCI"]
            names.update(zip(t["CODGEO"].tolist(), t["LIBGEO"].tolist()))
        return {k: v for k, v in names.items() if k != "ZZZZZZZZZ"}

    # names ---------------------------------------------------------------
    def commune_name(self, code: str) -> str:
        """The commune's (or arrondissement's) name; the code itself when unknown."""
        # Remembered one by one: a report asks the same few names many times, and a dict of
        # all 35 000 would cost more than a report's look-ups.
        names = self.__dict__.setdefault("_commune_names", {})
        if code not in names:
            names[code] = code
            for table in (self.communes, self.arrondissements):
                if code in table.index:
                    names[code] = str(table.at[code, "LIBELLE"])
                    break
        return names[code]

    def departement_name(self, code: str) -> str:
        return str(self.departements.at[code, "LIBELLE"]) if code in self.departements.index else code

    def region_name(self, code: str) -> str:
        return str(self.regions.at[code, "LIBELLE"]) if code in self.regions.index else code

    def epci_name(self, code: str) -> str:
        return self.epci_names.get(code, code)

    # search --------------------------------------------------------------
    @functools.cached_property
    def name_index(self) -> pd.DataFrame:
        """Every searchable name: kind, code, display label, normalised key, alias flag."""
        rows = []
        for code, row in self.communes.iterrows():
            dep = row["DEP"]
            rows.append(("commune", code, f"{row['LIBELLE']} ({self.departement_name(dep)}, {code})",
                         normalise(row["LIBELLE"]), False))
        for code, row in self.arrondissements.iterrows():
            rows.append(("arrondissement", code, f"{row['LIBELLE']} ({code})", normalise(row["LIBELLE"]), False))
        for code in self.epci_members:
            name = self.epci_name(code)
            rows.append(("epci", code, f"{name} (EPCI {code})", normalise(name), False))
            rows.append(("epci", code, f"{name} (EPCI {code})", epci_alias(name), True))
        for code, row in self.departements.iterrows():
            rows.append(("departement", code, f"{row['LIBELLE']} (département {code})",
                         normalise(row["LIBELLE"]), False))
        for code, row in self.regions.iterrows():
            rows.append(("region", code, f"{row['LIBELLE']} (région {code})", normalise(row["LIBELLE"]), False))
        rows.append(("france", "FR", "France", "france", False))
        return pd.DataFrame(rows, columns=["kind", "code", "display", "key", "alias"])

    def populations(self) -> dict[str, float]:
        """Population by commune (latest census in the mirror), to pick ville-centres."""
        try:
            ds = find("comparateur", required=False)
            if not ds:
                return {}
            pop_col = next(c for c in store.column_names(ds[0]) if re.fullmatch(r"P\d{2}_POP", c))
            df = store.load_columns(ds[0], ["CODGEO", pop_col])
            return dict(zip(df["CODGEO"].tolist(), df[pop_col].tolist()))
        except Exception:  # a convenience only: never block a resolution
            return {}


@functools.lru_cache(maxsize=1)
def geography() -> Geography:
    return Geography()
