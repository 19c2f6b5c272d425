"""The thin object the report notebook calls: ``dg = Diagnostic(territoire, pairs)``.

It computes the territory's indicators and findings once, gives the sections
fast access to them, and displays each section of the registry
(:mod:`diagnostic.report.sections`) as an :class:`~diagnostic.report.display.Html`
block: ``dg.title()`` then ``dg.section("synthese")``, ``dg.section("logement")``…
Its first output, the title, carries the blocks' styles (``report.css``), so the
notebook looks the same in JupyterLab as the exported page.
"""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import __version__, documents, export, indicators, synthese
from .. import findings as findings_mod
from ..territory import geography, resolve, resolve_epci
from . import ahead, sections
from .display import Html, esc, stylesheet
from .formatting import LEVEL_ORDER, date_fr
from .pipeline import COMMUNE_DETAIL_NAME


@dataclass
class Diagnostic:
    """Everything the report shows about one territory, computed once.

    >>> dg = Diagnostic("246100663")          # doctest: +SKIP
    >>> dg.section("logement")                # a table, charts and a comment
    """

    territory: object
    peers: tuple = ()
    #: The convention's axes: a YAML file, an AxisSet, or None (the territory file's, else candidates).
    axes: object = None
    table: pd.DataFrame = field(init=False, repr=False)
    findings: pd.DataFrame = field(init=False, repr=False)

    def __post_init__(self):
        self.territory = resolve(self.territory)
        self.peers = tuple(resolve(p) for p in (self.peers or ()) if str(p).strip())
        self.generated_at = dt.datetime.now()
        self.table = indicators.compute(self.territory, peers=list(self.peers))
        self.axes = findings_mod.axes_for(self.territory, self.axes)
        self.findings = findings_mod.compute(self.table, axes=self.axes, territory=self.territory)
        #: The territory's own rows, by indicator id.
        self.own = self.table[self.table["level"] == "territoire"].set_index("id")

    # -- the sections -----------------------------------------------------------
    def section(self, key: str, **options):
        """The section ``key`` of the registry (``sections.get(key)`` names the known ones)."""
        section = sections.get(key)
        ready = ahead.lookup(self, key)  # rendered by the report command meanwhile (ahead.py)
        return Html(ready) if ready is not None else section.render(self, section, **options)

    def title(self) -> Html:
        """Title block: territory, its references, date and kit version (and the blocks' styles)."""
        t = self.territory
        geo = geography()
        kind = t.kind_label[:1].upper() + t.kind_label[1:]
        facts = [f"{esc(kind)} · code {esc(t.code)}" if t.kind != "perimetre"
                 else "Périmètre sur mesure",
                 f"{len(t.communes)} commune{'s' if len(t.communes) > 1 else ''} (COG {t.geo_year})"]
        if t.departement:
            facts.append(f"département de référence : {esc(geo.departement_name(t.departement))} "
                         f"({esc(t.departement)})")
        if t.region:
            facts.append(f"région : {esc(geo.region_name(t.region))}")
        if t.epci and t.kind in ("commune", "arrondissement"):
            facts.append(f"intercommunalité : {esc(geo.epci_name(t.epci))}")
        notices = "".join(f'<p class="dg-notice">{esc(n)}</p>' for n in t.notices)
        peers = ""
        if self.peers:
            peers = ("<p>Territoires de comparaison : "
                     + ", ".join(esc(p.label) for p in self.peers) + ".</p>")
        return Html(
            stylesheet() + '<header class="dg-header">'
            '<p class="dg-kicker">Diagnostic territorial · Convention territoriale globale (CTG)</p>'
            f"<h1>{esc(t.name)}</h1>"
            f'<p class="dg-facts">{" · ".join(facts)}</p>{notices}{peers}'
            f'<p class="dg-generated">Rapport généré le {date_fr(self.generated_at)} à '
            f'{self.generated_at:%H:%M} avec le kit « diagnostic » {esc(__version__)}, à partir des '
            "fichiers officiels de l'Insee et de la Cnaf.</p></header>")

    # -- access to the table ------------------------------------------------------
    @functools.cached_property
    def columns(self) -> list[tuple[str, str, str]]:
        """(level, code, short name) of the table's columns: territory, references, peers."""
        seen, out = set(), []
        for level, code, name in self.table[["level", "code", "name"]].itertuples(index=False):
            if (level, code) not in seen:
                seen.add((level, code))
                out.append((level, code, name))
        return sorted(out, key=lambda t: LEVEL_ORDER.get(t[0], 9))

    @functools.cached_property
    def _all_records(self) -> dict[str, list[dict]]:
        out: dict[str, list[dict]] = {}
        for r in self.table.to_dict("records"):
            out.setdefault(r["id"], []).append(r)
        return out

    def records(self, ind_id: str) -> list[dict]:
        """The rows of one indicator as dicts: territory, references (in that order), peers."""
        cache = self.__dict__.setdefault("_records_cache", {})
        if ind_id not in cache:
            records = self._all_records.get(ind_id, [])
            keys = [LEVEL_ORDER.get(r["level"]) for r in records]
            if None not in keys and len(set(keys)) == len(keys):  # one row per level: order is plain
                cache[ind_id] = [r for _, r in sorted(zip(keys, records), key=lambda kr: kr[0])]
            else:  # several peers: sorted by level as pandas does it
                rows = self.table[self.table["id"] == ind_id]
                cache[ind_id] = rows.assign(_o=rows["level"].map(LEVEL_ORDER)).sort_values("_o").to_dict("records")
        return cache[ind_id]

    @functools.cached_property
    def _own_values(self) -> dict[str, bool]:
        return {ind_id: bool(pd.notna(value)) for ind_id, value in self.own["value"].items()}

    def has_value(self, ind_id: str) -> bool:
        return self._own_values.get(ind_id, False)

    def partially_covered(self, ind_id: str) -> bool:
        """No territory value, but some communes covered: their own values can be shown."""
        if ind_id not in self.own.index or self.has_value(ind_id):
            return False
        covered = self.own.at[ind_id, "coverage_communes"]
        return len(self.territory.communes) > 1 and pd.notna(covered) and covered > 0

    @functools.cached_property
    def _themes(self) -> list[tuple[str, str]]:
        """(indicator id, theme) in the table's order."""
        theme = dict(self.own["theme"].items())
        return [(i, theme[i]) for i in dict.fromkeys(self.table["id"])]

    def theme_ids(self, themes: tuple[str, ...]) -> list[str]:
        """The table's indicators of ``themes``, in the catalogue's order."""
        return [i for i, theme in self._themes if theme in themes]

    def commune_values(self, ind_id: str) -> pd.DataFrame:
        """The indicator for each commune (code, name, value; attrs: label, unit, source…), once."""
        cache = self.__dict__.setdefault("_commune_values_cache", {})
        if ind_id not in cache:
            cache[ind_id] = indicators.commune_values(self.territory, ind_id)
        return cache[ind_id]

    def commune_detail_ids(self) -> list[str]:
        """The table's indicators with a value for at least one commune (several communes only)."""
        if len(self.territory.communes) <= 1 or self.territory.kind == "france":
            return []
        return [i for i in dict.fromkeys(self.table["id"])
                if self.commune_values(i)["value"].notna().any()]

    def references(self) -> list:
        """The territory, then what it is compared with in the charts: for a commune its
        intercommunalité first (often the only reference an IRIS extract covers fully)."""
        cached = self.__dict__.get("_references_cache")
        if cached is None:
            out = [self.territory]
            if self.territory.kind in ("commune", "arrondissement") and self.territory.epci:
                try:
                    out.append(resolve_epci(self.territory.epci))
                except Exception:
                    pass
            out += list(self.territory.references())
            cached = self.__dict__["_references_cache"] = tuple(out)
        return list(cached)

    # -- side files ---------------------------------------------------------------
    @functools.cached_property
    def syntheses(self) -> list:
        """The synthèse of each axis (:mod:`diagnostic.synthese`): paragraph and key figures."""
        return synthese.build(self.findings, self.table, self.axes)

    def write_files(self, directory: str | Path | None) -> list[Path]:
        """Write ``indicateurs.xlsx``, ``indicateurs.csv``, ``enjeux.csv`` and ``synthese.docx``."""
        if not directory:
            return []
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        export.indicators_workbook(self.table, directory / "indicateurs.xlsx", territory=self.territory,
                                   values_of=self.commune_values)
        export.write(self.table, "csv", directory / "indicateurs.csv")
        findings_mod.write_csv(self.findings, directory / "enjeux.csv")
        documents.write_synthese_docx(directory / "synthese.docx", self.territory.label, self.syntheses,
                                      synthese.sources(self.findings, self.syntheses),
                                      when=self.generated_at.date())
        written = [directory / n for n in ("indicateurs.xlsx", "indicateurs.csv", "enjeux.csv", "synthese.docx")]
        detail = self.commune_detail()
        if not detail.empty:  # the annex's full detail (summarised in the report beyond 60 communes)
            export.write(detail, "csv", directory / COMMUNE_DETAIL_NAME)
            written.append(directory / COMMUNE_DETAIL_NAME)
        return written

    def commune_detail(self) -> pd.DataFrame:
        """Every indicator with commune values, commune by commune (one row per commune × indicator)."""
        frames = []
        for ind_id in self.commune_detail_ids():
            values = self.commune_values(ind_id)
            frames.append(values.assign(id=ind_id, label=values.attrs.get("label", ""),
                                        unit=values.attrs.get("unit", ""),
                                        source=values.attrs.get("source", ""))
                          [["code", "name", "id", "label", "unit", "value", "source"]])
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
