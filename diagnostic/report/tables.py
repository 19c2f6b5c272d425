"""The report's HTML tables: indicators beside their references, per-commune values,
sources, files and notes of the methodology.

Each function takes the :class:`~diagnostic.report.diagnostic.Diagnostic` and
returns an :class:`~diagnostic.report.display.Html` block styled by
``templates/report.css`` (classes ``dg-table``, ``dg-num``, ``dg-src``…).
"""
from __future__ import annotations

import pandas as pd

from .. import store
from ..catalogue import catalogue
from ..sources import REGISTRY
from .display import Html, esc, message
from .formatting import LEVEL_FR, shorten, unit_suffix, value_text

PARTIAL_REFERENCE_NOTE = (
    "couverture partielle de la source à ce niveau (communes absentes du fichier ou secret "
    "statistique) : valeur non calculée ; le détail figure dans « Méthodologie et sources ».")


def _table(head: str, body: str, caption: str = "", css: str = "dg-table", after: str = "") -> Html:
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return Html(f'<div class="dg-table-wrap"><table class="{css}">{cap}<thead><tr>{head}</tr></thead>'
                f"<tbody>{body}</tbody></table>{after}</div>")


def _cell_text(r: dict) -> str:
    """A value; over a partly covered field its estimate (« 16,5 % * ») or its lower bound
    (« au moins 6 686 »), whose field the numbered note gives; « n.d. » otherwise."""
    if pd.isna(r["value"]) and not pd.isna(r.get("estimate")):
        return value_text(r["estimate"], r["decimals"], r["unit"]) + "\u00a0*"
    if pd.isna(r["value"]) and not pd.isna(r.get("lower_bound")):
        return "au moins " + value_text(r["lower_bound"], r["decimals"], r["unit"])
    return value_text(r["value"], r["decimals"], r["unit"])


def indicator_table(dg, ids: list[str], caption: str = "") -> Html:
    """Indicators (rows) beside the references (columns), French numbers,
    with « Source » and « Millésime » columns and numbered notes."""
    cols = dg.columns
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
        records = dg.records(ind_id)
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
            text = _cell_text(r)
            ref = ""
            if pd.isna(r["value"]):
                note = r["note"]
                partial = pd.isna(r.get("estimate")) and pd.isna(r.get("lower_bound"))
                if partial and lvl != "territoire" and str(note).startswith("couverture partielle"):
                    note = PARTIAL_REFERENCE_NOTE
                ref = note_ref(note)
            elif lvl == "territoire" and r["note"]:
                ref = note_ref(r["note"])
            cls = "dg-num dg-own" if lvl == "territoire" else "dg-num"
            cells.append(f'<td class="{cls}">{esc(text)}{ref}</td>')
        label = f'{esc(own["label"])}<span class="dg-unit">{esc(unit_suffix(own["unit"]))}</span>'
        source = own["source"] or "—"
        vintage = own["vintage"] or "—"
        body.append(f"<tr><th scope=\"row\">{label}</th>{''.join(cells)}"
                    f'<td class="dg-src">{esc(source)}</td><td class="dg-vint">{esc(vintage)}</td></tr>')
    if not body:
        return message("Aucun indicateur du catalogue pour ce thème.")
    notes_html = ""
    if notes:
        items = "".join(f'<li value="{n}">{esc(text)}</li>' for text, n in notes.items())
        notes_html = f'<ol class="dg-notes">{items}</ol>'
    return _table(f"<th>Indicateur</th>{head}<th>Source</th><th>Millésime</th>", "".join(body),
                  caption, after=notes_html)


def _cell(value, decimals, unit) -> str:
    return f'<td class="dg-num">{esc(value_text(value, decimals, unit))}</td>'


def commune_detail_table(dg, ids: list[str], caption: str = "") -> Html:
    """Every commune (rows) × ``ids`` (columns), then the territory's own value; « n.d. » where
    the source does not cover a commune or its figures are secret."""
    own = dg.own
    frames = [dg.commune_values(i) for i in ids]  # the territory's communes, in one order
    formats = [(own.at[i, "decimals"], own.at[i, "unit"]) for i in ids]
    head = "".join(f'<th>{esc(own.at[i, "label"])}'
                   f'<span class="dg-unit">{esc(unit_suffix(own.at[i, "unit"]))}</span></th>' for i in ids)
    columns = [[_cell(v, *fmt) for v in frame["value"].to_numpy()] for frame, fmt in zip(frames, formats)]
    rows = [f'<tr><th scope="row">{esc(name)} <span class="dg-unit">({esc(code)})</span></th>'
            + "".join(column[k] for column in columns) + "</tr>"
            for k, (code, name) in enumerate(zip(frames[0]["code"], frames[0]["name"]))]
    rows.append(f'<tr class="dg-total"><th scope="row">{esc(dg.territory.name)}</th>'
                + "".join(_cell(own.at[i, "value"], *fmt) for i, fmt in zip(ids, formats)) + "</tr>")
    return _table(f"<th>Commune</th>{head}", "".join(rows), caption, css="dg-table dg-communes")


def commune_extremes_table(dg, ids: list[str], count: int = 5, caption: str = "") -> Html:
    """For many communes: each indicator's ``count`` highest and lowest communes."""
    own = dg.own

    def listing(values) -> str:
        return "<br/>".join(f'{esc(name)} <span class="dg-unit">{esc(value_text(v, own.at[i, "decimals"], own.at[i, "unit"]))}</span>'
                            for name, v in values)

    rows = []
    for i in ids:
        values = dg.commune_values(i).dropna(subset=["value"]).sort_values("value", kind="stable")
        pairs = list(zip(values["name"], values["value"]))
        rows.append(f'<tr><th scope="row">{esc(own.at[i, "label"])}'
                    f'<span class="dg-unit">{esc(unit_suffix(own.at[i, "unit"]))}</span></th>'
                    f'<td class="dg-num">{len(pairs)}</td>'
                    f"<td>{listing(pairs[::-1][:count])}</td><td>{listing(pairs[:count])}</td></tr>")
    return _table(f"<th>Indicateur</th><th>Communes renseignées</th><th>{count} valeurs les plus élevées</th>"
                  f"<th>{count} valeurs les plus faibles</th>", "".join(rows), caption,
                  css="dg-table dg-communes")


def sources_table(dg) -> Html:
    """Every product used, with its vintage and geography, and the indicators it feeds."""
    df = dg.table[dg.table["source"].astype(str) != ""]
    rows = []
    for (source, vintage, geo), group in df.groupby(["source", "vintage", "geo_year"], dropna=False,
                                                     sort=False):
        labels = list(dict.fromkeys(group["label"]))
        levels = [LEVEL_FR.get(lvl, lvl) for lvl in dict.fromkeys(group["level"])]
        geo_txt = "—" if pd.isna(geo) else f"COG {int(geo)}"
        rows.append(f"<tr><td>{esc(source)}</td><td class=\"dg-vint\">{esc(vintage)}</td>"
                    f"<td class=\"dg-vint\">{esc(geo_txt)}</td><td>{esc(', '.join(levels))}</td>"
                    f"<td>{len(labels)} : {esc(shorten(labels))}</td></tr>")
    return _table("<th>Source</th><th>Millésime</th><th>Géographie</th><th>Niveaux</th><th>Indicateurs</th>",
                  "".join(rows), css="dg-table dg-meta")


def files_table(dg, products=()) -> Html:
    """The mirror's files behind the figures, with their SHA-256 from the store provenance
    (catalogue sources, plus ``products`` read directly by some sections: QPV, IRIS...)."""
    used = {m.source for ind in catalogue().values() for m in ind.methods} | set(products)
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
    return _table("<th>Fichier du miroir</th><th>Produit</th><th>Millésime</th><th>Géographie</th>"
                  "<th>Empreinte SHA-256 (début)</th><th>Intégré le</th>", "".join(rows),
                  css="dg-table dg-meta")


def notes_table(dg) -> Html:
    """Coverage, secret statistique and method notes, each with what it concerns."""
    df = dg.table[dg.table["note"].astype(str) != ""]
    if df.empty:
        return Html("<p>Aucune note de couverture ni de secret statistique.</p>")
    order = list(LEVEL_FR.values())
    items = []
    for note, group in df.groupby("note", sort=False):
        where = sorted({LEVEL_FR.get(lvl, lvl) for lvl in group["level"]},
                       key=lambda x: order.index(x) if x in order else 9)
        labels = list(dict.fromkeys(group["label"]))
        items.append(f"<li>{esc(note[0].upper() + note[1:])} "
                     f'<span class="dg-muted">— {esc(shorten(labels, 4))} '
                     f"({esc(', '.join(where).lower())})</span></li>")
    return Html('<ul class="dg-notes-list">' + "".join(items) + "</ul>")
