"""The report's French sentences: findings by CTG axis, each section's « À retenir »,
and why a section is empty.

Each function takes the :class:`~diagnostic.report.diagnostic.Diagnostic` and
returns an :class:`~diagnostic.report.display.Html` block (the coloured
« Enjeu » / « Atout » labels are ``dg-badge`` spans styled by ``report.css``).
"""
from __future__ import annotations

import pandas as pd

from .. import findings as findings_mod
from ..findings.phrases import place
from ..sources import REGISTRY
from .display import Html, esc, message
from ..text import join_fr
from .formatting import same

STATUS_RANK = {"enjeu": 0, "atout": 1, "ecart": 2}


def finding_items(df: pd.DataFrame, limit: int | None = None) -> list[str]:
    """One line per (status, indicator): the first reference's sentence, the others named."""
    items = []
    # What df.groupby(["status", "id"], sort=False) then drop_duplicates("sentence") give,
    # on plain rows: groups in order of first appearance, rows in order, keys never missing.
    groups: dict[tuple, list[dict]] = {}
    for r in df.to_dict("records"):
        if pd.isna(r["status"]) or pd.isna(r["id"]):
            continue
        rows = groups.setdefault((r["status"], r["id"]), [])
        if not any(same(r["sentence"], o["sentence"]) for o in rows):
            rows.append(r)
    for (status, _), group in groups.items():
        first = group[0]
        others = [place(r["reference_level"], r["reference_name"]) for r in group[1:]]
        extra = ""
        if others:
            extra = (f' <span class="dg-also">Écart également marqué avec '
                     f"{esc(join_fr(list(dict.fromkeys(others))))}.</span>")
        items.append(f'<li><span class="dg-badge dg-{status}">{findings_mod.STATUS_FR.get(status, status)}'
                     f"</span> {esc(first['sentence'])}{extra}</li>")
    return items[:limit] if limit else items


def findings_by_axis(dg) -> Html:
    """Findings grouped by candidate CTG axis, axes with concerns first."""
    df = dg.findings
    if df.empty:
        return message("Aucun écart marqué avec les territoires de référence au regard des seuils "
                       "retenus (voir « Méthodologie et sources »).")
    df = df.assign(_s=df["status"].map(STATUS_RANK))
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
                      + "".join(finding_items(group)) + "</ul></div>")
    intro = ("<p>Les constats ci-dessous sont les écarts aux références (département, région, "
             "France) qui dépassent les seuils retenus, rattachés aux axes candidats de la "
             "convention territoriale globale. Les enjeux (situations défavorables) sont présentés "
             "en premier.</p>")
    return Html(intro + "".join(blocks))


def comment(dg, ids: list[str]) -> Html:
    """Short generated comment of a theme section (indicators ``ids``), from its findings."""
    available = [i for i in ids if dg.has_value(i)]
    if not ids or not available:
        return Html("")  # the section already says its data is missing
    comparable = [i for i in available if bool(dg.own.at[i, "comparable"])]
    if not comparable:
        return Html('<div class="dg-comment"><p><strong>À retenir.</strong> Les indicateurs de ce thème '
                    "qui se comparent d'un territoire à l'autre (parts, taux) ne sont pas disponibles "
                    "pour ce territoire (voir les notes du tableau) : aucun constat ne peut être "
                    "établi.</p></div>")
    df = dg.findings[dg.findings["id"].isin(ids)].drop_duplicates(["id", "reference_level", "status"])
    df = df.assign(_s=df["status"].map(STATUS_RANK)).sort_values("_s", kind="stable")
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
    items = finding_items(df, limit=6)
    return Html(f'<div class="dg-comment"><p><strong>À retenir.</strong> {lead}</p><ul>'
                + "".join(items) + f"</ul>{tail}</div>")


def no_indicator_text(section) -> str:
    """Why a theme section has no indicator: the catalogue, and which file the mirror lacks."""
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
