"""The report's French sentences: the findings of each section's « À retenir »,
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

STATUS_RANK = {"enjeu": 0, "atout": 1, "ecart": 2, "avertissement": 3, "non_compare": 4}


def finding_items(df: pd.DataFrame, limit: int | None = None) -> list[str]:
    """One line per finding (each finding once, with its French status badge)."""
    items = []
    for r in df.drop_duplicates("key").to_dict("records"):
        status = r["status"]
        items.append(f'<li><span class="dg-badge dg-{status}">{findings_mod.STATUS_FR.get(status, status)}'
                     f"</span> {esc(r['sentence'])}</li>")
    return items[:limit] if limit else items


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
    df = dg.findings[dg.findings["id"].isin(ids)].drop_duplicates("key")
    df = df.assign(_s=df["status"].map(STATUS_RANK)).sort_values("_s", kind="stable")
    missing = len(ids) - len(available)
    tail = ""
    if missing:
        tail = (f"<p class=\"dg-muted\">{missing} indicateur{'s' if missing > 1 else ''} sur {len(ids)} "
                f"non disponible{'s' if missing > 1 else ''} pour ce territoire (voir les notes du "
                "tableau).</p>")
    if (df["status"] == "non_compare").all():  # nothing marked: say whether comparisons were made
        return Html('<div class="dg-comment"><p><strong>À retenir.</strong> '
                    f"{esc(findings_mod.summary(dg.findings, dg.table, ids))}</p>{tail}</div>")
    n_enjeux = int((df["status"] == "enjeu").sum())
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
