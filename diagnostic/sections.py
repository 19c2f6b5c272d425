"""The sections of the report: the library side of ``notebooks/diagnostic.ipynb``.

The notebook stays thin: it builds one :class:`Diagnostic` per territory and
displays what its methods return, section by section. Every method returns an
object Jupyter displays by itself (an :class:`Html` block — French tables,
figures embedded as base64 PNG — or :class:`Markdown`), and never raises for
missing data: a section whose figures are not in the mirror says so, and which
file to add; a chart that fails is replaced by a French message.

Order of the report: 1. Synthèse; 2. one section per theme (:data:`SECTIONS`);
3. Cartes; 4. Méthodologie et sources.
"""
from __future__ import annotations

import base64
import datetime as dt
import functools
import html
import math
import platform
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import __version__
from . import findings as findings_mod
from . import indicators
from .catalogue import catalogue
from .text import format_number

# ---------------------------------------------------------------------------
# Displayable objects
# ---------------------------------------------------------------------------


class Html(str):
    """An HTML fragment Jupyter displays as such (``text/html``)."""

    def _repr_html_(self) -> str:
        return str(self)

    def _repr_pretty_(self, p, cycle) -> None:  # short text/plain twin of the HTML output
        p.text(f"[bloc HTML du rapport : {len(self)} caractères]")


class Markdown(str):
    """A Markdown text Jupyter renders (``text/markdown``)."""

    def _repr_markdown_(self) -> str:
        return str(self)


def esc(text) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def figure_html(fig, alt: str = "") -> Html:
    """A matplotlib figure as an embedded PNG (no external file, no request)."""
    from .charts import figure_to_png_bytes

    data = base64.b64encode(figure_to_png_bytes(fig)).decode("ascii")
    return Html(f'<figure class="dg-figure"><img src="data:image/png;base64,{data}" '
                f'alt="{esc(alt)}"/></figure>')


def message(text: str, kind: str = "info") -> Html:
    """A French notice box (``info``: missing data; ``erreur``: a chart that failed)."""
    return Html(f'<div class="dg-message dg-{kind}">{text}</div>')


def _figure_title(fig) -> str:
    title = getattr(fig, "_suptitle", None)
    return title.get_text().replace("\n", " ") if title is not None else ""


# ---------------------------------------------------------------------------
# The sections
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Section:
    key: str
    title: str
    themes: tuple[str, ...]
    #: Share indicators drawn as comparison bars (the first two with a value).
    bars: tuple[str, ...] = ()
    #: Products whose absence from the mirror explains an empty section.
    products: tuple[str, ...] = ()


SECTIONS: list[Section] = [
    Section("demographie", "Démographie", ("demographie",),
            ("population_evolution_annuelle", "taux_natalite"), ("comparateur", "rp_population")),
    Section("familles", "Familles et ménages", ("familles",),
            ("part_familles_monoparentales", "part_menages_une_personne"), ("rp_familles",)),
    Section("enfance_jeunesse", "Petite enfance et enfance-jeunesse", ("enfance_jeunesse",),
            ("part_0_2_ans", "part_0_14_ans", "part_15_29_ans"), ("rp_population",)),
    Section("vieillissement", "Vieillissement", ("vieillissement",),
            ("part_75_ans_et_plus", "part_60_ans_et_plus", "part_80_ans_et_plus_seuls"),
            ("rp_population",)),
    Section("revenus", "Revenus, précarité et accès aux droits", ("revenus", "caf"),
            ("taux_pauvrete", "part_allocataires_rsa", "part_allocataires_aide_logement"),
            ("filosofi", "caf_iris")),
    Section("logement", "Logement", ("logement",),
            ("part_logements_vacants", "part_locataires_hlm", "part_proprietaires"),
            ("comparateur", "rp_logement")),
    Section("emploi", "Emploi", ("emploi",), ("taux_chomage", "taux_activite"), ("comparateur",)),
    Section("equipements", "Équipements et services", ("equipements",), (), ("bpe",)),
    Section("mobilite", "Mobilité", ("mobilite",),
            ("part_menages_sans_voiture", "part_actifs_travaillant_hors_commune"),
            ("rp_activite", "mobpro")),
]
SECTION_BY_KEY = {s.key: s for s in SECTIONS}

#: Key figures of the synthesis, in this order (those the catalogue knows).
KEY_FIGURES = ["population", "population_evolution_annuelle", "densite", "part_0_14_ans",
               "part_75_ans_et_plus", "part_familles_monoparentales", "revenu_median",
               "taux_pauvrete", "taux_chomage", "part_logements_vacants", "allocataires",
               "part_allocataires_rsa"]

#: Indicators mapped by commune (the first ones with values for enough communes).
MAP_INDICATORS = ["taux_chomage", "part_logements_vacants", "population_evolution_annuelle",
                  "part_familles_monoparentales", "part_75_ans_et_plus", "taux_pauvrete",
                  "part_menages_sans_voiture", "part_allocataires_rsa"]

PARTIAL_REFERENCE_NOTE = (
    "couverture partielle de la source à ce niveau (communes absentes du fichier ou secret "
    "statistique) : valeur non calculée ; le détail figure dans « Méthodologie et sources ».")

LEVEL_ORDER = {"territoire": 0, "departement": 1, "region": 2, "france": 3, "pair": 4}
STATUS_FR = {"enjeu": "Enjeu", "atout": "Atout", "ecart": "Écart notable"}
#: Width of the charts (inches): about 770 px at 110 dpi, readable without zoom.
CHART_WIDTH = 7.0

MONTHS_FR = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
             "septembre", "octobre", "novembre", "décembre"]


def date_fr(when: dt.date | dt.datetime) -> str:
    day = "1er" if when.day == 1 else str(when.day)
    return f"{day} {MONTHS_FR[when.month - 1]} {when.year}"


def _value_text(value, decimals, unit) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n.d."
    unit = str(unit or "")
    return format_number(value, int(decimals), "%" if unit.startswith("%") else "")


def _unit_suffix(unit: str) -> str:
    unit = str(unit or "")
    if not unit or unit == "%":
        return ""
    return f" ({unit.replace('%', '%')})"


# ---------------------------------------------------------------------------
# Diagnostic
# ---------------------------------------------------------------------------
@dataclass
class Diagnostic:
    """Everything the report shows about one territory, computed once.

    >>> dg = Diagnostic("246100663")          # doctest: +SKIP
    >>> dg.section("logement")                # a table, charts and a comment
    """

    territory: object
    peers: tuple = ()
    table: pd.DataFrame = field(init=False, repr=False)
    findings: pd.DataFrame = field(init=False, repr=False)

    def __post_init__(self):
        from .territory import resolve

        self.territory = resolve(self.territory)
        self.peers = tuple(resolve(p) for p in (self.peers or ()) if str(p).strip())
        self.generated_at = dt.datetime.now()
        self.table = indicators.compute(self.territory, peers=list(self.peers))
        self.findings = findings_mod.compute(self.table)
        self._own = self.table[self.table["level"] == "territoire"].set_index("id")

    # -- names ----------------------------------------------------------------
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
    def _groups(self) -> dict[str, pd.DataFrame]:
        """The table's rows of each indicator (split once: tables and charts look them up often)."""
        return {ind_id: rows for ind_id, rows in self.table.groupby("id", sort=False)}

    def _values(self, ind_id: str) -> pd.DataFrame:
        cache = self.__dict__.setdefault("_values_cache", {})
        if ind_id not in cache:
            rows = self._groups.get(ind_id)
            if rows is None:
                rows = self.table[self.table["id"] == ind_id]
            cache[ind_id] = rows.assign(_o=rows["level"].map(LEVEL_ORDER)).sort_values("_o")
        return cache[ind_id]

    @functools.cached_property
    def _all_records(self) -> dict[str, list[dict]]:
        out: dict[str, list[dict]] = {}
        for r in self.table.to_dict("records"):
            out.setdefault(r["id"], []).append(r)
        return out

    def _records(self, ind_id: str) -> list[dict]:
        """The rows of :meth:`_values` as dicts, in the same order."""
        cache = self.__dict__.setdefault("_records_cache", {})
        if ind_id not in cache:
            records = self._all_records.get(ind_id, [])
            keys = [LEVEL_ORDER.get(r["level"]) for r in records]
            if None not in keys and len(set(keys)) == len(keys):  # one row per level: order is plain
                cache[ind_id] = [r for _, r in sorted(zip(keys, records), key=lambda kr: kr[0])]
            else:  # several peers: exactly the order of _values
                cache[ind_id] = self._values(ind_id).to_dict("records")
        return cache[ind_id]

    @functools.cached_property
    def _own_values(self) -> dict[str, bool]:
        return {ind_id: bool(pd.notna(value)) for ind_id, value in self._own["value"].items()}

    def has_value(self, ind_id: str) -> bool:
        return self._own_values.get(ind_id, False)

    def partially_covered(self, ind_id: str) -> bool:
        """No territory value, but some communes covered: their own values can be shown."""
        if ind_id not in self._own.index or self.has_value(ind_id):
            return False
        covered = self._own.at[ind_id, "coverage_communes"]
        return len(self.territory.communes) > 1 and pd.notna(covered) and covered > 0

    def commune_table(self, ids: list[str]) -> Html:
        """Values of the covered communes, for indicators without a territory value."""
        frames = {}
        for ind_id in ids:
            values = indicators.commune_values(self.territory, ind_id)
            frames[ind_id] = values.set_index("code")
        first = next(iter(frames.values()))
        covered = [c for c in first.index if any(pd.notna(f.at[c, "value"]) for f in frames.values())]
        head = "".join(f"<th>{esc(self._own.at[i, 'label'])}</th>" for i in ids)
        rows = []
        for code in covered:
            cells = "".join(
                f"<td class=\"dg-num\">{esc(_value_text(frames[i].at[code, 'value'], self._own.at[i, 'decimals'], self._own.at[i, 'unit']))}</td>"
                for i in ids)
            rows.append(f"<tr><td>{esc(first.at[code, 'name'])} <span class=\"dg-unit\">({esc(code)})</span></td>{cells}</tr>")
        missing = len(first) - len(covered)
        caption = (f"Valeurs par commune pour les {len(covered)} communes couvertes par la source "
                   f"({missing} commune{'s' if missing > 1 else ''} non couverte{'s' if missing > 1 else ''} : "
                   "aucune valeur d'ensemble n'est calculée pour le territoire).")
        return Html(f'<div class="dg-table-wrap"><table class="dg-table"><caption>{esc(caption)}</caption>'
                    f"<thead><tr><th>Commune</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody>"
                    "</table></div>")

    @functools.cached_property
    def _themes(self) -> list[tuple[str, str]]:
        """(indicator id, theme) in the table's order."""
        theme = dict(self._own["theme"].items())
        return [(i, theme[i]) for i in dict.fromkeys(self.table["id"])]

    def section_ids(self, key: str) -> list[str]:
        themes = SECTION_BY_KEY[key].themes
        return [i for i, theme in self._themes if theme in themes]

    # -- header ---------------------------------------------------------------
    def title(self) -> Html:
        """Title block: territory, its references, date and kit version."""
        from .territory import geography

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
            '<header class="dg-header">'
            '<p class="dg-kicker">Diagnostic territorial · Convention territoriale globale (CTG)</p>'
            f"<h1>{esc(t.name)}</h1>"
            f'<p class="dg-facts">{" · ".join(facts)}</p>{notices}{peers}'
            f'<p class="dg-generated">Rapport généré le {date_fr(self.generated_at)} à '
            f'{self.generated_at:%H:%M} avec le kit « diagnostic » {esc(__version__)}, à partir des '
            "fichiers officiels de l'Insee et de la Cnaf.</p></header>")

    # -- tables ---------------------------------------------------------------
    def indicator_table(self, ids: list[str], caption: str = "") -> Html:
        """Indicators (rows) beside the references (columns), French numbers,
        with « Source » and « Millésime » columns and numbered notes."""
        cols = self.columns
        notes: dict[str, int] = {}

        def note_ref(text: str) -> str:
            if not text:
                return ""
            if text not in notes:
                notes[text] = len(notes) + 1
            return f'<sup class="dg-ref">{notes[text]}</sup>'

        head = "".join(
            f'<th class="dg-num{" dg-own" if lvl == "territoire" else ""}">{esc(name)}</th>'
            for lvl, _, name in cols)
        body = []
        for ind_id in ids:
            records = self._records(ind_id)
            if not records:
                continue
            first: dict[tuple, dict] = {}
            for r in records:
                first.setdefault((r["level"], r["code"]), r)
            own = next(r for r in records if r["level"] == "territoire")
            cells = []
            for lvl, code, _ in cols:
                r = first.get((lvl, code))
                if r is None:
                    cells.append('<td class="dg-num">—</td>')
                    continue
                text = _value_text(r["value"], r["decimals"], r["unit"])
                ref = ""
                if pd.isna(r["value"]):
                    note = r["note"]
                    if lvl != "territoire" and str(note).startswith("couverture partielle"):
                        note = PARTIAL_REFERENCE_NOTE
                    ref = note_ref(note)
                elif lvl == "territoire" and r["note"]:
                    ref = note_ref(r["note"])
                cls = "dg-num dg-own" if lvl == "territoire" else "dg-num"
                cells.append(f'<td class="{cls}">{esc(text)}{ref}</td>')
            label = f'{esc(own["label"])}<span class="dg-unit">{esc(_unit_suffix(own["unit"]))}</span>'
            source = own["source"] or "—"
            vintage = own["vintage"] or "—"
            body.append(f"<tr><th scope=\"row\">{label}</th>{''.join(cells)}"
                        f'<td class="dg-src">{esc(source)}</td><td class="dg-vint">{esc(vintage)}</td></tr>')
        if not body:
            return message("Aucun indicateur du catalogue pour ce thème.")
        cap = f"<caption>{esc(caption)}</caption>" if caption else ""
        notes_html = ""
        if notes:
            items = "".join(f'<li value="{n}">{esc(text)}</li>' for text, n in notes.items())
            notes_html = f'<ol class="dg-notes">{items}</ol>'
        return Html(
            f'<div class="dg-table-wrap"><table class="dg-table">{cap}<thead><tr><th>Indicateur</th>'
            f"{head}<th>Source</th><th>Millésime</th></tr></thead><tbody>{''.join(body)}</tbody>"
            f"</table>{notes_html}</div>")

    def key_figures(self) -> Html:
        known = [i for i in KEY_FIGURES if i in set(self.table["id"])]
        return self.indicator_table(known, "Chiffres clés du territoire et de ses références")

    # -- findings -------------------------------------------------------------
    def _finding_items(self, df: pd.DataFrame, limit: int | None = None) -> list[str]:
        """One line per (status, indicator): the first reference's sentence, the others named."""
        items = []
        # What df.groupby(["status", "id"], sort=False) then drop_duplicates("sentence") give,
        # on plain rows: groups in order of first appearance, rows in order, keys never missing.
        groups: dict[tuple, list[dict]] = {}
        for r in df.to_dict("records"):
            if pd.isna(r["status"]) or pd.isna(r["id"]):
                continue
            rows = groups.setdefault((r["status"], r["id"]), [])
            if not any(_same(r["sentence"], o["sentence"]) for o in rows):
                rows.append(r)
        for (status, ind_id), group in groups.items():
            first = group[0]
            others = [self._reference_name(r) for r in group[1:]]
            extra = ""
            if others:
                extra = (f' <span class="dg-also">Écart également marqué avec '
                         f"{esc(_join_fr(others))}.</span>")
            items.append(f'<li><span class="dg-badge dg-{status}">{STATUS_FR.get(status, status)}'
                         f"</span> {esc(first['sentence'])}{extra}</li>")
        return items[:limit] if limit else items

    @staticmethod
    def _reference_name(row) -> str:
        level, name = row["reference_level"], row["reference_name"]
        if level == "france":
            return "la France"
        if level == "region":
            return f"la région {name}"
        if level == "departement":
            return findings_mod._with_article(name)
        return name

    def findings_by_axis(self) -> Html:
        """Findings grouped by candidate CTG axis, axes with concerns first."""
        df = self.findings
        if df.empty:
            return message("Aucun écart marqué avec les territoires de référence au regard des seuils "
                           "retenus (voir « Méthodologie et sources »).")
        status_rank = {"enjeu": 0, "atout": 1, "ecart": 2}
        df = df.assign(_s=df["status"].map(status_rank))
        blocks = []
        axes = (df.groupby("axis_label", sort=False)
                .agg(enjeux=("status", lambda s: int((s == "enjeu").sum())), first=("_s", "min"))
                .reset_index())
        axes["_pos"] = range(len(axes))
        axes = axes.sort_values(["first", "enjeux", "_pos"], ascending=[True, False, True])
        for axis in axes["axis_label"]:
            group = df[df["axis_label"] == axis].sort_values(["_s"], kind="stable")
            n = int((group.drop_duplicates("id")["status"] == "enjeu").sum())
            count = f' <span class="dg-count">{n} enjeu{"x" if n > 1 else ""}</span>' if n else ""
            blocks.append(f'<div class="dg-axis"><h4>{esc(axis)}{count}</h4><ul>'
                          + "".join(self._finding_items(group)) + "</ul></div>")
        intro = ("<p>Les constats ci-dessous sont les écarts aux références (département, région, "
                 "France) qui dépassent les seuils retenus, rattachés aux axes candidats de la "
                 "convention territoriale globale. Les enjeux (situations défavorables) sont présentés "
                 "en premier.</p>")
        return Html(intro + "".join(blocks))

    def synthesis(self) -> Html:
        return Html(self.key_figures() + "<h3>Enjeux par axe de la convention</h3>"
                    + self.findings_by_axis())

    def comment(self, key: str) -> Html:
        """Short generated comment of a section, from its findings."""
        ids = self.section_ids(key)
        available = [i for i in ids if self.has_value(i)]
        if not ids or not available:
            return Html("")  # the section already says its data is missing
        comparable = [i for i in available if bool(self._own.at[i, "comparable"])]
        if not comparable:
            return Html('<div class="dg-comment"><p><strong>À retenir.</strong> Les indicateurs de ce thème '
                        "qui se comparent d'un territoire à l'autre (parts, taux) ne sont pas disponibles "
                        "pour ce territoire (voir les notes du tableau) : aucun constat ne peut être "
                        "établi.</p></div>")
        df = self.findings[self.findings["id"].isin(ids)].drop_duplicates(["id", "reference_level", "status"])
        df = df.assign(_s=df["status"].map({"enjeu": 0, "atout": 1, "ecart": 2})).sort_values("_s", kind="stable")
        missing = len(ids) - len(available)
        tail = ""
        if missing:
            tail = (f"<p class=\"dg-muted\">{missing} indicateur{'s' if missing > 1 else ''} sur {len(ids)} "
                    f"non disponible{'s' if missing > 1 else ''} pour ce territoire (voir les notes du "
                    "tableau).</p>")
        if df.empty:
            return Html('<div class="dg-comment"><p><strong>À retenir.</strong> Sur ce thème, le territoire '
                        "ne s'écarte pas nettement de ses références au regard des seuils retenus.</p>"
                        f"{tail}</div>")
        n_enjeux = df[df["status"] == "enjeu"]["id"].nunique()
        lead = (f"{n_enjeux} enjeu{'x' if n_enjeux > 1 else ''} repéré{'s' if n_enjeux > 1 else ''} sur ce thème."
                if n_enjeux else "Pas d'enjeu repéré sur ce thème ; écarts notables :")
        items = self._finding_items(df, limit=6)
        return Html(f'<div class="dg-comment"><p><strong>À retenir.</strong> {lead}</p><ul>'
                    + "".join(items) + f"</ul>{tail}</div>")

    # -- charts ---------------------------------------------------------------
    def _safe(self, title: str, build) -> Html:
        """Run a chart builder; a failure becomes a French message, never an exception."""
        try:
            out = build()
        except Exception as exc:  # a chart must never stop the report
            detail = f"{type(exc).__name__} : {exc}"
            return message(f"Le graphique « {esc(title)} » n'a pas pu être produit "
                           f"(détail technique : {esc(detail[:300])}).", "erreur")
        if out is None:
            return Html("")
        if isinstance(out, str):
            return out if isinstance(out, Html) else Html(out)
        return figure_html(out, _figure_title(out) or title)

    def _label(self, level: str, name: str) -> str:
        return name

    def comparison_chart(self, ind_id: str):
        from . import charts

        rows = self._records(ind_id)  # the rows of _values, as dicts
        own = next(r for r in rows if r["level"] == "territoire")
        if not any(pd.notna(r["value"]) for r in rows if r["level"] != "territoire"):
            return None  # nothing to compare with: the table says why
        values = pd.Series([r["value"] for r in rows],
                           index=[self._label(r["level"], r["name"]) for r in rows],
                           dtype=float)
        values = values[~values.index.duplicated()]
        unit = "%" if str(own["unit"]).startswith("%") else own["unit"]
        source = _source_line(own)
        return charts.comparison_bars(values, own["label"], unit=unit, source=source,
                                      decimals=int(own["decimals"]), width=CHART_WIDTH)

    def charts(self, key: str) -> list[Html]:
        """The section's charts, each already embedded (or a French message)."""
        section = SECTION_BY_KEY[key]
        out: list[Html] = []
        special = {"demographie": (self._pyramid, self._population_history),
                   "familles": (self._family_types,), "mobilite": (self._commuting_modes,),
                   "revenus": (self._caf_evolution,)}
        for build in special.get(key, ()):
            out.append(self._safe(f"graphique du thème {section.title}", build))
        drawn = 0
        for ind_id in section.bars:
            if drawn >= 2:
                break
            if self.has_value(ind_id):
                label = self._own.at[ind_id, "label"]
                chart = self._safe(label, lambda i=ind_id: self.comparison_chart(i))
                if chart:
                    out.append(chart)
                    drawn += 1
        return [h for h in out if h]

    # special charts ----------------------------------------------------------
    def _references(self) -> list:
        """The territory, then what it is compared with in the charts: for a commune its
        intercommunalité first (often the only reference an IRIS extract covers fully)."""
        cached = self.__dict__.get("_references_cache")
        if cached is not None:
            return list(cached)
        out = [self.territory]
        if self.territory.kind in ("commune", "arrondissement") and self.territory.epci:
            try:
                out.append(_epci(self.territory.epci))
            except Exception:
                pass
        out += list(self.territory.references())
        self.__dict__["_references_cache"] = tuple(out)
        return list(out)

    def _aggregate(self, keys: tuple[str, ...], columns: list[str], territory, vintage=None):
        """Sums of ``columns`` over a territory from the first product that has them.

        Returns (sums or None, SourceTable or None, coverage or None): ``sums`` is
        None when the product does not cover every commune of the territory.
        """
        from .data import commune_table

        last = (None, None, None)
        for key in keys:
            for level in ("COM", "IRIS"):
                try:
                    src = commune_table(key, vintage=vintage, level=level, required=False)
                except Exception:
                    src = None
                if src is None:
                    continue
                cols = [c.replace("{aa}", f"{src.vintage % 100:02d}") for c in columns]
                if not all(c in src.table.columns for c in cols):
                    last = (None, src, None)
                    continue
                sums, cov, _ = indicators.aggregate(src, territory, cols)
                if sums is not None:
                    sums.index = columns
                    return sums, src, cov
                last = (None, src, cov)
        return last

    def _pyramid(self):
        from . import charts

        bands = [("0014", "0-14 ans"), ("1529", "15-29 ans"), ("3044", "30-44 ans"),
                 ("4559", "45-59 ans"), ("6074", "60-74 ans"), ("75P", "75 ans ou plus")]
        cols = [f"P{{aa}}_{sex}{b}" for sex in ("H", "F") for b, _ in bands]
        keys = ("rp_population", "rp_iris_population")
        sums, src, cov = self._aggregate(keys, cols, self.territory)
        if sums is None:
            return message(_unavailable_text(
                "La pyramide des âges", src, cov, keys, "base-cc-evol-struct-pop-2019.zip"))
        labels = [lab for _, lab in bands]
        men = pd.Series([sums[f"P{{aa}}_H{b}"] for b, _ in bands], index=labels)
        women = pd.Series([sums[f"P{{aa}}_F{b}"] for b, _ in bands], index=labels)
        ref_m = ref_w = None
        ref_label = "Référence"
        for ref in self._references()[1:]:
            rs, _, _ = self._aggregate((src.key,), cols, ref, vintage=src.vintage)
            if rs is not None:
                ref_m = pd.Series([rs[f"P{{aa}}_H{b}"] for b, _ in bands], index=labels)
                ref_w = pd.Series([rs[f"P{{aa}}_F{b}"] for b, _ in bands], index=labels)
                ref_label = ref.name
                break
        source = f"{src.citation}, millésime {src.vintage}"
        if ref_m is None:
            source += (" ; aucun territoire de référence n'est entièrement couvert par les fichiers du "
                       "miroir : pas de contour de comparaison")
        return charts.age_pyramid(men, women, f"Pyramide des âges : {self.territory.name} ({src.vintage})",
                                  source, reference_men=ref_m, reference_women=ref_w,
                                  reference_label=ref_label, territory_label=self.territory.name,
                                  width=CHART_WIDTH)

    def _shares_frame(self, keys, parts: dict[str, str], total: str, what: str, example: str,
                      remainder: str | None = None):
        """Shares (%) of ``parts`` in ``total`` for the territory and each fully covered reference."""
        cols = list(dict.fromkeys([*parts.values(), total]))
        sums, src, cov = self._aggregate(keys, cols, self.territory)
        if sums is None:
            return None, message(_unavailable_text(what, src, cov, keys, example)), None
        rows, skipped = {}, []
        for t in self._references():
            s = sums if t is self.territory else self._aggregate((src.key,), cols, t, vintage=src.vintage)[0]
            if s is None or not s[total]:
                skipped.append(t.name)
                continue
            row = {label: s[col] / s[total] * 100 for label, col in parts.items()}
            if remainder:
                row[remainder] = max(0.0, 100 - sum(row.values()))
            rows[t.name] = row
        df = pd.DataFrame(rows).T
        source = f"{src.citation}, millésime {src.vintage}"
        if skipped:
            source += (f" ; non représenté{'s' if len(skipped) > 1 else ''}, faute de couverture "
                       f"complète dans le miroir : {', '.join(skipped)}")
        return df, None, source

    def _family_types(self):
        from . import charts

        parts = {"Couples avec enfant(s)": "C{aa}_COUPAENF", "Couples sans enfant": "C{aa}_COUPSENF",
                 "Familles monoparentales": "C{aa}_FAMMONO"}
        df, msg, source = self._shares_frame(("rp_familles", "rp_iris_familles"), parts, "C{aa}_FAM",
                                             "La répartition des familles par type",
                                             "base-cc-coupl-fam-men-2019.zip")
        if msg is not None:
            return msg
        return charts.stacked_shares(df, "Répartition des familles selon leur type", source,
                                     width=CHART_WIDTH)

    def _commuting_modes(self):
        from . import charts
        from .data import commune_table

        keys = ("rp_activite", "rp_iris_activite")
        parts = {"Voiture, camion": "C{aa}_ACTOCC15P_VOIT",
                 "Transports en commun": "C{aa}_ACTOCC15P_TCOM",
                 "Marche à pied": "C{aa}_ACTOCC15P_MAR", "Vélo": "C{aa}_ACTOCC15P_VELO",
                 "Deux-roues motorisé": "C{aa}_ACTOCC15P_2ROUESMOT",
                 "Pas de transport": "C{aa}_ACTOCC15P_PAS"}
        remainder = None
        # The departmental extracts lack public transport: shown as an undetailed remainder.
        for key in keys:
            for level in ("COM", "IRIS"):
                try:
                    src = commune_table(key, level=level, required=False)
                except Exception:
                    src = None
                if src is not None:
                    tcom = f"C{src.vintage % 100:02d}_ACTOCC15P_TCOM"
                    if tcom not in src.table.columns:
                        parts.pop("Transports en commun")
                        remainder = "Autres, dont transports en commun"
                    break
            else:
                continue
            break
        df, msg, source = self._shares_frame(keys, parts, "C{aa}_ACTOCC15P",
                                             "La répartition des modes de transport domicile-travail",
                                             "base-cc-emploi-pop-active-2019.zip", remainder)
        if msg is not None:
            return msg
        if remainder:
            source += (" ; « Autres, dont transports en commun » : part non détaillée par le fichier, "
                       "qui ne donne pas les transports en commun")
        return charts.stacked_shares(df, "Mode de transport principal des actifs occupés pour aller "
                                         "travailler", source, width=CHART_WIDTH)

    def _population_history(self):
        """Population at each census since 1968 (séries historiques), base 100 in 1968."""
        from . import charts
        from .data import commune_table
        from .sources.recensement import population_columns

        try:
            src = commune_table("rp_series", required=False)
        except Exception:
            src = None
        if src is None:
            return message("La population depuis 1968 n'est pas disponible : la base « Séries "
                           "historiques » du recensement (« base-cc-serie-historique-2019.zip ») est "
                           "absente du miroir (dossier recensement).")
        cols = population_columns(src.table.columns)
        series, partial = {}, []
        for t in self._references():
            sums, cov, _ = indicators.aggregate(src, t, list(cols))
            if sums is None:
                partial.append(t.name)
                continue
            years = {}
            for col, year in cols.items():  # a census year may have two columns: keep the first
                years.setdefault(year, float(sums[col]))
            series[t.name] = years
        if self.territory.name not in series:
            return message("La population depuis 1968 ne peut pas être calculée pour ce territoire : "
                           "la base des séries historiques ne couvre pas toutes ses communes.")
        df = pd.DataFrame(series).sort_index()
        base100 = len(df.columns) > 1
        source = src.citation + (" ; non représenté(s) : " + ", ".join(partial) if partial else "")
        title = "Population depuis 1968" + (" (indice base 100 en 1968)" if base100 else "")
        return charts.evolution(df, title, unit="habitants", source=source, base100=base100,
                                width=CHART_WIDTH)

    def _caf_evolution(self):
        from . import charts
        from .sources import find

        try:
            years = sorted({d.vintage for d in find("caf_iris", required=False)})
        except Exception:
            years = []
        if not years:
            return message("L'évolution des foyers allocataires de la CAF n'est pas disponible : les "
                           "fichiers « data_CAF_AAAA_IRIS.csv » (Cnaf) sont absents du miroir "
                           "(dossier caf).")
        series: dict[str, dict[int, float]] = {}
        citation, partial = "", []
        for t in self._references():
            values, secret = {}, False
            for year in years:
                sums, src, cov = self._aggregate(("caf_iris",), ["A"], t, vintage=year)
                if src is not None:
                    citation = src.citation.rsplit(",", 1)[0]
                if sums is not None:
                    values[year] = float(sums["A"])
                elif cov is not None and cov.secret:
                    secret = True
            if t is self.territory and not values:
                if secret:
                    return message(
                        "L'évolution des foyers allocataires de la CAF ne peut pas être calculée pour ce "
                        "territoire : une partie de ses IRIS est soumise au secret statistique dans les "
                        "données CAF à l'IRIS (valeurs non diffusées), et une somme partielle ne serait "
                        "pas un total.")
                return message(
                    "L'évolution des foyers allocataires de la CAF ne peut pas être calculée pour ce "
                    "territoire : les données CAF à l'IRIS ne couvrent que les communes découpées en "
                    "IRIS (environ 10 000 habitants ou plus), et toutes les communes du territoire "
                    "n'y figurent pas.")
            if values:
                series[t.name] = values
            elif t is not self.territory:
                partial.append(t.name)
        df = pd.DataFrame(series)
        base100 = len(df.columns) > 1
        source = f"{citation or 'Cnaf, données CAF à l IRIS'}, décembre {years[0]} à {years[-1]}"
        if partial:
            source += (" ; " + ", ".join(partial) + " : non représenté(s), les données CAF à l'IRIS ne "
                       "couvrant pas toutes leurs communes")
        title = (f"Foyers allocataires de la CAF, {years[0]}-{years[-1]}"
                 + (" (indice base 100)" if base100 else ""))
        return charts.evolution(df, title, unit="foyers allocataires", source=source, base100=base100,
                                width=CHART_WIDTH)

    # -- sections ---------------------------------------------------------------
    def section(self, key: str) -> Html:
        """A theme section: key figures table, charts and comment (or why it is empty)."""
        section = SECTION_BY_KEY[key]
        ids = self.section_ids(key)
        parts = []
        if not ids:
            parts.append(message(self._no_indicator_text(section)))
        else:
            if not any(self.has_value(i) for i in ids):
                notes = sorted({self._own.at[i, "note"] for i in ids if self._own.at[i, "note"]})
                parts.append(message(
                    "<strong>Données non disponibles pour ce thème.</strong> "
                    + " ".join(esc(n[0].upper() + n[1:]) for n in notes)))
            parts.append(self.indicator_table(ids))
            partial = [i for i in ids if self.partially_covered(i)]
            if partial:
                parts.append(self.commune_table(partial))
        charts_ = self.charts(key)
        if charts_:
            parts.append('<div class="dg-charts">' + "".join(charts_) + "</div>")
        parts.append(self.comment(key))
        return Html(f'<section class="dg-section" data-section="{esc(key)}">' + "".join(parts)
                    + "</section>")

    def _no_indicator_text(self, section: Section) -> str:
        from .sources import REGISTRY

        missing = []
        for key in section.products:
            product = REGISTRY.get(key)
            if product is None:
                continue
            try:
                present = bool(product.datasets())
            except Exception:
                present = False
            if not present:
                missing.append(f"{esc(product.label)} (ajoutez « {esc(product.example_name)} » au "
                               f"dossier {esc(product.folder or 'du miroir')})")
        text = (f"<strong>Thème « {esc(section.title)} » non disponible.</strong> Le catalogue "
                "d'indicateurs du kit ne contient pas encore d'indicateur pour ce thème")
        if missing:
            text += " et la source nécessaire est absente du miroir : " + " ; ".join(missing)
        return text + "."

    # -- maps -----------------------------------------------------------------
    def map_indicators(self, limit: int = 4) -> list[str]:
        chosen = []
        for ind_id in MAP_INDICATORS:
            if ind_id in set(self.table["id"]) and (self.has_value(ind_id) or self.partially_covered(ind_id)):
                chosen.append(ind_id)
            if len(chosen) >= limit:
                break
        return chosen

    def maps(self) -> Html:
        """Choropleths of the communes (EPCI, perimeter, département...) or the locator map."""
        from . import maps

        t = self.territory
        if t.kind in ("commune", "arrondissement"):
            return Html('<div class="dg-charts">' + self._safe(
                "situation de la commune", lambda: maps.locator(t)) + "</div>")
        if t.kind == "france":
            return message("Pas de carte communale pour la France entière (près de 35 000 communes).")
        parts = [self._safe("situation du territoire", lambda: maps.locator(t))]
        chosen = self.map_indicators()
        if not chosen:
            parts.append(message("Aucun indicateur n'est disponible commune par commune pour ce "
                                 "territoire."))
        for ind_id in chosen:
            parts.append(self._safe(self._own.at[ind_id, "label"], lambda i=ind_id: self._choropleth(i)))
        return Html('<div class="dg-charts">' + "".join(parts) + "</div>")

    def _choropleth(self, ind_id: str):
        from . import maps

        values = indicators.commune_values(self.territory, ind_id)
        attrs = values.attrs
        series = values.set_index("code")["value"]
        if series.notna().sum() == 0:
            return message(f"« {esc(attrs.get('label', ind_id))} » : aucune valeur par commune "
                           f"({esc(attrs.get('note') or 'source sans détail communal')}).")
        unit = "%" if str(attrs.get("unit", "")).startswith("%") else attrs.get("unit", "")
        source = attrs.get("source", "")
        vint = self._own.at[ind_id, "vintage"]
        title = f"{attrs.get('label', ind_id)} par commune"
        if source and vint and str(vint) not in source:
            source = f"{source}, millésime {vint}"
        return maps.choropleth(self.territory, series, title, unit, source,
                               decimals=int(attrs.get("decimals", 1)))

    # -- methodology ------------------------------------------------------------
    def sources_table(self) -> Html:
        """Every product used, with its vintage and geography, and the indicators it feeds."""
        df = self.table[self.table["source"].astype(str) != ""]
        rows = []
        for (source, vintage, geo), group in df.groupby(["source", "vintage", "geo_year"], dropna=False,
                                                         sort=False):
            labels = list(dict.fromkeys(group["label"]))
            levels = [LEVEL_FR.get(lvl, lvl) for lvl in dict.fromkeys(group["level"])]
            geo_txt = "—" if pd.isna(geo) else f"COG {int(geo)}"
            rows.append(f"<tr><td>{esc(source)}</td><td class=\"dg-vint\">{esc(vintage)}</td>"
                        f"<td class=\"dg-vint\">{esc(geo_txt)}</td><td>{esc(', '.join(levels))}</td>"
                        f"<td>{len(labels)} : {esc(_shorten(labels))}</td></tr>")
        return Html('<div class="dg-table-wrap"><table class="dg-table dg-meta"><thead><tr>'
                    "<th>Source</th><th>Millésime</th><th>Géographie</th><th>Niveaux</th>"
                    f"<th>Indicateurs</th></tr></thead><tbody>{''.join(rows)}</tbody></table></div>")

    def files_table(self) -> Html:
        """The mirror's files behind the figures, with their SHA-256 from the store provenance."""
        from . import store
        from .sources import REGISTRY

        used = {m.source for ind in catalogue().values() for m in ind.methods}
        used |= {m.denominator_source for ind in catalogue().values() for m in ind.methods
                 if m.denominator_source}
        used |= {"cog_communes", "epci", "appartenance"}
        rows = []
        for key, product in REGISTRY.items():
            if key not in used:
                continue
            try:
                datasets = product.datasets()
            except Exception:
                datasets = []
            for ds in sorted(datasets, key=lambda d: (-d.vintage, d.part)):
                prov = store.read_provenance(ds)
                if prov is None:
                    continue
                member = f" ({ds.member})" if ds.member else ""
                rows.append(f"<tr><td>{esc(ds.path.name + member)}</td><td>{esc(product.label)}</td>"
                            f'<td class="dg-vint">{ds.vintage}</td><td class="dg-vint">{ds.geo_year}</td>'
                            f'<td class="dg-hash">{esc(prov.sha256[:16])}</td>'
                            f'<td class="dg-vint">{esc(prov.ingested_at[:10])}</td></tr>')
        if not rows:
            return Html("")
        return Html('<div class="dg-table-wrap"><table class="dg-table dg-meta"><thead><tr>'
                    "<th>Fichier du miroir</th><th>Produit</th><th>Millésime</th><th>Géographie</th>"
                    "<th>Empreinte SHA-256 (début)</th><th>Intégré le</th></tr></thead>"
                    f"<tbody>{''.join(rows)}</tbody></table></div>")

    def notes_table(self) -> Html:
        """Coverage, secret statistique and method notes, each with what it concerns."""
        df = self.table[self.table["note"].astype(str) != ""]
        if df.empty:
            return Html("<p>Aucune note de couverture ni de secret statistique.</p>")
        items = []
        for note, group in df.groupby("note", sort=False):
            where = sorted({LEVEL_FR.get(lvl, lvl) for lvl in group["level"]},
                           key=lambda x: list(LEVEL_FR.values()).index(x) if x in LEVEL_FR.values() else 9)
            labels = list(dict.fromkeys(group["label"]))
            items.append(f"<li>{esc(note[0].upper() + note[1:])} "
                         f'<span class="dg-muted">— {esc(_shorten(labels, 4))} '
                         f"({esc(', '.join(where).lower())})</span></li>")
        return Html('<ul class="dg-notes-list">' + "".join(items) + "</ul>")

    def methodology(self) -> Html:
        """Méthodologie et sources: products, vintages, geographies, notes, generation."""
        from .territory import geography

        t = self.territory
        geo = geography()
        vintages = sorted({str(v) for v in self.table["vintage"] if v})
        mixed = ("<p><strong>Millésimes mixtes.</strong> Les indicateurs ne sont pas tous du même "
                 "millésime : " + esc(", ".join(vintages)) + ". Chaque tableau indique la source et le "
                 "millésime de chaque ligne ; un écart entre deux indicateurs de millésimes différents "
                 "doit être lu avec prudence. Les fichiers sont exploités dans leur propre géographie "
                 "communale (année du COG) : les communes fusionnées depuis sont additionnées, jamais "
                 "réparties.</p>") if len(vintages) > 1 else ""
        communes = ""
        if len(t.communes) > 1:
            listing = ", ".join(f"{esc(geo.commune_name(c))} ({esc(c)})" for c in t.communes[:400])
            more = f" … et {len(t.communes) - 400} autres" if len(t.communes) > 400 else ""
            communes = (f"<details><summary>Composition : {len(t.communes)} communes (COG {t.geo_year})"
                        f"</summary><p>{listing}{more}.</p></details>")
        refs = ", ".join(esc(r.label) for r in t.references())
        try:
            th = findings_mod.load_thresholds()
            thresholds = (f"<p><strong>Repérage des enjeux.</strong> Un écart est retenu quand il dépasse "
                          f"{format_number(th['defaut']['ecart_points'], 1)} point(s) pour une part et "
                          f"{format_number(100 * th['defaut']['ecart_relatif'], 0)} % en valeur relative "
                          f"(seuils par défaut du fichier seuils.yaml"
                          f"{', ajustés pour ' + str(len(th['indicateurs'])) + ' indicateurs' if th['indicateurs'] else ''}"
                          "). Les effectifs (population, naissances…) ne sont pas comparés entre "
                          "territoires de tailles différentes.</p>")
        except Exception:
            thresholds = ""
        try:
            from .sources import geometries

            background = f"<li>Fonds de carte : {esc(geometries.geometry_source())}.</li>"
        except Exception:
            background = ""
        generation = (
            "<ul>"
            f"<li>Date de génération : {date_fr(self.generated_at)} à {self.generated_at:%H:%M}.</li>"
            f"<li>Version du kit « diagnostic » : {esc(__version__)} (Python {platform.python_version()}).</li>"
            f"<li>Géographie de référence : COG {geo.year} ; intercommunalités : {esc(geo.epci_source)}.</li>"
            f"{background}</ul>")
        return Html(
            f"<h3>Territoire et références</h3><p>{esc(t.label)}. Références de comparaison : {refs}.</p>"
            f"{communes}<h3>Sources et millésimes</h3>{mixed}{self.sources_table()}"
            f"<h3>Secret statistique, couverture et notes de méthode</h3>"
            "<p>« n.d. » signale une valeur non disponible : la note numérotée sous chaque tableau en donne "
            "la raison (fichier absent du miroir, secret statistique, couverture partielle). Une somme "
            "partielle n'est jamais présentée comme un total.</p>"
            f"{self.notes_table()}{thresholds}<h3>Fichiers utilisés</h3>{self.files_table()}"
            f"<h3>Génération du rapport</h3>{generation}")

    # -- side files ---------------------------------------------------------------
    def write_files(self, directory: str | Path | None) -> list[Path]:
        """Write ``indicateurs.xlsx``, ``indicateurs.csv`` and ``enjeux.csv`` to ``directory``."""
        from . import export

        if not directory:
            return []
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        export.indicators_workbook(self.table, directory / "indicateurs.xlsx")
        export.write(self.table, "csv", directory / "indicateurs.csv")
        export.write(self.findings, "csv", directory / "enjeux.csv", kind="enjeux")
        return [directory / n for n in ("indicateurs.xlsx", "indicateurs.csv", "enjeux.csv")]


LEVEL_FR = {"territoire": "Territoire", "departement": "Département", "region": "Région",
            "france": "France", "pair": "Comparaison"}


def _same(a, b) -> bool:
    """Equal as drop_duplicates sees it (two missing values are the same)."""
    return (pd.isna(a) and pd.isna(b)) if (pd.isna(a) or pd.isna(b)) else a == b


def _join_fr(items: list[str]) -> str:
    items = list(dict.fromkeys(items))
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " et " + items[-1]


def _shorten(labels: list[str], n: int = 6) -> str:
    if len(labels) <= n:
        return ", ".join(labels)
    return ", ".join(labels[:n]) + f"… (+{len(labels) - n})"


def _source_line(row) -> str:
    source = str(row["source"] or "")
    vint = str(row["vintage"] or "")
    if vint and vint not in source:
        source = f"{source}, millésime {vint}"
    return source


def _unavailable_text(what: str, src, cov, keys, example: str) -> str:
    """French reason why a chart cannot be drawn for the territory."""
    if src is None:
        return (f"{what} n'est pas disponible : aucun fichier du recensement ne la permet dans le "
                f"miroir (ajoutez « {example} » au dossier recensement).")
    if cov is not None and cov.total:
        return (f"{what} n'est pas disponible pour ce territoire : {esc(src.citation)} ne couvre que "
                f"{cov.covered} commune{'s' if cov.covered > 1 else ''} sur {cov.total} du territoire "
                f"(ajoutez la base communale complète, « {example} », au dossier recensement).")
    return (f"{what} n'est pas disponible : les variables nécessaires sont absentes de "
            f"{esc(src.citation)}.")


def _epci(code: str):
    """The EPCI ``code`` as a territory (cached by territory.resolve_epci)."""
    from .territory import resolve_epci

    return resolve_epci(code)


def open_diagnostic(territory, peers=()) -> Diagnostic:
    """The entry point of the notebook: ``dg = open_diagnostic(territoire, pairs)``."""
    return Diagnostic(territory, tuple(peers or ()))


__all__ = ["Diagnostic", "Html", "Markdown", "SECTIONS", "open_diagnostic", "date_fr", "figure_html"]

