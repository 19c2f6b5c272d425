"""Rich display of a territory in JupyterLab (``Territory._repr_html_``).

The styles are inline, so the block looks the same in JupyterLab, in an
exported HTML page and in any notebook viewer: nothing depends on a template.
"""
from __future__ import annotations

import html

from .territory import Territory, geography

#: Communes listed by name before « … et N autres ».
SHOWN_COMMUNES = 8

_BOX = ("font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:13px;line-height:1.45;"
        "border:1px solid #c9d3df;border-left:4px solid #1f4e79;border-radius:4px;padding:8px 12px;"
        "max-width:780px;color:#1d2733;background:#ffffff")
_TITLE = "font-size:15px;font-weight:600;color:#1f4e79;margin:0 0 4px 0"
_LABEL = "text-align:left;padding:1px 12px 1px 0;color:#55606e;font-weight:normal;vertical-align:top"
_CELL = "text-align:left;padding:1px 0;vertical-align:top"
_NOTICE = "margin:6px 0 0 0;padding:4px 8px;background:#fff6e0;border-left:3px solid #d08a00"


def _esc(text) -> str:
    return html.escape(str(text), quote=True)


def communes_summary(territory: Territory) -> str:
    """« 16 : L'Aigle, Aube, … et 8 autres » (names in the kit's COG)."""
    geo = geography()
    names = [geo.commune_name(c) for c in territory.communes[:SHOWN_COMMUNES]]
    rest = len(territory.communes) - len(names)
    text = ", ".join(names) + (f" … et {rest} autre{'s' if rest > 1 else ''}" if rest > 0 else "")
    return f"{len(territory.communes)} : {text}"


def territory_html(territory: Territory) -> str:
    """The territory as an HTML block: name, kind, communes, départements, references."""
    geo = geography()
    rows = [("Type", f"{territory.kind_label} ({territory.code})" if territory.kind != "france"
             else territory.kind_label),
            (f"Communes (COG {territory.geo_year})", communes_summary(territory))]
    if territory.departements:
        rows.append(("Département" + ("s" if len(territory.departements) > 1 else ""),
                     ", ".join(f"{geo.departement_name(d)} ({d})" for d in territory.departements)))
    if territory.epci:
        rows.append(("Intercommunalité", f"{geo.epci_name(territory.epci)} ({territory.epci})"))
    references = [ref.name for ref in territory.references()]
    if references:
        rows.append(("Références", ", ".join(references)))
    table = "".join(f'<tr><th style="{_LABEL}">{_esc(k)}</th><td style="{_CELL}">{_esc(v)}</td></tr>'
                    for k, v in rows)
    notices = "".join(f'<p style="{_NOTICE}">{_esc(n)}</p>' for n in territory.notices)
    return (f'<div class="dg-territoire" style="{_BOX}"><p style="{_TITLE}">{_esc(territory.name)}</p>'
            f'<table style="border-collapse:collapse;margin:0">{table}</table>{notices}</div>')
